"""What the crash tests share: a small world on a store, ``liaison serve`` (and ``liaison
worker`` where it runs apart) as child processes that can be killed with SIGKILL, jail clients
that retry through an outage with the same TCN and body, and a tally of what the store holds
afterwards: bookings, identifications, responses, audit entries and jobs per TCN."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.adapters.store import tables
from liaison.adapters.store.uow import make_engine
from liaison.audit import services as audit
from liaison.bookings.model import BookingState
from liaison.bookings.services import IDENTIFY
from liaison.settings import Settings
from liaison.synth.spine import booking_body, build_spine_world

__all__ = ["ORI", "Client", "Liaison", "Tally", "World", "build_world", "drain", "tally"]

IDENTITIES = 40
SEED = 11
ORI = "TX2270000"
CLI = [sys.executable, "-m", "liaison.entrypoints.cli.main"]


@dataclass
class World:
    """A store with 40 enrolled people and a jail's API key, and the bookings to send."""

    container: bootstrap.Container
    data_dir: Path
    database_url: str  # "" for the SQLite file in data_dir
    api_key: str
    bodies: list[dict[str, object]]  # one per TCN, in TCN order


def build_world(data_dir: Path, *, database_url: str, submissions: int, tcn_prefix: str) -> World:
    """Enroll the world in ``data_dir`` (and ``database_url``'s store) and make
    ``submissions`` bookings with unique TCNs ``<tcn_prefix>-00000``..."""
    c = bootstrap.container(Settings(data_dir=data_dir, database_url=database_url, workers=1))
    build_spine_world(c, identities=IDENTITIES, seed=SEED, calibration_probes=40)
    key = accounts.issue_api_key(uow=c.uow(), ori=ORI, label="crash", actor="test", at=c.clock())
    arrested = c.clock()
    bodies = [
        booking_body(
            seed=SEED,
            identity=i % IDENTITIES,
            capture=i // IDENTITIES,
            tcn=f"{tcn_prefix}-{i:05d}",
            ori=ORI,
            arrested_at=arrested,
        )
        for i in range(submissions)
    ]
    return World(c, data_dir, database_url, key, bodies)


class Liaison:
    """``liaison serve`` on ``port`` as a child process, with the booking worker inside it
    (``serve``'s default) or, with ``separate_worker``, as ``serve --no-worker`` beside a
    ``liaison worker`` process. Their stderr goes to ``log``."""

    def __init__(self, world: World, port: int, *, separate_worker: bool, log: Path) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self._port = port
        self._separate = separate_worker
        self._log = log
        # a killed worker's job is taken over after the lease: 15 s, not 120, keeps the test
        # short (a search here takes well under a second)
        self._env = dict(
            os.environ,
            LIAISON_DATA_DIR=str(world.data_dir),
            LIAISON_WORKERS="1",
            LIAISON_JOB_LEASE_SECONDS="15",
        )
        if world.database_url:
            self._env["LIAISON_DATABASE_URL"] = world.database_url
        self._procs: list[subprocess.Popen[bytes]] = []
        self.starts = 0

    def start(self) -> None:
        """Start the processes and wait until the API answers ``/health``."""
        assert not self._procs, "already running"
        serve = [*CLI, "serve", "--port", str(self._port)]
        commands = [[*serve, "--no-worker"], [*CLI, "worker"]] if self._separate else [serve]
        with self._log.open("ab") as log:
            for command in commands:
                self._procs.append(
                    subprocess.Popen(command, env=self._env, stdout=subprocess.DEVNULL, stderr=log)
                )
        self.starts += 1
        self._wait_up()

    def kill(self) -> None:
        """SIGKILL every process: no shutdown handler, no rollback, no flush."""
        for p in self._procs:
            p.send_signal(signal.SIGKILL)
        for p in self._procs:
            p.wait()
        self._procs = []

    def log_tail(self, chars: int = 3000) -> str:
        return self._log.read_text(errors="replace")[-chars:] if self._log.exists() else ""

    def _wait_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for p in self._procs:
                if p.poll() is not None:
                    raise AssertionError(f"{p.args!r} exited {p.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server did not come up within 60 s:\n{self.log_tail()}")


