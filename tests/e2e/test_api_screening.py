"""Watchlist screening over real HTTP: a booked person on the list opens a case for analysts;
the jail's response says nothing of it; the analyst works the case through its protocol."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from liaison.adapters.linkage.encounter import DuckDBScreening
from liaison.screening import services as screening
from liaison.screening.model import ListedName, PartialDate, WatchlistEntry
from liaison.synth.spine import booking_body

from .conftest import SEED, Running

SF = "CA0380000"
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
LISTED = 12  # a spine-world identity put on the list by its fingerprints


def test_a_listed_person_is_a_case_for_analysts_and_invisible_to_the_jail(
    running: Running,
) -> None:
    c = running.container
    with c.uow() as uow:
        person = uow.identities.get(LISTED)
    assert person is not None
    name = person.names[0]
    engine = DuckDBScreening()
    screening.publish_list(
        uow=c.uow(),
        entries=[
            WatchlistEntry(
                "KST-E2E-1",
                (ListedName(f"{name.given} {name.family}"),),
                PartialDate.of(person.birth_date) if person.birth_date else None,
                biometric_identity_id=LISTED,
            )
        ],
        source="e2e",
        keys=engine,
        actor="e2e",
        at=c.clock(),
    )
    body = booking_body(seed=SEED, identity=LISTED, tcn="E2E-SCR-1", ori=SF, arrested_at=NOW)
    analyst = running.token("analyst")
    jail = running.jail(SF)
    with running.client() as http:
        r = http.post("/bookings", json=body, headers=jail)
        assert r.status_code == 202, r.text
        booking_id = r.json()["booking_id"]
        response = running.wait_for_response(booking_id, jail)
        assert "screening" not in str(response).lower()
        assert "KST" not in str(response)
        deadline = time.monotonic() + 30
        mine: list[dict[str, object]] = []
        while not mine and time.monotonic() < deadline:
            cases = http.get("/screening/cases", headers=analyst).json()
            mine = [x for x in cases if x["subject_id"] == booking_id]
            time.sleep(0.1)
        (case,) = mine
        assert case["entry_id"] == "KST-E2E-1"
        assert case["source"] == "encounter"
        assert any(f["comparator"] == "fingerprints" for f in case["features"])
        # the jail cannot see it, with its key or by guessing the route
        assert http.get("/screening/cases", headers=jail).status_code == 403
        url = f"/screening/cases/{case['case_id']}/steps"
        r = http.post(url, headers=analyst, json={"action": "confirm", "note": "prints"})
        assert r.status_code == 409, r.text  # assign first
        r = http.post(url, headers=analyst, json={"action": "assign"})
        assert r.json()["state"] == "in_review"
        r = http.post(url, headers=analyst, json={"action": "confirm", "note": "TSC confirmed"})
        assert (r.json()["state"], r.json()["outcome"]) == ("closed", "confirmed")
        checked = http.post(
            "/screening/check",
            headers=analyst,
            json={"names": [f"{name.given} {name.family}"], "dob": str(person.birth_date)},
        )
        assert checked.status_code == 200, checked.text
        assert checked.json()[0]["entry_id"] == "KST-E2E-1"
