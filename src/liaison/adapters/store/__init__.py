"""The store: SQLAlchemy tables and mappings, repositories, the job queue, the unit of work
and migrations, on SQLite (embedded default) or PostgreSQL (production).

    engine = make_engine("sqlite:///data/liaison.db")
    upgrade("sqlite:///data/liaison.db")
    with SqlUnitOfWork(engine) as uow:
        ...
        uow.commit()
"""

from __future__ import annotations

from liaison.adapters.store.errors import ConcurrentUpdate, DuplicateKey, LeaseLost, StoreError
from liaison.adapters.store.migrate import upgrade
from liaison.adapters.store.orm import start_mappers
from liaison.adapters.store.queue import SqlJobQueue
from liaison.adapters.store.tables import metadata
from liaison.adapters.store.uow import SqlUnitOfWork, make_engine

__all__ = [
    "ConcurrentUpdate",
    "DuplicateKey",
    "LeaseLost",
    "SqlJobQueue",
    "SqlUnitOfWork",
    "StoreError",
    "make_engine",
    "metadata",
    "start_mappers",
    "upgrade",
]
