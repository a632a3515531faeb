"""Operations: declarations, 287(g) agreements, deployments, targets, detention capacity.

Program managers keep them; auditors read them (oversight of what was declared, deployed
and aimed at). ``GET`` on a collection (declarations, deployments, targets, facilities) lists
every record; ``on`` narrows declarations to those in force and deployments to those in place
that day. Every list pages (``limit``, ``offset``, ``X-Total-Count``) and answers CSV to
``Accept: text/csv``. Nothing here names a person, so no other role needs it: a jail's key, an
officer and an analyst get 403.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import Field

from liaison.accounts.model import Role
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.bounds import MAX_RANGE_DAYS, Day, PathId, RecordId, check_range
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.operations_schemas import (
    AgreementCountOut,
    AgreementIn,
    AgreementOut,
    AnswerIn,
    AssistanceRequestIn,
    CapacityOut,
    CustodyEventIn,
    CustodyEventOut,
    DeclarationIn,
    DeclarationInForceOut,
    DeclarationOut,
    DeploymentIn,
    DeploymentOut,
    ExtensionIn,
    FacilityIn,
    FacilityOut,
    HeadcountOut,
    OccupancyOut,
    OverlapOut,
    SnapshotChangeOut,
    TargetIn,
    TargetOut,
    TargetProgressOut,
    TerminationIn,
    TransfersIn,
    TransfersOut,
)
from liaison.operations import services as operations
from liaison.operations.model import AgreementStatus

router = APIRouter(prefix="/operations", tags=["operations"])

Manager = Annotated[Principal, Depends(allow(Role.PROGRAM_MANAGER))]
Reader = Annotated[Principal, Depends(allow(Role.PROGRAM_MANAGER, Role.AUDITOR))]
SnapshotLabel = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z][0-9A-Za-z :._-]*$")
]
Days = Annotated[int, Query(ge=1, le=MAX_RANGE_DAYS, description=f"1-{MAX_RANGE_DAYS}")]


# -- declarations ----------------------------------------------------------------------------


@router.post("/declarations", status_code=201)
def declare(body: DeclarationIn, who: Manager, wired: Wired) -> DeclarationOut:
    """Record a declaration: in force from ``effective_at`` for 60 x 24 hours unless extended."""
    now = wired.clock()
    issued = body.issued_at or now
    made = operations.declare(
        uow=wired.uow(),
        declaration_id=body.declaration_id,
        kind=body.kind,
        authority=body.authority,
        issued_at=issued,
        effective_at=body.effective_at or issued,
        states=body.states,
        title=body.title,
        actor=who.actor,
        at=now,
    )
    return DeclarationOut.of(made)


@router.get(
    "/declarations",
    response_model=list[DeclarationInForceOut] | list[DeclarationOut],
    responses=LIST_RESPONSES,
)
def declarations(
    request: Request,
    who: Reader,
    wired: Wired,
    page: PageQuery,
    on: Annotated[Day | None, Query(description="a local day: only those in force")] = None,
    state: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=40,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9 .'-]*$",
            description="with on: in force in this state (FIPS, USPS code or name)",
        ),
    ] = None,
) -> Response:
    """Without ``on``: every declaration recorded, in force or not, by ``effective_at``
    (``DeclarationOut``, its expiry as extended).

    With ``on``: the declarations in force on that local day somewhere in their scope (in
    ``state`` only, when given), each with the states where they are
    (``DeclarationInForceOut``). ``state`` without ``on`` is a 422."""
    if on is None:
        if state is not None:
            raise HTTPException(status_code=422, detail="state filters by day: give on too")
        every = [DeclarationOut.of(d) for d in operations.list_declarations(uow=wired.uow())]
        return listing(request, page.of(every), total=len(every), name="declarations")
    found = operations.declarations_in_force(uow=wired.uow(), on=on, state=state)
    rows = [DeclarationInForceOut.of(d) for d in found]
    return listing(request, page.of(rows), total=len(rows), name="declarations-in-force")


@router.get("/declarations/{declaration_id}")
def get_declaration(declaration_id: PathId, who: Reader, wired: Wired) -> DeclarationOut:
    found = operations.get_declaration(uow=wired.uow(), declaration_id=declaration_id)
    return DeclarationOut.of(found)


@router.post("/declarations/{declaration_id}/extensions")
def extend(declaration_id: PathId, body: ExtensionIn, who: Manager, wired: Wired) -> DeclarationOut:
    now = wired.clock()
    extended = operations.extend_declaration(
        uow=wired.uow(),
        declaration_id=declaration_id,
        extended_at=body.extended_at or now,
        extended_by=body.extended_by,
        authority=body.authority,
        days=body.days,
        new_expiry=body.new_expiry,
        actor=who.actor,
        at=now,
    )
    return DeclarationOut.of(extended)


@router.post("/declarations/{declaration_id}/requests")
def request_assistance(
    declaration_id: PathId, body: AssistanceRequestIn, who: Manager, wired: Wired
) -> DeclarationOut:
    """Ask states (every state in scope by default) for assistance; asked states are not
    asked again."""
    now = wired.clock()
    asked = operations.request_assistance(
        uow=wired.uow(),
        declaration_id=declaration_id,
        requested_at=body.requested_at or now,
        request=body.request,
        states=body.states,
        actor=who.actor,
        at=now,
    )
    return DeclarationOut.of(asked)


@router.post("/declarations/{declaration_id}/answers")
def answer(declaration_id: PathId, body: AnswerIn, who: Manager, wired: Wired) -> DeclarationOut:
    """Record a state's answer to the request, dated as the state dated it."""
    answered = operations.record_answer(
        uow=wired.uow(),
        declaration_id=declaration_id,
        state=body.state,
        answer=body.answer,
        answered_on=body.answered_on,
        actor=who.actor,
        at=wired.clock(),
    )
    return DeclarationOut.of(answered)


