"""Detention capacity: ``liaison operations facility add|occupancy``, every facility
(``facilities``), custody events, transfers into custody, and the pooled projection."""

from __future__ import annotations

from datetime import date, datetime
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
    parse_instant,
    print_json,
    reported,
)
from liaison.operations import services as operations
from liaison.operations.model import CustodyEventKind

__all__ = ["app", "facility_app"]

facility_app = typer.Typer(help="Detention facilities.", no_args_is_help=True)
# merged into ``liaison operations``: the group ``facility``, and ``facilities``, ``custody``,
# ``transfers`` and ``capacity``
app = typer.Typer()
app.add_typer(facility_app, name="facility")


@facility_app.command("add")
def facility_add(
    facility_id: str,
    name: Annotated[str, typer.Option()],
    jurisdiction: Annotated[
        str, typer.Option("--in", metavar="FIPS", help="the county or city where it stands")
    ],
    beds: Annotated[int, typer.Option()],
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Add a detention facility."""
    with reported():
        c = wire(data_dir)
        made = operations.add_facility(
            uow=c.uow(),
            facility_id=facility_id,
            name=name,
            jurisdiction_fips=jurisdiction,
            beds=beds,
            actor=actor,
            at=c.clock(),
        )
    out.print(
        f"facility {escape(made.facility_id)}: {escape(made.name)} in "
        f"{made.jurisdiction_fips}, {made.beds:,} beds"
    )


@facility_app.command("occupancy")
def facility_occupancy(
    facility_id: str,
    first: Annotated[date, typer.Option("--from", parser=parse_day, metavar="YYYY-MM-DD")],
    last: Annotated[date, typer.Option("--to", parser=parse_day, metavar="YYYY-MM-DD")],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """A facility's people in custody at the end of each day."""
    with reported():
        c = wire(data_dir, create=False)
        days = operations.facility_occupancy(
            uow=c.uow(), facility_id=facility_id, first=first, last=last
        )
    if as_json:
        from liaison.entrypoints.api.operations_schemas import OccupancyOut

        print_json([OccupancyOut.of(d).model_dump(mode="json") for d in days])
        return
    table = Table("day", "intakes", "releases", "occupancy")
    for d in days:
        table.add_row(d.day.isoformat(), str(d.intakes), str(d.releases), f"{d.occupancy:,}")
    show(table)


@app.command("facilities")
def facilities(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Every detention facility, by id."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.list_facilities(uow=c.uow())
    if as_json:
        from liaison.entrypoints.api.operations_schemas import FacilityOut

        print_json([FacilityOut.of(f).model_dump(mode="json") for f in found])
        return
    table = Table(Column("facility", no_wrap=True), "name", "in", "beds")
    for f in found:
        table.add_row(escape(f.facility_id), escape(f.name), f.jurisdiction_fips, f"{f.beds:,}")
    show(table)
    out.print(f"{len(found)} facility(ies), {sum(f.beds for f in found):,} beds")


@app.command("custody")
def custody(
    facility_id: str,
    kind: Annotated[CustodyEventKind, typer.Argument(help="intake, release or census")],
    on: Day,
    people: Annotated[int, typer.Option(help="for a census, the head count")] = 1,
    reference: Annotated[str, typer.Option(help='e.g. "detainer:D-123"')] = "",
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Record an intake, a release or an end-of-day census at a facility."""
    with reported():
        c = wire(data_dir)
        event = operations.record_custody_event(
            uow=c.uow(),
            facility_id=facility_id,
            kind=kind,
            on=on,
            people=people,
            reference=reference,
            actor=actor,
            at=c.clock(),
        )
    out.print(
        f"facility {escape(event.facility_id)}: {event.kind.value} of {event.people} on "
        f"{event.on.isoformat()}"
    )


@app.command("transfers")
def transfers(
    since: Annotated[
        datetime | None,
        typer.Option(parser=parse_instant, metavar="DATE-TIME", help="only transfers from then on"),
    ] = None,
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Record an intake for each detainer transferred into custody whose intake is not
    recorded yet (safe to run again)."""
    with reported():
        c = wire(data_dir)
        done = operations.record_transfers(uow=c.uow(), actor=actor, at=c.clock(), since=since)
    out.print(
        f"{done.recorded:,} intake(s) recorded, {done.already_recorded:,} recorded before, "
        f"{len(done.unrouted):,} with no facility to route to"
    )
    for detainer_id in done.unrouted:
        out.print(f"  unrouted: detainer {escape(detainer_id)}")


@app.command("capacity")
def capacity(
    as_of: Day,
    facility: Annotated[
        list[str] | None, typer.Option("--facility", help="default: every facility")
    ] = None,
    lookback_days: Annotated[int, typer.Option(help="days the intake rate is the mean of")] = 30,
    horizon_days: Annotated[int, typer.Option(help="days ahead projected")] = 30,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The facilities, pooled: occupancy on --as-of, and where the recent intake takes them."""
    with reported():
        c = wire(data_dir, create=False)
        p = operations.capacity_projection(
            uow=c.uow(),
            as_of=as_of,
            facility_ids=facility or None,
            lookback_days=lookback_days,
            horizon_days=horizon_days,
        )
    if as_json:
        from liaison.entrypoints.api.operations_schemas import CapacityOut

        print_json(CapacityOut.of(p).model_dump(mode="json"))
        return
    full = "never, at this rate" if p.full_on is None else p.full_on.isoformat()
    out.print(
        f"{len(p.facilities)} facility(ies), {p.beds:,} beds: {p.occupancy:,} held on "
        f"{p.as_of.isoformat()}; net intake {p.net_daily_intake:+.2f} a day over "
        f"{p.lookback_days} days; full {full}; {p.projected_at_horizon:,.1f} projected on "
        f"{p.horizon.isoformat()} ({p.beds_short_at_horizon:,} beds short)"
    )
