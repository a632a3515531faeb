"""Accounts over real HTTP: administrators manage users and keys, a token is only as good as
its account, and a logon tells an attacker nothing and cannot be flooded.

Each test makes its own users, and sends its failed logons from its own addresses
(``X-Forwarded-For``, which uvicorn takes from a proxy on 127.0.0.1), so the per-source limit
of one test does not reach another.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from liaison.accounts.model import LOCKOUT_AFTER
from liaison.accounts.throttle import LogonGuard, Rate

from .conftest import Running

TRAVIS = "TX2270000"
PASSWORD = "a perfectly fine phrase"
WRONG = "not the right phrase"


def make_user(running: Running, http: httpx.Client, username: str, role: str = "auditor") -> None:
    r = http.post(
        "/users",
        headers=running.token("admin"),
        json={"username": username, "password": PASSWORD, "roles": [role]},
    )
    assert r.status_code == 201, r.text


def logon(
    http: httpx.Client, username: str, password: str, source: str = "192.0.2.10"
) -> httpx.Response:
    return http.post(
        "/auth/token",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": source},
    )


def bearer(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def refusal(r: httpx.Response) -> tuple[int, Any]:
    return r.status_code, r.json()


def can_read(http: httpx.Client, headers: dict[str, str]) -> int:
    """The status of a cheap read an auditor may make."""
    return http.get("/citizenship/referrals", headers=headers).status_code


# ---- class 4: accounts can be managed ------------------------------------------------------


def test_keys_are_listed_without_secrets_and_revoked_at_once(running: Running) -> None:
    admin = running.token("admin")
    with running.client() as http:
        made = http.post("/api-keys", headers=admin, json={"ori": TRAVIS, "label": "rms-2"})
        assert made.status_code == 201, made.text
        key = made.json()["key"]
        _, key_id, secret = key.split("_", 2)  # the secret may hold "_" itself
        assert http.get("/detainers", headers={"X-API-Key": key}).status_code == 200

        listed = http.get("/api-keys", headers=admin, params={"ori": TRAVIS})
        assert listed.status_code == 200, listed.text
        assert secret not in listed.text
        assert "argon2" not in listed.text
        mine = next(k for k in listed.json() if k["key_id"] == key_id)
        assert mine == {"key_id": key_id, "ori": TRAVIS, "label": "rms-2", "revoked": False}

        revoked = http.post(f"/api-keys/{key_id}/revoke", headers=admin)
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked"] is True
        assert http.get("/detainers", headers={"X-API-Key": key}).status_code == 401
        assert http.post("/api-keys/0123456789abcdef/revoke", headers=admin).status_code == 404
    with running.container.uow() as uow:
        actions = [e.action for e in uow.audit.entries() if e.subject == f"apikey:{key_id}"]
    assert actions[:2] == ["apikey.issue", "apikey.revoke"]


def test_users_are_disabled_enabled_and_given_new_passwords(running: Running) -> None:
    admin = running.token("admin")
    with running.client() as http:
        make_user(running, http, "acct.disable")
        token = bearer(logon(http, "acct.disable", PASSWORD))
        assert can_read(http, token) == 200

        r = http.post("/users/acct.disable/disable", headers=admin, json={"reason": "left"})
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "disabled"
        assert can_read(http, token) == 401  # the token stops at once
        assert logon(http, "acct.disable", PASSWORD).status_code == 401

        assert http.post("/users/acct.disable/enable", headers=admin).status_code == 200
        assert can_read(http, token) == 200

        weak = http.post(
            "/users/acct.disable/password", headers=admin, json={"password": "password1234"}
        )
        assert weak.status_code == 422
        assert "common and breached" in weak.json()["detail"]
        new = "another fine phrase"
        reset = http.post("/users/acct.disable/password", headers=admin, json={"password": new})
        assert reset.status_code == 200, reset.text
        assert logon(http, "acct.disable", PASSWORD).status_code == 401
        assert logon(http, "acct.disable", new).status_code == 200

        one = http.get("/users/acct.disable", headers=admin).json()
        assert one["state"] == "active"
        assert "password" not in str(one)
        every = http.get("/users", headers=admin, params={"limit": 500})
        assert every.status_code == 200
        assert "acct.disable" in [u["username"] for u in every.json()]
        assert "argon2" not in every.text
        assert http.post("/users/admin/disable", headers=admin).status_code == 422  # oneself


def test_a_token_stops_working_while_its_account_is_locked(running: Running) -> None:
    with running.client() as http:
        make_user(running, http, "acct.locked")
        token = bearer(logon(http, "acct.locked", PASSWORD))
        for _ in range(LOCKOUT_AFTER):
            assert logon(http, "acct.locked", WRONG, "192.0.2.20").status_code == 401
        assert can_read(http, token) == 401
        unlocked = http.post("/users/acct.locked/unlock", headers=running.token("admin"))
        assert unlocked.status_code == 200, unlocked.text
        assert can_read(http, token) == 200


def forge(running: Running, **claims: Any) -> dict[str, str]:
    now = datetime.now(UTC)
    body = {"iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp())}
    token = jwt.encode({**body, **claims}, running.container.jwt_secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def test_a_signed_token_for_no_account_or_an_unknown_role_is_refused(running: Running) -> None:
    with running.client() as http:
        ghost = forge(running, sub="ghost.user", roles=["auditor"])
        assert can_read(http, ghost) == 401
        overlord = forge(running, sub="auditor", roles=["auditor", "overlord"])
        r = http.get("/citizenship/referrals", headers=overlord)
        assert r.status_code == 401, r.text
        assert can_read(http, forge(running, sub="auditor", roles=["auditor"])) == 200
        # the roles a token names count only while the account holds them
        escalated = forge(running, sub="auditor", roles=["auditor", "admin"])
        assert http.get("/users", headers=escalated).status_code == 403


# ---- class 5: logon ------------------------------------------------------------------------


def test_unknown_wrong_locked_and_disabled_read_the_same(running: Running) -> None:
    with running.client() as http:
        for name in ("acct.same.a", "acct.same.b", "acct.same.c"):
            make_user(running, http, name)
        for _ in range(LOCKOUT_AFTER):
            logon(http, "acct.same.b", WRONG, "192.0.2.30")
        http.post("/users/acct.same.c/disable", headers=running.token("admin"))
        answers = {
            "unknown": logon(http, "acct.nobody", PASSWORD, "192.0.2.31"),
            "wrong": logon(http, "acct.same.a", WRONG, "192.0.2.31"),
            "locked": logon(http, "acct.same.b", PASSWORD, "192.0.2.31"),
            "disabled": logon(http, "acct.same.c", PASSWORD, "192.0.2.31"),
        }
    seen = {why: refusal(r) for why, r in answers.items()}
    assert len(set(map(str, seen.values()))) == 1, seen
    assert seen["unknown"][0] == 401
    with running.container.uow() as uow:
        entries = [e for e in uow.audit.entries() if e.subject == "user:acct.same.b"]
    assert "account.lock" in [e.action for e in entries]  # the trail knows
    assert json.loads(entries[-1].detail)["reason"] == "locked"


def test_unknown_wrong_and_locked_take_as_long(running: Running) -> None:
    """Each refusal verifies one argon2 hash: none answers markedly faster (before, a locked
    account answered 30 times faster than an unknown one)."""
    with running.client() as http:
        for name in ("acct.time.a", "acct.time.b"):
            make_user(running, http, name)
        for _ in range(LOCKOUT_AFTER):
            logon(http, "acct.time.b", WRONG, "192.0.2.40")
        times: dict[str, list[float]] = {"unknown": [], "wrong": [], "locked": []}
        tries = {
            "unknown": ("acct.nobody", PASSWORD),
            "wrong": ("acct.time.a", WRONG),
            "locked": ("acct.time.b", PASSWORD),
        }
        for round_ in range(3):
            for why, (name, password) in tries.items():
                started = time.perf_counter()
                logon(http, name, password, f"192.0.2.{41 + round_}")
                times[why].append(time.perf_counter() - started)
    medians = {why: statistics.median(t) for why, t in times.items()}
    assert max(medians.values()) < 3 * min(medians.values()), medians


@contextmanager
def tight_limits(running: Running, **limits: Any) -> Iterator[None]:
    """Small per-account and per-source buckets for the test's duration."""
    kept = running.container.logons
    running.container.logons = LogonGuard(**limits)
    try:
        yield
    finally:
        running.container.logons = kept


