"""Logon throttling: failures cost tokens per account and per source, successes do not, and
only so many verifications run at once."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from liaison.accounts.errors import LogonThrottled
from liaison.accounts.throttle import Buckets, LogonGuard, Rate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail_once(guard: LogonGuard, username: str, source: str) -> None:
    with guard.attempt(username=username, source=source):
        pass  # the password was wrong: the block ends without admitting


def test_failures_for_one_account_are_held_to_the_rate() -> None:
    clock = Clock()
    guard = LogonGuard(per_account=Rate(3, 6), per_source=Rate(100, 100), clock=clock)
    for n in range(3):
        fail_once(guard, "alice", f"10.0.0.{n}")  # from anywhere: the account's bucket
    with pytest.raises(LogonThrottled, match="this account") as refused:
        fail_once(guard, "alice", "10.0.0.9")
    assert refused.value.retry_after == pytest.approx(10.0)  # 6 a minute: one each 10 s
    fail_once(guard, "bob", "10.0.0.9")  # other accounts are not held up
    clock.now += 10
    fail_once(guard, "alice", "10.0.0.9")


def test_failures_from_one_source_are_held_to_the_rate() -> None:
    clock = Clock()
    guard = LogonGuard(per_account=Rate(100, 100), per_source=Rate(2, 60), clock=clock)
    fail_once(guard, "alice", "192.0.2.1")
    fail_once(guard, "bob", "192.0.2.1")
    with pytest.raises(LogonThrottled, match="this address"):
        fail_once(guard, "carol", "192.0.2.1")
    fail_once(guard, "carol", "192.0.2.2")  # another address is not held up
    # the account's token taken before the source refused was given back
    assert guard.accounts.take("carol", clock.now) == 0.0


def test_successes_cost_nothing() -> None:
    clock = Clock()
    guard = LogonGuard(per_account=Rate(2, 1), per_source=Rate(2, 1), clock=clock)
    for _ in range(50):
        with guard.attempt(username="alice", source="192.0.2.1") as admitted:
            admitted()


def test_only_so_many_verifications_run_at_once() -> None:
    guard = LogonGuard(concurrent=1, queue_wait_s=0.05)
    inside, release = threading.Event(), threading.Event()

    def slow() -> None:
        with guard.attempt(username="alice", source="192.0.2.1"):
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=slow)
    holder.start()
    assert inside.wait(5)
    with pytest.raises(LogonThrottled, match="at once") as refused:
        fail_once(guard, "bob", "192.0.2.2")
    assert refused.value.retry_after == 1.0
    release.set()
    holder.join(5)
    fail_once(guard, "bob", "192.0.2.2")  # room again, and bob's tokens were given back
    burst = guard.accounts.rate.burst
    assert guard.accounts._level("bob", time.monotonic()) == pytest.approx(burst - 1, abs=0.01)


def test_made_up_names_cannot_fill_the_memory() -> None:
    buckets = Buckets(Rate(1, 1), capacity=100)
    for n in range(10_000):
        buckets.take(f"user{n}", 0.0)
    assert len(buckets._buckets) == 100


class ThrottleMachine(RuleBasedStateMachine):
    """Whatever the sequence of attempts and pauses, no account and no source has more
    failures admitted in any span of time than its burst plus its rate over that span."""

    ACCOUNT = Rate(3, 12)
    SOURCE = Rate(5, 30)

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.guard = LogonGuard(per_account=self.ACCOUNT, per_source=self.SOURCE, clock=self.clock)
        self.failures: dict[tuple[str, str], list[float]] = {}

    @rule(seconds=st.floats(min_value=0, max_value=30))
    def wait(self, seconds: float) -> None:
        self.clock.now += seconds

    @rule(
        username=st.sampled_from(["alice", "bob", "carol"]),
        source=st.sampled_from(["192.0.2.1", "192.0.2.2"]),
        right=st.booleans(),
    )
    def attempt(self, username: str, source: str, right: bool) -> None:
        waits: list[float] = []
        try:
            with self.guard.attempt(username=username, source=source) as admitted:
                if right:
                    admitted()
        except LogonThrottled as refused:
            waits.append(refused.retry_after)
        if waits:
            assert waits[0] > 0
            return
        if not right:
            for key in (("account", username), ("source", source)):
                self.failures.setdefault(key, []).append(self.clock.now)

    @invariant()
    def within_the_rate(self) -> None:
        for (kind, _), times in self.failures.items():
            rate = self.ACCOUNT if kind == "account" else self.SOURCE
            for i, start in enumerate(times):
                span = self.clock.now - start
                assert len(times) - i <= rate.burst + rate.per_minute * span / 60 + 1e-9


TestThrottleMachine = ThrottleMachine.TestCase
TestThrottleMachine.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
