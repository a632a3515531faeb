"""Citizenship referrals: adjudicators rule and concur; officers and auditors read.

Who may rule on what is decided by ``liaison.bookings.adjudication`` (separation of duties, in
the service whatever the caller); this layer only admits the roles.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from liaison.accounts.model import Role
from liaison.bookings import adjudication
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.bounds import PathId
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.schemas import ConcurrenceIn, ReferralOut, RulingIn
from liaison.identity.model import ReferralState

router = APIRouter(tags=["adjudication"])

Adjudicator = Annotated[Principal, Depends(allow(Role.ADJUDICATOR))]
Reader = Annotated[
    Principal, Depends(allow(Role.ADJUDICATOR, Role.ENFORCEMENT_OFFICER, Role.AUDITOR))
]


@router.get("/citizenship/referrals", response_model=list[ReferralOut], responses=LIST_RESPONSES)
def referrals(
    request: Request,
    who: Reader,
    wired: Wired,
    page: PageQuery,
    state: ReferralState | None = None,
) -> Response:
    """The adjudicators' queue, oldest first (``state=open`` for those awaiting a ruling)."""
    found = adjudication.referral_queue(
        uow=wired.uow(),
        actor=who.actor,
        purpose="citizenship adjudication",
        at=wired.clock(),
        state=state,
        limit=page.limit,
        offset=page.offset,
    )
    total = adjudication.count_referrals(uow=wired.uow(), state=state)
    return listing(request, [ReferralOut.of(r) for r in found], total=total, name="referrals")


@router.get("/citizenship/referrals/{referral_id}")
def referral(referral_id: PathId, who: Reader, wired: Wired) -> ReferralOut:
    """One referral with its rulings and concurrences (the read is audited)."""
    found, identity = adjudication.get_referral(
        uow=wired.uow(),
        referral_id=referral_id,
        actor=who.actor,
        purpose="citizenship adjudication",
        at=wired.clock(),
    )
    return ReferralOut.of(found, identity.citizenship_rulings)


@router.post("/citizenship/referrals/{referral_id}/ruling")
def rule(referral_id: PathId, body: RulingIn, who: Adjudicator, wired: Wired) -> ReferralOut:
    """Rule on an open referral, citing the evidence. ``citizen`` cancels the person's open
    detainers; ``not_citizen`` on a record with a citizenship event awaits a second
    adjudicator. 403 for whoever referred the person, verified the match or lodged on them."""
    done = adjudication.rule(
        uow=wired.uow(),
        referral_id=referral_id,
        finding=body.finding,
        indicators=tuple(body.indicators),
        adjudicator=who.actor,
        evidence=body.evidence,
        at=wired.clock(),
    )
    return ReferralOut.of(done.referral, [done.ruling], [d.detainer_id for d in done.cancelled])


@router.post("/citizenship/referrals/{referral_id}/concurrence")
def concur(referral_id: PathId, body: ConcurrenceIn, who: Adjudicator, wired: Wired) -> ReferralOut:
    """A second adjudicator agrees (the ruling comes into force) or dissents (the referral
    opens again); never the adjudicator who ruled."""
    done = adjudication.concur(
        uow=wired.uow(),
        referral_id=referral_id,
        adjudicator=who.actor,
        agrees=body.agrees,
        note=body.note,
        at=wired.clock(),
    )
    return ReferralOut.of(done.referral, [done.ruling])
