"""Operations use cases: declarations, recorded 287(g) agreements, deployments, targets and
detention capacity.

Each change opens the unit of work, loads, decides through the pure modules (``declarations``,
``agreements``, ``deployments``, ``targets``, ``capacity``), audits as ``<thing>.<verb>`` and
commits once; a refused change leaves the block before the commit, so nothing of it is kept.
Adding a record stored already exactly as given changes nothing (a re-run is safe); another
record under a taken id is refused. Reads audit nothing: operations data names no person.
``at`` is when the change is recorded (the audit time); the other instants are the facts'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from liaison.audit.services import record
from liaison.jurisdictions.agreements import SnapshotChange, counts_by_model, snapshot_change
from liaison.jurisdictions.errors import UnknownJurisdiction
from liaison.jurisdictions.model import AgreementModel, JurisdictionKind
from liaison.operations import agreements as agreement_rules
from liaison.operations import capacity, declarations, deployments, targets
from liaison.operations.errors import (
    DuplicateAgreement,
    DuplicateDeclaration,
    DuplicateDeployment,
    DuplicateFacility,
    DuplicateTarget,
    InvalidFacility,
    UnknownAgreement,
    UnknownDeclaration,
    UnknownDeployment,
    UnknownFacility,
    UnknownSnapshot,
    UnknownTarget,
)
from liaison.operations.model import (
    Agreement,
    AgreementStatus,
    AnswerStatus,
    AssistanceAnswer,
    CapacityProjection,
    CustodyEvent,
    CustodyEventKind,
    DailyOccupancy,
    Declaration,
    DeclarationInForce,
    DeclarationKind,
    Deployment,
    DeploymentOverlap,
    Facility,
    Metric,
    Target,
    TargetProgress,
    TransferIntakes,
)
from liaison.operations.ports import OperationsUnitOfWork
from liaison.operations.zones import as_utc, local_date, state_zone

__all__ = [
    "add_facility",
    "agreement_changes",
    "agreement_counts",
    "agreements_in_effect",
    "assistance_answers",
    "capacity_projection",
    "declarations_in_force",
    "declare",
    "deploy",
    "deployment_overlaps",
    "extend_declaration",
    "facility_occupancy",
    "get_declaration",
    "get_deployment",
    "headcount_in_place",
    "list_declarations",
    "list_deployments",
    "list_facilities",
    "list_targets",
    "record_agreement",
    "record_answer",
    "record_custody_event",
    "record_transfers",
    "request_assistance",
    "set_target",
    "target_progress",
    "terminate_agreement",
]

PURPOSE = "program management"


def _audit(
    uow: OperationsUnitOfWork,
    *,
    action: str,
    subject: str,
    actor: str,
    at: datetime,
    detail: Mapping[str, object],
) -> None:
    record(
        uow=uow,
        actor=actor,
        action=action,
        subject=subject,
        purpose=PURPOSE,
        detail=detail,
        at=as_utc(at, "at"),
    )


# -- declarations ----------------------------------------------------------------------------


def _declaration(uow: OperationsUnitOfWork, declaration_id: str) -> Declaration:
    found = uow.declarations.get(declaration_id)
    if found is None:
        raise UnknownDeclaration(declaration_id)
    return found


def declare(
    *,
    uow: OperationsUnitOfWork,
    declaration_id: str,
    kind: DeclarationKind,
    authority: str,
    issued_at: datetime,
    effective_at: datetime,
    states: Iterable[str],
    actor: str,
    at: datetime,
    title: str = "",
) -> Declaration:
    """Record a declaration covering ``states`` (FIPS codes, USPS codes or names), in force
    from ``effective_at`` for 60 x 24 hours unless extended (see ``declarations``)."""
    new = declarations.declare(
        declaration_id=declaration_id,
        kind=kind,
        authority=authority,
        issued_at=issued_at,
        effective_at=effective_at,
        states=states,
        title=title,
    )
    with uow:
        existing = uow.declarations.get(new.declaration_id)
        if existing is not None:
            # what followed the declaration is no part of it: a re-run still matches
            if replace(existing, extensions=(), requests=(), answers=()) == new:
                return existing
            raise DuplicateDeclaration(new.declaration_id)
        uow.declarations.add(new)
        _audit(
            uow,
            action="declaration.declare",
            subject=f"declaration:{new.declaration_id}",
            actor=actor,
            at=at,
            detail={
                "kind": new.kind.value,
                "authority": new.authority,
                "effective_at": new.effective_at.isoformat(),
                "expires_at": new.expires_at.isoformat(),
                "states": list(new.states),
            },
        )
        uow.commit()
    return new


def extend_declaration(
    *,
    uow: OperationsUnitOfWork,
    declaration_id: str,
    extended_at: datetime,
    extended_by: str,
    authority: str,
    actor: str,
    at: datetime,
    days: int | None = None,
    new_expiry: datetime | None = None,
) -> Declaration:
    """Extend a declaration in force by ``days`` or to ``new_expiry``; the declaration as
    extended. ``ExtensionRefused`` when it is not in force at ``extended_at`` or the expiry
    would not move later."""
    with uow:
        declaration = _declaration(uow, declaration_id)
        extension = declarations.extend(
            declaration,
            extended_at=extended_at,
            extended_by=extended_by,
            authority=authority,
            days=days,
            new_expiry=new_expiry,
        )
        uow.declarations.add_extension(declaration.declaration_id, extension)
        _audit(
            uow,
            action="declaration.extend",
            subject=f"declaration:{declaration.declaration_id}",
            actor=actor,
            at=at,
            detail={
                "extended_at": extension.extended_at.isoformat(),
                "extended_by": extension.extended_by,
                "authority": extension.authority,
                "days": extension.days,
                "previous_expiry": declaration.expires_at.isoformat(),
                "expires_at": extension.expires_at.isoformat(),
            },
        )
        uow.commit()
    return declarations.with_extension(declaration, extension)


def request_assistance(
    *,
    uow: OperationsUnitOfWork,
    declaration_id: str,
    requested_at: datetime,
    request: str,
    actor: str,
    at: datetime,
    states: Iterable[str] | None = None,
) -> Declaration:
    """Ask ``states`` (every state in scope when None) for assistance under a declaration in
    force; states asked before are not asked again. The declaration with its requests."""
    with uow:
        declaration = _declaration(uow, declaration_id)
        fresh = declarations.request_assistance(
            declaration, requested_at=requested_at, request=request, states=states
        )
        if not fresh:
            return declaration
        uow.declarations.add_requests(declaration.declaration_id, fresh)
        _audit(
            uow,
            action="declaration.request_assistance",
            subject=f"declaration:{declaration.declaration_id}",
            actor=actor,
            at=at,
            detail={
                "requested_at": fresh[0].requested_at.isoformat(),
                "request": fresh[0].request,
                "states": [r.state_fips for r in fresh],
            },
        )
        uow.commit()
    return declarations.with_requests(declaration, fresh)


def record_answer(
    *,
    uow: OperationsUnitOfWork,
    declaration_id: str,
    state: str,
    answer: AssistanceAnswer,
    answered_on: date,
    actor: str,
    at: datetime,
) -> Declaration:
    """Record a state's answer, dated as the state dated it; the declaration with it. A
    later answer supersedes the state's earlier one; the same answer and date again changes
    nothing. ``StateNotInScope``, ``NotRequested`` or ``AssistanceRefused`` otherwise."""
    with uow:
        declaration = _declaration(uow, declaration_id)
        recorded = declarations.answer(
            declaration, state=state, given=answer, answered_on=answered_on, recorded_at=at
        )
        if recorded is None:
            return declaration
        uow.declarations.add_answer(declaration.declaration_id, recorded)
        _audit(
            uow,
            action="declaration.answer",
            subject=f"declaration:{declaration.declaration_id}",
            actor=actor,
            at=at,
            detail={
                "state": recorded.state_fips,
                "answer": recorded.answer.value,
                "answered_on": recorded.answered_on.isoformat(),
            },
        )
        uow.commit()
    return declarations.with_answer(declaration, recorded)


def get_declaration(*, uow: OperationsUnitOfWork, declaration_id: str) -> Declaration:
    """The declaration with its extensions, requests and answers; ``UnknownDeclaration``."""
    with uow:
        return _declaration(uow, declaration_id)


def assistance_answers(
    *, uow: OperationsUnitOfWork, declaration_id: str
) -> dict[str, AnswerStatus]:
    """Each state in the declaration's scope (by FIPS) with where it stands on assistance."""
    return declarations.answer_status(get_declaration(uow=uow, declaration_id=declaration_id))


