from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from liaison.detainers import lifecycle
from liaison.detainers.errors import (
    CitizenshipIndicatorUnresolved,
    DetainerError,
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
from liaison.detainers.lifecycle import TRANSITIONS, Event
from liaison.detainers.model import (
    HOLD_LIMIT,
    OPEN_STATES,
    RELEASE_TIME_TOLERANCE,
    Detainer,
    DetainerState,
    ProbableCause,
    Transition,
)
from liaison.jurisdictions.model import JailAnswer

S = DetainerState
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


def lodged(at: datetime = T0, **overrides: object) -> Detainer:
    args: dict[str, object] = {
        "detainer_id": "D-1",
        "booking_id": "B-1",
        "identity_id": 7,
        "ori": "TX1010000",
        "basis": ProbableCause.FINAL_ORDER,
        "warrant_ref": "I-205 2025-0001",
        "judicial_warrant": False,
        "officer": "officer.ruiz",
        "verified": True,
        "unresolved_indicators": (),
        "at": at,
    }
    args.update(overrides)
    return lifecycle.lodge(**args)


def in_state(state: DetainerState) -> Detainer:
    """A detainer walked to ``state`` along the lifecycle, one hour a step."""
    d = lodged()
    paths: dict[DetainerState, list[str]] = {
        S.ISSUED: [],
        S.SERVED: ["serve"],
        S.HONORED: ["serve", "honor"],
        S.NOTIFIED_ONLY: ["serve", "notify"],
        S.DECLINED: ["serve", "decline"],
        S.TRANSFERRED: ["serve", "honor", "transfer"],
        S.RELEASED: ["serve", "decline", "release"],
        S.CANCELLED: ["cancel"],
        S.LAPSED: ["serve", "honor", "release", "lapse"],
    }
    at = T0
    for step in paths[state]:
        at += H
        if step == "serve":
            lifecycle.serve(d, actor="officer", at=at)
        elif step == "honor":
            lifecycle.answer(d, JailAnswer.HONOR, actor="jail", at=at)
        elif step == "notify":
            lifecycle.answer(d, JailAnswer.NOTIFY_ONLY, actor="jail", at=at)
        elif step == "decline":
            lifecycle.answer(d, JailAnswer.DECLINE, actor="jail", at=at)
        elif step == "transfer":
            lifecycle.transfer(d, actor="officer", at=at)
        elif step == "release":
            lifecycle.record_release(d, at, at=at, actor="jail")
        elif step == "cancel":
            lifecycle.cancel(d, actor="officer", at=at, reason="entered in error")
        elif step == "lapse":
            at += HOLD_LIMIT  # the hold ran out without a transfer
            lifecycle.lapse(d, at)
    assert d.state is state
    return d


def last_time(d: Detainer) -> datetime:
    return d.history[-1].at


# -- the table --------------------------------------------------------------------------------


def test_the_table_is_the_designed_machine() -> None:
    assert dict(TRANSITIONS) == {
        (S.ISSUED, Event.SERVE): S.SERVED,
        (S.SERVED, Event.HONOR): S.HONORED,
        (S.SERVED, Event.NOTIFY_ONLY): S.NOTIFIED_ONLY,
        (S.SERVED, Event.DECLINE): S.DECLINED,
        (S.HONORED, Event.TRANSFER): S.TRANSFERRED,
        (S.HONORED, Event.LAPSE): S.LAPSED,
        (S.NOTIFIED_ONLY, Event.RELEASE): S.RELEASED,
        (S.DECLINED, Event.RELEASE): S.RELEASED,
        (S.ISSUED, Event.CANCEL): S.CANCELLED,
        (S.SERVED, Event.CANCEL): S.CANCELLED,
        (S.HONORED, Event.CANCEL): S.CANCELLED,
        (S.NOTIFIED_ONLY, Event.CANCEL): S.CANCELLED,
        (S.DECLINED, Event.CANCEL): S.CANCELLED,
    }


def test_closed_states_allow_nothing_and_open_ones_allow_cancel() -> None:
    for state in DetainerState:
        events = lifecycle.allowed_events(state)
        if state in OPEN_STATES:
            assert Event.CANCEL in events
        else:
            assert events == frozenset()


@pytest.mark.parametrize(("state", "event"), [(s, e) for s in S for e in Event])
def test_next_state_follows_the_table_or_names_what_is_allowed(
    state: DetainerState, event: Event
) -> None:
    if (state, event) in TRANSITIONS:
        assert lifecycle.next_state(state, event) is TRANSITIONS[(state, event)]
        return
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.next_state(state, event)
    message = str(refused.value)
    assert state.value in message
    assert event.value in message
    for allowed in lifecycle.allowed_events(state):
        assert allowed.value in message
    assert refused.value.allowed == tuple(sorted(e.value for e in lifecycle.allowed_events(state)))


def test_illegal_transition_message_reads_well() -> None:
    d = in_state(S.ISSUED)
    with pytest.raises(IllegalTransition, match=r"cannot honor a detainer that is issued; "):
        lifecycle.answer(d, JailAnswer.HONOR, actor="jail", at=T0 + H)
    with pytest.raises(IllegalTransition, match=r"allowed events: none \(the detainer is closed\)"):
        lifecycle.serve(in_state(S.CANCELLED), actor="officer", at=T0 + 9 * H)


# -- lodging ----------------------------------------------------------------------------------


def test_lodge_issues_a_detainer_with_its_first_transition() -> None:
    d = lodged(warrant_ref="  I-200 77  ", reason="biometric match, final order")
    assert d.state is S.ISSUED
    assert d.warrant_ref == "I-200 77"
    assert d.issued_by == "officer.ruiz"
    assert d.issued_at == T0
    assert d.released_at is None
    assert d.history == [
        Transition(None, S.ISSUED, T0, "officer.ruiz", "biometric match, final order")
    ]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"verified": False}, UnverifiedIdentification),
        ({"unresolved_indicators": ("us_place_of_birth",)}, CitizenshipIndicatorUnresolved),
        ({"basis": None}, MissingProbableCause),
        ({"warrant_ref": ""}, MissingWarrant),
        ({"warrant_ref": " \t\n"}, MissingWarrant),
        ({"officer": "  "}, MissingOfficer),
    ],
)
def test_lodge_refuses_what_a_safeguard_forbids(
    overrides: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        lodged(**overrides)


def test_check_lodging_reports_the_first_failed_safeguard_in_order() -> None:
    with pytest.raises(UnverifiedIdentification):
        lifecycle.check_lodging(
            verified=False, unresolved_indicators=("x",), basis=None, warrant_ref=""
        )
    with pytest.raises(CitizenshipIndicatorUnresolved):
        lifecycle.check_lodging(
            verified=True, unresolved_indicators=("x",), basis=None, warrant_ref=""
        )
    with pytest.raises(MissingProbableCause):
        lifecycle.check_lodging(verified=True, unresolved_indicators=(), basis=None, warrant_ref="")
    with pytest.raises(MissingWarrant):
        lifecycle.check_lodging(
            verified=True,
            unresolved_indicators=(),
            basis=ProbableCause.PENDING_PROCEEDINGS,
            warrant_ref=" ",
        )
    lifecycle.check_lodging(
        verified=True,
        unresolved_indicators=(),
        basis=ProbableCause.STATEMENTS_OR_EVIDENCE,
        warrant_ref="I-200 1",
    )


def test_citizenship_refusal_names_every_indicator() -> None:
    with pytest.raises(CitizenshipIndicatorUnresolved) as refused:
        lodged(unresolved_indicators=("naturalization_record", "claimed_us_citizenship"))
    assert refused.value.indicators == ("naturalization_record", "claimed_us_citizenship")
    assert "naturalization_record" in str(refused.value)
    assert "claimed_us_citizenship" in str(refused.value)


# -- each step --------------------------------------------------------------------------------


def test_serve_then_each_answer() -> None:
    for jail_answer, state in [
        (JailAnswer.HONOR, S.HONORED),
        (JailAnswer.NOTIFY_ONLY, S.NOTIFIED_ONLY),
        (JailAnswer.DECLINE, S.DECLINED),
    ]:
        d = lodged()
        assert lifecycle.serve(d, actor="officer", at=T0 + H) is S.SERVED
        assert (
            lifecycle.answer(d, jail_answer, actor="jail", at=T0 + 2 * H, reason="policy") is state
        )
        assert d.state is state
        assert d.history[-2:] == [
            Transition(S.ISSUED, S.SERVED, T0 + H, "officer"),
            Transition(S.SERVED, state, T0 + 2 * H, "jail", "policy"),
        ]


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_cancel_from_every_open_state(state: DetainerState) -> None:
    d = in_state(state)
    at = last_time(d) + H
    assert lifecycle.cancel(d, actor="officer", at=at, reason="citizenship evidence") is S.CANCELLED
    assert d.history[-1] == Transition(state, S.CANCELLED, at, "officer", "citizenship evidence")


@pytest.mark.parametrize("state", [S.TRANSFERRED, S.RELEASED, S.CANCELLED, S.LAPSED])
def test_closed_detainers_cannot_be_cancelled(state: DetainerState) -> None:
    d = in_state(state)
    with pytest.raises(IllegalTransition):
        lifecycle.cancel(d, actor="officer", at=last_time(d) + H, reason="why")


def test_cancel_needs_a_reason() -> None:
    d = in_state(S.SERVED)
    before = copy.deepcopy(d)
    with pytest.raises(MissingReason):
        lifecycle.cancel(d, actor="officer", at=T0 + 5 * H, reason=" ")
    assert d.state is before.state
    assert d.history == before.history


@pytest.mark.parametrize(
    ("state", "after"),
    [
        (S.SERVED, S.SERVED),
        (S.HONORED, S.HONORED),
        (S.NOTIFIED_ONLY, S.RELEASED),
        (S.DECLINED, S.RELEASED),
    ],
)
def test_record_release(state: DetainerState, after: DetainerState) -> None:
    d = in_state(state)
    at = last_time(d) + H
    released = at - 20 * MINUTE  # recorded a little after it happened
    assert lifecycle.record_release(d, released, at=at, actor="jail") is after
    assert d.state is after
    assert d.released_at == released
    assert d.hold_deadline == released + HOLD_LIMIT
    assert d.history[-1].from_state is state
    assert d.history[-1].to_state is after
    assert d.history[-1].actor == "jail"
    assert released.isoformat() in d.history[-1].reason


@pytest.mark.parametrize("state", [S.ISSUED, S.TRANSFERRED, S.RELEASED, S.CANCELLED, S.LAPSED])
def test_record_release_is_refused_elsewhere(state: DetainerState) -> None:
    d = in_state(state)
    with pytest.raises(IllegalTransition, match="cannot release"):
        lifecycle.record_release(d, T0, at=last_time(d) + H, actor="jail")


def test_a_release_time_not_yet_passed_may_move_either_way_with_a_reason() -> None:
    d = in_state(S.HONORED)
    now = last_time(d) + H
    lifecycle.record_release(d, now + 10 * MINUTE, at=now, actor="jail")  # the van leaves soon
    lifecycle.record_release(
        d, now + 14 * MINUTE, at=now + MINUTE, actor="jail", reason="paperwork delayed"
    )
    assert d.released_at == now + 14 * MINUTE
    lifecycle.record_release(
        d, now + 2 * MINUTE, at=now + 2 * MINUTE, actor="jail", reason="released at once"
    )
    assert d.released_at == now + 2 * MINUTE


def test_a_release_time_days_ahead_is_refused_and_changes_nothing() -> None:
    # a jail used to record the scheduled release days ahead; the 48-hour clock would then
    # start in the future and the hold run on unwatched: it is recorded when it happens
    d = in_state(S.HONORED)
    now = last_time(d) + H
    before = copy.deepcopy(d)
    with pytest.raises(ImpossibleReleaseTime, match="later than now"):
        lifecycle.record_release(d, now + 72 * H, at=now, actor="jail")
    assert (d.state, d.released_at, d.history) == (S.HONORED, None, before.history)


def test_a_passed_release_time_cannot_move_later() -> None:
    d = in_state(S.HONORED)
    release = last_time(d) + H
    lifecycle.record_release(d, release, at=release, actor="jail")
    history = list(d.history)
    with pytest.raises(ReleaseTimeFixed):
        # 47 hours into the hold, "re-releasing" would restart the 48-hour clock
        lifecycle.record_release(
            d, release + 47 * H, at=release + 47 * H, actor="jail", reason="released again"
        )
    assert d.released_at == release
    assert d.history == history
    lifecycle.record_release(
        d, release - H, at=release + 47 * H, actor="jail", reason="the log shows 08:00"
    )  # earlier: fine
    assert d.released_at == release - H


# -- release times ----------------------------------------------------------------------------


def test_a_release_time_exactly_the_tolerance_ahead_is_accepted() -> None:
    d = in_state(S.SERVED)
    now = last_time(d) + H
    lifecycle.record_release(d, now + RELEASE_TIME_TOLERANCE, at=now, actor="jail")
    assert d.released_at == now + RELEASE_TIME_TOLERANCE
    assert RELEASE_TIME_TOLERANCE == 15 * MINUTE


def test_a_release_time_one_second_past_the_tolerance_is_refused() -> None:
    d = in_state(S.SERVED)
    now = last_time(d) + H
    history = list(d.history)
    late = now + RELEASE_TIME_TOLERANCE + SECOND
    with pytest.raises(ImpossibleReleaseTime) as refused:
        lifecycle.record_release(d, late, at=now, actor="jail")
    assert refused.value.released_at == late
    assert "15 minutes" in str(refused.value)
    assert (d.released_at, d.history) == (None, history)


def test_a_release_time_before_the_arrest_is_refused() -> None:
    d = in_state(S.SERVED)
    now = last_time(d) + H
    arrested = T0 - 2 * H
    with pytest.raises(ImpossibleReleaseTime, match="before the arrest"):
        lifecycle.record_release(d, arrested - SECOND, at=now, actor="jail", arrested_at=arrested)
    assert d.released_at is None
    # at the arrest, and after the detainer's issue, it is possible (a release within hours)
    lifecycle.record_release(d, T0, at=now, actor="jail", arrested_at=arrested)
    assert d.released_at == T0


def test_a_release_time_before_the_detainer_was_issued_is_refused() -> None:
    d = in_state(S.DECLINED)
    now = last_time(d) + H
    with pytest.raises(ImpossibleReleaseTime, match="before the detainer was issued") as refused:
        lifecycle.record_release(d, T0 - SECOND, at=now, actor="jail", arrested_at=T0 - 9 * H)
    assert refused.value.released_at == T0 - SECOND
    assert (d.state, d.released_at) == (S.DECLINED, None)


def test_check_release_time_is_the_rule_on_its_own() -> None:
    d = in_state(S.SERVED)
    now = last_time(d) + H
    lifecycle.check_release_time(d, now + RELEASE_TIME_TOLERANCE, at=now, arrested_at=None)
    lifecycle.check_release_time(d, T0, at=now, arrested_at=T0)
    for released_at, arrested_at in (
        (now + RELEASE_TIME_TOLERANCE + SECOND, None),
        (T0, T0 + SECOND),
        (T0 - SECOND, None),
    ):
        with pytest.raises(ImpossibleReleaseTime):
            lifecycle.check_release_time(d, released_at, at=now, arrested_at=arrested_at)


def test_a_correction_needs_a_reason() -> None:
    d = in_state(S.HONORED)
    release = last_time(d) + H
    lifecycle.record_release(d, release, at=release, actor="jail")
    before = copy.deepcopy(d)
    for reason in ("", "  "):
        with pytest.raises(MissingReason, match="correction reason"):
            lifecycle.record_release(d, release - H, at=release + H, actor="jail", reason=reason)
    assert (d.released_at, d.history) == (before.released_at, before.history)


def test_a_correction_later_than_a_passed_release_time_is_refused() -> None:
    d = in_state(S.HONORED)
    release = last_time(d) + H
    lifecycle.record_release(d, release, at=release, actor="jail")
    before = copy.deepcopy(d)
    with pytest.raises(ReleaseTimeFixed) as refused:
        lifecycle.record_release(
            d, release + SECOND, at=release + H, actor="jail", reason="typed the wrong minute"
        )
    assert (refused.value.recorded, refused.value.proposed) == (release, release + SECOND)
    assert (d.released_at, d.history) == (before.released_at, before.history)


def test_an_earlier_correction_is_kept_with_its_reason_in_the_history() -> None:
    d = in_state(S.HONORED)
    release = last_time(d) + H
    lifecycle.record_release(d, release, at=release, actor="jail")
    assert d.history[-1].reason == f"release time {release.isoformat()}"
    corrected = release - 30 * MINUTE
    assert (
        lifecycle.record_release(
            d, corrected, at=release + H, actor="jail:sergeant", reason="the gate log says 09:30"
        )
        is S.HONORED
    )
    assert d.released_at == corrected
    assert d.hold_deadline == corrected + HOLD_LIMIT
    assert d.history[-1] == Transition(
        S.HONORED,
        S.HONORED,
        release + H,
        "jail:sergeant",
        f"release time corrected from {release.isoformat()} to {corrected.isoformat()}: "
        "the gate log says 09:30",
    )


# -- the 48-hour clock ------------------------------------------------------------------------


def test_transfer_before_any_release_time() -> None:
    d = in_state(S.HONORED)
    at = last_time(d) + 500 * H  # still serving a sentence: in the jail's own custody
    assert lifecycle.transfer(d, actor="officer", at=at) is S.TRANSFERRED
    assert d.history[-1] == Transition(S.HONORED, S.TRANSFERRED, at, "officer")


def test_transfer_at_the_deadline_exactly_is_allowed() -> None:
    d = in_state(S.HONORED)
    release = last_time(d) + H
    lifecycle.record_release(d, release, at=release, actor="jail")
    assert lifecycle.transfer(d, actor="officer", at=release + HOLD_LIMIT) is S.TRANSFERRED


def test_transfer_after_the_deadline_is_refused() -> None:
    d = in_state(S.HONORED)
    release = last_time(d) + H
    lifecycle.record_release(d, release, at=release, actor="jail")
    late = release + HOLD_LIMIT + timedelta(seconds=1)
    with pytest.raises(HoldExpired) as refused:
        lifecycle.transfer(d, actor="officer", at=late)
    assert refused.value.deadline == release + HOLD_LIMIT
    assert d.state is S.HONORED
    assert lifecycle.lapse(d, late) is S.LAPSED


@pytest.mark.parametrize("state", [S.ISSUED, S.SERVED, S.NOTIFIED_ONLY, S.DECLINED])
def test_only_honored_detainers_transfer(state: DetainerState) -> None:
    d = in_state(state)
    with pytest.raises(IllegalTransition, match="cannot transfer"):
        lifecycle.transfer(d, actor="officer", at=last_time(d) + H)


def test_lapse_only_after_the_deadline() -> None:
    d = in_state(S.HONORED)
    with pytest.raises(LapseNotDue, match="no release time is recorded"):
        lifecycle.lapse(d, last_time(d) + 1000 * H)
    release = last_time(d) + H
    lifecycle.record_release(d, release, at=release, actor="jail")
    with pytest.raises(LapseNotDue, match="the hold runs until"):
        lifecycle.lapse(d, release + HOLD_LIMIT)  # at the deadline: not yet past it
    now = release + HOLD_LIMIT + timedelta(microseconds=1)
    assert lifecycle.lapse(d, now) is S.LAPSED
    assert d.history[-1].from_state is S.HONORED
    assert d.history[-1].actor == "system"
    assert "48-hour" in d.history[-1].reason


@pytest.mark.parametrize("state", [S.SERVED, S.DECLINED, S.NOTIFIED_ONLY])
def test_only_honored_detainers_lapse(state: DetainerState) -> None:
    d = in_state(state)
    with pytest.raises(IllegalTransition, match="cannot lapse"):
        lifecycle.lapse(d, last_time(d) + 1000 * H)


def test_lapse_due_picks_honored_detainers_past_their_deadline() -> None:
    now = T0 + 200 * H
    overdue = in_state(S.HONORED)
    released = now - HOLD_LIMIT - H
    lifecycle.record_release(overdue, released, at=released, actor="jail")
    on_time = in_state(S.HONORED)
    lifecycle.record_release(on_time, now - HOLD_LIMIT, at=now - HOLD_LIMIT, actor="jail")
    unreleased = in_state(S.HONORED)
    served = in_state(S.SERVED)  # released long ago, never honored: nothing to lapse
    lifecycle.record_release(served, T0 + 2 * H, at=T0 + 2 * H, actor="jail")
    assert lifecycle.lapse_due([overdue, on_time, unreleased, served], now) == [overdue]
    assert lifecycle.is_overdue(overdue, now)
    assert not lifecycle.is_overdue(on_time, now)


# -- order ------------------------------------------------------------------------------------


def test_a_step_dated_before_the_last_one_is_refused() -> None:
    d = in_state(S.SERVED)
    with pytest.raises(OutOfOrder):
        lifecycle.answer(d, JailAnswer.HONOR, actor="jail", at=T0)
    with pytest.raises(OutOfOrder):
        lifecycle.serve(lodged(at=T0), actor="officer", at=T0 - H)
    assert d.state is S.SERVED


def test_a_refused_step_leaves_the_detainer_untouched() -> None:
    d = in_state(S.HONORED)
    release = last_time(d) + H
    lifecycle.record_release(d, release, at=release, actor="jail")
    before = copy.deepcopy(d)
    for attempt in (
        lambda: lifecycle.transfer(d, actor="officer", at=release + 3 * HOLD_LIMIT),
        lambda: lifecycle.serve(d, actor="officer", at=release + H),
        lambda: lifecycle.lapse(d, release + H),
        lambda: lifecycle.record_release(d, release + 99 * H, at=release + 2 * H, actor="x"),
        lambda: lifecycle.record_release(d, release - H, at=release + 2 * H, actor="x"),
        lambda: lifecycle.record_release(
            d, release + H, at=release + 2 * H, actor="x", reason="later"
        ),
    ):
        with pytest.raises(DetainerError):
            attempt()
        assert (d.state, d.released_at, d.history) == (
            before.state,
            before.released_at,
            before.history,
        )


def test_exported_names() -> None:
    assert set(lifecycle.__all__) == {
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
    }
