from __future__ import annotations

import inspect
from datetime import UTC, date, datetime

from liaison.detainers import errors
from liaison.detainers.errors import (
    AnswerForbiddenByPolicy,
    BasisNotSupported,
    CitizenshipIndicatorUnresolved,
    ConflictOfDuties,
    DetainerAlreadyOpen,
    DetainerError,
    HoldExpired,
    IllegalTransition,
    ImpossibleReleaseTime,
    LodgingRefused,
    MissingOfficer,
    MissingProbableCause,
    MissingWarrant,
    NotTheVerifiedIdentity,
    ReleaseTimeFixed,
    UnverifiedIdentification,
)
from liaison.errors import LiaisonError
from liaison.jurisdictions.model import DetainerPolicy, PolicyKind


def test_exported_names() -> None:
    assert set(errors.__all__) == {
        "AnswerForbiddenByPolicy",
        "BasisNotSupported",
        "CitizenshipIndicatorUnresolved",
        "ConflictOfDuties",
        "DetainerAlreadyOpen",
        "DetainerError",
        "DuplicateDetainer",
        "HoldExpired",
        "IllegalTransition",
        "ImpossibleReleaseTime",
        "LapseNotDue",
        "LodgingRefused",
        "MissingOfficer",
        "MissingProbableCause",
        "MissingReason",
        "MissingWarrant",
        "NotTheVerifiedIdentity",
        "OutOfOrder",
        "ReleaseTimeFixed",
        "UnknownDetainer",
        "UnverifiedIdentification",
    }


def test_every_error_is_a_detainer_error_and_the_docstring_draws_each() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert inspect.isclass(cls)
        assert issubclass(cls, DetainerError)
        assert issubclass(cls, LiaisonError)
        assert name in doc


def test_the_lodging_safeguards_share_a_branch() -> None:
    for cls in (
        UnverifiedIdentification,
        NotTheVerifiedIdentity,
        DetainerAlreadyOpen,
        ConflictOfDuties,
        CitizenshipIndicatorUnresolved,
        MissingProbableCause,
        BasisNotSupported,
        MissingWarrant,
        MissingOfficer,
    ):
        assert issubclass(cls, LodgingRefused)
    for lifecycle_error in (ImpossibleReleaseTime, ReleaseTimeFixed, HoldExpired):
        assert not issubclass(lifecycle_error, LodgingRefused)


def test_messages_carry_what_the_person_needs() -> None:
    illegal = IllegalTransition(state="issued", event="transfer", allowed=["serve", "cancel"])
    assert str(illegal) == (
        "cannot transfer a detainer that is issued; allowed events: cancel, serve"
    )
    assert illegal.allowed == ("cancel", "serve")
    deadline = datetime(2025, 1, 3, 8, tzinfo=UTC)
    expired = HoldExpired(deadline=deadline, at=datetime(2025, 1, 3, 9, tzinfo=UTC))
    assert "2025-01-03T08:00:00+00:00" in str(expired)


def test_the_safeguard_refusals_name_what_they_refuse() -> None:
    other = NotTheVerifiedIdentity(identity_id=12, verified_identity_id=6, booking_id="BK-1")
    assert (other.identity_id, other.verified_identity_id) == (12, 6)
    assert "identity 12 is not the verified identity of booking BK-1 (6)" in str(other)
    open_ = DetainerAlreadyOpen(detainer_id="D-1", scope="booking BK-1")
    assert open_.detainer_id == "D-1"
    assert "detainer D-1 is already open for booking BK-1" in str(open_)
    conflict = ConflictOfDuties(officer="adj.kim", identity_id=6)
    assert conflict.officer == "adj.kim"
    assert "adj.kim adjudicated the citizenship of identity 6" in str(conflict)
    basis = BasisNotSupported(
        basis="final_order",
        reason="no final order of removal is on record",
        events=["lpr_granted 2010-03-01", "naturalized 2016-01-01"],
    )
    assert (basis.basis, basis.events) == (
        "final_order",
        ("lpr_granted 2010-03-01", "naturalized 2016-01-01"),
    )
    assert str(basis) == (
        "the probable-cause basis 'final_order' is not supported by the record: no final order "
        "of removal is on record (events: lpr_granted 2010-03-01; naturalized 2016-01-01)"
    )
    assert "events:" not in str(BasisNotSupported(basis="x", reason="none", events=[]))
    when = datetime(2030, 1, 1, tzinfo=UTC)
    impossible = ImpossibleReleaseTime(released_at=when, problem="it is in the future")
    assert impossible.released_at == when
    assert str(impossible) == (
        "the release time 2030-01-01T00:00:00+00:00 is impossible: it is in the future"
    )


def test_answer_forbidden_names_each_policy_its_date_and_the_permitted_answers() -> None:
    refused = AnswerForbiddenByPolicy(
        answer="honor",
        policies=[
            DetainerPolicy("06001", PolicyKind.HONOR_ALL, date(2010, 1, 1)),
            DetainerPolicy("06", PolicyKind.JUDICIAL_WARRANT_ONLY, date(2018, 1, 1), (), "SB54"),
        ],
        permitted=["notify_only", "decline"],
    )
    assert str(refused) == (
        "the answer 'honor' is forbidden by local policy honor_all of 06001 enacted 2010-01-01"
        " with state law judicial_warrant_only of 06 (SB54) enacted 2018-01-01;"
        " permitted answers: decline, notify_only"
    )
    assert refused.permitted == ("decline", "notify_only")
