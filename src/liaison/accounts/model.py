"""People and jail systems allowed in, and what each may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["LOCKOUT_AFTER", "ApiKey", "Role", "User"]

LOCKOUT_AFTER = 5  # failed logons in a row lock the account


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
    locked: bool = False


@dataclass(eq=False)
class ApiKey:
    """A jail system's key: it acts as a booking officer of one agency."""

    key_id: str  # public prefix shown in logs
    secret_hash: str  # argon2 of the secret part
    ori: str
    label: str = ""
    revoked: bool = False
