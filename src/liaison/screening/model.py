"""Watchlist entries, list versions, screening hits and cases: plain dataclasses.

A *list version* is one publication of the watchlist: each load of a full list is compared
with the version before it, and the entries added, changed and removed are recorded, so that
"the list as of version v" can always be read again. An *entry* carries names (primary,
aliases, transliterations, the name in its original script), a date of birth that is often
partial, nationalities, travel documents and, where known, the repository identity holding
its fingerprints.

A *hit* is a scored pair (a person screened, an entry) over the case threshold; each hit opens
one *screening case*, worked by analysts under the protocol in ``protocol.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "Campaign",
    "CaseEvent",
    "CaseOutcome",
    "CaseState",
    "Document",
    "Feature",
    "HitSource",
    "ListVersion",
    "ListedName",
    "NameKind",
    "PartialDate",
    "Score",
    "ScreeningCase",
    "Subject",
    "SubjectKind",
    "WatchlistEntry",
]


class NameKind(StrEnum):
    PRIMARY = "primary"
    ALIAS = "alias"
    TRANSLITERATION = "transliteration"
    ORIGINAL_SCRIPT = "original_script"


@dataclass(frozen=True)
class ListedName:
    """One name of an entry, written given names first."""

    full: str
    kind: NameKind = NameKind.PRIMARY


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date of birth as far as it is known: a year, a year and month, or a full date."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1850 <= self.year <= 2100:
            raise ValueError(f"year {self.year} is out of range")
        if self.day is not None and self.month is None:
            raise ValueError("a day without a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not 1-12")
        if self.day is not None:
            date(self.year, self.month or 1, self.day)  # raises for 31 February

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """``"1984"``, ``"1984-03"`` or ``"1984-03-12"``; ``ValueError`` otherwise."""
        found = _PARTIAL.match(text.strip())
        if found is None:
            raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = found.groups()
        return cls(int(year), int(month) if month else None, int(day) if day else None)

    @classmethod
    def of(cls, day: date) -> PartialDate:
        return cls(day.year, day.month, day.day)

    @property
    def complete(self) -> bool:
        return self.day is not None

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Document:
    """A travel or identity document: its number and issuing country (ISO alpha-2)."""

    number: str
    country: str = ""
    kind: str = "passport"


@dataclass(frozen=True)
class WatchlistEntry:
    entry_id: str
    names: tuple[ListedName, ...]
    dob: PartialDate | None = None
    nationalities: tuple[str, ...] = ()
    documents: tuple[Document, ...] = ()
    biometric_identity_id: int | None = None  # the repository identity with its fingerprints

    @property
    def primary_name(self) -> str:
        return self.names[0].full if self.names else ""


@dataclass(frozen=True)
class ListVersion:
    """One publication of the watchlist and what changed from the one before."""

    version: int
    published_at: datetime
    source: str  # where the list came from (a file name, a feed id)
    entries: int
    added: int
    changed: int
    removed: int


class SubjectKind(StrEnum):
    BOOKING = "booking"  # a person encountered at a booking
    SUPERVISED = "supervised"  # a person released under supervision (the docket)


@dataclass(frozen=True)
class Subject:
    """The person screened, as the screening sees them."""

    kind: SubjectKind
    subject_id: str
    names: tuple[str, ...]  # given names first; the first is the name the person gave
    dob: date | None = None
    nationality: str = ""
    documents: tuple[Document, ...] = ()
    identity_id: int | None = None  # the repository identity a fingerprint search matched


@dataclass(frozen=True)
class Feature:
    """One comparator's verdict on a pair: the level it found and the weight it adds."""

    comparator: str
    level: str
    weight: float  # log2 Bayes factor


@dataclass(frozen=True)
class Score:
    """The score of a (subject, entry) pair and the features that produced it."""

    entry_id: str
    weight: float  # prior plus the features' weights (log2 odds)
    probability: float
    features: tuple[Feature, ...]
    matched_name: str = ""  # the entry's name that scored best
    biometric: bool = False  # the entry's fingerprints are the subject's identity


class HitSource(StrEnum):
    ENCOUNTER = "encounter"
    CAMPAIGN = "campaign"


class CaseState(StrEnum):
    OPEN = "open"  # waiting for an analyst to take it
    IN_REVIEW = "in_review"  # an analyst is comparing the person with the entry
    ESCALATED = "escalated"  # referred to the list's owner for a decision
    CLOSED = "closed"


class CaseOutcome(StrEnum):
    CONFIRMED = "confirmed"  # the person is the listed person
    NOT_THE_PERSON = "not_the_person"  # a different person: the hit is cleared


@dataclass(frozen=True)
class CaseEvent:
    at: datetime
    actor: str
    action: str  # open, assign, escalate, confirm, clear
    note: str = ""


@dataclass
class ScreeningCase:
    """A hit being worked: who was screened, against which entry, why, and where it stands."""

    case_id: str
    subject_kind: SubjectKind
    subject_id: str
    entry_id: str
    list_version: int
    source: HitSource
    score: float
    features: list[Feature]
    opened_at: datetime
    due_at: datetime  # the current step's deadline
    state: CaseState = CaseState.OPEN
    outcome: CaseOutcome | None = None
    assignee: str = ""
    campaign_id: str = ""
    events: list[CaseEvent] = field(default_factory=list)


@dataclass(frozen=True)
class Campaign:
    """A re-screening of the whole docket against one list version, done chunk by chunk."""

    campaign_id: str
    list_version: int
    docket: str  # the docket file screened
    chunks: int
    started_at: datetime
    finished_at: datetime | None = None
    chunks_done: int = 0
    people: int = 0
    hits: int = 0
    new_cases: int = 0
