"""Operation targets: checks, count windows, and progress computed from counted facts.

Definitions:

- **Windows** are local calendar days, both ends included. A count over jurisdictions in
  several states is asked state by state, each with that state's days as instants
  (``CountWindow``, zone from ``zones.STATE_ZONES``), and summed. The baseline window must end
  before the target window starts.
- **Goal.** The baseline's count per day, times the window's days, times (1 + goal %): the
  count the whole window must reach. Equal windows and +35 % over a baseline of 200 give 270.
- **Progress as of D.** ``current`` counts from the start through D (the whole of D) or the
  end, whichever is first. Its pace, pro-rated to the whole window, is ``projected``
  (``current`` x window days / elapsed days); ``expected_to_date`` is the goal pro-rated the
  same way. Inside the window a target is on track when ``projected`` reaches the goal; after
  it, met or missed by ``current``. ``change_percent`` is the current per-day rate against the
  baseline's. Comparisons are exact (fractions), so 270 of a goal of 270 is met.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from fractions import Fraction

from liaison.operations.errors import InvalidTarget
from liaison.operations.model import CountWindow, Metric, Target, TargetProgress, TargetStatus
from liaison.operations.zones import day_bounds, state_zone

__all__ = ["CountFacts", "count", "count_windows", "days_in", "progress", "target"]

# How a count is asked for: metric, jurisdictions of one state, and the window in its zone.
CountFacts = Callable[[Metric, Sequence[str], CountWindow], int]


def days_in(first: date, last: date) -> int:
    """How many days ``first``..``last`` includes."""
    return (last - first).days + 1


def target(
    *,
    target_id: str,
    metric: Metric,
    jurisdictions: Iterable[str],
    start: date,
    end: date,
    baseline_start: date,
    baseline_end: date,
    goal_percent: float,
    title: str = "",
) -> Target:
    """A target, checked: an id, at least one jurisdiction, windows not ending before they
    start, a baseline that ends before the window starts, and a finite goal above -100 %."""
    if not target_id.strip():
        raise InvalidTarget("a target needs an id")
    places = tuple(sorted({j.strip() for j in jurisdictions}))
    if not places or not all(places):
        raise InvalidTarget("a target needs at least one jurisdiction (none blank)")
    if end < start or baseline_end < baseline_start:
        raise InvalidTarget("a window cannot end before it starts")
    if baseline_end >= start:
        raise InvalidTarget(
            f"the baseline ({baseline_start.isoformat()} to {baseline_end.isoformat()}) must "
            f"end before the target window starts ({start.isoformat()})"
        )
    if not math.isfinite(goal_percent) or goal_percent <= -100:
        raise InvalidTarget(f"a goal of {goal_percent} % is not a change a count can make")
    return Target(
        target_id=target_id.strip(),
        metric=metric,
        jurisdictions=places,
        start=start,
        end=end,
        baseline_start=baseline_start,
        baseline_end=baseline_end,
        goal_percent=goal_percent,
        title=title.strip(),
    )


def count_windows(
    jurisdictions: Iterable[str], first: date, last: date
) -> list[tuple[tuple[str, ...], CountWindow]]:
    """The jurisdictions grouped by state (a FIPS code starts with its state's), each group
    with the days ``first``..``last`` as instants in that state's zone."""
    by_state: defaultdict[str, list[str]] = defaultdict(list)
    for fips in jurisdictions:
        by_state[fips[:2]].append(fips)
    out: list[tuple[tuple[str, ...], CountWindow]] = []
    for state, group in sorted(by_state.items()):
        zone = state_zone(state)
        start, _ = day_bounds(first, zone)
        _, end = day_bounds(last, zone)
        window = CountWindow(first_day=first, last_day=last, zone=zone.key, start=start, end=end)
        out.append((tuple(sorted(group)), window))
    return out


def count(
    counter: CountFacts, metric: Metric, jurisdictions: Iterable[str], first: date, last: date
) -> int:
    """The metric over ``first``..``last`` in the jurisdictions, asked state by state."""
    return sum(
        counter(metric, group, window)
        for group, window in count_windows(jurisdictions, first, last)
    )


def progress(target: Target, as_of: date, counter: CountFacts) -> TargetProgress:
    """The target's progress as of the end of ``as_of``, from the counts ``counter`` gives."""
    window_days = days_in(target.start, target.end)
    baseline_days = days_in(target.baseline_start, target.baseline_end)
    baseline = count(
        counter, target.metric, target.jurisdictions, target.baseline_start, target.baseline_end
    )
    goal = (
        Fraction(baseline, baseline_days) * window_days * (1 + Fraction(target.goal_percent) / 100)
    )
    if as_of < target.start:
        return TargetProgress(
            target=target,
            as_of=as_of,
            status=TargetStatus.NOT_STARTED,
            baseline=baseline,
            current=0,
            elapsed_days=0,
            window_days=window_days,
            goal=float(goal),
            expected_to_date=0.0,
            projected=None,
            change_percent=None,
        )
    last = min(as_of, target.end)
    elapsed = days_in(target.start, last)
    current = count(counter, target.metric, target.jurisdictions, target.start, last)
    projected = Fraction(current * window_days, elapsed)
    if last == target.end:
        status = TargetStatus.MET if current >= goal else TargetStatus.MISSED
    else:
        status = TargetStatus.ON_TRACK if projected >= goal else TargetStatus.BEHIND
    change = (
        None
        if baseline == 0
        else (Fraction(current, elapsed) / Fraction(baseline, baseline_days) - 1) * 100
    )
    return TargetProgress(
        target=target,
        as_of=as_of,
        status=status,
        baseline=baseline,
        current=current,
        elapsed_days=elapsed,
        window_days=window_days,
        goal=float(goal),
        expected_to_date=float(goal * elapsed / window_days),
        projected=float(projected),
        change_percent=None if change is None else float(change),
    )
