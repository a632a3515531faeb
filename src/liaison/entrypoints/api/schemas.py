"""Request and response bodies of the HTTP API (pydantic), converted to and from the domain
at the edge; domain objects never double as schemas."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from liaison.bookings.model import Biographics, Booking, Charge, ReviewAction
from liaison.bookings.services import BookingSubmission
from liaison.detainers.model import Detainer, DetainerState, ProbableCause
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipReferral,
    CitizenshipRuling,
    ReferralState,
)
from liaison.jurisdictions.model import JailAnswer, PolicyKind


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenRequest(Strict):
    username: str
    password: str


class TokenResponse(Strict):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class BiographicsIn(Strict):
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(max_length=100)
    birth_date: date | None = None
    sex: str = Field(pattern="^[MFX]$")
    birth_place: str = Field(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    claimed_citizenship: str = Field(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class ChargeIn(Strict):
    ncic_code: str = Field(pattern="^[0-9]{4}$")
    literal: str = ""
    felony: bool = False


class BookingIn(Strict):
    """A booking as a jail submits it; fingerprints are base64 ISO/IEC 19794-2 records."""

    tcn: str = Field(min_length=1, max_length=40)
    ori: str = Field(pattern="^[A-Z]{2}[A-Z0-9]{7}$")
    booking_number: str = Field(min_length=1, max_length=40)
    arrested_at: AwareDatetime
    scheduled_release: AwareDatetime | None = None
    biographics: BiographicsIn
    charges: list[ChargeIn] = Field(min_length=1)
    fingerprints: dict[int, str] = Field(description="finger position 1-10 -> base64 record")

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


class ReviewIn(Strict):
    action: ReviewAction
    verified_identity_id: int | None = Field(
        None,
        ge=0,
        le=2**63 - 1,
        description="the candidate confirmed; naming another than the one verified changes the "
        "verification (cancelling what was lodged on the old one), except when lodging",
    )
    reason: str = Field(min_length=1, max_length=500)
    basis: ProbableCause | None = None
    warrant_ref: str = Field("", max_length=100)
    judicial_warrant: bool = False
    statement: str = Field(
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


class AnswerIn(Strict):
    answer: JailAnswer


class ReleaseIn(Strict):
    released_at: AwareDatetime
    reason: str = Field(
        "", max_length=500, description="required to correct a release time already recorded"
    )


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class RulingIn(Strict):
    finding: CitizenshipFinding
    indicators: list[str] = Field([], max_length=20)
    evidence: str = Field(min_length=1, max_length=2000, description="the evidence cited")


class ConcurrenceIn(Strict):
    agrees: bool
    note: str = Field(min_length=1, max_length=2000)


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


class UserIn(Strict):
    username: str
    password: str
    roles: list[str] = Field(min_length=1)
    ori: str | None = None


class ApiKeyIn(Strict):
    ori: str
    label: str = ""


class ApiKeyOut(Strict):
    key: str = Field(description="shown once; only a hash is kept")


class AgencyIn(Strict):
    ori: str
    name: str
    jurisdiction_fips: str


class PolicyIn(Strict):
    jurisdiction_fips: str
    kind: PolicyKind
    enacted_on: date
    offense_classes: list[str] = []
    citation: str = ""


class DeclinedRow(Strict):
    jurisdiction_fips: str
    jurisdiction: str
    declined: int


class AuditVerifyOut(Strict):
    entries: int
    intact: bool
    breaks: list[dict[str, object]]
