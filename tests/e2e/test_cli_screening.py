"""Re-screening from the command line, killed with SIGKILL mid-campaign and started again:
no hit lost, none duplicated (compared with the same campaign run without a kill)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from liaison.synth import screening as world

CLI = [sys.executable, "-m", "liaison.entrypoints.cli.main"]
CHUNKS = 12


def _liaison(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _pairs(data_dir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data_dir / "liaison.db") as db:
        rows = db.execute("SELECT subject_id, entry_id FROM screening_cases").fetchall()
    return sorted((str(s), str(e)) for s, e in rows)


def _chunks_done(data_dir: Path) -> int:
    try:
        with sqlite3.connect(data_dir / "liaison.db", timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM screening_campaign_chunks").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return 0


def test_a_campaign_killed_with_sigkill_and_resumed_matches_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    files = tmp_path / "world"
    world.write(world.generate(supervised=30_000, watchlist=15_000, seed=5), files)
    docket = str(files / "supervised.parquet")
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for data_dir in (clean, killed):
        done = _liaison("screening", "publish", str(files / "watchlist.parquet"), data_dir=data_dir)
        assert done.returncode == 0, done.stderr
        assert "list version 1: 15,000 entries" in done.stdout

    args = ["screening", "rescreen", docket, "--campaign-id", "c1", "--chunks", str(CHUNKS)]
    done = _liaison(*args, data_dir=clean)
    assert done.returncode == 0, done.stderr
    expected = _pairs(clean)
    assert len(expected) > 20

    process = subprocess.Popen(
        [*CLI, *args, "--data-dir", str(killed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 300
    while _chunks_done(killed) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the campaign ended before it could be killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    at_kill = _chunks_done(killed)
    assert 2 <= at_kill < CHUNKS, f"killed after {at_kill} of {CHUNKS} chunks"
    assert len(_pairs(killed)) < len(expected)

    done = _liaison(*args, data_dir=killed)
    assert done.returncode == 0, done.stderr
    resumed = _pairs(killed)
    assert resumed == expected  # nothing lost
    assert len(set(resumed)) == len(resumed)  # nothing twice
    listed = _liaison("screening", "cases", "--campaign", "c1", "--limit", "5", data_dir=killed)
    assert listed.returncode == 0, listed.stderr
