"""Errors of the operations context (see ``liaison.errors`` for the whole tree).

An unknown state, county or city raises the jurisdictions context's ``UnknownJurisdiction``
(``liaison.jurisdictions.errors``), as it does everywhere else.

OperationsError                     (LiaisonError)
├── NaiveDatetime                   a date-time without a time zone (names the field)
├── InvalidDeclaration              a declaration cannot be made as given
├── ExtensionRefused                not in force when extended, or the expiry would not move later
├── AssistanceRefused               a request or answer that does not fit the declaration
│   ├── StateNotInScope             the state is not covered by the declaration
│   └── NotRequested                the state was not asked (or not yet, on the answer's date)
├── InvalidAgreement                signed / expiry / termination out of order, officers < 0
├── InvalidDeployment               headcount <= 0, end before start, a destination not a place
├── OverlappingDeployment           the same unit is already deployed on one of those days
├── InvalidTarget                   windows out of order, no jurisdictions, goal <= -100 %
├── InvalidFacility                 no name, beds <= 0, not in a county or city
├── InvalidCustodyEvent             people <= 0, or a release that would leave fewer than none
├── InvalidProjection               no facilities, a look-back under 1 day, a negative horizon
├── UnknownRecord                   nothing stored under that id:
│   └── UnknownDeclaration, UnknownAgreement, UnknownDeployment, UnknownTarget,
│       UnknownFacility, UnknownSnapshot
└── DuplicateRecord                 another record is stored under that id:
    └── DuplicateDeclaration, DuplicateAgreement, DuplicateDeployment, DuplicateTarget,
        DuplicateFacility
"""

from __future__ import annotations

from datetime import date

from liaison.errors import LiaisonError

__all__ = [
    "AssistanceRefused",
    "DuplicateAgreement",
    "DuplicateDeclaration",
    "DuplicateDeployment",
    "DuplicateFacility",
    "DuplicateRecord",
    "DuplicateTarget",
    "ExtensionRefused",
    "InvalidAgreement",
    "InvalidCustodyEvent",
    "InvalidDeclaration",
    "InvalidDeployment",
    "InvalidFacility",
    "InvalidProjection",
    "InvalidTarget",
    "NaiveDatetime",
    "NotRequested",
    "OperationsError",
    "OverlappingDeployment",
    "StateNotInScope",
    "UnknownAgreement",
    "UnknownDeclaration",
    "UnknownDeployment",
    "UnknownFacility",
    "UnknownRecord",
    "UnknownSnapshot",
    "UnknownTarget",
]


class OperationsError(LiaisonError):
    """Something about declarations, agreements, deployments, targets or capacity was refused."""


class NaiveDatetime(OperationsError):
    """A date-time came without a time zone: an instant must say where its clock was."""

    def __init__(self, field: str) -> None:
        super().__init__(
            f"{field} has no time zone: give an aware date-time (e.g. with tzinfo=UTC or a "
            "ZoneInfo), since a naive one names no instant"
        )
        self.field = field


class InvalidDeclaration(OperationsError):
    """A declaration cannot be made as given; the message says why."""


class ExtensionRefused(OperationsError):
    """A declaration can be extended only while in force, and only to a later expiry."""


class AssistanceRefused(OperationsError):
    """A request for assistance, or a state's answer, does not fit the declaration."""


class StateNotInScope(AssistanceRefused):
    """The state is not among those the declaration covers."""

    def __init__(self, *, declaration_id: str, state: str) -> None:
        super().__init__(f"declaration {declaration_id!r} does not cover the state {state}")
        self.declaration_id = declaration_id
        self.state = state


class NotRequested(AssistanceRefused):
    """An answer from a state that was not asked for assistance (or not by that date)."""

    def __init__(self, *, declaration_id: str, state: str, on: date | None = None) -> None:
        when = "" if on is None else f" by {on.isoformat()}"
        super().__init__(
            f"{state} was not asked for assistance under declaration {declaration_id!r}{when}"
        )
        self.declaration_id = declaration_id
        self.state = state
        self.on = on


class InvalidAgreement(OperationsError):
    """A recorded 287(g) agreement is inconsistent as given; the message says why."""


class InvalidDeployment(OperationsError):
    """A deployment cannot be recorded as given; the message says why."""


class OverlappingDeployment(OperationsError):
    """The unit is already deployed on a day of the new window; names the deployment."""

    def __init__(self, *, deployment_id: str, unit: str, other_id: str, first: date, last: date):
        super().__init__(
            f"deployment {deployment_id!r}: {unit} is already deployed under {other_id!r} "
            f"from {first.isoformat()} to {last.isoformat()} (a unit is in one place a day)"
        )
        self.deployment_id = deployment_id
        self.unit = unit
        self.other_id = other_id
        self.first = first  # the first and last day both windows share
        self.last = last


class InvalidTarget(OperationsError):
    """An operation target cannot be set as given; the message says why."""


class InvalidFacility(OperationsError):
    """A detention facility cannot be added as given; the message says why."""


class InvalidCustodyEvent(OperationsError):
    """An intake, release or census cannot be recorded as given; the message says why."""


class InvalidProjection(OperationsError):
    """A capacity projection cannot be made as asked; the message says why."""


class UnknownRecord(OperationsError):
    """Nothing of that kind is stored under that id."""

    kind = "record"

    def __init__(self, key: str) -> None:
        super().__init__(f"no {self.kind} {key!r}")
        self.key = key


class UnknownDeclaration(UnknownRecord):
    kind = "declaration"


class UnknownAgreement(UnknownRecord):
    kind = "287(g) agreement"


class UnknownDeployment(UnknownRecord):
    kind = "deployment"


class UnknownTarget(UnknownRecord):
    kind = "operation target"


class UnknownFacility(UnknownRecord):
    kind = "detention facility"


class UnknownSnapshot(UnknownRecord):
    kind = "stored snapshot of the 287(g) list labelled"


class DuplicateRecord(OperationsError):
    """Another record of that kind, with different contents, is stored under that id."""

    kind = "record"

    def __init__(self, key: str) -> None:
        super().__init__(f"another {self.kind} is stored under {key!r}")
        self.key = key


class DuplicateDeclaration(DuplicateRecord):
    kind = "declaration"


class DuplicateAgreement(DuplicateRecord):
    kind = "287(g) agreement"


class DuplicateDeployment(DuplicateRecord):
    kind = "deployment"


class DuplicateTarget(DuplicateRecord):
    kind = "operation target"


class DuplicateFacility(DuplicateRecord):
    kind = "detention facility"
