"""Agencies and detainer policies: program managers keep them; managers and auditors read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from liaison.accounts.model import Role
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.bounds import FipsCode
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.lookup_schemas import AgencyOut, PolicyOut
from liaison.entrypoints.api.schemas import AgencyIn, PolicyIn
from liaison.jurisdictions import services as jurisdictions
from liaison.jurisdictions.errors import UnknownAgency
from liaison.jurisdictions.model import DetainerPolicy

router = APIRouter(tags=["jurisdictions"])

Manager = Annotated[Principal, Depends(allow(Role.PROGRAM_MANAGER))]
Reader = Annotated[Principal, Depends(allow(Role.PROGRAM_MANAGER, Role.AUDITOR))]
OriPath = Annotated[str, Path(pattern=r"^[A-Z]{2}[A-Z0-9]{7}$", description="an ORI")]


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


@router.get("/agencies", response_model=list[AgencyOut], responses=LIST_RESPONSES)
def agencies(request: Request, who: Reader, wired: Wired, page: PageQuery) -> Response:
    """Every registered agency, by ORI."""
    found = [AgencyOut.of(a) for a in jurisdictions.list_agencies(uow=wired.uow())]
    return listing(request, page.of(found), total=len(found), name="agencies")


@router.get("/agencies/{ori}")
def agency(ori: OriPath, who: Reader, wired: Wired) -> AgencyOut:
    """One agency; 404 when no agency has that ORI."""
    try:
        found = jurisdictions.agency(uow=wired.uow(), ori=ori)
    except UnknownAgency as exc:  # in a body an unknown ORI is bad input; here, a missing page
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return AgencyOut.of(found)


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


@router.get("/policies", response_model=list[PolicyOut], responses=LIST_RESPONSES)
def policies(
    request: Request,
    who: Reader,
    wired: Wired,
    page: PageQuery,
    jurisdiction_fips: Annotated[FipsCode | None, Query(description="one place's only")] = None,
) -> Response:
    """Every detainer policy enacted, the superseded ones too, by jurisdiction then date."""
    found = [
        PolicyOut.of(p)
        for p in jurisdictions.list_policies(uow=wired.uow(), jurisdiction_fips=jurisdiction_fips)
    ]
    return listing(request, page.of(found), total=len(found), name="policies")