def list_declarations(*, uow: OperationsUnitOfWork) -> list[Declaration]:
    """Every declaration as recorded (its expiry as extended, its requests and answers), by
    ``effective_at`` then id; whether one is in force depends on the day and the state (see
    ``declarations_in_force``)."""
    with uow:
        stored = list(uow.declarations.all())
    return sorted(stored, key=lambda d: (d.effective_at, d.declaration_id))


def declarations_in_force(
    *, uow: OperationsUnitOfWork, on: date, state: str | None = None
) -> list[DeclarationInForce]:
    """The declarations in force on the local day ``on`` somewhere in their scope (in
    ``state`` only, when given), each with the states where they are."""
    with uow:
        stored = list(uow.declarations.all())
    wanted = None if state is None else declarations.scope([state])[0]
    found: list[DeclarationInForce] = []
    for declaration in stored:
        states = declarations.states_in_force_on(declaration, on)
        if wanted is not None:
            states = tuple(s for s in states if s == wanted)
        if states:
            found.append(DeclarationInForce(declaration=declaration, states=states))
    return found


# -- recorded 287(g) agreements --------------------------------------------------------------


def record_agreement(
    *, uow: OperationsUnitOfWork, agreement: Agreement, actor: str, at: datetime
) -> Agreement:
    """Record a 287(g) agreement with its dates, trained officers and delegated functions
    (``InvalidAgreement`` when they are inconsistent); the agreement as stored."""
    new = agreement_rules.check_agreement(agreement)
    with uow:
        existing = uow.agreements.get(new.agreement_id)
        if existing is not None:
            if existing == new:
                return existing
            raise DuplicateAgreement(new.agreement_id)
        uow.agreements.add(new)
        _audit(
            uow,
            action="agreement.record",
            subject=f"agreement:{new.agreement_id}",
            actor=actor,
            at=at,
            detail={
                "agency": new.agency_name,
                "state": new.state,
                "model": new.model.value,
                "signed_on": None if new.signed_on is None else new.signed_on.isoformat(),
                "expires_on": None if new.expires_on is None else new.expires_on.isoformat(),
                "trained_officers": new.trained_officers,
                "delegated_functions": [f.value for f in new.delegated_functions],
            },
        )
        uow.commit()
    return new


