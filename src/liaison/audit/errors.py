"""Errors of the audit trail (see ``liaison.errors`` for the whole tree).

AuditError
├── AuditTrailBroken        verification found the chain edited, cut or reordered
├── AuditKeyError           the key ring is unreadable, malformed or cannot be written
│   └── UnknownAuditKey     no key with that id in the ring (lost, or the ring was replaced)
├── CheckpointsUnreadable   the checkpoint store cannot be read (names the line)
└── InvalidEntryQuery       a read of entries asked for a page out of bounds
"""

from __future__ import annotations

from liaison.audit.model import ChainBreak
from liaison.errors import LiaisonError

__all__ = [
    "AuditError",
    "AuditKeyError",
    "AuditTrailBroken",
    "CheckpointsUnreadable",
    "InvalidEntryQuery",
    "UnknownAuditKey",
]


class AuditError(LiaisonError):
    """Something about the audit trail went wrong."""


class AuditTrailBroken(AuditError):
    """The trail does not verify; ``breaks`` says where (seq) and what."""

    def __init__(self, breaks: list[ChainBreak]) -> None:
        first = breaks[0] if breaks else None
        where = f": first at seq {first.seq}: {first.problem}" if first else ""
        super().__init__(f"audit trail broken in {len(breaks)} place(s){where}")
        self.breaks = breaks


class AuditKeyError(AuditError):
    """The keys that MAC the trail cannot be read, parsed or written."""


class UnknownAuditKey(AuditKeyError):
    """The key ring holds no key with this id."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"the audit key ring holds no key {key_id!r}")
        self.key_id = key_id


class CheckpointsUnreadable(AuditError):
    """The checkpoints kept outside the database cannot be read."""


class InvalidEntryQuery(AuditError):
    """A read of audit entries asked for a page out of bounds."""
