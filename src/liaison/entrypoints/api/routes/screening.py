"""Screening: analysts list and work cases and check a person; only analysts see any of it.

A jail's key never reaches these routes (403): watchlist details never leave the analysts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from liaison.accounts.model import Role
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.bounds import Day, FreeText, Identifier, Name, PathId
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.schemas import RequestBody, Strict
from liaison.screening import services as screening
from liaison.screening.errors import UnknownListVersion
from liaison.screening.model import (
    CaseOutcome,
    CaseState,
    Document,
    HitSource,
    ScreeningCase,
    Subject,
    SubjectKind,
)
from liaison.screening.protocol import CaseAction, is_overdue

router = APIRouter(tags=["screening"])

Analyst = Annotated[Principal, Depends(allow(Role.SCREENING_ANALYST))]


class FeatureOut(Strict):
    comparator: str
    level: str
    weight: float


class CaseEventOut(Strict):
    at: datetime
    actor: str
    action: str
    note: str


class CaseOut(Strict):
    case_id: str
    subject_kind: SubjectKind
    subject_id: str
    entry_id: str
    list_version: int
    source: HitSource
    score: float
    features: list[FeatureOut]
    opened_at: datetime
    due_at: datetime
    overdue: bool
    state: CaseState
    outcome: CaseOutcome | None
    assignee: str
    events: list[CaseEventOut]

    @classmethod
    def of(cls, case: ScreeningCase, now: datetime) -> CaseOut:
        return cls(
            case_id=case.case_id,
            subject_kind=case.subject_kind,
            subject_id=case.subject_id,
            entry_id=case.entry_id,
            list_version=case.list_version,
            source=case.source,
            score=case.score,
            features=[FeatureOut(**vars(f)) for f in case.features],
            opened_at=case.opened_at,
            due_at=case.due_at,
            overdue=is_overdue(case, now),
            state=case.state,
            outcome=case.outcome,
            assignee=case.assignee,
            events=[CaseEventOut(**vars(e)) for e in case.events],
        )


class StepIn(RequestBody):
    action: CaseAction
    note: FreeText = Field(default="", max_length=1000)
    assignee: Identifier = Field(default="", max_length=100)


class CheckIn(RequestBody):
    names: list[Annotated[Name, Field(max_length=200)]] = Field(min_length=1, max_length=10)
    dob: Day | None = None
    nationality: str = Field(default="", pattern="^(?:[A-Za-z]{2})?$")
    document: Identifier = Field(default="", max_length=40)


class CandidateOut(Strict):
    entry_id: str
    matched_name: str
    weight: float
    probability: float
    hit: bool
    features: list[FeatureOut]


@router.get("/screening/cases", response_model=list[CaseOut], responses=LIST_RESPONSES)
def list_cases(
    request: Request,
    who: Analyst,
    wired: Wired,
    page: PageQuery,
    state: CaseState | None = None,
    source: HitSource | None = None,
) -> Response:
    """Cases, oldest deadline first, in one ``state`` and from one ``source`` when given.
    The read is audited."""
    states, sources = state.value if state else None, source.value if source else None
    found = screening.list_cases(
        uow=wired.uow(),
        actor=who.actor,
        at=wired.clock(),
        state=states,
        source=sources,
        limit=page.limit,
        offset=page.offset,
    )
    total = screening.count_cases(uow=wired.uow(), state=states, source=sources)
    now = wired.clock()
    return listing(request, [CaseOut.of(c, now) for c in found], total=total, name="cases")


@router.get("/screening/cases/{case_id}")
def get_case(case_id: PathId, who: Analyst, wired: Wired) -> CaseOut:
    found = screening.get_case(uow=wired.uow(), case_id=case_id, actor=who.actor, at=wired.clock())
    return CaseOut.of(found, wired.clock())


@router.post("/screening/cases/{case_id}/steps")
def take_step(case_id: PathId, body: StepIn, who: Analyst, wired: Wired) -> CaseOut:
    changed = screening.act_on_case(
        uow=wired.uow(),
        case_id=case_id,
        action=body.action,
        actor=who.actor,
        at=wired.clock(),
        note=body.note,
        assignee=body.assignee,
    )
    return CaseOut.of(changed, wired.clock())


@router.post("/screening/check")
def check(body: CheckIn, who: Analyst, wired: Wired) -> list[CandidateOut]:
    """Score a person against the current list (opens no case)."""
    engine = wired.encounter_screening()
    if engine is None:
        raise UnknownListVersion("screening is switched off in this process")
    subject = Subject(
        kind=SubjectKind.BOOKING,
        subject_id="check",
        names=tuple(body.names),
        dob=body.dob,
        nationality=body.nationality.upper(),
        documents=(Document(body.document),) if body.document else (),
    )
    found = screening.check(
        uow=wired.uow(),
        subject=subject,
        keys=engine.keys,
        scorer=engine.scorer,
        actor=who.actor,
        at=wired.clock(),
    )
    return [
        CandidateOut(
            entry_id=s.entry_id,
            matched_name=s.matched_name,
            weight=s.weight,
            probability=s.probability,
            hit=s.weight >= screening.CASE_THRESHOLD,
            features=[FeatureOut(**vars(f)) for f in s.features],
        )
        for s in found.scores
    ]