# -- 287(g) agreements -----------------------------------------------------------------------


@router.post("/agreements", status_code=201)
def record_agreement(body: AgreementIn, who: Manager, wired: Wired) -> AgreementOut:
    stored = operations.record_agreement(
        uow=wired.uow(), agreement=body.to_domain(), actor=who.actor, at=wired.clock()
    )
    return AgreementOut.of(stored)


@router.post("/agreements/{agreement_id}/termination")
def terminate_agreement(
    agreement_id: PathId, body: TerminationIn, who: Manager, wired: Wired
) -> AgreementOut:
    ended = operations.terminate_agreement(
        uow=wired.uow(),
        agreement_id=agreement_id,
        on=body.terminated_on,
        actor=who.actor,
        at=wired.clock(),
    )
    return AgreementOut.of(ended)


@router.get("/agreements", response_model=list[AgreementOut], responses=LIST_RESPONSES)
def agreements_in_effect(
    request: Request, on: Day, who: Reader, wired: Wired, page: PageQuery
) -> Response:
    """The recorded agreements in effect on ``on``."""
    found = operations.agreements_in_effect(uow=wired.uow(), on=on)
    rows = [AgreementOut.of(a, AgreementStatus.IN_EFFECT) for a in found]
    return listing(request, page.of(rows), total=len(rows), name="agreements")


@router.get("/agreements/counts", response_model=list[AgreementCountOut], responses=LIST_RESPONSES)
def agreement_counts(request: Request, who: Reader, wired: Wired, page: PageQuery) -> Response:
    """Rows of the published 287(g) list per snapshot and model, oldest snapshot first."""
    counts = operations.agreement_counts(uow=wired.uow())
    rows = [AgreementCountOut(snapshot=s, model=m, agreements=n) for (s, m), n in counts.items()]
    return listing(request, page.of(rows), total=len(rows), name="agreement-counts")


