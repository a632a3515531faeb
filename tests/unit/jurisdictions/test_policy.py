from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.jurisdictions import policy
from liaison.jurisdictions.model import DetainerPolicy, JailAnswer, PolicyKind
from liaison.jurisdictions.policy import (
    ALL_ANSWERS,
    answers_under,
    jurisdiction_chain,
    permitted_answers,
    policy_in_force,
)

HONOR = frozenset({JailAnswer.HONOR})
NOT_HONOR = frozenset({JailAnswer.DECLINE, JailAnswer.NOTIFY_ONLY})
COUNTY = "48201"  # Harris County, TX
STATE = "48"


def county(kind: PolicyKind, enacted: date = date(2015, 1, 1), *classes: str) -> DetainerPolicy:
    return DetainerPolicy(COUNTY, kind, enacted, offense_classes=classes)


def state(kind: PolicyKind, enacted: date = date(2017, 9, 1), *classes: str) -> DetainerPolicy:
    return DetainerPolicy(STATE, kind, enacted, offense_classes=classes)


# -- jurisdiction_chain -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fips", "chain"),
    [
        ("48201", ("48201", "48")),  # a county
        ("0644000", ("0644000", "06")),  # a city (Los Angeles)
        ("06", ("06",)),  # a state binds only itself
        (" 06037 ", ("06037", "06")),
    ],
)
def test_jurisdiction_chain(fips: str, chain: tuple[str, ...]) -> None:
    assert jurisdiction_chain(fips) == chain


@pytest.mark.parametrize("fips", ["", "6", "0603", "060371", "AB123", "06-37"])
def test_jurisdiction_chain_refuses_malformed_fips(fips: str) -> None:
    with pytest.raises(ValueError, match="FIPS"):
        jurisdiction_chain(fips)


# -- policy_in_force --------------------------------------------------------------------------


def test_policy_in_force_is_the_latest_enacted_on_or_before_the_date() -> None:
    first = county(PolicyKind.HONOR_ALL, date(2010, 1, 1))
    second = county(PolicyKind.DECLINE_ALL, date(2014, 6, 1))
    third = county(PolicyKind.NOTIFY_ONLY, date(2020, 1, 1))
    other = DetainerPolicy("48113", PolicyKind.CRIMINAL_CRITERIA, date(2019, 1, 1))
    policies = [third, other, first, second]  # order of enactment need not be storage order

    def at(day: date) -> DetainerPolicy | None:
        return policy_in_force(policies, jurisdiction_fips=COUNTY, at=day)

    assert at(date(2009, 12, 31)) is None
    assert at(date(2010, 1, 1)) is first  # in force on its enactment day
    assert at(date(2014, 5, 31)) is first
    assert at(date(2014, 6, 1)) is second
    assert at(date(2019, 12, 31)) is second
    assert at(date(2030, 1, 1)) is third
    assert policy_in_force(policies, jurisdiction_fips="06037", at=date(2030, 1, 1)) is None


def test_policy_in_force_same_day_the_later_listed_wins() -> None:
    a = county(PolicyKind.HONOR_ALL, date(2015, 1, 1))
    b = county(PolicyKind.DECLINE_ALL, date(2015, 1, 1))
    assert policy_in_force([a, b], jurisdiction_fips=COUNTY, at=date(2016, 1, 1)) is b


