"""The enforcement review on the in-memory store: verification names one identity, a detainer
names only that one, changing it cancels what rested on the old one, one open detainer per
booking and per person and agency, and a basis the record supports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.fakes import FakeIdentityRepository, FakeJurisdictionRepository, FakeUnitOfWork

from liaison.audit.services import verify_trail
from liaison.bookings import review as bookings_review
from liaison.bookings import services
from liaison.bookings.errors import NotReviewable
from liaison.bookings.model import (
    Biographics,
    Booking,
    BookingState,
    Candidate,
    Charge,
    Decision,
    Identification,
    ReviewAction,
    Verification,
)
from liaison.detainers import services as detainers
from liaison.detainers.errors import (
    BasisNotSupported,
    DetainerAlreadyOpen,
    ImpossibleReleaseTime,
    MissingReason,
    NotTheVerifiedIdentity,
    UnverifiedIdentification,
)
from liaison.detainers.model import Detainer, DetainerState, ProbableCause
from liaison.identity.model import (
    EventKind,
    Identity,
    ImmigrationEvent,
    PersonName,
    ReferralState,
)
from liaison.jurisdictions.model import Agency

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
HARRIS = "TX1010000"
TRAVIS = "TX2270000"
OFFICER = "officer.ruiz"
SUPERVISOR = "officer.vega"

PERSON = 3  # the top candidate: entered without inspection, no lawful status
OTHER = 4  # the second candidate: also no lawful status
RESIDENT = 5  # a lawful permanent resident
STATEMENT = "admitted to the arresting officer entering without inspection in 2015"
WHY = "ten-print match verified against the A-file photograph"


def identity(identity_id: int, *events: ImmigrationEvent) -> Identity:
    return Identity(
        identity_id=identity_id,
        names=[PersonName("Garcia", "Maria")],
        birth_date=date(1980, 1, 1),
        sex="F",
        birth_country="MX",
        events=list(events),
    )


def booking(booking_id: str, *candidates: int, ori: str = HARRIS) -> Booking:
    """A booking the search answered with ``candidates``, best first, waiting for review."""
    found = tuple(
        Candidate(i, 0.9 - 0.1 * rank, {1: 0.9 - 0.1 * rank}) for rank, i in enumerate(candidates)
    )
    return Booking(
        booking_id=booking_id,
        tcn=f"TCN-{booking_id}",
        ori=ori,
        booking_number=f"B-{booking_id}",
        arrested_at=T0 - 3 * H,
        biographics=Biographics("Garcia", "Maria", date(1980, 1, 1), "F", "MX", "MX"),
        charges=[Charge("1313", "simple assault")],
        fingerprints={},
        body_digest="0" * 64,
        submitted_at=T0 - 2 * H,
        state=BookingState.RESPONDED,
        identification=Identification(Decision.MATCH, found, T0 - H, (0.6, 0.4)),
    )


def world() -> FakeUnitOfWork:
    ewi = ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, date(2015, 3, 1))
    uow = FakeUnitOfWork(
        identities=FakeIdentityRepository(
            [
                identity(PERSON, ewi),
                identity(OTHER, ewi),
                identity(RESIDENT, ImmigrationEvent(EventKind.LPR_GRANTED, date(2010, 3, 1))),
            ]
        ),
        jurisdictions=FakeJurisdictionRepository(
            agencies=[
                Agency(HARRIS, "Harris County Sheriff", "48201"),
                Agency(TRAVIS, "Travis County Sheriff", "48453"),
            ]
        ),
    )
    uow.bookings.add(booking("BK-1", PERSON, OTHER, RESIDENT))
    uow.bookings.add(booking("BK-2", PERSON, OTHER))
    uow.bookings.add(booking("BK-3", PERSON, ori=TRAVIS))
    return uow


def review(
    uow: FakeUnitOfWork,
    action: ReviewAction,
    verified: int | None,
    *,
    booking_id: str = "BK-1",
    detainer_id: str = "D-1",
    reason: str = WHY,
    officer: str = OFFICER,
    basis: ProbableCause = ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
    statement: str = "",
    at: datetime = T0,
    referral_id: str = "",
) -> tuple[Booking, Detainer | None]:
    return services.review_booking(
        uow=uow,
        booking_id=booking_id,
        officer=officer,
        action=action,
        verified_identity_id=verified,
        reason=reason,
        at=at,
        detainer=services.DetainerRequest(basis, "I-200 2026-0001", statement=statement),
        detainer_id=detainer_id,
        referral_id=referral_id,
    )


def stored(uow: FakeUnitOfWork, booking_id: str = "BK-1") -> Booking:
    found = uow.bookings.get(booking_id)
    assert found is not None
    return found


def detainer(uow: FakeUnitOfWork, detainer_id: str = "D-1") -> Detainer:
    found = uow.detainers.get(detainer_id)
    assert found is not None
    return found


class Unchanged:
    """Snapshot what a review can touch; ``check`` asserts a refused review wrote nothing."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.state = self._read()

    def _read(self) -> object:
        return (
            self.uow.commits,
            list(self.uow.audit.rows),
            {
                k: (b.state, list(b.reviews), b.verification)
                for k, b in self.uow.bookings.items.items()
            },
            {k: (d.state, list(d.history)) for k, d in self.uow.detainers.items.items()},
            dict(self.uow.referrals.items),
        )

    def check(self) -> None:
        assert self._read() == self.state


