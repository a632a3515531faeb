"""The 48-hour clock on a real database (SQLite and PostgreSQL), driven by a clock the test
controls: a jail books someone, the worker identifies them, an officer lodges a detainer, the
jail honors it and records the release time T. Until T + 48 h the hold stands and custody may
be taken; one second past it a transfer is refused and the worker's scheduled check lapses
the detainer, leaving ``detainer.lapse`` in the audit trail.

Also here, because it needs the same real store: an adjudicator's ``citizen`` ruling on a
citizenship referral cancels the person's open detainer in the ruling's own transaction, so
either both are stored or neither is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from liaison import bootstrap
from liaison.accounts.model import Role, User
from liaison.audit import services as audit
from liaison.audit.model import AuditEntry
from liaison.bookings import adjudication
from liaison.bookings import services as bookings
from liaison.bookings.model import Biographics, BookingState, Charge, Decision, ReviewAction
from liaison.detainers import services as detainers
from liaison.detainers.errors import CitizenshipIndicatorUnresolved, HoldExpired, IllegalTransition
from liaison.detainers.model import HOLD_LIMIT, Detainer, DetainerState, ProbableCause
from liaison.entrypoints.worker import Worker
from liaison.identity.model import CitizenshipFinding, ReferralState
from liaison.jurisdictions.model import JailAnswer
from liaison.settings import Settings
from liaison.synth.spine import booking_fingers, build_spine_world

SEED = 7
IDENTITIES = 30
TRAVIS = "TX2270000"  # Travis County: honor_all
JAIL = f"jail:{TRAVIS}"
OFFICER = "officer"
ADJUDICATOR = "adjudicator.reyes"  # an account of its own, added by the test
STEP = timedelta(minutes=5)  # between one person's acts, so the record reads in order

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

    def tick(self, by: timedelta = STEP) -> datetime:
        self.now += by
        return self.now


@dataclass
class Spine:
    c: bootstrap.Container
    clock: Clock

    def detainer(self, detainer_id: str) -> Detainer:
        with self.c.uow() as uow:
            found = uow.detainers.get(detainer_id)
        assert found is not None
        return found

    def trail(self) -> list[AuditEntry]:
        with self.c.uow() as uow:
            return list(uow.audit.entries())


@pytest.fixture(scope="module", params=BACKENDS)
def spine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Spine]:
    data_dir: Path = tmp_path_factory.mktemp(f"lapse-{request.param}")
    url = ""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        url = server.url(server.create_database())
    clock = Clock(datetime(2026, 1, 2, tzinfo=UTC))
    c = bootstrap.container(Settings(data_dir=data_dir, database_url=url, workers=1), clock=clock)
    build_spine_world(c, identities=IDENTITIES, seed=SEED, calibration_probes=30)
    yield Spine(c, clock)
    c.close()


def book_and_identify(s: Spine, worker: Worker, *, identity: int, tcn: str) -> str:
    """Submit a Travis County booking of ``identity`` and let the worker identify it."""
    submission = bookings.BookingSubmission(
        tcn=tcn,
        ori=TRAVIS,
        booking_number=f"B{tcn}",
        arrested_at=s.clock.now - timedelta(hours=3),
        biographics=Biographics("Garcia", "Maria", date(1980, 1, 1), "F", "MX", "MX"),
        charges=(Charge("1313", "simple assault"),),
        fingerprints=booking_fingers(SEED, identity),
    )
    done = bookings.submit_booking(
        uow=s.c.uow(), submission=submission, booking_id=s.c.new_id(), actor=JAIL, at=s.clock()
    )
    while worker.run_once():
        pass
    with s.c.uow() as uow:
        booking = uow.bookings.get(done.booking.booking_id)
    assert booking is not None
    assert booking.identification is not None
    assert booking.state is BookingState.RESPONDED
    assert booking.identification.decision is Decision.MATCH
    assert booking.identification.candidates[0].identity_id == identity
    return booking.booking_id


def lodge_and_serve(s: Spine, *, booking_id: str, identity: int, detainer_id: str) -> None:
    _, lodged = bookings.review_booking(
        uow=s.c.uow(),
        booking_id=booking_id,
        officer=OFFICER,
        action=ReviewAction.LODGE_DETAINER,
        verified_identity_id=identity,
        reason="ten-print match verified; no lawful status on record",
        at=s.clock.tick(),
        detainer=bookings.DetainerRequest(
            ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS, f"I-200-{detainer_id}"
        ),
        detainer_id=detainer_id,
    )
    assert lodged is not None
    detainers.serve(uow=s.c.uow(), detainer_id=detainer_id, actor=OFFICER, at=s.clock.tick())


def honor(s: Spine, detainer_id: str) -> None:
    honored = bookings.answer_detainer(
        uow=s.c.uow(),
        detainer_id=detainer_id,
        answer=JailAnswer.HONOR,
        ori=TRAVIS,
        actor=JAIL,
        at=s.clock.tick(),
    )
    assert honored.state is DetainerState.HONORED


def test_a_hold_stands_for_48_hours_after_release_and_then_lapses(spine: Spine) -> None:
    s = spine
    s.clock.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    worker = Worker(s.c, name="lapse-test")
    held, picked_up = "D-LAPSE-HELD", "D-LAPSE-PICKED-UP"
    for identity, detainer_id in ((6, held), (12, picked_up)):
        booking_id = book_and_identify(s, worker, identity=identity, tcn=detainer_id[2:])
        lodge_and_serve(s, booking_id=booking_id, identity=identity, detainer_id=detainer_id)
        honor(s, detainer_id)

    # the jail would release both now, at T: the 48-hour clock starts
    t = s.clock.tick()
    for detainer_id in (held, picked_up):
        bookings.record_release(
            uow=s.c.uow(), detainer_id=detainer_id, released_at=t, ori=TRAVIS, actor=JAIL, at=t
        )
    assert s.detainer(held).hold_deadline == t + HOLD_LIMIT

    # T + 47 h: the worker's check leaves both holds standing, and custody may still be taken
    s.clock.now = t + timedelta(hours=47)
    assert worker.run_once() is False  # no job; the lapse check ran
    assert s.detainer(held).state is DetainerState.HONORED
    assert s.detainer(picked_up).state is DetainerState.HONORED
    detainers.transfer(uow=s.c.uow(), detainer_id=picked_up, actor=OFFICER, at=s.clock())
    assert s.detainer(picked_up).state is DetainerState.TRANSFERRED

    # T + 48 h exactly: the limit is reached, not passed
    assert detainers.lapse_overdue(uow=s.c.uow(), now=t + HOLD_LIMIT) == []
    assert s.detainer(held).state is DetainerState.HONORED

    # T + 48 h + 1 s: the clock refuses custody even before the scheduled check has run ...
    late = t + HOLD_LIMIT + timedelta(seconds=1)
    s.clock.now = late
    head = s.trail()[-1]
    with pytest.raises(HoldExpired) as refused:
        detainers.transfer(uow=s.c.uow(), detainer_id=held, actor=OFFICER, at=late)
    assert refused.value.deadline == t + HOLD_LIMIT
    assert s.detainer(held).state is DetainerState.HONORED  # nothing of the refusal was kept
    assert s.trail()[-1] == head

    # ... and the worker's check lapses the hold
    assert worker.run_once() is False
    lapsed = s.detainer(held)
    assert lapsed.state is DetainerState.LAPSED
    assert lapsed.history[-1].at == late
    assert lapsed.history[-1].actor == "system"
    assert s.detainer(picked_up).state is DetainerState.TRANSFERRED  # custody taken in time

    # a transfer after the lapse is refused too: the detainer is closed
    with pytest.raises(IllegalTransition, match="lapsed"):
        detainers.transfer(uow=s.c.uow(), detainer_id=held, actor=OFFICER, at=s.clock.tick())

    trail = s.trail()
    [lapse] = [e for e in trail if e.action == "detainer.lapse" and e.subject == f"detainer:{held}"]
    assert (lapse.actor, lapse.at, lapse.purpose) == ("system", late, "48-hour hold limit")
    assert json.loads(lapse.detail)["hold_deadline"] == (t + HOLD_LIMIT).isoformat()
    assert not [e for e in trail if e.action == "detainer.lapse" and picked_up in e.subject]
    assert audit.verify_trail(uow=s.c.uow()).ok


def test_a_citizen_ruling_cancels_the_open_detainer_in_its_own_transaction(
    spine: Spine, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = spine
    s.clock.now = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    identity, detainer_id, referral_id = 18, "D-CITIZEN", "R-CITIZEN"
    booking_id = book_and_identify(
        s, Worker(s.c, name="citizen-test"), identity=identity, tcn="CIT-1"
    )
    lodge_and_serve(s, booking_id=booking_id, identity=identity, detainer_id=detainer_id)
    # the person says they are a citizen: the officer refers it; an adjudicator rules
    bookings.review_booking(
        uow=s.c.uow(),
        booking_id=booking_id,
        officer=OFFICER,
        action=ReviewAction.REFER_CITIZENSHIP,
        verified_identity_id=identity,
        reason="claims a U.S. citizen parent",
        at=s.clock.tick(),
        referral_id=referral_id,
    )
    with s.c.uow() as uow:
        uow.accounts.add_user(User(ADJUDICATOR, "argon2-hash", roles={Role.ADJUDICATOR}))
        uow.commit()
    ruling: dict[str, Any] = {
        "referral_id": referral_id,
        "finding": CitizenshipFinding.CITIZEN,
        "indicators": [],
        "adjudicator": ADJUDICATOR,
        "evidence": "derived citizenship through a U.S. citizen parent (N-600 on file)",
    }

    # a failure after the cancellation leaves neither the ruling nor the cancellation behind
    cancel_open = detainers.cancel_open_for_citizenship

    def cancel_then_fail(**kwargs: Any) -> list[Detainer]:
        cancel_open(**kwargs)
        raise RuntimeError("the store went away")

    monkeypatch.setattr(adjudication.detainers, "cancel_open_for_citizenship", cancel_then_fail)
    head = s.trail()[-1]
    with pytest.raises(RuntimeError, match="went away"):
        adjudication.rule(uow=s.c.uow(), at=s.clock.tick(), **ruling)
    monkeypatch.undo()
    assert s.detainer(detainer_id).state is DetainerState.SERVED
    with s.c.uow() as uow:
        person = uow.identities.get(identity)
        referral = uow.referrals.get(referral_id)
    assert person is not None
    assert person.citizenship_rulings == []
    assert referral is not None
    assert referral.state is ReferralState.OPEN
    assert s.trail()[-1] == head

    at = s.clock.tick()
    done = adjudication.rule(uow=s.c.uow(), at=at, **ruling)
    assert [d.detainer_id for d in done.cancelled] == [detainer_id]
    stored = s.detainer(detainer_id)
    assert stored.state is DetainerState.CANCELLED
    assert stored.history[-1].reason == f"citizenship evidence: {ruling['evidence']}"
    with s.c.uow() as uow:
        person = uow.identities.get(identity)
        referral = uow.referrals.get(referral_id)
    assert person is not None
    assert [r.finding for r in person.citizenship_rulings] == [CitizenshipFinding.CITIZEN]
    assert [r.referral_id for r in person.citizenship_rulings] == [referral_id]
    assert referral is not None
    assert (referral.state, referral.decided_at) == (ReferralState.DECIDED, at)
    rule, cancel, decided = s.trail()[-3:]
    assert (rule.action, cancel.action, decided.action) == (
        "identity.citizenship.rule",
        "detainer.cancel",
        "citizenship.rule",
    )
    assert rule.at == cancel.at == decided.at == at
    assert cancel.subject == f"detainer:{detainer_id}"

    # U.S. citizens are never detained: a later booking of the same person cannot lodge one
    again = book_and_identify(s, Worker(s.c, name="citizen-test-2"), identity=identity, tcn="CIT-2")
    with pytest.raises(CitizenshipIndicatorUnresolved):
        lodge_and_serve(s, booking_id=again, identity=identity, detainer_id="D-CITIZEN-2")
    with s.c.uow() as uow:
        assert uow.detainers.get("D-CITIZEN-2") is None
    assert audit.verify_trail(uow=s.c.uow()).ok
