from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from liaison.identity.citizenship import (
    CITIZENSHIP_EVENTS,
    INDICATORS,
    RULED_CITIZEN,
    citizenship_events,
    citizenship_indicators,
    latest_ruling,
    needs_concurrence,
    unresolved_indicators,
)
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipRuling,
    Concurrence,
    EventKind,
    Identity,
    ImmigrationEvent,
    PersonName,
)

K = EventKind


def person(*kinds: EventKind, birth_country: str = "MX") -> Identity:
    events = [ImmigrationEvent(k, date(2000 + i, 1, 1)) for i, k in enumerate(kinds)]
    return Identity(7, [PersonName("Doe", "Ana")], date(1980, 1, 1), "F", birth_country, events)


def ruling(finding: CitizenshipFinding, *indicators: str, day: int = 1) -> CitizenshipRuling:
    at = datetime(2025, 1, day, tzinfo=UTC)
    return CitizenshipRuling(finding, indicators, "officer1", "A-file reviewed", at)


NOT_CITIZEN = CitizenshipFinding.NOT_CITIZEN
CITIZEN = CitizenshipFinding.CITIZEN


@pytest.mark.parametrize(
    ("kind", "indicator"),
    [
        (K.NATURALIZED, "naturalization_record"),
        (K.DERIVED_CITIZENSHIP, "derivation_record"),
        (K.BORN_IN_US, "us_birth_record"),
        (K.BORN_ABROAD_TO_US_CITIZEN, "acquisition_at_birth"),
    ],
)
def test_each_citizenship_record_is_an_indicator(kind: EventKind, indicator: str) -> None:
    assert citizenship_indicators(person(K.ENTERED_WITHOUT_INSPECTION, kind)) == (indicator,)


def test_no_identity_and_nothing_claimed_has_no_indicators() -> None:
    assert citizenship_indicators(None) == ()
    assert citizenship_indicators(person(K.LPR_GRANTED)) == ()


def test_us_place_of_birth_from_the_record_or_the_booking() -> None:
    assert citizenship_indicators(person(birth_country="US")) == ("us_place_of_birth",)
    assert citizenship_indicators(None, birth_place="US") == ("us_place_of_birth",)
    assert citizenship_indicators(None, birth_place=" usa ") == ("us_place_of_birth",)
    assert citizenship_indicators(None, birth_place="GT") == ()


def test_claimed_us_citizenship() -> None:
    assert citizenship_indicators(None, claimed_citizenship="US") == ("claimed_us_citizenship",)
    assert citizenship_indicators(None, claimed_citizenship="HN") == ()


def test_indicators_come_once_each_in_a_stable_order() -> None:
    p = person(K.NATURALIZED, K.BORN_IN_US, K.NATURALIZED, birth_country="US")
    got = citizenship_indicators(p, birth_place="US", claimed_citizenship="US")
    assert got == (
        "us_birth_record",
        "naturalization_record",
        "us_place_of_birth",
        "claimed_us_citizenship",
    )
    assert list(got) == [i for i in INDICATORS if i in got]


def test_without_a_ruling_every_indicator_is_unresolved() -> None:
    p = person(K.NATURALIZED)
    assert unresolved_indicators(p, claimed_citizenship="US") == (
        "naturalization_record",
        "claimed_us_citizenship",
    )
    assert unresolved_indicators(None, birth_place="US") == ("us_place_of_birth",)


def test_a_not_citizen_ruling_resolves_exactly_what_it_lists() -> None:
    p = person(K.NATURALIZED)
    p.citizenship_rulings.append(ruling(NOT_CITIZEN, "naturalization_record"))
    assert unresolved_indicators(p) == ()
    assert unresolved_indicators(p, claimed_citizenship="US") == ("claimed_us_citizenship",)


def test_a_new_indicator_after_the_ruling_is_unresolved_again() -> None:
    p = person(K.ENTERED_WITHOUT_INSPECTION)
    p.citizenship_rulings.append(ruling(NOT_CITIZEN, "claimed_us_citizenship"))
    p.events.append(ImmigrationEvent(K.DERIVED_CITIZENSHIP, date(2024, 1, 1)))
    assert unresolved_indicators(p, claimed_citizenship="US") == ("derivation_record",)


def test_rulings_add_up_a_narrower_later_one_reopens_nothing() -> None:
    # found by the safeguards state machine: a detainer lodged on the first ruling's resolution
    # must not end up on an unresolved indicator because a second booking was ruled on narrowly
    p = person(K.ENTERED_WITHOUT_INSPECTION)
    p.citizenship_rulings += [
        ruling(NOT_CITIZEN, "claimed_us_citizenship", day=2),
        ruling(NOT_CITIZEN, "us_place_of_birth", day=9),
    ]
    assert latest_ruling(p.citizenship_rulings) == p.citizenship_rulings[1]
    assert unresolved_indicators(p, claimed_citizenship="US", birth_place="US") == ()


