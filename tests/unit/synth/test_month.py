"""The month's plan: who is booked where and when, with fresh fingers, reproducibly."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from liaison.biometrics.benchmark import ENROLL, probe_fingers
from liaison.biometrics.iso19794 import write_record
from liaison.identity.priority import offense_class
from liaison.synth.month import (
    ENROLLED_SHARE,
    PlannedBooking,
    SimClock,
    booking_id_for,
    bookings_per_day,
    plan_bookings,
)
from liaison.synth.population import Person, make_person
from liaison.synth.spine import booking_fingers
from liaison.synth.world import CHARGES, plan_world

START = datetime(2025, 7, 7, tzinfo=UTC)
SEED = 3
IDENTITIES = 2000


@pytest.fixture(scope="module")
def people() -> list[Person]:
    return [make_person(SEED, i, today=START.date()) for i in range(IDENTITIES)]


@pytest.fixture(scope="module")
def month(people: list[Person]) -> list[PlannedBooking]:
    world = plan_world(seed=SEED, identities=IDENTITIES, agreements_file=None)
    return plan_bookings(
        seed=SEED,
        identities=IDENTITIES,
        days=10,
        start=START,
        world=world,
        categories=[p.category for p in people],
    )


def test_the_rate_scales_with_the_world_with_a_floor() -> None:
    assert bookings_per_day(100_000) == 100
    assert bookings_per_day(2_000) == 30


def test_the_plan_is_reproducible(people: list[Person], month: list[PlannedBooking]) -> None:
    world = plan_world(seed=SEED, identities=IDENTITIES, agreements_file=None)
    again = plan_bookings(
        seed=SEED,
        identities=IDENTITIES,
        days=10,
        start=START,
        world=world,
        categories=[p.category for p in people],
    )
    assert [(b.booking_id, b.person.index, b.jail.ori, b.submitted_at) for b in again] == [
        (b.booking_id, b.person.index, b.jail.ori, b.submitted_at) for b in month
    ]
    assert month[0].booking_id == booking_id_for(SEED, month[0].n)


def test_bookings_are_in_time_order_within_the_month(month: list[PlannedBooking]) -> None:
    assert 200 < len(month) < 400
    times = [b.submitted_at for b in month]
    assert times == sorted(times)
    for b in month:
        assert START <= b.arrested_at < b.submitted_at < b.release_at
        assert b.charges
        assert all(offense_class(c.ncic_code) for c in b.charges)
    assert len({b.tcn for b in month}) == len(month)


def test_enrolled_and_never_enrolled_people_are_booked(month: list[PlannedBooking]) -> None:
    enrolled = [b for b in month if b.person.enrolled]
    assert abs(len(enrolled) / len(month) - ENROLLED_SHARE) < 0.08
    assert all(b.person.index < IDENTITIES for b in enrolled)
    assert all(b.person.index >= IDENTITIES for b in month if not b.person.enrolled)
    assert len({b.jail.ori for b in month}) > 5
    charged = Counter(c.ncic_code for b in month for c in b.charges)
    assert set(charged) <= {code for code, *_ in CHARGES}


def test_a_second_booking_of_a_person_takes_another_fresh_impression(
    month: list[PlannedBooking],
) -> None:
    seen: Counter[int] = Counter()
    for b in month:
        assert b.capture == seen[b.person.index]
        seen[b.person.index] += 1


def test_booking_fingers_are_fresh_impressions_never_the_enrolled_ones() -> None:
    enrolled = {int(f.position): write_record([f]) for f in probe_fingers(SEED, 5, ENROLL)}
    first = booking_fingers(SEED, 5, 0)
    second = booking_fingers(SEED, 5, 1)
    assert set(first) == set(enrolled) == set(range(1, 11))
    assert all(first[p] != enrolled[p] for p in first)
    assert all(first[p] != second[p] for p in first)


def test_biographics_follow_the_person(month: list[PlannedBooking]) -> None:
    for b in month:
        if b.person.us_citizen:
            assert b.biographics.claimed_citizenship == "US"
        elif b.false_claim:
            assert b.biographics.birth_place == "US"
        else:
            assert b.biographics.claimed_citizenship == b.person.identity.birth_country


def test_the_clock_is_settable() -> None:
    clock = SimClock(START)
    assert clock() == START
    clock.now = START.replace(day=8)
    assert clock().day == 8
