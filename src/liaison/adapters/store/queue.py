"""The durable job queue on the ``jobs`` table, in the same database as what jobs change.

A job is ``pending`` until a worker claims it, then ``leased`` to that worker until
``lease_until``; ``done`` when its effect commits, ``failed`` when it will not be retried.
``claim`` commits at once in its own short transaction; ``enqueue``, ``complete`` and ``fail``
run in the caller's unit of work, so a job is created with the record it works on and marked
done together with its effect. Each claim counts an attempt, and ``complete`` only succeeds
for the attempt that still holds the job: a worker whose lease lapsed and was taken over gets
``LeaseLost`` and its effect rolls back with its unit of work.

On SQLite, ``claim`` waits for the database's write lock, so call it before the unit of work
touches the database (or outside one); a unit of work already holding the lock would wait on
itself until the busy timeout.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from liaison.adapters.store.errors import LeaseLost, translated
from liaison.adapters.store.tables import jobs
from liaison.transaction import Job

__all__ = ["SqlJobQueue"]


class SqlJobQueue:
    """``JobQueue`` on SQL. With a ``session`` (a unit of work's), everything but ``claim``
    runs in it; without one, each call is its own transaction."""

    def __init__(self, engine: Engine, session: Session | None = None) -> None:
        self._engine = engine
        self._session = session

    def enqueue(self, kind: str, key: str, *, not_before: datetime | None = None) -> None:
        """Add a pending job; a job of the same kind and key already there (in any state)
        makes this a no-op."""
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(jobs)
            .values(kind=kind, key=key, state="pending", attempts=0, not_before=not_before)
            .on_conflict_do_nothing(index_elements=["kind", "key"])
        )
        self._execute(f"enqueueing {kind} job {key}", statement)

    def claim(self, *, worker: str, now: datetime, lease_seconds: float) -> Job | None:
        """The oldest job that is pending and due, or whose lease lapsed, leased to
        ``worker`` until ``now + lease_seconds``; committed before it returns."""
        c = jobs.c
        due = or_(
            and_(c.state == "pending", or_(c.not_before.is_(None), c.not_before <= now)),
            and_(c.state == "leased", c.lease_until <= now),
        )
        query = (
            select(c.id, c.kind, c.key, c.attempts)
            .where(due)
            .order_by(c.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE suffices
        )
        with translated(f"claiming a job for {worker}"), self._engine.begin() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            conn.execute(
                update(jobs)
                .where(c.id == row.id)
                .values(
                    state="leased",
                    leased_by=worker,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=c.attempts + 1,
                )
            )
        return Job(job_id=row.id, kind=row.kind, key=row.key, attempts=row.attempts + 1)

    def complete(self, job: Job) -> None:
        """Mark the job done in the caller's transaction; ``LeaseLost`` if another worker has
        claimed it since (its effect here must then roll back)."""
        statement = (
            update(jobs)
            .where(*self._holding(job))
            .values(state="done", leased_by=None, lease_until=None)
        )
        if self._execute(f"completing {job.kind} job {job.key}", statement) != 1:
            raise LeaseLost(
                f"{job.kind} job {job.key} (attempt {job.attempts}) was claimed again after "
                "its lease lapsed; this attempt's work is void"
            )

    def fail(self, job: Job, *, error: str, retry_at: datetime | None) -> None:
        """Record the error; the job is due again at ``retry_at``, or failed for good when it
        is ``None``. Does nothing if another worker has claimed the job since."""
        values: dict[str, Any] = {"error": error, "leased_by": None, "lease_until": None}
        if retry_at is None:
            values["state"] = "failed"
        else:
            values.update(state="pending", not_before=retry_at)
        statement = update(jobs).where(*self._holding(job)).values(values)
        self._execute(f"recording the failure of {job.kind} job {job.key}", statement)

    def pending(self) -> int:
        """Jobs not yet done or failed (pending or leased)."""
        query = (
            select(func.count()).select_from(jobs).where(jobs.c.state.in_(["pending", "leased"]))
        )
        with translated("counting pending jobs"):
            if self._session is not None:
                return int(self._session.scalar(query) or 0)
            with self._engine.connect() as conn:
                return int(conn.scalar(query) or 0)

    @staticmethod
    def _holding(job: Job) -> tuple[Any, ...]:
        c = jobs.c
        return (c.id == job.job_id, c.state == "leased", c.attempts == job.attempts)

    def _execute(self, what: str, statement: Any) -> int:
        """Run a write in the session, or in a transaction of its own; the rows it touched."""
        with translated(what):
            if self._session is not None:
                return _rowcount(self._session.execute(statement))
            with self._engine.begin() as conn:
                return _rowcount(conn.execute(statement))


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
