"""Deployments: deploy a unit, read one deployment or all of them (or those in place on a
day), overlaps of one unit, and headcount in place."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from liaison.entrypoints.cli.common import DataDir, fail, out, show, wire
from liaison.entrypoints.cli.operations.shared import (
    Actor,
    AsJson,
    Day,
    parse_day,
    print_json,
    reported,
)
from liaison.operations import services as operations
from liaison.operations.model import Deployment

__all__ = ["app"]

# merged into ``liaison operations``: ``liaison operations deploy``, ...
app = typer.Typer()


def _destinations(given: list[str]) -> dict[str, int]:
    """``FIPS=HEADCOUNT`` options as a mapping; a malformed or repeated one fails."""
    found: dict[str, int] = {}
    for text in given:
        fips, sign, count = text.partition("=")
        fips = fips.strip()
        try:
            headcount = int(count)
        except ValueError:
            raise fail(f"--to {text!r}: expected FIPS=HEADCOUNT, e.g. 48479=20") from None
        if not sign or not fips:
            raise fail(f"--to {text!r}: expected FIPS=HEADCOUNT, e.g. 48479=20")
        if fips in found:
            raise fail(f"--to {fips}: the destination is given twice")
        found[fips] = headcount
    return found


def _places(d: Deployment) -> str:
    return ", ".join(f"{p.jurisdiction_fips}: {p.headcount}" for p in d.destinations)


def _deployed(d: Deployment) -> str:
    return (
        f"deployment {escape(d.deployment_id)}: {escape(d.agency)} {escape(d.unit)}, "
        f"{d.headcount} people, {d.start.isoformat()} to {d.end.isoformat()} ({_places(d)})"
    )


@app.command("deploy")
def deploy(
    deployment_id: str,
    agency: Annotated[str, typer.Option(help='the source agency, e.g. "CBP"')],
    unit: Annotated[str, typer.Option(help='the unit sent, e.g. "BORTAC"')],
    to: Annotated[
        list[str],
        typer.Option("--to", metavar="FIPS=HEADCOUNT", help="a county or city and who goes"),
    ],
    start: Day,
    end: Annotated[date, typer.Option(parser=parse_day, metavar="YYYY-MM-DD", help="the last day")],
    mission: Annotated[str, typer.Option()] = "",
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Record a deployment; refused when the unit is deployed on one of its days already."""
    destinations = _destinations(to)
    with reported():
        c = wire(data_dir)
        made = operations.deploy(
            uow=c.uow(),
            deployment_id=deployment_id,
            agency=agency,
            unit=unit,
            destinations=destinations,
            start=start,
            end=end,
            mission=mission,
            actor=actor,
            at=c.clock(),
        )
    out.print(_deployed(made))


@app.command("deployment")
def deployment(deployment_id: str, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """One deployment."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.get_deployment(uow=c.uow(), deployment_id=deployment_id)
    if as_json:
        from liaison.entrypoints.api.operations_schemas import DeploymentOut

        print_json(DeploymentOut.of(found).model_dump(mode="json"))
        return
    out.print(_deployed(found))


@app.command("deployments")
def deployments(
    on: Annotated[
        date | None,
        typer.Option(parser=parse_day, metavar="YYYY-MM-DD", help="only those in place that day"),
    ] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Every deployment, or those in place on a day, by start."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.list_deployments(uow=c.uow(), on=on)
    if as_json:
        from liaison.entrypoints.api.operations_schemas import DeploymentOut

        print_json([DeploymentOut.of(d).model_dump(mode="json") for d in found])
        return
    table = Table(
        Column("deployment", no_wrap=True), "unit", "people", "from", "to", "destinations"
    )
    for d in found:
        table.add_row(
            escape(d.deployment_id),
            escape(f"{d.agency} {d.unit}"),
            f"{d.headcount:,}",
            d.start.isoformat(),
            d.end.isoformat(),
            _places(d),
        )
    show(table)
    out.print(f"{len(found)} deployment(s)" + (f" in place on {on.isoformat()}" if on else ""))


@app.command("overlaps")
def overlaps(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Deployments of one unit that share days (none, when all went through deploy)."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.deployment_overlaps(uow=c.uow())
    if as_json:
        from liaison.entrypoints.api.operations_schemas import OverlapOut

        print_json([OverlapOut.of(o).model_dump(mode="json") for o in found])
        return
    table = Table("unit", "deployment", "and", "shared days")
    for o in found:
        table.add_row(
            escape(f"{o.first.agency} {o.first.unit}"),
            escape(o.first.deployment_id),
            escape(o.second.deployment_id),
            f"{o.start.isoformat()} to {o.end.isoformat()}",
        )
    show(table)
    out.print(f"{len(found)} overlap(s)")


@app.command("headcount")
def headcount(
    on: Day,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Deployed personnel in place on a day, by destination."""
    with reported():
        c = wire(data_dir, create=False)
        places = operations.headcount_in_place(uow=c.uow(), on=on)
    total = sum(places.values())
    if as_json:
        print_json({"on": on.isoformat(), "total": total, "places": places})
        return
    table = Table("destination", "headcount")
    for fips, n in places.items():
        table.add_row(fips, f"{n:,}")
    show(table)
    out.print(f"{total:,} in place on {on.isoformat()}")
