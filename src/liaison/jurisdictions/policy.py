"""Detainer policy evaluation: which policy is in force, and which answers it permits.

Pure functions over ``DetainerPolicy`` values; the store only has to hand over every policy
ever enacted for a place (``JurisdictionRepository.policies_for``), and these pick by date.

What one policy permits, given the detainer and the person's offense classes:

    ======================  ===========================================  =======================
    policy kind             permitted when ...                           otherwise
    ======================  ===========================================  =======================
    honor_all               {honor}                                      -
    judicial_warrant_only   {honor} if a judge signed a warrant          {decline, notify_only}
    criminal_criteria       {honor} if an offense class is listed        {decline, notify_only}
    notify_only             {notify_only}                                -
    decline_all             {decline}                                    -
    (no policy)             {honor, notify_only, decline}                -
    ======================  ===========================================  =======================

How a state-law overlay (a policy on the state's 2-digit FIPS) combines with the local one:

    ==========================  =============================================================
    local and overlay answers   permitted
    ==========================  =============================================================
    they share an answer        the shared answers (local ∩ overlay)
    they share none             the overlay's answers: a state law binds its counties
    ==========================  =============================================================

So a county that declines everything in a state whose law compels honoring (Texas SB4) must
honor, and a county that honors everything in a state whose law limits cooperation to judicial
warrants (California SB54) may not honor on an administrative warrant alone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date

from liaison.jurisdictions.model import DetainerPolicy, JailAnswer, PolicyKind

__all__ = [
    "ALL_ANSWERS",
    "answers_under",
    "jurisdiction_chain",
    "permitted_answers",
    "policy_in_force",
]

ALL_ANSWERS: frozenset[JailAnswer] = frozenset(JailAnswer)

_HONOR = frozenset({JailAnswer.HONOR})
_NOT_HONOR = frozenset({JailAnswer.DECLINE, JailAnswer.NOTIFY_ONLY})

# FIPS lengths: state 2, county 5 (state + county), city 7 (state + place)
_FIPS_LENGTHS = (2, 5, 7)


def jurisdiction_chain(fips: str) -> tuple[str, ...]:
    """The places whose policies bind a jurisdiction: (county-or-city FIPS, state FIPS).

    A state's own FIPS gives just ``(state,)``. Raises ``ValueError`` on a malformed FIPS.
    """
    code = fips.strip()
    if not code.isdigit() or len(code) not in _FIPS_LENGTHS:
        raise ValueError(f"not a state, county or city FIPS code: {fips!r}")
    state = code[:2]
    return (state,) if code == state else (code, state)


def policy_in_force(
    policies: Sequence[DetainerPolicy], *, jurisdiction_fips: str, at: date
) -> DetainerPolicy | None:
    """The policy of ``jurisdiction_fips`` in force on ``at``: the latest enacted on or before it.

    Of two policies enacted the same day for one place, the later in ``policies`` wins.
    """
    in_force: DetainerPolicy | None = None
    for policy in policies:
        if policy.jurisdiction_fips != jurisdiction_fips or policy.enacted_on > at:
            continue
        if in_force is None or policy.enacted_on >= in_force.enacted_on:
            in_force = policy
    return in_force


def _normalized(offense_class: str) -> str:
    return offense_class.strip().casefold()


def _criminal_criteria(
    policy: DetainerPolicy, judicial_warrant: bool, offense_classes: Collection[str]
) -> frozenset[JailAnswer]:
    listed = {_normalized(c) for c in policy.offense_classes}
    return _HONOR if any(_normalized(c) in listed for c in offense_classes) else _NOT_HONOR


_Rule = Callable[[DetainerPolicy, bool, Collection[str]], frozenset[JailAnswer]]

_RULES: Mapping[PolicyKind, _Rule] = {
    PolicyKind.HONOR_ALL: lambda _p, _w, _c: _HONOR,
    PolicyKind.JUDICIAL_WARRANT_ONLY: lambda _p, warrant, _c: _HONOR if warrant else _NOT_HONOR,
    PolicyKind.CRIMINAL_CRITERIA: _criminal_criteria,
    PolicyKind.NOTIFY_ONLY: lambda _p, _w, _c: frozenset({JailAnswer.NOTIFY_ONLY}),
    PolicyKind.DECLINE_ALL: lambda _p, _w, _c: frozenset({JailAnswer.DECLINE}),
}


def answers_under(
    policy: DetainerPolicy | None, *, judicial_warrant: bool, offense_classes: Collection[str]
) -> frozenset[JailAnswer]:
    """The answers one policy permits (all three where there is no policy); never empty."""
    if policy is None:
        return ALL_ANSWERS
    return _RULES[policy.kind](policy, judicial_warrant, offense_classes)


def permitted_answers(
    *,
    local: DetainerPolicy | None,
    overlay: DetainerPolicy | None,
    judicial_warrant: bool,
    offense_classes: Collection[str],
) -> frozenset[JailAnswer]:
    """The answers a jail may give under its local policy and its state's overlay; never empty.

    The intersection of both where it is non-empty, else the overlay's (see the module's tables).
    """
    if overlay is not None and len(overlay.jurisdiction_fips) != 2:
        raise ValueError(
            f"a state-law overlay needs a state FIPS, not {overlay.jurisdiction_fips!r}"
        )
    local_answers = answers_under(
        local, judicial_warrant=judicial_warrant, offense_classes=offense_classes
    )
    overlay_answers = answers_under(
        overlay, judicial_warrant=judicial_warrant, offense_classes=offense_classes
    )
    return (local_answers & overlay_answers) or overlay_answers
