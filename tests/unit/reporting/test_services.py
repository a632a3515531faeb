"""Declined detainers per jurisdiction, from the detainers' own histories on the in-memory
store: holding agencies roll up to their jurisdiction, named, most declined first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes import FakeDetainerRepository, FakeJurisdictionRepository, FakeUnitOfWork

from liaison.detainers.model import Detainer, DetainerState, ProbableCause, Transition
from liaison.jurisdictions.model import Agency, Jurisdiction, JurisdictionKind
from liaison.reporting.model import DeclinedByJurisdiction
from liaison.reporting.services import declined_by_jurisdiction

S = DetainerState
T0 = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

TRAVIS_SHERIFF = "TX2270000"  # Travis County (48453)
AUSTIN_PD = "TX2270100"  # Austin, also in the Travis County jurisdiction here
HARRIS_SHERIFF = "TX1010000"  # Harris County (48201)
DALLAS_SHERIFF = "TX0570000"  # Dallas County (48113)
ORPHAN = "TX9990000"  # an agency whose jurisdiction the store does not hold
GONE = "XX0000000"  # no agency has this ORI any more


def jurisdictions() -> FakeJurisdictionRepository:
    return FakeJurisdictionRepository(
        jurisdictions=[
            Jurisdiction("48453", JurisdictionKind.COUNTY, "Travis County", "48"),
            Jurisdiction("48201", JurisdictionKind.COUNTY, "Harris County", "48"),
            Jurisdiction("48113", JurisdictionKind.COUNTY, "Dallas County", "48"),
        ],
        agencies=[
            Agency(TRAVIS_SHERIFF, "Travis County Sheriff", "48453"),
            Agency(AUSTIN_PD, "Austin Police Department", "48453"),
            Agency(HARRIS_SHERIFF, "Harris County Sheriff", "48201"),
            Agency(DALLAS_SHERIFF, "Dallas County Sheriff", "48113"),
            Agency(ORPHAN, "Unmapped Sheriff", "48999"),
        ],
    )


def detainer(detainer_id: str, ori: str, *steps: tuple[DetainerState, datetime]) -> Detainer:
    """A detainer issued on T0 - 1 day that then moved through ``steps``."""
    issued = T0 - DAY
    history = [Transition(None, S.ISSUED, issued, "officer")]
    previous = S.ISSUED
    for state, at in steps:
        history.append(Transition(previous, state, at, "jail"))
        previous = state
    return Detainer(
        detainer_id=detainer_id,
        booking_id=f"B-{detainer_id}",
        identity_id=1,
        ori=ori,
        basis=ProbableCause.FINAL_ORDER,
        warrant_ref="I-205",
        judicial_warrant=False,
        issued_by="officer",
        issued_at=issued,
        state=previous,
        history=history,
    )


def declined(detainer_id: str, ori: str, at: datetime = T0) -> Detainer:
    return detainer(detainer_id, ori, (S.SERVED, at - timedelta(hours=1)), (S.DECLINED, at))


def world(*detainers: Detainer) -> FakeUnitOfWork:
    return FakeUnitOfWork(
        jurisdictions=jurisdictions(), detainers=FakeDetainerRepository(detainers)
    )


def test_agencies_roll_up_to_their_jurisdiction_named_and_most_declined_first() -> None:
    uow = world(
        declined("D-1", HARRIS_SHERIFF),
        declined("D-2", TRAVIS_SHERIFF),
        declined("D-3", AUSTIN_PD),
        declined("D-4", AUSTIN_PD),
        declined("D-5", DALLAS_SHERIFF),
        declined("D-6", DALLAS_SHERIFF),
    )

    assert declined_by_jurisdiction(uow=uow) == [
        DeclinedByJurisdiction("48453", "Travis County", 3),
        DeclinedByJurisdiction("48113", "Dallas County", 2),
        DeclinedByJurisdiction("48201", "Harris County", 1),
    ]


def test_ties_are_in_fips_order() -> None:
    uow = world(
        declined("D-1", HARRIS_SHERIFF),
        declined("D-2", DALLAS_SHERIFF),
        declined("D-3", TRAVIS_SHERIFF),
    )
    assert [r.fips for r in declined_by_jurisdiction(uow=uow)] == ["48113", "48201", "48453"]


def test_an_unknown_agency_shows_as_its_ori() -> None:
    uow = world(declined("D-1", GONE), declined("D-2", GONE), declined("D-3", HARRIS_SHERIFF))
    assert declined_by_jurisdiction(uow=uow) == [
        DeclinedByJurisdiction(f"ORI {GONE}", f"ORI {GONE}", 2),
        DeclinedByJurisdiction("48201", "Harris County", 1),
    ]


def test_a_jurisdiction_the_store_does_not_hold_is_named_by_its_fips() -> None:
    uow = world(declined("D-1", ORPHAN))
    assert declined_by_jurisdiction(uow=uow) == [DeclinedByJurisdiction("48999", "48999", 1)]


def test_a_detainer_counts_once_whatever_happened_after_its_decline() -> None:
    released = detainer(
        "D-1",
        HARRIS_SHERIFF,
        (S.SERVED, T0 - timedelta(hours=1)),
        (S.DECLINED, T0),
        (S.RELEASED, T0 + DAY),
    )
    honored = detainer("D-2", HARRIS_SHERIFF, (S.SERVED, T0), (S.HONORED, T0 + DAY))
    uow = world(released, honored)
    assert declined_by_jurisdiction(uow=uow) == [
        DeclinedByJurisdiction("48201", "Harris County", 1)
    ]


def test_only_declines_dated_in_the_period_count() -> None:
    uow = world(
        declined("D-1", HARRIS_SHERIFF, T0 - DAY),
        declined("D-2", HARRIS_SHERIFF, T0),
        declined("D-3", TRAVIS_SHERIFF, T0 + DAY),
    )
    in_period = declined_by_jurisdiction(uow=uow, start=T0, end=T0 + DAY)
    assert in_period == [DeclinedByJurisdiction("48201", "Harris County", 1)]
    assert declined_by_jurisdiction(uow=uow, start=T0 + DAY) == [
        DeclinedByJurisdiction("48453", "Travis County", 1)
    ]
    assert [r.declined for r in declined_by_jurisdiction(uow=uow, end=T0)] == [1]


def test_no_declines_is_an_empty_report_and_writes_nothing() -> None:
    uow = world(detainer("D-1", HARRIS_SHERIFF, (S.SERVED, T0)))
    assert declined_by_jurisdiction(uow=uow) == []
    assert uow.commits == 0
    assert uow.audit.rows == []


def test_the_report_reads_inside_one_unit_of_work() -> None:
    uow = world(declined("D-1", HARRIS_SHERIFF))
    declined_by_jurisdiction(uow=uow)
    assert uow.rollbacks == 1  # read only: the block closed without a commit