# -- verification -----------------------------------------------------------------------------


def test_a_verification_is_recorded_on_the_booking_and_audited() -> None:
    uow = world()

    reviewed, lodged = review(uow, ReviewAction.VERIFY, PERSON)

    assert lodged is None
    assert reviewed.verification == Verification(PERSON, OFFICER, T0, WHY)
    booking = stored(uow)
    assert booking.verification == Verification(PERSON, OFFICER, T0, WHY)
    assert booking.state is BookingState.REVIEWED
    assert [(r.action, r.verified_identity_id) for r in booking.reviews] == [
        (ReviewAction.VERIFY, PERSON)
    ]
    assert uow.detainers.items == {}
    entry = uow.audit.rows[-1]
    assert (entry.action, entry.actor, entry.subject) == ("booking.review", OFFICER, "booking:BK-1")
    detail = json.loads(entry.detail)
    assert (detail["verified"], detail["verified_before"], detail["cancelled"]) == (
        PERSON,
        None,
        [],
    )
    assert verify_trail(uow=uow).ok


def test_a_verification_names_its_candidate() -> None:
    uow = world()
    unchanged = Unchanged(uow)
    with pytest.raises(NotReviewable, match="names the candidate"):
        review(uow, ReviewAction.VERIFY, None)
    with pytest.raises(NotReviewable, match=f"identity {RESIDENT} is not among"):
        review(uow, ReviewAction.VERIFY, RESIDENT, booking_id="BK-2")
    unchanged.check()


def test_a_review_naming_no_one_keeps_the_verification() -> None:
    uow = world()
    review(uow, ReviewAction.VERIFY, PERSON)
    review(uow, ReviewAction.NO_ACTION, None, at=T0 + H)
    review(uow, ReviewAction.NO_ACTION, PERSON, at=T0 + 2 * H, reason="")  # the same one
    assert stored(uow).verification == Verification(PERSON, OFFICER, T0, WHY)


# -- lodging names the verified identity ------------------------------------------------------


def test_lodging_names_the_verified_identity_read_from_the_store() -> None:
    uow = world()
    review(uow, ReviewAction.VERIFY, PERSON)

    _, lodged = review(uow, ReviewAction.LODGE_DETAINER, None, officer=SUPERVISOR, at=T0 + H)

    assert lodged is not None
    assert lodged.identity_id == PERSON
    assert detainer(uow).identity_id == PERSON
    assert detainer(uow).issued_by == SUPERVISOR
    assert stored(uow).verification == Verification(PERSON, OFFICER, T0, WHY)  # unchanged