@router.get(
    "/agreements/changes",
    response_model=list[SnapshotChangeOut],
    responses={**LIST_RESPONSES, 404: {"description": "no snapshot is labelled `from` or `to`"}},
)
def agreement_changes(
    request: Request,
    who: Reader,
    wired: Wired,
    page: PageQuery,
    earlier: Annotated[
        SnapshotLabel | None, Query(alias="from", description="a snapshot label")
    ] = None,
    later: Annotated[
        SnapshotLabel | None, Query(alias="to", description="a later snapshot label")
    ] = None,
) -> Response:
    """Agreements new and ended between two snapshots of the published list; with neither
    ``from`` nor ``to``, between each snapshot and the next."""
    if earlier is not None and later is not None:
        pairs = [(earlier, later)]
    elif earlier is None and later is None:
        labels = sorted({s for s, _ in operations.agreement_counts(uow=wired.uow())})
        pairs = list(pairwise(labels))
    else:
        raise HTTPException(status_code=422, detail="give both from and to, or neither")
    chosen = page.of(pairs)
    rows = [
        SnapshotChangeOut.of(operations.agreement_changes(uow=wired.uow(), earlier=a, later=b))
        for a, b in chosen
    ]
    return listing(request, rows, total=len(pairs), name="agreement-changes")


# -- deployments -----------------------------------------------------------------------------


@router.post("/deployments", status_code=201)
def deploy(body: DeploymentIn, who: Manager, wired: Wired) -> DeploymentOut:
    """Record a deployment; refused when the unit is deployed on one of its days already."""
    made = operations.deploy(
        uow=wired.uow(),
        deployment_id=body.deployment_id,
        agency=body.agency,
        unit=body.unit,
        destinations=body.destinations,
        start=body.start,
        end=body.end,
        mission=body.mission,
        actor=who.actor,
        at=wired.clock(),
    )
    return DeploymentOut.of(made)


@router.get("/deployments", response_model=list[DeploymentOut], responses=LIST_RESPONSES)
def deployments(
    request: Request,
    who: Reader,
    wired: Wired,
    page: PageQuery,
    on: Annotated[Day | None, Query(description="only those in place that day")] = None,
) -> Response:
    """Every deployment, or with ``on`` those whose window includes that day, by start then
    id."""
    rows = [DeploymentOut.of(d) for d in operations.list_deployments(uow=wired.uow(), on=on)]
    return listing(request, page.of(rows), total=len(rows), name="deployments")


@router.get("/deployments/overlaps", response_model=list[OverlapOut], responses=LIST_RESPONSES)
def deployment_overlaps(request: Request, who: Reader, wired: Wired, page: PageQuery) -> Response:
    """Pairs of deployments of one unit whose windows overlap, with the days they share."""
    rows = [OverlapOut.of(o) for o in operations.deployment_overlaps(uow=wired.uow())]
    return listing(request, page.of(rows), total=len(rows), name="deployment-overlaps")


@router.get("/deployments/{deployment_id}")
def get_deployment(deployment_id: PathId, who: Reader, wired: Wired) -> DeploymentOut:
    found = operations.get_deployment(uow=wired.uow(), deployment_id=deployment_id)
    return DeploymentOut.of(found)


@router.get("/headcount")
def headcount(on: Day, who: Reader, wired: Wired) -> HeadcountOut:
    """Deployed personnel in place on ``on``, by destination."""
    places = operations.headcount_in_place(uow=wired.uow(), on=on)
    return HeadcountOut(on=on, total=sum(places.values()), places=places)


# -- targets ---------------------------------------------------------------------------------


@router.post("/targets", status_code=201)
def set_target(body: TargetIn, who: Manager, wired: Wired) -> TargetOut:
    made = operations.set_target(
        uow=wired.uow(),
        target_id=body.target_id,
        metric=body.metric,
        jurisdictions=body.jurisdictions,
        start=body.start,
        end=body.end,
        baseline_start=body.baseline_start,
        baseline_end=body.baseline_end,
        goal_percent=body.goal_percent,
        title=body.title,
        actor=who.actor,
        at=wired.clock(),
    )
    return TargetOut.of(made)