def terminate_agreement(
    *, uow: OperationsUnitOfWork, agreement_id: str, on: date, actor: str, at: datetime
) -> Agreement:
    """Terminate a recorded agreement from ``on`` (its first day no longer in effect)."""
    with uow:
        agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            raise UnknownAgreement(agreement_id)
        ended = agreement_rules.terminated(agreement, on)
        uow.agreements.replace(ended)
        _audit(
            uow,
            action="agreement.terminate",
            subject=f"agreement:{agreement_id}",
            actor=actor,
            at=at,
            detail={"terminated_on": on.isoformat()},
        )
        uow.commit()
    return ended


def agreements_in_effect(*, uow: OperationsUnitOfWork, on: date) -> list[Agreement]:
    """The recorded agreements in effect on ``on``, by id."""
    with uow:
        stored = list(uow.agreements.all())
    return [
        a
        for a in sorted(stored, key=lambda a: a.agreement_id)
        if agreement_rules.status_on(a, on) is AgreementStatus.IN_EFFECT
    ]


def agreement_changes(*, uow: OperationsUnitOfWork, earlier: str, later: str) -> SnapshotChange:
    """What changed on the published 287(g) list between two stored snapshots (by label, or
    ISO date where the label is not known); ``UnknownSnapshot`` for one not stored."""
    with uow:
        before = list(uow.jurisdictions.agreements(snapshot=earlier))
        after = list(uow.jurisdictions.agreements(snapshot=later))
    for label, rows in ((earlier, before), (later, after)):
        if not rows:
            raise UnknownSnapshot(label)
    return snapshot_change(before, after)


