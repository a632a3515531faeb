"""Errors of the detainers context (see ``liaison.errors`` for the whole tree).

An unknown identity or agency raises its own context's error (``liaison.identity.errors.
UnknownIdentity``, ``liaison.jurisdictions.errors.UnknownAgency``).

DetainerError                           (LiaisonError)
├── UnknownDetainer                     no detainer has that id
├── DuplicateDetainer                   a detainer with that id exists already
├── LodgingRefused                      a safeguard refuses the detainer
│   ├── UnverifiedIdentification        no person has confirmed the identification
│   ├── NotTheVerifiedIdentity          the detainer names another identity than the verified one
│   ├── DetainerAlreadyOpen             the booking, or the person at that agency, has one open
│   ├── ConflictOfDuties                the officer adjudicated the person's citizenship
│   ├── CitizenshipIndicatorUnresolved  citizenship indicators await a ruling (names them)
│   ├── MissingProbableCause            no probable-cause basis stated
│   ├── BasisNotSupported               the record does not support the basis (names events)
│   ├── MissingWarrant                  no administrative warrant reference
│   └── MissingOfficer                  no issuing officer named
├── IllegalTransition                   the event is not allowed in the current state
├── OutOfOrder                          a step dated before the detainer's last step
├── HoldExpired                         a transfer after release time + 48 hours
├── LapseNotDue                         a lapse before release time + 48 hours
├── ReleaseTimeFixed                    moving a passed release time later
├── ImpossibleReleaseTime               a release time in the future, or before arrest or issue
├── MissingReason                       a cancellation without a reason or evidence
└── AnswerForbiddenByPolicy             the jurisdiction's policy forbids that answer
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from liaison.errors import LiaisonError
from liaison.jurisdictions.model import DetainerPolicy

# The leaves are named for the fact they report (cf. cosmicpython's ``InvalidSku``), so N818's
# "Error" suffix is waived for them; the branch root keeps it.

__all__ = [
    "AnswerForbiddenByPolicy",
    "BasisNotSupported",
    "CitizenshipIndicatorUnresolved",
    "ConflictOfDuties",
    "DetainerAlreadyOpen",
    "DetainerError",
    "DuplicateDetainer",
    "HoldExpired",
    "IllegalTransition",
    "ImpossibleReleaseTime",
    "LapseNotDue",
    "LodgingRefused",
    "MissingOfficer",
    "MissingProbableCause",
    "MissingReason",
    "MissingWarrant",
    "NotTheVerifiedIdentity",
    "OutOfOrder",
    "ReleaseTimeFixed",
    "UnknownDetainer",
    "UnverifiedIdentification",
]


class DetainerError(LiaisonError):
    """Something about a detainer or its lifecycle was refused."""


class UnknownDetainer(DetainerError):
    """No detainer has the id asked for."""

    def __init__(self, detainer_id: str) -> None:
        super().__init__(f"no detainer {detainer_id!r}")
        self.detainer_id = detainer_id


class DuplicateDetainer(DetainerError):
    """A detainer with this id was lodged already."""

    def __init__(self, detainer_id: str) -> None:
        super().__init__(f"detainer {detainer_id!r} exists already")
        self.detainer_id = detainer_id


class LodgingRefused(DetainerError):
    """A safeguard refuses to lodge the detainer (the subclass says which)."""


class UnverifiedIdentification(LodgingRefused):
    """No person has confirmed the identification the detainer would rest on."""

    def __init__(self) -> None:
        super().__init__("the identification is not verified: a person must confirm it first")


class NotTheVerifiedIdentity(LodgingRefused):
    """The detainer would name another identity than the one the booking's review verified."""

    def __init__(self, *, identity_id: int, verified_identity_id: int, booking_id: str) -> None:
        super().__init__(
            f"identity {identity_id} is not the verified identity of booking {booking_id} "
            f"({verified_identity_id}): a detainer names only the verified identity; verify "
            "another candidate first, with a reason (that cancels what was lodged on the old one)"
        )
        self.identity_id = identity_id
        self.verified_identity_id = verified_identity_id


class DetainerAlreadyOpen(LodgingRefused):
    """One open detainer per booking, and per person and holding agency."""

    def __init__(self, *, detainer_id: str, scope: str) -> None:
        super().__init__(
            f"detainer {detainer_id} is already open for {scope}: at most one open detainer "
            "per booking, and per person and holding agency"
        )
        self.detainer_id = detainer_id


class ConflictOfDuties(LodgingRefused):
    """The lodging officer ruled, or concurred, on the person's citizenship: separation of
    duties forbids them to lodge on that person."""

    def __init__(self, *, officer: str, identity_id: int) -> None:
        super().__init__(
            f"separation of duties: {officer} adjudicated the citizenship of identity "
            f"{identity_id} and may not lodge a detainer on that person"
        )
        self.officer = officer


