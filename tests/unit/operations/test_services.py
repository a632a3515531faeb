from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from liaison.audit.chain import verify
from liaison.audit.model import AuditEntry
from liaison.jurisdictions.errors import UnknownJurisdiction
from liaison.jurisdictions.model import Agency, Agreement287g, AgreementModel
from liaison.operations import services
from liaison.operations.agreements import record, status_on
from liaison.operations.deployments import deployment
from liaison.operations.errors import (
    DuplicateAgreement,
    DuplicateDeclaration,
    DuplicateDeployment,
    DuplicateFacility,
    DuplicateTarget,
    ExtensionRefused,
    InvalidCustodyEvent,
    InvalidFacility,
    NaiveDatetime,
    NotRequested,
    OverlappingDeployment,
    StateNotInScope,
    UnknownAgreement,
    UnknownDeclaration,
    UnknownDeployment,
    UnknownFacility,
    UnknownRecord,
    UnknownSnapshot,
    UnknownTarget,
)
from liaison.operations.model import (
    AgreementStatus,
    AnswerStatus,
    AssistanceAnswer,
    CustodyEventKind,
    CustodyTransfer,
    DeclarationKind,
    Deployment,
    Metric,
    TargetStatus,
    TransferIntakes,
)
from liaison.operations.ports import OperationsUnitOfWork

T0 = datetime(2025, 6, 2, 5, tzinfo=UTC)  # 1 June in Hawaii, 2 June in New York
AT = datetime(2025, 6, 2, 12, tzinfo=UTC)
HOUSTON, HARRIS, MIAMI_DADE = "4835000", "48201", "12086"
NY, HI, TX = "36", "15", "48"

# the fixtures of conftest.py: ``uow`` (every state, the counties of Texas and Florida, and
# Houston) and ``make_uow`` (the same, with facts or deployments given as keywords)
MakeUnitOfWork = Callable[..., OperationsUnitOfWork]


def trail(uow: OperationsUnitOfWork) -> list[AuditEntry]:
    return list(uow.audit.entries())


def actions(uow: OperationsUnitOfWork) -> list[str]:
    return [e.action for e in trail(uow)]


# ---- declarations --------------------------------------------------------------------------


def declare(uow: OperationsUnitOfWork, **change: object) -> None:
    args: dict[str, object] = {
        "uow": uow,
        "declaration_id": "MI-1",
        "kind": DeclarationKind.MASS_INFLUX,
        "authority": "INA 103(a)(10)",
        "issued_at": T0,
        "effective_at": T0,
        "states": ["NY", "HI", "TX"],
        "actor": "pm",
        "at": AT,
    }
    services.declare(**(args | change))  # type: ignore[arg-type]


def test_declare_stores_audits_and_is_idempotent(uow: OperationsUnitOfWork) -> None:
    declare(uow)
    stored = services.get_declaration(uow=uow, declaration_id="MI-1")
    assert stored.states == (HI, NY, TX)
    [entry] = trail(uow)
    assert (entry.action, entry.subject, entry.actor, entry.purpose) == (
        "declaration.declare",
        "declaration:MI-1",
        "pm",
        "program management",
    )
    detail = json.loads(entry.detail)
    assert detail["expires_at"] == "2025-08-01T05:00:00+00:00"
    declare(uow)  # the same again: nothing new
    assert len(trail(uow)) == 1
    with pytest.raises(DuplicateDeclaration, match="'MI-1'"):
        declare(uow, authority="another")
    assert verify(trail(uow)) == []


