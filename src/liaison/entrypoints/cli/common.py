"""What every command shares: the data directory option, wiring, and how errors are shown."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from liaison import bootstrap
from liaison.errors import LiaisonError
from liaison.settings import Settings

__all__ = [
    "Bars",
    "DataDir",
    "Json",
    "err",
    "fail",
    "one_line",
    "out",
    "reported",
    "show",
    "shown_url",
    "wire",
]

# soft_wrap: a long line stays one line (scripts and tests read errors line by line)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True, highlight=False)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="the data directory (default: $LIAISON_DATA_DIR or ./data)"),
]
Json = Annotated[bool, typer.Option("--json", help="print the rows as JSON instead of a table")]


def wire(
    data_dir: Path | None, *, with_engine: bool = False, create: bool = True
) -> bootstrap.Container:
    """The wiring of the data directory's store (its schema brought up to date).

    With ``create`` (commands that write), a missing data directory and store are made. A read
    passes ``create=False``: it refuses with one red line and exit 2 where the data directory
    or its store does not exist, rather than make an empty store and read nothing from it.
    """
    cfg = bootstrap.settings(data_dir)
    if not create:
        _existing_store(cfg)
    return bootstrap.container(cfg, with_engine=with_engine)


def _existing_store(cfg: Settings) -> None:
    """Refuse (exit 2) unless ``cfg``'s data directory and store both exist."""
    hint = "give --data-dir or LIAISON_DATA_DIR of an existing one; a read never creates one"
    if not cfg.data_dir.is_dir():
        raise fail(f"no data directory at {cfg.data_dir}: nothing to read ({hint})")
    url = make_url(cfg.store_url)
    if url.get_backend_name() == "sqlite":
        if not Path(url.database or "").is_file():
            raise fail(f"no store at {shown_url(cfg.store_url)}: nothing to read ({hint})")
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            schema = inspect(conn).has_table("alembic_version")
    except SQLAlchemyError as exc:
        raise fail(f"cannot reach the store at {shown_url(cfg.store_url)}: {exc}") from exc
    finally:
        engine.dispose()
    if not schema:
        raise fail(
            f"no Liaison schema at {shown_url(cfg.store_url)}: nothing to read "
            "(`liaison db upgrade` creates it)"
        )


def show(table: Table) -> None:
    """Print ``table`` with every one-word cell whole, never cut short ("3a4ed1c6…"), so an id
    in a table can always be pasted into the next command: columns of one-word cells (ids,
    ORIs, counts) do not wrap, and the table is printed at least as wide as they need (a
    terminal too narrow for that wraps the lines instead). Cells of several words wrap."""
    for column in table.columns:
        cells = [str(cell) for cell in column.cells]
        if column.no_wrap or (cells and not any(len(cell.split()) > 1 for cell in cells)):
            column.no_wrap = True  # and wide enough for its longest cell: never "…"
            column.min_width = max([len(str(column.header)), *(len(cell) for cell in cells)])
    width = out.width
    needed = Measurement.get(out, out.options.update_width(1_000_000), table).minimum
    out.width = max(width, needed)  # print's own ``width`` may only narrow the console
    try:
        out.print(table)
    finally:
        out.width = width


def shown_url(url: str) -> str:
    """A database URL fit to print: any password masked."""
    return make_url(url).render_as_string(hide_password=True)


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, as one space."""
    return " ".join(text.split())


def fail(message: str, *, code: int = 2) -> typer.Exit:
    """Print ``message`` as one red line on stderr; the ``Exit`` for the caller to raise."""
    err.print(f"[red]{escape(one_line(message))}[/]")
    return typer.Exit(code)


@contextmanager
def reported() -> Iterator[None]:
    """Show a Liaison error as one red line and exit 2 (a usage or data problem, not a crash)."""
    try:
        yield
    except LiaisonError as exc:
        raise fail(f"{type(exc).__name__}: {exc}") from exc


class Bars:
    """Progress bars on stderr, one per stage, fed as ``bars(stage, done, total)``. They
    appear once the work has run ``delay_s`` seconds (short work shows none), and stay on
    screen when done unless ``transient``."""

    def __init__(self, *, delay_s: float = 0.0, transient: bool = False) -> None:
        self._delay_s = delay_s
        self._transient = transient
        self._started = time.monotonic()
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Bars:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def counter(self, stage: str, total: int) -> Callable[[int], None]:
        """A callback that adds its argument to ``stage``'s count (for work reported in
        increments rather than running totals)."""
        done = 0

        def add(n: int) -> None:
            nonlocal done
            done += n
            self(stage, done, max(done, total))

        return add

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._progress is None:
            if time.monotonic() - self._started < self._delay_s:
                return
            self._progress = Progress(
                TextColumn("{task.description:<18}"),
                BarColumn(),
                TextColumn("{task.completed:>9,}/{task.total:<9,}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=self._transient,
            )
            self._progress.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)
