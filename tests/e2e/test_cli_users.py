"""``liaison users``, as an administrator runs it: list, disable, enable, unlock and reset
people; list and revoke jail systems' keys (in this process, for speed: ``test_cli_spine``
runs commands as processes of their own)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.accounts.errors import InvalidCredentials
from liaison.accounts.model import LOCKOUT_AFTER
from liaison.entrypoints.cli.main import app
from liaison.jurisdictions import services as jurisdictions
from liaison.settings import Settings

TRAVIS = "TX2270000"
PASSWORD = "a perfectly fine phrase"


def cli(data_dir: Path, *args: str) -> Result:
    """``liaison ARGS`` on ``data_dir`` (its SQLite store, whatever this shell's
    ``LIAISON_DATABASE_URL`` says)."""
    env = {"LIAISON_DATA_DIR": str(data_dir), "LIAISON_DATABASE_URL": "", "COLUMNS": "200"}
    return CliRunner(env=env).invoke(app, list(args))


def one_line(result: Result) -> str:
    """The one line a refused command prints on stderr (exit 2, no traceback)."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one agency and three people (no gallery: these commands need none)."""
    path = tmp_path_factory.mktemp("cli-users")
    c = bootstrap.container(Settings(data_dir=path), with_engine=False)
    try:
        at = c.clock()
        jurisdictions.load_reference(uow=c.uow(), at=at, actor="test")
        jurisdictions.register_agency(
            uow=c.uow(), ori=TRAVIS, name="Travis County Sheriff's Office",
            jurisdiction_fips="48453", actor="test", at=at,
        )  # fmt: skip
        for name in ("erin", "frank", "gina"):
            accounts.add_user(
                uow=c.uow(), username=name, password=PASSWORD, roles=["auditor"], actor="test",
                at=at,
            )  # fmt: skip
    finally:
        c.close()
    return path


@pytest.fixture
def container(data_dir: Path) -> Iterator[bootstrap.Container]:
    c = bootstrap.container(Settings(data_dir=data_dir), with_engine=False)
    yield c
    c.close()


def listed(data_dir: Path) -> dict[str, dict[str, object]]:
    result = cli(data_dir, "users", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return {u["username"]: u for u in json.loads(result.stdout)}


def test_disable_and_enable(data_dir: Path, container: bootstrap.Container) -> None:
    done = cli(data_dir, "users", "disable", "erin", "--reason", "on leave")
    assert done.exit_code == 0, done.stderr
    assert listed(data_dir)["erin"]["state"] == "disabled"
    with pytest.raises(InvalidCredentials):
        accounts.authenticate(uow=container.uow(), username="erin", password=PASSWORD,
                              at=container.clock())  # fmt: skip
    assert cli(data_dir, "users", "enable", "erin").exit_code == 0
    assert listed(data_dir)["erin"]["state"] == "active"
    with container.uow() as uow:
        entries = [e for e in uow.audit.entries() if e.subject == "user:erin"]
    assert [(e.actor, e.action) for e in entries[-3:]] == [
        ("cli", "account.disable"),
        ("erin", "account.logon_refused"),
        ("cli", "account.enable"),
    ]
    unknown = cli(data_dir, "users", "disable", "nobody")
    assert unknown.exit_code == 2
    assert "no user is named 'nobody'" in one_line(unknown)


def test_unlock_and_reset_password(data_dir: Path, container: bootstrap.Container) -> None:
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate(uow=container.uow(), username="frank", password="wrong!",
                                  at=container.clock())  # fmt: skip
    shown = listed(data_dir)["frank"]
    assert str(shown["state"]).startswith("locked until ")
    table = cli(data_dir, "users", "list")
    assert "frank" in table.stdout
    assert "locked until" in table.stdout
    assert cli(data_dir, "users", "unlock", "frank").exit_code == 0
    assert listed(data_dir)["frank"]["state"] == "active"

    weak = cli(data_dir, "users", "reset-password", "frank", "--password", "password1234")
    assert weak.exit_code == 2
    line = one_line(weak)
    assert "common and breached" in line
    assert "password1234" not in line
    new = "a brand new phrase of his"
    assert cli(data_dir, "users", "reset-password", "frank", "--password", new).exit_code == 0
    user = accounts.authenticate(uow=container.uow(), username="frank", password=new,
                                 at=container.clock())  # fmt: skip
    assert user.username == "frank"


def test_keys_are_listed_without_secrets_and_revoked(
    data_dir: Path, container: bootstrap.Container
) -> None:
    key = cli(data_dir, "users", "key", TRAVIS, "--label", "rms").stdout.strip()
    _, key_id, secret = key.split("_", 2)  # the secret may hold "_" itself
    shown = cli(data_dir, "users", "keys", "--ori", TRAVIS, "--json")
    assert shown.exit_code == 0, shown.stderr
    assert secret not in shown.stdout
    assert {"key_id": key_id, "ori": TRAVIS, "label": "rms", "revoked": False} in json.loads(
        shown.stdout
    )
    table = cli(data_dir, "users", "keys")
    assert key_id in table.stdout  # the whole id, to paste into the next command
    revoked = cli(data_dir, "users", "revoke-key", key_id)
    assert revoked.exit_code == 0, revoked.stderr
    assert f"revoked key {key_id}" in revoked.stdout
    with pytest.raises(InvalidCredentials, match="revoked"):
        accounts.authenticate_key(uow=container.uow(), key=key)
    again = json.loads(cli(data_dir, "users", "keys", "--json").stdout)
    assert {"key_id": key_id, "ori": TRAVIS, "label": "rms", "revoked": True} in again
    unknown = cli(data_dir, "users", "revoke-key", "0123456789abcdef")
    assert unknown.exit_code == 2
    assert "0123456789abcdef" in one_line(unknown)
