"""Every endpoint against every role: no access where the role or the agency should have none.

Allowed callers may still get a 404 or 422 (the ids here are made up); what is checked is that
a caller outside the route's roles gets 403, and a caller with no credentials gets 401.
"""

from __future__ import annotations

import pytest

from .conftest import Running

SF = "CA0380000"
MANAGER = {"program_manager"}
OPERATIONS_READERS = {"program_manager", "auditor"}
REFERRAL_READERS = {"adjudicator", "enforcement_officer", "auditor"}
PERSON_READERS = {"enforcement_officer", "adjudicator"}

# (method, path, body, roles admitted; "jail" is a jail system's API key)
ENDPOINTS: list[tuple[str, str, dict[str, object] | None, set[str]]] = [
    ("POST", "/bookings", {}, {"booking_officer", "jail"}),
    ("GET", "/bookings", None, {"booking_officer", "jail", "enforcement_officer"}),
    ("GET", "/bookings/x", None, {"booking_officer", "jail", "enforcement_officer"}),
    ("GET", "/bookings/x/response", None, {"booking_officer", "jail", "enforcement_officer"}),
    ("GET", "/bookings/x/candidates", None, {"enforcement_officer"}),
    ("GET", "/review-queue", None, {"enforcement_officer"}),
    ("POST", "/bookings/x/review", {}, {"enforcement_officer"}),
    (
        "GET",
        "/detainers",
        None,
        {"enforcement_officer", "booking_officer", "jail", "program_manager"},
    ),
    (
        "GET",
        "/detainers/x",
        None,
        {"enforcement_officer", "booking_officer", "jail", "program_manager"},
    ),
    ("POST", "/detainers/x/serve", None, {"enforcement_officer"}),
    ("POST", "/detainers/x/answer", {"answer": "decline"}, {"booking_officer", "jail"}),
    ("POST", "/detainers/x/release", {}, {"booking_officer", "jail"}),
    ("POST", "/detainers/x/transfer", None, {"enforcement_officer"}),
    ("POST", "/detainers/x/cancel", {"reason": "r"}, {"enforcement_officer"}),
    ("GET", "/citizenship/referrals", None, REFERRAL_READERS),
    ("GET", "/citizenship/referrals/x", None, REFERRAL_READERS),
    ("POST", "/citizenship/referrals/x/ruling", {}, {"adjudicator"}),
    ("POST", "/citizenship/referrals/x/concurrence", {}, {"adjudicator"}),
    ("GET", "/reports/declined-detainers", None, {"program_manager", "auditor"}),
    ("GET", "/audit/verify", None, {"auditor"}),
    ("GET", "/audit/entries", None, {"auditor"}),
    ("GET", "/audit/entries?actor=officer&limit=5", None, {"auditor"}),
    ("POST", "/users", {}, {"admin"}),
    ("GET", "/users", None, {"admin"}),
    ("GET", "/users/x", None, {"admin"}),
    ("POST", "/users/x/unlock", None, {"admin"}),
    ("POST", "/users/x/disable", None, {"admin"}),
    ("POST", "/users/x/enable", None, {"admin"}),
    ("POST", "/users/x/password", {}, {"admin"}),
    ("POST", "/api-keys", {}, {"admin"}),
    ("GET", "/api-keys", None, {"admin"}),
    ("POST", "/api-keys/x/revoke", None, {"admin"}),
    ("POST", "/agencies", {}, {"program_manager"}),
    ("GET", "/agencies", None, OPERATIONS_READERS),
    ("GET", f"/agencies/{SF}", None, OPERATIONS_READERS),
    ("POST", "/policies", {}, {"program_manager"}),
    ("GET", "/policies", None, OPERATIONS_READERS),
    ("GET", "/identities/6", None, PERSON_READERS),
    ("GET", "/identities?family_name=Smith&birth_date=1980-01-01", None, PERSON_READERS),
    ("GET", "/screening/cases", None, {"screening_analyst"}),
    ("GET", "/screening/cases/x", None, {"screening_analyst"}),
    ("POST", "/screening/cases/x/steps", {"action": "assign"}, {"screening_analyst"}),
    ("POST", "/screening/check", {"names": ["A B"]}, {"screening_analyst"}),
    # operations: program managers keep them, auditors read them
    ("POST", "/operations/declarations", {}, MANAGER),
    ("GET", "/operations/declarations", None, OPERATIONS_READERS),
    ("GET", "/operations/declarations?on=2025-06-01", None, OPERATIONS_READERS),
    ("GET", "/operations/declarations/x", None, OPERATIONS_READERS),
    ("POST", "/operations/declarations/x/extensions", {}, MANAGER),
    ("POST", "/operations/declarations/x/requests", {}, MANAGER),
    ("POST", "/operations/declarations/x/answers", {}, MANAGER),
    ("POST", "/operations/agreements", {}, MANAGER),
    ("POST", "/operations/agreements/x/termination", {}, MANAGER),
    ("GET", "/operations/agreements?on=2025-06-01", None, OPERATIONS_READERS),
    ("GET", "/operations/agreements/counts", None, OPERATIONS_READERS),
    ("GET", "/operations/agreements/changes", None, OPERATIONS_READERS),
    ("POST", "/operations/deployments", {}, MANAGER),
    ("GET", "/operations/deployments", None, OPERATIONS_READERS),
    ("GET", "/operations/deployments?on=2025-06-01", None, OPERATIONS_READERS),
    ("GET", "/operations/deployments/overlaps", None, OPERATIONS_READERS),
    ("GET", "/operations/deployments/x", None, OPERATIONS_READERS),
    ("GET", "/operations/headcount?on=2025-06-01", None, OPERATIONS_READERS),
    ("POST", "/operations/targets", {}, MANAGER),
    ("GET", "/operations/targets", None, OPERATIONS_READERS),
    ("GET", "/operations/targets/x/progress", None, OPERATIONS_READERS),
    ("POST", "/operations/facilities", {}, MANAGER),
    ("GET", "/operations/facilities", None, OPERATIONS_READERS),
    ("POST", "/operations/facilities/x/events", {}, MANAGER),
    (
        "GET",
        "/operations/facilities/x/occupancy?first=2025-06-01&last=2025-06-02",
        None,
        OPERATIONS_READERS,
    ),
    ("GET", "/operations/capacity?as_of=2025-06-01", None, OPERATIONS_READERS),
    ("POST", "/operations/transfers", {"since": "2999-01-01T00:00:00Z"}, MANAGER),
]

