"""The root of the ``liaison`` command; each context adds its own sub-command group."""

from __future__ import annotations

import typer

from liaison.entrypoints.cli import bench, biometrics, demo, operations, screening, spine

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
app.command("demo")(demo.demo)
app.command("serve")(spine.serve)
app.command("worker")(spine.worker)
app.add_typer(spine.db_app, name="db")
app.add_typer(spine.users_app, name="users")
app.add_typer(spine.audit_app, name="audit")
app.add_typer(spine.bookings_app, name="bookings")
app.add_typer(spine.detainers_app, name="detainers")
app.add_typer(screening.app, name="screening")
app.add_typer(operations.app, name="operations")


if __name__ == "__main__":
    app()
