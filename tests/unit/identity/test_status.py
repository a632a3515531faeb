from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.identity.model import EventKind, ImmigrationEvent, StatusCategory
from liaison.identity.status import derive_status

K = EventKind
C = StatusCategory
ON = date(2025, 6, 1)


def ev(kind: EventKind, on: str, *, until: str | None = None, detail: str = "") -> ImmigrationEvent:
    return ImmigrationEvent(
        kind, date.fromisoformat(on), date.fromisoformat(until) if until else None, detail
    )


# --- examples, one or more per category -------------------------------------------------------


def test_no_events_is_no_record() -> None:
    s = derive_status([], ON)
    assert (s.category, s.since, s.lawful, s.basis_events) == (C.NO_RECORD, None, False, ())


@pytest.mark.parametrize(
    ("kind", "category", "indicator"),
    [
        (K.BORN_IN_US, C.CITIZEN_BY_BIRTH, "us_birth_record"),
        (K.BORN_ABROAD_TO_US_CITIZEN, C.CITIZEN_BY_BIRTH, "acquisition_at_birth"),
        (K.NATURALIZED, C.CITIZEN_NATURALIZED, "naturalization_record"),
        (K.DERIVED_CITIZENSHIP, C.CITIZEN_DERIVED, "derivation_record"),
    ],
)
def test_citizenship_events(kind: EventKind, category: StatusCategory, indicator: str) -> None:
    born = ev(kind, "1990-01-01")
    s = derive_status([born], ON)
    assert s.category is category
    assert s.lawful
    assert s.since == born.occurred_on
    assert s.basis_events == (born,)
    assert s.citizenship_indicators == (indicator,)


def test_naturalization_dominates_earlier_removal_history() -> None:
    events = [
        ev(K.ENTERED_WITHOUT_INSPECTION, "2000-01-01"),
        ev(K.FINAL_ORDER, "2003-01-01"),
        ev(K.LPR_GRANTED, "2008-01-01"),
        ev(K.NATURALIZED, "2014-01-01"),
        ev(K.PROCEEDINGS_INITIATED, "2020-01-01"),
    ]
    s = derive_status(events, ON)
    assert s.category is C.CITIZEN_NATURALIZED
    assert s.since == date(2014, 1, 1)


def test_naturalization_in_the_future_does_not_count_yet() -> None:
    events = [ev(K.LPR_GRANTED, "2015-01-01"), ev(K.NATURALIZED, "2026-01-01")]
    s = derive_status(events, ON)
    assert s.category is C.LPR
    assert s.citizenship_indicators == ()


def test_us_birth_country_is_an_indicator_not_a_status() -> None:
    s = derive_status([ev(K.ENTERED_WITHOUT_INSPECTION, "2010-01-01")], ON, birth_country="US")
    assert s.category is C.ENTERED_WITHOUT_INSPECTION
    assert s.citizenship_indicators == ("us_place_of_birth",)


def test_lpr_is_lawful() -> None:
    grant = ev(K.LPR_GRANTED, "2012-03-04")
    s = derive_status([ev(K.ADMITTED_NONIMMIGRANT, "2010-01-01", until="2011-01-01"), grant], ON)
    assert (s.category, s.lawful, s.since, s.basis_events) == (
        C.LPR,
        True,
        grant.occurred_on,
        (grant,),
    )


def test_revoked_lpr_without_an_entry_is_an_unlawful_lpr() -> None:
    grant, revoked = ev(K.LPR_GRANTED, "2012-01-01"), ev(K.LPR_REVOKED, "2020-01-01")
    s = derive_status([grant, revoked], ON)
    assert (s.category, s.lawful, s.since, s.basis_events) == (
        C.LPR,
        False,
        revoked.occurred_on,
        (grant, revoked),
    )


def test_revoked_lpr_falls_back_to_the_lapsed_admission() -> None:
    events = [
        ev(K.ADMITTED_NONIMMIGRANT, "2010-01-01", until="2011-01-01"),
        ev(K.LPR_GRANTED, "2011-01-01"),
        ev(K.LPR_REVOKED, "2020-01-01"),
    ]
    s = derive_status(events, ON)
    assert (s.category, s.lawful) == (C.NONIMMIGRANT_OVERSTAYED, False)


def test_nonimmigrant_in_status_until_the_admitted_until_date() -> None:
    admitted = ev(K.ADMITTED_NONIMMIGRANT, "2025-01-01", until="2025-06-01", detail="B2")
    s = derive_status([admitted], ON)
    assert (s.category, s.lawful, s.since) == (C.NONIMMIGRANT_IN_STATUS, True, admitted.occurred_on)
    later = derive_status([admitted], ON + timedelta(days=1))
    assert (later.category, later.lawful) == (C.NONIMMIGRANT_OVERSTAYED, False)
    assert later.basis_events == (admitted,)


