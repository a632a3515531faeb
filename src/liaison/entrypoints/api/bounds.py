"""Every bound the HTTP API puts on its input, one place per kind.

Each kind is a reusable ``Annotated`` type (or a small check) that the schemas and routes
name, so a bound is changed here once and the OpenAPI document states it:

- pages: ``limit`` 1-500 (default 100) and ``offset`` 0-1,000,000,000 (``PageQuery``);
- ids: integer ids 0..2^63-1 (``IntId``); string ids 1-100 characters of ``[A-Za-z0-9._:@-]``
  starting with a letter or digit (``RecordId``, ``PathId``);
- text: an identifier (TCN, booking number, warrant reference, document number) is printable
  ASCII without leading or trailing space (``Identifier``); a name keeps the letters, marks and
  joiners its script needs but refuses control and bidirectional-override characters
  (``Name``); free text refuses control characters other than tab and line breaks, and the
  bidirectional overrides (``FreeText``). No string anywhere may hold a NUL or a lone surrogate
  (``refuse_unstorable``, run by every request body's base model);
- instants and days: within 1900-01-01 .. 2100-12-31 (``Moment``, ``Day``); ranges at most
  ``MAX_RANGE_DAYS`` (``check_range``);
- bodies: 1 MiB by default, 8 MiB for a JSON booking (it carries ten templates), 32 MiB for an
  ANSI/NIST-ITL transaction (``body_limit``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Final

from fastapi import Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, AwareDatetime, Field

__all__ = [
    "BODY_LIMITS",
    "DEFAULT_BODY_BYTES",
    "DEFAULT_PAGE",
    "EARLIEST",
    "LATEST",
    "MAX_ID",
    "MAX_OFFSET",
    "MAX_PAGE",
    "MAX_RANGE_DAYS",
    "Day",
    "FipsCode",
    "FreeText",
    "Identifier",
    "IntId",
    "Moment",
    "Name",
    "OriCode",
    "PathId",
    "RecordId",
    "body_limit",
    "check_range",
    "identifier_problem",
    "name_problem",
    "refuse_unstorable",
    "text_problem",
]

MAX_PAGE: Final = 500
DEFAULT_PAGE: Final = 100
MAX_OFFSET: Final = 1_000_000_000
MAX_ID: Final = 2**63 - 1  # the store's ids are signed 64-bit integers
MAX_RANGE_DAYS: Final = 366  # a day-by-day read (occupancy) covers at most a year
EARLIEST: Final = date(1900, 1, 1)
LATEST: Final = date(2100, 12, 31)

DEFAULT_BODY_BYTES: Final = 1024 * 1024
# (method, path) -> the largest body taken; every other request: DEFAULT_BODY_BYTES
BODY_LIMITS: Final[dict[tuple[str, str], int]] = {
    ("POST", "/bookings"): 8 * 1024 * 1024,  # ten base64 templates and the biographics
    ("POST", "/bookings/ansi-nist"): 32 * 1024 * 1024,  # 14 uncompressed 1000 ppi prints
}


def body_limit(method: str, path: str) -> int:
    """The largest request body, in bytes, that ``method`` on ``path`` takes."""
    return BODY_LIMITS.get((method.upper(), path.rstrip("/") or "/"), DEFAULT_BODY_BYTES)


# -- characters ----------------------------------------------------------------------------

# bidirectional embeddings, overrides and isolates, and the implicit marks: text that reads
# one way and displays another ("Trojan Source"); no identifier or name needs them
_BIDI: Final = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# zero-width joiners are part of how some scripts (Persian, Indic) spell names
_JOINERS: Final = frozenset("\u200c\u200d")
_LINE_BREAKS: Final = frozenset("\t\n\r")
_IDENTIFIER: Final = re.compile(r"[!-~](?:[ -~]*[!-~])?")
_RECORD_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$"


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")  # NUL, and surrogates (lone in a str)


def identifier_problem(text: str) -> str | None:
    """Why ``text`` is no identifier (printable ASCII, no outer space), or None."""
    if not text or _IDENTIFIER.fullmatch(text):
        return None
    bad = next((ch for ch in text if not " " <= ch <= "~"), None)
    if bad is not None:
        return f"holds {_describe(bad)}: an identifier is printable ASCII"
    return "starts or ends with a space"


def name_problem(text: str) -> str | None:
    """Why ``text`` cannot be a person's or a place's name, or None: letters, marks, digits,
    punctuation, symbols, spaces and the zero-width joiners are kept; control, format
    (bidirectional controls, zero-width space), private-use and unassigned characters and line
    or paragraph separators are refused."""
    for ch in text:
        if ch in _JOINERS:
            continue
        category = unicodedata.category(ch)
        if ch in _BIDI or category[0] == "C" or category in ("Zl", "Zp"):
            return f"holds {_describe(ch)}, which no name needs"
    return None


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be free text (a reason, a note, evidence), or None: control
    characters other than tab and line breaks, bidirectional overrides, NUL and lone
    surrogates are refused."""
    for ch in text:
        if ch in _LINE_BREAKS:
            continue
        category = unicodedata.category(ch)
        if ch in _BIDI or category in ("Cc", "Cs", "Co"):
            return f"holds {_describe(ch)}, which free text may not"
    return None


