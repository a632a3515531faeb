"""A Hypothesis state machine tries to walk around the safeguards of issue 18 (the services over
the in-memory store), with random actions by random accounts of every role.

The world is small: eight people with varied records (entered without inspection, overstayed,
a final order, a vacated order, a lawful permanent resident, a naturalized citizen, someone in
proceedings, a U.S. birth), two agencies (one honors every detainer, one declines every one),
and bookings put straight into the store as searched and answered, each with one to three
candidates and biographics that sometimes claim a U.S. birth or U.S. citizenship. Every rule
calls the real use case (``liaison.bookings.services``, ``liaison.bookings.adjudication``,
``liaison.detainers.services``): reviews naming any candidate (or none, or a stranger),
lodges with any basis, statement and warrant, referrals, rulings with any finding and
indicators, concurrences, serving, the jail's answers, release times anywhere around the clock
and corrections with and without a reason, transfers, cancellations, the scheduled lapse check,
and the clock moving on. A ``LiaisonError`` is a refusal (counted by kind as a Hypothesis
event) and must leave nothing behind; anything else is a bug.

After every step these hold, each computed here from the record rather than by the services'
own functions (the oracles below):
  1. no open detainer names a person with an unresolved citizenship indicator (given the
     detainer's booking) or whose effective status is citizen;
  2. every detainer names the identity its booking had verified when it was lodged, and every
     open one names the booking's current verification;
  3. every detainer's basis was supported by the record when it was lodged;
  4. no ruling or concurrence was made by the officer who referred it, nor by anyone who
     issued a detainer on the person (whichever came first), nor by anyone but an adjudicator;
     an override of a citizenship event has two adjudicators;
  5. at most one open detainer per booking, and per person and holding agency;
  6. no hold runs past 48 hours after the release time: right after the lapse check no
     detainer is honored past its deadline, no transfer came after it, and every release time
     recorded was possible (not past now's tolerance, not before the arrest or the issue; a
     correction had a reason and never moved a passed time later).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from tests.fakes import (
    FakeAccountRepository,
    FakeIdentityRepository,
    FakeJurisdictionRepository,
    FakeUnitOfWork,
)

from liaison.accounts.model import Role, User
from liaison.audit.chain import verify
from liaison.bookings import adjudication
from liaison.bookings import services as bookings
from liaison.bookings.model import (
    Biographics,
    Booking,
    BookingState,
    Candidate,
    Charge,
    Decision,
    Identification,
    Response,
    ReviewAction,
)
from liaison.detainers import services as detainers
from liaison.detainers.model import HOLD_LIMIT, Detainer, DetainerState, ProbableCause
from liaison.errors import LiaisonError
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipRuling,
    EventKind,
    Identity,
    ImmigrationEvent,
    PersonName,
)
from liaison.jurisdictions.model import Agency, DetainerPolicy, JailAnswer, PolicyKind

S = DetainerState
K = EventKind
P = ProbableCause
NOT_CITIZEN, CITIZEN = CitizenshipFinding.NOT_CITIZEN, CitizenshipFinding.CITIZEN

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOLERANCE = timedelta(minutes=15)  # how far past now a release time may be recorded (issue 18)
TRAVIS, SF = "TX2270000", "CA0380000"  # honors every detainer; declines every one
# the store is copied whole on every unit of work (as the fakes roll back): keep it small
MAX_BOOKINGS = 8

# -- the people ------------------------------------------------------------------------------

EWI, OVERSTAYED, ORDERED, VACATED, LPR, NATURALIZED, PROCEEDINGS, US_BORN = range(1, 9)
PEOPLE = (EWI, OVERSTAYED, ORDERED, VACATED, LPR, NATURALIZED, PROCEEDINGS, US_BORN)
STRANGER = 99  # enrolled, never a candidate


def _on(year: int) -> date:
    return date(year, 3, 1)


HISTORIES: dict[int, tuple[ImmigrationEvent, ...]] = {
    EWI: (ImmigrationEvent(K.ENTERED_WITHOUT_INSPECTION, _on(2015)),),
    OVERSTAYED: (ImmigrationEvent(K.ADMITTED_NONIMMIGRANT, _on(2018), date(2019, 3, 1), "B2"),),
    ORDERED: (
        ImmigrationEvent(K.ENTERED_WITHOUT_INSPECTION, _on(2012)),
        ImmigrationEvent(K.PROCEEDINGS_INITIATED, _on(2017)),
        ImmigrationEvent(K.FINAL_ORDER, _on(2019)),
    ),
    VACATED: (
        ImmigrationEvent(K.ENTERED_WITHOUT_INSPECTION, _on(2012)),
        ImmigrationEvent(K.PROCEEDINGS_INITIATED, _on(2017)),
        ImmigrationEvent(K.FINAL_ORDER, _on(2019)),
        ImmigrationEvent(K.PROCEEDINGS_TERMINATED, _on(2020)),  # the order vacated
    ),
    LPR: (ImmigrationEvent(K.LPR_GRANTED, _on(2010)),),
    NATURALIZED: (
        ImmigrationEvent(K.LPR_GRANTED, _on(2005)),
        ImmigrationEvent(K.NATURALIZED, _on(2012)),
    ),
    PROCEEDINGS: (
        ImmigrationEvent(K.ENTERED_WITHOUT_INSPECTION, _on(2016)),
        ImmigrationEvent(K.PROCEEDINGS_INITIATED, _on(2021)),
    ),
    US_BORN: (ImmigrationEvent(K.BORN_IN_US, date(1990, 5, 1)),),
    STRANGER: (ImmigrationEvent(K.ENTERED_WITHOUT_INSPECTION, _on(2014)),),
}

# -- the oracles: what the record says, written from the issue and the histories above --------

# The record-based bases each history supports on any date of the test (all events are past).
# A statements_or_evidence basis rests on the statement instead: see STATEMENTS.
SUPPORTED: dict[int, frozenset[ProbableCause]] = {
    EWI: frozenset({P.BIOMETRIC_NO_LAWFUL_STATUS}),
    OVERSTAYED: frozenset({P.BIOMETRIC_NO_LAWFUL_STATUS}),
    ORDERED: frozenset({P.FINAL_ORDER, P.BIOMETRIC_NO_LAWFUL_STATUS}),
    VACATED: frozenset({P.BIOMETRIC_NO_LAWFUL_STATUS}),  # no order stands, no proceedings pend
    LPR: frozenset(),  # a lawful status
    NATURALIZED: frozenset(),  # a citizen
    PROCEEDINGS: frozenset({P.PENDING_PROCEEDINGS, P.BIOMETRIC_NO_LAWFUL_STATUS}),
    US_BORN: frozenset(),
    STRANGER: frozenset({P.BIOMETRIC_NO_LAWFUL_STATUS}),
}
# statement -> whether it is recorded in full (a few words are not a statement)
STATEMENTS = {
    "": False,
    "admitted it": False,
    "told the officer he crossed the river near Eagle Pass in 2015, no papers": True,
}
# the citizenship indicators each record raises by itself (a citizenship event, a U.S. birth)
RECORD_INDICATORS: dict[int, frozenset[str]] = {
    NATURALIZED: frozenset({"naturalization_record"}),
    US_BORN: frozenset({"us_birth_record", "us_place_of_birth"}),
}
CITIZEN_ON_RECORD = frozenset({NATURALIZED, US_BORN})  # a citizenship event: overrides need two
INDICATOR_CHOICES = (
    "us_birth_record",
    "naturalization_record",
    "derivation_record",
    "us_place_of_birth",
    "claimed_us_citizenship",
    "ruled_citizen",  # never resolvable
)


def booking_indicators(booking: Booking) -> frozenset[str]:
    """What the booking's biographics raise: a U.S. place of birth, a claim of citizenship."""
    found = set()
    if booking.biographics.birth_place.strip().upper() in ("US", "USA"):
        found.add("us_place_of_birth")
    if booking.biographics.claimed_citizenship.strip().upper() in ("US", "USA"):
        found.add("claimed_us_citizenship")
    return frozenset(found)


