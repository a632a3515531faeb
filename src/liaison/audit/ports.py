"""What the audit trail needs: a store to append to and read, keys to MAC entries with (kept
out of that store), and somewhere outside it to keep checkpoints of the head."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from liaison.audit.model import AuditEntry, Checkpoint, EntryFilter
from liaison.transaction import Transaction

__all__ = ["AuditAnchor", "AuditKeys", "AuditRepository", "AuditUnitOfWork"]


class AuditKeys(Protocol):
    """HMAC-SHA-256 keys by id: a key file by default, a KMS in production. Old keys stay to
    verify what they MACed; new entries take the current one."""

    def current(self) -> str:
        """The id of the key new entries are MACed with (made on first use where the ring
        is a file of its own)."""
        ...

    def mac(self, key_id: str, message: bytes) -> str:
        """The hex HMAC-SHA-256 of ``message`` under ``key_id``; ``UnknownAuditKey`` if the
        ring has no such key. Never creates a key."""
        ...


class AuditAnchor(Protocol):
    """An append-only place outside the database for checkpoints of the head: a file by
    default; a WORM bucket or a remote syslog server where the database's administrator must
    not be able to rewrite them either."""

    def append(self, checkpoint: Checkpoint) -> None: ...

    def checkpoints(self) -> Sequence[Checkpoint]:
        """Every checkpoint kept, in the order written; ``CheckpointsUnreadable`` when one
        cannot be parsed."""
        ...


class AuditRepository(Protocol):
    def head(self) -> AuditEntry | None:
        """The last entry, locked against concurrent appends until the unit of work ends."""
        ...

    def append(self, entry: AuditEntry) -> None: ...

    def entries(self, *, from_seq: int = 1) -> Iterator[AuditEntry]: ...

    def keys(self) -> AuditKeys | None:
        """The keys entries are MACed with (never stored in this repository's database), or
        None where the store was wired without them: entries are then written without a MAC,
        and verification says so."""
        ...

    def find(
        self, where: EntryFilter, *, after: int, limit: int, offset: int = 0
    ) -> Sequence[AuditEntry]:
        """Up to ``limit`` entries matching ``where`` with seq above ``after``, in seq order,
        skipping the first ``offset`` of them."""
        ...

    def count(self, where: EntryFilter) -> int:
        """How many entries match ``where``."""
        ...


class AuditUnitOfWork(Transaction, Protocol):
    """The repositories audit services work through, in one transaction."""

    @property
    def audit(self) -> AuditRepository: ...