class CitizenshipIndicatorUnresolved(LodgingRefused):
    """Citizenship indicators await a person's ruling; the message names each of them."""

    def __init__(self, indicators: Sequence[str]) -> None:
        self.indicators = tuple(indicators)
        super().__init__(
            "unresolved citizenship indicators block the detainer: " + "; ".join(self.indicators)
        )


class MissingProbableCause(LodgingRefused):
    """The detainer states no probable-cause basis."""

    def __init__(self) -> None:
        super().__init__("a detainer must state its probable-cause basis")


class BasisNotSupported(LodgingRefused):
    """The record at the time of lodging does not support the probable-cause basis stated."""

    def __init__(self, *, basis: str, reason: str, events: Sequence[str]) -> None:
        self.basis = basis
        self.events = tuple(events)
        named = f" (events: {'; '.join(self.events)})" if self.events else ""
        super().__init__(
            f"the probable-cause basis {basis!r} is not supported by the record: {reason}{named}"
        )


class MissingWarrant(LodgingRefused):
    """The detainer carries no administrative warrant reference."""

    def __init__(self) -> None:
        super().__init__("a detainer must carry the reference of its signed warrant")


class MissingOfficer(LodgingRefused):
    """The detainer names no issuing officer."""

    def __init__(self) -> None:
        super().__init__("a detainer must name its issuing officer")


class IllegalTransition(DetainerError):
    """The event is not allowed in the detainer's current state."""

    def __init__(self, *, state: str, event: str, allowed: Iterable[str]) -> None:
        self.state = state
        self.event = event
        self.allowed = tuple(sorted(allowed))
        allowed_text = ", ".join(self.allowed) if self.allowed else "none (the detainer is closed)"
        super().__init__(
            f"cannot {event} a detainer that is {state}; allowed events: {allowed_text}"
        )


class OutOfOrder(DetainerError):
    """A step is dated before the detainer's last recorded step."""

    def __init__(self, *, at: datetime, last: datetime) -> None:
        super().__init__(
            f"a step at {at.isoformat()} is earlier than the last step at {last.isoformat()}"
        )
        self.at = at
        self.last = last


class HoldExpired(DetainerError):
    """A transfer was attempted after release time + 48 hours: the person must be released."""

    def __init__(self, *, deadline: datetime, at: datetime) -> None:
        super().__init__(
            f"the hold expired at {deadline.isoformat()}; a transfer at {at.isoformat()} "
            "is not allowed"
        )
        self.deadline = deadline
        self.at = at


class LapseNotDue(DetainerError):
    """A lapse was attempted before the hold deadline (or with no release time recorded)."""

    def __init__(self, *, deadline: datetime | None, at: datetime) -> None:
        when = (
            "no release time is recorded"
            if deadline is None
            else f"the hold runs until {deadline.isoformat()}"
        )
        super().__init__(f"the detainer cannot lapse at {at.isoformat()}: {when}")
        self.deadline = deadline
        self.at = at


class ReleaseTimeFixed(DetainerError):
    """A release time that has passed may be corrected earlier, never later."""

    def __init__(self, *, recorded: datetime, proposed: datetime) -> None:
        super().__init__(
            f"the release time {recorded.isoformat()} has passed; it cannot move later to "
            f"{proposed.isoformat()} (that would extend the hold)"
        )
        self.recorded = recorded
        self.proposed = proposed


class ImpossibleReleaseTime(DetainerError):
    """A release time later than now (past the tolerance), or before the arrest or before the
    detainer was issued: the 48-hour clock runs from it, so it must be a time that can be."""

    def __init__(self, *, released_at: datetime, problem: str) -> None:
        super().__init__(f"the release time {released_at.isoformat()} is impossible: {problem}")
        self.released_at = released_at


class MissingReason(DetainerError):
    """A cancellation must say why (a reason, or the citizenship evidence)."""

    def __init__(self, what: str = "reason") -> None:
        super().__init__(f"a cancellation must state its {what}")


class AnswerForbiddenByPolicy(DetainerError):
    """The jurisdiction's policies in force on the answer's date do not permit the answer."""

    def __init__(
        self,
        *,
        answer: str,
        policies: Sequence[DetainerPolicy],
        permitted: Iterable[str],
    ) -> None:
        self.answer = answer
        self.policies = tuple(policies)
        self.permitted = tuple(sorted(permitted))
        super().__init__(
            f"the answer {answer!r} is forbidden by "
            + " with ".join(_describe(p) for p in self.policies)
            + "; permitted answers: "
            + ", ".join(self.permitted)
        )


def _describe(policy: DetainerPolicy) -> str:
    scope = "state law" if len(policy.jurisdiction_fips) == 2 else "local policy"
    cited = f" ({policy.citation})" if policy.citation else ""
    return (
        f"{scope} {policy.kind.value} of {policy.jurisdiction_fips}{cited} "
        f"enacted {policy.enacted_on.isoformat()}"
    )
