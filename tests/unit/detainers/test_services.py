from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.fakes import (
    FailingAuditRepository,
    FakeAuditRepository,
    FakeIdentityRepository,
    FakeJurisdictionRepository,
    FakeUnitOfWork,
)

from liaison.audit.services import verify_trail
from liaison.detainers import services
from liaison.detainers.errors import (
    AnswerForbiddenByPolicy,
    BasisNotSupported,
    CitizenshipIndicatorUnresolved,
    ConflictOfDuties,
    DetainerAlreadyOpen,
    DuplicateDetainer,
    HoldExpired,
    IllegalTransition,
    ImpossibleReleaseTime,
    MissingProbableCause,
    MissingReason,
    MissingWarrant,
    NotTheVerifiedIdentity,
    ReleaseTimeFixed,
    UnknownDetainer,
    UnverifiedIdentification,
)
from liaison.detainers.model import HOLD_LIMIT, Detainer, DetainerState, ProbableCause
from liaison.identity.errors import UnknownIdentity
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipRuling,
    Concurrence,
    EventKind,
    Identity,
    ImmigrationEvent,
    PersonName,
)
from liaison.jurisdictions.errors import UnknownAgency
from liaison.jurisdictions.model import Agency, DetainerPolicy, JailAnswer, PolicyKind

S = DetainerState
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
HARRIS = "TX1010000"  # Harris County Sheriff (48201), Texas
TRAVIS = "TX2270000"  # Travis County Sheriff (48453)
DALLAS = "TX0570000"  # Dallas County Sheriff (48113): no local policy, Texas's SB4 applies
ALAMEDA = "CA0010000"  # Alameda County Sheriff (06001), California

PERSON = 7  # a person with a final order and nothing that hints at citizenship
NATURALIZED = 8  # a naturalization record: an indicator until someone rules on it
RULED = 9  # a namesake's naturalization record, found not theirs by two adjudicators
OTHER = 10  # enrolled without any immigration event: no basis but a statement holds
SECOND = 11  # another person with a final order
RESIDENT = 12  # a lawful permanent resident
ADJUDICATOR = "adjudicator.kim"  # ruled on RULED's citizenship
CONCURRING = "adjudicator.lee"  # concurred in that ruling
STATEMENT = "admitted to the arresting officer entering without inspection in 2012"


def identity(identity_id: int, *events: ImmigrationEvent, **kw: object) -> Identity:
    person = Identity(
        identity_id=identity_id,
        names=[PersonName("DOE", "JUAN")],
        birth_date=date(1990, 5, 4),
        sex="M",
        birth_country="MX",
        events=list(events),
    )
    for key, value in kw.items():
        setattr(person, key, value)
    return person


def world(audit: FakeAuditRepository | None = None) -> FakeUnitOfWork:
    naturalized = ImmigrationEvent(EventKind.NATURALIZED, date(2012, 1, 1))
    final_order = ImmigrationEvent(EventKind.FINAL_ORDER, date(2020, 1, 1))
    identities = FakeIdentityRepository(
        [
            identity(PERSON, final_order),
            identity(NATURALIZED, naturalized),
            identity(
                RULED,
                naturalized,
                final_order,
                citizenship_rulings=[
                    CitizenshipRuling(
                        CitizenshipFinding.NOT_CITIZEN,
                        ("naturalization_record",),
                        ADJUDICATOR,
                        "N-400 denied; record belongs to a namesake",
                        T0 - 24 * H,
                        referral_id="R-1",
                        concurrence_required=True,
                        concurrence=Concurrence(
                            CONCURRING, True, "fingerprints differ from the N-400's", T0 - 20 * H
                        ),
                    )
                ],
            ),
            identity(OTHER),
            identity(SECOND, final_order),
            identity(RESIDENT, ImmigrationEvent(EventKind.LPR_GRANTED, date(2010, 3, 1))),
        ]
    )
    jurisdictions = FakeJurisdictionRepository(
        agencies=[
            Agency(HARRIS, "Harris County Sheriff", "48201"),
            Agency(TRAVIS, "Travis County Sheriff", "48453"),
            Agency(DALLAS, "Dallas County Sheriff", "48113"),
            Agency(ALAMEDA, "Alameda County Sheriff", "06001"),
        ],
        policies=[
            DetainerPolicy("48453", PolicyKind.DECLINE_ALL, date(2017, 2, 1)),
            DetainerPolicy("48", PolicyKind.HONOR_ALL, date(2017, 9, 1), citation="SB4"),
            DetainerPolicy("48201", PolicyKind.HONOR_ALL, date(2008, 1, 1)),
            DetainerPolicy("48201", PolicyKind.CRIMINAL_CRITERIA, date(2025, 3, 3), ("felony",)),
            DetainerPolicy("06001", PolicyKind.HONOR_ALL, date(2010, 1, 1)),
            DetainerPolicy("06", PolicyKind.JUDICIAL_WARRANT_ONLY, date(2018, 1, 1), (), "SB54"),
        ],
    )
    return FakeUnitOfWork(identities=identities, jurisdictions=jurisdictions, audit=audit)


