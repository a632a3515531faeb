"""``liaison demo``: the main job on the embedded default, from an empty directory to a report.

A synthetic world (people with fingers and immigration histories, real counties and jails with
their detainer policies, the published 287(g) list), a month of bookings through the real
services on simulated time, then a summary in the terminal, ``report.html`` and ``demo.json``
in the data directory, which ``liaison serve --data-dir`` opens afterwards.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import liaison
from liaison import bootstrap
from liaison.entrypoints.cli.common import Bars, fail, out, reported
from liaison.entrypoints.worker import Worker
from liaison.private_files import private_dir
from liaison.settings import Settings
from liaison.synth.demo import DEFAULT_START, MARKER, DemoOptions, DemoRun, build_world, run_month
from liaison.synth.figures import MONTH_ROWS
from liaison.synth.month import SimClock
from liaison.synth.report import write_report

__all__ = ["demo"]

# folders of a source checkout that hold code, tests or history, never data
_SOURCE_FOLDERS = (".ci", ".git", ".venv", "bench", "scripts", "src", "tests")

# what a finished demo leaves; kept for a re-run of the same world: the gallery and its index
_DB_FILES = ("liaison.db", "liaison.db-wal", "liaison.db-shm")
_OUTPUTS = ("report.html", "demo-credentials.json", "thresholds.json")


def source_checkout() -> Path | None:
    """The checkout this package runs from (the folder holding ``pyproject.toml`` beside
    ``src/liaison``), or None when it is installed from a wheel."""
    package = Path(liaison.__file__).resolve().parent
    root = package.parent.parent
    if package.parent.name == "src" and (root / "pyproject.toml").is_file():
        return root
    return None


def _refuse_source_tree(data_dir: Path) -> None:
    """Refuse (exit 2) a data directory that is the source checkout or inside its code, tests
    or history: the demo writes a database, keys and credentials there. The checkout's own
    ``data/`` (ignored by git, what ``make demo`` uses) and other folders beside it are fine."""
    root = source_checkout()
    if root is None:
        return
    target = data_dir.resolve()
    inside = [root / name for name in _SOURCE_FOLDERS]
    if target == root or any(target.is_relative_to(folder) for folder in inside):
        raise fail(
            f"--data-dir {data_dir} is inside the source tree at {root}: the demo writes a "
            f"database, keys and credentials there; give a folder of its own, such as "
            f"{root / 'data'} (what `make demo` uses) or one outside the checkout"
        )


def _prepare(data_dir: Path, options: DemoOptions) -> None:
    """Make ``data_dir`` ready: a new directory, or one an earlier demo made (its store is
    replaced; its gallery kept when it holds people of the same world: same seed, no more of
    them, whether that run finished or was stopped while enrolling, which then goes on where
    it stopped). Anything else is refused."""
    marker = data_dir / MARKER
    if not data_dir.exists():
        private_dir(data_dir)
        return
    earlier: dict[str, object] = {}
    if marker.exists():
        try:
            earlier = json.loads(marker.read_text())
        except (OSError, ValueError):
            earlier = {}
    elif (data_dir / "liaison.db").exists() or (data_dir / "gallery").exists():
        raise fail(
            f"{data_dir} holds data that no demo made: give another --data-dir "
            "(the demo replaces the store of the directory it writes to)"
        )
    # person i's fingers depend on the seed and i alone: a gallery of the first k people
    # (a smaller world, or an enrollment stopped part way) is the start of this one's
    had = earlier.get("identities")
    same_world = (
        earlier.get("seed") == options.seed and isinstance(had, int) and had <= options.identities
    )
    for name in (*_DB_FILES, *_OUTPUTS, MARKER):
        (data_dir / name).unlink(missing_ok=True)
    if not same_world:
        for folder in ("gallery", "index"):
            shutil.rmtree(data_dir / folder, ignore_errors=True)


def _write_marker(data_dir: Path, options: DemoOptions, run: DemoRun | None) -> None:
    body: dict[str, object] = {
        "complete": run is not None,
        "identities": options.identities,
        "seed": options.seed,
        "days": options.days,
    }
    if run is not None:
        body["summary"] = run.summary
        body["timings"] = run.timings
    (data_dir / MARKER).write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")


def _agreements(shared_data: Path) -> Path | None:
    path = shared_data / "287g" / "agreements.csv"
    return path if path.exists() else None


def demo(
    identities: Annotated[
        int, typer.Option(help="people in the identity repository (and the gallery)", min=100)
    ] = 100_000,
    days: Annotated[int, typer.Option(help="days of bookings simulated", min=1)] = 30,
    seed: Annotated[int, typer.Option(help="the world's seed: same seed, same figures")] = 1,
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="where the store, gallery and report go")
    ] = Path("data"),
    shared_data: Annotated[
        Path, typer.Option(help="public data: the 287(g) list is read from 287g/agreements.csv")
    ] = Path("../shared/data"),
    start: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="the first day simulated"),
    ] = None,
    bookings_per_day: Annotated[
        float | None,
        typer.Option(help="bookings a day (default: 1 per 1,000 identities)", min=0.1),
    ] = None,
    slip_rate: Annotated[
        float | None,
        typer.Option(
            help="how often a simulated officer or jail tries a step a safeguard must refuse "
            "(default: each kind's own rate; 0: never; 1: at every chance)",
            min=0.0,
            max=1.0,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON summary")] = False,
) -> None:
    """A synthetic world and a month of bookings through the real pipeline, with its figures.

    Prints tables (or, with --json, one JSON summary) and writes DIR/report.html and
    DIR/demo.json; `liaison serve --data-dir DIR` opens the result.
    """
    _refuse_source_tree(data_dir)
    started = time.perf_counter()
    options = DemoOptions(
        identities=identities,
        days=days,
        seed=seed,
        start=start.date() if start else DEFAULT_START,
        agreements_file=_agreements(shared_data),
        bookings_per_day=bookings_per_day,
        slip_rate=slip_rate,
    )
    console = Console(stderr=True)
    if options.agreements_file is None:
        console.print(
            f"[yellow]{shared_data}/287g/agreements.csv not found: no 287(g) agreements[/]"
        )
    _prepare(data_dir, options)
    env = bootstrap.settings(data_dir)
    # always the embedded default, whatever LIAISON_DATABASE_URL says: the demo replaces its store
    cfg = Settings(data_dir=data_dir, workers=env.workers, token_minutes=env.token_minutes)
    clock = SimClock(options.start_at)
    with reported(), Bars() as bars:
        _write_marker(data_dir, options, None)
        c = bootstrap.container(cfg, clock=clock)
        try:
            run = build_world(c, clock, options, progress=bars)
            worker = Worker(c, name="demo-worker")
            run = run_month(c, clock, run, worker_step=worker.run_once, progress=bars)
            run.timings["report"] = 0.0
            report_started = time.perf_counter()
            write_report(data_dir / "report.html", run)
            run.timings["report"] = round(time.perf_counter() - report_started, 2)
        finally:
            c.close()
    run.timings["total"] = round(time.perf_counter() - started, 2)
    _write_marker(data_dir, options, run)
    if as_json:
        typer.echo(json.dumps({**run.summary, "timings": run.timings}, ensure_ascii=False))
        return
    _print(run, data_dir)


def _table(title: str, rows: list[tuple[str, object]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    return table


def _print(run: DemoRun, data_dir: Path) -> None:
    s = run.summary
    ident = s["identification"]
    safe = s["safeguards"]
    cal = s["calibration"]
    assert isinstance(ident, dict)
    assert isinstance(safe, dict)
    assert isinstance(cal, dict)
    out.rule(
        f"Liaison demo: {run.options.identities:,} identities, {run.options.days} days "
        f"from {run.options.start.isoformat()}, seed {run.options.seed}"
    )
    out.print(
        _table(
            "The month",
            [(label, s[key]) for label, key in MONTH_ROWS],
        )
    )
    outcomes = s["detainer_outcomes"]
    assert isinstance(outcomes, dict)
    out.print(_table("Detainer outcomes (final state)", sorted(outcomes.items())))
    out.print(
        _table(
            "Identification, against the generator's ground truth",
            [
                ("bookings of enrolled people", ident["enrolled_bookings"]),
                ("bookings of people never enrolled", ident["never_enrolled_bookings"]),
                ("true match rate", f"{ident['true_match_rate']:.4f}"),
                ("possible (mate) rate", f"{ident['possible_mate_rate']:.4f}"),
                ("false match rate", f"{ident['false_match_rate']:.4f}"),
                ("false possible rate", f"{ident['false_possible_rate']:.4f}"),
                ("matched to the wrong identity", ident["matched_to_wrong_identity"]),
            ],
        )
    )
    out.print(
        _table(
            "Safeguards",
            [
                ("U.S. citizens booked", safe["us_citizens_booked"]),
                ("U.S. citizens matched", safe["us_citizens_matched"]),
                ("citizenship referrals", safe["citizenship_referrals"]),
                ("holds lapsed at 48 hours", safe["holds_lapsed_at_48_hours"]),
                ("detainers on U.S. citizens", safe["detainers_on_us_citizens"]),
            ],
        )
    )
    refusals = safe["refusals_by_kind"]
    assert isinstance(refusals, dict)
    out.print(
        _table(
            "Refusals by kind (the simulated officers' and jails' slips)",
            [
                *sorted(refusals.items()),
                ("slips tried", sum(safe["slips_tried"].values())),
                ("slips not refused", sum(safe["slips_not_refused"].values())),
            ],
        )
    )
    declined = s["declined_by_jurisdiction"]
    assert isinstance(declined, list)
    table = Table(title="Declined detainers by jurisdiction", title_justify="left")
    for col in ("FIPS", "jurisdiction", "declined"):
        table.add_column(col, justify="right" if col == "declined" else "left")
    for row in declined[:15]:
        table.add_row(row["fips"], row["jurisdiction"], str(row["declined"]))
    out.print(table)
    out.print(
        _table(
            "Calibration against national figures",
            [
                ("detainers a week (world)", cal["world_detainers_per_week"]),
                ("detainers a week (nation, early 2017)", cal["national_detainers_per_week"]),
                ("declined share (world)", f"{cal['declined_share']:.3f}"),
                ("declined share (nation, early 2017)", cal["national_declined_share_early_2017"]),
            ],
        )
    )
    _print_operations(s["operations"])
    timings = ", ".join(f"{k} {v:.0f} s" for k, v in run.timings.items())
    out.print(f"timings: {timings}")
    out.print(
        f"report: {data_dir / 'report.html'} · summary: {data_dir / MARKER} · "
        f"users: {data_dir / 'demo-credentials.json'} · "
        f"then: liaison serve --data-dir {data_dir}"
    )


def _print_operations(ops: object) -> None:
    assert isinstance(ops, dict)
    table = Table(title="Operation targets, counted from the month's cases", title_justify="left")
    for col in ("target", "baseline", "count", "goal", "change a day", "status"):
        table.add_column(col, justify="left" if col in ("target", "status") else "right")
    for t in ops["targets"].values():
        change = "n/a" if t["change_percent"] is None else f"{t['change_percent']:+.1f}%"
        table.add_row(
            t["title"], str(t["baseline"]), str(t["current"]), f"{t['goal']:g}", change, t["status"]
        )
    out.print(table)
    declaration = ops["declaration"]
    out.print(
        _table(
            "Operations",
            [
                ("declaration expires", declaration["expires_at"]),
                *((f"states: {k}", v) for k, v in declaration["answers"].items()),
                ("deployments", len(ops["deployments"])),
                ("deployments refused as overlapping", len(ops["refused_deployments"])),
                ("transfers into custody (intakes)", ops["transfers_recorded"]),
                (
                    "facilities projected full within the horizon",
                    sum(1 for c in ops["capacity"] if c["full_on"]),
                ),
            ],
        )
    )
