"""What the bookings context needs from a store and from the biometric engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from liaison.accounts.ports import AccountRepository
from liaison.audit.ports import AuditRepository
from liaison.biometrics.model import FingerPosition, FingerTemplate
from liaison.bookings.model import Booking, Identification
from liaison.detainers.ports import DetainerRepository
from liaison.identity.ports import IdentityRepository, ReferralRepository
from liaison.jurisdictions.ports import JurisdictionRepository
from liaison.screening.ports import CampaignRepository, CaseRepository, WatchlistRepository
from liaison.transaction import JobQueue, Transaction

__all__ = ["BookingRepository", "BookingsUnitOfWork", "TenPrintSearch"]


class BookingRepository(Protocol):
    def add(self, booking: Booking) -> None: ...

    def get(self, booking_id: str) -> Booking | None: ...

    def by_tcn(self, tcn: str) -> Booking | None: ...

    def list(
        self,
        *,
        ori: str | None = None,
        state: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Booking]:
        """Bookings, newest submission first, of one agency and/or in one state."""
        ...

    def count(self, *, ori: str | None = None, state: str | None = None) -> int:
        """How many bookings ``list`` pages through."""
        ...

    def review_queue(self, *, limit: int = 100, offset: int = 0) -> Sequence[Booking]:
        """Responded bookings with a match or possible that no officer has reviewed, oldest
        first."""
        ...

    def review_queue_count(self) -> int:
        """How many bookings the review queue holds."""
        ...


class TenPrintSearch(Protocol):
    """The biometric engine as the bookings context sees it."""

    def search(self, fingers: Mapping[FingerPosition, FingerTemplate]) -> Identification: ...


class BookingsUnitOfWork(Transaction, Protocol):
    """The repositories bookings services work through, in one transaction."""

    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def detainers(self) -> DetainerRepository: ...

    @property
    def identities(self) -> IdentityRepository: ...

    @property
    def jurisdictions(self) -> JurisdictionRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def jobs(self) -> JobQueue: ...

    @property
    def referrals(self) -> ReferralRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def watchlist(self) -> WatchlistRepository: ...

    @property
    def screening_cases(self) -> CaseRepository: ...

    @property
    def campaigns(self) -> CampaignRepository: ...
