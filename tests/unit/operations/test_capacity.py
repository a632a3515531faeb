from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from liaison.operations import capacity as rules
from liaison.operations.errors import InvalidCustodyEvent, InvalidFacility, InvalidProjection
from liaison.operations.model import CustodyEvent, CustodyEventKind, DailyOccupancy, Facility

D0 = date(2025, 6, 1)
IN, OUT, CENSUS = CustodyEventKind.INTAKE, CustodyEventKind.RELEASE, CustodyEventKind.CENSUS


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def event(kind: CustodyEventKind, n: int, people: int = 1, facility: str = "F1") -> CustodyEvent:
    return rules.custody_event(facility_id=facility, kind=kind, on=day(n), people=people)


def montgomery(beds: int = 10, facility_id: str = "F1") -> Facility:
    return rules.facility(
        facility_id=facility_id,
        name="Montgomery  Processing Center",
        jurisdiction_fips="48339",
        beds=beds,
    )


def test_a_facility_and_events_are_checked() -> None:
    assert montgomery().name == "Montgomery Processing Center"
    for beds in (0, -1, True):
        with pytest.raises(InvalidFacility, match="1 bed or more"):
            montgomery(beds=beds)
    with pytest.raises(InvalidFacility, match="an id and a name"):
        rules.facility(facility_id="F", name=" ", jurisdiction_fips="48339", beds=5)
    for kind in (IN, OUT):
        with pytest.raises(InvalidCustodyEvent, match="1 people or more, not 0"):
            event(kind, 0, people=0)
    assert event(CENSUS, 0, people=0).people == 0
    with pytest.raises(InvalidCustodyEvent, match="0 people or more"):
        event(CENSUS, 0, people=-1)


def test_occupancy_is_a_running_total_at_the_end_of_each_day() -> None:
    events = [event(IN, 0, 3), event(IN, 1), event(OUT, 1, 2), event(IN, 3, 4)]
    assert rules.occupancy(events, day(-1), day(4)) == [
        DailyOccupancy(day(-1), 0, 0, 0),
        DailyOccupancy(day(0), 3, 0, 3),
        DailyOccupancy(day(1), 1, 2, 2),
        DailyOccupancy(day(2), 0, 0, 2),
        DailyOccupancy(day(3), 4, 0, 6),
        DailyOccupancy(day(4), 0, 0, 6),
    ]
    # a window that starts after the events still carries their total
    assert rules.occupancy(events, day(2), day(2)) == [DailyOccupancy(day(2), 0, 0, 2)]
    assert rules.occupancy(events, day(2), day(1)) == []


def test_a_census_sets_the_days_occupancy_with_its_movements_included() -> None:
    events = [
        event(IN, 0, 2),
        event(IN, 1, 5),
        event(CENSUS, 1, 40),  # 40 at the end of day 1, the 5 taken in that day among them
        event(CENSUS, 1, 41),  # a recount later that day: the last one wins
        event(OUT, 2, 1),
    ]
    series = rules.occupancy(events, day(0), day(2))
    assert [d.occupancy for d in series] == [2, 41, 40]
    assert series[1].intakes == 5


def test_a_release_of_people_not_held_is_refused() -> None:
    rules.check_occupancy([event(IN, 0, 2), event(OUT, 1, 2)])
    with pytest.raises(InvalidCustodyEvent, match="2025-06-02 facility 'F1' would hold -1"):
        rules.check_occupancy([event(IN, 0, 2), event(OUT, 1, 3)])
    # a release back-dated before the intake is refused too
    with pytest.raises(InvalidCustodyEvent, match="2025-06-01"):
        rules.check_occupancy([event(IN, 5, 2), event(OUT, 0)])
    rules.check_occupancy([])


def test_projection_from_the_mean_net_intake() -> None:
    # census 4 on day 0, then 10 days of +2 in / -1 out: 14 held, net +1 a day
    events = [event(CENSUS, 0, 4)]
    for n in range(1, 11):
        events += [event(IN, n, 2), event(OUT, n)]
    p = rules.project(
        [montgomery(beds=20)], events, as_of=day(10), lookback_days=10, horizon_days=30
    )
    assert (p.occupancy, p.beds, p.net_daily_intake) == (14, 20, 1.0)
    assert p.full_on == day(16)  # 14 + 6 = 20: no free bed
    assert p.horizon == day(40)
    assert p.projected_at_horizon == 44.0
    assert p.beds_short_at_horizon == 24
    assert p.facilities == ("F1",)


