"""The demo's operations plan: a pure function of the world, the month and the seed."""

from __future__ import annotations

from datetime import date

import pytest
from tests.conftest import SHARED_DATA

from liaison.jurisdictions import fips as places
from liaison.operations.model import AssistanceAnswer
from liaison.synth.operations import CITIES, plan_operations
from liaison.synth.world import WorldPlan, plan_world

START = date(2025, 7, 7)
AGREEMENTS = SHARED_DATA / "287g" / "agreements.csv"


@pytest.fixture(scope="module")
def world() -> WorldPlan:
    if not AGREEMENTS.exists():
        pytest.skip(f"{AGREEMENTS} not found: the 287(g) list is public data outside the repo")
    return plan_world(seed=3, identities=100_000, agreements_file=AGREEMENTS)


def test_the_plan_is_the_same_for_the_same_seed(world: WorldPlan) -> None:
    assert plan_operations(world, start=START, days=30, seed=3) == plan_operations(
        world, start=START, days=30, seed=3
    )


def test_all_fifty_states_are_asked_and_answer_by_their_stance(world: WorldPlan) -> None:
    plan = plan_operations(world, start=START, days=30, seed=3)
    assert len(plan.states) == 50
    assert "11" not in plan.states
    answers = {state: answer for state, answer, _ in plan.answers}
    assert answers[places.state_fips("CA")] is AssistanceAnswer.DECLINED  # SB 54
    assert answers[places.state_fips("TX")] is AssistanceAnswer.ACCEPTED  # 287(g) agencies
    assert all(0 <= day < 30 for _, _, day in plan.answers)


def test_deployments_fit_the_month_and_one_overlap_is_planned_to_be_refused(
    world: WorldPlan,
) -> None:
    for days in (1, 2, 3, 30):
        plan = plan_operations(world, start=START, days=days, seed=3)
        assert {c[0] for c in plan.cities} == {c[0] for c in CITIES}  # named jails are in
        for d in (*plan.deployments, plan.refused):
            assert 0 <= d.first_day <= d.last_day <= days - 1
        same_unit = [d for d in plan.deployments if d.unit == plan.refused.unit]
        assert any(
            d.first_day <= plan.refused.last_day and plan.refused.first_day <= d.last_day
            for d in same_unit
        )
        assert (not plan.targets) == (days < 2)  # no baseline in a one-day month


def test_every_state_with_a_jail_has_a_facility_with_beds(world: WorldPlan) -> None:
    plan = plan_operations(world, start=START, days=30, seed=3)
    states = {j.state for j in world.jails}
    assert {f[0] for f in plan.facilities} == {f"FAC-{s}" for s in states}
    assert all(beds >= 2 for *_, beds in plan.facilities)
    counties = {j.fips for j in world.jails}
    assert all(county in counties for _, _, county, _ in plan.facilities)