def in_force(identity_id: int, ruling: CitizenshipRuling) -> bool:
    """A ruling counts unless it finds a citizen on the record not to be one without a second
    adjudicator agreeing."""
    if ruling.finding is CITIZEN or identity_id not in CITIZEN_ON_RECORD:
        return True
    return ruling.concurrence is not None and ruling.concurrence.agrees


def ever_ruled_citizen(identity: Identity) -> bool:
    return any(r.finding is CITIZEN for r in identity.citizenship_rulings)


def resolved(identity: Identity) -> frozenset[str]:
    """The indicators the rulings resolve: every one a not-citizen ruling in force lists (as
    ``liaison.identity.citizenship`` documents: rulings add up; the world's events all predate
    the rulings, so none raises an indicator again)."""
    return frozenset(
        indicator
        for r in identity.citizenship_rulings
        if r.finding is NOT_CITIZEN and in_force(identity.identity_id, r)
        for indicator in r.indicators
    )


def unresolved(identity: Identity, booking: Booking) -> frozenset[str]:
    """The indicators raised by the record and the booking that no ruling resolves
    (``ruled_citizen`` for good once anyone ruled the person a citizen)."""
    raised = RECORD_INDICATORS.get(identity.identity_id, frozenset()) | booking_indicators(booking)
    left = raised - resolved(identity)
    return left | {"ruled_citizen"} if ever_ruled_citizen(identity) else left


