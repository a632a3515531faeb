from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.conftest import SHARED_DATA
from tests.fakes import FakeUnitOfWork

from liaison.audit.chain import verify
from liaison.jurisdictions.errors import (
    DuplicateAgency,
    InvalidAgency,
    InvalidJurisdiction,
    InvalidOri,
    InvalidPolicy,
    MalformedAgreementRow,
    UnknownAgency,
    UnknownJurisdiction,
)
from liaison.jurisdictions.model import Agency, DetainerPolicy, JurisdictionKind, PolicyKind
from liaison.jurisdictions.services import (
    add_city,
    agency,
    enact_policy,
    import_287g,
    load_reference,
    register_agency,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HARRIS = "48201"
AGREEMENTS = SHARED_DATA / "287g" / "agreements.csv"


@pytest.fixture(scope="module")
def loaded_template() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    load_reference(uow=uow, at=T0, actor="pm")
    return uow


@pytest.fixture
def uow(loaded_template: FakeUnitOfWork) -> FakeUnitOfWork:
    return loaded_template.copy()


def test_load_reference_stores_states_and_counties_once() -> None:
    fresh = FakeUnitOfWork()
    added = load_reference(uow=fresh, at=T0, actor="pm")
    places = fresh.jurisdictions.places
    assert added == len(places) > 3000
    assert places["48"].kind is JurisdictionKind.STATE
    assert places[HARRIS].name == "Harris County"
    [entry] = fresh.audit.rows
    assert entry.action == "jurisdiction.load_reference"
    assert json.loads(entry.detail)["added"]["state"] == 56
    # idempotent: nothing added, nothing audited
    assert load_reference(uow=fresh, at=T0, actor="pm") == 0
    assert len(fresh.jurisdictions.places) == added
    assert len(fresh.audit.rows) == 1


def test_register_agency(uow: FakeUnitOfWork) -> None:
    made = register_agency(
        uow=uow,
        ori="TX1010000",
        name="Harris County Sheriff's Office",
        jurisdiction_fips=HARRIS,
        actor="pm",
        at=T0,
    )
    assert made == Agency("TX1010000", "Harris County Sheriff's Office", HARRIS)
    assert agency(uow=uow, ori="TX1010000") == made
    entry = uow.audit.rows[-1]
    assert (entry.action, entry.subject, entry.actor) == (
        "agency.register",
        "agency:TX1010000",
        "pm",
    )
    # the same agency again changes nothing
    again = register_agency(
        uow=uow,
        ori="TX1010000",
        name="Harris County Sheriff's Office",
        jurisdiction_fips=HARRIS,
        actor="pm",
        at=T0,
    )
    assert again == made
    assert uow.audit.rows[-1] == entry


@pytest.mark.parametrize(
    ("ori", "fips", "error", "message"),
    [
        ("TX101000", HARRIS, InvalidOri, "not an ORI"),
        ("TX10100000", HARRIS, InvalidOri, "not an ORI"),
        ("tx1010000", HARRIS, InvalidOri, "not an ORI"),
        ("TX-101000", HARRIS, InvalidOri, "not an ORI"),
        ("OK1010000", HARRIS, InvalidOri, "must start TX"),
        ("TX1010000", "48999", UnknownJurisdiction, "48999"),
        ("TX1010000", "4835000", UnknownJurisdiction, "4835000"),
    ],
)
def test_register_agency_validates(
    uow: FakeUnitOfWork, ori: str, fips: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        register_agency(uow=uow, ori=ori, name="x", jurisdiction_fips=fips, actor="pm", at=T0)
    assert uow.jurisdictions.agencies() == []


def test_an_ori_is_taken_once(uow: FakeUnitOfWork) -> None:
    register_agency(uow=uow, ori="TX1010000", name="A", jurisdiction_fips=HARRIS, actor="pm", at=T0)
    with pytest.raises(DuplicateAgency, match="'A'"):
        register_agency(
            uow=uow, ori="TX1010000", name="B", jurisdiction_fips=HARRIS, actor="pm", at=T0
        )
    with pytest.raises(InvalidAgency):
        register_agency(
            uow=uow, ori="TX1020000", name=" ", jurisdiction_fips=HARRIS, actor="pm", at=T0
        )


def test_nebraska_oris_start_with_the_ncic_code(uow: FakeUnitOfWork) -> None:
    lancaster = "31109"
    made = register_agency(
        uow=uow, ori="NB0550000", name="Lancaster", jurisdiction_fips=lancaster, actor="pm", at=T0
    )
    assert made.ori == "NB0550000"


def test_state_agencies_register_on_the_state(uow: FakeUnitOfWork) -> None:
    made = register_agency(
        uow=uow, ori="FL0370000", name="FDLE", jurisdiction_fips="12", actor="pm", at=T0, jail=False
    )
    assert made.jail is False


def test_unknown_agency(uow: FakeUnitOfWork) -> None:
    with pytest.raises(UnknownAgency, match="TX9999999"):
        agency(uow=uow, ori="TX9999999")


def test_cities_are_added_with_a_given_fips(uow: FakeUnitOfWork) -> None:
    houston = add_city(uow=uow, fips="4835000", name="Houston", actor="pm", at=T0)
    assert uow.jurisdictions.get_jurisdiction("4835000") == houston
    assert add_city(uow=uow, fips="4835000", name="Houston", actor="pm", at=T0) == houston
    with pytest.raises(InvalidJurisdiction, match="already"):
        add_city(uow=uow, fips="4835000", name="Dallas", actor="pm", at=T0)
    with pytest.raises(UnknownJurisdiction, match="state"):
        add_city(uow=FakeUnitOfWork(), fips="4835000", name="Houston", actor="pm", at=T0)
    made = register_agency(
        uow=uow, ori="TXHPD0000", name="Houston PD", jurisdiction_fips="4835000", actor="pm", at=T0
    )
    assert made.jurisdiction_fips == "4835000"


def test_enact_policy(uow: FakeUnitOfWork) -> None:
    policy = DetainerPolicy(
        jurisdiction_fips=HARRIS,
        kind=PolicyKind.CRIMINAL_CRITERIA,
        enacted_on=date(2024, 1, 1),
        offense_classes=("violent felony",),
        citation="Order 2024-1",
    )
    assert enact_policy(uow=uow, policy=policy, actor="pm", at=T0) == policy
    assert uow.jurisdictions.policies_for([HARRIS]) == [policy]
    entry = uow.audit.rows[-1]
    assert (entry.action, entry.subject) == ("policy.enact", f"jurisdiction:{HARRIS}")
    assert json.loads(entry.detail)["kind"] == "criminal_criteria"
    overlay = DetainerPolicy("48", PolicyKind.HONOR_ALL, date(2023, 9, 1), citation="SB4")
    enact_policy(uow=uow, policy=overlay, actor="pm", at=T0)
    assert overlay in uow.jurisdictions.policies_for(["48"])


@pytest.mark.parametrize(
    ("policy", "error", "message"),
    [
        (
            DetainerPolicy(HARRIS, PolicyKind.CRIMINAL_CRITERIA, date(2024, 1, 1)),
            InvalidPolicy,
            "offense classes",
        ),
        (
            DetainerPolicy(HARRIS, PolicyKind.CRIMINAL_CRITERIA, date(2024, 1, 1), ("felony", " ")),
            InvalidPolicy,
            "blank",
        ),
        (
            DetainerPolicy(HARRIS, PolicyKind.DECLINE_ALL, date(2024, 1, 1), ("felony",)),
            InvalidPolicy,
            "only to criminal_criteria",
        ),
        (
            DetainerPolicy("48999", PolicyKind.HONOR_ALL, date(2024, 1, 1)),
            UnknownJurisdiction,
            "48999",
        ),
    ],
)
def test_enact_policy_validates(
    uow: FakeUnitOfWork, policy: DetainerPolicy, error: type[Exception], message: str
) -> None:
    before = len(uow.audit.rows)
    with pytest.raises(error, match=message):
        enact_policy(uow=uow, policy=policy, actor="pm", at=T0)
    assert uow.jurisdictions.policies == []
    assert len(uow.audit.rows) == before


def test_import_287g_is_idempotent_per_snapshot(uow: FakeUnitOfWork) -> None:
    added = import_287g(uow=uow, path=AGREEMENTS, actor="pm", at=T0)
    assert added == 11257
    assert len(uow.jurisdictions.agreements(snapshot="2025-07-03 pm")) == 753
    entry = uow.audit.rows[-1]
    assert entry.action == "agreements287g.import"
    assert json.loads(entry.detail)["agreements"] == added
    assert len(json.loads(entry.detail)["snapshots"]) == 17
    assert import_287g(uow=uow, path=AGREEMENTS, actor="pm", at=T0) == 0
    assert len(uow.jurisdictions.agreements()) == added


def test_import_287g_adds_only_new_snapshots(uow: FakeUnitOfWork, tmp_path: Path) -> None:
    lines = AGREEMENTS.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    first = [r for r in rows if r.startswith("2025-05-16 am")]
    part = tmp_path / "part.csv"
    part.write_text("\n".join([header, *first]) + "\n", encoding="utf-8")
    assert import_287g(uow=uow, path=part, actor="pm", at=T0) == len(first) == 571
    assert import_287g(uow=uow, path=AGREEMENTS, actor="pm", at=T0) == 11257 - 571


def test_a_malformed_file_imports_nothing(uow: FakeUnitOfWork, tmp_path: Path) -> None:
    lines = AGREEMENTS.read_text(encoding="utf-8").splitlines()
    lines[100] = lines[100].replace("Model", "Mode")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(MalformedAgreementRow) as caught:
        import_287g(uow=uow, path=bad, actor="pm", at=T0)
    assert caught.value.line == 101
    assert uow.jurisdictions.agreements() == []


def test_every_decision_leaves_an_intact_trail(uow: FakeUnitOfWork) -> None:
    register_agency(uow=uow, ori="TX1010000", name="A", jurisdiction_fips=HARRIS, actor="pm", at=T0)
    enact_policy(
        uow=uow,
        policy=DetainerPolicy(HARRIS, PolicyKind.NOTIFY_ONLY, date(2024, 1, 1)),
        actor="pm",
        at=T0,
    )
    assert [e.action for e in uow.audit.rows] == [
        "jurisdiction.load_reference",
        "agency.register",
        "policy.enact",
    ]
    assert verify(uow.audit.rows) == []