def test_the_whole_life_of_a_declaration(uow: OperationsUnitOfWork) -> None:
    declare(uow)
    services.request_assistance(
        uow=uow,
        declaration_id="MI-1",
        requested_at=T0 + timedelta(hours=1),
        request="detention space",
        actor="pm",
        at=AT,
    )
    services.record_answer(
        uow=uow,
        declaration_id="MI-1",
        state="Texas",
        answer=AssistanceAnswer.ACCEPTED,
        answered_on=date(2025, 6, 3),
        actor="pm",
        at=AT,
    )
    extended = services.extend_declaration(
        uow=uow,
        declaration_id="MI-1",
        extended_at=T0 + timedelta(days=59),
        extended_by="Attorney General",
        authority="28 CFR 65.83(c)",
        days=30,
        actor="pm",
        at=AT,
    )
    assert extended.expires_at == T0 + timedelta(days=90)
    assert services.get_declaration(uow=uow, declaration_id="MI-1") == extended
    assert services.assistance_answers(uow=uow, declaration_id="MI-1") == {
        HI: AnswerStatus.NO_ANSWER,
        NY: AnswerStatus.NO_ANSWER,
        TX: AnswerStatus.ACCEPTED,
    }
    assert actions(uow) == [
        "declaration.declare",
        "declaration.request_assistance",
        "declaration.answer",
        "declaration.extend",
    ]
    assert json.loads(trail(uow)[-1].detail)["previous_expiry"] == "2025-08-01T05:00:00+00:00"
    declare(uow)  # re-running the declaration after what followed it is still a no-op
    assert len(trail(uow)) == 4
    # asking everyone again asks no one, and audits nothing
    services.request_assistance(
        uow=uow, declaration_id="MI-1", requested_at=T0, request="x", actor="pm", at=AT
    )
    assert len(trail(uow)) == 4


def test_a_refused_extension_keeps_nothing(uow: OperationsUnitOfWork) -> None:
    declare(uow)
    with pytest.raises(ExtensionRefused, match="too late"):
        services.extend_declaration(
            uow=uow,
            declaration_id="MI-1",
            extended_at=T0 + timedelta(days=60),
            extended_by="AG",
            authority="x",
            days=30,
            actor="pm",
            at=AT,
        )
    assert services.get_declaration(uow=uow, declaration_id="MI-1").extensions == ()
    assert actions(uow) == ["declaration.declare"]


def test_answers_are_refused_for_states_not_in_scope_or_not_asked(
    uow: OperationsUnitOfWork,
) -> None:
    declare(uow)
    args: dict[str, object] = {
        "uow": uow,
        "declaration_id": "MI-1",
        "answer": AssistanceAnswer.DECLINED,
        "answered_on": date(2025, 6, 5),
        "actor": "pm",
        "at": AT,
    }
    with pytest.raises(StateNotInScope):
        services.record_answer(state="CA", **args)  # type: ignore[arg-type]
    with pytest.raises(NotRequested):
        services.record_answer(state="NY", **args)  # type: ignore[arg-type]
    assert actions(uow) == ["declaration.declare"]


def test_an_unknown_declaration(uow: OperationsUnitOfWork) -> None:
    with pytest.raises(UnknownDeclaration, match="no declaration 'MI-9'") as caught:
        services.get_declaration(uow=uow, declaration_id="MI-9")
    assert isinstance(caught.value, UnknownRecord)


def test_declarations_in_force_on_a_day_across_zones(uow: OperationsUnitOfWork) -> None:
    declare(uow)
    declare(uow, declaration_id="MI-2", states=["FL"], effective_at=T0 + timedelta(days=10))
    june_1 = services.declarations_in_force(uow=uow, on=date(2025, 6, 1))
    assert [(f.declaration.declaration_id, f.states) for f in june_1] == [("MI-1", (HI,))]
    assert services.declarations_in_force(uow=uow, on=date(2025, 6, 1), state="NY") == []
    june_20 = services.declarations_in_force(uow=uow, on=date(2025, 6, 20))
    assert [(f.declaration.declaration_id, f.states) for f in june_20] == [
        ("MI-1", (HI, NY, TX)),
        ("MI-2", ("12",)),
    ]
    in_texas = services.declarations_in_force(uow=uow, on=date(2025, 6, 20), state="Texas")
    assert [(f.declaration.declaration_id, f.states) for f in in_texas] == [("MI-1", (TX,))]


