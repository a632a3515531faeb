from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.jurisdictions.errors import UnknownJurisdiction
from liaison.jurisdictions.model import Jurisdiction, JurisdictionKind
from liaison.operations import deployments as rules
from liaison.operations.errors import InvalidDeployment, OverlappingDeployment
from liaison.operations.model import Deployment, Destination

HOUSTON, HARRIS, DALLAS = "4835000", "48201", "48113"
PLACES = {
    HOUSTON: Jurisdiction(HOUSTON, JurisdictionKind.CITY, "Houston", "48"),
    HARRIS: Jurisdiction(HARRIS, JurisdictionKind.COUNTY, "Harris County", "48"),
    "48": Jurisdiction("48", JurisdictionKind.STATE, "Texas", "48"),
}
JUNE_1 = date(2025, 6, 1)


def bortac(
    deployment_id: str = "D1",
    start: date = JUNE_1,
    end: date = date(2025, 6, 10),
    destinations: dict[str, int] | None = None,
    unit: str = "BORTAC",
    agency: str = "CBP",
) -> Deployment:
    return rules.deployment(
        deployment_id=deployment_id,
        agency=agency,
        unit=unit,
        destinations={HOUSTON: 40, HARRIS: 10} if destinations is None else destinations,
        start=start,
        end=end,
        mission="support to ERO Houston",
    )


def test_a_deployment_records_headcount_per_destination() -> None:
    d = bortac()
    assert d.destinations == (Destination(HARRIS, 10), Destination(HOUSTON, 40))
    assert d.headcount == 50


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"destinations": {HOUSTON: 0}}, "1 or more, not 0"),
        ({"destinations": {HOUSTON: -3}}, "1 or more, not -3"),
        ({"destinations": {HOUSTON: True}}, "not True"),
        ({"destinations": {}}, "at least one destination"),
        ({"end": date(2025, 5, 31)}, "before it starts"),
        ({"unit": " "}, "the unit sent"),
        ({"agency": ""}, "source agency"),
        ({"deployment_id": ""}, "an id"),
        ({"destinations": {HOUSTON: 2, f" {HOUSTON}": 3}}, "listed twice"),
    ],
)
def test_a_deployment_is_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidDeployment, match=message):
        bortac(**kwargs)  # type: ignore[arg-type]


def test_a_single_day_window_is_allowed() -> None:
    assert bortac(end=JUNE_1).start == JUNE_1


def test_destinations_must_be_stored_counties_or_cities() -> None:
    rules.check_places(bortac(), PLACES.get)
    with pytest.raises(UnknownJurisdiction, match="no jurisdiction has FIPS '48113'"):
        rules.check_places(bortac(destinations={DALLAS: 5}), PLACES.get)
    with pytest.raises(InvalidDeployment, match="not the state Texas"):
        rules.check_places(bortac(destinations={"48": 5}), PLACES.get)


def test_sharing_a_boundary_day_overlaps() -> None:
    first = bortac()
    second = bortac("D2", start=date(2025, 6, 10), end=date(2025, 6, 20))
    with pytest.raises(OverlappingDeployment, match="from 2025-06-10 to 2025-06-10") as caught:
        rules.check_no_overlap(second, [first])
    assert caught.value.other_id == "D1"
    assert rules.shared_days(first, second) == (date(2025, 6, 10), date(2025, 6, 10))


def test_the_next_day_does_not_overlap() -> None:
    first = bortac()
    second = bortac("D2", start=date(2025, 6, 11), end=date(2025, 6, 20))
    rules.check_no_overlap(second, [first])
    assert rules.shared_days(first, second) is None
    assert rules.overlaps([first, second]) == []


def test_the_same_unit_is_named_without_regard_to_case_or_spacing() -> None:
    first = bortac()
    same = bortac("D2", unit=" bortac ", agency="cbp", start=date(2025, 6, 5))
    other_unit = bortac("D3", unit="BORSTAR", start=date(2025, 6, 5))
    other_agency = bortac("D4", agency="DEA", start=date(2025, 6, 5))
    with pytest.raises(OverlappingDeployment):
        rules.check_no_overlap(same, [first, other_unit, other_agency])
    rules.check_no_overlap(other_unit, [first, other_agency])
    rules.check_no_overlap(other_agency, [first, other_unit])


def test_the_same_deployment_does_not_overlap_itself() -> None:
    rules.check_no_overlap(bortac(), [bortac()])


def test_overlaps_among_stored_deployments() -> None:
    a = bortac("A", start=date(2025, 6, 1), end=date(2025, 6, 30))
    b = bortac("B", start=date(2025, 6, 10), end=date(2025, 6, 12))
    c = bortac("C", start=date(2025, 6, 25), end=date(2025, 7, 5))
    d = bortac("D", start=date(2025, 7, 6), end=date(2025, 7, 9))  # after C, inside nothing
    guard = bortac("G", unit="1-141 IN", agency="National Guard", start=date(2025, 6, 10))
    found = rules.overlaps([d, c, b, a, guard])
    assert [(o.first.deployment_id, o.second.deployment_id, o.start, o.end) for o in found] == [
        ("A", "B", date(2025, 6, 10), date(2025, 6, 12)),
        ("A", "C", date(2025, 6, 25), date(2025, 6, 30)),
    ]


def test_headcount_in_place_by_place_and_day() -> None:
    a = bortac("A")  # 1-10 June: Houston 40, Harris 10
    b = bortac(
        "B",
        agency="USMS",
        unit="Gulf Coast Task Force",
        start=date(2025, 6, 10),
        end=date(2025, 6, 15),
        destinations={HOUSTON: 7},
    )
    assert rules.headcount_on([a, b], date(2025, 5, 31)) == {}
    assert rules.headcount_on([a, b], JUNE_1) == {HARRIS: 10, HOUSTON: 40}
    assert rules.headcount_on([a, b], date(2025, 6, 10)) == {HARRIS: 10, HOUSTON: 47}
    assert rules.headcount_on([a, b], date(2025, 6, 11)) == {HOUSTON: 7}
    assert rules.headcount_on([a, b], date(2025, 6, 16)) == {}


def test_in_place_on_a_day_takes_in_both_ends_of_the_window() -> None:
    a = bortac("A")  # 1-10 June
    b = bortac("B", unit="SRT", start=date(2025, 6, 10), end=date(2025, 6, 15))
    assert rules.in_place_on([b, a], date(2025, 5, 31)) == []
    assert rules.in_place_on([b, a], JUNE_1) == [a]
    assert rules.in_place_on([b, a], date(2025, 6, 10)) == [b, a]  # the order given
    assert rules.in_place_on([b, a], date(2025, 6, 15)) == [b]
    assert rules.in_place_on([b, a], date(2025, 6, 16)) == []


windows = st.tuples(
    st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=15)
).map(lambda t: (JUNE_1 + timedelta(days=t[0]), JUNE_1 + timedelta(days=t[0] + t[1])))


@given(first=windows, second=windows)
def test_overlap_is_sharing_a_day(first: tuple[date, date], second: tuple[date, date]) -> None:
    a = bortac("A", start=first[0], end=first[1])
    b = bortac("B", start=second[0], end=second[1])

    def days(d: Deployment) -> set[date]:
        return {d.start + timedelta(days=i) for i in range((d.end - d.start).days + 1)}

    shared = days(a) & days(b)
    got = rules.shared_days(a, b)
    assert got == rules.shared_days(b, a)
    assert got == ((min(shared), max(shared)) if shared else None)
    assert len(rules.overlaps([a, b])) == (1 if shared else 0)
