"""Report use cases: figures computed from the case data, never typed in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from liaison.reporting.model import DeclinedByJurisdiction
from liaison.reporting.ports import ReportingUnitOfWork

__all__ = ["declined_by_jurisdiction"]


def declined_by_jurisdiction(
    *, uow: ReportingUnitOfWork, start: datetime | None = None, end: datetime | None = None
) -> Sequence[DeclinedByJurisdiction]:
    """Declined detainers per jurisdiction of the holding agency, most first.

    A detainer counts once, in the period of its decline, whatever happened to it afterwards.
    """
    with uow:
        counts: Counter[str] = Counter()
        for ori, declined in uow.reports.declined_by_agency(start=start, end=end):
            agency = uow.jurisdictions.get_agency(ori)
            counts[agency.jurisdiction_fips if agency else f"ORI {ori}"] += declined
        rows = []
        for fips, declined in counts.items():
            place = uow.jurisdictions.get_jurisdiction(fips)
            rows.append(DeclinedByJurisdiction(fips, place.name if place else fips, declined))
    return sorted(rows, key=lambda r: (-r.declined, r.fips))