def test_lodging_with_nothing_verified_is_refused() -> None:
    uow = world()
    unchanged = Unchanged(uow)
    with pytest.raises(UnverifiedIdentification):
        review(uow, ReviewAction.LODGE_DETAINER, None)
    unchanged.check()


def test_a_lodge_naming_another_candidate_is_refused_and_writes_nothing() -> None:
    uow = world()
    review(uow, ReviewAction.VERIFY, PERSON)
    unchanged = Unchanged(uow)

    with pytest.raises(NotTheVerifiedIdentity) as refused:
        review(uow, ReviewAction.LODGE_DETAINER, OTHER, at=T0 + H)

    assert (refused.value.identity_id, refused.value.verified_identity_id) == (OTHER, PERSON)
    assert "booking BK-1" in str(refused.value)
    unchanged.check()
    assert stored(uow).verification == Verification(PERSON, OFFICER, T0, WHY)


def test_a_lodge_naming_another_candidate_does_not_touch_the_open_detainer() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    unchanged = Unchanged(uow)
    with pytest.raises(NotTheVerifiedIdentity):
        review(uow, ReviewAction.LODGE_DETAINER, OTHER, detainer_id="D-2", at=T0 + H)
    unchanged.check()
    assert detainer(uow).state is DetainerState.ISSUED


# -- changing or rejecting the verified identity ----------------------------------------------


def test_verifying_another_candidate_changes_it_and_cancels_the_open_detainer() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    why = "the A-file photograph is of the second candidate"

    reviewed, lodged = review(
        uow, ReviewAction.VERIFY, OTHER, reason=why, officer=SUPERVISOR, at=T0 + H
    )

    assert lodged is None
    assert reviewed.verification == Verification(OTHER, SUPERVISOR, T0 + H, why)
    old = detainer(uow)
    assert old.state is DetainerState.CANCELLED
    assert old.history[-1].actor == SUPERVISOR
    assert old.history[-1].reason == (
        f"verified identity changed from {PERSON} to {OTHER} by {SUPERVISOR}: {why}"
    )
    cancel, reviewed_entry = uow.audit.rows[-2:]
    assert (cancel.action, cancel.subject) == ("detainer.cancel", "detainer:D-1")
    detail = json.loads(reviewed_entry.detail)
    assert (detail["verified"], detail["verified_before"], detail["cancelled"]) == (
        OTHER,
        PERSON,
        ["D-1"],
    )
    # the booking's detainer now names the new verified identity
    _, again = review(uow, ReviewAction.LODGE_DETAINER, None, detainer_id="D-2", at=T0 + 2 * H)
    assert again is not None
    assert again.identity_id == OTHER
    assert verify_trail(uow=uow).ok


def test_changing_the_verified_identity_needs_a_reason() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    unchanged = Unchanged(uow)
    with pytest.raises(NotReviewable, match="needs a reason"):
        review(uow, ReviewAction.VERIFY, OTHER, reason="  ", at=T0 + H)
    unchanged.check()
    assert detainer(uow).state is DetainerState.ISSUED


def test_rejecting_the_verified_match_clears_it_and_cancels_its_detainer() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    why = "the fingerprints were taken from the wrong card"

    reviewed, _ = review(uow, ReviewAction.REJECT_MATCH, None, reason=why, at=T0 + H)

    assert reviewed.verification is None
    assert stored(uow).verification is None
    assert detainer(uow).state is DetainerState.CANCELLED
    assert detainer(uow).history[-1].reason == (
        f"match with identity {PERSON} rejected by {OFFICER}: {why}"
    )
    assert json.loads(uow.audit.rows[-1].detail)["cancelled"] == ["D-1"]
    with pytest.raises(UnverifiedIdentification):
        review(uow, ReviewAction.LODGE_DETAINER, None, detainer_id="D-2", at=T0 + 2 * H)


def test_rejecting_a_candidate_that_is_not_the_verified_one_changes_nothing_of_it() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    review(uow, ReviewAction.REJECT_MATCH, OTHER, reason="not the second candidate", at=T0 + H)
    assert stored(uow).verification == Verification(PERSON, OFFICER, T0, WHY)
    assert detainer(uow).state is DetainerState.ISSUED


