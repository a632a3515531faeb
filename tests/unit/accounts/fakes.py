"""An in-memory accounts store for unit tests: changes vanish unless committed."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from tests.unit.audit.fakes import FakeAuditRepository

from liaison.accounts.model import ApiKey, User


class FakeAccountRepository:
    def __init__(self) -> None:
        self.by_name: dict[str, User] = {}
        self.keys: dict[str, ApiKey] = {}

    def add_user(self, user: User) -> None:
        self.by_name[user.username] = user

    def get_user(self, username: str) -> User | None:
        return self.by_name.get(username)

    def users(self) -> Sequence[User]:
        return list(self.by_name.values())

    def add_key(self, key: ApiKey) -> None:
        self.keys[key.key_id] = key

    def get_key(self, key_id: str) -> ApiKey | None:
        return self.keys.get(key_id)


class FakeAccountsUnitOfWork:
    def __init__(self) -> None:
        self._accounts = FakeAccountRepository()
        self._audit = FakeAuditRepository()
        self._saved = copy.deepcopy((self._accounts, self._audit))
        self.commits = 0

    @property
    def accounts(self) -> FakeAccountRepository:
        return self._accounts

    @property
    def audit(self) -> FakeAuditRepository:
        return self._audit

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._saved = copy.deepcopy((self._accounts, self._audit))
        self.commits += 1

    def rollback(self) -> None:
        self._accounts, self._audit = copy.deepcopy(self._saved)
