from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.jurisdictions.errors import UnknownJurisdiction
from liaison.operations import declarations as rules
from liaison.operations.errors import (
    AssistanceRefused,
    ExtensionRefused,
    InvalidDeclaration,
    NaiveDatetime,
    NotRequested,
    StateNotInScope,
)
from liaison.operations.model import (
    DECLARATION_TERM,
    AnswerStatus,
    AssistanceAnswer,
    Declaration,
    DeclarationKind,
)
from liaison.operations.zones import STATE_ZONES, local_date, state_zone

EASTERN = ZoneInfo("America/New_York")
HAWAII = ZoneInfo("Pacific/Honolulu")
T0 = datetime(2025, 6, 2, 5, 0, tzinfo=UTC)  # 01:00 EDT on 2 June; 19:00 HST on 1 June
TICK = timedelta(microseconds=1)
NY, HI, TX, CA = "36", "15", "48", "06"


def make(effective_at: datetime = T0, states: tuple[str, ...] = ("NY", "HI", "TX")) -> Declaration:
    return rules.declare(
        declaration_id="MI-2025-01",
        kind=DeclarationKind.MASS_INFLUX,
        authority="INA 103(a)(10); 28 CFR 65.83",
        issued_at=effective_at,
        effective_at=effective_at,
        states=states,
        title="Mass influx: request to all states",
    )


# ---- declaring -------------------------------------------------------------------------------


def test_a_declaration_is_kept_in_utc_with_its_states_as_fips() -> None:
    local = T0.astimezone(EASTERN)
    d = rules.declare(
        declaration_id=" MI-1 ",
        kind=DeclarationKind.MASS_INFLUX,
        authority=" INA 103(a)(10) ",
        issued_at=local,
        effective_at=local,
        states=["ny", "Hawaii", "48", "TX"],
    )
    assert d.effective_at == T0
    assert d.effective_at.tzinfo is UTC
    assert d.states == (HI, NY, TX)  # sorted FIPS, once each
    assert (d.declaration_id, d.authority) == ("MI-1", "INA 103(a)(10)")


def test_all_fifty_states_dc_and_territories_can_be_in_scope() -> None:
    d = make(states=tuple(STATE_ZONES))
    assert len(d.states) == 56


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"authority": "  "}, InvalidDeclaration, "legal authority"),
        ({"declaration_id": ""}, InvalidDeclaration, "an id"),
        ({"states": ()}, InvalidDeclaration, "at least one state"),
        ({"states": ("NY", "Atlantis")}, UnknownJurisdiction, "Atlantis"),
        ({"effective_at": T0 - timedelta(hours=1)}, InvalidDeclaration, "retroactively"),
        ({"effective_at": datetime(2025, 6, 2, 5)}, NaiveDatetime, "effective_at"),
        ({"issued_at": datetime(2025, 6, 2, 5)}, NaiveDatetime, "issued_at"),
    ],
)
def test_a_declaration_is_checked(
    change: dict[str, object], error: type[Exception], message: str
) -> None:
    args: dict[str, object] = {
        "declaration_id": "MI-1",
        "kind": DeclarationKind.MASS_INFLUX,
        "authority": "INA 103(a)(10)",
        "issued_at": T0,
        "effective_at": T0,
        "states": ("NY",),
    }
    with pytest.raises(error, match=message):
        rules.declare(**(args | change))  # type: ignore[arg-type]


def test_a_declaration_may_take_effect_after_it_is_issued() -> None:
    d = rules.declare(
        declaration_id="MI-1",
        kind=DeclarationKind.MASS_INFLUX,
        authority="x",
        issued_at=T0,
        effective_at=T0 + timedelta(days=3),
        states=("NY",),
    )
    assert not rules.in_force_at(d, T0 + timedelta(days=1))


# ---- the 60-day term ---------------------------------------------------------------------


def test_it_expires_60_x_24_hours_after_taking_effect() -> None:
    d = make()
    assert d.expires_at == T0 + timedelta(hours=60 * 24)
    assert rules.in_force_at(d, T0)
    assert not rules.in_force_at(d, T0 - TICK)
    assert rules.in_force_at(d, d.expires_at - TICK)  # the last instant of day 60
    assert not rules.in_force_at(d, d.expires_at)  # expiry itself is outside