def test_naive_times_are_refused_before_anything_is_stored(uow: OperationsUnitOfWork) -> None:
    with pytest.raises(NaiveDatetime, match="effective_at"):
        declare(uow, effective_at=datetime(2025, 6, 2, 5))
    with pytest.raises(NaiveDatetime, match=r"^at has no time zone"):
        declare(uow, at=datetime(2025, 6, 2, 5))
    assert uow.declarations.all() == []


def test_every_declaration_is_listed_as_recorded_by_effective_time(
    uow: OperationsUnitOfWork,
) -> None:
    assert services.list_declarations(uow=uow) == []
    declare(uow, declaration_id="MI-2", states=["FL"], effective_at=T0 + timedelta(days=10))
    declare(uow)  # MI-1, effective 10 days before MI-2 though declared after it
    services.extend_declaration(
        uow=uow,
        declaration_id="MI-1",
        extended_at=T0 + timedelta(days=59),
        extended_by="Attorney General",
        authority="28 CFR 65.83(c)",
        days=30,
        actor="pm",
        at=AT,
    )
    listed = services.list_declarations(uow=uow)
    assert [d.declaration_id for d in listed] == ["MI-1", "MI-2"]
    assert listed[0] == services.get_declaration(uow=uow, declaration_id="MI-1")
    assert listed[0].expires_at == T0 + timedelta(days=90)  # as extended
    # listed whether in force or not: MI-1 has expired long before this day
    assert services.declarations_in_force(uow=uow, on=date(2026, 1, 1)) == []
    assert len(services.list_declarations(uow=uow)) == 2
    assert actions(uow) == ["declaration.declare", "declaration.declare", "declaration.extend"]


# ---- agreements ----------------------------------------------------------------------------


def _list_row(label: str, agency: str, model: AgreementModel) -> Agreement287g:
    return Agreement287g(
        agency_name=agency,
        state="TX",
        model=model,
        signed_on=None,
        snapshot=date.fromisoformat(label[:10]),
        snapshot_label=label,
    )


def test_recorded_agreements(uow: OperationsUnitOfWork) -> None:
    harris = record(
        agreement_id="A1",
        agency_name="Harris County Sheriff's Office",
        state="TX",
        model=AgreementModel.JAIL_ENFORCEMENT,
        signed_on=date(2025, 2, 20),
        expires_on=date(2027, 2, 19),
        trained_officers=12,
    )
    assert services.record_agreement(uow=uow, agreement=harris, actor="pm", at=AT) == harris
    services.record_agreement(uow=uow, agreement=harris, actor="pm", at=AT)  # no-op
    with pytest.raises(DuplicateAgreement):
        services.record_agreement(
            uow=uow, agreement=record(**{**vars(harris), "trained_officers": 3}), actor="pm", at=AT
        )
    assert services.agreements_in_effect(uow=uow, on=date(2025, 3, 1)) == [harris]
    ended = services.terminate_agreement(
        uow=uow, agreement_id="A1", on=date(2025, 3, 1), actor="pm", at=AT
    )
    assert ended.terminated_on == date(2025, 3, 1)
    assert services.agreements_in_effect(uow=uow, on=date(2025, 3, 1)) == []
    assert services.agreements_in_effect(uow=uow, on=date(2025, 2, 28)) == [ended]
    assert actions(uow) == ["agreement.record", "agreement.terminate"]
    assert status_on(ended, date(2025, 3, 1)) is AgreementStatus.TERMINATED
    with pytest.raises(UnknownAgreement):
        services.terminate_agreement(
            uow=uow, agreement_id="A9", on=date(2025, 3, 1), actor="pm", at=AT
        )


