"""The API's bounds, one kind at a time, and the check that every request body of the OpenAPI
document is bounded: each string has a length (or a fixed shape), each list and map a count,
each number a range. A field added later without one fails here."""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest
from fastapi.exceptions import RequestValidationError
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from liaison.bootstrap import Container
from liaison.entrypoints.api.app import create_app
from liaison.entrypoints.api.bounds import (
    BODY_LIMITS,
    DEFAULT_BODY_BYTES,
    Day,
    Moment,
    body_limit,
    check_range,
    identifier_problem,
    name_problem,
    refuse_unstorable,
    text_problem,
)
from liaison.entrypoints.api.schemas import BookingIn

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
ZERO_WIDTH = "\u200b\ufeff"
CONTROLS = "".join(chr(c) for c in range(32)) + "\x7f"

printable_ascii = st.text(alphabet=string.printable[:95], min_size=1, max_size=40)
identifiers = printable_ascii.filter(lambda t: t == t.strip() and t.strip())


@given(identifiers)
def test_printable_ascii_without_outer_spaces_is_an_identifier(text: str) -> None:
    assert identifier_problem(text) is None


@given(identifiers, st.sampled_from(BIDI + ZERO_WIDTH + CONTROLS + "é\u00a0"), st.data())
def test_an_identifier_refuses_any_other_character(
    text: str, bad: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(text)))
    problem = identifier_problem(text[:at] + bad + text[at:])
    assert problem is not None
    assert f"U+{ord(bad):04X}" in problem


@pytest.mark.parametrize("text", [" TCN", "TCN ", "   "])
def test_an_identifier_has_no_outer_space(text: str) -> None:
    assert identifier_problem(text) == "starts or ends with a space"


@pytest.mark.parametrize(
    "name",
    ["Nguyễn", "O'Brien-Ñúñez", "d'Ávila y Peña", "مه\u200cدی", "王小明", "Đặng", "Σωκράτης"],
)
def test_a_name_keeps_the_unicode_it_needs(name: str) -> None:
    assert name_problem(name) is None


@given(
    st.text(alphabet=st.characters(categories=["L", "M", "Zs"]), max_size=20),
    st.sampled_from(BIDI + ZERO_WIDTH + CONTROLS + "\u2028\u2029\ue000"),
)
def test_a_name_refuses_control_format_and_bidi_characters(name: str, bad: str) -> None:
    assert name_problem(name + bad) is not None


def test_free_text_keeps_line_breaks_and_refuses_controls_and_overrides() -> None:
    assert text_problem("first line\n\tsecond line\r\nthird: دی") is None
    for bad in ("\x00", "\x07", "\u202e", "\u2066", "\ud800", "\ue000"):
        assert text_problem(f"a{bad}b") is not None, repr(bad)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(
            alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
            max_size=10,
        ),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.text(max_size=5).filter(lambda k: "\x00" not in k), children, max_size=3
            )
        ),
        max_leaves=10,
    )
)
def test_storable_json_passes(value: Any) -> None:
    refuse_unstorable(value)


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": {"b": ["ok", "x\x00y"]}}, "a.b[1]"),
        ({"a": "\ud800"}, "a"),
        ({"k\udfffey": 1}, "a key"),
        ({"goal": float("nan")}, "goal"),
        ([1.0, float("inf")], "[1]"),
    ],
    ids=["nul", "surrogate", "surrogate-key", "nan", "infinity"],
)
def test_unstorable_json_is_refused_naming_where(value: Any, where: str) -> None:
    with pytest.raises(ValueError, match=re.escape(where)):
        refuse_unstorable(value)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("1900-01-01T00:00:00Z", True),
        ("2100-12-31T23:59:59Z", True),
        ("1899-12-31T23:59:59Z", False),
        ("0001-01-01T00:00:00Z", False),
        ("9999-12-31T00:00:00Z", False),
        ("2025-06-01T12:00:00", False),  # naive: no instant
    ],
)
def test_a_moment_is_aware_and_within_1900_to_2100(text: str, ok: bool) -> None:
    adapter: TypeAdapter[datetime] = TypeAdapter(Moment)
    if ok:
        assert adapter.validate_python(text).tzinfo is not None
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(text)


def test_a_day_is_within_1900_to_2100() -> None:
    adapter: TypeAdapter[date] = TypeAdapter(Day)
    assert adapter.validate_python("1900-01-01") == date(1900, 1, 1)
    for text in ("1899-12-31", "2101-01-01", "0001-01-01"):
        with pytest.raises(ValidationError):
            adapter.validate_python(text)


