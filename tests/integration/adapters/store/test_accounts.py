"""Accounts in the store: the columns of migration 0007, keys listed by id, and failed logons
that arrive at once all counted (the user's row is locked while a logon records its outcome)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import text
from tests.integration.adapters.store import builders
from tests.integration.adapters.store.builders import T0, fields_of

from liaison.accounts import services as accounts
from liaison.accounts.errors import InvalidCredentials
from liaison.accounts.model import LOCKOUT_AFTER, LOCKOUT_FOR
from liaison.adapters.store import SqlUnitOfWork, make_engine, upgrade

if TYPE_CHECKING:
    from tests.conftest import PostgresServer

UoW = Callable[[], SqlUnitOfWork]


def test_disabled_and_lock_end_round_trip(new_uow: UoW) -> None:
    until = T0 + timedelta(minutes=10)
    ana = builders.user(disabled=True, locked_until=until)
    with new_uow() as uow:
        uow.accounts.add_user(ana)
        uow.accounts.add_user(builders.user("bob"))
        uow.commit()
    with new_uow() as uow:
        loaded = uow.accounts.get_user("ana", for_update=True)
        assert loaded is not None
        assert fields_of(loaded) == fields_of(ana)
        assert loaded.locked_until == until
        assert loaded.locked_until.tzinfo is not None
        bob = uow.accounts.get_user("bob")
        assert bob is not None
        assert (bob.disabled, bob.locked_until) == (False, None)


def test_keys_are_listed_by_id(new_uow: UoW) -> None:
    with new_uow() as uow:
        for key_id in ("ffff000000000000", "0000aaaa00000000", "8888000000000000"):
            uow.accounts.add_key(builders.api_key(key_id))
        uow.commit()
    with new_uow() as uow:
        assert [k.key_id for k in uow.accounts.list_keys()] == [
            "0000aaaa00000000",
            "8888000000000000",
            "ffff000000000000",
        ]


class SlowHash(PasswordHash):
    """Cheap argon2 that takes a moment, so that logons overlap."""

    def __init__(self) -> None:
        super().__init__((Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1),))

    def verify_and_update(self, password: str | bytes, hash: str | bytes) -> Any:
        threading.Event().wait(0.05)
        return super().verify_and_update(password, hash)


@pytest.fixture
def slow_hashing() -> Iterator[None]:
    accounts.configure_hashing(passwords=SlowHash())
    yield
    accounts.configure_hashing()


@pytest.mark.usefixtures("slow_hashing")
def test_failed_logons_at_once_are_all_counted_and_lock(new_uow: UoW) -> None:
    accounts.add_user(
        uow=new_uow(), username="alice", password="a fine pass phrase", roles=["auditor"],
        actor="test", at=T0,
    )  # fmt: skip
    start = threading.Barrier(LOCKOUT_AFTER)
    outcomes: list[str] = []

    def fail() -> None:
        start.wait(5)
        try:
            accounts.authenticate(uow=new_uow(), username="alice", password="wrong!!", at=T0)
        except InvalidCredentials:
            outcomes.append("refused")
        except Exception as exc:  # a lost update would surface here as a store error
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=fail) for _ in range(LOCKOUT_AFTER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes == ["refused"] * LOCKOUT_AFTER
    with new_uow() as uow:
        alice = uow.accounts.get_user("alice")
        assert alice is not None
        assert alice.failed_logons == LOCKOUT_AFTER
        assert alice.locked_until == T0 + LOCKOUT_FOR


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    postgres: PostgresServer = request.getfixturevalue("postgres")
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)


def test_users_from_before_0007_are_enabled_and_a_lock_of_theirs_has_no_end(
    empty_url: str,
) -> None:
    upgrade(empty_url, "0006")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (username, password_hash, roles, failed_logons, locked, "
                    "version) VALUES ('old', 'h', '[]', 5, :locked, 1)"
                ),
                {"locked": True},
            )
        upgrade(empty_url)
        with SqlUnitOfWork(engine) as uow:
            old = uow.accounts.get_user("old")
            assert old is not None
            assert (old.disabled, old.locked, old.locked_until) == (False, True, None)
            assert old.locked_at(T0 + timedelta(days=365))  # until an administrator unlocks it
    finally:
        engine.dispose()
