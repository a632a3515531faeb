"""What the operations commands share: how days and instants are read, the common options,
how a refusal is shown, and how states, instants and JSON bodies are printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated

import typer

from liaison.entrypoints.cli import common
from liaison.jurisdictions.fips import postal
from liaison.operations.errors import NaiveDatetime

__all__ = [
    "INSTANT_EXAMPLE",
    "Actor",
    "AsJson",
    "Day",
    "InstantOrNow",
    "parse_day",
    "parse_instant",
    "print_json",
    "reported",
    "state_list",
    "when",
]

INSTANT_EXAMPLE = "2025-06-01T12:00:00-05:00 or 2025-06-01T17:00:00Z"


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2025-06-01") from None


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time; one without an offset passes, for the domain to refuse by name."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO 8601 date-time like {INSTANT_EXAMPLE}"
        ) from None


Actor = Annotated[str, typer.Option(help="who records it (the audit trail's actor)")]
AsJson = Annotated[bool, typer.Option("--json", help="print the API's JSON body")]
Day = Annotated[date, typer.Option(parser=parse_day, metavar="YYYY-MM-DD")]  # required
InstantOrNow = Annotated[
    datetime | None,
    typer.Option(parser=parse_instant, metavar="DATE-TIME", help="with an offset; default: now"),
]


@contextmanager
def reported() -> Iterator[None]:
    """``common.reported``, and a date-time without a time zone named by its option."""
    with common.reported():
        try:
            yield
        except NaiveDatetime as exc:
            option = "--" + exc.field.replace("_", "-")
            raise common.fail(
                f"NaiveDatetime: {exc} (give {option} an offset: {INSTANT_EXAMPLE})"
            ) from exc


def print_json(payload: object) -> None:
    common.out.print_json(json.dumps(payload))


def state_list(codes: tuple[str, ...] | list[str]) -> str:
    """States by USPS code, e.g. ``HI, TX``."""
    return ", ".join(postal(c) for c in codes)


def when(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d %H:%M} UTC"
