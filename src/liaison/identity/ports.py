"""What the identity context needs from a store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from liaison.audit.ports import AuditRepository
from liaison.identity.model import Identity
from liaison.transaction import Transaction

__all__ = ["IdentityRepository", "IdentityUnitOfWork"]


class IdentityRepository(Protocol):
    def add(self, identity: Identity) -> None: ...

    def get(self, identity_id: int) -> Identity | None: ...

    def get_many(self, identity_ids: Iterable[int]) -> dict[int, Identity]: ...

    def count(self) -> int: ...


class IdentityUnitOfWork(Transaction, Protocol):
    """The repositories identity services work through, in one transaction."""

    @property
    def identities(self) -> IdentityRepository: ...

    @property
    def audit(self) -> AuditRepository: ...