def agreement_counts(*, uow: OperationsUnitOfWork) -> dict[tuple[str, AgreementModel], int]:
    """Rows of the stored published list per snapshot label and model."""
    with uow:
        return counts_by_model(uow.jurisdictions.agreements())


# -- deployments -----------------------------------------------------------------------------


def deploy(
    *,
    uow: OperationsUnitOfWork,
    deployment_id: str,
    agency: str,
    unit: str,
    destinations: Mapping[str, int],
    start: date,
    end: date,
    actor: str,
    at: datetime,
    mission: str = "",
) -> Deployment:
    """Record a deployment: ``destinations`` maps each stored county or city FIPS code to the
    headcount sent there. Refused (``OverlappingDeployment``) when the same unit is deployed
    on any of its days already; ``UnknownJurisdiction`` for a place not stored."""
    new = deployments.deployment(
        deployment_id=deployment_id,
        agency=agency,
        unit=unit,
        destinations=destinations,
        start=start,
        end=end,
        mission=mission,
    )
    with uow:
        existing = uow.deployments.get(new.deployment_id)
        if existing is not None:
            if existing == new:
                return existing
            raise DuplicateDeployment(new.deployment_id)
        deployments.check_places(new, uow.jurisdictions.get_jurisdiction)
        deployments.check_no_overlap(new, uow.deployments.for_agency(new.agency))
        uow.deployments.add(new)
        _audit(
            uow,
            action="deployment.add",
            subject=f"deployment:{new.deployment_id}",
            actor=actor,
            at=at,
            detail={
                "agency": new.agency,
                "unit": new.unit,
                "destinations": {d.jurisdiction_fips: d.headcount for d in new.destinations},
                "start": new.start.isoformat(),
                "end": new.end.isoformat(),
                "mission": new.mission,
            },
        )
        uow.commit()
    return new


def get_deployment(*, uow: OperationsUnitOfWork, deployment_id: str) -> Deployment:
    """The deployment with that id; ``UnknownDeployment``."""
    with uow:
        found = uow.deployments.get(deployment_id)
    if found is None:
        raise UnknownDeployment(deployment_id)
    return found


def list_deployments(*, uow: OperationsUnitOfWork, on: date | None = None) -> list[Deployment]:
    """Every deployment, or with ``on`` those in place that day, by start then id."""
    with uow:
        stored = list(uow.deployments.all())
    found = stored if on is None else deployments.in_place_on(stored, on)
    return sorted(found, key=lambda d: (d.start, d.deployment_id))


def deployment_overlaps(*, uow: OperationsUnitOfWork) -> list[DeploymentOverlap]:
    """Every pair of stored deployments of one unit that share days (none, when every one
    went through ``deploy``; a store loaded another way may hold some)."""
    with uow:
        return deployments.overlaps(uow.deployments.all())


def headcount_in_place(*, uow: OperationsUnitOfWork, on: date) -> dict[str, int]:
    """Deployed personnel in place on ``on``, by destination FIPS code."""
    with uow:
        return deployments.headcount_on(uow.deployments.all(), on)


# -- targets ---------------------------------------------------------------------------------


def set_target(
    *,
    uow: OperationsUnitOfWork,
    target_id: str,
    metric: Metric,
    jurisdictions: Iterable[str],
    start: date,
    end: date,
    baseline_start: date,
    baseline_end: date,
    goal_percent: float,
    actor: str,
    at: datetime,
    title: str = "",
) -> Target:
    """Set a target for ``metric`` over stored jurisdictions (states, counties or cities):
    ``goal_percent`` over the baseline's count per day (see ``targets``)."""
    new = targets.target(
        target_id=target_id,
        metric=metric,
        jurisdictions=jurisdictions,
        start=start,
        end=end,
        baseline_start=baseline_start,
        baseline_end=baseline_end,
        goal_percent=goal_percent,
        title=title,
    )
    with uow:
        for fips in new.jurisdictions:
            if uow.jurisdictions.get_jurisdiction(fips) is None:
                raise UnknownJurisdiction(
                    f"target {new.target_id!r}: no jurisdiction has FIPS {fips!r}"
                )
        existing = uow.targets.get(new.target_id)
        if existing is not None:
            if existing == new:
                return existing
            raise DuplicateTarget(new.target_id)
        uow.targets.add(new)
        _audit(
            uow,
            action="target.set",
            subject=f"target:{new.target_id}",
            actor=actor,
            at=at,
            detail={
                "metric": new.metric.value,
                "jurisdictions": list(new.jurisdictions),
                "window": [new.start.isoformat(), new.end.isoformat()],
                "baseline": [new.baseline_start.isoformat(), new.baseline_end.isoformat()],
                "goal_percent": new.goal_percent,
            },
        )
        uow.commit()
    return new


