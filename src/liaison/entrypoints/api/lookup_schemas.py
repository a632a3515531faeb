"""Answers of the read routes: bookings, people, agencies and detainer policies.

What each shows is what its readers need: a booking as the jail submitted it with its response
(never its fingerprints); a person's record with the status derived today (never a stored
status); agencies and policies as registered and enacted.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from liaison.bookings.model import Booking, BookingState
from liaison.entrypoints.api.schemas import ResponseOut, Strict
from liaison.identity.model import Identity, ImmigrationStatus
from liaison.jurisdictions.model import Agency, DetainerPolicy, PolicyKind

__all__ = [
    "AgencyOut",
    "BookingOut",
    "BookingRowOut",
    "IdentityOut",
    "IdentityRowOut",
    "PolicyOut",
]


class BiographicsOut(Strict):
    family_name: str
    given_name: str
    birth_date: date | None
    sex: str
    birth_place: str
    claimed_citizenship: str


class ChargeOut(Strict):
    ncic_code: str
    literal: str
    felony: bool


class BookingRowOut(Strict):
    """A booking in a list: who, when, where it stands."""

    booking_id: str
    tcn: str
    ori: str
    booking_number: str
    arrested_at: datetime
    submitted_at: datetime
    state: BookingState
    decision: str | None = Field(description="the identification's decision, once searched")
    family_name: str
    given_name: str

    @classmethod
    def of(cls, b: Booking) -> BookingRowOut:
        return cls(
            booking_id=b.booking_id,
            tcn=b.tcn,
            ori=b.ori,
            booking_number=b.booking_number,
            arrested_at=b.arrested_at,
            submitted_at=b.submitted_at,
            state=b.state,
            decision=b.identification.decision.value if b.identification else None,
            family_name=b.biographics.family_name,
            given_name=b.biographics.given_name,
        )


class BookingOut(Strict):
    """A booking as the jail submitted it (its fingerprints aside), with the response."""

    booking_id: str
    tcn: str
    ori: str
    booking_number: str
    arrested_at: datetime
    submitted_at: datetime
    scheduled_release: datetime | None
    state: BookingState
    biographics: BiographicsOut
    charges: list[ChargeOut]
    fingers: list[int] = Field(description="the finger positions submitted")
    response: ResponseOut

    @classmethod
    def of(cls, b: Booking) -> BookingOut:
        g = b.biographics
        return cls(
            booking_id=b.booking_id,
            tcn=b.tcn,
            ori=b.ori,
            booking_number=b.booking_number,
            arrested_at=b.arrested_at,
            submitted_at=b.submitted_at,
            scheduled_release=b.scheduled_release,
            state=b.state,
            biographics=BiographicsOut(
                family_name=g.family_name,
                given_name=g.given_name,
                birth_date=g.birth_date,
                sex=g.sex,
                birth_place=g.birth_place,
                claimed_citizenship=g.claimed_citizenship,
            ),
            charges=[
                ChargeOut(ncic_code=c.ncic_code, literal=c.literal, felony=c.felony)
                for c in b.charges
            ],
            fingers=sorted(b.fingerprints),
            response=ResponseOut.of(b),
        )


class NameOut(Strict):
    family: str
    given: str
    alias: bool


class EventOut(Strict):
    kind: str
    occurred_on: date
    until: date | None
    detail: str
    reference: str


class StatusOut(Strict):
    """The status derived from the history on ``on`` (today, UTC)."""

    on: date
    category: str
    since: date | None
    lawful: bool
    citizenship_indicators: list[str]


class IdentityRowOut(Strict):
    """A person in a search's answer."""

    identity_id: int
    names: list[NameOut]
    birth_date: date | None
    sex: str
    birth_country: str

    @classmethod
    def of(cls, i: Identity) -> IdentityRowOut:
        return cls(
            identity_id=i.identity_id,
            names=[NameOut(family=n.family, given=n.given, alias=n.alias) for n in i.names],
            birth_date=i.birth_date,
            sex=i.sex,
            birth_country=i.birth_country,
        )


class IdentityOut(IdentityRowOut):
    """A person's record: names, immigration history and the status derived from it."""

    a_number: str
    events: list[EventOut]
    status: StatusOut

    @classmethod
    def read(cls, i: Identity, status: ImmigrationStatus, on: date) -> IdentityOut:
        row = IdentityRowOut.of(i)
        return cls(
            **dict(row),
            a_number=i.a_number,
            events=[
                EventOut(
                    kind=e.kind.value,
                    occurred_on=e.occurred_on,
                    until=e.until,
                    detail=e.detail,
                    reference=e.reference,
                )
                for e in i.events
            ],
            status=StatusOut(
                on=on,
                category=status.category.value,
                since=status.since,
                lawful=status.lawful,
                citizenship_indicators=list(status.citizenship_indicators),
            ),
        )


class AgencyOut(Strict):
    ori: str
    name: str
    jurisdiction_fips: str
    jail: bool

    @classmethod
    def of(cls, a: Agency) -> AgencyOut:
        return cls(ori=a.ori, name=a.name, jurisdiction_fips=a.jurisdiction_fips, jail=a.jail)


class PolicyOut(Strict):
    jurisdiction_fips: str
    kind: PolicyKind
    enacted_on: date
    offense_classes: list[str]
    citation: str

    @classmethod
    def of(cls, p: DetainerPolicy) -> PolicyOut:
        return cls(
            jurisdiction_fips=p.jurisdiction_fips,
            kind=p.kind,
            enacted_on=p.enacted_on,
            offense_classes=list(p.offense_classes),
            citation=p.citation,
        )
