"""The detainer lifecycle: an explicit state machine, its safeguards and its 48-hour clock.

``TRANSITIONS`` is the whole machine (DESIGN.md, "Detainer states"):

    issued -> served -> honored -> transferred
                     \\-> notified_only -> released
                     \\-> declined -> released
             (any open state) -> cancelled
             honored -> lapsed   (48 h passed after release time without transfer)

Every step function checks everything first and only then changes the detainer, so a refused
step leaves it exactly as it was. A step sets the new state, appends a ``Transition`` (who,
when, why) to the history and returns the new state. Times come from the caller's clock; a step
dated before the detainer's last step is refused, so the record reads in order.

The time rules: a transfer is allowed while ``at <= released_at + 48 h`` (or before any release
time is recorded: the person is then in the jail's own custody); an honored detainer lapses
once ``now > released_at + 48 h``; a release time must be possible (not in the future past a
tolerance, not before the arrest or the issue), and a correction needs a reason and may move a
passed release time earlier but never later, since that would stretch the hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum

from liaison.detainers.errors import (
    CitizenshipIndicatorUnresolved,
    HoldExpired,
    IllegalTransition,
    ImpossibleReleaseTime,
    LapseNotDue,
    MissingOfficer,
    MissingProbableCause,
    MissingReason,
    MissingWarrant,
    OutOfOrder,
    ReleaseTimeFixed,
    UnverifiedIdentification,
)
from liaison.detainers.model import (
    OPEN_STATES,
    RELEASE_TIME_TOLERANCE,
    Detainer,
    DetainerState,
    ProbableCause,
    Transition,
)
from liaison.jurisdictions.model import JailAnswer

__all__ = [
    "ANSWER_EVENTS",
    "RELEASE_RECORDABLE",
    "TRANSITIONS",
    "Event",
    "allowed_events",
    "answer",
    "cancel",
    "check_lodging",
    "check_release_time",
    "is_overdue",
    "lapse",
    "lapse_due",
    "lodge",
    "next_state",
    "record_release",
    "serve",
    "transfer",
]


class Event(StrEnum):
    """What can happen to a detainer."""

    SERVE = "serve"
    HONOR = "honor"
    NOTIFY_ONLY = "notify_only"
    DECLINE = "decline"
    RELEASE = "release"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    LAPSE = "lapse"


_S = DetainerState

TRANSITIONS: Mapping[tuple[DetainerState, Event], DetainerState] = {
    (_S.ISSUED, Event.SERVE): _S.SERVED,
    (_S.SERVED, Event.HONOR): _S.HONORED,
    (_S.SERVED, Event.NOTIFY_ONLY): _S.NOTIFIED_ONLY,
    (_S.SERVED, Event.DECLINE): _S.DECLINED,
    (_S.HONORED, Event.TRANSFER): _S.TRANSFERRED,
    (_S.HONORED, Event.LAPSE): _S.LAPSED,
    (_S.NOTIFIED_ONLY, Event.RELEASE): _S.RELEASED,
    (_S.DECLINED, Event.RELEASE): _S.RELEASED,
    **{(state, Event.CANCEL): _S.CANCELLED for state in OPEN_STATES},
}

ANSWER_EVENTS: Mapping[JailAnswer, Event] = {
    JailAnswer.HONOR: Event.HONOR,
    JailAnswer.NOTIFY_ONLY: Event.NOTIFY_ONLY,
    JailAnswer.DECLINE: Event.DECLINE,
}

# the states in which a jail may record when the person would otherwise be released
RELEASE_RECORDABLE = frozenset({_S.SERVED, _S.HONORED, _S.NOTIFIED_ONLY, _S.DECLINED})


def allowed_events(state: DetainerState) -> frozenset[Event]:
    """The events ``TRANSITIONS`` allows in ``state`` (none once the detainer is closed)."""
    return frozenset(event for (from_state, event) in TRANSITIONS if from_state is state)


def next_state(state: DetainerState, event: Event) -> DetainerState:
    """The state ``event`` leads to from ``state``; ``IllegalTransition`` if it is not allowed."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(
            state=state.value, event=event.value, allowed=(e.value for e in allowed_events(state))
        ) from None


def _check_order(detainer: Detainer, at: datetime) -> None:
    last = detainer.history[-1].at if detainer.history else detainer.issued_at
    if at < last:
        raise OutOfOrder(at=at, last=last)


