"""Operations: emergency declarations, recorded 287(g) agreements, personnel deployments,
operation targets and detention capacity. Plain frozen values; the rules live beside them in
``declarations``, ``agreements``, ``deployments``, ``targets`` and ``capacity``.

Instants (``datetime``) are always time-zone aware and kept in UTC; days (``date``) are local
calendar days, and a window ``start``..``end`` of days includes both ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from liaison.jurisdictions.model import AgreementModel

__all__ = [
    "DECLARATION_TERM",
    "Agreement",
    "AgreementStatus",
    "AnswerStatus",
    "AssistanceAnswer",
    "AssistanceRequest",
    "CapacityProjection",
    "CountWindow",
    "CustodyEvent",
    "CustodyEventKind",
    "CustodyTransfer",
    "DailyOccupancy",
    "Declaration",
    "DeclarationInForce",
    "DeclarationKind",
    "DelegatedFunction",
    "Deployment",
    "DeploymentOverlap",
    "Destination",
    "Extension",
    "Facility",
    "Metric",
    "StateAnswer",
    "Target",
    "TargetProgress",
    "TargetStatus",
    "TransferIntakes",
]

# 60 x 24 hours of elapsed time, not 60 wall-clock days in some zone: see ``declarations``.
DECLARATION_TERM = timedelta(days=60)


# -- declarations ----------------------------------------------------------------------------


class DeclarationKind(StrEnum):
    MASS_INFLUX = "mass_influx"  # an actual or imminent mass influx of aliens
    NATIONAL_EMERGENCY = "national_emergency"
    OTHER = "other"


class AssistanceAnswer(StrEnum):
    """What a state answers to a request for assistance."""

    ACCEPTED = "accepted"
    DECLINED = "declined"


class AnswerStatus(StrEnum):
    """Where a state in a declaration's scope stands on assistance."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"  # asked, and no answer recorded yet
    NOT_REQUESTED = "not_requested"  # in scope, never asked


@dataclass(frozen=True)
class Extension:
    """A recorded extension: when it was made, by whom, under what authority, to when."""

    extended_at: datetime
    extended_by: str
    authority: str
    expires_at: datetime  # the new expiry
    days: int | None = None  # as given, when the extension was given as a number of days


@dataclass(frozen=True)
class AssistanceRequest:
    """A request to one state for assistance under a declaration."""

    state_fips: str
    requested_at: datetime
    request: str  # what is asked for, e.g. "detention space", "officers for 287(g) duties"


@dataclass(frozen=True)
class StateAnswer:
    """A state's answer to a request, dated as the state dated it."""

    state_fips: str
    answer: AssistanceAnswer
    answered_on: date
    recorded_at: datetime


@dataclass(frozen=True)
class Declaration:
    """An emergency declaration (e.g. a mass-influx finding) and what followed it.

    The expiry is never stored: it is 60 days after ``effective_at`` (``DECLARATION_TERM``),
    or the last extension's, so a recorded extension is the only way it moves.
    """

    declaration_id: str
    kind: DeclarationKind
    authority: str  # the legal authority cited, e.g. "INA 103(a)(10); 28 CFR 65.83"
    issued_at: datetime
    effective_at: datetime
    states: tuple[str, ...]  # 2-digit state FIPS codes in scope, sorted, once each
    title: str = ""
    extensions: tuple[Extension, ...] = ()  # in the order made; each moves the expiry later
    requests: tuple[AssistanceRequest, ...] = ()
    answers: tuple[StateAnswer, ...] = ()  # every answer recorded, in order; the last counts

    @property
    def expires_at(self) -> datetime:
        """The first instant at which the declaration is no longer in force."""
        if self.extensions:
            return self.extensions[-1].expires_at
        return self.effective_at + DECLARATION_TERM


@dataclass(frozen=True)
class DeclarationInForce:
    """A declaration in force on a day, and the states of its scope where it is."""

    declaration: Declaration
    states: tuple[str, ...]  # state FIPS codes


# -- recorded 287(g) agreements --------------------------------------------------------------


