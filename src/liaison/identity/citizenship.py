"""Citizenship indicators: every reason on record to think a person may be a U.S. citizen.

U.S. citizens are never detained, so any indicator blocks a detainer until a person rules on it.
An indicator is a stable short string; the vocabulary is ``INDICATORS`` (plus ``RULED_CITIZEN``).

| indicator                | raised by                                                        |
| ------------------------ | ---------------------------------------------------------------- |
| ``us_birth_record``      | a ``BORN_IN_US`` event                                           |
| ``acquisition_at_birth`` | a ``BORN_ABROAD_TO_US_CITIZEN`` event                            |
| ``naturalization_record``| a ``NATURALIZED`` event                                          |
| ``derivation_record``    | a ``DERIVED_CITIZENSHIP`` event                                  |
| ``us_place_of_birth``    | the identity's birth country, or the booking's place of birth, US |
| ``claimed_us_citizenship`` | the booking's claimed citizenship is US                        |
| ``ruled_citizen``        | a ruling found the person a citizen: never resolved             |

A ``NOT_CITIZEN`` ruling in force resolves exactly the indicators it lists, and rulings add
up: a later ruling that lists other indicators does not reopen what an earlier one resolved
(a detainer lodged on that resolution stays lawful). An indicator raised by a citizenship event
dated after every ruling that lists it is unresolved again: the new record needs a new ruling.
A ``NOT_CITIZEN`` ruling on a record holding a citizenship event (``CITIZENSHIP_EVENTS``)
overrides that event, so it is in force only once a second adjudicator concurs
(``needs_concurrence``); until then it resolves nothing. A ``CITIZEN`` ruling is never undone.
"""

from __future__ import annotations

from collections.abc import Iterable

from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipRuling,
    EventKind,
    Identity,
    ImmigrationEvent,
)

__all__ = [
    "CITIZENSHIP_EVENTS",
    "INDICATORS",
    "RULED_CITIZEN",
    "citizenship_events",
    "citizenship_indicators",
    "latest_ruling",
    "needs_concurrence",
    "record_indicators",
    "unresolved_indicators",
]

RULED_CITIZEN = "ruled_citizen"

_EVENT_INDICATORS: dict[EventKind, str] = {
    EventKind.BORN_IN_US: "us_birth_record",
    EventKind.BORN_ABROAD_TO_US_CITIZEN: "acquisition_at_birth",
    EventKind.NATURALIZED: "naturalization_record",
    EventKind.DERIVED_CITIZENSHIP: "derivation_record",
}
CITIZENSHIP_EVENTS = frozenset(_EVENT_INDICATORS)
"""The event kinds that make a person a citizen on the record (birth, acquisition,
naturalization, derivation): overriding one takes two adjudicators."""
_US_PLACE_OF_BIRTH = "us_place_of_birth"
_CLAIMED_US_CITIZENSHIP = "claimed_us_citizenship"

INDICATORS: tuple[str, ...] = (
    *_EVENT_INDICATORS.values(),
    _US_PLACE_OF_BIRTH,
    _CLAIMED_US_CITIZENSHIP,
)
"""Every indicator a record or a booking can raise, in the order they are reported."""

# Bookings key these by hand; a spelled-out or lower-case "usa" must still raise the indicator.
_US_SPELLINGS = frozenset({"US", "USA"})


def _is_us(country: str) -> bool:
    return country.strip().upper() in _US_SPELLINGS


def record_indicators(
    events: Iterable[ImmigrationEvent],
    *,
    birth_country: str = "",
    birth_place: str = "",
    claimed_citizenship: str = "",
) -> tuple[str, ...]:
    """The indicators raised by ``events`` and the given biographics, in ``INDICATORS`` order."""
    found = {_EVENT_INDICATORS[e.kind] for e in events if e.kind in _EVENT_INDICATORS}
    if _is_us(birth_country) or _is_us(birth_place):
        found.add(_US_PLACE_OF_BIRTH)
    if _is_us(claimed_citizenship):
        found.add(_CLAIMED_US_CITIZENSHIP)
    return tuple(i for i in INDICATORS if i in found)


def citizenship_indicators(
    identity: Identity | None, *, birth_place: str = "", claimed_citizenship: str = ""
) -> tuple[str, ...]:
    """Every reason to think the person may be a U.S. citizen: the identity's record (if any)
    and the booking's place of birth and claimed citizenship, in ``INDICATORS`` order."""
    return record_indicators(
        identity.events if identity is not None else (),
        birth_country=identity.birth_country if identity is not None else "",
        birth_place=birth_place,
        claimed_citizenship=claimed_citizenship,
    )


def citizenship_events(events: Iterable[ImmigrationEvent]) -> tuple[ImmigrationEvent, ...]:
    """The events of a history that make the person a citizen on the record."""
    return tuple(e for e in events if e.kind in CITIZENSHIP_EVENTS)


def needs_concurrence(identity: Identity, finding: CitizenshipFinding) -> bool:
    """Whether a ruling of ``finding`` overrides a citizenship event of the record, and so
    needs the evidence cited and a second adjudicator's concurrence before it counts."""
    return finding is CitizenshipFinding.NOT_CITIZEN and bool(citizenship_events(identity.events))


def latest_ruling(rulings: Iterable[CitizenshipRuling]) -> CitizenshipRuling | None:
    """The ruling in force made last (by ``ruled_at``; on a tie, the one recorded last), or
    None: what an adjudicator's page shows first. A ruling waiting for, or refused, a second
    adjudicator's concurrence is not in force. (What is resolved is the sum of all rulings in
    force: ``unresolved_indicators``.)
    """
    ordered = sorted(
        ((n, r) for n, r in enumerate(rulings) if r.in_force),
        key=lambda pair: (pair[1].ruled_at, pair[0]),
    )
    return ordered[-1][1] if ordered else None


def unresolved_indicators(
    identity: Identity | None, *, birth_place: str = "", claimed_citizenship: str = ""
) -> tuple[str, ...]:
    """The indicators no ruling has resolved; empty means nothing on record blocks a detainer.

    ``ruled_citizen`` comes first whenever any ruling ever found the person a citizen: no
    later ruling resolves it. The rest are the current indicators that no ruling in force
    lists, or that an event dated after every such ruling raised again.
    """
    indicators = citizenship_indicators(
        identity, birth_place=birth_place, claimed_citizenship=claimed_citizenship
    )
    if identity is None:
        return indicators
    rulings = identity.citizenship_rulings
    ever_citizen = any(r.finding is CitizenshipFinding.CITIZEN for r in rulings)
    open_ = tuple(i for i in indicators if not _resolved(identity, i))
    return (RULED_CITIZEN, *open_) if ever_citizen else open_


def _resolved(identity: Identity, indicator: str) -> bool:
    listing = [
        r
        for r in identity.citizenship_rulings
        if r.in_force and indicator in r.indicators  # a citizen ruling resolves into ruled_citizen
    ]
    raised_on = [
        e.occurred_on for e in identity.events if _EVENT_INDICATORS.get(e.kind) == indicator
    ]
    if not listing or not raised_on:
        return bool(listing)
    latest = max(raised_on)
    return any(r.ruled_at.date() >= latest for r in listing)
