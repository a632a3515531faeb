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
from liaison.adapters.store import migrate
from liaison.bookings import services as bookings
from liaison.bookings.model import Booking, BookingState
from liaison.detainers import services as detainers
from liaison.detainers.model import DetainerState
from liaison.entrypoints.cli.audit import audit_app
from liaison.entrypoints.cli.common import (
    DataDir,
    Json,
    err,
    fail,
    out,
    reported,
    show,
    shown_url,
    wire,
)
from liaison.entrypoints.cli.users import users_app
from liaison.private_files import private_dir

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["audit_app", "bookings_app", "db_app", "detainers_app", "serve", "users_app", "worker"]

db_app = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)
bookings_app = typer.Typer(help="Submit bookings and read responses.", no_args_is_help=True)
detainers_app = typer.Typer(help="Detainers and their states.", no_args_is_help=True)


def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    worker: Annotated[
        bool, typer.Option(help="run the booking worker in this process (embedded default)")
    ] = True,
    access_log: Annotated[
        bool, typer.Option(help="log each request on stderr (method, path, status, duration)")
    ] = True,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs); prints its URL once listening, then an
    access log line per request on stderr."""
    import uvicorn
    from starlette.types import ASGIApp

    from liaison.entrypoints.api.app import create_app
    from liaison.entrypoints.cli.serving import AccessLog, Server, access_logger
    from liaison.entrypoints.worker import Worker

    with reported():
        container = wire(data_dir, with_engine=worker)
    stop = threading.Event()
    if worker:
        threading.Thread(target=Worker(container).run, args=(stop,), daemon=True).start()

    def listening(url: str) -> None:
        where = shown_url(container.settings.store_url)
        out.print(f"serving {url} (API docs at {url}/docs) on {where}", highlight=False)

    app: ASGIApp = create_app(container)
    if access_log:
        app = AccessLog(app, access_logger())
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    try:
        Server(config, listening).run()
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
    private_dir(cfg.data_dir)
    with reported():
        try:
            migrate.upgrade(cfg.store_url, revision)
        except CommandError as exc:  # Alembic's word for an unknown revision
            raise fail(f"revision {revision!r}: {exc}") from exc
    out.print(f"schema at {revision} on {shown_url(cfg.store_url)}")


@bookings_app.command("submit")
def bookings_submit(
    file: Annotated[
        Path, typer.Argument(help="a booking as JSON (the API's body), or with --an2 a transaction")
    ],
    data_dir: DataDir = None,
    wait: Annotated[bool, typer.Option(help="identify now and print the response")] = True,
    an2: Annotated[
        bool,
        typer.Option(
            "--an2",
            help="FILE is an ANSI/NIST-ITL transaction with fingerprint images (EBTS CAR/CNA)",
        ),
    ] = False,
    an2_out: Annotated[
        Path | None,
        typer.Option(help="write the response as an ANSI/NIST-ITL transaction (TOT SRE) here"),
    ] = None,
) -> None:
    """Submit a booking from a file, as a jail would."""
    from pydantic import ValidationError

    from liaison.bookings import transactions
    from liaison.entrypoints.api.schemas import BookingIn
    from liaison.entrypoints.worker import Worker

    with reported():
        try:
            data = file.read_bytes()
            body = None if an2 else BookingIn.model_validate_json(data)
        except OSError as exc:
            raise fail(f"{file}: {exc.strerror or exc}") from exc
        except ValidationError as exc:
            raise fail(f"{file}: {_problems(exc)}") from exc
        c = wire(data_dir, with_engine=wait)
        if body is None:
            sent = transactions.submit_transaction(
                uow=c.uow(), data=data, booking_id=c.new_id(), actor="cli", at=c.clock()
            )
            booking_id = sent.submitted.booking.booking_id
        else:
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
    _show_response(booking, an2_out)


@bookings_app.command("response")
def bookings_response(
    booking_id: Annotated[str, typer.Argument(help="the booking id submit printed")],
    data_dir: DataDir = None,
    an2_out: Annotated[
        Path | None,
        typer.Option(help="write the response as an ANSI/NIST-ITL transaction (TOT SRE) here"),
    ] = None,
) -> None:
    """Print a booking's response; with --an2-out, also write it as a transaction file."""
    with reported():
        c = wire(data_dir, create=False)
        booking = bookings.get_booking(
            uow=c.uow(),
            booking_id=booking_id,
            actor="cli",
            purpose="booking response",
            at=c.clock(),
        )
    _show_response(booking, an2_out)


