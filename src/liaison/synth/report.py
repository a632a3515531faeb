"""The demo's report: one standalone HTML file, its charts inlined as PNG images.

Everything in it comes from the run's summary (``liaison.synth.figures``) and the world's plan,
so the same seed gives the same report, byte for byte: no timings, no dates of the run.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liaison.synth.charts import img, png, rows
from liaison.synth.figures import MONTH_ROWS
from liaison.synth.report_operations import OPERATIONS_CHARTS, operations_section
from liaison.synth.world import POLICY_SHARES, STATE_OVERLAYS

if TYPE_CHECKING:
    from liaison.synth.demo import DemoRun

__all__ = ["CHARTS", "render_report", "write_report"]

CHARTS = (
    "declined-by-jurisdiction",
    "detainer-outcomes",
    "identification-accuracy",
    "safeguards",
    "bookings-by-day",
    *OPERATIONS_CHARTS,
)

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8rem 0; }
td, th { padding: 0.25rem 0.8rem; border-bottom: 1px solid #eee; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.zero { color: #0a7a2f; font-weight: bold; } .note { color: #555; font-size: 0.9rem; }
img { max-width: 100%; }
"""


def _bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    horizontal: bool = False,
    colors: Sequence[str] | None = None,
    percent: bool = False,
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    height = max(3.0, 0.32 * len(labels) + 1.0) if horizontal else 3.6
    figure, axes = plt.subplots(figsize=(8.5, height))
    try:
        shown = [100 * v for v in values] if percent else list(values)
        color = list(colors) if colors else "#3b6ea5"
        if horizontal:
            bars = axes.barh(
                list(labels)[::-1], shown[::-1], color=color[::-1] if colors else color
            )
        else:
            bars = axes.bar(list(labels), shown, color=color)
            axes.tick_params(axis="x", labelrotation=20)
        axes.bar_label(bars, fmt="%.2f" if percent else "%g", fontsize=8, padding=2)
        if not percent:
            from matplotlib.ticker import MaxNLocator

            (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
        axes.set_title(title, loc="left")
        if percent:
            (axes.set_xlabel if horizontal else axes.set_ylabel)("%")
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
        return png(figure)
    finally:
        plt.close(figure)


def _stacked_days(days: Sequence[dict[str, Any]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8.5, 3.6))
    try:
        labels = [str(d["date"])[5:] for d in days]
        bottom = [0] * len(days)
        for key, color in (("match", "#3b6ea5"), ("possible", "#e3a21a"), ("no_match", "#bbb")):
            values = [int(d.get(key, 0)) for d in days]
            axes.bar(labels, values, bottom=bottom, color=color, label=key.replace("_", " "))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.set_title("Bookings a day, by search decision", loc="left")
        axes.legend(frameon=False)
        axes.tick_params(axis="x", labelrotation=60, labelsize=7)
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
        return png(figure)
    finally:
        plt.close(figure)


def render_report(run: DemoRun) -> str:
    """The report's HTML (one string, charts included)."""
    s = run.summary
    ident: dict[str, Any] = s["identification"]  # type: ignore[assignment]
    safe: dict[str, Any] = s["safeguards"]  # type: ignore[assignment]
    cal: dict[str, Any] = s["calibration"]  # type: ignore[assignment]
    refusals: dict[str, int] = safe["refusals_by_kind"]
    outcomes: dict[str, int] = s["detainer_outcomes"]  # type: ignore[assignment]
    declined: list[dict[str, Any]] = s["declined_by_jurisdiction"]  # type: ignore[assignment]
    days: list[dict[str, Any]] = s["bookings_by_day"]  # type: ignore[assignment]
    o = run.options
    top = declined[:20]
    charts = {
        "declined-by-jurisdiction": _bar_chart(
            "Declined detainers by jurisdiction",
            [f"{r['jurisdiction']} ({r['fips']})" for r in top] or ["(none)"],
            [r["declined"] for r in top] or [0],
            horizontal=True,
            colors=["#b03a2e"] * max(len(top), 1),
        ),
        "detainer-outcomes": _bar_chart(
            "Detainers: the jails' answers, then the final states",
            [
                "answer: honored",
                "answer: notified only",
                "answer: declined",
                *(f"final: {state}" for state in outcomes),
            ],
            [
                s["detainers_honored"],  # type: ignore[list-item]
                s["detainers_notified_only"],  # type: ignore[list-item]
                s["detainers_declined"],  # type: ignore[list-item]
                *outcomes.values(),
            ],
            colors=["#3b6ea5", "#e3a21a", "#b03a2e"] + ["#777"] * len(outcomes),
        ),
        "identification-accuracy": _bar_chart(
            "Identification accuracy against ground truth",
            ["true match", "possible (mate)", "missed", "false match", "false possible"],
            [
                ident["true_match_rate"],
                ident["possible_mate_rate"],
                ident["missed_rate"],
                ident["false_match_rate"],
                ident["false_possible_rate"],
            ],
            colors=["#3b6ea5", "#e3a21a", "#888", "#b03a2e", "#d98880"],
            percent=True,
        ),
        "safeguards": _bar_chart(
            "Safeguards",
            [
                "U.S. citizens booked",
                "U.S. citizens matched",
                "citizenship referrals",
                "slips refused",
                "detainers on U.S. citizens",
            ],
            [
                safe["us_citizens_booked"],
                safe["us_citizens_matched"],
                safe["citizenship_referrals"],
                sum(refusals.values()),
                safe["detainers_on_us_citizens"],
            ],
            colors=["#888", "#3b6ea5", "#e3a21a", "#b03a2e", "#0a7a2f"],
        ),
        "bookings-by-day": _stacked_days(days),
    }
    zero = safe["detainers_on_us_citizens"]
    policies = "".join(
        f"<tr><td>{k.value}</td><td class='n'>{v:.0%}</td></tr>" for k, v in POLICY_SHARES.items()
    )
    overlays = "".join(
        f"<tr><td>{st}</td><td>{kind.value}</td><td>{on.isoformat()}</td>"
        f"<td>{html.escape(law)}</td></tr>"
        for st, kind, on, law in STATE_OVERLAYS
    )
    jails = "".join(
        f"<tr><td>{j.ori}</td><td>{html.escape(j.name)}</td><td>{j.fips}</td>"
        f"<td>{j.policy.value}</td><td>{j.source}</td><td>{html.escape(j.field_office)}</td></tr>"
        for j in run.world.jails
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Liaison demo, seed {o.seed}</title><style>{_STYLE}</style></head><body>",
        "<h1>Liaison: a month of bookings</h1>",
        f"<p class='note'>{o.identities:,} identities · {o.days} days from "
        f"{o.start.isoformat()} · seed {o.seed} · {len(run.world.jails)} jails. "
        "A synthetic world run through the real pipeline; every figure is reproducible from "
        "the seed, and accuracy and safeguard figures are measured against the generator's "
        "ground truth.</p>",
        "<h2>The month</h2>",
        rows([(label, s[key]) for label, key in MONTH_ROWS]),
        img("bookings-by-day", charts["bookings-by-day"], "bookings a day"),
        "<h2>Declined detainers by jurisdiction</h2>",
        img("declined-by-jurisdiction", charts["declined-by-jurisdiction"], "declined"),
        "<h2>Detainer outcomes</h2>",
        img("detainer-outcomes", charts["detainer-outcomes"], "outcomes"),
        "<h2>Identification accuracy</h2>",
        "<p class='note'>True match rate: bookings of enrolled people whose search said "
        "<em>match</em> with the right person first. False match rate: bookings of people "
        "never enrolled whose search said <em>match</em>.</p>",
        rows(
            [
                ("bookings of enrolled people", ident["enrolled_bookings"]),
                ("bookings of people never enrolled", ident["never_enrolled_bookings"]),
                ("true match rate", f"{ident['true_match_rate']:.4f}"),
                ("possible (mate) rate", f"{ident['possible_mate_rate']:.4f}"),
                ("missed rate", f"{ident['missed_rate']:.4f}"),
                ("false match rate", f"{ident['false_match_rate']:.4f}"),
                ("false possible rate", f"{ident['false_possible_rate']:.4f}"),
                ("matched to the wrong identity", ident["matched_to_wrong_identity"]),
            ]
        ),
        img("identification-accuracy", charts["identification-accuracy"], "accuracy"),
        "<h2>Safeguards</h2>",
        f"<p>Detainers on U.S. citizens: <span class='zero'>{zero}</span></p>",
        rows(
            [
                ("U.S. citizens booked", safe["us_citizens_booked"]),
                ("U.S. citizens matched to a record", safe["us_citizens_matched"]),
                ("citizenship referrals", safe["citizenship_referrals"]),
                (
                    "matches rejected on citizenship evidence",
                    safe["matches_rejected_on_citizenship_evidence"],
                ),
                ("holds lapsed at 48 hours", safe["holds_lapsed_at_48_hours"]),
                ("detainers on misidentified people", s["detainers_on_misidentified_people"]),
            ]
        ),
        "<h3>Refusals by kind</h3>",
        "<p class='note'>Now and then a simulated officer or jail tries a step the safeguards "
        "must refuse: lodging on the match alone, citing a basis the record contradicts, "
        "lodging on a candidate other than the verified one or twice on one booking, ruling on "
        "one's own citizenship referral, keying a release time in the future. Each try goes "
        "through the same services and writes nothing; the refusals, by the error the services "
        "raised:</p>",
        rows(
            [
                *sorted(refusals.items()),
                ("slips tried", sum(safe["slips_tried"].values())),
                ("slips not refused", sum(safe["slips_not_refused"].values())),
            ]
        ),
        img("safeguards", charts["safeguards"], "safeguards"),
        *operations_section(s["operations"], o.start),  # type: ignore[arg-type]
        "<h2>Calibration and assumptions</h2>",
        rows(
            [
                ("detainers a week, this world", cal["world_detainers_per_week"]),
                ("detainers a week, nation (early 2017)", cal["national_detainers_per_week"]),
                ("declined share, this world", f"{cal['declined_share']:.3f}"),
                ("declined share, nation (early 2017)", cal["national_declined_share_early_2017"]),
                (
                    "declined a month per declining jurisdiction, this world",
                    cal["declined_per_declining_jurisdiction_month"],
                ),
                (
                    "declined a month per declining jurisdiction, 2014-2017",
                    cal["national_declined_per_declining_jurisdiction_month"],
                ),
            ]
        ),
        "<p class='note'>Policy shares of randomly drawn counties (an assumption):</p>",
        f"<table>{policies}</table>",
        "<p class='note'>State-law overlays:</p>",
        f"<table><tr><th>state</th><th>policy</th><th>from</th><th>law</th></tr>{overlays}</table>",
        "<h2>Jails of this world</h2>",
        "<table><tr><th>ORI</th><th>agency</th><th>FIPS</th><th>policy</th><th>source</th>"
        f"<th>field office</th></tr>{jails}</table>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_report(path: Path, run: DemoRun) -> Path:
    """Write the report to ``path``; returns it."""
    path.write_text(render_report(run), encoding="utf-8")
    return path
