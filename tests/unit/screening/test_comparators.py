from __future__ import annotations

import pytest

from liaison.screening.comparators import (
    BLOCKING_RULES,
    CASE_THRESHOLD,
    COMPARATORS,
    PREPARED_COLUMNS,
    PRIOR_WEIGHT,
    probability,
)


@pytest.mark.parametrize("comparator", COMPARATORS, ids=lambda c: c.name)
def test_each_comparator_is_documented_and_its_levels_can_be_told_apart(comparator) -> None:  # type: ignore[no-untyped-def]
    assert comparator.description
    levels = comparator.levels
    assert sum(level.null for level in levels) == 1, "one null level"
    assert levels[-1].sql == "ELSE", "the last level takes every other pair"
    weights = [level.weight for level in levels]
    # Splink reports a comparator's weight, not its level: weights must identify levels
    assert len({round(w, 9) for w in weights}) == len(weights)
    for level in levels:
        assert comparator.level_of_weight(level.weight) is level
        assert 0 < level.m <= 1
        assert 0 < level.u <= 1


def test_agreement_counts_for_and_disagreement_against() -> None:
    for comparator in COMPARATORS:
        agree, *_, differ = [level for level in comparator.levels if not level.null]
        assert agree.weight > 0 > differ.weight


def test_a_full_agreement_opens_a_case_and_names_alone_do_not() -> None:
    best = PRIOR_WEIGHT + sum(max(level.weight for level in c.levels) for c in COMPARATORS[:3])
    assert best > CASE_THRESHOLD
    name_only = PRIOR_WEIGHT + max(level.weight for level in COMPARATORS[0].levels)
    assert name_only < CASE_THRESHOLD
    assert probability(CASE_THRESHOLD) == pytest.approx(0.5)


def test_blocking_rules_are_equi_joins_on_prepared_columns() -> None:
    for rule in BLOCKING_RULES:
        assert set(rule.columns) <= set(PREPARED_COLUMNS)
        assert rule.sql.count("=") == len(rule.columns)
    assert {r.name for r in BLOCKING_RULES} >= {"names+year", "document", "names, no date"}


@pytest.mark.parametrize(
    ("one", "other", "label"),
    [
        ("Salem Majid Tarik Djaber", "Salem Majid Tariq Jaber", "every word spelled alike, three"),
        ("Oualid Rawi", "Walid Rawi", "every word spelled alike"),
        ("Jose Garcia", "Juan Garza", "different"),
        ("Mohammed Ahmed Al-Harbi", "Mohammed Al-Harbi", "one name within the other"),
    ],
)
def test_names_spelled_alike_word_for_word_have_their_own_level(
    one: str, other: str, label: str
) -> None:
    import duckdb
    import pyarrow as pa

    from liaison.screening.comparators import NAME
    from liaison.screening.prepared import prepare_name

    left, right = (prepare_name("x", n, (None, None, None), [], []) for n in (one, other))
    row = {}
    for column in ("name_norm", "name_sorted", "name_phon", "phons", "pair_key"):
        for side, prepared in (("l", left), ("r", right)):
            value = getattr(prepared, column)
            row[f"{column}_{side}"] = [list(value) if column == "phons" else value]
    with duckdb.connect() as con:
        con.register("pair", pa.table(row))
        (index,) = con.execute(f"SELECT {NAME.case_sql()} FROM pair").fetchone() or (None,)
    assert index is not None
    assert NAME.levels[index].label.startswith(label)
