"""The people of the synthetic world: who is in the identity repository, and who is not.

Person ``i`` (``0 <= i < identities``) is enrolled: gallery subject ``i`` (its fingers are
``liaison.biometrics.benchmark``'s synthetic person ``i`` of the seed), identity ``i`` in the
repository, with an immigration history drawn for its category. A *stranger* ``k`` is a person
never enrolled (most are U.S. citizens by birth); its fingers are synthetic person
``identities + STRANGER_OFFSET + k``, which no enrollment used, nor the threshold calibration
(it searches people ``identities`` onwards): the false match rate is measured on people the
thresholds never saw. Every draw comes from a generator keyed by
``(seed, purpose, index)``, so any person can be made again alone, in any order.

The mix of the repository (``MIX``, shares of enrolled people) is an assumption of the demo,
rounded from public orders of magnitude: DHS's estimates of the lawful permanent resident
(about 13 million) and unauthorized (about 11 million) populations, naturalizations (about
800,000 a year), the nonimmigrant overstay reports (1 to 2% of admissions overstay) and
EOIR's pending caseload (several million). It is not a census; it is a plausible repository.

| category            | share | history                                                  | citizen |
| ------------------- | ----- | -------------------------------------------------------- | ------- |
| naturalized         | 0.12  | LPR grant, naturalization 5-8 years later                | yes     |
| derived             | 0.02  | LPR grant as a child, citizenship derived from a parent  | yes     |
| us_born_enrolled    | 0.01  | a U.S. birth record (enrolled through an earlier encounter) | yes  |
| lpr                 | 0.23  | LPR grant                                                | no      |
| visa_in_status      | 0.08  | admission whose admitted-until date is after the month   | no      |
| visa_overstayed     | 0.10  | admission whose admitted-until date has passed           | no      |
| ewi                 | 0.17  | entry without inspection                                 | no      |
| in_proceedings      | 0.08  | entry, then a notice to appear                           | no      |
| final_order         | 0.06  | entry, proceedings, final order of removal               | no      |
| removed             | 0.03  | ... and removal; no record since (booked: re-entered)    | no      |
| reentered           | 0.03  | ... removal, then a recorded entry without inspection    | no      |
| protected           | 0.07  | entry, then TPS, asylum, withholding or DACA             | no      |

Watchlist: ``WATCHLIST_SHARE`` of enrolled people are marked in the ground truth only
(screening is a later issue: nothing in the store knows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np

from liaison.identity.model import EventKind, Identity, ImmigrationEvent, PersonName
from liaison.synth.names import Origin, alias_of, draw_name, draw_origin, pick, spelling_variant

__all__ = [
    "CITIZEN_CATEGORIES",
    "MIX",
    "STRANGER_CITIZEN_SHARE",
    "STRANGER_OFFSET",
    "WATCHLIST_SHARE",
    "Category",
    "Person",
    "booking_propensity",
    "make_person",
    "make_stranger",
    "rng_for",
]

WATCHLIST_SHARE = 0.003
STRANGER_OFFSET = 1_000_000
# strangers (people never enrolled) who are U.S. citizens by birth; the rest are non-citizens
# who entered without inspection and were never encountered
STRANGER_CITIZEN_SHARE = 0.92


class Category(StrEnum):
    """Who a person really is, in the generator's ground truth."""

    NATURALIZED = "naturalized"
    DERIVED = "derived"
    US_BORN_ENROLLED = "us_born_enrolled"
    LPR = "lpr"
    VISA_IN_STATUS = "visa_in_status"
    VISA_OVERSTAYED = "visa_overstayed"
    EWI = "ewi"
    IN_PROCEEDINGS = "in_proceedings"
    FINAL_ORDER = "final_order"
    REMOVED = "removed"
    REENTERED = "reentered"
    PROTECTED = "protected"
    # never enrolled
    CITIZEN_BY_BIRTH = "citizen_by_birth"
    NEVER_ENCOUNTERED = "never_encountered"


MIX: dict[Category, float] = {
    Category.NATURALIZED: 0.12,
    Category.DERIVED: 0.02,
    Category.US_BORN_ENROLLED: 0.01,
    Category.LPR: 0.23,
    Category.VISA_IN_STATUS: 0.08,
    Category.VISA_OVERSTAYED: 0.10,
    Category.EWI: 0.17,
    Category.IN_PROCEEDINGS: 0.08,
    Category.FINAL_ORDER: 0.06,
    Category.REMOVED: 0.03,
    Category.REENTERED: 0.03,
    Category.PROTECTED: 0.07,
}

CITIZEN_CATEGORIES = frozenset(
    {
        Category.NATURALIZED,
        Category.DERIVED,
        Category.US_BORN_ENROLLED,
        Category.CITIZEN_BY_BIRTH,
    }
)

