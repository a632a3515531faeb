"""The one place where settings, stores, indexes and engines are wired together."""

from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from liaison.accounts.active import ActiveAccounts
from liaison.accounts.throttle import LogonGuard
from liaison.adapters.audit_anchor import FileAnchor
from liaison.adapters.audit_keys import FileKeyRing
from liaison.adapters.biometric_search import EngineSearch
from liaison.adapters.store import migrate
from liaison.adapters.store.orm import start_mappers
from liaison.adapters.store.uow import SqlUnitOfWork, make_engine
from liaison.audit.checkpoints import Checkpointer
from liaison.audit.ports import AuditAnchor
from liaison.biometrics.codes import CodeParams
from liaison.biometrics.errors import GalleryError
from liaison.biometrics.gallery import Gallery
from liaison.biometrics.identification import Identifier, SearchParams, Thresholds
from liaison.biometrics.index import CodeIndex, IndexParams
from liaison.bookings.ports import TenPrintSearch
from liaison.bookings.services import EncounterScreening
from liaison.identity.priority import PriorityTable
from liaison.private_files import private_dir, write_private
from liaison.settings import Settings

__all__ = [
    "Container",
    "audit_anchor",
    "audit_keys",
    "container",
    "open_gallery",
    "open_identifier",
    "settings",
]


def settings(data_dir: Path | None = None) -> Settings:
    """Settings for this process (environment, overridden by explicit arguments)."""
    return Settings.from_env(data_dir)


def open_gallery(cfg: Settings, *, create: bool = False) -> Gallery:
    """The gallery under the data directory; created empty when asked."""
    code_bytes = CodeParams().nbytes
    if create:
        return Gallery.open_or_create(cfg.gallery_dir, code_bytes=code_bytes)
    return Gallery.open(cfg.gallery_dir)


def open_identifier(
    cfg: Settings,
    *,
    thresholds: Thresholds | None = None,
    search: SearchParams | None = None,
    rebuild_index: bool = False,
) -> Identifier:
    """An identifier over the data directory's gallery, reusing a saved index when current."""
    gallery = open_gallery(cfg)
    index: CodeIndex | None = None
    stamp = cfg.index_dir / "rows"
    if (
        not rebuild_index
        and gallery.rows > 0
        and stamp.exists()
        and stamp.read_text() == str(gallery.rows)
    ):
        index = CodeIndex.load(cfg.index_dir, gallery.code_bytes * 8, IndexParams())
    if index is None:
        index = CodeIndex.build(gallery, IndexParams())
        index.save(cfg.index_dir)
        stamp.write_text(str(gallery.rows))
    return Identifier(
        gallery,
        index,
        thresholds or Thresholds.load(cfg.thresholds_file),
        search=search,
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Container:
    """Everything a request or a worker needs, wired once per process."""

    settings: Settings
    uow: Callable[[], SqlUnitOfWork]
    jwt_secret: str
    priority_table: PriorityTable
    clock: Callable[[], datetime] = _utc_now
    new_id: Callable[[], str] = _new_id
    token_ttl: timedelta = timedelta(minutes=15)
    search_factory: Callable[[], TenPrintSearch] | None = None
    close: Callable[[], None] = lambda: None  # releases the database connections
    screen_encounters: bool = True  # screen each booked person against the watchlist
    # logons throttled per account, per source and at once; accounts checked on each request
    logons: LogonGuard = field(default_factory=LogonGuard)
    active_accounts: ActiveAccounts = field(default_factory=ActiveAccounts)
    # the audit trail's MAC keys and the checkpoints of its head, both outside the database
    audit_keys: FileKeyRing | None = None
    audit_anchor: AuditAnchor | None = None
    _search: TenPrintSearch | None = field(default=None, repr=False)
    _screening: EncounterScreening | None = field(default=None, repr=False)

    def encounter_screening(self) -> EncounterScreening | None:
        """The watchlist screening of bookings (DuckDB in process), or None when off."""
        if not self.screen_encounters:
            return None
        if self._screening is None:
            # imported on first use: DuckDB and ICU cost every process start otherwise
            from liaison.adapters.linkage.encounter import DuckDBScreening

            engine = DuckDBScreening()
            self._screening = EncounterScreening(keys=engine, scorer=engine, new_id=self.new_id)
        return self._screening

    def search(self) -> TenPrintSearch:
        """The biometric engine, opened on first use (loading the index takes seconds)."""
        if self._search is None:
            if self.search_factory is None:
                raise GalleryError("this process has no biometric engine wired")
            self._search = self.search_factory()
        return self._search


def jwt_secret(cfg: Settings) -> str:
    """``LIAISON_JWT_SECRET``, else a random key kept (mode 0600) in the data directory."""
    env = os.environ.get("LIAISON_JWT_SECRET")
    if env:
        return env
    path = cfg.jwt_key_file
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            write_private(path, secrets.token_urlsafe(48), exclusive=True)
    return path.read_text().strip()


def audit_keys(cfg: Settings) -> FileKeyRing:
    """The audit MAC key ring (``LIAISON_AUDIT_KEY_FILE``, else in the data directory), made
    0600 on the first entry written, never by a read."""
    return FileKeyRing(cfg.audit_key_file)


def audit_anchor(cfg: Settings) -> AuditAnchor:
    """Where checkpoints of the audit trail's head are kept: an append-only file by default
    (see ``liaison.adapters.audit_anchor`` for an external append-only store instead)."""
    return FileAnchor(cfg.audit_checkpoint_file)


def container(
    cfg: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    with_engine: bool = True,
    upgrade_schema: bool = True,
) -> Container:
    """Wire the store, the engine and the services for one process."""
    private_dir(cfg.data_dir)
    url = cfg.store_url
    if upgrade_schema:
        migrate.upgrade(url)
    start_mappers()
    engine = make_engine(url)
    now = clock or _utc_now
    keys, anchor = audit_keys(cfg), audit_anchor(cfg)
    checkpointer = Checkpointer(
        keys=keys, anchor=anchor, clock=now, every=cfg.audit_checkpoint_every
    )

    def search_factory() -> TenPrintSearch:
        return EngineSearch(open_identifier(cfg), now)

    return Container(
        settings=cfg,
        uow=lambda: SqlUnitOfWork(engine, audit_keys=keys, checkpointer=checkpointer),
        jwt_secret=jwt_secret(cfg),
        priority_table=PriorityTable.default(),
        clock=now,
        token_ttl=timedelta(minutes=cfg.token_minutes),
        search_factory=search_factory if with_engine else None,
        close=engine.dispose,
        audit_keys=keys,
        audit_anchor=anchor,
    )
