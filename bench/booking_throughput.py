"""Bookings per second end to end through HTTP, and submit-to-response latency.

    python -m bench.booking_throughput --identities 100000 --bookings 400 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/liaison_bench [--json]

Builds (or reuses) a synthetic world of ``--identities`` enrolled people under ``--data-dir``
on the given database, starts ``liaison serve --no-worker`` and ``--workers`` worker processes,
then runs two phases with real jail API keys over HTTP:

1. **saturation**: ``--bookings`` submissions as fast as ``--concurrency`` clients can send
   them; sustained throughput = bookings / (last response - first submission);
2. **paced**: the same number again at ``--pace`` (default 80%) of the measured throughput;
   p50/p99 latency from submission to response.

Times come from the store itself (a booking's ``submitted_at`` and its response's
``created_at``, both stamped by the server), so polling never distorts them. Four bookings in
five are fresh captures of enrolled people, one in five of people never enrolled.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.settings import Settings
from liaison.synth.spine import booking_body, build_spine_world

OUT = Path(__file__).resolve().parent / "out"
ORI = "TX2270000"  # Travis County: honor_all
SEED = 1
console = Console(stderr=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--identities", type=int, default=100_000)
    ap.add_argument("--bookings", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pace", type=float, default=0.8)
    ap.add_argument("--database", default="", help="SQLAlchemy URL; default: SQLite in data dir")
    ap.add_argument("--data-dir", type=Path, default=OUT / "throughput-world")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    _ensure_database(args.database)
    cfg = Settings(data_dir=args.data_dir, database_url=args.database)
    c = bootstrap.container(cfg, with_engine=False)
    setup_seconds = _world(c, args.identities)
    key = accounts.issue_api_key(uow=c.uow(), ori=ORI, label="bench", actor="bench", at=c.clock())
    with _running(cfg, args.workers) as (base, procs):
        saturation = _phase(c, base, key, args, first_tcn=0, rate=None, label="saturation")
        paced = _phase(
            c,
            base,
            key,
            args,
            first_tcn=args.bookings,
            rate=args.pace * saturation["bookings_per_second"],
            label="paced",
        )
        peak_rss = _rss_mb(procs)
    c.close()
    result = {
        "identities": args.identities,
        "bookings": args.bookings,
        "database": "postgresql" if args.database.startswith("postgresql") else "sqlite",
        "workers": args.workers,
        "concurrency": args.concurrency,
        "setup_seconds": round(setup_seconds, 1),
        "bookings_per_second": saturation["bookings_per_second"],
        "saturation_latency_ms": saturation["latency_ms"],
        "paced_rate": paced["rate"],
        "latency_ms": paced["latency_ms"],
        "paced_bookings_per_second": paced["bookings_per_second"],
        "peak_rss_mb": peak_rss,
        "cores": os.cpu_count(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "booking_throughput.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` when it does not exist yet."""
    if not url.startswith("postgresql"):
        return
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,))
        if found.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{target.database}"')


def _world(c: bootstrap.Container, identities: int) -> float:
    start = time.perf_counter()
    with _bar() as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        build_spine_world(c, identities=identities, seed=SEED, progress=progress)
    return time.perf_counter() - start


@contextmanager
def _running(cfg: Settings, workers: int) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(
        os.environ,
        LIAISON_DATA_DIR=str(cfg.data_dir),
        LIAISON_DATABASE_URL=cfg.database_url,
        # each worker's parallel kernels get their share of the cores, not all of them
        NUMBA_NUM_THREADS=str(max(1, (os.cpu_count() or 1) // workers)),
    )
    cli = [sys.executable, "-m", "liaison.entrypoints.cli.main"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    procs = [subprocess.Popen([*cli, "serve", "--port", str(port), "--no-worker"], **quiet)]  # type: ignore[call-overload]
    procs += [subprocess.Popen([*cli, "worker"], **quiet) for _ in range(workers)]  # type: ignore[call-overload]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
        yield base, procs
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def _phase(
    c: bootstrap.Container,
    base: str,
    key: str,
    args: argparse.Namespace,
    *,
    first_tcn: int,
    rate: float | None,
    label: str,
) -> dict[str, Any]:
    """Submit ``args.bookings`` bookings (paced at ``rate`` per second when given) and wait
    for every response; figures from the store's own timestamps."""
    arrested = c.clock()
    n = args.bookings
    bodies = [_body(i, args.identities, arrested) for i in range(first_tcn, first_tcn + n)]
    ids: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()
    next_index = iter(range(n))

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60, headers={"X-API-Key": key}) as http:
            for i in next_index:
                if rate:
                    time.sleep(max(0.0, start + i / rate - time.monotonic()))
                r = http.post("/bookings", json=bodies[i])
                r.raise_for_status()
                with lock:
                    ids.append(r.json()["booking_id"])

    with _bar() as bar:
        task = bar.add_task(f"{label}: responses", total=n)
        threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        while True:
            done = _responded(c, ids)
            bar.update(task, completed=len(done))
            if len(done) == n and not any(t.is_alive() for t in threads):
                break
            time.sleep(0.5)
    times = _responded(c, ids)
    submitted = np.array([s.timestamp() for s, _ in times.values()])
    answered = np.array([r.timestamp() for _, r in times.values()])
    latency = (answered - submitted) * 1000
    span = answered.max() - submitted.min()
    return {
        "rate": round(rate, 2) if rate else None,
        "bookings_per_second": round(n / span, 2),
        "latency_ms": {
            "p50": round(float(np.percentile(latency, 50)), 1),
            "p99": round(float(np.percentile(latency, 99)), 1),
        },
    }


def _body(i: int, identities: int, arrested: datetime) -> dict[str, object]:
    enrolled = i % 5 != 4
    person = (i * 7919) % identities if enrolled else identities + i
    return booking_body(
        seed=SEED,
        identity=person,
        capture=i // identities,
        tcn=f"BENCH-{i:07d}",
        ori=ORI,
        arrested_at=arrested,
    )


def _responded(c: bootstrap.Container, ids: list[str]) -> dict[str, tuple[datetime, datetime]]:
    out = {}
    with c.uow() as uow:
        for booking_id in list(ids):
            b = uow.bookings.get(booking_id)
            if b is not None and b.response is not None:
                out[booking_id] = (b.submitted_at, b.response.created_at)
    return out


def _rss_mb(procs: list[subprocess.Popen[bytes]]) -> float:
    """Peak resident memory of the server and workers together (Linux VmHWM; else current)."""
    total = 0
    for p in procs:
        status = Path(f"/proc/{p.pid}/status")
        if status.exists():
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM"))
            total += int(line.split()[1]) * 1024
        else:
            total += psutil.Process(p.pid).memory_info().rss
    return round(total / 2**20, 1)


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=console,
    )


if __name__ == "__main__":
    main()
