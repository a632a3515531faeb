"""Operations over real HTTP (uvicorn on a free port) on a SQLite store holding the reference
states and counties: one store and server for the module, each test with its own ids.

Declarations in force by each state's local day, extensions, assistance and answers;
deployments and their refusals; a target's progress counted from real bookings across a
time-zone edge; capacity from custody events; 287(g) snapshot changes against the CSV; every
declaration, deployment, target and facility listed, and narrowed to a day.
"""

from __future__ import annotations

import csv
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from liaison import bootstrap
from liaison.accounts import services as accounts
from liaison.bookings import services as bookings
from liaison.entrypoints.api.app import create_app
from liaison.entrypoints.api.schemas import BookingIn
from liaison.jurisdictions import services as jurisdictions
from liaison.jurisdictions.fips import postal
from liaison.settings import Settings
from liaison.synth.spine import booking_body

# tests/e2e/this file: parents[2] is the project root, beside ../shared
AGREEMENTS = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "287g" / "agreements.csv"
)
MODELS = {
    "Jail Enforcement Model": "jail_enforcement",
    "Task Force Model": "task_force",
    "Warrant Service Officer": "warrant_service_officer",
}
TRAVIS = "TX2270000"  # Travis County Sheriff's Office, registered to county 48453
PASSWORD = "operations-e2e-password"
HI, NY, TX = "15", "36", "48"


@dataclass
class Ops:
    http: httpx.Client
    container: bootstrap.Container
    manager: dict[str, str]
    auditor: dict[str, str]

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST as the program manager; the JSON body of a 2xx answer."""
        r = self.http.post(path, json=body, headers=self.manager)
        assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text}"
        return r.json()

    def get(self, path: str, **params: Any) -> Any:
        """GET as the auditor (who reads everything here); the JSON body of a 200."""
        r = self.http.get(path, params=params, headers=self.auditor)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
        return r.json()

    def refused(self, path: str, body: dict[str, Any], status: int) -> dict[str, Any]:
        """POST as the program manager, expecting ``status``; the error body."""
        r = self.http.post(path, json=body, headers=self.manager)
        assert r.status_code == status, f"{path}: {r.status_code} {r.text}"
        answer: dict[str, Any] = r.json()
        return answer


@contextmanager
def _serve(container: bootstrap.Container) -> Iterator[str]:
    """The API served on a free local port for the block; its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ops]:
    data_dir = tmp_path_factory.mktemp("operations-api")
    c = bootstrap.container(Settings(data_dir=data_dir, workers=1), with_engine=False)
    at = c.clock()
    jurisdictions.load_reference(uow=c.uow(), at=at, actor="e2e")
    jurisdictions.register_agency(
        uow=c.uow(),
        ori=TRAVIS,
        name="Travis County Sheriff's Office",
        jurisdiction_fips="48453",
        actor="e2e",
        at=at,
    )
    for username, role in (("manager", "program_manager"), ("auditor", "auditor")):
        accounts.add_user(
            uow=c.uow(), username=username, password=PASSWORD, roles=[role], actor="e2e", at=at
        )
    try:
        with _serve(c) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
            tokens = {}
            for username in ("manager", "auditor"):
                r = http.post("/auth/token", json={"username": username, "password": PASSWORD})
                assert r.status_code == 200, r.text
                tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
            yield Ops(http, c, tokens["manager"], tokens["auditor"])
    finally:
        c.close()


# -- declarations ----------------------------------------------------------------------------


def _in_force(ops: Ops, on: str, **params: str) -> dict[str, list[str]]:
    found = ops.get("/operations/declarations", on=on, **params)
    return {d["declaration"]["declaration_id"]: d["states"] for d in found}