def list_targets(*, uow: OperationsUnitOfWork) -> list[Target]:
    """Every target, by id."""
    with uow:
        stored = list(uow.targets.all())
    return sorted(stored, key=lambda t: t.target_id)


def target_progress(*, uow: OperationsUnitOfWork, target_id: str, as_of: date) -> TargetProgress:
    """The target's progress at the end of ``as_of``, counted from case data."""
    with uow:
        target = uow.targets.get(target_id)
        if target is None:
            raise UnknownTarget(target_id)
        return targets.progress(target, as_of, uow.facts.count)


# -- detention capacity ----------------------------------------------------------------------


def add_facility(
    *,
    uow: OperationsUnitOfWork,
    facility_id: str,
    name: str,
    jurisdiction_fips: str,
    beds: int,
    actor: str,
    at: datetime,
) -> Facility:
    """Add a detention facility in a stored county or city."""
    new = capacity.facility(
        facility_id=facility_id, name=name, jurisdiction_fips=jurisdiction_fips, beds=beds
    )
    with uow:
        place = uow.jurisdictions.get_jurisdiction(new.jurisdiction_fips)
        if place is None:
            raise UnknownJurisdiction(f"no jurisdiction has FIPS {new.jurisdiction_fips!r}")
        if place.kind is JurisdictionKind.STATE:
            raise InvalidFacility(f"a facility stands in a county or city, not in {place.name}")
        existing = uow.facilities.get(new.facility_id)
        if existing is not None:
            if existing == new:
                return existing
            raise DuplicateFacility(new.facility_id)
        uow.facilities.add(new)
        _audit(
            uow,
            action="facility.add",
            subject=f"facility:{new.facility_id}",
            actor=actor,
            at=at,
            detail={"name": new.name, "jurisdiction_fips": place.fips, "beds": new.beds},
        )
        uow.commit()
    return new


def list_facilities(*, uow: OperationsUnitOfWork) -> list[Facility]:
    """Every detention facility, by id."""
    with uow:
        stored = list(uow.facilities.all())
    return sorted(stored, key=lambda f: f.facility_id)


def record_custody_event(
    *,
    uow: OperationsUnitOfWork,
    facility_id: str,
    kind: CustodyEventKind,
    on: date,
    actor: str,
    at: datetime,
    people: int = 1,
    reference: str = "",
) -> CustodyEvent:
    """Record an intake, a release or a census at a facility; a release that would leave it
    holding fewer than no one on some day is refused (``InvalidCustodyEvent``)."""
    event = capacity.custody_event(
        facility_id=facility_id, kind=kind, on=on, people=people, reference=reference
    )
    with uow:
        if uow.facilities.get(facility_id) is None:
            raise UnknownFacility(facility_id)
        capacity.check_occupancy([*uow.facilities.events([facility_id]), event])
        uow.facilities.add_event(event)
        _audit(
            uow,
            action=f"custody.{kind.value}",
            subject=f"facility:{facility_id}",
            actor=actor,
            at=at,
            detail={"on": on.isoformat(), "people": people, "reference": event.reference},
        )
        uow.commit()
    return event


def facility_occupancy(
    *, uow: OperationsUnitOfWork, facility_id: str, first: date, last: date
) -> list[DailyOccupancy]:
    """A facility's people in custody at the end of each day ``first``..``last``."""
    with uow:
        if uow.facilities.get(facility_id) is None:
            raise UnknownFacility(facility_id)
        events = list(uow.facilities.events([facility_id]))
    return capacity.occupancy(events, first, last)


