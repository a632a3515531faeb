"""The booking spine's command line, run as a jail's or an administrator's shell would run it:
a separate process per command, pointed at a data directory by ``LIAISON_DATA_DIR``.

One small synthetic world (SQLite) is built once for the module; tests that tamper with the
database work on a copy of it."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.adapters.store.migrate import alembic_config
from liaison.bookings import services as bookings
from liaison.bookings.model import ReviewAction
from liaison.detainers.model import ProbableCause
from liaison.settings import Settings
from liaison.synth.spine import booking_body, build_spine_world

SEED = 3
IDENTITIES = 30
TRAVIS = "TX2270000"  # Travis County: honor_all
ARRESTED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
RED = "\x1b[31m"


def cli(data_dir: Path, *args: str, color: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``liaison ARGS`` in its own process on ``data_dir`` (SQLite, whatever this shell's
    ``LIAISON_DATABASE_URL`` says)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env.update(LIAISON_DATA_DIR=str(data_dir), LIAISON_WORKERS="1", COLUMNS="200")
    env.pop("NO_COLOR", None)
    if color:
        env["FORCE_COLOR"] = "1"
    else:
        env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "liaison.entrypoints.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def one_red_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single red line a refused command prints on stderr (run with ``color=True``)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(RED), repr(lines[0])
    return re.sub(r"\x1b\[[0-9;]*m", "", lines[0])


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-spine")
    c = bootstrap.container(Settings(data_dir=data_dir, workers=1))
    try:
        build_spine_world(c, identities=IDENTITIES, seed=SEED, calibration_probes=30)
    finally:
        c.close()
    return data_dir


@pytest.fixture
def container(world_dir: Path) -> Iterator[bootstrap.Container]:
    """The world's store, opened in this process to check what the commands left behind."""
    c = bootstrap.container(Settings(data_dir=world_dir, workers=1), with_engine=False)
    yield c
    c.close()


def write_booking(path: Path, *, identity: int, tcn: str, **changes: Any) -> Path:
    body = booking_body(seed=SEED, identity=identity, tcn=tcn, ori=TRAVIS, arrested_at=ARRESTED)
    body.update(changes)
    path.write_text(json.dumps(body))
    return path


