"""Time: aware instants only, and the time zone each state keeps its calendar days in.

Instants are compared in UTC. A naive ``datetime`` names no instant, so it is refused
(``NaiveDatetime``), never guessed. An aware one is converted to UTC on the way in: Python
adds a ``timedelta`` to a ``ZoneInfo`` time on the wall clock and compares two times of one
``ZoneInfo`` on the wall clock too, so keeping zone-local times would make both wrong across a
DST change.

A state's calendar day is the day in the zone of ``STATE_ZONES``. Fourteen states span two
zones (Alaska, Florida, Idaho, Indiana, Kansas, Kentucky, Michigan, Nebraska, Nevada, North
Dakota, Oregon, South Dakota, Tennessee, Texas); each is represented by the zone most of its
people live in, and the table's comments name the part that keeps other time. That part sees
its days start an hour off: a state is one row because declarations name states, not counties.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from liaison.jurisdictions.errors import UnknownJurisdiction
from liaison.jurisdictions.fips import postal
from liaison.operations.errors import NaiveDatetime

__all__ = ["STATE_ZONES", "as_utc", "day_bounds", "local_date", "state_zone"]

# Postal abbreviation -> IANA zone, for the 50 states, DC and the 5 inhabited territories.
STATE_ZONES: dict[str, str] = {
    "AL": "America/Chicago",
    "AK": "America/Anchorage",  # the Aleutians west of 169.5 W keep Hawaii-Aleutian time
    "AZ": "America/Phoenix",  # no DST; the Navajo Nation keeps DST (Mountain)
    "AR": "America/Chicago",
    "CA": "America/Los_Angeles",
    "CO": "America/Denver",
    "CT": "America/New_York",
    "DE": "America/New_York",
    "DC": "America/New_York",
    "FL": "America/New_York",  # the western Panhandle keeps Central time
    "GA": "America/New_York",
    "HI": "Pacific/Honolulu",
    "ID": "America/Boise",  # Mountain; the northern Panhandle keeps Pacific time
    "IL": "America/Chicago",
    "IN": "America/Indiana/Indianapolis",  # Eastern; NW and SW corners keep Central time
    "IA": "America/Chicago",
    "KS": "America/Chicago",  # four western counties keep Mountain time
    "KY": "America/New_York",  # Louisville and Lexington; the western half keeps Central
    "LA": "America/Chicago",
    "ME": "America/New_York",
    "MD": "America/New_York",
    "MA": "America/New_York",
    "MI": "America/Detroit",  # four Upper Peninsula counties keep Central time
    "MN": "America/Chicago",
    "MS": "America/Chicago",
    "MO": "America/Chicago",
    "MT": "America/Denver",
    "NE": "America/Chicago",  # the western Panhandle keeps Mountain time
    "NV": "America/Los_Angeles",  # West Wendover keeps Mountain time
    "NH": "America/New_York",
    "NJ": "America/New_York",
    "NM": "America/Denver",
    "NY": "America/New_York",
    "NC": "America/New_York",
    "ND": "America/Chicago",  # the south-west keeps Mountain time
    "OH": "America/New_York",
    "OK": "America/Chicago",
    "OR": "America/Los_Angeles",  # most of Malheur County keeps Mountain time
    "PA": "America/New_York",
    "RI": "America/New_York",
    "SC": "America/New_York",
    "SD": "America/Chicago",  # the western half keeps Mountain time
    "TN": "America/Chicago",  # Nashville and Memphis; East Tennessee keeps Eastern time
    "TX": "America/Chicago",  # El Paso and Hudspeth counties keep Mountain time
    "UT": "America/Denver",
    "VT": "America/New_York",
    "VA": "America/New_York",
    "WA": "America/Los_Angeles",
    "WV": "America/New_York",
    "WI": "America/Chicago",
    "WY": "America/Denver",
    "AS": "Pacific/Pago_Pago",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
}


def as_utc(value: datetime, field: str) -> datetime:
    """``value`` as the same instant in UTC; ``NaiveDatetime`` (naming ``field``) when it
    has no time zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(field)
    return value.astimezone(UTC)


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def state_zone(state: str) -> ZoneInfo:
    """The zone a state's calendar days are kept in (its FIPS code, name or abbreviation)."""
    abbreviation = postal(state)
    if abbreviation not in STATE_ZONES:
        raise UnknownJurisdiction(f"no time zone is recorded for the state {abbreviation}")
    return _zone(STATE_ZONES[abbreviation])


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants (UTC) of ``day``'s local midnight and the next one: a day of 23 or 25
    hours where the clocks change."""
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar day on which ``instant`` falls in ``zone``."""
    return as_utc(instant, "instant").astimezone(zone).date()
