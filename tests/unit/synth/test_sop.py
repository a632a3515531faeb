"""The simulated reviewer's SOP, step by step."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from liaison.bookings import errors as booking_errors
from liaison.bookings.model import Biographics, Decision, ReviewAction
from liaison.detainers import errors as detainer_errors
from liaison.detainers.model import ProbableCause
from liaison.errors import LiaisonError
from liaison.identity.model import EventKind, Identity, ImmigrationEvent, PersonName
from liaison.identity.status import derive_status
from liaison.synth import sop

NOW = datetime(2025, 7, 8, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)


def _record(*events: tuple[EventKind, date], names: tuple[PersonName, ...] = ()) -> Identity:
    return Identity(
        identity_id=17,
        names=list(names or (PersonName("Nguyễn", "Tuấn"),)),
        birth_date=date(1990, 4, 2),
        sex="M",
        birth_country="VN",
        events=[ImmigrationEvent(kind, on) for kind, on in events],
    )


def _booked(
    family: str = "Nguyen", given: str = "Tuan", born: date | None = date(1990, 4, 2)
) -> Biographics:
    return Biographics(family, given, born, "M", "VN", "VN")


def _review(
    record: Identity,
    booking: Biographics | None = None,
    *,
    decision: Decision = Decision.MATCH,
    unresolved: tuple[str, ...] = (),
    priority: str = "level_2",
    release: datetime = LATER,
    open_here: bool = False,
) -> sop.Verdict:
    status = derive_status(record.events, NOW.date(), birth_country=record.birth_country)
    return sop.review(
        decision=decision,
        candidate=record,
        booking=booking or _booked(),
        status=status,
        unresolved=unresolved,
        priority=priority,
        now=NOW,
        release=release,
        open_here=open_here,
    )


EWI = (EventKind.ENTERED_WITHOUT_INSPECTION, date(2015, 3, 1))
NTA = (EventKind.PROCEEDINGS_INITIATED, date(2016, 1, 1))
ORDER = (EventKind.FINAL_ORDER, date(2017, 1, 1))


def test_s0_a_release_too_close_leaves_nothing_to_do() -> None:
    verdict = _review(_record(EWI), release=NOW + timedelta(hours=1))
    assert (verdict.step, verdict.action) == ("S0", ReviewAction.NO_ACTION)


def test_s1_transliterated_names_corroborate_but_strangers_do_not() -> None:
    assert sop.corroborated(_record(EWI), _booked()) == (True, True)
    stranger = _booked("Smith", "John", date(1971, 1, 1))
    assert sop.corroborated(_record(EWI), stranger) == (False, False)
    verdict = _review(_record(EWI), stranger)
    assert (verdict.step, verdict.action) == ("S1", ReviewAction.REJECT_MATCH)
    assert verdict.verified_identity_id is None


def test_s1_a_possible_match_needs_both_name_and_date_of_birth() -> None:
    only_name = _booked(born=date(1990, 4, 3))
    assert _review(_record(EWI), only_name).step == "S8"
    assert _review(_record(EWI), only_name, decision=Decision.POSSIBLE).step == "S1"


def test_s2_a_citizen_on_record_is_left_alone() -> None:
    record = _record(
        (EventKind.LPR_GRANTED, date(2005, 1, 1)), (EventKind.NATURALIZED, date(2012, 1, 1))
    )
    verdict = _review(record, unresolved=("naturalization_record",))
    assert (verdict.step, verdict.action) == ("S2", ReviewAction.NO_ACTION)


def test_s3_an_unresolved_indicator_is_referred() -> None:
    verdict = _review(_record(EWI), unresolved=("claimed_us_citizenship",))
    assert (verdict.step, verdict.action) == ("S3", ReviewAction.REFER_CITIZENSHIP)
    assert verdict.verified_identity_id == 17


def test_s4_lawful_status_means_no_action() -> None:
    verdict = _review(_record((EventKind.LPR_GRANTED, date(2010, 1, 1))))
    assert (verdict.step, verdict.action) == ("S4", ReviewAction.NO_ACTION)


def test_s5_a_detainer_already_open_at_the_jail_is_not_lodged_again() -> None:
    verdict = _review(_record(EWI, NTA, ORDER), open_here=True)
    assert (verdict.step, verdict.action) == ("S5", ReviewAction.NO_ACTION)
    assert verdict.verified_identity_id == 17


@pytest.mark.parametrize(
    ("events", "priority", "step", "basis", "form"),
    [
        ((EWI, (EventKind.FINAL_ORDER, date(2019, 1, 1))), "level_3", "S6",
         ProbableCause.FINAL_ORDER, "I-205"),
        ((EWI, (EventKind.PROCEEDINGS_INITIATED, date(2020, 1, 1))), "level_1", "S7",
         ProbableCause.PENDING_PROCEEDINGS, "I-200"),
        ((EWI,), "level_2", "S8", ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS, "I-200"),
        # removed without a final order on record (an expedited removal): no final order basis
        ((EWI, (EventKind.REMOVED, date(2018, 1, 1))), "level_2", "S8",
         ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS, "I-200"),
        # the order was reopened by new proceedings: those proceedings, not the order
        ((EWI, NTA, ORDER, (EventKind.PROCEEDINGS_INITIATED, date(2019, 1, 1))), "level_2",
         "S7", ProbableCause.PENDING_PROCEEDINGS, "I-200"),
    ],
)  # fmt: skip
def test_s6_to_s8_lodge_with_the_basis_the_record_supports(
    events: tuple[tuple[EventKind, date], ...],
    priority: str,
    step: str,
    basis: ProbableCause,
    form: str,
) -> None:
    record = _record(*events)
    verdict = _review(record, priority=priority)
    assert (verdict.step, verdict.action) == (step, ReviewAction.LODGE_DETAINER)
    assert (verdict.basis, verdict.warrant_form) == (basis, form)
    assert verdict.verified_identity_id == 17
    assert sop.supported(basis, record, NOW.date())


def test_s9_lowest_priority_gets_notice_only() -> None:
    verdict = _review(_record(EWI), priority="level_3")
    assert (verdict.step, verdict.action) == ("S9", ReviewAction.REQUEST_NOTICE)
    assert "priority level_3" in verdict.reason


def test_s9_a_record_that_supports_no_basis_gets_notice_only() -> None:
    verdict = _review(_record(), priority="level_1")  # no events: the status is unknown
    assert (verdict.step, verdict.action) == ("S9", ReviewAction.REQUEST_NOTICE)
    assert "no basis the record supports" in verdict.reason


def test_the_citizenship_slip_lodges_on_the_match_alone() -> None:
    slip = sop.slip_verdict(_record(EWI))
    assert slip.action is ReviewAction.LODGE_DETAINER
    assert slip.basis is ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS
    assert sop.warrant_ref("I-200", date(2025, 7, 8), 117) == "I-200-2025-000117"


@pytest.mark.parametrize(
    ("events", "cited"),
    [
        (((EventKind.LPR_GRANTED, date(2010, 1, 1)),), ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS),
        ((EWI,), ProbableCause.FINAL_ORDER),
        ((EWI, NTA, ORDER), ProbableCause.PENDING_PROCEEDINGS),
    ],
)
def test_the_basis_slip_cites_a_basis_the_record_contradicts(
    events: tuple[tuple[EventKind, date], ...], cited: ProbableCause
) -> None:
    record = _record(*events)
    slip = sop.unsupported_basis(record, NOW)
    assert slip is not None
    assert (slip.action, slip.basis, slip.verified_identity_id) == (
        ReviewAction.LODGE_DETAINER,
        cited,
        17,
    )
    assert not sop.supported(cited, record, NOW.date())


def test_the_basis_slip_needs_a_basis_the_record_contradicts() -> None:
    # removed on an order, came back, charged again: every basis stands
    record = _record(
        (EventKind.ENTERED_WITHOUT_INSPECTION, date(2010, 3, 1)),
        (EventKind.PROCEEDINGS_INITIATED, date(2011, 1, 1)),
        (EventKind.FINAL_ORDER, date(2012, 1, 1)),
        (EventKind.REMOVED, date(2012, 6, 1)),
        (EventKind.ENTERED_WITHOUT_INSPECTION, date(2014, 1, 1)),
        (EventKind.PROCEEDINGS_INITIATED, date(2020, 1, 1)),
    )
    assert sop.unsupported_basis(record, NOW) is None


def test_every_slip_has_a_small_rate_and_the_refusal_that_answers_it() -> None:
    assert set(sop.SLIPS) == set(sop.Slip)
    assert all(0 < kind.rate <= 0.25 for kind in sop.SLIPS.values())
    refusals = [kind.refused_by for kind in sop.SLIPS.values()]
    assert len(set(refusals)) == len(refusals)
    for name in refusals:  # each names an error the services raise
        error = getattr(detainer_errors, name, None) or getattr(booking_errors, name)
        assert issubclass(error, LiaisonError)


def test_s1_a_shared_family_name_alone_does_not_corroborate_a_match() -> None:
    namesake = _booked("Nguyen", "Minh", date(1985, 1, 1))
    assert sop.corroborated(_record(EWI), namesake) == (False, False)
    assert _review(_record(EWI), namesake).step == "S1"
    swapped = _booked("Tuan", "Nguyen", date(1985, 1, 1))  # recorded the other way round
    assert sop.corroborated(_record(EWI), swapped) == (False, True)
