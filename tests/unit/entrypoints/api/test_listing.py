"""Lists as JSON or CSV: negotiation by Accept, one page with the total, and CSV a spreadsheet
opens as it was meant (nested fields dotted, lists joined, no cell run as a formula)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from pydantic import BaseModel
from starlette.requests import Request

from liaison.entrypoints.api.listing import TOTAL_HEADER, Page, listing, wants_csv


class Place(BaseModel):
    fips: str
    name: str


class Row(BaseModel):
    row_id: str
    on: date
    count: int
    share: float
    open: bool
    place: Place
    tags: list[str]
    headcount: dict[str, int]
    note: str | None = None


ROWS = [
    Row(
        row_id="A-1",
        on=date(2025, 6, 1),
        count=3,
        share=-0.5,
        open=True,
        place=Place(fips="48453", name="Travis"),
        tags=["a", "b"],
        headcount={"48453": 10, "48201": 5},
    ),
    Row(
        row_id='=HYPERLINK("http://x")',
        on=date(2025, 6, 2),
        count=-1,
        share=0.25,
        open=False,
        place=Place(fips="06075", name="+San Francisco"),
        tags=[],
        headcount={},
        note="@note",
    ),
]


def _request(accept: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept", accept.encode())]}
    )


@pytest.mark.parametrize(
    ("accept", "csv_wanted"),
    [
        ("text/csv", True),
        ("text/csv;q=0.9, application/json;q=0.5", True),
        ("application/json, text/csv", False),  # a tie is JSON's
        ("text/csv, */*;q=0.1", True),
        ("application/json, text/csv;q=0.5", False),
        ("text/csv;q=0", False),
        ("*/*", False),
        ("", False),
        ("text/csv;q=bogus", False),
    ],
)
def test_csv_is_chosen_by_the_accept_header(accept: str, csv_wanted: bool) -> None:
    assert wants_csv(accept) is csv_wanted


def test_a_page_of_a_list_in_memory() -> None:
    items = list(range(10))
    assert Page(3, 0).of(items) == [0, 1, 2]
    assert Page(3, 9).of(items) == [9]
    assert Page(3, 50).of(items) == []


def test_json_carries_the_total_in_a_header() -> None:
    response = listing(_request("application/json"), ROWS[:1], total=7, name="rows")
    assert response.headers[TOTAL_HEADER] == "7"
    assert response.media_type == "application/json"
    assert bytes(response.body).startswith(b'[{"row_id":"A-1"')


def test_csv_rows_are_flat_and_safe_in_a_spreadsheet() -> None:
    response = listing(_request("text/csv"), ROWS, total=2, name="rows")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="rows.csv"'
    assert response.headers[TOTAL_HEADER] == "2"
    rows = list(csv.DictReader(io.StringIO(bytes(response.body).decode())))
    assert list(rows[0]) == [
        "row_id",
        "on",
        "count",
        "share",
        "open",
        "place.fips",
        "place.name",
        "tags",
        "headcount",
        "note",
    ]
    assert rows[0] == {
        "row_id": "A-1",
        "on": "2025-06-01",
        "count": "3",
        "share": "-0.5",  # a number, not a formula
        "open": "true",
        "place.fips": "48453",
        "place.name": "Travis",
        "tags": "a; b",
        "headcount": "48453=10; 48201=5",
        "note": "",
    }
    assert rows[1]["row_id"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["place.name"] == "'+San Francisco"
    assert rows[1]["note"] == "'@note"
    assert rows[1]["count"] == "-1"


def test_an_empty_list_is_a_csv_header_from_the_routes_row_model() -> None:
    class Route:
        response_model = list[Row]

    request = _request("text/csv")
    request.scope["route"] = Route()
    response = listing(request, [], total=0, name="rows")
    assert bytes(response.body).decode().startswith("row_id,on,count,share,open,place.fips,")
