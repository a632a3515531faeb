"""Booking use cases on the in-memory store, with real ISO/IEC 19794-2 records and a fake
ten-print search that returns the identification a test chooses."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.fakes import (
    FailingAuditRepository,
    FakeIdentityRepository,
    FakeJurisdictionRepository,
    FakeUnitOfWork,
)

from liaison.accounts.model import Role, User
from liaison.audit.services import verify_trail
from liaison.biometrics.model import FingerPosition, FingerTemplate
from liaison.bookings import adjudication, services
from liaison.bookings.errors import DuplicateTcn, InvalidBooking, NotReviewable, UnknownBooking
from liaison.bookings.model import (
    Biographics,
    Booking,
    BookingState,
    Candidate,
    Charge,
    Decision,
    Identification,
    ReviewAction,
)
from liaison.detainers import services as detainers
from liaison.detainers.errors import (
    AnswerForbiddenByPolicy,
    MissingWarrant,
    UnverifiedIdentification,
)
from liaison.detainers.model import Detainer, DetainerState, ProbableCause
from liaison.identity.errors import InvalidCitizenshipRuling
from liaison.identity.model import (
    CitizenshipFinding,
    EventKind,
    Identity,
    ImmigrationEvent,
    PersonName,
    ReferralState,
)
from liaison.identity.priority import PriorityTable
from liaison.jurisdictions.errors import UnknownAgency
from liaison.jurisdictions.model import Agency, DetainerPolicy, JailAnswer, PolicyKind
from liaison.synth.spine import booking_fingers

SEED = 7
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
JAIL = "jail:TX1010000"
OFFICER = "officer.ruiz"
HARRIS = "TX1010000"  # Harris County Sheriff (48201): honors only for homicide (see world())
UNKNOWN_ORI = "ZZ9990000"

PERSON = 3  # entered without inspection: no lawful status, charges count towards priority
RESIDENT = 4  # a lawful permanent resident: only convictions count
NATURALIZED = 5  # a naturalization record: a citizenship indicator
STRANGER = 6  # enrolled, never a candidate of the searches below

ASSAULT = Charge("1313", "simple assault")
HOMICIDE = Charge("0902", "murder", felony=True)
TRAFFIC = Charge("5404", "driving under the influence")


# -- the world -------------------------------------------------------------------------------


def identity(identity_id: int, *events: ImmigrationEvent) -> Identity:
    return Identity(
        identity_id=identity_id,
        names=[PersonName("Garcia", "Maria")],
        birth_date=date(1980, 1, 1),
        sex="F",
        birth_country="MX",
        events=list(events),
    )


def world() -> FakeUnitOfWork:
    identities = FakeIdentityRepository(
        [
            identity(
                PERSON, ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, date(2015, 3, 1))
            ),
            identity(RESIDENT, ImmigrationEvent(EventKind.LPR_GRANTED, date(2010, 3, 1))),
            identity(
                NATURALIZED,
                ImmigrationEvent(EventKind.LPR_GRANTED, date(2005, 3, 1)),
                ImmigrationEvent(EventKind.NATURALIZED, date(2012, 3, 1)),
            ),
            identity(STRANGER),
        ]
    )
    jurisdictions = FakeJurisdictionRepository(
        agencies=[Agency(HARRIS, "Harris County Sheriff", "48201")],
        policies=[
            DetainerPolicy("48201", PolicyKind.CRIMINAL_CRITERIA, date(2020, 1, 1), ("homicide",))
        ],
    )
    # an audit repository that never fails unless a test says when
    return FakeUnitOfWork(
        identities=identities, jurisdictions=jurisdictions, audit=FailingAuditRepository(0)
    )


@functools.cache
def _fingers(identity_id: int) -> Mapping[int, bytes]:
    return booking_fingers(SEED, identity_id)


def fingers(identity_id: int = PERSON) -> dict[int, bytes]:
    """Ten real ISO/IEC 19794-2 records of a fresh impression of the person."""
    return dict(_fingers(identity_id))


def submission(
    tcn: str = "TCN-0001",
    *,
    ori: str = HARRIS,
    charges: tuple[Charge, ...] = (ASSAULT,),
    birth_place: str = "MX",
    claimed_citizenship: str = "MX",
    fingerprints: dict[int, bytes] | None = None,
) -> services.BookingSubmission:
    return services.BookingSubmission(
        tcn=tcn,
        ori=ori,
        booking_number=f"B-{tcn}",
        arrested_at=T0 - 3 * H,
        biographics=Biographics(
            "Garcia", "Maria", date(1980, 1, 1), "F", birth_place, claimed_citizenship
        ),
        charges=charges,
        fingerprints=fingers() if fingerprints is None else fingerprints,
        scheduled_release=T0 + 48 * H,
    )


def submit(
    uow: FakeUnitOfWork, sub: services.BookingSubmission | None = None, booking_id: str = "BK-1"
) -> services.Submitted:
    return services.submit_booking(
        uow=uow, submission=sub or submission(), booking_id=booking_id, actor=JAIL, at=T0
    )


def identification(decision: Decision, *identity_ids: int) -> Identification:
    candidates = tuple(
        Candidate(i, 0.9 - 0.1 * rank, {1: 0.9 - 0.1 * rank}) for rank, i in enumerate(identity_ids)
    )
    return Identification(decision, candidates, T0 + H, (0.6, 0.4))


class FakeSearch:
    """A ten-print search that answers with a chosen identification and remembers what it was
    asked to search."""

    def __init__(self, answer: Identification) -> None:
        self.answer = answer
        self.searched: list[dict[FingerPosition, FingerTemplate]] = []

    def search(self, fingers: Mapping[FingerPosition, FingerTemplate]) -> Identification:
        self.searched.append(dict(fingers))
        return self.answer


def identify(
    uow: FakeUnitOfWork,
    booking_id: str,
    found: Identification,
    *,
    table: PriorityTable | None = None,
    at: datetime = T0 + H,
) -> Booking:
    """What the worker does: search outside any transaction, then store the result."""
    with uow:
        booking = uow.bookings.get(booking_id)
    assert booking is not None
    result = services.search_booking(booking, FakeSearch(found))
    with uow:
        stored = services.identify_booking(
            uow=uow,
            booking_id=booking_id,
            identification=result,
            priority_table=table or PriorityTable.default(),
            at=at,
        )
        uow.commit()
    return stored


def booked(
    uow: FakeUnitOfWork,
    found: Identification,
    *,
    sub: services.BookingSubmission | None = None,
    booking_id: str = "BK-1",
) -> Booking:
    submit(uow, sub, booking_id)
    return identify(uow, booking_id, found)


def stored_booking(uow: FakeUnitOfWork, booking_id: str = "BK-1") -> Booking:
    booking = uow.bookings.get(booking_id)
    assert booking is not None
    return booking


def actions(uow: FakeUnitOfWork) -> list[str]:
    return [e.action for e in uow.audit.rows]


def review(
    uow: FakeUnitOfWork,
    *,
    verified: int | None = PERSON,
    action: ReviewAction = ReviewAction.LODGE_DETAINER,
    warrant_ref: str = "I-200 2026-0001",
    booking_id: str = "BK-1",
    detainer_id: str = "D-1",
    at: datetime = T0 + 2 * H,
    referral_id: str = "",
) -> tuple[Booking, Detainer | None]:
    return services.review_booking(
        uow=uow,
        booking_id=booking_id,
        officer=OFFICER,
        action=action,
        verified_identity_id=verified,
        reason="ten-print match verified against the A-file photograph",
        at=at,
        detainer=services.DetainerRequest(ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS, warrant_ref),
        detainer_id=detainer_id,
        referral_id=referral_id,
    )


# -- submit ----------------------------------------------------------------------------------


def test_a_submission_stores_the_booking_queues_its_identification_and_audits_it() -> None:
    uow = world()
    done = submit(uow)

    assert done.created is True
    booking = stored_booking(uow)
    assert booking is done.booking
    assert (booking.tcn, booking.ori, booking.state) == ("TCN-0001", HARRIS, BookingState.RECEIVED)
    assert booking.fingerprints == fingers()
    assert booking.body_digest == submission().digest()
    assert booking.identification is None
    assert booking.response is None
    assert [(r.kind, r.key, r.state) for r in uow.jobs.rows.values()] == [
        (services.IDENTIFY, "BK-1", "pending")
    ]
    assert actions(uow) == ["booking.submit"]
    assert uow.audit.rows[0].subject == "booking:BK-1"
    assert uow.audit.rows[0].actor == JAIL
    assert uow.commits == 1


def test_the_same_tcn_and_body_again_returns_the_first_booking_and_writes_nothing() -> None:
    uow = world()
    first = submit(uow, booking_id="BK-1")

    again = submit(uow, submission(), booking_id="BK-2")

    assert again.created is False
    assert again.booking.booking_id == "BK-1"
    assert again.booking.body_digest == first.booking.body_digest
    assert sorted(uow.bookings.items) == ["BK-1"]
    assert uow.jobs.pending() == 1  # no second identification queued
    assert actions(uow) == ["booking.submit"]  # no second audit entry
    assert uow.commits == 1


def test_the_same_tcn_with_another_body_is_refused_and_nothing_is_written() -> None:
    uow = world()
    submit(uow, booking_id="BK-1")

    with pytest.raises(DuplicateTcn, match=r"TCN-0001.*new TCN"):
        submit(uow, submission(charges=(HOMICIDE,)), booking_id="BK-2")

    assert sorted(uow.bookings.items) == ["BK-1"]
    assert stored_booking(uow).charges == [ASSAULT]
    assert uow.jobs.pending() == 1
    assert actions(uow) == ["booking.submit"]
    assert uow.commits == 1


def _bad(**kw: object) -> services.BookingSubmission:
    return replace(submission(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        pytest.param(_bad(fingerprints={}), "no fingerprints", id="no-fingerprints"),
        pytest.param(
            _bad(fingerprints={**fingers(), 4: b"not a minutiae record"}),
            r"finger 4: magic",
            id="unreadable-record",
        ),
        pytest.param(
            _bad(fingerprints={**fingers(), 4: fingers()[4][:40]}),
            r"finger 4: .*truncated",
            id="truncated-record",
        ),
        pytest.param(
            _bad(fingerprints={1: fingers()[1], 2: fingers()[3]}),
            "finger 2: the record says position 3",
            id="position-mismatch",
        ),
        pytest.param(
            _bad(fingerprints={11: fingers()[1]}), "finger position 11 is not 1-10", id="position"
        ),
        pytest.param(_bad(charges=(ASSAULT, Charge("9999"))), "charge '9999'", id="unknown-ncic"),
        pytest.param(_bad(charges=(Charge("13-3"),)), "charge '13-3'.*four digits", id="bad-ncic"),
        pytest.param(_bad(charges=()), "no charges", id="no-charges"),
        pytest.param(_bad(tcn=""), "TCN is empty", id="empty-tcn"),
        pytest.param(_bad(tcn="   "), "TCN is empty", id="blank-tcn"),
        # bounds the API checks too, so the command line is bounded alike
        pytest.param(_bad(tcn="T\n1"), "TCN holds U\\+000A", id="tcn-newline"),
        pytest.param(_bad(tcn="T\u202e1"), "TCN holds U\\+202E", id="tcn-rtl-override"),
        pytest.param(_bad(tcn="T\u200b1"), "TCN holds U\\+200B", id="tcn-zero-width"),
        pytest.param(_bad(booking_number="B\x001"), "booking number", id="booking-number-nul"),
        pytest.param(
            _bad(biographics=Biographics("Gar\u202ecia", "M", None, "F", "MX", "MX")),
            "family name holds U\\+202E",
            id="bidi-name",
        ),
        pytest.param(
            _bad(arrested_at=datetime(1, 1, 1, tzinfo=UTC)), "arrest time", id="arrest-year-1"
        ),
        pytest.param(_bad(arrested_at=T0 + 25 * H), "arrest time", id="arrest-a-day-ahead"),
        pytest.param(_bad(arrested_at=datetime(2026, 3, 1)), "no time zone", id="naive-arrest"),
        pytest.param(
            _bad(biographics=Biographics("Garcia", "M", date(2999, 1, 1), "F", "MX", "MX")),
            "birth date 2999-01-01",
            id="born-2999",
        ),
        pytest.param(
            _bad(biographics=Biographics("Garcia", "M", date(1899, 1, 1), "F", "MX", "MX")),
            "birth date 1899-01-01",
            id="born-1899",
        ),
    ],
)
def test_an_invalid_submission_names_the_problem_and_writes_nothing(
    bad: services.BookingSubmission, problem: str
) -> None:
    uow = world()
    with pytest.raises(InvalidBooking, match=problem):
        submit(uow, bad)
    assert uow.bookings.items == {}
    assert uow.jobs.rows == {}
    assert uow.audit.rows == []
    assert uow.commits == 0


def test_names_keep_their_unicode_and_the_arrest_may_run_a_little_ahead() -> None:
    uow = world()
    name = Biographics("Nguyễn-Ñúñez", "مه\u200cدی", date(1900, 1, 1), "F", "MX", "MX")
    done = submit(uow, replace(submission(), biographics=name, arrested_at=T0 + 23 * H))
    assert done.booking.biographics.family_name == "Nguyễn-Ñúñez"


def test_a_submission_from_an_unknown_agency_is_refused_and_nothing_is_written() -> None:
    uow = world()
    with pytest.raises(UnknownAgency, match=UNKNOWN_ORI):
        submit(uow, submission(ori=UNKNOWN_ORI))
    assert uow.bookings.items == {}
    assert uow.jobs.rows == {}
    assert uow.audit.rows == []
    assert uow.commits == 0


# -- identify --------------------------------------------------------------------------------


def test_the_search_gets_every_submitted_finger_as_a_template() -> None:
    uow = world()
    submit(uow)
    search = FakeSearch(identification(Decision.NO_MATCH))
    services.search_booking(stored_booking(uow), search)
    (searched,) = search.searched
    assert sorted(searched) == [FingerPosition(p) for p in range(1, 11)]
    assert all(template.position == position for position, template in searched.items())


def test_an_identification_is_stored_with_the_response_to_the_jail() -> None:
    uow = world()
    found = identification(Decision.MATCH, PERSON, STRANGER)

    booking = booked(uow, found)

    assert booking.state is BookingState.RESPONDED
    assert booking.identification == found
    assert booking.response is not None
    assert booking.response.decision is Decision.MATCH
    assert booking.response.status_category == "entered_without_inspection"
    assert booking.response.priority == "level_3"  # one misdemeanor, counted: no lawful status
    assert booking.response.flags == ()
    assert booking.response.created_at == T0 + H
    assert actions(uow) == ["booking.submit", "booking.identify"]
    assert json.loads(uow.audit.rows[-1].detail)["candidates"] == [PERSON, STRANGER]
    verify_trail(uow=uow)


def test_a_second_identification_changes_nothing() -> None:
    uow = world()
    first = booked(uow, identification(Decision.MATCH, PERSON))
    response = first.response
    trail = list(uow.audit.rows)

    again = identify(uow, "BK-1", identification(Decision.NO_MATCH), at=T0 + 5 * H)

    assert again.identification == identification(Decision.MATCH, PERSON)
    assert again.response == response
    assert stored_booking(uow).state is BookingState.RESPONDED
    assert uow.audit.rows == trail


def test_no_match_tells_the_jail_nothing_about_anyone() -> None:
    uow = world()
    booking = booked(uow, identification(Decision.NO_MATCH))
    assert booking.response is not None
    assert booking.response.decision is Decision.NO_MATCH
    assert (booking.response.status_category, booking.response.priority) == ("", "")
    assert booking.response.flags == ()


def test_a_possible_match_asks_for_verification() -> None:
    uow = world()
    booking = booked(uow, identification(Decision.POSSIBLE, PERSON))
    assert booking.response is not None
    assert booking.response.decision is Decision.POSSIBLE
    assert booking.response.flags == ("verification_required",)


@pytest.mark.parametrize(
    ("candidate", "birth_place", "claimed", "flags"),
    [
        pytest.param(NATURALIZED, "MX", "MX", ("citizenship_indicator",), id="record"),
        pytest.param(PERSON, "US", "MX", ("citizenship_indicator",), id="born-in-us"),
        pytest.param(PERSON, "MX", "usa", ("citizenship_indicator",), id="claims-us"),
        pytest.param(PERSON, "MX", "MX", (), id="none"),
    ],
)
def test_a_citizenship_indicator_is_flagged(
    candidate: int, birth_place: str, claimed: str, flags: tuple[str, ...]
) -> None:
    uow = world()
    sub = submission(birth_place=birth_place, claimed_citizenship=claimed)
    booking = booked(uow, identification(Decision.MATCH, candidate), sub=sub)
    assert booking.response is not None
    assert booking.response.flags == flags


def test_a_possible_match_with_an_indicator_carries_both_flags() -> None:
    uow = world()
    booking = booked(uow, identification(Decision.POSSIBLE, NATURALIZED))
    assert booking.response is not None
    assert booking.response.flags == ("verification_required", "citizenship_indicator")
    assert booking.response.status_category == "citizen_naturalized"
    assert booking.response.priority == "none"  # a citizen is never anyone's priority


@pytest.mark.parametrize(
    ("candidate", "charges", "priority"),
    [
        pytest.param(PERSON, (ASSAULT,), "level_3", id="misdemeanor"),
        pytest.param(PERSON, (HOMICIDE,), "level_1", id="violent-felony"),
        pytest.param(PERSON, (ASSAULT, ASSAULT, ASSAULT), "level_2", id="three-misdemeanors"),
        pytest.param(RESIDENT, (HOMICIDE,), "none", id="lawful-charges-do-not-count"),
    ],
)
def test_priority_comes_from_the_default_priority_table(
    candidate: int, charges: tuple[Charge, ...], priority: str
) -> None:
    uow = world()
    booking = booked(
        uow, identification(Decision.MATCH, candidate), sub=submission(charges=charges)
    )
    assert booking.response is not None
    assert booking.response.priority == priority


def test_priority_comes_from_the_table_given_not_from_code() -> None:
    table = PriorityTable.parse(
        b"""
