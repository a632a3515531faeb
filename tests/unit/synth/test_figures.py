"""Identification figures are measured against the ground truth, not the system's view."""

from __future__ import annotations

from datetime import UTC, date, datetime

from liaison.bookings.model import (
    Biographics,
    Booking,
    Candidate,
    Charge,
    Decision,
    Identification,
)
from liaison.synth.figures import identification_figures
from liaison.synth.month import PlannedBooking
from liaison.synth.population import Person, make_person, make_stranger
from liaison.synth.world import plan_world

AT = datetime(2025, 7, 7, tzinfo=UTC)
JAIL = plan_world(seed=1, identities=2000, agreements_file=None).jails[0]
BIO = Biographics("Doe", "Jo", date(1990, 1, 1), "M", "US", "US")


def _planned(n: int, person: Person) -> PlannedBooking:
    return PlannedBooking(
        n, f"b{n}", f"T{n}", person, 0, JAIL, AT, AT, AT, (Charge("1313"),), BIO, False
    )


def _stored(n: int, decision: Decision, top: int | None) -> Booking:
    candidates = () if top is None else (Candidate(top, 0.5, {}),)
    return Booking(
        booking_id=f"b{n}",
        tcn=f"T{n}",
        ori=JAIL.ori,
        booking_number="1",
        arrested_at=AT,
        biographics=BIO,
        charges=[Charge("1313")],
        fingerprints={},
        body_digest="",
        submitted_at=AT,
        identification=Identification(decision, candidates, AT, (0.1, 0.05)),
    )


def test_rates_count_the_right_person_first_and_strangers_matched() -> None:
    mate, other = make_person(1, 4, today=AT.date()), make_person(1, 5, today=AT.date())
    stranger = make_stranger(1, 0, identities=10, today=AT.date())
    plan = [
        _planned(0, mate),  # matched to themself
        _planned(1, other),  # matched to someone else: not a true match
        _planned(2, mate),  # possible, right person
        _planned(3, stranger),  # a stranger matched: a false match
        _planned(4, stranger),  # a stranger not matched
    ]
    stored = {
        "b0": _stored(0, Decision.MATCH, 4),
        "b1": _stored(1, Decision.MATCH, 4),
        "b2": _stored(2, Decision.POSSIBLE, 4),
        "b3": _stored(3, Decision.MATCH, 4),
        "b4": _stored(4, Decision.NO_MATCH, None),
    }
    figures, decisions = identification_figures(plan, stored)
    assert figures["enrolled_bookings"] == 3
    assert figures["never_enrolled_bookings"] == 2
    assert figures["true_match_rate"] == round(1 / 3, 6)
    assert figures["possible_mate_rate"] == round(1 / 3, 6)
    assert figures["matched_to_wrong_identity"] == 1
    assert figures["false_match_rate"] == 0.5
    assert decisions == {"match": 3, "possible": 1, "no_match": 1}
