"""The hash chain: how an entry is serialized, hashed, linked and verified. Pure functions.

An entry's hash is the SHA-256 of a canonical serialization of every field but the hash itself,
``prev_hash`` included, so editing any field breaks that entry and deleting or reordering
entries breaks the links after it. A truncated head (the newest entries removed) leaves a
valid shorter chain; only an expected count or head hash kept elsewhere can reveal it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from liaison.audit.model import AuditEntry, ChainBreak

__all__ = ["GENESIS", "canonical_detail", "entry_hash", "format_at", "next_entry", "verify"]

GENESIS = "0" * 64


def format_at(at: datetime) -> str:
    """``at`` in UTC as ISO-8601 with microseconds, e.g. ``2025-01-02T03:04:05.000000+00:00``.

    A naive datetime is read as UTC, as stores without time zones (SQLite) hand it back;
    ``next_entry`` refuses naive times, so every entry is written with an explicit zone.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_detail(detail: Mapping[str, object]) -> str:
    """``detail`` as canonical JSON: sorted keys, no spaces, non-JSON values as ``str``."""
    return json.dumps(
        dict(detail), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    purpose: str,
    detail: str,
    prev_hash: str,
) -> str:
    """The SHA-256 hex digest of the entry's canonical serialization."""
    # A JSON array keeps field boundaries unambiguous whatever the strings contain.
    payload = json.dumps(
        [seq, format_at(at), actor, action, subject, purpose, detail, prev_hash],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        purpose=entry.purpose,
        detail=entry.detail,
        prev_hash=entry.prev_hash,
    )


def next_entry(
    head: AuditEntry | None,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    purpose: str,
    detail: Mapping[str, object],
) -> AuditEntry:
    """The entry that follows ``head`` (or starts the chain when ``head`` is None)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    seq = 1 if head is None else head.seq + 1
    prev_hash = GENESIS if head is None else head.entry_hash
    at_utc = datetime.fromisoformat(format_at(at))
    detail_json = canonical_detail(detail)
    return AuditEntry(
        seq=seq,
        at=at_utc,
        actor=actor,
        action=action,
        subject=subject,
        purpose=purpose,
        detail=detail_json,
        prev_hash=prev_hash,
        entry_hash=entry_hash(
            seq=seq,
            at=at_utc,
            actor=actor,
            action=action,
            subject=subject,
            purpose=purpose,
            detail=detail_json,
            prev_hash=prev_hash,
        ),
    )


def verify(
    entries: Iterable[AuditEntry],
    *,
    expected_count: int | None = None,
    expected_head_hash: str | None = None,
    first_seq: int = 1,
    first_prev_hash: str = GENESIS,
) -> list[ChainBreak]:
    """Every place the chain is broken, in order; an empty list means it verifies.

    Detects an edited entry (its hash no longer matches its fields), a deleted or reordered
    entry (a seq out of order, or a ``prev_hash`` that is not the previous entry's hash), and,
    given ``expected_count`` or ``expected_head_hash`` recorded elsewhere, a truncated head.
    ``first_seq``/``first_prev_hash`` let a caller verify a tail of the chain.
    """
    breaks: list[ChainBreak] = []
    expected_seq = first_seq
    expected_prev = first_prev_hash
    last: AuditEntry | None = None
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                problem = (
                    f"seq gap: expected {expected_seq}, found {entry.seq} "
                    f"(entries {expected_seq}..{entry.seq - 1} missing)"
                )
            else:
                problem = f"seq out of order: expected {expected_seq}, found {entry.seq}"
            breaks.append(ChainBreak(seq=entry.seq, problem=problem))
        if entry.prev_hash != expected_prev:
            breaks.append(
                ChainBreak(
                    seq=entry.seq,
                    problem="prev_hash does not match the previous entry's hash "
                    "(an entry before it was deleted, reordered or edited)",
                )
            )
        if _hash_of(entry) != entry.entry_hash:
            breaks.append(
                ChainBreak(
                    seq=entry.seq,
                    problem="entry_hash does not match the entry's fields (entry edited)",
                )
            )
        expected_seq = entry.seq + 1
        expected_prev = entry.entry_hash
        last = entry
    last_seq = last.seq if last is not None else first_seq - 1
    if expected_count is not None and count < expected_count:
        breaks.append(
            ChainBreak(
                seq=last_seq + 1,
                problem=f"chain truncated: {count} entries, expected {expected_count}",
            )
        )
    elif expected_count is not None and count > expected_count:
        breaks.append(
            ChainBreak(
                seq=last_seq,
                problem=f"chain longer than expected: {count} entries, expected {expected_count}",
            )
        )
    if expected_head_hash is not None:
        head_hash = last.entry_hash if last is not None else first_prev_hash
        if head_hash != expected_head_hash:
            breaks.append(
                ChainBreak(
                    seq=last_seq,
                    problem="head hash does not match the expected head (chain truncated "
                    "or rewritten)",
                )
            )
    return breaks
