"""Operations on a real store (SQLite and PostgreSQL): every repository round-trips what it is
given, the facts are counted in SQL from bookings, detainers and identities, and the services
run end to end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from tests.integration.adapters.store import builders
from tests.integration.adapters.store.builders import EASTERN

from liaison.adapters.store import DuplicateKey, SqlUnitOfWork, StoreError
from liaison.audit.services import verify_trail
from liaison.detainers.model import Detainer, DetainerState, Transition
from liaison.identity.model import EventKind, Identity, ImmigrationEvent
from liaison.jurisdictions.fips import city, counties, states
from liaison.jurisdictions.model import Agency, AgreementModel
from liaison.operations import services
from liaison.operations.errors import OverlappingDeployment
from liaison.operations.model import (
    Agreement,
    AnswerStatus,
    AssistanceAnswer,
    AssistanceRequest,
    CountWindow,
    CustodyEvent,
    CustodyEventKind,
    CustodyTransfer,
    Declaration,
    DeclarationKind,
    DelegatedFunction,
    Deployment,
    Destination,
    Extension,
    Facility,
    Metric,
    StateAnswer,
    Target,
    TargetStatus,
    TransferIntakes,
)
from liaison.operations.ports import OperationsUnitOfWork
from liaison.operations.targets import count_windows

UoW = Callable[[], SqlUnitOfWork]
S = DetainerState

T0 = datetime(2025, 6, 2, 5, tzinfo=UTC)
AT = datetime(2025, 6, 2, 12, tzinfo=UTC)
TX, FL = "48", "12"
HARRIS, DALLAS, MIAMI_DADE, HOUSTON = "48201", "48113", "12086", "4835000"
HARRIS_SO, DALLAS_SO, HOUSTON_PD, TX_DPS, MIAMI_SO = (
    "TX1010000",
    "TX0570000",
    "TXHPD0000",
    "TXDPS0000",
    "FL0130000",
)
UNREGISTERED = "TX9999999"


def _assert_utc(*values: datetime) -> None:
    for value in values:
        assert value.tzinfo is UTC, value


def _window(fips: str, first: date, last: date) -> CountWindow:
    [(_, window)] = count_windows([fips], first, last)
    return window


JULY_TX = _window(TX, date(2025, 7, 1), date(2025, 7, 31))  # 1 July 05:00Z .. 1 Aug 05:00Z
JULY_FL = _window(FL, date(2025, 7, 1), date(2025, 7, 31))
TICK = timedelta(microseconds=1)


@pytest.fixture
def places(new_uow: UoW) -> None:
    """Texas and Florida with their counties, Houston, and an agency at each level."""
    with new_uow() as uow:
        for place in [*states(), *counties("TX"), *counties("FL"), city(HOUSTON, "Houston")]:
            uow.jurisdictions.add_jurisdiction(place)
        for ori, name, fips in (
            (HARRIS_SO, "Harris County Sheriff's Office", HARRIS),
            (DALLAS_SO, "Dallas County Sheriff's Office", DALLAS),
            (HOUSTON_PD, "Houston Police Department", HOUSTON),
            (TX_DPS, "Texas Department of Public Safety", TX),
            (MIAMI_SO, "Miami-Dade Corrections", MIAMI_DADE),
        ):
            uow.jurisdictions.add_agency(Agency(ori, name, fips))
        uow.commit()


# ---- repositories --------------------------------------------------------------------------


def test_the_unit_of_work_serves_the_operations_protocol(engine: Engine) -> None:
    uow: OperationsUnitOfWork = SqlUnitOfWork(engine)
    names = [n for n, v in vars(OperationsUnitOfWork).items() if isinstance(v, property)]
    assert sorted(names) == [
        "agreements",
        "audit",
        "declarations",
        "deployments",
        "facilities",
        "facts",
        "jurisdictions",
        "targets",
    ]
    with uow:
        assert all(getattr(uow, name) is not None for name in names)


def _declaration(declaration_id: str, effective_at: datetime, **children: object) -> Declaration:
    return Declaration(
        declaration_id=declaration_id,
        kind=DeclarationKind.MASS_INFLUX,
        authority="INA 103(a)(10); 28 CFR 65.83",
        issued_at=(effective_at - timedelta(hours=2)).astimezone(EASTERN),
        effective_at=effective_at.astimezone(EASTERN),
        states=(FL, TX),
        title="Southern border influx",
        **children,  # type: ignore[arg-type]
    )


def test_a_declaration_round_trips_with_its_children_in_the_order_added(new_uow: UoW) -> None:
    extensions = [
        Extension(
            T0 + timedelta(days=50),
            "Attorney General",
            "28 CFR 65.83(c)",
            T0 + timedelta(days=90),
            30,
        ),
        Extension(
            (T0 + timedelta(days=80)).astimezone(EASTERN), "AG", "again", T0 + timedelta(days=95)
        ),
    ]
    requests = [
        AssistanceRequest(TX, T0 + timedelta(hours=1), "detention space"),
        AssistanceRequest(FL, T0 + timedelta(hours=1), "detention space"),
        AssistanceRequest(FL, (T0 + timedelta(hours=3)).astimezone(EASTERN), "officers"),
    ]
    answers = [
        StateAnswer(TX, AssistanceAnswer.DECLINED, date(2025, 6, 3), T0 + timedelta(days=1)),
        StateAnswer(TX, AssistanceAnswer.ACCEPTED, date(2025, 6, 5), T0 + timedelta(days=3)),
    ]
    with new_uow() as uow:
        uow.declarations.add(_declaration("MI-2", T0))
        uow.declarations.add(_declaration("MI-1", T0 + timedelta(days=1)))
        uow.declarations.add(_declaration("MI-0", T0))  # same instant: by id
        uow.commit()
    with new_uow() as uow:
        # appended in several units of work, as the services do
        uow.declarations.add_extension("MI-2", extensions[0])
        uow.declarations.add_requests("MI-2", requests[:2])
        uow.declarations.add_answer("MI-2", answers[0])
        uow.commit()
    with new_uow() as uow:
        uow.declarations.add_requests("MI-2", requests[2:])
        uow.declarations.add_requests("MI-2", [])
        uow.declarations.add_answer("MI-2", answers[1])
        uow.declarations.add_extension("MI-2", extensions[1])
        uow.commit()
    expected = _declaration(
        "MI-2",
        T0,
        extensions=tuple(extensions),
        requests=tuple(requests),
        answers=tuple(answers),
    )
    with new_uow() as uow:
        loaded = uow.declarations.get("MI-2")
        assert loaded == expected
        assert loaded is not None
        _assert_utc(loaded.issued_at, loaded.effective_at)
        _assert_utc(*(e.extended_at for e in loaded.extensions))
        _assert_utc(*(e.expires_at for e in loaded.extensions))
        _assert_utc(*(r.requested_at for r in loaded.requests))
        _assert_utc(*(a.recorded_at for a in loaded.answers))
        assert loaded.expires_at == T0 + timedelta(days=95)
        assert isinstance(loaded.states, tuple)
        assert uow.declarations.get("MI-9") is None
        everything = uow.declarations.all()
        assert [d.declaration_id for d in everything] == ["MI-0", "MI-2", "MI-1"]
        assert everything[1] == expected
        assert everything[0].extensions == everything[0].requests == everything[0].answers == ()


def test_a_declaration_added_with_children_keeps_them(new_uow: UoW) -> None:
    given = _declaration(
        "MI-1",
        T0,
        requests=(AssistanceRequest(TX, T0, "space"),),
        answers=(StateAnswer(TX, AssistanceAnswer.ACCEPTED, date(2025, 6, 3), T0),),
    )
    with new_uow() as uow:
        uow.declarations.add(given)
        uow.commit()
    with new_uow() as uow:
        assert uow.declarations.get("MI-1") == given


def test_a_child_of_an_unknown_declaration_is_refused(new_uow: UoW) -> None:
    with new_uow() as uow, pytest.raises(StoreError, match="declaration MI-9"):
        uow.declarations.add_answer(
            "MI-9", StateAnswer(TX, AssistanceAnswer.ACCEPTED, date(2025, 6, 3), T0)
        )


def test_recorded_agreements_round_trip_and_are_replaced(new_uow: UoW) -> None:
    harris = Agreement(
        agreement_id="A2",
        agency_name="Harris County Sheriff's Office",
        state="TX",
        model=AgreementModel.JAIL_ENFORCEMENT,
        signed_on=date(2025, 2, 20),
        expires_on=date(2027, 2, 19),
        trained_officers=12,
        delegated_functions=(DelegatedFunction.INTERROGATE, DelegatedFunction.ISSUE_DETAINERS),
        ori=HARRIS_SO,
    )
    bare = Agreement("A1", "Florida Highway Patrol", "FL", AgreementModel.TASK_FORCE)
    with new_uow() as uow:
        uow.agreements.add(harris)
        uow.agreements.add(bare)
        uow.commit()
    with new_uow() as uow:
        assert uow.agreements.get("A2") == harris
        assert uow.agreements.get("A1") == bare
        assert uow.agreements.get("A9") is None
        assert list(uow.agreements.all()) == [bare, harris]
        loaded = uow.agreements.get("A2")
        assert loaded is not None
        assert isinstance(loaded.delegated_functions, tuple)
        assert isinstance(loaded.model, AgreementModel)
        ended = Agreement(**{**vars(harris), "terminated_on": date(2025, 3, 1)})
        uow.agreements.replace(ended)
        uow.commit()
    with new_uow() as uow:
        assert uow.agreements.get("A2") == ended
        with pytest.raises(StoreError, match="'A9'"):
            uow.agreements.replace(Agreement(**{**vars(bare), "agreement_id": "A9"}))


def _deployment(
    deployment_id: str, agency: str, start: int, *places: tuple[str, int]
) -> Deployment:
    return Deployment(
        deployment_id=deployment_id,
        agency=agency,
        unit="BORTAC",
        destinations=tuple(Destination(fips, n) for fips, n in places),
        start=date(2025, 6, start),
        end=date(2025, 6, start + 9),
        mission="support",
    )


def test_deployments_round_trip_with_their_destinations(new_uow: UoW) -> None:
    d1 = _deployment("D1", "CBP", 5, (HARRIS, 10), (HOUSTON, 40))
    d2 = _deployment("D2", "cbp", 1, (HOUSTON, 5), (DALLAS, 3))  # kept in the order given
    d3 = _deployment("D3", "ATF", 1, (MIAMI_DADE, 2))
    d0 = _deployment("D0", "Straße", 1)  # no destinations; casefold() compares "STRASSE"
    with new_uow() as uow:
        for d in (d1, d2, d3, d0):
            uow.deployments.add(d)
        uow.commit()
    with new_uow() as uow:
        assert uow.deployments.get("D1") == d1
        assert uow.deployments.get("D2") == d2
        assert uow.deployments.get("D9") is None
        assert [d.deployment_id for d in uow.deployments.all()] == ["D0", "D2", "D3", "D1"]
        assert list(uow.deployments.all())[1] == d2
        assert list(uow.deployments.for_agency("Cbp")) == [d2, d1]
        assert list(uow.deployments.for_agency("STRASSE")) == [d0]
        assert list(uow.deployments.for_agency("DEA")) == []


def test_a_deployment_naming_a_place_twice_is_refused(new_uow: UoW) -> None:
    with new_uow() as uow, pytest.raises(DuplicateKey, match="D1"):
        uow.deployments.add(_deployment("D1", "CBP", 1, (HARRIS, 1), (HARRIS, 2)))


def test_targets_round_trip(new_uow: UoW) -> None:
    target = Target(
        target_id="T1",
        metric=Metric.DETAINERS_HONORED,
        jurisdictions=(HARRIS, HOUSTON),
        start=date(2025, 7, 1),
        end=date(2025, 7, 30),
        baseline_start=date(2025, 6, 1),
        baseline_end=date(2025, 6, 30),
        goal_percent=35.125,
        title="Operation X",
    )
    other = Target(**{**vars(target), "target_id": "T0", "metric": Metric.REMOVALS, "title": ""})
    with new_uow() as uow:
        uow.targets.add(target)
        uow.targets.add(other)
        uow.commit()
    with new_uow() as uow:
        assert uow.targets.get("T1") == target
        assert uow.targets.get("T9") is None
        assert list(uow.targets.all()) == [other, target]
        loaded = uow.targets.get("T1")
        assert loaded is not None
        assert isinstance(loaded.metric, Metric)
        assert isinstance(loaded.jurisdictions, tuple)


def test_facilities_and_their_events_by_day_in_the_order_added(new_uow: UoW) -> None:
    f1, f2 = Facility("F1", "Houston CDF", HARRIS, 900), Facility("F0", "Krome", MIAMI_DADE, 600)
    june = date(2025, 6, 1)
    added = [
        CustodyEvent("F1", CustodyEventKind.CENSUS, june + timedelta(days=1), 10),
        CustodyEvent("F1", CustodyEventKind.INTAKE, june, 3, "detainer:D1"),
        CustodyEvent("F0", CustodyEventKind.INTAKE, june, 1),
        CustodyEvent("F1", CustodyEventKind.CENSUS, june + timedelta(days=1), 0),
        CustodyEvent("F1", CustodyEventKind.RELEASE, june + timedelta(days=1), 2, "removed"),
        CustodyEvent("F1", CustodyEventKind.CENSUS, june + timedelta(days=1), 7),
    ]
    with new_uow() as uow:
        uow.facilities.add(f1)
        uow.facilities.add(f2)
        for event in added:
            uow.facilities.add_event(event)
        uow.commit()
    with new_uow() as uow:
        assert uow.facilities.get("F1") == f1
        assert uow.facilities.get("F9") is None
        assert list(uow.facilities.all()) == [f2, f1]
        assert list(uow.facilities.events(["F1"])) == [added[1], added[0], *added[3:]]
        assert list(uow.facilities.events(["F1", "F0", "F1"])) == [
            added[1],
            added[2],
            added[0],
            *added[3:],
        ]
        assert list(uow.facilities.events([])) == []
        assert uow.facilities.recorded_references(["detainer:D1", "detainer:D2", ""]) == {
            "detainer:D1",
            "",
        }
        assert uow.facilities.recorded_references([]) == set()
        with pytest.raises(StoreError, match="facility F9"):
            uow.facilities.add_event(CustodyEvent("F9", CustodyEventKind.INTAKE, june, 1))


def test_a_racing_duplicate_id_is_a_duplicate_key(new_uow: UoW) -> None:
    # What a second writer meets when it looked the id up before the first committed.
    declaration = _declaration("MI-1", T0)
    agreement = Agreement("A1", "Florida Highway Patrol", "FL", AgreementModel.TASK_FORCE)
    deployment = _deployment("D1", "CBP", 1, (HARRIS, 1))
    target = Target(
        "T1",
        Metric.ARRESTS,
        (HARRIS,),
        date(2025, 7, 1),
        date(2025, 7, 2),
        date(2025, 6, 1),
        date(2025, 6, 2),
        10.0,
    )
    facility = Facility("F1", "Houston CDF", HARRIS, 900)
    adds: list[tuple[str, Callable[[SqlUnitOfWork], None]]] = [
        ("MI-1", lambda uow: uow.declarations.add(declaration)),
        ("A1", lambda uow: uow.agreements.add(agreement)),
        ("D1", lambda uow: uow.deployments.add(deployment)),
        ("T1", lambda uow: uow.targets.add(target)),
        ("F1", lambda uow: uow.facilities.add(facility)),
    ]
    for _, add in adds:
        with new_uow() as uow:
            add(uow)
            uow.commit()
    for key, add in adds:
        with new_uow() as uow, pytest.raises(DuplicateKey, match=key):
            add(uow)


# ---- facts ---------------------------------------------------------------------------------


def _detainer(
    n: int,
    ori: str,
    issued_at: datetime,
    *steps: tuple[DetainerState, datetime],
    identity_id: int | None = None,
) -> Detainer:
    """Detainer ``dt-<n>`` on booking ``bk-<n>`` of a person of its own (unless named): the
    store holds one open detainer per booking and per person and agency."""
    history = [Transition(None, S.ISSUED, issued_at, "officer7")]
    for state, at in steps:
        history.append(Transition(history[-1].to_state, state, at, "jail"))
    return builders.detainer(
        n,
        ori=ori,
        identity_id=1000 + n if identity_id is None else identity_id,
        issued_at=issued_at,
        state=history[-1].to_state,
        released_at=None,
        history=history,
    )


def _facts(uow: SqlUnitOfWork) -> Callable[[Metric, list[str]], int]:
    return lambda metric, where: uow.facts.count(metric, where, JULY_TX)


@pytest.mark.usefixtures("places")
def test_arrests_are_bookings_by_arrest_time_in_the_agencys_place(new_uow: UoW) -> None:
    start, end = JULY_TX.start, JULY_TX.end
    arrests = [
        (HARRIS_SO, start),  # the window's first instant counts
        (HARRIS_SO, (end - TICK).astimezone(EASTERN)),  # its last too, in any offset
        (HARRIS_SO, end),  # the end is excluded
        (HARRIS_SO, start - TICK),
        (HOUSTON_PD, start + timedelta(days=1)),  # the city, not the county it lies in
        (TX_DPS, start + timedelta(days=2)),  # registered to the state itself
        (DALLAS_SO, start + timedelta(days=3)),
        (MIAMI_SO, start + timedelta(days=3)),  # another state
        (UNREGISTERED, start + timedelta(days=3)),  # no place: counted nowhere
    ]
    with new_uow() as uow:
        for n, (ori, at) in enumerate(arrests, start=1):
            uow.bookings.add(builders.booking(n, ori=ori, arrested_at=at))
        uow.commit()
    with new_uow() as uow:
        count = _facts(uow)
        assert count(Metric.ARRESTS, [HARRIS]) == 2
        assert count(Metric.ARRESTS, [HOUSTON]) == 1
        assert count(Metric.ARRESTS, [HARRIS, HOUSTON]) == 3
        assert count(Metric.ARRESTS, [TX]) == 5  # state-wide: county, city and state agencies
        assert count(Metric.ARRESTS, [TX, HARRIS]) == 5  # each arrest once
        assert count(Metric.ARRESTS, ["48029"]) == 0
        assert count(Metric.ARRESTS, []) == 0
        assert uow.facts.count(Metric.ARRESTS, [FL], JULY_FL) == 1
        assert count(Metric.DETAINERS_LODGED, [TX]) == 0


@pytest.mark.usefixtures("places")
def test_detainers_lodged_are_counted_by_issue_time(new_uow: UoW) -> None:
    start, end = JULY_TX.start, JULY_TX.end
    with new_uow() as uow:
        for n, (ori, at) in enumerate(
            [
                (HARRIS_SO, start),
                (HARRIS_SO, end - TICK),
                (HARRIS_SO, end),
                (HOUSTON_PD, start - TICK),
                (TX_DPS, start + timedelta(days=9)),
                (MIAMI_SO, start),
            ],
            start=1,
        ):
            uow.detainers.add(_detainer(n, ori, at.astimezone(EASTERN)))
        uow.commit()
    with new_uow() as uow:
        count = _facts(uow)
        assert count(Metric.DETAINERS_LODGED, [HARRIS]) == 2
        assert count(Metric.DETAINERS_LODGED, [HOUSTON]) == 0
        assert count(Metric.DETAINERS_LODGED, [TX]) == 3
        assert uow.facts.count(Metric.DETAINERS_LODGED, [MIAMI_DADE], JULY_FL) == 1


@pytest.mark.usefixtures("places")
def test_detainers_honored_are_counted_by_the_time_they_were_honored(new_uow: UoW) -> None:
    start, end = JULY_TX.start, JULY_TX.end
    june = start - timedelta(days=20)
    with new_uow() as uow:
        for d in [
            _detainer(1, HARRIS_SO, june, (S.SERVED, june), (S.HONORED, start)),
            _detainer(
                2,
                HARRIS_SO,
                june,
                (S.SERVED, june),
                (S.HONORED, end - TICK),
                (S.TRANSFERRED, end + timedelta(hours=3)),
            ),
            _detainer(3, HARRIS_SO, june, (S.SERVED, june), (S.HONORED, end)),  # August
            _detainer(4, HARRIS_SO, june, (S.SERVED, june), (S.HONORED, start - TICK)),  # June
            _detainer(
                5,
                HOUSTON_PD,
                june,
                (S.SERVED, june),
                (S.HONORED, start.astimezone(EASTERN)),
                (S.LAPSED, start + timedelta(days=3)),
            ),
            _detainer(6, HOUSTON_PD, start, (S.SERVED, start), (S.DECLINED, start)),
            _detainer(
                7,
                TX_DPS,
                start,
                (S.SERVED, start),
                (S.HONORED, start),
                (S.CANCELLED, start + timedelta(hours=1)),
            ),
            _detainer(8, MIAMI_SO, start, (S.SERVED, start), (S.HONORED, start)),
        ]:
            uow.detainers.add(d)
        uow.commit()
    with new_uow() as uow:
        count = _facts(uow)
        assert count(Metric.DETAINERS_HONORED, [HARRIS]) == 2
        assert count(Metric.DETAINERS_HONORED, [HOUSTON]) == 1
        assert count(Metric.DETAINERS_HONORED, [TX]) == 4
        assert count(Metric.DETAINERS_HONORED, [DALLAS]) == 0
        # Florida's July starts an hour before Texas's (04:00Z): 05:00Z is inside it
        assert uow.facts.count(Metric.DETAINERS_HONORED, [FL], JULY_FL) == 1


def _transferred(
    n: int, ori: str, identity_id: int, at: datetime, then: DetainerState = S.TRANSFERRED
) -> Detainer:
    honored = at - timedelta(days=1)
    return _detainer(
        n,
        ori,
        honored - timedelta(days=2),
        (S.SERVED, honored - timedelta(days=1)),
        (S.HONORED, honored),
        (then, at),
        identity_id=identity_id,
    )


def _removed(identity_id: int, *days: date) -> Identity:
    return builders.identity(
        identity_id,
        events=[
            ImmigrationEvent(EventKind.FINAL_ORDER, date(2023, 1, 1)),
            *(ImmigrationEvent(EventKind.REMOVED, day) for day in days),
        ],
    )


@pytest.mark.usefixtures("places")
def test_removals_count_for_the_agency_of_the_last_transfer_before_them(new_uow: UoW) -> None:
    july = date(2025, 7, 1)
    with new_uow() as uow:
        # 1: transferred in Harris, removed on the window's first day
        uow.identities.add(_removed(1, july))
        uow.detainers.add(_transferred(1, HARRIS_SO, 1, datetime(2025, 6, 10, tzinfo=UTC)))
        # 2: removed in 2024 after a transfer in Harris, back, then transferred in Dallas and
        # removed on the window's last day: each removal counts where its own transfer was
        uow.identities.add(_removed(2, date(2024, 2, 1), date(2025, 7, 31)))
        uow.detainers.add(_transferred(2, HARRIS_SO, 2, datetime(2024, 1, 5, tzinfo=UTC)))
        uow.detainers.add(_transferred(3, DALLAS_SO, 2, datetime(2025, 6, 20, tzinfo=UTC)))
        # 3: removed the day after the window
        uow.identities.add(_removed(3, date(2025, 8, 1)))
        uow.detainers.add(_transferred(4, HARRIS_SO, 3, datetime(2025, 7, 2, tzinfo=UTC)))
        # 4: removed, but never transferred under a detainer (one lapsed): counted nowhere
        uow.identities.add(_removed(4, date(2025, 7, 10)))
        uow.detainers.add(
            _transferred(5, HARRIS_SO, 4, datetime(2025, 7, 1, tzinfo=UTC), then=S.LAPSED)
        )
        # 5: the only transfer came after the removal: counted nowhere
        uow.identities.add(_removed(5, date(2025, 7, 15)))
        uow.detainers.add(_transferred(6, HARRIS_SO, 5, datetime(2025, 7, 20, tzinfo=UTC)))
        # 6: removed twice in July after one transfer by Houston PD (a city): two removals;
        # a transfer the same (UTC) day as the removal comes before it
        uow.identities.add(_removed(6, date(2025, 7, 2), date(2025, 7, 20)))
        uow.detainers.add(_transferred(7, HOUSTON_PD, 6, datetime(2025, 7, 2, 23, tzinfo=UTC)))
        # 7: two transfers at one instant: the greater detainer id is the last
        uow.identities.add(_removed(7, date(2025, 7, 5)))
        uow.detainers.add(_transferred(8, DALLAS_SO, 7, datetime(2025, 6, 1, tzinfo=UTC)))
        uow.detainers.add(_transferred(9, HARRIS_SO, 7, datetime(2025, 6, 1, tzinfo=UTC)))
        uow.commit()
    with new_uow() as uow:
        count = _facts(uow)
        assert count(Metric.REMOVALS, [HARRIS]) == 2  # identities 1 and 7
        assert count(Metric.REMOVALS, [DALLAS]) == 1  # identity 2's second removal
        assert count(Metric.REMOVALS, [HOUSTON]) == 2  # identity 6, twice
        assert count(Metric.REMOVALS, [TX]) == 5
        feb_2024 = _window(TX, date(2024, 2, 1), date(2024, 2, 1))
        assert uow.facts.count(Metric.REMOVALS, [HARRIS], feb_2024) == 1
        assert uow.facts.count(Metric.REMOVALS, [DALLAS], feb_2024) == 0
        august = _window(TX, date(2025, 8, 1), date(2025, 8, 31))
        assert uow.facts.count(Metric.REMOVALS, [HARRIS], august) == 1


def test_transfers_into_custody_come_from_detainer_histories(new_uow: UoW) -> None:
    first = datetime(2025, 6, 10, 3, tzinfo=UTC)
    with new_uow() as uow:
        uow.detainers.add(_transferred(2, HARRIS_SO, 1, first.astimezone(EASTERN)))
        uow.detainers.add(_transferred(1, UNREGISTERED, 2, first))  # same instant: by id
        uow.detainers.add(_transferred(3, DALLAS_SO, 3, first + timedelta(days=1)))
        uow.detainers.add(_transferred(4, DALLAS_SO, 4, first, then=S.LAPSED))
        uow.detainers.add(_detainer(5, DALLAS_SO, first))
        uow.commit()
    with new_uow() as uow:
        every = list(uow.facts.transfers())
        assert every == [
            CustodyTransfer("dt-1", UNREGISTERED, first),
            CustodyTransfer("dt-2", HARRIS_SO, first),
            CustodyTransfer("dt-3", DALLAS_SO, first + timedelta(days=1)),
        ]
        _assert_utc(*(t.transferred_at for t in every))
        assert list(uow.facts.transfers(first + TICK)) == every[2:]
        assert list(uow.facts.transfers(first.astimezone(EASTERN))) == every


# ---- services end to end -------------------------------------------------------------------


@pytest.mark.usefixtures("places")
def test_declare_request_answer_extend_and_in_force(new_uow: UoW) -> None:
    declared = services.declare(
        uow=new_uow(),
        declaration_id="MI-1",
        kind=DeclarationKind.MASS_INFLUX,
        authority="INA 103(a)(10)",
        issued_at=T0,
        effective_at=T0,
        states=["Texas", "FL"],
        actor="pm",
        at=AT,
    )
    services.request_assistance(
        uow=new_uow(),
        declaration_id="MI-1",
        requested_at=T0 + timedelta(hours=1),
        request="detention space",
        actor="pm",
        at=AT,
        states=["TX"],
    )
    services.record_answer(
        uow=new_uow(),
        declaration_id="MI-1",
        state="TX",
        answer=AssistanceAnswer.ACCEPTED,
        answered_on=date(2025, 6, 3),
        actor="pm",
        at=AT,
    )
    extended = services.extend_declaration(
        uow=new_uow(),
        declaration_id="MI-1",
        extended_at=T0 + timedelta(days=59),
        extended_by="Attorney General",
        authority="28 CFR 65.83(c)",
        days=30,
        actor="pm",
        at=AT,
    )
    assert extended.expires_at == declared.expires_at + timedelta(days=30)
    assert services.get_declaration(uow=new_uow(), declaration_id="MI-1") == extended
    assert services.assistance_answers(uow=new_uow(), declaration_id="MI-1") == {
        FL: AnswerStatus.NOT_REQUESTED,
        TX: AnswerStatus.ACCEPTED,
    }
    day_75 = (T0 + timedelta(days=75)).date()
    [in_force] = services.declarations_in_force(uow=new_uow(), on=day_75)
    assert (in_force.declaration, in_force.states) == (extended, (FL, TX))
    assert services.declarations_in_force(uow=new_uow(), on=(T0 + timedelta(days=95)).date()) == []
    with new_uow() as uow:
        assert [e.action for e in uow.audit.entries()] == [
            "declaration.declare",
            "declaration.request_assistance",
            "declaration.answer",
            "declaration.extend",
        ]
    assert verify_trail(uow=new_uow()).ok


@pytest.mark.usefixtures("places")
def test_deploy_and_an_overlap_is_refused(new_uow: UoW) -> None:
    args: dict[str, object] = {
        "deployment_id": "D1",
        "agency": "CBP",
        "unit": "BORTAC",
        "destinations": {HOUSTON: 40, HARRIS: 10},
        "start": date(2025, 6, 1),
        "end": date(2025, 6, 10),
        "actor": "pm",
        "at": AT,
    }
    first = services.deploy(uow=new_uow(), **args)  # type: ignore[arg-type]
    assert services.deploy(uow=new_uow(), **args) == first  # type: ignore[arg-type]
    overlapping = args | {"deployment_id": "D2", "agency": "cbp", "start": date(2025, 6, 10)}
    with pytest.raises(OverlappingDeployment, match="already deployed under 'D1'"):
        services.deploy(uow=new_uow(), **overlapping)  # type: ignore[arg-type]
    later = overlapping | {"start": date(2025, 6, 11), "end": date(2025, 6, 12)}
    services.deploy(uow=new_uow(), **later)  # type: ignore[arg-type]
    assert services.get_deployment(uow=new_uow(), deployment_id="D1") == first
    assert services.headcount_in_place(uow=new_uow(), on=date(2025, 6, 10)) == {
        HARRIS: 10,
        HOUSTON: 40,
    }
    assert services.headcount_in_place(uow=new_uow(), on=date(2025, 6, 11)) == {
        HARRIS: 10,
        HOUSTON: 40,
    }
    assert services.deployment_overlaps(uow=new_uow()) == []
    with new_uow() as uow:
        assert [d.deployment_id for d in uow.deployments.all()] == ["D1", "D2"]
        assert [e.action for e in uow.audit.entries()] == ["deployment.add", "deployment.add"]


@pytest.mark.usefixtures("places")
def test_target_progress_is_counted_from_real_bookings(new_uow: UoW) -> None:
    june = [datetime(2025, 6, d, 15, tzinfo=UTC) for d in range(1, 31)]
    july = [datetime(2025, 7, 1 + i % 10, 15, tzinfo=UTC) for i in range(20)]
    elsewhere = [datetime(2025, 7, 2, 15, tzinfo=UTC)] * 3
    with new_uow() as uow:
        for n, at in enumerate(june + july, start=1):
            uow.bookings.add(builders.booking(n, ori=HARRIS_SO, arrested_at=at))
        for n, at in enumerate(elsewhere, start=100):
            uow.bookings.add(builders.booking(n, ori=DALLAS_SO, arrested_at=at))
        uow.commit()
    target = services.set_target(
        uow=new_uow(),
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
    with new_uow() as uow:
        assert uow.targets.get("T1") == target
    progress = services.target_progress(uow=new_uow(), target_id="T1", as_of=date(2025, 7, 10))
    assert (progress.baseline, progress.current, progress.elapsed_days) == (30, 20, 10)
    assert progress.goal == pytest.approx(40.5)
    assert progress.projected == pytest.approx(60.0)
    assert progress.change_percent == pytest.approx(100.0)
    assert progress.status is TargetStatus.ON_TRACK
    after = services.target_progress(uow=new_uow(), target_id="T1", as_of=date(2025, 8, 1))
    assert (after.current, after.status) == (20, TargetStatus.MISSED)


@pytest.mark.usefixtures("places")
def test_transfers_are_recorded_as_intakes_and_project_capacity(new_uow: UoW) -> None:
    with new_uow() as uow:
        for n, (ori, day) in enumerate(
            [
                (HARRIS_SO, 1),
                (HARRIS_SO, 2),
                (HOUSTON_PD, 2),  # no facility in the city: the lowest id in Texas
                (DALLAS_SO, 3),  # Dallas's own facility
                (MIAMI_SO, 3),  # no facility in Florida
                (UNREGISTERED, 3),  # no agency registered under the ORI
            ],
            start=1,
        ):
            uow.detainers.add(
                _transferred(n, ori, n, datetime(2025, 6, day, 23, tzinfo=UTC))  # 6 pm Houston
            )
        uow.commit()
    for facility_id, fips, beds in (("F2", HARRIS, 5), ("F1", DALLAS, 5), ("F3", HARRIS, 5)):
        services.add_facility(
            uow=new_uow(),
            facility_id=facility_id,
            name=f"facility {facility_id}",
            jurisdiction_fips=fips,
            beds=beds,
            actor="pm",
            at=AT,
        )
    done = services.record_transfers(uow=new_uow(), actor="system", at=AT)
    assert done == TransferIntakes(recorded=4, already_recorded=0, unrouted=("dt-5", "dt-6"))
    again = services.record_transfers(uow=new_uow(), actor="system", at=AT)
    assert again == TransferIntakes(recorded=0, already_recorded=4, unrouted=("dt-5", "dt-6"))
    with new_uow() as uow:
        events = list(uow.facilities.events(["F1", "F2", "F3"]))
        assert [(e.facility_id, e.on, e.reference) for e in events] == [
            ("F2", date(2025, 6, 1), "detainer:dt-1"),
            ("F2", date(2025, 6, 2), "detainer:dt-2"),
            ("F1", date(2025, 6, 2), "detainer:dt-3"),
            ("F1", date(2025, 6, 3), "detainer:dt-4"),
        ]
        intakes = [e for e in uow.audit.entries() if e.action == "custody.intake"]
        assert len(intakes) == 4
    assert verify_trail(uow=new_uow()).ok
    p = services.capacity_projection(
        uow=new_uow(), as_of=date(2025, 6, 3), lookback_days=3, horizon_days=12
    )
    assert (p.beds, p.occupancy, p.net_daily_intake) == (15, 4, pytest.approx(4 / 3))
    assert p.full_on == date(2025, 6, 12)  # 11 free beds at 4/3 a day: 8.25, so 9 days
    assert p.beds_short_at_horizon == 5  # 4 + 16 = 20 people for 15 beds
    f2 = services.facility_occupancy(
        uow=new_uow(), facility_id="F2", first=date(2025, 6, 1), last=date(2025, 6, 3)
    )
    assert [d.occupancy for d in f2] == [1, 2, 2]
