from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.identity.errors import IdentityError, PriorityTableError, UnknownOffenseCode
from liaison.identity.model import EventKind, ImmigrationEvent, ImmigrationStatus
from liaison.identity.priority import (
    PriorityTable,
    classify_offense,
    enforcement_priority,
    offense_class,
    offense_class_names,
)
from liaison.identity.status import derive_status

ON = date(2025, 6, 1)


def status_after(kind: EventKind) -> ImmigrationStatus:
    return derive_status([ImmigrationEvent(kind, date(2015, 1, 1))], ON)


UNLAWFUL = status_after(EventKind.ENTERED_WITHOUT_INSPECTION)
LAWFUL = status_after(EventKind.LPR_GRANTED)
CITIZEN = status_after(EventKind.NATURALIZED)
TABLE = PriorityTable.default()

# --- offense classes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("0902", "homicide"),
        ("1099", "kidnapping"),
        ("1103", "sexual_assault"),
        ("1201", "robbery"),
        ("1313", "assault"),
        ("1699", "threats"),
        ("2202", "burglary"),
        ("2399", "larceny"),
        ("2404", "stolen_vehicle"),
        ("3562", "dangerous_drugs"),
        ("3699", "sex_offenses"),
        ("3899", "family_offenses"),
        ("4801", "obstructing_police"),
        ("4901", "flight_escape"),
        ("5012", "obstructing_judiciary"),
        ("5202", "weapon_offenses"),
        ("5404", "traffic_offenses"),
        ("5707", "invasion_of_privacy"),
        ("7399", "public_order"),
    ],
)
def test_offense_class_by_ncic_category(code: str, name: str) -> None:
    assert offense_class(code) == name


def test_offense_classes_carry_their_flags() -> None:
    homicide, larceny = classify_offense("0911"), classify_offense("2303")
    assert (homicide.violent, homicide.felony_default) == (True, True)
    assert (larceny.violent, larceny.felony_default) == (False, False)


@pytest.mark.parametrize("code", ["", "13", "13130", "13a3", " 1313", "١٣١٣"])
def test_a_malformed_code_is_refused_clearly(code: str) -> None:
    with pytest.raises(UnknownOffenseCode, match="four digits"):
        offense_class(code)


def test_a_code_in_no_class_is_unknown() -> None:
    with pytest.raises(UnknownOffenseCode, match=r"'0800'.*no class") as caught:
        offense_class("0800")
    assert isinstance(caught.value, IdentityError)
    assert caught.value.code == "0800"


def test_a_class_is_decided_by_the_first_two_digits() -> None:
    by_category: dict[str, set[str]] = {}
    for number in range(10_000):
        code = f"{number:04d}"
        with contextlib.suppress(UnknownOffenseCode):
            name = offense_class(code)
            by_category.setdefault(code[:2], set()).add(name)
    assert all(len(names) == 1 for names in by_category.values())
    assert set().union(*by_category.values()) == offense_class_names()


# --- the default priority table -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("charges", "level"),
    [
        ([("0902", True)], "level_1"),  # violent felony
        ([("3562", True)], "level_1"),  # listed (aggravated) felony class
        ([("2303", True), ("2404", True)], "level_1"),  # two felonies
        ([("2303", True)], "level_2"),  # one felony
        ([("5404", False)] * 3, "level_2"),  # three misdemeanors
        ([("1313", False)], "level_3"),  # a violent class, but a misdemeanor
        ([("5404", False), ("2399", False)], "level_3"),
        ([], "none"),
    ],
)
def test_default_levels_for_a_person_without_lawful_status(
    charges: list[tuple[str, bool]], level: str
) -> None:
    assert enforcement_priority(charges=charges, status=UNLAWFUL, table=TABLE) == level


def test_lawful_status_counts_convictions_only() -> None:
    charges = [("0902", True)]
    assert enforcement_priority(charges=charges, status=LAWFUL, table=TABLE) == "none"
    got = enforcement_priority(charges=[], convictions=charges, status=LAWFUL, table=TABLE)
    assert got == "level_1"


def test_unlawful_status_counts_charges_and_convictions_together() -> None:
    got = enforcement_priority(
        charges=[("2303", True)], convictions=[("2202", True)], status=UNLAWFUL, table=TABLE
    )
    assert got == "level_1"