def test_agreement_changes_between_stored_snapshots(uow: OperationsUnitOfWork) -> None:
    jem, wso = AgreementModel.JAIL_ENFORCEMENT, AgreementModel.WARRANT_SERVICE_OFFICER
    uow.jurisdictions.add_agreements(
        [
            _list_row("2025-05-23 am", "harris county sheriff", jem),
            _list_row("2025-05-23 am", "galveston county sheriff", wso),
            _list_row("2025-05-23 pm", "harris county sheriff", jem),
            _list_row("2025-05-23 pm", "dallas county sheriff", wso),
        ]
    )
    change = services.agreement_changes(uow=uow, earlier="2025-05-23 am", later="2025-05-23 pm")
    assert [a.agency_name for a in change.added] == ["dallas county sheriff"]
    assert [a.agency_name for a in change.ended] == ["galveston county sheriff"]
    with pytest.raises(UnknownSnapshot, match="'2025-05-24 am'"):
        services.agreement_changes(uow=uow, earlier="2025-05-23 am", later="2025-05-24 am")
    assert services.agreement_counts(uow=uow) == {
        ("2025-05-23 am", jem): 1,
        ("2025-05-23 am", wso): 1,
        ("2025-05-23 pm", jem): 1,
        ("2025-05-23 pm", wso): 1,
    }


# ---- deployments ---------------------------------------------------------------------------


def deploy(uow: OperationsUnitOfWork, deployment_id: str, **change: object) -> None:
    args: dict[str, object] = {
        "uow": uow,
        "deployment_id": deployment_id,
        "agency": "CBP",
        "unit": "BORTAC",
        "destinations": {HOUSTON: 40, HARRIS: 10},
        "start": date(2025, 6, 1),
        "end": date(2025, 6, 10),
        "actor": "pm",
        "at": AT,
        "mission": "support",
    }
    services.deploy(**(args | change))  # type: ignore[arg-type]


def test_deployments_are_stored_audited_and_counted(uow: OperationsUnitOfWork) -> None:
    deploy(uow, "D1")
    deploy(uow, "D1")  # the same again: nothing new
    deploy(uow, "D2", agency="ATF", unit="SRT", destinations={HOUSTON: 5}, start=date(2025, 6, 10))
    assert actions(uow) == ["deployment.add", "deployment.add"]
    assert json.loads(trail(uow)[0].detail)["destinations"] == {HARRIS: 10, HOUSTON: 40}
    assert services.headcount_in_place(uow=uow, on=date(2025, 6, 10)) == {HARRIS: 10, HOUSTON: 45}
    assert services.get_deployment(uow=uow, deployment_id="D2").headcount == 5
    with pytest.raises(UnknownDeployment):
        services.get_deployment(uow=uow, deployment_id="D9")
    with pytest.raises(DuplicateDeployment):
        deploy(uow, "D1", mission="another")


def test_an_overlapping_deployment_of_the_unit_is_refused(uow: OperationsUnitOfWork) -> None:
    deploy(uow, "D1")
    with pytest.raises(OverlappingDeployment, match="already deployed under 'D1'"):
        deploy(uow, "D2", agency="cbp", start=date(2025, 6, 10), end=date(2025, 6, 12))
    deploy(uow, "D3", start=date(2025, 6, 11), end=date(2025, 6, 12))
    assert [d.deployment_id for d in uow.deployments.all()] == ["D1", "D3"]
    assert services.deployment_overlaps(uow=uow) == []


def test_overlaps_among_deployments_stored_another_way(make_uow: MakeUnitOfWork) -> None:
    def bortac(deployment_id: str, start: int, end: int) -> Deployment:
        return deployment(
            deployment_id=deployment_id,
            agency="CBP",
            unit="BORTAC",
            destinations={HOUSTON: 5},
            start=date(2025, 6, start),
            end=date(2025, 6, end),
        )

    loaded = make_uow(deployments=[bortac("A", 1, 10), bortac("B", 10, 12)])
    [overlap] = services.deployment_overlaps(uow=loaded)
    assert (overlap.first.deployment_id, overlap.second.deployment_id) == ("A", "B")
    assert (overlap.start, overlap.end) == (date(2025, 6, 10), date(2025, 6, 10))


