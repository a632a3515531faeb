"""Bookings: jails submit and read their responses; enforcement officers review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from liaison.accounts.model import Role
from liaison.bookings import services as bookings
from liaison.bookings.errors import WrongAgency
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.schemas import (
    BookingIn,
    DetainerOut,
    ResponseOut,
    ReviewIn,
    ReviewItem,
    ReviewOut,
)

router = APIRouter(tags=["bookings"])

Jail = Annotated[Principal, Depends(allow(Role.BOOKING_OFFICER))]
Reader = Annotated[Principal, Depends(allow(Role.BOOKING_OFFICER, Role.ENFORCEMENT_OFFICER))]
Officer = Annotated[Principal, Depends(allow(Role.ENFORCEMENT_OFFICER))]


def _own_ori(who: Principal) -> str | None:
    """The agency a caller is confined to; None for federal officers who see all."""
    return None if Role.ENFORCEMENT_OFFICER in who.roles else (who.ori or "-")


@router.post("/bookings", status_code=202)
def submit(body: BookingIn, who: Jail, wired: Wired, response: Response) -> ResponseOut:
    """Submit a booking. The same TCN with the same body returns the first result (200)."""
    if body.ori != who.ori:
        raise WrongAgency(f"you submit for agency {who.ori}, not {body.ori}")
    done = bookings.submit_booking(
        uow=wired.uow(),
        submission=body.to_domain(),
        booking_id=wired.new_id(),
        actor=who.actor,
        at=wired.clock(),
    )
    if not done.created:
        response.status_code = 200
    return ResponseOut.of(done.booking)


@router.get("/bookings/{booking_id}/response")
def booking_response(booking_id: str, who: Reader, wired: Wired) -> ResponseOut:
    """The response to the jail: state, decision, status category, priority, flags."""
    booking = bookings.get_booking(
        uow=wired.uow(),
        booking_id=booking_id,
        actor=who.actor,
        purpose="booking response",
        at=wired.clock(),
        ori=_own_ori(who),
    )
    return ResponseOut.of(booking)


@router.get("/review-queue")
def review_queue(who: Officer, wired: Wired, limit: int = 50) -> list[ReviewItem]:
    """Matches and possible matches waiting for an officer, with per-finger scores."""
    queue = bookings.review_queue(
        uow=wired.uow(),
        actor=who.actor,
        purpose="enforcement review",
        at=wired.clock(),
        limit=limit,
    )
    return [ReviewItem.of(b) for b in queue]


@router.get("/bookings/{booking_id}/candidates")
def candidates(booking_id: str, who: Officer, wired: Wired) -> ReviewItem:
    booking = bookings.get_booking(
        uow=wired.uow(),
        booking_id=booking_id,
        actor=who.actor,
        purpose="enforcement review",
        at=wired.clock(),
    )
    return ReviewItem.of(booking)


@router.post("/bookings/{booking_id}/review")
def review(booking_id: str, body: ReviewIn, who: Officer, wired: Wired) -> ReviewOut:
    """Record the officer's decision; ``lodge_detainer`` lodges one in the same transaction."""
    booking, detainer = bookings.review_booking(
        uow=wired.uow(),
        booking_id=booking_id,
        officer=who.actor,
        action=body.action,
        verified_identity_id=body.verified_identity_id,
        reason=body.reason,
        at=wired.clock(),
        detainer=bookings.DetainerRequest(body.basis, body.warrant_ref, body.judicial_warrant),
        detainer_id=wired.new_id(),
    )
    return ReviewOut(
        booking=ResponseOut.of(booking),
        detainer=DetainerOut.of(detainer) if detainer else None,
    )
