"""When the trail's head is anchored on its own, after commits."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from tests.fakes import FakeAuditAnchor, FakeAuditKeys

from liaison.audit.chain import next_entry
from liaison.audit.checkpoints import Checkpointer
from liaison.audit.model import AuditEntry, Checkpoint
from liaison.audit.seal import signature_problem

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def chain(n: int, keys: FakeAuditKeys | None) -> list[AuditEntry]:
    out: list[AuditEntry] = []
    head = None
    for i in range(n):
        head = next_entry(
            head, at=T0, actor="a", action="x", subject=f"s{i}", purpose="p", detail={}, keys=keys
        )
        out.append(head)
    return out


def setup(every: int = 10) -> tuple[Checkpointer, FakeAuditAnchor, FakeAuditKeys, Clock]:
    keys, anchor, clock = FakeAuditKeys(), FakeAuditAnchor(), Clock()
    cp = Checkpointer(
        keys=keys, anchor=anchor, clock=clock, every=every, interval=timedelta(minutes=1)
    )
    return cp, anchor, keys, clock


def test_the_first_commit_of_a_process_and_the_start_of_macs_are_anchored() -> None:
    checkpointer, anchor, keys, _ = setup()
    entries = chain(3, keys)
    written = checkpointer.committed(before=None, first=entries[0], last=entries[0])
    assert isinstance(written, Checkpoint)
    assert anchor.kept == [written]
    assert written.seq == 1
    assert signature_problem(written, keys) is None


def test_macs_beginning_after_legacy_entries_are_anchored() -> None:
    checkpointer, _, keys, _ = setup(every=1000)
    legacy = chain(2, None)
    maced = next_entry(
        legacy[-1], at=T0, actor="a", action="x", subject="s", purpose="p", detail={}, keys=keys
    )
    checkpointer.committed(before=None, first=legacy[0], last=legacy[1])  # the process's first
    assert checkpointer.due(before=legacy[1], first=maced, last=maced)


def test_crossing_a_multiple_of_every_is_due_and_nothing_else_until_the_interval() -> None:
    checkpointer, anchor, keys, clock = setup(every=10)
    entries = chain(25, keys)
    checkpointer.committed(before=None, first=entries[0], last=entries[0])  # the first
    assert not checkpointer.due(before=entries[0], first=entries[1], last=entries[8])
    assert checkpointer.due(before=entries[8], first=entries[9], last=entries[9])  # seq 10
    assert checkpointer.due(before=entries[7], first=entries[8], last=entries[11])  # 9..12
    assert not checkpointer.due(before=entries[10], first=entries[11], last=entries[18])
    clock.now += timedelta(minutes=1)
    assert checkpointer.due(before=entries[10], first=entries[11], last=entries[18])
    assert checkpointer.committed(before=entries[10], first=entries[11], last=entries[18])
    assert [c.seq for c in anchor.kept] == [1, 19]
    assert checkpointer.committed(before=entries[19], first=entries[20], last=entries[20]) is None


def test_a_checkpoint_that_cannot_be_written_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Full(FakeAuditAnchor):
        def append(self, checkpoint: Checkpoint) -> None:
            raise OSError("No space left on device")

    keys = FakeAuditKeys()
    checkpointer = Checkpointer(keys=keys, anchor=Full(), clock=Clock())
    [entry] = chain(1, keys)
    with caplog.at_level(logging.ERROR):
        assert checkpointer.committed(before=None, first=entry, last=entry) is None
    assert "could not write an audit checkpoint of seq 1" in caplog.text


def test_every_must_be_positive() -> None:
    with pytest.raises(ValueError, match="every 1 entry or more"):
        Checkpointer(keys=FakeAuditKeys(), anchor=FakeAuditAnchor(), clock=Clock(), every=0)