# -- one open detainer ------------------------------------------------------------------------


def test_a_second_lodge_on_the_same_booking_is_refused() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    unchanged = Unchanged(uow)
    with pytest.raises(DetainerAlreadyOpen, match="D-1 is already open for booking BK-1"):
        review(uow, ReviewAction.LODGE_DETAINER, PERSON, detainer_id="D-2", at=T0 + H)
    unchanged.check()


def test_a_lodge_on_the_same_person_and_agency_from_another_booking_is_refused() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    unchanged = Unchanged(uow)
    with pytest.raises(DetainerAlreadyOpen, match=f"identity {PERSON} at agency {HARRIS}"):
        review(
            uow, ReviewAction.LODGE_DETAINER, PERSON, booking_id="BK-2", detainer_id="D-2", at=T0
        )
    unchanged.check()


def test_a_lodge_on_the_same_person_at_another_agency_is_allowed() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    _, lodged = review(
        uow, ReviewAction.LODGE_DETAINER, PERSON, booking_id="BK-3", detainer_id="D-2", at=T0 + H
    )
    assert lodged is not None
    assert (lodged.identity_id, lodged.ori) == (PERSON, TRAVIS)
    assert [d.state for d in uow.detainers.open_for_identity(PERSON)] == [DetainerState.ISSUED] * 2


# -- the basis --------------------------------------------------------------------------------


def test_a_basis_an_lpr_record_contradicts_is_refused() -> None:
    uow = world()
    unchanged = Unchanged(uow)
    with pytest.raises(BasisNotSupported) as refused:
        review(uow, ReviewAction.LODGE_DETAINER, RESIDENT)
    assert refused.value.basis == "biometric_no_lawful_status"
    assert refused.value.events == ("lpr_granted 2010-03-01",)
    assert "lpr_granted 2010-03-01" in str(refused.value)
    unchanged.check()
    assert stored(uow).verification is None  # the verification went with the refused review


def test_a_statements_basis_with_its_statement_is_accepted_and_stored() -> None:
    uow = world()
    _, lodged = review(
        uow,
        ReviewAction.LODGE_DETAINER,
        RESIDENT,
        basis=ProbableCause.STATEMENTS_OR_EVIDENCE,
        statement=STATEMENT,
    )
    assert lodged is not None
    assert detainer(uow).basis is ProbableCause.STATEMENTS_OR_EVIDENCE
    assert detainer(uow).statement == STATEMENT
    lodge_entry = next(e for e in uow.audit.rows if e.action == "detainer.lodge")
    assert json.loads(lodge_entry.detail)["statement"] == STATEMENT


def test_a_statements_basis_without_the_statement_is_refused() -> None:
    uow = world()
    unchanged = Unchanged(uow)
    with pytest.raises(BasisNotSupported, match="no statement or other evidence"):
        review(
            uow,
            ReviewAction.LODGE_DETAINER,
            PERSON,
            basis=ProbableCause.STATEMENTS_OR_EVIDENCE,
            statement="admitted it",
        )
    unchanged.check()


# -- referral ---------------------------------------------------------------------------------


def test_a_citizenship_referral_needs_a_verified_identity() -> None:
    uow = world()
    unchanged = Unchanged(uow)
    with pytest.raises(NotReviewable, match="needs a verified identity"):
        review(uow, ReviewAction.REFER_CITIZENSHIP, None, referral_id="R-1")
    with pytest.raises(NotReviewable, match="needs an id"):
        review(uow, ReviewAction.REFER_CITIZENSHIP, PERSON, referral_id=" ")
    unchanged.check()


def test_a_citizenship_referral_opens_for_the_verified_identity() -> None:
    uow = world()
    review(uow, ReviewAction.VERIFY, PERSON)
    why = "says she was born in El Paso"
    review(uow, ReviewAction.REFER_CITIZENSHIP, None, reason=why, at=T0 + H, referral_id="R-1")
    referral = uow.referrals.get("R-1")
    assert referral is not None
    assert (referral.identity_id, referral.booking_id, referral.referred_by) == (
        PERSON,
        "BK-1",
        OFFICER,
    )
    assert (referral.reason, referral.state, referral.referred_at) == (
        why,
        ReferralState.OPEN,
        T0 + H,
    )
    refer, reviewed = uow.audit.rows[-2:]
    assert (refer.action, refer.subject) == ("citizenship.refer", "referral:R-1")
    assert json.loads(reviewed.detail)["referral_id"] == "R-1"