def _show_response(booking: Booking, an2_out: Path | None) -> None:
    """Print the response as JSON; write its SRE transaction to ``an2_out`` when asked (exit 1
    when there is no response to write yet)."""
    from liaison.bookings import transactions
    from liaison.entrypoints.api.schemas import ResponseOut

    out.print_json(json.dumps(ResponseOut.of(booking).model_dump()))
    if an2_out is None:
        return
    if booking.response is None:
        raise fail(
            f"booking {booking.booking_id} has no response yet ({booking.state.value}): "
            f"fetch it later with: liaison bookings response {booking.booking_id} --an2-out FILE",
            code=1,
        )
    try:
        an2_out.write_bytes(transactions.response_transaction(booking, booking.response))
    except OSError as exc:
        raise fail(f"{an2_out}: {exc.strerror or exc}") from exc
    err.print(f"response transaction written to {escape(str(an2_out))}")


@bookings_app.command("build-an2")
def bookings_build_an2(
    out_file: Annotated[Path, typer.Argument(help="the transaction file to write (.an2)")],
    images: Annotated[
        list[Path],
        typer.Argument(help="1-10 fingerprint images (.tif .png .bmp .wsq), fingers 1, 2, ..."),
    ],
    tcn: Annotated[str, typer.Option(help="transaction control number (1.009)")],
    ori: Annotated[str, typer.Option(help="the booking agency's ORI (1.008)")],
    name: Annotated[str, typer.Option(help="LAST,FIRST (2.018)")],
    arrested: Annotated[str, typer.Option(help="date of arrest, YYYY-MM-DD (2.045)")],
    booking_number: Annotated[str, typer.Option(help="booking number (2.009)")] = "",
    charge: Annotated[
        list[str] | None,
        typer.Option(help='an NCIC code and literal, "1313 SIMPLE ASSAULT"; may repeat'),
    ] = None,
    sex: Annotated[str, typer.Option(help="M, F or X (2.024)")] = "X",
    ppi: Annotated[
        int | None, typer.Option(help="the images' ppi (default: what each file says, else 500)")
    ] = None,
) -> None:
    """Write an ANSI/NIST-ITL booking (EBTS CAR: Type-1, Type-2, WSQ Type-14 per finger) from
    image files, to try `bookings submit --an2` or POST /bookings/ansi-nist with."""
    from datetime import date

    from liaison.biometrics.extraction import load_image
    from liaison.synth.ansi_nist import Arrest, FingerPicture, ten_print_transaction

    if not 1 <= len(images) <= 10:
        raise fail(f"give 1-10 images (fingers 1-10 in order), not {len(images)}")
    family, comma, given = name.partition(",")
    if not comma or not family.strip():
        raise fail(f"--name {name!r}: expected LAST,FIRST")
    try:
        arrested_on = date.fromisoformat(arrested)
    except ValueError as exc:
        raise fail(f"--arrested {arrested!r}: expected YYYY-MM-DD") from exc
    with reported():
        pictures = {}
        for position, path in enumerate(images, start=1):
            try:
                pixels, found_ppi = load_image(path, ppi=ppi)
            except OSError as exc:
                raise fail(f"{path}: {exc.strerror or exc}") from exc
            pictures[position] = FingerPicture(pixels, found_ppi)
        arrest = Arrest(
            tcn=tcn,
            ori=ori,
            booking_number=booking_number or tcn,
            family_name=family.strip().upper(),
            given_name=given.strip().upper(),
            arrested_on=arrested_on,
            sex=sex.upper(),
            charges=tuple(charge or ("1313 SIMPLE ASSAULT",)),
        )
        try:
            data = ten_print_transaction(arrest, pictures)
        except ValueError as exc:
            raise fail(str(exc)) from exc
    try:
        out_file.write_bytes(data)
    except OSError as exc:
        raise fail(f"{out_file}: {exc.strerror or exc}") from exc
    out.print(f"{out_file}: {len(data):,} bytes, {len(pictures)} fingers")


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
    as_json: Json = False,
) -> None:
    """Detainers, newest first."""
    with reported():
        c = wire(data_dir, create=False)
        found = detainers.list_detainers(
            uow=c.uow(),
            actor="cli",
            purpose="detainer list",
            at=c.clock(),
            ori=ori,
            state=state.value if state else None,
            limit=limit,
        )
    if as_json:  # each row as GET /detainers answers it
        from liaison.entrypoints.api.schemas import DetainerOut

        out.print_json(json.dumps([DetainerOut.of(d).model_dump(mode="json") for d in found]))
        return
    table = Table("detainer", "ORI", "identity", "basis", "state", "issued", "hold until")
    for d in found:
        deadline = d.hold_deadline
        table.add_row(
            d.detainer_id,
            d.ori,
            str(d.identity_id),
            d.basis.value,
            d.state.value,
            d.issued_at.strftime("%Y-%m-%d %H:%M"),
            deadline.strftime("%Y-%m-%d %H:%M") if deadline else "",
        )
    show(table)