def _checked(problem: Callable[[str], str | None]) -> Callable[[str], str]:
    def check(text: str) -> str:
        found = problem(text)
        if found is not None:
            raise ValueError(found)
        return text

    return check


def refuse_unstorable(value: Any, where: str = "") -> None:
    """Raise ``ValueError`` naming the first string (or key) anywhere in a decoded JSON
    ``value`` that holds a NUL or a lone surrogate (neither is text a store can keep), or the
    first float that is not finite."""
    if isinstance(value, str):
        bad = _UNSTORABLE.search(value)
        if bad is not None:
            raise ValueError(f"{where or 'a string'} holds {_describe(bad.group())}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where or 'a number'} is not a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_unstorable(key, f"{where}[key]" if where else "a key")
            refuse_unstorable(item, f"{where}.{_safe(key)}" if where else _safe(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            refuse_unstorable(item, f"{where}[{i}]")


def _safe(key: object) -> str:
    text = str(key)
    return "?" if _UNSTORABLE.search(text) else text[:40]


# -- text types ----------------------------------------------------------------------------


# a kind checks characters only: each field states its length (``Field(max_length=...)``;
# a length in the kind itself would win over the field's)
Identifier = Annotated[str, AfterValidator(_checked(identifier_problem))]
Name = Annotated[str, AfterValidator(_checked(name_problem))]
FreeText = Annotated[str, AfterValidator(_checked(text_problem))]
OriCode = Annotated[str, Field(pattern=r"^[A-Z]{2}[A-Z0-9]{7}$", description="an ORI")]
FipsCode = Annotated[
    str,
    Field(pattern=r"^[0-9]{2}(?:[0-9]{3}(?:[0-9]{2})?)?$", description="state, county or city"),
]
RecordId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=_RECORD_ID_PATTERN,
        description="1-100 of A-Z a-z 0-9 . _ : @ -, first a letter or digit",
    ),
]
PathId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=_RECORD_ID_PATTERN,
        description="1-100 of A-Z a-z 0-9 . _ : @ -, first a letter or digit",
    ),
]
IntId = Annotated[int, Field(ge=0, le=MAX_ID)]


# -- instants and days ---------------------------------------------------------------------


def _in_years(day: date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day.isoformat()} is outside {EARLIEST} .. {LATEST}")


def _day_in_bounds(day: date) -> date:
    _in_years(day)
    return day


def _moment_in_bounds(moment: datetime) -> datetime:
    _in_years(moment.astimezone(UTC).date())
    return moment


Day = Annotated[date, AfterValidator(_day_in_bounds)]
Moment = Annotated[AwareDatetime, AfterValidator(_moment_in_bounds)]


def check_range(
    first: date | datetime | None,
    last: date | datetime | None,
    *,
    names: tuple[str, str],
    max_days: int | None = MAX_RANGE_DAYS,
    where: str = "query",
) -> None:
    """422 (as a validation error naming the later field) unless ``first`` <= ``last`` and
    the range spans at most ``max_days`` days (None: no limit on the span)."""
    if first is None or last is None:
        return
    a = first if isinstance(first, datetime) else datetime.combine(first, time(), UTC)
    b = last if isinstance(last, datetime) else datetime.combine(last, time(), UTC)
    problem = None
    if b < a:
        problem = f"{names[1]} is before {names[0]}"
    elif max_days is not None and (b - a).days + 1 > max_days:
        problem = f"the range {names[0]}..{names[1]} spans more than {max_days} days"
    if problem is not None:
        raise RequestValidationError(
            [{"type": "value_error", "loc": (where, names[1]), "msg": problem, "input": None}]
        )


PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"rows per page, 1-{MAX_PAGE}")]
PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
