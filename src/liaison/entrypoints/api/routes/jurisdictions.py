"""Agencies and detainer policies, kept by program managers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from liaison.accounts.model import Role
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.schemas import AgencyIn, PolicyIn
from liaison.jurisdictions import services as jurisdictions
from liaison.jurisdictions.model import DetainerPolicy

router = APIRouter(tags=["jurisdictions"])

Manager = Annotated[Principal, Depends(allow(Role.PROGRAM_MANAGER))]


@router.post("/agencies", status_code=201)
def register_agency(body: AgencyIn, who: Manager, wired: Wired) -> AgencyIn:
    jurisdictions.register_agency(
        uow=wired.uow(),
        ori=body.ori,
        name=body.name,
        jurisdiction_fips=body.jurisdiction_fips,
        actor=who.actor,
        at=wired.clock(),
    )
    return body


@router.post("/policies", status_code=201)
def enact_policy(body: PolicyIn, who: Manager, wired: Wired) -> PolicyIn:
    """Record a detainer policy with its enactment date (a state's FIPS: a state-law overlay)."""
    policy = DetainerPolicy(
        jurisdiction_fips=body.jurisdiction_fips,
        kind=body.kind,
        enacted_on=body.enacted_on,
        offense_classes=tuple(body.offense_classes),
        citation=body.citation,
    )
    jurisdictions.enact_policy(uow=wired.uow(), policy=policy, actor=who.actor, at=wired.clock())
    return body