def test_a_declaration_is_in_force_on_each_states_local_day(ops: Ops) -> None:
    # effective 02:00 EDT on 2 June: still 1 June (20:00) in Honolulu
    made = ops.post(
        "/operations/declarations",
        {
            "declaration_id": "TZ-1",
            "kind": "mass_influx",
            "authority": "INA 103(a)(10); 28 CFR 65.83",
            "states": ["NY", "Hawaii"],
            "issued_at": "2025-06-01T12:00:00Z",
            "effective_at": "2025-06-02T02:00:00-04:00",
        },
    )
    assert made["states"] == [HI, NY]
    assert made["effective_at"] == "2025-06-02T06:00:00Z"
    assert made["expires_at"] == "2025-08-01T06:00:00Z"  # 60 x 24 hours later
    assert made["assistance"] == {HI: "not_requested", NY: "not_requested"}

    assert _in_force(ops, "2025-05-31").get("TZ-1") is None
    assert _in_force(ops, "2025-06-01")["TZ-1"] == [HI]
    assert _in_force(ops, "2025-06-02")["TZ-1"] == [HI, NY]
    # expiry at 02:00 EDT on 1 August is 20:00 on 31 July in Honolulu
    assert _in_force(ops, "2025-07-31")["TZ-1"] == [HI, NY]
    assert _in_force(ops, "2025-08-01")["TZ-1"] == [NY]
    assert "TZ-1" not in _in_force(ops, "2025-08-02")
    assert "TZ-1" not in _in_force(ops, "2025-06-01", state="NY")
    assert _in_force(ops, "2025-06-01", state="HI")["TZ-1"] == [HI]


def test_an_extension_moves_the_expiry_and_a_late_one_is_refused(ops: Ops) -> None:
    ops.post(
        "/operations/declarations",
        {
            "declaration_id": "EXT-1",
            "kind": "national_emergency",
            "authority": "50 U.S.C. 1621",
            "states": ["TX"],
            "issued_at": "2025-03-01T15:00:00Z",
        },
    )
    path = "/operations/declarations/EXT-1/extensions"
    extended = ops.post(
        path,
        {
            "extended_by": "Secretary",
            "authority": "50 U.S.C. 1622",
            "days": 30,
            "extended_at": "2025-04-20T15:00:00Z",
        },
    )
    assert extended["expires_at"] == "2025-05-30T15:00:00Z"  # 30 April + 30 days
    assert [e["days"] for e in extended["extensions"]] == [30]
    assert "EXT-1" in _in_force(ops, "2025-05-15")

    late = ops.refused(
        path,
        {
            "extended_by": "Secretary",
            "authority": "50 U.S.C. 1622",
            "days": 10,
            "extended_at": "2025-05-30T15:00:00Z",  # the instant it expired
        },
        422,
    )
    assert late["error"] == "ExtensionRefused"
    assert "too late" in late["detail"]
    earlier = ops.refused(
        path,
        {
            "extended_by": "Secretary",
            "authority": "50 U.S.C. 1622",
            "new_expiry": "2025-05-01T00:00:00Z",
            "extended_at": "2025-04-21T15:00:00Z",
        },
        422,
    )
    assert "not later than the current one" in earlier["detail"]
    missing = ops.refused(
        "/operations/declarations/NONE/extensions",
        {"extended_by": "S", "authority": "A", "days": 1},
        404,
    )
    assert missing == {"error": "UnknownDeclaration", "detail": "no declaration 'NONE'"}


def test_a_state_answers_a_request_for_assistance(ops: Ops) -> None:
    ops.post(
        "/operations/declarations",
        {
            "declaration_id": "ASK-1",
            "kind": "mass_influx",
            "authority": "INA 103(a)(10)",
            "states": ["TX", "NM", "AZ"],
            "issued_at": "2025-06-01T12:00:00Z",
        },
    )
    base = "/operations/declarations/ASK-1"
    asked = ops.post(
        f"{base}/requests",
        {
            "request": "detention space",
            "states": ["TX", "AZ"],
            "requested_at": "2025-06-02T12:00:00Z",
        },
    )
    assert [r["state_fips"] for r in asked["requests"]] == ["04", "48"]
    answered = ops.post(
        f"{base}/answers", {"state": "TX", "answer": "accepted", "answered_on": "2025-06-03"}
    )
    assert answered["assistance"] == {"04": "no_answer", "35": "not_requested", "48": "accepted"}
    # a state that declined may accept later; the last answer counts
    ops.post(f"{base}/answers", {"state": "AZ", "answer": "declined", "answered_on": "2025-06-03"})
    later = ops.post(
        f"{base}/answers", {"state": "04", "answer": "accepted", "answered_on": "2025-06-09"}
    )
    assert later["assistance"]["04"] == "accepted"
    assert ops.get(base)["assistance"] == later["assistance"]

    unasked = ops.refused(
        f"{base}/answers", {"state": "NM", "answer": "accepted", "answered_on": "2025-06-03"}, 422
    )
    assert unasked["error"] == "NotRequested"
    outside = ops.refused(
        f"{base}/answers", {"state": "CA", "answer": "accepted", "answered_on": "2025-06-03"}, 422
    )
    assert outside["error"] == "StateNotInScope"


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"effective_at": "2025-06-02T02:00:00"}, None, "timezone"),  # naive: no instant
        ({"effective_at": "2025-05-31T12:00:00Z"}, "InvalidDeclaration", "retroactive"),
        ({"states": ["TX", "Atlantis"]}, "UnknownJurisdiction", "Atlantis"),
        ({"authority": " "}, "InvalidDeclaration", "authority"),
    ],
    ids=["naive", "effective-before-issued", "unknown-state", "no-authority"],
)
def test_a_declaration_that_cannot_be_made_is_a_422(
    ops: Ops, change: dict[str, Any], error: str | None, words: str
) -> None:
    body = {
        "declaration_id": "BAD-1",
        "kind": "other",
        "authority": "INA 103(a)(10)",
        "states": ["TX"],
        "issued_at": "2025-06-01T12:00:00Z",
        **change,
    }
    refused = ops.refused("/operations/declarations", body, 422)
    if error is not None:
        assert refused["error"] == error
    assert words in str(refused["detail"])
    missing = ops.http.get("/operations/declarations/BAD-1", headers=ops.auditor)
    assert missing.status_code == 404  # nothing of it was kept


