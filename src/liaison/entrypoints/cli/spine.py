"""Commands of the booking spine: server, worker, database, users, audit, bookings, detainers."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.adapters.store import migrate
from liaison.audit import services as audit
from liaison.bookings import services as bookings
from liaison.detainers import services as detainers
from liaison.entrypoints.cli.common import DataDir, err, out, reported, wire

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
    out.print(f"worker on {container.settings.store_url}: waiting for jobs")
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
        migrate.upgrade(cfg.store_url, revision)
    out.print(f"schema at {revision} on {cfg.store_url}")


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
        accounts.add_user(
            uow=c.uow(),
            username=username,
            password=password,
            roles=role,
            ori=ori,
            actor="cli",
            at=c.clock(),
        )
    out.print(f"added {username} ({', '.join(role)})")


@users_app.command("key")
def users_key(
    ori: str, label: Annotated[str, typer.Option()] = "", data_dir: DataDir = None
) -> None:
    """Issue an API key for a jail system; it is shown once."""
    with reported():
        c = wire(data_dir)
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
        err.print(f"[red]entry {b.seq}: {b.problem}[/]")
    raise typer.Exit(1)


@bookings_app.command("submit")
def bookings_submit(
    file: Annotated[Path, typer.Argument(help="a booking as JSON (the API's body)")],
    data_dir: DataDir = None,
    wait: Annotated[bool, typer.Option(help="identify now and print the response")] = True,
) -> None:
    """Submit a booking from a file, as a jail would."""
    from liaison.entrypoints.api.schemas import BookingIn, ResponseOut
    from liaison.entrypoints.worker import Worker

    with reported():
        try:
            body = BookingIn.model_validate_json(file.read_bytes())
        except ValueError as exc:
            err.print(f"[red]{file}: {exc}[/]")
            raise typer.Exit(2) from exc
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
            while Worker(c).run_once():
                pass
        booking = bookings.get_booking(
            uow=c.uow(),
            booking_id=booking_id,
            actor="cli",
            purpose="booking response",
            at=c.clock(),
        )
    out.print_json(json.dumps(ResponseOut.of(booking).model_dump()))


@detainers_app.command("list")
def detainers_list(
    data_dir: DataDir = None,
    state: Annotated[str | None, typer.Option()] = None,
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
            state=state,
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
