"""Offense classes and enforcement priority, both read from table files rather than code.

``tables/offense_classes.toml`` maps NCIC offense codes to offense classes;
``tables/priority.toml`` (or any file of the same schema, given by path) says which offense
history puts a person at which enforcement priority level. Each file documents its schema at
its top; changing a table changes the answers without touching this module.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NoReturn

from liaison.identity.errors import PriorityTableError, UnknownOffenseCode
from liaison.identity.model import ImmigrationStatus

__all__ = [
    "OffenseClass",
    "PriorityLevel",
    "PriorityTable",
    "classify_offense",
    "enforcement_priority",
    "offense_class",
    "offense_class_names",
]

_CODE = re.compile(r"[0-9]{4}")
_RANGE = re.compile(r"([0-9]{4})-([0-9]{4})")


# --- offense classes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OffenseClass:
    """One class of offenses, as the offense table defines it."""

    name: str
    violent: bool  # uses or threatens force against a person
    felony_default: bool  # usually a felony, for records that do not say


def offense_class(ncic_code: str) -> str:
    """The name of the offense class of a 4-digit NCIC offense code, e.g. "0902" -> "homicide".

    Raises ``UnknownOffenseCode`` for a code that is not four digits or is in no class.
    """
    return classify_offense(ncic_code).name


def classify_offense(ncic_code: str) -> OffenseClass:
    """The offense class of a 4-digit NCIC offense code (raises ``UnknownOffenseCode``)."""
    if not _CODE.fullmatch(ncic_code):
        raise UnknownOffenseCode(ncic_code, "expected exactly four digits, e.g. '1313'")
    found = _offense_codes().get(int(ncic_code))
    if found is None:
        raise UnknownOffenseCode(ncic_code, "in no class of the offense table")
    return found


def offense_class_names() -> frozenset[str]:
    """The name of every class in the offense table."""
    return frozenset(c.name for c in _offense_codes().values())


@functools.cache
def _offense_codes() -> dict[int, OffenseClass]:
    """Every known code -> its class, read once from the packaged offense table."""
    source = _packaged("offense_classes.toml")
    codes: dict[int, OffenseClass] = {}
    for name, spec in _Reader.of(source.read_bytes(), source.name).tables("classes").items():
        spec.only("ranges", "violent", "felony_default")
        offense = OffenseClass(name, spec.flag("violent"), spec.flag("felony_default"))
        for code in (c for text in spec.strings("ranges") for c in spec.code_range(text)):
            if code in codes:
                spec.fail(f"code {code:04d} is also in {codes[code].name}")
            codes[code] = offense
    return codes


def _packaged(name: str) -> Traversable:
    return resources.files("liaison.identity") / "tables" / name


# --- enforcement priority -----------------------------------------------------------------------

_COUNTABLE = frozenset({"charges", "convictions"})


@dataclass(frozen=True)
class _Offense:
    offense: OffenseClass
    felony: bool


@dataclass(frozen=True)
class PriorityLevel:
    """One level of the table; it applies when any one of its criteria holds."""

    name: str
    violent_felony: bool = False
    felony_classes: frozenset[str] = frozenset()
    offense_classes: frozenset[str] = frozenset()
    min_felonies: int = 0  # 0: not a criterion
    min_misdemeanors: int = 0  # 0: not a criterion

    def applies(self, offenses: Sequence[_Offense]) -> bool:
        """Whether any criterion of this level holds for the counted ``offenses``."""
        felonies = [o.offense for o in offenses if o.felony]
        misdemeanors = len(offenses) - len(felonies)
        return (
            (self.violent_felony and any(f.violent for f in felonies))
            or any(f.name in self.felony_classes for f in felonies)
            or any(o.offense.name in self.offense_classes for o in offenses)
            or (0 < self.min_felonies <= len(felonies))
            or (0 < self.min_misdemeanors <= misdemeanors)
        )


@dataclass(frozen=True)
class PriorityTable:
    """Enforcement priority levels, most severe first, and which offenses count for whom."""

    levels: tuple[PriorityLevel, ...]
    none_level: str  # reported when no level applies, and always for citizens
    counted_if_lawful: frozenset[str]  # of "charges", "convictions"
    counted_if_unlawful: frozenset[str]

    @classmethod
    def default(cls) -> PriorityTable:
        """The packaged ``tables/priority.toml`` (read once)."""
        return _default_table()

    @classmethod
    def load(cls, path: Path | str) -> PriorityTable:
        """The table in the TOML file at ``path``; raises ``PriorityTableError`` naming it."""
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise PriorityTableError(str(path), f"cannot be read: {exc.strerror}") from exc
        return cls.parse(raw, source=str(path))

    @classmethod
    def parse(cls, raw: bytes, *, source: str) -> PriorityTable:
        """The table in ``raw`` TOML; ``source`` names it in errors."""
        top = _Reader.of(raw, source)
        top.only("none_level", "counted", "levels")
        counted = top.table("counted")
        counted.only("lawful", "unlawful")
        table = cls(
            levels=tuple(_level(spec) for spec in top.table_list("levels")),
            none_level=top.text("none_level"),
            counted_if_lawful=_counted(counted, "lawful"),
            counted_if_unlawful=_counted(counted, "unlawful"),
        )
        _check_level_names(table, top)
        return table

    def counted(self, *, lawful: bool) -> frozenset[str]:
        """Which of "charges" and "convictions" count for a person (not) in lawful status."""
        return self.counted_if_lawful if lawful else self.counted_if_unlawful


@functools.cache
def _default_table() -> PriorityTable:
    source = _packaged("priority.toml")
    return PriorityTable.parse(source.read_bytes(), source=source.name)


def _level(spec: _Reader) -> PriorityLevel:
    spec.only(
        "name",
        "violent_felony",
        "felony_classes",
        "offense_classes",
        "min_felonies",
        "min_misdemeanors",
    )
    level = PriorityLevel(
        name=spec.text("name"),
        violent_felony=spec.flag("violent_felony", default=False),
        felony_classes=spec.class_names("felony_classes"),
        offense_classes=spec.class_names("offense_classes"),
        min_felonies=spec.count("min_felonies"),
        min_misdemeanors=spec.count("min_misdemeanors"),
    )
    if level == PriorityLevel(level.name):
        spec.fail(f"level {level.name!r} has no criterion, so it could never apply")
    return level


def _counted(spec: _Reader, key: str) -> frozenset[str]:
    values = frozenset(spec.strings(key))
    if not values <= _COUNTABLE:
        spec.fail(f"{key}: only {sorted(_COUNTABLE)} can be counted, not {sorted(values)}")
    return values


def _check_level_names(table: PriorityTable, top: _Reader) -> None:
    names = [level.name for level in table.levels]
    if not names:
        top.fail("levels: at least one level is needed")
    if len(set(names)) != len(names) or table.none_level in names:
        top.fail(f"level names must be unique and differ from none_level: {names}")


def enforcement_priority(
    *,
    charges: Sequence[tuple[str, bool]],
    convictions: Sequence[tuple[str, bool]] = (),
    status: ImmigrationStatus,
    table: PriorityTable,
) -> str:
    """The name of the first level of ``table`` that the counted offenses reach, else its
    ``none_level``. Charges and convictions are ``(ncic_code, felony)`` pairs; which of them
    count depends on whether ``status`` is lawful. Citizens always get ``none_level``.

    Raises ``UnknownOffenseCode`` for a counted offense whose code the offense table lacks.
    """
    if status.category.is_citizen:
        return table.none_level
    counted = table.counted(lawful=status.lawful)
    records = [
        *(charges if "charges" in counted else ()),
        *(convictions if "convictions" in counted else ()),
    ]
    offenses = [_Offense(classify_offense(code), felony) for code, felony in records]
    return next((lv.name for lv in table.levels if lv.applies(offenses)), table.none_level)


# --- reading TOML -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reader:
    """Typed access to one table of a parsed TOML file; every error names the file and key."""

    data: dict[str, Any]
    source: str
    where: str = ""

    @classmethod
    def of(cls, raw: bytes, source: str) -> _Reader:
        try:
            return cls(tomllib.loads(raw.decode("utf-8")), source)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise PriorityTableError(source, f"not valid TOML: {exc}") from exc

    def fail(self, problem: str) -> NoReturn:
        where = f"{self.where}: " if self.where else ""
        raise PriorityTableError(self.source, where + problem)

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def only(self, *keys: str) -> None:
        """Refuse keys the schema does not know: a misspelt key must not pass silently."""
        unknown = sorted(set(self.data) - set(keys))
        if unknown:
            self.fail(f"unknown key(s) {unknown}; expected some of {list(keys)}")

    def _get(self, key: str, kind: type, expected: str, default: Any) -> Any:
        value = self.data.get(key, default)
        # bool is an int in Python, but true is not a count
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise PriorityTableError(self.source, f"{self._key(key)}: expected {expected}")
        return value

    def text(self, key: str) -> str:
        value: str = self._get(key, str, "a string", None)
        return value

    def flag(self, key: str, *, default: bool | None = None) -> bool:
        value: bool = self._get(key, bool, "true or false", default)
        return value

    def count(self, key: str) -> int:
        value: int = self._get(key, int, "a whole number, 0 or more", 0)
        if value < 0:
            self.fail(f"{key}: expected a whole number, 0 or more")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value: list[Any] = self._get(key, list, "a list of strings", [])
        if not all(isinstance(v, str) for v in value):
            self.fail(f"{key}: expected a list of strings")
        return tuple(value)

    def class_names(self, key: str) -> frozenset[str]:
        names = frozenset(self.strings(key))
        unknown = sorted(names - offense_class_names())
        if unknown:
            self.fail(f"{key}: no such offense class {unknown}")
        return names

    def code_range(self, text: str) -> range:
        match = _RANGE.fullmatch(text)
        if match is None or int(match[1]) > int(match[2]):
            self.fail(f"range {text!r} is not 'first-last' 4-digit codes")
        return range(int(match[1]), int(match[2]) + 1)

    def table(self, key: str) -> _Reader:
        return _Reader(self._get(key, dict, "a table", None), self.source, self._key(key))

    def tables(self, key: str) -> dict[str, _Reader]:
        """The sub-tables of ``[key.<name>]``, by name."""
        parent = self.table(key)
        return {name: parent.table(name) for name in parent.data}

    def table_list(self, key: str) -> list[_Reader]:
        """The entries of an array of tables ``[[key]]``."""
        items: list[Any] = self._get(key, list, "an array of tables [[...]]", None)
        if not all(isinstance(item, dict) for item in items):
            self.fail(f"{key}: expected an array of tables [[{key}]]")
        return [
            _Reader(item, self.source, f"{self._key(key)}[{i}]") for i, item in enumerate(items)
        ]
