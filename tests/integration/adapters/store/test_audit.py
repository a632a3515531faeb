"""The audit chain: concurrent appenders serialize on the head, and PostgreSQL refuses edits."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from tests.integration.adapters.store import builders

from liaison.adapters.store import SqlUnitOfWork

UoW = Callable[[], SqlUnitOfWork]


def test_concurrent_appenders_make_one_gap_free_chain(new_uow: UoW) -> None:
    """Each appender reads the head, links to it and appends, in its own unit of work; the
    head's lock makes them take turns, so no two claim one seq or one predecessor."""
    threads, per_thread = 6, 5
    start = threading.Barrier(threads, timeout=30)
    failures: list[BaseException] = []

    def append_some(worker: int) -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with new_uow() as uow:
                    head = uow.audit.head()
                    seq = 1 if head is None else head.seq + 1
                    prev = "0" * 64 if head is None else head.entry_hash
                    entry = builders.audit_entry(seq, prev_hash=prev)
                    digest = hashlib.sha256(f"{prev}{seq}{worker}".encode()).hexdigest()
                    uow.audit.append(dataclasses.replace(entry, entry_hash=digest))
                    uow.commit()
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=append_some, args=(w,)) for w in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert failures == []
    with new_uow() as uow:
        chain = list(uow.audit.entries())
    assert [e.seq for e in chain] == list(range(1, threads * per_thread + 1))
    assert all(e.prev_hash == p.entry_hash for p, e in itertools.pairwise(chain))


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_refuses_to_change_or_remove_audit_entries(new_uow: UoW, engine: Engine) -> None:
    with new_uow() as uow:
        uow.audit.append(builders.audit_entry(1))
        uow.commit()
    for statement in (
        "UPDATE audit_entries SET actor = 'someone else'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    # Whoever may disable the trigger can still edit: the hash chain, not the trigger, is
    # what ``liaison audit verify`` relies on to find it.
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_entries SET actor = 'someone else'"))
        conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    with new_uow() as uow:
        tampered = uow.audit.head()
    assert tampered is not None
    assert tampered.actor == "someone else"
    assert tampered.entry_hash == builders.audit_entry(1).entry_hash  # the chain now disagrees