def lodge(uow: FakeUnitOfWork, detainer_id: str = "D-1", **overrides: object) -> Detainer:
    """Lodge in a unit of work of its own, as a booking's review does (on booking ``B-<n>`` of
    ``D-<n>``, the verified identity being the one named unless ``verified_identity_id`` says
    otherwise)."""
    args: dict[str, object] = {
        "uow": uow,
        "detainer_id": detainer_id,
        "booking_id": "B" + detainer_id.removeprefix("D"),
        "identity_id": PERSON,
        "ori": HARRIS,
        "basis": ProbableCause.FINAL_ORDER,
        "warrant_ref": "I-205 2025-0001",
        "judicial_warrant": False,
        "officer": "officer.ruiz",
        "birth_place": "MX",
        "claimed_citizenship": "MX",
        "at": T0,
    }
    args.update(overrides)
    args.setdefault("verified_identity_id", args["identity_id"])
    with uow:
        lodged = services.lodge(**args)  # type: ignore[arg-type]
        uow.commit()
    return lodged


def served(uow: FakeUnitOfWork, detainer_id: str = "D-1", **overrides: object) -> Detainer:
    lodge(uow, detainer_id, **overrides)
    return services.serve(uow=uow, detainer_id=detainer_id, actor="officer.ruiz", at=T0 + H)


def honored(uow: FakeUnitOfWork, detainer_id: str = "D-1", **overrides: object) -> Detainer:
    served(uow, detainer_id, **overrides)
    return services.answer(
        uow=uow,
        detainer_id=detainer_id,
        answer=JailAnswer.HONOR,
        offense_classes=(),
        actor="jail:TX1010000",
        at=T0 + 2 * H,
    )


def actions(uow: FakeUnitOfWork) -> list[str]:
    return [e.action for e in uow.audit.rows]


