"""Errors of the jurisdictions context (see ``liaison.errors`` for the whole tree).

JurisdictionError
├── UnknownJurisdiction     no state, county or city has that FIPS code (or name)
├── UnknownAgency           no agency has that ORI
├── InvalidOri              an ORI is malformed or names another state
├── InvalidPolicy           a detainer policy cannot be enacted as given
└── MalformedAgreementRow   a row of the 287(g) list cannot be read (names line and column)
"""

from __future__ import annotations

from liaison.errors import LiaisonError

__all__ = [
    "DuplicateAgency",
    "InvalidAgency",
    "InvalidJurisdiction",
    "InvalidOri",
    "InvalidPolicy",
    "JurisdictionError",
    "MalformedAgreementRow",
    "UnknownAgency",
    "UnknownJurisdiction",
]


class JurisdictionError(LiaisonError):
    """Something about jurisdictions, agencies, policies or agreements went wrong."""


class UnknownJurisdiction(JurisdictionError):
    """No state, county or city has that FIPS code or name."""


class InvalidJurisdiction(JurisdictionError):
    """A jurisdiction cannot be added as given; the message says why."""


class UnknownAgency(JurisdictionError):
    """No agency has that ORI."""


class DuplicateAgency(JurisdictionError):
    """Another agency is already registered under that ORI."""


class InvalidAgency(JurisdictionError):
    """An agency cannot be registered as given; the message says why."""


class InvalidOri(JurisdictionError):
    """An ORI is not 9 characters with its state's postal abbreviation first."""


class InvalidPolicy(JurisdictionError):
    """A detainer policy cannot be enacted as given; the message says why."""


class MalformedAgreementRow(JurisdictionError):
    """A row of the published 287(g) list cannot be read; names the line and the column."""

    def __init__(self, message: str, *, path: str, line: int, column: str) -> None:
        super().__init__(f"{path}, line {line}, column {column!r}: {message}")
        self.path = path
        self.line = line
        self.column = column
