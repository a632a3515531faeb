"""Names of the synthetic world: multi-origin distributions, transliteration variants, aliases.

The table ``tables/names.toml`` lists, per origin (Hispanic, Chinese, Vietnamese, South Asian,
Filipino, Arabic, Slavic, West African, Anglo), its share of the repository's foreign-born
people and of U.S.-born citizens, its birth countries and its common names, most common first;
and groups of spellings of one name (Mohammed / Muhammad / Mohamed, Nguyễn / Nguyen, Zhang /
Chang / Cheung). A name is drawn with weight ``1 / rank**0.9``; a booking may give a variant
spelling or an alias, as real bookings do, which is what makes biographic matching hard and
the fingerprint search necessary.

Every function takes the caller's ``numpy`` generator: nothing here keeps state.
"""

from __future__ import annotations

import bisect
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

import numpy as np

from liaison.identity.model import PersonName

__all__ = [
    "Origin",
    "alias_of",
    "draw_name",
    "draw_origin",
    "origins",
    "pick",
    "spelling_variant",
    "variants_of",
]

_ZIPF = 0.9


@dataclass(frozen=True)
class Origin:
    """One origin of the name table."""

    name: str
    share: float  # of the repository's foreign-born people
    us_share: float  # of U.S.-born citizens
    countries: tuple[tuple[str, float], ...]  # (ISO alpha-2, weight)
    given_m: tuple[str, ...]
    given_f: tuple[str, ...]
    family: tuple[str, ...]
    double_family: bool = False

    def country(self, rng: np.random.Generator) -> str:
        return self.countries[pick(rng, tuple(w for _, w in self.countries))][0]


@functools.cache
def _table() -> dict[str, object]:
    source = resources.files("liaison.synth") / "tables" / "names.toml"
    return tomllib.loads(source.read_text(encoding="utf-8"))


@functools.cache
def origins() -> tuple[Origin, ...]:
    """Every origin of the table, in the table's order."""
    raw = _table()["origins"]
    assert isinstance(raw, dict)
    return tuple(
        Origin(
            name=name,
            share=float(spec["share"]),
            us_share=float(spec["us_share"]),
            countries=tuple((str(c), float(w)) for c, w in spec["countries"].items()),
            given_m=tuple(spec["given_m"]),
            given_f=tuple(spec["given_f"]),
            family=tuple(spec["family"]),
            double_family=bool(spec.get("double_family", False)),
        )
        for name, spec in raw.items()
    )


@functools.cache
def _variant_map() -> dict[str, tuple[str, ...]]:
    raw = _table()["variants"]
    assert isinstance(raw, dict)
    found: dict[str, list[str]] = {}
    for group in raw["groups"]:
        for name in group:
            found.setdefault(name, [])
            found[name].extend(n for n in group if n != name and n not in found[name])
    return {name: tuple(others) for name, others in found.items()}


def variants_of(name: str) -> tuple[str, ...]:
    """Other spellings of ``name`` (each word of a compound name looked up on its own too)."""
    whole = _variant_map().get(name)
    if whole:
        return whole
    words = name.split(" ")
    out: list[str] = []
    for i, word in enumerate(words):
        for other in _variant_map().get(word, ()):
            out.append(" ".join([*words[:i], other, *words[i + 1 :]]))
    return tuple(out)


@functools.cache
def _cumulative(weights: tuple[float, ...]) -> tuple[float, ...]:
    total = sum(weights)
    running, out = 0.0, []
    for w in weights:
        running += w / total
        out.append(running)
    return tuple(out)


def pick(rng: np.random.Generator, weights: tuple[float, ...]) -> int:
    """An index drawn with the given (unnormalised) weights: one uniform draw, so cheap enough
    for the millions of draws a large world makes."""
    cumulative = _cumulative(weights)
    return min(bisect.bisect_right(cumulative, rng.random()), len(weights) - 1)


@functools.cache
def _zipf(n: int) -> tuple[float, ...]:
    return tuple(1.0 / (rank**_ZIPF) for rank in range(1, n + 1))


def _ranked(rng: np.random.Generator, names: tuple[str, ...]) -> str:
    return names[pick(rng, _zipf(len(names)))]


def draw_origin(rng: np.random.Generator, *, us_born: bool) -> Origin:
    """An origin by the table's shares (of U.S.-born citizens when ``us_born``)."""
    table = origins()
    return table[pick(rng, tuple(o.us_share if us_born else o.share for o in table))]


def draw_name(rng: np.random.Generator, origin: Origin, sex: str) -> PersonName:
    """A name of ``origin`` for a person of ``sex`` ("F" draws female given names)."""
    given = _ranked(rng, origin.given_f if sex == "F" else origin.given_m)
    family = _ranked(rng, origin.family)
    if origin.double_family and rng.random() < 0.6:
        second = _ranked(rng, origin.family)
        if second != family:
            family = f"{family} {second}"
    return PersonName(family, given)


def spelling_variant(rng: np.random.Generator, name: PersonName) -> PersonName:
    """The same name as another record or a booking officer might spell it: a transliteration
    or a dropped diacritic of the given or the family name, where the table knows one."""
    family = variants_of(name.family)
    given = variants_of(name.given)
    if family and (not given or rng.random() < 0.5):
        return PersonName(family[int(rng.integers(len(family)))], name.given, name.alias)
    if given:
        return PersonName(name.family, given[int(rng.integers(len(given)))], name.alias)
    return name


def alias_of(rng: np.random.Generator, name: PersonName, origin: Origin, sex: str) -> PersonName:
    """A name the person also used: the first family name alone (Hispanic double names), the
    names swapped (a common recording error), or another given name of the same origin."""
    words = name.family.split(" ")
    roll = rng.random()
    if len(words) > 1 and roll < 0.6:
        return PersonName(words[0], name.given, alias=True)
    if roll < 0.8:
        return PersonName(name.given, name.family, alias=True)
    pool = tuple(g for g in (origin.given_f if sex == "F" else origin.given_m) if g != name.given)
    if not pool:
        return PersonName(name.given, name.family, alias=True)
    return PersonName(name.family, _ranked(rng, pool), alias=True)