def test_an_extension_moves_the_until_date() -> None:
    admitted = ev(K.ADMITTED_NONIMMIGRANT, "2024-01-01", until="2024-07-01", detail="F1")
    extended = ev(K.STATUS_EXTENDED, "2024-06-01", until="2026-01-01")
    s = derive_status([extended, admitted], ON)
    assert (s.category, s.lawful) == (C.NONIMMIGRANT_IN_STATUS, True)
    assert s.basis_events == (admitted, extended)
    assert s.since == admitted.occurred_on


def test_an_admission_without_an_until_date_does_not_lapse() -> None:
    s = derive_status([ev(K.ADMITTED_NONIMMIGRANT, "2000-01-01", detail="F1 D/S")], ON)
    assert s.category is C.NONIMMIGRANT_IN_STATUS


def test_entered_without_inspection() -> None:
    ewi = ev(K.ENTERED_WITHOUT_INSPECTION, "2019-05-05")
    s = derive_status([ewi], ON)
    assert (s.category, s.lawful, s.basis_events) == (C.ENTERED_WITHOUT_INSPECTION, False, (ewi,))


def test_pending_proceedings_keep_the_underlying_lawfulness() -> None:
    nta = ev(K.PROCEEDINGS_INITIATED, "2024-01-01")
    lpr = derive_status([ev(K.LPR_GRANTED, "2010-01-01"), nta], ON)
    ewi = derive_status([ev(K.ENTERED_WITHOUT_INSPECTION, "2010-01-01"), nta], ON)
    assert (lpr.category, lpr.lawful, lpr.basis_events) == (C.IN_PROCEEDINGS, True, (nta,))
    assert (ewi.category, ewi.lawful) == (C.IN_PROCEEDINGS, False)


def test_terminated_proceedings_restore_the_underlying_status() -> None:
    events = [
        ev(K.LPR_GRANTED, "2010-01-01"),
        ev(K.PROCEEDINGS_INITIATED, "2024-01-01"),
        ev(K.PROCEEDINGS_TERMINATED, "2025-01-01"),
    ]
    assert derive_status(events, ON).category is C.LPR


def test_final_order_ends_lawfulness_even_of_an_lpr() -> None:
    order = ev(K.FINAL_ORDER, "2025-01-01", detail="IJ")
    events = [ev(K.LPR_GRANTED, "2010-01-01"), ev(K.PROCEEDINGS_INITIATED, "2024-01-01"), order]
    s = derive_status(events, ON)
    assert (s.category, s.lawful, s.since, s.basis_events) == (
        C.FINAL_ORDER,
        False,
        order.occurred_on,
        (order,),
    )


def test_reopened_proceedings_replace_the_order() -> None:
    events = [
        ev(K.ENTERED_WITHOUT_INSPECTION, "2010-01-01"),
        ev(K.FINAL_ORDER, "2020-01-01"),
        ev(K.PROCEEDINGS_INITIATED, "2022-01-01"),
    ]
    assert derive_status(events, ON).category is C.IN_PROCEEDINGS


def test_removed() -> None:
    removal = ev(K.REMOVED, "2021-01-01")
    events = [
        ev(K.ENTERED_WITHOUT_INSPECTION, "2018-01-01"),
        ev(K.FINAL_ORDER, "2020-06-01"),
        removal,
    ]
    s = derive_status(events, ON)
    assert (s.category, s.lawful, s.since, s.basis_events) == (
        C.REMOVED,
        False,
        removal.occurred_on,
        (removal,),
    )


def test_removal_ends_what_was_granted_before_it() -> None:
    events = [
        ev(K.LPR_GRANTED, "2005-01-01"),
        ev(K.PROTECTION_GRANTED, "2010-01-01", detail="TPS"),
        ev(K.REMOVED, "2021-01-01"),
    ]
    s = derive_status(events, ON)
    assert (s.category, s.lawful) == (C.REMOVED, False)


@pytest.mark.parametrize(
    "evidence",
    [
        ev(K.ENTERED_WITHOUT_INSPECTION, "2022-01-01"),
        ev(K.ADMITTED_NONIMMIGRANT, "2022-01-01", until="2022-02-01"),
        ev(K.PROCEEDINGS_INITIATED, "2022-01-01"),
    ],
)
def test_reentered_after_removal(evidence: ImmigrationEvent) -> None:
    removal = ev(K.REMOVED, "2021-01-01")
    s = derive_status([ev(K.ENTERED_WITHOUT_INSPECTION, "2015-01-01"), removal, evidence], ON)
    assert s.category is C.REENTERED_AFTER_REMOVAL
    assert not s.lawful
    assert s.basis_events == (removal, evidence)
    assert s.since == evidence.occurred_on