def test_the_same_declaration_again_is_safe_and_another_under_its_id_is_a_409(ops: Ops) -> None:
    body = {
        "declaration_id": "DUP-1",
        "kind": "other",
        "authority": "INA 103(a)(10)",
        "states": ["TX"],
        "issued_at": "2025-06-01T12:00:00Z",
    }
    first = ops.post("/operations/declarations", body)
    assert ops.post("/operations/declarations", body) == first
    other = ops.refused("/operations/declarations", {**body, "states": ["NM"]}, 409)
    assert other["error"] == "DuplicateDeclaration"


# -- deployments -----------------------------------------------------------------------------


def test_an_overlapping_deployment_is_refused_with_a_clear_422(ops: Ops) -> None:
    made = ops.post(
        "/operations/deployments",
        {
            "deployment_id": "BORTAC-JUNE",
            "agency": "CBP",
            "unit": "BORTAC",
            "destinations": {"48479": 20, "48215": 10},  # Webb and Hidalgo counties
            "start": "2025-06-01",
            "end": "2025-06-30",
        },
    )
    assert made["headcount"] == 30
    overlapping = {
        "deployment_id": "BORTAC-JULY",
        "agency": "cbp",
        "unit": " Bortac ",  # the same unit, case and spacing aside
        "destinations": {"48061": 15},
        "start": "2025-06-30",  # the last day of June's
        "end": "2025-07-31",
    }
    refused = ops.refused("/operations/deployments", overlapping, 422)
    assert refused == {
        "error": "OverlappingDeployment",
        "detail": "deployment 'BORTAC-JULY': cbp Bortac is already deployed under "
        "'BORTAC-JUNE' from 2025-06-30 to 2025-06-30 (a unit is in one place a day)",
    }
    assert ops.http.get("/operations/deployments/BORTAC-JULY", headers=ops.auditor).json() == {
        "error": "UnknownDeployment",
        "detail": "no deployment 'BORTAC-JULY'",
    }
    ops.post("/operations/deployments", {**overlapping, "start": "2025-07-01"})
    assert ops.get("/operations/deployments/overlaps") == []
    assert ops.get("/operations/headcount", on="2025-06-30") == {
        "on": "2025-06-30",
        "total": 30,
        "places": {"48215": 10, "48479": 20},
    }
    assert ops.get("/operations/headcount", on="2025-07-01")["places"] == {"48061": 15}


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"destinations": {"99999": 5}}, "UnknownJurisdiction", "'99999'"),
        ({"destinations": {"48479": -3}}, "InvalidDeployment", "1 or more, not -3"),
        ({"destinations": {"48479": 0}}, "InvalidDeployment", "1 or more, not 0"),
        ({"destinations": {"48": 5}}, "InvalidDeployment", "not the state Texas"),
        ({"start": "2025-09-10", "end": "2025-09-01"}, "InvalidDeployment", "before it starts"),
    ],
    ids=["unknown-place", "negative-headcount", "no-headcount", "a-state", "end-before-start"],
)
def test_a_deployment_that_cannot_be_made_is_a_422(
    ops: Ops, change: dict[str, Any], error: str, words: str
) -> None:
    body = {
        "deployment_id": "BAD-DEPLOYMENT",
        "agency": "ATF",
        "unit": "SRT",
        "destinations": {"48479": 5},
        "start": "2025-09-01",
        "end": "2025-09-10",
        **change,
    }
    refused = ops.refused("/operations/deployments", body, 422)
    assert refused["error"] == error
    assert words in refused["detail"]


