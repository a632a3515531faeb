"""Whether the record supports a detainer's basis: each row of the table in
``liaison.detainers.basis``, supported and refused, and the events a refusal names."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.detainers import basis
from liaison.detainers.basis import MIN_STATEMENT, BasisSupport, basis_support, describe_event
from liaison.detainers.model import ProbableCause
from liaison.identity.model import EventKind, ImmigrationEvent

K = EventKind
P = ProbableCause
ON = date(2025, 6, 1)


def ev(kind: EventKind, on: str, *, until: str | None = None, detail: str = "") -> ImmigrationEvent:
    return ImmigrationEvent(
        kind, date.fromisoformat(on), date.fromisoformat(until) if until else None, detail
    )


ORDER = ev(K.FINAL_ORDER, "2019-03-01")
EWI = ev(K.ENTERED_WITHOUT_INSPECTION, "2012-05-01")
NTA = ev(K.PROCEEDINGS_INITIATED, "2018-01-10")


def support(
    cause: ProbableCause, *events: ImmigrationEvent, statement: str = "", birth_country: str = ""
) -> BasisSupport:
    return basis_support(
        cause, list(events), on=ON, statement=statement, birth_country=birth_country
    )


# -- final_order ------------------------------------------------------------------------------


def test_a_final_order_on_record_supports_a_final_order_basis() -> None:
    found = support(P.FINAL_ORDER, EWI, NTA, ORDER)
    assert found == BasisSupport(
        P.FINAL_ORDER, True, "final order final_order 2019-03-01", (ORDER,)
    )


def test_no_final_order_on_record_is_refused() -> None:
    found = support(P.FINAL_ORDER, EWI, NTA)
    assert (found.supported, found.reason, found.events) == (
        False,
        "no final order of removal is on record",
        (),
    )


def test_a_vacated_final_order_is_refused_naming_the_order_and_what_vacated_it() -> None:
    terminated = ev(K.PROCEEDINGS_TERMINATED, "2020-07-01")
    found = support(P.FINAL_ORDER, EWI, NTA, ORDER, terminated)
    assert not found.supported
    assert found.events == (ORDER, terminated)
    assert found.reason == (
        "the final order final_order 2019-03-01 was vacated or reopened by "
        "proceedings_terminated 2020-07-01"
    )


def test_a_reopened_final_order_is_refused() -> None:
    reopened = ev(K.PROCEEDINGS_INITIATED, "2020-02-02")
    found = support(P.FINAL_ORDER, EWI, ORDER, reopened)
    assert not found.supported
    assert found.events == (ORDER, reopened)
    assert "proceedings_initiated 2020-02-02" in found.reason


def test_a_new_order_after_a_reopening_supports_again() -> None:
    second = ev(K.FINAL_ORDER, "2022-01-01")
    found = support(P.FINAL_ORDER, ORDER, ev(K.PROCEEDINGS_INITIATED, "2020-02-02"), second)
    assert (found.supported, found.events) == (True, (second,))


def test_an_executed_order_still_supports_after_a_re_entry() -> None:
    # reinstatement: the order carried out stands against the person who came back
    removed = ev(K.REMOVED, "2019-06-01")
    back = ev(K.ENTERED_WITHOUT_INSPECTION, "2021-01-01")
    found = support(P.FINAL_ORDER, ORDER, removed, back)
    assert (found.supported, found.events) == (True, (ORDER,))
    # proceedings begun and ended in the new epoch do not vacate the order already executed
    later = (ev(K.PROCEEDINGS_INITIATED, "2022-01-01"), ev(K.PROCEEDINGS_TERMINATED, "2023-01-01"))
    assert support(P.FINAL_ORDER, ORDER, removed, back, *later).supported


def test_an_executed_order_stands_when_a_later_second_order_is_vacated() -> None:
    removed = ev(K.REMOVED, "2019-06-01")
    back = ev(K.ENTERED_WITHOUT_INSPECTION, "2021-01-01")
    second = ev(K.FINAL_ORDER, "2022-05-01")
    vacated = ev(K.PROCEEDINGS_TERMINATED, "2023-01-01")
    # without the second order the executed one supports; adding one that was vacated must not
    # take that support away
    assert support(P.FINAL_ORDER, ORDER, removed, back, vacated).supported
    assert support(P.FINAL_ORDER, ORDER, removed, back, second, vacated).supported


def test_a_final_order_dated_after_the_lodging_is_not_yet_on_record() -> None:
    assert not support(P.FINAL_ORDER, ev(K.FINAL_ORDER, "2025-06-02")).supported
    assert support(P.FINAL_ORDER, ev(K.FINAL_ORDER, "2025-06-01")).supported


# -- pending_proceedings ----------------------------------------------------------------------


def test_a_charging_document_without_disposition_supports_pending_proceedings() -> None:
    found = support(P.PENDING_PROCEEDINGS, EWI, NTA)
    assert found == BasisSupport(
        P.PENDING_PROCEEDINGS, True, "charging document proceedings_initiated 2018-01-10", (NTA,)
    )


@pytest.mark.parametrize(
    "disposition",
    [
        pytest.param(ev(K.PROCEEDINGS_TERMINATED, "2019-01-01"), id="terminated"),
        pytest.param(ev(K.FINAL_ORDER, "2019-01-01"), id="ordered"),
        pytest.param(ev(K.REMOVED, "2019-01-01"), id="removed"),
    ],
)
def test_proceedings_that_reached_a_final_disposition_are_refused(
    disposition: ImmigrationEvent,
) -> None:
    found = support(P.PENDING_PROCEEDINGS, EWI, NTA, disposition)
    assert not found.supported
    assert found.events == (NTA, disposition)
    assert found.reason == (
        "the proceedings of proceedings_initiated 2018-01-10 reached a final disposition: "
        f"{describe_event(disposition)}"
    )


def test_no_charging_document_is_refused() -> None:
    found = support(P.PENDING_PROCEEDINGS, EWI, ORDER)
    assert (found.supported, found.events) == (False, ())
    assert found.reason == "no charging document (notice to appear) is on record"


def test_new_proceedings_after_a_disposition_are_pending() -> None:
    again = ev(K.PROCEEDINGS_INITIATED, "2021-04-04")
    found = support(P.PENDING_PROCEEDINGS, NTA, ev(K.PROCEEDINGS_TERMINATED, "2019-01-01"), again)
    assert (found.supported, found.events) == (True, (again,))


# -- biometric_no_lawful_status ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "category", "named"),
    [
        pytest.param(
            (EWI, ev(K.LPR_GRANTED, "2016-01-01")),
            "lpr",
            (ev(K.LPR_GRANTED, "2016-01-01"),),
            id="lpr",
        ),
        pytest.param(
            (ev(K.ADMITTED_NONIMMIGRANT, "2024-09-01", until="2026-09-01", detail="F1"),),
            "nonimmigrant_in_status",
            (ev(K.ADMITTED_NONIMMIGRANT, "2024-09-01", until="2026-09-01", detail="F1"),),
            id="nonimmigrant-in-status",
        ),
        pytest.param(
            (EWI, ORDER, ev(K.PROTECTION_GRANTED, "2020-01-01", detail="TPS")),
            "protected",
            (ev(K.PROTECTION_GRANTED, "2020-01-01", detail="TPS"),),
            id="protection-in-force",
        ),
        pytest.param(
            (EWI, ev(K.NATURALIZED, "2020-01-01")),
            "citizen_naturalized",
            (ev(K.NATURALIZED, "2020-01-01"),),
            id="citizen",
        ),
    ],
)
def test_a_lawful_status_is_refused_naming_the_events_it_rests_on(
    events: tuple[ImmigrationEvent, ...], category: str, named: tuple[ImmigrationEvent, ...]
) -> None:
    found = support(P.BIOMETRIC_NO_LAWFUL_STATUS, *events)
    assert not found.supported
    assert found.reason == f"the derived status is {category}, a lawful status"
    assert found.events == named


def test_no_immigration_events_is_an_unknown_status_and_refused() -> None:
    for birth_country in ("", "MX", "US"):
        found = support(P.BIOMETRIC_NO_LAWFUL_STATUS, birth_country=birth_country)
        assert (found.supported, found.events) == (False, ())
        assert found.reason == "the record holds no immigration events: the status is unknown"


@pytest.mark.parametrize(
    ("events", "category"),
    [
        pytest.param((EWI,), "entered_without_inspection", id="ewi"),
        pytest.param(
            (ev(K.ADMITTED_NONIMMIGRANT, "2020-01-01", until="2020-07-01"),),
            "nonimmigrant_overstayed",
            id="overstayed",
        ),
        pytest.param(
            (ev(K.LPR_GRANTED, "2010-01-01"), ev(K.LPR_REVOKED, "2020-01-01")), "lpr", id="revoked"
        ),
        pytest.param((ev(K.LPR_GRANTED, "2010-01-01"), ORDER), "final_order", id="lpr-ordered"),
        pytest.param(
            (EWI, ev(K.PROTECTION_GRANTED, "2018-01-01", until="2024-01-01", detail="TPS")),
            "entered_without_inspection",
            id="protection-expired",
        ),
        pytest.param(
            (
                EWI,
                ev(K.PROTECTION_GRANTED, "2018-01-01", detail="DACA"),
                ev(K.PROTECTION_ENDED, "2023-01-01", detail="DACA"),
            ),
            "entered_without_inspection",
            id="protection-ended",
        ),
        pytest.param(
            (EWI, ev(K.LPR_GRANTED, "2025-06-02")), "entered_without_inspection", id="lpr-later"
        ),
    ],
)
def test_no_lawful_status_on_record_supports_the_biometric_basis(
    events: tuple[ImmigrationEvent, ...], category: str
) -> None:
    found = support(P.BIOMETRIC_NO_LAWFUL_STATUS, *events)
    assert found.supported
    assert found.reason == f"the derived status is {category}"
    assert found.events
    assert all(e in events for e in found.events)


# -- statements_or_evidence -------------------------------------------------------------------


def test_a_recorded_statement_supports_the_statements_basis_whatever_the_record() -> None:
    statement = "admitted entering without inspection in 2012, in a recorded interview"
    found = support(P.STATEMENTS_OR_EVIDENCE, statement=statement)
    assert found == BasisSupport(P.STATEMENTS_OR_EVIDENCE, True, "statement recorded")
    assert support(P.STATEMENTS_OR_EVIDENCE, ev(K.LPR_GRANTED, "2016-01-01"), statement="x" * 20)


@pytest.mark.parametrize(
    "statement",
    ["", "   ", "admitted it", "x" * (MIN_STATEMENT - 1), "  " + "x" * (MIN_STATEMENT - 1) + "\n"],
)
def test_a_statement_too_short_is_refused(statement: str) -> None:
    found = support(P.STATEMENTS_OR_EVIDENCE, EWI, ORDER, statement=statement)
    assert (found.supported, found.events) == (False, ())
    assert found.reason == (
        "no statement or other evidence is recorded (give it in full, at least 20 characters)"
    )


def test_the_shortest_statement_accepted_is_min_statement_characters() -> None:
    assert MIN_STATEMENT == 20
    assert support(P.STATEMENTS_OR_EVIDENCE, statement=" " + "y" * MIN_STATEMENT + " ").supported


# -- how events are named ---------------------------------------------------------------------


def test_describe_event_names_kind_detail_date_and_reference() -> None:
    assert describe_event(ORDER) == "final_order 2019-03-01"
    tps = ImmigrationEvent(K.PROTECTION_GRANTED, date(2020, 1, 1), detail="TPS", reference="R9")
    assert describe_event(tps) == "protection_granted TPS 2020-01-01 (R9)"


def test_exported_names() -> None:
    assert set(basis.__all__) == {
        "MIN_STATEMENT",
        "BasisSupport",
        "basis_support",
        "describe_event",
    }


# -- the order events are listed in -----------------------------------------------------------

FIRST, LAST = date(2000, 1, 1), date(2026, 12, 31)
dates = st.dates(min_value=FIRST, max_value=LAST)
events = st.builds(
    ImmigrationEvent,
    kind=st.sampled_from(EventKind),
    occurred_on=dates,
    until=st.none() | dates,
    detail=st.sampled_from(["", "TPS", "B2"]),
    reference=st.sampled_from(["", "A123"]),
)
# few dates, so that same-day events (where only a fixed order of kinds decides) are common
crowded = st.builds(
    ImmigrationEvent,
    kind=st.sampled_from(EventKind),
    occurred_on=st.sampled_from([date(2019, 1, 1), date(2020, 1, 1)]),
)
histories = st.lists(events | crowded, max_size=12)
statements = st.sampled_from(["", "admitted it", "admitted entry without inspection in 2012"])


@settings(max_examples=300)
@given(
    history=histories,
    cause=st.sampled_from(ProbableCause),
    on=dates,
    statement=statements,
    data=st.data(),
)
def test_support_never_depends_on_the_order_events_are_listed_in(
    history: list[ImmigrationEvent],
    cause: ProbableCause,
    on: date,
    statement: str,
    data: st.DataObject,
) -> None:
    shuffled = data.draw(st.permutations(history))
    found = basis_support(cause, history, on=on, statement=statement)
    assert basis_support(cause, shuffled, on=on, statement=statement) == found
    assert found.basis is cause
    assert all(e in history for e in found.events)
