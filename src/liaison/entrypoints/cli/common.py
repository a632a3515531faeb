"""What every command shares: the data directory option, wiring, and how errors are shown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from liaison import bootstrap
from liaison.errors import LiaisonError

__all__ = ["DataDir", "err", "out", "reported", "wire"]

out = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="the data directory (default: $LIAISON_DATA_DIR or ./data)"),
]


def wire(data_dir: Path | None, *, with_engine: bool = False) -> bootstrap.Container:
    return bootstrap.container(bootstrap.settings(data_dir), with_engine=with_engine)


@contextmanager
def reported() -> Iterator[None]:
    """Show a Liaison error as one red line and exit 2 (a usage or data problem, not a crash)."""
    try:
        yield
    except LiaisonError as exc:
        err.print(f"[red]{type(exc).__name__}: {exc}[/]")
        raise typer.Exit(2) from exc
