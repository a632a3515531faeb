from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.operations import targets as rules
from liaison.operations.errors import InvalidTarget
from liaison.operations.model import CountWindow, Metric, Target, TargetStatus

HARRIS, HOUSTON, MIAMI_DADE, HONOLULU = "48201", "4835000", "12086", "15003"
JULY_1, JULY_31 = date(2025, 7, 1), date(2025, 7, 31)
# the ``count_facts`` fixture: facts (metric, FIPS code, instant or date) -> a counter
Facts = Callable[[Iterable[tuple[Metric, str, datetime | date]]], rules.CountFacts]


def plan(**change: object) -> Target:
    args: dict[str, object] = {
        "target_id": "T-arrests-35",
        "metric": Metric.ARRESTS,
        "jurisdictions": [HARRIS, MIAMI_DADE],
        "start": JULY_1,
        "end": JULY_31,
        "baseline_start": date(2025, 6, 1),
        "baseline_end": date(2025, 6, 30),
        "goal_percent": 35.0,
    }
    return rules.target(**(args | change))  # type: ignore[arg-type]


def per_day(baseline: int, current: int) -> rules.CountFacts:
    """A counter giving ``baseline`` a day before July and ``current`` a day from July on."""

    def count(metric: Metric, jurisdictions: Sequence[str], window: CountWindow) -> int:
        total = 0
        day = window.first_day
        while day <= window.last_day:
            total += (baseline if day < JULY_1 else current) * len(jurisdictions)
            day += timedelta(days=1)
        return total

    return count


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target_id": " "}, "an id"),
        ({"jurisdictions": []}, "at least one jurisdiction"),
        ({"jurisdictions": [HARRIS, " "]}, "none blank"),
        ({"end": date(2025, 6, 30)}, "end before it starts"),
        ({"baseline_end": date(2025, 5, 1)}, "end before it starts"),
        ({"baseline_end": JULY_1}, "must end before the target window starts"),
        ({"goal_percent": -100.0}, "-100.0 %"),
        ({"goal_percent": float("nan")}, "nan"),
    ],
)
def test_a_target_is_checked(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidTarget, match=message):
        plan(**change)


def test_counts_are_asked_state_by_state_in_each_states_zone() -> None:
    windows = rules.count_windows([HOUSTON, MIAMI_DADE, HARRIS, HONOLULU], JULY_1, JULY_31)
    assert [(group, w.zone) for group, w in windows] == [
        ((MIAMI_DADE,), "America/New_York"),
        ((HONOLULU,), "Pacific/Honolulu"),
        ((HARRIS, HOUSTON), "America/Chicago"),
    ]
    florida, hawaii, texas = (w for _, w in windows)
    assert florida.start == datetime(2025, 7, 1, 4, tzinfo=UTC)
    assert hawaii.start == datetime(2025, 7, 1, 10, tzinfo=UTC)
    assert texas.end == datetime(2025, 8, 1, 5, tzinfo=UTC)
    assert (texas.first_day, texas.last_day) == (JULY_1, JULY_31)


def test_one_utc_instant_counts_on_its_local_day(count_facts: Facts) -> None:
    # 03:00 UTC on 1 July is still 30 June in Texas; 04:00 UTC is 1 July in Florida
    counter = count_facts(
        [
            (Metric.ARRESTS, HARRIS, datetime(2025, 7, 1, 3, tzinfo=UTC)),  # 30 June CDT
            (Metric.ARRESTS, MIAMI_DADE, datetime(2025, 7, 1, 4, tzinfo=UTC)),  # 1 July EDT
            (Metric.ARRESTS, HARRIS, datetime(2025, 8, 1, 4, 59, tzinfo=UTC)),  # 31 July CDT
            (Metric.ARRESTS, HARRIS, datetime(2025, 8, 1, 5, tzinfo=UTC)),  # 1 August CDT
            (Metric.REMOVALS, HARRIS, date(2025, 7, 31)),  # date-stamped
        ]
    )
    assert rules.count(counter, Metric.ARRESTS, [HARRIS, MIAMI_DADE], JULY_1, JULY_31) == 2
    june_30 = date(2025, 6, 30)
    assert rules.count(counter, Metric.ARRESTS, [HARRIS], june_30, june_30) == 1
    assert rules.count(counter, Metric.ARRESTS, [MIAMI_DADE], june_30, june_30) == 0
    assert rules.count(counter, Metric.REMOVALS, [HARRIS], JULY_1, JULY_31) == 1
    assert rules.count(counter, Metric.REMOVALS, [HARRIS], JULY_1, date(2025, 7, 30)) == 0


