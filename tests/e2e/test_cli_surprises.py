"""The command line surprises no one (issue 19, class 10): a read never creates a store, the
demo never writes into the source tree, tables print ids whole (and lists print JSON), and
``liaison serve`` says where it listens and logs each request.

Most commands run in this process (``CliRunner``); the narrow table and the server run as a
shell runs them, in their own process.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect
from tests.conftest import PostgresServer
from typer.testing import CliRunner

from liaison import bootstrap
from liaison.entrypoints.cli import demo as demo_command
from liaison.entrypoints.cli.main import app
from liaison.jurisdictions import services as jurisdictions
from liaison.settings import Settings

HARRIS = "TX1010000"
CHECKOUT = Path(__file__).resolve().parents[2]  # tests/e2e/this file

# every command that only reads, with the arguments it needs (ids that need not exist: the
# store is refused before anything is looked up)
READS: list[list[str]] = [
    ["users", "list"],
    ["users", "keys"],
    ["audit", "verify"],
    ["detainers", "list"],
    ["bookings", "response", "B-1"],
    ["screening", "cases"],
    ["screening", "case", "C-1"],
    ["screening", "check", "--name", "Ana Lopez"],
    ["operations", "declarations"],
    ["operations", "declaration", "MI-1"],
    ["operations", "in-force", "--on", "2025-07-31"],
    ["operations", "agreements", "counts"],
    ["operations", "agreements", "changes"],
    ["operations", "agreements", "in-effect", "--on", "2025-07-31"],
    ["operations", "deployments"],
    ["operations", "deployment", "DEP-1"],
    ["operations", "overlaps"],
    ["operations", "headcount", "--on", "2025-07-18"],
    ["operations", "targets"],
    ["operations", "target", "progress", "T-1", "--as-of", "2025-08-05"],
    ["operations", "facilities"],
    ["operations", "facility", "occupancy", "F-1", "--from", "2025-08-01", "--to", "2025-08-05"],
    ["operations", "capacity", "--as-of", "2025-08-05"],
    ["biometrics", "search", "probe.iso"],
    ["biometrics", "calibrate"],
]


def _env() -> dict[str, str | None]:
    """This process's environment without any LIAISON_ setting (the store is --data-dir's)."""
    return {k: None for k in os.environ if k.startswith("LIAISON_")} | {"COLUMNS": "200"}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=_env())
    return result.exit_code, result.stdout, result.stderr


def _shell(data_dir: Path, *args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env.update(LIAISON_DATA_DIR=str(data_dir), COLUMNS=str(columns))
    return subprocess.run(
        [sys.executable, "-m", "liaison.entrypoints.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:3]))
def test_a_read_of_no_data_directory_refuses_and_creates_nothing(
    args: list[str], tmp_path: Path
) -> None:
    nowhere = tmp_path / "nowhere"
    code, _, stderr = _run(*args, "--data-dir", str(nowhere))
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr
    assert not nowhere.exists()


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:3]))
def test_a_read_of_a_directory_without_a_store_refuses_and_creates_nothing(
    args: list[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, stderr = _run(*args, "--data-dir", str(empty))
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert list(empty.iterdir()) == []


@pytest.mark.postgres
def test_a_read_of_an_empty_postgres_database_refuses_and_makes_no_schema(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = postgres.url(postgres.create_database())
    env = _env() | {"LIAISON_DATABASE_URL": url}
    data_dir = tmp_path / "keys"
    data_dir.mkdir()  # where its keys would be: the store is the database
    for args in (["detainers", "list"], ["operations", "declarations"], ["users", "list"]):
        result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)], env=env)
        assert result.exit_code == 2, result.output
        assert "no Liaison schema" in result.stderr
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def test_a_write_still_creates_its_store(tmp_path: Path) -> None:
    code, _, stderr = _run("db", "upgrade", "--data-dir", str(tmp_path / "new"))
    assert code == 0, stderr
    assert (tmp_path / "new" / "liaison.db").is_file()
    code, _, stderr = _run("users", "list", "--data-dir", str(tmp_path / "new"))
    assert code == 0, stderr  # and a read of it works


@pytest.mark.parametrize("inside", ["src/{name}", "tests/{name}", ".git/{name}", "."])
def test_the_demo_refuses_a_directory_inside_the_source_tree(inside: str) -> None:
    assert demo_command.source_checkout() == CHECKOUT
    target = CHECKOUT / inside.format(name=f"demo-{uuid.uuid4().hex[:8]}")
    code, _, stderr = _run("demo", "--identities", "100", "--days", "1", "--data-dir", str(target))
    assert code == 2, stderr
    assert "inside the source tree" in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    if inside != ".":
        assert not target.exists()


def test_the_checkouts_own_data_folder_and_folders_elsewhere_are_fine(tmp_path: Path) -> None:
    root = demo_command.source_checkout()
    assert root is not None
    demo_command._refuse_source_tree(root / "data")  # what `make demo` uses
    demo_command._refuse_source_tree(root / "data" / "small")
    demo_command._refuse_source_tree(tmp_path / "w")


@pytest.fixture
def agency_store(tmp_path: Path) -> Path:
    """An empty store with Harris County's jail registered."""
    data_dir = tmp_path / "data"
    c = bootstrap.container(Settings(data_dir=data_dir, workers=1), with_engine=False)
    try:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        jurisdictions.load_reference(uow=c.uow(), at=at, actor="test")
        jurisdictions.register_agency(
            uow=c.uow(),
            ori=HARRIS,
            name="Harris County Sheriff's Office",
            jurisdiction_fips="48201",
            actor="test",
            at=at,
        )
    finally:
        c.close()
    return data_dir


