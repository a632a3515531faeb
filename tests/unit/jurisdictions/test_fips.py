from __future__ import annotations

import csv
import io
from importlib.resources import files

import pytest

from liaison.jurisdictions.errors import InvalidJurisdiction, UnknownJurisdiction
from liaison.jurisdictions.fips import city, counties, county_fips, postal, state_fips, states
from liaison.jurisdictions.model import JurisdictionKind


def test_states_are_the_states_dc_and_territories_once_each() -> None:
    found = states()
    codes = [s.fips for s in found]
    assert len(codes) == len(set(codes)) == 56  # 50 states, DC, 5 territories
    assert codes == sorted(codes)
    assert all(s.kind is JurisdictionKind.STATE and s.state_fips == s.fips for s in found)
    by_code = {s.fips: s.name for s in found}
    assert by_code["48"] == "Texas"
    assert by_code["11"] == "District of Columbia"  # not its alias "D.C."
    assert by_code["72"] == "Puerto Rico"


def test_states_match_the_bundled_file() -> None:
    text = files("addfips").joinpath("data/states.csv").read_text(encoding="utf-8")
    in_file = {row["fips"] for row in csv.DictReader(io.StringIO(text))}
    assert {s.fips for s in states()} == in_file


def test_counties() -> None:
    every = counties()
    codes = [c.fips for c in every]
    assert len(codes) == len(set(codes))
    assert 3200 < len(codes) < 3300
    assert all(c.kind is JurisdictionKind.COUNTY and len(c.fips) == 5 for c in every)
    assert all(c.fips.startswith(c.state_fips) for c in every)
    texas = counties("TX")
    assert len(texas) == 254
    assert counties("Texas") == counties("48") == texas
    assert {c.name for c in counties("DE")} == {"Kent County", "New Castle County", "Sussex County"}
    harris = next(c for c in texas if c.fips == "48201")
    assert harris.name == "Harris County"


def test_county_equivalents_are_counties() -> None:
    names = {c.fips: c.name for c in counties()}
    assert names["22071"] == "Orleans Parish"
    assert names["51760"] == "Richmond city"
    assert names["11001"] == "District of Columbia"  # not its alias "Washington"


@pytest.mark.parametrize(
    ("state", "county", "expected"),
    [
        ("TX", "Harris County", "48201"),
        ("TX", "harris", "48201"),
        ("Texas", "HARRIS COUNTY", "48201"),
        ("48", "Harris", "48201"),
        ("NM", "Dona Ana County", "35013"),
        ("NM", "Doña Ana", "35013"),
        ("MO", "St. Louis County", "29189"),
        ("MO", "Saint Louis County", "29189"),
        ("LA", "Orleans", "22071"),
        ("GA", "Decatur", "13087"),
        ("TX", "Nowhere County", None),
        ("ZZ", "Harris", None),
    ],
)
def test_county_fips_matches_as_addfips_does(state: str, county: str, expected: str | None) -> None:
    assert county_fips(state, county) == expected


def test_state_fips_and_postal() -> None:
    assert state_fips("TX") == state_fips("tx") == state_fips("Texas") == "48"
    assert state_fips("TEXAS") == "48"
    assert state_fips("District of Columbia") == state_fips("DC") == "11"
    assert postal("48") == postal("Texas") == "TX"
    assert postal("NEBRASKA") == "NE"
    with pytest.raises(UnknownJurisdiction, match="Atlantis"):
        state_fips("Atlantis")


def test_cities_take_a_caller_given_seven_digit_fips() -> None:
    houston = city("4835000", "Houston")
    assert (houston.kind, houston.state_fips, houston.name) == (
        JurisdictionKind.CITY,
        "48",
        "Houston",
    )
    with pytest.raises(InvalidJurisdiction, match="7 digits"):
        city("48350", "Houston")
    with pytest.raises(UnknownJurisdiction, match="no state"):
        city("9935000", "Nowhere")
    with pytest.raises(InvalidJurisdiction, match="name"):
        city("4835000", "  ")