def test_destinations_must_be_known_places(uow: OperationsUnitOfWork) -> None:
    with pytest.raises(UnknownJurisdiction, match="'4819000'"):
        deploy(uow, "D1", destinations={"4819000": 3})  # Dallas city is not stored
    assert uow.deployments.all() == []
    assert trail(uow) == []


def test_deployments_are_listed_all_or_in_place_on_a_day(uow: OperationsUnitOfWork) -> None:
    assert services.list_deployments(uow=uow) == []
    deploy(uow, "D2", agency="ATF", unit="SRT", start=date(2025, 6, 10), end=date(2025, 6, 20))
    deploy(uow, "D1")  # 1-10 June
    deploy(uow, "D0", agency="USMS", unit="TF", start=date(2025, 5, 1), end=date(2025, 5, 31))
    everything = services.list_deployments(uow=uow)
    assert [d.deployment_id for d in everything] == ["D0", "D1", "D2"]
    assert everything[1] == services.get_deployment(uow=uow, deployment_id="D1")

    def on(day: date) -> list[str]:
        return [d.deployment_id for d in services.list_deployments(uow=uow, on=day)]

    assert on(date(2025, 5, 31)) == ["D0"]
    assert on(date(2025, 6, 10)) == ["D1", "D2"]  # both windows include their last day
    assert on(date(2025, 6, 11)) == ["D2"]
    assert on(date(2025, 6, 21)) == []
    assert actions(uow) == ["deployment.add"] * 3


# ---- targets -------------------------------------------------------------------------------


def test_target_progress_is_counted_from_facts(make_uow: MakeUnitOfWork) -> None:
    june = [(Metric.ARRESTS, HARRIS, datetime(2025, 6, d, 15, tzinfo=UTC)) for d in range(1, 31)]
    july = [
        (Metric.ARRESTS, HARRIS, datetime(2025, 7, 1 + i % 10, 15, tzinfo=UTC)) for i in range(20)
    ]
    loaded = make_uow(facts=june + july)
    target = services.set_target(
        uow=loaded,
        target_id="T1",
        metric=Metric.ARRESTS,
        jurisdictions=[HARRIS],
        start=date(2025, 7, 1),
        end=date(2025, 7, 30),
        baseline_start=date(2025, 6, 1),
        baseline_end=date(2025, 6, 30),
        goal_percent=35.0,
        actor="pm",
        at=AT,
    )
    assert target.jurisdictions == (HARRIS,)
    progress = services.target_progress(uow=loaded, target_id="T1", as_of=date(2025, 7, 10))
    assert (progress.baseline, progress.current, progress.elapsed_days) == (30, 20, 10)
    assert progress.goal == pytest.approx(40.5)
    assert progress.projected == pytest.approx(60.0)
    assert progress.change_percent == pytest.approx(100.0)
    assert progress.status is TargetStatus.ON_TRACK
    assert actions(loaded) == ["target.set"]
    with pytest.raises(UnknownTarget):
        services.target_progress(uow=loaded, target_id="T9", as_of=date(2025, 7, 10))


def test_a_target_over_unknown_places_or_a_taken_id_is_refused(
    uow: OperationsUnitOfWork,
) -> None:
    args: dict[str, object] = {
        "uow": uow,
        "target_id": "T1",
        "metric": Metric.DETAINERS_HONORED,
        "jurisdictions": [HARRIS],
        "start": date(2025, 7, 1),
        "end": date(2025, 7, 30),
        "baseline_start": date(2025, 6, 1),
        "baseline_end": date(2025, 6, 30),
        "goal_percent": 35.0,
        "actor": "pm",
        "at": AT,
    }
    with pytest.raises(UnknownJurisdiction, match="'06037'"):
        services.set_target(**(args | {"jurisdictions": [HARRIS, "06037"]}))  # type: ignore[arg-type]
    services.set_target(**args)  # type: ignore[arg-type]
    services.set_target(**args)  # type: ignore[arg-type]
    with pytest.raises(DuplicateTarget):
        services.set_target(**(args | {"goal_percent": 20.0}))  # type: ignore[arg-type]
    assert actions(uow) == ["target.set"]