none_level = "unranked"
[counted]
lawful = ["charges"]
unlawful = ["charges"]
[[levels]]
name = "assault_first"
offense_classes = ["assault"]
""",
        source="test.toml",
    )
    uow = world()
    submit(uow, submission(charges=(ASSAULT,)), booking_id="BK-1")
    submit(uow, submission("TCN-0002", charges=(TRAFFIC,)), booking_id="BK-2")

    assault = identify(uow, "BK-1", identification(Decision.MATCH, RESIDENT), table=table)
    traffic = identify(uow, "BK-2", identification(Decision.MATCH, RESIDENT), table=table)

    assert assault.response is not None
    assert traffic.response is not None
    assert assault.response.priority == "assault_first"  # lawful, yet charges count here
    assert traffic.response.priority == "unranked"


def test_identifying_an_unknown_booking_is_refused() -> None:
    uow = world()
    with pytest.raises(UnknownBooking), uow:
        services.identify_booking(
            uow=uow,
            booking_id="BK-404",
            identification=identification(Decision.NO_MATCH),
            priority_table=PriorityTable.default(),
            at=T0,
        )


# -- review ----------------------------------------------------------------------------------


def test_a_matched_booking_waits_in_the_review_queue_until_reviewed() -> None:
    uow = world()
    booked(uow, identification(Decision.MATCH, PERSON), booking_id="BK-1")
    booked(
        uow,
        identification(Decision.NO_MATCH),
        sub=submission("TCN-0002"),
        booking_id="BK-2",
    )
    queue = services.review_queue(uow=uow, actor=OFFICER, purpose="enforcement review", at=T0)
    assert [b.booking_id for b in queue] == ["BK-1"]

    review(uow, action=ReviewAction.NO_ACTION)

    assert services.review_queue(uow=uow, actor=OFFICER, purpose="review", at=T0) == []


def test_lodging_with_a_verified_candidate_commits_the_detainer_with_the_review() -> None:
    uow = world()
    booked(uow, identification(Decision.MATCH, PERSON, STRANGER))
    commits = uow.commits

    booking, lodged = review(uow)

    assert lodged is not None
    assert booking.state is BookingState.REVIEWED
    (made,) = stored_booking(uow).reviews
    assert (made.officer, made.action, made.verified_identity_id) == (
        OFFICER,
        ReviewAction.LODGE_DETAINER,
        PERSON,
    )
    detainer = uow.detainers.get("D-1")
    assert detainer is lodged
    assert (detainer.booking_id, detainer.identity_id, detainer.ori) == ("BK-1", PERSON, HARRIS)
    assert detainer.state is DetainerState.ISSUED
    assert detainer.warrant_ref == "I-200 2026-0001"
    assert uow.commits == commits + 1  # one transaction for both
    assert actions(uow)[-2:] == ["detainer.lodge", "booking.review"]
    verify_trail(uow=uow)


def nothing_reviewed(uow: FakeUnitOfWork, trail_length: int) -> None:
    booking = stored_booking(uow)
    assert booking.reviews == []
    assert booking.state is BookingState.RESPONDED
    assert uow.detainers.items == {}
    assert len(uow.audit.rows) == trail_length


def test_lodging_on_an_unverified_identification_stores_neither_review_nor_detainer() -> None:
    uow = world()
    booked(uow, identification(Decision.POSSIBLE, PERSON))
    trail_length = len(uow.audit.rows)

    with pytest.raises(UnverifiedIdentification):
        review(uow, verified=None)

    nothing_reviewed(uow, trail_length)


def test_a_verified_identity_that_is_no_candidate_is_not_reviewable() -> None:
    uow = world()
    booked(uow, identification(Decision.MATCH, PERSON))
    trail_length = len(uow.audit.rows)

    with pytest.raises(NotReviewable, match=f"identity {STRANGER} is not among"):
        review(uow, verified=STRANGER)

    nothing_reviewed(uow, trail_length)


def test_lodging_without_a_warrant_stores_nothing() -> None:
    uow = world()
    booked(uow, identification(Decision.MATCH, PERSON))
    trail_length = len(uow.audit.rows)

    with pytest.raises(MissingWarrant):
        review(uow, warrant_ref="  ")

    nothing_reviewed(uow, trail_length)


def test_a_booking_not_yet_searched_is_not_reviewable() -> None:
    uow = world()
    submit(uow)
    with pytest.raises(NotReviewable, match="received"):
        review(uow, action=ReviewAction.NO_ACTION, verified=None)
    assert stored_booking(uow).reviews == []


# -- the jail's answer -----------------------------------------------------------------------


def served_detainer(uow: FakeUnitOfWork, charges: tuple[Charge, ...]) -> None:
    booked(uow, identification(Decision.MATCH, PERSON), sub=submission(charges=charges))
    review(uow)
    detainers.serve(uow=uow, detainer_id="D-1", actor=OFFICER, at=T0 + 3 * H)


def answer(uow: FakeUnitOfWork, reply: JailAnswer) -> Detainer:
    return services.answer_detainer(
        uow=uow, detainer_id="D-1", answer=reply, ori=HARRIS, actor=JAIL, at=T0 + 4 * H
    )


def test_a_criminal_criteria_policy_honors_for_the_bookings_homicide_charge() -> None:
    uow = world()
    served_detainer(uow, (TRAFFIC, HOMICIDE))

    honored = answer(uow, JailAnswer.HONOR)

    assert honored.state is DetainerState.HONORED
    assert uow.audit.rows[-1].action == "detainer.honor"
    detail = json.loads(uow.audit.rows[-1].detail)
    assert detail["offense_classes"] == ["homicide", "traffic_offenses"]


def test_a_criminal_criteria_policy_refuses_to_honor_for_a_traffic_charge() -> None:
    uow = world()
    served_detainer(uow, (TRAFFIC,))
    trail_length = len(uow.audit.rows)

    with pytest.raises(AnswerForbiddenByPolicy) as refused:
        answer(uow, JailAnswer.HONOR)

    assert refused.value.permitted == ("decline", "notify_only")
    detainer = uow.detainers.get("D-1")
    assert detainer is not None
    assert detainer.state is DetainerState.SERVED
    assert len(uow.audit.rows) == trail_length
    assert answer(uow, JailAnswer.DECLINE).state is DetainerState.DECLINED


# -- citizenship ------------------------------------------------------------------------------

ADJUDICATOR = "adjudicator.kim"


def referred(uow: FakeUnitOfWork) -> None:
    """A served detainer on the booking, then the officer's referral of the person's
    citizenship to adjudication, and an adjudicator's account to rule on it."""
    served_detainer(uow, (ASSAULT,))
    review(uow, action=ReviewAction.REFER_CITIZENSHIP, at=T0 + 4 * H, referral_id="R-1")
    uow.accounts.add_user(User(ADJUDICATOR, "argon2-hash", roles={Role.ADJUDICATOR}))


