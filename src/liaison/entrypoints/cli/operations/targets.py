"""Operation targets: ``liaison operations target set|progress``, and every target
(``liaison operations targets``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from liaison.entrypoints.cli.common import DataDir, out, show, wire
from liaison.entrypoints.cli.operations.shared import (
    Actor,
    AsJson,
    Day,
    parse_day,
    print_json,
    reported,
)
from liaison.operations import services as operations
from liaison.operations.model import Metric

__all__ = ["app", "target_app"]

target_app = typer.Typer(help="Operation targets and their progress.", no_args_is_help=True)
# merged into ``liaison operations``: the group ``target`` and the list ``targets``
app = typer.Typer()
app.add_typer(target_app, name="target")


@target_app.command("set")
def target_set(
    target_id: str,
    metric: Annotated[Metric, typer.Option()],
    jurisdiction: Annotated[
        list[str], typer.Option("--in", metavar="FIPS", help="a state, county or city")
    ],
    start: Day,
    end: Day,
    baseline_start: Day,
    baseline_end: Day,
    goal: Annotated[float, typer.Option(help="percent over the baseline per day, e.g. 35")],
    title: Annotated[str, typer.Option()] = "",
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Set a target: --goal percent over the baseline's count per day."""
    with reported():
        c = wire(data_dir)
        made = operations.set_target(
            uow=c.uow(),
            target_id=target_id,
            metric=metric,
            jurisdictions=jurisdiction,
            start=start,
            end=end,
            baseline_start=baseline_start,
            baseline_end=baseline_end,
            goal_percent=goal,
            title=title,
            actor=actor,
            at=c.clock(),
        )
    out.print(
        f"target {escape(made.target_id)}: {made.metric.value} {made.goal_percent:+g} % in "
        f"{', '.join(made.jurisdictions)}, {made.start.isoformat()} to {made.end.isoformat()} "
        f"against {made.baseline_start.isoformat()} to {made.baseline_end.isoformat()}"
    )


@target_app.command("progress")
def target_progress(
    target_id: str,
    as_of: Annotated[
        date | None, typer.Option(parser=parse_day, metavar="YYYY-MM-DD", help="default: today")
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """A target's progress, counted from case data."""
    with reported():
        c = wire(data_dir, create=False)
        p = operations.target_progress(
            uow=c.uow(), target_id=target_id, as_of=as_of or c.clock().date()
        )
    if as_json:
        from liaison.entrypoints.api.operations_schemas import TargetProgressOut

        print_json(TargetProgressOut.of(p).model_dump(mode="json"))
        return
    change = "" if p.change_percent is None else f", {p.change_percent:+.1f} % a day"
    projected = "" if p.projected is None else f", projected {p.projected:,.1f}"
    out.print(
        f"target {escape(p.target.target_id)} as of {p.as_of.isoformat()}: {p.status.value}: "
        f"{p.current:,} {p.target.metric.value} in {p.elapsed_days} of {p.window_days} days "
        f"(expected {p.expected_to_date:,.1f}, goal {p.goal:,.1f}{projected}); baseline "
        f"{p.baseline:,}{change}"
    )


@app.command("targets")
def targets(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Every operation target, by id."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.list_targets(uow=c.uow())
    if as_json:
        from liaison.entrypoints.api.operations_schemas import TargetOut

        print_json([TargetOut.of(t).model_dump(mode="json") for t in found])
        return
    table = Table(
        Column("target", no_wrap=True),
        Column("metric", overflow="fold"),
        "goal",
        "in",
        "window",
        "baseline",
    )
    for t in found:
        table.add_row(
            escape(t.target_id),
            t.metric.value,
            f"{t.goal_percent:+g} %",
            ", ".join(t.jurisdictions),
            f"{t.start.isoformat()} to {t.end.isoformat()}",
            f"{t.baseline_start.isoformat()} to {t.baseline_end.isoformat()}",
        )
    show(table)
    out.print(f"{len(found)} target(s)")