def _step(
    detainer: Detainer, event: Event, *, actor: str, at: datetime, reason: str
) -> DetainerState:
    """Check ``event`` is allowed now, then move the detainer and record the transition."""
    new_state = next_state(detainer.state, event)
    _check_order(detainer, at)
    _apply(detainer, new_state, actor=actor, at=at, reason=reason)
    return new_state


def _apply(
    detainer: Detainer, new_state: DetainerState, *, actor: str, at: datetime, reason: str
) -> None:
    detainer.history.append(
        Transition(from_state=detainer.state, to_state=new_state, at=at, actor=actor, reason=reason)
    )
    detainer.state = new_state


# -- lodging ---------------------------------------------------------------------------------


def check_lodging(
    *,
    verified: bool,
    unresolved_indicators: Sequence[str],
    basis: ProbableCause | None,
    warrant_ref: str,
) -> None:
    """Raise the first safeguard that refuses a detainer; return if every one is satisfied.

    In order: the identification is verified by a person; no citizenship indicator is
    unresolved; a probable-cause basis is stated; a warrant reference is given (not blank).
    """
    if not verified:
        raise UnverifiedIdentification()
    if unresolved_indicators:
        raise CitizenshipIndicatorUnresolved(unresolved_indicators)
    if basis is None:
        raise MissingProbableCause()
    if not warrant_ref.strip():
        raise MissingWarrant()


def lodge(
    *,
    detainer_id: str,
    booking_id: str,
    identity_id: int,
    ori: str,
    basis: ProbableCause | None,
    warrant_ref: str,
    judicial_warrant: bool,
    officer: str,
    verified: bool,
    unresolved_indicators: Sequence[str],
    at: datetime,
    reason: str = "",
    statement: str = "",
) -> Detainer:
    """A new ISSUED detainer whose history starts with its issuance, once every safeguard holds.

    Raises the ``check_lodging`` errors, or ``MissingOfficer`` when no issuing officer is named.
    """
    check_lodging(
        verified=verified,
        unresolved_indicators=unresolved_indicators,
        basis=basis,
        warrant_ref=warrant_ref,
    )
    assert basis is not None  # check_lodging refused a missing basis
    if not officer.strip():
        raise MissingOfficer()
    return Detainer(
        detainer_id=detainer_id,
        booking_id=booking_id,
        identity_id=identity_id,
        ori=ori,
        basis=basis,
        warrant_ref=warrant_ref.strip(),
        judicial_warrant=judicial_warrant,
        issued_by=officer,
        issued_at=at,
        state=DetainerState.ISSUED,
        history=[
            Transition(
                from_state=None, to_state=DetainerState.ISSUED, at=at, actor=officer, reason=reason
            )
        ],
        statement=statement.strip(),
    )


# -- steps -----------------------------------------------------------------------------------


def serve(detainer: Detainer, *, actor: str, at: datetime, reason: str = "") -> DetainerState:
    """Serve an issued detainer on the holding jail."""
    return _step(detainer, Event.SERVE, actor=actor, at=at, reason=reason)


def answer(
    detainer: Detainer, jail_answer: JailAnswer, *, actor: str, at: datetime, reason: str = ""
) -> DetainerState:
    """Record the jail's answer to a served detainer (policy is checked by the caller)."""
    return _step(detainer, ANSWER_EVENTS[jail_answer], actor=actor, at=at, reason=reason)


def cancel(detainer: Detainer, *, actor: str, at: datetime, reason: str) -> DetainerState:
    """Cancel an open detainer; a cancellation must say why."""
    next_state(detainer.state, Event.CANCEL)
    if not reason.strip():
        raise MissingReason()
    return _step(detainer, Event.CANCEL, actor=actor, at=at, reason=reason)


