from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from tests.fakes import FakeAuditAnchor, FakeAuditKeys, FakeAuditRepository, FakeUnitOfWork

from liaison.audit.chain import GENESIS
from liaison.audit.errors import (
    AuditError,
    AuditKeyError,
    AuditTrailBroken,
    CheckpointsUnreadable,
    InvalidEntryQuery,
)
from liaison.audit.model import ChainBreak, Checkpoint, EntryFilter
from liaison.audit.seal import mac_matches
from liaison.audit.services import checkpoint, read_entries, record, verify_trail
from liaison.errors import LiaisonError

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_record_appends_but_does_not_commit() -> None:
    uow = FakeUnitOfWork()
    with uow:
        entry = record(
            uow=uow,
            actor="alice",
            action="booking.read",
            subject="booking:1",
            purpose="review",
            detail={"tcn": "X1"},
            at=T0,
        )
        assert uow.audit.head() == entry
    # not committed by record: leaving the block rolls it back
    assert uow.commits == 0
    assert uow.audit.head() is None


def test_recorded_entries_commit_with_the_callers_unit_of_work() -> None:
    uow = FakeUnitOfWork()
    with uow:
        first = record(uow=uow, actor="alice", action="a", subject="s", purpose="p", at=T0)
        second = record(
            uow=uow,
            actor="bob",
            action="b",
            subject="s",
            purpose="p",
            detail={"n": 1},
            at=T0 + timedelta(seconds=1),
        )
        uow.commit()
    assert first.seq == 1
    assert first.prev_hash == GENESIS
    assert first.detail == "{}"
    assert second.seq == 2
    assert second.prev_hash == first.entry_hash
    assert json.loads(second.detail) == {"n": 1}
    assert uow.audit.head() == second


def test_verify_trail_reports_entries_and_breaks() -> None:
    uow = FakeUnitOfWork()
    with uow:
        for i in range(4):
            record(
                uow=uow,
                actor="a",
                action="x",
                subject=f"s{i}",
                purpose="p",
                at=T0 + timedelta(seconds=i),
            )
        uow.commit()
    report = verify_trail(uow=uow)
    assert report.ok
    assert report.entries == report.entries_checked == 4
    assert report.head_seq == 4
    assert report.head_hash == uow.audit.rows[-1].entry_hash

    uow.audit.rows[1] = dataclasses.replace(uow.audit.rows[1], purpose="other")
    uow.commit()
    report = verify_trail(uow=uow)
    assert not report.ok
    assert report.breaks[0].seq == 2


def test_verify_trail_detects_truncation_given_the_expected_count() -> None:
    uow = FakeUnitOfWork()
    with uow:
        for i in range(3):
            record(
                uow=uow,
                actor="a",
                action="x",
                subject="s",
                purpose="p",
                at=T0 + timedelta(seconds=i),
            )
        uow.commit()
    head = uow.audit.rows[-1].entry_hash
    del uow.audit.rows[-1]
    uow.commit()
    assert verify_trail(uow=uow).ok
    assert not verify_trail(uow=uow, expected_count=3).ok
    assert not verify_trail(uow=uow, expected_head_hash=head).ok


def test_empty_trail() -> None:
    report = verify_trail(uow=FakeUnitOfWork())
    assert report.ok
    assert (report.entries, report.head_seq, report.head_hash) == (0, 0, GENESIS)


def test_trail_broken_error_names_the_first_break() -> None:
    err = AuditTrailBroken([ChainBreak(seq=7, problem="entry edited")])
    assert isinstance(err, AuditError)
    assert isinstance(err, LiaisonError)
    assert "seq 7" in str(err)
    with pytest.raises(AuditTrailBroken):
        raise err


# -- MACs, checkpoints and an auditor's reads -------------------------------------------------


def keyed() -> tuple[FakeUnitOfWork, FakeAuditKeys, FakeAuditAnchor]:
    keys = FakeAuditKeys()
    return FakeUnitOfWork(audit=FakeAuditRepository(keys)), keys, FakeAuditAnchor()


def fill(uow: FakeUnitOfWork, n: int, *, actor: str = "a", action: str = "x") -> None:
    with uow:
        for i in range(n):
            record(
                uow=uow,
                actor=actor,
                action=action,
                subject=f"booking:{i % 3}",
                purpose="p",
                at=T0 + timedelta(minutes=i),
            )
        uow.commit()


def test_recorded_entries_are_maced_with_the_stores_key() -> None:
    uow, keys, _ = keyed()
    fill(uow, 2)
    assert {e.key_id for e in uow.audit.rows} == {"k1"}
    assert all(mac_matches(e, keys) for e in uow.audit.rows)


