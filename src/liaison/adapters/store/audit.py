"""The audit trail's table: append at a locked head, stream in order, and find entries for an
auditor. New entries are MACed by the service with keys this module never stores; after a
commit that appended entries, a ``Checkpointer`` may anchor the head outside the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, event, func, insert, select
from sqlalchemy.orm import Session

from liaison.adapters.store import tables
from liaison.adapters.store.errors import translated
from liaison.audit.checkpoints import Checkpointer
from liaison.audit.model import AuditEntry, EntryFilter
from liaison.audit.ports import AuditKeys

__all__ = ["AUDIT_LOCK_KEY", "SqlAuditRepository"]

# PostgreSQL advisory-lock key that serializes appends to the audit chain (any fixed bigint).
AUDIT_LOCK_KEY = 0x4C494149534F4E  # "LIAISON"
_CHUNK = 1000  # rows per page when streaming
_FIELDS = tuple(f.name for f in dataclasses.fields(AuditEntry))


def _entry(row: Row[Any]) -> AuditEntry:
    values = row._mapping
    return AuditEntry(**{name: values[name] for name in _FIELDS})


class SqlAuditRepository:
    """The trail in its table. ``keys`` MAC new entries (they are never stored here); after a
    commit that appended entries, ``checkpointer`` anchors the head outside the database when
    one is due."""

    def __init__(
        self,
        session: Session,
        keys: AuditKeys | None = None,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        self._session = session
        self._keys = keys
        self._checkpointer = checkpointer
        self._before: AuditEntry | None = None  # the head before this transaction's appends
        self._first: AuditEntry | None = None  # this transaction's first and last appends
        self._last: AuditEntry | None = None
        self._listening = False

    def keys(self) -> AuditKeys | None:
        return self._keys

    def head(self) -> AuditEntry | None:
        """The last entry, locked against concurrent appends until the unit of work ends.

        PostgreSQL: a transaction-scoped advisory lock taken before reading (the default READ
        COMMITTED isolation then reads the head as the previous holder committed it). SQLite:
        the unit of work's transaction began with ``BEGIN IMMEDIATE``, so it already holds the
        database's one write lock.
        """
        t = tables.audit_entries
        with translated("reading the head of the audit chain"):
            if self._session.get_bind().dialect.name == "postgresql":
                self._session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
            row = self._session.execute(select(t).order_by(t.c.seq.desc()).limit(1)).first()
        head = None if row is None else _entry(row)
        if self._first is None:
            self._before = head
        return head

    def append(self, entry: AuditEntry) -> None:
        with translated(f"appending audit entry {entry.seq}"):
            self._session.execute(insert(tables.audit_entries).values(dataclasses.asdict(entry)))
        if self._checkpointer is None:
            return
        if self._first is None:
            self._first = entry
        self._last = entry
        if not self._listening:
            self._listening = True
            event.listen(self._session, "after_commit", self._after_commit)
            event.listen(self._session, "after_soft_rollback", self._after_rollback)

    def _after_commit(self, _session: Session) -> None:
        first, last, before = self._first, self._last, self._before
        self._after_rollback(_session)
        if self._checkpointer is not None and first is not None and last is not None:
            self._checkpointer.committed(before=before, first=first, last=last)

    def _after_rollback(self, _session: Session, _previous: object = None) -> None:
        self._first = self._last = self._before = None

    def entries(self, *, from_seq: int = 1) -> Iterator[AuditEntry]:
        """Entries from ``from_seq`` on, in order, read a page at a time."""
        t = tables.audit_entries
        after = from_seq - 1
        while True:
            query = select(t).where(t.c.seq > after).order_by(t.c.seq).limit(_CHUNK)
            with translated(f"reading audit entries after {after}"):
                rows = self._session.execute(query).all()
            for row in rows:
                yield _entry(row)
            if len(rows) < _CHUNK:
                return
            after = rows[-1].seq

    def find(
        self, where: EntryFilter, *, after: int, limit: int, offset: int = 0
    ) -> Sequence[AuditEntry]:
        t = tables.audit_entries
        query = (
            select(t)
            .where(t.c.seq > after, *_audit_filter(where))
            .order_by(t.c.seq)
            .offset(offset)
            .limit(limit)
        )
        with translated(f"reading audit entries after {after}"):
            rows = self._session.execute(query).all()
        return [_entry(r) for r in rows]

    def count(self, where: EntryFilter) -> int:
        t = tables.audit_entries
        query = select(func.count()).select_from(t).where(*_audit_filter(where))
        with translated("counting audit entries"):
            return int(self._session.execute(query).scalar_one())


def _audit_filter(where: EntryFilter) -> list[ColumnElement[bool]]:
    t = tables.audit_entries
    found: list[ColumnElement[bool]] = []
    if where.actor is not None:
        found.append(t.c.actor == where.actor)
    if where.subject is not None:
        found.append(t.c.subject == where.subject)
    if where.action is not None:
        found.append(t.c.action == where.action)
    if where.since is not None:
        found.append(t.c.at >= where.since)
    if where.until is not None:
        found.append(t.c.at < where.until)
    return found
