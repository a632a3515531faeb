"""The analysts' protocol for a screening case: steps, who may take them, and deadlines.

```
open --assign--> in_review --confirm--> closed (confirmed: the listed person)
                     |      --clear----> closed (not_the_person)
                     +--escalate--> escalated --confirm | clear--> closed
(assign again at any open step hands the case to another analyst)
```

Each state has a deadline from the moment the case entered it. An encounter's person may be
released within hours, so its deadlines are short; a campaign hit concerns someone already
under supervision. A step after its deadline is still allowed (the work must be done), but
the case shows as overdue from the deadline on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from liaison.screening.errors import CaseTransitionForbidden
from liaison.screening.model import CaseEvent, CaseOutcome, CaseState, HitSource, ScreeningCase

__all__ = ["DEADLINES", "CaseAction", "apply", "is_overdue"]


class CaseAction(StrEnum):
    ASSIGN = "assign"
    ESCALATE = "escalate"
    CONFIRM = "confirm"
    CLEAR = "clear"


DEADLINES: dict[HitSource, dict[CaseState, timedelta]] = {
    HitSource.ENCOUNTER: {
        CaseState.OPEN: timedelta(hours=1),
        CaseState.IN_REVIEW: timedelta(hours=4),
        CaseState.ESCALATED: timedelta(hours=24),
    },
    HitSource.CAMPAIGN: {
        CaseState.OPEN: timedelta(days=3),
        CaseState.IN_REVIEW: timedelta(days=10),
        CaseState.ESCALATED: timedelta(days=30),
    },
}

_ALLOWED: dict[CaseAction, tuple[CaseState, ...]] = {
    CaseAction.ASSIGN: (CaseState.OPEN, CaseState.IN_REVIEW, CaseState.ESCALATED),
    CaseAction.ESCALATE: (CaseState.IN_REVIEW,),
    CaseAction.CONFIRM: (CaseState.IN_REVIEW, CaseState.ESCALATED),
    CaseAction.CLEAR: (CaseState.IN_REVIEW, CaseState.ESCALATED),
}


def due(source: HitSource, state: CaseState, since: datetime) -> datetime:
    """The deadline of ``state`` entered at ``since`` (a closed case keeps ``since``)."""
    return since + DEADLINES[source].get(state, timedelta(0))


def apply(
    case: ScreeningCase,
    action: CaseAction,
    *,
    actor: str,
    at: datetime,
    note: str = "",
    assignee: str = "",
) -> ScreeningCase:
    """The case after ``action``; ``CaseTransitionForbidden`` says why when not allowed.

    Every decision (escalate, confirm, clear) needs a note: the reason is the record.
    """
    if case.state not in _ALLOWED[action]:
        raise CaseTransitionForbidden(
            f"case {case.case_id} is {case.state.value}: cannot {action.value} it"
        )
    if not actor.strip():
        raise CaseTransitionForbidden("a step needs the analyst who takes it")
    if action is not CaseAction.ASSIGN and not note.strip():
        raise CaseTransitionForbidden(f"{action.value} needs a note giving the reason")
    if at < case.opened_at:
        raise CaseTransitionForbidden("a step cannot be dated before the case was opened")
    events = [*case.events, CaseEvent(at, actor, action.value, note)]
    if action is CaseAction.ASSIGN:
        to = assignee.strip() or actor
        state = CaseState.IN_REVIEW if case.state is CaseState.OPEN else case.state
        deadline = due(case.source, state, at) if state is not case.state else case.due_at
        return replace(case, state=state, assignee=to, due_at=deadline, events=events)
    if action is CaseAction.ESCALATE:
        return replace(
            case,
            state=CaseState.ESCALATED,
            due_at=due(case.source, CaseState.ESCALATED, at),
            events=events,
        )
    outcome = CaseOutcome.CONFIRMED if action is CaseAction.CONFIRM else CaseOutcome.NOT_THE_PERSON
    return replace(case, state=CaseState.CLOSED, outcome=outcome, due_at=at, events=events)


def is_overdue(case: ScreeningCase, now: datetime) -> bool:
    """An unclosed case past its current step's deadline."""
    return case.state is not CaseState.CLOSED and now > case.due_at