def test_goal_is_the_baseline_rate_plus_the_goal_over_the_window() -> None:
    # baseline: 30 days x 2 places x 10 = 600 (20 a day); window 31 days: goal 20 x 31 x 1.35
    progress = rules.progress(plan(), date(2025, 6, 15), per_day(10, 0))
    assert progress.status is TargetStatus.NOT_STARTED
    assert progress.baseline == 600
    assert progress.goal == pytest.approx(837.0)
    assert (progress.current, progress.elapsed_days, progress.window_days) == (0, 0, 31)
    assert progress.projected is None
    assert progress.change_percent is None


def test_pace_is_pro_rated_inside_the_window() -> None:
    # 13.5 a day a place is exactly +35 %: on track, on the goal's line
    on_pace = rules.progress(plan(), date(2025, 7, 10), per_day(10, 14))
    assert on_pace.status is TargetStatus.ON_TRACK
    assert on_pace.current == 10 * 2 * 14
    assert on_pace.elapsed_days == 10
    assert on_pace.projected == pytest.approx(280 * 31 / 10)
    assert on_pace.expected_to_date == pytest.approx(837 * 10 / 31)
    assert on_pace.change_percent == pytest.approx(40.0)
    behind = rules.progress(plan(), date(2025, 7, 10), per_day(10, 13))
    assert behind.status is TargetStatus.BEHIND
    assert behind.change_percent == pytest.approx(30.0)


def test_exactly_the_goal_is_met(count_facts: Facts) -> None:
    # 1 a day in the baseline over 20 days, +35 % over 20 days: 27 needed
    target = plan(
        jurisdictions=[HARRIS],
        baseline_start=date(2025, 6, 1),
        baseline_end=date(2025, 6, 20),
        end=date(2025, 7, 20),
    )
    facts = [(Metric.ARRESTS, HARRIS, datetime(2025, 6, d, 15, tzinfo=UTC)) for d in range(1, 21)]
    july = [
        (Metric.ARRESTS, HARRIS, datetime(2025, 7, 1 + i % 20, 15, tzinfo=UTC)) for i in range(27)
    ]
    met = rules.progress(target, date(2025, 8, 1), count_facts(facts + july))
    assert (met.status, met.current) == (TargetStatus.MET, 27)
    assert met.goal == 27.0  # exact: no float fuzz decides a goal met or missed
    missed = rules.progress(target, date(2025, 7, 20), count_facts(facts + july[:-1]))
    assert (missed.status, missed.current) == (TargetStatus.MISSED, 26)
    assert missed.elapsed_days == 20


def test_a_zero_baseline_has_no_percent_change() -> None:
    progress = rules.progress(plan(), date(2025, 7, 5), per_day(0, 1))
    assert progress.baseline == 0
    assert progress.change_percent is None
    assert progress.goal == 0.0
    assert progress.status is TargetStatus.ON_TRACK


def test_a_negative_goal_is_a_floor_too() -> None:
    progress = rules.progress(plan(goal_percent=-20.0), date(2025, 7, 31), per_day(10, 8))
    assert progress.status is TargetStatus.MET
    assert progress.change_percent == pytest.approx(-20.0)


@given(
    baseline=st.integers(min_value=0, max_value=50),
    current=st.integers(min_value=0, max_value=50),
    as_of=st.integers(min_value=-5, max_value=40),
)
def test_projection_pro_rates_the_partial_window(baseline: int, current: int, as_of: int) -> None:
    day = JULY_1 + timedelta(days=as_of)
    p = rules.progress(plan(), day, per_day(baseline, current))
    if day < JULY_1:
        assert p.status is TargetStatus.NOT_STARTED
        return
    elapsed = min(as_of + 1, 31)
    assert p.elapsed_days == elapsed
    assert p.current == current * 2 * elapsed
    assert p.projected == pytest.approx(current * 2 * 31)  # a steady pace projects itself
    assert p.goal == pytest.approx(baseline * 2 * 31 * 1.35)
    assert p.expected_to_date == pytest.approx(p.goal * elapsed / 31)
    reached = current * 100 >= baseline * 135  # exact: 1.35 x baseline per day
    if elapsed == 31:
        assert p.status is (TargetStatus.MET if reached else TargetStatus.MISSED)
    else:
        assert p.status is (TargetStatus.ON_TRACK if reached else TargetStatus.BEHIND)