@pytest.fixture(scope="module")
def submitted(world_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The response ``bookings submit`` printed for a booking of person 6 (no lawful status)."""
    file = write_booking(tmp_path_factory.mktemp("bookings") / "b.json", identity=6, tcn="CLI-1")
    result = cli(world_dir, "bookings", "submit", str(file))
    assert result.returncode == 0, result.stderr
    response: dict[str, Any] = json.loads(result.stdout)
    response["file"] = str(file)
    return response


# -- db upgrade -------------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_and_is_safe_to_run_again(tmp_path: Path) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    first = cli(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "schema at head" in first.stdout
    with sqlite3.connect(tmp_path / "liaison.db") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        [(revision,)] = db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"bookings", "detainers", "audit_entries", "users"} <= tables
    assert revision == head

    again = cli(tmp_path, "db", "upgrade")
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(tmp_path / "liaison.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(revision,)]


def test_db_upgrade_to_an_unknown_revision_is_refused(tmp_path: Path) -> None:
    result = cli(tmp_path, "db", "upgrade", "--revision", "nonesuch", color=True)
    assert result.returncode == 2
    assert "nonesuch" in one_red_line(result)


# -- users ------------------------------------------------------------------------------------


def test_users_add_stores_a_person_who_can_log_on(
    world_dir: Path, container: bootstrap.Container
) -> None:
    password = "correct-horse-battery"
    result = cli(world_dir, "users", "add", "dana", "--role", "auditor", "--password", password)
    assert result.returncode == 0, result.stderr
    assert "added dana (auditor)" in result.stdout
    user = accounts.authenticate(
        uow=container.uow(), username="dana", password=password, at=container.clock()
    )
    assert {r.value for r in user.roles} == {"auditor"}


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["erin", "--role", "wizard", "--password", "long-enough-pass"], "unknown role 'wizard'"),
        (["erin", "--role", "auditor", "--password", "short"], "at least 12 characters"),
        (["officer", "--role", "auditor", "--password", "long-enough-pass"], "'officer' is taken"),
        (
            ["erin", "--role", "booking_officer", "--ori", "TX9990000", "--password", "x" * 12],
            "no agency has ORI 'TX9990000'",
        ),
    ],
    ids=["bad-role", "short-password", "taken", "unknown-agency"],
)
def test_users_add_refuses_with_one_red_line(world_dir: Path, args: list[str], names: str) -> None:
    result = cli(world_dir, "users", "add", *args, color=True)
    assert result.returncode == 2
    assert names in one_red_line(result)
    assert "Traceback" not in result.stderr


def test_users_key_issues_a_working_key_for_a_registered_agency(
    world_dir: Path, container: bootstrap.Container
) -> None:
    result = cli(world_dir, "users", "key", TRAVIS, "--label", "jail-system")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert re.fullmatch(r"lsn_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", key), key
    found = accounts.authenticate_key(uow=container.uow(), key=key)
    assert (found.ori, found.label) == (TRAVIS, "jail-system")

    unknown = cli(world_dir, "users", "key", "TX9990000", color=True)
    assert unknown.returncode == 2
    assert "TX9990000" in one_red_line(unknown)


# -- bookings ---------------------------------------------------------------------------------


def test_bookings_submit_identifies_and_prints_the_response(submitted: dict[str, Any]) -> None:
    assert submitted["tcn"] == "CLI-1"
    assert submitted["state"] == "responded"
    assert submitted["decision"] == "match"
    assert submitted["status_category"] == "entered_without_inspection"


def test_the_same_file_again_answers_with_the_first_booking(
    world_dir: Path, submitted: dict[str, Any]
) -> None:
    again = cli(world_dir, "bookings", "submit", submitted["file"])
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["booking_id"] == submitted["booking_id"]


def test_a_reused_tcn_with_another_body_is_refused(
    world_dir: Path, submitted: dict[str, Any], tmp_path: Path
) -> None:
    other = write_booking(tmp_path / "other.json", identity=7, tcn="CLI-1")
    result = cli(world_dir, "bookings", "submit", str(other), color=True)
    assert result.returncode == 2
    line = one_red_line(result)
    assert line.startswith("DuplicateTcn: TCN CLI-1")
    # the first booking may be another agency's, so nothing of it is named
    assert submitted["booking_id"] not in line


Edit = Callable[[dict[str, Any]], object]


@pytest.mark.parametrize(
    ("edit", "names"),
    [
        (lambda b: b.pop("ori"), "ori: Field required"),
        (lambda b: b.update(charges=[]), "charges: List should have at least 1 item"),
        (lambda b: b["fingerprints"].update({"1": "not base64!"}), "finger 1 is not valid base64"),
        (lambda b: b.update(arrested_at="2026-11-20T09:30:00"), "arrested_at: Input should have"),
        (lambda b: b.update(tcn=""), "tcn: String should have at least 1 character"),
    ],
    ids=["no-ori", "no-charges", "bad-base64", "naive-time", "empty-tcn"],
)
def test_a_malformed_booking_file_is_refused_naming_the_problem(
    world_dir: Path, tmp_path: Path, edit: Edit, names: str
) -> None:
    body = booking_body(seed=SEED, identity=8, tcn="CLI-9", ori=TRAVIS, arrested_at=ARRESTED)
    edit(body)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(body))
    result = cli(world_dir, "bookings", "submit", str(file), color=True)
    assert result.returncode == 2
    line = one_red_line(result)
    assert line.startswith(f"{file}: ")
    assert names in line


def test_a_booking_file_that_is_not_json_is_refused(world_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "cut.json"
    file.write_text('{"tcn": "CLI-9",')
    result = cli(world_dir, "bookings", "submit", str(file), color=True)
    assert result.returncode == 2
    assert one_red_line(result).startswith(f"{file}: Invalid JSON")


def test_a_missing_booking_file_is_refused(world_dir: Path, tmp_path: Path) -> None:
    result = cli(world_dir, "bookings", "submit", str(tmp_path / "nowhere.json"), color=True)
    assert result.returncode == 2
    assert "No such file" in one_red_line(result)


# -- detainers --------------------------------------------------------------------------------


def test_detainers_list_shows_a_lodged_detainer_and_filters_by_state(
    world_dir: Path, submitted: dict[str, Any], container: bootstrap.Container
) -> None:
    _, detainer = bookings.review_booking(
        uow=container.uow(),
        booking_id=submitted["booking_id"],
        officer="officer",
        action=ReviewAction.LODGE_DETAINER,
        verified_identity_id=6,
        reason="ten-print match verified; no lawful status on record",
        at=container.clock(),
        detainer=bookings.DetainerRequest(
            ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS, "I-200-2026-000301"
        ),
        detainer_id="D-CLI-0001",
    )
    assert detainer is not None

    listed = cli(world_dir, "detainers", "list")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if "D-CLI-0001" in line]
    for cell in (TRAVIS, "6", "biometric_no_lawful_status", "issued"):
        assert cell in row
    # the same rows as the API's JSON, ids whole
    as_json = cli(world_dir, "detainers", "list", "--json")
    assert as_json.returncode == 0, as_json.stderr
    [found] = [d for d in json.loads(as_json.stdout) if d["detainer_id"] == "D-CLI-0001"]
    assert (found["ori"], found["identity_id"]) == (TRAVIS, 6)
    assert found["booking_id"] == submitted["booking_id"]

    served = cli(world_dir, "detainers", "list", "--state", "served")
    assert served.returncode == 0, served.stderr
    assert "D-CLI-0001" not in served.stdout

    bogus = cli(world_dir, "detainers", "list", "--state", "bogus")
    assert bogus.returncode == 2
    assert "Traceback" not in bogus.stderr


# -- audit ------------------------------------------------------------------------------------


def test_audit_verify_passes_an_intact_trail(world_dir: Path) -> None:
    result = cli(world_dir, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert re.search(r"audit trail intact: \d+ entries", result.stdout)


@pytest.fixture
def copy_dir(world_dir: Path, tmp_path: Path) -> tuple[Path, int]:
    """A copy of the world to tamper with, and the seq of an entry in the middle of its trail."""
    copy = tmp_path / "copy"
    shutil.copytree(world_dir, copy)
    with sqlite3.connect(copy / "liaison.db") as db:
        [(count,)] = db.execute("SELECT count(*) FROM audit_entries").fetchall()
    assert count > 10
    return copy, count // 2


def tampered(data_dir: Path, statement: str, seq: int) -> str:
    """Run ``statement`` on entry ``seq`` of the SQLite file behind the store's back, then
    ``audit verify``, which must exit 1; what it printed."""
    db = sqlite3.connect(data_dir / "liaison.db")
    try:
        with db:
            assert db.execute(statement, (seq,)).rowcount == 1
    finally:
        db.close()
    result = cli(data_dir, "audit", "verify")
    assert result.returncode == 1, result.stdout
    return result.stdout + result.stderr


def test_audit_verify_names_an_edited_entry(copy_dir: tuple[Path, int]) -> None:
    data_dir, seq = copy_dir
    output = tampered(data_dir, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = ?", seq)
    assert f"entry {seq}: entry_hash does not match" in output
    assert f"the first at entry {seq}" in output


def test_audit_verify_names_a_deleted_entry(copy_dir: tuple[Path, int]) -> None:
    data_dir, seq = copy_dir
    output = tampered(data_dir, "DELETE FROM audit_entries WHERE seq = ?", seq)
    assert f"entry {seq + 1}: seq gap: expected {seq}, found {seq + 1}" in output
    assert f"entries {seq}..{seq} missing" in output
