"""The API under bad input, over real HTTP on SQLite and on PostgreSQL (issue 19, classes 1, 2,
6, 7 and 9): every input is bounded, no error leaks or crashes, identifiers refuse what they
have no use for, the OpenAPI document says what the API answers, and lists page, count,
filter only as declared and export CSV; bookings, people, agencies and policies read back.

Each test here failed on the code before the hardening (dbec86c)."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from liaison.entrypoints.api.errors import ErrorOut
from liaison.identity.model import Identity
from liaison.synth.spine import booking_body

from .conftest import SEED, Running

SF = "CA0380000"  # San Francisco
TRAVIS = "TX2270000"  # Travis County
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

# every route that answers a list, as a reader it admits would call it
LISTS: list[tuple[str, str]] = [
    ("officer", "/review-queue"),
    ("officer", "/detainers"),
    ("officer", "/bookings"),
    ("officer", "/identities?family_name=Smith&birth_date=1980-01-01"),
    ("adjudicator", "/citizenship/referrals"),
    ("analyst", "/screening/cases"),
    ("manager", "/reports/declined-detainers"),
    ("manager", "/agencies"),
    ("manager", "/policies"),
    ("manager", "/operations/declarations"),
    ("manager", "/operations/agreements?on=2025-06-01"),
    ("manager", "/operations/agreements/counts"),
    ("manager", "/operations/agreements/changes"),
    ("manager", "/operations/deployments"),
    ("manager", "/operations/deployments/overlaps"),
    ("manager", "/operations/targets"),
    ("manager", "/operations/facilities"),
]


@pytest.fixture(scope="module")
def people(running: Running) -> dict[str, dict[str, str]]:
    users = ("officer", "adjudicator", "analyst", "manager", "auditor", "admin", "jailer_tx")
    return {user: running.token(user) for user in users}


def _with(path: str, **params: object) -> str:
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{path}{'&' if '?' in path else '?'}{extra}"


def _error(r: httpx.Response) -> ErrorOut:
    """The body as the one error schema (raises when it is not)."""
    return ErrorOut.model_validate(r.json())


def _book(running: Running, *, identity: int, tcn: str, ori: str, **change: Any) -> httpx.Response:
    body = booking_body(seed=SEED, identity=identity, tcn=tcn, ori=ori, arrested_at=NOW)
    for key, value in change.items():
        if key in ("family_name", "given_name", "birth_date"):
            body["biographics"] = {**body["biographics"], key: value}  # type: ignore[dict-item]
        else:
            body[key] = value
    with running.client() as http:
        return http.post("/bookings", json=body, headers=running.jail(ori))


# -- 1: unbounded inputs -------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["-1", "0", "501", "100000000000000000000"])
@pytest.mark.parametrize(("user", "path"), LISTS)
def test_every_page_size_is_1_to_500(
    running: Running, people: dict[str, dict[str, str]], user: str, path: str, limit: str
) -> None:
    with running.client() as http:
        r = http.get(_with(path, limit=limit), headers=people[user])
    assert r.status_code == 422, f"{path} limit={limit}: {r.status_code} {r.text[:200]}"
    assert "limit" in _error(r).detail


def test_an_id_past_2_63_is_a_422(running: Running, people: dict[str, dict[str, str]]) -> None:
    with running.client() as http:
        r = http.get(f"/identities/{2**63}", headers=people["officer"])
        review = http.post(
            "/bookings/x/review",
            headers=people["officer"],
            json={"action": "no_action", "verified_identity_id": 2**64, "reason": "r"},
        )
    assert r.status_code == 422, r.text
    assert review.status_code == 422, review.text


def test_a_day_by_day_range_is_at_most_a_year(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    with running.client() as http:
        made = http.post(
            "/operations/facilities",
            headers=people["manager"],
            json={"facility_id": "HARD-1", "name": "Hard", "jurisdiction_fips": "48453", "beds": 9},
        )
        assert made.status_code in (201, 409), made.text
        base = "/operations/facilities/HARD-1/occupancy"
        long = http.get(f"{base}?first=1900-01-01&last=2100-12-31", headers=people["manager"])
        ancient = http.get(f"{base}?first=0001-01-01&last=0001-01-02", headers=people["manager"])
        year = http.get(f"{base}?first=2025-01-01&last=2025-12-31", headers=people["manager"])
    assert long.status_code == 422
    assert "366 days" in long.json()["detail"]
    assert ancient.status_code == 422
    assert year.status_code == 200
    assert year.headers["X-Total-Count"] == "365"


def test_a_booking_out_of_bounds_is_refused_before_it_is_stored(running: Running) -> None:
    huge = "x" * (9 * 1024 * 1024)
    many = [{"ncic_code": "1313", "literal": "assault", "felony": False}] * 51
    long_literal = [{"ncic_code": "1313", "literal": "x" * 201, "felony": False}]
    assert _book(running, identity=20, tcn="HARD-BIG", ori=TRAVIS, tcn_pad=huge).status_code == 413
    r = _book(running, identity=20, tcn="HARD-MANY", ori=TRAVIS, charges=many)
    assert r.status_code == 422
    assert "charges" in _error(r).detail
    r = _book(running, identity=20, tcn="HARD-LIT", ori=TRAVIS, charges=long_literal)
    assert r.status_code == 422
    assert "literal" in _error(r).detail


def test_a_5_mb_username_never_reaches_the_logon(running: Running) -> None:
    with running.client() as http:
        r = http.post("/auth/token", json={"username": "u" * 5_000_000, "password": "p"})
        long = http.post("/auth/token", json={"username": "u" * 101, "password": "p"})
    assert r.status_code == 413
    assert _error(r).error == "ContentTooLarge"
    assert long.status_code == 422


# -- 2: errors leak and crash --------------------------------------------------------------


def test_a_nul_in_any_field_is_a_422_without_sql(running: Running) -> None:
    with running.client() as http:
        logon = http.post("/auth/token", json={"username": "a\u0000b", "password": "p"})
        booking = _book(running, identity=21, tcn="HARD-NUL\u0000", ori=TRAVIS)
        name = _book(running, identity=21, tcn="HARD-NUL-2", ori=TRAVIS, family_name="Ab\u0000c")
    for r in (logon, booking, name):
        assert r.status_code == 422, r.text
        assert "SQL" not in r.text
        assert "SELECT" not in r.text.upper()
        assert "U+0000" in _error(r).detail


@pytest.mark.parametrize(
    "raw",
    [
        '{"answer": "\\ud800"}',  # a lone surrogate where an enum is expected
        '{"answer": NaN}',
        '{"answer": "decline", "x": "\\udfff"}',
        '{"answer": Infinity}',
    ],
    ids=["surrogate", "nan", "surrogate-extra", "infinity"],
)
def test_unserialisable_input_is_a_422_never_a_500(running: Running, raw: str) -> None:
    with running.client() as http:
        r = http.post(
            "/detainers/x/answer",
            content=raw.encode(),
            headers={**running.jail(SF), "Content-Type": "application/json"},
        )
    assert r.status_code == 422, r.text
    body = _error(r)
    assert body.problems
    assert "input" not in r.text


def test_a_naive_datetime_in_a_range_is_a_422_naming_the_field(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    with running.client() as http:
        r = http.get(
            "/reports/declined-detainers?start=2025-01-01T00:00:00", headers=people["manager"]
        )
        ancient = http.get(
            "/reports/declined-detainers?start=0001-01-01T00:00:00Z", headers=people["manager"]
        )
    assert r.status_code == 422, r.text
    assert r.json()["problems"][0]["loc"] == ["query", "start"]
    assert ancient.status_code == 422


def test_a_signed_token_with_an_unknown_role_is_a_401(running: Running) -> None:
    claims = {
        "sub": "officer",
        "roles": ["overlord"],
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
    }
    token = jwt.encode(claims, running.container.jwt_secret, algorithm="HS256")
    with running.client() as http:
        r = http.get("/detainers", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.text


def test_every_answer_carries_a_request_id(running: Running) -> None:
    with running.client() as http:
        given = http.get("/health", headers={"X-Request-ID": "trace-42.a_b"})
        made = http.get("/health")
        refused = http.get("/detainers")
        junk = http.get("/health", headers={"X-Request-ID": "bad id\twith tab"})
    assert given.headers["X-Request-ID"] == "trace-42.a_b"
    assert len(made.headers["X-Request-ID"]) == 32
    assert refused.status_code == 401
    assert refused.headers["X-Request-ID"]
    assert junk.headers["X-Request-ID"] != "bad id\twith tab"


# -- 6: weak validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "tcn",
    ["HARD-T\n1", "HARD-T\u202e2", "HARD-T\u200b3", "HARD-T\u00004", " HARD-T5"],
    ids=["newline", "rtl-override", "zero-width", "nul", "leading-space"],
)
def test_a_tcn_refuses_control_bidi_and_zero_width_characters(running: Running, tcn: str) -> None:
    r = _book(running, identity=22, tcn=tcn, ori=TRAVIS)
    assert r.status_code == 422, r.text
    assert "tcn" in _error(r).detail


@pytest.mark.parametrize(
    ("tcn", "change"),
    [
        ("HARD-D-1", {"arrested_at": "0001-01-01T00:00:00+00:00"}),
        ("HARD-D-2", {"arrested_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()}),
        ("HARD-D-3", {"birth_date": "2999-01-01"}),
        ("HARD-D-4", {"birth_date": "1899-12-31"}),
        ("HARD-D-5", {"family_name": "Smith\u202e"}),
        ("HARD-D-6", {"family_name": "Smith\nJones"}),
    ],
    ids=["arrest-year-1", "arrest-3-days-ahead", "born-2999", "born-1899", "bidi-name", "nl-name"],
)
def test_dates_and_names_out_of_bounds_are_refused(
    running: Running, tcn: str, change: dict[str, str]
) -> None:
    r = _book(running, identity=23, tcn=tcn, ori=TRAVIS, **change)
    assert r.status_code == 422, r.text


def test_names_keep_the_unicode_they_need(running: Running) -> None:
    r = _book(
        running, identity=24, tcn="HARD-NAME-1", ori=TRAVIS, family_name="Nguyễn-Ñúñez d'Ávila"
    )
    assert r.status_code == 202, r.text
    persian = _book(running, identity=25, tcn="HARD-NAME-2", ori=TRAVIS, given_name="مه\u200cدی")
    assert persian.status_code == 202, persian.text


# -- 7: the OpenAPI document ---------------------------------------------------------------


def test_error_bodies_are_the_documented_schema(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    with running.client() as http:
        document = http.get("/openapi.json").json()
        answers = {
            400: http.get("/detainers?ori=X", headers=people["officer"]),
            401: http.get("/detainers"),
            403: http.get("/detainers", headers=people["analyst"]),
            404: http.get("/detainers/nope", headers=people["officer"]),
            405: http.delete("/operations/declarations", headers=people["manager"]),
            413: http.post("/auth/token", content=b"{" + b" " * (2 * 1024 * 1024) + b"}"),
            422: http.post("/detainers/x/cancel", headers=people["officer"], json={}),
        }
        domain = http.post(
            "/operations/declarations",
            headers=people["manager"],
            json={
                "declaration_id": "HARD-DEC",
                "kind": "other",
                "authority": " ",
                "states": ["TX"],
            },
        )
    for status, r in answers.items():
        assert r.status_code == status, (status, r.text)
        _error(r)
    assert domain.status_code == 422
    assert _error(domain).error == "InvalidDeclaration"
    assert set(document["components"]["schemas"]["ErrorOut"]["properties"]) >= {"error", "detail"}
    op = document["paths"]["/detainers/{detainer_id}/cancel"]["post"]
    for status in ("401", "403", "404", "409", "422"):
        schema = op["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}, status
    assert op["security"] == [{"bearerToken": []}, {"jailApiKey": []}]


def test_a_405_names_every_method_the_path_takes(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    with running.client() as http:
        r = http.delete("/operations/declarations", headers=people["manager"])
        put = http.put("/bookings", headers=people["manager"])
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= {"GET", "POST"}
    assert put.status_code == 405
    assert {m.strip() for m in put.headers["Allow"].split(",")} >= {"GET", "POST"}


def test_the_docs_work_without_internet(running: Running) -> None:
    with running.client() as http:
        page = http.get("/docs")
        redoc = http.get("/redoc")
        assets = [
            http.get(f"/docs-assets/{name}")
            for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js")
        ]
    assert page.status_code == 200
    for html in (page.text, redoc.text):
        assert "http://" not in html
        assert "https://" not in html
        assert "/docs-assets/" in html
    assert all(a.status_code == 200 and len(a.content) > 10_000 for a in assets)


# -- 9: finding things ---------------------------------------------------------------------


def test_an_unknown_query_parameter_is_a_400_naming_it(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    with running.client() as http:
        r = http.get(f"/detainers?ori={SF}", headers=people["manager"])
        typo = http.get("/operations/deployments?onn=2025-06-01", headers=people["manager"])
    assert r.status_code == 400
    assert "'ori'" in _error(r).detail
    assert typo.status_code == 400
    assert "'onn'" in typo.json()["detail"]


def test_lists_page_with_a_working_offset_and_a_total(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    with running.client() as http:
        every = http.get("/agencies", headers=people["manager"])
        second = http.get("/agencies?limit=1&offset=1", headers=people["manager"])
        past = http.get("/agencies?offset=1000", headers=people["manager"])
    total = len(running.world.agencies)
    assert every.headers["X-Total-Count"] == str(total)
    assert [a["ori"] for a in every.json()] == sorted(running.world.agencies)
    assert second.json() == every.json()[1:2]
    assert second.headers["X-Total-Count"] == str(total)
    assert past.json() == []


def test_detainers_page_through_the_store(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    with running.client() as http:
        first = http.get("/detainers?limit=1", headers=people["manager"])
        total = int(first.headers["X-Total-Count"])
        pages = [
            http.get(f"/detainers?limit=1&offset={i}", headers=people["manager"]).json()
            for i in range(total)
        ]
    ids = [p[0]["detainer_id"] for p in pages]
    assert len(set(ids)) == total


def test_a_booking_reads_back_to_its_own_jail_and_to_officers(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    made = _book(running, identity=26, tcn="HARD-READ-1", ori=TRAVIS)
    assert made.status_code == 202, made.text
    booking_id = made.json()["booking_id"]
    running.wait_for_response(booking_id, running.jail(TRAVIS))  # the worker changes it no more
    with running.client() as http:
        own = http.get(f"/bookings/{booking_id}", headers=running.jail(TRAVIS))
        other = http.get(f"/bookings/{booking_id}", headers=running.jail(SF))
        officer = http.get(f"/bookings/{booking_id}", headers=people["officer"])
        listed = http.get("/bookings?limit=500", headers=running.jail(TRAVIS))
        sf_list = http.get("/bookings?limit=500", headers=running.jail(SF))
    assert own.status_code == 200, own.text
    assert own.json()["tcn"] == "HARD-READ-1"
    assert own.json()["biographics"]["birth_date"] == "1980-01-01"
    assert "fingerprints" not in own.json()
    assert other.status_code == 404
    assert officer.json() == own.json()
    assert booking_id in [b["booking_id"] for b in listed.json()]
    assert {b["ori"] for b in listed.json()} == {TRAVIS}
    assert booking_id not in [b["booking_id"] for b in sf_list.json()]


def _identity(running: Running, identity_id: int) -> Identity:
    with running.container.uow() as uow:
        found = uow.identities.get(identity_id)
        assert found is not None
        return found


def test_a_person_reads_by_id_and_by_name_and_birth_date(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    person = _identity(running, 6)
    assert person.birth_date is not None
    family = person.names[0].family
    with running.client() as http:
        read = http.get("/identities/6", headers=people["officer"])
        jail = http.get("/identities/6", headers=running.jail(SF))
        missing = http.get("/identities/999999", headers=people["adjudicator"])
        found = http.get(
            "/identities",
            params={"family_name": family.upper(), "birth_date": person.birth_date.isoformat()},
            headers=people["adjudicator"],
        )
    assert read.status_code == 200, read.text
    assert read.json()["identity_id"] == 6
    assert read.json()["status"]["category"] == "entered_without_inspection"
    assert jail.status_code == 403
    assert missing.status_code == 404
    assert found.status_code == 200, found.text
    assert 6 in [p["identity_id"] for p in found.json()]
    assert int(found.headers["X-Total-Count"]) == len(found.json())


def test_agencies_and_policies_read_back(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    with running.client() as http:
        agency = http.get(f"/agencies/{SF}", headers=people["auditor"])
        unknown = http.get("/agencies/ZZ9990000", headers=people["auditor"])
        policies = http.get("/policies?jurisdiction_fips=06075", headers=people["manager"])
        jail = http.get("/policies", headers=running.jail(SF))
    assert agency.json()["ori"] == SF
    assert unknown.status_code == 404
    assert [p["kind"] for p in policies.json()] == ["decline_all"]
    assert jail.status_code == 403


def test_lists_export_csv_for_a_spreadsheet(
    running: Running, people: dict[str, dict[str, str]]
) -> None:
    csv_only = {"Accept": "text/csv"}
    with running.client() as http:
        agencies = http.get("/agencies", headers={**people["manager"], **csv_only})
        as_json = http.get("/agencies", headers=people["manager"]).json()
        detainers = http.get("/detainers", headers={**people["manager"], **csv_only})
        bookings = http.get("/bookings", headers={**people["officer"], **csv_only})
    assert agencies.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(agencies.text)))
    assert [r["ori"] for r in rows] == [a["ori"] for a in as_json]
    assert rows[0]["jail"] in ("true", "false")
    assert detainers.headers["content-type"].startswith("text/csv")
    assert detainers.headers["X-Total-Count"]
    head = next(csv.reader(io.StringIO(bookings.text)))
    assert {"booking_id", "tcn", "ori", "state"} <= set(head)


def test_the_document_declares_paging_on_every_list(running: Running) -> None:
    with running.client() as http:
        document = http.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            if method != "get":
                continue  # a POST that answers a list computes it (a screening check)
            ok = op["responses"].get("200", {})
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("type") != "array" and "anyOf" not in schema:
                continue
            names = {p["name"] for p in op.get("parameters", [])}
            assert {"limit", "offset"} <= names, f"{method} {path}"
            assert "X-Total-Count" in ok["headers"], f"{method} {path}"
            assert "text/csv" in ok["content"], f"{method} {path}"
    assert json.dumps(document)  # serialisable as a whole
