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


def test_a_not_citizen_ruling_resolves_the_listed_indicators() -> None:
    uow = FakeUnitOfWork(identities=FakeIdentityRepository([person()]))
    uow.identities.items[42].events.pop()  # no naturalization: nothing on record
    ruling = services.rule_on_citizenship(
        uow=uow,
        identity_id=42,
        finding=NOT_CITIZEN,
        indicators=["claimed_us_citizenship", "claimed_us_citizenship"],
        officer="officer1",
        evidence="Mexican passport; no U.S. record",
        at=AT,
    )
    assert ruling.indicators == ("claimed_us_citizenship",)
    assert ruling.ruled_at == AT
    identity = uow.identities.get(42)
    assert identity is not None
    assert identity.citizenship_rulings == [ruling]
    assert unresolved_indicators(identity, claimed_citizenship="US") == ()
    assert unresolved_indicators(identity, birth_place="US") == ("us_place_of_birth",)


def test_a_ruling_is_an_audited_decision(uow: FakeUnitOfWork) -> None:
    services.rule_on_citizenship(
        uow=uow,
        identity_id=42,
        finding=CITIZEN,
        indicators=["naturalization_record"],
        officer="officer1",
        evidence="certificate of naturalization 123",
        at=AT,
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
    }


def test_a_citizen_ruling_stands(uow: FakeUnitOfWork) -> None:
    def rule(finding: CitizenshipFinding) -> None:
        services.rule_on_citizenship(
            uow=uow,
            identity_id=42,
            finding=finding,
            indicators=["naturalization_record"],
            officer="officer1",
            evidence="A-file",
            at=AT,
        )

    rule(CITIZEN)
    with pytest.raises(InvalidCitizenshipRuling, match="ruled a citizen"):
        rule(NOT_CITIZEN)
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
        services.rule_on_citizenship(
            uow=uow,
            identity_id=42,
            finding=finding,
            indicators=indicators,
            officer=officer,
            evidence=evidence,
            at=AT,
        )
    identity = uow.identities.get(42)
    assert identity is not None
    assert identity.citizenship_rulings == []
    assert uow.audit.rows == []


def test_a_ruling_on_an_unknown_identity_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(UnknownIdentity):
        services.rule_on_citizenship(
            uow=uow,
            identity_id=9,
            finding=CITIZEN,
            indicators=[],
            officer="officer1",
            evidence="passport",
            at=AT,
        )


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
        "get_identity",
        "record_ruling",
        "rule_on_citizenship",
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
