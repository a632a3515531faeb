"""The demo's operations: a mass-influx declaration, deployments to three named cities, arrest
and detainer targets over their counties, and detention facilities filled by the month's
transfers. Everything goes through ``liaison.operations.services``; every figure the report
shows comes back out of them (progress from the bookings and detainers of the month).

What is planned (a pure function of the world, the month and the seed):

* **Declaration.** A mass-influx finding issued three days before the month at 15:00 in
  Washington, effective at once, citing the Attorney General's authority to ask states for
  help (INA 103(a)(10), 28 CFR 65.83); all 50 states in scope and asked the next morning.
  The answers are an assumption drawn from each state's public stance: a state with a
  287(g) agreement on the latest snapshot of the published list accepts, a state whose law
  limits cooperation (``world.STATE_OVERLAYS`` with a limiting policy) declines, the others
  do not answer; answer days are drawn from the seed.
* **Deployments** to Los Angeles, Chicago and Portland (the cities of 2025's deployments),
  each a Census place stored as a city: a Border Patrol tactical unit (BORTAC) to Los
  Angeles, then to Chicago; National Guard units; ATF, DEA and U.S. Marshals officers to a
  Chicago task force. A second BORTAC assignment that overlaps its first is attempted and
  refused, as the validation requires; the report shows the refusal.
* **Targets.** +35% arrests, and +35% detainers lodged, in the three cities' counties over
  the second half of the month against the first half (the baseline).
* **Facilities.** One processing center per state that has a jail in this world, in the
  county of its largest jail. Beds are an assumption, sized to the state's share of the
  world's booking volume (``BEDS_PER_VOLUME``) so that the busiest run short within the
  projection's horizon, as detention capacity did in 2025. Intakes are the month's
  detainers transferred into custody (``operations.services.record_transfers``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from liaison.bootstrap import Container
from liaison.jurisdictions import fips as places
from liaison.jurisdictions import services as jurisdictions
from liaison.jurisdictions.model import PolicyKind
from liaison.operations import services as operations
from liaison.operations.errors import OverlappingDeployment
from liaison.operations.model import AssistanceAnswer, DeclarationKind, Metric, TargetProgress
from liaison.synth.world import STATE_OVERLAYS, WorldPlan

__all__ = [
    "BEDS_PER_VOLUME",
    "CITIES",
    "DECLARATION_ID",
    "GOAL_PERCENT",
    "TARGETS",
    "OperationsPlan",
    "install_operations",
    "operations_figures",
    "plan_operations",
]

DECLARATION_ID = "MI-DEMO-1"
GOAL_PERCENT = 35.0
# beds per unit of a state's relative booking volume (``Jail.weight``): an assumption
BEDS_PER_VOLUME = 1.5
HORIZON_DAYS = 60
TARGETS = (
    ("T-ARRESTS", Metric.ARRESTS),
    ("T-LODGED", Metric.DETAINERS_LODGED),
)  # how far the capacity projection looks ahead
ACTOR = "demo.manager"
_WASHINGTON = ZoneInfo("America/New_York")
_LIMITING = {PolicyKind.JUDICIAL_WARRANT_ONLY, PolicyKind.CRIMINAL_CRITERIA, PolicyKind.DECLINE_ALL}

# (place FIPS, Census place name, county FIPS)
CITIES: tuple[tuple[str, str, str], ...] = (
    ("0644000", "Los Angeles city", "06037"),
    ("1714000", "Chicago city", "17031"),
    ("4159000", "Portland city", "41051"),
)


@dataclass(frozen=True)
class PlannedDeployment:
    deployment_id: str
    agency: str
    unit: str
    city: str  # place FIPS
    headcount: int
    first_day: int  # days from the month's start
    last_day: int
    mission: str


@dataclass(frozen=True)
class OperationsPlan:
    start: date
    days: int
    states: tuple[str, ...]  # 2-digit FIPS of the 50 states
    answers: tuple[tuple[str, AssistanceAnswer, int], ...]  # (state, answer, day of the month)
    cities: tuple[tuple[str, str, str], ...]
    deployments: tuple[PlannedDeployment, ...]
    refused: PlannedDeployment  # overlaps a planned one of the same unit
    facilities: tuple[tuple[str, str, str, int], ...]  # (id, name, county FIPS, beds)

    @property
    def counties(self) -> tuple[str, ...]:
        return tuple(sorted(county for _, _, county in self.cities))

    @property
    def targets(self) -> tuple[tuple[str, Metric], ...]:
        """(id, metric): the second half of the month against the first (none in a month of
        one day: no baseline)."""
        return TARGETS if self.days >= 2 else ()

    def day(self, n: int) -> date:
        return self.start + timedelta(days=n)


def _deployments(cities: set[str], days: int) -> tuple[list[PlannedDeployment], PlannedDeployment]:
    half, last = days // 2, days - 1
    third = max(1, days // 3)
    la, chicago, portland = "0644000", "1714000", "4159000"
    wanted = [
        PlannedDeployment("DEP-1", "CBP", "BORTAC", la, 120, third, half - 1,
                          "protect federal personnel and property during enforcement operations"),
        PlannedDeployment("DEP-2", "National Guard", "California National Guard, 79th IBCT", la,
                          300, third - 2, last, "protect federal functions"),
        PlannedDeployment("DEP-3", "CBP", "BORTAC", chicago, 100, half, last,
                          "Operation Midway Blitz: tactical support"),
        PlannedDeployment("DEP-4", "National Guard", "Texas Army National Guard", chicago, 200,
                          half, last, "protect federal functions"),
        PlannedDeployment("DEP-5", "ATF", "Chicago Field Division", chicago, 30, half, last,
                          "task force: firearms cases of the operation"),
        PlannedDeployment("DEP-6", "DEA", "Chicago Division", chicago, 25, half, last,
                          "task force: narcotics cases of the operation"),
        PlannedDeployment("DEP-7", "USMS", "Northern District of Illinois", chicago, 20, half,
                          last, "task force: fugitive apprehension"),
        PlannedDeployment("DEP-8", "National Guard", "Oregon National Guard", portland, 200,
                          half + 2, last, "protect federal functions"),
    ]  # fmt: skip
    # the same unit, asked for again while it is in Los Angeles and Chicago: refused
    elsewhere = portland if portland in cities else min(cities, default=portland)
    refused = PlannedDeployment(
        "DEP-9", "CBP", "BORTAC", elsewhere, 60, half - 3, half + 3, "tactical support"
    )

    def within(d: PlannedDeployment) -> PlannedDeployment:
        # a short month squeezes the windows into its days
        first, end = min(max(d.first_day, 0), last), min(max(d.last_day, 0), last)
        return replace(d, first_day=first, last_day=end)

    kept = [within(d) for d in wanted if d.city in cities and d.first_day <= d.last_day]
    return kept, within(refused)


def plan_operations(world: WorldPlan, *, start: date, days: int, seed: int) -> OperationsPlan:
    """What the demo records, from the world's jails, the 287(g) list and the seed."""
    rng = np.random.default_rng([seed, 7])
    states = tuple(s.fips for s in places.states() if s.fips not in _NOT_STATES)
    with_287g = _states_with_287g(world)
    limiting = {
        places.state_fips(state) for state, kind, _, _ in STATE_OVERLAYS if kind in _LIMITING
    }
    answers: list[tuple[str, AssistanceAnswer, int]] = []
    for state in states:
        day = int(rng.integers(0, max(1, days - 5)))
        if state in limiting:
            answers.append((state, AssistanceAnswer.DECLINED, day))
        elif state in with_287g:
            answers.append((state, AssistanceAnswer.ACCEPTED, day))
    jail_counties = {j.fips for j in world.jails}
    cities = tuple(c for c in CITIES if c[2] in jail_counties)
    deployments, refused = _deployments({c[0] for c in cities}, days)
    volume: dict[str, float] = defaultdict(float)
    biggest: dict[str, tuple[float, str]] = {}
    for jail in world.jails:
        volume[jail.state] += jail.weight
        biggest[jail.state] = max(biggest.get(jail.state, (0.0, "")), (jail.weight, jail.fips))
    offices = {j.state: j.field_office for j in world.jails}
    facilities = tuple(
        (
            f"FAC-{state}",
            f"{offices[state]} field office processing center ({state})",
            biggest[state][1],
            max(2, math.ceil(BEDS_PER_VOLUME * volume[state])),
        )
        for state in sorted(volume)
    )
    return OperationsPlan(
        start=start,
        days=days,
        states=states,
        answers=tuple(answers),
        cities=cities,
        deployments=tuple(deployments),
        refused=refused,
        facilities=facilities,
    )


