"""Lists: one page at a time, with the total, as JSON or as CSV.

Every route that answers a list takes ``limit`` (1-500, default 100) and ``offset`` (rows to
skip) through ``PageQuery``, puts the number of rows there are in all in an ``X-Total-Count``
header, and answers CSV instead of JSON to a caller that sends ``Accept: text/csv`` (for a
spreadsheet: nested fields become dotted columns, lists are joined with "; ").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Final, TypeVar, Union, get_args, get_origin

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from liaison.entrypoints.api.bounds import DEFAULT_PAGE, PageLimit, PageOffset

__all__ = ["CSV", "LIST_RESPONSES", "TOTAL_HEADER", "Page", "PageQuery", "listing", "wants_csv"]

T = TypeVar("T")

CSV: Final = "text/csv"
TOTAL_HEADER: Final = "X-Total-Count"
# a cell a spreadsheet would run as a formula is written with a leading apostrophe
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

LIST_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "one page of the list (JSON), or the same rows as CSV to a caller "
        "that sends `Accept: text/csv`",
        "headers": {
            TOTAL_HEADER: {
                "description": "how many rows the list holds in all, over every page",
                "required": True,
                "schema": {"type": "integer", "minimum": 0},
            }
        },
        "content": {CSV: {"schema": {"type": "string"}}},
    }
}


@dataclass(frozen=True)
class Page:
    """Which rows of a list to answer with: ``limit`` rows after the first ``offset``."""

    limit: int = DEFAULT_PAGE
    offset: int = 0

    def of(self, rows: Sequence[T]) -> list[T]:
        """This page of a list held whole in memory."""
        return list(rows[self.offset : self.offset + self.limit])


def _page(limit: PageLimit = DEFAULT_PAGE, offset: PageOffset = 0) -> Page:
    return Page(limit, offset)


PageQuery = Annotated[Page, Depends(_page)]


def wants_csv(accept: str) -> bool:
    """Whether the Accept header prefers ``text/csv`` to JSON (a tie is JSON's; a q of 0
    refuses a type)."""
    quality: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip().lower() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.replace(" ", "").startswith("q="):
                try:
                    q = float(param.split("=", 1)[1])
                except ValueError:
                    q = 0.0
        quality[media] = max(q, quality.get(media, 0.0))
    csv_q = quality.get(CSV, 0.0)
    return csv_q > 0 and csv_q > quality.get("application/json", 0.0)


def listing(request: Request, rows: Sequence[BaseModel], *, total: int, name: str) -> Response:
    """A page of ``rows`` as JSON, or as CSV (``name``.csv) when the caller asks for it, with
    the list's ``total`` in ``X-Total-Count``."""
    headers = {TOTAL_HEADER: str(total), "Vary": "Accept"}
    if wants_csv(request.headers.get("accept", "")):
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        text = _csv(rows, _row_model(request))
        return Response(text, media_type=f"{CSV}; charset=utf-8", headers=headers)
    return JSONResponse([row.model_dump(mode="json") for row in rows], headers=headers)


def _row_model(request: Request) -> type[BaseModel] | None:
    """The model of a row of the route's list (its ``response_model``), if it says."""
    declared = getattr(request.scope.get("route"), "response_model", None)
    union = get_origin(declared) in (Union, UnionType)
    for arg in get_args(declared) if union else (declared,):
        inner = get_args(arg)
        if inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
            return inner[0]
    return None


def _columns(model: type[BaseModel], prefix: str = "") -> dict[str, None]:
    columns: dict[str, None] = {}
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            columns.update(_columns(kind, f"{prefix}{name}."))
        else:
            columns[f"{prefix}{name}"] = None
    return columns


def _csv(rows: Sequence[BaseModel], model: type[BaseModel] | None = None) -> str:
    flat = [_flatten(row, row.model_dump(mode="json")) for row in rows]
    columns: dict[str, None] = _columns(model) if model is not None else {}
    for row in flat:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in flat:
        writer.writerow(_cell(row.get(c)) for c in columns)
    return out.getvalue()


def _flatten(model: BaseModel, dumped: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """One CSV row: a nested model's fields as dotted columns, a mapping as "key=value"
    pairs in one cell."""
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        value, column = getattr(model, name), f"{prefix}{name}"
        if isinstance(value, BaseModel):
            out.update(_flatten(value, dumped[name], f"{column}."))
        elif isinstance(dumped[name], dict):
            out[column] = [f"{k}={_cell(v)}" for k, v in dumped[name].items()]
        else:
            out[column] = dumped[name]
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return _text("; ".join(_cell(v) for v in value))
        return _text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return _text(str(value))


def _text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
