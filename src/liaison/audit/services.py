"""Use cases of the audit trail: record an act, verify the trail, anchor its head, and let an
auditor read entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from liaison.audit.chain import GENESIS, examine, next_entry
from liaison.audit.errors import AuditKeyError, CheckpointsUnreadable, InvalidEntryQuery
from liaison.audit.model import AuditEntry, ChainBreak, Checkpoint, EntryFilter, EntryPage
from liaison.audit.ports import AuditAnchor, AuditUnitOfWork
from liaison.audit.seal import sign_checkpoint

__all__ = [
    "MAX_FILTER_LENGTH",
    "MAX_PAGE",
    "VerifyReport",
    "checkpoint",
    "read_entries",
    "record",
    "verify_trail",
]

MAX_PAGE = 500  # entries in one page of ``read_entries``
MAX_FILTER_LENGTH = 200  # characters in one filter value (it is audited with the read)


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify_trail`` checked and what it found."""

    entries: int  # how many entries were checked
    head_seq: int  # 0 for an empty trail
    head_hash: str  # GENESIS for an empty trail
    breaks: tuple[ChainBreak, ...]
    unmaced: int = 0  # entries written before MACs began (only the hash chain covers them)
    checkpoints: int = 0  # checkpoints whose signature verifies
    anchored_seq: int = 0  # the highest seq a checkpoint anchors (0: none)
    anchored_at: datetime | None = None  # when that checkpoint was written
    unanchored: int = 0  # entries after it: a deleted tail among them goes unseen

    @property
    def entries_checked(self) -> int:
        """The same as ``entries`` (both names are in use by callers)."""
        return self.entries

    @property
    def ok(self) -> bool:
        return not self.breaks


def record(
    *,
    uow: AuditUnitOfWork,
    actor: str,
    action: str,
    subject: str,
    purpose: str,
    detail: Mapping[str, object] | None = None,
    at: datetime,
) -> AuditEntry:
    """Append one entry at the head of the trail, MACed with the store's current audit key,
    inside the caller's open unit of work.

    Does not commit: the caller commits the entry together with the decision it records, so a
    decision is never kept without its entry, nor an entry without its decision.
    """
    entry = next_entry(
        uow.audit.head(),
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        purpose=purpose,
        detail=detail or {},
        keys=uow.audit.keys(),
    )
    uow.audit.append(entry)
    return entry


def verify_trail(
    *,
    uow: AuditUnitOfWork,
    anchor: AuditAnchor | None = None,
    expected_count: int | None = None,
    expected_head_hash: str | None = None,
) -> VerifyReport:
    """Walk the whole trail and report every break (read-only: nothing is committed).

    MACs are checked with the store's audit keys; the checkpoints kept in ``anchor`` reveal a
    deleted tail, a truncated table and a rewrite made after they were written.
    ``expected_count``/``expected_head_hash``, kept somewhere the trail's store cannot
    rewrite, serve the same end for callers who keep their own.
    """
    breaks: list[ChainBreak] = []
    checkpoints: list[Checkpoint] = []
    if anchor is not None:
        try:
            checkpoints = list(anchor.checkpoints())
        except CheckpointsUnreadable as exc:
            breaks.append(ChainBreak(seq=0, problem=f"checkpoints unreadable: {exc}"))
    with uow:
        found = examine(uow.audit.entries(), keys=uow.audit.keys(), checkpoints=checkpoints)
    breaks.extend(found.breaks)
    head = found.head
    last_seq = head.seq if head is not None else 0
    if expected_count is not None and found.entries != expected_count:
        breaks.append(
            ChainBreak(
                seq=last_seq + (found.entries < expected_count),
                problem=f"chain {'truncated' if found.entries < expected_count else 'longer'}: "
                f"{found.entries} entries, expected {expected_count}",
            )
        )
    head_hash = head.entry_hash if head is not None else GENESIS
    if expected_head_hash is not None and head_hash != expected_head_hash:
        breaks.append(
            ChainBreak(
                seq=last_seq,
                problem="head hash does not match the expected head (truncated or rewritten)",
            )
        )
    anchor_cp = found.anchor
    return VerifyReport(
        entries=found.entries,
        head_seq=last_seq,
        head_hash=head_hash,
        breaks=tuple(breaks),
        unmaced=found.unmaced,
        checkpoints=found.checkpoints,
        anchored_seq=anchor_cp.seq if anchor_cp else 0,
        anchored_at=anchor_cp.at if anchor_cp else None,
        unanchored=found.unanchored,
    )


def checkpoint(*, uow: AuditUnitOfWork, anchor: AuditAnchor, at: datetime) -> Checkpoint | None:
    """Anchor the head of the trail in ``anchor`` now, signed with the current audit key; None
    when the trail is empty (nothing to anchor)."""
    with uow:
        head = uow.audit.head()
        keys = uow.audit.keys()
    if head is None:
        return None
    if keys is None:
        raise AuditKeyError("no audit key ring is wired: a checkpoint cannot be signed")
    cp = sign_checkpoint(head, keys=keys, at=at)
    anchor.append(cp)
    return cp


def _checked(where: EntryFilter, *, after: int, offset: int, limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidEntryQuery(f"limit must be 1 to {MAX_PAGE}, not {limit}")
    if after < 0:
        raise InvalidEntryQuery(f"after must be a seq of 0 or more, not {after}")
    if offset < 0:
        raise InvalidEntryQuery(f"offset must be 0 or more, not {offset}")
    for name in ("actor", "subject", "action"):
        value = getattr(where, name)
        if value is not None and len(value) > MAX_FILTER_LENGTH:
            raise InvalidEntryQuery(f"{name} is longer than {MAX_FILTER_LENGTH} characters")
    for name in ("since", "until"):
        value = getattr(where, name)
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise InvalidEntryQuery(f"{name} must carry a time zone")


def read_entries(
    *,
    uow: AuditUnitOfWork,
    reader: str,
    purpose: str,
    where: EntryFilter,
    after: int = 0,
    offset: int = 0,
    limit: int = 100,
    at: datetime,
) -> EntryPage:
    """One page of entries matching ``where``: those with seq above ``after`` (a cursor: the
    last seq of the page before), less the first ``offset``; and how many match in all. The
    read is itself audited (who read which entries, and why), in the same transaction."""
    _checked(where, after=after, offset=offset, limit=limit)
    with uow:
        rows = list(uow.audit.find(where, after=after, offset=offset, limit=limit + 1))
        total = uow.audit.count(where)
        page = tuple(rows[:limit])
        record(
            uow=uow,
            actor=reader,
            action="audit.read",
            subject="audit:entries",
            purpose=purpose,
            detail={
                "actor": where.actor,
                "subject": where.subject,
                "action": where.action,
                "since": where.since.isoformat() if where.since else None,
                "until": where.until.isoformat() if where.until else None,
                "after": after,
                "offset": offset,
                "limit": limit,
                "returned": [page[0].seq, page[-1].seq] if page else [],
            },
            at=at,
        )
        uow.commit()
    more = len(rows) > limit
    return EntryPage(entries=page, total=total, next_after=page[-1].seq if more else None)
