"""States and counties with their FIPS codes, from the tables the ``addfips`` package ships.

addfips bundles the Census Bureau's state list (names, postal abbreviations, FIPS) and county
lists (vintages 2000, 2010, 2015, 2020; we read 2020) and matches county names loosely
("Doña Ana", "dona ana county", "St. Louis" / "Saint Louis"). It ships no places (cities), and
no maintained, pinned package on PyPI ships the Census place codes either, so a city is a
``Jurisdiction`` of kind CITY whose 7-digit FIPS (state + place) the caller supplies: see
``city``. Tables are read on first use and kept; nothing is read at import.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from importlib.resources import files

from addfips import AddFIPS  # type: ignore[import-untyped]

from liaison.jurisdictions.errors import InvalidJurisdiction, UnknownJurisdiction
from liaison.jurisdictions.model import Jurisdiction, JurisdictionKind

__all__ = [
    "COUNTY_VINTAGE",
    "city",
    "counties",
    "county_fips",
    "postal",
    "state_fips",
    "states",
]

COUNTY_VINTAGE = 2020
_STATES_FILE = "data/states.csv"
_COUNTIES_FILE = f"data/counties_{COUNTY_VINTAGE}.csv"
_CITY_FIPS = re.compile(r"\d{7}")


def _read(name: str) -> list[dict[str, str]]:
    text = files("addfips").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def _state_rows() -> tuple[tuple[str, str, str], ...]:
    """(fips, postal, name) once per state, first name wins: the file lists aliases too
    ("District of Columbia" then "D.C.")."""
    seen: dict[str, tuple[str, str, str]] = {}
    for row in _read(_STATES_FILE):
        seen.setdefault(row["fips"], (row["fips"], row["postal"], row["name"]))
    return tuple(sorted(seen.values()))


@functools.cache
def _counties() -> tuple[Jurisdiction, ...]:
    known_states = {fips for fips, _, _ in _state_rows()}
    seen: dict[str, Jurisdiction] = {}
    for row in _read(_COUNTIES_FILE):
        state, fips = row["statefp"], row["statefp"] + row["countyfp"]
        # Aliases share a code (11001 is "District of Columbia" and "Washington"): first wins.
        # Counties of a state the state list lacks (74, Minor Outlying Islands) are left out.
        if state in known_states and fips not in seen:
            seen[fips] = Jurisdiction(
                fips=fips, kind=JurisdictionKind.COUNTY, name=row["name"], state_fips=state
            )
    return tuple(sorted(seen.values(), key=lambda j: j.fips))


@functools.cache
def _matcher() -> AddFIPS:
    return AddFIPS(vintage=COUNTY_VINTAGE)


def states() -> list[Jurisdiction]:
    """The 50 states, the District of Columbia and the five inhabited territories, by FIPS."""
    return [
        Jurisdiction(fips=fips, kind=JurisdictionKind.STATE, name=name, state_fips=fips)
        for fips, _, name in _state_rows()
    ]


def state_fips(abbrev_or_name: str) -> str:
    """A state's 2-digit FIPS from its postal abbreviation, name (any case) or FIPS code."""
    fips = _matcher().get_state_fips(abbrev_or_name.strip())
    if fips is None:
        raise UnknownJurisdiction(f"no state is called {abbrev_or_name!r}")
    return str(fips)


def postal(state: str) -> str:
    """A state's postal abbreviation (``"TX"``) from its FIPS code, name or abbreviation."""
    fips = state_fips(state)
    return next(p for f, p, _ in _state_rows() if f == fips)


def counties(state: str | None = None) -> list[Jurisdiction]:
    """Every county (and county equivalent: parish, borough, independent city, ...), by FIPS;
    only those of ``state`` (FIPS, name or postal abbreviation) when given."""
    if state is None:
        return list(_counties())
    fips = state_fips(state)
    return [c for c in _counties() if c.state_fips == fips]


def county_fips(state: str, county_name: str) -> str | None:
    """A county's 5-digit FIPS by name, matched as addfips does (case, accents, a missing
    "County"/"Parish" suffix, "St."/"Saint"); None when no county matches."""
    try:
        fips = state_fips(state)
    except UnknownJurisdiction:
        return None
    found = _matcher().get_county_fips(county_name.strip(), fips)
    return None if found is None else str(found)


def city(fips: str, name: str) -> Jurisdiction:
    """A city (Census place) from its 7-digit FIPS (2-digit state + 5-digit place), which the
    caller supplies: no bundled table lists places. The state part must be a known state."""
    if not _CITY_FIPS.fullmatch(fips):
        raise InvalidJurisdiction(f"a city's FIPS is 7 digits (state + place), not {fips!r}")
    state = fips[:2]
    if all(state != f for f, _, _ in _state_rows()):
        raise UnknownJurisdiction(f"city FIPS {fips!r}: no state has FIPS {state!r}")
    if not name.strip():
        raise InvalidJurisdiction(f"city FIPS {fips!r}: a city needs a name")
    return Jurisdiction(fips=fips, kind=JurisdictionKind.CITY, name=name.strip(), state_fips=state)
