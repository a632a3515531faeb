"""What the identity context needs from a store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from liaison.audit.ports import AuditRepository
from liaison.identity.model import CitizenshipReferral, Identity
from liaison.transaction import Transaction

__all__ = ["IdentityRepository", "IdentityUnitOfWork", "ReferralRepository"]


class IdentityRepository(Protocol):
    def add(self, identity: Identity) -> None: ...

    def get(self, identity_id: int) -> Identity | None: ...

    def get_many(self, identity_ids: Iterable[int]) -> dict[int, Identity]: ...

    def count(self) -> int: ...

    def born_on(self, birth_date: date) -> Sequence[Identity]:
        """Everyone recorded as born on ``birth_date``, by identity id."""
        ...


class ReferralRepository(Protocol):
    def add(self, referral: CitizenshipReferral) -> None: ...

    def get(self, referral_id: str) -> CitizenshipReferral | None: ...

    def for_identity(self, identity_id: int) -> Sequence[CitizenshipReferral]:
        """The person's referrals, oldest first."""
        ...

    def list(
        self, *, state: str | None = None, limit: int = 100, offset: int = 0
    ) -> Sequence[CitizenshipReferral]:
        """Referrals, oldest first (the adjudicators' queue), in one state if given."""
        ...

    def count(self, *, state: str | None = None) -> int:
        """How many referrals ``list`` pages through."""
        ...


class IdentityUnitOfWork(Transaction, Protocol):
    """The repositories identity services work through, in one transaction."""

    @property
    def identities(self) -> IdentityRepository: ...

    @property
    def audit(self) -> AuditRepository: ...
