"""The audit trail against its own database administrator, end to end: ``liaison audit
verify`` run as an operator would, in its own process, after someone with the database's
owner rights (but neither the MAC key nor the checkpoints file) deleted the last row, deleted
a middle row, edited a row and re-chained the hashes after it, or truncated the table; on
SQLite and on PostgreSQL. And an auditor's read of the entries over HTTP."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from liaison import bootstrap
from liaison.audit import services as audit
from liaison.audit.chain import GENESIS, entry_hash
from liaison.entrypoints.cli.main import app

from .conftest import Running

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ENTRIES = 12
EVERY = 4  # checkpoints at seq 1, 4, 8 and 12: the head is anchored
RED = "\x1b[31m"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Store:
    data_dir: Path
    url: str  # empty for the SQLite file in data_dir

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
        env.update(LIAISON_DATA_DIR=str(self.data_dir), COLUMNS="200", FORCE_COLOR="1")
        env.pop("NO_COLOR", None)
        env["LIAISON_DATABASE_URL"] = self.url
        return env

    def cli(self, *args: str) -> Ran:
        """``liaison ARGS`` in this process (the CLI's imports cost seconds a process)."""
        env = {k: None for k in os.environ if k.startswith("LIAISON_")}
        env.update(self.env())
        result = CliRunner(env=env).invoke(app, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)

    def process(self, *args: str) -> Ran:
        """``liaison ARGS`` in a process of its own, as an operator's shell runs it."""
        done = subprocess.run(
            [sys.executable, "-m", "liaison.entrypoints.cli.main", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Ran(done.returncode, done.stdout, done.stderr)

    def sql(self, *statements: str, params: list[tuple[Any, ...]] | None = None) -> None:
        """Run ``statements`` as the database's owner, behind the application's back: on
        PostgreSQL with the append-only trigger off for the session, as a DBA can."""
        if not self.url:
            db = sqlite3.connect(self.data_dir / "liaison.db")
            try:
                with db:
                    for i, s in enumerate(statements):
                        db.execute(s, params[i] if params else ())
            finally:
                db.close()
            return
        conninfo = self.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo) as conn:
            conn.execute("SET session_replication_role = replica")
            for i, s in enumerate(statements):
                conn.execute(s.replace("?", "%s"), params[i] if params else ())

    def rows(self) -> list[tuple[Any, ...]]:
        query = (
            "SELECT seq, at, actor, action, subject, purpose, detail FROM audit_entries "
            "ORDER BY seq"
        )
        if not self.url:
            db = sqlite3.connect(self.data_dir / "liaison.db")
            try:
                return db.execute(query).fetchall()
            finally:
                db.close()
        conninfo = self.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo) as conn:
            return conn.execute(query).fetchall()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A store with a trail of ``ENTRIES`` entries, written by a process wired as a server is
    (a key ring and checkpoints outside the database, a checkpoint every ``EVERY`` entries)."""
    data_dir = tmp_path / "data"
    url = ""
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        url = server.url(server.create_database())
    for name in [k for k in os.environ if k.startswith("LIAISON_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LIAISON_AUDIT_CHECKPOINT_EVERY", str(EVERY))
    monkeypatch.setenv("LIAISON_DATA_DIR", str(data_dir))
    if url:
        monkeypatch.setenv("LIAISON_DATABASE_URL", url)
    record(range(ENTRIES))
    return Store(data_dir, url)


def record(entries: range) -> None:
    """Entries ``entries`` (0-based), each committed alone, by one process wired as
    ``LIAISON_*`` says."""
    c = bootstrap.container(bootstrap.settings(), with_engine=False)
    try:
        for i in entries:
            uow = c.uow()
            with uow:
                audit.record(
                    uow=uow,
                    actor=f"officer{i % 3}",
                    action="booking.read",
                    subject=f"booking:bk-{i}",
                    purpose="review",
                    detail={"i": i},
                    at=T0 + timedelta(minutes=i),
                )
                uow.commit()
    finally:
        c.close()


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def broken(store: Store) -> str:
    """``audit verify``, which must exit 1 naming the problem; what it printed."""
    result = store.cli("audit", "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    return plain(result.stdout + result.stderr)


def test_an_untouched_trail_verifies_with_its_checkpoints(store: Store) -> None:
    result = store.process("audit", "verify")
    assert result.returncode == 0, result.stderr
    output = plain(result.stdout)
    assert f"audit trail intact: {ENTRIES} entries" in output
    assert f"last checkpoint: seq {ENTRIES} at " in output
    assert "0 entries since" in output
    keys = store.data_dir / "audit.keys"
    checkpoints = store.data_dir / "checkpoints.jsonl"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert stat.S_IMODE(checkpoints.stat().st_mode) == 0o600
    assert [json.loads(line)["seq"] for line in checkpoints.read_text().splitlines()] == [
        1,
        4,
        8,
        12,
    ]


def test_deleting_the_last_row_is_reported(store: Store) -> None:
    store.sql(f"DELETE FROM audit_entries WHERE seq = {ENTRIES}")
    output = broken(store)
    assert f"entry {ENTRIES}: entries {ENTRIES}..{ENTRIES} deleted from the tail" in output
    assert f"the first at entry {ENTRIES}" in output


def test_deleting_a_middle_row_is_reported(store: Store) -> None:
    store.sql("DELETE FROM audit_entries WHERE seq = 6")
    output = broken(store)
    assert "entry 7: seq gap: expected 6, found 7 (entries 6..6 missing)" in output
    assert "the first at entry 6" not in output
    assert "the first at entry 7" in output


def test_editing_a_row_and_rechaining_the_hashes_is_reported(store: Store) -> None:
    """The edit re-hashed, and every entry after it re-linked and re-hashed with plain
    SHA-256: the old trail called this intact."""
    edited = 5
    rows = store.rows()
    prev = GENESIS
    updates: list[tuple[Any, ...]] = []
    for seq, at, actor, action, subject, purpose, detail in rows:
        if seq == edited:
            actor = "mallory"
        digest = entry_hash(
            seq=seq,
            at=at if isinstance(at, datetime) else datetime.fromisoformat(at),
            actor=actor,
            action=action,
            subject=subject,
            purpose=purpose,
            detail=detail,
            prev_hash=prev,
        )
        if seq >= edited:
            updates.append((actor, prev, digest, seq))
        prev = digest
    statement = "UPDATE audit_entries SET actor = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?"
    store.sql(*[statement] * len(updates), params=updates)
    output = broken(store)
    assert f"entry {edited}: MAC does not match" in output
    assert f"through seq {ENTRIES} (rewritten from here and re-chained without the key)" in output
    assert f"the first at entry {edited}" in output


def test_truncating_the_table_is_reported(store: Store) -> None:
    store.sql("DELETE FROM audit_entries" if not store.url else "TRUNCATE audit_entries")
    output = broken(store)
    assert "entry 1: the trail is empty, but the checkpoint of " in output
    assert f"entries 1..{ENTRIES} deleted (table truncated)" in output


def test_a_rotated_key_macs_what_follows_and_the_trail_still_verifies(store: Store) -> None:
    first = store.cli("audit", "keys")
    assert first.returncode == 0, first.stderr
    [old] = re.findall(r"^(\S+)  created .* \(current\)$", plain(first.stdout), re.M)
    rotated = store.cli("audit", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    [new] = re.findall(r"new audit key (\S+) in ", plain(rotated.stdout))
    assert "1 older key(s) kept" in plain(rotated.stdout)
    record(range(ENTRIES, ENTRIES + 1))  # a process started after the rotation
    listed = plain(store.cli("audit", "keys").stdout)
    assert f"{old}  created" in listed
    assert f"{new}  created" in listed
    assert listed.index(old) < listed.index(new)
    assert re.search(rf"^{new}  created .* \(current\)$", listed, re.M)
    verified = store.cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"audit trail intact: {ENTRIES + 1} entries" in plain(verified.stdout)


def test_checkpoint_anchors_the_head_on_demand(store: Store) -> None:
    result = store.cli("audit", "checkpoint")
    assert result.returncode == 0, result.stderr
    assert f"anchored seq {ENTRIES} (entry hash " in plain(result.stdout)
    lines = (store.data_dir / "checkpoints.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["seq"] == ENTRIES


@pytest.mark.parametrize("command", ["verify", "checkpoint", "rotate-key", "keys"])
def test_audit_commands_never_create_a_store(tmp_path: Path, command: str) -> None:
    nowhere = tmp_path / "nowhere"
    store = Store(nowhere, "")
    run = store.process if command == "verify" else store.cli
    result = run("audit", command, "--data-dir", str(nowhere))
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no store at" in plain(lines[0])
    assert not nowhere.exists()
    if command == "verify":  # a real terminal's view: one red line
        assert lines[0].startswith(RED)


# -- an auditor's read of the entries over HTTP -------------------------------------------------


@pytest.fixture(scope="module")
def auditor(running: Running) -> Iterator[tuple[Any, dict[str, str]]]:
    with running.client() as http:
        yield http, running.token("auditor")


def test_an_auditor_pages_through_entries_filtered_by_action(
    auditor: tuple[Any, dict[str, str]],
) -> None:
    http, headers = auditor
    first = http.get("/audit/entries", params={"limit": 2}, headers=headers)
    assert first.status_code == 200, first.text
    total = int(first.headers["X-Total-Count"])
    body = first.json()
    assert len(body) == 2
    assert body[0]["seq"] < body[1]["seq"]
    assert set(body[0]) >= {"seq", "at", "actor", "action", "subject", "mac", "key_id"}
    cursor = first.headers["X-Next-After"]
    assert cursor == str(body[1]["seq"])
    second = http.get("/audit/entries", params={"limit": 2, "after": cursor}, headers=headers)
    assert second.json()[0]["seq"] > body[1]["seq"]
    assert int(second.headers["X-Total-Count"]) >= total  # reads add entries of their own
    reads = http.get(
        "/audit/entries", params={"action": "audit.read", "limit": 500}, headers=headers
    )
    assert reads.status_code == 200
    mine = reads.json()
    assert len(mine) >= 2  # the two reads above were audited
    assert {e["action"] for e in mine} == {"audit.read"}
    assert int(reads.headers["X-Total-Count"]) == len(mine)
    assert "X-Next-After" not in reads.headers


def test_an_auditor_reads_a_time_window_and_as_csv(auditor: tuple[Any, dict[str, str]]) -> None:
    http, headers = auditor
    everything = http.get("/audit/entries", params={"limit": 500}, headers=headers).json()
    middle = everything[len(everything) // 2]["at"]
    window = http.get(
        "/audit/entries",
        params={"since": middle, "until": "2100-01-01T00:00:00Z", "limit": 500},
        headers=headers,
    )
    assert window.status_code == 200, window.text
    assert all(e["at"] >= middle for e in window.json())
    csv = http.get("/audit/entries", params={"limit": 3}, headers={**headers, "Accept": "text/csv"})
    assert csv.status_code == 200
    assert csv.text.splitlines()[0].startswith("seq,at,actor,action,subject")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"after": -1},
        {"after": 2**63},
        {"since": "2025-01-01T00:00:00"},  # no time zone
        {"since": "2025-02-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
        {"actor": "x" * 201},
        {"actor": "bad\u202ename"},
    ],
    ids=lambda p: ",".join(p),
)
def test_a_read_out_of_bounds_is_refused(
    auditor: tuple[Any, dict[str, str]], params: dict[str, object]
) -> None:
    http, headers = auditor
    r = http.get("/audit/entries", params=params, headers=headers)
    assert r.status_code == 422, r.text


def test_verify_over_http_reports_macs_and_checkpoints(auditor: tuple[Any, dict[str, str]]) -> None:
    http, headers = auditor
    body = http.get("/audit/verify", headers=headers).json()
    assert body["intact"] is True, body["breaks"]
    assert body["unmaced"] == 0
    assert body["checkpoints"] >= 1
    assert 1 <= body["anchored_seq"] <= body["entries"]
    assert body["unanchored"] == body["entries"] - body["anchored_seq"]
