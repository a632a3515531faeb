from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from tests.fakes import FakeUnitOfWork

from liaison.accounts import hashing
from liaison.accounts.errors import (
    AccountError,
    AccountLocked,
    InvalidAccount,
    InvalidCredentials,
    LogonThrottled,
    UnknownAccount,
)
from liaison.accounts.model import LOCKOUT_AFTER, LOCKOUT_FOR, Role
from liaison.accounts.services import (
    add_user,
    api_keys,
    authenticate,
    authenticate_key,
    configure_hashing,
    disable_user,
    enable_user,
    issue_api_key,
    reset_password,
    revoke_api_key,
    unlock_user,
    user,
    users,
)
from liaison.audit.chain import verify
from liaison.errors import LiaisonError

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
ORI = "TX2270000"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def actions(uow: FakeUnitOfWork) -> list[str]:
    return [e.action for e in uow.audit.rows]


def add_officer(uow: FakeUnitOfWork, username: str = "alice") -> None:
    add_user(
        uow=uow,
        username=username,
        password=PASSWORD,
        roles=["enforcement_officer"],
        actor="admin",
        at=T0,
    )


# ---- add_user ----


def test_add_user_stores_a_hash_and_audits(uow: FakeUnitOfWork) -> None:
    user = add_user(
        uow=uow,
        username="bob.smith",
        password=PASSWORD,
        roles=[Role.BOOKING_OFFICER, "auditor"],
        ori=ORI,
        actor="admin",
        at=T0,
    )
    stored = uow.accounts.get_user("bob.smith")
    assert stored is not None
    assert stored.roles == {Role.BOOKING_OFFICER, Role.AUDITOR}
    assert stored.ori == ORI
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert user.username == "bob.smith"
    [entry] = uow.audit.rows
    assert (entry.actor, entry.action, entry.subject) == (
        "admin",
        "account.add_user",
        "user:bob.smith",
    )
    assert json.loads(entry.detail) == {"roles": ["auditor", "booking_officer"], "ori": ORI}
    assert PASSWORD not in entry.detail


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "Al"}, "username"),
        ({"username": "9lives"}, "username"),
        ({"username": "with space"}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 11}, "password"),
        ({"password": "x" * 2000}, "password"),
        ({"password": "password1234"}, "common and breached"),
        ({"username": "carol.anne.smith", "password": "carol.anne.smith"}, "username"),
        ({"password": "Carol-wrote-this"}, "username"),
        ({"password": "my name is CAROL"}, "username"),
        ({"roles": ["janitor"]}, "role"),
        ({"roles": []}, "role"),
        ({"roles": ["booking_officer"]}, "ori"),
        ({"roles": ["booking_officer"], "ori": "tx1"}, "ori"),
    ],
)
def test_add_user_validates(uow: FakeUnitOfWork, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "username": "carol",
        "password": PASSWORD,
        "roles": ["auditor"],
        "ori": None,
        "actor": "admin",
        "at": T0,
        **kwargs,
    }
    with pytest.raises(InvalidAccount, match=field):
        add_user(uow=uow, **args)  # type: ignore[arg-type]
    assert uow.accounts.users() == []
    assert uow.audit.rows == []


def test_a_twelve_character_password_is_enough(uow: FakeUnitOfWork) -> None:
    password = "quiet-lake-7"
    add_user(uow=uow, username="dan", password=password, roles=["auditor"], actor="a", at=T0)
    assert authenticate(uow=uow, username="dan", password=password, at=T0).username == "dan"


