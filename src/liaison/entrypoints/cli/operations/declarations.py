"""Declarations: declare, extend, ask states for assistance, record their answers, and read
one declaration, those in force on a day, or all of them."""

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
    InstantOrNow,
    parse_day,
    parse_instant,
    print_json,
    reported,
    state_list,
    when,
)
from liaison.jurisdictions.fips import postal
from liaison.operations import services as operations
from liaison.operations.declarations import answer_status
from liaison.operations.model import AnswerStatus, AssistanceAnswer, Declaration, DeclarationKind

__all__ = ["app"]

# merged into ``liaison operations``: ``liaison operations declare``, ...
app = typer.Typer()


def _declared(d: Declaration) -> str:
    return (
        f"declaration {escape(d.declaration_id)} ({d.kind.value}): in force "
        f"{when(d.effective_at)} to {when(d.expires_at)} in {state_list(d.states)}"
    )


@app.command("declare")
def declare(
    declaration_id: Annotated[str, typer.Argument(help="the declaration's id")],
    authority: Annotated[str, typer.Option(help="the legal authority cited")],
    state: Annotated[
        list[str], typer.Option("--state", help="a state in scope (FIPS, USPS code or name)")
    ],
    kind: Annotated[DeclarationKind, typer.Option()] = DeclarationKind.MASS_INFLUX,
    issued_at: InstantOrNow = None,
    effective_at: Annotated[
        datetime | None,
        typer.Option(parser=parse_instant, metavar="DATE-TIME", help="default: when issued"),
    ] = None,
    title: Annotated[str, typer.Option()] = "",
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Record a declaration: in force from --effective-at for 60 x 24 hours unless extended."""
    with reported():
        c = wire(data_dir)
        now = c.clock()
        made = operations.declare(
            uow=c.uow(),
            declaration_id=declaration_id,
            kind=kind,
            authority=authority,
            issued_at=issued_at or now,
            effective_at=effective_at or issued_at or now,
            states=state,
            title=title,
            actor=actor,
            at=now,
        )
    out.print(_declared(made))


@app.command("extend")
def extend(
    declaration_id: str,
    by: Annotated[str, typer.Option("--by", help="who extended it")],
    authority: Annotated[str, typer.Option(help="the legal authority cited")],
    days: Annotated[int | None, typer.Option(help="days (24 h each) added to the expiry")] = None,
    new_expiry: Annotated[
        datetime | None,
        typer.Option(parser=parse_instant, metavar="DATE-TIME", help="or the new expiry itself"),
    ] = None,
    extended_at: InstantOrNow = None,
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Extend a declaration in force, by --days or to --new-expiry."""
    with reported():
        c = wire(data_dir)
        now = c.clock()
        extended = operations.extend_declaration(
            uow=c.uow(),
            declaration_id=declaration_id,
            extended_at=extended_at or now,
            extended_by=by,
            authority=authority,
            days=days,
            new_expiry=new_expiry,
            actor=actor,
            at=now,
        )
    out.print(_declared(extended))


@app.command("request-assistance")
def request_assistance(
    declaration_id: str,
    request: Annotated[str, typer.Option(help='what is asked for, e.g. "detention space"')],
    state: Annotated[
        list[str] | None, typer.Option("--state", help="a state asked (default: all in scope)")
    ] = None,
    requested_at: InstantOrNow = None,
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Ask states for assistance under a declaration in force (once each)."""
    with reported():
        c = wire(data_dir)
        now = c.clock()
        asked = operations.request_assistance(
            uow=c.uow(),
            declaration_id=declaration_id,
            requested_at=requested_at or now,
            request=request,
            states=state or None,
            actor=actor,
            at=now,
        )
    waiting = sorted(
        s for s, status in answer_status(asked).items() if status is AnswerStatus.NO_ANSWER
    )
    out.print(
        f"declaration {escape(asked.declaration_id)}: {len(asked.requests)} state(s) asked; "
        f"awaiting an answer from {state_list(waiting) or 'none'}"
    )


@app.command("answer")
def answer(
    declaration_id: str,
    state: Annotated[str, typer.Argument(help="the state answering (FIPS, USPS code or name)")],
    given: Annotated[AssistanceAnswer, typer.Argument(metavar="ANSWER")],
    on: Annotated[date, typer.Option(parser=parse_day, metavar="YYYY-MM-DD", help="its date")],
    data_dir: DataDir = None,
    actor: Actor = "cli",
) -> None:
    """Record a state's answer to a request for assistance, dated as the state dated it."""
    with reported():
        c = wire(data_dir)
        answered = operations.record_answer(
            uow=c.uow(),
            declaration_id=declaration_id,
            state=state,
            answer=given,
            answered_on=on,
            actor=actor,
            at=c.clock(),
        )
    status = answer_status(answered)
    out.print(
        f"declaration {escape(answered.declaration_id)}: "
        + ", ".join(f"{postal(s)} {v.value}" for s, v in status.items())
    )


@app.command("declaration")
def declaration(declaration_id: str, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """One declaration: its term, extensions, and where each state stands on assistance."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.get_declaration(uow=c.uow(), declaration_id=declaration_id)
    if as_json:
        from liaison.entrypoints.api.operations_schemas import DeclarationOut

        print_json(DeclarationOut.of(found).model_dump(mode="json"))
        return
    out.print(_declared(found))
    out.print(f"  {escape(found.authority)}" + (f": {escape(found.title)}" if found.title else ""))
    for e in found.extensions:
        out.print(
            f"  extended {when(e.extended_at)} by {escape(e.extended_by)} to {when(e.expires_at)}"
        )
    asked = {r.state_fips: r for r in found.requests}
    answers = {a.state_fips: a for a in found.answers}  # the last answer counts
    table = Table("state", "assistance", "asked", "answered on")
    for code, status in answer_status(found).items():
        request = asked.get(code)
        given = answers.get(code)
        table.add_row(
            f"{postal(code)} ({code})",
            status.value,
            when(request.requested_at) if request else "",
            given.answered_on.isoformat() if given else "",
        )
    show(table)


@app.command("declarations")
def declarations(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Every declaration recorded, in force or not, by when it took effect."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.list_declarations(uow=c.uow())
    if as_json:
        from liaison.entrypoints.api.operations_schemas import DeclarationOut

        print_json([DeclarationOut.of(d).model_dump(mode="json") for d in found])
        return
    # ids whole (they are what ``declaration ID`` takes); the expiry as extended
    table = Table(
        Column("declaration", no_wrap=True),
        Column("kind", overflow="fold"),
        "effective",
        "expires",
        "in scope",
    )
    for d in found:
        table.add_row(
            escape(d.declaration_id),
            d.kind.value,
            when(d.effective_at),
            when(d.expires_at),
            state_list(d.states),
        )
    show(table)
    out.print(f"{len(found)} declaration(s)")


@app.command("in-force")
def in_force(
    on: Annotated[date, typer.Option(parser=parse_day, metavar="YYYY-MM-DD", help="a local day")],
    state: Annotated[str | None, typer.Option(help="only in this state")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """The declarations in force on a local day somewhere in their scope."""
    with reported():
        c = wire(data_dir, create=False)
        found = operations.declarations_in_force(uow=c.uow(), on=on, state=state)
    if as_json:
        from liaison.entrypoints.api.operations_schemas import DeclarationInForceOut

        print_json([DeclarationInForceOut.of(d).model_dump(mode="json") for d in found])
        return
    table = Table("declaration", "kind", "effective", "expires", "in force in")
    for d in found:
        table.add_row(
            escape(d.declaration.declaration_id),
            d.declaration.kind.value,
            when(d.declaration.effective_at),
            when(d.declaration.expires_at),
            state_list(d.states),
        )
    show(table)
    out.print(f"{len(found)} declaration(s) in force on {on.isoformat()}")