class DelegatedFunction(StrEnum):
    """Immigration-officer functions a 287(g) agreement may delegate (8 U.S.C. 1357(a),
    8 CFR 287.5 and 287.7)."""

    INTERROGATE = "interrogate"  # question a person about their right to be in the U.S.
    ARREST_WITHOUT_WARRANT = "arrest_without_warrant"
    SERVE_WARRANTS = "serve_warrants"  # administrative warrants (I-200, I-205)
    TAKE_EVIDENCE = "take_evidence"  # sworn statements, fingerprints, photographs
    PREPARE_CHARGING_DOCUMENTS = "prepare_charging_documents"  # notice to appear and the like
    ISSUE_DETAINERS = "issue_detainers"
    DETAIN_AND_TRANSPORT = "detain_and_transport"


class AgreementStatus(StrEnum):
    """Where a recorded agreement stands on a day."""

    UNSIGNED = "unsigned"  # no signing date recorded
    NOT_YET_SIGNED = "not_yet_signed"
    IN_EFFECT = "in_effect"
    EXPIRED = "expired"
    TERMINATED = "terminated"


@dataclass(frozen=True)
class Agreement:
    """A 287(g) agreement as the program records it, with what the published list lacks.

    In effect from ``signed_on`` through ``expires_on`` (both included), and no longer from
    ``terminated_on`` on. ``agency_name``, ``state`` and ``model`` match it to the rows of the
    published list (``liaison.jurisdictions.agreements.agreement_key``).
    """

    agreement_id: str
    agency_name: str
    state: str  # USPS abbreviation
    model: AgreementModel
    signed_on: date | None = None
    expires_on: date | None = None  # the last day in effect
    terminated_on: date | None = None  # the first day no longer in effect
    trained_officers: int | None = None  # None: not known
    delegated_functions: tuple[DelegatedFunction, ...] = ()  # sorted, once each
    ori: str = ""  # "" where the agency has none (state agencies often do not)


# -- deployments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where part of a deployment goes, with the headcount sent there."""

    jurisdiction_fips: str  # a county (5 digits) or city (7 digits)
    headcount: int


@dataclass(frozen=True)
class Deployment:
    """Personnel of one unit sent to one or more places for a window of days.

    Each destination records its own headcount, so a person is counted in one place a day and
    the deployment's total is their sum; nothing is split by guesswork.
    """

    deployment_id: str
    agency: str  # the source agency, e.g. "CBP", "ATF", "DEA", "USMS", "National Guard"
    unit: str  # the unit within it, e.g. "BORTAC", "Texas Army National Guard 1-141 IN"
    destinations: tuple[Destination, ...]  # sorted by FIPS, once each
    start: date
    end: date  # the last day deployed
    mission: str = ""

    @property
    def headcount(self) -> int:
        return sum(d.headcount for d in self.destinations)


@dataclass(frozen=True)
class DeploymentOverlap:
    """Two deployments of the same unit that share days, and the days they share."""

    first: Deployment
    second: Deployment
    start: date
    end: date


# -- operation targets -----------------------------------------------------------------------


class Metric(StrEnum):
    """What a target counts; each is computed from case data by ``OperationsFacts``.

    An event is *in* a jurisdiction when its agency (the booking's, or the detainer's holding
    agency) is registered to that jurisdiction; a state's 2-digit FIPS takes in every agency
    in the state. A county takes in only agencies registered to the county itself: no table
    maps a city to its county.
    """

    ARRESTS = "arrests"  # bookings, by the booking's arrest time (one booking, one arrest)
    DETAINERS_LODGED = "detainers_lodged"  # detainers, by the time they were issued
    DETAINERS_HONORED = "detainers_honored"  # detainers, by the time they reached "honored"
    # REMOVED events of identity histories, by their date, counted for the jurisdiction whose
    # agency last held the person under a detainer that ended in a transfer to custody
    REMOVALS = "removals"


class TargetStatus(StrEnum):
    NOT_STARTED = "not_started"  # as of a day before the window
    ON_TRACK = "on_track"  # inside the window, at a pace that reaches the goal
    BEHIND = "behind"  # inside the window, at a pace that falls short
    MET = "met"  # the window is over and the goal was reached
    MISSED = "missed"  # the window is over and the goal was not reached