def test_usernames_are_unique(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    with pytest.raises(InvalidAccount, match="taken"):
        add_officer(uow)
    assert len(uow.audit.rows) == 1


# ---- authenticate and lockout ----


def test_authenticate_succeeds_and_audits(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    user = authenticate(uow=uow, username="alice", password=PASSWORD, at=T0)
    assert user.username == "alice"
    assert actions(uow)[-1] == "account.logon"
    assert uow.audit.rows[-1].actor == "alice"


def test_unknown_user_and_wrong_password_read_the_same(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    with pytest.raises(InvalidCredentials) as unknown:
        authenticate(uow=uow, username="nobody", password=PASSWORD, at=T0)
    with pytest.raises(InvalidCredentials) as wrong:
        authenticate(uow=uow, username="alice", password="wrong password!", at=T0)
    assert str(unknown.value) == str(wrong.value)
    assert actions(uow)[-2:] == ["account.logon_refused", "account.logon_refused"]
    assert json.loads(uow.audit.rows[-2].detail) == {"reason": "unknown user"}


def test_failed_logons_are_committed_although_authenticate_raises(
    uow: FakeUnitOfWork,
) -> None:
    add_officer(uow)
    for n in range(1, LOCKOUT_AFTER):
        with pytest.raises(InvalidCredentials):
            authenticate(uow=uow, username="alice", password="nope nope nope", at=T0)
        user = uow.accounts.get_user("alice")  # the store after the unit of work ended
        assert user is not None
        assert user.failed_logons == n
        assert not user.locked


def test_lockout_after_consecutive_failures(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(InvalidCredentials, match=r"^wrong username or password$"):
            authenticate(uow=uow, username="alice", password="nope nope nope", at=T0)
    user = uow.accounts.get_user("alice")
    assert user is not None
    assert user.locked
    assert user.locked_until == T0 + LOCKOUT_FOR
    assert user.failed_logons == LOCKOUT_AFTER
    assert "account.lock" in actions(uow)
    # the right password no longer opens it, and the caller is not told why: the trail is
    with pytest.raises(InvalidCredentials, match=r"^wrong username or password$"):
        authenticate(uow=uow, username="alice", password=PASSWORD, at=T0)
    assert json.loads(uow.audit.rows[-1].detail)["reason"] == "locked"
    assert json.loads(uow.audit.rows[-1].detail)["right_password"] is True


def test_success_resets_the_failure_count(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    for _ in range(LOCKOUT_AFTER - 1):
        with pytest.raises(InvalidCredentials):
            authenticate(uow=uow, username="alice", password="nope nope nope", at=T0)
    authenticate(uow=uow, username="alice", password=PASSWORD, at=T0)
    user = uow.accounts.get_user("alice")
    assert user is not None
    assert user.failed_logons == 0
    for _ in range(LOCKOUT_AFTER - 1):
        with pytest.raises(InvalidCredentials):
            authenticate(uow=uow, username="alice", password="nope nope nope", at=T0)
    assert not uow.accounts.by_name["alice"].locked


def test_unlock_user(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(AccountError):
            authenticate(uow=uow, username="alice", password="nope nope nope", at=T0)
    unlock_user(uow=uow, username="alice", actor="admin", at=T0)
    user = uow.accounts.get_user("alice")
    assert user is not None
    assert (user.locked, user.failed_logons) == (False, 0)
    assert uow.audit.rows[-1].action == "account.unlock"
    assert uow.audit.rows[-1].actor == "admin"
    assert authenticate(uow=uow, username="alice", password=PASSWORD, at=T0).username == "alice"
    with pytest.raises(UnknownAccount):
        unlock_user(uow=uow, username="nobody", actor="admin", at=T0)


def test_a_stronger_hasher_rehashes_on_the_next_logon(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    old = uow.accounts.by_name["alice"].password_hash
    stronger = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=64, parallelism=1),))
    configure_hashing(passwords=stronger)
    authenticate(uow=uow, username="alice", password=PASSWORD, at=T0)
    new = uow.accounts.by_name["alice"].password_hash
    assert new != old
    assert "t=2" in new


def test_the_default_hasher_is_built_lazily() -> None:
    configure_hashing()
    assert hashing.HASHING.passwords is None  # nothing built at import or configure
    assert hashing.HASHING.password_hash() is hashing.HASHING.password_hash()


# ---- API keys ----


def test_issue_and_authenticate_a_key(uow: FakeUnitOfWork) -> None:
    key = issue_api_key(uow=uow, ori=ORI, label="county jail RMS", actor="admin", at=T0)
    prefix, key_id, secret = key.split("_", 2)
    assert prefix == "lsn"
    assert len(key_id) == 16
    assert len(secret) == 43
    stored = uow.accounts.get_key(key_id)
    assert stored is not None
    assert secret not in stored.secret_hash
    assert stored.secret_hash.startswith("$argon2")
    assert (stored.ori, stored.label, stored.revoked) == (ORI, "county jail RMS", False)
    assert secret not in uow.audit.rows[-1].detail
    assert uow.audit.rows[-1].action == "apikey.issue"
    found = authenticate_key(uow=uow, key=key)
    assert found.key_id == key_id
    assert found.ori == ORI


def test_issue_key_validates_the_ori(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidAccount, match="ori"):
        issue_api_key(uow=uow, ori="not an ori", label="", actor="admin", at=T0)


def test_keys_are_distinct(uow: FakeUnitOfWork) -> None:
    keys = {issue_api_key(uow=uow, ori=ORI, label="", actor="a", at=T0) for _ in range(5)}
    assert len(keys) == 5


def test_bad_keys_are_refused(uow: FakeUnitOfWork) -> None:
    key = issue_api_key(uow=uow, ori=ORI, label="", actor="admin", at=T0)
    _, key_id, secret = key.split("_", 2)
    wrong_secret = f"lsn_{key_id}_{'A' * 43}"
    unknown_id = f"lsn_{'0' * 16}_{secret}"
    for bad in (wrong_secret, unknown_id, "garbage", "", key + "x", key.upper()):
        with pytest.raises(InvalidCredentials, match="not valid"):
            authenticate_key(uow=uow, key=bad)


def test_refusals_are_audited_when_the_time_is_given(uow: FakeUnitOfWork) -> None:
    key = issue_api_key(uow=uow, ori=ORI, label="", actor="admin", at=T0)
    _, key_id, _ = key.split("_", 2)
    with pytest.raises(InvalidCredentials):
        authenticate_key(uow=uow, key=f"lsn_{key_id}_{'A' * 43}", at=T0)
    entry = uow.audit.rows[-1]
    assert (entry.action, entry.subject) == ("apikey.refuse", f"apikey:{key_id}")
    assert json.loads(entry.detail) == {"reason": "wrong secret"}
    with pytest.raises(InvalidCredentials):
        authenticate_key(uow=uow, key="garbage", at=T0)
    assert json.loads(uow.audit.rows[-1].detail) == {"reason": "malformed"}
    assert "garbage" not in uow.audit.rows[-1].detail


def test_revoked_keys_are_refused(uow: FakeUnitOfWork) -> None:
    key = issue_api_key(uow=uow, ori=ORI, label="", actor="admin", at=T0)
    _, key_id, _ = key.split("_", 2)
    revoke_api_key(uow=uow, key_id=key_id, actor="admin", at=T0)
    assert uow.audit.rows[-1].action == "apikey.revoke"
    with pytest.raises(InvalidCredentials, match="revoked"):
        authenticate_key(uow=uow, key=key, at=T0)
    n = len(uow.audit.rows)
    revoke_api_key(uow=uow, key_id=key_id, actor="admin", at=T0)  # idempotent
    assert len(uow.audit.rows) == n
    with pytest.raises(UnknownAccount):
        revoke_api_key(uow=uow, key_id="nope", actor="admin", at=T0)


def test_every_decision_leaves_an_intact_trail(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    with pytest.raises(InvalidCredentials):
        authenticate(uow=uow, username="alice", password="nope nope nope", at=T0)
    authenticate(uow=uow, username="alice", password=PASSWORD, at=T0)
    key = issue_api_key(uow=uow, ori=ORI, label="", actor="admin", at=T0)
    revoke_api_key(uow=uow, key_id=key.split("_")[1], actor="admin", at=T0)
    assert actions(uow) == [
        "account.add_user",
        "account.logon_refused",
        "account.logon",
        "apikey.issue",
        "apikey.revoke",
    ]
    assert verify(uow.audit.rows) == []


def test_errors_are_liaison_errors() -> None:
    for cls in (InvalidAccount, UnknownAccount, InvalidCredentials, AccountLocked, LogonThrottled):
        assert issubclass(cls, AccountError)
        assert issubclass(cls, LiaisonError)


# ---- administration: disable, enable, reset, list ----


def test_a_disabled_account_cannot_log_on_until_enabled(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    disabled = disable_user(uow=uow, username="alice", actor="admin", at=T0, reason="left")
    assert disabled.disabled
    assert not disabled.active_at(T0)
    assert (uow.audit.rows[-1].action, json.loads(uow.audit.rows[-1].detail)) == (
        "account.disable",
        {"reason": "left"},
    )
    with pytest.raises(InvalidCredentials, match=r"^wrong username or password$"):
        authenticate(uow=uow, username="alice", password=PASSWORD, at=T0)
    n = len(uow.audit.rows)
    disable_user(uow=uow, username="alice", actor="admin", at=T0)  # no change, no entry
    assert len(uow.audit.rows) == n
    enable_user(uow=uow, username="alice", actor="admin", at=T0)
    assert uow.audit.rows[-1].action == "account.enable"
    assert authenticate(uow=uow, username="alice", password=PASSWORD, at=T0).username == "alice"


def test_no_one_disables_their_own_account_and_unknown_users_are_named(
    uow: FakeUnitOfWork,
) -> None:
    add_officer(uow)
    with pytest.raises(InvalidAccount, match="own account"):
        disable_user(uow=uow, username="alice", actor="alice", at=T0)
    for change in (disable_user, enable_user, unlock_user):
        with pytest.raises(UnknownAccount, match="nobody"):
            change(uow=uow, username="nobody", actor="admin", at=T0)
    with pytest.raises(UnknownAccount):
        enable_user(uow=uow, username="x" * 100_000, actor="admin", at=T0)


def test_a_reset_password_works_unlocks_and_is_held_to_the_policy(uow: FakeUnitOfWork) -> None:
    add_officer(uow)
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(InvalidCredentials):
            authenticate(uow=uow, username="alice", password="nope nope nope", at=T0)
    for weak, why in (("password1234", "common"), ("alice-password", "username"), ("x", "12")):
        with pytest.raises(InvalidAccount, match=why):
            reset_password(uow=uow, username="alice", password=weak, actor="admin", at=T0)
    reset_password(uow=uow, username="alice", password="a brand new phrase", actor="admin", at=T0)
    entry = uow.audit.rows[-1]
    assert entry.action == "account.reset_password"
    assert "brand new" not in entry.detail
    assert json.loads(entry.detail) == {"locked": True, "failed_logons": LOCKOUT_AFTER}
    with pytest.raises(InvalidCredentials):
        authenticate(uow=uow, username="alice", password=PASSWORD, at=T0)
    user = authenticate(uow=uow, username="alice", password="a brand new phrase", at=T0)
    assert user.username == "alice"
    with pytest.raises(UnknownAccount):
        reset_password(uow=uow, username="nobody", password="a brand new phrase", actor="a", at=T0)


def test_users_and_keys_are_listed_without_secrets(uow: FakeUnitOfWork) -> None:
    add_officer(uow, "zoe")
    add_officer(uow, "alice")
    assert [u.username for u in users(uow=uow)] == ["alice", "zoe"]
    assert user(uow=uow, username="zoe").username == "zoe"
    with pytest.raises(UnknownAccount):
        user(uow=uow, username="nobody")
    first = issue_api_key(uow=uow, ori=ORI, label="RMS", actor="admin", at=T0)
    issue_api_key(uow=uow, ori="CA0380000", label="other", actor="admin", at=T0)
    listed = api_keys(uow=uow)
    assert len(listed) == 2
    assert [k.key_id for k in listed] == sorted(k.key_id for k in listed)
    [mine] = api_keys(uow=uow, ori=ORI)
    assert (mine.key_id, mine.label, mine.revoked) == (first.split("_")[1], "RMS", False)
