"""A Hypothesis state machine drives detainers through random lives against a moving clock.

Rules: lodging attempts (verified or not, citizenship indicators, a basis or none, a warrant
or a blank), serve, the three answers, release times anywhere around the clock (with or without
an arrest time and a correction reason), the clock moving on by random minutes, transfers,
cancellations, and the scheduled lapse check (the real use case, over fake repositories). Each
step is checked against an oracle written from DESIGN.md rather than from ``TRANSITIONS``; a
refused step must leave the detainer as it was.

Invariants no sequence may break:
  (a) no one is held past 48 hours: right after a lapse check at ``now`` no detainer is
      honored with ``now > released_at + 48 h``, and no transfer happened after that deadline;
  (b) no detainer exists (in any state) on a person with unresolved citizenship indicators,
      or on an unverified identification, at lodging time;
  (c) no detainer lacks a probable-cause basis or a warrant reference;
  (d) no release time is later than the clock past the tolerance when it was recorded, nor
      before the detainer's issue, and a passed one never moved later.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)
from tests.fakes import FakeUnitOfWork

from liaison.audit.chain import verify
from liaison.detainers import lifecycle, services
from liaison.detainers.errors import (
    CitizenshipIndicatorUnresolved,
    DetainerError,
    HoldExpired,
    IllegalTransition,
    LodgingRefused,
    MissingProbableCause,
    MissingWarrant,
    UnverifiedIdentification,
)
from liaison.detainers.model import (
    HOLD_LIMIT,
    RELEASE_TIME_TOLERANCE,
    Detainer,
    DetainerState,
    ProbableCause,
)
from liaison.identity.citizenship import INDICATORS, RULED_CITIZEN
from liaison.jurisdictions.model import JailAnswer

S = DetainerState
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

OPEN = {S.ISSUED, S.SERVED, S.HONORED, S.NOTIFIED_ONLY, S.DECLINED}
ANSWERED = {
    JailAnswer.HONOR: S.HONORED,
    JailAnswer.NOTIFY_ONLY: S.NOTIFIED_ONLY,
    JailAnswer.DECLINE: S.DECLINED,
}
RELEASE_RECORDABLE = {S.SERVED, S.HONORED, S.NOTIFIED_ONLY, S.DECLINED}

indicator_sets = st.sampled_from(
    [(), (), (), ("us_place_of_birth",), (INDICATORS[2], INDICATORS[5]), (RULED_CITIZEN,)]
)
bases = st.sampled_from([*ProbableCause, None])
warrants = st.sampled_from(["I-200 2025-001", "I-205 77", "  I-247A 9 ", "", "   ", "\t"])
minutes = st.integers(min_value=-96 * 60, max_value=96 * 60)
# around the clock, with the tolerance's edges (15 minutes ahead: allowed; 16: refused)
release_offsets = st.one_of(minutes, st.sampled_from([0, 15, 16]))
arrest_offsets = st.one_of(st.none(), minutes)
correction_reasons = st.sampled_from(["", "  ", "corrected from the jail's release log"])


def _snapshot(d: Detainer) -> tuple[object, ...]:
    return (d.state, d.released_at, copy.copy(d.history), d.basis, d.warrant_ref)


class DetainerLives(RuleBasedStateMachine):
    detainer_ids = Bundle("detainer_ids")

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.uow = FakeUnitOfWork()
        self.lodged_with: dict[str, tuple[bool, tuple[str, ...], ProbableCause | None, str]] = {}
        # each release time recorded: (detainer id, released at, recorded at)
        self.releases: list[tuple[str, datetime, datetime]] = []
        self.count = 0

    @property
    def detainers(self) -> dict[str, Detainer]:
        return self.uow.detainers.items

    def _new_id(self) -> str:
        self.count += 1
        return f"D-{self.count}"

    # -- lodging ------------------------------------------------------------------------------

    def _lodge(
        self,
        verified: bool,
        indicators: tuple[str, ...],
        basis: ProbableCause | None,
        warrant: str,
        judicial: bool,
        at: datetime | None = None,
    ) -> str | None:
        detainer_id = self._new_id()
        # the first failing safeguard, in the documented order
        expected: type[LodgingRefused] | None = None
        if not verified:
            expected = UnverifiedIdentification
        elif indicators:
            expected = CitizenshipIndicatorUnresolved
        elif basis is None:
            expected = MissingProbableCause
        elif not warrant.strip():
            expected = MissingWarrant

        def attempt() -> Detainer:
            return lifecycle.lodge(
                detainer_id=detainer_id,
                booking_id=f"B-{self.count}",
                identity_id=self.count,
                ori="TX1010000",
                basis=basis,
                warrant_ref=warrant,
                judicial_warrant=judicial,
                officer="officer.ruiz",
                verified=verified,
                unresolved_indicators=indicators,
                at=self.now if at is None else at,
            )

        if expected is not None:
            with pytest.raises(expected) as refused:
                attempt()
            if expected is CitizenshipIndicatorUnresolved:
                assert refused.value.indicators == indicators  # type: ignore[attr-defined]
            return None
        detainer = attempt()
        assert detainer.state is S.ISSUED
        self.uow.detainers.add(detainer)
        self.lodged_with[detainer_id] = (verified, indicators, basis, warrant)
        return detainer_id

    @rule(
        target=detainer_ids,
        verified=st.sampled_from([True, True, True, False]),
        indicators=indicator_sets,
        basis=bases,
        warrant=warrants,
        judicial=st.booleans(),
    )
    def lodge_attempt(
        self,
        verified: bool,
        indicators: tuple[str, ...],
        basis: ProbableCause | None,
        warrant: str,
        judicial: bool,
    ) -> object:
        detainer_id = self._lodge(verified, indicators, basis, warrant, judicial)
        return multiple() if detainer_id is None else detainer_id

    @rule(target=detainer_ids, basis=st.sampled_from(ProbableCause), judicial=st.booleans())
    def lodge_valid(self, basis: ProbableCause, judicial: bool) -> str:
        detainer_id = self._lodge(True, (), basis, "I-200 2025-001", judicial)
        assert detainer_id is not None
        return detainer_id

    @initialize(target=detainer_ids, basis=st.sampled_from(ProbableCause))
    def first_detainer(self, basis: ProbableCause) -> str:
        return self.lodge_valid(basis, judicial=False)

    @rule(target=detainer_ids, back=st.integers(min_value=0, max_value=96 * 60))
    def honored_with_a_release_time(self, back: int) -> str:
        """A shortcut to the interesting part of a life: lodged four days ago, served, honored,
        and released ``back`` minutes ago (recorded now)."""
        issued = self.now - timedelta(hours=96)
        detainer_id = self._lodge(True, (), ProbableCause.FINAL_ORDER, "I-205 77", True, issued)
        assert detainer_id is not None
        d = self.detainers[detainer_id]
        lifecycle.serve(d, actor="officer", at=self.now)
        lifecycle.answer(d, JailAnswer.HONOR, actor="jail", at=self.now)
        released_at = self.now - timedelta(minutes=back)
        lifecycle.record_release(d, released_at, at=self.now, actor="jail")
        self.releases.append((detainer_id, released_at, self.now))
        return detainer_id

    # -- steps --------------------------------------------------------------------------------

    def _attempt(self, detainer_id: str, allowed: bool, step: Callable[[], object]) -> bool:
        """Run ``step``; it must succeed iff ``allowed``, and a refusal must change nothing."""
        detainer = self.detainers[detainer_id]
        before = _snapshot(detainer)
        try:
            step()
        except DetainerError:
            assert not allowed, f"refused an allowed step on {before}"
            assert _snapshot(detainer) == before
            return False
        assert allowed, f"allowed a refused step on {before}"
        assert detainer.history[-1].at == self.now
        return True

    @rule(detainer_id=detainer_ids)
    def serve(self, detainer_id: str) -> None:
        d = self.detainers[detainer_id]
        was = d.state
        if self._attempt(
            detainer_id,
            was is S.ISSUED,
            lambda: lifecycle.serve(d, actor="officer", at=self.now),
        ):
            assert d.state is S.SERVED

    @rule(detainer_id=detainer_ids, answer=st.sampled_from(JailAnswer))
    def answer(self, detainer_id: str, answer: JailAnswer) -> None:
        d = self.detainers[detainer_id]
        was = d.state
        if self._attempt(
            detainer_id,
            was is S.SERVED,
            lambda: lifecycle.answer(d, answer, actor="jail", at=self.now),
        ):
            assert d.state is ANSWERED[answer]

    @rule(
        detainer_id=detainer_ids,
        offset=release_offsets,
        arrest=arrest_offsets,
        reason=correction_reasons,
    )
    def record_release(
        self, detainer_id: str, offset: int, arrest: int | None, reason: str
    ) -> None:
        d = self.detainers[detainer_id]
        was, recorded = d.state, d.released_at
        released_at = self.now + timedelta(minutes=offset)
        arrested_at = None if arrest is None else self.now + timedelta(minutes=arrest)
        possible = (
            released_at <= self.now + RELEASE_TIME_TOLERANCE
            and (arrested_at is None or released_at >= arrested_at)
            and released_at >= d.issued_at
        )
        correction_allowed = recorded is None or (
            bool(reason.strip()) and not (recorded <= self.now and released_at > recorded)
        )
        allowed = was in RELEASE_RECORDABLE and possible and correction_allowed
        if was in RELEASE_RECORDABLE:
            if not possible:
                event("release time: impossible (refused)")
            elif not correction_allowed:
                event("release time: a correction without a reason, or moving later (refused)")
            elif recorded is not None:
                event("release time: corrected")
        if self._attempt(
            detainer_id,
            allowed,
            lambda: lifecycle.record_release(
                d, released_at, at=self.now, actor="jail", reason=reason, arrested_at=arrested_at
            ),
        ):
            assert d.released_at == released_at
            expected = S.RELEASED if was in {S.NOTIFIED_ONLY, S.DECLINED} else was
            assert d.state is expected
            if recorded is not None:
                assert d.history[-1].reason.endswith(reason.strip())
            self.releases.append((detainer_id, released_at, self.now))

    @rule(detainer_id=detainer_ids)
    def transfer(self, detainer_id: str) -> None:
        d = self.detainers[detainer_id]
        deadline = None if d.released_at is None else d.released_at + HOLD_LIMIT
        allowed = d.state is S.HONORED and (deadline is None or self.now <= deadline)
        expired = d.state is S.HONORED and not allowed
        try:
            lifecycle.transfer(d, actor="officer", at=self.now)
        except HoldExpired:
            event("transfer refused: the hold expired")
            assert expired
            assert d.state is S.HONORED
            return
        except IllegalTransition:
            assert d.state is not S.HONORED
            return
        assert allowed
        assert d.state is S.TRANSFERRED
        event("transferred after a release time" if deadline else "transferred before release")

    @rule(detainer_id=detainer_ids, reason=st.sampled_from(["citizenship evidence", "", "dup"]))
    def cancel(self, detainer_id: str, reason: str) -> None:
        d = self.detainers[detainer_id]
        allowed = d.state in OPEN and bool(reason.strip())
        if self._attempt(
            detainer_id,
            allowed,
            lambda: lifecycle.cancel(d, actor="officer", at=self.now, reason=reason),
        ):
            assert d.state is S.CANCELLED

    @rule(minutes=st.integers(min_value=0, max_value=72 * 60))
    def clock_advances(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def lapse_check(self) -> None:
        due = {
            k
            for k, d in self.detainers.items()
            if d.state is S.HONORED
            and d.released_at is not None
            and self.now > d.released_at + HOLD_LIMIT
        }
        lapsed = services.lapse_overdue(uow=self.uow, now=self.now)
        assert set(lapsed) == due
        if lapsed:
            event("lapse check lapsed a detainer")
        for detainer_id in lapsed:
            assert self.detainers[detainer_id].state is S.LAPSED
        # (a) right after a check, no one is held past release time + 48 hours
        for d in self.detainers.values():
            if d.state is S.HONORED and d.released_at is not None:
                assert self.now <= d.released_at + HOLD_LIMIT

    @rule(detainer_id=detainer_ids)
    def early_lapse_is_refused(self, detainer_id: str) -> None:
        d = self.detainers[detainer_id]
        if not lifecycle.is_overdue(d, self.now):
            self._attempt(detainer_id, False, lambda: lifecycle.lapse(d, self.now))

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def no_transfer_after_the_hold_ran_out(self) -> None:  # (a)
        for d in self.detainers.values():
            if d.state is S.TRANSFERRED and d.released_at is not None:
                transferred_at = d.history[-1].at
                assert transferred_at <= d.released_at + HOLD_LIMIT

    @invariant()
    def no_detainer_without_the_lodging_safeguards(self) -> None:  # (b)
        for detainer_id in self.detainers:
            verified, indicators, _, _ = self.lodged_with[detainer_id]
            assert verified
            assert indicators == ()

    @invariant()
    def every_detainer_has_a_basis_and_a_warrant(self) -> None:  # (c)
        for d in self.detainers.values():
            assert isinstance(d.basis, ProbableCause)
            assert d.warrant_ref.strip()
            assert d.warrant_ref == d.warrant_ref.strip()

    @invariant()
    def every_release_time_was_possible_when_recorded(self) -> None:  # (d)
        for detainer_id, released_at, recorded_at in self.releases:
            d = self.detainers[detainer_id]
            assert d.issued_at <= released_at <= recorded_at + RELEASE_TIME_TOLERANCE
        for d in self.detainers.values():
            assert d.released_at is None or any(
                (i, r) == (d.detainer_id, d.released_at) for i, r, _ in self.releases
            )
        # a release time, once passed, never moved later
        last: dict[str, tuple[datetime, datetime]] = {}
        for detainer_id, released_at, recorded_at in self.releases:
            if detainer_id in last:
                before, _ = last[detainer_id]
                assert not (before <= recorded_at and released_at > before)
            last[detainer_id] = (released_at, recorded_at)

    @invariant()
    def history_tells_the_lifecycle_in_order(self) -> None:
        for d in self.detainers.values():
            first, *rest = d.history
            assert (first.from_state, first.to_state, first.at) == (None, S.ISSUED, d.issued_at)
            state, at = S.ISSUED, d.issued_at
            for step in rest:
                assert step.from_state is state
                assert step.at >= at
                changed = step.to_state is not state
                assert not changed or any(
                    target is step.to_state
                    for (source, _), target in lifecycle.TRANSITIONS.items()
                    if source is state
                )
                state, at = step.to_state, step.at
            assert state is d.state

    @invariant()
    def the_audit_trail_verifies(self) -> None:
        assert verify(self.uow.audit.rows) == []


DetainerLives.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDetainerLives = DetainerLives.TestCase
