"""The places of the synthetic world: real counties (FIPS), their jails (ORI), detainer
policies drawn from the taxonomy, state-law overlays, 287(g) agreements and field offices.

The plan (``plan_world``) is a pure function of the seed, the world's size and the published
287(g) list; ``install_world`` stores it through the jurisdictions services. Three kinds of jail
make up the world:

1. **Named jails** (``NAMED``): large jurisdictions whose detainer policies were in the news,
   with the policy kind they are publicly reported to have followed and the year it began.
   The dates are rounded and the kinds simplified to Liaison's taxonomy: they make the demo
   plausible; they are not a legal record.
2. **287(g) jails**: sheriffs with a Jail Enforcement Model agreement on the latest snapshot of
   the published list (``../shared/data/287g``), with the list's own ORI; they honor detainers.
3. **Other counties**, drawn at random from the Census county list, with a policy drawn from
   ``POLICY_SHARES``: most honor; a minority decline, decline without a judicial warrant,
   honor only for listed offense classes, or only give notice of release.

``POLICY_SHARES`` is an assumption inspired by public counts: ICE's Declined Detainer Outcome
Reports (early 2017) listed on the order of 100-150 jurisdictions with policies limiting
cooperation, out of about 3,100 counties; TRAC counted 29,269 declined detainers across about
675 jurisdictions from January 2014 to May 2017. Booking volume per jail is a lognormal size
(or the list's ``population_policed``); the volume of the restrictive jails is then scaled once
so that the expected share of declined detainers is ``DECLINED_SHARE_TARGET`` (about 7% of
detainers were declined in early 2017), computed with the real policy evaluation
(``liaison.jurisdictions.policy.permitted_answers``) over the demo's charge mix.

``STATE_OVERLAYS`` are state laws that bind every county of the state (a policy on the state's
FIPS); where they and the county disagree the state wins (Texas SB 4 makes a declining county
honor; California's SB 54 stops a county from honoring on an administrative warrant).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import numpy as np

from liaison.accounts import services as accounts
from liaison.bootstrap import Container
from liaison.identity.priority import offense_class
from liaison.jurisdictions import fips as places
from liaison.jurisdictions import services as jurisdictions
from liaison.jurisdictions.agreements import read_agreements
from liaison.jurisdictions.model import AgreementModel, DetainerPolicy, JailAnswer, PolicyKind
from liaison.jurisdictions.policy import permitted_answers
from liaison.synth.names import pick

__all__ = [
    "CHARGES",
    "DECLINED_SHARE_TARGET",
    "FIELD_OFFICES",
    "NAMED",
    "POLICY_SHARES",
    "STATE_OVERLAYS",
    "USERS",
    "Jail",
    "WorldPlan",
    "answer_choice",
    "decline_probability",
    "expected_declined_share",
    "install_world",
    "jail_count",
    "plan_world",
]

DECLINED_SHARE_TARGET = 0.07
SERIOUS = ("homicide", "kidnapping", "sexual_assault", "robbery", "arson", "weapon_offenses")

POLICY_SHARES: dict[PolicyKind, float] = {
    PolicyKind.HONOR_ALL: 0.80,
    PolicyKind.CRIMINAL_CRITERIA: 0.07,
    PolicyKind.JUDICIAL_WARRANT_ONLY: 0.05,
    PolicyKind.NOTIFY_ONLY: 0.03,
    PolicyKind.DECLINE_ALL: 0.05,
}

# (county FIPS, ORI, agency, policy kind, enacted, relative booking volume, what it stands for)
NAMED: tuple[tuple[str, str, str, PolicyKind, date, float, str], ...] = (
    ("48201", "TX1010000", "Harris County Sheriff's Office", PolicyKind.HONOR_ALL,
     date(2008, 1, 1), 8.0, "honors detainers"),
    ("06075", "CA0380000", "San Francisco Sheriff's Department", PolicyKind.DECLINE_ALL,
     date(2016, 6, 1), 2.0, "sanctuary ordinance (S.F. Admin. Code ch. 12I)"),
    ("04013", "AZ0070000", "Maricopa County Sheriff's Office", PolicyKind.HONOR_ALL,
     date(2008, 1, 1), 7.0, "honors detainers"),
    ("17031", "IL0160000", "Cook County Sheriff's Office", PolicyKind.DECLINE_ALL,
     date(2011, 9, 7), 6.0, "county ordinance 11-O-73"),
    ("12086", "FL0130000", "Miami-Dade Corrections and Rehabilitation", PolicyKind.HONOR_ALL,
     date(2017, 1, 26), 5.0, "mayoral order to honor detainers"),
    ("36061", "NY0300000", "New York City Department of Correction",
     PolicyKind.CRIMINAL_CRITERIA, date(2014, 11, 14), 6.0, "local laws 58 and 59 of 2014"),
    ("48453", "TX2270000", "Travis County Sheriff's Office", PolicyKind.DECLINE_ALL,
     date(2017, 2, 1), 3.0, "sheriff's policy of 2017, overridden by Texas SB 4"),
    ("06037", "CA0190000", "Los Angeles County Sheriff's Department", PolicyKind.NOTIFY_ONLY,
     date(2014, 10, 1), 10.0, "notice of release only"),
    ("41051", "OR0260000", "Multnomah County Sheriff's Office", PolicyKind.DECLINE_ALL,
     date(2014, 4, 1), 2.0, "after Miranda-Olivares v. Clackamas County (2014)"),
    ("13121", "GA0610000", "Fulton County Sheriff's Office", PolicyKind.HONOR_ALL,
     date(2008, 1, 1), 4.0, "honors detainers"),
    ("53033", "WA0170000", "King County Department of Adult and Juvenile Detention",
     PolicyKind.JUDICIAL_WARRANT_ONLY, date(2014, 5, 1), 3.0, "county ordinance of 2014"),
    ("32003", "NV0020000", "Las Vegas Metropolitan Police Department", PolicyKind.HONOR_ALL,
     date(2008, 1, 1), 4.0, "honors detainers"),
)  # fmt: skip

# (state postal, policy kind, effective, law)
STATE_OVERLAYS: tuple[tuple[str, PolicyKind, date, str], ...] = (
    ("TX", PolicyKind.HONOR_ALL, date(2017, 9, 1), "Texas SB 4 (2017)"),
    ("CA", PolicyKind.JUDICIAL_WARRANT_ONLY, date(2018, 1, 1), "California Values Act, SB 54"),
    ("IL", PolicyKind.JUDICIAL_WARRANT_ONLY, date(2017, 8, 28), "Illinois TRUST Act"),
    ("WA", PolicyKind.JUDICIAL_WARRANT_ONLY, date(2019, 5, 21), "Keep Washington Working Act"),
    ("OR", PolicyKind.JUDICIAL_WARRANT_ONLY, date(2021, 7, 19), "Oregon Sanctuary Promise Act"),
    ("CO", PolicyKind.JUDICIAL_WARRANT_ONLY, date(2019, 5, 28), "Colorado HB19-1124"),
    ("NJ", PolicyKind.CRIMINAL_CRITERIA, date(2019, 3, 15), "New Jersey Immigrant Trust Directive"),
    ("FL", PolicyKind.HONOR_ALL, date(2019, 7, 1), "Florida SB 168 (2019)"),
    ("TN", PolicyKind.HONOR_ALL, date(2018, 5, 21), "Tennessee HB 2315 (2018)"),
    ("GA", PolicyKind.HONOR_ALL, date(2024, 5, 1), "Georgia HB 1105 (2024)"),
    ("NC", PolicyKind.HONOR_ALL, date(2024, 11, 20), "North Carolina HB 10 (2024)"),
)

# ICE ERO field offices by state (areas of responsibility, simplified to one office a state)
FIELD_OFFICES: dict[str, str] = {
    **dict.fromkeys(("GA", "NC", "SC"), "Atlanta"),
    "MD": "Baltimore",
    **dict.fromkeys(("MA", "CT", "ME", "NH", "RI", "VT"), "Boston"),
    **dict.fromkeys(("IL", "IN", "WI", "MO", "KY", "KS"), "Chicago"),
    **dict.fromkeys(("OK",), "Dallas"),
    **dict.fromkeys(("CO", "WY"), "Denver"),
    **dict.fromkeys(("MI", "OH"), "Detroit"),
    "NM": "El Paso",
    "TX": "Houston",
    "CA": "Los Angeles",
    **dict.fromkeys(("FL", "PR", "VI"), "Miami"),
    **dict.fromkeys(("LA", "MS", "AL", "AR", "TN"), "New Orleans"),
    "NY": "New York City",
    "NJ": "Newark",
    **dict.fromkeys(("PA", "DE", "WV"), "Philadelphia"),
    "AZ": "Phoenix",
    **dict.fromkeys(("UT", "ID", "MT", "NV"), "Salt Lake City"),
    **dict.fromkeys(("WA", "OR", "AK"), "Seattle"),
    **dict.fromkeys(("MN", "IA", "NE", "ND", "SD"), "St. Paul"),
    **dict.fromkeys(("DC", "VA"), "Washington"),
    **dict.fromkeys(("HI", "GU", "MP", "AS"), "San Francisco"),
}

_PURPOSE_WORLD = 21
_TERRITORIES = frozenset({"60", "66", "69", "72", "78"})


@dataclass(frozen=True)
class Jail:
    """A holding agency of the world, its county and the policy it follows."""

    ori: str
    name: str
    fips: str  # the county
    state: str  # postal
    policy: PolicyKind
    enacted_on: date
    offense_classes: tuple[str, ...]
    weight: float  # relative booking volume
    source: str  # "named", "287g" or "random"
    citation: str
    field_office: str

    def local_policy(self) -> DetainerPolicy:
        return DetainerPolicy(
            self.fips, self.policy, self.enacted_on, self.offense_classes, self.citation
        )


@dataclass(frozen=True)
class WorldPlan:
    seed: int
    jails: tuple[Jail, ...]
    overlays: tuple[DetainerPolicy, ...]
    restrictive_scale: float  # the factor applied to restrictive jails' booking volume
    agreements_file: Path | None
    notes: tuple[str, ...] = field(default=())

    def overlay_for(self, state: str) -> DetainerPolicy | None:
        fips = places.state_fips(state)
        return next((o for o in self.overlays if o.jurisdiction_fips == fips), None)


def jail_count(identities: int) -> int:
    """How many jails a world of ``identities`` has: one per 2,000, from 12 to 400."""
    return max(12, min(400, identities // 2000))


def _ori_for(state: str, county_fips: str) -> str:
    # A sheriff's ORI is usually the state's NCIC code, the county's NCIC number (the county's
    # rank in the state's alphabetical list, which the odd FIPS county codes follow) and 0000.
    prefix = "NB" if state == "NE" else state
    return f"{prefix}{(int(county_fips[2:]) + 1) // 2:03d}0000"


def _jem_sheriffs(path: Path | None) -> list[tuple[str, str, str, str, int]]:
    """(ORI, agency, county FIPS, state, population policed) of the latest snapshot's Jail
    Enforcement Model sheriffs that the list gives an ORI and a known county for."""
    if path is None or not path.exists():
        return []
    rows = read_agreements(path)
    latest = max((a.snapshot, a.snapshot_label) for a in rows)
    out: dict[str, tuple[str, str, str, str, int]] = {}
    for a in rows:
        if (
            a.snapshot,
            a.snapshot_label,
        ) != latest or a.model is not AgreementModel.JAIL_ENFORCEMENT:
            continue
        if not a.ori or not a.county_fips or "sheriff" not in a.agency_name.casefold():
            continue
        name = " ".join(w.capitalize() for w in a.agency_name.split())
        out[a.ori] = (a.ori, name, a.county_fips, a.state, a.population_policed or 50_000)
    return sorted(out.values())


# The charges bookings carry: (NCIC code, literal, felony, relative frequency). The mix is
# rounded from the FBI's arrest counts by offense (drug, DUI, larceny and simple assault
# arrests lead; homicide and rape are rare).
CHARGES: tuple[tuple[str, str, bool, float], ...] = (
    ("1313", "simple assault", False, 11.0),
    ("5403", "driving under the influence", False, 10.0),
    ("2399", "larceny", False, 9.0),
    ("3562", "marijuana possession", False, 7.0),
    ("3599", "dangerous drugs", True, 6.0),
    ("5499", "driving without a license", False, 8.0),
    ("5099", "failure to appear", False, 6.0),
    ("4801", "resisting an officer", False, 5.0),
    ("1315", "aggravated assault", True, 4.0),
    ("5311", "disorderly conduct", False, 4.0),
    ("3899", "family offense", False, 4.0),
    ("2999", "damage to property", False, 3.0),
    ("2299", "burglary", True, 3.0),
    ("2699", "fraud", False, 2.0),
    ("5212", "weapon offense", True, 2.0),
    ("2404", "vehicle theft", True, 1.5),
    ("1299", "robbery", True, 1.5),
    ("1199", "sexual assault", True, 0.4),
    ("0999", "homicide", True, 0.2),
)


def answer_choice(permitted: frozenset[JailAnswer], local: PolicyKind) -> dict[JailAnswer, float]:
    """How a jail answers among the answers its policies permit: it honors when it may; a
    notify-only jail notifies; otherwise it declines three times in four and notifies once."""
    if JailAnswer.HONOR in permitted:
        return {JailAnswer.HONOR: 1.0, JailAnswer.NOTIFY_ONLY: 0.0, JailAnswer.DECLINE: 0.0}
    if permitted == frozenset({JailAnswer.NOTIFY_ONLY}) or (
        local is PolicyKind.NOTIFY_ONLY and JailAnswer.NOTIFY_ONLY in permitted
    ):
        return {JailAnswer.HONOR: 0.0, JailAnswer.NOTIFY_ONLY: 1.0, JailAnswer.DECLINE: 0.0}
    if permitted == frozenset({JailAnswer.DECLINE}):
        return {JailAnswer.HONOR: 0.0, JailAnswer.NOTIFY_ONLY: 0.0, JailAnswer.DECLINE: 1.0}
    return {JailAnswer.HONOR: 0.0, JailAnswer.NOTIFY_ONLY: 0.25, JailAnswer.DECLINE: 0.75}


def decline_probability(jail: Jail, overlay: DetainerPolicy | None) -> float:
    """The chance that a detainer at ``jail`` is declined, over ``CHARGES`` (one charge)."""
    total = sum(w for *_, w in CHARGES)
    p = 0.0
    for code, _literal, _felony, weight in CHARGES:
        permitted = permitted_answers(
            local=jail.local_policy(),
            overlay=overlay,
            judicial_warrant=False,
            offense_classes={offense_class(code)},
        )
        p += weight / total * answer_choice(permitted, jail.policy)[JailAnswer.DECLINE]
    return p


def plan_world(*, seed: int, identities: int, agreements_file: Path | None) -> WorldPlan:
    """The jails, policies and overlays of a world of ``identities`` people (pure)."""
    rng = np.random.default_rng([seed, _PURPOSE_WORLD])
    wanted = jail_count(identities)
    jails: list[Jail] = []
    used: set[str] = set()
    oris: set[str] = set()

    def add(jail: Jail) -> None:
        jails.append(jail)
        used.add(jail.fips)
        oris.add(jail.ori)

    for fips, ori, name, kind, enacted, weight, citation in NAMED[: max(6, wanted // 4)]:
        state = places.postal(fips[:2])
        classes = SERIOUS if kind is PolicyKind.CRIMINAL_CRITERIA else ()
        add(Jail(ori, name, fips, state, kind, enacted, classes, weight, "named", citation,
                 FIELD_OFFICES.get(state, "Washington")))  # fmt: skip
    sheriffs = [s for s in _jem_sheriffs(agreements_file) if s[2] not in used]
    take = min(len(sheriffs), round(0.2 * wanted))
    for i in sorted(rng.choice(len(sheriffs), size=take, replace=False).tolist()) if take else []:
        ori, name, fips, state, population = sheriffs[i]
        if ori in oris or fips in used:
            continue
        add(Jail(ori, name, fips, state, PolicyKind.HONOR_ALL, date(2025, 1, 20), (),
                 max(0.3, population / 250_000), "287g", "287(g) Jail Enforcement Model agreement",
                 FIELD_OFFICES.get(state, "Washington")))  # fmt: skip
    counties = [
        c for c in places.counties() if c.state_fips not in _TERRITORIES and c.fips not in used
    ]
    kinds = tuple(POLICY_SHARES)
    shares = tuple(POLICY_SHARES.values())
    while len(jails) < wanted and counties:
        county = counties.pop(int(rng.integers(len(counties))))
        state = places.postal(county.state_fips)
        ori = _ori_for(state, county.fips)
        kind = kinds[pick(rng, shares)]
        size = float(rng.lognormal(0.0, 1.0))
        if ori in oris:
            continue
        classes = SERIOUS if kind is PolicyKind.CRIMINAL_CRITERIA else ()
        enacted = date(2014 + int(rng.integers(8)), 1 + int(rng.integers(12)), 1)
        add(Jail(ori, f"{county.name} Sheriff's Office", county.fips, state, kind, enacted,
                 classes, size, "random", f"county policy ({kind.value})",
                 FIELD_OFFICES.get(state, "Washington")))  # fmt: skip
    overlays = tuple(
        DetainerPolicy(
            places.state_fips(state),
            kind,
            on,
            SERIOUS if kind is PolicyKind.CRIMINAL_CRITERIA else (),
            law,
        )
        for state, kind, on, law in STATE_OVERLAYS
    )
    plan = WorldPlan(seed, tuple(jails), overlays, 1.0, agreements_file)
    return _calibrated(plan)


def _calibrated(plan: WorldPlan) -> WorldPlan:
    """Scale restrictive jails' volume so the expected declined share is the target."""
    declining = [(j, decline_probability(j, plan.overlay_for(j.state))) for j in plan.jails]
    d = sum(j.weight * p for j, p in declining if p > 0)
    r = sum(j.weight for j, p in declining if p > 0)
    h = sum(j.weight for j, p in declining if p == 0)
    target = DECLINED_SHARE_TARGET
    scale = 1.0
    if d > 0 and d - target * r > 0 and h > 0:
        scale = min(20.0, max(0.05, target * h / (d - target * r)))
    jails = tuple(replace(j, weight=j.weight * scale) if p > 0 else j for j, p in declining)
    return WorldPlan(plan.seed, jails, plan.overlays, scale, plan.agreements_file, plan.notes)


