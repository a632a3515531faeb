"""The unit of work: one transaction per ``with``, rolled back unless committed; duplicate keys
and database errors come out as store errors; and one class serves every context's protocol."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from tests.integration.adapters.store import builders

from liaison.accounts.ports import AccountsUnitOfWork
from liaison.adapters.store import (
    ConcurrentUpdate,
    DuplicateKey,
    SqlUnitOfWork,
    StoreError,
    make_engine,
)
from liaison.audit.ports import AuditUnitOfWork
from liaison.bookings.model import BookingState
from liaison.bookings.ports import BookingsUnitOfWork
from liaison.detainers.model import DetainerState
from liaison.detainers.ports import DetainersUnitOfWork
from liaison.identity.ports import IdentityUnitOfWork
from liaison.jurisdictions.model import Agency
from liaison.jurisdictions.ports import JurisdictionsUnitOfWork
from liaison.reporting.ports import ReportingUnitOfWork
from liaison.transaction import Transaction

UoW = Callable[[], SqlUnitOfWork]


def test_one_unit_of_work_serves_every_contexts_protocol(engine: Engine) -> None:
    # Checked by mypy (the annotations) and at run time (the attributes each protocol names).
    identity: IdentityUnitOfWork = SqlUnitOfWork(engine)
    bookings: BookingsUnitOfWork = SqlUnitOfWork(engine)
    detainers: DetainersUnitOfWork = SqlUnitOfWork(engine)
    jurisdictions: JurisdictionsUnitOfWork = SqlUnitOfWork(engine)
    audit: AuditUnitOfWork = SqlUnitOfWork(engine)
    accounts: AccountsUnitOfWork = SqlUnitOfWork(engine)
    reporting: ReportingUnitOfWork = SqlUnitOfWork(engine)
    ports: dict[type, Transaction] = {
        IdentityUnitOfWork: identity,
        BookingsUnitOfWork: bookings,
        DetainersUnitOfWork: detainers,
        JurisdictionsUnitOfWork: jurisdictions,
        AuditUnitOfWork: audit,
        AccountsUnitOfWork: accounts,
        ReportingUnitOfWork: reporting,
    }
    for port, uow in ports.items():
        names = [name for name, value in vars(port).items() if isinstance(value, property)]
        assert names
        with uow:
            assert all(getattr(uow, name) is not None for name in names)


def test_a_booking_reusing_a_tcn_is_a_duplicate_key(new_uow: UoW) -> None:
    with new_uow() as uow:
        uow.bookings.add(builders.booking(1))
        uow.commit()
    with new_uow() as uow, pytest.raises(DuplicateKey, match="TCN-000001") as caught:
        uow.bookings.add(builders.booking(2, tcn="TCN-000001"))
    assert "bookings" in str(caught.value) or "tcn" in str(caught.value).lower()
    with new_uow() as uow, pytest.raises(DuplicateKey, match="bk-1"):
        uow.bookings.add(builders.booking(1, tcn="TCN-other"))
    with new_uow() as uow:
        assert [b.tcn for b in uow.bookings.list()] == ["TCN-000001"]


def test_duplicate_keys_in_every_repository(new_uow: UoW) -> None:
    adds: list[Callable[[SqlUnitOfWork], None]] = [
        lambda uow: uow.identities.add(builders.identity()),
        lambda uow: uow.detainers.add(builders.detainer()),
        lambda uow: uow.accounts.add_user(builders.user()),
        lambda uow: uow.accounts.add_key(builders.api_key()),
        lambda uow: uow.audit.append(builders.audit_entry(1)),
    ]
    for add in adds:
        with new_uow() as uow:
            add(uow)
            uow.commit()
        with new_uow() as uow, pytest.raises(DuplicateKey):
            add(uow)


def test_two_submissions_racing_for_one_tcn_store_one_booking(new_uow: UoW, backend: str) -> None:
    """SQLite serializes the two units of work, so the second sees the first's booking;
    on PostgreSQL both look first, and the unique index makes the loser's add a DuplicateKey."""
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def submit(n: int) -> None:
        try:
            with new_uow() as uow:
                found = uow.bookings.by_tcn("TCN-race")
                if uow.session.get_bind().dialect.name == "postgresql":
                    barrier.wait()  # both have looked before either writes
                if found is None:
                    uow.bookings.add(builders.booking(n, tcn="TCN-race"))
                    uow.commit()
                outcomes.append("stored" if found is None else "replay")
        except DuplicateKey:
            outcomes.append("duplicate")

    threads = [threading.Thread(target=submit, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loser = "duplicate" if backend == "postgresql" else "replay"
    assert sorted(outcomes) == sorted([loser, "stored"])
    with new_uow() as uow:
        assert len(uow.bookings.list()) == 1


def test_leaving_without_commit_rolls_everything_back(new_uow: UoW) -> None:
    with new_uow() as uow:
        uow.bookings.add(builders.booking())
        uow.identities.add(builders.identity())
        uow.jurisdictions.add_agency(Agency("TX1", "x", "48201"))
        uow.audit.append(builders.audit_entry(1))
        uow.jobs.enqueue("identify", "bk-1")
    with pytest.raises(RuntimeError, match="boom"):
        _lodge_then_fail(new_uow())
    with new_uow() as uow:
        uow.accounts.add_user(builders.user())
        uow.rollback()
        uow.commit()  # nothing left to commit
    with new_uow() as uow:
        assert uow.bookings.list() == []
        assert uow.identities.count() == 0
        assert uow.jurisdictions.agencies() == []
        assert uow.audit.head() is None
        assert uow.detainers.list() == []
        assert uow.accounts.users() == []
        assert uow.jobs.pending() == 0
        assert uow.session.execute(text("SELECT count(*) FROM booking_fingerprints")).scalar() == 0


def _lodge_then_fail(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.detainers.add(builders.detainer())
        raise RuntimeError("boom")


def test_changes_to_loaded_objects_are_kept_only_when_committed(new_uow: UoW) -> None:
    with new_uow() as uow:
        uow.bookings.add(builders.booking(state=BookingState.RECEIVED))
        uow.commit()
    with new_uow() as uow:
        b = uow.bookings.get("bk-1")
        assert b is not None
        b.state = BookingState.IDENTIFIED
        b.reviews.clear()
    with new_uow() as uow:
        b = uow.bookings.get("bk-1")
        assert b is not None
        assert b.state is BookingState.RECEIVED
        assert len(b.reviews) == 1


def test_a_unit_of_work_is_used_inside_with_and_does_not_nest(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    with pytest.raises(StoreError, match="not open"):
        _ = uow.bookings
    with pytest.raises(StoreError, match="not open"):
        uow.commit()
    with uow, pytest.raises(StoreError, match="already open"), uow:
        pass
    with uow:  # usable again after the block
        assert uow.bookings.list() == []


def test_naive_datetimes_are_refused(new_uow: UoW) -> None:
    with new_uow() as uow, pytest.raises(StoreError, match="naive datetime"):
        uow.bookings.add(builders.booking(submitted_at=datetime(2025, 1, 1, 12)))


def test_the_sqlite_engine_shares_a_file_safely(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as conn:
            pragmas = {
                p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "busy_timeout", "foreign_keys")
            }
            # The transaction began IMMEDIATE: it holds the write lock before writing anything.
            other = sqlite3.connect(tmp_path / "x.db", timeout=0, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
    finally:
        engine.dispose()
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 30_000, "foreign_keys": 1}


def test_make_engine_knows_its_backends() -> None:
    engine = make_engine("postgresql://u@127.0.0.1:1/none")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
    with pytest.raises(StoreError, match="unsupported database"):
        make_engine("mysql://u@localhost/x")


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_second_of_two_writers_of_one_record_is_refused(new_uow: UoW) -> None:
    """Optimistic locking (PostgreSQL; on SQLite the second unit of work could not even begin
    until the first ended): the lapse sweep and the jail's transfer both read HONORED."""
    with new_uow() as uow:
        uow.detainers.add(builders.detainer())
        uow.commit()
    with new_uow() as sweep:
        lapsing = sweep.detainers.get("dt-1")
        assert lapsing is not None
        with new_uow() as jail:
            transferring = jail.detainers.get("dt-1")
            assert transferring is not None
            transferring.state = DetainerState.TRANSFERRED
            jail.commit()
        lapsing.state = DetainerState.LAPSED
        with pytest.raises(ConcurrentUpdate, match="another unit of work"):
            sweep.commit()
    with new_uow() as uow:
        assert uow.detainers.get("dt-1").state is DetainerState.TRANSFERRED  # type: ignore[union-attr]
