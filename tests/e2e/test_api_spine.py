"""The booking spine end to end over real HTTP, on SQLite and on PostgreSQL: a jail books
someone, an officer lodges a detainer, the jail declines as its policy allows, the report
counts it, and the audit trail verifies."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from liaison.synth.spine import booking_body

from .conftest import SEED, Running

SF = "CA0380000"  # San Francisco: decline_all
TRAVIS = "TX2270000"  # Travis County: honor_all
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _submit(running: Running, *, identity: int, tcn: str, ori: str) -> str:
    body = booking_body(seed=SEED, identity=identity, tcn=tcn, ori=ori, arrested_at=NOW)
    with running.client() as http:
        r = http.post("/bookings", json=body, headers=running.jail(ori))
    assert r.status_code == 202, r.text
    booking_id: str = r.json()["booking_id"]
    return booking_id


def test_booking_to_declined_detainer_to_report_to_verified_audit(running: Running) -> None:
    jail = running.jail(SF)
    booking_id = _submit(running, identity=6, tcn="E2E-0001", ori=SF)
    response = running.wait_for_response(booking_id, jail)
    assert response["decision"] == "match"
    assert response["status_category"] == "entered_without_inspection"
    assert "citizenship_indicator" not in response["flags"]

    officer = running.token("officer")
    with running.client() as http:
        queue = http.get("/review-queue", headers=officer).json()
        item = next(i for i in queue if i["booking_id"] == booking_id)
        best = item["candidates"][0]
        assert best["identity_id"] == 6
        assert len(best["finger_scores"]) == 10
        r = http.post(
            f"/bookings/{booking_id}/review",
            headers=officer,
            json={
                "action": "lodge_detainer",
                "verified_identity_id": 6,
                "reason": "ten-print match verified; no lawful status on record",
                "basis": "biometric_no_lawful_status",
                "warrant_ref": "I-200-2026-000117",
            },
        )
        assert r.status_code == 200, r.text
        detainer = r.json()["detainer"]
        assert detainer["state"] == "issued"
        detainer_id = detainer["detainer_id"]
        assert http.post(f"/detainers/{detainer_id}/serve", headers=officer).status_code == 200

        # San Francisco's policy forbids honoring: the answer is refused and nothing changes
        r = http.post(f"/detainers/{detainer_id}/answer", headers=jail, json={"answer": "honor"})
        assert r.status_code == 422
        assert "decline_all" in r.json()["detail"]
        r = http.post(f"/detainers/{detainer_id}/answer", headers=jail, json={"answer": "decline"})
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "declined"

        manager = running.token("manager")
        rows = http.get("/reports/declined-detainers", headers=manager).json()
        assert {
            "jurisdiction_fips": "06075",
            "jurisdiction": rows[0]["jurisdiction"],
            "declined": 1,
        } in rows
        assert "San Francisco" in rows[0]["jurisdiction"]

        verify = http.get("/audit/verify", headers=running.token("auditor")).json()
        assert verify["intact"] is True
        assert verify["entries"] > 10


def test_same_tcn_same_body_returns_the_first_result(running: Running) -> None:
    body = booking_body(seed=SEED, identity=8, tcn="E2E-0002", ori=TRAVIS, arrested_at=NOW)
    with running.client() as http:
        first = http.post("/bookings", json=body, headers=running.jail(TRAVIS))
        again = http.post("/bookings", json=body, headers=running.jail(TRAVIS))
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["booking_id"] == first.json()["booking_id"]


def test_same_tcn_other_body_is_refused_and_changes_nothing(running: Running) -> None:
    body = booking_body(seed=SEED, identity=9, tcn="E2E-0003", ori=TRAVIS, arrested_at=NOW)
    other = dict(body, booking_number="DIFFERENT")
    with running.client() as http:
        first = http.post("/bookings", json=body, headers=running.jail(TRAVIS))
        clash = http.post("/bookings", json=other, headers=running.jail(TRAVIS))
        response = running.wait_for_response(first.json()["booking_id"], running.jail(TRAVIS))
    assert clash.status_code == 409
    assert "E2E-0003" in clash.json()["detail"]
    assert response["booking_id"] == first.json()["booking_id"]


def test_a_booking_without_fingerprints_is_refused(running: Running) -> None:
    body = booking_body(seed=SEED, identity=10, tcn="E2E-0004", ori=TRAVIS, arrested_at=NOW)
    body["fingerprints"] = {}
    with running.client() as http:
        r = http.post("/bookings", json=body, headers=running.jail(TRAVIS))
        later = http.post(
            "/bookings",
            json=booking_body(seed=SEED, identity=10, tcn="E2E-0004", ori=TRAVIS, arrested_at=NOW),
            headers=running.jail(TRAVIS),
        )
    assert r.status_code == 422
    assert "no fingerprints" in r.json()["detail"]
    assert later.status_code == 202  # nothing half-written: the TCN is still free


def test_a_corrupt_template_is_refused_naming_the_finger(running: Running) -> None:
    body = booking_body(seed=SEED, identity=11, tcn="E2E-0005", ori=TRAVIS, arrested_at=NOW)
    fingers = dict(body["fingerprints"])  # type: ignore[call-overload]
    fingers["3"] = base64.b64encode(base64.b64decode(fingers["3"])[:40]).decode()
    body["fingerprints"] = fingers
    with running.client() as http:
        r = http.post("/bookings", json=body, headers=running.jail(TRAVIS))
    assert r.status_code == 422
    assert "finger 3" in r.json()["detail"]


def test_an_unknown_ori_is_refused_and_stores_nothing(running: Running) -> None:
    """No account or key for an agency that was never registered, and no booking in another
    agency's name."""
    body = booking_body(seed=SEED, identity=12, tcn="E2E-0006", ori="ZZ9990000", arrested_at=NOW)
    with running.client() as http:
        made = http.post(
            "/users",
            headers=running.token("admin"),
            json={
                "username": "stray_jailer",
                "password": "a-long-enough-password",
                "roles": ["booking_officer"],
                "ori": "ZZ9990000",
            },
        )
        key = http.post("/api-keys", headers=running.token("admin"), json={"ori": "ZZ9990000"})
        r = http.post("/bookings", json=body, headers=running.jail(TRAVIS))
    assert made.status_code == 422
    assert "ZZ9990000" in made.json()["detail"]
    assert key.status_code == 422
    assert r.status_code == 403
    with running.container.uow() as uow:
        assert uow.bookings.by_tcn("E2E-0006") is None


def test_a_jail_sees_only_its_own_bookings(running: Running) -> None:
    booking_id = _submit(running, identity=13, tcn="E2E-0007", ori=TRAVIS)
    with running.client() as http:
        own = http.get(f"/bookings/{booking_id}/response", headers=running.jail(TRAVIS))
        other = http.get(f"/bookings/{booking_id}/response", headers=running.jail(SF))
    assert own.status_code == 200
    assert other.status_code == 404
