"""The case protocol as a state machine, driven by Hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from liaison.screening.errors import CaseTransitionForbidden
from liaison.screening.model import (
    CaseOutcome,
    CaseState,
    HitSource,
    ScreeningCase,
    SubjectKind,
)
from liaison.screening.protocol import DEADLINES, CaseAction, apply, is_overdue

T0 = datetime(2026, 11, 1, tzinfo=UTC)

ALLOWED = {
    CaseState.OPEN: {CaseAction.ASSIGN},
    CaseState.IN_REVIEW: set(CaseAction),
    CaseState.ESCALATED: {CaseAction.ASSIGN, CaseAction.CONFIRM, CaseAction.CLEAR},
    CaseState.CLOSED: set(),
}


def new_case(source: HitSource = HitSource.CAMPAIGN) -> ScreeningCase:
    return ScreeningCase(
        case_id="c1",
        subject_kind=SubjectKind.SUPERVISED,
        subject_id="A000000001",
        entry_id="KST1",
        list_version=1,
        source=source,
        score=3.0,
        features=[],
        opened_at=T0,
        due_at=T0 + DEADLINES[source][CaseState.OPEN],
    )


class CaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.case = new_case()
        self.now = T0

    @rule(action=st.sampled_from(list(CaseAction)), note=st.sampled_from(["", "reason"]))
    def step(self, action: CaseAction, note: str) -> None:
        self.now += timedelta(hours=1)
        before = self.case
        allowed = action in ALLOWED[before.state] and (action is CaseAction.ASSIGN or note)
        try:
            self.case = apply(before, action, actor="analyst", at=self.now, note=note)
        except CaseTransitionForbidden:
            assert not allowed
            return
        assert allowed
        assert len(self.case.events) == len(before.events) + 1
        if action is CaseAction.CONFIRM:
            assert self.case.outcome is CaseOutcome.CONFIRMED
        if action is CaseAction.CLEAR:
            assert self.case.outcome is CaseOutcome.NOT_THE_PERSON

    @invariant()
    def closed_means_decided(self) -> None:
        assert (self.case.state is CaseState.CLOSED) == (self.case.outcome is not None)
        assert not is_overdue(self.case, self.now + timedelta(days=365)) or (
            self.case.state is not CaseState.CLOSED
        )


TestCaseMachine = CaseMachine.TestCase
TestCaseMachine.settings = settings(max_examples=60, stateful_step_count=12, deadline=None)


def test_an_encounter_case_is_due_within_the_hour_a_campaign_case_in_days() -> None:
    assert new_case(HitSource.ENCOUNTER).due_at - T0 == timedelta(hours=1)
    assert new_case(HitSource.CAMPAIGN).due_at - T0 == timedelta(days=3)


def test_assigning_starts_the_review_clock_and_overdue_follows_the_deadline() -> None:
    case = apply(new_case(HitSource.ENCOUNTER), CaseAction.ASSIGN, actor="a1", at=T0)
    assert case.state is CaseState.IN_REVIEW
    assert case.assignee == "a1"
    assert case.due_at == T0 + timedelta(hours=4)
    assert not is_overdue(case, T0 + timedelta(hours=4))
    assert is_overdue(case, T0 + timedelta(hours=4, seconds=1))


def test_a_step_needs_an_analyst_and_cannot_predate_the_case() -> None:
    with pytest.raises(CaseTransitionForbidden, match="analyst"):
        apply(new_case(), CaseAction.ASSIGN, actor=" ", at=T0)
    with pytest.raises(CaseTransitionForbidden, match="before the case"):
        apply(new_case(), CaseAction.ASSIGN, actor="a1", at=T0 - timedelta(seconds=1))
