"""The shared in-memory unit of work behaves like the store's: what a block does without
``commit`` is undone, what it commits stays, and a copy is independent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from tests.fakes import FakeIdentityRepository, FakeUnitOfWork

from liaison.adapters.store.errors import LeaseLost
from liaison.audit.chain import next_entry
from liaison.identity.model import EventKind, Identity, ImmigrationEvent, PersonName
from liaison.jurisdictions.model import Jurisdiction, JurisdictionKind

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def person(identity_id: int) -> Identity:
    return Identity(
        identity_id=identity_id,
        names=[PersonName("Garcia", "Maria")],
        birth_date=date(1980, 1, 1),
        sex="F",
        birth_country="MX",
        events=[ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, date(2015, 3, 1))],
    )


def entry(uow: FakeUnitOfWork) -> None:
    uow.audit.append(
        next_entry(
            uow.audit.head(), at=T0, actor="t", action="a", subject="s", purpose="p", detail={}
        )
    )


def test_a_block_left_without_commit_leaves_nothing() -> None:
    uow = FakeUnitOfWork(identities=FakeIdentityRepository([person(1)]))

    def refused() -> None:
        with uow:
            uow.identities.add(person(2))
            uow.identities.items[1].events.clear()  # a change in place is undone too
            entry(uow)
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    assert sorted(uow.identities.items) == [1]
    assert len(uow.identities.items[1].events) == 1
    assert uow.audit.rows == []
    assert (uow.commits, uow.rollbacks) == (0, 1)


def test_a_committed_block_stays_and_a_later_one_rolls_back_to_it() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.identities.add(person(1))
        entry(uow)
        uow.commit()
    with uow:
        uow.identities.add(person(2))
        entry(uow)
    assert sorted(uow.identities.items) == [1]
    assert [e.seq for e in uow.audit.rows] == [1]
    assert (uow.commits, uow.rollbacks) == (1, 1)
    uow.rollback()  # no block open: nothing to undo
    assert uow.rollbacks == 1


def test_a_copy_is_independent() -> None:
    template = FakeUnitOfWork()
    with template:
        template.jurisdictions.add_jurisdiction(
            Jurisdiction("48", JurisdictionKind.STATE, "Texas", "48")
        )
        template.commit()
    copy = template.copy()
    with copy:
        copy.jurisdictions.add_jurisdiction(
            Jurisdiction("48453", JurisdictionKind.COUNTY, "Travis County", "48")
        )
        copy.commit()
    assert sorted(template.jurisdictions.places) == ["48"]
    assert sorted(copy.jurisdictions.places) == ["48", "48453"]


def test_a_claim_commits_at_once_and_survives_the_rollback_of_its_block() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.jobs.enqueue("identify", "BK-1")
        uow.jobs.enqueue("identify", "BK-1")  # one job per kind and key
        uow.commit()
    with uow:
        job = uow.jobs.claim(worker="w1", now=T0, lease_seconds=60)
        assert job is not None
        uow.jobs.complete(job)  # not committed: undone, the lease stays
    assert [(r.state, r.leased_by, r.attempts) for r in uow.jobs.rows.values()] == [
        ("leased", "w1", 1)
    ]
    assert uow.jobs.claim(worker="w2", now=T0, lease_seconds=60) is None  # leased to w1


def test_a_lapsed_lease_is_claimed_again_and_the_first_worker_loses_it() -> None:
    uow = FakeUnitOfWork()
    uow.jobs.enqueue("identify", "BK-1")
    first = uow.jobs.claim(worker="w1", now=T0, lease_seconds=60)
    later = T0 + timedelta(seconds=61)
    second = uow.jobs.claim(worker="w2", now=later, lease_seconds=60)
    assert first is not None
    assert second is not None
    assert (first.attempts, second.attempts) == (1, 2)
    with pytest.raises(LeaseLost):
        uow.jobs.complete(first)
    uow.jobs.fail(first, error="late", retry_at=later)  # no effect: w2 holds it
    uow.jobs.complete(second)
    assert uow.jobs.pending() == 0
    assert uow.jobs.rows[1].error is None


def test_a_failed_job_is_due_again_at_its_retry_time() -> None:
    uow = FakeUnitOfWork()
    uow.jobs.enqueue("identify", "BK-1")
    job = uow.jobs.claim(worker="w1", now=T0, lease_seconds=60)
    assert job is not None
    retry = T0 + timedelta(seconds=10)
    uow.jobs.fail(job, error="RuntimeError: down", retry_at=retry)
    assert uow.jobs.claim(worker="w1", now=retry - timedelta(seconds=1), lease_seconds=60) is None
    again = uow.jobs.claim(worker="w1", now=retry, lease_seconds=60)
    assert again is not None
    assert again.attempts == 2
    uow.jobs.fail(again, error="for good", retry_at=None)
    assert uow.jobs.rows[1].state == "failed"
    assert uow.jobs.pending() == 0