def test_targets_are_listed_by_id(uow: OperationsUnitOfWork) -> None:
    assert services.list_targets(uow=uow) == []
    for target_id, metric in (("T2", Metric.ARRESTS), ("T1", Metric.DETAINERS_HONORED)):
        services.set_target(
            uow=uow,
            target_id=target_id,
            metric=metric,
            jurisdictions=[HARRIS],
            start=date(2025, 7, 1),
            end=date(2025, 7, 30),
            baseline_start=date(2025, 6, 1),
            baseline_end=date(2025, 6, 30),
            goal_percent=35.0,
            actor="pm",
            at=AT,
        )
    listed = services.list_targets(uow=uow)
    assert [(t.target_id, t.metric) for t in listed] == [
        ("T1", Metric.DETAINERS_HONORED),
        ("T2", Metric.ARRESTS),
    ]
    assert listed[0].jurisdictions == (HARRIS,)
    assert actions(uow) == ["target.set", "target.set"]


# ---- capacity ------------------------------------------------------------------------------


def test_facilities_and_custody_events(uow: OperationsUnitOfWork) -> None:
    services.add_facility(
        uow=uow,
        facility_id="F1",
        name="Houston CDF",
        jurisdiction_fips=HARRIS,
        beds=10,
        actor="pm",
        at=AT,
    )
    services.add_facility(
        uow=uow,
        facility_id="F1",
        name="Houston CDF",
        jurisdiction_fips=HARRIS,
        beds=10,
        actor="pm",
        at=AT,
    )
    with pytest.raises(DuplicateFacility):
        services.add_facility(
            uow=uow,
            facility_id="F1",
            name="Houston CDF",
            jurisdiction_fips=HARRIS,
            beds=99,
            actor="pm",
            at=AT,
        )
    with pytest.raises(InvalidFacility, match="not in Texas"):
        services.add_facility(
            uow=uow, facility_id="F2", name="x", jurisdiction_fips=TX, beds=9, actor="pm", at=AT
        )
    with pytest.raises(UnknownJurisdiction):
        services.add_facility(
            uow=uow,
            facility_id="F2",
            name="x",
            jurisdiction_fips="06037",
            beds=9,
            actor="pm",
            at=AT,
        )
    for n, kind, people in ((1, CustodyEventKind.CENSUS, 6), (2, CustodyEventKind.INTAKE, 2)):
        services.record_custody_event(
            uow=uow,
            facility_id="F1",
            kind=kind,
            on=date(2025, 6, n),
            people=people,
            actor="pm",
            at=AT,
        )
    with pytest.raises(InvalidCustodyEvent, match="releases more than it holds"):
        services.record_custody_event(
            uow=uow,
            facility_id="F1",
            kind=CustodyEventKind.RELEASE,
            on=date(2025, 6, 2),
            people=9,
            actor="pm",
            at=AT,
        )
    with pytest.raises(UnknownFacility):
        services.record_custody_event(
            uow=uow,
            facility_id="F9",
            kind=CustodyEventKind.INTAKE,
            on=date(2025, 6, 2),
            actor="pm",
            at=AT,
        )
    assert actions(uow) == ["facility.add", "custody.census", "custody.intake"]
    series = services.facility_occupancy(
        uow=uow, facility_id="F1", first=date(2025, 6, 1), last=date(2025, 6, 3)
    )
    assert [d.occupancy for d in series] == [6, 8, 8]
    p = services.capacity_projection(
        uow=uow, as_of=date(2025, 6, 2), lookback_days=1, horizon_days=5
    )
    assert (p.occupancy, p.net_daily_intake, p.full_on) == (8, 2.0, date(2025, 6, 3))
    assert p.beds_short_at_horizon == 8
    assert services.capacity_projection(uow=uow, as_of=date(2025, 6, 2), facility_ids=["F1"]) == (
        services.capacity_projection(uow=uow, as_of=date(2025, 6, 2))
    )
    with pytest.raises(UnknownFacility):
        services.capacity_projection(uow=uow, as_of=date(2025, 6, 2), facility_ids=["F9"])
    with pytest.raises(UnknownFacility):
        services.facility_occupancy(
            uow=uow, facility_id="F9", first=date(2025, 6, 1), last=date(2025, 6, 1)
        )


