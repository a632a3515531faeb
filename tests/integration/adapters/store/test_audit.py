"""The audit chain on both stores: concurrent appenders serialize on the head, PostgreSQL
refuses edits, and whatever the database's administrator does to the trail behind the
application's back (delete the tail or a middle row, edit and re-chain, truncate) ``verify``
names, with the seq."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, MetaData, Table, insert, text
from sqlalchemy.exc import DBAPIError
from tests.integration.adapters.store import builders
from tests.integration.adapters.store.builders import EASTERN, T0

from liaison.adapters.audit_anchor import FileAnchor
from liaison.adapters.audit_keys import FileKeyRing
from liaison.adapters.store import SqlUnitOfWork, make_engine, start_mappers, tables, upgrade
from liaison.audit import services as audit
from liaison.audit.chain import GENESIS, entry_hash, next_entry
from liaison.audit.checkpoints import Checkpointer
from liaison.audit.model import EntryFilter
from liaison.audit.seal import seal_entry

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


# -- MACs and checkpoints against the database's own administrator ----------------------------

EVERY = 5  # an automatic checkpoint every 5 entries (and at each process's first commit)


@dataclass
class Trail:
    """A store wired as ``bootstrap`` wires it: a key ring and a checkpoints file outside the
    database, and automatic checkpoints after commits."""

    engine: Engine
    keys: FileKeyRing
    anchor: FileAnchor
    clock: Callable[[], datetime]

    def uow(self) -> SqlUnitOfWork:
        checkpointer = Checkpointer(
            keys=self.keys, anchor=self.anchor, clock=self.clock, every=EVERY
        )
        return SqlUnitOfWork(self.engine, audit_keys=self.keys, checkpointer=checkpointer)

    def record(self, n: int, *, uow: SqlUnitOfWork | None = None) -> None:
        """``n`` entries, each in its own unit of work (one process: one checkpointer)."""
        uow = uow or self.uow()
        for _ in range(n):
            before = self._count()  # entry seq s is by officer(s-1)%3 at T0 + (s-1) seconds
            with uow:
                audit.record(
                    uow=uow,
                    actor=f"officer{before % 3}",
                    action="booking.read",
                    subject="booking:bk-1",
                    purpose="review",
                    detail={"n": before},
                    at=T0 + timedelta(seconds=before),
                )
                uow.commit()

    def _count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM audit_entries")).scalar_one())

    def verify(self) -> audit.VerifyReport:
        return audit.verify_trail(uow=self.uow(), anchor=self.anchor)

    def as_dba(self, *statements: str, params: dict[str, object] | None = None) -> None:
        """Run ``statements`` behind the application's back, as the database's owner would:
        on PostgreSQL with the append-only trigger switched off for the session."""
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                conn.execute(text(statement), params or {})

    def rechain_from(self, seq: int, **edit: object) -> None:
        """Edit entry ``seq`` and recompute every hash from it on with plain SHA-256, as an
        administrator without the MAC key can."""
        with self.uow() as uow:
            chain = list(uow.audit.entries())
        prev = chain[seq - 2].entry_hash if seq > 1 else GENESIS
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for e in chain[seq - 1 :]:
                e = dataclasses.replace(e, prev_hash=prev, **(edit if e.seq == seq else {}))  # type: ignore[arg-type]
                digest = entry_hash(
                    seq=e.seq,
                    at=e.at,
                    actor=e.actor,
                    action=e.action,
                    subject=e.subject,
                    purpose=e.purpose,
                    detail=e.detail,
                    prev_hash=prev,
                )
                conn.execute(
                    text(
                        "UPDATE audit_entries SET actor = :actor, purpose = :purpose, "
                        "prev_hash = :prev, entry_hash = :digest WHERE seq = :seq"
                    ),
                    {
                        "actor": e.actor,
                        "purpose": e.purpose,
                        "prev": prev,
                        "digest": digest,
                        "seq": e.seq,
                    },
                )
                prev = digest


@pytest.fixture
def trail(engine: Engine, tmp_path: Path) -> Trail:
    start_mappers()
    ticks = itertools.count()
    return Trail(
        engine=engine,
        keys=FileKeyRing(tmp_path / "audit.keys"),
        anchor=FileAnchor(tmp_path / "checkpoints.jsonl"),
        clock=lambda: T0 + timedelta(seconds=next(ticks)),
    )


def test_a_maced_trail_verifies_and_anchors_itself(trail: Trail) -> None:
    trail.record(12)
    report = trail.verify()
    assert report.ok, report.breaks
    assert report.entries == 12
    assert report.unmaced == 0
    # seq 1 (the process's first commit and the start of MACs), 5 and 10
    assert [c.seq for c in trail.anchor.checkpoints()] == [1, 5, 10]
    assert (report.anchored_seq, report.unanchored) == (10, 2)
    with trail.uow() as uow:
        assert {e.key_id for e in uow.audit.entries()} == {trail.keys.current()}


def test_an_entry_rolled_back_is_never_anchored(trail: Trail) -> None:
    trail.record(1)
    uow = trail.uow()
    with uow:
        for _ in range(EVERY):
            audit.record(uow=uow, actor="a", action="x", subject="s", purpose="p", at=T0)
        # left without commit: rolled back
    assert [c.seq for c in trail.anchor.checkpoints()] == [1]
    assert trail.verify().ok


def test_deleting_the_last_rows_is_named(trail: Trail) -> None:
    trail.record(10)
    trail.as_dba("DELETE FROM audit_entries WHERE seq > 7")
    report = trail.verify()
    assert [b.seq for b in report.breaks] == [8]
    assert "entries 8..10 deleted from the tail" in report.breaks[0].problem


def test_deleting_a_middle_row_is_named(trail: Trail) -> None:
    trail.record(8)
    trail.as_dba("DELETE FROM audit_entries WHERE seq = 4")
    breaks = trail.verify().breaks
    assert breaks[0].seq == 5
    assert "entries 4..4 missing" in breaks[0].problem


def test_a_gap_since_the_last_checkpoint_is_named(trail: Trail) -> None:
    trail.record(8)
    trail.as_dba("DELETE FROM audit_entries WHERE seq = 7")
    breaks = trail.verify().breaks
    assert breaks[0].seq == 8
    assert "entries 7..7 missing since the last checkpoint, at seq 5" in breaks[0].problem


def test_an_edit_rechained_without_the_key_is_named_where_it_was_made(trail: Trail) -> None:
    trail.record(9)
    trail.rechain_from(3, actor="mallory")
    report = trail.verify()
    assert report.breaks[0].seq == 3
    assert "MAC does not match" in report.breaks[0].problem
    assert "through seq 9" in report.breaks[0].problem
    assert any("differs from the checkpoint" in b.problem for b in report.breaks)  # seq 5


def test_an_edit_rechained_with_a_stolen_key_is_named_by_the_next_checkpoint(
    trail: Trail,
) -> None:
    trail.record(7)
    trail.rechain_from(2, purpose="curiosity")
    with trail.uow() as uow:
        forged = [seal_entry(e, trail.keys) for e in uow.audit.entries()]
    for e in forged:
        trail.as_dba(
            "UPDATE audit_entries SET key_id = :k, mac = :m WHERE seq = :s",
            params={"k": e.key_id, "m": e.mac, "s": e.seq},
        )
    breaks = trail.verify().breaks
    assert [b.seq for b in breaks] == [5]
    assert "differs from the checkpoint" in breaks[0].problem


def test_a_truncated_table_is_named(trail: Trail, backend: str) -> None:
    trail.record(6)
    trail.as_dba("DELETE FROM audit_entries" if backend == "sqlite" else "TRUNCATE audit_entries")
    report = trail.verify()
    assert report.entries == 0
    assert [b.seq for b in report.breaks] == [1]
    assert "the trail is empty" in report.breaks[0].problem
    assert "entries 1..5 deleted (table truncated)" in report.breaks[0].problem


def test_a_rotated_key_macs_new_entries_and_old_ones_still_verify(trail: Trail) -> None:
    trail.record(3)
    old = trail.keys.current()
    new = trail.keys.rotate()
    trail.record(3)
    with trail.uow() as uow:
        assert [e.key_id for e in uow.audit.entries()] == [old] * 3 + [new] * 3
    assert trail.verify().ok


def test_entries_written_before_macs_began_are_counted(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A store at 0005 with a trail, upgraded: old entries have no MAC, and say so."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        server = request.getfixturevalue("postgres")
        url = server.url(server.create_database())
    upgrade(url, "0005")
    engine = make_engine(url)
    try:
        head = None
        with engine.begin() as conn:
            for i in range(3):
                head = next_entry(
                    head, at=T0, actor="old", action="x", subject=f"s{i}", purpose="p", detail={}
                )
                values = {f.name: getattr(head, f.name) for f in dataclasses.fields(head)}
                del values["key_id"], values["mac"]
                conn.execute(insert(table_at_0005()).values(values))
        upgrade(url)
        trail = Trail(
            engine=engine,
            keys=FileKeyRing(tmp_path / "audit.keys"),
            anchor=FileAnchor(tmp_path / "checkpoints.jsonl"),
            clock=lambda: T0,
        )
        trail.record(2)
        report = trail.verify()
        assert report.ok, report.breaks
        assert (report.entries, report.unmaced) == (5, 3)
    finally:
        engine.dispose()


def table_at_0005() -> Table:
    return Table(
        "audit_entries",
        MetaData(),
        *(
            Column(c.name, c.type)
            for c in tables.audit_entries.c
            if c.name not in ("key_id", "mac")
        ),
    )


def test_an_auditor_finds_entries_by_actor_subject_action_and_time(trail: Trail) -> None:
    trail.record(9)  # officer0..2 in turn, one second apart from T0
    uow = trail.uow()
    with uow:
        found = uow.audit.find(EntryFilter(actor="officer1"), after=0, limit=10)
        assert [e.seq for e in found] == [2, 5, 8]
        assert uow.audit.count(EntryFilter(actor="officer1")) == 3
        officer1 = EntryFilter(actor="officer1")
        assert [e.seq for e in uow.audit.find(officer1, after=2, limit=1)] == [5]
        window = EntryFilter(
            since=(T0 + timedelta(seconds=2)).astimezone(EASTERN),
            until=T0 + timedelta(seconds=5),
            action="booking.read",
            subject="booking:bk-1",
        )
        assert [e.seq for e in uow.audit.find(window, after=0, limit=10)] == [3, 4, 5]
        assert [e.seq for e in uow.audit.find(window, after=0, offset=1, limit=1)] == [4]
        assert uow.audit.count(window) == 3
        assert uow.audit.count(EntryFilter(actor="nobody")) == 0
