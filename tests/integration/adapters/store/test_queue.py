"""The job queue: idempotent enqueue, exclusive claims, lapsed leases reclaimed, and a job's
completion committed with its effect or not at all."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from tests.integration.adapters.store import builders
from tests.integration.adapters.store.builders import T0

from liaison.adapters.store import LeaseLost, SqlJobQueue, SqlUnitOfWork
from liaison.adapters.store.tables import jobs
from liaison.bookings.model import BookingState

UoW = Callable[[], SqlUnitOfWork]


def _states(engine: Engine) -> dict[str, tuple[str, int]]:
    """``kind:key`` -> (state, attempts) of every job."""
    columns = (jobs.c.kind, jobs.c.key, jobs.c.state, jobs.c.attempts)
    with engine.connect() as conn:
        rows = conn.execute(select(*columns)).all()
    return {f"{kind}:{key}": (state, attempts) for kind, key, state, attempts in rows}


def test_enqueueing_the_same_job_twice_is_a_no_op(new_uow: UoW, engine: Engine) -> None:
    with new_uow() as uow:
        uow.jobs.enqueue("identify", "bk-1")
        uow.jobs.enqueue("identify", "bk-1")
        uow.jobs.enqueue("respond", "bk-1")
        uow.commit()
    with new_uow() as uow:
        uow.jobs.enqueue("identify", "bk-1", not_before=T0)
        assert uow.jobs.pending() == 2
        uow.commit()
    job = SqlJobQueue(engine).claim(worker="w", now=T0, lease_seconds=60)
    assert job is not None
    assert (job.kind, job.key, job.attempts) == ("identify", "bk-1", 1)
    with new_uow() as uow:
        uow.jobs.complete(job)
        uow.jobs.enqueue("identify", "bk-1")  # done stays done
        uow.commit()
    assert _states(engine) == {"identify:bk-1": ("done", 1), "respond:bk-1": ("pending", 0)}
    assert SqlJobQueue(engine).pending() == 1


def test_claims_take_due_jobs_oldest_first(engine: Engine) -> None:
    queue = SqlJobQueue(engine)  # no unit of work: each call is its own transaction
    queue.enqueue("identify", "later", not_before=T0 + timedelta(minutes=5))
    queue.enqueue("identify", "first")
    queue.enqueue("identify", "second", not_before=T0)
    claimed = [queue.claim(worker="w", now=T0, lease_seconds=30) for _ in range(3)]
    assert [j.key if j else None for j in claimed] == ["first", "second", None]
    later = queue.claim(worker="w", now=T0 + timedelta(minutes=5), lease_seconds=30)
    assert later is not None
    assert later.key == "later"
    assert queue.pending() == 3  # leased, not done


def test_two_claimers_never_get_the_same_job(engine: Engine) -> None:
    queue = SqlJobQueue(engine)
    for n in range(40):
        queue.enqueue("identify", f"bk-{n}")
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(4, timeout=30)

    def work(worker: str) -> None:
        mine: list[str] = []
        start.wait()
        while (job := queue.claim(worker=worker, now=T0, lease_seconds=600)) is not None:
            mine.append(job.key)
        claimed[worker] = mine

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [key for keys in claimed.values() for key in keys]
    assert sorted(everything) == sorted(f"bk-{n}" for n in range(40))  # each exactly once
    assert all(state == ("leased", 1) for state in _states(engine).values())


def test_a_lapsed_lease_is_reclaimed_and_the_first_worker_cannot_complete(
    new_uow: UoW, engine: Engine
) -> None:
    queue = SqlJobQueue(engine)
    queue.enqueue("identify", "bk-1")
    first = queue.claim(worker="w1", now=T0, lease_seconds=60)
    assert first is not None
    assert queue.claim(worker="w2", now=T0 + timedelta(seconds=59), lease_seconds=60) is None
    second = queue.claim(worker="w2", now=T0 + timedelta(seconds=60), lease_seconds=60)
    assert second is not None
    assert second.job_id == first.job_id
    assert second.attempts == 2
    with new_uow() as uow, pytest.raises(LeaseLost, match="claimed again"):
        uow.jobs.complete(first)
    with new_uow() as uow:
        uow.jobs.fail(first, error="late", retry_at=None)  # a stale failure changes nothing
        uow.commit()
    assert _states(engine) == {"identify:bk-1": ("leased", 2)}
    with new_uow() as uow:
        uow.jobs.complete(second)
        uow.commit()
    assert _states(engine) == {"identify:bk-1": ("done", 2)}


def test_a_jobs_completion_commits_with_its_effect_or_not_at_all(
    new_uow: UoW, engine: Engine
) -> None:
    with new_uow() as uow:
        uow.bookings.add(builders.booking(state=BookingState.RECEIVED))
        uow.jobs.enqueue("identify", "bk-1")
        uow.commit()
    queue = SqlJobQueue(engine)
    job = queue.claim(worker="w1", now=T0, lease_seconds=60)
    assert job is not None

    # The worker dies mid-job: effect and completion are gone together.
    with new_uow() as uow:
        booking = uow.bookings.get(job.key)
        assert booking is not None
        booking.state = BookingState.IDENTIFIED
        uow.jobs.complete(job)
    with new_uow() as uow:
        assert uow.bookings.get("bk-1").state is BookingState.RECEIVED  # type: ignore[union-attr]
    assert _states(engine) == {"identify:bk-1": ("leased", 1)}

    retry = queue.claim(worker="w2", now=T0 + timedelta(minutes=2), lease_seconds=60)
    assert retry is not None
    assert retry.attempts == 2
    with new_uow() as uow:
        booking = uow.bookings.get(retry.key)
        assert booking is not None
        booking.state = BookingState.IDENTIFIED
        uow.jobs.complete(retry)
        uow.commit()
    with new_uow() as uow:
        assert uow.bookings.get("bk-1").state is BookingState.IDENTIFIED  # type: ignore[union-attr]
        assert uow.jobs.pending() == 0
    assert _states(engine) == {"identify:bk-1": ("done", 2)}


def test_a_failed_job_is_retried_when_due_or_given_up(new_uow: UoW, engine: Engine) -> None:
    queue = SqlJobQueue(engine)
    queue.enqueue("identify", "bk-1")
    queue.enqueue("identify", "bk-2")
    one = queue.claim(worker="w", now=T0, lease_seconds=60)
    two = queue.claim(worker="w", now=T0, lease_seconds=60)
    assert one is not None
    assert two is not None
    with new_uow() as uow:
        uow.jobs.fail(one, error="gallery busy", retry_at=T0 + timedelta(minutes=1))
        uow.jobs.fail(two, error="bad template", retry_at=None)
        uow.commit()
    assert queue.pending() == 1
    assert queue.claim(worker="w", now=T0 + timedelta(seconds=59), lease_seconds=60) is None
    again = queue.claim(worker="w", now=T0 + timedelta(minutes=1), lease_seconds=60)
    assert again is not None
    assert again.key == "bk-1"
    assert again.attempts == 2
    with engine.connect() as conn:
        errors = dict(conn.execute(select(jobs.c.key, jobs.c.error)).all())
    assert errors == {"bk-1": "gallery busy", "bk-2": "bad template"}
    assert _states(engine)["identify:bk-2"] == ("failed", 1)