# -- targets ---------------------------------------------------------------------------------


def test_target_progress_is_counted_from_bookings_by_local_day(ops: Ops) -> None:
    c = ops.container
    template = booking_body(
        seed=3, identity=1, tcn="OPS-0", ori=TRAVIS, arrested_at=datetime(2025, 5, 1, tzinfo=UTC)
    )
    arrests = [
        "2025-05-10T15:00:00Z",  # baseline
        "2025-05-20T15:00:00Z",  # baseline
        "2025-06-01T04:30:00Z",  # 23:30 CDT on 31 May: in neither window
        "2025-06-01T05:30:00Z",  # 00:30 CDT on 1 June: the window's first day
        "2025-06-03T12:00:00Z",
        "2025-06-05T12:00:00Z",
        "2025-06-11T04:00:00Z",  # 23:00 CDT on 10 June: counted as of 10 June
        "2025-06-11T06:00:00Z",  # 01:00 CDT on 11 June: not yet
    ]
    for i, text in enumerate(arrests, start=1):
        arrested = datetime.fromisoformat(text)
        body = template | {
            "tcn": f"OPS-{i}",
            "booking_number": f"B-OPS-{i}",
            "arrested_at": arrested.isoformat(),
            "scheduled_release": (arrested + timedelta(days=2)).isoformat(),
        }
        bookings.submit_booking(
            uow=c.uow(),
            submission=BookingIn.model_validate(body).to_domain(),
            booking_id=f"ops-booking-{i}",
            actor="e2e",
            at=c.clock(),
        )
    ops.post(
        "/operations/targets",
        {
            "target_id": "TRAVIS-ARRESTS",
            "metric": "arrests",
            "jurisdictions": ["48453"],
            "start": "2025-06-01",
            "end": "2025-06-30",
            "baseline_start": "2025-05-01",
            "baseline_end": "2025-05-30",
            "goal_percent": 35,
        },
    )
    progress = ops.get("/operations/targets/TRAVIS-ARRESTS/progress", as_of="2025-06-10")
    assert progress["target"]["jurisdictions"] == ["48453"]
    expected = {
        "as_of": "2025-06-10",
        "status": "on_track",
        "baseline": 2,
        "current": 4,
        "elapsed_days": 10,
        "window_days": 30,
    }
    assert {k: progress[k] for k in expected} == expected
    assert progress["goal"] == pytest.approx(2.7)  # 2 a month, +35 %
    assert progress["expected_to_date"] == pytest.approx(0.9)
    assert progress["projected"] == pytest.approx(12.0)
    assert progress["change_percent"] == pytest.approx(500.0)

    over = ops.get("/operations/targets/TRAVIS-ARRESTS/progress", as_of="2025-07-04")
    assert (over["status"], over["current"], over["elapsed_days"]) == ("met", 5, 30)
    before = ops.get("/operations/targets/TRAVIS-ARRESTS/progress", as_of="2025-05-31")
    assert (before["status"], before["projected"]) == ("not_started", None)

    unknown = ops.refused(
        "/operations/targets",
        {
            "target_id": "NOWHERE",
            "metric": "arrests",
            "jurisdictions": ["48999"],
            "start": "2025-06-01",
            "end": "2025-06-30",
            "baseline_start": "2025-05-01",
            "baseline_end": "2025-05-30",
            "goal_percent": 10,
        },
        422,
    )
    assert unknown["error"] == "UnknownJurisdiction"
    missing = ops.http.get("/operations/targets/NOWHERE/progress", headers=ops.auditor)
    assert missing.status_code == 404


# -- detention capacity ----------------------------------------------------------------------


