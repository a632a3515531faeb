"""A month of bookings through the real pipeline, on simulated time.

``plan_bookings`` draws the month (who is booked where and when, on what charges, with what
biographics); ``simulate`` plays it through the services and the store, in time order, on the
container's settable clock:

    submit_booking -> Worker.run_once (search, status, response) -> review_queue ->
    review_booking by the SOP reviewer (``liaison.synth.sop``) -> serve -> answer_detainer by
    the jail's policy -> record_release -> transfer, or the worker's 48-hour lapse

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
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from liaison.bookings import services as bookings
from liaison.bookings.model import Biographics, Booking, Charge, ReviewAction
from liaison.bootstrap import Container
from liaison.detainers import services as detainers
from liaison.detainers.errors import CitizenshipIndicatorUnresolved, HoldExpired, LodgingRefused
from liaison.detainers.model import DetainerState
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
from liaison.synth.spine import booking_fingers
from liaison.synth.world import CHARGES, Jail, WorldPlan, answer_choice

__all__ = [
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

_PURPOSE_DAY = 31
_PURPOSE_REVIEW = 32
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


def _detainer_id(seed: int, n: int) -> str:
    return hashlib.sha256(f"liaison-demo:{seed}:detainer:{n}".encode()).hexdigest()[:32]


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
    blocked_citizenship: int = 0  # lodging attempts the citizenship safeguard refused
    blocked_other: Counter[str] = field(default_factory=Counter)  # other refusals, by error
    referrals: int = 0
    rulings: Counter[str] = field(default_factory=Counter)
    rejected_on_evidence: int = 0
    hold_expired: int = 0
    no_shows: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    detainer_booking: dict[str, str] = field(default_factory=dict)  # detainer -> booking


def _officer(jail: Jail, number: int) -> str:
    slug = jail.field_office.lower().replace(" ", "-").replace(".", "")
    return f"ero.{slug}.{1 + number % 3}"


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
    ) -> None:
        self.c = c
        self.clock = clock
        self.seed = seed
        self.progress = progress
        self.log = MonthLog(bookings=list(plan))
        self.by_id = {b.booking_id: b for b in plan}
        self.events: list[tuple[datetime, int, str, str]] = []
        self.seq = 0
        self.drains: set[datetime] = set()
        self.reviewing: set[str] = set()
        self.detainers = 0
        self.submitted = 0
        self.worker_step = worker_step

    def at(self, when: datetime, kind: str, key: str) -> None:
        heapq.heappush(self.events, (when, self.seq, kind, key))
        self.seq += 1

    def draw(self, purpose: int, n: int, k: int = 0) -> float:
        return float(rng_for(self.seed, purpose, n * 16 + k).random())

    def run(self) -> MonthLog:
        for b in self.log.bookings:
            self.at(b.submitted_at, "submit", b.booking_id)
        handlers: dict[str, Callable[[str], None]] = {
            "submit": self.submit,
            "drain": self.drain,
            "review": self.review,
            "ruling": self.ruling,
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
        )
        self.log.sop_steps[verdict.step] += 1
        if verdict.step in ("S2", "S3") and self.draw(_PURPOSE_REVIEW, b.n) < sop.SLIP_RATE:
            self._lodge(b, sop.slip_verdict(record), officer)  # the safeguard must refuse
        self._apply(b, verdict, officer)
        if verdict.action is ReviewAction.REFER_CITIZENSHIP:
            self.log.referrals += 1
            delay = timedelta(hours=2 + 10 * self.draw(_PURPOSE_DELAY, b.n, 1))
            self.at(now + delay, "ruling", booking_id)

    def _lodge(self, b: PlannedBooking, verdict: sop.Verdict, officer: str) -> bool:
        try:
            self._apply(b, verdict, officer)
        except CitizenshipIndicatorUnresolved:
            self.log.blocked_citizenship += 1
            return False
        except LodgingRefused as exc:
            self.log.blocked_other[type(exc).__name__] += 1
            return False
        return True

    def _apply(self, b: PlannedBooking, verdict: sop.Verdict, officer: str) -> None:
        now = self.clock.now
        request = None
        detainer_id = ""
        if verdict.action is ReviewAction.LODGE_DETAINER:
            self.detainers += 1
            detainer_id = _detainer_id(self.seed, self.detainers)
            warrant = sop.warrant_ref(verdict.warrant_form, now.date(), self.detainers)
            request = bookings.DetainerRequest(verdict.basis, warrant)
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
        )
        if lodged is not None:
            self.log.detainer_booking[lodged.detainer_id] = b.booking_id
            delay = timedelta(hours=0.2 + 1.3 * self.draw(_PURPOSE_DELAY, b.n, 2))
            self.at(now + delay, "serve", lodged.detainer_id)

    def ruling(self, booking_id: str) -> None:
        """The adjudicator's finding, from the evidence the world holds (its ground truth)."""
        b = self.by_id[booking_id]
        now = self.clock.now
        officer = f"{_officer(b.jail, b.n)}.adjudicator"
        booking = bookings.get_booking(
            uow=self.c.uow(), booking_id=booking_id, actor=officer, purpose="citizenship", at=now
        )
        record = self._record(booking, officer)
        if record is None:
            return
        same_person = b.person.enrolled and b.person.index == record.identity_id
        unresolved = unresolved_indicators(
            record,
            birth_place=b.biographics.birth_place,
            claimed_citizenship=b.biographics.claimed_citizenship,
        )
        if not same_person:
            # the evidence about the person booked contradicts the record: not them
            self.log.rejected_on_evidence += 1
            verdict = sop.Verdict(
                "R1", ReviewAction.REJECT_MATCH, "citizenship evidence contradicts the record"
            )
            self._apply(b, verdict, officer)
            return
        if not unresolved and not b.person.us_citizen:
            # resolved meanwhile (another booking of the person): review again
            self.at(now + timedelta(minutes=30), "review", booking_id)
            return
        finding = (
            CitizenshipFinding.CITIZEN if b.person.us_citizen else CitizenshipFinding.NOT_CITIZEN
        )
        evidence = (
            "U.S. passport or certificate of citizenship verified"
            if b.person.us_citizen
            else "foreign birth record; no U.S. birth, naturalization or derivation on file"
        )
        bookings.rule_on_citizenship(
            uow=self.c.uow(),
            identity_id=record.identity_id,
            finding=finding,
            indicators=list(unresolved),
            officer=officer,
            evidence=evidence,
            at=now,
        )
        self.log.rulings[finding.value] += 1
        if finding is CitizenshipFinding.NOT_CITIZEN:
            self.at(now + timedelta(minutes=30), "review", booking_id)

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
) -> MonthLog:
    """Play the month's bookings through the services on ``clock`` (which ``c`` must read).

    ``worker_step`` is the booking worker's ``run_once`` (``liaison.entrypoints.worker``): it
    takes one queued job (a search) and runs the 48-hour check, as the worker process does;
    the simulation calls it until the queue is empty after each simulated hour of bookings.
    """
    return _Month(c, clock, plan, seed=seed, worker_step=worker_step, progress=progress).run()
