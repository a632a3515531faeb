"""Bring a database's schema up to date with Alembic, without an ``alembic.ini``."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from liaison.adapters.store.errors import translated
from liaison.adapters.store.uow import make_engine

__all__ = ["SCRIPT_LOCATION", "alembic_config", "upgrade"]

SCRIPT_LOCATION = "liaison.adapters.store:migrations"  # found through the installed package


def alembic_config() -> Config:
    """Alembic's configuration for Liaison's migrations (no ini file; pass a connection in
    ``config.attributes["connection"]``, or ``-x url=...`` on the command line)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (the newest by default), in one
    transaction where the database allows it; an up-to-date database is left as it is."""
    engine = make_engine(url)
    try:
        with translated(f"migrating the schema to {revision}"), engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
