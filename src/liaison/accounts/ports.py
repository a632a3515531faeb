"""What the accounts context needs from a store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from liaison.accounts.model import ApiKey, User
from liaison.audit.ports import AuditRepository
from liaison.transaction import Transaction

__all__ = ["AccountRepository", "AccountsUnitOfWork"]


class AccountRepository(Protocol):
    def add_user(self, user: User) -> None: ...

    def get_user(self, username: str) -> User | None: ...

    def users(self) -> Sequence[User]: ...

    def add_key(self, key: ApiKey) -> None: ...

    def get_key(self, key_id: str) -> ApiKey | None: ...


class AccountsUnitOfWork(Transaction, Protocol):
    """The repositories accounts services work through, in one transaction."""

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def audit(self) -> AuditRepository: ...