# Relative chance that a person of a category is booked in a given month (an assumption: people
# removed abroad are booked only if they came back unrecorded; visa holders in status rarely).
_PROPENSITY: dict[Category, float] = {
    Category.NATURALIZED: 1.0,
    Category.DERIVED: 1.0,
    Category.US_BORN_ENROLLED: 1.0,
    Category.LPR: 0.9,
    Category.VISA_IN_STATUS: 0.4,
    Category.VISA_OVERSTAYED: 1.1,
    Category.EWI: 1.3,
    Category.IN_PROCEEDINGS: 1.3,
    Category.FINAL_ORDER: 1.3,
    Category.REMOVED: 0.4,
    Category.REENTERED: 1.6,
    Category.PROTECTED: 0.8,
}

_PURPOSE_PERSON = 11
_PURPOSE_STRANGER = 12

_VISAS = ("B2", "B1", "F1", "H1B", "H2A", "H2B", "J1", "L1")
_PROTECTIONS = (("TPS", 0.35), ("asylum", 0.30), ("DACA", 0.25), ("withholding", 0.10))


def booking_propensity(category: Category) -> float:
    """How likely a person of ``category`` is to be booked, relative to a citizen."""
    return _PROPENSITY.get(category, 1.0)


def rng_for(seed: int, purpose: int, index: int) -> np.random.Generator:
    """The generator of one draw of the world: the same key always gives the same stream."""
    return np.random.default_rng([seed, purpose, index])


@dataclass(frozen=True)
class Person:
    """One person and the ground truth about them (the store knows only ``identity``)."""

    index: int  # the synthetic fingers' subject number
    category: Category
    identity: Identity  # the repository's record (for strangers: what they are, never stored)
    origin: str
    us_citizen: bool
    watchlisted: bool
    enrolled: bool

    @property
    def primary_name(self) -> PersonName:
        return self.identity.names[0]


def _day(rng: np.random.Generator, start: date, end: date) -> date:
    span = max((end - start).days, 1)
    return start + timedelta(days=int(rng.integers(span)))


def _years(n: float) -> timedelta:
    return timedelta(days=round(365.25 * n))


def _birth_date(rng: np.random.Generator, today: date) -> date:
    age = 18 + float(rng.gamma(3.0, 6.0))  # adults, most 20-45, a long tail
    return today - _years(min(age, 80.0)) - timedelta(days=int(rng.integers(365)))


def _entry(rng: np.random.Generator, since: date, before: date) -> ImmigrationEvent:
    on = _day(rng, since, before)
    if rng.random() < 0.6:
        return ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, on)
    visa = _VISAS[int(rng.integers(len(_VISAS)))]
    return ImmigrationEvent(EventKind.ADMITTED_NONIMMIGRANT, on, on + _years(0.5), visa)


def _removal_path(
    rng: np.random.Generator, born: date, today: date, *, stop: Category
) -> list[ImmigrationEvent]:
    """Entry, then proceedings, an order, a removal and a re-entry, as far as ``stop``."""
    adult = born + _years(16)
    entry = _entry(rng, max(adult, date(1995, 1, 1)), today - _years(2))
    events = [entry]
    nta = _day(rng, entry.occurred_on + timedelta(days=30), today - _years(0.5))
    events.append(ImmigrationEvent(EventKind.PROCEEDINGS_INITIATED, nta, reference="NTA"))
    if stop is Category.IN_PROCEEDINGS:
        return events
    order = _day(rng, nta + timedelta(days=90), today - timedelta(days=60))
    events.append(ImmigrationEvent(EventKind.FINAL_ORDER, order, reference="IJ order"))
    if stop is Category.FINAL_ORDER:
        return events
    removed = _day(rng, order + timedelta(days=14), today - timedelta(days=30))
    events.append(ImmigrationEvent(EventKind.REMOVED, removed))
    if stop is Category.REMOVED:
        return events
    back = _day(rng, removed + timedelta(days=30), today - timedelta(days=7))
    events.append(ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, back))
    return events