def test_a_protection_ending_after_removal_is_no_evidence_of_presence() -> None:
    events = [ev(K.REMOVED, "2021-01-01"), ev(K.PROTECTION_ENDED, "2022-01-01", detail="TPS")]
    assert derive_status(events, ON).category is C.REMOVED


def test_protection_granted_is_lawful_even_with_an_order() -> None:
    tps = ev(K.PROTECTION_GRANTED, "2023-01-01", until="2026-01-01", detail="TPS")
    events = [ev(K.ENTERED_WITHOUT_INSPECTION, "2015-01-01"), ev(K.FINAL_ORDER, "2018-01-01"), tps]
    s = derive_status(events, ON)
    assert (s.category, s.lawful, s.since, s.basis_events) == (
        C.PROTECTED,
        True,
        tps.occurred_on,
        (tps,),
    )


def test_protection_lapses_at_its_until_date() -> None:
    events = [
        ev(K.ENTERED_WITHOUT_INSPECTION, "2015-01-01"),
        ev(K.PROTECTION_GRANTED, "2020-01-01", until="2025-05-31", detail="TPS"),
    ]
    assert derive_status(events, date(2025, 5, 31)).category is C.PROTECTED
    assert derive_status(events, ON).category is C.ENTERED_WITHOUT_INSPECTION


def test_protection_ended_by_name_or_by_an_unnamed_end() -> None:
    ewi = ev(K.ENTERED_WITHOUT_INSPECTION, "2015-01-01")
    tps = ev(K.PROTECTION_GRANTED, "2020-01-01", detail="TPS")
    daca = ev(K.PROTECTION_GRANTED, "2021-01-01", detail="DACA")
    tps_ended = ev(K.PROTECTION_ENDED, "2024-01-01", detail="TPS")
    s = derive_status([ewi, tps, daca, tps_ended], ON)
    assert (s.category, s.basis_events) == (C.PROTECTED, (daca,))
    all_ended = ev(K.PROTECTION_ENDED, "2024-01-01")
    assert derive_status([ewi, tps, daca, all_ended], ON).category is C.ENTERED_WITHOUT_INSPECTION


def test_same_day_entry_and_removal_is_a_removal() -> None:
    events = [ev(K.REMOVED, "2021-01-01"), ev(K.ADMITTED_NONIMMIGRANT, "2021-01-01")]
    assert derive_status(events, ON).category is C.REMOVED


# --- properties --------------------------------------------------------------------------------

FIRST, LAST = date(1990, 1, 1), date(2030, 12, 31)
dates = st.dates(min_value=FIRST, max_value=LAST)
events = st.builds(
    ImmigrationEvent,
    kind=st.sampled_from(EventKind),
    occurred_on=dates,
    until=st.none() | dates,
    detail=st.sampled_from(["", "TPS", "asylum", "B2"]),
    reference=st.sampled_from(["", "A123"]),
)
histories = st.lists(events, max_size=12)


@given(history=histories, on=dates, data=st.data())
def test_the_order_events_are_given_in_never_matters(
    history: list[ImmigrationEvent], on: date, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(history))
    assert derive_status(shuffled, on) == derive_status(history, on)


@given(history=histories, later=histories, on=dates)
def test_events_after_the_date_never_change_the_answer(
    history: list[ImmigrationEvent], later: list[ImmigrationEvent], on: date
) -> None:
    before = [e for e in history if e.occurred_on <= on]
    after = [e for e in later if e.occurred_on > on]
    assert derive_status(before + after, on) == derive_status(before, on)


@given(history=histories, naturalized_on=dates, days_later=st.integers(0, 20_000))
def test_once_naturalized_always_a_citizen(
    history: list[ImmigrationEvent], naturalized_on: date, days_later: int
) -> None:
    naturalized = ImmigrationEvent(K.NATURALIZED, naturalized_on)
    s = derive_status([*history, naturalized], naturalized_on + timedelta(days=days_later))
    assert s.category.is_citizen
    assert s.lawful
    assert "naturalization_record" in s.citizenship_indicators


@given(history=histories, on=dates)
def test_since_is_the_date_of_a_basis_event(history: list[ImmigrationEvent], on: date) -> None:
    s = derive_status(history, on)
    if s.category is C.NO_RECORD:
        assert (s.since, s.basis_events) == (None, ())
    else:
        assert s.since in {e.occurred_on for e in s.basis_events}
        assert all(e in history and e.occurred_on <= on for e in s.basis_events)
