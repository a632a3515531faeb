from __future__ import annotations

import inspect
from datetime import UTC, date, datetime

from liaison.detainers import errors
from liaison.detainers.errors import (
    AnswerForbiddenByPolicy,
    CitizenshipIndicatorUnresolved,
    DetainerError,
    HoldExpired,
    IllegalTransition,
    LodgingRefused,
    MissingOfficer,
    MissingProbableCause,
    MissingWarrant,
    UnverifiedIdentification,
)
from liaison.errors import LiaisonError
from liaison.jurisdictions.model import DetainerPolicy, PolicyKind


def test_exported_names() -> None:
    assert set(errors.__all__) == {
        "AnswerForbiddenByPolicy",
        "CitizenshipIndicatorUnresolved",
        "DetainerError",
        "DuplicateDetainer",
        "HoldExpired",
        "IllegalTransition",
        "LapseNotDue",
        "LodgingRefused",
        "MissingOfficer",
        "MissingProbableCause",
        "MissingReason",
        "MissingWarrant",
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
        CitizenshipIndicatorUnresolved,
        MissingProbableCause,
        MissingWarrant,
        MissingOfficer,
    ):
        assert issubclass(cls, LodgingRefused)


def test_messages_carry_what_the_person_needs() -> None:
    illegal = IllegalTransition(state="issued", event="transfer", allowed=["serve", "cancel"])
    assert str(illegal) == (
        "cannot transfer a detainer that is issued; allowed events: cancel, serve"
    )
    assert illegal.allowed == ("cancel", "serve")
    deadline = datetime(2025, 1, 3, 8, tzinfo=UTC)
    expired = HoldExpired(deadline=deadline, at=datetime(2025, 1, 3, 9, tzinfo=UTC))
    assert "2025-01-03T08:00:00+00:00" in str(expired)


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
