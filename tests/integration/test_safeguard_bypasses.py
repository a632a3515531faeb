"""The four ways one officer walked around the safeguards (issue 18, "Why"), tried again through
the services on a real store (SQLite and PostgreSQL), and refused each time with nothing
written: no ruling, no detainer, no audit entry of the refused act.

(a) An officer who also holds the adjudicator role refers a naturalized citizen's record and
    rules on it themselves; a proper adjudicator's override still waits for a second one.
(b) A lodge on a candidate the officer never verified; a second detainer on one booking.
(c) A lawful permanent resident lodged on as "biometric match and no lawful status".
(d) Release times in 2030, before the arrest or the issue, overwritten without a reason, or
    moved later once the hold has begun.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from liaison import bootstrap
from liaison.audit import services as audit
from liaison.audit.model import AuditEntry
from liaison.bookings import adjudication
from liaison.bookings import services as bookings
from liaison.bookings.errors import AdjudicatorConflict
from liaison.bookings.model import (
    Biographics,
    Booking,
    BookingState,
    Charge,
    Decision,
    ReviewAction,
)
from liaison.detainers import services as detainers
from liaison.detainers.errors import (
    BasisNotSupported,
    CitizenshipIndicatorUnresolved,
    DetainerAlreadyOpen,
    ImpossibleReleaseTime,
    MissingReason,
    NotTheVerifiedIdentity,
    ReleaseTimeFixed,
)
from liaison.detainers.model import Detainer, DetainerState, ProbableCause
from liaison.entrypoints.worker import Worker
from liaison.identity.model import CitizenshipFinding, Identity, ReferralState
from liaison.jurisdictions.model import JailAnswer
from liaison.settings import Settings
from liaison.synth.spine import booking_fingers, build_spine_world

SEED = 7
IDENTITIES = 30
TRAVIS = "TX2270000"  # Travis County: honor_all
JAIL = f"jail:{TRAVIS}"
STEP = timedelta(minutes=5)  # between one person's acts, so the record reads in order

# people of the spine world (person i has history i % 6)
EWI, EWI_TOO, LPR, NATURALIZED = 0, 12, 3, 4

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

    def booking(self, booking_id: str) -> Booking:
        with self.c.uow() as uow:
            found = uow.bookings.get(booking_id)
        assert found is not None
        return found

    def detainer(self, detainer_id: str) -> Detainer | None:
        with self.c.uow() as uow:
            return uow.detainers.get(detainer_id)

    def open_detainers(self, booking_id: str) -> list[str]:
        with self.c.uow() as uow:
            return [d.detainer_id for d in uow.detainers.for_booking(booking_id) if d.state.is_open]

    def person(self, identity_id: int) -> Identity:
        with self.c.uow() as uow:
            found = uow.identities.get(identity_id)
        assert found is not None
        return found

    def head(self) -> AuditEntry:
        with self.c.uow() as uow:
            entries = list(uow.audit.entries())
        return entries[-1]


@pytest.fixture(scope="module", params=BACKENDS)
def spine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Spine]:
    data_dir: Path = tmp_path_factory.mktemp(f"bypasses-{request.param}")
    url = ""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        url = server.url(server.create_database())
    clock = Clock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    c = bootstrap.container(Settings(data_dir=data_dir, database_url=url, workers=1), clock=clock)
    build_spine_world(c, identities=IDENTITIES, seed=SEED, calibration_probes=30)
    yield Spine(c, clock)
    assert audit.verify_trail(uow=c.uow()).ok
    c.close()


def book(s: Spine, *, identity: int, tcn: str, fingers: int = 10) -> Booking:
    """A Travis County booking of ``identity`` (its first ``fingers`` fingers), searched by
    the worker. Fewer than four fingers make the search verify its whole shortlist, so the
    officer sees several candidates."""
    prints = booking_fingers(SEED, identity)
    submission = bookings.BookingSubmission(
        tcn=tcn,
        ori=TRAVIS,
        booking_number=f"B{tcn}",
        arrested_at=s.clock.now - timedelta(hours=3),
        biographics=Biographics("Garcia", "Maria", date(1980, 1, 1), "F", "MX", "MX"),
        charges=(Charge("1313", "simple assault"),),
        fingerprints={p: r for p, r in prints.items() if p <= fingers},
    )
    done = bookings.submit_booking(
        uow=s.c.uow(), submission=submission, booking_id=s.c.new_id(), actor=JAIL, at=s.clock()
    )
    worker = Worker(s.c, name=f"bypass-{tcn}")
    while worker.run_once():
        pass
    booking = s.booking(done.booking.booking_id)
    assert booking.state is BookingState.RESPONDED
    assert booking.identification is not None
    assert booking.identification.decision is Decision.MATCH
    assert booking.identification.candidates[0].identity_id == identity
    return booking


def review(
    s: Spine,
    booking_id: str,
    action: ReviewAction,
    *,
    identity: int | None,
    officer: str = "officer",
    basis: ProbableCause | None = None,
    statement: str = "",
    detainer_id: str = "",
    referral_id: str = "",
) -> tuple[Booking, Detainer | None]:
    return bookings.review_booking(
        uow=s.c.uow(),
        booking_id=booking_id,
        officer=officer,
        action=action,
        verified_identity_id=identity,
        reason="ten-print compared side by side with the candidate's",
        at=s.clock.tick(),
        detainer=bookings.DetainerRequest(basis, f"I-200-{detainer_id}", statement=statement),
        detainer_id=detainer_id,
        referral_id=referral_id,
    )


def test_a_officer_cannot_rule_on_their_own_referral_and_an_override_needs_two(
    spine: Spine,
) -> None:
    s = spine
    booking = book(s, identity=NATURALIZED, tcn="SAFE-A")
    review(
        s,
        booking.booking_id,
        ReviewAction.REFER_CITIZENSHIP,
        identity=NATURALIZED,
        officer="officer_adj",
        referral_id="REF-SAFE-A",
    )

    def rule(adjudicator: str, evidence: str) -> adjudication.Adjudicated:
        return adjudication.rule(
            uow=s.c.uow(),
            referral_id="REF-SAFE-A",
            finding=CitizenshipFinding.NOT_CITIZEN,
            indicators=["naturalization_record"],
            adjudicator=adjudicator,
            evidence=evidence,
            at=s.clock.tick(),
        )

    # the officer who referred, though an adjudicator too, may not rule on it
    head = s.head()
    with pytest.raises(AdjudicatorConflict, match="officer_adj"):
        rule("officer_adj", "looked wrong")
    assert s.person(NATURALIZED).citizenship_rulings == []
    assert s.head() == head

    # a proper adjudicator's override of the naturalization waits for a second adjudicator
    ruled = rule("adjudicator", "certificate of naturalization revoked by court order")
    assert ruled.referral.state is ReferralState.AWAITING_CONCURRENCE
    assert not ruled.ruling.in_force
    statement = "told the officer he never naturalized; the certificate was revoked"
    for officer in ("officer_adj", "officer2"):
        head = s.head()
        with pytest.raises(CitizenshipIndicatorUnresolved, match="naturalization_record"):
            review(
                s,
                booking.booking_id,
                ReviewAction.LODGE_DETAINER,
                identity=NATURALIZED,
                officer=officer,
                basis=ProbableCause.STATEMENTS_OR_EVIDENCE,
                statement=statement,
                detainer_id=f"D-SAFE-A-{officer}",
            )
        assert s.detainer(f"D-SAFE-A-{officer}") is None
        assert s.head() == head

    # the one who ruled may not concur; a second adjudicator may, and only then may one lodge
    with pytest.raises(AdjudicatorConflict):
        adjudication.concur(
            uow=s.c.uow(),
            referral_id="REF-SAFE-A",
            adjudicator="adjudicator",
            agrees=True,
            note="as I ruled",
            at=s.clock.tick(),
        )
    concurred = adjudication.concur(
        uow=s.c.uow(),
        referral_id="REF-SAFE-A",
        adjudicator="adjudicator2",
        agrees=True,
        note="court order on file; the revocation stands",
        at=s.clock.tick(),
    )
    assert concurred.referral.state is ReferralState.DECIDED
    [in_force] = s.person(NATURALIZED).citizenship_rulings
    assert in_force.in_force
    assert in_force.adjudicators == ("adjudicator", "adjudicator2")
    _, lodged = review(
        s,
        booking.booking_id,
        ReviewAction.LODGE_DETAINER,
        identity=NATURALIZED,
        officer="officer2",
        basis=ProbableCause.STATEMENTS_OR_EVIDENCE,
        statement=statement,
        detainer_id="D-SAFE-A",
    )
    assert lodged is not None
    assert lodged.identity_id == NATURALIZED


def test_b_a_detainer_names_only_the_verified_candidate_and_one_per_booking(
    spine: Spine,
) -> None:
    s = spine
    booking = book(s, identity=EWI, tcn="SAFE-B", fingers=3)
    assert booking.identification is not None
    candidates = [c.identity_id for c in booking.identification.candidates]
    assert len(candidates) >= 2, candidates
    other = candidates[1]
    review(s, booking.booking_id, ReviewAction.VERIFY, identity=EWI)

    head = s.head()
    with pytest.raises(NotTheVerifiedIdentity):
        review(
            s,
            booking.booking_id,
            ReviewAction.LODGE_DETAINER,
            identity=other,
            basis=ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
            detainer_id="D-SAFE-B-OTHER",
        )
    assert s.detainer("D-SAFE-B-OTHER") is None
    stored = s.booking(booking.booking_id)
    assert stored.verification is not None
    assert stored.verification.identity_id == EWI
    assert len(stored.reviews) == 1
    assert s.head() == head

    _, lodged = review(
        s,
        booking.booking_id,
        ReviewAction.LODGE_DETAINER,
        identity=EWI,
        basis=ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
        detainer_id="D-SAFE-B",
    )
    assert lodged is not None
    head = s.head()
    with pytest.raises(DetainerAlreadyOpen, match="D-SAFE-B"):
        review(
            s,
            booking.booking_id,
            ReviewAction.LODGE_DETAINER,
            identity=None,
            officer="officer2",
            basis=ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
            detainer_id="D-SAFE-B-2",
        )
    assert s.detainer("D-SAFE-B-2") is None
    assert s.open_detainers(booking.booking_id) == ["D-SAFE-B"]
    assert s.head() == head


def test_c_a_basis_the_record_contradicts_is_refused_naming_the_events(spine: Spine) -> None:
    s = spine
    booking = book(s, identity=LPR, tcn="SAFE-C")
    head = s.head()
    with pytest.raises(BasisNotSupported) as refused:
        review(
            s,
            booking.booking_id,
            ReviewAction.LODGE_DETAINER,
            identity=LPR,
            basis=ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
            detainer_id="D-SAFE-C",
        )
    assert refused.value.basis == "biometric_no_lawful_status"
    assert any(e.startswith("lpr_granted") for e in refused.value.events), refused.value.events
    assert "lpr_granted" in str(refused.value)
    assert s.detainer("D-SAFE-C") is None
    stored = s.booking(booking.booking_id)
    assert (stored.reviews, stored.verification) == ([], None)
    assert s.head() == head


def test_d_release_times_must_be_possible_and_corrections_reasoned(spine: Spine) -> None:
    s = spine
    booking = book(s, identity=EWI_TOO, tcn="SAFE-D")
    _, lodged = review(
        s,
        booking.booking_id,
        ReviewAction.LODGE_DETAINER,
        identity=EWI_TOO,
        basis=ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
        detainer_id="D-SAFE-D",
    )
    assert lodged is not None
    detainers.serve(uow=s.c.uow(), detainer_id="D-SAFE-D", actor="officer", at=s.clock.tick())
    bookings.answer_detainer(
        uow=s.c.uow(),
        detainer_id="D-SAFE-D",
        answer=JailAnswer.HONOR,
        ori=TRAVIS,
        actor=JAIL,
        at=s.clock.tick(),
    )

    def release(released_at: datetime, reason: str = "") -> Detainer:
        return bookings.record_release(
            uow=s.c.uow(),
            detainer_id="D-SAFE-D",
            released_at=released_at,
            ori=TRAVIS,
            actor=JAIL,
            at=s.clock.tick(),
            reason=reason,
        )

    head = s.head()
    impossible = (
        (datetime(2030, 1, 1, tzinfo=UTC), "later than now"),
        (booking.arrested_at - timedelta(minutes=1), "before the arrest"),
        (lodged.issued_at - timedelta(minutes=1), "before the detainer was issued"),
    )
    for released_at, problem in impossible:
        with pytest.raises(ImpossibleReleaseTime, match=problem):
            release(released_at)
    held = s.detainer("D-SAFE-D")
    assert held is not None
    assert (held.state, held.released_at) == (DetainerState.HONORED, None)
    assert s.head() == head

    t = s.clock.now
    release(t)
    head = s.head()
    with pytest.raises(MissingReason):
        release(t - timedelta(minutes=1))  # a second release silently overwriting the first
    with pytest.raises(ReleaseTimeFixed):  # the hold began at t: a later time would stretch it
        release(t + timedelta(minutes=2), reason="the jail's clock was off")
    held = s.detainer("D-SAFE-D")
    assert held is not None
    assert held.released_at == t
    assert s.head() == head
