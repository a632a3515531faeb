"""The audit key ring file: made 0600 on first use, rotated keeping old keys, reread when
another process rotates it."""

from __future__ import annotations

import json
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from liaison.adapters.audit_keys import FileKeyRing
from liaison.audit.errors import AuditKeyError, UnknownAuditKey

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def ring(tmp_path: Path) -> FileKeyRing:
    return FileKeyRing(tmp_path / "keys" / "audit.keys", clock=lambda: T0)


def test_a_read_never_makes_a_ring(tmp_path: Path) -> None:
    keys = ring(tmp_path)
    with pytest.raises(UnknownAuditKey):
        keys.mac("20260102-00000000", b"m")
    assert keys.held() == []
    assert not keys.exists()


def test_the_first_use_makes_a_private_ring_with_one_key(tmp_path: Path) -> None:
    keys = ring(tmp_path)
    key_id = keys.current()
    assert key_id.startswith("20260102-")
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
    body = json.loads(keys.path.read_text())
    assert body["current"] == key_id
    assert [k["id"] for k in body["keys"]] == [key_id]
    assert len(keys.mac(key_id, b"m")) == 64
    assert keys.current() == key_id  # made once
    assert [p.name for p in keys.path.parent.iterdir()] == ["audit.keys"]  # no temp left


def test_rotation_starts_a_new_key_and_keeps_the_old_ones(tmp_path: Path) -> None:
    keys = ring(tmp_path)
    first = keys.current()
    old_mac = keys.mac(first, b"m")
    second = keys.rotate()
    assert second != first
    assert keys.current() == second
    assert keys.mac(first, b"m") == old_mac
    assert keys.mac(second, b"m") != old_mac
    assert [(k.key_id, k.current) for k in keys.held()] == [(first, False), (second, True)]
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600


def test_a_running_process_takes_up_a_rotation_made_by_another(tmp_path: Path) -> None:
    server = ring(tmp_path)
    first = server.current()
    cli = ring(tmp_path)
    second = cli.rotate()
    assert server.current() == second
    assert server.mac(first, b"m") == cli.mac(first, b"m")


def test_processes_starting_together_share_one_ring(tmp_path: Path) -> None:
    rings = [ring(tmp_path) for _ in range(8)]
    ids: list[str] = []
    start = threading.Barrier(len(rings))

    def use(keys: FileKeyRing) -> None:
        start.wait()
        ids.append(keys.current())

    threads = [threading.Thread(target=use, args=(k,)) for k in rings]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"format": "something else", "current": "a", "keys": []}',
        '{"format": "liaison-audit-keys/1", "current": "a", "keys": []}',
        '{"format": "liaison-audit-keys/1", "current": "a", '
        '"keys": [{"id": "a", "created": "2026-01-01T00:00:00+00:00", "secret": "c2hvcnQ="}]}',
    ],
    ids=["not-json", "format", "no-current", "short-secret"],
)
def test_a_malformed_ring_is_refused_by_name(tmp_path: Path, text: str) -> None:
    keys = ring(tmp_path)
    keys.path.parent.mkdir(parents=True)
    keys.path.write_text(text)
    with pytest.raises(AuditKeyError, match=r"audit key ring .* (malformed|does not hold|shorter)"):
        keys.current()
