"""Citizenship referrals and their adjudication on the in-memory store: who may rule, who may
not (separation of duties), the second adjudicator an override of a citizenship event needs,
and what a ruling does to lodging."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.fakes import FakeIdentityRepository, FakeJurisdictionRepository, FakeUnitOfWork

from liaison.accounts.model import Role, User
from liaison.audit.services import verify_trail
from liaison.bookings import adjudication, services
from liaison.bookings.adjudication import Adjudicated
from liaison.bookings.errors import (
    AdjudicatorConflict,
    NotAnAdjudicator,
    ReferralNotOpen,
    UnknownReferral,
)
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
from liaison.detainers.errors import CitizenshipIndicatorUnresolved, ConflictOfDuties
from liaison.detainers.model import Detainer, DetainerState, ProbableCause
from liaison.identity.citizenship import unresolved_indicators
from liaison.identity.model import (
    CitizenshipFinding,
    EventKind,
    Identity,
    ImmigrationEvent,
    PersonName,
    ReferralState,
)
from liaison.jurisdictions.model import Agency

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
HARRIS = "TX1010000"
NOT_CITIZEN = CitizenshipFinding.NOT_CITIZEN
CITIZEN = CitizenshipFinding.CITIZEN

NATURALIZED = 5  # a naturalization record (a namesake's, it will turn out) and a final order
CLAIMANT = 6  # entered without inspection, ordered removed; says at a booking she is a citizen

OFFICER = "officer.ruiz"  # enforcement: verifies and refers
ENFORCER = "officer.vega"  # enforcement, took no part in the referral
ADJ1, ADJ2, ADJ3 = "adjudicator.kim", "adjudicator.lee", "adjudicator.diaz"
RETIRED = "adjudicator.old"  # an adjudicator's account, locked
REFERRER = "officer.ramos"  # enforcement and adjudicator: refers, then would rule
VERIFIER = "officer.soto"  # enforcement and adjudicator: verified the match
LODGER = "officer.cruz"  # enforcement and adjudicator: lodged on the person

EVIDENCE = "N-400 file shows a different date of birth and fingerprints: a namesake's record"
NOTE = "agreed: the certificate's photograph and prints are not the booked person's"


def identity(identity_id: int, *events: ImmigrationEvent) -> Identity:
    return Identity(
        identity_id=identity_id,
        names=[PersonName("Garcia", "Maria")],
        birth_date=date(1980, 1, 1),
        sex="F",
        birth_country="MX",
        events=list(events),
    )


def booking(booking_id: str, candidate: int, *, claimed_citizenship: str = "MX") -> Booking:
    return Booking(
        booking_id=booking_id,
        tcn=f"TCN-{booking_id}",
        ori=HARRIS,
        booking_number=f"B-{booking_id}",
        arrested_at=T0 - 3 * H,
        biographics=Biographics(
            "Garcia", "Maria", date(1980, 1, 1), "F", "MX", claimed_citizenship
        ),
        charges=[Charge("1313", "simple assault")],
        fingerprints={},
        body_digest="0" * 64,
        submitted_at=T0 - 2 * H,
        state=BookingState.RESPONDED,
        identification=Identification(
            Decision.MATCH, (Candidate(candidate, 0.9, {1: 0.9}),), T0 - H, (0.6, 0.4)
        ),
    )


def world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(
        identities=FakeIdentityRepository(
            [
                identity(
                    NATURALIZED,
                    ImmigrationEvent(EventKind.NATURALIZED, date(2012, 1, 1), reference="N-1"),
                    ImmigrationEvent(EventKind.FINAL_ORDER, date(2020, 1, 1), reference="A-1"),
                ),
                identity(
                    CLAIMANT,
                    ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, date(2015, 3, 1)),
                    ImmigrationEvent(EventKind.FINAL_ORDER, date(2019, 1, 1), reference="A-2"),
                ),
            ]
        ),
        jurisdictions=FakeJurisdictionRepository(
            agencies=[Agency(HARRIS, "Harris County Sheriff", "48201")]
        ),
    )
    enforcement, adjudicator = Role.ENFORCEMENT_OFFICER, Role.ADJUDICATOR
    for name, roles, locked in [
        (OFFICER, {enforcement}, False),
        (ENFORCER, {enforcement}, False),
        (ADJ1, {adjudicator}, False),
        (ADJ2, {adjudicator}, False),
        (ADJ3, {adjudicator}, False),
        (RETIRED, {adjudicator}, True),
        (REFERRER, {enforcement, adjudicator}, False),
        (VERIFIER, {enforcement, adjudicator}, False),
        (LODGER, {enforcement, adjudicator}, False),
    ]:
        uow.accounts.add_user(User(name, "argon2-hash", roles=roles, locked=locked))
    uow.bookings.add(booking("BK-1", NATURALIZED))
    uow.bookings.add(booking("BK-2", CLAIMANT, claimed_citizenship="US"))
    uow.bookings.add(booking("BK-3", CLAIMANT))
    return uow


def review(
    uow: FakeUnitOfWork,
    action: ReviewAction,
    *,
    booking_id: str = "BK-1",
    officer: str = OFFICER,
    verified: int | None = None,
    referral_id: str = "",
    detainer_id: str = "",
    at: datetime = T0,
) -> Detainer | None:
    _, lodged = services.review_booking(
        uow=uow,
        booking_id=booking_id,
        officer=officer,
        action=action,
        verified_identity_id=verified,
        reason="ten-print match verified; the person's citizenship must be decided first",
        at=at,
        detainer=services.DetainerRequest(ProbableCause.FINAL_ORDER, "I-205 2026-0001"),
        detainer_id=detainer_id,
        referral_id=referral_id,
    )
    return lodged


def referred(
    uow: FakeUnitOfWork,
    *,
    booking_id: str = "BK-1",
    identity_id: int = NATURALIZED,
    officer: str = OFFICER,
    verifier: str | None = None,
) -> None:
    """The booking's match verified (by ``verifier``, else by the referring officer) and its
    citizenship referred to adjudication as ``R-1``."""
    if verifier is not None:
        review(
            uow, ReviewAction.VERIFY, booking_id=booking_id, officer=verifier, verified=identity_id
        )
    review(
        uow,
        ReviewAction.REFER_CITIZENSHIP,
        booking_id=booking_id,
        officer=officer,
        verified=identity_id,
        referral_id="R-1",
        at=T0 + H,
    )


def rule(
    uow: FakeUnitOfWork,
    adjudicator: str = ADJ1,
    finding: CitizenshipFinding = NOT_CITIZEN,
    indicators: tuple[str, ...] = ("naturalization_record",),
    at: datetime = T0 + 2 * H,
) -> Adjudicated:
    return adjudication.rule(
        uow=uow,
        referral_id="R-1",
        finding=finding,
        indicators=indicators,
        adjudicator=adjudicator,
        evidence=EVIDENCE,
        at=at,
    )


def concur(
    uow: FakeUnitOfWork, adjudicator: str = ADJ2, *, agrees: bool = True, at: datetime = T0 + 3 * H
) -> Adjudicated:
    return adjudication.concur(
        uow=uow, referral_id="R-1", adjudicator=adjudicator, agrees=agrees, note=NOTE, at=at
    )


def lodge(
    uow: FakeUnitOfWork,
    officer: str = ENFORCER,
    *,
    booking_id: str = "BK-1",
    verified: int | None = None,
    at: datetime = T0,
) -> Detainer | None:
    """A lodging review: on the booking's verified identity, or verifying ``verified`` first."""
    return review(
        uow,
        ReviewAction.LODGE_DETAINER,
        booking_id=booking_id,
        officer=officer,
        verified=verified,
        detainer_id=f"D-{officer}",
        at=at,
    )


