"""The report: one standalone page, every chart inlined, the same bytes for the same figures."""

from __future__ import annotations

from typing import Any

from liaison.synth.demo import DemoOptions, DemoRun
from liaison.synth.report import CHARTS, render_report
from liaison.synth.world import plan_world


def _summary() -> dict[str, Any]:
    return {
        "bookings": 10,
        "identified": 3,
        "possible_matches": 1,
        "no_match": 6,
        "detainers_lodged": 2,
        "detainers_honored": 1,
        "detainers_notified_only": 0,
        "detainers_declined": 1,
        "detainers_on_misidentified_people": 0,
        "identification": {
            "enrolled_bookings": 4,
            "never_enrolled_bookings": 6,
            "true_match_rate": 0.75,
            "possible_mate_rate": 0.25,
            "missed_rate": 0.0,
            "false_match_rate": 0.0,
            "false_possible_rate": 0.0,
            "matched_to_wrong_identity": 0,
        },
        "detainer_outcomes": {"released": 1, "transferred": 1},
        "declined_by_jurisdiction": [
            {"fips": "06075", "jurisdiction": "San Francisco County", "declined": 1}
        ],
        "bookings_by_day": [{"date": "2025-07-07", "match": 3, "possible": 1, "no_match": 6}],
        "safeguards": {
            "us_citizens_booked": 5,
            "us_citizens_matched": 1,
            "citizenship_referrals": 1,
            "detainers_blocked_by_citizenship_indicators": 1,
            "matches_rejected_on_citizenship_evidence": 0,
            "holds_lapsed_at_48_hours": 0,
            "detainers_on_us_citizens": 0,
            "slips_tried": {"skip_citizenship": 1, "own_referral": 2},
            "refusals_by_kind": {"CitizenshipIndicatorUnresolved": 1, "NotAnAdjudicator": 2},
            "slips_not_refused": {},
        },
        "operations": {
            "declaration": {
                "id": "MI-1",
                "kind": "mass_influx",
                "authority": "INA 103(a)(10); 28 CFR 65.83",
                "effective_at": "2025-07-04T19:00:00+00:00",
                "expires_at": "2025-09-02T19:00:00+00:00",
                "states_in_scope": 50,
                "answers": {"accepted": 39, "declined": 6, "no_answer": 5},
                "in_force_on": {"2025-07-03": 0, "2025-07-07": 1},
            },
            "agreements_287g": {
                "2025-05-16 am jail_enforcement": 91,
                "2025-05-16 am task_force": 275,
                "2025-07-03 pm jail_enforcement": 113,
            },
            "deployments": [
                {
                    "deployment_id": "DEP-3",
                    "agency": "CBP",
                    "unit": "BORTAC",
                    "city": "Chicago city",
                    "headcount": 100,
                    "start": "2025-07-08",
                    "end": "2025-07-09",
                    "mission": "tactical support",
                }
            ],
            "refused_deployments": ["deployment 'DEP-9': CBP BORTAC is already deployed"],
            "headcount_by_day": {"2025-07-07": {}, "2025-07-08": {"Chicago city": 100}},
            "targets": {
                "T-ARRESTS": {
                    "title": "+35% arrests",
                    "metric": "arrests",
                    "jurisdictions": ["17031"],
                    "window": ["2025-07-08", "2025-07-09"],
                    "baseline_window": ["2025-07-07", "2025-07-07"],
                    "goal_percent": 35.0,
                    "status": "met",
                    "baseline": 2,
                    "current": 6,
                    "goal": 5.4,
                    "change_percent": 50.0,
                }
            },
            "transfers_recorded": 3,
            "transfers_unrouted": 0,
            "occupancy_by_day": {"FAC-IL": [0, 1, 3]},
            "beds": {"FAC-IL": 2},
            "capacity": [
                {
                    "facility": "FAC-IL",
                    "beds": 2,
                    "occupancy": 3,
                    "net_daily_intake": 1.0,
                    "full_on": "2025-07-09",
                    "horizon": "2025-09-07",
                    "beds_short_at_horizon": 61,
                }
            ],
        },
        "calibration": {
            "world_detainers_per_week": 14.0,
            "national_detainers_per_week": 3000,
            "declined_share": 0.5,
            "national_declined_share_early_2017": 0.07,
            "declined_per_declining_jurisdiction_month": 30.4,
            "national_declined_per_declining_jurisdiction_month": 1.058,
        },
    }


def test_the_report_inlines_every_chart_and_is_reproducible() -> None:
    run = DemoRun(
        DemoOptions(identities=2000, days=1, seed=7),
        plan_world(seed=7, identities=2000, agreements_file=None),
        [],
        summary=_summary(),
    )
    page = render_report(run)
    assert page.startswith("<!doctype html>")
    assert page.count("data:image/png;base64,") == len(CHARTS)
    assert all(f"id='chart-{name}'" in page for name in CHARTS)
    assert "San Francisco Sheriff" in page  # the world's jails are listed
    assert "Detainers on U.S. citizens: <span class='zero'>0</span>" in page
    assert "Operations" in page
    assert "BORTAC is already deployed" in page
    assert "+35% arrests" in page
    assert "+50.0%" in page
    assert render_report(run) == page


def test_the_report_lists_the_refusals_by_kind() -> None:
    run = DemoRun(
        DemoOptions(identities=2000, days=1, seed=7),
        plan_world(seed=7, identities=2000, agreements_file=None),
        [],
        summary=_summary(),
    )
    page = render_report(run)
    refusals = page.split("<h3>Refusals by kind</h3>", 1)[1].split("</table>", 1)[0]
    assert "<td>NotAnAdjudicator</td><td class='n'>2</td>" in refusals
    assert "<td>CitizenshipIndicatorUnresolved</td><td class='n'>1</td>" in refusals
    assert "<td>slips tried</td><td class='n'>3</td>" in refusals
    assert "<td>slips not refused</td><td class='n'>0</td>" in refusals