def test_across_the_end_of_dst_the_local_clock_reads_an_hour_earlier() -> None:
    # noon EDT on 1 October; 60 x 24 h later is 11:00 EST on 30 November, not noon
    effective = datetime(2025, 10, 1, 12, tzinfo=EASTERN)
    d = make(effective_at=effective)
    assert d.expires_at == datetime(2025, 11, 30, 16, tzinfo=UTC)
    assert d.expires_at.astimezone(EASTERN).replace(tzinfo=None) == datetime(2025, 11, 30, 11)
    # what wall-clock arithmetic in the issuing zone would have given, an hour later
    assert (effective + timedelta(days=60)).astimezone(UTC) == datetime(
        2025, 11, 30, 17, tzinfo=UTC
    )


def test_across_the_start_of_dst_the_local_clock_reads_an_hour_later() -> None:
    effective = datetime(2025, 2, 1, 12, tzinfo=EASTERN)  # EST
    d = make(effective_at=effective)
    assert d.expires_at.astimezone(EASTERN).replace(tzinfo=None) == datetime(2025, 4, 2, 13)


# ---- in force on a day, across zones -------------------------------------------------------


def test_one_instant_starts_it_on_different_days_in_hawaii_and_new_york() -> None:
    d = make()  # 05:00 UTC on 2 June: 19:00 on 1 June in Honolulu, 01:00 on 2 June in New York
    assert rules.in_force_on(d, date(2025, 6, 1), "HI")
    assert not rules.in_force_on(d, date(2025, 6, 1), "NY")
    assert rules.in_force_on(d, date(2025, 6, 2), "NY")
    assert rules.states_in_force_on(d, date(2025, 6, 1)) == (HI,)
    # Texas (Central, UTC-5): 00:00 CDT on 2 June, so not on 1 June
    assert rules.states_in_force_on(d, date(2025, 6, 2)) == (HI, NY, TX)


def test_and_ends_on_different_days_there() -> None:
    d = make()
    end = d.expires_at  # 05:00 UTC on 1 August: 01:00 EDT on 1 August, 19:00 HST on 31 July
    assert end == datetime(2025, 8, 1, 5, tzinfo=UTC)
    assert rules.in_force_on(d, date(2025, 8, 1), "NY")  # for its first hour
    assert not rules.in_force_on(d, date(2025, 8, 1), "HI")
    assert rules.in_force_on(d, date(2025, 7, 31), "HI")
    assert not rules.in_force_on(d, date(2025, 8, 2), "NY")


def test_an_expiry_at_local_midnight_does_not_reach_the_next_day() -> None:
    midnight_eastern = datetime(2025, 6, 2, 0, tzinfo=EASTERN)
    d = make(effective_at=midnight_eastern)
    assert d.expires_at.astimezone(EASTERN) == datetime(2025, 8, 1, 0, tzinfo=EASTERN)
    assert rules.in_force_on(d, date(2025, 7, 31), "NY")
    assert not rules.in_force_on(d, date(2025, 8, 1), "NY")
    assert not rules.in_force_on(d, date(2025, 6, 1), "NY")


def test_a_state_outside_the_scope_is_never_covered() -> None:
    d = make()
    assert not rules.in_force_on(d, date(2025, 6, 10), "CA")
    with pytest.raises(UnknownJurisdiction):
        rules.in_force_on(d, date(2025, 6, 10), "Atlantis")


instants = st.datetimes(
    min_value=datetime(2001, 1, 1),
    max_value=datetime(2039, 12, 31),
    timezones=st.sampled_from([UTC, EASTERN, HAWAII, ZoneInfo("America/Phoenix")]),
)


@given(effective=instants, state=st.sampled_from(["NY", "HI", "TX", "AZ", "AK", "GU"]))
def test_term_is_exactly_60_days_of_elapsed_time(effective: datetime, state: str) -> None:
    d = make(effective_at=effective, states=(state,))
    assert d.expires_at - d.effective_at == DECLARATION_TERM == timedelta(days=60)
    assert d.expires_at == effective.astimezone(UTC) + timedelta(hours=1440)
    assert rules.in_force_at(d, d.expires_at - TICK)
    assert not rules.in_force_at(d, d.expires_at)


@given(
    effective=instants,
    state=st.sampled_from(["NY", "HI", "TX", "AZ", "AK", "GU"]),
    offset=st.integers(min_value=-3, max_value=64),
)
def test_in_force_on_a_day_is_from_the_local_day_it_starts_to_the_one_it_ends(
    effective: datetime, state: str, offset: int
) -> None:
    d = make(effective_at=effective, states=(state,))
    zone = state_zone(state)
    first = local_date(d.effective_at, zone)
    last = local_date(d.expires_at - TICK, zone)
    day = first + timedelta(days=offset)
    assert rules.in_force_on(d, day, state) == (first <= day <= last)


