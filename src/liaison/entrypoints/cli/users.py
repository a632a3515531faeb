"""``liaison users``: people allowed in, and jail systems' API keys.

Every change is audited with the actor ``cli`` (whoever can run this command on the server
holds the data directory, and the keys in it, already).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from liaison.accounts import services as accounts
from liaison.accounts.model import ApiKey, User
from liaison.entrypoints.cli.common import DataDir, out, reported, show, wire
from liaison.jurisdictions import services as jurisdictions

__all__ = ["users_app"]

users_app = typer.Typer(help="People allowed in, and jail systems' API keys.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
Password = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        help="12+ characters, not a common or breached one, not containing the username",
    ),
]


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[list[str], typer.Option("--role", help="repeat for several roles")],
    password: Password,
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


def state_of(user: User, at: datetime) -> str:
    """``active``, ``disabled``, ``locked until <UTC time>`` or ``locked`` (no end)."""
    if user.disabled:
        return "disabled"
    if user.locked_at(at):
        until = user.locked_until
        return f"locked until {until:%Y-%m-%d %H:%M:%S}Z" if until else "locked"
    return "active"


@users_app.command("list")
def users_list(data_dir: DataDir = None, as_json: Json = False) -> None:
    """Every user: roles, agency and whether the account may log on."""
    with reported():
        c = wire(data_dir, create=False)
        found = accounts.users(uow=c.uow())
        at = c.clock()
    rows = [
        {
            "username": u.username,
            "roles": sorted(r.value for r in u.roles),
            "ori": u.ori,
            "state": state_of(u, at),
            "failed_logons": u.failed_logons,
        }
        for u in found
    ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("user", "roles", "ORI", "state", "failed logons")
    for u in found:
        table.add_row(
            u.username,
            ", ".join(sorted(r.value for r in u.roles)),
            u.ori or "",
            state_of(u, at),
            str(u.failed_logons),
        )
    show(table)


@users_app.command("disable")
def users_disable(
    username: str,
    reason: Annotated[str, typer.Option(help="why, for the audit trail")] = "",
    data_dir: DataDir = None,
) -> None:
    """Disable an account: no more logons, and its tokens stop working within seconds."""
    with reported():
        c = wire(data_dir)
        accounts.disable_user(
            uow=c.uow(), username=username, actor="cli", at=c.clock(), reason=reason
        )
    out.print(escape(f"disabled {username}"))


@users_app.command("enable")
def users_enable(username: str, data_dir: DataDir = None) -> None:
    """Enable a disabled account again."""
    with reported():
        c = wire(data_dir)
        accounts.enable_user(uow=c.uow(), username=username, actor="cli", at=c.clock())
    out.print(escape(f"enabled {username}"))


@users_app.command("unlock")
def users_unlock(username: str, data_dir: DataDir = None) -> None:
    """Unlock an account locked by failed logons now, rather than when the lock ends."""
    with reported():
        c = wire(data_dir)
        accounts.unlock_user(uow=c.uow(), username=username, actor="cli", at=c.clock())
    out.print(escape(f"unlocked {username}"))


@users_app.command("reset-password")
def users_reset_password(
    username: str,
    password: Annotated[
        str,
        typer.Option(
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
            help="12+ characters, not a common or breached one, not containing the username",
        ),
    ],
    data_dir: DataDir = None,
) -> None:
    """Give a user a new password (this also unlocks the account)."""
    with reported():
        c = wire(data_dir)
        accounts.reset_password(
            uow=c.uow(), username=username, password=password, actor="cli", at=c.clock()
        )
    out.print(escape(f"new password set for {username}"))


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


def key_row(key: ApiKey) -> dict[str, object]:
    """What may be shown of a key: never its secret or hash."""
    return {"key_id": key.key_id, "ori": key.ori, "label": key.label, "revoked": key.revoked}


@users_app.command("keys")
def users_keys(
    ori: Annotated[str | None, typer.Option(help="only this agency's keys")] = None,
    data_dir: DataDir = None,
    as_json: Json = False,
) -> None:
    """Jail systems' API keys: id, agency, label and whether revoked (never the secret)."""
    with reported():
        c = wire(data_dir, create=False)
        found = accounts.api_keys(uow=c.uow(), ori=ori)
    rows = [key_row(k) for k in found]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("key id", "ORI", "label", "revoked")
    for row in rows:
        table.add_row(
            str(row["key_id"]),
            str(row["ori"]),
            escape(str(row["label"])),
            "revoked" if row["revoked"] else "",
        )
    show(table)


@users_app.command("revoke-key")
def users_revoke_key(
    key_id: Annotated[str, typer.Argument(help="the key's id (its second part: lsn_<id>_...)")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a jail system's key for good: its next request is refused."""
    with reported():
        c = wire(data_dir)
        key = accounts.revoke_api_key(uow=c.uow(), key_id=key_id, actor="cli", at=c.clock())
    out.print(escape(f"revoked key {key.key_id} ({key.ori} {key.label})".rstrip()))
