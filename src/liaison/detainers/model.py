"""Detainers: the request to a jail to hold a person, or to give notice of release.

The lifecycle (../shared/DESIGN.md):

    issued -> served -> honored -> transferred
                     \\-> notified_only -> released
                     \\-> declined -> released
             (any open state) -> cancelled
             honored -> lapsed   (48 h passed after release time without transfer)

Transitions are pure functions in ``liaison.detainers.lifecycle``; this module only holds data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "HOLD_LIMIT",
    "RELEASE_TIME_TOLERANCE",
    "Detainer",
    "DetainerState",
    "ProbableCause",
    "Transition",
]

HOLD_LIMIT = timedelta(hours=48)  # no one is held longer than this past their release time
# A jail records a release when it happens; a time later than this past the recording clock is
# refused (it would start the 48-hour clock in the future and let the hold run on unwatched).
RELEASE_TIME_TOLERANCE = timedelta(minutes=15)


class DetainerState(StrEnum):
    ISSUED = "issued"
    SERVED = "served"
    HONORED = "honored"
    NOTIFIED_ONLY = "notified_only"
    DECLINED = "declined"
    TRANSFERRED = "transferred"
    RELEASED = "released"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES


OPEN_STATES = frozenset(
    {
        DetainerState.ISSUED,
        DetainerState.SERVED,
        DetainerState.HONORED,
        DetainerState.NOTIFIED_ONLY,
        DetainerState.DECLINED,
    }
)


class ProbableCause(StrEnum):
    """The one basis a detainer states (DHS Form I-247A's four boxes)."""

    FINAL_ORDER = "final_order"
    PENDING_PROCEEDINGS = "pending_proceedings"
    BIOMETRIC_NO_LAWFUL_STATUS = "biometric_no_lawful_status"
    STATEMENTS_OR_EVIDENCE = "statements_or_evidence"


@dataclass(frozen=True)
class Transition:
    """One step of a detainer's history: who moved it, when, and why."""

    from_state: DetainerState | None  # None for the issuance itself
    to_state: DetainerState
    at: datetime
    actor: str
    reason: str = ""


@dataclass(eq=False)
class Detainer:
    """A lodged detainer (mutable entity: its state moves along the lifecycle)."""

    detainer_id: str
    booking_id: str
    identity_id: int
    ori: str  # the holding agency
    basis: ProbableCause
    warrant_ref: str  # the signed administrative warrant (I-200 / I-205) that accompanies it
    judicial_warrant: bool  # whether a judge signed a warrant too (some policies require it)
    issued_by: str
    issued_at: datetime
    state: DetainerState = DetainerState.ISSUED
    released_at: datetime | None = None  # when the person would otherwise have been released
    history: list[Transition] = field(default_factory=list)
    # the statement or other evidence a ``statements_or_evidence`` basis rests on ("" otherwise)
    statement: str = ""

    @property
    def hold_deadline(self) -> datetime | None:
        """The latest the jail may hold the person: release time + 48 hours."""
        return None if self.released_at is None else self.released_at + HOLD_LIMIT