def test_facilities_are_listed_by_id(uow: OperationsUnitOfWork) -> None:
    assert services.list_facilities(uow=uow) == []
    for facility_id, fips, beds in (("F2", MIAMI_DADE, 40), ("F1", HARRIS, 10)):
        services.add_facility(
            uow=uow,
            facility_id=facility_id,
            name=f"facility {facility_id}",
            jurisdiction_fips=fips,
            beds=beds,
            actor="pm",
            at=AT,
        )
    listed = services.list_facilities(uow=uow)
    assert [(f.facility_id, f.jurisdiction_fips, f.beds) for f in listed] == [
        ("F1", HARRIS, 10),
        ("F2", MIAMI_DADE, 40),
    ]
    assert actions(uow) == ["facility.add", "facility.add"]


# ---- transfers into custody ----------------------------------------------------------------

DALLAS_COUNTY = "48113"
TRANSFER_AGENCIES = [
    Agency("TX1010000", "Harris County Sheriff's Office", HARRIS),
    Agency("TXHPD0000", "Houston Police Department", HOUSTON),
    Agency("TXDPS0000", "Texas Department of Public Safety", TX, jail=False),
    Agency("FL0130000", "Miami-Dade Corrections", MIAMI_DADE),
]


def transferred(detainer_id: str, ori: str, at: datetime) -> CustodyTransfer:
    return CustodyTransfer(detainer_id=detainer_id, ori=ori, transferred_at=at)


def add_facilities(uow: OperationsUnitOfWork, *places: tuple[str, str]) -> None:
    for facility_id, fips in places:
        services.add_facility(
            uow=uow,
            facility_id=facility_id,
            name=f"facility {facility_id}",
            jurisdiction_fips=fips,
            beds=10,
            actor="pm",
            at=AT,
        )


def test_transfers_become_intakes_at_the_agencys_facility(make_uow: MakeUnitOfWork) -> None:
    late_evening = datetime(2025, 6, 2, 3, tzinfo=UTC)  # 1 June, 22:00 in Houston
    loaded = make_uow(
        agencies=TRANSFER_AGENCIES,
        transfers=[
            transferred("D1", "TX1010000", late_evening),  # the county's own facility
            transferred("D2", "TXHPD0000", T0),  # no facility in the city: the state's first
            transferred("D3", "TXDPS0000", T0 + timedelta(hours=1)),  # a state agency: the same
            transferred("D4", "FL0130000", T0 + timedelta(hours=2)),  # none in Florida
            transferred("D5", "CA0190000", T0 + timedelta(hours=3)),  # not registered
        ],
    )
    add_facilities(loaded, ("F1", DALLAS_COUNTY), ("F3", HARRIS), ("F2", HARRIS))
    result = services.record_transfers(uow=loaded, actor="system", at=AT)
    assert result == TransferIntakes(recorded=3, already_recorded=0, unrouted=("D4", "D5"))
    events = list(loaded.facilities.events(["F1", "F2", "F3"]))
    assert [(e.facility_id, e.on, e.reference) for e in events] == [
        ("F2", date(2025, 6, 1), "detainer:D1"),  # the lowest id in Harris, on Houston's day
        ("F1", date(2025, 6, 2), "detainer:D2"),
        ("F1", date(2025, 6, 2), "detainer:D3"),
    ]
    assert {(e.kind, e.people) for e in events} == {(CustodyEventKind.INTAKE, 1)}
    intakes = [e for e in trail(loaded) if e.action == "custody.intake"]
    assert [(e.subject, e.actor) for e in intakes] == [
        ("facility:F2", "system"),
        ("facility:F1", "system"),
        ("facility:F1", "system"),
    ]
    assert json.loads(intakes[0].detail) == {
        "on": "2025-06-01",
        "people": 1,
        "reference": "detainer:D1",
        "transferred_at": "2025-06-02T03:00:00+00:00",
    }
    assert verify(trail(loaded)) == []
    # occupancy now follows the transfers
    p = services.capacity_projection(
        uow=loaded, as_of=date(2025, 6, 2), lookback_days=2, horizon_days=4
    )
    assert (p.occupancy, p.net_daily_intake, p.projected_at_horizon) == (3, 1.5, 9.0)


