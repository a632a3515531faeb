"""The audit trail: an append-only chain of who did what, when, and for what purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["AuditEntry", "ChainBreak"]


@dataclass(frozen=True)
class AuditEntry:
    """One audited act. ``entry_hash`` covers every other field and ``prev_hash``, so an edit or
    a deletion anywhere breaks every later link."""

    seq: int  # 1, 2, 3, ... with no gaps
    at: datetime
    actor: str  # username, or "jail:<ORI>" for a jail's key, or "system"
    action: str  # e.g. "booking.read", "detainer.lodge"
    subject: str  # what was read or decided, e.g. "booking:<id>"
    purpose: str  # why (the role's stated purpose, or the officer's reason)
    detail: str  # canonical JSON of anything else worth keeping
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True)
class ChainBreak:
    """Where ``verify`` found the chain broken, and how."""

    seq: int
    problem: str
