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
    assert render_report(run) == page
