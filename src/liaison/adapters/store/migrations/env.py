"""Alembic's entry point: migrate the database that ``liaison.adapters.store.migrate`` hands in.

``migrate.upgrade`` passes an open connection in ``config.attributes["connection"]``; the
``alembic`` command line (with ``-x url=...`` or ``sqlalchemy.url``) gets an engine made by
``make_engine``, so migrations see the same SQLite settings as the application.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from liaison.adapters.store.tables import metadata
from liaison.adapters.store.uow import make_engine


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("no database: pass -x url=... or set sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _migrate(conn)
    finally:
        engine.dispose()


_run()
