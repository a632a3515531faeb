"""Use cases of jurisdictions: reference places, agencies, detainer policies, 287(g) lists."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path

from liaison.audit.services import record
from liaison.jurisdictions import fips as places
from liaison.jurisdictions.agreements import read_agreements
from liaison.jurisdictions.errors import (
    DuplicateAgency,
    InvalidAgency,
    InvalidJurisdiction,
    InvalidOri,
    InvalidPolicy,
    UnknownAgency,
    UnknownJurisdiction,
)
from liaison.jurisdictions.model import (
    Agency,
    Agreement287g,
    DetainerPolicy,
    Jurisdiction,
    PolicyKind,
)
from liaison.jurisdictions.ports import JurisdictionsUnitOfWork

__all__ = [
    "ORI_PREFIX_ALIASES",
    "add_city",
    "agency",
    "enact_policy",
    "import_287g",
    "list_agencies",
    "list_policies",
    "load_reference",
    "register_agency",
]

PURPOSE = "program management"
ORI = re.compile(r"[A-Z]{2}[A-Z0-9]{7}")

# NCIC state codes that differ from the postal abbreviation an ORI would otherwise start with:
# Nebraska's ORIs start "NB" (so does every Nebraska ORI on the published 287(g) list).
ORI_PREFIX_ALIASES: dict[str, frozenset[str]] = {"NE": frozenset({"NB"})}


def load_reference(*, uow: JurisdictionsUnitOfWork, at: datetime, actor: str) -> int:
    """Store every state and county (addfips' tables) that is not stored yet; how many were
    added. Running it again adds nothing."""
    with uow:
        added: Counter[str] = Counter()
        for place in [*places.states(), *places.counties()]:
            if uow.jurisdictions.get_jurisdiction(place.fips) is None:
                uow.jurisdictions.add_jurisdiction(place)
                added[place.kind.value] += 1
        if added:
            record(
                uow=uow,
                actor=actor,
                action="jurisdiction.load_reference",
                subject="jurisdictions",
                purpose=PURPOSE,
                detail={"added": dict(added), "county_vintage": places.COUNTY_VINTAGE},
                at=at,
            )
        uow.commit()
    return sum(added.values())


def add_city(
    *, uow: JurisdictionsUnitOfWork, fips: str, name: str, actor: str, at: datetime
) -> Jurisdiction:
    """Store a city (Census place) under the 7-digit FIPS the caller gives: no bundled table
    lists places. Its state must be stored; adding the same city again changes nothing."""
    city = places.city(fips, name)
    with uow:
        if uow.jurisdictions.get_jurisdiction(city.state_fips) is None:
            raise UnknownJurisdiction(
                f"city {fips}: state {city.state_fips} is not stored (load the reference first)"
            )
        existing = uow.jurisdictions.get_jurisdiction(fips)
        if existing is not None:
            if existing != city:
                raise InvalidJurisdiction(
                    f"FIPS {fips} is already {existing.kind.value} {existing.name!r}"
                )
            return existing
        uow.jurisdictions.add_jurisdiction(city)
        record(
            uow=uow,
            actor=actor,
            action="jurisdiction.add_city",
            subject=f"jurisdiction:{fips}",
            purpose=PURPOSE,
            detail={"name": city.name},
            at=at,
        )
        uow.commit()
    return city


def _check_ori(ori: str, place: Jurisdiction) -> None:
    if not ORI.fullmatch(ori):
        raise InvalidOri(
            f"{ori!r} is not an ORI: 9 upper-case letters and digits, the state's 2-letter "
            "code first"
        )
    state = places.postal(place.state_fips)
    allowed = {state} | ORI_PREFIX_ALIASES.get(state, frozenset())
    if ori[:2] not in allowed:
        raise InvalidOri(
            f"ORI {ori} starts {ori[:2]!r}, but {place.name} ({place.fips}) is in "
            f"{state}: the ORI must start {' or '.join(sorted(allowed))}"
        )


def register_agency(
    *,
    uow: JurisdictionsUnitOfWork,
    ori: str,
    name: str,
    jurisdiction_fips: str,
    actor: str,
    at: datetime,
    jail: bool = True,
) -> Agency:
    """Register an agency under its ORI in a stored jurisdiction. Registering the same
    agency again changes nothing; another agency under a taken ORI is refused."""
    if not name.strip():
        raise InvalidAgency("an agency needs a name")
    new = Agency(ori=ori, name=name.strip(), jurisdiction_fips=jurisdiction_fips, jail=jail)
    with uow:
        place = uow.jurisdictions.get_jurisdiction(jurisdiction_fips)
        if place is None:
            raise UnknownJurisdiction(f"no jurisdiction has FIPS {jurisdiction_fips!r}")
        _check_ori(ori, place)
        existing = uow.jurisdictions.get_agency(ori)
        if existing is not None:
            if existing == new:
                return existing
            raise DuplicateAgency(f"ORI {ori} is already registered to {existing.name!r}")
        uow.jurisdictions.add_agency(new)
        record(
            uow=uow,
            actor=actor,
            action="agency.register",
            subject=f"agency:{ori}",
            purpose=PURPOSE,
            detail={"name": new.name, "jurisdiction_fips": jurisdiction_fips, "jail": jail},
            at=at,
        )
        uow.commit()
    return new


def enact_policy(
    *, uow: JurisdictionsUnitOfWork, policy: DetainerPolicy, actor: str, at: datetime
) -> DetainerPolicy:
    """Record a detainer policy with its enactment date for a stored jurisdiction (a state's
    FIPS makes it a state-law overlay). ``criminal_criteria`` needs the offense classes it
    honors; other kinds take none."""
    classes = tuple(c.strip() for c in policy.offense_classes)
    if policy.kind is PolicyKind.CRIMINAL_CRITERIA:
        if not classes or not all(classes):
            raise InvalidPolicy(
                "a criminal_criteria policy must list the offense classes it honors "
                "(none may be blank)"
            )
    elif classes:
        raise InvalidPolicy(
            f"offense classes apply only to criminal_criteria policies, not {policy.kind.value}"
        )
    with uow:
        place = uow.jurisdictions.get_jurisdiction(policy.jurisdiction_fips)
        if place is None:
            raise UnknownJurisdiction(f"no jurisdiction has FIPS {policy.jurisdiction_fips!r}")
        uow.jurisdictions.add_policy(policy)
        record(
            uow=uow,
            actor=actor,
            action="policy.enact",
            subject=f"jurisdiction:{policy.jurisdiction_fips}",
            purpose=PURPOSE,
            detail={
                "kind": policy.kind.value,
                "enacted_on": policy.enacted_on.isoformat(),
                "offense_classes": list(policy.offense_classes),
                "citation": policy.citation,
            },
            at=at,
        )
        uow.commit()
    return policy


def _snapshot_of(agreement: Agreement287g) -> str:
    return agreement.snapshot_label or agreement.snapshot.isoformat()


def import_287g(*, uow: JurisdictionsUnitOfWork, path: Path, actor: str, at: datetime) -> int:
    """Import every snapshot of the published 287(g) list that is not stored yet; how many
    agreements were added. The whole file is read (and so checked) before anything is stored.

    Snapshots are told apart by their published label ("2025-05-23 am" and "... pm" share a
    date), so the store must keep ``Agreement287g.snapshot_label``.
    """
    agreements = read_agreements(path)
    with uow:
        stored = {_snapshot_of(a) for a in uow.jurisdictions.agreements()}
        new = [a for a in agreements if _snapshot_of(a) not in stored]
        fresh = list(dict.fromkeys(_snapshot_of(a) for a in new))  # file order, once each
        if new:
            uow.jurisdictions.add_agreements(new)
            record(
                uow=uow,
                actor=actor,
                action="agreements287g.import",
                subject=f"file:{path.name}",
                purpose=PURPOSE,
                detail={"snapshots": fresh, "agreements": len(new)},
                at=at,
            )
            uow.commit()
    return len(new)


def list_agencies(*, uow: JurisdictionsUnitOfWork) -> list[Agency]:
    """Every registered agency, by ORI."""
    with uow:
        return list(uow.jurisdictions.agencies())


def list_policies(
    *, uow: JurisdictionsUnitOfWork, jurisdiction_fips: str | None = None
) -> list[DetainerPolicy]:
    """Every detainer policy ever enacted (for one jurisdiction, when given), by
    jurisdiction, then in enactment order: the ones no longer in force too."""
    with uow:
        if jurisdiction_fips is None:
            return list(uow.jurisdictions.all_policies())
        return list(uow.jurisdictions.policies_for([jurisdiction_fips]))


def agency(*, uow: JurisdictionsUnitOfWork, ori: str) -> Agency:
    """The agency with ``ori``; ``UnknownAgency`` when none is registered."""
    with uow:
        found = uow.jurisdictions.get_agency(ori)
    if found is None:
        raise UnknownAgency(f"no agency has ORI {ori!r}")
    return found
