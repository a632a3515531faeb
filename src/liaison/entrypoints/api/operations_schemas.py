"""Request and response bodies of the operations routes (pydantic), converted to and from the
domain at the edge. The command line prints the same bodies for ``--json``.

Instants in a body must carry an offset and days and instants lie in 1900-2100
(``bounds.Moment``, ``bounds.Day``); counts of people and beds are ``StrictInt`` (``true`` is
no headcount) in a stated range, and every string and list has a length. Every other rule (a
window's order, a positive headcount, a known place) is the domain's, so the API and the
command line refuse alike. Answers (``...Out``) are not bounded like requests: a record made
from the command line reads back whatever it holds.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StrictInt

from liaison.entrypoints.api.bounds import Day, FipsCode, FreeText, Moment, Name, RecordId
from liaison.entrypoints.api.schemas import RequestBody, Strict
from liaison.jurisdictions.agreements import SnapshotChange, snapshot_label
from liaison.jurisdictions.model import Agreement287g, AgreementModel
from liaison.operations.declarations import answer_status
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
    DelegatedFunction,
    Deployment,
    DeploymentOverlap,
    Facility,
    Metric,
    Target,
    TargetProgress,
    TargetStatus,
    TransferIntakes,
)

__all__ = [
    "AgreementChangeRowOut",
    "AgreementCountOut",
    "AgreementIn",
    "AgreementOut",
    "AnswerIn",
    "AssistanceRequestIn",
    "CapacityOut",
    "CustodyEventIn",
    "CustodyEventOut",
    "DeclarationIn",
    "DeclarationInForceOut",
    "DeclarationOut",
    "DeploymentIn",
    "DeploymentOut",
    "ExtensionIn",
    "FacilityIn",
    "FacilityOut",
    "HeadcountOut",
    "OccupancyOut",
    "OverlapOut",
    "SnapshotChangeOut",
    "TargetIn",
    "TargetOut",
    "TargetProgressOut",
    "TerminationIn",
    "TransfersIn",
    "TransfersOut",
]

MAX_PEOPLE = 1_000_000  # people in one place, beds in one facility, officers trained
MAX_PLACES = 200  # states, counties or cities one record names
PlaceName = Annotated[Name, Field(min_length=1, max_length=40, description="FIPS, USPS or name")]

# -- declarations ----------------------------------------------------------------------------


class DeclarationIn(RequestBody):
    """A declaration to record: effective when issued unless ``effective_at`` says later."""

    declaration_id: RecordId
    kind: DeclarationKind
    authority: FreeText = Field(min_length=1, max_length=500, description="the authority cited")
    states: list[PlaceName] = Field(
        min_length=1, max_length=60, description="FIPS codes, USPS codes or names"
    )
    issued_at: Moment | None = Field(default=None, description="default: now")
    effective_at: Moment | None = Field(default=None, description="default: issued_at")
    title: FreeText = Field(default="", max_length=500)


class ExtensionIn(RequestBody):
    """An extension by ``days`` (24 hours each, added to the current expiry) or to
    ``new_expiry``: one of the two."""

    extended_by: Name = Field(min_length=1, max_length=200)
    authority: FreeText = Field(min_length=1, max_length=500)
    days: StrictInt | None = Field(default=None, ge=-3650, le=3650)
    new_expiry: Moment | None = None
    extended_at: Moment | None = Field(default=None, description="default: now")


class AssistanceRequestIn(RequestBody):
    request: FreeText = Field(min_length=1, max_length=500, description="what is asked for")
    states: list[PlaceName] | None = Field(
        default=None, max_length=60, description="default: every state in scope"
    )
    requested_at: Moment | None = Field(default=None, description="default: now")


class AnswerIn(RequestBody):
    state: PlaceName
    answer: AssistanceAnswer
    answered_on: Day = Field(description="the date the state gave its answer")


class ExtensionOut(Strict):
    extended_at: datetime
    extended_by: str
    authority: str
    expires_at: datetime
    days: int | None


class RequestOut(Strict):
    state_fips: str
    requested_at: datetime
    request: str


class StateAnswerOut(Strict):
    state_fips: str
    answer: AssistanceAnswer
    answered_on: date
    recorded_at: datetime


class DeclarationOut(Strict):
    declaration_id: str
    kind: DeclarationKind
    authority: str
    title: str
    issued_at: datetime
    effective_at: datetime
    expires_at: datetime
    states: list[str]
    extensions: list[ExtensionOut]
    requests: list[RequestOut]
    answers: list[StateAnswerOut]
    assistance: dict[str, AnswerStatus] = Field(description="each state in scope, by FIPS")

    @classmethod
    def of(cls, d: Declaration) -> DeclarationOut:
        return cls(
            declaration_id=d.declaration_id,
            kind=d.kind,
            authority=d.authority,
            title=d.title,
            issued_at=d.issued_at,
            effective_at=d.effective_at,
            expires_at=d.expires_at,
            states=list(d.states),
            extensions=[ExtensionOut(**vars(e)) for e in d.extensions],
            requests=[RequestOut(**vars(r)) for r in d.requests],
            answers=[StateAnswerOut(**vars(a)) for a in d.answers],
            assistance=answer_status(d),
        )


class DeclarationInForceOut(Strict):
    declaration: DeclarationOut
    states: list[str] = Field(description="the states of its scope where it is in force")

    @classmethod
    def of(cls, found: DeclarationInForce) -> DeclarationInForceOut:
        return cls(declaration=DeclarationOut.of(found.declaration), states=list(found.states))


# -- 287(g) agreements -----------------------------------------------------------------------


class AgreementIn(RequestBody):
    """A 287(g) agreement as the program records it."""

    agreement_id: RecordId
    agency_name: Name = Field(min_length=1, max_length=200)
    state: PlaceName
    model: AgreementModel
    signed_on: Day | None = None
    expires_on: Day | None = Field(default=None, description="the last day in effect")
    terminated_on: Day | None = None
    trained_officers: StrictInt | None = Field(default=None, ge=0, le=MAX_PEOPLE)
    delegated_functions: list[DelegatedFunction] = Field(default_factory=list, max_length=20)
    ori: str = Field(default="", pattern=r"^(?:[A-Z]{2}[A-Z0-9]{7})?$")

    def to_domain(self) -> Agreement:
        return Agreement(
            agreement_id=self.agreement_id,
            agency_name=self.agency_name,
            state=self.state,
            model=self.model,
            signed_on=self.signed_on,
            expires_on=self.expires_on,
            terminated_on=self.terminated_on,
            trained_officers=self.trained_officers,
            delegated_functions=tuple(self.delegated_functions),
            ori=self.ori,
        )


class AgreementOut(Strict):
    agreement_id: str
    agency_name: str
    state: str
    model: AgreementModel
    signed_on: date | None
    expires_on: date | None = Field(description="the last day in effect")
    terminated_on: date | None
    trained_officers: int | None
    delegated_functions: list[DelegatedFunction]
    ori: str
    status: AgreementStatus | None = Field(default=None, description="on the day asked")

    @classmethod
    def of(cls, a: Agreement, status: AgreementStatus | None = None) -> AgreementOut:
        return cls(
            agreement_id=a.agreement_id,
            agency_name=a.agency_name,
            state=a.state,
            model=a.model,
            signed_on=a.signed_on,
            expires_on=a.expires_on,
            terminated_on=a.terminated_on,
            trained_officers=a.trained_officers,
            delegated_functions=list(a.delegated_functions),
            ori=a.ori,
            status=status,
        )


class TerminationIn(RequestBody):
    terminated_on: Day = Field(description="the first day no longer in effect")


class AgreementCountOut(Strict):
    snapshot: str
    model: AgreementModel
    agreements: int


class AgreementChangeRowOut(Strict):
    """A row of the published list: an agreement new in a snapshot or ended after one."""

    state: str
    agency_name: str
    model: AgreementModel
    county: str
    county_fips: str | None
    ori: str
    snapshot: str

    @classmethod
    def of(cls, a: Agreement287g) -> AgreementChangeRowOut:
        return cls(
            state=a.state,
            agency_name=a.agency_name,
            model=a.model,
            county=a.county,
            county_fips=a.county_fips,
            ori=a.ori,
            snapshot=snapshot_label(a),
        )


class SnapshotChangeOut(Strict):
    earlier: str
    later: str
    added: list[AgreementChangeRowOut]
    ended: list[AgreementChangeRowOut]

    @classmethod
    def of(cls, c: SnapshotChange) -> SnapshotChangeOut:
        return cls(
            earlier=c.earlier,
            later=c.later,
            added=[AgreementChangeRowOut.of(a) for a in c.added],
            ended=[AgreementChangeRowOut.of(a) for a in c.ended],
        )


# -- deployments -----------------------------------------------------------------------------


class DeploymentIn(RequestBody):
    deployment_id: RecordId
    agency: Name = Field(min_length=1, max_length=200, description="the source agency")
    unit: Name = Field(min_length=1, max_length=200)
    destinations: dict[FipsCode, Annotated[StrictInt, Field(ge=-MAX_PEOPLE, le=MAX_PEOPLE)]] = (
        Field(
            min_length=1,
            max_length=MAX_PLACES,
            description="county or city FIPS -> headcount sent there",
        )
    )
    start: Day
    end: Day = Field(description="the last day deployed")
    mission: FreeText = Field(default="", max_length=500)


class DeploymentOut(Strict):
    deployment_id: str
    agency: str
    unit: str
    destinations: dict[str, int]
    headcount: int
    start: date
    end: date
    mission: str

    @classmethod
    def of(cls, d: Deployment) -> DeploymentOut:
        return cls(
            deployment_id=d.deployment_id,
            agency=d.agency,
            unit=d.unit,
            destinations={p.jurisdiction_fips: p.headcount for p in d.destinations},
            headcount=d.headcount,
            start=d.start,
            end=d.end,
            mission=d.mission,
        )


class OverlapOut(Strict):
    first: DeploymentOut
    second: DeploymentOut
    start: date
    end: date

    @classmethod
    def of(cls, o: DeploymentOverlap) -> OverlapOut:
        return cls(
            first=DeploymentOut.of(o.first),
            second=DeploymentOut.of(o.second),
            start=o.start,
            end=o.end,
        )


class HeadcountOut(Strict):
    on: date
    total: int
    places: dict[str, int] = Field(description="destination FIPS -> personnel in place")


# -- targets ---------------------------------------------------------------------------------


class TargetIn(RequestBody):
    target_id: RecordId
    metric: Metric
    jurisdictions: list[FipsCode] = Field(
        min_length=1, max_length=MAX_PLACES, description="state, county or city FIPS"
    )
    start: Day
    end: Day
    baseline_start: Day
    baseline_end: Day
    goal_percent: float = Field(
        ge=-100_000, le=100_000, description="+35.0 for 35 % more than the baseline, per day"
    )
    title: FreeText = Field(default="", max_length=500)


class TargetOut(Strict):
    target_id: str
    metric: Metric
    jurisdictions: list[str]
    start: date
    end: date
    baseline_start: date
    baseline_end: date
    goal_percent: float
    title: str

    @classmethod
    def of(cls, t: Target) -> TargetOut:
        return cls(
            target_id=t.target_id,
            metric=t.metric,
            jurisdictions=list(t.jurisdictions),
            start=t.start,
            end=t.end,
            baseline_start=t.baseline_start,
            baseline_end=t.baseline_end,
            goal_percent=t.goal_percent,
            title=t.title,
        )


class TargetProgressOut(Strict):
    target: TargetOut
    as_of: date
    status: TargetStatus
    baseline: int
    current: int
    elapsed_days: int
    window_days: int
    goal: float
    expected_to_date: float
    projected: float | None
    change_percent: float | None

    @classmethod
    def of(cls, p: TargetProgress) -> TargetProgressOut:
        return cls(
            target=TargetOut.of(p.target),
            as_of=p.as_of,
            status=p.status,
            baseline=p.baseline,
            current=p.current,
            elapsed_days=p.elapsed_days,
            window_days=p.window_days,
            goal=p.goal,
            expected_to_date=p.expected_to_date,
            projected=p.projected,
            change_percent=p.change_percent,
        )


# -- detention capacity ----------------------------------------------------------------------


class FacilityIn(RequestBody):
    facility_id: RecordId
    name: Name = Field(min_length=1, max_length=200)
    jurisdiction_fips: FipsCode = Field(description="the county or city where it stands")
    beds: StrictInt = Field(ge=-MAX_PEOPLE, le=MAX_PEOPLE)


class FacilityOut(Strict):
    facility_id: str
    name: str
    jurisdiction_fips: str
    beds: int

    @classmethod
    def of(cls, f: Facility) -> FacilityOut:
        return cls(**vars(f))


class CustodyEventIn(RequestBody):
    kind: CustodyEventKind
    on: Day
    people: StrictInt = Field(
        default=1, ge=-MAX_PEOPLE, le=MAX_PEOPLE, description="for a census, the head count"
    )
    reference: FreeText = Field(default="", max_length=200, description='e.g. "detainer:D-123"')


class CustodyEventOut(Strict):
    kind: CustodyEventKind
    on: date
    people: int
    reference: str
    facility_id: str

    @classmethod
    def of(cls, e: CustodyEvent) -> CustodyEventOut:
        return cls(**vars(e))


class OccupancyOut(Strict):
    day: date
    intakes: int
    releases: int
    occupancy: int

    @classmethod
    def of(cls, d: DailyOccupancy) -> OccupancyOut:
        return cls(**vars(d))


class CapacityOut(Strict):
    facilities: list[str]
    as_of: date
    beds: int
    occupancy: int
    lookback_days: int
    net_daily_intake: float
    full_on: date | None
    horizon: date
    projected_at_horizon: float
    beds_short_at_horizon: int

    @classmethod
    def of(cls, p: CapacityProjection) -> CapacityOut:
        return cls(**(vars(p) | {"facilities": list(p.facilities)}))


class TransfersIn(RequestBody):
    since: Moment | None = Field(default=None, description="only transfers from then on")


class TransfersOut(Strict):
    recorded: int = Field(description="intakes recorded now, one a transfer")
    already_recorded: int
    unrouted: list[str] = Field(description="detainer ids with no facility to route to")

    @classmethod
    def of(cls, t: TransferIntakes) -> TransfersOut:
        return cls(
            recorded=t.recorded, already_recorded=t.already_recorded, unrouted=list(t.unrouted)
        )
