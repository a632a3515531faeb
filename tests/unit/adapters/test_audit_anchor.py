"""The checkpoints file: append-only JSON lines, 0600, read back exactly; a bad line is named."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.adapters.audit_anchor import FileAnchor
from liaison.audit.errors import CheckpointsUnreadable
from liaison.audit.model import Checkpoint

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def cp(seq: int, mac: str | None = "m" * 64) -> Checkpoint:
    return Checkpoint(
        seq=seq, entry_hash=f"{seq:064x}", mac=mac, at=T0, key_id="k1", signature="s" * 64
    )


def test_checkpoints_are_appended_and_read_back(tmp_path: Path) -> None:
    anchor = FileAnchor(tmp_path / "dir" / "checkpoints.jsonl")
    assert anchor.checkpoints() == []
    assert not anchor.path.exists()  # reading makes nothing
    anchor.append(cp(1, mac=None))
    anchor.append(cp(7))
    assert anchor.checkpoints() == [cp(1, mac=None), cp(7)]
    assert stat.S_IMODE(anchor.path.stat().st_mode) == 0o600
    assert len(anchor.path.read_text().splitlines()) == 2


@pytest.mark.parametrize(
    "line",
    ["{", "[]", '{"seq": "1"}', '{"seq": 1, "entry_hash": 2, "mac": null, "at": "x"}'],
)
def test_an_unreadable_line_is_named(tmp_path: Path, line: str) -> None:
    anchor = FileAnchor(tmp_path / "checkpoints.jsonl")
    anchor.append(cp(1))
    with anchor.path.open("a") as fh:
        fh.write(line + "\n")
    with pytest.raises(CheckpointsUnreadable, match="line 2"):
        anchor.checkpoints()


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seq=st.integers(min_value=1, max_value=2**63 - 1),
    mac=st.none() | st.text(min_size=1, max_size=80),
    text=st.text(max_size=80),
    at=st.datetimes(timezones=st.just(UTC)),
)
def test_any_checkpoint_reads_back_as_written(
    tmp_path: Path, seq: int, mac: str | None, text: str, at: datetime
) -> None:
    written = Checkpoint(seq=seq, entry_hash=text, mac=mac, at=at, key_id=text, signature=text)
    anchor = FileAnchor(tmp_path / f"{seq}-{len(text)}.jsonl")
    anchor.append(written)
    assert anchor.checkpoints()[-1] == written