class Unchanged:
    """Snapshot the store; ``check`` asserts a refused use case wrote nothing."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.commits = uow.commits
        self.audit = list(uow.audit.rows)
        self.detainers = {
            k: (d.state, d.released_at, list(d.history)) for k, d in uow.detainers.items.items()
        }

    def check(self) -> None:
        assert self.uow.commits == self.commits
        assert self.uow.audit.rows == self.audit
        now = {
            k: (d.state, d.released_at, list(d.history))
            for k, d in self.uow.detainers.items.items()
        }
        assert now == self.detainers


# -- lodging ----------------------------------------------------------------------------------


def test_lodge_stores_audits_and_commits_once() -> None:
    uow = world()
    d = lodge(uow, reason="biometric match; final order of 2020")
    assert d.state is S.ISSUED
    assert uow.detainers.get("D-1") is d
    assert uow.commits == 1
    [entry] = uow.audit.rows
    assert entry.action == "detainer.lodge"
    assert entry.subject == "detainer:D-1"
    assert entry.actor == "officer.ruiz"
    assert entry.purpose == "biometric match; final order of 2020"
    assert entry.at == T0
    detail = json.loads(entry.detail)
    assert detail["basis"] == "final_order"
    assert detail["warrant_ref"] == "I-205 2025-0001"
    assert detail["identity_id"] == PERSON
    assert detail["booking_id"] == "B-1"
    assert detail["basis_support"] == "final order final_order 2020-01-01"
    assert detail["basis_events"] == ["final_order 2020-01-01"]
    assert detail["statement"] == ""
    assert verify_trail(uow=uow).ok


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"verified_identity_id": None}, UnverifiedIdentification),
        ({"verified_identity_id": None, "identity_id": -1}, UnverifiedIdentification),  # first
        ({"verified_identity_id": OTHER}, NotTheVerifiedIdentity),
        ({"verified_identity_id": 999, "identity_id": 999}, UnknownIdentity),
        ({"verified_identity_id": PERSON, "identity_id": 999}, NotTheVerifiedIdentity),
        ({"ori": "XX0000000"}, UnknownAgency),
        ({"identity_id": NATURALIZED}, CitizenshipIndicatorUnresolved),
        ({"birth_place": "US"}, CitizenshipIndicatorUnresolved),
        ({"birth_place": "usa"}, CitizenshipIndicatorUnresolved),
        ({"claimed_citizenship": "US"}, CitizenshipIndicatorUnresolved),
        ({"basis": None}, MissingProbableCause),
        ({"warrant_ref": "   "}, MissingWarrant),
        ({"basis": ProbableCause.PENDING_PROCEEDINGS}, BasisNotSupported),
        (
            {"identity_id": RESIDENT, "basis": ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS},
            BasisNotSupported,
        ),
        ({"identity_id": OTHER, "basis": ProbableCause.STATEMENTS_OR_EVIDENCE}, BasisNotSupported),
        ({"officer": ADJUDICATOR, "identity_id": RULED}, ConflictOfDuties),
        ({"officer": CONCURRING, "identity_id": RULED}, ConflictOfDuties),
    ],
)
def test_lodge_refusals_write_nothing(overrides: dict[str, object], error: type[Exception]) -> None:
    uow = world()
    with pytest.raises(error):
        lodge(uow, **overrides)
    assert uow.commits == 0
    assert uow.detainers.items == {}
    assert uow.audit.rows == []


def test_lodge_names_the_unresolved_indicators() -> None:
    uow = world()
    with pytest.raises(CitizenshipIndicatorUnresolved) as refused:
        lodge(uow, identity_id=NATURALIZED, claimed_citizenship="USA")
    assert refused.value.indicators == ("naturalization_record", "claimed_us_citizenship")


def test_a_ruling_resolves_the_indicator_it_names() -> None:
    uow = world()
    assert lodge(uow, identity_id=RULED).state is S.ISSUED
    with pytest.raises(CitizenshipIndicatorUnresolved, match="claimed_us_citizenship"):
        lodge(uow, "D-2", identity_id=RULED, ori=TRAVIS, claimed_citizenship="US")  # a new one


def test_a_ruling_waiting_for_its_concurrence_resolves_nothing() -> None:
    uow = world()
    person = uow.identities.items[RULED]
    (ruling,) = person.citizenship_rulings
    person.citizenship_rulings = [dataclasses.replace(ruling, concurrence=None)]
    with pytest.raises(CitizenshipIndicatorUnresolved, match="naturalization_record"):
        lodge(uow, identity_id=RULED)
    dissent = Concurrence(CONCURRING, False, "the N-400 photograph matches", T0 - 20 * H)
    person.citizenship_rulings = [dataclasses.replace(ruling, concurrence=dissent)]
    with pytest.raises(CitizenshipIndicatorUnresolved, match="naturalization_record"):
        lodge(uow, identity_id=RULED)
    assert uow.detainers.items == {}


def test_lodge_refuses_a_duplicate_id() -> None:
    uow = world()
    lodge(uow)
    unchanged = Unchanged(uow)
    with pytest.raises(DuplicateDetainer):
        lodge(uow, identity_id=OTHER)
    unchanged.check()


def test_lodge_runs_inside_the_callers_unit_of_work() -> None:
    uow = world()
    with uow:
        d = services.lodge(
            uow=uow,
            detainer_id="D-1",
            booking_id="B-1",
            identity_id=OTHER,
            ori=HARRIS,
            basis=ProbableCause.STATEMENTS_OR_EVIDENCE,
            warrant_ref="I-200 9",
            judicial_warrant=True,
            officer="officer.ruiz",
            verified_identity_id=OTHER,
            birth_place="",
            claimed_citizenship="",
            at=T0,
            statement=f"  {STATEMENT} ",
        )
        assert uow.commits == 0  # the caller commits
        uow.commit()
    assert uow.detainers.get("D-1") is d
    assert d.statement == STATEMENT
    assert actions(uow) == ["detainer.lodge"]
    detail = json.loads(uow.audit.rows[-1].detail)
    assert (detail["statement"], detail["basis_support"]) == (STATEMENT, "statement recorded")


def test_a_lodge_the_caller_does_not_commit_leaves_nothing() -> None:
    uow = world()
    with uow:
        lodged = services.lodge(
            uow=uow,
            detainer_id="D-1",
            booking_id="B-1",
            identity_id=PERSON,
            ori=HARRIS,
            basis=ProbableCause.FINAL_ORDER,
            warrant_ref="I-205 1",
            judicial_warrant=False,
            officer="officer.ruiz",
            verified_identity_id=PERSON,
            birth_place="MX",
            claimed_citizenship="MX",
            at=T0,
        )
        assert uow.detainers.get("D-1") is lodged
    assert uow.detainers.items == {}
    assert uow.audit.rows == []


def test_the_detainer_names_only_the_verified_identity() -> None:
    uow = world()
    with pytest.raises(NotTheVerifiedIdentity) as refused:
        lodge(uow, identity_id=SECOND, verified_identity_id=PERSON)
    assert (refused.value.identity_id, refused.value.verified_identity_id) == (SECOND, PERSON)
    assert "booking B-1" in str(refused.value)
    assert lodge(uow, identity_id=PERSON, verified_identity_id=PERSON).identity_id == PERSON


def test_a_booking_holds_one_open_detainer() -> None:
    uow = world()
    lodge(uow, "D-1")
    unchanged = Unchanged(uow)
    with pytest.raises(DetainerAlreadyOpen, match="D-1 is already open for booking B-1"):
        lodge(uow, "D-2", booking_id="B-1", identity_id=SECOND, ori=TRAVIS)
    unchanged.check()
    services.cancel(uow=uow, detainer_id="D-1", actor="officer", at=T0 + H, reason="wrong jail")
    assert lodge(uow, "D-2", booking_id="B-1", ori=TRAVIS, at=T0 + 2 * H).state is S.ISSUED


def test_a_person_holds_one_open_detainer_per_agency() -> None:
    uow = world()
    honored(uow, "D-1")
    with pytest.raises(DetainerAlreadyOpen, match=f"identity {PERSON} at agency {HARRIS}"):
        lodge(uow, "D-2")  # another booking, the same person and jail
    assert lodge(uow, "D-2", ori=TRAVIS).ori == TRAVIS  # another jail: its own detainer
    assert lodge(uow, "D-3", identity_id=SECOND).identity_id == SECOND  # another person
    release = T0 + 3 * H
    services.record_release(uow=uow, detainer_id="D-1", released_at=release, actor="j", at=release)
    services.transfer(uow=uow, detainer_id="D-1", actor="officer", at=release + H)
    assert lodge(uow, "D-4", at=release + 2 * H).state is S.ISSUED  # the first one is closed


def test_a_basis_the_record_does_not_support_is_refused_naming_the_events() -> None:
    uow = world()
    with pytest.raises(BasisNotSupported) as refused:
        lodge(uow, identity_id=RESIDENT, basis=ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS)
    assert refused.value.basis == "biometric_no_lawful_status"
    assert refused.value.events == ("lpr_granted 2010-03-01",)
    assert "the derived status is lpr, a lawful status" in str(refused.value)
    with pytest.raises(BasisNotSupported, match="no final order of removal"):
        lodge(uow, identity_id=RESIDENT)
    assert uow.detainers.items == {}


def test_the_basis_is_judged_on_the_record_as_it_stands_on_the_day_of_lodging() -> None:
    uow = world()
    uow.identities.items[OTHER].events.append(
        ImmigrationEvent(EventKind.FINAL_ORDER, (T0 + 24 * H).date())
    )
    with pytest.raises(BasisNotSupported):
        lodge(uow, identity_id=OTHER)
    assert lodge(uow, identity_id=OTHER, at=T0 + 24 * H).state is S.ISSUED


def test_cancel_open_for_booking_cancels_its_open_detainers_with_the_reason() -> None:
    uow = world()
    lodge(uow, "D-1", booking_id="B-1")
    lodge(uow, "D-2", booking_id="B-2", identity_id=SECOND)
    reason = "verified identity changed from 7 to 11 by officer.ruiz: photographs"
    with uow:
        cancelled = services.cancel_open_for_booking(
            uow=uow, booking_id="B-1", actor="officer.ruiz", at=T0 + H, reason=reason
        )
        uow.commit()
    assert [d.detainer_id for d in cancelled] == ["D-1"]
    assert uow.detainers.items["D-1"].state is S.CANCELLED
    assert uow.detainers.items["D-1"].history[-1].reason == reason
    assert uow.detainers.items["D-2"].state is S.ISSUED
    entry = uow.audit.rows[-1]
    assert (entry.action, entry.subject, entry.purpose) == (
        "detainer.cancel",
        "detainer:D-1",
        reason,
    )


# -- serve and answer -------------------------------------------------------------------------


def test_serve() -> None:
    uow = world()
    d = served(uow)
    assert d.state is S.SERVED
    assert uow.commits == 2
    assert actions(uow) == ["detainer.lodge", "detainer.serve"]


def test_unknown_detainer() -> None:
    uow = world()
    with pytest.raises(UnknownDetainer, match="D-404"):
        services.serve(uow=uow, detainer_id="D-404", actor="officer", at=T0)
    assert uow.commits == 0


def test_answer_checks_the_policy_in_force_on_the_day_of_the_answer() -> None:
    # Harris County honors all until 2025-03-03, then only felonies (under SB4's honor_all
    # overlay, which forbids anything but honoring: the overlay wins where they disagree)
    uow = world()
    served(uow)
    d = services.answer(
        uow=uow,
        detainer_id="D-1",
        answer=JailAnswer.HONOR,
        offense_classes=["misdemeanor"],
        actor="jail:TX1010000",
        at=T0 + 2 * H,
    )
    assert d.state is S.HONORED
    assert uow.jurisdictions.policy_queries[-1] == ("48201", "48")
    entry = uow.audit.rows[-1]
    assert entry.action == "detainer.honor"
    detail = json.loads(entry.detail)
    assert detail["policies"] == ["48201:honor_all:2008-01-01", "48:honor_all:2017-09-01"]
    assert detail["permitted"] == ["honor"]
    assert detail["offense_classes"] == ["misdemeanor"]


def test_a_county_that_declines_must_honor_under_a_state_law_that_compels_it() -> None:
    uow = world()
    served(uow, ori=TRAVIS)
    unchanged = Unchanged(uow)
    with pytest.raises(AnswerForbiddenByPolicy) as refused:
        services.answer(
            uow=uow,
            detainer_id="D-1",
            answer=JailAnswer.DECLINE,
            offense_classes=(),
            actor="jail:TX2270000",
            at=T0 + 2 * H,
        )
    message = str(refused.value)
    assert "decline_all" in message
    assert "2017-02-01" in message
    assert "honor_all" in message
    assert "SB4" in message
    assert "2017-09-01" in message
    assert refused.value.permitted == ("honor",)
    unchanged.check()
    assert uow.detainers.get("D-1").state is S.SERVED  # type: ignore[union-attr]


def test_a_county_that_honors_all_may_not_honor_without_a_judicial_warrant_in_california() -> None:
    uow = world()
    served(uow, ori=ALAMEDA)
    with pytest.raises(AnswerForbiddenByPolicy, match=r"judicial_warrant_only .*SB54"):
        services.answer(
            uow=uow,
            detainer_id="D-1",
            answer=JailAnswer.HONOR,
            offense_classes=("felony",),
            actor="jail:CA0010000",
            at=T0 + 2 * H,
        )
    d = services.answer(
        uow=uow,
        detainer_id="D-1",
        answer=JailAnswer.NOTIFY_ONLY,
        offense_classes=("felony",),
        actor="jail:CA0010000",
        at=T0 + 2 * H,
    )
    assert d.state is S.NOTIFIED_ONLY


def test_with_a_judicial_warrant_california_jails_honor() -> None:
    uow = world()
    served(uow, ori=ALAMEDA, judicial_warrant=True)
    d = services.answer(
        uow=uow,
        detainer_id="D-1",
        answer=JailAnswer.HONOR,
        offense_classes=(),
        actor="jail:CA0010000",
        at=T0 + 2 * H,
    )
    assert d.state is S.HONORED


def test_policy_enacted_after_the_answer_does_not_apply_before_it() -> None:
    uow = world()
    # a state repeal after the answer date changes nothing for this answer
    uow.jurisdictions.add_policy(DetainerPolicy("48", PolicyKind.DECLINE_ALL, date(2025, 3, 2)))
    served(uow)
    d = services.answer(
        uow=uow,
        detainer_id="D-1",
        answer=JailAnswer.HONOR,
        offense_classes=(),
        actor="jail",
        at=T0 + 2 * H,  # 2025-03-01
    )
    assert d.state is S.HONORED
    served(uow, "D-2", identity_id=SECOND)
    with pytest.raises(AnswerForbiddenByPolicy, match="decline_all of 48 enacted 2025-03-02"):
        services.answer(
            uow=uow,
            detainer_id="D-2",
            answer=JailAnswer.HONOR,
            offense_classes=(),
            actor="jail",
            at=T0 + 48 * H,  # 2025-03-03: the repeal is in force
        )


def test_answering_an_unserved_detainer_names_the_state_before_the_policy() -> None:
    uow = world()
    lodge(uow, ori=TRAVIS)
    with pytest.raises(IllegalTransition, match="cannot decline a detainer that is issued"):
        services.answer(
            uow=uow,
            detainer_id="D-1",
            answer=JailAnswer.DECLINE,
            offense_classes=(),
            actor="jail",
            at=T0 + H,
        )


def test_a_jail_cannot_answer_another_agencys_detainer() -> None:
    uow = world()
    served(uow)
    with pytest.raises(UnknownDetainer):
        services.answer(
            uow=uow,
            detainer_id="D-1",
            answer=JailAnswer.HONOR,
            offense_classes=(),
            actor="jail:TX2270000",
            at=T0 + 2 * H,
            ori=TRAVIS,
        )


def test_answer_with_an_agency_gone_from_the_store() -> None:
    uow = world()
    served(uow)
    del uow.jurisdictions.agency_by_ori[HARRIS]
    with pytest.raises(UnknownAgency):
        services.answer(
            uow=uow,
            detainer_id="D-1",
            answer=JailAnswer.HONOR,
            offense_classes=(),
            actor="jail",
            at=T0 + 2 * H,
        )


# -- release, transfer, cancel ----------------------------------------------------------------


def test_record_release_then_transfer_within_the_hold() -> None:
    uow = world()
    honored(uow)
    release = T0 + 10 * H
    d = services.record_release(
        uow=uow, detainer_id="D-1", released_at=release, actor="jail", at=release + 5 * MINUTE
    )
    assert d.released_at == release
    assert d.state is S.HONORED
    d = services.transfer(uow=uow, detainer_id="D-1", actor="officer", at=release + 47 * H)
    assert d.state is S.TRANSFERRED
    assert actions(uow)[-2:] == ["detainer.record_release", "detainer.transfer"]
    assert json.loads(uow.audit.rows[-1].detail)["hold_deadline"] == (
        (release + HOLD_LIMIT).isoformat()
    )


def test_record_release_of_a_declined_detainer_releases() -> None:
    uow = world()
    served(uow, ori=ALAMEDA)
    services.answer(
        uow=uow,
        detainer_id="D-1",
        answer=JailAnswer.DECLINE,
        offense_classes=(),
        actor="jail",
        at=T0 + 2 * H,
    )
    d = services.record_release(
        uow=uow, detainer_id="D-1", released_at=T0 + 3 * H, actor="jail", at=T0 + 3 * H
    )
    assert d.state is S.RELEASED
    assert actions(uow)[-1] == "detainer.record_release"


def test_a_release_time_in_the_future_is_refused_and_writes_nothing() -> None:
    uow = world()
    honored(uow)
    unchanged = Unchanged(uow)
    now = T0 + 3 * H
    with pytest.raises(ImpossibleReleaseTime, match="later than now"):
        services.record_release(
            uow=uow, detainer_id="D-1", released_at=now + 72 * H, actor="jail", at=now
        )
    with pytest.raises(ImpossibleReleaseTime, match="before the arrest"):
        services.record_release(
            uow=uow,
            detainer_id="D-1",
            released_at=now,
            actor="jail",
            at=now,
            arrested_at=now + H,
        )
    unchanged.check()
    assert uow.detainers.items["D-1"].released_at is None


def test_a_correction_is_audited_with_its_reason_and_the_earlier_value() -> None:
    uow = world()
    honored(uow)
    release = T0 + 3 * H
    services.record_release(uow=uow, detainer_id="D-1", released_at=release, actor="j", at=release)
    unchanged = Unchanged(uow)
    with pytest.raises(MissingReason):
        services.record_release(
            uow=uow, detainer_id="D-1", released_at=release - H, actor="j", at=release + H
        )
    with pytest.raises(ReleaseTimeFixed):
        services.record_release(
            uow=uow,
            detainer_id="D-1",
            released_at=release + H,
            actor="j",
            at=release + H,
            reason="released later than logged",
        )
    unchanged.check()
    d = services.record_release(
        uow=uow,
        detainer_id="D-1",
        released_at=release - H,
        actor="jail:sergeant",
        at=release + H,
        reason="the gate log says an hour earlier",
    )
    assert d.released_at == release - H
    first, correction = uow.audit.rows[-2:]
    assert (first.action, correction.action) == (
        "detainer.record_release",
        "detainer.correct_release",
    )
    assert correction.purpose == "the gate log says an hour earlier"
    assert json.loads(correction.detail) == {
        "state": "honored",
        "released_at": (release - H).isoformat(),
        "earlier": release.isoformat(),
        "hold_deadline": (release - H + HOLD_LIMIT).isoformat(),
    }
    assert json.loads(first.detail)["earlier"] is None


def test_a_transfer_past_the_hold_is_refused_and_writes_nothing() -> None:
    uow = world()
    honored(uow)
    release = T0 + 3 * H
    services.record_release(uow=uow, detainer_id="D-1", released_at=release, actor="j", at=release)
    unchanged = Unchanged(uow)
    with pytest.raises(HoldExpired):
        services.transfer(uow=uow, detainer_id="D-1", actor="officer", at=release + 49 * H)
    unchanged.check()


def test_cancel() -> None:
    uow = world()
    served(uow)
    d = services.cancel(
        uow=uow, detainer_id="D-1", actor="officer", at=T0 + 2 * H, reason="wrong person"
    )
    assert d.state is S.CANCELLED
    assert uow.audit.rows[-1].action == "detainer.cancel"
    assert uow.audit.rows[-1].purpose == "wrong person"
    unchanged = Unchanged(uow)
    with pytest.raises(IllegalTransition):
        services.cancel(uow=uow, detainer_id="D-1", actor="officer", at=T0 + 3 * H, reason="again")
    unchanged.check()


def test_cancel_needs_a_reason() -> None:
    uow = world()
    lodge(uow)
    unchanged = Unchanged(uow)
    with pytest.raises(MissingReason):
        services.cancel(uow=uow, detainer_id="D-1", actor="officer", at=T0 + H, reason="")
    unchanged.check()


def test_cancel_for_citizenship_cancels_every_open_detainer_of_the_person() -> None:
    uow = world()
    lodge(uow, "D-1", ori=DALLAS)  # one open detainer per person and agency: four agencies
    served(uow, "D-2", ori=ALAMEDA)
    honored(uow, "D-3", ori=TRAVIS)
    served(uow, "D-4")
    services.cancel(uow=uow, detainer_id="D-4", actor="officer", at=T0 + 5 * H, reason="dup")
    lodge(uow, "D-5", identity_id=SECOND)
    commits = uow.commits
    cancelled = services.cancel_for_citizenship(
        uow=uow,
        identity_id=PERSON,
        actor="officer.kim",
        at=T0 + 6 * H,
        evidence="U.S. passport 123456789",
    )
    assert sorted(cancelled) == ["D-1", "D-2", "D-3"]
    assert uow.commits == commits + 1
    assert {k: d.state for k, d in uow.detainers.items.items()} == {
        "D-1": S.CANCELLED,
        "D-2": S.CANCELLED,
        "D-3": S.CANCELLED,
        "D-4": S.CANCELLED,
        "D-5": S.ISSUED,
    }
    tail = uow.audit.rows[-3:]
    assert [e.action for e in tail] == ["detainer.cancel"] * 3
    assert all("U.S. passport" in e.purpose for e in tail)
    assert verify_trail(uow=uow).ok


def test_cancel_open_for_citizenship_runs_inside_the_callers_unit_of_work() -> None:
    uow = world()
    lodge(uow, "D-1")
    served(uow, "D-2", ori=TRAVIS)
    commits = uow.commits
    with uow:
        cancelled = services.cancel_open_for_citizenship(
            uow=uow, identity_id=PERSON, actor="officer", at=T0 + 2 * H, evidence="N-560"
        )
        assert uow.commits == commits  # the caller commits, with its ruling
        uow.commit()
    assert [d.detainer_id for d in cancelled] == ["D-1", "D-2"]
    assert all(d.state is S.CANCELLED for d in cancelled)


def test_cancel_for_citizenship_needs_evidence() -> None:
    uow = world()
    lodge(uow)
    unchanged = Unchanged(uow)
    with pytest.raises(MissingReason, match="citizenship evidence"):
        services.cancel_for_citizenship(
            uow=uow, identity_id=PERSON, actor="officer", at=T0 + H, evidence=" "
        )
    unchanged.check()


def test_cancel_for_citizenship_is_all_or_nothing() -> None:
    audit = FailingAuditRepository(fail_on=0)  # appends count from 1: none fails yet
    uow = world(audit)
    lodge(uow, "D-1")
    lodge(uow, "D-2", ori=TRAVIS)
    audit.fail_on = audit.appends + 2  # the second cancellation's entry fails
    unchanged = Unchanged(uow)
    with pytest.raises(RuntimeError):
        services.cancel_for_citizenship(
            uow=uow, identity_id=PERSON, actor="officer", at=T0 + H, evidence="birth certificate"
        )
    unchanged.check()
    assert uow.rollbacks >= 1


# -- the scheduled lapse check ----------------------------------------------------------------


def test_lapse_overdue_lapses_only_holds_past_48_hours() -> None:
    uow = world()
    honored(uow, "D-1")
    honored(uow, "D-2", ori=TRAVIS)
    honored(uow, "D-3", ori=DALLAS)  # no release time yet: still serving a sentence
    served(uow, "D-4", ori=ALAMEDA)
    release = T0 + 3 * H
    for detainer_id in ("D-1", "D-4"):
        services.record_release(
            uow=uow, detainer_id=detainer_id, released_at=release, actor="jail", at=release
        )
    services.record_release(
        uow=uow, detainer_id="D-2", released_at=release + H, actor="jail", at=release + H
    )
    assert services.lapse_overdue(uow=uow, now=release + HOLD_LIMIT) == []  # at, not past
    commits = uow.commits
    now = release + HOLD_LIMIT + timedelta(minutes=30)
    assert services.lapse_overdue(uow=uow, now=now) == ["D-1"]
    assert uow.commits == commits + 1
    assert uow.detainers.get("D-1").state is S.LAPSED  # type: ignore[union-attr]
    assert uow.detainers.get("D-2").state is S.HONORED  # type: ignore[union-attr]
    entry = uow.audit.rows[-1]
    assert (entry.action, entry.actor, entry.at) == ("detainer.lapse", "system", now)
    later = now + 1000 * H
    assert services.lapse_overdue(uow=uow, now=later, actor="scheduler") == ["D-2"]
    assert uow.detainers.get("D-3").state is S.HONORED  # type: ignore[union-attr]
    assert uow.detainers.get("D-4").state is S.SERVED  # type: ignore[union-attr]


def test_lapse_overdue_is_all_or_nothing() -> None:
    audit = FakeAuditRepository()
    uow = world(audit)
    for detainer_id, ori in (("D-1", HARRIS), ("D-2", TRAVIS)):
        honored(uow, detainer_id, ori=ori)
        services.record_release(
            uow=uow, detainer_id=detainer_id, released_at=T0 + 3 * H, actor="j", at=T0 + 3 * H
        )
    failing = FailingAuditRepository(fail_on=2)
    failing.rows = list(audit.rows)
    uow._audit = failing
    unchanged = Unchanged(uow)
    with pytest.raises(RuntimeError):
        services.lapse_overdue(uow=uow, now=T0 + 100 * H)
    unchanged.check()


# -- reads ------------------------------------------------------------------------------------


def test_reads_are_audited_and_scoped_to_the_agency() -> None:
    uow = world()
    lodge(uow, "D-1")
    lodge(uow, "D-2", ori=TRAVIS, at=T0 + H)
    d = services.get_detainer(
        uow=uow, detainer_id="D-1", actor="jail:TX1010000", purpose="custody check", at=T0 + 2 * H
    )
    assert d.detainer_id == "D-1"
    assert (uow.audit.rows[-1].action, uow.audit.rows[-1].purpose) == (
        "detainer.read",
        "custody check",
    )
    with pytest.raises(UnknownDetainer):
        services.get_detainer(
            uow=uow,
            detainer_id="D-2",
            actor="jail:TX1010000",
            purpose="custody check",
            at=T0 + 2 * H,
            ori=HARRIS,
        )
    found = services.list_detainers(
        uow=uow, actor="jail:TX1010000", purpose="daily list", at=T0 + 3 * H, ori=HARRIS
    )
    assert [d.detainer_id for d in found] == ["D-1"]
    entry = uow.audit.rows[-1]
    assert entry.action == "detainer.list"
    assert json.loads(entry.detail) == {"count": 1, "ids": ["D-1"]}
    everything = services.list_detainers(
        uow=uow, actor="officer", purpose="review", at=T0 + 3 * H, state="issued"
    )
    assert {d.detainer_id for d in everything} == {"D-1", "D-2"}
    assert verify_trail(uow=uow).ok


def test_exported_names() -> None:
    assert set(services.__all__) == {
        "answer",
        "cancel",
        "cancel_for_citizenship",
        "cancel_open_for_booking",
        "cancel_open_for_citizenship",
        "count_detainers",
        "get_detainer",
        "lapse_overdue",
        "list_detainers",
        "lodge",
        "policies_in_force",
        "record_release",
        "serve",
        "transfer",
    }
