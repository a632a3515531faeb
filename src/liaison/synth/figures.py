"""The figures an analyst asks for at the end of the month, from the store and the truth.

What the system decided (identifications, detainers, their states, declines by jurisdiction)
is read back from the store through the services; who each booked person really was comes
from the generator's ground truth (``PlannedBooking.person``), never from the system's own
view. So identification accuracy and "detainers on U.S. citizens" measure the system, they
do not repeat it. The refusals by kind are the simulation's count of its officers' and jails'
slips that a safeguard refused (``MonthLog.refusals``, by error class): a refused step leaves
nothing in the store to count.

National reference figures used for comparison (``NATIONAL``): about 3,000 detainers issued a
week and about 7% of them declined (ICE's Declined Detainer Outcome Reports, early 2017);
29,269 declined detainers across about 675 jurisdictions over the 41 months from January 2014
to May 2017 (TRAC).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from liaison.audit import services as audit
from liaison.bookings.model import Booking, Decision
from liaison.bootstrap import Container
from liaison.detainers import services as detainers
from liaison.detainers.model import Detainer, DetainerState
from liaison.reporting import services as reporting
from liaison.synth.month import MonthLog, PlannedBooking
from liaison.synth.world import WorldPlan, expected_declined_share

__all__ = ["NATIONAL", "identification_figures", "summarize"]

NATIONAL: dict[str, float] = {
    "detainers_per_week": 3000,
    "declined_share": 0.07,
    "declined_detainers_2014_2017": 29_269,
    "declining_jurisdictions_2014_2017": 675,
    "months_2014_2017": 41,
}


MONTH_ROWS: tuple[tuple[str, str], ...] = (
    ("bookings", "bookings"),
    ("identified (match)", "identified"),
    ("possible matches", "possible_matches"),
    ("no match", "no_match"),
    ("detainers lodged", "detainers_lodged"),
    ("detainers honored", "detainers_honored"),
    ("detainers notified only", "detainers_notified_only"),
    ("detainers declined", "detainers_declined"),
)
"""The month's headline figures as (label, summary key), for the terminal and the report."""


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _ever(detainer: Detainer, state: DetainerState) -> bool:
    return any(t.to_state is state for t in detainer.history)


def identification_figures(
    plan: Sequence[PlannedBooking], stored: dict[str, Booking]
) -> tuple[dict[str, object], Counter[str]]:
    """Accuracy of the month's searches against who each booked person really was, and how
    many searches ended in each decision."""
    decisions: Counter[str] = Counter()
    enrolled = strangers = true_match = possible_mate = wrong = false_match = false_possible = 0
    rank1 = 0
    for b in plan:
        booking = stored.get(b.booking_id)
        ident = booking.identification if booking else None
        decision = ident.decision if ident else None
        decisions[decision.value if decision else "unsearched"] += 1
        top = ident.candidates[0].identity_id if ident and ident.candidates else None
        if b.person.enrolled:
            enrolled += 1
            rank1 += top == b.person.index
            if decision is Decision.MATCH:
                true_match += top == b.person.index
                wrong += top != b.person.index
            elif decision is Decision.POSSIBLE and top == b.person.index:
                possible_mate += 1
        else:
            strangers += 1
            false_match += decision is Decision.MATCH
            false_possible += decision is Decision.POSSIBLE
    figures: dict[str, object] = {
        "enrolled_bookings": enrolled,
        "never_enrolled_bookings": strangers,
        "true_match_rate": _rate(true_match, enrolled),
        "false_match_rate": _rate(false_match, strangers),
        "possible_mate_rate": _rate(possible_mate, enrolled),
        "false_possible_rate": _rate(false_possible, strangers),
        "missed_rate": _rate(enrolled - true_match - possible_mate, enrolled),
        "rank1_rate": _rate(rank1, enrolled),
        "matched_to_wrong_identity": wrong,
    }
    return figures, decisions