def record_release(
    detainer: Detainer,
    released_at: datetime,
    *,
    at: datetime,
    actor: str,
    reason: str = "",
    arrested_at: datetime | None = None,
) -> DetainerState:
    """Record when the person would otherwise be released (recorded at ``at``).

    Allowed while served, honored, notified only or declined. A notified-only or declined
    detainer moves to RELEASED; a served or honored one keeps its state and starts (or moves)
    the 48-hour clock. Returns the state after the step.

    The time must be possible (``ImpossibleReleaseTime``): no later than ``at`` plus
    ``RELEASE_TIME_TOLERANCE``, not before ``arrested_at`` (the booking's arrest) nor before
    the detainer was issued. A second record is a correction: it needs a ``reason``
    (``MissingReason``), and a release time that has passed may move earlier, never later
    (``ReleaseTimeFixed``: that would stretch the hold).
    """
    if detainer.state not in RELEASE_RECORDABLE:
        allowed = {e.value for e in allowed_events(detainer.state)}
        raise IllegalTransition(
            state=detainer.state.value, event=Event.RELEASE.value, allowed=allowed
        )
    _check_order(detainer, at)
    check_release_time(detainer, released_at, at=at, arrested_at=arrested_at)
    recorded = detainer.released_at
    if recorded is not None:
        if not reason.strip():
            raise MissingReason("correction reason (a release time is already recorded)")
        if recorded <= at and released_at > recorded:
            raise ReleaseTimeFixed(recorded=recorded, proposed=released_at)
    note = f"release time {released_at.isoformat()}"
    if recorded is not None:
        note = f"release time corrected from {recorded.isoformat()} to {released_at.isoformat()}"
    if reason.strip():
        note = f"{note}: {reason.strip()}"
    if (detainer.state, Event.RELEASE) in TRANSITIONS:
        detainer.released_at = released_at
        return _step(detainer, Event.RELEASE, actor=actor, at=at, reason=note)
    # served or honored: the state stays, the clock starts; the history still says so
    detainer.released_at = released_at
    _apply(detainer, detainer.state, actor=actor, at=at, reason=note)
    return detainer.state


def check_release_time(
    detainer: Detainer, released_at: datetime, *, at: datetime, arrested_at: datetime | None
) -> None:
    """Refuse a release time that cannot be (see ``record_release``)."""
    if released_at > at + RELEASE_TIME_TOLERANCE:
        minutes = int(RELEASE_TIME_TOLERANCE.total_seconds() // 60)
        raise ImpossibleReleaseTime(
            released_at=released_at,
            problem=f"it is later than now ({at.isoformat()}) by more than the {minutes} "
            "minutes allowed: record a release when it happens",
        )
    if arrested_at is not None and released_at < arrested_at:
        raise ImpossibleReleaseTime(
            released_at=released_at,
            problem=f"it is before the arrest at {arrested_at.isoformat()}",
        )
    if released_at < detainer.issued_at:
        raise ImpossibleReleaseTime(
            released_at=released_at,
            problem=f"it is before the detainer was issued at {detainer.issued_at.isoformat()}: "
            "a person released before then was never held on it (cancel the detainer instead)",
        )


def transfer(detainer: Detainer, *, actor: str, at: datetime, reason: str = "") -> DetainerState:
    """Take custody of an honored detainer's subject: only until release time + 48 hours."""
    next_state(detainer.state, Event.TRANSFER)
    deadline = detainer.hold_deadline
    if deadline is not None and at > deadline:
        raise HoldExpired(deadline=deadline, at=at)
    return _step(detainer, Event.TRANSFER, actor=actor, at=at, reason=reason)


def is_overdue(detainer: Detainer, now: datetime) -> bool:
    """Whether an honored detainer's hold ran out: ``now > released_at + 48 h``."""
    deadline = detainer.hold_deadline
    return detainer.state is DetainerState.HONORED and deadline is not None and now > deadline


def lapse(detainer: Detainer, now: datetime, *, actor: str = "system") -> DetainerState:
    """Lapse an honored detainer whose hold ran out (the person must be released)."""
    next_state(detainer.state, Event.LAPSE)
    if not is_overdue(detainer, now):
        raise LapseNotDue(deadline=detainer.hold_deadline, at=now)
    deadline = detainer.hold_deadline
    assert deadline is not None  # is_overdue needs a deadline
    reason = f"48-hour limit passed at {deadline.isoformat()} without a transfer"
    return _step(detainer, Event.LAPSE, actor=actor, at=now, reason=reason)


def lapse_due(detainers: Iterable[Detainer], now: datetime) -> list[Detainer]:
    """The detainers the scheduled check must lapse at ``now``."""
    return [d for d in detainers if is_overdue(d, now)]
