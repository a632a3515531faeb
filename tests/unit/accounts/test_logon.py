"""A logon tells nothing: one answer and one hash verification for every refusal; a lock
ends by itself after ``LOCKOUT_FOR``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from tests.fakes import FakeUnitOfWork

from liaison.accounts.errors import InvalidCredentials
from liaison.accounts.logon import REFUSED, authenticate, shown_username
from liaison.accounts.model import LOCKOUT_AFTER, LOCKOUT_FOR
from liaison.accounts.services import add_user, configure_hashing, disable_user, unlock_user
from liaison.audit.chain import verify

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
WRONG = "nope nope nope"


class CountingHash(PasswordHash):
    """A cheap argon2 hasher that counts the hashes it verifies, and against what."""

    def __init__(self) -> None:
        super().__init__((Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1),))
        self.verified: list[str] = []

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        self.verified.append(str(hash))
        return super().verify(password, hash)

    def verify_and_update(self, password: str | bytes, hash: str | bytes) -> Any:
        self.verified.append(str(hash))
        return super().verify_and_update(password, hash)


@pytest.fixture
def counting() -> Iterator[CountingHash]:
    hasher = CountingHash()
    configure_hashing(passwords=hasher, keys=hasher)
    yield hasher
    configure_hashing()


@pytest.fixture
def uow(counting: CountingHash) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    for name in ("alice", "bob", "carol"):
        add_user(uow=uow, username=name, password=PASSWORD, roles=["auditor"], actor="a", at=T0)
    for _ in range(LOCKOUT_AFTER):  # bob is locked
        with pytest.raises(InvalidCredentials):
            authenticate(uow=uow, username="bob", password=WRONG, at=T0)
    disable_user(uow=uow, username="carol", actor="admin", at=T0)
    counting.verified.clear()
    return uow


def reason(uow: FakeUnitOfWork) -> str:
    detail: str = json.loads(uow.audit.rows[-1].detail)["reason"]
    return detail


@pytest.mark.parametrize(
    ("username", "password", "why"),
    [
        ("nobody", PASSWORD, "unknown user"),
        ("alice", WRONG, "wrong password"),
        ("bob", PASSWORD, "locked"),  # the right password, on a locked account
        ("bob", WRONG, "locked"),
        ("carol", PASSWORD, "disabled"),
        ("alice", "x" * 5000, "wrong password"),  # longer than any password may be
        ("Alice", PASSWORD, "not a username"),  # usernames are not folded
        ("al\x00ice", PASSWORD, "not a username"),  # never sent to the store
        ("a" * 5_000_000, PASSWORD, "not a username"),
    ],
)
def test_every_refusal_reads_the_same_and_verifies_one_hash(
    uow: FakeUnitOfWork, counting: CountingHash, username: str, password: str, why: str
) -> None:
    with pytest.raises(InvalidCredentials) as refused:
        authenticate(uow=uow, username=username, password=password, at=T0)
    assert type(refused.value) is InvalidCredentials
    assert str(refused.value) == REFUSED
    # the same work as a real logon: one argon2 verification with the parameters in use
    assert len(counting.verified) == 1
    assert counting.verified[0].startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert reason(uow) == why  # only the trail says which it was
    entry = uow.audit.rows[-1]
    assert len(entry.actor) < 100
    assert "\x00" not in entry.actor + entry.subject + entry.detail


def test_a_refusal_on_a_locked_account_does_not_extend_or_count(uow: FakeUnitOfWork) -> None:
    bob = uow.accounts.by_name["bob"]
    before = (bob.failed_logons, bob.locked_until)
    with pytest.raises(InvalidCredentials):
        authenticate(uow=uow, username="bob", password=WRONG, at=T0 + timedelta(minutes=9))
    assert (bob.failed_logons, bob.locked_until) == before


def test_the_lock_ends_by_itself(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidCredentials):
        authenticate(uow=uow, username="bob", password=PASSWORD, at=T0 + LOCKOUT_FOR / 2)
    ended = T0 + LOCKOUT_FOR
    assert authenticate(uow=uow, username="bob", password=PASSWORD, at=ended).username == "bob"
    bob = uow.accounts.by_name["bob"]
    assert (bob.locked, bob.locked_until, bob.failed_logons) == (False, None, 0)
    assert [e.action for e in uow.audit.rows[-2:]] == ["account.lock_ended", "account.logon"]
    assert verify(uow.audit.rows) == []


def test_after_the_lock_ends_five_more_failures_lock_it_again(uow: FakeUnitOfWork) -> None:
    later = T0 + LOCKOUT_FOR + timedelta(seconds=1)
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(InvalidCredentials):
            authenticate(uow=uow, username="bob", password=WRONG, at=later)
    bob = uow.accounts.by_name["bob"]
    assert bob.locked_at(later)
    assert bob.locked_until == later + LOCKOUT_FOR


def test_an_administrator_unlocks_at_once(uow: FakeUnitOfWork) -> None:
    unlock_user(uow=uow, username="bob", actor="admin", at=T0)
    assert authenticate(uow=uow, username="bob", password=PASSWORD, at=T0).username == "bob"
    assert json.loads(uow.audit.rows[-2].detail) == {"locked": True, "failed_logons": 5}


def test_a_lock_from_before_it_could_end_lasts_until_unlocked(uow: FakeUnitOfWork) -> None:
    bob = uow.accounts.by_name["bob"]
    bob.locked_until = None  # as migration 0007 leaves an account locked before it
    with pytest.raises(InvalidCredentials):
        authenticate(uow=uow, username="bob", password=PASSWORD, at=T0 + timedelta(days=30))
    assert reason(uow) == "locked"


def test_a_password_verified_against_a_hash_replaced_meanwhile_proves_nothing(
    uow: FakeUnitOfWork, counting: CountingHash
) -> None:
    original = counting.verify_and_update

    def reset_meanwhile(password: str | bytes, hash: str | bytes) -> Any:
        answer = original(password, hash)
        uow.accounts.by_name["alice"].password_hash = counting.hash("a new password entirely")
        return answer

    counting.verify_and_update = reset_meanwhile  # type: ignore[method-assign]
    with pytest.raises(InvalidCredentials):
        authenticate(uow=uow, username="alice", password=PASSWORD, at=T0)


def test_shown_usernames_are_bounded_and_printable() -> None:
    assert shown_username("alice") == "alice"
    assert shown_username("al\x00ice\u202e") == "al\\x00ice\\u202e"
    shown = shown_username("a" * 5_000_000)
    assert len(shown) == 67
    assert shown.endswith("...")