def summarize(
    c: Container,
    log: MonthLog,
    *,
    world: WorldPlan,
    identities: int,
    days: int,
    seed: int,
    start: datetime,
    at: datetime,
) -> dict[str, object]:
    """Every figure of the demo's summary (deterministic for a seed: no timings here)."""
    plan = log.bookings
    wanted = {b.booking_id for b in plan}
    with c.uow() as uow:
        stored = {
            b.booking_id: b
            for b in uow.bookings.list(limit=len(plan) + 1)
            if b.booking_id in wanted
        }
    lodged = sorted(
        detainers.list_detainers(
            uow=c.uow(), actor="demo.analyst", purpose="demo summary", at=at, limit=10**7
        ),
        key=lambda d: d.detainer_id,
    )
    truth = {b.booking_id: b for b in plan}
    identification, decisions = identification_figures(plan, stored)
    outcomes = Counter(d.state.value for d in lodged)
    declined = [d for d in lodged if _ever(d, DetainerState.DECLINED)]
    honored = [d for d in lodged if _ever(d, DetainerState.HONORED)]
    notified = [d for d in lodged if _ever(d, DetainerState.NOTIFIED_ONLY)]
    on_citizens = [d for d in lodged if truth[d.booking_id].person.us_citizen]
    misidentified = [
        d
        for d in lodged
        if not truth[d.booking_id].person.enrolled
        or truth[d.booking_id].person.index != d.identity_id
    ]
    by_place = reporting.declined_by_jurisdiction(uow=c.uow())
    citizens = [b for b in plan if b.person.us_citizen]
    citizens_matched = [
        b
        for b in citizens
        if (bk := stored.get(b.booking_id)) is not None
        and bk.identification is not None
        and bk.identification.decision is not Decision.NO_MATCH
    ]
    per_day: dict[str, Counter[str]] = {}
    for b in plan:
        booking = stored.get(b.booking_id)
        decision = (
            booking.identification.decision.value
            if booking and booking.identification
            else "unsearched"
        )
        per_day.setdefault(b.arrested_at.date().isoformat(), Counter())[decision] += 1
    months = days / (365.25 / 12)
    declining_places = len(by_place)
    report = audit.verify_trail(uow=c.uow())
    bases = Counter(d.basis.value for d in lodged)
    return {
        "seed": seed,
        "identities": identities,
        "days": days,
        "start": start.date().isoformat(),
        "bookings": len(plan),
        "identified": decisions.get(Decision.MATCH.value, 0),
        "possible_matches": decisions.get(Decision.POSSIBLE.value, 0),
        "no_match": decisions.get(Decision.NO_MATCH.value, 0),
        "detainers_lodged": len(lodged),
        "detainers_declined": len(declined),
        "detainers_honored": len(honored),
        "detainers_notified_only": len(notified),
        "detainers_on_us_citizens": len(on_citizens),
        "detainers_on_misidentified_people": len(misidentified),
        "identification": identification,
        "detainer_outcomes": dict(sorted(outcomes.items())),
        "detainer_bases": dict(sorted(bases.items())),
        "bookings_by_day": [
            {"date": day, **dict(sorted(n.items()))} for day, n in sorted(per_day.items())
        ],
        "declined_by_jurisdiction": [
            {"fips": r.fips, "jurisdiction": r.name, "declined": r.declined} for r in by_place
        ],
        "safeguards": {
            "us_citizens_booked": len(citizens),
            "us_citizens_matched": len(citizens_matched),
            "citizenship_referrals": log.referrals,
            "rulings": dict(sorted(log.rulings.items())),
            "concurrences": dict(sorted(log.concurrences.items())),
            "matches_rejected_on_citizenship_evidence": log.rejected_on_evidence,
            "detainers_blocked_by_citizenship_indicators": log.refusals.get(
                "CitizenshipIndicatorUnresolved", 0
            ),
            "slips_tried": dict(sorted(log.slips.items())),
            "refusals_by_kind": dict(sorted(log.refusals.items())),
            "slips_not_refused": dict(sorted(log.slips_not_refused.items())),
            "detainers_cancelled": outcomes.get(DetainerState.CANCELLED.value, 0),
            "detainers_on_us_citizens": len(on_citizens),
            "holds_lapsed_at_48_hours": outcomes.get(DetainerState.LAPSED.value, 0),
            "transfers_refused_past_48_hours": log.hold_expired,
        },
        "review": {
            "sop_steps": dict(sorted(log.sop_steps.items())),
            "unexpected_refusals": dict(sorted(log.errors.items())),
        },
        "calibration": {
            "national_detainers_per_week": NATIONAL["detainers_per_week"],
            "world_detainers_per_week": round(len(lodged) / days * 7, 2) if days else 0.0,
            "world_share_of_national_detainers": round(
                len(lodged) / days * 7 / NATIONAL["detainers_per_week"], 6
            )
            if days
            else 0.0,
            "declined_share": _rate(len(declined), len(lodged)),
            "national_declined_share_early_2017": NATIONAL["declined_share"],
            "expected_declined_share_of_plan": round(expected_declined_share(world), 6),
            "declined_per_declining_jurisdiction_month": round(
                len(declined) / declining_places / months, 3
            )
            if declining_places and months
            else 0.0,
            "national_declined_per_declining_jurisdiction_month": round(
                NATIONAL["declined_detainers_2014_2017"]
                / NATIONAL["declining_jurisdictions_2014_2017"]
                / NATIONAL["months_2014_2017"],
                3,
            ),
            "restrictive_volume_scale": round(world.restrictive_scale, 6),
        },
        "world": {
            "jails": len(world.jails),
            "jails_by_policy": dict(sorted(Counter(j.policy.value for j in world.jails).items())),
            "jails_by_source": dict(sorted(Counter(j.source for j in world.jails).items())),
            "state_overlays": len(world.overlays),
        },
        "audit": {"entries": report.entries_checked, "intact": report.ok},
    }
