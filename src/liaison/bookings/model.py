"""Bookings, their identification and the response to the jail: plain dataclasses.

A booking is what a jail submits: who was arrested, on what charges, with ten fingerprints.
Its transaction control number (TCN) is the idempotency key: the same TCN with the same body
returns the first result; with another body it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "Biographics",
    "Booking",
    "BookingState",
    "Candidate",
    "Charge",
    "Decision",
    "Identification",
    "Response",
    "Review",
    "ReviewAction",
    "Verification",
]


class BookingState(StrEnum):
    RECEIVED = "received"  # stored, waiting for identification
    IDENTIFIED = "identified"  # searched; response being prepared
    RESPONDED = "responded"  # the response exists (the jail can fetch it)
    REVIEWED = "reviewed"  # an enforcement officer has decided


class Decision(StrEnum):
    MATCH = "match"
    POSSIBLE = "possible"
    NO_MATCH = "no_match"


class ReviewAction(StrEnum):
    VERIFY = "verify"  # confirm one candidate as the person booked, and nothing else yet
    NO_ACTION = "no_action"
    LODGE_DETAINER = "lodge_detainer"
    REQUEST_NOTICE = "request_notice"  # advance notice of release only
    REFER_CITIZENSHIP = "refer_citizenship"  # a citizenship claim to resolve first
    REJECT_MATCH = "reject_match"  # the officer finds the candidate is not the person


@dataclass(frozen=True)
class Charge:
    """One arrest charge as an NCIC offense code (4 digits), with its literal."""

    ncic_code: str
    literal: str = ""
    felony: bool = False


@dataclass(frozen=True)
class Biographics:
    family_name: str
    given_name: str
    birth_date: date | None
    sex: str
    birth_place: str  # ISO 3166-1 alpha-2 as claimed; "US" for a U.S. place of birth
    claimed_citizenship: str  # ISO 3166-1 alpha-2 as claimed


@dataclass(frozen=True)
class Candidate:
    """One candidate of a search, with the score of each finger position searched."""

    identity_id: int
    score: float
    finger_scores: dict[int, float]  # finger position (1-10) -> MCC score


@dataclass(frozen=True)
class Identification:
    decision: Decision
    candidates: tuple[Candidate, ...]
    searched_at: datetime
    thresholds: tuple[float, float]  # (match, possible) in force at the search


@dataclass(frozen=True)
class Response:
    """What the jail (and the field office) are told: never watchlist details."""

    decision: Decision
    status_category: str  # a StatusCategory value, or "" when nobody was identified
    priority: str  # enforcement priority level, or ""
    flags: tuple[str, ...]  # safeguard flags, e.g. "citizenship_indicator"
    created_at: datetime


@dataclass(frozen=True)
class Review:
    officer: str
    action: ReviewAction
    verified_identity_id: int | None  # the candidate the officer confirms, if any
    reason: str
    reviewed_at: datetime


@dataclass(frozen=True)
class Verification:
    """Which candidate an officer confirmed as the person booked: the only identity a detainer
    on the booking may name."""

    identity_id: int
    officer: str
    at: datetime
    reason: str


@dataclass(eq=False)
class Booking:
    """A jail's submission and everything that followed from it (mutable entity)."""

    booking_id: str
    tcn: str
    ori: str  # the submitting agency
    booking_number: str
    arrested_at: datetime
    biographics: Biographics
    charges: list[Charge]
    fingerprints: dict[int, bytes]  # finger position -> ISO/IEC 19794-2 record
    body_digest: str  # sha256 of the canonical submission, to tell a replay from a clash
    submitted_at: datetime
    scheduled_release: datetime | None = None
    state: BookingState = BookingState.RECEIVED
    identification: Identification | None = None
    response: Response | None = None
    reviews: list[Review] = field(default_factory=list)
    verification: Verification | None = None  # the verified candidate, if any
