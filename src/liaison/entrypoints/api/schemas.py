"""Request and response bodies of the HTTP API (pydantic), converted to and from the domain
at the edge; domain objects never double as schemas.

A request body (``RequestBody``) refuses unknown fields, NaN and infinities, and a NUL or a
lone surrogate in any string or key; each field is bounded with the kinds of
``bounds`` (every string has a length, every list a count, every number a range).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from liaison.bookings.model import Biographics, Booking, Charge, ReviewAction
from liaison.bookings.services import BookingSubmission
from liaison.detainers.model import Detainer, DetainerState, ProbableCause
from liaison.entrypoints.api.bounds import (
    Day,
    FipsCode,
    FreeText,
    Identifier,
    IntId,
    Moment,
    Name,
    OriCode,
    refuse_unstorable,
)
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipReferral,
    CitizenshipRuling,
    ReferralState,
)
from liaison.jurisdictions.model import JailAnswer, PolicyKind

# an ISO/IEC 19794-2 record holds at most 255 minutiae (6 bytes each) and extended data: 64 KiB
# is generous, and 10 of them stay well within the booking's 8 MiB body
MAX_TEMPLATE_BASE64 = 64 * 1024 * 4 // 3 + 4


class Strict(BaseModel):
    """Every body, in or out: no field that is not declared."""

    model_config = ConfigDict(extra="forbid")


class RequestBody(Strict):
    """A body a caller sends: also no NaN or infinity, and no NUL or lone surrogate in any
    string or key (neither is text a store can keep)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        refuse_unstorable(data)
        return data


class TokenRequest(RequestBody):
    username: Identifier = Field(max_length=100)
    password: str = Field(max_length=1024)


