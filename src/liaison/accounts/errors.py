"""Errors of the accounts context (see ``liaison.errors`` for the whole tree).

AccountError
├── InvalidAccount          a user or key cannot be created as asked (names the field)
├── UnknownAccount          no such user or key
├── InvalidCredentials      wrong username, password or key (never says which)
└── AccountLocked           too many failed logons in a row: an administrator must unlock
"""

from __future__ import annotations

from liaison.errors import LiaisonError

__all__ = [
    "AccountError",
    "AccountLocked",
    "InvalidAccount",
    "InvalidCredentials",
    "UnknownAccount",
]


class AccountError(LiaisonError):
    """Something about users, roles or API keys went wrong."""


class InvalidAccount(AccountError):
    """A user or key cannot be created or changed as asked; the message names the field."""


class UnknownAccount(AccountError):
    """No user has that username, or no key that id."""


class InvalidCredentials(AccountError):
    """The username, password or key is wrong; which one is never said."""


class AccountLocked(AccountError):
    """The account is locked after repeated failed logons; an administrator must unlock it."""