# DC and the territories are not among "the 50 states"
_NOT_STATES = frozenset({"11", "60", "66", "69", "72", "78"})


def _states_with_287g(world: WorldPlan) -> set[str]:
    if world.agreements_file is None or not world.agreements_file.exists():
        return set()
    from liaison.jurisdictions.agreements import read_agreements

    rows = read_agreements(world.agreements_file)
    latest = max(a.snapshot for a in rows)
    return {places.state_fips(a.state) for a in rows if a.snapshot == latest}


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=_WASHINGTON)


def install_operations(c: Container, plan: OperationsPlan, *, at: datetime) -> dict[str, Any]:
    """Record the plan through the services (``at``: the eve of the month); what was refused."""
    issued = _at(plan.day(-3), 15)
    operations.declare(
        uow=c.uow(), declaration_id=DECLARATION_ID, kind=DeclarationKind.MASS_INFLUX,
        authority="INA 103(a)(10), 8 U.S.C. 1103(a)(10); 28 CFR 65.83",
        issued_at=issued, effective_at=issued, states=plan.states, actor=ACTOR, at=at,
        title="Mass influx of aliens: request for assistance of the states",
    )  # fmt: skip
    operations.request_assistance(
        uow=c.uow(), declaration_id=DECLARATION_ID, requested_at=_at(plan.day(-2), 9),
        request="state and local officers to perform immigration functions (28 CFR 65.84)",
        actor=ACTOR, at=at,
    )  # fmt: skip
    for state, answer, day in plan.answers:
        operations.record_answer(
            uow=c.uow(), declaration_id=DECLARATION_ID, state=state, answer=answer,
            answered_on=plan.day(day), actor=ACTOR, at=at,
        )  # fmt: skip
    for fips, name, _ in plan.cities:
        jurisdictions.add_city(uow=c.uow(), fips=fips, name=name, actor=ACTOR, at=at)
    for d in plan.deployments:
        _deploy(c, plan, d, at=at)
    refused: list[str] = []
    if any(d.unit == plan.refused.unit for d in plan.deployments):
        try:
            _deploy(c, plan, plan.refused, at=at)
        except OverlappingDeployment as exc:
            refused.append(str(exc))
    half = plan.days // 2
    for target_id, metric in plan.targets:
        operations.set_target(
            uow=c.uow(), target_id=target_id, metric=metric, jurisdictions=plan.counties,
            start=plan.day(half), end=plan.day(plan.days - 1), baseline_start=plan.day(0),
            baseline_end=plan.day(half - 1), goal_percent=GOAL_PERCENT, actor=ACTOR, at=at,
            title=f"+{GOAL_PERCENT:g}% {metric.value.replace('_', ' ')} in the deployed cities' "
            "counties",
        )  # fmt: skip
    for facility_id, name, county, beds in plan.facilities:
        operations.add_facility(
            uow=c.uow(), facility_id=facility_id, name=name, jurisdiction_fips=county, beds=beds,
            actor=ACTOR, at=at,
        )  # fmt: skip
    return {"refused_deployments": refused}


