from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from tests.fakes import FakeIdentityRepository, FakeUnitOfWork

from liaison.audit.services import verify_trail
from liaison.identity import services
from liaison.identity.citizenship import RULED_CITIZEN, unresolved_indicators
from liaison.identity.errors import DuplicateIdentity, InvalidCitizenshipRuling, UnknownIdentity
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipRuling,
    Concurrence,
    EventKind,
    Identity,
    ImmigrationEvent,
    PersonName,
    StatusCategory,
)

AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
NOT_CITIZEN = CitizenshipFinding.NOT_CITIZEN
CITIZEN = CitizenshipFinding.CITIZEN


def person(identity_id: int = 42) -> Identity:
    return Identity(
        identity_id=identity_id,
        names=[PersonName("Doe", "Ana")],
        birth_date=date(1985, 3, 4),
        sex="F",
        birth_country="MX",
        events=[
            ImmigrationEvent(EventKind.LPR_GRANTED, date(2010, 1, 1)),
            ImmigrationEvent(EventKind.NATURALIZED, date(2016, 1, 1)),
        ],
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(identities=FakeIdentityRepository([person()]))


def test_enroll_adds_the_identity_and_audits_it() -> None:
    uow = FakeUnitOfWork()
    services.enroll_identity(uow=uow, identity=person(7), actor="clerk", at=AT)
    assert uow.identities.get(7) is not None
    assert uow.commits == 1
    entry = uow.audit.rows[-1]
    assert (entry.actor, entry.action, entry.subject, entry.at) == (
        "clerk",
        "identity.enroll",
        "identity:7",
        AT,
    )


def test_enrolling_a_taken_number_is_refused_and_leaves_no_trace(uow: FakeUnitOfWork) -> None:
    other = person()
    other.names = [PersonName("Roe", "Bea")]
    with pytest.raises(DuplicateIdentity):
        services.enroll_identity(uow=uow, identity=other, actor="clerk", at=AT)
    stored = uow.identities.get(42)
    assert stored is not None
    assert stored.names == [PersonName("Doe", "Ana")]
    assert uow.audit.rows == []


def test_get_identity_is_an_audited_read(uow: FakeUnitOfWork) -> None:
    got = services.get_identity(
        uow=uow, identity_id=42, actor="officer1", purpose="booking review", at=AT
    )
    assert got.identity_id == 42
    entry = uow.audit.rows[-1]
    assert (entry.actor, entry.action, entry.subject, entry.purpose) == (
        "officer1",
        "identity.read",
        "identity:42",
        "booking review",
    )
    assert uow.commits == 1


def test_an_unknown_identity_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(UnknownIdentity, match="no identity 9"):
        services.get_identity(uow=uow, identity_id=9, actor="officer1", purpose="p", at=AT)
    with pytest.raises(UnknownIdentity):
        services.current_status(
            uow=uow, identity_id=9, on=AT.date(), actor="officer1", purpose="p", at=AT
        )
    assert uow.audit.rows == []


def test_current_status_derives_and_audits_the_answer(uow: FakeUnitOfWork) -> None:
    before = services.current_status(
        uow=uow, identity_id=42, on=date(2012, 1, 1), actor="officer1", purpose="review", at=AT
    )
    now = services.current_status(
        uow=uow, identity_id=42, on=AT.date(), actor="officer1", purpose="review", at=AT
    )
    assert (before.category, before.lawful) == (StatusCategory.LPR, True)
    assert now.category is StatusCategory.CITIZEN_NATURALIZED
    entry = uow.audit.rows[-1]
    assert entry.action == "identity.status"
    assert json.loads(entry.detail) == {
        "on": "2025-06-01",
        "category": "citizen_naturalized",
        "lawful": True,
    }


def rule(
    uow: FakeUnitOfWork,
    finding: CitizenshipFinding,
    indicators: list[str],
    *,
    identity_id: int = 42,
    officer: str = "adjudicator1",
    evidence: str = "A-file reviewed",
    referral_id: str = "",
) -> CitizenshipRuling:
    """A ruling recorded in a unit of work of its own (the adjudication's, in the service)."""
    with uow:
        ruling = services.record_ruling(
            uow=uow,
            identity_id=identity_id,
            finding=finding,
            indicators=indicators,
            officer=officer,
            evidence=evidence,
            at=AT,
            referral_id=referral_id,
        )
        uow.commit()
    return ruling


def concur(
    uow: FakeUnitOfWork,
    *,
    agrees: bool = True,
    adjudicator: str = "adjudicator2",
    note: str = "the N-400 belongs to a namesake",
    referral_id: str = "R-1",
) -> CitizenshipRuling:
    with uow:
        ruling = services.record_concurrence(
            uow=uow,
            identity_id=42,
            referral_id=referral_id,
            adjudicator=adjudicator,
            agrees=agrees,
            note=note,
            at=AT,
        )
        uow.commit()
    return ruling


def test_a_not_citizen_ruling_resolves_the_listed_indicators() -> None:
    uow = FakeUnitOfWork(identities=FakeIdentityRepository([person()]))
    uow.identities.items[42].events.pop()  # no naturalization: nothing on record
    ruling = rule(
        uow,
        NOT_CITIZEN,
        ["claimed_us_citizenship", "claimed_us_citizenship"],
        officer="officer1",
        evidence="Mexican passport; no U.S. record",
    )
    assert ruling.indicators == ("claimed_us_citizenship",)
    assert ruling.ruled_at == AT
    assert not ruling.concurrence_required  # nothing on record to override
    assert ruling.in_force
    identity = uow.identities.get(42)
    assert identity is not None
    assert identity.citizenship_rulings == [ruling]
    assert unresolved_indicators(identity, claimed_citizenship="US") == ()
    assert unresolved_indicators(identity, birth_place="US") == ("us_place_of_birth",)


def test_record_ruling_runs_inside_the_callers_unit_of_work(uow: FakeUnitOfWork) -> None:
    with uow:
        services.record_ruling(
            uow=uow,
            identity_id=42,
            finding=CITIZEN,
            indicators=["naturalization_record"],
            officer="adjudicator1",
            evidence="certificate of naturalization 123",
            at=AT,
        )
        assert uow.commits == 0  # the caller commits, with what the ruling decides
    # left without a commit: nothing of it stays
    identity = uow.identities.get(42)
    assert identity is not None
    assert identity.citizenship_rulings == []
    assert uow.audit.rows == []


def test_a_ruling_is_an_audited_decision(uow: FakeUnitOfWork) -> None:
    rule(
        uow,
        CITIZEN,
        ["naturalization_record"],
        officer="officer1",
        evidence="certificate of naturalization 123",
        referral_id="R-7",
    )
    entry = uow.audit.rows[-1]
    assert (entry.actor, entry.action, entry.subject) == (
        "officer1",
        "identity.citizenship.rule",
        "identity:42",
    )
    assert json.loads(entry.detail) == {
        "finding": "citizen",
        "indicators": ["naturalization_record"],
        "evidence": "certificate of naturalization 123",
        "referral_id": "R-7",
        "concurrence_required": False,
    }


def test_a_not_citizen_ruling_over_a_citizenship_event_waits_for_a_second_adjudicator(
    uow: FakeUnitOfWork,
) -> None:
    ruling = rule(uow, NOT_CITIZEN, ["naturalization_record"], referral_id="R-1")
    assert ruling.concurrence_required
    assert ruling.awaiting_concurrence
    assert not ruling.in_force
    identity = uow.identities.get(42)
    assert identity is not None
    # until a second adjudicator agrees, it resolves nothing
    assert unresolved_indicators(identity) == ("naturalization_record",)
    assert json.loads(uow.audit.rows[-1].detail)["concurrence_required"] is True

    concurred = concur(uow)

    assert concurred.concurrence == Concurrence(
        "adjudicator2", True, "the N-400 belongs to a namesake", AT
    )
    assert concurred.in_force
    assert concurred.adjudicators == ("adjudicator1", "adjudicator2")
    identity = uow.identities.get(42)
    assert identity is not None
    assert identity.citizenship_rulings == [concurred]
    assert unresolved_indicators(identity) == ()
    entry = uow.audit.rows[-1]
    assert (entry.actor, entry.action, entry.subject) == (
        "adjudicator2",
        "identity.citizenship.concur",
        "identity:42",
    )
    assert json.loads(entry.detail) == {
        "referral_id": "R-1",
        "ruled_by": "adjudicator1",
        "finding": "not_citizen",
        "agrees": True,
        "note": "the N-400 belongs to a namesake",
    }


def test_a_dissent_leaves_the_ruling_out_of_force_for_good(uow: FakeUnitOfWork) -> None:
    rule(uow, NOT_CITIZEN, ["naturalization_record"], referral_id="R-1")
    dissent = concur(uow, agrees=False, note="the N-400 photograph matches")
    assert not dissent.in_force
    assert not dissent.awaiting_concurrence
    identity = uow.identities.get(42)
    assert identity is not None
    assert unresolved_indicators(identity) == ("naturalization_record",)
    with pytest.raises(InvalidCitizenshipRuling, match="awaits a concurrence"):
        concur(uow, adjudicator="adjudicator3")


@pytest.mark.parametrize(
    ("adjudicator", "note", "referral_id", "problem"),
    [
        ("adjudicator1", "agreed", "R-1", "another person"),
        ("adjudicator2", "  ", "R-1", "its note"),
        ("  ", "agreed", "R-1", "its adjudicator"),
        ("adjudicator2", "agreed", "R-2", "no ruling of referral R-2 awaits"),
    ],
)
def test_an_invalid_concurrence_is_refused_and_leaves_no_trace(
    uow: FakeUnitOfWork, adjudicator: str, note: str, referral_id: str, problem: str
) -> None:
    waiting = rule(uow, NOT_CITIZEN, ["naturalization_record"], referral_id="R-1")
    trail = list(uow.audit.rows)
    with pytest.raises(InvalidCitizenshipRuling, match=problem):
        concur(uow, adjudicator=adjudicator, note=note, referral_id=referral_id)
    identity = uow.identities.get(42)
    assert identity is not None
    assert identity.citizenship_rulings == [waiting]
    assert uow.audit.rows == trail


def test_a_ruling_that_needs_no_concurrence_takes_none(uow: FakeUnitOfWork) -> None:
    rule(uow, CITIZEN, ["naturalization_record"], referral_id="R-1")
    with pytest.raises(InvalidCitizenshipRuling, match="awaits a concurrence"):
        concur(uow)


def test_a_citizen_ruling_stands(uow: FakeUnitOfWork) -> None:
    rule(uow, CITIZEN, ["naturalization_record"])
    with pytest.raises(InvalidCitizenshipRuling, match="ruled a citizen"):
        rule(uow, NOT_CITIZEN, ["naturalization_record"])
    identity = uow.identities.get(42)
    assert identity is not None
    assert [r.finding for r in identity.citizenship_rulings] == [CITIZEN]
    assert unresolved_indicators(identity) == (RULED_CITIZEN,)
    assert len(uow.audit.rows) == 1


@pytest.mark.parametrize(
    ("finding", "indicators", "officer", "evidence", "problem"),
    [
        (NOT_CITIZEN, ["born_on_mars"], "officer1", "A-file", "no such citizenship indicator"),
        (NOT_CITIZEN, [RULED_CITIZEN], "officer1", "A-file", "can never be resolved"),
        (NOT_CITIZEN, [], "officer1", "A-file", "lists the indicators"),
        (NOT_CITIZEN, ["naturalization_record"], "officer1", "  ", "evidence"),
        (CITIZEN, [], "", "passport", "officer"),
    ],
)
def test_an_invalid_ruling_is_refused_and_leaves_no_trace(
    uow: FakeUnitOfWork,
    finding: CitizenshipFinding,
    indicators: list[str],
    officer: str,
    evidence: str,
    problem: str,
) -> None:
    with pytest.raises(InvalidCitizenshipRuling, match=problem):
        rule(uow, finding, indicators, officer=officer, evidence=evidence)
    identity = uow.identities.get(42)
    assert identity is not None
    assert identity.citizenship_rulings == []
    assert uow.audit.rows == []


def test_a_ruling_on_an_unknown_identity_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(UnknownIdentity):
        rule(uow, CITIZEN, [], identity_id=9, evidence="passport")
    assert uow.audit.rows == []


def test_the_entries_form_one_verifiable_chain(uow: FakeUnitOfWork) -> None:
    services.enroll_identity(uow=uow, identity=person(7), actor="clerk", at=AT)
    services.get_identity(uow=uow, identity_id=7, actor="officer1", purpose="review", at=AT)
    services.current_status(
        uow=uow, identity_id=42, on=AT.date(), actor="officer1", purpose="review", at=AT
    )
    assert [e.seq for e in uow.audit.rows] == [1, 2, 3]
    report = verify_trail(uow=uow, expected_count=3)
    assert report.ok


def test_the_exported_names_are_pinned() -> None:
    assert services.__all__ == [
        "current_status",
        "enroll_identities",
        "enroll_identity",
        "find_identities",
        "get_identity",
        "record_concurrence",
        "record_ruling",
    ]


def test_a_batch_enrolls_all_in_one_audited_transaction() -> None:
    uow = FakeUnitOfWork()
    added = services.enroll_identities(
        uow=uow, identities=[person(i) for i in (3, 4, 5)], actor="loader", at=AT
    )
    assert added == 3
    assert all(uow.identities.get(i) is not None for i in (3, 4, 5))
    assert uow.commits == 1
    assert [e.action for e in uow.audit.rows] == ["identity.enroll_batch"]


def test_a_batch_with_a_taken_number_adds_none(uow: FakeUnitOfWork) -> None:
    with pytest.raises(DuplicateIdentity):
        services.enroll_identities(
            uow=uow, identities=[person(8), person(42)], actor="loader", at=AT
        )
    assert uow.identities.get(8) is None
    assert uow.audit.rows == []


def test_a_search_by_family_name_and_birth_date_finds_aliases_and_is_audited() -> None:
    born = date(1985, 3, 4)
    people = [
        Identity(1, [PersonName("Núñez", "Ana")], born, "F", "MX"),
        Identity(
            2, [PersonName("Ortega", "Luis"), PersonName("Nunez", "L", alias=True)], born, "M", "MX"
        ),
        Identity(3, [PersonName("Nunez", "Eva")], date(1985, 3, 5), "F", "MX"),  # another day
        Identity(4, [PersonName("Nunezz", "Ida")], born, "F", "MX"),
    ]
    uow = FakeUnitOfWork(identities=FakeIdentityRepository(people))
    found = services.find_identities(
        uow=uow, family_name="  NUNEZ ", birth_date=born, actor="officer", purpose="review", at=AT
    )
    assert [i.identity_id for i in found] == [1, 2]
    (entry,) = uow.audit.rows
    assert (entry.action, entry.purpose, entry.actor) == ("identity.search", "review", "officer")
    assert json.loads(entry.detail)["ids"] == [1, 2]
    nobody = services.find_identities(
        uow=uow, family_name="Smith", birth_date=born, actor="officer", purpose="review", at=AT
    )
    assert nobody == []
    assert len(uow.audit.rows) == 2  # an empty answer is a read too
