"""The four bypasses of issue 18 tried over real HTTP, on SQLite and on PostgreSQL, as a new
user would: each is refused with a 4xx whose ``error`` names the safeguard, and nothing of it
is stored.

The session's world is shared with the other end-to-end modules: these tests book their own
people (TCNs ``SAFE-*``; people 30, 33, 34 and 36, whom no other module books) at Travis
County, which honors every detainer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from liaison.synth.spine import booking_body

from .conftest import SEED, Running

TRAVIS = "TX2270000"
# people of the spine world (person i has history i % 6)
EWI, EWI_TOO, LPR, NATURALIZED = 30, 36, 33, 34
REASON = "ten-print compared side by side with the candidate's"


def _book(running: Running, *, identity: int, tcn: str, fingers: int = 10) -> dict[str, Any]:
    """Book ``identity`` at Travis County, arrested three hours ago (its first ``fingers``
    fingers: fewer than four make the search report its whole shortlist); the review item."""
    arrested_at = running.container.clock() - timedelta(hours=3)
    body = booking_body(seed=SEED, identity=identity, tcn=tcn, ori=TRAVIS, arrested_at=arrested_at)
    prints = body["fingerprints"]
    assert isinstance(prints, dict)
    body["fingerprints"] = {p: r for p, r in prints.items() if int(p) <= fingers}
    jail = running.jail(TRAVIS)
    with running.client() as http:
        r = http.post("/bookings", json=body, headers=jail)
        assert r.status_code == 202, r.text
        booking_id = r.json()["booking_id"]
        running.wait_for_response(booking_id, jail)
        item: dict[str, Any] = http.get(
            f"/bookings/{booking_id}/candidates", headers=running.token("officer")
        ).json()
    assert item["decision"] == "match"
    assert item["candidates"][0]["identity_id"] == identity
    return item


def _review(
    http: httpx.Client,
    headers: dict[str, str],
    booking_id: str,
    action: str,
    identity: int | None,
    **detainer: str,
) -> httpx.Response:
    body = {"action": action, "verified_identity_id": identity, "reason": REASON, **detainer}
    return http.post(f"/bookings/{booking_id}/review", headers=headers, json=body)


def _refused(r: httpx.Response, status: int, safeguard: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"] == safeguard, r.text


def _lodge(basis: str, statement: str = "") -> dict[str, str]:
    return {"basis": basis, "warrant_ref": "I-200-2026-SAFE", "statement": statement}


def test_an_officer_cannot_rule_on_their_own_referral_and_an_override_needs_two(
    running: Running,
) -> None:
    item = _book(running, identity=NATURALIZED, tcn="SAFE-A")
    booking_id = item["booking_id"]
    assert "citizenship_indicator" in item["flags"]
    both = running.token("officer_adj")  # an enforcement officer who is an adjudicator too
    statement = _lodge(
        "statements_or_evidence", "told the officer he never naturalized; the N-400 was denied"
    )
    with running.client() as http:
        r = _review(http, both, booking_id, "refer_citizenship", NATURALIZED)
        assert r.status_code == 200, r.text
        referral = f"/citizenship/referrals/{r.json()['referral_id']}"
        ruling = {
            "finding": "not_citizen",
            "indicators": ["naturalization_record"],
            "evidence": "looked wrong",
        }

        _refused(
            http.post(f"{referral}/ruling", headers=both, json=ruling), 403, "AdjudicatorConflict"
        )
        assert http.get(referral, headers=both).json()["rulings"] == []

        # an adjudicator's override is not in force until a second one concurs
        ruling["evidence"] = "certificate of naturalization revoked by court order"
        r = http.post(f"{referral}/ruling", headers=running.token("adjudicator"), json=ruling)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "awaiting_concurrence"
        r = _review(http, both, booking_id, "lodge_detainer", NATURALIZED, **statement)
        _refused(r, 422, "CitizenshipIndicatorUnresolved")
        assert "naturalization_record" in r.json()["detail"]
        agree = {"agrees": True, "note": "court order on file; the revocation stands"}
        r = http.post(f"{referral}/concurrence", headers=running.token("adjudicator"), json=agree)
        _refused(r, 403, "AdjudicatorConflict")

        r = http.post(f"{referral}/concurrence", headers=running.token("adjudicator2"), json=agree)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "decided"
        r = _review(
            http, running.token("officer2"), booking_id, "lodge_detainer", None, **statement
        )
        assert r.status_code == 200, r.text
        assert r.json()["detainer"]["identity_id"] == NATURALIZED
    with running.container.uow() as uow:
        [stored] = uow.detainers.for_booking(booking_id)
        person = uow.identities.get(NATURALIZED)
    assert stored.issued_by == "officer2"
    assert person is not None
    assert [(r.officer, r.in_force) for r in person.citizenship_rulings] == [("adjudicator", True)]


def test_a_detainer_names_only_the_verified_candidate_and_one_per_booking(
    running: Running,
) -> None:
    item = _book(running, identity=EWI, tcn="SAFE-B", fingers=3)
    booking_id = item["booking_id"]
    candidates = [c["identity_id"] for c in item["candidates"]]
    assert len(candidates) >= 2, candidates
    officer = running.token("officer")
    no_status = _lodge("biometric_no_lawful_status")
    with running.client() as http:
        r = _review(http, officer, booking_id, "verify", EWI)
        assert (r.status_code, r.json()["verified_identity_id"]) == (200, EWI), r.text
        r = _review(http, officer, booking_id, "lodge_detainer", candidates[1], **no_status)
        _refused(r, 422, "NotTheVerifiedIdentity")

        r = _review(http, officer, booking_id, "lodge_detainer", EWI, **no_status)
        assert r.status_code == 200, r.text
        first = r.json()["detainer"]["detainer_id"]
        r = _review(
            http, running.token("officer2"), booking_id, "lodge_detainer", None, **no_status
        )
        _refused(r, 409, "DetainerAlreadyOpen")
        assert first in r.json()["detail"]
        verified = http.get(f"/bookings/{booking_id}/candidates", headers=officer).json()
    assert verified["verified_identity_id"] == EWI
    with running.container.uow() as uow:
        stored = [(d.detainer_id, d.identity_id) for d in uow.detainers.for_booking(booking_id)]
    assert stored == [(first, EWI)]


def test_a_basis_the_record_contradicts_is_refused_naming_the_events(running: Running) -> None:
    booking_id = _book(running, identity=LPR, tcn="SAFE-C")["booking_id"]
    with running.client() as http:
        r = _review(
            http,
            running.token("officer"),
            booking_id,
            "lodge_detainer",
            LPR,
            **_lodge("biometric_no_lawful_status"),
        )
    _refused(r, 422, "BasisNotSupported")
    assert "biometric_no_lawful_status" in r.json()["detail"]
    assert "lpr_granted" in r.json()["detail"]
    with running.container.uow() as uow:
        assert list(uow.detainers.for_booking(booking_id)) == []
        booking = uow.bookings.get(booking_id)
    assert booking is not None
    assert (booking.reviews, booking.verification) == ([], None)


def test_impossible_release_times_are_refused_and_corrections_need_a_reason(
    running: Running,
) -> None:
    booking_id = _book(running, identity=EWI_TOO, tcn="SAFE-D")["booking_id"]
    officer, jail = running.token("officer"), running.jail(TRAVIS)
    with running.client() as http:
        r = _review(http, officer, booking_id, "lodge_detainer", EWI_TOO, **_lodge("final_order"))
        _refused(r, 422, "BasisNotSupported")  # person 36 entered without inspection: no order
        r = _review(
            http,
            officer,
            booking_id,
            "lodge_detainer",
            EWI_TOO,
            **_lodge("biometric_no_lawful_status"),
        )
        assert r.status_code == 200, r.text
        detainer = r.json()["detainer"]
        url = f"/detainers/{detainer['detainer_id']}"
        assert http.post(f"{url}/serve", headers=officer).status_code == 200
        r = http.post(f"{url}/answer", headers=jail, json={"answer": "honor"})
        assert r.status_code == 200, r.text

        def release(at: datetime, reason: str = "") -> httpx.Response:
            body = {"released_at": at.isoformat(), "reason": reason}
            return http.post(f"{url}/release", headers=jail, json=body)

        issued_at = datetime.fromisoformat(detainer["issued_at"])
        _refused(
            release(datetime(2030, 1, 1, tzinfo=issued_at.tzinfo)), 422, "ImpossibleReleaseTime"
        )
        _refused(release(issued_at - timedelta(hours=4)), 422, "ImpossibleReleaseTime")  # arrest
        _refused(release(issued_at - timedelta(seconds=1)), 422, "ImpossibleReleaseTime")
        assert http.get(url, headers=officer).json()["released_at"] is None

        r = release(issued_at)  # the hold begins: the 48-hour clock runs from here
        assert r.status_code == 200, r.text
        _refused(release(issued_at + timedelta(seconds=1)), 422, "MissingReason")
        r = release(issued_at + timedelta(seconds=1), reason="the jail's clock was off")
        _refused(r, 409, "ReleaseTimeFixed")
        held = http.get(url, headers=officer).json()
    assert datetime.fromisoformat(held["released_at"]) == issued_at
    assert held["state"] == "honored"
