"""MACs of entries and signatures of checkpoints: HMAC-SHA-256 under keys the trail's database
does not hold (``AuditKeys``). Pure functions over the key port.

An entry's MAC covers its ``entry_hash`` (which covers every field and ``prev_hash``) and the
id of the key, so whoever rewrites an entry and re-hashes the chain after it, without the key,
leaves a MAC that no longer matches from the edit on. Each message starts with its own
domain tag, so an entry's MAC can never pass for a checkpoint's signature or the reverse.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
from datetime import UTC, datetime

from liaison.audit.errors import UnknownAuditKey
from liaison.audit.model import AuditEntry, Checkpoint
from liaison.audit.ports import AuditKeys

__all__ = [
    "checkpoint_message",
    "entry_mac_message",
    "format_at",
    "mac_matches",
    "seal_entry",
    "sign_checkpoint",
    "signature_problem",
]

ENTRY_TAG = "liaison.audit.entry.v1"
CHECKPOINT_TAG = "liaison.audit.checkpoint.v1"


def format_at(at: datetime) -> str:
    """``at`` in UTC as ISO-8601 with microseconds, e.g. ``2025-01-02T03:04:05.000000+00:00``.

    A naive datetime is read as UTC, as stores without time zones (SQLite) hand it back;
    ``next_entry`` refuses naive times, so every entry is written with an explicit zone.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _encoded(parts: list[object]) -> bytes:
    # A JSON array keeps field boundaries unambiguous whatever the strings contain.
    return json.dumps(parts, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_mac_message(key_id: str, entry_hash: str) -> bytes:
    """What an entry's MAC is computed over."""
    return _encoded([ENTRY_TAG, key_id, entry_hash])


def seal_entry(entry: AuditEntry, keys: AuditKeys) -> AuditEntry:
    """``entry`` with the current key's id and its MAC."""
    key_id = keys.current()
    mac = keys.mac(key_id, entry_mac_message(key_id, entry.entry_hash))
    return dataclasses.replace(entry, key_id=key_id, mac=mac)


def mac_matches(entry: AuditEntry, keys: AuditKeys) -> bool:
    """Whether the entry's MAC is the one its key gives its hash; ``UnknownAuditKey`` when the
    ring lacks that key. An entry without a MAC never matches."""
    if entry.key_id is None or entry.mac is None:
        return False
    expected = keys.mac(entry.key_id, entry_mac_message(entry.key_id, entry.entry_hash))
    return hmac.compare_digest(expected, entry.mac)


def checkpoint_message(
    *, seq: int, entry_hash: str, mac: str | None, at: datetime, key_id: str
) -> bytes:
    """What a checkpoint's signature is computed over."""
    return _encoded([CHECKPOINT_TAG, key_id, seq, entry_hash, mac, format_at(at)])


def sign_checkpoint(head: AuditEntry, *, keys: AuditKeys, at: datetime) -> Checkpoint:
    """A checkpoint of ``head`` as of ``at``, signed with the current key."""
    key_id = keys.current()
    at_utc = datetime.fromisoformat(format_at(at))
    message = checkpoint_message(
        seq=head.seq, entry_hash=head.entry_hash, mac=head.mac, at=at_utc, key_id=key_id
    )
    return Checkpoint(
        seq=head.seq,
        entry_hash=head.entry_hash,
        mac=head.mac,
        at=at_utc,
        key_id=key_id,
        signature=keys.mac(key_id, message),
    )


def signature_problem(checkpoint: Checkpoint, keys: AuditKeys) -> str | None:
    """Why ``checkpoint``'s signature does not verify, or None when it does."""
    message = checkpoint_message(
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash,
        mac=checkpoint.mac,
        at=checkpoint.at,
        key_id=checkpoint.key_id,
    )
    try:
        expected = keys.mac(checkpoint.key_id, message)
    except UnknownAuditKey:
        return f"signed with key {checkpoint.key_id!r}, which the key ring does not hold"
    if not hmac.compare_digest(expected, checkpoint.signature):
        return "its signature does not verify (the checkpoint was forged or altered)"
    return None