@dataclass(frozen=True)
class Target:
    """A goal for one metric over some jurisdictions and days, against a baseline window.

    ``goal_percent`` is the change the window must reach over the baseline, per day (+35.0
    for "35 % more arrests"), so windows of different lengths compare fairly; the goal is a
    floor: reaching more is meeting it.
    """

    target_id: str
    metric: Metric
    jurisdictions: tuple[str, ...]  # FIPS codes, sorted, once each
    start: date
    end: date
    baseline_start: date
    baseline_end: date
    goal_percent: float
    title: str = ""


@dataclass(frozen=True)
class CountWindow:
    """Local calendar days ``first_day``..``last_day`` in ``zone``, and the instants they span.

    Facts stamped with an instant count when ``start <= instant < end``; facts stamped with a
    date only (a removal's) count when ``first_day <= date <= last_day``.
    """

    first_day: date
    last_day: date
    zone: str  # IANA name, e.g. "America/Chicago"
    start: datetime  # the first day's local midnight, in UTC
    end: datetime  # the local midnight after the last day, in UTC


@dataclass(frozen=True)
class TargetProgress:
    """A target's progress as of a day, computed from case data (never typed in)."""

    target: Target
    as_of: date
    status: TargetStatus
    baseline: int  # count over the baseline window
    current: int  # count from the start through ``as_of`` (or the end, whichever is first)
    elapsed_days: int  # days of the window counted in ``current``
    window_days: int
    goal: float  # the count the whole window must reach
    expected_to_date: float  # the goal pro-rated to the elapsed days
    projected: float | None  # ``current`` at its pace over the whole window; None before it
    change_percent: float | None  # the pace against the baseline, per day; None before the
    # window starts, or when the baseline counted nothing (no change from zero is a percent)


# -- detention capacity ----------------------------------------------------------------------


class CustodyEventKind(StrEnum):
    INTAKE = "intake"  # people taken into the facility (a detainer's transfer to custody)
    RELEASE = "release"  # people leaving it: released, removed, or moved elsewhere
    CENSUS = "census"  # a head count at the end of the day, all its movements included


@dataclass(frozen=True)
class Facility:
    facility_id: str
    name: str
    jurisdiction_fips: str  # the county or city where it stands
    beds: int


@dataclass(frozen=True)
class CustodyEvent:
    """People moving into or out of a facility on a day, or a census of it."""

    facility_id: str
    kind: CustodyEventKind
    on: date
    people: int  # for a census, the head count (0 allowed); otherwise 1 or more
    reference: str = ""  # e.g. "detainer:D-123"


@dataclass(frozen=True)
class DailyOccupancy:
    """People in custody at the end of a day, with the day's movements."""

    day: date
    intakes: int
    releases: int
    occupancy: int


@dataclass(frozen=True)
class CapacityProjection:
    """Where one or more facilities (pooled) stand on ``as_of``, and where the recent net
    intake takes them."""

    facilities: tuple[str, ...]
    as_of: date
    beds: int
    occupancy: int  # at the end of ``as_of``
    lookback_days: int  # the days the intake rate is the mean of, ``as_of`` the last
    net_daily_intake: float  # (intakes - releases) / lookback_days
    full_on: date | None  # the first day projected to have no free bed; None if never
    horizon: date
    projected_at_horizon: float
    beds_short_at_horizon: int  # people the beds cannot hold at the horizon (0 if none)


@dataclass(frozen=True)
class CustodyTransfer:
    """A detainer that ended in a transfer into federal custody, from case data: the holding
    agency and the instant of the transfer."""

    detainer_id: str
    ori: str  # the holding agency
    transferred_at: datetime


@dataclass(frozen=True)
class TransferIntakes:
    """What ``record_transfers`` did with the transfers it read."""

    recorded: int  # intakes recorded now, one a transfer
    already_recorded: int  # transfers whose intake was recorded before (by its reference)
    unrouted: tuple[str, ...]  # detainer ids with no facility to route to, in transfer order
