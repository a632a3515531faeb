"""What every command shares: the data directory option, wiring, and how errors are shown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url

from liaison import bootstrap
from liaison.errors import LiaisonError

__all__ = ["DataDir", "err", "fail", "one_line", "out", "reported", "shown_url", "wire"]

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
