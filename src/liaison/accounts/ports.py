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

    def get_user(self, username: str, *, for_update: bool = False) -> User | None:
        """The user; with ``for_update``, its row is locked until the transaction ends (so two
        failed logons at once both count)."""
        ...

    def users(self) -> Sequence[User]: ...

    def add_key(self, key: ApiKey) -> None: ...

    def get_key(self, key_id: str) -> ApiKey | None: ...

    def list_keys(self) -> Sequence[ApiKey]:
        """Every API key, by id."""
        ...


class AccountsUnitOfWork(Transaction, Protocol):
    """The repositories accounts services work through, in one transaction."""

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def audit(self) -> AuditRepository: ...
