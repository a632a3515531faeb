"""People and jail systems allowed in, and what each may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["LOCKOUT_AFTER", "LOCKOUT_FOR", "ApiKey", "Role", "User"]

# CJIS Security Policy 5.6.2.1.1: lock after at most 5 failed logons in a row, for 10 minutes
# (or until an administrator unlocks it).
LOCKOUT_AFTER = 5
LOCKOUT_FOR = timedelta(minutes=10)


class Role(StrEnum):
    BOOKING_OFFICER = "booking_officer"
    ENFORCEMENT_OFFICER = "enforcement_officer"
    SCREENING_ANALYST = "screening_analyst"
    ADJUDICATOR = "adjudicator"  # rules on citizenship referrals; never on their own cases
    PROGRAM_MANAGER = "program_manager"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(eq=False)
class User:
    username: str
    password_hash: str  # argon2
    roles: set[Role] = field(default_factory=set)
    ori: str | None = None  # booking officers belong to one agency
    failed_logons: int = 0
    locked: bool = False  # by failed logons, until ``locked_until`` (None: until unlocked)
    disabled: bool = False  # by an administrator, until enabled again
    locked_until: datetime | None = None

    def locked_at(self, at: datetime) -> bool:
        """Whether failed logons keep the account locked at ``at``; a lock ends by itself at
        ``locked_until`` (a lock from before that column has no end: an administrator
        unlocks it)."""
        return self.locked and (self.locked_until is None or at < self.locked_until)

    def active_at(self, at: datetime) -> bool:
        """Whether the account may act at ``at``: neither disabled nor locked."""
        return not self.disabled and not self.locked_at(at)


@dataclass(eq=False)
class ApiKey:
    """A jail system's key: it acts as a booking officer of one agency."""

    key_id: str  # public prefix shown in logs
    secret_hash: str  # argon2 of the secret part
    ori: str
    label: str = ""
    revoked: bool = False
