"""Jurisdictions, agencies, detainer policies over time, and 287(g) agreements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "Agency",
    "Agreement287g",
    "AgreementModel",
    "DetainerPolicy",
    "JailAnswer",
    "Jurisdiction",
    "JurisdictionKind",
    "PolicyKind",
]


class JurisdictionKind(StrEnum):
    STATE = "state"  # FIPS: 2 digits
    COUNTY = "county"  # FIPS: 5 digits (state + county)
    CITY = "city"  # FIPS: 7 digits (state + place)


class PolicyKind(StrEnum):
    """How a jurisdiction answers detainers."""

    HONOR_ALL = "honor_all"
    JUDICIAL_WARRANT_ONLY = "judicial_warrant_only"
    CRIMINAL_CRITERIA = "criminal_criteria"  # honors only for listed offense classes
    NOTIFY_ONLY = "notify_only"
    DECLINE_ALL = "decline_all"


class JailAnswer(StrEnum):
    """How a jail answers a served detainer; its policy says which answers it may give."""

    HONOR = "honor"
    NOTIFY_ONLY = "notify_only"
    DECLINE = "decline"


class AgreementModel(StrEnum):
    JAIL_ENFORCEMENT = "jail_enforcement"
    TASK_FORCE = "task_force"
    WARRANT_SERVICE_OFFICER = "warrant_service_officer"


@dataclass(frozen=True)
class Jurisdiction:
    fips: str
    kind: JurisdictionKind
    name: str
    state_fips: str


@dataclass(frozen=True)
class Agency:
    """A law-enforcement agency, by its ORI (9 characters, state abbreviation first)."""

    ori: str
    name: str
    jurisdiction_fips: str
    jail: bool = True


@dataclass(frozen=True)
class DetainerPolicy:
    """A policy enacted on a date; it stays in force until a later one for the same place.

    A policy on a state's FIPS is a state-law overlay: it binds every county and city in it,
    and where it is stricter than the local policy it wins.
    """

    jurisdiction_fips: str
    kind: PolicyKind
    enacted_on: date
    offense_classes: tuple[str, ...] = ()  # for criminal_criteria: classes that are honored
    citation: str = ""


@dataclass(frozen=True)
class Agreement287g:
    """One row of the published 287(g) list, as of one snapshot."""

    agency_name: str
    state: str  # USPS abbreviation
    model: AgreementModel
    signed_on: date | None
    snapshot: date
    county: str = ""
    agency_type: str = ""
    # Two snapshots can share a date ("2025-05-23 am" and "... pm"): the label keeps them apart.
    snapshot_label: str = ""  # as published, e.g. "2025-05-23 pm"; "" when not known
    county_fips: str | None = None  # resolved from state + county names; None when unmatched
    ori: str = ""  # "" where the list gives none
    agency_id: str = ""  # the list's own agency number
    zip_code: str = ""
    population_policed: int | None = None
    operating_budget: int | None = None  # dollars a year
