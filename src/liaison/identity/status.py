"""Immigration status, derived from the event history alone.

``derive_status(events, on)`` is a pure function: the same history and date always give the
same answer, whatever order the events are given in, and events dated after ``on`` never
change it. Events are read in date order; same-day events in a fixed order of their kinds
(beginnings before endings: an entry before a removal, a grant before its revocation), so
the order a caller lists them in never matters.

A removal closes an epoch: what was granted, admitted or pending before it no longer holds,
and only events after it (with the fact of the removal) make up the current status.

Precedence, first row that holds wins:

| category                       | holds when (citizenship aside, within the current epoch)    |
| ------------------------------ | ----------------------------------------------------------- |
| ``citizen_*``                  | a citizenship event up to ``on``: outranks every row below  |
| ``protected``                  | a protection granted, not ended, not past its ``until``     |
| ``final_order``                | a final order of removal, not executed, reopened or vacated |
| ``reentered_after_removal``    | an entry, or other evidence of presence, after a removal    |
| ``removed``                    | a removal and no evidence of presence since                 |
| ``in_proceedings``             | proceedings initiated, neither terminated nor ordered       |
| ``lpr``                        | the latest LPR event is a grant                             |
| ``nonimmigrant_in_status``     | the latest entry is an admission whose ``until`` (as        |
|                                | extended) is absent or not before ``on``                    |
| ``nonimmigrant_overstayed``    | the latest entry is an admission whose ``until`` passed     |
| ``entered_without_inspection`` | the latest entry was without inspection                     |
| ``lpr`` (not lawful)           | the latest LPR event is a revocation; no entry on record    |
| ``no_record``                  | none of the above                                           |

The earliest citizenship event names the citizen category; citizenship acquired at birth
abroad counts as ``citizen_by_birth`` (its indicator says how). ``lawful`` is independent of
the category: a citizen or a protected person is lawful; an LPR or a nonimmigrant in status is
lawful unless a final order is outstanding. So an LPR in proceedings is ``in_proceedings`` and
lawful, and a revoked LPR is ``lpr`` and not lawful.
``since`` is always the date of one of ``basis_events`` (``None`` for ``no_record``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from liaison.identity.citizenship import record_indicators
from liaison.identity.model import EventKind, ImmigrationEvent, ImmigrationStatus, StatusCategory

__all__ = ["derive_status", "in_order"]

K = EventKind

# Same-day order: beginnings before endings (a removal on the day of an entry ends it).
_DAY_ORDER: dict[EventKind, int] = {
    kind: rank
    for rank, kind in enumerate(
        (
            K.BORN_IN_US,
            K.BORN_ABROAD_TO_US_CITIZEN,
            K.ADMITTED_NONIMMIGRANT,
            K.ENTERED_WITHOUT_INSPECTION,
            K.STATUS_EXTENDED,
            K.LPR_GRANTED,
            K.PROTECTION_GRANTED,
            K.PROCEEDINGS_INITIATED,
            K.PROCEEDINGS_TERMINATED,
            K.FINAL_ORDER,
            K.REMOVED,
            K.LPR_REVOKED,
            K.PROTECTION_ENDED,
            K.NATURALIZED,
            K.DERIVED_CITIZENSHIP,
        )
    )
}

_CITIZEN_BY: dict[EventKind, StatusCategory] = {
    K.BORN_IN_US: StatusCategory.CITIZEN_BY_BIRTH,
    K.BORN_ABROAD_TO_US_CITIZEN: StatusCategory.CITIZEN_BY_BIRTH,
    K.NATURALIZED: StatusCategory.CITIZEN_NATURALIZED,
    K.DERIVED_CITIZENSHIP: StatusCategory.CITIZEN_DERIVED,
}

# Kinds that need the person to be in the United States when they happen.
_PRESENCE = frozenset(
    {
        K.ADMITTED_NONIMMIGRANT,
        K.ENTERED_WITHOUT_INSPECTION,
        K.STATUS_EXTENDED,
        K.LPR_GRANTED,
        K.PROTECTION_GRANTED,
        K.PROCEEDINGS_INITIATED,
    }
)


def in_order(events: Iterable[ImmigrationEvent]) -> list[ImmigrationEvent]:
    """``events`` by date, same-day events in the fixed kind order (then by their fields, so
    that the result is one order whatever order they came in)."""
    return sorted(events, key=_order_key)


def _order_key(e: ImmigrationEvent) -> tuple[date, int, bool, date, str, str]:
    until = e.until or e.occurred_on
    return (e.occurred_on, _DAY_ORDER[e.kind], e.until is None, until, e.detail, e.reference)


@dataclass
class _Epoch:
    """What holds since the last removal (or since the record began)."""

    presence: ImmigrationEvent | None = None  # the first event that needs the person here
    entry: ImmigrationEvent | None = None  # the latest admission or entry without inspection
    extensions: list[ImmigrationEvent] = field(default_factory=list)  # of that admission
    lpr: ImmigrationEvent | None = None  # the latest LPR grant or revocation
    lpr_grant: ImmigrationEvent | None = None
    protections: list[ImmigrationEvent] = field(default_factory=list)  # grants not ended
    proceedings: ImmigrationEvent | None = None  # open proceedings
    order: ImmigrationEvent | None = None  # an outstanding final order


@dataclass
class _Record:
    """The history folded up to a date."""

    on: date
    citizenship: ImmigrationEvent | None = None  # the earliest citizenship event
    removal: ImmigrationEvent | None = None  # the latest removal
    epoch: _Epoch = field(default_factory=_Epoch)


def _fold(history: Iterable[ImmigrationEvent], on: date) -> _Record:
    record = _Record(on)
    for event in history:
        if event.kind in _PRESENCE and record.epoch.presence is None:
            record.epoch.presence = event
        _APPLY[event.kind](record, event)
    return record


def _citizenship(r: _Record, e: ImmigrationEvent) -> None:
    r.citizenship = r.citizenship or e


def _removed(r: _Record, e: ImmigrationEvent) -> None:
    r.removal, r.epoch = e, _Epoch()


def _entered(r: _Record, e: ImmigrationEvent) -> None:
    r.epoch.entry, r.epoch.extensions = e, []


def _extended(r: _Record, e: ImmigrationEvent) -> None:
    # an extension of an entry without inspection (or of nothing on record) extends nothing
    entry = r.epoch.entry
    if entry is not None and entry.kind is K.ADMITTED_NONIMMIGRANT:
        r.epoch.extensions.append(e)


def _lpr_granted(r: _Record, e: ImmigrationEvent) -> None:
    r.epoch.lpr = r.epoch.lpr_grant = e


def _lpr_revoked(r: _Record, e: ImmigrationEvent) -> None:
    r.epoch.lpr = e


def _protection_granted(r: _Record, e: ImmigrationEvent) -> None:
    r.epoch.protections.append(e)


def _protection_ended(r: _Record, e: ImmigrationEvent) -> None:
    # an end that names its protection ends only that one; an unnamed end ends them all
    r.epoch.protections = [p for p in r.epoch.protections if e.detail and p.detail != e.detail]


def _proceedings_initiated(r: _Record, e: ImmigrationEvent) -> None:
    # initiating again after an order is a reopening: the order is no longer final
    r.epoch.proceedings, r.epoch.order = r.epoch.proceedings or e, None


def _proceedings_terminated(r: _Record, e: ImmigrationEvent) -> None:
    r.epoch.proceedings = r.epoch.order = None


def _final_order(r: _Record, e: ImmigrationEvent) -> None:
    r.epoch.proceedings, r.epoch.order = None, e


_APPLY: dict[EventKind, Callable[[_Record, ImmigrationEvent], None]] = {
    K.BORN_IN_US: _citizenship,
    K.BORN_ABROAD_TO_US_CITIZEN: _citizenship,
    K.NATURALIZED: _citizenship,
    K.DERIVED_CITIZENSHIP: _citizenship,
    K.LPR_GRANTED: _lpr_granted,
    K.LPR_REVOKED: _lpr_revoked,
    K.ADMITTED_NONIMMIGRANT: _entered,
    K.STATUS_EXTENDED: _extended,
    K.ENTERED_WITHOUT_INSPECTION: _entered,
    K.PROCEEDINGS_INITIATED: _proceedings_initiated,
    K.PROCEEDINGS_TERMINATED: _proceedings_terminated,
    K.FINAL_ORDER: _final_order,
    K.REMOVED: _removed,
    K.PROTECTION_GRANTED: _protection_granted,
    K.PROTECTION_ENDED: _protection_ended,
}


@dataclass(frozen=True)
class _Finding:
    category: StatusCategory
    since: ImmigrationEvent  # the basis event whose date is ``since``
    basis: tuple[ImmigrationEvent, ...]


def _as_citizen(r: _Record) -> _Finding | None:
    e = r.citizenship
    return _Finding(_CITIZEN_BY[e.kind], e, (e,)) if e else None


def _active_protection(r: _Record) -> ImmigrationEvent | None:
    active = [p for p in r.epoch.protections if p.until is None or p.until >= r.on]
    return active[-1] if active else None


def _as_protected(r: _Record) -> _Finding | None:
    e = _active_protection(r)
    return _Finding(StatusCategory.PROTECTED, e, (e,)) if e else None


def _as_ordered(r: _Record) -> _Finding | None:
    e = r.epoch.order
    return _Finding(StatusCategory.FINAL_ORDER, e, (e,)) if e else None


def _as_reentered(r: _Record) -> _Finding | None:
    removal, presence = r.removal, r.epoch.presence
    if removal is None or presence is None:
        return None
    return _Finding(StatusCategory.REENTERED_AFTER_REMOVAL, presence, (removal, presence))


def _as_removed(r: _Record) -> _Finding | None:
    e = r.removal
    return _Finding(StatusCategory.REMOVED, e, (e,)) if e else None


def _as_in_proceedings(r: _Record) -> _Finding | None:
    e = r.epoch.proceedings
    return _Finding(StatusCategory.IN_PROCEEDINGS, e, (e,)) if e else None


def _as_lpr(r: _Record) -> _Finding | None:
    e = r.epoch.lpr
    return _Finding(StatusCategory.LPR, e, (e,)) if e and e.kind is K.LPR_GRANTED else None


def _admitted_until(r: _Record) -> date | None:
    """The date the latest admission (as extended) runs to; None if it has no end date."""
    last = r.epoch.extensions[-1] if r.epoch.extensions else r.epoch.entry
    return last.until if last is not None else None


def _in_status(r: _Record) -> bool:
    entry = r.epoch.entry
    if entry is None or entry.kind is not K.ADMITTED_NONIMMIGRANT:
        return False
    until = _admitted_until(r)
    return until is None or until >= r.on


def _as_entered(r: _Record) -> _Finding | None:
    e = r.epoch.entry
    if e is None:
        return None
    if e.kind is K.ENTERED_WITHOUT_INSPECTION:
        return _Finding(StatusCategory.ENTERED_WITHOUT_INSPECTION, e, (e,))
    category = (
        StatusCategory.NONIMMIGRANT_IN_STATUS
        if _in_status(r)
        else StatusCategory.NONIMMIGRANT_OVERSTAYED
    )
    return _Finding(category, e, (e, *r.epoch.extensions))


def _as_former_lpr(r: _Record) -> _Finding | None:
    e = r.epoch.lpr
    if e is None:
        return None
    basis = (r.epoch.lpr_grant, e) if r.epoch.lpr_grant else (e,)
    return _Finding(StatusCategory.LPR, e, basis)


# The precedence table of the module docstring, row for row.
_PRECEDENCE: tuple[Callable[[_Record], _Finding | None], ...] = (
    _as_citizen,
    _as_protected,
    _as_ordered,
    _as_reentered,
    _as_removed,
    _as_in_proceedings,
    _as_lpr,
    _as_entered,
    _as_former_lpr,
)


def _lawful(r: _Record) -> bool:
    if r.citizenship is not None or _active_protection(r) is not None:
        return True
    holds_status = _as_lpr(r) is not None or _in_status(r)
    return holds_status and r.epoch.order is None


def derive_status(
    events: Sequence[ImmigrationEvent], on: date, *, birth_country: str = ""
) -> ImmigrationStatus:
    """The person's status on ``on`` by the precedence table above, with its basis events,
    whether it is lawful, and the citizenship indicators of the history up to ``on`` (and of
    ``birth_country``). Events after ``on`` are ignored."""
    history = in_order(e for e in events if e.occurred_on <= on)
    record = _fold(history, on)
    indicators = record_indicators(history, birth_country=birth_country)
    for rule in _PRECEDENCE:
        found = rule(record)
        if found is not None:
            return ImmigrationStatus(
                category=found.category,
                since=found.since.occurred_on,
                citizenship_indicators=indicators,
                lawful=_lawful(record),
                basis_events=found.basis,
            )
    return ImmigrationStatus(StatusCategory.NO_RECORD, None, indicators, lawful=False)
