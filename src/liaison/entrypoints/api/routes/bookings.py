"""Bookings: jails submit and read their bookings and responses; enforcement officers review.

A booking arrives as JSON (``POST /bookings``, ISO/IEC 19794-2 templates) or as an
ANSI/NIST-ITL transaction with fingerprint images (``POST /bookings/ansi-nist``, the bytes as
``application/x-an2``); ``GET /bookings/{id}/response`` answers in JSON, or as an EBTS search
result transaction (TOT "SRE") to a caller that sends ``Accept: application/x-an2``.
``GET /bookings`` and ``GET /bookings/{id}`` read bookings back: a jail only its own, officers
every agency's; each read is audited.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from liaison.accounts.model import Role
from liaison.bookings import services as bookings
from liaison.bookings import transactions
from liaison.bookings.errors import WrongAgency
from liaison.bookings.model import BookingState, ReviewAction
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.bounds import BODY_LIMITS, PathId
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.lookup_schemas import BookingOut, BookingRowOut
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

AN2: Final = "application/x-an2"  # an ANSI/NIST-ITL transaction (files end .an2 or .eft)
TAKEN_TYPES: Final = (AN2, "application/octet-stream")
MAX_TRANSACTION_BYTES: Final = BODY_LIMITS[("POST", "/bookings/ansi-nist")]
_AN2_BODY: Final = {
    "requestBody": {
        "required": True,
        "content": {AN2: {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _own_ori(who: Principal) -> str | None:
    """The agency a caller is confined to; None for federal officers who see all."""
    return None if Role.ENFORCEMENT_OFFICER in who.roles else (who.ori or "-")


@router.get("/bookings", response_model=list[BookingRowOut], responses=LIST_RESPONSES)
def list_bookings(
    request: Request, who: Reader, wired: Wired, page: PageQuery, state: BookingState | None = None
) -> Response:
    """Bookings, newest submission first: a jail its own, an officer every agency's (in one
    ``state`` when given). The read is audited."""
    scope, value = _own_ori(who), state.value if state else None
    found = bookings.list_bookings(
        uow=wired.uow(),
        actor=who.actor,
        purpose="booking list",
        at=wired.clock(),
        ori=scope,
        state=value,
        limit=page.limit,
        offset=page.offset,
    )
    total = bookings.count_bookings(uow=wired.uow(), ori=scope, state=value)
    return listing(request, [BookingRowOut.of(b) for b in found], total=total, name="bookings")


@router.get("/bookings/{booking_id}")
def get_booking(booking_id: PathId, who: Reader, wired: Wired) -> BookingOut:
    """A booking as submitted (its fingerprints aside) with its response: a jail only its
    own (another agency's reads as missing). The read is audited."""
    found = bookings.get_booking(
        uow=wired.uow(),
        booking_id=booking_id,
        actor=who.actor,
        purpose="booking read",
        at=wired.clock(),
        ori=_own_ori(who),
    )
    return BookingOut.of(found)


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


@router.post(
    "/bookings/ansi-nist",
    status_code=202,
    openapi_extra=_AN2_BODY,
    responses={
        200: {"description": "a replay: the same TCN and bytes were submitted before"},
        413: {"description": "the transaction is larger than 32 MiB"},
        415: {"description": "the body is not sent as application/x-an2"},
        422: {"description": "a malformed transaction, field or image, or an unusable finger"},
    },
)
async def submit_transaction(
    request: Request, who: Jail, wired: Wired, response: Response
) -> ResponseOut:
    """Submit a booking as an ANSI/NIST-ITL transaction (EBTS criminal ten-print submission,
    TOT CAR or CNA): the raw bytes, ``Content-Type: application/x-an2``.

    Minutiae are extracted from each finger's image (Type-14 or Type-4; WSQ, uncompressed,
    PNG or JPEG) within the request, which takes seconds: an unusable finger is refused here
    (422 naming its position), as is a malformed transaction (422 naming record, field and byte
    offset). The same TCN with the same bytes returns the first result (200).
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in TAKEN_TYPES:
        raise HTTPException(
            status_code=415,
            detail=f"send the transaction's bytes as {AN2}, not {media or 'no Content-Type'}",
        )
    data = await _limited_body(request)
    done = await run_in_threadpool(
        lambda: transactions.submit_transaction(
            uow=wired.uow(),
            data=data,
            booking_id=wired.new_id(),
            actor=who.actor,
            at=wired.clock(),
            ori=who.ori or "-",
        )
    )
    if not done.submitted.created:
        response.status_code = 200
    response.headers["Server-Timing"] = f"extract;dur={done.extraction_seconds * 1000:.0f}"
    return ResponseOut.of(done.submitted.booking)


async def _limited_body(request: Request) -> bytes:
    """The request body, refused (413) once it grows past ``MAX_TRANSACTION_BYTES``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_TRANSACTION_BYTES:
            raise HTTPException(
                status_code=413,
                detail=f"a transaction of more than {MAX_TRANSACTION_BYTES} bytes is refused",
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.get(
    "/bookings/{booking_id}/response",
    response_model=ResponseOut,
    responses={
        200: {"content": {AN2: {}}, "description": "JSON, or the SRE transaction when asked"},
        202: {"model": ResponseOut, "description": "asked for the SRE, but not searched yet"},
    },
)
def booking_response(
    booking_id: PathId,
    who: Reader,
    wired: Wired,
    response: Response,
    accept: Annotated[str, Header()] = "",
) -> ResponseOut | Response:
    """The response to the jail: state, decision, status category, priority, flags.

    With ``Accept: application/x-an2``: the EBTS search result transaction (TOT "SRE", see
    ``bookings.transactions``), or 202 with the JSON state and ``Retry-After`` while the
    booking waits for its search.
    """
    booking = bookings.get_booking(
        uow=wired.uow(),
        booking_id=booking_id,
        actor=who.actor,
        purpose="booking response",
        at=wired.clock(),
        ori=_own_ori(who),
    )
    response.headers["Vary"] = "Accept"
    if not _accepts_an2(accept):
        return ResponseOut.of(booking)
    if booking.response is None:
        response.status_code = 202
        response.headers["Retry-After"] = "1"
        return ResponseOut.of(booking)
    return Response(
        content=transactions.response_transaction(booking, booking.response),
        media_type=AN2,
        headers={
            "Vary": "Accept",
            "Content-Disposition": f'attachment; filename="response-{booking.booking_id}.an2"',
        },
    )


def _accepts_an2(accept: str) -> bool:
    """Whether the Accept header names ``application/x-an2`` (with a q above 0)."""
    for part in accept.split(","):
        media, *params = (p.strip().lower() for p in part.split(";"))
        if media == AN2:
            return not any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00") for p in params)
    return False


@router.get("/review-queue", response_model=list[ReviewItem], responses=LIST_RESPONSES)
def review_queue(request: Request, who: Officer, wired: Wired, page: PageQuery) -> Response:
    """Matches and possible matches waiting for an officer, oldest first, with per-finger
    scores."""
    queue = bookings.review_queue(
        uow=wired.uow(),
        actor=who.actor,
        purpose="enforcement review",
        at=wired.clock(),
        limit=page.limit,
        offset=page.offset,
    )
    total = bookings.count_review_queue(uow=wired.uow())
    return listing(request, [ReviewItem.of(b) for b in queue], total=total, name="review-queue")


@router.get("/bookings/{booking_id}/candidates")
def candidates(booking_id: PathId, who: Officer, wired: Wired) -> ReviewItem:
    booking = bookings.get_booking(
        uow=wired.uow(),
        booking_id=booking_id,
        actor=who.actor,
        purpose="enforcement review",
        at=wired.clock(),
    )
    return ReviewItem.of(booking)


@router.post("/bookings/{booking_id}/review")
def review(booking_id: PathId, body: ReviewIn, who: Officer, wired: Wired) -> ReviewOut:
    """Record the officer's review: ``verified_identity_id`` names the candidate confirmed;
    ``lodge_detainer`` lodges on the verified identity in the same transaction (refused,
    naming the safeguard, when one does not hold); ``refer_citizenship`` opens a referral for
    adjudicators."""
    referral_id = wired.new_id()
    booking, detainer = bookings.review_booking(
        uow=wired.uow(),
        booking_id=booking_id,
        officer=who.actor,
        action=body.action,
        verified_identity_id=body.verified_identity_id,
        reason=body.reason,
        at=wired.clock(),
        detainer=bookings.DetainerRequest(
            body.basis, body.warrant_ref, body.judicial_warrant, body.statement
        ),
        detainer_id=wired.new_id(),
        referral_id=referral_id,
    )
    return ReviewOut(
        booking=ResponseOut.of(booking),
        detainer=DetainerOut.of(detainer) if detainer else None,
        verified_identity_id=booking.verification.identity_id if booking.verification else None,
        referral_id=referral_id if body.action is ReviewAction.REFER_CITIZENSHIP else None,
    )
