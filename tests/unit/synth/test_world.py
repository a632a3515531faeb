"""The places of the synthetic world: jails on real counties, policies, overlays, 287(g)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison.jurisdictions import fips as places
from liaison.jurisdictions.model import JailAnswer, PolicyKind
from liaison.jurisdictions.services import ORI, ORI_PREFIX_ALIASES
from liaison.synth.world import (
    DECLINED_SHARE_TARGET,
    NAMED,
    POLICY_SHARES,
    answer_choice,
    decline_probability,
    expected_declined_share,
    jail_count,
    plan_world,
)

AGREEMENTS = Path(__file__).resolve().parents[4] / "shared" / "data" / "287g" / "agreements.csv"


@pytest.fixture(scope="module")
def agreements() -> Path:
    assert AGREEMENTS.exists(), f"the 287(g) list is expected at {AGREEMENTS}"
    return AGREEMENTS


def test_the_plan_is_a_function_of_the_seed(agreements: Path) -> None:
    a = plan_world(seed=4, identities=30_000, agreements_file=agreements)
    b = plan_world(seed=4, identities=30_000, agreements_file=agreements)
    c = plan_world(seed=5, identities=30_000, agreements_file=agreements)
    assert a == b
    assert a.jails != c.jails


def test_jails_sit_on_real_counties_with_valid_oris(agreements: Path) -> None:
    plan = plan_world(seed=1, identities=100_000, agreements_file=agreements)
    assert len(plan.jails) == jail_count(100_000) == 50
    counties = {c.fips for c in places.counties()}
    assert len({j.ori for j in plan.jails}) == len(plan.jails)
    assert len({j.fips for j in plan.jails}) == len(plan.jails)
    for jail in plan.jails:
        assert jail.fips in counties
        assert ORI.fullmatch(jail.ori)
        state = places.postal(jail.fips[:2])
        assert jail.ori[:2] in {state} | ORI_PREFIX_ALIASES.get(state, frozenset())
        assert jail.field_office


def test_the_287g_list_seeds_real_agreements(agreements: Path) -> None:
    plan = plan_world(seed=1, identities=100_000, agreements_file=agreements)
    jem = [j for j in plan.jails if j.source == "287g"]
    assert len(jem) >= 5
    assert all(j.policy is PolicyKind.HONOR_ALL for j in jem)
    without = plan_world(seed=1, identities=100_000, agreements_file=None)
    assert not [j for j in without.jails if j.source == "287g"]


def test_policies_vary_and_most_jails_honor(agreements: Path) -> None:
    plan = plan_world(seed=2, identities=400_000, agreements_file=agreements)
    kinds = [j.policy for j in plan.jails]
    assert set(kinds) == set(POLICY_SHARES)
    assert kinds.count(PolicyKind.HONOR_ALL) / len(kinds) > 0.6


@pytest.mark.parametrize("identities", [2_000, 100_000])
def test_restrictive_volume_is_scaled_to_the_declined_share_target(
    agreements: Path, identities: int
) -> None:
    plan = plan_world(seed=7, identities=identities, agreements_file=agreements)
    assert expected_declined_share(plan) == pytest.approx(DECLINED_SHARE_TARGET, abs=1e-6)


def test_a_state_law_overlay_binds_its_counties(agreements: Path) -> None:
    plan = plan_world(seed=1, identities=100_000, agreements_file=agreements)
    by_ori = {j.ori: j for j in plan.jails}
    travis = by_ori["TX2270000"]  # declines by its own policy, but Texas SB 4 compels honoring
    assert travis.policy is PolicyKind.DECLINE_ALL
    assert decline_probability(travis, plan.overlay_for("TX")) == 0.0
    cook = by_ori["IL0160000"]
    assert decline_probability(cook, plan.overlay_for("IL")) == pytest.approx(1.0)
    assert len(NAMED) >= 10


def test_how_a_jail_answers() -> None:
    honor = frozenset(JailAnswer)
    assert answer_choice(honor, PolicyKind.HONOR_ALL)[JailAnswer.HONOR] == 1.0
    both = frozenset({JailAnswer.DECLINE, JailAnswer.NOTIFY_ONLY})
    assert answer_choice(both, PolicyKind.NOTIFY_ONLY)[JailAnswer.NOTIFY_ONLY] == 1.0
    assert answer_choice(both, PolicyKind.HONOR_ALL)[JailAnswer.DECLINE] == 0.75
    for permitted in (honor, both, frozenset({JailAnswer.DECLINE})):
        odds = answer_choice(permitted, PolicyKind.DECLINE_ALL)
        assert sum(odds.values()) == pytest.approx(1.0)
        assert all(a in permitted for a, p in odds.items() if p > 0)