def capacity_projection(
    *,
    uow: OperationsUnitOfWork,
    as_of: date,
    facility_ids: Sequence[str] | None = None,
    lookback_days: int = 30,
    horizon_days: int = 30,
) -> CapacityProjection:
    """The facilities named (every one when None), pooled, projected from their mean net
    intake over the ``lookback_days`` ending ``as_of`` (see ``capacity``)."""
    with uow:
        if facility_ids is None:
            chosen = list(uow.facilities.all())
        else:
            chosen = []
            for facility_id in facility_ids:
                found = uow.facilities.get(facility_id)
                if found is None:
                    raise UnknownFacility(facility_id)
                chosen.append(found)
        events = list(uow.facilities.events([f.facility_id for f in chosen]))
    return capacity.project(
        chosen, events, as_of=as_of, lookback_days=lookback_days, horizon_days=horizon_days
    )


def _route(place: str | None, facilities: Sequence[Facility]) -> Facility | None:
    """The facility a transfer held by an agency registered to ``place`` goes to (``facilities``
    by id): one in the place itself, else one in its state, else none."""
    if place is None:
        return None
    for facility in facilities:
        if facility.jurisdiction_fips == place:
            return facility
    for facility in facilities:
        if facility.jurisdiction_fips[:2] == place[:2]:
            return facility
    return None


def record_transfers(
    *, uow: OperationsUnitOfWork, actor: str, at: datetime, since: datetime | None = None
) -> TransferIntakes:
    """Record one intake for each detainer transferred into custody (at or after ``since``,
    when given) whose intake is not recorded yet, so occupancy follows the case data.

    Routing: the holding agency's facility is the one (lowest id first) in the county or city
    the agency is registered to; failing that, the lowest-id facility in the agency's state.
    A transfer by an agency that is not registered, or with no facility in its state, is
    skipped and reported in ``unrouted``; a later run routes it once a facility is added.
    The intake is dated the transfer's local day in the facility's state, with the reference
    ``detainer:<id>``: a detainer whose reference some custody event carries already is not
    recorded again, so re-running is safe. Each intake is audited as ``custody.intake``, as
    ``record_custody_event`` audits one, and all are committed together.
    """
    at = as_utc(at, "at")  # refused when naive, even when there is nothing to record
    since = None if since is None else as_utc(since, "since")
    recorded = already = 0
    unrouted: list[str] = []
    with uow:
        transfers = list(uow.facts.transfers(since))
        done = uow.facilities.recorded_references([f"detainer:{t.detainer_id}" for t in transfers])
        facilities = sorted(uow.facilities.all(), key=lambda f: f.facility_id)
        places: dict[str, str | None] = {}
        for transfer in transfers:
            reference = f"detainer:{transfer.detainer_id}"
            if reference in done:
                already += 1
                continue
            if transfer.ori not in places:
                agency = uow.jurisdictions.get_agency(transfer.ori)
                places[transfer.ori] = None if agency is None else agency.jurisdiction_fips
            facility = _route(places[transfer.ori], facilities)
            if facility is None:
                unrouted.append(transfer.detainer_id)
                continue
            on = local_date(transfer.transferred_at, state_zone(facility.jurisdiction_fips[:2]))
            event = capacity.custody_event(
                facility_id=facility.facility_id,
                kind=CustodyEventKind.INTAKE,
                on=on,
                reference=reference,
            )
            uow.facilities.add_event(event)
            done.add(reference)  # a detainer listed twice is still one intake
            recorded += 1
            _audit(
                uow,
                action="custody.intake",
                subject=f"facility:{facility.facility_id}",
                actor=actor,
                at=at,
                detail={
                    "on": on.isoformat(),
                    "people": event.people,
                    "reference": reference,
                    "transferred_at": transfer.transferred_at.isoformat(),
                },
            )
        if recorded:
            uow.commit()
    return TransferIntakes(recorded=recorded, already_recorded=already, unrouted=tuple(unrouted))
