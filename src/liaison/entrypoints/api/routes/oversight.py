"""Reports and the audit trail (citizenship rulings: ``routes.adjudication``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from liaison.accounts.model import Role
from liaison.audit import services as audit
from liaison.entrypoints.api.auth import Principal, allow
from liaison.entrypoints.api.deps import Wired
from liaison.entrypoints.api.schemas import AuditVerifyOut, DeclinedRow
from liaison.reporting import services as reporting

router = APIRouter(tags=["oversight"])

Analyst = Annotated[Principal, Depends(allow(Role.PROGRAM_MANAGER, Role.AUDITOR))]
Auditor = Annotated[Principal, Depends(allow(Role.AUDITOR))]


@router.get("/reports/declined-detainers")
def declined_detainers(
    who: Analyst, wired: Wired, start: datetime | None = None, end: datetime | None = None
) -> list[DeclinedRow]:
    """Declined detainers by jurisdiction, counted from the detainers' own histories."""
    rows = reporting.declined_by_jurisdiction(uow=wired.uow(), start=start, end=end)
    return [
        DeclinedRow(jurisdiction_fips=r.fips, jurisdiction=r.name, declined=r.declined)
        for r in rows
    ]


@router.get("/audit/verify")
def verify_audit(who: Auditor, wired: Wired) -> AuditVerifyOut:
    """Re-hash the whole trail: any edit or deletion shows as a break at its sequence number."""
    report = audit.verify_trail(uow=wired.uow())
    return AuditVerifyOut(
        entries=report.entries,
        intact=not report.breaks,
        breaks=[{"seq": b.seq, "problem": b.problem} for b in report.breaks],
    )