@router.get("/targets", response_model=list[TargetOut], responses=LIST_RESPONSES)
def targets(request: Request, who: Reader, wired: Wired, page: PageQuery) -> Response:
    """Every target, by id (its progress is ``/targets/{target_id}/progress``)."""
    rows = [TargetOut.of(t) for t in operations.list_targets(uow=wired.uow())]
    return listing(request, page.of(rows), total=len(rows), name="targets")


@router.get("/targets/{target_id}/progress")
def target_progress(
    target_id: PathId, who: Reader, wired: Wired, as_of: Day | None = None
) -> TargetProgressOut:
    """The target's progress at the end of ``as_of`` (default: today, UTC), counted from
    case data."""
    found = operations.target_progress(
        uow=wired.uow(), target_id=target_id, as_of=as_of or wired.clock().date()
    )
    return TargetProgressOut.of(found)


# -- detention capacity ----------------------------------------------------------------------


@router.post("/facilities", status_code=201)
def add_facility(body: FacilityIn, who: Manager, wired: Wired) -> FacilityOut:
    made = operations.add_facility(
        uow=wired.uow(),
        facility_id=body.facility_id,
        name=body.name,
        jurisdiction_fips=body.jurisdiction_fips,
        beds=body.beds,
        actor=who.actor,
        at=wired.clock(),
    )
    return FacilityOut.of(made)


@router.get("/facilities", response_model=list[FacilityOut], responses=LIST_RESPONSES)
def facilities(request: Request, who: Reader, wired: Wired, page: PageQuery) -> Response:
    """Every detention facility, by id."""
    rows = [FacilityOut.of(f) for f in operations.list_facilities(uow=wired.uow())]
    return listing(request, page.of(rows), total=len(rows), name="facilities")


@router.post("/facilities/{facility_id}/events", status_code=201)
def record_custody_event(
    facility_id: PathId, body: CustodyEventIn, who: Manager, wired: Wired
) -> CustodyEventOut:
    """Record an intake, a release or an end-of-day census at a facility."""
    event = operations.record_custody_event(
        uow=wired.uow(),
        facility_id=facility_id,
        kind=body.kind,
        on=body.on,
        people=body.people,
        reference=body.reference,
        actor=who.actor,
        at=wired.clock(),
    )
    return CustodyEventOut.of(event)


@router.get(
    "/facilities/{facility_id}/occupancy",
    response_model=list[OccupancyOut],
    responses=LIST_RESPONSES,
)
def facility_occupancy(
    request: Request,
    facility_id: PathId,
    first: Day,
    last: Day,
    who: Reader,
    wired: Wired,
    page: PageQuery,
) -> Response:
    """People in custody at the end of each day ``first``..``last`` (at most
    366 days, ``last`` not before ``first``)."""
    check_range(first, last, names=("first", "last"))
    days = operations.facility_occupancy(
        uow=wired.uow(), facility_id=facility_id, first=first, last=last
    )
    rows = [OccupancyOut.of(d) for d in days]
    return listing(request, page.of(rows), total=len(rows), name="occupancy")


@router.post("/transfers")
def record_transfers(body: TransfersIn, who: Manager, wired: Wired) -> TransfersOut:
    """Record an intake for each detainer transferred into custody whose intake is not
    recorded yet (safe to repeat); transfers with no facility to go to are listed."""
    done = operations.record_transfers(
        uow=wired.uow(), actor=who.actor, at=wired.clock(), since=body.since
    )
    return TransfersOut.of(done)


@router.get("/capacity", responses={404: {"description": "no facility has an id in `facility`"}})
def capacity(
    as_of: Day,
    who: Reader,
    wired: Wired,
    facility: Annotated[
        list[RecordId] | None, Query(max_length=100, description="default: every facility")
    ] = None,
    lookback_days: Days = 30,
    horizon_days: Days = 30,
) -> CapacityOut:
    """The facilities, pooled, on ``as_of``, projected ``horizon_days`` ahead from the mean
    net intake of the last ``lookback_days``."""
    projection = operations.capacity_projection(
        uow=wired.uow(),
        as_of=as_of,
        facility_ids=facility,
        lookback_days=lookback_days,
        horizon_days=horizon_days,
    )
    return CapacityOut.of(projection)