# -- one policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "warrant", "classes", "expected"),
    [
        (None, False, (), ALL_ANSWERS),
        (county(PolicyKind.HONOR_ALL), False, (), HONOR),
        (county(PolicyKind.JUDICIAL_WARRANT_ONLY), True, (), HONOR),
        (county(PolicyKind.JUDICIAL_WARRANT_ONLY), False, (), NOT_HONOR),
        (
            county(PolicyKind.CRIMINAL_CRITERIA, date(2015, 1, 1), "felony"),
            False,
            ["felony"],
            HONOR,
        ),
        (
            county(PolicyKind.CRIMINAL_CRITERIA, date(2015, 1, 1), "felony", "dui"),
            False,
            ["misdemeanor", " DUI "],  # keyed by hand: spacing and case do not matter
            HONOR,
        ),
        (
            county(PolicyKind.CRIMINAL_CRITERIA, date(2015, 1, 1), "felony"),
            True,
            ["misdemeanor"],
            NOT_HONOR,
        ),
        (county(PolicyKind.CRIMINAL_CRITERIA), False, ["felony"], NOT_HONOR),  # no classes listed
        (county(PolicyKind.NOTIFY_ONLY), True, ["felony"], frozenset({JailAnswer.NOTIFY_ONLY})),
        (county(PolicyKind.DECLINE_ALL), True, ["felony"], frozenset({JailAnswer.DECLINE})),
    ],
)
def test_answers_under_one_policy(
    policy: DetainerPolicy | None,
    warrant: bool,
    classes: list[str],
    expected: frozenset[JailAnswer],
) -> None:
    assert answers_under(policy, judicial_warrant=warrant, offense_classes=classes) == expected
    assert (
        permitted_answers(
            local=policy, overlay=None, judicial_warrant=warrant, offense_classes=classes
        )
        == expected
    )


# -- local policy with a state-law overlay ----------------------------------------------------


def test_state_law_compelling_honor_overrides_a_county_that_declines() -> None:
    # Texas SB4: a county that declines every detainer must honor them
    answers = permitted_answers(
        local=county(PolicyKind.DECLINE_ALL),
        overlay=state(PolicyKind.HONOR_ALL, date(2017, 9, 1)),
        judicial_warrant=False,
        offense_classes=(),
    )
    assert answers == HONOR


def test_state_law_restricting_honor_overrides_a_county_that_honors_all() -> None:
    # California SB54: no honoring on an administrative warrant alone
    answers = permitted_answers(
        local=DetainerPolicy("06073", PolicyKind.HONOR_ALL, date(2010, 1, 1)),
        overlay=DetainerPolicy("06", PolicyKind.JUDICIAL_WARRANT_ONLY, date(2018, 1, 1)),
        judicial_warrant=False,
        offense_classes=("felony",),
    )
    assert answers == NOT_HONOR


def test_overlay_and_local_policy_intersect_where_they_agree() -> None:
    answers = permitted_answers(
        local=county(PolicyKind.NOTIFY_ONLY),
        overlay=state(PolicyKind.JUDICIAL_WARRANT_ONLY),
        judicial_warrant=False,
        offense_classes=(),
    )
    assert answers == {JailAnswer.NOTIFY_ONLY}  # the county may not decline outright


def test_stricter_local_policy_stands_within_a_permissive_overlay() -> None:
    answers = permitted_answers(
        local=county(PolicyKind.DECLINE_ALL),
        overlay=state(PolicyKind.JUDICIAL_WARRANT_ONLY),
        judicial_warrant=False,
        offense_classes=(),
    )
    assert answers == {JailAnswer.DECLINE}


@pytest.mark.parametrize(
    ("overlay", "warrant", "classes", "expected"),
    [
        (state(PolicyKind.HONOR_ALL), False, (), HONOR),
        (state(PolicyKind.DECLINE_ALL), True, (), {JailAnswer.DECLINE}),
        (state(PolicyKind.NOTIFY_ONLY), True, (), {JailAnswer.NOTIFY_ONLY}),
        (state(PolicyKind.JUDICIAL_WARRANT_ONLY), True, (), HONOR),
        (state(PolicyKind.JUDICIAL_WARRANT_ONLY), False, (), NOT_HONOR),
        (state(PolicyKind.CRIMINAL_CRITERIA, date(2018, 1, 1), "felony"), False, ["felony"], HONOR),
        (state(PolicyKind.CRIMINAL_CRITERIA, date(2018, 1, 1), "felony"), False, [], NOT_HONOR),
    ],
)
def test_overlay_alone_binds_a_county_without_a_policy(
    overlay: DetainerPolicy,
    warrant: bool,
    classes: list[str],
    expected: frozenset[JailAnswer],
) -> None:
    answers = permitted_answers(
        local=None, overlay=overlay, judicial_warrant=warrant, offense_classes=classes
    )
    assert answers == expected


