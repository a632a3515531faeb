"""An in-memory audit store for unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Self

from liaison.audit.model import AuditEntry


class FakeAuditRepository:
    def __init__(self) -> None:
        self.rows: list[AuditEntry] = []

    def head(self) -> AuditEntry | None:
        return self.rows[-1] if self.rows else None

    def append(self, entry: AuditEntry) -> None:
        self.rows.append(entry)

    def entries(self, *, from_seq: int = 1) -> Iterator[AuditEntry]:
        return iter([e for e in self.rows if e.seq >= from_seq])


class FakeAuditUnitOfWork:
    def __init__(self) -> None:
        self._audit = FakeAuditRepository()
        self._committed: list[AuditEntry] = []
        self.commits = 0

    @property
    def audit(self) -> FakeAuditRepository:
        return self._audit

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._committed = list(self._audit.rows)
        self.commits += 1

    def rollback(self) -> None:
        self._audit.rows = list(self._committed)
