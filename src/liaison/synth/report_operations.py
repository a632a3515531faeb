"""The report's operations section: the declaration and the states' answers, the 287(g) list
over its snapshots, deployments and headcount by city, target progress measured from the
month's cases, and detention occupancy against beds with its projection.

Everything comes from ``summary["operations"]`` (``liaison.synth.operations``), which the
services computed: nothing here counts cases itself.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from liaison.synth.charts import figure, img, png, rows

__all__ = ["OPERATIONS_CHARTS", "operations_section"]

OPERATIONS_CHARTS = (
    "agreements-287g",
    "headcount-by-city",
    "target-progress",
    "detention-occupancy",
)
_MODELS = {
    "jail_enforcement": "#3b6ea5",
    "task_force": "#e3a21a",
    "warrant_service_officer": "#0a7a2f",
}


def _agreements_chart(counts: Mapping[str, int]) -> str:
    by_model: dict[str, dict[str, int]] = defaultdict(dict)
    for key, n in counts.items():
        snapshot, model = key.rsplit(" ", 1)
        by_model[model][snapshot] = n
    snapshots = sorted({s for per in by_model.values() for s in per})
    with figure() as (fig, axes):
        for model, color in _MODELS.items():
            per = by_model.get(model, {})
            axes.plot(
                snapshots,
                [per.get(s, 0) for s in snapshots],
                marker="o",
                color=color,
                label=model.replace("_", " "),
            )
        axes.set_title("287(g) agreements on each snapshot of the published list", loc="left")
        axes.tick_params(axis="x", labelrotation=60, labelsize=7)
        axes.legend(frameon=False, loc="upper left")
        return png(fig)


def _headcount_chart(by_day: Mapping[str, Mapping[str, int]]) -> str:
    days = sorted(by_day)
    cities = sorted({c for per in by_day.values() for c in per})
    with figure() as (fig, axes):
        bottom = [0] * len(days)
        for city in cities:
            values = [by_day[d].get(city, 0) for d in days]
            axes.bar([d[5:] for d in days], values, bottom=bottom, label=city)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.set_title("Federal personnel in place, by city and day", loc="left")
        axes.tick_params(axis="x", labelrotation=60, labelsize=7)
        if cities:
            axes.legend(frameon=False)
        return png(fig)


def _targets_chart(targets: Mapping[str, Mapping[str, Any]]) -> str:
    with figure() as (fig, axes):
        labels, width = list(targets), 0.27
        xs = list(range(len(labels)))
        for offset, (key, color, name) in enumerate(
            (
                ("baseline", "#888", "baseline window"),
                ("current", "#3b6ea5", "operation window"),
                ("goal", "#0a7a2f", "goal"),
            )
        ):
            values = [float(targets[t][key]) for t in labels]
            bars = axes.bar(
                [x + (offset - 1) * width for x in xs], values, width, color=color, label=name
            )
            axes.bar_label(bars, fmt="%g", fontsize=8, padding=2)
        axes.set_xticks(xs, [targets[t]["metric"].replace("_", " ") for t in labels])
        axes.set_title("Operation targets: counted from the month's cases", loc="left")
        axes.legend(frameon=False)
        return png(fig)


def _occupancy_chart(
    occupancy: Mapping[str, Sequence[int]],
    beds: Mapping[str, int],
    capacity: Sequence[Mapping[str, Any]],
    first_day: date,
) -> str:
    with figure(height=4.0) as (fig, axes):
        rates = {c["facility"]: c for c in capacity}
        for facility, series in sorted(occupancy.items()):
            days = [first_day + timedelta(days=i) for i in range(len(series))]
            (line,) = axes.plot(days, series, label=f"{facility} ({beds[facility]} beds)")
            c = rates.get(facility)
            if c is not None:
                horizon = date.fromisoformat(c["horizon"])
                ahead = (horizon - days[-1]).days
                axes.plot(
                    [days[-1], horizon],
                    [series[-1], series[-1] + c["net_daily_intake"] * ahead],
                    linestyle=":",
                    color=line.get_color(),
                )
            axes.axhline(beds[facility], color=line.get_color(), linewidth=0.6, alpha=0.5)
        axes.set_title(
            "Detention occupancy from transfers into custody (dotted: projected; thin: beds)",
            loc="left",
        )
        axes.tick_params(axis="x", labelrotation=30, labelsize=7)
        if occupancy:
            axes.legend(frameon=False, fontsize=7)
        return png(fig)


def _change(percent: float | None) -> str:
    return "n/a" if percent is None else f"{percent:+.1f}%"


def operations_section(ops: Mapping[str, Any], first_day: date) -> list[str]:
    """The section's HTML parts."""
    d = ops["declaration"]
    answers = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in d["answers"].items())
    in_force = ", ".join(f"{day}: {n}" for day, n in d["in_force_on"].items())
    deployments = "".join(
        f"<tr><td>{html.escape(x['deployment_id'])}</td><td>{html.escape(x['agency'])}</td>"
        f"<td>{html.escape(x['unit'])}</td><td>{html.escape(x['city'])}</td>"
        f"<td class='n'>{x['headcount']}</td><td>{x['start']} to {x['end']}</td>"
        f"<td>{html.escape(x['mission'])}</td></tr>"
        for x in ops["deployments"]
    )
    refused = "".join(f"<li>{html.escape(r)}</li>" for r in ops["refused_deployments"])
    targets = "".join(
        f"<tr><td>{html.escape(t['title'])}</td><td>{', '.join(t['jurisdictions'])}</td>"
        f"<td>{t['baseline_window'][0]} to {t['baseline_window'][1]}</td>"
        f"<td class='n'>{t['baseline']}</td>"
        f"<td>{t['window'][0]} to {t['window'][1]}</td><td class='n'>{t['current']}</td>"
        f"<td class='n'>{t['goal']:g}</td>"
        f"<td class='n'>{_change(t['change_percent'])}</td>"
        f"<td>{t['status'].replace('_', ' ')}</td></tr>"
        for t in ops["targets"].values()
    )
    capacity = "".join(
        f"<tr><td>{c['facility']}</td><td class='n'>{c['beds']}</td>"
        f"<td class='n'>{c['occupancy']}</td><td class='n'>{c['net_daily_intake']:g}</td>"
        f"<td>{c['full_on'] or 'not within the horizon'}</td>"
        f"<td class='n'>{c['beds_short_at_horizon']}</td></tr>"
        for c in ops["capacity"]
    )
    return [
        "<h2>Operations</h2>",
        "<p class='note'>Recorded through the operations services on the eve of the month; "
        "progress and occupancy are counted from the month's bookings, detainers and "
        "transfers, never typed in.</p>",
        "<h3>Declaration</h3>",
        rows(
            [
                ("declaration", f"{d['id']} ({d['kind'].replace('_', ' ')})"),
                ("authority cited", d["authority"]),
                ("effective", d["effective_at"]),
                ("expires (60 days unless extended)", d["expires_at"]),
                ("states in scope", d["states_in_scope"]),
                ("answers to the request for assistance", answers),
                ("declarations in force (Eastern time) on", in_force),
            ]
        ),
        "<h3>287(g) agreements</h3>",
        img(
            "agreements-287g",
            _agreements_chart(ops["agreements_287g"]),
            "287(g) agreements by model and snapshot",
        ),
        "<h3>Deployments</h3>",
        "<table><tr><th>id</th><th>agency</th><th>unit</th><th>city</th><th>headcount</th>"
        f"<th>window</th><th>mission</th></tr>{deployments}</table>",
        f"<p class='note'>Refused as overlapping:</p><ul>{refused}</ul>" if refused else "",
        img("headcount-by-city", _headcount_chart(ops["headcount_by_day"]), "headcount by city"),
        "<h3>Targets</h3>",
        "<table><tr><th>target</th><th>counties</th><th>baseline window</th><th>baseline</th>"
        "<th>window</th><th>count</th><th>goal</th><th>change a day</th><th>status</th></tr>"
        f"{targets}</table>",
        img("target-progress", _targets_chart(ops["targets"]), "target progress"),
        "<h3>Detention capacity</h3>",
        rows(
            [
                ("transfers into custody recorded as intakes", ops["transfers_recorded"]),
                ("transfers with no facility to route to", ops["transfers_unrouted"]),
            ]
        ),
        "<table><tr><th>facility</th><th>beds</th><th>occupied</th><th>net intake a day</th>"
        f"<th>full on</th><th>beds short at the horizon</th></tr>{capacity}</table>",
        img(
            "detention-occupancy",
            _occupancy_chart(ops["occupancy_by_day"], ops["beds"], ops["capacity"], first_day),
            "detention occupancy",
        ),
    ]