class Client(threading.Thread):
    """One jail sending ``bodies`` in order. Each submission is retried until the server
    accepts it, with the same TCN and body (the idempotency key), through a refused or broken
    connection, a timeout, or a 503; any other answer stops the client (``error``)."""

    def __init__(self, base_url: str, api_key: str, bodies: list[dict[str, object]]) -> None:
        super().__init__(daemon=True)
        self.base_url = base_url
        self.api_key = api_key
        self.bodies = bodies
        self.accepted: dict[str, str] = {}  # TCN -> booking id
        self.replays = 0  # answers 200: a TCN the server had already taken
        self.retries: Counter[str] = Counter()  # why a submission was sent again
        self.error: str | None = None

    def run(self) -> None:
        headers = {"X-API-Key": self.api_key}
        with httpx.Client(base_url=self.base_url, timeout=30, headers=headers) as http:
            for body in self.bodies:
                tcn = str(body["tcn"])
                while True:
                    try:
                        r = http.post("/bookings", json=body)
                    except httpx.TransportError as exc:
                        self.retries[type(exc).__name__] += 1
                        time.sleep(0.2)
                        continue
                    if r.status_code == 503:
                        self.retries["503"] += 1
                        time.sleep(0.5)
                        continue
                    if r.status_code not in (200, 202):
                        self.error = f"TCN {tcn}: {r.status_code} {r.text[:500]}"
                        return
                    self.accepted[tcn] = r.json()["booking_id"]
                    self.replays += r.status_code == 200
                    break


def accepted(clients: list[Client]) -> int:
    return sum(len(client.accepted) for client in clients)


def drain(c: bootstrap.Container, *, timeout: float) -> None:
    """Wait until the job queue holds nothing pending or leased."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with c.uow() as uow:
            if uow.jobs.pending() == 0:
                return
        time.sleep(0.5)
    with c.uow() as uow:
        raise AssertionError(f"{uow.jobs.pending()} jobs still pending after {timeout:.0f} s")


@dataclass(frozen=True)
class Tally:
    """What the store holds after the run, counted per TCN sent."""

    bookings: int  # all bookings in the store
    missing: tuple[str, ...]  # TCNs sent with no booking
    states: Counter[str]  # booking state -> bookings of the TCNs sent
    identified: int  # bookings of the TCNs sent that carry an identification
    responded: int  # ... and a response
    submit_entries: Counter[int]  # audit "booking.submit" entries per booking -> bookings
    identify_entries: Counter[int]  # audit "booking.identify" entries per booking -> bookings
    jobs: Counter[str]  # identify job state -> jobs
    jobs_per_booking: Counter[int]  # identify jobs per booking -> bookings
    jobs_retaken: int  # identify jobs claimed more than once (a worker died holding them)
    answered_other_id: tuple[str, ...]  # TCNs whose accepted id is not the stored booking's


def tally(world: World, accepted: dict[str, str]) -> Tally:
    """Count, per TCN in ``world.bodies``, what the store holds; ``accepted`` maps each TCN to
    the booking id the API answered."""
    c = world.container
    tcns = [str(body["tcn"]) for body in world.bodies]
    with c.uow() as uow:
        total = uow.bookings.count()
        stored = {tcn: uow.bookings.by_tcn(tcn) for tcn in tcns}
        entries = list(uow.audit.entries())
    found = {tcn: b for tcn, b in stored.items() if b is not None}
    ids = {b.booking_id for b in found.values()}
    submits = Counter(e.subject for e in entries if e.action == "booking.submit")
    identifies = Counter(e.subject for e in entries if e.action == "booking.identify")
    engine = make_engine(c.settings.store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(tables.jobs.c.key, tables.jobs.c.state, tables.jobs.c.attempts).where(
                    tables.jobs.c.kind == IDENTIFY
                )
            ).all()
    finally:
        engine.dispose()
    ours = [row for row in rows if row.key in ids]
    per_booking = Counter(row.key for row in ours)
    return Tally(
        bookings=total,
        missing=tuple(tcn for tcn in tcns if tcn not in found),
        states=Counter(b.state.value for b in found.values()),
        identified=sum(b.identification is not None for b in found.values()),
        responded=sum(
            b.response is not None and b.state is BookingState.RESPONDED for b in found.values()
        ),
        submit_entries=Counter(submits[f"booking:{i}"] for i in ids),
        identify_entries=Counter(identifies[f"booking:{i}"] for i in ids),
        jobs=Counter(row.state for row in ours),
        jobs_per_booking=Counter(per_booking[i] for i in ids),
        jobs_retaken=sum(row.attempts > 1 for row in ours),
        answered_other_id=tuple(
            tcn for tcn, b in found.items() if accepted.get(tcn) != b.booking_id
        ),
    )


def verify_audit(world: World) -> audit.VerifyReport:
    """The audit trail verified as ``liaison audit verify`` does: MACs, chain and checkpoints."""
    c = world.container
    return audit.verify_trail(uow=c.uow(), anchor=c.audit_anchor)
