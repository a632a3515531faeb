"""A month of bookings through the real pipeline, on simulated time.

``plan_bookings`` draws the month (who is booked where and when, on what charges, with what
biographics); ``simulate`` plays it through the services and the store, in time order, on the
container's settable clock:

    submit_booking -> Worker.run_once (search, status, response) -> review_queue ->
    review_booking by the SOP reviewer (``liaison.synth.sop``), which verifies the top
    candidate -> [a citizenship referral -> an adjudicator's ruling (-> a second
    adjudicator's concurrence) -> review again] -> serve -> answer_detainer by the jail's
    policy -> record_release -> transfer, or the worker's 48-hour lapse

The adjudicators (``ADJUDICATORS``) are accounts holding the ``adjudicator`` role, made at the
start of the month; the enforcement officers (``ero.<field office>.<n>``) hold no account, as
the services need none to review a booking. Now and then an officer or a jail slips
(``liaison.synth.sop.SLIPS``): the slip goes through the same service, the safeguard refuses
it, and the refusal is counted by its error class (``MonthLog.refusals``).

Nothing is short-cut: each booking carries a fresh impression of the person's ten fingers
(never the enrolled one), the worker searches the gallery, and every decision goes through the
same service functions the API calls, with their safeguards and their audit entries.

Scale. The real repository holds about 230 million identities and answers about 350,000
transactions a day; jails book about 10 million people a year (BJS), and ICE lodged about
3,000 detainers a week in early 2017. A world of ``identities`` people books
``identities / 1,000`` people a day (``BOOKINGS_PER_1000``): 100 a day, 3,000 a month, at the
default 100,000, which is what a 2-core laptop searches in the demo's time budget. A quarter
of them (``ENROLLED_SHARE``) are people the repository knows; the rest are strangers, most of
them U.S. citizens. The world is thus denser in immigration encounters than the nation (its
repository holds residents only, not the tens of millions of visitors the real one enrolls);
the summary reports how its detainer volume compares with the national figures.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from liaison.accounts import services as accounts
from liaison.accounts.model import Role
from liaison.bookings import adjudication
from liaison.bookings import services as bookings
from liaison.bookings.model import Biographics, Booking, Charge, ReviewAction
from liaison.bootstrap import Container
from liaison.detainers import services as detainers
from liaison.detainers.errors import HoldExpired
from liaison.detainers.model import Detainer, DetainerState, ProbableCause
from liaison.errors import LiaisonError
from liaison.identity import services as identity_services
from liaison.identity.citizenship import unresolved_indicators
from liaison.identity.model import CitizenshipFinding, Identity
from liaison.identity.priority import offense_class
from liaison.identity.status import derive_status
from liaison.jurisdictions.model import JailAnswer, PolicyKind
from liaison.jurisdictions.policy import permitted_answers
from liaison.synth import sop
from liaison.synth.names import alias_of, origins, pick, spelling_variant
from liaison.synth.population import (
    MIX,
    Category,
    Person,
    booking_propensity,
    make_person,
    make_stranger,
    rng_for,
)
from liaison.synth.sop import Slip
from liaison.synth.spine import booking_fingers
from liaison.synth.world import CHARGES, Jail, WorldPlan, answer_choice

__all__ = [
    "ADJUDICATORS",
    "BOOKINGS_PER_1000",
    "ENROLLED_SHARE",
    "MIN_BOOKINGS_PER_DAY",
    "MonthLog",
    "PlannedBooking",
    "SimClock",
    "booking_id_for",
    "bookings_per_day",
    "plan_bookings",
    "simulate",
]

BOOKINGS_PER_1000 = 1.0  # bookings a day per 1,000 identities of the repository
MIN_BOOKINGS_PER_DAY = 30.0
ENROLLED_SHARE = 0.25  # bookings of people the repository knows
FALSE_CLAIM_RATE = 0.03  # non-citizens who claim U.S. birth at booking
DOB_ERROR_RATE = 0.04  # bookings whose date of birth is keyed wrong
# the national pool of citizenship adjudicators: one rules, the next concurs when needed
ADJUDICATORS = ("adjudicator.1", "adjudicator.2", "adjudicator.3")

_PURPOSE_DAY = 31
_PURPOSE_SLIP = 32
_PURPOSE_ANSWER = 33
_PURPOSE_PICKUP = 34
_PURPOSE_DELAY = 35

Progress = Callable[[str, int, int], None]


class SimClock:
    """The simulated clock the container reads (``Container.clock``); the simulation moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def bookings_per_day(identities: int) -> float:
    """The world's booking rate: ``BOOKINGS_PER_1000`` a day per 1,000 identities, and at least
    ``MIN_BOOKINGS_PER_DAY`` so that a small world still shows every path."""
    return max(MIN_BOOKINGS_PER_DAY, identities / 1000 * BOOKINGS_PER_1000)