# ---- extensions ------------------------------------------------------------------------------


def test_an_extension_in_days_adds_to_the_current_expiry() -> None:
    d = make()
    ext = rules.extend(
        d, extended_at=T0 + timedelta(days=50), extended_by="AG", authority="x", days=30
    )
    assert ext.expires_at == T0 + timedelta(days=90)
    assert ext.days == 30
    d = rules.with_extension(d, ext)
    assert d.expires_at == T0 + timedelta(days=90)
    again = rules.extend(
        d, extended_at=T0 + timedelta(days=80), extended_by="AG", authority="x", days=60
    )
    assert rules.with_extension(d, again).expires_at == T0 + timedelta(days=150)


def test_an_extension_at_the_last_instant_counts_and_at_expiry_is_too_late() -> None:
    d = make()
    last = d.expires_at - TICK
    ext = rules.extend(d, extended_at=last, extended_by="AG", authority="x", days=1)
    assert ext.extended_at == last
    with pytest.raises(ExtensionRefused, match="expired at 2025-08-01T05:00:00"):
        rules.extend(d, extended_at=d.expires_at, extended_by="AG", authority="x", days=1)


def test_an_extension_to_a_new_expiry_must_move_it_later() -> None:
    d = make()
    at = T0 + timedelta(days=10)
    new = datetime(2025, 9, 1, tzinfo=EASTERN)
    ext = rules.extend(d, extended_at=at, extended_by="AG", authority="x", new_expiry=new)
    assert ext.expires_at == new.astimezone(UTC)
    assert ext.days is None
    for not_later in (d.expires_at, d.expires_at - timedelta(days=1), T0 - timedelta(days=1)):
        with pytest.raises(ExtensionRefused, match="not later"):
            rules.extend(d, extended_at=at, extended_by="AG", authority="x", new_expiry=not_later)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"days": 0}, "at least one day"),
        ({"days": -5}, "at least one day"),
        ({}, "either the number of days or the new expiry"),
        ({"days": 5, "new_expiry": T0 + timedelta(days=90)}, "either"),
        ({"days": 5, "extended_by": " "}, "who made it"),
        ({"days": 5, "extended_at": T0 - TICK}, "cannot be extended before"),
    ],
)
def test_extensions_are_checked(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "extended_at": T0 + timedelta(days=1),
        "extended_by": "AG",
        "authority": "x",
    }
    with pytest.raises(ExtensionRefused, match=message):
        rules.extend(make(), **(args | kwargs))  # type: ignore[arg-type]


def test_an_extension_cannot_be_dated_before_the_last_one() -> None:
    d = make()
    first = rules.extend(
        d, extended_at=T0 + timedelta(days=20), extended_by="AG", authority="x", days=10
    )
    d = rules.with_extension(d, first)
    with pytest.raises(ExtensionRefused, match="precede the last one"):
        rules.extend(
            d, extended_at=T0 + timedelta(days=19), extended_by="AG", authority="x", days=1
        )


def test_a_naive_extension_time_is_refused() -> None:
    with pytest.raises(NaiveDatetime, match="extended_at"):
        rules.extend(
            make(), extended_at=datetime(2025, 6, 3), extended_by="AG", authority="x", days=1
        )


@given(days=st.lists(st.integers(min_value=1, max_value=90), min_size=1, max_size=6))
def test_extensions_move_the_expiry_later_by_exactly_their_days(days: list[int]) -> None:
    d = make()
    for n in days:
        ext = rules.extend(
            d, extended_at=d.expires_at - TICK, extended_by="AG", authority="x", days=n
        )
        before = d.expires_at
        d = rules.with_extension(d, ext)
        assert d.expires_at - before == timedelta(days=n)
    assert d.expires_at == T0 + timedelta(days=60 + sum(days))


# ---- requests and answers --------------------------------------------------------------------


def asked(states: tuple[str, ...] | None = None) -> Declaration:
    d = make()
    fresh = rules.request_assistance(
        d, requested_at=T0 + timedelta(hours=1), request="detention space", states=states
    )
    return rules.with_requests(d, fresh)


def test_requests_go_to_every_state_in_scope_once() -> None:
    d = asked()
    assert [r.state_fips for r in d.requests] == [HI, NY, TX]
    again = rules.request_assistance(
        d, requested_at=T0 + timedelta(days=2), request="detention space"
    )
    assert again == ()  # nobody is asked twice
    assert rules.answer_status(d) == dict.fromkeys((HI, NY, TX), AnswerStatus.NO_ANSWER)


