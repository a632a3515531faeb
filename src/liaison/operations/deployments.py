"""Personnel deployments: checks, overlaps of one unit, headcount in place.

- A window ``start``..``end`` includes both days, so two windows that share a boundary day
  overlap (the unit cannot be in two places that day); ending on the 10th and starting on
  the 11th does not.
- The same unit is the same source agency and unit name, compared without regard to case or
  spacing ("CBP" / "BORTAC" and "cbp" / "Bortac" are one unit).
- Headcount is recorded per destination, so headcount in place on a day is, for each place,
  the sum of the headcounts sent there by deployments whose window includes the day. A
  county's figure does not take in its cities': no table maps a city to its county.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from itertools import combinations

from liaison.jurisdictions.errors import UnknownJurisdiction
from liaison.jurisdictions.model import Jurisdiction, JurisdictionKind
from liaison.operations.errors import InvalidDeployment, OverlappingDeployment
from liaison.operations.model import Deployment, DeploymentOverlap, Destination

__all__ = [
    "check_no_overlap",
    "check_places",
    "deployment",
    "headcount_on",
    "in_place_on",
    "overlaps",
    "shared_days",
    "unit_key",
]


def _text(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidDeployment(f"a deployment needs {what}")
    return " ".join(value.split())


def deployment(
    *,
    deployment_id: str,
    agency: str,
    unit: str,
    destinations: Mapping[str, int],
    start: date,
    end: date,
    mission: str = "",
) -> Deployment:
    """A deployment, checked: an id, agency and unit, a window whose end is not before its
    start, and at least one destination (FIPS code -> headcount, each 1 or more)."""
    if end < start:
        raise InvalidDeployment(
            f"the window ends {end.isoformat()}, before it starts {start.isoformat()}"
        )
    if not destinations:
        raise InvalidDeployment("a deployment needs at least one destination")
    places: list[Destination] = []
    for fips, headcount in sorted(destinations.items()):
        # bool is an int: True people is no headcount
        if isinstance(headcount, bool) or not isinstance(headcount, int) or headcount <= 0:
            raise InvalidDeployment(
                f"the headcount sent to {fips} must be a whole number of 1 or more, "
                f"not {headcount!r}"
            )
        places.append(Destination(jurisdiction_fips=fips.strip(), headcount=headcount))
    twice = [f for f, n in Counter(p.jurisdiction_fips for p in places).items() if n > 1]
    if twice:
        raise InvalidDeployment(f"destination {twice[0]} is listed twice")
    return Deployment(
        deployment_id=_text(deployment_id, "an id"),
        agency=_text(agency, "its source agency"),
        unit=_text(unit, "the unit sent"),
        destinations=tuple(places),
        start=start,
        end=end,
        mission=mission.strip(),
    )


def check_places(deployment: Deployment, place: Callable[[str], Jurisdiction | None]) -> None:
    """Every destination is a stored county or city (``place`` looks a FIPS code up):
    ``UnknownJurisdiction`` for a code nothing has, ``InvalidDeployment`` for a state."""
    for destination in deployment.destinations:
        found = place(destination.jurisdiction_fips)
        if found is None:
            raise UnknownJurisdiction(
                f"deployment {deployment.deployment_id!r}: no jurisdiction has FIPS "
                f"{destination.jurisdiction_fips!r}"
            )
        if found.kind not in (JurisdictionKind.COUNTY, JurisdictionKind.CITY):
            raise InvalidDeployment(
                f"deployment {deployment.deployment_id!r}: a destination is a county or city, "
                f"not the {found.kind.value} {found.name} ({found.fips})"
            )


def unit_key(deployment: Deployment) -> tuple[str, str]:
    """What makes two deployments the same unit's: agency and unit, case and spacing aside."""
    return (
        " ".join(deployment.agency.casefold().split()),
        " ".join(deployment.unit.casefold().split()),
    )


def shared_days(a: Deployment, b: Deployment) -> tuple[date, date] | None:
    """The first and last day both windows include; None when they share none."""
    first, last = max(a.start, b.start), min(a.end, b.end)
    return (first, last) if first <= last else None


def check_no_overlap(new: Deployment, existing: Iterable[Deployment]) -> None:
    """``OverlappingDeployment`` when another deployment of ``new``'s unit shares a day
    with it (the earliest-starting such one is named)."""
    same_unit = sorted(
        (
            d
            for d in existing
            if unit_key(d) == unit_key(new) and d.deployment_id != new.deployment_id
        ),
        key=lambda d: (d.start, d.deployment_id),
    )
    for other in same_unit:
        days = shared_days(new, other)
        if days is not None:
            raise OverlappingDeployment(
                deployment_id=new.deployment_id,
                unit=f"{new.agency} {new.unit}",
                other_id=other.deployment_id,
                first=days[0],
                last=days[1],
            )


def overlaps(deployments: Iterable[Deployment]) -> list[DeploymentOverlap]:
    """Every pair of deployments of one unit that share days, the earlier-starting first,
    ordered by the first shared day."""
    by_unit: defaultdict[tuple[str, str], list[Deployment]] = defaultdict(list)
    for d in deployments:
        by_unit[unit_key(d)].append(d)
    found: list[DeploymentOverlap] = []
    for group in by_unit.values():
        ordered = sorted(group, key=lambda d: (d.start, d.end, d.deployment_id))
        for a, b in combinations(ordered, 2):
            days = shared_days(a, b)
            if days is not None:
                found.append(DeploymentOverlap(first=a, second=b, start=days[0], end=days[1]))
    return sorted(found, key=lambda o: (o.start, o.first.deployment_id, o.second.deployment_id))


def in_place_on(deployments: Iterable[Deployment], day: date) -> list[Deployment]:
    """The deployments whose window includes ``day``, in the order given."""
    return [d for d in deployments if d.start <= day <= d.end]


def headcount_on(deployments: Iterable[Deployment], day: date) -> dict[str, int]:
    """Personnel in place on ``day``, by destination FIPS code (places with none left out)."""
    totals: Counter[str] = Counter()
    for d in in_place_on(deployments, day):
        for destination in d.destinations:
            totals[destination.jurisdiction_fips] += destination.headcount
    return dict(sorted(totals.items()))
