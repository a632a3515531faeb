"""Detainers: officers serve, transfer and cancel; jails answer and record releases.

``GET /detainers`` pages through the detainers a caller may see (a jail its own agency's),
newest first, as JSON or CSV (``Accept: text/csv``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from liaison.accounts.model import Role
from liaison.bookings import services as bookings
from liaison.detainers import services as detainers
from liaison.detainers.model import Detainer, DetainerState
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.bounds import PathId
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.schemas import AnswerIn, DetainerOut, ReasonIn, ReleaseIn

router = APIRouter(tags=["detainers"])

Officer = Annotated[Principal, Depends(allow(Role.ENFORCEMENT_OFFICER))]
Jail = Annotated[Principal, Depends(allow(Role.BOOKING_OFFICER))]
Reader = Annotated[
    Principal,
    Depends(allow(Role.ENFORCEMENT_OFFICER, Role.BOOKING_OFFICER, Role.PROGRAM_MANAGER)),
]


def _scope(who: Principal) -> str | None:
    """Jails see their own agency's detainers; federal roles see all."""
    federal = {Role.ENFORCEMENT_OFFICER, Role.PROGRAM_MANAGER}
    return None if who.roles & federal else (who.ori or "-")


@router.get("/detainers", response_model=list[DetainerOut], responses=LIST_RESPONSES)
def list_detainers(
    request: Request,
    who: Reader,
    wired: Wired,
    page: PageQuery,
    state: DetainerState | None = None,
) -> Response:
    """Detainers, newest first (in one ``state`` when given): a jail its own agency's, federal
    roles every agency's. The read is audited."""
    scope, value = _scope(who), state.value if state else None
    found = detainers.list_detainers(
        uow=wired.uow(),
        ori=scope,
        state=value,
        limit=page.limit,
        offset=page.offset,
        actor=who.actor,
        purpose="detainer list",
        at=wired.clock(),
    )
    total = detainers.count_detainers(uow=wired.uow(), ori=scope, state=value)
    return listing(request, [DetainerOut.of(d) for d in found], total=total, name="detainers")


@router.get("/detainers/{detainer_id}")
def get_detainer(detainer_id: PathId, who: Reader, wired: Wired) -> DetainerOut:
    found = detainers.get_detainer(
        uow=wired.uow(),
        detainer_id=detainer_id,
        ori=_scope(who),
        actor=who.actor,
        purpose="detainer read",
        at=wired.clock(),
    )
    return DetainerOut.of(found)


@router.post("/detainers/{detainer_id}/serve")
def serve(detainer_id: PathId, who: Officer, wired: Wired) -> DetainerOut:
    """The officer records that the detainer was served on the holding jail."""
    return _out(
        detainers.serve(uow=wired.uow(), detainer_id=detainer_id, actor=who.actor, at=wired.clock())
    )


@router.post("/detainers/{detainer_id}/answer")
def answer(detainer_id: PathId, body: AnswerIn, who: Jail, wired: Wired) -> DetainerOut:
    """The jail's answer, checked against its policy in force today."""
    done = bookings.answer_detainer(
        uow=wired.uow(),
        detainer_id=detainer_id,
        answer=body.answer,
        ori=who.ori or "-",
        actor=who.actor,
        at=wired.clock(),
    )
    return DetainerOut.of(done)


@router.post("/detainers/{detainer_id}/release")
def release(detainer_id: PathId, body: ReleaseIn, who: Jail, wired: Wired) -> DetainerOut:
    """The jail records when the person is (or would otherwise be) released: never later than
    now (15 minutes' tolerance), never before the arrest; a correction needs a reason and may
    not move a passed release time later."""
    done = bookings.record_release(
        uow=wired.uow(),
        detainer_id=detainer_id,
        released_at=body.released_at,
        reason=body.reason,
        ori=who.ori or "-",
        actor=who.actor,
        at=wired.clock(),
    )
    return DetainerOut.of(done)


@router.post("/detainers/{detainer_id}/transfer")
def transfer(detainer_id: PathId, who: Officer, wired: Wired) -> DetainerOut:
    """Custody taken: refused once the 48-hour hold has run out."""
    return _out(
        detainers.transfer(
            uow=wired.uow(), detainer_id=detainer_id, actor=who.actor, at=wired.clock()
        )
    )


@router.post("/detainers/{detainer_id}/cancel")
def cancel(detainer_id: PathId, body: ReasonIn, who: Officer, wired: Wired) -> DetainerOut:
    return _out(
        detainers.cancel(
            uow=wired.uow(),
            detainer_id=detainer_id,
            reason=body.reason,
            actor=who.actor,
            at=wired.clock(),
        )
    )


def _out(d: Detainer) -> DetainerOut:
    return DetainerOut.of(d)
