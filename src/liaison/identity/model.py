"""Identities and their immigration event history: plain dataclasses, no framework.

An identity is one person known to the repository, enrolled in the biometric gallery under
``identity_id`` (the gallery's subject number). What the person's status *is* is never stored:
``liaison.identity.status.derive_status`` computes it from ``events``, so a correction to the
history corrects every answer given afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "CitizenshipFinding",
    "CitizenshipReferral",
    "CitizenshipRuling",
    "Concurrence",
    "EventKind",
    "Identity",
    "ImmigrationEvent",
    "ImmigrationStatus",
    "PersonName",
    "ReferralState",
    "StatusCategory",
]


class EventKind(StrEnum):
    """What can happen to a person in the immigration record, in the record's own words."""

    BORN_IN_US = "born_in_us"  # a U.S. birth record: citizen by birth
    BORN_ABROAD_TO_US_CITIZEN = "born_abroad_to_us_citizen"  # citizen at birth (acquisition)
    NATURALIZED = "naturalized"
    DERIVED_CITIZENSHIP = "derived_citizenship"  # through a parent's naturalization
    LPR_GRANTED = "lpr_granted"
    LPR_REVOKED = "lpr_revoked"  # rescission or abandonment found
    ADMITTED_NONIMMIGRANT = "admitted_nonimmigrant"  # ``until``: admitted-until date
    STATUS_EXTENDED = "status_extended"  # ``until``: the new date
    ENTERED_WITHOUT_INSPECTION = "entered_without_inspection"
    PROCEEDINGS_INITIATED = "proceedings_initiated"  # notice to appear filed
    PROCEEDINGS_TERMINATED = "proceedings_terminated"  # dismissed, or relief granted
    FINAL_ORDER = "final_order"  # final order of removal
    REMOVED = "removed"
    PROTECTION_GRANTED = "protection_granted"  # ``detail``: TPS, asylum, withholding, DACA...
    PROTECTION_ENDED = "protection_ended"


class StatusCategory(StrEnum):
    """The derived status a response reports."""

    CITIZEN_BY_BIRTH = "citizen_by_birth"
    CITIZEN_NATURALIZED = "citizen_naturalized"
    CITIZEN_DERIVED = "citizen_derived"
    LPR = "lpr"
    NONIMMIGRANT_IN_STATUS = "nonimmigrant_in_status"
    NONIMMIGRANT_OVERSTAYED = "nonimmigrant_overstayed"
    ENTERED_WITHOUT_INSPECTION = "entered_without_inspection"
    IN_PROCEEDINGS = "in_proceedings"
    FINAL_ORDER = "final_order"
    REMOVED = "removed"
    REENTERED_AFTER_REMOVAL = "reentered_after_removal"
    PROTECTED = "protected"
    NO_RECORD = "no_record"  # an identity without immigration events

    @property
    def is_citizen(self) -> bool:
        return self in (
            StatusCategory.CITIZEN_BY_BIRTH,
            StatusCategory.CITIZEN_NATURALIZED,
            StatusCategory.CITIZEN_DERIVED,
        )


@dataclass(frozen=True)
class ImmigrationEvent:
    """One dated entry of a person's immigration record."""

    kind: EventKind
    occurred_on: date
    until: date | None = None  # admitted-until, or the end of a protection, where one applies
    detail: str = ""  # visa class, protection kind, court, ...
    reference: str = ""  # the source record's number (A-file, receipt, order)


@dataclass(frozen=True)
class PersonName:
    """A name as recorded; ``alias`` marks names the person used but is not known by."""

    family: str
    given: str
    alias: bool = False


@dataclass(frozen=True)
class ImmigrationStatus:
    """What ``derive_status`` concludes on a date, and why."""

    category: StatusCategory
    since: date | None  # the event the category rests on
    citizenship_indicators: tuple[str, ...]  # reasons a person must rule on citizenship first
    lawful: bool  # in a lawful status on that date
    basis_events: tuple[ImmigrationEvent, ...] = ()


class CitizenshipFinding(StrEnum):
    CITIZEN = "citizen"
    NOT_CITIZEN = "not_citizen"


@dataclass(frozen=True)
class Concurrence:
    """A second adjudicator's answer to a ruling that overrides a citizenship event."""

    adjudicator: str
    agrees: bool  # False: a dissent; the ruling never comes into force
    note: str
    at: datetime


@dataclass(frozen=True)
class CitizenshipRuling:
    """An adjudicator's ruling on the citizenship indicators known when they ruled.

    A ``not_citizen`` ruling on a record that holds a citizenship event (a U.S. birth,
    acquisition at birth, naturalization or derivation) overrides that event: it comes into
    force only once a second adjudicator concurs (``concurrence_required``).
    """

    finding: CitizenshipFinding
    indicators: tuple[str, ...]  # the indicators this ruling resolves
    officer: str  # the adjudicator who ruled
    evidence: str
    ruled_at: datetime
    referral_id: str = ""  # the referral ruled on ("" for rulings made before referrals)
    concurrence_required: bool = False
    concurrence: Concurrence | None = None

    @property
    def in_force(self) -> bool:
        """Whether the ruling counts: it needs no concurrence, or a second adjudicator agreed."""
        if not self.concurrence_required:
            return True
        return self.concurrence is not None and self.concurrence.agrees

    @property
    def awaiting_concurrence(self) -> bool:
        return self.concurrence_required and self.concurrence is None

    @property
    def adjudicators(self) -> tuple[str, ...]:
        """Everyone who took part: the ruling adjudicator, and the concurring one if any."""
        second = (self.concurrence.adjudicator,) if self.concurrence is not None else ()
        return (self.officer, *second)


class ReferralState(StrEnum):
    OPEN = "open"  # waiting for an adjudicator's ruling
    AWAITING_CONCURRENCE = "awaiting_concurrence"  # an override waits for a second adjudicator
    DECIDED = "decided"  # a ruling is in force
    WITHDRAWN = "withdrawn"  # the match it rested on was rejected or changed before a ruling


@dataclass(eq=False)
class CitizenshipReferral:
    """An officer's referral of a person's citizenship indicators to adjudication (mutable
    entity: its state moves as adjudicators rule and concur)."""

    referral_id: str
    identity_id: int
    booking_id: str  # the booking whose review referred it
    referred_by: str
    referred_at: datetime
    reason: str
    indicators: tuple[str, ...]  # unresolved when referred
    state: ReferralState = ReferralState.OPEN
    decided_at: datetime | None = None


@dataclass(eq=False)
class Identity:
    """A person in the identity repository (mutable entity: its history grows)."""

    identity_id: int  # the biometric gallery's subject number
    names: list[PersonName]
    birth_date: date | None
    sex: str  # "M", "F" or "X"
    birth_country: str  # ISO 3166-1 alpha-2; "US" for a U.S. place of birth
    events: list[ImmigrationEvent] = field(default_factory=list)
    a_number: str = ""
    citizenship_rulings: list[CitizenshipRuling] = field(default_factory=list)
