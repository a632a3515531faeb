"""Errors of the screening context (see ``liaison.errors`` for the whole tree).

ScreeningError                          (LiaisonError)
├── InvalidWatchlistEntry               an entry is malformed (names the entry and the field)
├── InvalidDocket                       the supervised population's file is unreadable or lacks
│                                       a column (names it)
├── UnknownListVersion                  no list version has that number (or no list loaded)
├── UnknownCase                         no screening case has that id
├── CaseTransitionForbidden             the protocol does not allow that step now
└── CampaignError                       a campaign cannot run as asked (names why)
"""

from __future__ import annotations

from liaison.errors import LiaisonError

__all__ = [
    "CampaignError",
    "CaseTransitionForbidden",
    "InvalidDocket",
    "InvalidWatchlistEntry",
    "ScreeningError",
    "UnknownCase",
    "UnknownListVersion",
]


class ScreeningError(LiaisonError):
    """Base of the screening context's errors."""


class InvalidWatchlistEntry(ScreeningError):
    """A watchlist entry is malformed; the message names the entry and the field."""


class InvalidDocket(ScreeningError):
    """The supervised population's file cannot be read as a docket."""


class UnknownListVersion(ScreeningError):
    """No list version has that number, or no list has been loaded yet."""


class UnknownCase(ScreeningError):
    """No screening case has that id."""


class CaseTransitionForbidden(ScreeningError):
    """The case protocol does not allow that step in the case's current state."""


class CampaignError(ScreeningError):
    """A re-screening campaign cannot run as asked."""
