"""What the store raises: backend errors wrapped with the table or statement they came from.

LiaisonError                       liaison.errors
└── StoreError                     a database error, with what the store was doing
    ├── DuplicateKey               a row with the same unique key exists (e.g. a booking's TCN)
    ├── ConcurrentUpdate           another unit of work changed the same record first
    └── LeaseLost                  a job was completed by a worker whose lease another took
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm.exc import StaleDataError

from liaison.errors import LiaisonError
from liaison.transaction import KeyConflict

__all__ = ["ConcurrentUpdate", "DuplicateKey", "LeaseLost", "StoreError", "translated"]


class StoreError(LiaisonError):
    """The database refused or failed an operation; the message says which and where."""


class DuplicateKey(StoreError, KeyConflict):
    """An insert or update would repeat a unique key (primary key or unique constraint)."""


class ConcurrentUpdate(StoreError):
    """The record changed since this unit of work read it (a concurrent writer committed
    first); nothing of this unit of work was saved, and it may be retried from the start."""


class LeaseLost(StoreError):
    """The job's lease lapsed and another worker claimed it: this worker's effect must roll
    back."""


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Re-raise the database's errors inside the block as store errors that say ``what`` the
    store was doing, with the database's own reason and the statement (never swallowed)."""
    try:
        yield
    except IntegrityError as exc:
        kind = DuplicateKey if _is_unique_violation(exc) else StoreError
        raise kind(f"{what}: {_reason(exc)}") from exc
    except StaleDataError as exc:
        raise ConcurrentUpdate(f"{what}: changed by another unit of work first ({exc})") from exc
    except (DBAPIError, StatementError) as exc:
        raise StoreError(f"{what}: {_reason(exc)}") from exc


def _is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        return True
    return getattr(orig, "sqlite_errorname", "") in (
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    )


def _reason(exc: StatementError) -> str:
    reason = str(exc.orig).strip() if exc.orig is not None else str(exc)
    statement = " ".join((exc.statement or "").split())
    if len(statement) > 200:
        statement = statement[:200] + "..."
    return f"{reason} [SQL: {statement}]" if statement else reason
