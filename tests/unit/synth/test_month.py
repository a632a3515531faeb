"""The month's plan: who is booked where and when, with fresh fingers, reproducibly; and the
month played on the in-memory store, where every slip of the officers and jails is refused by
its own safeguard and leaves nothing written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from tests.fakes import FakeIdentityRepository, FakeJurisdictionRepository, FakeUnitOfWork

from liaison.accounts.services import configure_hashing
from liaison.biometrics.benchmark import ENROLL, probe_fingers
from liaison.biometrics.iso19794 import write_record
from liaison.bookings import services as bookings
from liaison.bookings.model import Biographics, Candidate, Charge, Decision, Identification
from liaison.bootstrap import Container
from liaison.detainers import services as detainers
from liaison.detainers.model import ProbableCause
from liaison.identity.priority import PriorityTable, offense_class
from liaison.jurisdictions.model import Agency
from liaison.synth.month import (
    ADJUDICATORS,
    ENROLLED_SHARE,
    MonthLog,
    PlannedBooking,
    SimClock,
    booking_id_for,
    bookings_per_day,
    plan_bookings,
    simulate,
)
from liaison.synth.population import Category, Person, make_person
from liaison.synth.sop import SLIPS, Slip
from liaison.synth.spine import booking_fingers
from liaison.synth.world import CHARGES, Jail, plan_world

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


# -- the month on the in-memory store ----------------------------------------------------------


class _Store:
    """What ``simulate`` asks of a container: units of work (the in-memory store's)."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def uow(self) -> FakeUnitOfWork:
        return self._uow


@pytest.fixture
def cheap_hashing() -> Iterator[None]:
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1),))
    configure_hashing(passwords=cheap, keys=cheap)
    yield
    configure_hashing()


def _first(people: list[Person], category: Category, nth: int = 0) -> Person:
    return [p for p in people if p.category is category][nth]


def _booked(n: int, person: Person, jail: Jail, *, claims_us_birth: bool = False) -> PlannedBooking:
    record = person.identity
    name = person.primary_name
    place = "US" if claims_us_birth else record.birth_country
    claimed = "US" if claims_us_birth or person.us_citizen else record.birth_country
    arrested = START + timedelta(hours=3 * n)
    return PlannedBooking(
        n=n,
        booking_id=booking_id_for(SEED, n),
        tcn=f"SIM-{n}",
        person=person,
        capture=0,
        jail=jail,
        arrested_at=arrested,
        submitted_at=arrested + timedelta(minutes=40),
        release_at=arrested + timedelta(days=4),
        charges=(Charge("1315", "aggravated assault", True),),
        biographics=Biographics(
            name.family, name.given, record.birth_date, record.sex, place, claimed
        ),
        false_claim=claims_us_birth and not person.us_citizen,
    )


def _worker(
    uow: FakeUnitOfWork, clock: SimClock, candidates: dict[str, tuple[int, ...]]
) -> Callable[[], bool]:
    """The booking worker, with a search that finds the candidates the test names."""

    def run_once() -> bool:
        detainers.lapse_overdue(uow=uow, now=clock())
        with uow:
            job = uow.jobs.claim(worker="sim", now=clock(), lease_seconds=120)
        if job is None:
            return False
        found = tuple(
            Candidate(identity_id, 0.3 - 0.1 * k, {1: 0.3})
            for k, identity_id in enumerate(candidates[job.key])
        )
        with uow:
            bookings.identify_booking(
                uow=uow,
                booking_id=job.key,
                identification=Identification(Decision.MATCH, found, clock(), (0.05, 0.02)),
                priority_table=PriorityTable.default(),
                at=clock(),
            )
            uow.jobs.complete(job)
            uow.commit()
        return True

    return run_once


