"""Each store test runs on SQLite (a file) and on PostgreSQL (a throwaway database), both built
by the migrations once per session; each test starts from empty tables."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from liaison.adapters.store import SqlUnitOfWork, make_engine, metadata, start_mappers, upgrade

if TYPE_CHECKING:
    from tests.conftest import PostgresServer

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_store(postgres: PostgresServer) -> str:
    url = postgres.url(postgres.create_database())
    upgrade(url)
    return url


def _empty_tables(url: str) -> None:
    """Truncate every table (a tenth of the time a fresh copy of the database takes)."""
    names = ", ".join(t.name for t in metadata.sorted_tables)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE audit_entries DISABLE TRIGGER USER")
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")
            conn.exec_driver_sql("ALTER TABLE audit_entries ENABLE TRIGGER USER")
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated, empty database of ``backend``, for this test alone."""
    if backend == "sqlite":
        path = tmp_path / "liaison.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_store")
    _empty_tables(url)
    yield url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def new_uow(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    """Makes a unit of work on the test's database (one per thread in concurrent tests)."""
    start_mappers()  # before the test builds domain objects, as bootstrap does at start-up
    return lambda: SqlUnitOfWork(engine)
