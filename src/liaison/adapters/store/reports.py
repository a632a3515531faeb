"""Report queries (``liaison.reporting.ports.ReportQueries``): aggregates run in the database.

A detainer's history is JSON, so a query about its moves expands the history in SQL
(``json_each`` on SQLite, ``jsonb_array_elements`` on PostgreSQL) and compares each step's
timestamp as text: ``codec.iso_utc`` writes them fixed-width in UTC, so text order is time
order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import JSON, column, distinct, func, select, true
from sqlalchemy.orm import Session

from liaison.adapters.store.codec import iso_utc
from liaison.adapters.store.errors import translated
from liaison.adapters.store.tables import detainers
from liaison.detainers.model import DetainerState

__all__ = ["SqlReportQueries"]


class SqlReportQueries:
    def __init__(self, session: Session) -> None:
        self._session = session

    def declined_by_agency(
        self, *, start: datetime | None, end: datetime | None
    ) -> Sequence[tuple[str, int]]:
        """(holding ORI, detainers declined) for declines dated in [start, end), by ORI; a
        detainer counts once, whatever happened to it after its decline."""
        d = detainers.c
        expand = (
            func.jsonb_array_elements
            if self._session.get_bind().dialect.name == "postgresql"
            else func.json_each
        )
        step = expand(d.history).table_valued(column("value", JSON)).alias("step")
        at = step.c.value["at"].as_string()
        query = (
            select(d.ori, func.count(distinct(d.detainer_id)))
            .select_from(detainers.join(step, true()))
            .where(step.c.value["to_state"].as_string() == DetainerState.DECLINED.value)
            .group_by(d.ori)
            .order_by(d.ori)
        )
        if start is not None:
            query = query.where(at >= iso_utc(start))
        if end is not None:
            query = query.where(at < iso_utc(end))
        with translated("counting declined detainers by agency"):
            return [(ori, int(n)) for ori, n in self._session.execute(query)]
