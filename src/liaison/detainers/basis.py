"""Whether the record supports a detainer's probable-cause basis at the time of lodging.

A detainer states one basis (DHS Form I-247A); the officer's word is not enough, the record
must hold it up on the day of lodging. ``basis_support`` is a pure function of the person's
event history, the date and, for the fourth basis, the statement recorded:

| basis                         | supported when                                                |
| ----------------------------- | ------------------------------------------------------------- |
| ``final_order``               | a final order of removal that no later termination or         |
|                               | reopening of proceedings vacated (an executed order stands,   |
|                               | for reinstatement after a re-entry)                           |
| ``pending_proceedings``       | a charging document (notice to appear) with no final          |
|                               | disposition since: no termination, order or removal           |
| ``biometric_no_lawful_status``| the derived status is not lawful and not unknown: never an    |
|                               | LPR, a nonimmigrant in status, a protection in force, a       |
|                               | citizen, or a person with no immigration record               |
| ``statements_or_evidence``    | the statement or evidence is recorded with the detainer       |

A refusal names the basis and the events that contradict it (or says that none support it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from liaison.detainers.model import ProbableCause
from liaison.identity.model import EventKind, ImmigrationEvent
from liaison.identity.status import derive_status, in_order

__all__ = ["MIN_STATEMENT", "BasisSupport", "basis_support", "describe_event"]

MIN_STATEMENT = 20  # characters: "admitted it" is not a recorded statement

K = EventKind
_REOPENS = frozenset({K.PROCEEDINGS_TERMINATED, K.PROCEEDINGS_INITIATED})


@dataclass(frozen=True)
class BasisSupport:
    """The finding: supported or not, why, and the events it rests on (when supported) or
    that contradict it (when not)."""

    basis: ProbableCause
    supported: bool
    reason: str
    events: tuple[ImmigrationEvent, ...] = ()


def describe_event(event: ImmigrationEvent) -> str:
    """``final_order 2019-03-01 (ref A123)``: an event as a refusal or an audit entry names it."""
    ref = f" ({event.reference})" if event.reference else ""
    detail = f" {event.detail}" if event.detail else ""
    return f"{event.kind.value}{detail} {event.occurred_on.isoformat()}{ref}"


def _final_order(history: Sequence[ImmigrationEvent]) -> BasisSupport:
    basis = ProbableCause.FINAL_ORDER
    standing: ImmigrationEvent | None = None  # the latest order still in force
    executed: ImmigrationEvent | None = None  # the latest order a removal carried out
    pending: ImmigrationEvent | None = None  # an order not yet carried out (may be vacated)
    vacated: tuple[ImmigrationEvent, ImmigrationEvent] | None = None
    for e in history:
        if e.kind is K.FINAL_ORDER:
            pending = standing = e
        elif e.kind is K.REMOVED and pending is not None:
            executed, pending = pending, None
        elif e.kind in _REOPENS and pending is not None:
            # terminated: vacated; initiated again: reopened. An executed order still stands.
            vacated, pending, standing = (pending, e), None, executed
    if standing is not None:
        return BasisSupport(basis, True, f"final order {describe_event(standing)}", (standing,))
    if vacated is not None:
        ordered, ended = vacated
        return BasisSupport(
            basis,
            False,
            f"the final order {describe_event(ordered)} was vacated or reopened by "
            f"{describe_event(ended)}",
            vacated,
        )
    return BasisSupport(basis, False, "no final order of removal is on record")


def _proceedings(history: Sequence[ImmigrationEvent]) -> BasisSupport:
    basis = ProbableCause.PENDING_PROCEEDINGS
    pending: ImmigrationEvent | None = None
    ended: tuple[ImmigrationEvent, ImmigrationEvent] | None = None
    for e in history:
        if e.kind is K.PROCEEDINGS_INITIATED:
            pending = pending or e
        elif e.kind in (K.PROCEEDINGS_TERMINATED, K.FINAL_ORDER, K.REMOVED) and pending:
            ended, pending = (pending, e), None
    if pending is not None:
        return BasisSupport(basis, True, f"charging document {describe_event(pending)}", (pending,))
    if ended is not None:
        began, disposed = ended
        return BasisSupport(
            basis,
            False,
            f"the proceedings of {describe_event(began)} reached a final disposition: "
            f"{describe_event(disposed)}",
            ended,
        )
    return BasisSupport(basis, False, "no charging document (notice to appear) is on record")


def _no_lawful_status(
    events: Sequence[ImmigrationEvent], on: date, birth_country: str
) -> BasisSupport:
    basis = ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS
    status = derive_status(events, on, birth_country=birth_country)
    if status.lawful:
        return BasisSupport(
            basis,
            False,
            f"the derived status is {status.category.value}, a lawful status",
            status.basis_events,
        )
    if not status.basis_events:
        return BasisSupport(
            basis, False, "the record holds no immigration events: the status is unknown"
        )
    return BasisSupport(
        basis, True, f"the derived status is {status.category.value}", status.basis_events
    )


def basis_support(
    basis: ProbableCause,
    events: Sequence[ImmigrationEvent],
    *,
    on: date,
    birth_country: str = "",
    statement: str = "",
) -> BasisSupport:
    """Whether the history up to ``on`` (and the statement) supports ``basis``; see the table."""
    if basis is ProbableCause.STATEMENTS_OR_EVIDENCE:
        if len(statement.strip()) < MIN_STATEMENT:
            return BasisSupport(
                basis,
                False,
                "no statement or other evidence is recorded "
                f"(give it in full, at least {MIN_STATEMENT} characters)",
            )
        return BasisSupport(basis, True, "statement recorded")
    if basis is ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS:
        return _no_lawful_status(events, on, birth_country)
    history = in_order(e for e in events if e.occurred_on <= on)
    if basis is ProbableCause.FINAL_ORDER:
        return _final_order(history)
    return _proceedings(history)
