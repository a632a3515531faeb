from __future__ import annotations

from datetime import date

import pytest

from liaison.jurisdictions.model import AgreementModel
from liaison.operations import agreements as rules
from liaison.operations.errors import InvalidAgreement
from liaison.operations.model import Agreement, AgreementStatus, DelegatedFunction

SIGNED = date(2025, 2, 20)


def harris(**change: object) -> Agreement:
    args: dict[str, object] = {
        "agreement_id": "287g-TX-HCSO-JEM",
        "agency_name": "Harris County Sheriff's Office",
        "state": "Texas",
        "model": AgreementModel.JAIL_ENFORCEMENT,
        "signed_on": SIGNED,
        "expires_on": date(2027, 2, 19),
        "trained_officers": 12,
        "delegated_functions": [
            DelegatedFunction.ISSUE_DETAINERS,
            DelegatedFunction.INTERROGATE,
            DelegatedFunction.ISSUE_DETAINERS,
        ],
    }
    return rules.record(**(args | change))  # type: ignore[arg-type]


def test_a_recorded_agreement_is_normalised() -> None:
    a = harris()
    assert a.state == "TX"
    assert a.delegated_functions == (
        DelegatedFunction.INTERROGATE,
        DelegatedFunction.ISSUE_DETAINERS,
    )
    assert rules.check_agreement(a) == a


def test_every_date_and_count_may_be_unknown() -> None:
    a = harris(signed_on=None, expires_on=None, trained_officers=None, delegated_functions=())
    assert rules.status_on(a, date(2025, 6, 1)) is AgreementStatus.UNSIGNED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_on": date(2025, 2, 19)}, "expiry 2025-02-19 is before the signing"),
        ({"terminated_on": date(2025, 1, 1)}, "termination 2025-01-01 is before the signing"),
        ({"terminated_on": date(2027, 2, 20)}, "cannot be terminated later"),
        ({"trained_officers": -1}, "cannot be negative"),
        ({"agency_name": " "}, "agency's name"),
        ({"state": "Atlantis"}, "not a state"),
    ],
)
def test_inconsistent_agreements_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidAgreement, match=message):
        harris(**change)


def test_boundaries_are_allowed() -> None:
    one_day = harris(expires_on=SIGNED, trained_officers=0)
    assert rules.status_on(one_day, SIGNED) is AgreementStatus.IN_EFFECT
    assert rules.status_on(one_day, date(2025, 2, 21)) is AgreementStatus.EXPIRED
    on_expiry = harris(terminated_on=date(2027, 2, 19))
    assert rules.status_on(on_expiry, date(2027, 2, 18)) is AgreementStatus.IN_EFFECT


def test_status_over_time() -> None:
    a = rules.terminated(harris(), date(2026, 1, 10))
    assert rules.status_on(a, date(2025, 2, 19)) is AgreementStatus.NOT_YET_SIGNED
    assert rules.status_on(a, SIGNED) is AgreementStatus.IN_EFFECT
    assert rules.status_on(a, date(2026, 1, 9)) is AgreementStatus.IN_EFFECT
    assert rules.status_on(a, date(2026, 1, 10)) is AgreementStatus.TERMINATED
    lapsed = harris()
    assert rules.status_on(lapsed, date(2027, 2, 19)) is AgreementStatus.IN_EFFECT
    assert rules.status_on(lapsed, date(2027, 2, 20)) is AgreementStatus.EXPIRED


def test_termination_is_checked() -> None:
    a = harris()
    with pytest.raises(InvalidAgreement, match="before the signing"):
        rules.terminated(a, date(2025, 2, 1))
    done = rules.terminated(a, date(2026, 1, 10))
    with pytest.raises(InvalidAgreement, match="terminated on 2026-01-10 already"):
        rules.terminated(done, date(2026, 2, 1))
