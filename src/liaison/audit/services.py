"""Use cases of the audit trail: record an act, verify the trail."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from liaison.audit.chain import GENESIS, next_entry, verify
from liaison.audit.model import AuditEntry, ChainBreak
from liaison.audit.ports import AuditUnitOfWork

__all__ = ["VerifyReport", "record", "verify_trail"]


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify_trail`` checked and what it found."""

    entries: int  # how many entries were checked
    head_seq: int  # 0 for an empty trail
    head_hash: str  # GENESIS for an empty trail
    breaks: tuple[ChainBreak, ...]

    @property
    def entries_checked(self) -> int:
        """The same as ``entries`` (both names are in use by callers)."""
        return self.entries

    @property
    def ok(self) -> bool:
        return not self.breaks


class _Tally:
    """Counts the entries streamed through it and keeps the last, so the trail is never
    held in memory whole."""

    def __init__(self) -> None:
        self.count = 0
        self.last: AuditEntry | None = None

    def through(self, entries: Iterator[AuditEntry]) -> Iterator[AuditEntry]:
        for entry in entries:
            self.count += 1
            self.last = entry
            yield entry


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
    """Append one entry at the head of the trail, inside the caller's open unit of work.

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
    )
    uow.audit.append(entry)
    return entry


def verify_trail(
    *,
    uow: AuditUnitOfWork,
    expected_count: int | None = None,
    expected_head_hash: str | None = None,
) -> VerifyReport:
    """Walk the whole trail and report every break (read-only: nothing is committed).

    ``expected_count``/``expected_head_hash``, kept somewhere the trail's store cannot rewrite,
    reveal a truncated head, which a chain alone cannot.
    """
    tally = _Tally()
    with uow:
        breaks = verify(
            tally.through(uow.audit.entries()),
            expected_count=expected_count,
            expected_head_hash=expected_head_hash,
        )
    last = tally.last
    return VerifyReport(
        entries=tally.count,
        head_seq=last.seq if last else 0,
        head_hash=last.entry_hash if last else GENESIS,
        breaks=tuple(breaks),
    )