def test_an_overlay_must_be_a_state_policy() -> None:
    with pytest.raises(ValueError, match="state FIPS"):
        permitted_answers(
            local=None,
            overlay=county(PolicyKind.HONOR_ALL),
            judicial_warrant=False,
            offense_classes=(),
        )


# -- properties -------------------------------------------------------------------------------

CLASSES = st.sampled_from(["felony", "misdemeanor", "dui", "aggravated_felony", "drug"])


@st.composite
def policies(draw: st.DrawFn, fips: str) -> DetainerPolicy | None:
    kind = draw(st.none() | st.sampled_from(PolicyKind))
    if kind is None:
        return None
    listed = (
        tuple(draw(st.lists(CLASSES, max_size=3))) if kind is PolicyKind.CRIMINAL_CRITERIA else ()
    )
    return DetainerPolicy(fips, kind, date(2015, 1, 1), offense_classes=listed)


@settings(max_examples=300, deadline=None)
@given(
    local=policies(COUNTY),
    overlay=policies(STATE),
    warrant=st.booleans(),
    classes=st.lists(CLASSES, max_size=3),
)
def test_permitted_answers_are_never_empty_and_obey_the_overlay(
    local: DetainerPolicy | None,
    overlay: DetainerPolicy | None,
    warrant: bool,
    classes: list[str],
) -> None:
    answers = permitted_answers(
        local=local, overlay=overlay, judicial_warrant=warrant, offense_classes=classes
    )
    local_answers = answers_under(local, judicial_warrant=warrant, offense_classes=classes)
    overlay_answers = answers_under(overlay, judicial_warrant=warrant, offense_classes=classes)
    assert answers  # a jail always has some lawful answer
    assert answers <= ALL_ANSWERS
    assert answers <= overlay_answers  # a state law always binds
    if local_answers & overlay_answers:
        assert answers <= local_answers  # and the county's own policy stands within it
    if overlay is None:
        assert answers == local_answers


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(PolicyKind),
    warrant=st.booleans(),
    classes=st.lists(CLASSES, max_size=3),
)
def test_a_state_policy_without_a_local_one_is_its_own_answer(
    kind: PolicyKind, warrant: bool, classes: list[str]
) -> None:
    overlay = DetainerPolicy(STATE, kind, date(2017, 1, 1), offense_classes=("felony",))
    assert permitted_answers(
        local=None, overlay=overlay, judicial_warrant=warrant, offense_classes=classes
    ) == answers_under(overlay, judicial_warrant=warrant, offense_classes=classes)


@settings(max_examples=200, deadline=None)
@given(
    enacted=st.lists(st.dates(date(2000, 1, 1), date(2030, 1, 1)), max_size=6),
    day=st.dates(date(2000, 1, 1), date(2030, 1, 1)),
)
def test_policy_in_force_is_never_enacted_after_the_date(enacted: list[date], day: date) -> None:
    policies_ = [county(PolicyKind.HONOR_ALL, d) for d in enacted]
    found = policy_in_force(policies_, jurisdiction_fips=COUNTY, at=day)
    eligible = [d for d in enacted if d <= day]
    if not eligible:
        assert found is None
    else:
        assert found is not None
        assert found.enacted_on == max(eligible)


def test_exported_names() -> None:
    assert set(policy.__all__) == {
        "ALL_ANSWERS",
        "answers_under",
        "jurisdiction_chain",
        "permitted_answers",
        "policy_in_force",
    }