def test_recording_transfers_again_records_only_what_is_new(make_uow: MakeUnitOfWork) -> None:
    loaded = make_uow(
        agencies=TRANSFER_AGENCIES,
        transfers=[
            transferred("D1", "TX1010000", T0),
            transferred("D4", "FL0130000", T0 + timedelta(days=1)),
        ],
    )
    add_facilities(loaded, ("F1", HARRIS))
    first = services.record_transfers(uow=loaded, actor="system", at=AT)
    assert first == TransferIntakes(recorded=1, already_recorded=0, unrouted=("D4",))
    audited = len(trail(loaded))
    commits = loaded.commits  # type: ignore[attr-defined]
    again = services.record_transfers(uow=loaded, actor="system", at=AT)
    assert again == TransferIntakes(recorded=0, already_recorded=1, unrouted=("D4",))
    assert (len(trail(loaded)), loaded.commits) == (audited, commits)  # type: ignore[attr-defined]
    # once Florida has a facility, the transfer that had nowhere to go is routed there
    add_facilities(loaded, ("F2", MIAMI_DADE))
    later = services.record_transfers(uow=loaded, actor="system", at=AT)
    assert later == TransferIntakes(recorded=1, already_recorded=1, unrouted=())
    assert [e.reference for e in loaded.facilities.events(["F1", "F2"])] == [
        "detainer:D1",
        "detainer:D4",
    ]
    assert len(loaded.facilities.events(["F2"])) == 1


def test_transfers_before_since_are_left_alone(make_uow: MakeUnitOfWork) -> None:
    loaded = make_uow(
        agencies=TRANSFER_AGENCIES,
        transfers=[
            transferred("D1", "TX1010000", T0 - timedelta(seconds=1)),
            transferred("D2", "TX1010000", T0),  # at ``since`` exactly: recorded
        ],
    )
    add_facilities(loaded, ("F1", HARRIS))
    result = services.record_transfers(
        uow=loaded, actor="system", at=AT, since=T0.astimezone(timezone(timedelta(hours=-5)))
    )
    assert result == TransferIntakes(recorded=1, already_recorded=0, unrouted=())
    assert [e.reference for e in loaded.facilities.events(["F1"])] == ["detainer:D2"]


def test_recording_transfers_refuses_naive_times(make_uow: MakeUnitOfWork) -> None:
    loaded = make_uow()
    with pytest.raises(NaiveDatetime, match=r"^at has no time zone"):
        services.record_transfers(uow=loaded, actor="system", at=datetime(2025, 6, 2))
    with pytest.raises(NaiveDatetime, match="since"):
        services.record_transfers(uow=loaded, actor="system", at=AT, since=datetime(2025, 6, 2))
    assert services.record_transfers(uow=loaded, actor="system", at=AT) == TransferIntakes(
        recorded=0, already_recorded=0, unrouted=()
    )