def test_a_narrow_table_prints_every_id_whole_and_json_the_same_rows(agency_store: Path) -> None:
    keys = []
    for label in ("jail system", "the booking system of the north annex, second floor"):
        where = ("--data-dir", str(agency_store))
        code, stdout, stderr = _run("users", "key", HARRIS, "--label", label, *where)
        assert code == 0, stderr
        keys.append(stdout.strip().split("_")[1])
    table = _shell(agency_store, "users", "keys", columns=30)
    assert table.returncode == 0, table.stderr
    assert "…" not in table.stdout
    for key_id in keys:
        assert re.search(rf"\b{key_id}\b", table.stdout), table.stdout
    listed = _run("users", "keys", "--json", "--data-dir", str(agency_store))
    assert listed[0] == 0, listed[2]
    assert sorted(re.findall(r'"key_id": "([0-9a-f]+)"', listed[1])) == sorted(keys)


@pytest.fixture
def served(agency_store: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env.update(LIAISON_DATA_DIR=str(agency_store), COLUMNS="200", PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "liaison.entrypoints.cli.main", "serve", "--port=0", "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_line: queue.Queue[str] = queue.Queue()
    printed = server.stdout
    assert printed is not None
    threading.Thread(target=lambda: first_line.put(printed.readline()), daemon=True).start()
    try:
        try:
            line = first_line.get(timeout=90)  # printed once it listens
        except queue.Empty:
            line = ""
        found = re.search(r"serving (http://127\.0\.0\.1:\d+)", line)
        assert found, f"no URL printed: {line!r}"
        yield found.group(1), server
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_prints_its_url_and_logs_each_request(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, server = served
    with httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/docs").status_code == 200
        refused = http.get("/detainers", params={"ori": HARRIS, "name": "x"})
        asked_id = http.get("/openapi.json", headers={"X-Request-ID": "req-1234"})
    assert refused.status_code in (400, 401)
    assert asked_id.status_code == 200
    time.sleep(0.5)
    server.terminate()
    _, stderr = server.communicate(timeout=30)
    lines = [line for line in stderr.splitlines() if "event=request" in line]
    assert len(lines) == 3, stderr
    docs, detainers, _ = lines
    assert "method=GET path=/docs status=200" in docs
    assert re.search(r"duration_ms=\d+(\.\d+)? ", docs)
    assert "client=127.0.0.1" in docs
    assert f"path=/detainers status={refused.status_code}" in detainers
    assert "ori=" not in detainers  # never the query: it may carry names and birth dates
    assert re.search(r"request_id=\S+", detainers)
