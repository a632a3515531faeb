"""The root of the ``liaison`` command; each context adds its own sub-command group."""

from __future__ import annotations

import typer

from liaison.entrypoints.cli import bench, biometrics

__all__ = ["app"]

app = typer.Typer(
    name="liaison",
    help="Liaison: booking fingerprints, identification, detainers, screening, operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
biometrics.app.command("bench")(bench.bench)
biometrics.app.command("demo")(bench.demo)
app.add_typer(biometrics.app, name="biometrics")
