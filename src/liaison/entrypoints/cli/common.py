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
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import make_url

from liaison import bootstrap
from liaison.errors import LiaisonError

__all__ = ["Bars", "DataDir", "err", "fail", "one_line", "out", "reported", "shown_url", "wire"]

# soft_wrap: a long line stays one line (scripts and tests read errors line by line)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True, highlight=False)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="the data directory (default: $LIAISON_DATA_DIR or ./data)"),
]


def wire(data_dir: Path | None, *, with_engine: bool = False) -> bootstrap.Container:
    return bootstrap.container(bootstrap.settings(data_dir), with_engine=with_engine)


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
