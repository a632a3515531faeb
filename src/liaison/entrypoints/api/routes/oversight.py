"""Reports and the audit trail (citizenship rulings: ``routes.adjudication``)."""

from __future__ import annotations

import copy
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AfterValidator

from liaison.accounts.model import Role
from liaison.audit import services as audit
from liaison.audit.model import EntryFilter
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.bounds import MAX_ID, Moment, check_range, text_problem
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.listing import LIST_RESPONSES, PageQuery, listing
from liaison.entrypoints.api.schemas import (
    AuditBreakOut,
    AuditEntryOut,
    AuditVerifyOut,
    DeclinedRow,
)
from liaison.reporting import services as reporting

router = APIRouter(tags=["oversight"])

Analyst = Annotated[Principal, Depends(allow(Role.PROGRAM_MANAGER, Role.AUDITOR))]
Auditor = Annotated[Principal, Depends(allow(Role.AUDITOR))]


@router.get(
    "/reports/declined-detainers", response_model=list[DeclinedRow], responses=LIST_RESPONSES
)
def declined_detainers(
    request: Request,
    who: Analyst,
    wired: Wired,
    page: PageQuery,
    start: Annotated[Moment | None, Query(description="declines from then on")] = None,
    end: Annotated[Moment | None, Query(description="declines before then")] = None,
) -> Response:
    """Declined detainers by jurisdiction, most first, counted from the detainers' own
    histories; ``start`` and ``end`` carry a time zone and lie within 1900-2100."""
    check_range(start, end, names=("start", "end"), max_days=None)
    rows = reporting.declined_by_jurisdiction(uow=wired.uow(), start=start, end=end)
    found = [
        DeclinedRow(jurisdiction_fips=r.fips, jurisdiction=r.name, declined=r.declined)
        for r in rows
    ]
    return listing(request, page.of(found), total=len(found), name="declined-detainers")


@router.get("/audit/verify")
def verify_audit(who: Auditor, wired: Wired) -> AuditVerifyOut:
    """Check every hash, MAC and link of the trail against the checkpoints kept outside the
    database: an edit, a deleted row, a rewrite re-chained without the key, a deleted tail or
    a truncated table shows as a break at its sequence number."""
    report = audit.verify_trail(uow=wired.uow(), anchor=wired.audit_anchor)
    return AuditVerifyOut(
        entries=report.entries,
        intact=report.ok,
        breaks=[AuditBreakOut(seq=b.seq, problem=b.problem) for b in report.breaks],
        unmaced=report.unmaced,
        checkpoints=report.checkpoints,
        anchored_seq=report.anchored_seq,
        anchored_at=report.anchored_at,
        unanchored=report.unanchored,
    )


def _plain(text: str | None) -> str | None:
    if text is not None and (problem := text_problem(text)) is not None:
        raise ValueError(problem)
    return text


AuditText = Annotated[
    str | None,
    Query(max_length=audit.MAX_FILTER_LENGTH, description="exactly this value"),
    AfterValidator(_plain),
]
NEXT_HEADER = "X-Next-After"
_ENTRY_RESPONSES = copy.deepcopy(LIST_RESPONSES)
_ENTRY_RESPONSES[200]["headers"][NEXT_HEADER] = {
    "description": "the cursor of the next page (give it as `after`); absent on the last page",
    "required": False,
    "schema": {"type": "integer", "minimum": 1},
}


@router.get("/audit/entries", response_model=list[AuditEntryOut], responses=_ENTRY_RESPONSES)
def audit_entries(
    request: Request,
    who: Auditor,
    wired: Wired,
    page: PageQuery,
    actor: AuditText = None,
    subject: AuditText = None,
    action: AuditText = None,
    since: Annotated[Moment | None, Query(description="at or after this instant")] = None,
    until: Annotated[Moment | None, Query(description="before this instant")] = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="a cursor: entries with seq above this one")
    ] = 0,
) -> Response:
    """Audit entries in seq order, filtered by actor, subject, action and time; pages by
    ``after`` (the cursor in ``X-Next-After``) or ``offset``, with the count of every match
    in ``X-Total-Count``. The read is itself audited."""
    check_range(since, until, names=("since", "until"), max_days=None)
    found = audit.read_entries(
        uow=wired.uow(),
        reader=who.actor,
        purpose="audit oversight",
        where=EntryFilter(actor=actor, subject=subject, action=action, since=since, until=until),
        after=after,
        offset=page.offset,
        limit=page.limit,
        at=wired.clock(),
    )
    rows = [AuditEntryOut.model_validate(e, from_attributes=True) for e in found.entries]
    response = listing(request, rows, total=found.total, name="audit-entries")
    if found.next_after is not None:
        response.headers[NEXT_HEADER] = str(found.next_after)
    return response