def effectively_citizen(identity: Identity) -> bool:
    """Ruled a citizen, or a citizen on the record that no concurred ruling overrode."""
    if ever_ruled_citizen(identity):
        return True
    if identity.identity_id not in CITIZEN_ON_RECORD:
        return False
    return not any(
        r.finding is NOT_CITIZEN and r.concurrence is not None and r.concurrence.agrees
        for r in identity.citizenship_rulings
    )


def basis_supported(identity_id: int, basis: ProbableCause, statement: str) -> bool:
    if basis is P.STATEMENTS_OR_EVIDENCE:
        return STATEMENTS[statement]
    return basis in SUPPORTED[identity_id]


# -- the accounts ----------------------------------------------------------------------------

ACCOUNTS: dict[str, tuple[frozenset[Role], str | None]] = {
    "jailer_tx": (frozenset({Role.BOOKING_OFFICER}), TRAVIS),
    "jailer_ca": (frozenset({Role.BOOKING_OFFICER}), SF),
    "officer": (frozenset({Role.ENFORCEMENT_OFFICER}), None),
    "officer2": (frozenset({Role.ENFORCEMENT_OFFICER}), None),
    "analyst": (frozenset({Role.SCREENING_ANALYST}), None),
    "manager": (frozenset({Role.PROGRAM_MANAGER}), None),
    "adjudicator": (frozenset({Role.ADJUDICATOR}), None),
    "adjudicator2": (frozenset({Role.ADJUDICATOR}), None),
    "auditor": (frozenset({Role.AUDITOR}), None),
    "admin": (frozenset({Role.ADMIN}), None),
    "officer_adj": (frozenset({Role.ENFORCEMENT_OFFICER, Role.ADJUDICATOR}), None),
}
LOCKED = "adjudicator_locked"  # an adjudicator whose account is locked: may not rule

everyone = st.sampled_from([*ACCOUNTS, LOCKED, "nobody"])
# mostly the people a lodge or a ruling is interesting from, but anyone at all may try
enforcers = st.one_of(st.sampled_from(["officer", "officer2", "officer_adj"]), everyone)
adjudicators = st.one_of(st.sampled_from(["adjudicator", "adjudicator2", "officer_adj"]), everyone)
# which identity a review names: none, a candidate by rank (taken modulo their number), or
# someone who is not a candidate at all
picks = st.sampled_from([0, 0, None, 1, 2, "stranger"])
reasons = st.sampled_from(["prints compared side by side", "the jail sent the wrong card", ""])
bases = st.sampled_from([*ProbableCause, None])
warrants = st.sampled_from(["I-200-2026-0001", "I-205-77", "", "  "])
evidence = st.sampled_from(["A-file and N-400 reviewed; birth record checked", ""])
# a booking's biographics: mostly foreign-born, sometimes a U.S. birth or a claim to citizenship
birth_places = st.sampled_from(["MX", "GT", "MX", "US", "usa"])
claims = st.sampled_from(["MX", "GT", "MX", "HN", "US"])
minutes = st.integers(min_value=-4 * 24 * 60, max_value=60)
release_offsets = st.one_of(minutes, st.sampled_from([0, 14, 16, 4 * 365 * 24 * 60]))


def world() -> FakeUnitOfWork:
    identities = FakeIdentityRepository(
        Identity(
            identity_id=i,
            names=[PersonName("Garcia", "Maria")],
            birth_date=date(1980, 1, 1),
            sex="F",
            birth_country="US" if i == US_BORN else "MX",
            events=list(HISTORIES[i]),
        )
        for i in HISTORIES
    )
    jurisdictions = FakeJurisdictionRepository(
        agencies=[Agency(TRAVIS, "Travis County", "48453"), Agency(SF, "San Francisco", "06075")],
        policies=[
            DetainerPolicy("48453", PolicyKind.HONOR_ALL, date(2017, 1, 1)),
            DetainerPolicy("06075", PolicyKind.DECLINE_ALL, date(2017, 1, 1)),
        ],
    )
    accounts = FakeAccountRepository()
    for name, (roles, ori) in ACCOUNTS.items():
        accounts.add_user(User(name, "argon2-not-used", set(roles), ori))
    accounts.add_user(User(LOCKED, "argon2-not-used", {Role.ADJUDICATOR}, locked=True))
    return FakeUnitOfWork(identities=identities, jurisdictions=jurisdictions, accounts=accounts)


