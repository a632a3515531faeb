"""Emergency declarations: the term, extensions, "in force", requests and answers.

Definitions (pure functions; instants in UTC, see ``liaison.operations.zones``):

- **Term.** A declaration is in force from ``effective_at`` (included) to ``expires_at``
  (excluded). ``expires_at`` is ``effective_at`` + 60 x 24 hours of elapsed time, or the
  last extension's. Elapsed time, not 60 wall-clock days in the issuing office's zone: the
  term is then one instant everywhere, needs no "issuing zone" on record, and never moves
  with the clocks. Across a DST change the local clock reads an hour off the effective time
  (effective at noon EDT on 1 October, expired at 11:00 EST on 30 November).
- **In force on a day in a state.** On local calendar day D in state S when it is in force
  at any instant of D in S's zone (``zones.STATE_ZONES``), and S is in its scope. So one
  UTC instant can start a declaration on 1 June in Hawaii and on 2 June in New York.
- **Extension.** Made while the declaration is in force (at the last instant before expiry
  still counts; at expiry it is too late), never before the previous extension, and to a
  later expiry: either a number of days (x 24 hours, added to the current expiry) or a new
  expiry instant.
- **Requests and answers.** Assistance may be requested while the declaration is in force,
  of states in its scope; a state already asked is not asked again. A state answers with
  the date it gave; that date cannot precede the request's local day in the state, nor the
  state's previous answer. A later answer supersedes an earlier one (a state that declined
  may accept); repeating the last answer with the same date records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta

from liaison.jurisdictions.fips import state_fips
from liaison.operations.errors import (
    AssistanceRefused,
    ExtensionRefused,
    InvalidDeclaration,
    NotRequested,
    StateNotInScope,
)
from liaison.operations.model import (
    AnswerStatus,
    AssistanceAnswer,
    AssistanceRequest,
    Declaration,
    DeclarationKind,
    Extension,
    StateAnswer,
)
from liaison.operations.zones import as_utc, day_bounds, local_date, state_zone

__all__ = [
    "answer",
    "answer_status",
    "declare",
    "extend",
    "in_force_at",
    "in_force_on",
    "request_assistance",
    "scope",
    "states_in_force_on",
    "with_answer",
    "with_extension",
    "with_requests",
]


def scope(states: Iterable[str]) -> tuple[str, ...]:
    """State FIPS codes, sorted and once each, from FIPS codes, USPS codes or names;
    ``UnknownJurisdiction`` names the first that is not a state or territory."""
    codes = {state_fips(s) for s in states}
    for code in codes:
        state_zone(code)  # every state in a scope must have a zone for its calendar days
    return tuple(sorted(codes))


def _text(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidDeclaration(f"a declaration needs {what}")
    return value.strip()


def declare(
    *,
    declaration_id: str,
    kind: DeclarationKind,
    authority: str,
    issued_at: datetime,
    effective_at: datetime,
    states: Iterable[str],
    title: str = "",
) -> Declaration:
    """A new declaration, checked: an id, the authority cited, aware instants, effective no
    earlier than issued (no retroactive effect), and at least one known state in scope."""
    issued = as_utc(issued_at, "issued_at")
    effective = as_utc(effective_at, "effective_at")
    if effective < issued:
        raise InvalidDeclaration(
            f"effective {effective.isoformat()} is before issued {issued.isoformat()}: a "
            "declaration cannot take effect retroactively"
        )
    covered = scope(states)
    if not covered:
        raise InvalidDeclaration("a declaration must cover at least one state")
    return Declaration(
        declaration_id=_text(declaration_id, "an id"),
        kind=kind,
        authority=_text(authority, "the legal authority it cites"),
        issued_at=issued,
        effective_at=effective,
        states=covered,
        title=title.strip(),
    )


def in_force_at(declaration: Declaration, instant: datetime) -> bool:
    """Whether the declaration is in force at ``instant``."""
    at = as_utc(instant, "instant")
    return declaration.effective_at <= at < declaration.expires_at


def in_force_on(declaration: Declaration, day: date, state: str) -> bool:
    """Whether the declaration is in force at some instant of ``day`` in ``state`` (local
    calendar day in the state's zone); False for a state outside its scope."""
    code = state_fips(state)
    if code not in declaration.states:
        return False
    start, end = day_bounds(day, state_zone(code))
    return declaration.effective_at < end and start < declaration.expires_at


def states_in_force_on(declaration: Declaration, day: date) -> tuple[str, ...]:
    """The states of its scope in which the declaration is in force on ``day``."""
    return tuple(s for s in declaration.states if in_force_on(declaration, day, s))


def extend(
    declaration: Declaration,
    *,
    extended_at: datetime,
    extended_by: str,
    authority: str,
    days: int | None = None,
    new_expiry: datetime | None = None,
) -> Extension:
    """The extension to record, given either ``days`` (added to the current expiry, 24 hours
    each) or ``new_expiry``; ``ExtensionRefused`` unless made while in force, no earlier than
    the last extension, to a later expiry."""
    at = as_utc(extended_at, "extended_at")
    if (days is None) == (new_expiry is None):
        raise ExtensionRefused("give either the number of days or the new expiry, not both")
    if not extended_by.strip() or not authority.strip():
        raise ExtensionRefused("an extension must name who made it and the authority cited")
    current = declaration.expires_at
    if at < declaration.effective_at:
        raise ExtensionRefused(
            f"declaration {declaration.declaration_id!r} takes effect only at "
            f"{declaration.effective_at.isoformat()}: it cannot be extended before"
        )
    if at >= current:
        raise ExtensionRefused(
            f"declaration {declaration.declaration_id!r} expired at {current.isoformat()}: "
            f"an extension at {at.isoformat()} is too late"
        )
    if declaration.extensions and at < declaration.extensions[-1].extended_at:
        raise ExtensionRefused(
            f"an extension at {at.isoformat()} would precede the last one, made at "
            f"{declaration.extensions[-1].extended_at.isoformat()}"
        )
    if days is not None:
        if days <= 0:
            raise ExtensionRefused(f"an extension adds at least one day, not {days}")
        expires = current + timedelta(days=days)
    else:
        assert new_expiry is not None  # one of the two was given
        expires = as_utc(new_expiry, "new_expiry")
        if expires <= current:
            raise ExtensionRefused(
                f"the new expiry {expires.isoformat()} is not later than the current one, "
                f"{current.isoformat()}"
            )
    return Extension(
        extended_at=at,
        extended_by=extended_by.strip(),
        authority=authority.strip(),
        expires_at=expires,
        days=days,
    )


def with_extension(declaration: Declaration, extension: Extension) -> Declaration:
    return replace(declaration, extensions=(*declaration.extensions, extension))


def _in_scope(declaration: Declaration, state: str) -> str:
    code = state_fips(state)
    if code not in declaration.states:
        raise StateNotInScope(declaration_id=declaration.declaration_id, state=state.strip())
    return code


def request_assistance(
    declaration: Declaration,
    *,
    requested_at: datetime,
    request: str,
    states: Iterable[str] | None = None,
) -> tuple[AssistanceRequest, ...]:
    """The requests to record: one for each of ``states`` (every state in scope when None)
    not asked before. Refused outside the declaration's term, or for a state not in scope."""
    at = as_utc(requested_at, "requested_at")
    if not request.strip():
        raise AssistanceRefused("a request for assistance must say what it asks for")
    if not in_force_at(declaration, at):
        raise AssistanceRefused(
            f"declaration {declaration.declaration_id!r} is not in force at {at.isoformat()} "
            f"(in force {declaration.effective_at.isoformat()} to "
            f"{declaration.expires_at.isoformat()})"
        )
    wanted = declaration.states if states is None else [_in_scope(declaration, s) for s in states]
    asked = {r.state_fips for r in declaration.requests}
    fresh = sorted(set(wanted) - asked)
    return tuple(AssistanceRequest(s, at, request.strip()) for s in fresh)


def with_requests(declaration: Declaration, requests: Iterable[AssistanceRequest]) -> Declaration:
    return replace(declaration, requests=(*declaration.requests, *requests))


def answer(
    declaration: Declaration,
    *,
    state: str,
    given: AssistanceAnswer,
    answered_on: date,
    recorded_at: datetime,
) -> StateAnswer | None:
    """The answer to record for ``state``, or None when it repeats the state's last answer
    and date. Refused for a state not in scope, not asked, or asked only after
    ``answered_on`` (its local day), or for a date before the state's previous answer."""
    at = as_utc(recorded_at, "recorded_at")
    code = _in_scope(declaration, state)
    requests = [r for r in declaration.requests if r.state_fips == code]
    if not requests:
        raise NotRequested(declaration_id=declaration.declaration_id, state=state.strip())
    first_asked = local_date(min(r.requested_at for r in requests), state_zone(code))
    if answered_on < first_asked:
        raise NotRequested(
            declaration_id=declaration.declaration_id, state=state.strip(), on=answered_on
        )
    previous = [a for a in declaration.answers if a.state_fips == code]
    if previous:
        last = previous[-1]
        if (last.answer, last.answered_on) == (given, answered_on):
            return None
        if answered_on < last.answered_on:
            raise AssistanceRefused(
                f"{state.strip()} answered {last.answer.value} on "
                f"{last.answered_on.isoformat()}: an answer dated {answered_on.isoformat()} "
                "cannot come before it"
            )
    return StateAnswer(state_fips=code, answer=given, answered_on=answered_on, recorded_at=at)


def with_answer(declaration: Declaration, recorded: StateAnswer) -> Declaration:
    return replace(declaration, answers=(*declaration.answers, recorded))


def answer_status(declaration: Declaration) -> dict[str, AnswerStatus]:
    """Each state in scope (by FIPS) with where it stands: its latest answer, no answer yet,
    or not asked."""
    asked = {r.state_fips for r in declaration.requests}
    latest = {a.state_fips: a.answer for a in declaration.answers}  # later answers win
    status: dict[str, AnswerStatus] = {}
    for code in declaration.states:
        if code in latest:
            status[code] = AnswerStatus(latest[code].value)
        elif code in asked:
            status[code] = AnswerStatus.NO_ANSWER
        else:
            status[code] = AnswerStatus.NOT_REQUESTED
    return status