@given(
    charges=st.lists(st.tuples(st.sampled_from(["0902", "1313", "2303", "5404"]), st.booleans())),
    convictions=st.lists(st.tuples(st.sampled_from(["0902", "3562"]), st.booleans())),
)
def test_citizens_always_get_none(
    charges: list[tuple[str, bool]], convictions: list[tuple[str, bool]]
) -> None:
    got = enforcement_priority(
        charges=charges, convictions=convictions, status=CITIZEN, table=TABLE
    )
    assert got == "none"


def test_an_unknown_counted_code_is_refused() -> None:
    with pytest.raises(UnknownOffenseCode):
        enforcement_priority(charges=[("0800", True)], status=UNLAWFUL, table=TABLE)


def test_the_default_table_is_read_once() -> None:
    assert PriorityTable.default() is PriorityTable.default()


# --- tables from files --------------------------------------------------------------------------

STRICT = """
none_level = "no_priority"

[counted]
lawful = []
unlawful = ["charges"]

[[levels]]
name = "priority_a"
offense_classes = ["traffic_offenses"]

[[levels]]
name = "priority_b"
min_misdemeanors = 5
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "priority.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_editing_the_table_changes_the_answer_without_code(tmp_path: Path) -> None:
    table = PriorityTable.load(write(tmp_path, STRICT))
    traffic, larceny = [("5404", False)], [("2303", True)]
    assert enforcement_priority(charges=traffic, status=UNLAWFUL, table=TABLE) == "level_3"
    assert enforcement_priority(charges=traffic, status=UNLAWFUL, table=table) == "priority_a"
    assert enforcement_priority(charges=larceny, status=UNLAWFUL, table=table) == "no_priority"
    assert enforcement_priority(charges=traffic, status=LAWFUL, table=table) == "no_priority"
    assert enforcement_priority(charges=traffic, status=CITIZEN, table=table) == "no_priority"


def test_a_threshold_edit_moves_a_person_between_levels(tmp_path: Path) -> None:
    lowered = STRICT.replace("min_misdemeanors = 5", "min_misdemeanors = 2")
    table = PriorityTable.load(write(tmp_path, lowered))
    larcenies = [("2303", False)] * 2
    assert enforcement_priority(charges=larcenies, status=UNLAWFUL, table=table) == "priority_b"


def test_the_packaged_file_loads_by_path_like_any_other() -> None:
    packaged = Path(__file__).parents[3] / "src/liaison/identity/tables/priority.toml"
    assert PriorityTable.load(packaged) == TABLE


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (("min_misdemeanors = 5", "min_misdemeanors = -1"), "0 or more"),
        (("min_misdemeanors = 5", "min_misdemeanors = true"), "whole number"),
        (("min_misdemeanors = 5", "min_misdemanors = 5"), "unknown key"),
        (("traffic_offenses", "parking"), "no such offense class"),
        (('unlawful = ["charges"]', 'unlawful = ["arrests"]'), "can be counted"),
        (('name = "priority_b"', 'name = "priority_a"'), "unique"),
        (('name = "priority_b"', 'name = "no_priority"'), "unique"),
        (("min_misdemeanors = 5", ""), "no criterion"),
        (('none_level = "no_priority"', "none_level = 0"), "none_level: expected a string"),
        (("[counted]", "[counting]"), "unknown key"),
        (("[[levels]]", "[levels]"), "levels"),
        (("lawful = []", "lawful = ["), "not valid TOML"),
    ],
)
def test_a_bad_table_is_refused_naming_file_and_key(
    tmp_path: Path, edit: tuple[str, str], problem: str
) -> None:
    path = write(tmp_path, STRICT.replace(*edit))
    with pytest.raises(PriorityTableError, match=problem) as caught:
        PriorityTable.load(path)
    assert str(caught.value).startswith(str(path))


def test_a_table_without_levels_is_refused(tmp_path: Path) -> None:
    text = 'none_level = "none"\nlevels = []\n[counted]\nlawful = []\nunlawful = []\n'
    with pytest.raises(PriorityTableError, match="at least one level"):
        PriorityTable.load(write(tmp_path, text))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PriorityTableError, match="cannot be read"):
        PriorityTable.load(tmp_path / "absent.toml")
