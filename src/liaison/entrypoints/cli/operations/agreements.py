"""``liaison operations agreements``: the published 287(g) list's snapshots (import, counts,
changes) and agreements on record (record, terminate, in effect)."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from liaison.entrypoints.cli.common import DataDir, fail, out, show, wire
from liaison.entrypoints.cli.operations.shared import (
    Actor,
    AsJson,
    Day,
    parse_day,
    print_json,
    reported,
)
from liaison.jurisdictions import services as jurisdictions
from liaison.jurisdictions.agreements import SnapshotChange
from liaison.jurisdictions.model import Agreement287g, AgreementModel
from liaison.operations import services as operations
from liaison.operations.model import Agreement, DelegatedFunction

__all__ = ["agreements_app", "app"]

agreements_app = typer.Typer(
    help="287(g) agreements: the published list's snapshots, and agreements on record.",
    no_args_is_help=True,
)
# merged into ``liaison operations``: the one group ``liaison operations agreements``
app = typer.Typer()
app.add_typer(agreements_app, name="agreements")


@agreements_app.command("import")
def agreements_import(
    file: Annotated[Path, typer.Argument(help="the published list as CSV")],
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Import every snapshot of the published list not stored yet (safe to run again)."""
    with reported():
        c = wire(data_dir)
        try:
            added = jurisdictions.import_287g(uow=c.uow(), path=file, actor=actor, at=c.clock())
        except OSError as exc:
            raise fail(f"{file}: {exc.strerror or exc}") from exc
        counts = operations.agreement_counts(uow=c.uow())
    snapshots = len({label for label, _ in counts})
    out.print(
        f"{added:,} agreement rows added from {escape(file.name)}; "
        f"{snapshots} snapshot(s) stored, {sum(counts.values()):,} rows in all"
    )


@agreements_app.command("counts")
def agreements_counts(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Agreements per model in each stored snapshot of the published list."""
    with reported():
        c = wire(data_dir, create=False)
        counts = operations.agreement_counts(uow=c.uow())
    if as_json:
        print_json(
            [{"snapshot": s, "model": m.value, "agreements": n} for (s, m), n in counts.items()]
        )
        return
    models = list(AgreementModel)
    table = Table("snapshot", *(m.value for m in models), "total")
    table.columns[0].no_wrap = True  # a label ("2025-05-16 am") is pasted into --from/--to
    for label in sorted({s for s, _ in counts}):
        row = [counts.get((label, m), 0) for m in models]
        table.add_row(label, *(f"{n:,}" for n in row), f"{sum(row):,}")
    show(table)


def _agency(a: Agreement287g) -> str:
    return f"{a.state} {escape(a.agency_name)} ({a.model.value})"


@agreements_app.command("changes")
def agreements_changes(
    earlier: Annotated[str | None, typer.Option("--from", help="a snapshot label")] = None,
    later: Annotated[str | None, typer.Option("--to", help="a later snapshot label")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Agreements new and ended between two snapshots; by default each snapshot against the
    one before it, summarized."""
    if (earlier is None) != (later is None):
        raise fail("give both --from and --to, or neither")
    with reported():
        c = wire(data_dir, create=False)
        if earlier is not None and later is not None:
            pairs = [(earlier, later)]
        else:
            labels = sorted({s for s, _ in operations.agreement_counts(uow=c.uow())})
            pairs = list(pairwise(labels))
        changes = [operations.agreement_changes(uow=c.uow(), earlier=a, later=b) for a, b in pairs]
    if as_json:
        from liaison.entrypoints.api.operations_schemas import SnapshotChangeOut

        print_json([SnapshotChangeOut.of(change).model_dump(mode="json") for change in changes])
        return
    if earlier is not None:
        _show_change(changes[0])
        return
    table = Table("from", "to", "new", "ended")
    for change in changes:
        table.add_row(change.earlier, change.later, str(len(change.added)), str(len(change.ended)))
    show(table)


def _show_change(change: SnapshotChange) -> None:
    out.print(
        f"{change.earlier} -> {change.later}: {len(change.added)} new, {len(change.ended)} ended"
    )
    for a in change.added:
        out.print(f"  + {_agency(a)}")
    for a in change.ended:
        out.print(f"  - {_agency(a)}")


def _recorded(a: Agreement) -> str:
    dates = ", ".join(
        f"{what} {day.isoformat()}"
        for what, day in (
            ("signed", a.signed_on),
            ("expires", a.expires_on),
            ("terminated", a.terminated_on),
        )
        if day is not None
    )
    return (
        f"agreement {escape(a.agreement_id)}: {a.state} {escape(a.agency_name)} "
        f"({a.model.value})" + (f", {dates}" if dates else "")
    )


@agreements_app.command("record")
def agreements_record(
    agreement_id: str,
    agency: Annotated[str, typer.Option(help="the agency's name")],
    state: Annotated[str, typer.Option(help="its state (USPS code, FIPS or name)")],
    model: Annotated[AgreementModel, typer.Option()],
    signed_on: Annotated[date | None, typer.Option(parser=parse_day, metavar="YYYY-MM-DD")] = None,
    expires_on: Annotated[
        date | None, typer.Option(parser=parse_day, metavar="YYYY-MM-DD", help="the last day")
    ] = None,
    trained_officers: Annotated[int | None, typer.Option()] = None,
    function: Annotated[
        list[DelegatedFunction] | None, typer.Option("--function", help="a delegated function")
    ] = None,
    ori: Annotated[str, typer.Option()] = "",
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Record a 287(g) agreement with what the published list lacks."""
    with reported():
        c = wire(data_dir)
        stored = operations.record_agreement(
            uow=c.uow(),
            agreement=Agreement(
                agreement_id=agreement_id,
                agency_name=agency,
                state=state,
                model=model,
                signed_on=signed_on,
                expires_on=expires_on,
                trained_officers=trained_officers,
                delegated_functions=tuple(function or ()),
                ori=ori,
            ),
            actor=actor,
            at=c.clock(),
        )
    out.print(_recorded(stored))


@agreements_app.command("terminate")
def agreements_terminate(
    agreement_id: str,
    on: Annotated[
        date,
        typer.Option(parser=parse_day, metavar="YYYY-MM-DD", help="the first day not in effect"),
    ],
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Terminate a recorded agreement."""
    with reported():
        c = wire(data_dir)
        ended = operations.terminate_agreement(
            uow=c.uow(), agreement_id=agreement_id, on=on, actor=actor, at=c.clock()
        )
    out.print(_recorded(ended))


@agreements_app.command("in-effect")
def agreements_in_effect(
    on: Day,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The recorded agreements in effect on a day."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.agreements_in_effect(uow=c.uow(), on=on)
    if as_json:
        from liaison.entrypoints.api.operations_schemas import AgreementOut
        from liaison.operations.model import AgreementStatus

        print_json(
            [AgreementOut.of(a, AgreementStatus.IN_EFFECT).model_dump(mode="json") for a in found]
        )
        return
    for a in found:
        out.print(_recorded(a))
    out.print(f"{len(found)} agreement(s) in effect on {on.isoformat()}")
