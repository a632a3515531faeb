"""Commands of the booking spine: server, worker, database, users, audit, bookings, detainers."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from alembic.util import CommandError
from rich.markup import escape
from rich.table import Table

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.adapters.store import migrate
from liaison.audit import services as audit
from liaison.bookings import services as bookings
from liaison.bookings.model import BookingState
from liaison.detainers import services as detainers
from liaison.detainers.model import DetainerState
from liaison.entrypoints.cli.common import DataDir, err, fail, out, reported, shown_url, wire
from liaison.jurisdictions import services as jurisdictions

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["audit_app", "bookings_app", "db_app", "detainers_app", "serve", "users_app", "worker"]

db_app = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)
users_app = typer.Typer(help="People allowed in, and jail systems' API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
bookings_app = typer.Typer(help="Submit bookings and read responses.", no_args_is_help=True)
detainers_app = typer.Typer(help="Detainers and their states.", no_args_is_help=True)


def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    worker: Annotated[
        bool, typer.Option(help="run the booking worker in this process (embedded default)")
    ] = True,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from liaison.entrypoints.api.app import create_app
    from liaison.entrypoints.worker import Worker

    with reported():
        container = wire(data_dir, with_engine=worker)
    stop = threading.Event()
    if worker:
        threading.Thread(target=Worker(container).run, args=(stop,), daemon=True).start()
    try:
        uvicorn.run(create_app(container), host=host, port=port, log_level="warning")
    finally:
        stop.set()


def worker(data_dir: DataDir = None) -> None:
    """Run a booking worker: identification, responses and the 48-hour check."""
    from liaison.entrypoints.worker import Worker

    with reported():
        container = wire(data_dir, with_engine=True)
        container.search()  # load the engine before taking jobs
    out.print(f"worker on {shown_url(container.settings.store_url)}: waiting for jobs")
    stop = threading.Event()
    try:
        Worker(container).run(stop)
    except KeyboardInterrupt:
        stop.set()


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, revision: Annotated[str, typer.Option()] = "head") -> None:
    """Bring the database schema up to date (safe to run again)."""
    cfg = bootstrap.settings(data_dir)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    with reported():
        try:
            migrate.upgrade(cfg.store_url, revision)
        except CommandError as exc:  # Alembic's word for an unknown revision
            raise fail(f"revision {revision!r}: {exc}") from exc
    out.print(f"schema at {revision} on {shown_url(cfg.store_url)}")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[list[str], typer.Option("--role", help="repeat for several roles")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    ori: Annotated[str | None, typer.Option(help="the agency of a booking officer")] = None,
    data_dir: DataDir = None,
) -> None:
    """Add a person with their roles."""
    with reported():
        c = wire(data_dir)
        if ori is not None:
            jurisdictions.agency(uow=c.uow(), ori=ori)  # UnknownAgency unless registered
        accounts.add_user(
            uow=c.uow(),
            username=username,
            password=password,
            roles=role,
            ori=ori,
            actor="cli",
            at=c.clock(),
        )
    out.print(escape(f"added {username} ({', '.join(role)})"))


@users_app.command("key")
def users_key(
    ori: str, label: Annotated[str, typer.Option()] = "", data_dir: DataDir = None
) -> None:
    """Issue an API key for a jail system; it is shown once."""
    with reported():
        c = wire(data_dir)
        jurisdictions.agency(uow=c.uow(), ori=ori)  # a key only for a registered agency
        key = accounts.issue_api_key(uow=c.uow(), ori=ori, label=label, actor="cli", at=c.clock())
    out.print(key)


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None) -> None:
    """Re-hash the whole trail; exit 1 and say where when anything was edited or deleted."""
    with reported():
        c = wire(data_dir)
        report = audit.verify_trail(uow=c.uow())
    if report.ok:
        out.print(f"[green]audit trail intact[/]: {report.entries_checked} entries")
        return
    for b in report.breaks:
        err.print(f"[red]entry {b.seq}: {escape(b.problem)}[/]")
    first = report.breaks[0].seq
    raise fail(
        f"audit trail broken: {len(report.breaks)} problem(s) in {report.entries_checked} "
        f"entries, the first at entry {first}",
        code=1,
    )


@bookings_app.command("submit")
def bookings_submit(
    file: Annotated[Path, typer.Argument(help="a booking as JSON (the API's body)")],
    data_dir: DataDir = None,
    wait: Annotated[bool, typer.Option(help="identify now and print the response")] = True,
) -> None:
    """Submit a booking from a file, as a jail would."""
    from pydantic import ValidationError

    from liaison.entrypoints.api.schemas import BookingIn, ResponseOut
    from liaison.entrypoints.worker import Worker

    with reported():
        try:
            body = BookingIn.model_validate_json(file.read_bytes())
        except OSError as exc:
            raise fail(f"{file}: {exc.strerror or exc}") from exc
        except ValidationError as exc:
            raise fail(f"{file}: {_problems(exc)}") from exc
        c = wire(data_dir, with_engine=wait)
        done = bookings.submit_booking(
            uow=c.uow(),
            submission=body.to_domain(),
            booking_id=c.new_id(),
            actor="cli",
            at=c.clock(),
        )
        booking_id = done.booking.booking_id
        if wait:
            runner = Worker(c)
            while runner.run_once():
                pass
        booking = bookings.get_booking(
            uow=c.uow(),
            booking_id=booking_id,
            actor="cli",
            purpose="booking response",
            at=c.clock(),
        )
    if wait and booking.state is BookingState.RECEIVED:
        err.print("[yellow]not identified yet: a worker will retry the search[/]")
    out.print_json(json.dumps(ResponseOut.of(booking).model_dump()))


def _problems(exc: ValidationError) -> str:
    """A validation error's problems on one line: ``field.path: message; ...``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else e["msg"]
        for e in exc.errors(include_url=False)
    )


@detainers_app.command("list")
def detainers_list(
    data_dir: DataDir = None,
    state: Annotated[DetainerState | None, typer.Option()] = None,
    ori: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option()] = 100,
) -> None:
    """Detainers, newest first."""
    with reported():
        c = wire(data_dir)
        found = detainers.list_detainers(
            uow=c.uow(),
            actor="cli",
            purpose="detainer list",
            at=c.clock(),
            ori=ori,
            state=state.value if state else None,
            limit=limit,
        )
    table = Table("detainer", "ORI", "identity", "basis", "state", "issued", "hold until")
    for d in found:
        deadline = d.hold_deadline
        table.add_row(
            d.detainer_id[:12],
            d.ori,
            str(d.identity_id),
            d.basis.value,
            d.state.value,
            d.issued_at.strftime("%Y-%m-%d %H:%M"),
            deadline.strftime("%Y-%m-%d %H:%M") if deadline else "",
        )
    out.print(table)
