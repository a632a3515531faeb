"""Errors of the accounts context (see ``liaison.errors`` for the whole tree).

AccountError
├── InvalidAccount          a user or key cannot be created or changed as asked (names the
│                           field: a common password, one that contains the username, ...)
├── UnknownAccount          no such user or key
├── InvalidCredentials      a logon or key refused: wrong, unknown, locked or disabled (never
│                           says which; the audit trail does)
├── AccountLocked           too many failed logons in a row (told to the audit trail and to
│                           administrators, never to the person logging on)
└── LogonThrottled          too many failed logons from one source or for one account, or
                            too many at once: try again after ``retry_after`` seconds
"""

from __future__ import annotations

from liaison.errors import LiaisonError

__all__ = [
    "AccountError",
    "AccountLocked",
    "InvalidAccount",
    "InvalidCredentials",
    "LogonThrottled",
    "UnknownAccount",
]


class AccountError(LiaisonError):
    """Something about users, roles or API keys went wrong."""


class InvalidAccount(AccountError):
    """A user or key cannot be created or changed as asked; the message names the field."""


class UnknownAccount(AccountError):
    """No user has that username, or no key that id."""


class InvalidCredentials(AccountError):
    """The username, password or key is wrong, or the account may not log on now; which of
    these is never said."""


class AccountLocked(AccountError):
    """The account is locked after repeated failed logons, until the lock ends by itself or an
    administrator unlocks it."""


class LogonThrottled(AccountError):
    """Too many logons were tried: from this source, for this account, or at once."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
