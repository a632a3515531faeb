"""The people of the synthetic world: the repository's mix, histories, ground truth."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date

import pytest

from liaison.identity.model import StatusCategory
from liaison.identity.status import derive_status
from liaison.synth.population import (
    CITIZEN_CATEGORIES,
    MIX,
    STRANGER_OFFSET,
    Category,
    Person,
    make_person,
    make_stranger,
)

TODAY = date(2025, 7, 7)

# what the record of each category must derive to: the generator's truth and the system agree
EXPECTED = {
    Category.NATURALIZED: StatusCategory.CITIZEN_NATURALIZED,
    Category.DERIVED: StatusCategory.CITIZEN_DERIVED,
    Category.US_BORN_ENROLLED: StatusCategory.CITIZEN_BY_BIRTH,
    Category.LPR: StatusCategory.LPR,
    Category.VISA_IN_STATUS: StatusCategory.NONIMMIGRANT_IN_STATUS,
    Category.VISA_OVERSTAYED: StatusCategory.NONIMMIGRANT_OVERSTAYED,
    Category.EWI: StatusCategory.ENTERED_WITHOUT_INSPECTION,
    Category.IN_PROCEEDINGS: StatusCategory.IN_PROCEEDINGS,
    Category.FINAL_ORDER: StatusCategory.FINAL_ORDER,
    Category.REMOVED: StatusCategory.REMOVED,
    Category.REENTERED: StatusCategory.REENTERED_AFTER_REMOVAL,
    Category.PROTECTED: StatusCategory.PROTECTED,
}


@pytest.fixture(scope="module")
def people() -> list[Person]:
    return [make_person(9, i, today=TODAY) for i in range(3000)]


def test_the_mix_sums_to_one_and_covers_every_case_the_issue_names() -> None:
    assert sum(MIX.values()) == pytest.approx(1.0)
    assert set(MIX) == set(EXPECTED)


def test_a_person_is_the_same_whenever_and_in_whatever_order_made() -> None:
    made = {i: make_person(9, i, today=TODAY) for i in (40, 3, 41)}  # made out of order
    assert asdict(made[41]) == asdict(make_person(9, 41, today=TODAY))
    assert asdict(make_person(9, 41, today=TODAY)) != asdict(make_person(10, 41, today=TODAY))


def test_the_repository_follows_the_mix(people: list[Person]) -> None:
    counts = Counter(p.category for p in people)
    for category, share in MIX.items():
        assert counts[category] / len(people) == pytest.approx(share, abs=0.025)


def test_every_history_derives_the_status_of_its_category(people: list[Person]) -> None:
    for p in people:
        status = derive_status(p.identity.events, TODAY, birth_country=p.identity.birth_country)
        assert status.category is EXPECTED[p.category], p
        assert status.category.is_citizen == p.us_citizen
        assert p.enrolled
        assert p.identity.identity_id == p.index


def test_naturalized_citizens_stay_in_the_repository_with_their_old_lpr_record(
    people: list[Person],
) -> None:
    naturalized = [p for p in people if p.category is Category.NATURALIZED]
    assert naturalized
    for p in naturalized:
        kinds = [e.kind.value for e in p.identity.events]
        assert kinds == ["lpr_granted", "naturalized"]
        assert p.identity.a_number
        assert p.identity.birth_country != "US"


def test_names_have_variants_and_aliases_and_some_are_watchlisted(people: list[Person]) -> None:
    assert any(any(n.alias for n in p.identity.names) for p in people)
    assert any(len(p.identity.names) > 1 for p in people)
    assert len({p.origin for p in people}) >= 8
    assert 0 < sum(p.watchlisted for p in people) < 0.02 * len(people)


def test_strangers_are_never_enrolled_and_mostly_citizens_by_birth() -> None:
    strangers = [make_stranger(9, k, identities=3000, today=TODAY) for k in range(1500)]
    assert all(not s.enrolled for s in strangers)
    assert all(s.index == 3000 + STRANGER_OFFSET + k for k, s in enumerate(strangers))
    citizens = [s for s in strangers if s.us_citizen]
    assert 0.88 < len(citizens) / len(strangers) < 0.96
    assert all(s.identity.birth_country == "US" for s in citizens)
    assert all(s.category in CITIZEN_CATEGORIES for s in citizens)
    assert all(s.category is Category.NEVER_ENCOUNTERED for s in strangers if not s.us_citizen)
