from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.jurisdictions import fips
from liaison.jurisdictions.errors import UnknownJurisdiction
from liaison.operations.errors import NaiveDatetime, OperationsError
from liaison.operations.zones import STATE_ZONES, as_utc, day_bounds, local_date, state_zone

EASTERN = ZoneInfo("America/New_York")


def test_every_state_and_territory_has_a_zone_that_loads() -> None:
    postal_codes = {fips.postal(s.fips) for s in fips.states()}
    assert set(STATE_ZONES) == postal_codes
    assert len(postal_codes) == 56
    for code in postal_codes:
        assert state_zone(code).key == STATE_ZONES[code]


@pytest.mark.parametrize(
    ("state", "zone"),
    [
        ("TX", "America/Chicago"),  # El Paso keeps Mountain time; most Texans Central
        ("48", "America/Chicago"),  # FIPS works too
        ("Tennessee", "America/Chicago"),
        ("FL", "America/New_York"),
        ("IN", "America/Indiana/Indianapolis"),
        ("HI", "Pacific/Honolulu"),
        ("AZ", "America/Phoenix"),
    ],
)
def test_multi_zone_states_take_their_most_populous_zone(state: str, zone: str) -> None:
    assert state_zone(state).key == zone


def test_an_unknown_state_has_no_zone() -> None:
    with pytest.raises(UnknownJurisdiction):
        state_zone("Atlantis")


def test_naive_datetimes_are_refused_by_name() -> None:
    with pytest.raises(NaiveDatetime, match="effective_at has no time zone") as caught:
        as_utc(datetime(2025, 6, 1, 12), "effective_at")
    assert caught.value.field == "effective_at"
    assert isinstance(caught.value, OperationsError)


def test_aware_datetimes_become_the_same_instant_in_utc() -> None:
    local = datetime(2025, 6, 1, 8, tzinfo=EASTERN)
    assert as_utc(local, "x") == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert as_utc(local, "x").tzinfo is UTC
    fixed = datetime(2025, 6, 1, 8, tzinfo=timezone(timedelta(hours=-4)))
    assert as_utc(fixed, "x") == as_utc(local, "x")


def test_dst_days_are_23_and_25_hours_long() -> None:
    spring = day_bounds(date(2025, 3, 9), EASTERN)
    autumn = day_bounds(date(2025, 11, 2), EASTERN)
    ordinary = day_bounds(date(2025, 6, 1), EASTERN)
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    assert ordinary == (
        datetime(2025, 6, 1, 4, tzinfo=UTC),
        datetime(2025, 6, 2, 4, tzinfo=UTC),
    )


def test_one_instant_is_two_dates_in_hawaii_and_new_york() -> None:
    instant = datetime(2025, 6, 2, 5, tzinfo=UTC)
    assert local_date(instant, EASTERN) == date(2025, 6, 2)
    assert local_date(instant, ZoneInfo("Pacific/Honolulu")) == date(2025, 6, 1)


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    state=st.sampled_from(sorted(STATE_ZONES)),
)
def test_local_days_tile_time(day: date, state: str) -> None:
    zone = state_zone(state)
    start, end = day_bounds(day, zone)
    assert day_bounds(day + timedelta(days=1), zone)[0] == end  # no gap, no overlap
    assert local_date(start, zone) == day
    assert local_date(end - timedelta(microseconds=1), zone) == day
    assert local_date(end, zone) == day + timedelta(days=1)
    assert timedelta(hours=23) <= end - start <= timedelta(hours=25)
