"""The booking worker on a real store (a SQLite file, and PostgreSQL where one is reachable),
with a fake ten-print search and a clock the test moves: a queued booking is identified
exactly once, a failing search puts its job back for a later retry, the 48-hour check runs at
most every ``LAPSE_CHECK_EVERY``, and neither a failed check nor an unreachable store stops
the worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from liaison import bootstrap
from liaison.adapters.linkage.encounter import DuckDBScreening
from liaison.adapters.store.errors import StoreError
from liaison.adapters.store.tables import jobs
from liaison.biometrics.model import FingerPosition, FingerTemplate
from liaison.bookings import services as bookings
from liaison.bookings.model import (
    Biographics,
    Booking,
    BookingState,
    Candidate,
    Charge,
    Decision,
    Identification,
)
from liaison.detainers import services as detainers
from liaison.entrypoints.worker import LAPSE_CHECK_EVERY, Worker
from liaison.identity.model import EventKind, Identity, ImmigrationEvent, PersonName
from liaison.jurisdictions.model import Agency, Jurisdiction, JurisdictionKind
from liaison.screening import services as screening
from liaison.screening.model import ListedName, PartialDate, SubjectKind, WatchlistEntry
from liaison.settings import Settings
from liaison.synth.spine import booking_fingers

SEED = 7
PERSON = 3
HARRIS = "TX1010000"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MATCH = Identification(Decision.MATCH, (Candidate(PERSON, 0.91, {1: 0.91}),), T0, (0.6, 0.4))

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


class Clock:
    """The container's clock: stands still until the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeSearch:
    """Answers with ``answer``, or raises ``fails`` while it is set; counts its searches."""

    def __init__(self, answer: Identification) -> None:
        self.answer = answer
        self.fails: Exception | None = None
        self.searches = 0

    def search(self, fingers: Mapping[FingerPosition, FingerTemplate]) -> Identification:
        self.searches += 1
        if self.fails is not None:
            raise self.fails
        assert len(fingers) == 10
        return self.answer


@dataclass
class Wired:
    c: bootstrap.Container
    clock: Clock
    search: FakeSearch

    def submit(self, tcn: str = "TCN-0001") -> str:
        submission = bookings.BookingSubmission(
            tcn=tcn,
            ori=HARRIS,
            booking_number=f"B-{tcn}",
            arrested_at=self.clock.now - timedelta(hours=3),
            biographics=Biographics("Garcia", "Maria", date(1980, 1, 1), "F", "MX", "MX"),
            charges=(Charge("1313", "simple assault"),),
            fingerprints=booking_fingers(SEED, PERSON),
        )
        done = bookings.submit_booking(
            uow=self.c.uow(),
            submission=submission,
            booking_id=f"BK-{tcn}",
            actor=f"jail:{HARRIS}",
            at=self.clock(),
        )
        return done.booking.booking_id

    def booking(self, booking_id: str) -> Booking:
        with self.c.uow() as uow:
            found = uow.bookings.get(booking_id)
        assert found is not None
        return found

    def job_rows(self) -> list[Any]:
        with self.c.uow() as uow:
            return list(uow.session.execute(select(jobs).order_by(jobs.c.id)))

    def audit_actions(self) -> list[str]:
        with self.c.uow() as uow:
            return [e.action for e in uow.audit.entries()]


@pytest.fixture(params=BACKENDS)
def wired(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Wired]:
    url = ""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        url = server.url(server.create_database())
    clock = Clock(T0)
    c = bootstrap.container(
        Settings(data_dir=tmp_path, database_url=url), clock=clock, with_engine=False
    )
    search = FakeSearch(MATCH)
    c.search_factory = lambda: search
    with c.uow() as uow:
        uow.jurisdictions.add_jurisdiction(
            Jurisdiction("48201", JurisdictionKind.COUNTY, "Harris County", "48")
        )
        uow.jurisdictions.add_agency(Agency(HARRIS, "Harris County Sheriff", "48201"))
        uow.identities.add(
            Identity(
                identity_id=PERSON,
                names=[PersonName("Garcia", "Maria")],
                birth_date=date(1980, 1, 1),
                sex="F",
                birth_country="MX",
                events=[ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, date(2015, 3, 1))],
            )
        )
        uow.commit()
    yield Wired(c, clock, search)
    c.close()


def test_a_queued_booking_is_identified_exactly_once(wired: Wired) -> None:
    booking_id = wired.submit()
    worker = Worker(wired.c, name="test-worker")

    assert worker.run_once() is True
    assert worker.run_once() is False  # the queue is empty: nothing runs twice
    wired.clock.now += timedelta(minutes=10)  # past any lease
    assert worker.run_once() is False

    booking = wired.booking(booking_id)
    assert booking.state is BookingState.RESPONDED
    assert booking.identification == MATCH
    assert booking.response is not None
    assert booking.response.decision is Decision.MATCH
    assert booking.response.status_category == "entered_without_inspection"
    assert wired.search.searches == 1
    assert wired.audit_actions().count("booking.identify") == 1
    (row,) = wired.job_rows()
    assert (row.kind, row.key, row.state, row.attempts) == (
        bookings.IDENTIFY,
        booking_id,
        "done",
        1,
    )


