"""The SQL unit of work, and the engine it runs on (SQLite file or PostgreSQL).

One ``SqlUnitOfWork`` serves every context: it carries all the repositories, so it satisfies
each context's ``*UnitOfWork`` protocol. Each ``with`` block is one session and one database
transaction; leaving it without ``commit`` rolls back. Objects loaded in the block stay
readable after it (the session does not expire them on commit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from liaison.adapters.store.audit import SqlAuditRepository
from liaison.adapters.store.errors import StoreError, translated
from liaison.adapters.store.operations import (
    SqlAgreementRepository,
    SqlDeclarationRepository,
    SqlDeploymentRepository,
    SqlFacilityRepository,
    SqlOperationsFacts,
    SqlTargetRepository,
)
from liaison.adapters.store.orm import start_mappers
from liaison.adapters.store.queue import SqlJobQueue
from liaison.adapters.store.reports import SqlReportQueries
from liaison.adapters.store.repositories import (
    SqlAccountRepository,
    SqlBookingRepository,
    SqlDetainerRepository,
    SqlIdentityRepository,
    SqlJurisdictionRepository,
    SqlReferralRepository,
)
from liaison.adapters.store.screening import (
    SqlCampaignRepository,
    SqlCaseRepository,
    SqlWatchlistRepository,
)
from liaison.audit.checkpoints import Checkpointer
from liaison.audit.ports import AuditKeys
from liaison.private_files import create_private

if TYPE_CHECKING:
    from liaison.accounts.ports import AccountsUnitOfWork
    from liaison.audit.ports import AuditUnitOfWork
    from liaison.bookings.ports import BookingsUnitOfWork
    from liaison.detainers.ports import DetainersUnitOfWork
    from liaison.identity.ports import IdentityUnitOfWork
    from liaison.jurisdictions.ports import JurisdictionsUnitOfWork
    from liaison.operations.ports import OperationsUnitOfWork
    from liaison.reporting.ports import ReportingUnitOfWork
    from liaison.screening.ports import ScreeningUnitOfWork

__all__ = ["SQLITE_BUSY_TIMEOUT_S", "SqlUnitOfWork", "make_engine"]

SQLITE_BUSY_TIMEOUT_S = 30  # how long a writer waits for SQLite's one write lock


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``: ``sqlite:///path`` or ``postgresql://...`` (psycopg 3).

    SQLite is set up so the API server and worker processes can share one file: WAL journal
    (readers never block the writer), a 30 s busy timeout, foreign keys enforced, and every
    transaction begun with ``BEGIN IMMEDIATE``, so a transaction takes the write lock before
    it reads what it will change (no lost updates, and the audit head is serialized).
    ``kwargs`` go to ``create_engine``.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)  # a server restart is not an error for callers
        return create_engine(parsed, **kwargs)
    if parsed.get_backend_name() != "sqlite":
        raise StoreError(f"unsupported database {parsed.drivername!r}: use sqlite or postgresql")
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs.pop("connect_args", {})}
    engine = create_engine(parsed, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_begin_immediate)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        # The file holds password hashes and personal data: made 0600 before SQLite would make
        # it 0644, and its -wal and -shm files take the same mode from it.
        event.listen(engine, "do_connect", _private_file(Path(database)))
    return engine


def _private_file(path: Path) -> Callable[..., None]:
    """A ``do_connect`` listener that makes the database file 0600 before SQLite opens it."""

    def create(*_: Any) -> None:
        create_private(path)

    return create


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's documented recipe: stop sqlite3 from emitting BEGIN itself, so that
    # ``_sqlite_begin_immediate`` controls how every transaction begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass(frozen=True, slots=True)
class _Open:
    """What one ``with`` block works with."""

    session: Session
    identities: SqlIdentityRepository
    referrals: SqlReferralRepository
    bookings: SqlBookingRepository
    detainers: SqlDetainerRepository
    jurisdictions: SqlJurisdictionRepository
    audit: SqlAuditRepository
    accounts: SqlAccountRepository
    jobs: SqlJobQueue
    reports: SqlReportQueries
    watchlist: SqlWatchlistRepository
    screening_cases: SqlCaseRepository
    campaigns: SqlCampaignRepository
    declarations: SqlDeclarationRepository
    agreements: SqlAgreementRepository
    deployments: SqlDeploymentRepository
    targets: SqlTargetRepository
    facilities: SqlFacilityRepository
    facts: SqlOperationsFacts


class SqlUnitOfWork:
    """All repositories over one session per ``with`` block; not for nesting or sharing
    between threads (make one per request or per job)."""

    def __init__(
        self,
        engine: Engine,
        *,
        audit_keys: AuditKeys | None = None,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        """``audit_keys`` MAC new audit entries (without them entries go unMACed, and
        ``audit verify`` says so); ``checkpointer`` anchors the trail's head after commits."""
        start_mappers()
        self._engine = engine
        self._audit_keys = audit_keys
        self._checkpointer = checkpointer
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._current: _Open | None = None

    def __enter__(self) -> Self:
        if self._current is not None:
            raise StoreError("this unit of work is already open: units of work do not nest")
        session = self._sessions()
        self._current = _Open(
            session=session,
            identities=SqlIdentityRepository(session),
            referrals=SqlReferralRepository(session),
            bookings=SqlBookingRepository(session),
            detainers=SqlDetainerRepository(session),
            jurisdictions=SqlJurisdictionRepository(session),
            audit=SqlAuditRepository(session, self._audit_keys, self._checkpointer),
            accounts=SqlAccountRepository(session),
            jobs=SqlJobQueue(self._engine, session),
            reports=SqlReportQueries(session),
            watchlist=SqlWatchlistRepository(session),
            screening_cases=SqlCaseRepository(session),
            campaigns=SqlCampaignRepository(session),
            declarations=SqlDeclarationRepository(session),
            agreements=SqlAgreementRepository(session),
            deployments=SqlDeploymentRepository(session),
            targets=SqlTargetRepository(session),
            facilities=SqlFacilityRepository(session),
            facts=SqlOperationsFacts(session),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        current, self._current = self._current, None
        if current is not None:
            # Closing rolls back what was not committed; unlike ``rollback`` it leaves what
            # was loaded readable after the block.
            current.session.close()

    def commit(self) -> None:
        with translated("committing the unit of work"):
            self._open().session.commit()

    def rollback(self) -> None:
        self._open().session.rollback()

    @property
    def session(self) -> Session:
        """The open session, for adapters and tests that need SQL beyond the repositories."""
        return self._open().session

    @property
    def identities(self) -> SqlIdentityRepository:
        return self._open().identities

    @property
    def referrals(self) -> SqlReferralRepository:
        return self._open().referrals

    @property
    def bookings(self) -> SqlBookingRepository:
        return self._open().bookings

    @property
    def detainers(self) -> SqlDetainerRepository:
        return self._open().detainers

    @property
    def jurisdictions(self) -> SqlJurisdictionRepository:
        return self._open().jurisdictions

    @property
    def audit(self) -> SqlAuditRepository:
        return self._open().audit

    @property
    def accounts(self) -> SqlAccountRepository:
        return self._open().accounts

    @property
    def jobs(self) -> SqlJobQueue:
        return self._open().jobs

    @property
    def reports(self) -> SqlReportQueries:
        return self._open().reports

    @property
    def watchlist(self) -> SqlWatchlistRepository:
        return self._open().watchlist

    @property
    def screening_cases(self) -> SqlCaseRepository:
        return self._open().screening_cases

    @property
    def campaigns(self) -> SqlCampaignRepository:
        return self._open().campaigns

    @property
    def declarations(self) -> SqlDeclarationRepository:
        return self._open().declarations

    @property
    def agreements(self) -> SqlAgreementRepository:
        """Recorded 287(g) agreements (the published list is ``jurisdictions.agreements``)."""
        return self._open().agreements

    @property
    def deployments(self) -> SqlDeploymentRepository:
        return self._open().deployments

    @property
    def targets(self) -> SqlTargetRepository:
        return self._open().targets

    @property
    def facilities(self) -> SqlFacilityRepository:
        return self._open().facilities

    @property
    def facts(self) -> SqlOperationsFacts:
        return self._open().facts

    def _open(self) -> _Open:
        if self._current is None:
            raise StoreError("the unit of work is not open: use it as `with uow: ...`")
        return self._current


if TYPE_CHECKING:

    def _serves_every_context(uow: SqlUnitOfWork) -> None:
        """Never called: mypy checks here that one unit of work meets every context's port."""
        identity: IdentityUnitOfWork = uow
        bookings: BookingsUnitOfWork = uow
        detainers: DetainersUnitOfWork = uow
        jurisdictions: JurisdictionsUnitOfWork = uow
        audit: AuditUnitOfWork = uow
        accounts: AccountsUnitOfWork = uow
        reporting: ReportingUnitOfWork = uow
        screening: ScreeningUnitOfWork = uow
        operations: OperationsUnitOfWork = uow
        del identity, bookings, detainers, jurisdictions, audit, accounts, reporting, screening
        del operations