def _deploy(c: Container, plan: OperationsPlan, d: PlannedDeployment, *, at: datetime) -> None:
    operations.deploy(
        uow=c.uow(), deployment_id=d.deployment_id, agency=d.agency, unit=d.unit,
        destinations={d.city: d.headcount}, start=plan.day(d.first_day),
        end=plan.day(d.last_day), mission=d.mission, actor=ACTOR, at=at,
    )  # fmt: skip


def operations_figures(
    c: Container, plan: OperationsPlan, *, installed: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """The month's operations figures, every one read back through the services after the
    month's transfers are recorded (``at``: the end of the month)."""
    intakes = operations.record_transfers(uow=c.uow(), actor=ACTOR, at=at)
    last = plan.day(plan.days - 1)
    uow = c.uow()
    declaration = operations.get_declaration(uow=uow, declaration_id=DECLARATION_ID)
    statuses = operations.assistance_answers(uow=uow, declaration_id=DECLARATION_ID)
    in_force = {
        day.isoformat(): len(operations.declarations_in_force(uow=uow, on=day))
        for day in (plan.day(-4), plan.day(0), last)
    }
    names = {c_[0]: c_[1] for c_ in plan.cities}
    headcount = {
        plan.day(n).isoformat(): {
            names.get(k, k): v
            for k, v in operations.headcount_in_place(uow=uow, on=plan.day(n)).items()
        }
        for n in range(plan.days)
    }
    targets = {
        target_id: _progress(operations.target_progress(uow=uow, target_id=target_id, as_of=last))
        for target_id, _ in plan.targets
    }
    counts = operations.agreement_counts(uow=uow)
    occupancy: dict[str, list[int]] = {}
    beds = {f[0]: f[3] for f in plan.facilities}
    for facility_id in beds:
        days = operations.facility_occupancy(
            uow=uow, facility_id=facility_id, first=plan.day(0), last=last
        )
        if any(d.occupancy for d in days):
            occupancy[facility_id] = [d.occupancy for d in days]
    projections = [
        operations.capacity_projection(
            uow=uow,
            as_of=last,
            facility_ids=[facility_id],
            lookback_days=plan.days,
            horizon_days=HORIZON_DAYS,
        )
        for facility_id in occupancy
    ]
    return {
        "declaration": {
            "id": declaration.declaration_id,
            "kind": declaration.kind.value,
            "authority": declaration.authority,
            "effective_at": declaration.effective_at.isoformat(),
            "expires_at": declaration.expires_at.isoformat(),
            "states_in_scope": len(declaration.states),
            "answers": {
                status: sum(1 for s in statuses.values() if s.value == status)
                for status in sorted({s.value for s in statuses.values()})
            },
            "in_force_on": in_force,
        },
        "agreements_287g": {
            f"{snapshot} {model.value}": n for (snapshot, model), n in sorted(counts.items())
        },
        "deployments": [
            {
                **{k: v for k, v in asdict(d).items() if k not in ("first_day", "last_day")},
                "start": plan.day(d.first_day).isoformat(),
                "end": plan.day(d.last_day).isoformat(),
                "city": names[d.city],
            }
            for d in plan.deployments
        ],
        "refused_deployments": installed["refused_deployments"],
        "headcount_by_day": headcount,
        "targets": targets,
        "transfers_recorded": intakes.recorded,
        "transfers_unrouted": len(intakes.unrouted),
        "occupancy_by_day": occupancy,
        "beds": {k: beds[k] for k in occupancy},
        "capacity": [
            {
                "facility": p.facilities[0],
                "beds": p.beds,
                "occupancy": p.occupancy,
                "net_daily_intake": round(p.net_daily_intake, 3),
                "full_on": p.full_on.isoformat() if p.full_on else None,
                "horizon": p.horizon.isoformat(),
                "beds_short_at_horizon": p.beds_short_at_horizon,
            }
            for p in projections
        ],
    }


def _progress(p: TargetProgress) -> dict[str, Any]:
    return {
        "title": p.target.title,
        "metric": p.target.metric.value,
        "jurisdictions": list(p.target.jurisdictions),
        "window": [p.target.start.isoformat(), p.target.end.isoformat()],
        "baseline_window": [p.target.baseline_start.isoformat(), p.target.baseline_end.isoformat()],
        "goal_percent": p.target.goal_percent,
        "status": p.status.value,
        "baseline": p.baseline,
        "current": p.current,
        "goal": round(float(p.goal), 2),
        "change_percent": None if p.change_percent is None else round(p.change_percent, 1),
    }
