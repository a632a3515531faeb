"""Detention capacity: occupancy from custody events, and the shortfall the intake rate
projects.

The model, one facility at a time:

- An **intake** adds people on its day (a detainer's transfer into custody is one intake of
  one person); a **release** takes people out (released, removed, or moved elsewhere).
- A **census** is a head count at the end of its day, that day's movements included: the
  occupancy that day is the census, whatever the running total said (the last census
  recorded for a day wins). Before any event a facility holds no one, so a facility that
  was already holding people starts its record with a census.
- **Occupancy** on a day is at the end of the day. A release that would leave fewer than no
  one on some day is refused.
- **Projection** (facilities pooled: beds, occupancy and movements added up). The net daily
  intake is (intakes - releases) over the ``lookback_days`` ending with ``as_of``, divided by
  ``lookback_days``; a census is no movement. Occupancy is projected on a straight line from
  ``as_of``'s: occupancy + rate x days ahead, never below zero. The facilities are **full**
  on the first day with no free bed (projected occupancy >= beds): ``as_of`` itself when
  they are full already, never when the rate is zero or less. The beds short at the horizon
  are the projected people the beds cannot hold, rounded up to whole people. The arithmetic
  is exact (fractions), so a rate of 1/3 a day fills 10 beds in exactly 30 days.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from liaison.operations.errors import InvalidCustodyEvent, InvalidFacility, InvalidProjection
from liaison.operations.model import (
    CapacityProjection,
    CustodyEvent,
    CustodyEventKind,
    DailyOccupancy,
    Facility,
)

__all__ = [
    "check_occupancy",
    "custody_event",
    "facility",
    "occupancy",
    "pooled_occupancy",
    "project",
]


def facility(*, facility_id: str, name: str, jurisdiction_fips: str, beds: int) -> Facility:
    """A facility, checked: an id, a name, and 1 bed or more."""
    if not facility_id.strip() or not name.strip():
        raise InvalidFacility("a facility needs an id and a name")
    if isinstance(beds, bool) or not isinstance(beds, int) or beds <= 0:
        raise InvalidFacility(f"a facility has 1 bed or more, not {beds!r}")
    return Facility(
        facility_id=facility_id.strip(),
        name=" ".join(name.split()),
        jurisdiction_fips=jurisdiction_fips.strip(),
        beds=beds,
    )


def custody_event(
    *, facility_id: str, kind: CustodyEventKind, on: date, people: int = 1, reference: str = ""
) -> CustodyEvent:
    """A custody event, checked: an intake or release moves 1 person or more; a census counts
    0 or more."""
    least = 0 if kind is CustodyEventKind.CENSUS else 1
    if isinstance(people, bool) or not isinstance(people, int) or people < least:
        raise InvalidCustodyEvent(f"an {kind.value} counts {least} people or more, not {people!r}")
    return CustodyEvent(
        facility_id=facility_id, kind=kind, on=on, people=people, reference=reference.strip()
    )


@dataclass
class _Day:
    intakes: int = 0
    releases: int = 0
    census: int | None = None


def _days(events: Iterable[CustodyEvent]) -> dict[date, _Day]:
    days: defaultdict[date, _Day] = defaultdict(_Day)
    for event in events:
        day = days[event.on]
        if event.kind is CustodyEventKind.INTAKE:
            day.intakes += event.people
        elif event.kind is CustodyEventKind.RELEASE:
            day.releases += event.people
        else:
            day.census = event.people
    return days


def _series(events: Iterable[CustodyEvent], first: date, last: date) -> list[DailyOccupancy]:
    """One facility's end-of-day occupancy for each day ``first``..``last`` (may go negative:
    ``check_occupancy`` is where that is refused)."""
    days = _days(events)
    start = min([first, *days])
    held = 0
    out: list[DailyOccupancy] = []
    day = start
    while day <= last:
        moved = days.get(day, _Day())
        held = moved.census if moved.census is not None else held + moved.intakes - moved.releases
        if day >= first:
            out.append(DailyOccupancy(day, moved.intakes, moved.releases, held))
        day += timedelta(days=1)
    return out


def occupancy(events: Iterable[CustodyEvent], first: date, last: date) -> list[DailyOccupancy]:
    """One facility's people in custody at the end of each day ``first``..``last``, with each
    day's intakes and releases."""
    return _series(events, first, last) if first <= last else []


def pooled_occupancy(
    events: Iterable[CustodyEvent], first: date, last: date
) -> list[DailyOccupancy]:
    """``occupancy`` added up over every facility the events name (each census applies to its
    own facility only)."""
    by_facility: defaultdict[str, list[CustodyEvent]] = defaultdict(list)
    for event in events:
        by_facility[event.facility_id].append(event)
    total = [
        DailyOccupancy(first + timedelta(days=i), 0, 0, 0) for i in range((last - first).days + 1)
    ]
    for facility_events in by_facility.values():
        for i, day in enumerate(occupancy(facility_events, first, last)):
            t = total[i]
            total[i] = DailyOccupancy(
                t.day,
                t.intakes + day.intakes,
                t.releases + day.releases,
                t.occupancy + day.occupancy,
            )
    return total


def check_occupancy(events: Sequence[CustodyEvent]) -> None:
    """``InvalidCustodyEvent`` when one facility's events leave fewer than no one on a day
    (a release of people it does not hold)."""
    if not events:
        return
    days = [e.on for e in events]
    for day in occupancy(events, min(days), max(days)):
        if day.occupancy < 0:
            raise InvalidCustodyEvent(
                f"on {day.day.isoformat()} facility {events[0].facility_id!r} would hold "
                f"{day.occupancy} people: it releases more than it holds"
            )


def project(
    facilities: Sequence[Facility],
    events: Iterable[CustodyEvent],
    *,
    as_of: date,
    lookback_days: int = 30,
    horizon_days: int = 30,
) -> CapacityProjection:
    """Where the facilities (pooled) stand at the end of ``as_of`` and where the mean net
    intake of the last ``lookback_days`` takes them ``horizon_days`` ahead."""
    if not facilities:
        raise InvalidProjection("a projection needs at least one facility")
    if lookback_days < 1 or horizon_days < 0:
        raise InvalidProjection(
            "a projection looks back 1 day or more and ahead 0 days or more "
            f"(not {lookback_days} and {horizon_days})"
        )
    ids = {f.facility_id for f in facilities}
    mine = [e for e in events if e.facility_id in ids]
    first = as_of - timedelta(days=lookback_days - 1)
    recent = pooled_occupancy(mine, first, as_of)
    beds = sum(f.beds for f in facilities)
    held = recent[-1].occupancy
    rate = Fraction(sum(d.intakes - d.releases for d in recent), lookback_days)
    if held >= beds:
        full_on: date | None = as_of
    elif rate <= 0:
        full_on = None
    else:
        full_on = as_of + timedelta(days=math.ceil((beds - held) / rate))
    at_horizon = max(Fraction(0), held + rate * horizon_days)
    return CapacityProjection(
        facilities=tuple(sorted(ids)),
        as_of=as_of,
        beds=beds,
        occupancy=held,
        lookback_days=lookback_days,
        net_daily_intake=float(rate),
        full_on=full_on,
        horizon=as_of + timedelta(days=horizon_days),
        projected_at_horizon=float(at_horizon),
        beds_short_at_horizon=max(0, math.ceil(at_horizon - beds)),
    )
