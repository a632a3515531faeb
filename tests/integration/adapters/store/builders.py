"""Domain objects with every field set to something other than its default."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from liaison.accounts.model import ApiKey, Role, User
from liaison.audit.model import AuditEntry
from liaison.bookings.model import (
    Biographics,
    Booking,
    BookingState,
    Candidate,
    Charge,
    Decision,
    Identification,
    Response,
    Review,
    ReviewAction,
    Verification,
)
from liaison.detainers.model import Detainer, DetainerState, ProbableCause, Transition
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipReferral,
    CitizenshipRuling,
    Concurrence,
    EventKind,
    Identity,
    ImmigrationEvent,
    PersonName,
    ReferralState,
)

T0 = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
EASTERN = timezone(timedelta(hours=-5))  # a non-UTC offset: the store must give back the instant
# Every byte value, NULs included, as a fingerprint record would have.
RECORD = bytes(range(256)) + b"FMR\x00 20\x00"


def fields_of(obj: object) -> dict[str, Any]:
    """Every dataclass field, with mappings and lists as plain ones, for comparing."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, dict) or hasattr(value, "keys"):
            value = dict(value)
        elif isinstance(value, list):
            value = list(value)
        elif isinstance(value, set):
            value = set(value)
        out[f.name] = value
    return out


def identity(identity_id: int = 41, **changes: Any) -> Identity:
    return dataclasses.replace(
        Identity(
            identity_id=identity_id,
            names=[PersonName("Garcia", "Ana"), PersonName("Garsia", "Anna", alias=True)],
            birth_date=date(1988, 2, 29),
            sex="F",
            birth_country="MX",
            events=[
                ImmigrationEvent(
                    EventKind.ADMITTED_NONIMMIGRANT,
                    date(2015, 6, 1),
                    until=date(2015, 12, 1),
                    detail="B2",
                    reference="I94-123",
                ),
                ImmigrationEvent(EventKind.PROCEEDINGS_INITIATED, date(2019, 1, 2)),
            ],
            a_number="A123456789",
            citizenship_rulings=[
                CitizenshipRuling(
                    CitizenshipFinding.NOT_CITIZEN,
                    ("claim", "us_birth_place"),
                    "officer7",
                    "birth certificate from Oaxaca",
                    T0.astimezone(EASTERN),
                    referral_id="ref-1",
                    concurrence_required=True,
                    concurrence=Concurrence(
                        "adjudicator9", True, "agreed: Oaxaca civil registry", T0 + timedelta(1)
                    ),
                )
            ],
        ),
        **changes,
    )


def booking(n: int = 1, **changes: Any) -> Booking:
    return dataclasses.replace(
        Booking(
            booking_id=f"bk-{n}",
            tcn=f"TCN-{n:06d}",
            ori="TX2270000",
            booking_number=f"2025-{n}",
            arrested_at=T0.astimezone(EASTERN),
            biographics=Biographics("Garcia", "Ana", date(1988, 2, 29), "F", "MX", "MX"),
            charges=[Charge("1399", "assault", felony=True), Charge("5404", "DUI")],
            fingerprints={1: RECORD, 6: RECORD[::-1], 10: b"\x00"},
            body_digest="ab" * 32,
            submitted_at=T0 + timedelta(minutes=n),
            scheduled_release=T0 + timedelta(days=3),
            state=BookingState.RESPONDED,
            identification=Identification(
                decision=Decision.POSSIBLE,
                candidates=(
                    Candidate(41, 61.25, {1: 7.5, 2: 0.125, 10: 33.0}),
                    Candidate(7, 12.0, {}),
                ),
                searched_at=T0 + timedelta(seconds=30),
                thresholds=(80.0, 40.5),
            ),
            response=Response(
                decision=Decision.POSSIBLE,
                status_category="in_proceedings",
                priority="level_2",
                flags=("citizenship_indicator", "possible_match"),
                created_at=T0 + timedelta(seconds=31),
            ),
            reviews=[
                Review("officer7", ReviewAction.REFER_CITIZENSHIP, 41, "claims US birth", T0),
            ],
            verification=Verification(41, "officer7", T0.astimezone(EASTERN), "photo matches"),
        ),
        **changes,
    )


def detainer(n: int = 1, **changes: Any) -> Detainer:
    return dataclasses.replace(
        Detainer(
            detainer_id=f"dt-{n}",
            booking_id=f"bk-{n}",
            identity_id=41,
            ori="TX2270000",
            basis=ProbableCause.PENDING_PROCEEDINGS,
            warrant_ref="I-200-0042",
            judicial_warrant=True,
            issued_by="officer7",
            issued_at=T0 + timedelta(hours=n),
            state=DetainerState.HONORED,
            released_at=T0 + timedelta(days=2),
            history=[
                Transition(None, DetainerState.ISSUED, T0, "officer7"),
                Transition(DetainerState.ISSUED, DetainerState.SERVED, T0, "jail", "faxed"),
                Transition(DetainerState.SERVED, DetainerState.HONORED, T0, "jail:TX2270000"),
            ],
            statement="admitted overstaying a B2 visa, in a recorded interview",
        ),
        **changes,
    )


def referral(n: int = 1, **changes: Any) -> CitizenshipReferral:
    return dataclasses.replace(
        CitizenshipReferral(
            referral_id=f"ref-{n}",
            identity_id=41,
            booking_id="bk-1",
            referred_by="officer7",
            referred_at=(T0 + timedelta(minutes=n)).astimezone(EASTERN),
            reason="claims a U.S. birth in El Paso",
            indicators=("claimed_us_citizenship", "us_place_of_birth"),
            state=ReferralState.DECIDED,
            decided_at=T0 + timedelta(days=n),
        ),
        **changes,
    )


def user(username: str = "ana", **changes: Any) -> User:
    return dataclasses.replace(
        User(
            username=username,
            password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
            roles={Role.BOOKING_OFFICER, Role.AUDITOR},
            ori="TX2270000",
            failed_logons=2,
            locked=True,
        ),
        **changes,
    )


def api_key(key_id: str = "lk_abc123", **changes: Any) -> ApiKey:
    return dataclasses.replace(
        ApiKey(
            key_id=key_id,
            secret_hash="$argon2id$v=19$secret",
            ori="TX2270000",
            label="county jail RMS",
            revoked=True,
        ),
        **changes,
    )


def audit_entry(seq: int, prev_hash: str = "") -> AuditEntry:
    return AuditEntry(
        seq=seq,
        at=T0 + timedelta(seconds=seq),
        actor="officer7",
        action="booking.read",
        subject=f"booking:bk-{seq}",
        purpose="review",
        detail='{"b": [1, 2], "a": "\\u00e9"}',
        prev_hash=prev_hash or "0" * 64,
        entry_hash=f"{seq:064x}",
    )