def test_verify_trail_checks_macs_and_reports_checkpoints() -> None:
    uow, _keys, anchor = keyed()
    fill(uow, 5)
    cp = checkpoint(uow=uow, anchor=anchor, at=T0 + timedelta(hours=1))
    assert cp is not None
    assert cp.seq == 5
    fill(uow, 2)
    report = verify_trail(uow=uow, anchor=anchor)
    assert report.ok
    assert (report.checkpoints, report.anchored_seq, report.unanchored) == (1, 5, 2)
    assert report.anchored_at == T0 + timedelta(hours=1)
    assert report.unmaced == 0


def test_verify_trail_names_a_deleted_tail_behind_its_checkpoint() -> None:
    uow, _, anchor = keyed()
    fill(uow, 5)
    checkpoint(uow=uow, anchor=anchor, at=T0)
    del uow.audit.rows[-2:]
    report = verify_trail(uow=uow, anchor=anchor)
    assert [b.seq for b in report.breaks] == [4]
    assert "entries 4..5 deleted from the tail" in report.breaks[0].problem


def test_verify_trail_counts_entries_written_before_macs_began() -> None:
    legacy = FakeUnitOfWork()
    fill(legacy, 3)
    uow = FakeUnitOfWork(audit=legacy.audit)
    uow.audit.audit_keys = FakeAuditKeys()
    fill(uow, 2)
    report = verify_trail(uow=uow)
    assert report.ok
    assert report.unmaced == 3


def test_unreadable_checkpoints_are_a_break_and_the_rest_is_still_checked() -> None:
    class Garbled(FakeAuditAnchor):
        def checkpoints(self) -> list[Checkpoint]:
            raise CheckpointsUnreadable("checkpoints.jsonl line 3: not JSON")

    uow, _, _ = keyed()
    fill(uow, 2)
    uow.audit.rows[0] = dataclasses.replace(uow.audit.rows[0], actor="mallory")
    report = verify_trail(uow=uow, anchor=Garbled())
    assert [b.seq for b in report.breaks] == [0, 1]
    assert "line 3" in report.breaks[0].problem


def test_a_checkpoint_of_an_empty_trail_is_nothing_and_one_without_keys_is_refused() -> None:
    anchor = FakeAuditAnchor()
    assert checkpoint(uow=FakeUnitOfWork(), anchor=anchor, at=T0) is None
    unkeyed = FakeUnitOfWork()
    fill(unkeyed, 1)
    with pytest.raises(AuditKeyError, match="no audit key ring"):
        checkpoint(uow=unkeyed, anchor=anchor, at=T0)
    assert anchor.kept == []


def test_an_auditor_reads_entries_filtered_and_paged_and_the_read_is_audited() -> None:
    uow, _, _ = keyed()
    fill(uow, 6, actor="alice", action="booking.read")
    fill(uow, 4, actor="bob", action="detainer.lodge")
    where = EntryFilter(actor="alice", subject="booking:0")
    page = read_entries(uow=uow, reader="aud", purpose="oversight", where=where, limit=1, at=T0)
    assert page.total == 2
    assert [e.seq for e in page.entries] == [1]
    assert page.next_after == 1
    rest = read_entries(
        uow=uow, reader="aud", purpose="oversight", where=where, after=1, limit=5, at=T0
    )
    assert [e.seq for e in rest.entries] == [4]
    assert rest.next_after is None
    last = uow.audit.rows[-1]
    assert (last.actor, last.action, last.subject, last.purpose) == (
        "aud",
        "audit.read",
        "audit:entries",
        "oversight",
    )
    assert json.loads(last.detail)["returned"] == [4, 4]
    assert uow.commits == 4  # two fills and two reads


def test_entries_are_read_by_action_and_time_window_with_an_offset() -> None:
    uow, _, _ = keyed()
    fill(uow, 10)
    where = EntryFilter(
        action="x", since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=7)
    )
    page = read_entries(uow=uow, reader="aud", purpose="p", where=where, offset=1, at=T0)
    assert page.total == 5
    assert [e.seq for e in page.entries] == [4, 5, 6, 7]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"limit": 0}, "limit must be 1 to 500"),
        ({"limit": 501}, "limit must be 1 to 500"),
        ({"after": -1}, "after must be"),
        ({"offset": -1}, "offset must be"),
        ({"where": EntryFilter(actor="x" * 201)}, "actor is longer than 200"),
        ({"where": EntryFilter(since=datetime(2025, 1, 1))}, "since must carry a time zone"),
    ],
)
def test_a_read_out_of_bounds_is_refused_and_not_audited(
    args: dict[str, object], message: str
) -> None:
    uow, _, _ = keyed()
    call: dict[str, object] = {"where": EntryFilter(), **args}
    with pytest.raises(InvalidEntryQuery, match=message):
        read_entries(uow=uow, reader="aud", purpose="p", at=T0, **call)  # type: ignore[arg-type]
    assert uow.audit.rows == []