def test_an_event_after_every_ruling_that_lists_it_raises_the_indicator_again() -> None:
    p = person(K.ENTERED_WITHOUT_INSPECTION)
    p.citizenship_rulings.append(ruling(NOT_CITIZEN, "derivation_record", day=9))
    p.events.append(ImmigrationEvent(K.DERIVED_CITIZENSHIP, date(2000, 1, 1)))
    assert unresolved_indicators(p) == ()  # the derivation was on record when ruled on
    p.events.append(ImmigrationEvent(K.DERIVED_CITIZENSHIP, date(2099, 1, 1)))
    assert unresolved_indicators(p) == ("derivation_record",)


def test_a_citizen_ruling_can_never_be_resolved() -> None:
    p = person(K.NATURALIZED)
    p.citizenship_rulings.append(ruling(CITIZEN, "naturalization_record", day=1))
    assert unresolved_indicators(p) == (RULED_CITIZEN,)
    p.citizenship_rulings.append(ruling(NOT_CITIZEN, "naturalization_record", RULED_CITIZEN, day=2))
    assert unresolved_indicators(p) == (RULED_CITIZEN,)


def test_a_citizen_ruling_without_any_indicator_still_blocks() -> None:
    p = person(K.LPR_GRANTED)
    p.citizenship_rulings.append(ruling(CITIZEN))
    assert unresolved_indicators(p) == (RULED_CITIZEN,)


# -- overriding a citizenship event takes two adjudicators -------------------------------------


def test_the_citizenship_events_are_birth_acquisition_naturalization_and_derivation() -> None:
    assert set(CITIZENSHIP_EVENTS) == {
        K.BORN_IN_US,
        K.BORN_ABROAD_TO_US_CITIZEN,
        K.NATURALIZED,
        K.DERIVED_CITIZENSHIP,
    }
    p = person(K.LPR_GRANTED, K.NATURALIZED, K.ENTERED_WITHOUT_INSPECTION, K.DERIVED_CITIZENSHIP)
    assert [e.kind for e in citizenship_events(p.events)] == [
        K.NATURALIZED,
        K.DERIVED_CITIZENSHIP,
    ]
    assert citizenship_events(person(K.LPR_GRANTED, K.FINAL_ORDER).events) == ()


@pytest.mark.parametrize("kind", sorted(CITIZENSHIP_EVENTS))
def test_a_not_citizen_ruling_over_a_citizenship_event_needs_a_concurrence(
    kind: EventKind,
) -> None:
    p = person(K.ENTERED_WITHOUT_INSPECTION, kind)
    assert needs_concurrence(p, NOT_CITIZEN)
    assert not needs_concurrence(p, CITIZEN)


def test_a_claim_or_a_us_birthplace_alone_needs_no_concurrence() -> None:
    # the booking's word and the record's birth country are no citizenship event
    p = person(K.ENTERED_WITHOUT_INSPECTION, K.LPR_GRANTED, birth_country="US")
    assert not needs_concurrence(p, NOT_CITIZEN)


def _override(concurrence: Concurrence | None, day: int = 5) -> CitizenshipRuling:
    return replace(
        ruling(NOT_CITIZEN, "naturalization_record", day=day),
        referral_id="R-1",
        concurrence_required=True,
        concurrence=concurrence,
    )


def test_an_override_resolves_nothing_until_a_second_adjudicator_agrees() -> None:
    at = datetime(2025, 1, 6, tzinfo=UTC)
    waiting = _override(None)
    assert (waiting.in_force, waiting.awaiting_concurrence) == (False, True)
    assert waiting.adjudicators == ("officer1",)
    dissent = _override(Concurrence("officer2", False, "the photograph matches", at))
    assert (dissent.in_force, dissent.awaiting_concurrence) == (False, False)
    agreed = _override(Concurrence("officer2", True, "a namesake's N-400", at))
    assert (agreed.in_force, agreed.awaiting_concurrence) == (True, False)
    assert agreed.adjudicators == ("officer1", "officer2")
    for not_in_force in (waiting, dissent):
        p = person(K.NATURALIZED)
        p.citizenship_rulings.append(not_in_force)
        assert latest_ruling(p.citizenship_rulings) is None
        assert unresolved_indicators(p) == ("naturalization_record",)
    p = person(K.NATURALIZED)
    p.citizenship_rulings.append(agreed)
    assert latest_ruling(p.citizenship_rulings) == agreed
    assert unresolved_indicators(p) == ()


def test_a_later_ruling_out_of_force_leaves_the_earlier_one_in_force() -> None:
    p = person(K.NATURALIZED, birth_country="US")
    earlier = ruling(NOT_CITIZEN, "us_place_of_birth", day=2)
    p.citizenship_rulings += [earlier, _override(None, day=9)]
    assert latest_ruling(p.citizenship_rulings) == earlier
    assert unresolved_indicators(p) == ("naturalization_record",)