class SafeguardsUnderPressure(RuleBasedStateMachine):
    bookings = Bundle("bookings")
    detainers = Bundle("detainers")
    referrals = Bundle("referrals")

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.uow = world()
        self.count = 0
        # what each detainer was lodged on, as seen when it was: (identity, basis, supported)
        self.lodged: dict[str, tuple[int, ProbableCause, bool]] = {}
        self.checked_lapses_at: datetime | None = None

    # -- helpers ------------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def _tick(self) -> datetime:
        """Acts on one record are a minute apart, so the record reads in order."""
        self.now += timedelta(minutes=1)
        return self.now

    def _booking(self, booking_id: str) -> Booking:
        found = self.uow.bookings.get(booking_id)
        assert found is not None
        return found

    def _detainer(self, detainer_id: str) -> Detainer:
        found = self.uow.detainers.get(detainer_id)
        assert found is not None
        return found

    def _identity(self, identity_id: int) -> Identity:
        found = self.uow.identities.get(identity_id)
        assert found is not None
        return found

    def _footprint(self) -> tuple[int, ...]:
        u = self.uow
        return (
            len(u.audit.rows),
            len(u.detainers.items),
            len(u.referrals.items),
            sum(len(i.citizenship_rulings) for i in u.identities.items.values()),
            sum(len(b.reviews) for b in u.bookings.items.values()),
            *(len(d.history) for d in u.detainers.items.values()),
        )

    def _attempt(self, what: str, act: Callable[[], object]) -> bool:
        """Run a use case: True if it was done; a ``LiaisonError`` is a refusal that must leave
        the store as it was. Any other exception propagates: that is a bug."""
        before = self._footprint()
        try:
            act()
        except LiaisonError as refused:
            event(f"{what} refused: {type(refused).__name__}")
            assert self._footprint() == before, f"a refused {what} left something behind"
            return False
        event(f"{what} done")
        return True

    def _candidate(self, booking: Booking, pick: int | str | None) -> int | None:
        """The identity a review names: none, one of the candidates, or a stranger."""
        if pick is None:
            return None
        if pick == "stranger":
            return STRANGER
        assert booking.identification is not None
        candidates = booking.identification.candidates
        return candidates[int(pick) % len(candidates)].identity_id

    # -- bookings ----------------------------------------------------------------------------

    @initialize(
        target=bookings,
        people=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True),
        ori=st.sampled_from([TRAVIS, SF]),
        birth_place=birth_places,
        claimed=claims,
        hours_ago=st.integers(0, 96),
    )
    def first_booking(
        self, people: list[int], ori: str, birth_place: str, claimed: str, hours_ago: int
    ) -> str:
        return self.book(people, ori, birth_place, claimed, hours_ago)

    @precondition(lambda self: len(self.uow.bookings.items) < MAX_BOOKINGS)
    @rule(
        target=bookings,
        people=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True),
        ori=st.sampled_from([TRAVIS, SF]),
        birth_place=birth_places,
        claimed=claims,
        hours_ago=st.integers(0, 96),
    )
    def book(
        self, people: list[int], ori: str, birth_place: str, claimed: str, hours_ago: int
    ) -> str:
        """A booking searched and answered, put straight into the store (no search needed)."""
        booking_id = self._id("B")
        decision = Decision.MATCH if len(people) == 1 else Decision.POSSIBLE
        candidates = tuple(
            Candidate(person, 0.09 - 0.03 * rank, {}) for rank, person in enumerate(people)
        )
        self.uow.bookings.add(
            Booking(
                booking_id=booking_id,
                tcn=f"TCN-{booking_id}",
                ori=ori,
                booking_number=f"BN-{booking_id}",
                arrested_at=self.now - timedelta(hours=hours_ago),
                biographics=Biographics(
                    "Garcia", "Maria", date(1980, 1, 1), "F", birth_place, claimed
                ),
                charges=[Charge("1313", "simple assault")],
                fingerprints={},
                body_digest=f"sha256-{booking_id}",
                submitted_at=self.now,
                state=BookingState.RESPONDED,
                identification=Identification(decision, candidates, self.now, (0.05, 0.03)),
                response=Response(decision, "", "", (), self.now),
            )
        )
        return booking_id

    # -- reviews -----------------------------------------------------------------------------

    @rule(
        booking_id=bookings,
        officer=enforcers,
        action=st.sampled_from(
            [
                ReviewAction.VERIFY,
                ReviewAction.NO_ACTION,
                ReviewAction.REQUEST_NOTICE,
                ReviewAction.REJECT_MATCH,
            ]
        ),
        pick=picks,
        reason=reasons,
    )
    def review(
        self,
        booking_id: str,
        officer: str,
        action: ReviewAction,
        pick: int | str | None,
        reason: str,
    ) -> None:
        named = self._candidate(self._booking(booking_id), pick)
        self._attempt(
            f"review {action.value}",
            lambda: bookings.review_booking(
                uow=self.uow,
                booking_id=booking_id,
                officer=officer,
                action=action,
                verified_identity_id=named,
                reason=reason,
                at=self._tick(),
            ),
        )

    @rule(
        target=detainers,
        booking_id=bookings,
        officer=enforcers,
        pick=picks,
        reason=reasons,
        basis=bases,
        statement=st.sampled_from(sorted(STATEMENTS)),
        warrant=warrants,
        judicial=st.booleans(),
        duplicate=st.integers(0, 9),
    )
    def lodge(
        self,
        booking_id: str,
        officer: str,
        pick: int | str | None,
        reason: str,
        basis: ProbableCause | None,
        statement: str,
        warrant: str,
        judicial: bool,
        duplicate: int,
    ) -> object:
        """Any lodging at all: any basis, statement and warrant, naming anyone or no one, one
        time in ten under an id already taken."""
        taken = sorted(self.lodged)
        detainer_id = taken[0] if taken and duplicate == 0 else self._id("D")
        return self._lodge(
            booking_id,
            officer,
            pick,
            reason,
            bookings.DetainerRequest(basis, warrant, judicial, statement),
            detainer_id,
        )

    @rule(
        target=detainers,
        booking_id=bookings,
        officer=enforcers,
        pick=st.sampled_from([None, 0]),
        basis=st.sampled_from(ProbableCause),
        judicial=st.booleans(),
    )
    def lodge_in_good_form(
        self,
        booking_id: str,
        officer: str,
        pick: int | None,
        basis: ProbableCause,
        judicial: bool,
    ) -> object:
        """A lodging an officer would write: a basis, a full statement and a warrant."""
        statement = max(STATEMENTS, key=len)
        request = bookings.DetainerRequest(basis, "I-200-2026-0002", judicial, statement)
        return self._lodge(booking_id, officer, pick, "prints compared", request, self._id("D"))

    def _lodge(
        self,
        booking_id: str,
        officer: str,
        pick: int | str | None,
        reason: str,
        request: bookings.DetainerRequest,
        detainer_id: str,
    ) -> object:
        booking = self._booking(booking_id)
        named = self._candidate(booking, pick)
        verified_before = booking.verification
        at = self._tick()
        done = self._attempt(
            "lodge",
            lambda: bookings.review_booking(
                uow=self.uow,
                booking_id=booking_id,
                officer=officer,
                action=ReviewAction.LODGE_DETAINER,
                verified_identity_id=named,
                reason=reason,
                at=at,
                detainer=request,
                detainer_id=detainer_id,
            ),
        )
        if not done:
            return multiple()
        d = self._detainer(detainer_id)
        booking = self._booking(booking_id)
        # (2) the subject is the verified identity: the one verified before, or the one this
        # very review verified when there was none
        expected = verified_before.identity_id if verified_before is not None else named
        assert d.identity_id == expected
        assert booking.verification is not None
        assert booking.verification.identity_id == d.identity_id
        assert (d.issued_by, d.issued_at, d.basis) == (officer, at, request.basis)
        # (3) the record supported the basis at that moment (the oracle, not the service)
        assert request.basis is not None
        supported = basis_supported(d.identity_id, request.basis, request.statement)
        self.lodged[detainer_id] = (d.identity_id, request.basis, supported)
        # (1) at lodging: nothing unresolved, no citizen
        identity = self._identity(d.identity_id)
        assert not unresolved(identity, booking), unresolved(identity, booking)
        assert not effectively_citizen(identity)
        return detainer_id

    @rule(target=referrals, booking_id=bookings, officer=enforcers, pick=picks, reason=reasons)
    def refer(self, booking_id: str, officer: str, pick: int | str | None, reason: str) -> object:
        named = self._candidate(self._booking(booking_id), pick)
        referral_id = self._id("R")
        done = self._attempt(
            "refer",
            lambda: bookings.review_booking(
                uow=self.uow,
                booking_id=booking_id,
                officer=officer,
                action=ReviewAction.REFER_CITIZENSHIP,
                verified_identity_id=named,
                reason=reason,
                at=self._tick(),
                referral_id=referral_id,
            ),
        )
        return referral_id if done else multiple()

    # -- adjudication ------------------------------------------------------------------------

    @rule(
        referral_id=referrals,
        adjudicator=adjudicators,
        finding=st.sampled_from(CitizenshipFinding),
        indicators=st.one_of(
            st.none(), st.lists(st.sampled_from(INDICATOR_CHOICES), max_size=3, unique=True)
        ),
        evidence=evidence,
    )
    def rule_on_referral(
        self,
        referral_id: str,
        adjudicator: str,
        finding: CitizenshipFinding,
        indicators: list[str] | None,
        evidence: str,
    ) -> None:
        referral = self.uow.referrals.get(referral_id)
        assert referral is not None
        # None: exactly the indicators the referral named
        listed = list(referral.indicators) if indicators is None else indicators
        self._attempt(
            f"ruling {finding.value}",
            lambda: adjudication.rule(
                uow=self.uow,
                referral_id=referral_id,
                finding=finding,
                indicators=listed,
                adjudicator=adjudicator,
                evidence=evidence,
                at=self._tick(),
            ),
        )

    @rule(
        referral_id=referrals,
        adjudicator=adjudicators,
        agrees=st.booleans(),
        note=st.sampled_from(["record checked; the naturalization was revoked by a court", ""]),
    )
    def concur(self, referral_id: str, adjudicator: str, agrees: bool, note: str) -> None:
        self._attempt(
            "concurrence",
            lambda: adjudication.concur(
                uow=self.uow,
                referral_id=referral_id,
                adjudicator=adjudicator,
                agrees=agrees,
                note=note,
                at=self._tick(),
            ),
        )

    # -- the detainer's life -----------------------------------------------------------------

    @rule(detainer_id=detainers, actor=everyone)
    def serve(self, detainer_id: str, actor: str) -> None:
        self._attempt(
            "serve",
            lambda: detainers.serve(
                uow=self.uow, detainer_id=detainer_id, actor=actor, at=self._tick()
            ),
        )

    @rule(
        detainer_id=detainers,
        answer=st.sampled_from(JailAnswer),
        ori=st.sampled_from([None, TRAVIS, SF]),
        actor=everyone,
    )
    def answer(self, detainer_id: str, answer: JailAnswer, ori: str | None, actor: str) -> None:
        jail = ori or self._detainer(detainer_id).ori
        self._attempt(
            f"answer {answer.value}",
            lambda: bookings.answer_detainer(
                uow=self.uow,
                detainer_id=detainer_id,
                answer=answer,
                ori=jail,
                actor=actor,
                at=self._tick(),
            ),
        )

    @rule(
        detainer_id=detainers,
        offset=release_offsets,
        before_arrest=st.integers(0, 9),
        reason=reasons,
        actor=everyone,
    )
    def record_release(
        self, detainer_id: str, offset: int, before_arrest: int, reason: str, actor: str
    ) -> None:
        d = self._detainer(detainer_id)
        booking = self._booking(d.booking_id)
        earlier, issued_at = d.released_at, d.issued_at
        at = self._tick()
        released_at = (
            booking.arrested_at - timedelta(minutes=30)
            if before_arrest == 0
            else at + timedelta(minutes=offset)
        )
        done = self._attempt(
            "release correction" if earlier is not None else "release",
            lambda: bookings.record_release(
                uow=self.uow,
                detainer_id=detainer_id,
                released_at=released_at,
                ori=d.ori,
                actor=actor,
                at=at,
                reason=reason,
            ),
        )
        if not done:
            return
        # (6) only a possible time starts the 48-hour clock, and a correction never stretches it
        assert self._detainer(detainer_id).released_at == released_at
        assert released_at <= at + TOLERANCE
        assert released_at >= booking.arrested_at
        assert released_at >= issued_at
        if earlier is not None:
            assert reason.strip(), "a release time corrected without a reason"
            if earlier <= at:
                assert released_at <= earlier, "a passed release time moved later"

    @rule(detainer_id=detainers, actor=everyone)
    def transfer(self, detainer_id: str, actor: str) -> None:
        at = self._tick()
        d = self._detainer(detainer_id)
        deadline = d.hold_deadline
        if self._attempt(
            "transfer",
            lambda: detainers.transfer(uow=self.uow, detainer_id=detainer_id, actor=actor, at=at),
        ):
            assert deadline is None or at <= deadline

    @rule(detainer_id=detainers, actor=everyone, reason=reasons)
    def cancel(self, detainer_id: str, actor: str, reason: str) -> None:
        self._attempt(
            "cancel",
            lambda: detainers.cancel(
                uow=self.uow, detainer_id=detainer_id, actor=actor, at=self._tick(), reason=reason
            ),
        )

    @rule()
    def lapse_check(self) -> None:
        lapsed = detainers.lapse_overdue(uow=self.uow, now=self.now)
        if lapsed:
            event("lapse check lapsed a hold")
        self.checked_lapses_at = self.now

    @rule(minutes=st.one_of(st.integers(0, 72 * 60), st.sampled_from([47 * 60, 48 * 60, 49 * 60])))
    def clock_advances(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    # -- shortcuts to the deep end: several real steps in one rule -----------------------------

    @precondition(lambda self: len(self.uow.bookings.items) < MAX_BOOKINGS)
    @rule(
        target=detainers,
        person=st.sampled_from([EWI, OVERSTAYED, ORDERED, VACATED, PROCEEDINGS]),
        ori=st.sampled_from([TRAVIS, TRAVIS, SF]),
        officer=st.sampled_from(["officer", "officer2", "officer_adj"]),
        hours_ago=st.integers(1, 72),
        released=st.sampled_from([None, 0, 0, 10]),
    )
    def held(
        self, person: int, ori: str, officer: str, hours_ago: int, released: int | None
    ) -> object:
        """Booked, lodged on, served, answered as the agency's policy says (Travis honors, San
        Francisco declines) and (maybe) released now: the 48-hour clock starts."""
        booking_id = self.book([person], ori, "MX", "MX", hours_ago)
        request = bookings.DetainerRequest(P.BIOMETRIC_NO_LAWFUL_STATUS, "I-200-2026-0003")
        lodged = self._lodge(booking_id, officer, 0, "prints compared", request, self._id("D"))
        if not isinstance(lodged, str):
            return multiple()
        jail, answer = (
            ("jailer_tx", JailAnswer.HONOR) if ori == TRAVIS else ("jailer_ca", JailAnswer.DECLINE)
        )
        self.serve(lodged, officer)
        self.answer(lodged, answer, ori, jail)
        if released is not None:
            self.record_release(lodged, released, 1, "", jail)
        return lodged

    @precondition(lambda self: len(self.uow.bookings.items) < MAX_BOOKINGS)
    @rule(
        target=detainers,
        person=st.sampled_from([EWI, OVERSTAYED, ORDERED, PROCEEDINGS]),
        ori=st.sampled_from([TRAVIS, SF]),
        us_birth=st.booleans(),
        officer=st.sampled_from(["officer", "officer2", "officer_adj"]),
        adjudicator=st.sampled_from(["adjudicator", "adjudicator2", "officer_adj"]),
    )
    def lodged_after_a_ruling(
        self, person: int, ori: str, us_birth: bool, officer: str, adjudicator: str
    ) -> object:
        """A claim to U.S. birth or citizenship at booking, referred, ruled not a citizen by an
        adjudicator, and then lodged on."""
        birth_place, claimed = ("US", "MX") if us_birth else ("MX", "US")
        booking_id = self.book([person], ori, birth_place, claimed, 2)
        referral_id = self.refer(booking_id, officer, 0, "claims to be a U.S. citizen")
        if not isinstance(referral_id, str):
            return multiple()
        self.rule_on_referral(referral_id, adjudicator, NOT_CITIZEN, None, "birth record search")
        request = bookings.DetainerRequest(P.BIOMETRIC_NO_LAWFUL_STATUS, "I-200-2026-0004")
        return self._lodge(booking_id, officer, 0, "prints compared", request, self._id("D"))

    @precondition(lambda self: len(self.uow.bookings.items) < MAX_BOOKINGS)
    @rule(
        target=referrals,
        person=st.sampled_from([NATURALIZED, US_BORN]),
        officer=st.sampled_from(["officer", "officer2", "officer_adj"]),
        adjudicator=st.sampled_from(["adjudicator", "adjudicator2", "officer_adj"]),
    )
    def an_override_awaits_a_second_adjudicator(
        self, person: int, officer: str, adjudicator: str
    ) -> object:
        """A citizen on the record, referred and ruled not a citizen by one adjudicator."""
        booking_id = self.book([person], TRAVIS, "MX", "MX", 2)
        referral_id = self.refer(booking_id, officer, 0, "the record may be another person's")
        if not isinstance(referral_id, str):
            return multiple()
        self.rule_on_referral(referral_id, adjudicator, NOT_CITIZEN, None, "N-400 file reviewed")
        return referral_id

    # -- the invariants ------------------------------------------------------------------------

    @invariant()
    def no_detainer_on_a_possible_citizen(self) -> None:  # (1)
        for d in self.uow.detainers.items.values():
            if not d.state.is_open:
                continue
            identity = self._identity(d.identity_id)
            left = unresolved(identity, self._booking(d.booking_id))
            assert not left, f"open detainer {d.detainer_id}: unresolved {sorted(left)}"
            assert not effectively_citizen(identity), f"open detainer {d.detainer_id}: a citizen"

    @invariant()
    def every_detainer_names_the_verified_identity(self) -> None:  # (2)
        for d in self.uow.detainers.items.values():
            identity_id, basis, _ = self.lodged[d.detainer_id]  # lodged by a rule above
            assert (d.identity_id, d.basis) == (identity_id, basis)
            if d.state.is_open:
                verification = self._booking(d.booking_id).verification
                assert verification is not None, f"open {d.detainer_id} on an unverified booking"
                assert verification.identity_id == d.identity_id

    @invariant()
    def every_basis_was_supported_when_lodged(self) -> None:  # (3)
        for detainer_id in self.uow.detainers.items:
            identity_id, basis, supported = self.lodged[detainer_id]
            assert supported, f"{detainer_id}: {basis.value} on identity {identity_id}"

    @invariant()
    def nobody_rules_on_their_own_case(self) -> None:  # (4)
        u = self.uow
        for identity in u.identities.items.values():
            issuers = {d.issued_by for d in u.detainers.for_identity(identity.identity_id)}
            for ruling in identity.citizenship_rulings:
                referral = u.referrals.get(ruling.referral_id)
                assert referral is not None, "a ruling outside any referral"
                assert referral.identity_id == identity.identity_id
                taking_part = {ruling.officer}
                if ruling.concurrence is not None:
                    taking_part.add(ruling.concurrence.adjudicator)
                    assert ruling.concurrence.adjudicator != ruling.officer
                assert referral.referred_by not in taking_part, "ruled on their own referral"
                assert not taking_part & issuers, f"{taking_part & issuers} lodged and ruled"
                for name in taking_part:
                    roles, _ = ACCOUNTS.get(name, (frozenset(), None))
                    assert Role.ADJUDICATOR in roles, f"{name} is no adjudicator"
                on_record = identity.identity_id in CITIZEN_ON_RECORD
                overrides = ruling.finding is NOT_CITIZEN and on_record
                assert ruling.concurrence_required == overrides, "an override without a second"

    @invariant()
    def at_most_one_open_detainer(self) -> None:  # (5)
        open_ = [d for d in self.uow.detainers.items.values() if d.state.is_open]
        per_booking = Counter(d.booking_id for d in open_)
        per_person = Counter((d.identity_id, d.ori) for d in open_)
        assert max(per_booking.values(), default=0) <= 1, per_booking
        assert max(per_person.values(), default=0) <= 1, per_person

    @invariant()
    def no_hold_past_48_hours(self) -> None:  # (6)
        for d in self.uow.detainers.items.values():
            if d.released_at is None:
                continue
            deadline = d.released_at + HOLD_LIMIT
            if d.state is S.HONORED and self.checked_lapses_at == self.now:
                assert self.now <= deadline, f"{d.detainer_id} held past {deadline}"
            if d.state is S.TRANSFERRED:
                assert d.history[-1].at <= deadline, f"{d.detainer_id} transferred too late"

    def teardown(self) -> None:
        assert verify(self.uow.audit.rows) == [], "the audit trail does not verify"


SafeguardsUnderPressure.TestCase.settings = settings(
    max_examples=500,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSafeguardsUnderPressure = SafeguardsUnderPressure.TestCase