PEOPLE = {
    "admin": "admin",
    "enforcement_officer": "officer",
    "program_manager": "manager",
    "auditor": "auditor",
    "screening_analyst": "analyst",
    "booking_officer": "jailer_tx",
    "adjudicator": "adjudicator",
}


@pytest.fixture(scope="module")
def credentials(running: Running) -> dict[str, dict[str, str]]:
    creds = {role: running.token(user) for role, user in PEOPLE.items()}
    creds["jail"] = running.jail(SF)
    return creds


@pytest.mark.parametrize(("method", "path", "body", "admitted"), ENDPOINTS)
def test_each_role_gets_only_what_it_should(
    running: Running,
    credentials: dict[str, dict[str, str]],
    method: str,
    path: str,
    body: dict[str, object] | None,
    admitted: set[str],
) -> None:
    with running.client() as http:
        anonymous = http.request(method, path, json=body)
        assert anonymous.status_code == 401, f"{method} {path} without credentials"
        for role, headers in credentials.items():
            r = http.request(method, path, json=body, headers=headers)
            if role in admitted:
                assert r.status_code not in (401, 403), f"{role} refused {method} {path}: {r.text}"
                assert r.status_code < 500, f"{role} {method} {path}: {r.text}"
            else:
                assert r.status_code == 403, f"{role} let through {method} {path}: {r.status_code}"


def test_a_forged_token_is_refused(running: Running) -> None:
    with running.client() as http:
        r = http.get("/review-queue", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401


def test_five_failed_logons_lock_the_account(running: Running) -> None:
    password = "a-long-enough-password"
    with running.client() as http:
        made = http.post(
            "/users",
            headers=running.token("admin"),
            json={"username": "lockme", "password": password, "roles": ["auditor"]},
        )
        assert made.status_code == 201, made.text
        codes = [
            http.post(
                "/auth/token", json={"username": "lockme", "password": "wrong-password!"}
            ).status_code
            for _ in range(5)
        ]
        right = http.post("/auth/token", json={"username": "lockme", "password": password})
        unknown = http.post("/auth/token", json={"username": "nobody", "password": password})
    assert codes == [401] * 5
    # locked now, but the caller is told no more than of an unknown user (the trail is told)
    assert (right.status_code, right.json()) == (unknown.status_code, unknown.json())
