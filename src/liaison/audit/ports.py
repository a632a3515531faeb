"""What the audit trail needs from a store: append at the head, read in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from liaison.audit.model import AuditEntry
from liaison.transaction import Transaction

__all__ = ["AuditRepository", "AuditUnitOfWork"]


class AuditRepository(Protocol):
    def head(self) -> AuditEntry | None:
        """The last entry, locked against concurrent appends until the unit of work ends."""
        ...

    def append(self, entry: AuditEntry) -> None: ...

    def entries(self, *, from_seq: int = 1) -> Iterator[AuditEntry]: ...


class AuditUnitOfWork(Transaction, Protocol):
    """The repositories audit services work through, in one transaction."""

    @property
    def audit(self) -> AuditRepository: ...
