"""What the jurisdictions context needs from a store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from liaison.audit.ports import AuditRepository
from liaison.jurisdictions.model import Agency, Agreement287g, DetainerPolicy, Jurisdiction
from liaison.transaction import Transaction

__all__ = ["JurisdictionRepository", "JurisdictionsUnitOfWork"]


class JurisdictionRepository(Protocol):
    def add_jurisdiction(self, jurisdiction: Jurisdiction) -> None: ...

    def get_jurisdiction(self, fips: str) -> Jurisdiction | None: ...

    def add_agency(self, agency: Agency) -> None: ...

    def get_agency(self, ori: str) -> Agency | None: ...

    def agencies(self) -> Sequence[Agency]: ...

    def add_policy(self, policy: DetainerPolicy) -> None: ...

    def all_policies(self) -> Sequence[DetainerPolicy]:
        """Every policy ever enacted, by jurisdiction, then in enactment order."""
        ...

    def policies_for(self, fips: Sequence[str]) -> Sequence[DetainerPolicy]:
        """Every policy ever enacted for any of these jurisdictions (callers pick by date)."""
        ...

    def add_agreements(self, agreements: Sequence[Agreement287g]) -> None: ...

    def agreements(self, *, snapshot: str | None = None) -> Sequence[Agreement287g]: ...


class JurisdictionsUnitOfWork(Transaction, Protocol):
    """The repositories jurisdictions services work through, in one transaction."""

    @property
    def jurisdictions(self) -> JurisdictionRepository: ...

    @property
    def audit(self) -> AuditRepository: ...