def test_failed_logons_are_limited_per_source_and_per_account(running: Running) -> None:
    with running.client() as http:
        make_user(running, http, "acct.flood")
        with tight_limits(running, per_account=Rate(4, 1), per_source=Rate(3, 1)):
            source = [logon(http, f"acct.guess{n}", WRONG, "198.51.100.7") for n in range(5)]
            assert [r.status_code for r in source] == [401, 401, 401, 429, 429]
            throttled = source[-1]
            assert int(throttled.headers["Retry-After"]) >= 1
            assert WRONG not in throttled.text
            # another address, and a person who knows their password, are not held up
            assert logon(http, "acct.flood", PASSWORD, "198.51.100.8").status_code == 200

            spread = [
                logon(http, "acct.flood", WRONG, f"203.0.113.{n}").status_code for n in range(6)
            ]
            assert spread == [401, 401, 401, 401, 429, 429]
            assert logon(http, "acct.flood", PASSWORD, "203.0.113.99").status_code == 429


def test_a_form_sign_in_works_and_never_echoes_the_password(running: Running) -> None:
    with running.client() as http:
        make_user(running, http, "acct.form")
        form = {"grant_type": "password", "username": "acct.form", "password": PASSWORD}
        ok = http.post("/auth/token", data=form)
        assert ok.status_code == 200, ok.text
        assert can_read(http, bearer(ok)) == 200

        wrong = http.post("/auth/token", data={**form, "password": WRONG})
        assert refusal(wrong) == refusal(logon(http, "acct.form", WRONG))

        secret = "my secret phrase 42"
        for bad in (
            {"username": "acct.form", "password": secret, "grant_type": "implicit"},
            {"password": secret},
            {"username": "acct.form", "password": secret, "stray": "field"},
        ):
            r = http.post("/auth/token", data=bad)
            assert r.status_code == 422, r.text
            assert secret not in r.text
            assert r.json()["problems"]
        r = http.post("/auth/token", json={"username": "acct.form", "password": secret, "extra": 1})
        assert r.status_code == 422
        assert secret not in r.text


@pytest.mark.parametrize(
    ("password", "why"),
    [("password1234", "common and breached"), ("i am acct.policy here", "username")],
)
def test_weak_passwords_are_refused_with_a_clear_message(
    running: Running, password: str, why: str
) -> None:
    with running.client() as http:
        r = http.post(
            "/users",
            headers=running.token("admin"),
            json={"username": "acct.policy", "password": password, "roles": ["auditor"]},
        )
    assert r.status_code == 422
    assert why in r.json()["detail"]
    assert password not in r.text