def test_a_failing_search_puts_the_job_back_with_an_error_and_a_retry_time(wired: Wired) -> None:
    booking_id = wired.submit()
    worker = Worker(wired.c, name="test-worker")
    wired.search.fails = RuntimeError("the index is being rebuilt")

    assert worker.run_once() is True  # it ran, and failed

    (row,) = wired.job_rows()
    assert row.state == "pending"
    assert row.attempts == 1
    assert row.error == "RuntimeError: the index is being rebuilt"
    assert row.not_before == T0 + timedelta(seconds=10)  # 5 s * 2 ** attempts
    assert row.leased_by is None
    booking = wired.booking(booking_id)
    assert booking.state is BookingState.RECEIVED
    assert booking.identification is None
    assert booking.response is None
    assert "booking.identify" not in wired.audit_actions()

    # not due before its retry time, and then it succeeds
    wired.search.fails = None
    wired.clock.now = T0 + timedelta(seconds=9)
    assert worker.run_once() is False
    wired.clock.now = T0 + timedelta(seconds=10)
    assert worker.run_once() is True
    assert wired.booking(booking_id).state is BookingState.RESPONDED
    (row,) = wired.job_rows()
    assert (row.state, row.attempts) == ("done", 2)


def test_the_retry_waits_longer_after_each_failure(wired: Wired) -> None:
    wired.submit()
    worker = Worker(wired.c, name="test-worker")
    wired.search.fails = RuntimeError("down")
    waits = []
    for _ in range(3):
        assert worker.run_once() is True
        (row,) = wired.job_rows()
        waits.append(row.not_before - wired.clock.now)
        wired.clock.now = row.not_before
    assert waits == [timedelta(seconds=s) for s in (10, 20, 40)]


def test_the_lapse_check_runs_at_most_every_lapse_check_every(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[datetime] = []
    real = detainers.lapse_overdue

    def spy(**kwargs: Any) -> list[str]:
        checked.append(kwargs["now"])
        return real(**kwargs)

    monkeypatch.setattr(detainers, "lapse_overdue", spy)
    worker = Worker(wired.c, name="test-worker")
    step = LAPSE_CHECK_EVERY / 3
    for _ in range(10):  # 10 turns over 3 1/3 periods
        worker.run_once()
        wired.clock.now += step

    assert checked == [T0 + i * LAPSE_CHECK_EVERY for i in range(4)]


def test_a_failed_lapse_check_does_not_stop_the_queue(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[datetime] = []

    def failing(**kwargs: Any) -> list[str]:
        checked.append(kwargs["now"])
        raise StoreError("reading honored detainers: database is locked")

    monkeypatch.setattr(detainers, "lapse_overdue", failing)
    booking_id = wired.submit()
    worker = Worker(wired.c, name="test-worker")

    assert worker.run_once() is True
    assert wired.booking(booking_id).state is BookingState.RESPONDED
    assert worker.run_once() is False
    assert checked == [T0]  # not again at once ...
    wired.clock.now += LAPSE_CHECK_EVERY
    worker.run_once()
    assert checked == [T0, T0 + LAPSE_CHECK_EVERY]  # ... but at the next period


def test_the_worker_loop_survives_an_unreachable_store(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking_id = wired.submit()
    worker = Worker(wired.c, name="test-worker")
    stop = threading.Event()
    real = worker.run_once
    turns: list[str] = []

    def flaky() -> bool:
        if not turns:
            turns.append("failed")
            raise StoreError("claiming a job: the database system is starting up")
        ran = real()
        turns.append("ran" if ran else "idle")
        if ran or len(turns) > 50:
            stop.set()
        return ran

    monkeypatch.setattr(worker, "run_once", flaky)
    worker.run(stop, idle_wait=0.01)

    assert turns == ["failed", "ran"]
    assert wired.booking(booking_id).state is BookingState.RESPONDED


def _publish(wired: Wired, *entries: WatchlistEntry) -> None:
    engine = DuckDBScreening()
    screening.publish_list(
        uow=wired.c.uow(), entries=entries, source="t", keys=engine, actor="admin", at=T0
    )


def test_a_watchlisted_person_opens_a_case_and_the_jail_is_told_nothing(wired: Wired) -> None:
    worker = Worker(wired.c, name="test-worker")
    clean = wired.submit("TCN-CLEAN")
    worker.run_once()
    # the list now has the booked person (by fingerprints, and by name and date of birth)
    _publish(
        wired,
        WatchlistEntry(
            "KST1",
            (ListedName("María García"),),
            PartialDate(1980, 1, 1),
            ("MX",),
            biometric_identity_id=PERSON,
        ),
    )
    listed = wired.submit("TCN-LISTED")
    started = time.perf_counter()
    worker.run_once()
    assert time.perf_counter() - started < 5
    with wired.c.uow() as uow:
        (case,) = uow.screening_cases.list()
    assert (case.subject_kind, case.subject_id, case.entry_id) == (
        SubjectKind.BOOKING,
        listed,
        "KST1",
    )
    assert {f.comparator for f in case.features} >= {"name", "dob", "fingerprints"}
    # the same response as for the booking screened before the person was listed
    before, after = wired.booking(clean).response, wired.booking(listed).response
    assert before is not None
    assert after is not None
    assert (after.decision, after.status_category, after.priority, after.flags) == (
        before.decision,
        before.status_category,
        before.priority,
        before.flags,
    )
    assert "screening.encounter" in wired.audit_actions()
    # a crash after the identification commits nothing twice: the job is done, one case
    wired.clock.now += timedelta(minutes=10)
    assert worker.run_once() is False
    with wired.c.uow() as uow:
        assert uow.screening_cases.count() == 1
