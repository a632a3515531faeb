"""Report rows: plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DeclinedByJurisdiction"]


@dataclass(frozen=True)
class DeclinedByJurisdiction:
    fips: str
    name: str
    declined: int