def _month(people: list[Person], slip_rate: float) -> tuple[MonthLog, FakeUnitOfWork]:
    """Five bookings, each one a chance for some of the slips, played at ``slip_rate``."""
    jail = plan_world(seed=SEED, identities=IDENTITIES, agreements_file=None).jails[0]
    ordered = _first(people, Category.FINAL_ORDER)  # S6: lodged on a final order
    stranger = _first(people, Category.EWI, 1)  # the ordered person's second candidate
    claimant = _first(people, Category.EWI)  # claims a U.S. birth: S3, referred
    citizen = _first(people, Category.NATURALIZED)  # S2
    resident = _first(people, Category.LPR)  # S4
    plan = [
        _booked(0, ordered, jail),
        _booked(1, claimant, jail, claims_us_birth=True),
        _booked(2, citizen, jail),
        _booked(3, resident, jail),
    ]
    candidates = {b.booking_id: (b.person.index,) for b in plan}
    candidates[plan[0].booking_id] = (ordered.index, stranger.index)
    records = [p.identity for p in (ordered, stranger, claimant, citizen, resident)]
    uow = FakeUnitOfWork(
        identities=FakeIdentityRepository(records),
        jurisdictions=FakeJurisdictionRepository(agencies=[Agency(jail.ori, jail.name, jail.fips)]),
    )
    clock = SimClock(START)
    log = simulate(
        cast(Container, _Store(uow)),
        clock,
        plan,
        seed=SEED,
        worker_step=_worker(uow, clock, candidates),
        slip_rate=slip_rate,
    )
    return log, uow


@pytest.mark.usefixtures("cheap_hashing")
def test_every_slip_is_refused_by_its_own_safeguard(people: list[Person]) -> None:
    log, uow = _month(people, slip_rate=1.0)
    assert set(log.slips) == {kind.value for kind in Slip}
    # each kind of slip, as often as it was tried, refused by the error its safeguard raises
    assert log.refusals == {SLIPS[Slip(kind)].refused_by: n for kind, n in log.slips.items()}
    assert log.slips_not_refused == {}
    assert log.errors == {}
    assert log.rulings == {"not_citizen": 1}
    # the adjudicators are accounts with the role; the officer who tried to rule holds none
    assert all(uow.accounts.get_user(name) for name in ADJUDICATORS)


@pytest.mark.usefixtures("cheap_hashing")
def test_the_month_s_detainers_rest_on_the_verified_identity_and_never_on_a_citizen(
    people: list[Person],
) -> None:
    log, uow = _month(people, slip_rate=1.0)
    truth = {b.booking_id: b for b in log.bookings}
    lodged = list(uow.detainers.list(limit=100))
    ordered = truth[booking_id_for(SEED, 0)]
    assert (ordered.booking_id, ordered.person.index, ProbableCause.FINAL_ORDER) in {
        (d.booking_id, d.identity_id, d.basis) for d in lodged
    }
    for d in lodged:
        booking = uow.bookings.get(d.booking_id)
        assert booking is not None
        assert booking.verification is not None
        assert d.identity_id == booking.verification.identity_id
        assert not truth[d.booking_id].person.us_citizen


@pytest.mark.usefixtures("cheap_hashing")
def test_the_slips_leave_nothing_written(people: list[Person]) -> None:
    slipped, with_slips = _month(people, slip_rate=1.0)
    honest, without = _month(people, slip_rate=0.0)
    assert sum(slipped.refusals.values()) > 0
    assert honest.refusals == {}

    def stored(uow: FakeUnitOfWork) -> tuple[object, ...]:
        return (
            sorted(
                (d.detainer_id, d.booking_id, d.identity_id, d.basis, d.state, d.warrant_ref)
                for d in uow.detainers.list(limit=100)
            ),
            [(r.referral_id, r.state, r.referred_by) for r in uow.referrals.list(limit=100)],
            [(b.booking_id, b.verification, b.reviews) for b in uow.bookings.list(limit=100)],
            len(list(uow.audit.entries())),
        )

    assert stored(with_slips) == stored(without)