def referral_state(uow: FakeUnitOfWork) -> ReferralState:
    referral = uow.referrals.get("R-1")
    assert referral is not None
    return referral.state


def person(uow: FakeUnitOfWork, identity_id: int = NATURALIZED) -> Identity:
    found = uow.identities.get(identity_id)
    assert found is not None
    return found


class Unchanged:
    """Snapshot what adjudication touches; ``check`` asserts a refusal wrote nothing."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.state = self._read()

    def _read(self) -> object:
        return (
            self.uow.commits,
            list(self.uow.audit.rows),
            {k: (r.state, r.decided_at) for k, r in self.uow.referrals.items.items()},
            {k: list(i.citizenship_rulings) for k, i in self.uow.identities.items.items()},
            {k: (d.state, list(d.history)) for k, d in self.uow.detainers.items.items()},
        )

    def check(self) -> None:
        assert self._read() == self.state


# -- who may rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(ENFORCER, id="enforcement-officer"),
        pytest.param(RETIRED, id="locked-adjudicator"),
        pytest.param("nobody.known", id="no-account"),
    ],
)
def test_only_an_adjudicator_may_rule(who: str) -> None:
    uow = world()
    referred(uow)
    unchanged = Unchanged(uow)
    with pytest.raises(NotAnAdjudicator, match=f"{who} does not hold the adjudicator role"):
        rule(uow, who)
    unchanged.check()
    assert referral_state(uow) is ReferralState.OPEN


def test_the_referring_officer_may_not_rule_even_holding_the_adjudicator_role() -> None:
    uow = world()
    referred(uow, officer=REFERRER)
    unchanged = Unchanged(uow)
    with pytest.raises(AdjudicatorConflict, match=f"{REFERRER} may not .* they referred"):
        rule(uow, REFERRER)
    unchanged.check()


def test_an_officer_who_lodged_on_the_person_may_not_rule() -> None:
    uow = world()
    lodged = lodge(
        uow, LODGER, booking_id="BK-3", verified=CLAIMANT
    )  # an earlier booking, no indicator on it
    assert lodged is not None
    referred(uow, booking_id="BK-2", identity_id=CLAIMANT)
    unchanged = Unchanged(uow)
    with pytest.raises(AdjudicatorConflict, match=f"they lodged detainer {lodged.detainer_id}"):
        rule(uow, LODGER, indicators=("claimed_us_citizenship",))
    unchanged.check()


def test_the_officer_who_verified_the_match_may_not_rule() -> None:
    uow = world()
    referred(uow, verifier=VERIFIER)
    unchanged = Unchanged(uow)
    with pytest.raises(AdjudicatorConflict, match="they verified the match of booking BK-1"):
        rule(uow, VERIFIER)
    unchanged.check()


def test_an_adjudicator_with_no_part_rules_and_a_claim_needs_no_concurrence() -> None:
    uow = world()
    referred(uow, booking_id="BK-2", identity_id=CLAIMANT)

    done = rule(uow, indicators=("claimed_us_citizenship",))

    assert done.referral.state is ReferralState.DECIDED
    assert done.referral.decided_at == T0 + 2 * H
    assert done.ruling.in_force
    assert done.ruling.referral_id == "R-1"
    assert unresolved_indicators(person(uow, CLAIMANT), claimed_citizenship="US") == ()
    lodged = lodge(uow, booking_id="BK-2", at=T0 + 3 * H)
    assert lodged is not None
    assert lodged.identity_id == CLAIMANT


# -- an override of a citizenship event -------------------------------------------------------


def test_not_citizen_on_a_naturalized_record_waits_for_a_second_adjudicator() -> None:
    uow = world()
    referred(uow)

    done = rule(uow)

    assert done.referral.state is ReferralState.AWAITING_CONCURRENCE
    assert done.referral.decided_at is None
    assert done.ruling.awaiting_concurrence
    assert not done.ruling.in_force
    assert unresolved_indicators(person(uow)) == ("naturalization_record",)
    unchanged = Unchanged(uow)
    with pytest.raises(CitizenshipIndicatorUnresolved, match="naturalization_record"):
        lodge(uow, at=T0 + 3 * H)
    unchanged.check()
    with pytest.raises(ReferralNotOpen, match="awaiting_concurrence"):
        rule(uow, ADJ3)  # one ruling at a time


def test_the_same_adjudicator_cannot_concur() -> None:
    uow = world()
    referred(uow)
    rule(uow)
    unchanged = Unchanged(uow)
    with pytest.raises(AdjudicatorConflict, match="they made the ruling"):
        concur(uow, ADJ1)
    unchanged.check()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param(ENFORCER, NotAnAdjudicator, id="enforcement-officer"),
        pytest.param(RETIRED, NotAnAdjudicator, id="locked-adjudicator"),
        pytest.param(VERIFIER, AdjudicatorConflict, id="verifier"),
    ],
)
def test_nobody_barred_from_ruling_may_concur(who: str, error: type[Exception]) -> None:
    uow = world()
    referred(uow, verifier=VERIFIER)
    rule(uow)
    unchanged = Unchanged(uow)
    with pytest.raises(error):
        concur(uow, who)
    unchanged.check()


def test_a_second_adjudicators_concurrence_brings_the_ruling_into_force() -> None:
    uow = world()
    referred(uow)
    rule(uow)

    done = concur(uow)

    assert done.referral.state is ReferralState.DECIDED
    assert done.referral.decided_at == T0 + 3 * H
    assert done.ruling.in_force
    assert done.ruling.adjudicators == (ADJ1, ADJ2)
    assert unresolved_indicators(person(uow)) == ()
    # a third person, who took no part, may now lodge (on the final order the record holds)
    lodged = lodge(uow, ENFORCER, at=T0 + 4 * H)
    assert lodged is not None
    assert (lodged.identity_id, lodged.issued_by) == (NATURALIZED, ENFORCER)
    assert verify_trail(uow=uow).ok


def test_a_dissent_reopens_the_referral_for_a_new_ruling() -> None:
    uow = world()
    referred(uow)
    rule(uow)

    done = concur(uow, agrees=False)

    assert done.referral.state is ReferralState.OPEN
    assert done.referral.decided_at is None
    assert not done.ruling.in_force
    assert not done.ruling.awaiting_concurrence
    assert unresolved_indicators(person(uow)) == ("naturalization_record",)
    with pytest.raises(CitizenshipIndicatorUnresolved):
        lodge(uow, at=T0 + 4 * H)
    with pytest.raises(ReferralNotOpen):
        concur(uow, ADJ3, at=T0 + 4 * H)  # nothing awaits a concurrence now
    again = rule(uow, ADJ3, at=T0 + 5 * H)
    assert again.referral.state is ReferralState.AWAITING_CONCURRENCE


@pytest.mark.parametrize("who", [ADJ1, ADJ2])
def test_an_adjudicator_of_the_person_cannot_then_lodge(who: str) -> None:
    uow = world()
    referred(uow)
    rule(uow)
    concur(uow)
    unchanged = Unchanged(uow)
    with pytest.raises(ConflictOfDuties, match=f"{who} adjudicated the citizenship"):
        lodge(uow, who, at=T0 + 4 * H)
    unchanged.check()


# -- a citizen ruling -------------------------------------------------------------------------


def test_a_citizen_ruling_cancels_the_persons_open_detainers() -> None:
    uow = world()
    lodged = lodge(uow, ENFORCER, booking_id="BK-3", verified=CLAIMANT)
    assert lodged is not None
    referred(uow, booking_id="BK-2", identity_id=CLAIMANT)

    done = adjudication.rule(
        uow=uow,
        referral_id="R-1",
        finding=CITIZEN,
        indicators=("claimed_us_citizenship",),
        adjudicator=ADJ1,
        evidence="U.S. passport 123456789 verified with the State Department",
        at=T0 + 2 * H,
    )

    assert [d.detainer_id for d in done.cancelled] == [lodged.detainer_id]
    assert done.referral.state is ReferralState.DECIDED
    cancelled = uow.detainers.get(lodged.detainer_id)
    assert cancelled is not None
    assert cancelled.state is DetainerState.CANCELLED
    assert cancelled.history[-1].reason == (
        "citizenship evidence: U.S. passport 123456789 verified with the State Department"
    )
    assert cancelled.history[-1].actor == ADJ1
    with pytest.raises(CitizenshipIndicatorUnresolved, match="ruled_citizen"):
        lodge(uow, OFFICER, booking_id="BK-3", at=T0 + 3 * H)


# -- the trail --------------------------------------------------------------------------------


def test_every_ruling_and_concurrence_is_audited_with_its_evidence() -> None:
    uow = world()
    referred(uow)
    rule(uow)
    concur(uow)
    entries = [(e.action, e.actor, e) for e in uow.audit.rows]
    refer = [e for action, _, e in entries if action == "citizenship.refer"]
    assert len(refer) == 1
    assert json.loads(refer[0].detail)["indicators"] == ["naturalization_record"]

    (ruled,) = [e for action, _, e in entries if action == "identity.citizenship.rule"]
    assert (ruled.actor, ruled.subject) == (ADJ1, f"identity:{NATURALIZED}")
    assert json.loads(ruled.detail) == {
        "finding": "not_citizen",
        "indicators": ["naturalization_record"],
        "evidence": EVIDENCE,
        "referral_id": "R-1",
        "concurrence_required": True,
    }
    (concurred,) = [e for action, _, e in entries if action == "identity.citizenship.concur"]
    assert concurred.actor == ADJ2
    assert json.loads(concurred.detail)["note"] == NOTE
    assert json.loads(concurred.detail)["ruled_by"] == ADJ1

    steps = [(a, who) for a, who, _ in entries if a in ("citizenship.rule", "citizenship.concur")]
    assert steps == [("citizenship.rule", ADJ1), ("citizenship.concur", ADJ2)]
    concur_step = next(e for a, _, e in entries if a == "citizenship.concur")
    assert concur_step.subject == "referral:R-1"
    assert json.loads(concur_step.detail) == {
        "identity_id": NATURALIZED,
        "booking_id": "BK-1",
        "state": "decided",
        "agrees": True,
        "note": NOTE,
    }
    assert verify_trail(uow=uow).ok


# -- the referral itself ----------------------------------------------------------------------


def test_an_unknown_referral_is_refused() -> None:
    uow = world()
    with pytest.raises(UnknownReferral, match="R-404"):
        adjudication.rule(
            uow=uow,
            referral_id="R-404",
            finding=CITIZEN,
            indicators=(),
            adjudicator=ADJ1,
            evidence="passport",
            at=T0,
        )
    assert uow.audit.rows == []


def test_a_decided_referral_takes_no_new_ruling_nor_concurrence() -> None:
    uow = world()
    referred(uow)
    rule(uow)
    concur(uow)
    unchanged = Unchanged(uow)
    with pytest.raises(ReferralNotOpen, match="decided"):
        rule(uow, ADJ3, at=T0 + 4 * H)
    with pytest.raises(ReferralNotOpen, match="decided"):
        concur(uow, ADJ3, at=T0 + 4 * H)
    unchanged.check()


def test_the_queue_and_a_referral_are_audited_reads() -> None:
    uow = world()
    referred(uow)
    queue = adjudication.referral_queue(
        uow=uow, actor=ADJ1, purpose="adjudication", at=T0 + H, state=ReferralState.OPEN
    )
    assert [r.referral_id for r in queue] == ["R-1"]
    assert (
        adjudication.referral_queue(
            uow=uow, actor=ADJ1, purpose="adjudication", at=T0 + H, state=ReferralState.DECIDED
        )
        == []
    )
    referral, record = adjudication.get_referral(
        uow=uow, referral_id="R-1", actor=ADJ1, purpose="adjudication", at=T0 + H
    )
    assert (referral.referral_id, record.identity_id) == ("R-1", NATURALIZED)
    assert [e.action for e in uow.audit.rows[-3:]] == [
        "citizenship.referrals",
        "citizenship.referrals",
        "citizenship.read",
    ]


def test_exported_names() -> None:
    assert adjudication.__all__ == [
        "Adjudicated",
        "concur",
        "count_referrals",
        "get_referral",
        "open_referral",
        "referral_queue",
        "rule",
        "withdraw_open_referrals",
    ]
