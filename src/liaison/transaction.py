"""The unit-of-work shape every context's services share, and the durable job queue.

Services take a unit of work and use it as ``with uow: ...; uow.commit()``. Leaving the block
without ``commit`` rolls everything back, so a failure never leaves half a decision behind.
Each context's ``ports.py`` declares the repositories its unit of work must carry (as read-only
properties, so one store adapter's unit of work satisfies them all); the store adapter in
``liaison.adapters`` implements them on SQLAlchemy, and unit tests use fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from liaison.errors import LiaisonError

__all__ = ["Job", "JobQueue", "KeyConflict", "Transaction"]


class KeyConflict(LiaisonError):
    """Another writer stored a record under the same unique key first (a race two
    transactions ran at once); a service may read what won and answer with it."""


class Transaction(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


@dataclass(frozen=True)
class Job:
    """A unit of background work: ``kind`` names the step, ``key`` what it works on."""

    job_id: int
    kind: str  # e.g. "identify", "respond"
    key: str  # e.g. a booking id
    attempts: int


class JobQueue(Protocol):
    """A durable queue in the same database as the data the jobs change.

    A job's effect and its ``complete`` commit in one transaction, so each job takes effect
    exactly once even when a worker dies mid-job: its lease lapses and another worker claims
    it, and the first worker's uncommitted effect is gone with its transaction.
    """

    def enqueue(self, kind: str, key: str, *, not_before: datetime | None = None) -> None: ...

    def claim(self, *, worker: str, now: datetime, lease_seconds: float) -> Job | None:
        """The oldest due job not leased to a live worker, leased to ``worker``; committed
        at once in its own transaction by the store, so two workers never hold one job."""
        ...

    def complete(self, job: Job) -> None: ...

    def fail(self, job: Job, *, error: str, retry_at: datetime | None) -> None: ...

    def pending(self) -> int: ...