class TokenResponse(Strict):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class BiographicsIn(RequestBody):
    family_name: Name = Field(min_length=1, max_length=100)
    given_name: Name = Field(max_length=100)
    birth_date: Day | None = Field(None, description="1900-01-01 or later, not after the arrest")
    sex: str = Field(pattern="^[MFX]$")
    birth_place: str = Field(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    claimed_citizenship: str = Field(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class ChargeIn(RequestBody):
    ncic_code: str = Field(pattern="^[0-9]{4}$")
    literal: FreeText = Field("", max_length=200)
    felony: bool = False


FingerPosition = Annotated[int, Field(ge=1, le=10)]
TemplateText = Annotated[str, Field(max_length=MAX_TEMPLATE_BASE64)]


class BookingIn(RequestBody):
    """A booking as a jail submits it; fingerprints are base64 ISO/IEC 19794-2 records.

    The arrest is at most a day ahead of the server's clock (the service checks), and the
    birth date is not after the arrest."""

    tcn: Identifier = Field(min_length=1, max_length=40)
    ori: OriCode
    booking_number: Identifier = Field(min_length=1, max_length=40)
    arrested_at: Moment
    scheduled_release: Moment | None = None
    biographics: BiographicsIn
    charges: list[ChargeIn] = Field(min_length=1, max_length=50)
    fingerprints: dict[FingerPosition, TemplateText] = Field(
        max_length=10, description="finger position 1-10 -> base64 record"
    )

    @model_validator(mode="after")
    def _born_before_arrest(self) -> BookingIn:
        born = self.biographics.birth_date
        if born is not None and born > self.arrested_at.date():
            raise ValueError(f"birth_date {born} is after the arrest")
        return self

    @field_validator("fingerprints")
    @classmethod
    def _decodable(cls, value: dict[int, str]) -> dict[int, str]:
        for position, text in value.items():
            try:
                base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"finger {position} is not valid base64") from exc
        return value

    def to_domain(self) -> BookingSubmission:
        b = self.biographics
        return BookingSubmission(
            tcn=self.tcn,
            ori=self.ori,
            booking_number=self.booking_number,
            arrested_at=self.arrested_at,
            biographics=Biographics(
                b.family_name,
                b.given_name,
                b.birth_date,
                b.sex,
                b.birth_place,
                b.claimed_citizenship,
            ),
            charges=tuple(Charge(c.ncic_code, c.literal, c.felony) for c in self.charges),
            fingerprints={p: base64.b64decode(t) for p, t in self.fingerprints.items()},
            scheduled_release=self.scheduled_release,
        )


class ResponseOut(Strict):
    """The response to the jail (the IAR equivalent)."""

    booking_id: str
    tcn: str
    state: str
    decision: str | None = None
    status_category: str | None = None
    priority: str | None = None
    flags: list[str] = []

    @classmethod
    def of(cls, booking: Booking) -> ResponseOut:
        r = booking.response
        return cls(
            booking_id=booking.booking_id,
            tcn=booking.tcn,
            state=booking.state.value,
            decision=r.decision.value if r else None,
            status_category=r.status_category if r else None,
            priority=r.priority if r else None,
            flags=list(r.flags) if r else [],
        )


class CandidateOut(Strict):
    identity_id: int
    score: float
    finger_scores: dict[int, float]


class ReviewItem(Strict):
    """A booking as an enforcement officer reviews it: the candidates and their scores."""

    booking_id: str
    tcn: str
    ori: str
    family_name: str
    given_name: str
    decision: str
    flags: list[str]
    candidates: list[CandidateOut]
    verified_identity_id: int | None = Field(
        None, description="the candidate an officer verified: the only one a detainer may name"
    )

    @classmethod
    def of(cls, booking: Booking) -> ReviewItem:
        ident = booking.identification
        return cls(
            verified_identity_id=(
                booking.verification.identity_id if booking.verification else None
            ),
            booking_id=booking.booking_id,
            tcn=booking.tcn,
            ori=booking.ori,
            family_name=booking.biographics.family_name,
            given_name=booking.biographics.given_name,
            decision=ident.decision.value if ident else "",
            flags=list(booking.response.flags) if booking.response else [],
            candidates=[
                CandidateOut(
                    identity_id=c.identity_id, score=c.score, finger_scores=c.finger_scores
                )
                for c in (ident.candidates if ident else ())
            ],
        )


class ReviewIn(RequestBody):
    action: ReviewAction
    verified_identity_id: IntId | None = Field(
        None,
        description="the candidate confirmed; naming another than the one verified changes the "
        "verification (cancelling what was lodged on the old one), except when lodging",
    )
    reason: FreeText = Field(min_length=1, max_length=500)
    basis: ProbableCause | None = None
    warrant_ref: Identifier = Field("", max_length=100)
    judicial_warrant: bool = False
    statement: FreeText = Field(
        "",
        max_length=4000,
        description="the statement or other evidence a statements_or_evidence basis rests on",
    )


class DetainerOut(Strict):
    detainer_id: str
    booking_id: str
    identity_id: int
    ori: str
    basis: ProbableCause
    warrant_ref: str
    state: DetainerState
    issued_at: datetime
    released_at: datetime | None
    hold_deadline: datetime | None
    statement: str = ""

    @classmethod
    def of(cls, d: Detainer) -> DetainerOut:
        return cls(
            statement=d.statement,
            detainer_id=d.detainer_id,
            booking_id=d.booking_id,
            identity_id=d.identity_id,
            ori=d.ori,
            basis=d.basis,
            warrant_ref=d.warrant_ref,
            state=d.state,
            issued_at=d.issued_at,
            released_at=d.released_at,
            hold_deadline=d.hold_deadline,
        )


class ReviewOut(Strict):
    booking: ResponseOut
    detainer: DetainerOut | None
    verified_identity_id: int | None = None
    referral_id: str | None = Field(None, description="the citizenship referral opened, if any")


class AnswerIn(RequestBody):
    answer: JailAnswer


class ReleaseIn(RequestBody):
    released_at: Moment
    reason: FreeText = Field(
        "", max_length=500, description="required to correct a release time already recorded"
    )


class ReasonIn(RequestBody):
    reason: FreeText = Field(min_length=1, max_length=500)


class RulingIn(RequestBody):
    finding: CitizenshipFinding
    indicators: list[Annotated[Identifier, Field(max_length=100)]] = Field([], max_length=20)
    evidence: FreeText = Field(min_length=1, max_length=2000, description="the evidence cited")


class ConcurrenceIn(RequestBody):
    agrees: bool
    note: FreeText = Field(min_length=1, max_length=2000)


class RulingOut(Strict):
    finding: CitizenshipFinding
    indicators: list[str]
    adjudicator: str
    evidence: str
    ruled_at: datetime
    concurrence_required: bool
    concurred_by: str | None
    concurs: bool | None
    in_force: bool

    @classmethod
    def of(cls, r: CitizenshipRuling) -> RulingOut:
        c = r.concurrence
        return cls(
            finding=r.finding,
            indicators=list(r.indicators),
            adjudicator=r.officer,
            evidence=r.evidence,
            ruled_at=r.ruled_at,
            concurrence_required=r.concurrence_required,
            concurred_by=c.adjudicator if c else None,
            concurs=c.agrees if c else None,
            in_force=r.in_force,
        )


class ReferralOut(Strict):
    referral_id: str
    identity_id: int
    booking_id: str
    referred_by: str
    referred_at: datetime
    reason: str
    indicators: list[str]
    state: ReferralState
    decided_at: datetime | None
    rulings: list[RulingOut] = []
    cancelled_detainers: list[str] = []

    @classmethod
    def of(
        cls,
        r: CitizenshipReferral,
        rulings: Sequence[CitizenshipRuling] = (),
        cancelled: Sequence[str] = (),
    ) -> ReferralOut:
        return cls(
            referral_id=r.referral_id,
            identity_id=r.identity_id,
            booking_id=r.booking_id,
            referred_by=r.referred_by,
            referred_at=r.referred_at,
            reason=r.reason,
            indicators=list(r.indicators),
            state=r.state,
            decided_at=r.decided_at,
            rulings=[RulingOut.of(x) for x in rulings if x.referral_id == r.referral_id],
            cancelled_detainers=list(cancelled),
        )


class UserIn(RequestBody):
    username: Identifier = Field(max_length=100)
    password: str = Field(max_length=1024)
    roles: list[Annotated[str, Field(max_length=40, pattern="^[a-z_]+$")]] = Field(
        min_length=1, max_length=10
    )
    ori: OriCode | None = None


class ApiKeyIn(RequestBody):
    ori: OriCode
    label: FreeText = Field("", max_length=200)


class ApiKeyOut(Strict):
    key: str = Field(description="shown once; only a hash is kept")


class AgencyIn(RequestBody):
    ori: OriCode
    name: Name = Field(min_length=1, max_length=200)
    jurisdiction_fips: FipsCode


class PolicyIn(RequestBody):
    jurisdiction_fips: FipsCode
    kind: PolicyKind
    enacted_on: Day
    offense_classes: list[Annotated[Identifier, Field(max_length=40)]] = Field([], max_length=50)
    citation: FreeText = Field("", max_length=500)


class DeclinedRow(Strict):
    jurisdiction_fips: str
    jurisdiction: str
    declined: int


class AuditBreakOut(Strict):
    seq: int = Field(description="where: the entry (or, for a deleted tail, the first missing)")
    problem: str


class AuditVerifyOut(Strict):
    entries: int
    intact: bool
    breaks: list[AuditBreakOut]
    unmaced: int = Field(description="entries written before MACs began (hash chain only)")
    checkpoints: int = Field(description="checkpoints outside the database whose signature holds")
    anchored_seq: int = Field(description="the highest seq a checkpoint anchors (0: none)")
    anchored_at: datetime | None = Field(description="when that checkpoint was written")
    unanchored: int = Field(description="entries since it: a deleted tail among them goes unseen")


class AuditEntryOut(Strict):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    purpose: str
    detail: str = Field(description="canonical JSON, the exact text the hash covers")
    prev_hash: str
    entry_hash: str
    key_id: str | None = Field(description="the MAC key's id (null before MACs began)")
    mac: str | None
