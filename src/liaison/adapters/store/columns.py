"""Column types that keep the domain's values exact on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from liaison.adapters.store.codec import from_plain, to_plain, utc

__all__ = ["BigId", "EnumText", "JsonValue", "UTCDateTime"]

# SQLite only auto-numbers an ``INTEGER PRIMARY KEY``; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as UTC and always read back as aware UTC.

    PostgreSQL keeps ``timestamptz``; SQLite keeps the UTC wall time as fixed-width text, which
    sorts and compares in time order. Naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """A ``StrEnum`` member stored as its value (so new members need no schema change)."""

    impl = Text
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class JsonValue(TypeDecorator[Any]):
    """A domain value (dataclasses, lists, tuples, dicts, enums, dates) as JSON, rebuilt as
    the declared ``hint`` on the way out; JSONB on PostgreSQL, JSON text on SQLite.

    A Python ``None`` is SQL NULL, not JSON ``null``.
    """

    impl = JSON(none_as_null=True)
    cache_ok = True

    def __init__(self, hint: Any) -> None:
        super().__init__()
        self.hint = hint

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB(none_as_null=True))
        return dialect.type_descriptor(JSON(none_as_null=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else to_plain(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else from_plain(self.hint, value)