def test_capacity_is_projected_from_custody_events(ops: Ops) -> None:
    facility = {
        "facility_id": "F-TRAVIS",
        "name": "Travis County annex",
        "jurisdiction_fips": "48453",
        "beds": 10,
    }
    assert ops.post("/operations/facilities", facility) == facility
    in_a_state = ops.refused(
        "/operations/facilities", facility | {"facility_id": "F-TX", "jurisdiction_fips": TX}, 422
    )
    assert in_a_state["error"] == "InvalidFacility"
    no_beds = ops.refused(
        "/operations/facilities", facility | {"facility_id": "F0", "beds": 0}, 422
    )
    assert no_beds["error"] == "InvalidFacility"

    events = "/operations/facilities/F-TRAVIS/events"
    for kind, on, people in [
        ("census", "2025-06-01", 6),
        ("intake", "2025-06-05", 2),
        ("intake", "2025-06-08", 1),
        ("release", "2025-06-09", 1),
    ]:
        ops.post(events, {"kind": kind, "on": on, "people": people})
    too_many = ops.refused(events, {"kind": "release", "on": "2025-06-10", "people": 50}, 422)
    assert too_many["error"] == "InvalidCustodyEvent"
    unknown = ops.refused(
        "/operations/facilities/NONE/events", {"kind": "intake", "on": "2025-06-10"}, 404
    )
    assert unknown["error"] == "UnknownFacility"

    days = ops.get(
        "/operations/facilities/F-TRAVIS/occupancy", first="2025-06-04", last="2025-06-06"
    )
    assert [d["occupancy"] for d in days] == [6, 8, 8]
    projection = ops.get(
        "/operations/capacity", as_of="2025-06-10", lookback_days=10, horizon_days=10
    )
    assert projection == {
        "facilities": ["F-TRAVIS"],
        "as_of": "2025-06-10",
        "beds": 10,
        "occupancy": 8,
        "lookback_days": 10,
        "net_daily_intake": pytest.approx(0.2),  # (3 in - 1 out) / 10 days
        "full_on": "2025-06-20",
        "horizon": "2025-06-20",
        "projected_at_horizon": pytest.approx(10.0),
        "beds_short_at_horizon": 0,
    }
    # no detainer was transferred in this store: nothing to record, safely repeatable
    assert ops.post("/operations/transfers", {}) == {
        "recorded": 0,
        "already_recorded": 0,
        "unrouted": [],
    }


# -- 287(g) agreements -----------------------------------------------------------------------


def _folded(name: str) -> str:
    return " ".join(name.casefold().split())


