"""JSON encoding of value objects: exact round trips, typed by the dataclasses' own hints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from tests.integration.adapters.store import builders

from liaison.adapters.store.codec import from_plain, to_plain
from liaison.bookings.model import Identification
from liaison.identity.model import CitizenshipRuling, ImmigrationEvent


@pytest.mark.parametrize(
    ("hint", "value"),
    [
        (Identification, builders.booking().identification),
        (list[ImmigrationEvent], builders.identity().events),
        (list[CitizenshipRuling], builders.identity().citizenship_rulings),
        (tuple[float, float], (80.0, 0.1)),
        (dict[int, float], {1: 0.5, 10: 1e-300}),
        (set[str], {"b", "a"}),
        (date | None, None),
    ],
)
def test_values_survive_json(hint: object, value: object) -> None:
    assert from_plain(hint, json.loads(json.dumps(to_plain(value)))) == value


def test_datetimes_come_back_as_the_same_instant_in_utc() -> None:
    eastern = datetime(2025, 1, 1, 7, tzinfo=timezone(timedelta(hours=-5)))
    back = from_plain(datetime, to_plain(eastern))
    assert back == eastern
    assert back.tzinfo is UTC
    assert back.hour == 12
    with pytest.raises(ValueError, match="naive datetime"):
        to_plain(datetime(2025, 1, 1))


@dataclass(frozen=True)
class Grown:
    name: str
    added_later: int = 7


def test_fields_missing_from_stored_json_take_their_defaults() -> None:
    assert from_plain(Grown, {"name": "x"}) == Grown("x", 7)
    with pytest.raises(TypeError, match="does not make a Grown"):
        from_plain(Grown, {"added_later": 1})


def test_values_without_a_json_form_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot store bytes"):
        to_plain(b"raw")
