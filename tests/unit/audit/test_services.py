from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from tests.fakes import FakeUnitOfWork

from liaison.audit.chain import GENESIS
from liaison.audit.errors import AuditError, AuditTrailBroken
from liaison.audit.model import ChainBreak
from liaison.audit.services import record, verify_trail
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