def rule(uow: FakeUnitOfWork, finding: CitizenshipFinding, evidence: str) -> list[Detainer]:
    adjudicated = adjudication.rule(
        uow=uow,
        referral_id="R-1",
        finding=finding,
        indicators=(),
        adjudicator=ADJUDICATOR,
        evidence=evidence,
        at=T0 + 5 * H,
    )
    return list(adjudicated.cancelled)


def test_a_citizen_ruling_cancels_the_open_detainer_in_the_same_transaction() -> None:
    uow = world()
    referred(uow)
    commits = uow.commits

    cancelled = rule(uow, CitizenshipFinding.CITIZEN, "U.S. passport 123456789 verified")

    assert [d.detainer_id for d in cancelled] == ["D-1"]
    detainer = uow.detainers.get("D-1")
    assert detainer is not None
    assert detainer.state is DetainerState.CANCELLED
    person = uow.identities.get(PERSON)
    assert person is not None
    assert [r.finding for r in person.citizenship_rulings] == [CitizenshipFinding.CITIZEN]
    assert uow.commits == commits + 1
    assert actions(uow)[-3:] == [
        "identity.citizenship.rule",
        "detainer.cancel",
        "citizenship.rule",
    ]


def test_a_citizen_ruling_is_not_kept_when_cancelling_its_detainers_fails() -> None:
    uow = world()
    referred(uow)
    audit = uow.audit
    assert isinstance(audit, FailingAuditRepository)
    trail_length = len(audit.rows)
    audit.fail_on = audit.appends + 2  # the ruling's entry is written, the cancellation's fails

    with pytest.raises(RuntimeError, match="audit store unavailable"):
        rule(uow, CitizenshipFinding.CITIZEN, "U.S. passport 123456789 verified")

    person = uow.identities.get(PERSON)
    assert person is not None
    assert person.citizenship_rulings == []
    detainer = uow.detainers.get("D-1")
    assert detainer is not None
    assert detainer.state is DetainerState.SERVED
    referral = uow.referrals.get("R-1")
    assert referral is not None
    assert referral.state is ReferralState.OPEN
    assert len(audit.rows) == trail_length


def test_a_refused_ruling_cancels_nothing() -> None:
    uow = world()
    referred(uow)
    with pytest.raises(InvalidCitizenshipRuling):
        rule(uow, CitizenshipFinding.CITIZEN, " ")
    detainer = uow.detainers.get("D-1")
    assert detainer is not None
    assert detainer.state is DetainerState.SERVED
    referral = uow.referrals.get("R-1")
    assert referral is not None
    assert referral.state is ReferralState.OPEN


def test_the_exported_names_are_pinned() -> None:
    assert services.__all__ == [
        "IDENTIFY",
        "BookingSubmission",
        "DetainerRequest",
        "EncounterScreening",
        "Submitted",
        "answer_detainer",
        "check_submission",
        "count_bookings",
        "count_review_queue",
        "find_replay",
        "get_booking",
        "identify_booking",
        "list_bookings",
        "record_release",
        "review_booking",
        "review_queue",
        "submit_booking",
    ]
