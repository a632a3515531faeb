"""Throttling logons, so a flood of guesses costs the attacker time and not everyone else.

Three limits, checked before a password is verified:

- per account and per source (the caller's address), a token bucket of failed logons: each
  attempt takes a token and a successful one gives it back, so people who type their password
  right are never slowed, while guessing at one account, or from one address at many, is held
  to the refill rate;
- at once, a bounded number of password verifications (argon2 is meant to be costly: a
  flood must not take every core and every worker thread); an attempt that cannot start
  within ``queue_wait_s`` is turned away.

An attempt refused by any of them gets ``LogonThrottled`` with the seconds to wait; nothing
else about the account is said or changed. The buckets live in this process (one API server;
behind several, each server holds its own, which multiplies the rates by their number).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from liaison.accounts.errors import LogonThrottled

__all__ = ["Buckets", "LogonGuard", "Rate"]


@dataclass(frozen=True, slots=True)
class Rate:
    """``burst`` attempts at once, then ``per_minute`` more each minute."""

    burst: int
    per_minute: float


class Buckets:
    """Token buckets by key; past ``capacity`` keys the least recently used is forgotten (a
    forgotten key starts full again), so a flood of made-up names cannot fill the memory."""

    def __init__(self, rate: Rate, *, capacity: int = 100_000) -> None:
        self.rate = rate
        self.capacity = capacity
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (float(self.rate.burst), now))
        refill = max(0.0, now - then) * self.rate.per_minute / 60  # a clock never runs back
        return min(float(self.rate.burst), tokens + refill)

    def take(self, key: str, now: float) -> float:
        """Take a token: 0 when taken, else the seconds until one will be there."""
        with self._lock:
            level = self._level(key, now)
            if level < 1:
                self._buckets[key] = (level, now)
                self._buckets.move_to_end(key)
                return (1 - level) * 60 / self.rate.per_minute
            self._buckets[key] = (level - 1, now)
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.capacity:
                self._buckets.popitem(last=False)
            return 0.0

    def give_back(self, key: str, now: float) -> None:
        """Return the token an attempt took (it succeeded, or never ran)."""
        with self._lock:
            if key in self._buckets:
                self._buckets[key] = (min(float(self.rate.burst), self._level(key, now) + 1), now)


class LogonGuard:
    """The three limits on logons of one process (see the module's docstring)."""

    def __init__(
        self,
        *,
        per_account: Rate = Rate(burst=10, per_minute=5),
        per_source: Rate = Rate(burst=30, per_minute=30),
        concurrent: int | None = None,
        queue_wait_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.accounts = Buckets(per_account)
        self.sources = Buckets(per_source)
        # Half the cores at most: argon2 keeps a core busy for a good part of a second.
        self.concurrent = concurrent or max(1, (os.cpu_count() or 2) // 2)
        self._verifying = threading.BoundedSemaphore(self.concurrent)
        self.queue_wait_s = queue_wait_s
        self._clock = clock

    @contextmanager
    def attempt(self, *, username: str, source: str) -> Iterator[Callable[[], None]]:
        """Admit one logon attempt, or raise ``LogonThrottled``. The block runs the attempt;
        it calls the function it is given when the password was right, which gives back the
        tokens taken (only failures count)."""
        account = username[:64].casefold()
        now = self._clock()
        wait = self.accounts.take(account, now)
        if wait:
            raise LogonThrottled(
                "too many failed logons for this account: try again later",
                retry_after=wait,
            )
        wait = self.sources.take(source, now)
        if wait:
            self.accounts.give_back(account, now)
            raise LogonThrottled(
                "too many failed logons from this address: try again later",
                retry_after=wait,
            )
        if not self._verifying.acquire(timeout=self.queue_wait_s):
            now = self._clock()
            self.accounts.give_back(account, now)
            self.sources.give_back(source, now)
            raise LogonThrottled("too many logons at once: try again in a moment", retry_after=1.0)
        succeeded = False

        def admitted() -> None:
            nonlocal succeeded
            succeeded = True

        try:
            yield admitted
        finally:
            self._verifying.release()
            if succeeded:
                now = self._clock()
                self.accounts.give_back(account, now)
                self.sources.give_back(source, now)
