"""The whole demo: a synthetic world, a month of bookings, the figures and the report.

``build_world`` enrolls the people's fingers into the gallery and calibrates the engine's
thresholds, loads the identity repository, and stores the places, jails, policies, 287(g)
agreements and users (the month adds its adjudicators, whose passwords are written with the
others). ``run_month`` records the month's operations (``synth.operations``),
plays the month through the services and returns the summary, operations progress included.
Both work on one data directory, which ``liaison serve --data-dir`` then opens.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path

from liaison.biometrics import services as biometrics
from liaison.biometrics.benchmark import enroll_synthetic
from liaison.biometrics.identification import Thresholds
from liaison.bootstrap import Container, open_gallery, open_identifier
from liaison.identity import services as identity_services
from liaison.private_files import write_private
from liaison.synth.figures import summarize
from liaison.synth.month import ADJUDICATORS, MonthLog, SimClock, plan_bookings, simulate
from liaison.synth.operations import install_operations, operations_figures, plan_operations
from liaison.synth.population import Category, make_person
from liaison.synth.world import USERS, WorldPlan, install_world, plan_world

__all__ = [
    "DEFAULT_START",
    "MARKER",
    "DemoOptions",
    "DemoRun",
    "build_world",
    "run_month",
]

DEFAULT_START = date(2025, 7, 7)  # the Monday after the 287(g) list's latest snapshot
MARKER = "demo.json"  # written in the data directory: what made it, with the summary
ENROLL_BATCH = 2000
# the engine's operating point: at most 1 in 1,000 searches of people never enrolled says
# "match", 1 in 100 "possible" (a person verifies either before anything follows)
FPIR_MATCH, FPIR_POSSIBLE = 0.001, 0.01

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoOptions:
    identities: int = 100_000
    days: int = 30
    seed: int = 1
    start: date = DEFAULT_START
    agreements_file: Path | None = None
    calibration_probes: int | None = None  # None: 50 to 200, by the world's size
    bookings_per_day: float | None = None  # None: scaled to the world (month.bookings_per_day)
    slip_rate: float | None = None  # None: each slip's own rate (liaison.synth.sop.SLIPS)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, day_time(0, 0), tzinfo=UTC)


@dataclass
class DemoRun:
    """What a run leaves for the report and the command line."""

    options: DemoOptions
    world: WorldPlan
    categories: list[Category]  # of enrolled person i, by i
    log: MonthLog | None = None
    summary: dict[str, object] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    stored: dict[str, int] = field(default_factory=dict)
    adjudicators: dict[str, str] = field(default_factory=dict)  # username -> password

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = round(time.perf_counter() - started, 2)


def _credentials(path: Path) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Fresh passwords for the demo's users and for the month's adjudicators, written (mode
    0600) where ``serve`` users find them; never part of the figures."""
    passwords = [(name, secrets.token_urlsafe(12)) for name, _ in USERS]
    adjudicators = {name: secrets.token_urlsafe(12) for name in ADJUDICATORS}
    roles = {name: list(r) for name, r in USERS}
    roles.update({name: ["adjudicator"] for name in ADJUDICATORS})
    users = {
        name: {"password": pw, "roles": roles[name]}
        for name, pw in [*passwords, *adjudicators.items()]
    }
    write_private(path, json.dumps(users, indent=2))  # 0600, also over an earlier demo's file
    return passwords, adjudicators


def build_world(
    c: Container, clock: SimClock, options: DemoOptions, *, progress: Progress | None = None
) -> DemoRun:
    """Enroll, calibrate, load the repository and store the places (the clock set to the eve
    of the month)."""
    cfg = c.settings
    clock.now = options.start_at - timedelta(days=1)
    world = plan_world(
        seed=options.seed, identities=options.identities, agreements_file=options.agreements_file
    )
    run = DemoRun(options, world, [])

    def tick(stage: str) -> Callable[[int], None]:
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(stage, done, options.identities)

        return step

    with run.timed("enroll_fingers"):
        gallery = open_gallery(cfg, create=True)
        # all of them, or the rest of a run stopped part way (its chunks are kept)
        enroll_synthetic(
            gallery,
            identities=options.identities,
            seed=options.seed,
            workers=cfg.worker_count,
            progress=tick("fingers enrolled"),
        )
    with run.timed("calibrate"):
        biometrics.calibrate_thresholds(
            identifier=open_identifier(cfg, thresholds=Thresholds(match=1.0, possible=1.0)),
            thresholds_file=cfg.thresholds_file,
            probes=options.calibration_probes or min(200, max(50, options.identities // 40)),
            seed=options.seed,
            fpir_match=FPIR_MATCH,
            fpir_possible=FPIR_POSSIBLE,
            shape=biometrics.ProbeShape.TEN_PRINT,
            progress=progress,
        )
    with run.timed("identities"):
        made = tick("identity records")
        today = options.start
        for first in range(0, options.identities, ENROLL_BATCH):
            batch = [
                make_person(options.seed, i, today=today)
                for i in range(first, min(first + ENROLL_BATCH, options.identities))
            ]
            run.categories.extend(p.category for p in batch)
            identity_services.enroll_identities(
                uow=c.uow(), identities=[p.identity for p in batch], actor="synth", at=clock.now
            )
            made(len(batch))
    with run.timed("places"):
        passwords, run.adjudicators = _credentials(cfg.data_dir / "demo-credentials.json")
        run.stored = install_world(c, world, at=clock.now, passwords=passwords)
    return run


def run_month(
    c: Container,
    clock: SimClock,
    run: DemoRun,
    *,
    worker_step: Callable[[], bool],
    progress: Progress | None = None,
) -> DemoRun:
    """Plan and play the month, then compute the summary (``run.summary``)."""
    options = run.options
    with run.timed("operations"):
        # declared, deployed and targeted on the eve of the month, as a program manager would
        operations = plan_operations(
            run.world, start=options.start, days=options.days, seed=options.seed
        )
        installed = install_operations(c, operations, at=clock.now)
    with run.timed("engine"):
        c.search()  # load the index before the month's clock starts
    with run.timed("bookings"):
        plan = plan_bookings(
            seed=options.seed,
            identities=options.identities,
            days=options.days,
            start=options.start_at,
            world=run.world,
            categories=run.categories,
            per_day=options.bookings_per_day,
        )
        run.log = simulate(
            c,
            clock,
            plan,
            seed=options.seed,
            worker_step=worker_step,
            progress=progress,
            adjudicators=run.adjudicators or None,
            slip_rate=options.slip_rate,
        )
    with run.timed("figures"):
        run.summary = summarize(
            c,
            run.log,
            world=run.world,
            identities=options.identities,
            days=options.days,
            seed=options.seed,
            start=options.start_at,
            at=clock.now,
        )
        run.summary["stored"] = dict(sorted(run.stored.items()))
        run.summary["operations"] = operations_figures(
            c, operations, installed=installed, at=clock.now
        )
    return run
