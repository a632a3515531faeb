"""The enforcement review of a booking: verify one candidate, then act on that identity.

Verification names the identity. The first review that names a candidate (``VERIFY``, or any
action with ``verified_identity_id``) records it on the booking (``Booking.verification``);
every detainer on the booking names that identity and no other, read from the store, never
from the request. Changing the verified identity is a review of its own, with a reason, and
cancels what was lodged on the old one and withdraws the citizenship referrals still open on
it; a lodging review that names another candidate than the verified one is refused
(``NotTheVerifiedIdentity``). Rejecting the verified match clears it and cancels and withdraws
likewise. A candidate of a search that found no match cannot be verified. The jail's side of a
detainer (answer, release) is here too, since it needs the booking's charges and arrest time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from liaison.audit import services as audit
from liaison.bookings import adjudication
from liaison.bookings.errors import NotReviewable, UnknownBooking
from liaison.bookings.model import (
    Booking,
    BookingState,
    Decision,
    Review,
    ReviewAction,
    Verification,
)
from liaison.bookings.ports import BookingsUnitOfWork
from liaison.detainers import services as detainers
from liaison.detainers.errors import NotTheVerifiedIdentity
from liaison.detainers.model import Detainer, ProbableCause
from liaison.identity.priority import offense_class
from liaison.jurisdictions.model import JailAnswer

__all__ = [
    "DetainerRequest",
    "answer_detainer",
    "record_release",
    "review_booking",
    "review_queue",
]


@dataclass(frozen=True)
class DetainerRequest:
    """What an officer states when lodging: the basis, the warrant that goes with it and, for
    a ``statements_or_evidence`` basis, the statement or evidence itself."""

    basis: ProbableCause | None
    warrant_ref: str
    judicial_warrant: bool = False
    statement: str = ""


def _load(uow: BookingsUnitOfWork, booking_id: str) -> Booking:
    booking = uow.bookings.get(booking_id)
    if booking is None:
        raise UnknownBooking(f"no booking {booking_id}")
    return booking


def review_queue(
    *,
    uow: BookingsUnitOfWork,
    actor: str,
    purpose: str,
    at: datetime,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[Booking]:
    """Bookings with a match or possible match that no officer has reviewed, oldest first
    (``limit`` of them after the first ``offset``)."""
    with uow:
        queue = list(uow.bookings.review_queue(limit=limit, offset=offset))
        audit.record(
            uow=uow,
            actor=actor,
            action="read",
            subject=f"review_queue:{len(queue)}",
            purpose=purpose,
            at=at,
        )
        uow.commit()
        return queue


def review_booking(
    *,
    uow: BookingsUnitOfWork,
    booking_id: str,
    officer: str,
    action: ReviewAction,
    verified_identity_id: int | None,
    reason: str,
    at: datetime,
    detainer: DetainerRequest | None = None,
    detainer_id: str = "",
    referral_id: str = "",
) -> tuple[Booking, Detainer | None]:
    """Record an officer's review of a booking, and what it asks for, in one transaction.

    ``verified_identity_id`` names the candidate the officer confirms (it must be one of the
    search's). Then, by ``action``: ``LODGE_DETAINER`` lodges on the verified identity
    (``liaison.detainers.services.lodge`` and its safeguards); ``REFER_CITIZENSHIP`` opens a
    citizenship referral (``referral_id``) for adjudicators; ``REJECT_MATCH`` clears the
    verification it rejects. Any refusal records nothing at all.
    """
    with uow:
        booking = _load(uow, booking_id)
        if booking.state not in (BookingState.RESPONDED, BookingState.REVIEWED):
            raise NotReviewable(f"booking {booking_id} is {booking.state.value}: not searched yet")
        candidates = (
            {c.identity_id for c in booking.identification.candidates}
            if booking.identification
            else set()
        )
        if verified_identity_id is not None and verified_identity_id not in candidates:
            raise NotReviewable(
                f"identity {verified_identity_id} is not among this booking's candidates"
            )
        if (
            verified_identity_id is not None
            and action is not ReviewAction.REJECT_MATCH
            and booking.identification is not None
            and booking.identification.decision is Decision.NO_MATCH
        ):
            raise NotReviewable(
                "the search found no match: a candidate below the thresholds cannot be verified"
            )
        if action is ReviewAction.VERIFY and verified_identity_id is None:
            raise NotReviewable("a verification names the candidate it confirms")
        before = booking.verification
        cancelled = _verify(uow, booking, action, verified_identity_id, officer, reason, at)
        booking.reviews.append(Review(officer, action, verified_identity_id, reason, at))
        booking.state = BookingState.REVIEWED
        verified = booking.verification.identity_id if booking.verification else None
        lodged = None
        if action is ReviewAction.LODGE_DETAINER:
            request = detainer or DetainerRequest(None, "")
            # within this unit of work: the review and the detainer commit together or not at all
            lodged = detainers.lodge(
                uow=uow,
                detainer_id=detainer_id,
                booking_id=booking_id,
                identity_id=verified if verified is not None else -1,
                ori=booking.ori,
                basis=request.basis,
                warrant_ref=request.warrant_ref,
                judicial_warrant=request.judicial_warrant,
                officer=officer,
                verified_identity_id=verified,
                birth_place=booking.biographics.birth_place,
                claimed_citizenship=booking.biographics.claimed_citizenship,
                at=at,
                statement=request.statement,
            )
        elif action is ReviewAction.REFER_CITIZENSHIP:
            if verified is None:
                raise NotReviewable("a citizenship referral needs a verified identity")
            adjudication.open_referral(
                uow=uow,
                referral_id=referral_id,
                booking=booking,
                identity_id=verified,
                officer=officer,
                reason=reason,
                at=at,
            )
        audit.record(
            uow=uow,
            actor=officer,
            action="booking.review",
            subject=f"booking:{booking_id}",
            purpose="enforcement review",
            detail={
                "action": action.value,
                "verified": verified,
                "verified_before": before.identity_id if before else None,
                "cancelled": [d.detainer_id for d in cancelled],
                "referral_id": referral_id if action is ReviewAction.REFER_CITIZENSHIP else "",
                "reason": reason,
            },
            at=at,
        )
        uow.commit()
        return booking, lodged


def _verify(
    uow: BookingsUnitOfWork,
    booking: Booking,
    action: ReviewAction,
    named: int | None,
    officer: str,
    reason: str,
    at: datetime,
) -> list[Detainer]:
    """Move the booking's verification as the review says; the detainers it cancels."""
    current = booking.verification
    if action is ReviewAction.REJECT_MATCH:
        rejected = named if named is not None else (current.identity_id if current else None)
        if current is None or rejected != current.identity_id:
            return []
        if not reason.strip():
            raise NotReviewable("rejecting the verified match needs a reason")
        booking.verification = None
        why = f"match with identity {rejected} rejected by {officer}: {reason}"
        adjudication.withdraw_open_referrals(
            uow=uow,
            booking_id=booking.booking_id,
            identity_id=rejected,
            actor=officer,
            at=at,
            reason=why,
        )
        return detainers.cancel_open_for_booking(
            uow=uow, booking_id=booking.booking_id, actor=officer, at=at, reason=why
        )
    if named is None or (current is not None and current.identity_id == named):
        return []
    if current is not None and action is ReviewAction.LODGE_DETAINER:
        raise NotTheVerifiedIdentity(
            identity_id=named,
            verified_identity_id=current.identity_id,
            booking_id=booking.booking_id,
        )
    if current is not None and not reason.strip():
        raise NotReviewable("changing the verified identity needs a reason")
    booking.verification = Verification(named, officer, at, reason)
    if current is None:
        return []
    why = f"verified identity changed from {current.identity_id} to {named} by {officer}: {reason}"
    adjudication.withdraw_open_referrals(
        uow=uow,
        booking_id=booking.booking_id,
        identity_id=current.identity_id,
        actor=officer,
        at=at,
        reason=why,
    )
    return detainers.cancel_open_for_booking(
        uow=uow, booking_id=booking.booking_id, actor=officer, at=at, reason=why
    )


def answer_detainer(
    *,
    uow: BookingsUnitOfWork,
    detainer_id: str,
    answer: JailAnswer,
    ori: str,
    actor: str,
    at: datetime,
) -> Detainer:
    """A jail's answer to a detainer it holds, checked against its policy in force at ``at``.

    The offense classes a ``criminal_criteria`` policy looks at come from the booking's
    charges, never from the jail's say-so.
    """
    with uow:
        detainer = uow.detainers.get(detainer_id)
        booking = uow.bookings.get(detainer.booking_id) if detainer else None
        charges = booking.charges if booking else []
    classes = {offense_class(c.ncic_code) for c in charges}
    return detainers.answer(
        uow=uow,
        detainer_id=detainer_id,
        answer=answer,
        offense_classes=classes,
        actor=actor,
        at=at,
        ori=ori,
    )


def record_release(
    *,
    uow: BookingsUnitOfWork,
    detainer_id: str,
    released_at: datetime,
    ori: str,
    actor: str,
    at: datetime,
    reason: str = "",
) -> Detainer:
    """The jail records when the person is, or would otherwise be, released: never in the
    future (past a tolerance), never before the booking's arrest; a correction needs
    ``reason`` (``liaison.detainers.lifecycle.record_release``)."""
    with uow:
        detainer = uow.detainers.get(detainer_id)
        booking = uow.bookings.get(detainer.booking_id) if detainer else None
        arrested_at = booking.arrested_at if booking else None
    return detainers.record_release(
        uow=uow,
        detainer_id=detainer_id,
        released_at=released_at,
        actor=actor,
        at=at,
        ori=ori,
        reason=reason,
        arrested_at=arrested_at,
    )