def test_a_request_to_a_state_outside_the_scope_is_refused() -> None:
    with pytest.raises(StateNotInScope, match="does not cover the state CA"):
        asked(states=("NY", "CA"))


def test_requests_are_made_while_the_declaration_is_in_force() -> None:
    d = make()
    for when in (T0 - TICK, d.expires_at):
        with pytest.raises(AssistanceRefused, match="not in force"):
            rules.request_assistance(d, requested_at=when, request="x")
    with pytest.raises(AssistanceRefused, match="what it asks for"):
        rules.request_assistance(d, requested_at=T0, request=" ")


def test_answers_are_dated_and_the_latest_counts() -> None:
    d = asked(states=("NY", "HI"))
    yes = rules.answer(
        d, state="NY", given=AssistanceAnswer.ACCEPTED, answered_on=date(2025, 6, 3), recorded_at=T0
    )
    assert yes is not None
    assert yes.state_fips == NY
    d = rules.with_answer(d, yes)
    assert rules.answer_status(d) == {
        HI: AnswerStatus.NO_ANSWER,
        NY: AnswerStatus.ACCEPTED,
        TX: AnswerStatus.NOT_REQUESTED,
    }
    # the state answers twice: the same answer and date again records nothing ...
    assert (
        rules.answer(
            d,
            state="36",
            given=AssistanceAnswer.ACCEPTED,
            answered_on=date(2025, 6, 3),
            recorded_at=T0,
        )
        is None
    )
    # ... a later, different answer supersedes the first
    no = rules.answer(
        d, state="NY", given=AssistanceAnswer.DECLINED, answered_on=date(2025, 6, 9), recorded_at=T0
    )
    assert no is not None
    d = rules.with_answer(d, no)
    assert rules.answer_status(d)[NY] is AnswerStatus.DECLINED
    assert len(d.answers) == 2  # the history is kept
    # ... and one dated before the last is refused
    with pytest.raises(AssistanceRefused, match="cannot come before it"):
        rules.answer(
            d,
            state="NY",
            given=AssistanceAnswer.ACCEPTED,
            answered_on=date(2025, 6, 5),
            recorded_at=T0,
        )


def test_an_answer_from_a_state_not_in_scope_or_not_asked_is_refused() -> None:
    d = asked(states=("NY",))
    with pytest.raises(StateNotInScope):
        rules.answer(
            d,
            state="CA",
            given=AssistanceAnswer.ACCEPTED,
            answered_on=date(2025, 6, 3),
            recorded_at=T0,
        )
    with pytest.raises(NotRequested, match="TX was not asked"):
        rules.answer(
            d,
            state="TX",
            given=AssistanceAnswer.ACCEPTED,
            answered_on=date(2025, 6, 3),
            recorded_at=T0,
        )


def test_an_answer_cannot_precede_the_request_on_the_states_own_calendar() -> None:
    # asked at 06:00 UTC on 2 June: still 1 June in Hawaii, already 2 June in New York
    d = asked()
    hawaii = rules.answer(
        d, state="HI", given=AssistanceAnswer.ACCEPTED, answered_on=date(2025, 6, 1), recorded_at=T0
    )
    assert hawaii is not None
    with pytest.raises(NotRequested, match="by 2025-06-01"):
        rules.answer(
            d,
            state="NY",
            given=AssistanceAnswer.ACCEPTED,
            answered_on=date(2025, 6, 1),
            recorded_at=T0,
        )


def test_a_naive_recording_time_is_refused() -> None:
    with pytest.raises(NaiveDatetime, match="recorded_at"):
        rules.answer(
            asked(),
            state="NY",
            given=AssistanceAnswer.ACCEPTED,
            answered_on=date(2025, 6, 3),
            recorded_at=datetime(2025, 6, 3),
        )


def test_a_later_answer_updates_only_its_own_state() -> None:
    d = asked()
    for state, reply, day in (
        ("NY", AssistanceAnswer.ACCEPTED, 3),
        ("TX", AssistanceAnswer.DECLINED, 4),
        ("TX", AssistanceAnswer.ACCEPTED, 5),
    ):
        got = rules.answer(
            d, state=state, given=reply, answered_on=date(2025, 6, day), recorded_at=T0
        )
        assert got is not None
        d = rules.with_answer(d, got)
    assert rules.answer_status(d) == {
        HI: AnswerStatus.NO_ANSWER,
        NY: AnswerStatus.ACCEPTED,
        TX: AnswerStatus.ACCEPTED,
    }
