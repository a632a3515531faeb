"""``liaison operations``: declarations, 287(g) agreements, deployments, targets, capacity.

Days are ISO dates (2025-06-01); instants are ISO 8601 date-times with an offset
(2025-06-01T12:00:00-05:00, or ...Z for UTC): one without names no instant and is refused.
Reads print a table, or with ``--json`` the body the API answers with.

One module a capability, each with an ``app`` of what it adds here, merged into this one:

- ``declarations``: declare, extend, request-assistance, answer, declaration, declarations,
  in-force
- ``agreements``: the group ``agreements`` (import, counts, changes, record, terminate,
  in-effect)
- ``deployments``: deploy, deployment, deployments, overlaps, headcount
- ``targets``: the group ``target`` (set, progress), and targets
- ``capacity``: the group ``facility`` (add, occupancy), and facilities, custody, transfers,
  capacity
- ``shared``: the options, parsers and printing the commands share
"""

from __future__ import annotations

import typer

from liaison.entrypoints.cli.operations import (
    agreements,
    capacity,
    declarations,
    deployments,
    targets,
)
from liaison.entrypoints.cli.operations.agreements import agreements_app
from liaison.entrypoints.cli.operations.capacity import facility_app
from liaison.entrypoints.cli.operations.targets import target_app

__all__ = ["agreements_app", "app", "facility_app", "target_app"]

app = typer.Typer(
    help="Operations: declarations, 287(g) agreements, deployments, targets, capacity.",
    no_args_is_help=True,
)
for capability in (declarations, agreements, deployments, targets, capacity):
    # with no name, a Typer's commands and groups join this one's
    app.add_typer(capability.app)