def booking_id_for(seed: int, n: int) -> str:
    """A booking id like the store's (32 hex digits), the same for a seed and a number."""
    return hashlib.sha256(f"liaison-demo:{seed}:booking:{n}".encode()).hexdigest()[:32]


def _detainer_id(seed: int, n: int | str) -> str:
    return hashlib.sha256(f"liaison-demo:{seed}:detainer:{n}".encode()).hexdigest()[:32]


def _referral_id(seed: int, n: int, k: int) -> str:
    return hashlib.sha256(f"liaison-demo:{seed}:referral:{n}:{k}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class PlannedBooking:
    """One booking of the month and the ground truth behind it."""

    n: int
    booking_id: str
    tcn: str
    person: Person
    capture: int  # which fresh impression of the person's fingers (0: first booking)
    jail: Jail
    arrested_at: datetime
    submitted_at: datetime
    release_at: datetime
    charges: tuple[Charge, ...]
    biographics: Biographics
    false_claim: bool  # a non-citizen who claimed U.S. birth


# -- planning --------------------------------------------------------------------------------


def _biographics(rng: np.random.Generator, person: Person) -> tuple[Biographics, bool]:
    """What the person tells the booking officer, as keyed: a spelling variant or an alias
    sometimes, a mistyped date of birth now and then, and a false claim of U.S. birth."""
    identity = person.identity
    origin = next(o for o in origins() if o.name == person.origin)
    primary = identity.names[0]
    roll = float(rng.random())
    if roll < 0.7:
        name = primary
    elif roll < 0.9:
        name = spelling_variant(rng, primary)
    else:
        aliases = [n for n in identity.names if n.alias]
        name = aliases[0] if aliases else alias_of(rng, primary, origin, identity.sex)
    born = identity.birth_date
    if born is not None and rng.random() < DOB_ERROR_RATE:
        born = born.replace(day=min(28, born.day % 28 + 1))
    false_claim = not person.us_citizen and bool(rng.random() < FALSE_CLAIM_RATE)
    place = "US" if false_claim else identity.birth_country
    claimed = "US" if person.us_citizen or false_claim else identity.birth_country
    return (
        Biographics(name.family, name.given, born, identity.sex, place, claimed),
        false_claim,
    )


def _charges(rng: np.random.Generator, count: int) -> tuple[Charge, ...]:
    weights = tuple(w for *_, w in CHARGES)
    chosen: dict[str, Charge] = {}
    for _ in range(count):
        code, literal, felony, _w = CHARGES[pick(rng, weights)]
        chosen.setdefault(code, Charge(code, literal, felony))
    return tuple(chosen.values())


def plan_bookings(
    *,
    seed: int,
    identities: int,
    days: int,
    start: datetime,
    world: WorldPlan,
    categories: Sequence[Category],
    per_day: float | None = None,
) -> list[PlannedBooking]:
    """The month's bookings in time order (pure: the same arguments give the same month).

    ``categories[i]`` is enrolled person ``i``'s category; a person who is booked is made
    again from the seed (``make_person``), so a world of millions needs no list of them all.
    """
    rate = bookings_per_day(identities) if per_day is None else per_day
    by_category: dict[Category, list[int]] = {}
    for index, category in enumerate(categories):
        by_category.setdefault(category, []).append(index)
    made: dict[int, Person] = {}
    kinds = tuple(k for k in MIX if by_category.get(k))
    kind_weights = tuple(MIX[k] * booking_propensity(k) for k in kinds)
    jail_weights = tuple(j.weight for j in world.jails)
    planned: list[tuple[datetime, int, PlannedBooking]] = []
    captures: Counter[int] = Counter()
    strangers = 0
    n = 0
    for day in range(days):
        rng = rng_for(seed, _PURPOSE_DAY, day)
        for _ in range(int(rng.poisson(rate))):
            if kinds and rng.random() < ENROLLED_SHARE:
                members = by_category[kinds[pick(rng, kind_weights)]]
                index = members[int(rng.integers(len(members)))]
                if index not in made:
                    made[index] = make_person(seed, index, today=start.date())
                person = made[index]
            else:
                person = make_stranger(seed, strangers, identities=identities, today=start.date())
                strangers += 1
            jail = world.jails[pick(rng, jail_weights)]
            arrested = start + timedelta(days=day, seconds=int(rng.integers(86_400)))
            submitted = arrested + timedelta(minutes=int(30 + rng.integers(180)))
            hours = float(rng.lognormal(math.log(30.0), 1.3))
            release = arrested + timedelta(hours=min(max(hours, 4.0), 90 * 24.0))
            count = 1 + int(rng.random() < 0.3) + int(rng.random() < 0.07)
            charges = _charges(rng, count)
            biographics, false_claim = _biographics(rng, person)
            booking = PlannedBooking(
                n=n,
                booking_id=booking_id_for(seed, n),
                tcn=f"DEMO{seed}-{n:07d}",
                person=person,
                capture=captures[person.index],
                jail=jail,
                arrested_at=arrested,
                submitted_at=submitted,
                release_at=release,
                charges=charges,
                biographics=biographics,
                false_claim=false_claim,
            )
            captures[person.index] += 1
            planned.append((submitted, n, booking))
            n += 1
    return [b for _, _, b in sorted(planned, key=lambda t: (t[0], t[1]))]


# -- the simulation --------------------------------------------------------------------------


@dataclass
class MonthLog:
    """What the simulation saw happen that the store does not hold (refusals, delays)."""

    bookings: list[PlannedBooking] = field(default_factory=list)
    sop_steps: Counter[str] = field(default_factory=Counter)
    slips: Counter[str] = field(default_factory=Counter)  # slips tried, by kind (sop.Slip)
    refusals: Counter[str] = field(default_factory=Counter)  # their refusals, by error class
    slips_not_refused: Counter[str] = field(default_factory=Counter)  # by kind: should stay empty
    referrals: int = 0
    rulings: Counter[str] = field(default_factory=Counter)
    concurrences: Counter[str] = field(default_factory=Counter)  # "agreed" / "dissented"
    rejected_on_evidence: int = 0
    hold_expired: int = 0
    no_shows: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    detainer_booking: dict[str, str] = field(default_factory=dict)  # detainer -> booking


def _officer(jail: Jail, number: int) -> str:
    slug = jail.field_office.lower().replace(" ", "-").replace(".", "")
    return f"ero.{slug}.{1 + number % 3}"


def _adjudicator(number: int, k: int = 0) -> str:
    """The adjudicator who rules on booking ``number``'s referral (``k`` = 0), or concurs (1)."""
    return ADJUDICATORS[(number + k) % len(ADJUDICATORS)]


# the steps before which an officer may cite a basis the record contradicts: a lodge there gets
# past every earlier safeguard (S5's would meet the open detainer first)
_BASIS_SLIP_STEPS = frozenset({"S4", "S6", "S7", "S8", "S9"})


class _Month:
    def __init__(
        self,
        c: Container,
        clock: SimClock,
        plan: Sequence[PlannedBooking],
        *,
        seed: int,
        worker_step: Callable[[], bool],
        progress: Progress | None,
        adjudicators: Mapping[str, str],
        slip_rate: float | None,
    ) -> None:
        self.c = c
        self.clock = clock
        self.seed = seed
        self.progress = progress
        self.adjudicators = adjudicators
        self.slip_rate = slip_rate
        self.referral_of: dict[str, str] = {}  # booking -> its latest citizenship referral
        self.referred: Counter[str] = Counter()  # referrals made, by booking
        self.log = MonthLog(bookings=list(plan))
        self.by_id = {b.booking_id: b for b in plan}
        self.events: list[tuple[datetime, int, str, str]] = []
        self.seq = 0
        self.drains: set[datetime] = set()
        self.reviewing: set[str] = set()
        self.detainers = 0
        self.slipped_lodges = 0  # their ids are apart, so a slip changes no detainer's id
        self.submitted = 0
        self.worker_step = worker_step

    def at(self, when: datetime, kind: str, key: str) -> None:
        heapq.heappush(self.events, (when, self.seq, kind, key))
        self.seq += 1

    def draw(self, purpose: int, n: int, k: int = 0) -> float:
        return float(rng_for(self.seed, purpose, n * 16 + k).random())

    def slips(self, kind: Slip, b: PlannedBooking) -> bool:
        """Whether this booking's officer (or jail) makes this slip (a draw of its own)."""
        rate = sop.SLIPS[kind].rate if self.slip_rate is None else self.slip_rate
        return self.draw(_PURPOSE_SLIP, b.n, list(Slip).index(kind)) < rate

    def _slip(self, kind: Slip, attempt: Callable[[], object]) -> None:
        """Try a slip through the services; the safeguard's refusal (which writes nothing) is
        counted by its error class."""
        self.log.slips[kind.value] += 1
        try:
            attempt()
        except LiaisonError as exc:
            self.log.refusals[type(exc).__name__] += 1
            return
        self.log.slips_not_refused[kind.value] += 1

    def run(self) -> MonthLog:
        for username in sorted(self.adjudicators):
            accounts.add_user(
                uow=self.c.uow(),
                username=username,
                password=self.adjudicators[username],
                roles=[Role.ADJUDICATOR.value],
                actor="synth",
                at=self.clock.now,
            )
        for b in self.log.bookings:
            self.at(b.submitted_at, "submit", b.booking_id)
        handlers: dict[str, Callable[[str], None]] = {
            "submit": self.submit,
            "drain": self.drain,
            "review": self.review,
            "ruling": self.ruling,
            "concur": self.concur,
            "serve": self.serve,
            "answer": self.answer,
            "release": self.release,
            "pickup": self.pickup,
            "lapse_check": self.lapse_check,
        }
        while self.events:
            when, _, kind, key = heapq.heappop(self.events)
            self.clock.now = max(self.clock.now, when)
            try:
                handlers[kind](key)
            except LiaisonError as exc:  # a refusal the demo did not expect: count, go on
                self.log.errors[f"{kind}: {type(exc).__name__}"] += 1
        self.worker_step()  # a last 48-hour check
        return self.log

    # -- booking and identification ------------------------------------------------------

    def submit(self, booking_id: str) -> None:
        b = self.by_id[booking_id]
        submission = bookings.BookingSubmission(
            tcn=b.tcn,
            ori=b.jail.ori,
            booking_number=f"{b.jail.ori[:5]}-{b.n:07d}",
            arrested_at=b.arrested_at,
            biographics=b.biographics,
            charges=b.charges,
            fingerprints=booking_fingers(self.seed, b.person.index, b.capture),
            scheduled_release=b.release_at,
        )
        bookings.submit_booking(
            uow=self.c.uow(),
            submission=submission,
            booking_id=booking_id,
            actor=f"jail:{b.jail.ori}",
            at=self.clock.now,
        )
        hour = self.clock.now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        if hour not in self.drains:
            self.drains.add(hour)
            self.at(hour, "drain", "")
        self.submitted += 1
        if self.progress is not None:
            self.progress("bookings", self.submitted, len(self.log.bookings))

    def drain(self, _key: str) -> None:
        """The worker takes every queued search; the field office then polls its queue."""
        while self.worker_step():
            pass
        queue = bookings.review_queue(
            uow=self.c.uow(),
            actor="ero.queue",
            purpose="enforcement review queue",
            at=self.clock.now,
            limit=100_000,
        )
        for booking in sorted(queue, key=lambda q: self.by_id[q.booking_id].n):
            if booking.booking_id in self.reviewing:
                continue
            self.reviewing.add(booking.booking_id)
            b = self.by_id[booking.booking_id]
            delay = timedelta(hours=0.5 + 7.5 * self.draw(_PURPOSE_DELAY, b.n))
            self.at(self.clock.now + delay, "review", booking.booking_id)

    # -- review ----------------------------------------------------------------------------

    def _record(self, booking: Booking, officer: str) -> Identity | None:
        if booking.identification is None or not booking.identification.candidates:
            return None
        best = booking.identification.candidates[0].identity_id
        return identity_services.get_identity(
            uow=self.c.uow(),
            identity_id=best,
            actor=officer,
            purpose="enforcement review",
            at=self.clock.now,
        )

    def _open_here(self, b: PlannedBooking, identity_id: int, officer: str) -> bool:
        """Whether a detainer on the person is already open at the booking's jail."""
        held = detainers.list_detainers(
            uow=self.c.uow(),
            actor=officer,
            purpose="enforcement review: detainers held by the jail",
            at=self.clock.now,
            ori=b.jail.ori,
            limit=10**6,
        )
        return any(d.identity_id == identity_id and d.state.is_open for d in held)

    def review(self, booking_id: str) -> None:
        b = self.by_id[booking_id]
        now = self.clock.now
        officer = _officer(b.jail, b.n)
        booking = bookings.get_booking(
            uow=self.c.uow(),
            booking_id=booking_id,
            actor=officer,
            purpose="enforcement review",
            at=now,
        )
        record = self._record(booking, officer)
        if record is None or booking.identification is None or booking.response is None:
            return
        status = derive_status(record.events, now.date(), birth_country=record.birth_country)
        unresolved = unresolved_indicators(
            record,
            birth_place=b.biographics.birth_place,
            claimed_citizenship=b.biographics.claimed_citizenship,
        )
        verdict = sop.review(
            decision=booking.identification.decision,
            candidate=record,
            booking=b.biographics,
            status=status,
            unresolved=unresolved,
            priority=booking.response.priority,
            now=now,
            release=b.release_at,
            open_here=self._open_here(b, record.identity_id, officer),
        )
        self.log.sop_steps[verdict.step] += 1
        self._slips_before(b, verdict, record, officer)
        lodged = self._apply(b, verdict, officer)
        self._slips_after(b, verdict, booking, lodged, officer, unresolved)
        if verdict.action is ReviewAction.REFER_CITIZENSHIP:
            self.log.referrals += 1
            delay = timedelta(hours=2 + 10 * self.draw(_PURPOSE_DELAY, b.n, 1))
            self.at(now + delay, "ruling", booking_id)

    def _slips_before(
        self, b: PlannedBooking, verdict: sop.Verdict, record: Identity, officer: str
    ) -> None:
        """Lodging slips tried instead of the SOP's step (each refused, nothing written)."""
        if verdict.step in ("S2", "S3") and self.slips(Slip.SKIP_CITIZENSHIP, b):
            skipped = sop.slip_verdict(record)
            self._slip(Slip.SKIP_CITIZENSHIP, lambda: self._apply(b, skipped, officer, slip=True))
        if verdict.step in _BASIS_SLIP_STEPS and self.slips(Slip.UNSUPPORTED_BASIS, b):
            cited = sop.unsupported_basis(record, self.clock.now)
            if cited is not None:
                self._slip(
                    Slip.UNSUPPORTED_BASIS, lambda: self._apply(b, cited, officer, slip=True)
                )

    def _slips_after(
        self,
        b: PlannedBooking,
        verdict: sop.Verdict,
        booking: Booking,
        lodged: Detainer | None,
        officer: str,
        unresolved: Sequence[str],
    ) -> None:
        """Slips tried once the SOP's step is recorded (each refused, nothing written)."""
        candidates = booking.identification.candidates if booking.identification else ()
        if (
            verdict.verified_identity_id is not None
            and len(candidates) > 1
            and self.slips(Slip.OTHER_CANDIDATE, b)
        ):
            other = sop.Verdict(
                "slip",
                ReviewAction.LODGE_DETAINER,
                "lodged on the search's second candidate",
                candidates[1].identity_id,
                ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
                "I-200",
            )
            self._slip(Slip.OTHER_CANDIDATE, lambda: self._apply(b, other, officer, slip=True))
        if lodged is not None and self.slips(Slip.SECOND_DETAINER, b):
            self._slip(Slip.SECOND_DETAINER, lambda: self._apply(b, verdict, officer, slip=True))
        if verdict.action is ReviewAction.REFER_CITIZENSHIP and self.slips(Slip.OWN_REFERRAL, b):
            referral_id = self.referral_of[b.booking_id]

            def own_ruling() -> object:
                return adjudication.rule(
                    uow=self.c.uow(),
                    referral_id=referral_id,
                    finding=CitizenshipFinding.NOT_CITIZEN,
                    indicators=list(unresolved),
                    adjudicator=officer,
                    evidence="the claim looked wrong to the referring officer",
                    at=self.clock.now,
                )

            self._slip(Slip.OWN_REFERRAL, own_ruling)

    def _apply(
        self, b: PlannedBooking, verdict: sop.Verdict, officer: str, *, slip: bool = False
    ) -> Detainer | None:
        now = self.clock.now
        request = None
        detainer_id = referral_id = ""
        if verdict.action is ReviewAction.LODGE_DETAINER:
            if slip:
                self.slipped_lodges += 1
                detainer_id = _detainer_id(self.seed, f"slip:{self.slipped_lodges}")
            else:
                self.detainers += 1
                detainer_id = _detainer_id(self.seed, self.detainers)
            number = self.detainers + int(slip)  # a slip's warrant: the next honest number
            warrant = sop.warrant_ref(verdict.warrant_form, now.date(), number)
            request = bookings.DetainerRequest(verdict.basis, warrant)
        elif verdict.action is ReviewAction.REFER_CITIZENSHIP:
            referral_id = _referral_id(self.seed, b.n, self.referred[b.booking_id])
        _, lodged = bookings.review_booking(
            uow=self.c.uow(),
            booking_id=b.booking_id,
            officer=officer,
            action=verdict.action,
            verified_identity_id=verdict.verified_identity_id,
            reason=verdict.reason,
            at=now,
            detainer=request,
            detainer_id=detainer_id,
            referral_id=referral_id,
        )
        if referral_id:
            self.referral_of[b.booking_id] = referral_id
            self.referred[b.booking_id] += 1
        if lodged is not None:
            self.log.detainer_booking[lodged.detainer_id] = b.booking_id
            delay = timedelta(hours=0.2 + 1.3 * self.draw(_PURPOSE_DELAY, b.n, 2))
            self.at(now + delay, "serve", lodged.detainer_id)
        return lodged

    def ruling(self, booking_id: str) -> None:
        """An adjudicator's finding on the booking's referral, from the evidence the world
        holds (its ground truth)."""
        b = self.by_id[booking_id]
        now = self.clock.now
        adjudicator = _adjudicator(b.n)
        referral_id = self.referral_of[booking_id]
        referral, record = adjudication.get_referral(
            uow=self.c.uow(),
            referral_id=referral_id,
            actor=adjudicator,
            purpose="citizenship adjudication",
            at=now,
        )
        if not (b.person.enrolled and b.person.index == record.identity_id):
            # the evidence about the person booked contradicts the record: not them. The
            # adjudicator sends it back and the officer rejects the match (the referral stays
            # open: no service withdraws one)
            self.log.rejected_on_evidence += 1
            verdict = sop.Verdict(
                "R1",
                ReviewAction.REJECT_MATCH,
                "citizenship evidence contradicts the record",
                record.identity_id,
            )
            self._apply(b, verdict, _officer(b.jail, b.n))
            return
        unresolved = unresolved_indicators(
            record,
            birth_place=b.biographics.birth_place,
            claimed_citizenship=b.biographics.claimed_citizenship,
        )
        citizen = b.person.us_citizen
        finding = CitizenshipFinding.CITIZEN if citizen else CitizenshipFinding.NOT_CITIZEN
        evidence = (
            "U.S. passport or certificate of citizenship verified"
            if citizen
            else "foreign birth record; no U.S. birth, naturalization or derivation on file"
        )
        ruled = adjudication.rule(
            uow=self.c.uow(),
            referral_id=referral_id,
            finding=finding,
            indicators=list(unresolved or referral.indicators),
            adjudicator=adjudicator,
            evidence=evidence,
            at=now,
        )
        self.log.rulings[finding.value] += 1
        if ruled.ruling.awaiting_concurrence:
            delay = timedelta(hours=1 + 23 * self.draw(_PURPOSE_DELAY, b.n, 4))
            self.at(now + delay, "concur", booking_id)
        elif finding is CitizenshipFinding.NOT_CITIZEN:
            self.at(now + timedelta(minutes=30), "review", booking_id)

    def concur(self, booking_id: str) -> None:
        """A second adjudicator's answer to a ruling that overrides a citizenship event; the
        ground truth decides, as it decided the ruling."""
        b = self.by_id[booking_id]
        agrees = not b.person.us_citizen
        note = (
            "the record's citizenship event was reviewed and does not stand"
            if agrees
            else "the evidence supports the record's citizenship event"
        )
        adjudication.concur(
            uow=self.c.uow(),
            referral_id=self.referral_of[booking_id],
            adjudicator=_adjudicator(b.n, 1),
            agrees=agrees,
            note=note,
            at=self.clock.now,
        )
        self.log.concurrences["agreed" if agrees else "dissented"] += 1
        if agrees:  # a dissent leaves the referral open for a new ruling, and no detainer
            self.at(self.clock.now + timedelta(minutes=30), "review", booking_id)

    # -- the detainer ------------------------------------------------------------------------

    def serve(self, detainer_id: str) -> None:
        b = self.by_id[self.log.detainer_booking[detainer_id]]
        now = self.clock.now
        detainers.serve(
            uow=self.c.uow(), detainer_id=detainer_id, actor=_officer(b.jail, b.n), at=now
        )
        latest = b.release_at - timedelta(minutes=30)
        wait = timedelta(hours=1 + 9 * self.draw(_PURPOSE_DELAY, b.n, 3))
        self.at(max(now + timedelta(minutes=1), min(now + wait, latest)), "answer", detainer_id)

    def answer(self, detainer_id: str) -> None:
        b = self.by_id[self.log.detainer_booking[detainer_id]]
        now = self.clock.now
        with self.c.uow() as uow:
            local, overlay = detainers.policies_in_force(uow, ori=b.jail.ori, at=now)
        permitted = permitted_answers(
            local=local,
            overlay=overlay,
            judicial_warrant=False,
            offense_classes={offense_class(ch.ncic_code) for ch in b.charges},
        )
        odds = answer_choice(permitted, local.kind if local else PolicyKind.HONOR_ALL)
        answers = tuple(JailAnswer)
        choice = answers[
            pick(rng_for(self.seed, _PURPOSE_ANSWER, b.n), tuple(odds[a] for a in answers))
        ]
        bookings.answer_detainer(
            uow=self.c.uow(),
            detainer_id=detainer_id,
            answer=choice,
            ori=b.jail.ori,
            actor=f"jail:{b.jail.ori}",
            at=now,
        )
        self.at(max(now + timedelta(minutes=1), b.release_at), "release", detainer_id)

    def release(self, detainer_id: str) -> None:
        b = self.by_id[self.log.detainer_booking[detainer_id]]
        now = self.clock.now
        if self.slips(Slip.FUTURE_RELEASE, b):
            keyed = b.release_at + timedelta(days=365)  # the year keyed wrong

            def future_release() -> object:
                return bookings.record_release(
                    uow=self.c.uow(),
                    detainer_id=detainer_id,
                    released_at=keyed,
                    ori=b.jail.ori,
                    actor=f"jail:{b.jail.ori}",
                    at=now,
                )

            self._slip(Slip.FUTURE_RELEASE, future_release)
        detainer = bookings.record_release(
            uow=self.c.uow(),
            detainer_id=detainer_id,
            released_at=b.release_at,
            ori=b.jail.ori,
            actor=f"jail:{b.jail.ori}",
            at=now,
        )
        if detainer.state is not DetainerState.HONORED:
            return
        rng = rng_for(self.seed, _PURPOSE_PICKUP, b.n)
        roll = float(rng.random())
        if roll < 0.85:
            self.at(b.release_at + timedelta(hours=24 * float(rng.random())), "pickup", detainer_id)
        elif roll < 0.95:
            late = timedelta(hours=24 + 23.5 * float(rng.random()))
            self.at(b.release_at + late, "pickup", detainer_id)
        else:  # nobody comes: the worker's 48-hour check must release the person
            self.log.no_shows += 1
            self.at(b.release_at + timedelta(hours=48, minutes=1), "lapse_check", detainer_id)

    def pickup(self, detainer_id: str) -> None:
        b = self.by_id[self.log.detainer_booking[detainer_id]]
        try:
            detainers.transfer(
                uow=self.c.uow(),
                detainer_id=detainer_id,
                actor=_officer(b.jail, b.n),
                at=self.clock.now,
            )
        except HoldExpired:
            self.log.hold_expired += 1

    def lapse_check(self, _detainer_id: str) -> None:
        self.worker_step()


def simulate(
    c: Container,
    clock: SimClock,
    plan: Sequence[PlannedBooking],
    *,
    seed: int,
    worker_step: Callable[[], bool],
    progress: Progress | None = None,
    adjudicators: Mapping[str, str] | None = None,
    slip_rate: float | None = None,
) -> MonthLog:
    """Play the month's bookings through the services on ``clock`` (which ``c`` must read).

    ``worker_step`` is the booking worker's ``run_once`` (``liaison.entrypoints.worker``): it
    takes one queued job (a search) and runs the 48-hour check, as the worker process does;
    the simulation calls it until the queue is empty after each simulated hour of bookings.
    ``adjudicators`` maps the ``ADJUDICATORS`` to their passwords (fresh ones if None): their
    accounts are added first. ``slip_rate``, if given, replaces every rate of
    ``liaison.synth.sop.SLIPS`` (0: nobody slips; 1: every chance is taken).
    """
    passwords = (
        dict(adjudicators)
        if adjudicators is not None
        else {name: secrets.token_urlsafe(16) for name in ADJUDICATORS}
    )
    return _Month(
        c,
        clock,
        plan,
        seed=seed,
        worker_step=worker_step,
        progress=progress,
        adjudicators=passwords,
        slip_rate=slip_rate,
    ).run()