def test_the_census_day_in_the_lookback_is_no_movement() -> None:
    events = [event(IN, 0, 3), event(CENSUS, 1, 30), event(IN, 2, 3)]
    p = rules.project([montgomery(beds=100)], events, as_of=day(2), lookback_days=3)
    assert p.occupancy == 33
    assert p.net_daily_intake == pytest.approx(2.0)  # (3 + 3) / 3 days


def test_exact_arithmetic_fills_beds_on_the_day() -> None:
    # 1 net intake every 3 days: a third of a bed a day; 10 free beds take exactly 30 days
    events = [event(IN, n) for n in range(0, 30, 3)]  # 10 intakes over days 0..27
    p = rules.project(
        [montgomery(beds=20)], events, as_of=day(29), lookback_days=30, horizon_days=30
    )
    assert p.occupancy == 10
    assert p.net_daily_intake == pytest.approx(1 / 3)
    assert p.full_on == day(59)
    assert p.projected_at_horizon == pytest.approx(20.0)
    assert p.beds_short_at_horizon == 0  # full, not short


def test_full_already_never_full_and_emptying() -> None:
    crowded = [event(CENSUS, 0, 12)]
    p = rules.project([montgomery(beds=10)], crowded, as_of=day(0), lookback_days=1)
    assert (p.full_on, p.beds_short_at_horizon) == (day(0), 2)
    steady = rules.project([montgomery()], [event(CENSUS, 0, 5)], as_of=day(5))
    assert steady.full_on is None
    assert steady.net_daily_intake == 0
    emptying = rules.project(
        [montgomery()], [event(IN, 0, 5), event(OUT, 1, 5)], as_of=day(1), lookback_days=1
    )
    assert emptying.full_on is None
    assert emptying.projected_at_horizon == 0.0  # never below zero


def test_facilities_are_pooled_and_their_censuses_kept_apart() -> None:
    a, b = montgomery(beds=10, facility_id="A"), montgomery(beds=5, facility_id="B")
    events = [
        event(CENSUS, 0, 8, facility="A"),
        event(IN, 0, 2, facility="B"),
        event(IN, 1, 1, facility="B"),
        event(IN, 1, 9, facility="C"),  # not in the pool
    ]
    p = rules.project([a, b], events, as_of=day(1), lookback_days=2, horizon_days=4)
    assert (p.beds, p.occupancy) == (15, 11)
    assert p.net_daily_intake == pytest.approx(1.5)  # B's 3 intakes over 2 days
    assert p.full_on == day(4)  # 11 + 1.5 x 3 = 15.5 >= 15
    assert p.facilities == ("A", "B")


def test_a_projection_is_checked() -> None:
    with pytest.raises(InvalidProjection, match="at least one facility"):
        rules.project([], [], as_of=D0)
    with pytest.raises(InvalidProjection, match="look"):
        rules.project([montgomery()], [], as_of=D0, lookback_days=0)
    with pytest.raises(InvalidProjection, match="ahead 0 days or more"):
        rules.project([montgomery()], [], as_of=D0, horizon_days=-1)


movements = st.lists(
    st.tuples(st.sampled_from([IN, OUT]), st.integers(0, 20), st.integers(1, 5)), max_size=30
)


@given(moves=movements)
def test_without_a_census_occupancy_is_intakes_less_releases(
    moves: list[tuple[CustodyEventKind, int, int]],
) -> None:
    events = [event(kind, n, people) for kind, n, people in moves]
    series = rules.occupancy(events, day(0), day(20))
    for i, today in enumerate(series):
        expected = sum((p if k is IN else -p) for k, n, p in moves if n <= i)
        assert today.occupancy == expected


@given(
    census=st.integers(0, 60),
    beds=st.integers(1, 60),
    net=st.integers(-20, 20),
    lookback=st.integers(1, 10),
)
def test_full_on_is_the_first_day_the_line_reaches_the_beds(
    census: int, beds: int, net: int, lookback: int
) -> None:
    assume(census + net >= 0)
    held = census + net
    as_of = day(lookback)
    events = [event(CENSUS, 0, census)]
    if net:
        events.append(event(IN if net > 0 else OUT, lookback, abs(net)))
    p = rules.project([montgomery(beds=beds)], events, as_of=as_of, lookback_days=lookback)
    assert p.occupancy == held

    def line(k: int) -> float:
        return held + net * k / lookback

    if p.full_on is None:
        assert held < beds
        assert net <= 0
    else:
        k = (p.full_on - as_of).days
        assert line(k) >= beds - 1e-9
        assert k == 0 or line(k - 1) < beds
