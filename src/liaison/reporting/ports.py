"""What reports need from a store: aggregate queries run where the data is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from liaison.jurisdictions.ports import JurisdictionRepository
from liaison.transaction import Transaction

__all__ = ["ReportQueries", "ReportingUnitOfWork"]


class ReportQueries(Protocol):
    def declined_by_agency(
        self, *, start: datetime | None, end: datetime | None
    ) -> Sequence[tuple[str, int]]:
        """(holding ORI, detainers declined) for declines dated in [start, end)."""
        ...


class ReportingUnitOfWork(Transaction, Protocol):
    @property
    def reports(self) -> ReportQueries: ...

    @property
    def jurisdictions(self) -> JurisdictionRepository: ...
