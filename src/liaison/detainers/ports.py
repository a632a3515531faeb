"""What the detainers context needs from a store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from liaison.audit.ports import AuditRepository
from liaison.detainers.model import Detainer
from liaison.identity.ports import IdentityRepository
from liaison.jurisdictions.ports import JurisdictionRepository
from liaison.transaction import Transaction

__all__ = ["DetainerRepository", "DetainersUnitOfWork"]


class DetainerRepository(Protocol):
    def add(self, detainer: Detainer) -> None: ...

    def get(self, detainer_id: str) -> Detainer | None: ...

    def for_booking(self, booking_id: str) -> Sequence[Detainer]: ...

    def open_for_identity(self, identity_id: int) -> Sequence[Detainer]: ...

    def for_identity(self, identity_id: int) -> Sequence[Detainer]:
        """Every detainer ever lodged on the person, in any state, oldest first."""
        ...

    def honored_released_before(self, cutoff: datetime) -> Sequence[Detainer]:
        """Honored detainers whose recorded release time is at or before ``cutoff``."""
        ...

    def list(
        self,
        *,
        ori: str | None = None,
        state: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Detainer]: ...

    def count(self, *, ori: str | None = None, state: str | None = None) -> int:
        """How many detainers ``list`` pages through."""
        ...


class DetainersUnitOfWork(Transaction, Protocol):
    """The repositories detainers services work through, in one transaction."""

    @property
    def detainers(self) -> DetainerRepository: ...

    @property
    def identities(self) -> IdentityRepository: ...

    @property
    def jurisdictions(self) -> JurisdictionRepository: ...

    @property
    def audit(self) -> AuditRepository: ...
