"""Pages of the store's lists on SQLite and PostgreSQL: ``offset`` skips in the list's own
order, ``count`` counts what ``list`` pages through under the same filters, and the reads the
API added (people by birth date, every policy) find what they should."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from tests.integration.adapters.store import builders
from tests.integration.adapters.store.builders import T0

from liaison.adapters.store import SqlUnitOfWork
from liaison.bookings.model import BookingState
from liaison.detainers.model import DetainerState
from liaison.identity.model import PersonName, ReferralState
from liaison.jurisdictions.model import (
    DetainerPolicy,
    Jurisdiction,
    JurisdictionKind,
    PolicyKind,
)

UoW = Callable[[], SqlUnitOfWork]
TX, CA = "TX2270000", "CA0190000"


def test_bookings_page_and_count_by_agency_and_state(new_uow: UoW) -> None:
    with new_uow() as uow:
        for n in range(1, 8):
            ori = TX if n % 2 else CA
            state = BookingState.RECEIVED if n == 7 else BookingState.RESPONDED
            uow.bookings.add(builders.booking(n, ori=ori, state=state, reviews=[]))
        uow.commit()
    with new_uow() as uow:
        every = [b.booking_id for b in uow.bookings.list(limit=100)]
        assert every == [f"bk-{n}" for n in range(7, 0, -1)]  # newest first
        assert [b.booking_id for b in uow.bookings.list(limit=2, offset=2)] == every[2:4]
        assert uow.bookings.list(limit=5, offset=7) == []
        assert uow.bookings.count() == 7
        assert uow.bookings.count(ori=TX) == 4
        assert uow.bookings.count(ori=TX, state="responded") == 3
        tx = [b.booking_id for b in uow.bookings.list(ori=TX, state="responded", offset=1)]
        assert tx == ["bk-3", "bk-1"]
        queue = [b.booking_id for b in uow.bookings.review_queue(limit=100)]
        assert queue == [f"bk-{n}" for n in range(1, 7)]  # oldest first; bk-7 not searched
        assert [b.booking_id for b in uow.bookings.review_queue(limit=2, offset=3)] == queue[3:5]
        assert uow.bookings.review_queue_count() == 6


def test_detainers_page_and_count(new_uow: UoW) -> None:
    closed = (DetainerState.CANCELLED, DetainerState.RELEASED)
    with new_uow() as uow:
        for n in range(1, 7):
            uow.detainers.add(
                builders.detainer(
                    n, identity_id=100 + n, state=closed[n % 2], ori=TX if n < 5 else CA
                )
            )
        uow.commit()
    with new_uow() as uow:
        every = [d.detainer_id for d in uow.detainers.list(limit=100)]
        assert every == [f"dt-{n}" for n in range(6, 0, -1)]
        assert [d.detainer_id for d in uow.detainers.list(limit=2, offset=1)] == every[1:3]
        assert uow.detainers.count() == 6
        assert uow.detainers.count(ori=TX) == 4
        assert uow.detainers.count(ori=TX, state="released") == 2
        assert [d.detainer_id for d in uow.detainers.list(ori=CA, offset=1)] == ["dt-5"]


def test_referrals_page_and_count(new_uow: UoW) -> None:
    with new_uow() as uow:
        for n in range(1, 6):
            state = ReferralState.OPEN if n <= 3 else ReferralState.DECIDED
            decided = None if state is ReferralState.OPEN else T0 + timedelta(days=n)
            uow.referrals.add(builders.referral(n, state=state, decided_at=decided))
        uow.commit()
    with new_uow() as uow:
        assert uow.referrals.count() == 5
        assert uow.referrals.count(state="open") == 3
        opened = [r.referral_id for r in uow.referrals.list(state="open", limit=2, offset=1)]
        assert opened == ["ref-2", "ref-3"]


def test_people_born_on_a_day(new_uow: UoW) -> None:
    born = date(1988, 2, 29)
    with new_uow() as uow:
        uow.identities.add(builders.identity(43))
        uow.identities.add(builders.identity(41))
        uow.identities.add(builders.identity(42, birth_date=date(1988, 3, 1)))
        uow.identities.add(builders.identity(44, birth_date=None, names=[PersonName("X", "Y")]))
        uow.commit()
    with new_uow() as uow:
        assert [i.identity_id for i in uow.identities.born_on(born)] == [41, 43]
        assert uow.identities.born_on(date(1900, 1, 1)) == []


def test_every_policy_by_place_then_date(new_uow: UoW) -> None:
    county = Jurisdiction("48201", JurisdictionKind.COUNTY, "Harris County", "48")
    state = Jurisdiction("48", JurisdictionKind.STATE, "Texas", "48")
    policies = [
        DetainerPolicy(county.fips, PolicyKind.DECLINE_ALL, date(2020, 1, 1)),
        DetainerPolicy(state.fips, PolicyKind.NOTIFY_ONLY, date(2019, 1, 1)),
        DetainerPolicy(county.fips, PolicyKind.HONOR_ALL, date(2015, 1, 1)),
    ]
    with new_uow() as uow:
        uow.jurisdictions.add_jurisdiction(state)
        uow.jurisdictions.add_jurisdiction(county)
        for p in policies:
            uow.jurisdictions.add_policy(p)
        uow.commit()
    with new_uow() as uow:
        found = uow.jurisdictions.all_policies()
    assert [(p.jurisdiction_fips, p.enacted_on.year) for p in found] == sorted(
        (p.jurisdiction_fips, p.enacted_on.year) for p in policies
    )