def expected_declined_share(plan: WorldPlan) -> float:
    """The share of detainers the plan's jails would decline, weighting jails by volume."""
    total = sum(j.weight for j in plan.jails)
    return (
        sum(j.weight * decline_probability(j, plan.overlay_for(j.state)) for j in plan.jails)
        / total
        if total
        else math.nan
    )


# -- storing it ------------------------------------------------------------------------------

# (username, roles, ORI or None); passwords are made per world and written for the demo's user
USERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("admin", ("admin",)),
    ("officer", ("enforcement_officer",)),
    ("manager", ("program_manager",)),
    ("auditor", ("auditor",)),
    ("analyst", ("screening_analyst",)),
)


def install_world(
    c: Container, plan: WorldPlan, *, at: datetime, passwords: Sequence[tuple[str, str]]
) -> dict[str, int]:
    """Store the reference places, the 287(g) list, the jails, their policies, the state
    overlays and the demo's users; how many of each were stored."""
    counts = {"jurisdictions": jurisdictions.load_reference(uow=c.uow(), at=at, actor="synth")}
    counts["agreements_287g"] = (
        jurisdictions.import_287g(uow=c.uow(), path=plan.agreements_file, actor="synth", at=at)
        if plan.agreements_file is not None and plan.agreements_file.exists()
        else 0
    )
    for jail in plan.jails:
        jurisdictions.register_agency(
            uow=c.uow(), ori=jail.ori, name=jail.name, jurisdiction_fips=jail.fips, actor="synth",
            at=at,
        )  # fmt: skip
        jurisdictions.enact_policy(uow=c.uow(), policy=jail.local_policy(), actor="synth", at=at)
    for overlay in plan.overlays:
        jurisdictions.enact_policy(uow=c.uow(), policy=overlay, actor="synth", at=at)
    counts["agencies"] = len(plan.jails)
    counts["state_overlays"] = len(plan.overlays)
    roles = dict(USERS)
    for username, password in passwords:
        accounts.add_user(
            uow=c.uow(), username=username, password=password, roles=roles.get(username, ()),
            ori=None, actor="synth", at=at,
        )  # fmt: skip
    counts["users"] = len(passwords)
    return counts
