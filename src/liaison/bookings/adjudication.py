"""Citizenship referrals and their adjudication, with separation of duties.

An enforcement officer's review refers a person's citizenship indicators to adjudication
(``open_referral``). An account holding the ``adjudicator`` role rules on it (``rule``), with
the evidence cited; a ``not_citizen`` ruling on a record that holds a citizenship event
(a U.S. birth, acquisition, naturalization or derivation) comes into force only when a second
adjudicator concurs (``concur``). Enforced here, in the services, whatever the caller:

| rule                                                               | refusal               |
| ------------------------------------------------------------------ | --------------------- |
| only an account with the ``adjudicator`` role rules or concurs     | ``NotAnAdjudicator``  |
| nobody rules on a referral of a person they referred, verified as  | ``AdjudicatorConflict`` |
| the booking's match, or lodged a detainer on                       |                       |
| the concurring adjudicator is neither the one who ruled nor one of | ``AdjudicatorConflict`` |
| the above                                                          |                       |
| nobody lodges on a person whose citizenship they ruled or concurred | ``ConflictOfDuties``  |
| on (``liaison.detainers.services.lodge``)                          |                       |

A ``citizen`` ruling cancels every open detainer of the person in the same transaction. Every
step is audited, the rulings and concurrences with their evidence
(``identity.citizenship.rule`` / ``.concur``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from liaison.accounts.model import Role
from liaison.audit import services as audit
from liaison.bookings.errors import (
    AdjudicatorConflict,
    NotAnAdjudicator,
    NotReviewable,
    ReferralNotOpen,
    UnknownReferral,
)
from liaison.bookings.model import Booking
from liaison.bookings.ports import BookingsUnitOfWork
from liaison.detainers import services as detainers
from liaison.detainers.model import Detainer
from liaison.identity import services as identity_services
from liaison.identity.citizenship import unresolved_indicators
from liaison.identity.errors import UnknownIdentity
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipReferral,
    CitizenshipRuling,
    Identity,
    ReferralState,
)

__all__ = [
    "Adjudicated",
    "concur",
    "count_referrals",
    "get_referral",
    "open_referral",
    "referral_queue",
    "rule",
    "withdraw_open_referrals",
]

PURPOSE = "citizenship adjudication"


@dataclass(frozen=True)
class Adjudicated:
    """What a ruling or a concurrence left: the referral, the ruling, the detainers cancelled."""

    referral: CitizenshipReferral
    ruling: CitizenshipRuling
    cancelled: tuple[Detainer, ...] = ()


def open_referral(
    *,
    uow: BookingsUnitOfWork,
    referral_id: str,
    booking: Booking,
    identity_id: int,
    officer: str,
    reason: str,
    at: datetime,
) -> CitizenshipReferral:
    """Refer the verified identity's citizenship indicators to adjudication, inside the
    review's open unit of work. Audited as ``citizenship.refer``."""
    if not referral_id.strip():
        raise NotReviewable("a citizenship referral needs an id")
    identity = uow.identities.get(identity_id)
    if identity is None:
        raise UnknownIdentity(identity_id)
    indicators = unresolved_indicators(
        identity,
        birth_place=booking.biographics.birth_place,
        claimed_citizenship=booking.biographics.claimed_citizenship,
    )
    referral = CitizenshipReferral(
        referral_id=referral_id,
        identity_id=identity_id,
        booking_id=booking.booking_id,
        referred_by=officer,
        referred_at=at,
        reason=reason,
        indicators=indicators,
    )
    uow.referrals.add(referral)
    _audit(uow, officer, "refer", referral, at, {"indicators": list(indicators), "reason": reason})
    return referral