def _keys(rows: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    """Agreements of CSV rows: state, agency name (case and spacing aside), model."""
    return {(postal(r["state"]), _folded(r["agency"]), MODELS[r["type"]]) for r in rows}


def _listed(rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """Agreements of the API's rows, keyed as ``_keys`` keys the CSV's."""
    return {(r["state"], _folded(r["agency_name"]), r["model"]) for r in rows}


def test_agreement_changes_and_counts_match_the_published_list(ops: Ops, tmp_path: Path) -> None:
    if not AGREEMENTS.exists():
        pytest.skip(f"the published 287(g) list is expected at {AGREEMENTS}")
    first, second = "2025-05-16 am", "2025-05-19 am"
    with AGREEMENTS.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["date"] in (first, second)]
    part = tmp_path / "two-snapshots.csv"
    with part.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    c = ops.container
    added = jurisdictions.import_287g(uow=c.uow(), path=part, actor="e2e", at=c.clock())
    assert added == len(rows)

    counts = ops.get("/operations/agreements/counts")
    expected = Counter((r["date"], MODELS[r["type"]]) for r in rows)
    assert {(x["snapshot"], x["model"]): x["agreements"] for x in counts} == expected

    (change,) = ops.get("/operations/agreements/changes", **{"from": first, "to": second})
    before = _keys([r for r in rows if r["date"] == first])
    after = _keys([r for r in rows if r["date"] == second])
    assert _listed(change["added"]) == after - before
    assert _listed(change["ended"]) == before - after
    assert len(change["added"]) == len(after - before)  # each agreement once
    assert ops.get("/operations/agreements/changes") == [change]  # the one consecutive pair

    unknown = ops.http.get(
        "/operations/agreements/changes",
        params={"from": first, "to": "2031-01-01 am"},
        headers=ops.auditor,
    )
    assert (unknown.status_code, unknown.json()["error"]) == (404, "UnknownSnapshot")
    half = ops.http.get(
        "/operations/agreements/changes", params={"from": first}, headers=ops.auditor
    )
    assert half.status_code == 422


def test_a_recorded_agreement_cannot_expire_before_it_is_signed(ops: Ops) -> None:
    body = {
        "agreement_id": "287G-TRAVIS",
        "agency_name": "Travis County Sheriff",
        "state": "TX",
        "model": "warrant_service_officer",
        "signed_on": "2025-03-01",
        "expires_on": "2025-02-28",
    }
    refused = ops.refused("/operations/agreements", body, 422)
    assert refused["error"] == "InvalidAgreement"
    assert "before the signing" in refused["detail"]
    stored = ops.post("/operations/agreements", body | {"expires_on": "2027-02-28"})
    assert stored["state"] == "TX"
    ended = ops.post(
        "/operations/agreements/287G-TRAVIS/termination", {"terminated_on": "2026-01-01"}
    )
    assert ended["terminated_on"] == "2026-01-01"
    in_effect = ops.get("/operations/agreements", on="2025-12-31")
    assert [a["agreement_id"] for a in in_effect] == ["287G-TRAVIS"]
    assert ops.get("/operations/agreements", on="2026-01-01") == []


# -- lists -----------------------------------------------------------------------------------


def test_every_record_is_listed_and_on_narrows_to_a_day(ops: Ops) -> None:
    # its own records in 2031-32, beside whatever the module's other tests add
    declared = {}
    for declaration_id, state, issued in (
        ("LIST-LATE", "TX", "2031-03-01T12:00:00Z"),
        ("LIST-EARLY", "NM", "2031-01-01T12:00:00Z"),
    ):
        declared[declaration_id] = ops.post(
            "/operations/declarations",
            {
                "declaration_id": declaration_id,
                "kind": "other",
                "authority": "INA 103(a)(10)",
                "states": [state],
                "issued_at": issued,
            },
        )
    listed = ops.get("/operations/declarations")
    ids = [d["declaration_id"] for d in listed]
    assert ids.index("LIST-EARLY") < ids.index("LIST-LATE")  # by effective_at, not by id
    assert [d["effective_at"] for d in listed] == sorted(d["effective_at"] for d in listed)
    early = listed[ids.index("LIST-EARLY")]
    assert early == declared["LIST-EARLY"]
    assert early["expires_at"] == "2031-03-02T12:00:00Z"
    # with on, as before: those in force that day, each with its states
    assert ops.get("/operations/declarations", on="2031-01-15") == [
        {"declaration": early, "states": ["35"]}
    ]
    alone = ops.http.get("/operations/declarations", params={"state": "TX"}, headers=ops.auditor)
    assert alone.status_code == 422

    made = [
        ops.post(
            "/operations/deployments",
            {
                "deployment_id": deployment_id,
                "agency": "USMS",
                "unit": unit,
                "destinations": {fips: 2},
                "start": start,
                "end": end,
            },
        )
        for deployment_id, unit, fips, start, end in (
            ("LIST-D2", "LIST-K9", "48215", "2032-01-10", "2032-01-20"),
            ("LIST-D1", "LIST-SRT", "48479", "2032-01-01", "2032-01-10"),
        )
    ]
    d2, d1 = made
    everything = ops.get("/operations/deployments")
    assert everything.index(d1) < everything.index(d2)  # by start
    assert ops.get("/operations/deployments", on="2032-01-10") == [d1, d2]
    assert ops.get("/operations/deployments", on="2032-01-15") == [d2]
    assert ops.get("/operations/deployments", on="2032-01-21") == []

    target = ops.post(
        "/operations/targets",
        {
            "target_id": "LIST-T",
            "metric": "detainers_lodged",
            "jurisdictions": ["48453"],
            "start": "2032-01-01",
            "end": "2032-01-31",
            "baseline_start": "2031-12-01",
            "baseline_end": "2031-12-31",
            "goal_percent": 10,
        },
    )
    targets = ops.get("/operations/targets")
    assert target in targets
    assert [t["target_id"] for t in targets] == sorted(t["target_id"] for t in targets)

    facility = {
        "facility_id": "LIST-F",
        "name": "List annex",
        "jurisdiction_fips": "48453",
        "beds": 3,
    }
    ops.post("/operations/facilities", facility)
    facilities = ops.get("/operations/facilities")
    assert facility in facilities
    assert [f["facility_id"] for f in facilities] == sorted(f["facility_id"] for f in facilities)


# -- roles -----------------------------------------------------------------------------------


def test_an_auditor_reads_but_cannot_write(ops: Ops) -> None:
    r = ops.http.post(
        "/operations/facilities",
        json={"facility_id": "F-AUD", "name": "x", "jurisdiction_fips": "48453", "beds": 1},
        headers=ops.auditor,
    )
    assert r.status_code == 403
    assert ops.http.get("/operations/headcount", params={"on": "2025-06-01"}).status_code == 401
