"""Names of the synthetic world: origins, weighted draws, transliteration variants, aliases."""

from __future__ import annotations

import numpy as np
import pytest

from liaison.identity.model import PersonName
from liaison.synth.names import (
    alias_of,
    draw_name,
    draw_origin,
    origins,
    pick,
    spelling_variant,
    variants_of,
)


def test_the_table_has_the_origins_and_their_shares_sum_to_one() -> None:
    names = {o.name for o in origins()}
    assert {"hispanic", "vietnamese", "chinese", "arabic", "slavic", "west_african", "anglo"} <= (
        names
    )
    assert sum(o.share for o in origins()) == pytest.approx(1.0, abs=1e-9)
    assert sum(o.us_share for o in origins()) == pytest.approx(1.0, abs=1e-9)
    for origin in origins():
        assert origin.given_m
        assert origin.given_f
        assert origin.family
        assert all(len(code) == 2 and code.isupper() for code, _ in origin.countries)


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("Mohammed", "Muhammad"),
        ("Muhammad", "Mohamed"),
        ("Nguyễn", "Nguyen"),
        ("Nguyen", "Nguyễn"),
        ("Zhang", "Chang"),
        ("Hernández", "Hernandez"),
        ("Aleksandr", "Oleksandr"),
    ],
)
def test_transliteration_variants_go_both_ways(name: str, other: str) -> None:
    assert other in variants_of(name)


def test_a_compound_name_has_variants_word_by_word() -> None:
    assert "Garcia Hernández" in variants_of("García Hernández")
    assert variants_of("Zzyzx") == ()


def test_draws_are_reproducible_from_the_generator() -> None:
    first = [draw_name(np.random.default_rng(3), o, "F") for o in origins()]
    again = [draw_name(np.random.default_rng(3), o, "F") for o in origins()]
    assert first == again


def test_common_names_come_first_more_often() -> None:
    rng = np.random.default_rng(1)
    counts = np.bincount([pick(rng, (1.0, 0.5, 0.25)) for _ in range(4000)], minlength=3)
    assert counts[0] > counts[1] > counts[2] > 0


def test_origins_follow_the_table_shares() -> None:
    rng = np.random.default_rng(2)
    drawn = [draw_origin(rng, us_born=False).name for _ in range(4000)]
    assert 0.42 < drawn.count("hispanic") / len(drawn) < 0.52
    us = [draw_origin(rng, us_born=True).name for _ in range(4000)]
    assert us.count("anglo") / len(us) > 0.6


def test_a_spelling_variant_is_the_same_name_otherwise_spelt() -> None:
    rng = np.random.default_rng(4)
    name = PersonName("Nguyễn", "Tuấn")
    variants = {spelling_variant(rng, name) for _ in range(50)}
    assert PersonName("Nguyen", "Tuấn") in variants or PersonName("Nguyễn", "Tuan") in variants
    assert all(not v.alias for v in variants)
    unknown = PersonName("Zzyzx", "Qwerty")
    assert spelling_variant(rng, unknown) == unknown


def test_an_alias_is_marked_and_differs() -> None:
    rng = np.random.default_rng(5)
    hispanic = next(o for o in origins() if o.name == "hispanic")
    name = PersonName("García López", "José")
    aliases = [alias_of(rng, name, hispanic, "M") for _ in range(40)]
    assert all(a.alias for a in aliases)
    assert all((a.family, a.given) != (name.family, name.given) for a in aliases)
    assert PersonName("García", "José", alias=True) in aliases