def _history(
    category: Category, rng: np.random.Generator, born: date, today: date
) -> list[ImmigrationEvent]:
    adult = max(born + _years(18), date(1985, 1, 1))
    c = Category
    if category is c.NATURALIZED:
        lpr = _day(rng, adult, today - _years(6))
        natz = min(lpr + _years(5 + float(rng.random()) * 3), today - timedelta(days=30))
        return [
            ImmigrationEvent(EventKind.LPR_GRANTED, lpr),
            ImmigrationEvent(EventKind.NATURALIZED, natz, reference="N-550"),
        ]
    if category is c.DERIVED:
        lpr = max(born + _years(2 + float(rng.random()) * 10), date(1985, 1, 1))
        derived = min(lpr + _years(3 + float(rng.random()) * 4), born + _years(17.9))
        return [
            ImmigrationEvent(EventKind.LPR_GRANTED, lpr),
            ImmigrationEvent(EventKind.DERIVED_CITIZENSHIP, derived, reference="N-600"),
        ]
    if category is c.US_BORN_ENROLLED:
        return [ImmigrationEvent(EventKind.BORN_IN_US, born)]
    if category is c.LPR:
        return [ImmigrationEvent(EventKind.LPR_GRANTED, _day(rng, adult, today - _years(0.5)))]
    if category is c.VISA_IN_STATUS:
        on = _day(rng, today - _years(3), today - timedelta(days=30))
        until = today + _years(0.3 + float(rng.random()) * 3)
        visa = _VISAS[2 + int(rng.integers(len(_VISAS) - 2))]  # not a visitor's
        return [ImmigrationEvent(EventKind.ADMITTED_NONIMMIGRANT, on, until, visa)]
    if category is c.VISA_OVERSTAYED:
        on = _day(rng, max(adult, date(1995, 1, 1)), today - _years(1.2))
        until = on + _years(0.25 + float(rng.random()) * 0.75)
        visa = _VISAS[int(rng.integers(len(_VISAS)))]
        return [ImmigrationEvent(EventKind.ADMITTED_NONIMMIGRANT, on, until, visa)]
    if category is c.EWI:
        on = _day(rng, max(adult, date(1990, 1, 1)), today - _years(0.2))
        return [ImmigrationEvent(EventKind.ENTERED_WITHOUT_INSPECTION, on)]
    if category in (c.IN_PROCEEDINGS, c.FINAL_ORDER, c.REMOVED, c.REENTERED):
        return _removal_path(rng, born, today, stop=category)
    if category is c.PROTECTED:
        entry = _entry(rng, max(adult, date(1995, 1, 1)), today - _years(2))
        kind = _PROTECTIONS[pick(rng, tuple(w for _, w in _PROTECTIONS))][0]
        granted = _day(rng, entry.occurred_on + timedelta(days=60), today - _years(0.5))
        ends = today + _years(0.5 + float(rng.random()) * 2) if kind in ("TPS", "DACA") else None
        return [entry, ImmigrationEvent(EventKind.PROTECTION_GRANTED, granted, ends, kind)]
    raise ValueError(f"{category} has no repository history")


_KINDS = tuple(MIX)
_SHARES = tuple(MIX.values())


def _category(rng: np.random.Generator) -> Category:
    return _KINDS[pick(rng, _SHARES)]


def _names(
    rng: np.random.Generator, origin: Origin, sex: str, *, aliases: bool
) -> list[PersonName]:
    name = draw_name(rng, origin, sex)
    names = [name]
    if aliases and rng.random() < 0.15:
        names.append(spelling_variant(rng, name))
    if aliases and rng.random() < 0.2:
        names.append(alias_of(rng, name, origin, sex))
    return list(dict.fromkeys(names))


def _sex(rng: np.random.Generator) -> str:
    return "M" if rng.random() < 0.72 else "F"  # bookings are mostly of men


def make_person(seed: int, index: int, *, today: date) -> Person:
    """Enrolled person ``index``: category, record and ground truth (the same for a seed)."""
    rng = rng_for(seed, _PURPOSE_PERSON, index)
    category = _category(rng)
    us_born = category is Category.US_BORN_ENROLLED
    origin = draw_origin(rng, us_born=us_born)
    sex = _sex(rng)
    born = _birth_date(rng, today)
    if category is Category.DERIVED:
        born = min(born, today - _years(20))
    identity = Identity(
        identity_id=index,
        names=_names(rng, origin, sex, aliases=True),
        birth_date=born,
        sex=sex,
        birth_country="US" if us_born else origin.country(rng),
        events=_history(category, rng, born, today),
        a_number="" if us_born else f"A{200_000_000 + index:09d}",
    )
    return Person(
        index=index,
        category=category,
        identity=identity,
        origin=origin.name,
        us_citizen=category in CITIZEN_CATEGORIES,
        watchlisted=bool(rng.random() < WATCHLIST_SHARE),
        enrolled=True,
    )


def make_stranger(seed: int, k: int, *, identities: int, today: date) -> Person:
    """Stranger ``k``: never enrolled; fingers of synthetic person
    ``identities + STRANGER_OFFSET + k``."""
    rng = rng_for(seed, _PURPOSE_STRANGER, k)
    citizen = bool(rng.random() < STRANGER_CITIZEN_SHARE)
    origin = draw_origin(rng, us_born=citizen)
    sex = _sex(rng)
    born = _birth_date(rng, today)
    index = identities + STRANGER_OFFSET + k
    identity = Identity(
        identity_id=index,
        names=_names(rng, origin, sex, aliases=False),
        birth_date=born,
        sex=sex,
        birth_country="US" if citizen else origin.country(rng),
        events=[ImmigrationEvent(EventKind.BORN_IN_US, born)] if citizen else [],
    )
    return Person(
        index=index,
        category=Category.CITIZEN_BY_BIRTH if citizen else Category.NEVER_ENCOUNTERED,
        identity=identity,
        origin=origin.name,
        us_citizen=citizen,
        watchlisted=False,
        enrolled=False,
    )
