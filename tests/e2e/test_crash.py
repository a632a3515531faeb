"""kill -9 the server and its worker in the middle of 1,000 submissions, restart them, and
check that every booking has exactly one response and none is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.audit import services as audit
from liaison.settings import Settings
from liaison.synth.spine import booking_body, build_spine_world

from .conftest import _free_port

SUBMISSIONS = 1000
IDENTITIES = 40
SEED = 11
ORI = "TX2270000"
KILL_AFTER = 300  # submissions accepted before the kill


def _start(data_dir: Path, port: int) -> list[subprocess.Popen[bytes]]:
    env = dict(os.environ, LIAISON_DATA_DIR=str(data_dir), LIAISON_WORKERS="1")
    cli = [sys.executable, "-m", "liaison.entrypoints.cli.main"]
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [*cli, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return [server, worker]


def _wait_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not come up within 60 s")


def _submit_all(base: str, key: str, bodies: list[dict[str, object]], accepted: list[str]) -> None:
    """Submit each booking until the server accepts it, retrying through the outage with the
    same TCN (so a submission that landed before the kill is answered, not duplicated)."""
    with httpx.Client(base_url=base, timeout=10, headers={"X-API-Key": key}) as http:
        for body in bodies:
            while True:
                try:
                    r = http.post("/bookings", json=body)
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
                assert r.status_code in (200, 202), r.text
                accepted.append(r.json()["booking_id"])
                break


def test_kill_nine_mid_batch_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    cfg = Settings(data_dir=tmp_path, workers=1)
    c = bootstrap.container(cfg)
    build_spine_world(c, identities=IDENTITIES, seed=SEED, calibration_probes=40)
    key = accounts.issue_api_key(uow=c.uow(), ori=ORI, label="crash", actor="test", at=c.clock())
    arrested = c.clock()
    bodies = [
        booking_body(
            seed=SEED,
            identity=i % IDENTITIES,
            capture=i // IDENTITIES,
            tcn=f"CRASH-{i:05d}",
            ori=ORI,
            arrested_at=arrested,
        )
        for i in range(SUBMISSIONS)
    ]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    procs = _start(tmp_path, port)
    accepted: list[str] = []
    try:
        _wait_up(base)
        client = threading.Thread(target=_submit_all, args=(base, key, bodies, accepted))
        client.start()
        while len(accepted) < KILL_AFTER:
            time.sleep(0.05)
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()
        killed_at = len(accepted)
        procs = _start(tmp_path, port)
        client.join(600)
        assert not client.is_alive()
        assert killed_at < SUBMISSIONS
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with c.uow() as uow:
                if uow.jobs.pending() == 0:
                    break
            time.sleep(0.5)
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()

    assert len(accepted) == SUBMISSIONS
    assert len(set(accepted)) == SUBMISSIONS  # one booking per TCN
    with c.uow() as uow:
        states = Counter(uow.bookings.get(b).state.value for b in set(accepted))  # type: ignore[union-attr]
        identified = Counter(
            e.subject for e in uow.audit.entries() if e.action == "booking.identify"
        )
    assert states == {"responded": SUBMISSIONS}
    assert len(identified) == SUBMISSIONS
    assert set(identified.values()) == {1}  # exactly one identification and response each
    assert audit.verify_trail(uow=c.uow()).ok
    c.close()