def withdraw_open_referrals(
    *,
    uow: BookingsUnitOfWork,
    booking_id: str,
    identity_id: int,
    actor: str,
    at: datetime,
    reason: str,
) -> list[CitizenshipReferral]:
    """Withdraw the booking's referrals of ``identity_id`` that await a ruling, inside the
    caller's open unit of work: the match they rested on was rejected or changed. A referral
    awaiting a concurrence stays (a ruling was made; the second adjudicator finishes it).
    Audited as ``citizenship.withdraw``."""
    withdrawn = []
    for referral in uow.referrals.for_identity(identity_id):
        if referral.booking_id == booking_id and referral.state is ReferralState.OPEN:
            referral.state, referral.decided_at = ReferralState.WITHDRAWN, at
            _audit(uow, actor, "withdraw", referral, at, {"reason": reason})
            withdrawn.append(referral)
    return withdrawn


def referral_queue(
    *,
    uow: BookingsUnitOfWork,
    actor: str,
    purpose: str,
    at: datetime,
    state: ReferralState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[CitizenshipReferral]:
    """Referrals oldest first, in one state if given (``limit`` of them after the first
    ``offset``); the read is audited."""
    with uow:
        value = state.value if state else None
        found = list(uow.referrals.list(state=value, limit=limit, offset=offset))
        audit.record(
            uow=uow,
            actor=actor,
            action="citizenship.referrals",
            subject=f"referrals:{state.value if state else '*'}",
            purpose=purpose,
            detail={"count": len(found), "ids": [r.referral_id for r in found]},
            at=at,
        )
        uow.commit()
    return found


def count_referrals(*, uow: BookingsUnitOfWork, state: ReferralState | None = None) -> int:
    """How many referrals ``referral_queue`` pages through (a number: not audited)."""
    with uow:
        return uow.referrals.count(state=state.value if state else None)


def get_referral(
    *, uow: BookingsUnitOfWork, referral_id: str, actor: str, purpose: str, at: datetime
) -> tuple[CitizenshipReferral, Identity]:
    """A referral and the person's record (events, rulings); the read is audited."""
    with uow:
        referral = _load(uow, referral_id)
        identity = _identity(uow, referral)
        _audit(uow, actor, "read", referral, at, {}, purpose=purpose)
        uow.commit()
    return referral, identity


def rule(
    *,
    uow: BookingsUnitOfWork,
    referral_id: str,
    finding: CitizenshipFinding,
    indicators: Sequence[str],
    adjudicator: str,
    evidence: str,
    at: datetime,
) -> Adjudicated:
    """An adjudicator's ruling on an open referral (see the module's table for who may).

    ``citizen`` decides the referral and cancels the person's open detainers; ``not_citizen``
    decides it, or, on a record with a citizenship event, leaves it awaiting a second
    adjudicator. Raises ``UnknownReferral``, ``ReferralNotOpen``, ``NotAnAdjudicator``,
    ``AdjudicatorConflict``, or what ``identity.services.record_ruling`` raises.
    """
    with uow:
        referral = _load(uow, referral_id)
        if referral.state is not ReferralState.OPEN:
            raise ReferralNotOpen(
                f"referral {referral_id} is {referral.state.value}: it takes no new ruling"
            )
        _check_adjudicator(uow, referral, adjudicator)
        ruling = identity_services.record_ruling(
            uow=uow,
            identity_id=referral.identity_id,
            finding=finding,
            indicators=indicators,
            officer=adjudicator,
            evidence=evidence,
            at=at,
            referral_id=referral_id,
        )
        cancelled: list[Detainer] = []
        if ruling.awaiting_concurrence:
            referral.state = ReferralState.AWAITING_CONCURRENCE
        else:
            referral.state, referral.decided_at = ReferralState.DECIDED, at
        if finding is CitizenshipFinding.CITIZEN:
            cancelled = detainers.cancel_open_for_citizenship(
                uow=uow,
                identity_id=referral.identity_id,
                actor=adjudicator,
                at=at,
                evidence=evidence,
            )
        _audit(uow, adjudicator, "rule", referral, at, {"finding": finding.value})
        uow.commit()
    return Adjudicated(referral, ruling, tuple(cancelled))


def concur(
    *,
    uow: BookingsUnitOfWork,
    referral_id: str,
    adjudicator: str,
    agrees: bool,
    note: str,
    at: datetime,
) -> Adjudicated:
    """A second adjudicator's answer to a ruling that overrides a citizenship event.

    Agreeing brings the ruling into force and decides the referral; dissenting leaves the
    ruling out of force and the referral open for a new ruling. Raises ``UnknownReferral``,
    ``ReferralNotOpen`` (nothing awaits a concurrence), ``NotAnAdjudicator``,
    ``AdjudicatorConflict`` (the one who ruled, or one barred from ruling), or
    ``InvalidCitizenshipRuling`` (a blank note).
    """
    with uow:
        referral = _load(uow, referral_id)
        if referral.state is not ReferralState.AWAITING_CONCURRENCE:
            raise ReferralNotOpen(
                f"referral {referral_id} is {referral.state.value}: no ruling awaits a concurrence"
            )
        _check_adjudicator(uow, referral, adjudicator)
        identity = _identity(uow, referral)
        waiting = [r for r in identity.citizenship_rulings if r.referral_id == referral_id]
        if waiting and waiting[-1].officer == adjudicator:
            raise AdjudicatorConflict(
                adjudicator, "they made the ruling; a second adjudicator concurs"
            )
        ruling = identity_services.record_concurrence(
            uow=uow,
            identity_id=referral.identity_id,
            referral_id=referral_id,
            adjudicator=adjudicator,
            agrees=agrees,
            note=note,
            at=at,
        )
        if agrees:
            referral.state, referral.decided_at = ReferralState.DECIDED, at
        else:
            referral.state = ReferralState.OPEN
        _audit(uow, adjudicator, "concur", referral, at, {"agrees": agrees, "note": note})
        uow.commit()
    return Adjudicated(referral, ruling)


def _check_adjudicator(uow: BookingsUnitOfWork, referral: CitizenshipReferral, who: str) -> None:
    """Refuse anyone who is not an adjudicator, or who took part on the enforcement side."""
    user = uow.accounts.get_user(who)
    if user is None or user.locked or Role.ADJUDICATOR not in user.roles:
        raise NotAnAdjudicator(who)
    identity_id = referral.identity_id
    for earlier in uow.referrals.for_identity(identity_id):
        if earlier.referred_by == who:
            raise AdjudicatorConflict(
                who, f"they referred identity {identity_id} (referral {earlier.referral_id})"
            )
    for detainer in uow.detainers.for_identity(identity_id):
        if detainer.issued_by == who:
            raise AdjudicatorConflict(
                who, f"they lodged detainer {detainer.detainer_id} on identity {identity_id}"
            )
    booking = uow.bookings.get(referral.booking_id)
    for review in booking.reviews if booking else []:
        if review.officer == who and review.verified_identity_id == identity_id:
            raise AdjudicatorConflict(
                who, f"they verified the match of booking {referral.booking_id}"
            )


def _load(uow: BookingsUnitOfWork, referral_id: str) -> CitizenshipReferral:
    referral = uow.referrals.get(referral_id)
    if referral is None:
        raise UnknownReferral(referral_id)
    return referral


def _identity(uow: BookingsUnitOfWork, referral: CitizenshipReferral) -> Identity:
    identity = uow.identities.get(referral.identity_id)
    if identity is None:
        raise UnknownIdentity(referral.identity_id)
    return identity


def _audit(
    uow: BookingsUnitOfWork,
    actor: str,
    verb: str,
    referral: CitizenshipReferral,
    at: datetime,
    detail: dict[str, object],
    *,
    purpose: str = PURPOSE,
) -> None:
    audit.record(
        uow=uow,
        actor=actor,
        action=f"citizenship.{verb}",
        subject=f"referral:{referral.referral_id}",
        purpose=purpose,
        detail={
            "identity_id": referral.identity_id,
            "booking_id": referral.booking_id,
            "state": referral.state.value,
            **detail,
        },
        at=at,
    )
