"""Domain values to JSON-ready data and back, driven by the dataclasses' own type hints.

Value objects (names, events, charges, reviews, transitions, identification results) are
stored as JSON. Encoding follows the value; decoding follows the declared type, so enums come
back as enums, ``dict[int, float]`` keys as ints, tuples as tuples and datetimes as aware UTC.
A field missing from stored JSON takes the dataclass default, so adding an optional field to a
model needs no data migration.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

__all__ = ["from_plain", "iso_utc", "to_plain", "utc"]


def utc(value: datetime) -> datetime:
    """``value`` in UTC; naive datetimes are refused, as their instant is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: the store keeps aware UTC only")
    return value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """``value`` as fixed-width ISO 8601 in UTC (``2025-03-01T12:30:15.000000+00:00``), so that
    stored timestamps compare as text in time order (the store queries them inside JSON)."""
    return utc(value).isoformat(timespec="microseconds")


def to_plain(value: object) -> Any:
    """``value`` as JSON-ready data (dicts with str keys, lists, str, numbers, bools, None)."""
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(to_plain(k)): to_plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((to_plain(v) for v in value), key=repr)  # stable order for stable JSON
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    raise TypeError(f"cannot store {type(value).__name__} as JSON: {value!r}")


def from_plain(hint: Any, data: Any) -> Any:
    """``data`` (as ``to_plain`` made it) rebuilt as the type ``hint`` declares."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return data
    if origin is typing.Union or origin is types.UnionType:
        if data is None and type(None) in args:
            return None
        (inner,) = (a for a in args if a is not type(None))  # one type besides None
        return from_plain(inner, data)
    if origin is list:
        return [from_plain(args[0], v) for v in data]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v) for v in data)
        return tuple(from_plain(a, v) for a, v in zip(args, data, strict=True))
    if origin in (set, frozenset):
        return origin(from_plain(args[0], v) for v in data)
    if origin is dict:
        return {from_plain(args[0], k): from_plain(args[1], v) for k, v in data.items()}
    if not isinstance(hint, type):
        raise TypeError(f"cannot read JSON as {hint!r}")
    if issubclass(hint, Enum):
        return hint(data)
    if issubclass(hint, datetime):
        return utc(data if isinstance(data, datetime) else datetime.fromisoformat(data))
    if issubclass(hint, date):
        return data if isinstance(data, date) else date.fromisoformat(data)
    if hint is float:
        return float(data)
    if hint is int:
        return int(data)
    if hint in (str, bool):
        if not isinstance(data, hint):
            raise TypeError(f"expected {hint.__name__} in stored JSON, got {data!r}")
        return data
    if dataclasses.is_dataclass(hint):
        return _dataclass_from_plain(hint, data)
    raise TypeError(f"cannot read JSON as {hint!r}")


def _dataclass_from_plain(cls: type[Any], data: Mapping[str, Any]) -> Any:
    hints = _hints(cls)
    kwargs = {
        f.name: from_plain(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)
        if f.init and f.name in data
    }
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise TypeError(f"stored JSON does not make a {cls.__name__}: {exc}") from exc


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints
