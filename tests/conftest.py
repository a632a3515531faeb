"""Shared fixtures: where the real public data lives."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from liaison.biometrics.iso19794 import load_template
from liaison.biometrics.model import FingerTemplate

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FVC = SHARED_DATA / "fvc2002"


@pytest.fixture(scope="session")
def fvc_dir() -> Path:
    assert FVC.is_dir(), f"the FVC2002 data is expected at {FVC}"
    return FVC


@pytest.fixture(scope="session")
def fvc_db1(fvc_dir: Path) -> dict[tuple[int, int], FingerTemplate]:
    """DB1_B templates keyed by (finger 101..110, impression 1..8)."""
    out = {}
    for f in sorted((fvc_dir / "DB1_B").glob("*.iso")):
        finger, impression = (int(v) for v in f.stem.split("_"))
        out[(finger, impression)] = load_template(f)
    return out


# PostgreSQL for integration tests: a server the tests may create throwaway databases on.
# LIAISON_TEST_POSTGRES_URL names the server's maintenance database (trust auth, or a password
# in the URL); LIAISON_REQUIRE_POSTGRES=1 turns "server unreachable" into a failure, not a skip.
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class PostgresServer:
    """Makes databases named ``liaison_test_<random>`` and drops them when asked or at the end
    of the test session; hands out SQLAlchemy URLs (``postgresql+psycopg://``)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._made: list[str] = []

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5)

    def url(self, database: str) -> str:
        url = make_url(self.admin_url).set(drivername="postgresql+psycopg", database=database)
        return url.render_as_string(hide_password=False)

    def create_database(self) -> str:
        """A new empty database; its name."""
        name = f"liaison_test_{secrets.token_hex(6)}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._made.append(name)
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if name in self._made:
            self._made.remove(name)

    def drop_all(self) -> None:
        for name in list(self._made):
            self.drop_database(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The test PostgreSQL server; tests that use it skip (with the reason) when it cannot be
    reached, unless LIAISON_REQUIRE_POSTGRES=1."""
    admin_url = os.environ.get("LIAISON_TEST_POSTGRES_URL", POSTGRES_ADMIN_URL)
    try:
        psycopg.connect(admin_url, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL is not reachable at {admin_url}: {str(exc).strip()}"
        if os.environ.get("LIAISON_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    server = PostgresServer(admin_url)
    try:
        yield server
    finally:
        server.drop_all()
