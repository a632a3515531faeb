"""The check every request makes of a token's account: it exists and may act, read from the
store at most once per ``ttl_s``."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakes import FakeUnitOfWork

from liaison.accounts.active import ActiveAccounts
from liaison.accounts.model import LOCKOUT_FOR, Role, User

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CountingUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.opened = 0

    def __enter__(self) -> CountingUnitOfWork:
        self.opened += 1
        super().__enter__()
        return self


def setup() -> tuple[CountingUnitOfWork, Clock, ActiveAccounts]:
    uow = CountingUnitOfWork()
    uow.accounts.add_user(User("alice", "hash", {Role.AUDITOR}))
    clock = Clock()
    return uow, clock, ActiveAccounts(ttl_s=5, clock=clock)


def test_an_active_account_is_read_once_per_ttl() -> None:
    uow, clock, active = setup()
    for _ in range(10):
        found = active.user(uow=uow, username="alice", at=T0)
        assert found is not None
        assert found.username == "alice"
    assert uow.opened == 1
    clock.now += 5
    active.user(uow=uow, username="alice", at=T0)
    assert uow.opened == 2


def test_unknown_disabled_and_locked_accounts_may_not_act() -> None:
    uow, clock, active = setup()
    assert active.user(uow=uow, username="nobody", at=T0) is None
    assert active.user(uow=uow, username="not a name\x00", at=T0) is None
    assert active.user(uow=uow, username="alice", at=T0) is not None
    uow.accounts.by_name["alice"].disabled = True  # in the store (the fake's copy of it)
    assert active.user(uow=uow, username="alice", at=T0) is not None  # within the bound...
    clock.now += 5
    assert active.user(uow=uow, username="alice", at=T0) is None  # ...and not after it
    alice = uow.accounts.by_name["alice"]
    alice.disabled, alice.locked, alice.locked_until = False, True, T0 + LOCKOUT_FOR
    active.forget("alice")  # a change made in this process takes effect at once
    assert active.user(uow=uow, username="alice", at=T0) is None
    assert active.user(uow=uow, username="alice", at=T0 + LOCKOUT_FOR) is not None  # it ended


def test_the_cache_is_bounded() -> None:
    uow, _, _ = setup()
    active = ActiveAccounts(capacity=10)
    for n in range(1000):
        active.user(uow=uow, username=f"user{n}", at=T0)
    assert len(active._read) == 10
    active.forget()
    assert len(active._read) == 0