# -- the jail's release -----------------------------------------------------------------------


def released(uow: FakeUnitOfWork, released_at: datetime, at: datetime, reason: str = "") -> None:
    services.record_release(
        uow=uow,
        detainer_id="D-1",
        released_at=released_at,
        ori=HARRIS,
        actor=f"jail:{HARRIS}",
        at=at,
        reason=reason,
    )


def test_a_release_is_never_before_the_bookings_arrest_nor_in_the_future() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON, at=T0 - 3 * H)  # lodged at the arrest
    detainers.serve(uow=uow, detainer_id="D-1", actor=OFFICER, at=T0)
    unchanged = Unchanged(uow)
    with pytest.raises(ImpossibleReleaseTime, match="before the arrest"):
        released(uow, T0 - 4 * H, at=T0 + H)
    with pytest.raises(ImpossibleReleaseTime, match="later than now"):
        released(uow, T0 + 3 * H, at=T0 + H)
    unchanged.check()
    released(uow, T0 + H, at=T0 + H)
    assert detainer(uow).released_at == T0 + H


def test_a_release_correction_through_the_booking_needs_a_reason() -> None:
    uow = world()
    review(uow, ReviewAction.LODGE_DETAINER, PERSON)
    detainers.serve(uow=uow, detainer_id="D-1", actor=OFFICER, at=T0 + H)
    released(uow, T0 + 2 * H, at=T0 + 2 * H)
    with pytest.raises(MissingReason):
        released(uow, T0 + H, at=T0 + 3 * H)
    released(uow, T0 + H, at=T0 + 3 * H, reason="the gate log says an hour earlier")
    assert detainer(uow).released_at == T0 + H
    assert uow.audit.rows[-1].action == "detainer.correct_release"


def test_exported_names() -> None:
    assert bookings_review.__all__ == [
        "DetainerRequest",
        "answer_detainer",
        "record_release",
        "review_booking",
        "review_queue",
    ]
    for name in bookings_review.__all__:
        assert getattr(services, name) is getattr(bookings_review, name)


def test_a_candidate_of_a_search_that_found_no_match_cannot_be_verified() -> None:
    uow = world()
    missed = booking("BK-9", PERSON)
    missed.identification = Identification(
        Decision.NO_MATCH, missed.identification.candidates, T0 - H, (0.6, 0.4)
    )
    uow.bookings.add(missed)
    before = Unchanged(uow)
    for action in (ReviewAction.VERIFY, ReviewAction.LODGE_DETAINER):
        with pytest.raises(NotReviewable, match="found no match"):
            review(uow, action, PERSON, booking_id="BK-9")
    before.check()


def test_changing_or_rejecting_the_match_withdraws_the_referral_still_open_on_it() -> None:
    uow = world()
    review(uow, ReviewAction.REFER_CITIZENSHIP, PERSON, referral_id="R-1")
    review(uow, ReviewAction.VERIFY, OTHER, reason="the A-file photograph is another man")
    withdrawn = uow.referrals.get("R-1")
    assert withdrawn is not None
    assert (withdrawn.state, withdrawn.decided_at) == (ReferralState.WITHDRAWN, T0)
    assert [r.action for r in uow.audit.rows][-2:] == ["citizenship.withdraw", "booking.review"]

    review(uow, ReviewAction.REFER_CITIZENSHIP, OTHER, referral_id="R-2")
    review(uow, ReviewAction.REJECT_MATCH, None, reason="prints examined: not the same person")
    again = uow.referrals.get("R-2")
    assert again is not None
    assert again.state is ReferralState.WITHDRAWN
    assert stored(uow).verification is None
