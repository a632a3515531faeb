"""The chain: how an entry is serialized, hashed, linked, MACed and verified. Pure functions.

An entry's hash is the SHA-256 of a canonical serialization of every field but the hash itself,
``prev_hash`` included, so editing any field breaks that entry and deleting or reordering
entries breaks the links after it. A hash alone does not stop whoever can write the table
from editing an entry and re-hashing everything after it; the MAC (``seal``), under a key the
database does not hold, does. Deleting the newest entries leaves a valid shorter chain: only a
checkpoint of the head kept outside the database (``Checkpoint``) reveals it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from liaison.audit.errors import UnknownAuditKey
from liaison.audit.model import AuditEntry, ChainBreak, Checkpoint
from liaison.audit.ports import AuditKeys
from liaison.audit.seal import format_at, mac_matches, seal_entry, signature_problem

__all__ = [
    "GENESIS",
    "TrailFindings",
    "canonical_detail",
    "entry_hash",
    "examine",
    "format_at",
    "next_entry",
    "verify",
]

GENESIS = "0" * 64


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
    keys: AuditKeys | None = None,
) -> AuditEntry:
    """The entry that follows ``head`` (or starts the chain when ``head`` is None), MACed with
    the current key of ``keys`` when given."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    seq = 1 if head is None else head.seq + 1
    prev_hash = GENESIS if head is None else head.entry_hash
    at_utc = datetime.fromisoformat(format_at(at))
    detail_json = canonical_detail(detail)
    entry = AuditEntry(
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
    return entry if keys is None else seal_entry(entry, keys)


@dataclass
class TrailFindings:
    """What ``examine`` found walking the trail once."""

    entries: int = 0
    head: AuditEntry | None = None
    unmaced: int = 0  # entries before the first MACed one (written before MACs began)
    checkpoints: int = 0  # checkpoints whose signature verifies
    anchor: Checkpoint | None = None  # the one anchoring the highest seq
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def unanchored(self) -> int:
        """Entries after the newest checkpoint: a deleted tail among them goes unseen."""
        if self.head is None:
            return 0
        return max(0, self.head.seq - (self.anchor.seq if self.anchor else 0))


_MAC_PROBLEMS = {
    "mismatch": "MAC does not match the entry (edited, and re-hashed without the key)",
    "stripped": "no MAC, though entries before it have one (MAC removed, or written by a "
    "process without the key)",
}


class _MacRuns:
    """Consecutive entries whose MAC fails the same way are reported once, at the first: a
    rewrite re-chained from one entry on fails every MAC after it."""

    def __init__(self, breaks: list[ChainBreak]) -> None:
        self._breaks = breaks
        self._kind: str | None = None
        self._first = self._last = 0
        self._held: list[ChainBreak] = []  # found inside the run: reported after it

    def note(self, found: ChainBreak) -> None:
        """A break of another kind found while a run may be open, kept in seq order."""
        if self._kind is None:
            self._breaks.append(found)
        else:
            self._held.append(found)

    def see(self, seq: int, kind: str | None) -> None:
        if kind is not None and kind == self._kind:
            self._last = seq
            return
        self.flush()
        self._kind, self._first, self._last = kind, seq, seq

    def flush(self) -> None:
        if self._kind is None:
            return
        held, self._held = self._held, []
        if self._kind.startswith("key:"):
            problem = (
                f"MACed with key {self._kind[4:]!r}, which the key ring does not hold "
                "(a lost key, or a forged key id)"
            )
        else:
            problem = _MAC_PROBLEMS[self._kind]
        after = self._last - self._first
        if after:
            problem += f"; so do the {after} entries after it, through seq {self._last}"
            if self._kind == "mismatch":
                problem += " (rewritten from here and re-chained without the key)"
        self._breaks.append(ChainBreak(seq=self._first, problem=problem))
        self._breaks.extend(held)
        self._kind = None


def _valid_checkpoints(
    checkpoints: Sequence[Checkpoint], keys: AuditKeys | None, breaks: list[ChainBreak]
) -> list[Checkpoint]:
    if keys is None:
        return list(checkpoints)  # unchecked: ``examine`` says no key ring was given
    valid = []
    for cp in checkpoints:
        problem = signature_problem(cp, keys)
        if problem is None:
            valid.append(cp)
        else:
            at = format_at(cp.at)
            breaks.append(ChainBreak(seq=cp.seq, problem=f"checkpoint of {at}: {problem}"))
    return valid


def examine(
    entries: Iterable[AuditEntry],
    *,
    keys: AuditKeys | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    first_seq: int = 1,
    first_prev_hash: str = GENESIS,
) -> TrailFindings:
    """Walk the trail once, streaming, and report every place it is broken, in order.

    Finds an edited entry (its hash no longer matches its fields), a deleted or reordered
    entry (a seq out of order, or a ``prev_hash`` that is not the previous entry's hash), an
    entry rewritten and re-chained without the key (its MAC fails, and so does every later
    one), a row that differs from a checkpoint of it (rewritten after it was anchored, even by
    someone holding the key), and a tail deleted behind the newest checkpoint (a truncated
    table too). Entries before the first MAC are counted, not failed: they were written
    before MACs began. ``first_seq``/``first_prev_hash`` let a caller verify a tail.
    """
    found = TrailFindings()
    breaks = found.breaks
    anchors = _valid_checkpoints(checkpoints, keys, breaks)
    found.checkpoints = len(anchors)
    found.anchor = max(anchors, key=lambda c: (c.seq, c.at), default=None)
    by_seq: dict[int, list[Checkpoint]] = {}
    for cp in anchors:
        by_seq.setdefault(cp.seq, []).append(cp)
    anchored_seq = found.anchor.seq if found.anchor else 0
    runs = _MacRuns(breaks)
    expected_seq, expected_prev = first_seq, first_prev_hash
    maced = unchecked = False
    for entry in entries:
        found.entries += 1
        if entry.seq != expected_seq:
            runs.flush()
            if entry.seq > expected_seq:
                since = ""
                if anchored_seq and expected_seq > anchored_seq:
                    since = f" since the last checkpoint, at seq {anchored_seq}"
                problem = (
                    f"seq gap: expected {expected_seq}, found {entry.seq} "
                    f"(entries {expected_seq}..{entry.seq - 1} missing{since})"
                )
            else:
                problem = f"seq out of order: expected {expected_seq}, found {entry.seq}"
            breaks.append(ChainBreak(seq=entry.seq, problem=problem))
        if entry.prev_hash != expected_prev:
            runs.flush()
            breaks.append(
                ChainBreak(
                    seq=entry.seq,
                    problem="prev_hash does not match the previous entry's hash "
                    "(an entry before it was deleted, reordered or edited)",
                )
            )
        if _hash_of(entry) != entry.entry_hash:
            runs.flush()
            breaks.append(
                ChainBreak(
                    seq=entry.seq,
                    problem="entry_hash does not match the entry's fields (entry edited)",
                )
            )
        kind: str | None = None
        if entry.mac is None or entry.key_id is None:
            if maced:
                kind = "stripped"
            else:
                found.unmaced += 1
        else:
            maced = True
            if keys is None:
                if not unchecked:
                    unchecked = True
                    runs.flush()
                    breaks.append(
                        ChainBreak(
                            seq=entry.seq,
                            problem="MACs not checked: no audit key ring was given, so "
                            "nothing after here can be vouched for",
                        )
                    )
            else:
                try:
                    kind = None if mac_matches(entry, keys) else "mismatch"
                except UnknownAuditKey:
                    kind = f"key:{entry.key_id}"
        runs.see(entry.seq, kind)
        for cp in by_seq.get(entry.seq, ())[:1]:
            if (cp.entry_hash, cp.mac) != (entry.entry_hash, entry.mac):
                runs.note(
                    ChainBreak(
                        seq=entry.seq,
                        problem=f"differs from the checkpoint of {format_at(cp.at)}: "
                        "rewritten after it was anchored",
                    )
                )
        expected_seq, expected_prev = entry.seq + 1, entry.entry_hash
        found.head = entry
    runs.flush()
    anchor = found.anchor
    if anchor is not None and expected_seq <= anchor.seq:
        last = expected_seq - 1
        at = format_at(anchor.at)
        if found.head is None:
            problem = (
                f"the trail is empty, but the checkpoint of {at} anchors seq {anchor.seq}: "
                f"entries {first_seq}..{anchor.seq} deleted (table truncated)"
            )
        else:
            problem = (
                f"entries {expected_seq}..{anchor.seq} deleted from the tail: the checkpoint "
                f"of {at} anchors seq {anchor.seq}, but the trail ends at seq {last}"
            )
        breaks.append(ChainBreak(seq=expected_seq, problem=problem))
    if keys is None and anchors and not unchecked:
        breaks.append(
            ChainBreak(
                seq=anchor.seq if anchor else 0,
                problem="checkpoint signatures not checked: no audit key ring was given",
            )
        )
    return found


def verify(
    entries: Iterable[AuditEntry],
    *,
    keys: AuditKeys | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    expected_count: int | None = None,
    expected_head_hash: str | None = None,
    first_seq: int = 1,
    first_prev_hash: str = GENESIS,
) -> list[ChainBreak]:
    """Every place the chain is broken, in order; an empty list means it verifies.

    As ``examine``; besides, given ``expected_count`` or ``expected_head_hash`` recorded
    elsewhere, a head that is shorter, longer or other than expected.
    """
    found = examine(
        entries,
        keys=keys,
        checkpoints=checkpoints,
        first_seq=first_seq,
        first_prev_hash=first_prev_hash,
    )
    breaks = found.breaks
    last_seq = found.head.seq if found.head is not None else first_seq - 1
    count = found.entries
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
        head_hash = found.head.entry_hash if found.head is not None else first_prev_hash
        if head_hash != expected_head_hash:
            breaks.append(
                ChainBreak(
                    seq=last_seq,
                    problem="head hash does not match the expected head (chain truncated "
                    "or rewritten)",
                )
            )
    return breaks