def test_a_range_is_ordered_and_at_most_366_days() -> None:
    check_range(date(2025, 1, 1), date(2025, 12, 31), names=("first", "last"))
    check_range(None, date(2025, 1, 1), names=("first", "last"))
    for first, last, words in [
        (date(2025, 1, 1), date(2026, 1, 2), "more than 366 days"),
        (date(2025, 1, 2), date(2025, 1, 1), "last is before first"),
    ]:
        with pytest.raises(RequestValidationError) as raised:
            check_range(first, last, names=("first", "last"))
        (error,) = raised.value.errors()
        assert error["loc"] == ("query", "last")
        assert words in error["msg"]
    aware = datetime(2025, 1, 1, tzinfo=UTC)
    check_range(aware, aware.replace(year=2090), names=("start", "end"), max_days=None)


def test_body_limits_by_route() -> None:
    assert body_limit("POST", "/bookings") == 8 * 1024 * 1024
    assert body_limit("post", "/bookings/") == 8 * 1024 * 1024
    assert body_limit("POST", "/bookings/ansi-nist") == 32 * 1024 * 1024
    assert body_limit("POST", "/auth/token") == DEFAULT_BODY_BYTES == 1024 * 1024
    assert all(limit >= DEFAULT_BODY_BYTES for limit in BODY_LIMITS.values())


def test_a_booking_born_after_its_arrest_is_refused() -> None:
    body = {
        "tcn": "T-1",
        "ori": "TX2270000",
        "booking_number": "B-1",
        "arrested_at": "2026-01-02T00:00:00Z",
        "biographics": {
            "family_name": "Smith",
            "given_name": "Jo",
            "birth_date": "2026-01-03",
            "sex": "M",
            "birth_place": "US",
            "claimed_citizenship": "US",
        },
        "charges": [{"ncic_code": "1313"}],
        "fingerprints": {},
    }
    with pytest.raises(ValidationError, match="after the arrest"):
        BookingIn.model_validate(body)
    body["biographics"]["birth_date"] = "1980-01-01"  # type: ignore[index]
    assert BookingIn.model_validate(body).biographics.birth_date == date(1980, 1, 1)


# -- every request body of the document is bounded -----------------------------------------

_UNBOUNDED_QUANTIFIER = re.compile(r"(?<!\\)[*+]|\{\d+,\}")


def _bounded_string(schema: dict[str, Any]) -> bool:
    if "maxLength" in schema or "enum" in schema or "const" in schema:
        return True
    if schema.get("format") in ("date", "date-time", "binary"):
        return True
    pattern = schema.get("pattern")
    return pattern is not None and not _UNBOUNDED_QUANTIFIER.search(pattern)


def _unbounded(
    schema: dict[str, Any], where: str, defs: dict[str, Any], seen: set[str]
) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded(defs[name], where, defs, seen | {name})
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            found += _unbounded(sub, where, defs, seen)
    kind = schema.get("type")
    if kind == "string" and not _bounded_string(schema):
        found.append(f"{where}: a string without a length")
    elif kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: a list without a count")
        found += _unbounded(schema.get("items", {}), f"{where}[]", defs, seen)
    elif kind in ("integer", "number") and not ("maximum" in schema and "minimum" in schema):
        found.append(f"{where}: a number without a range")
    elif kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                found.append(f"{where}: a map without a count")
            found += _unbounded(
                schema.get("propertyNames", {"maxLength": 1, "type": "string"}),
                f"{where}{{key}}",
                defs,
                seen,
            )
            found += _unbounded(extra, f"{where}{{}}", defs, seen)
        for name, sub in schema.get("properties", {}).items():
            found += _unbounded(sub, f"{where}.{name}", defs, seen)
    return found


def test_every_request_body_and_parameter_is_bounded() -> None:
    document = create_app(cast(Container, object())).openapi()
    defs = document["components"]["schemas"]
    found: list[str] = []
    bodies = 0
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                if "schema" in content and media != "application/x-an2":
                    bodies += 1
                    found += _unbounded(content["schema"], f"{method} {path} body", defs, set())
            for param in op.get("parameters", []):
                if param["in"] in ("query", "path"):
                    where = f"{method} {path} {param['name']}"
                    found += _unbounded(param["schema"], where, defs, set())
    assert bodies > 25  # the walk saw the bodies (it must not pass vacuously)
    assert found == []


def test_the_check_catches_an_unbounded_field() -> None:
    schema = {
        "type": "object",
        "properties": {
            "note": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
            "count": {"type": "integer", "minimum": 0},
            "fixed": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "free": {"type": "string", "pattern": "^[A-Z]+$"},
        },
    }
    assert _unbounded(schema, "b", {}, set()) == [
        "b.note: a string without a length",
        "b.tags: a list without a count",
        "b.count: a number without a range",
        "b.free: a string without a length",
    ]


def test_no_identifier_kind_admits_a_character_unicode_calls_a_control() -> None:
    controls = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf")]
    assert all(identifier_problem(f"A{ch}B") for ch in controls)
    assert all(name_problem(f"A{ch}B") for ch in controls if ch not in "\u200c\u200d")
