"""Whether the account behind a token may still act: it exists, and is neither disabled nor
locked.

A token is signed for its lifetime (15 minutes); the account behind it can be disabled or
locked in the meantime, or never have existed (a token signed with a leaked key). Every request
checks the account; to spare the store a read per request, what was read is kept for at most
``ttl_s`` seconds, so a change made in another process takes effect within that bound (and one
made in this process at once: the services' callers ``forget`` the account).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from liaison.accounts.model import User
from liaison.accounts.policy import USERNAME
from liaison.accounts.ports import AccountsUnitOfWork

__all__ = ["ActiveAccounts"]


class ActiveAccounts:
    """The accounts that may act now, each read from the store at most once per ``ttl_s``."""

    def __init__(
        self,
        *,
        ttl_s: float = 5.0,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.capacity = capacity
        self._clock = clock
        self._read: OrderedDict[str, tuple[float, User | None]] = OrderedDict()
        self._lock = threading.Lock()

    def user(self, *, uow: AccountsUnitOfWork, username: str, at: datetime) -> User | None:
        """The account named ``username`` when it may act at ``at``; None when there is no such
        account, or it is disabled or locked."""
        now = self._clock()
        with self._lock:
            kept = self._read.get(username)
        if kept is None or now - kept[0] >= self.ttl_s:
            with uow:
                found = uow.accounts.get_user(username) if USERNAME.fullmatch(username) else None
            kept = (now, found)
            with self._lock:
                self._read[username] = kept
                self._read.move_to_end(username)
                while len(self._read) > self.capacity:
                    self._read.popitem(last=False)
        found = kept[1]
        return found if found is not None and found.active_at(at) else None

    def forget(self, username: str | None = None) -> None:
        """Read ``username`` (or every account) from the store next time: it just changed."""
        with self._lock:
            if username is None:
                self._read.clear()
            else:
                self._read.pop(username, None)
