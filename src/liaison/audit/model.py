"""The audit trail: an append-only chain of who did what, when, and for what purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["AuditEntry", "ChainBreak", "Checkpoint", "EntryFilter", "EntryPage"]


@dataclass(frozen=True)
class AuditEntry:
    """One audited act. ``entry_hash`` covers every other field and ``prev_hash``, so an edit or
    a deletion anywhere breaks every later link. ``mac`` is an HMAC of ``entry_hash`` under the
    key ``key_id`` names, a key the database does not hold, so whoever can only write the
    database cannot re-chain an edit; both are None on entries written before MACs began."""

    seq: int  # 1, 2, 3, ... with no gaps
    at: datetime
    actor: str  # username, or "jail:<ORI>" for a jail's key, or "system"
    action: str  # e.g. "booking.read", "detainer.lodge"
    subject: str  # what was read or decided, e.g. "booking:<id>"
    purpose: str  # why (the role's stated purpose, or the officer's reason)
    detail: str  # canonical JSON of anything else worth keeping
    prev_hash: str
    entry_hash: str
    key_id: str | None = None
    mac: str | None = None


@dataclass(frozen=True)
class ChainBreak:
    """Where ``verify`` found the chain broken, and how."""

    seq: int
    problem: str


@dataclass(frozen=True)
class Checkpoint:
    """The head of the trail as it stood at ``at``, kept outside the database and signed
    (HMAC under ``key_id``), so a later verification can tell a deleted tail or a rewrite
    before ``seq`` from an intact trail."""

    seq: int
    entry_hash: str
    mac: str | None  # the head entry's MAC (None when it was written before MACs began)
    at: datetime  # when the checkpoint was written
    key_id: str
    signature: str


@dataclass(frozen=True)
class EntryFilter:
    """Which entries an auditor asks for; None matches anything. ``since`` is inclusive,
    ``until`` exclusive."""

    actor: str | None = None
    subject: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class EntryPage:
    """One page of entries in seq order, how many match in all, and the cursor of the next
    page (the last seq returned; None on the last page)."""

    entries: tuple[AuditEntry, ...]
    total: int
    next_after: int | None
