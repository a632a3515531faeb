"""Every repository round-trips every field, and its queries select what their ports promise."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, date, timedelta

import pytest
from tests.integration.adapters.store import builders
from tests.integration.adapters.store.builders import T0, fields_of

from liaison.accounts.model import Role
from liaison.adapters.store import SqlUnitOfWork, repositories
from liaison.adapters.store.errors import DuplicateKey
from liaison.bookings.model import BookingState, Decision, Review, ReviewAction, Verification
from liaison.detainers.model import Detainer, DetainerState, Transition
from liaison.identity.model import CitizenshipReferral, EventKind, ImmigrationEvent, ReferralState
from liaison.jurisdictions.model import (
    Agency,
    Agreement287g,
    AgreementModel,
    DetainerPolicy,
    Jurisdiction,
    JurisdictionKind,
    PolicyKind,
)

UoW = Callable[[], SqlUnitOfWork]


def _assert_utc(*values: object) -> None:
    for value in values:
        assert getattr(value, "tzinfo", None) is UTC, value


def test_an_identity_round_trips_with_its_names_events_and_rulings(new_uow: UoW) -> None:
    original = builders.identity()
    expected = fields_of(original)
    with new_uow() as uow:
        uow.identities.add(original)
        uow.identities.add(builders.identity(7, birth_date=None, names=[], events=[]))
        uow.commit()
    with new_uow() as uow:
        loaded = uow.identities.get(41)
        assert loaded is not None
        assert loaded is not original
        assert fields_of(loaded) == expected
        assert isinstance(loaded.events[0].kind, EventKind)
        ruling = loaded.citizenship_rulings[0]
        assert isinstance(ruling.indicators, tuple)
        assert ruling.concurrence is not None
        assert ruling.in_force
        _assert_utc(ruling.ruled_at, ruling.concurrence.at)
        assert uow.identities.get(7).birth_date is None  # type: ignore[union-attr]
        assert uow.identities.get(8) is None
        assert uow.identities.count() == 2
        assert sorted(uow.identities.get_many([7, 41, 99, 7])) == [7, 41]
        assert uow.identities.get_many([]) == {}


def test_appending_to_an_identitys_history_in_place_is_saved(new_uow: UoW) -> None:
    with new_uow() as uow:
        uow.identities.add(builders.identity())
        uow.commit()
    event = ImmigrationEvent(EventKind.FINAL_ORDER, date(2021, 5, 5), reference="EOIR-1")
    with new_uow() as uow:
        person = uow.identities.get(41)
        assert person is not None
        person.events.append(event)
        person.names.pop()
        uow.commit()
    with new_uow() as uow:
        person = uow.identities.get(41)
        assert person is not None
        assert person.events[-1] == event
        assert len(person.events) == 3
        assert len(person.names) == 1


def test_a_booking_round_trips_with_fingerprints_identification_and_response(
    new_uow: UoW,
) -> None:
    original = builders.booking()
    expected = fields_of(original)
    with new_uow() as uow:
        uow.bookings.add(original)
        uow.commit()
    with new_uow() as uow:
        loaded = uow.bookings.get("bk-1")
        by_tcn = uow.bookings.by_tcn("TCN-000001")
    assert loaded is not None
    assert by_tcn is loaded
    # Read after the unit of work ended: everything was loaded with the booking.
    assert fields_of(loaded) == expected
    assert loaded.fingerprints[1] == builders.RECORD
    identification = loaded.identification
    assert identification is not None
    assert identification.candidates[0].finger_scores == {1: 7.5, 2: 0.125, 10: 33.0}
    assert all(type(k) is int for k in identification.candidates[0].finger_scores)
    assert isinstance(identification.thresholds, tuple)
    assert isinstance(identification.decision, Decision)
    assert loaded.state is BookingState.RESPONDED
    assert loaded.verification == original.verification
    assert loaded.verification is not None
    _assert_utc(loaded.arrested_at, loaded.submitted_at, identification.searched_at)
    _assert_utc(loaded.verification.at)
    assert loaded.arrested_at == original.arrested_at  # the same instant, now in UTC


def test_a_booking_without_results_round_trips(new_uow: UoW) -> None:
    bare = builders.booking(
        2,
        scheduled_release=None,
        state=BookingState.RECEIVED,
        identification=None,
        response=None,
        reviews=[],
        fingerprints={},
        verification=None,
    )
    with new_uow() as uow:
        uow.bookings.add(bare)
        uow.commit()
    with new_uow() as uow:
        loaded = uow.bookings.get("bk-2")
    assert loaded is not None
    assert fields_of(loaded) == fields_of(bare)


def test_changes_to_a_loaded_booking_are_saved(new_uow: UoW) -> None:
    with new_uow() as uow:
        uow.bookings.add(builders.booking())
        uow.commit()
    review = Review("officer9", ReviewAction.LODGE_DETAINER, 41, "verified", T0)
    verified = Verification(7, "officer9", T0, "the second candidate's photograph matches")
    with new_uow() as uow:
        b = uow.bookings.get("bk-1")
        assert b is not None
        b.reviews.append(review)
        b.verification = verified
        b.state = BookingState.REVIEWED
        b.fingerprints[2] = b"new"
        del b.fingerprints[10]
        b.response = None
        uow.commit()
    with new_uow() as uow:
        b = uow.bookings.get("bk-1")
        assert b is not None
        assert b.reviews[-1] == review
        assert b.verification == verified
        assert b.state is BookingState.REVIEWED
        assert dict(b.fingerprints) == {1: builders.RECORD, 2: b"new", 6: builders.RECORD[::-1]}
        assert b.response is None
        b.fingerprints = {3: b"only"}
        b.verification = None  # a rejected match clears it
        uow.commit()
    with new_uow() as uow:
        b = uow.bookings.get("bk-1")
        assert b is not None
        assert dict(b.fingerprints) == {3: b"only"}
        assert b.verification is None


def test_bookings_list_newest_first_by_agency_and_state(new_uow: UoW) -> None:
    with new_uow() as uow:
        for n in range(1, 6):
            uow.bookings.add(
                builders.booking(
                    n,
                    ori="TX2270000" if n % 2 else "CA0190000",
                    state=BookingState.RECEIVED if n < 4 else BookingState.RESPONDED,
                )
            )
        uow.commit()
    with new_uow() as uow:
        ids = [b.booking_id for b in uow.bookings.list()]
        assert ids == ["bk-5", "bk-4", "bk-3", "bk-2", "bk-1"]
        assert [b.booking_id for b in uow.bookings.list(ori="TX2270000", limit=2)] == [
            "bk-5",
            "bk-3",
        ]
        assert [b.booking_id for b in uow.bookings.list(state="received", ori="CA0190000")] == [
            "bk-2"
        ]


def test_the_review_queue_holds_unreviewed_responded_matches_oldest_first(
    new_uow: UoW,
) -> None:
    searched = builders.booking().identification
    assert searched is not None
    possible = builders.booking(3, reviews=[])
    match = builders.booking(
        1, reviews=[], identification=dataclasses.replace(searched, decision=Decision.MATCH)
    )
    no_match = builders.booking(
        2,
        reviews=[],
        identification=dataclasses.replace(searched, decision=Decision.NO_MATCH, candidates=()),
    )
    reviewed = builders.booking(4)  # has a review
    received = builders.booking(5, reviews=[], state=BookingState.RECEIVED, identification=None)
    with new_uow() as uow:
        for b in (possible, match, no_match, reviewed, received):
            uow.bookings.add(b)
        uow.commit()
    with new_uow() as uow:
        assert [b.booking_id for b in uow.bookings.review_queue()] == ["bk-1", "bk-3"]
        assert [b.booking_id for b in uow.bookings.review_queue(limit=1)] == ["bk-1"]


def test_a_detainer_round_trips_with_its_history(new_uow: UoW) -> None:
    original = builders.detainer()
    expected = fields_of(original)
    with new_uow() as uow:
        uow.detainers.add(original)
        uow.commit()
    with new_uow() as uow:
        loaded = uow.detainers.get("dt-1")
        assert uow.detainers.get("dt-2") is None
    assert loaded is not None
    assert fields_of(loaded) == expected
    assert loaded.history[0].from_state is None
    assert loaded.history[1].from_state is DetainerState.ISSUED
    assert loaded.hold_deadline == original.hold_deadline
    _assert_utc(loaded.issued_at, loaded.released_at, loaded.history[0].at)


def test_detainer_queries(new_uow: UoW) -> None:
    S = DetainerState
    tx, ca, ny, fl = "TX2270000", "CA0190000", "NY0000000", "FL0000000"
    rows = [
        # one person's detainers: at most one open per holding agency
        builders.detainer(1, state=S.HONORED, released_at=T0, ori=tx),
        builders.detainer(2, state=S.HONORED, released_at=T0 + timedelta(hours=1), ori=ca),
        builders.detainer(3, state=S.HONORED, released_at=None, ori=ny),
        builders.detainer(4, state=S.TRANSFERRED, released_at=T0 - timedelta(days=1), ori=tx),
        # the booking of a closed detainer may hold an open one
        builders.detainer(5, state=S.ISSUED, released_at=None, ori=fl, booking_id="bk-4"),
        builders.detainer(6, state=S.CANCELLED, ori=tx),
        builders.detainer(7, state=S.SERVED, identity_id=99, ori=ca),
    ]
    with new_uow() as uow:
        for row in rows:
            uow.detainers.add(row)
        uow.commit()

    def ids(detainers: Sequence[Detainer]) -> list[str]:
        return [d.detainer_id for d in detainers]

    with new_uow() as uow:
        d = uow.detainers
        assert ids(d.honored_released_before(T0 + timedelta(hours=1))) == ["dt-1", "dt-2"]
        assert ids(d.honored_released_before(T0)) == ["dt-1"]
        assert ids(d.open_for_identity(41)) == ["dt-1", "dt-2", "dt-3", "dt-5"]
        assert ids(d.open_for_identity(99)) == ["dt-7"]
        assert ids(d.for_identity(41)) == ["dt-1", "dt-2", "dt-3", "dt-4", "dt-5", "dt-6"]
        assert ids(d.for_identity(99)) == ["dt-7"]
        assert ids(d.for_identity(5)) == []
        assert ids(d.for_booking("bk-4")) == ["dt-4", "dt-5"]
        assert ids(d.for_booking("bk-9")) == []
        assert ids(d.list(limit=3)) == ["dt-7", "dt-6", "dt-5"]
        assert ids(d.list(ori=ca)) == ["dt-7", "dt-2"]
        assert ids(d.list(state="honored")) == ["dt-3", "dt-2", "dt-1"]


def test_the_store_holds_one_open_detainer_per_booking_and_per_person_and_agency(
    new_uow: UoW,
) -> None:
    S = DetainerState
    tx, ca = "TX2270000", "CA0190000"
    with new_uow() as uow:
        uow.detainers.add(builders.detainer(1, state=S.HONORED, booking_id="bk-1", ori=tx))
        uow.commit()
    # a second open detainer on the booking (another person, another agency): refused
    second_on_booking = builders.detainer(2, state=S.ISSUED, booking_id="bk-1", identity_id=42)
    # a second open detainer on the person at the agency (another booking): refused
    second_on_person = builders.detainer(3, state=S.SERVED, booking_id="bk-3", ori=tx)
    for refused in (
        dataclasses.replace(second_on_booking, ori=ca),
        second_on_person,
    ):
        with (
            new_uow() as uow,
            pytest.raises(DuplicateKey, match=f"adding detainer {refused.detainer_id}"),
        ):
            uow.detainers.add(refused)
    with new_uow() as uow:
        assert [d.detainer_id for d in uow.detainers.for_identity(41)] == ["dt-1"]
        assert uow.detainers.get("dt-2") is None
        # closed detainers do not count: a cancelled one on the same booking, person and agency
        uow.detainers.add(builders.detainer(4, state=S.CANCELLED, booking_id="bk-1", ori=tx))
        uow.detainers.add(builders.detainer(5, state=S.RELEASED, booking_id="bk-1", ori=tx))
        # the same person at another agency, on another booking: allowed
        uow.detainers.add(builders.detainer(6, state=S.ISSUED, booking_id="bk-6", ori=ca))
        uow.commit()
    with new_uow() as uow:
        first = uow.detainers.get("dt-1")
        assert first is not None
        first.history.append(Transition(S.HONORED, S.CANCELLED, T0, "officer7", "wrong person"))
        first.state = S.CANCELLED
        uow.commit()
    # once the first is cancelled, the booking and the person at the agency may hold a new one
    with new_uow() as uow:
        uow.detainers.add(builders.detainer(7, state=S.ISSUED, booking_id="bk-1", ori=tx))
        uow.commit()
    with new_uow() as uow:
        assert [d.detainer_id for d in uow.detainers.open_for_identity(41)] == ["dt-6", "dt-7"]
        # reopening a closed one beside an open one is refused when it is written
        cancelled = uow.detainers.get("dt-4")
        assert cancelled is not None
        cancelled.state = S.ISSUED
        with pytest.raises(DuplicateKey):
            uow.commit()


def test_a_citizenship_referral_round_trips_and_is_found_by_person_and_state(
    new_uow: UoW,
) -> None:
    original = builders.referral(1)
    expected = fields_of(original)
    others = [
        builders.referral(3, identity_id=7, state=ReferralState.OPEN, decided_at=None),
        builders.referral(2, state=ReferralState.AWAITING_CONCURRENCE, decided_at=None),
        builders.referral(4, state=ReferralState.OPEN, decided_at=None, indicators=()),
    ]
    with new_uow() as uow:
        uow.referrals.add(original)
        for referral in others:
            uow.referrals.add(referral)
        uow.commit()

    def ids(referrals: Sequence[CitizenshipReferral]) -> list[str]:
        return [r.referral_id for r in referrals]

    with new_uow() as uow:
        loaded = uow.referrals.get("ref-1")
        assert loaded is not None
        assert loaded is not original
        assert fields_of(loaded) == expected
        assert isinstance(loaded.indicators, tuple)
        assert isinstance(loaded.state, ReferralState)
        _assert_utc(loaded.referred_at, loaded.decided_at)
        assert uow.referrals.get("ref-9") is None
        r = uow.referrals
        assert ids(r.for_identity(41)) == ["ref-1", "ref-2", "ref-4"]  # oldest first
        assert ids(r.for_identity(7)) == ["ref-3"]
        assert ids(r.for_identity(8)) == []
        assert ids(r.list()) == ["ref-1", "ref-2", "ref-3", "ref-4"]
        assert ids(r.list(limit=2)) == ["ref-1", "ref-2"]
        assert ids(r.list(state="open")) == ["ref-3", "ref-4"]
        assert ids(r.list(state="awaiting_concurrence")) == ["ref-2"]
        assert ids(r.list(state="decided")) == ["ref-1"]
        assert r.get("ref-4").indicators == ()  # type: ignore[union-attr]


def test_a_referrals_moves_are_saved_and_its_id_is_unique(new_uow: UoW) -> None:
    with new_uow() as uow:
        uow.referrals.add(builders.referral(1, state=ReferralState.OPEN, decided_at=None))
        uow.commit()
    with new_uow() as uow:
        referral = uow.referrals.get("ref-1")
        assert referral is not None
        referral.state, referral.decided_at = ReferralState.DECIDED, T0
        uow.commit()
    with new_uow() as uow:
        referral = uow.referrals.get("ref-1")
        assert referral is not None
        assert (referral.state, referral.decided_at) == (ReferralState.DECIDED, T0)
    with new_uow() as uow, pytest.raises(DuplicateKey, match="adding citizenship referral ref-1"):
        uow.referrals.add(builders.referral(1, identity_id=7))


def test_a_detainers_moves_are_saved(new_uow: UoW) -> None:
    with new_uow() as uow:
        uow.detainers.add(builders.detainer())
        uow.commit()
    step = Transition(DetainerState.HONORED, DetainerState.LAPSED, T0, "system", "48 h")
    with new_uow() as uow:
        d = uow.detainers.get("dt-1")
        assert d is not None
        d.history.append(step)
        d.state = DetainerState.LAPSED
        uow.commit()
    with new_uow() as uow:
        d = uow.detainers.get("dt-1")
        assert d is not None
        assert d.state is DetainerState.LAPSED
        assert d.history[-1] == step


def test_jurisdictions_agencies_policies_and_agreements_round_trip(new_uow: UoW) -> None:
    county = Jurisdiction("48201", JurisdictionKind.COUNTY, "Harris County", "48")
    state = Jurisdiction("48", JurisdictionKind.STATE, "Texas", "48")
    jail = Agency("TX1010000", "Harris County Sheriff", "48201", jail=False)
    other = Agency("TX0000001", "Austin PD", "4805000")
    old = DetainerPolicy("48201", PolicyKind.CRIMINAL_CRITERIA, date(2014, 1, 1), ("A", "B"), "x")
    new = DetainerPolicy("48201", PolicyKind.HONOR_ALL, date(2017, 9, 1))
    overlay = DetainerPolicy("48", PolicyKind.HONOR_ALL, date(2017, 9, 1), citation="SB4")
    elsewhere = DetainerPolicy("06", PolicyKind.NOTIFY_ONLY, date(2018, 1, 1))
    a1 = Agreement287g(
        "Harris County SO", "TX", AgreementModel.JAIL_ENFORCEMENT, date(2020, 1, 2),
        date(2025, 5, 23), county="Harris", agency_type="Sheriff",
        snapshot_label="2025-05-23 pm", county_fips="48201", ori="TX1010000",
        agency_id="1234", zip_code="77002", population_policed=4_700_000,
        operating_budget=3_000_000_000,  # past 2**31
    )  # fmt: skip
    a0 = dataclasses.replace(a1, snapshot_label="2025-05-23 am", agency_name="Harris Constable")
    a2 = Agreement287g("Austin PD", "TX", AgreementModel.TASK_FORCE, None, date(2025, 7, 3))
    with new_uow() as uow:
        r = uow.jurisdictions
        r.add_jurisdiction(county)
        r.add_jurisdiction(state)
        r.add_agency(jail)
        r.add_agency(other)
        for p in (new, old, elsewhere, overlay):
            r.add_policy(p)
        r.add_agreements([a2, a1, a0])
        r.add_agreements([])
        uow.commit()
    with new_uow() as uow:
        r = uow.jurisdictions
        assert r.get_jurisdiction("48201") == county
        assert r.get_jurisdiction("99") is None
        assert r.get_agency("TX1010000") == jail
        assert r.get_agency("nope") is None
        assert r.agencies() == [other, jail]
        assert r.policies_for(["48201", "48"]) == [old, new, overlay]
        assert isinstance(r.policies_for(["48201"])[0].offense_classes, tuple)
        assert r.policies_for([]) == []
        assert r.agreements() == [a0, a1, a2]
        assert r.agreements(snapshot="2025-07-03") == [a2]
        assert r.agreements(snapshot="2025-05-23 pm") == [a1]
        assert r.agreements(snapshot="2025-05-23") == [a0, a1]
        assert r.agreements(snapshot="2024-01-01") == []
        assert r.agreements(snapshot="not a snapshot") == []


def test_users_and_keys_round_trip(new_uow: UoW) -> None:
    ana, bob, key = builders.user(), builders.user("bob", ori=None, roles=set()), builders.api_key()
    expected = [fields_of(bob), fields_of(ana)]
    with new_uow() as uow:
        uow.accounts.add_user(bob)
        uow.accounts.add_user(ana)
        uow.accounts.add_key(key)
        uow.commit()
    with new_uow() as uow:
        assert [fields_of(u) for u in uow.accounts.users()] == sorted(
            expected, key=lambda f: f["username"]
        )
        loaded = uow.accounts.get_user("ana")
        assert loaded is not None
        assert fields_of(loaded) == fields_of(ana)
        loaded.roles.add(Role.ADMIN)
        loaded.failed_logons = 0
        stored_key = uow.accounts.get_key("lk_abc123")
        assert stored_key is not None
        assert fields_of(stored_key) == fields_of(key)
        assert uow.accounts.get_user("carol") is None
        assert uow.accounts.get_key("x") is None
        uow.commit()
    with new_uow() as uow:
        loaded = uow.accounts.get_user("ana")
        assert loaded is not None
        assert Role.ADMIN in loaded.roles
        assert loaded.failed_logons == 0


def test_audit_entries_append_and_read_back_in_pages(
    new_uow: UoW, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repositories, "_CHUNK", 3)  # several pages from a few entries
    entries = [builders.audit_entry(seq) for seq in range(1, 9)]
    with new_uow() as uow:
        assert uow.audit.head() is None
        for entry in entries:
            uow.audit.append(entry)
        uow.commit()
    with new_uow() as uow:
        assert uow.audit.head() == entries[-1]
        assert list(uow.audit.entries()) == entries
        assert list(uow.audit.entries(from_seq=4)) == entries[3:]
        assert list(uow.audit.entries(from_seq=9)) == []
        _assert_utc(*(e.at for e in uow.audit.entries()))
