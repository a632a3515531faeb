"""Detainer use cases: lodge, serve, answer, record a release, transfer, cancel, lapse, read.

Each one opens the unit of work, loads, decides through ``liaison.detainers.lifecycle``,
audits the decision as ``detainer.<verb>`` (reads as ``detainer.read``) and commits once at the
end; any error leaves the block before the commit, so nothing of a refused decision is written.
``lodge``, ``cancel_open_for_booking`` and ``cancel_open_for_citizenship`` run inside a unit
of work their caller holds open (a booking review lodges its detainer in the review's own
transaction, against the identity the store says it verified; a citizenship ruling cancels
detainers in the ruling's); ``cancel_for_citizenship`` is the same in a transaction of its own.
There is deliberately no lodging in a transaction of its own: a detainer is lodged only by a
booking's review, which reads the verified identity from the store.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from liaison.audit.services import record
from liaison.detainers import lifecycle
from liaison.detainers.basis import basis_support, describe_event
from liaison.detainers.errors import (
    AnswerForbiddenByPolicy,
    BasisNotSupported,
    ConflictOfDuties,
    DetainerAlreadyOpen,
    DuplicateDetainer,
    MissingReason,
    NotTheVerifiedIdentity,
    UnknownDetainer,
    UnverifiedIdentification,
)
from liaison.detainers.model import HOLD_LIMIT, Detainer, ProbableCause
from liaison.detainers.ports import DetainersUnitOfWork
from liaison.identity.citizenship import unresolved_indicators
from liaison.identity.errors import UnknownIdentity
from liaison.jurisdictions.errors import UnknownAgency
from liaison.jurisdictions.model import DetainerPolicy, JailAnswer
from liaison.jurisdictions.policy import jurisdiction_chain, permitted_answers, policy_in_force

__all__ = [
    "answer",
    "cancel",
    "cancel_for_citizenship",
    "cancel_open_for_booking",
    "cancel_open_for_citizenship",
    "count_detainers",
    "get_detainer",
    "lapse_overdue",
    "list_detainers",
    "lodge",
    "policies_in_force",
    "record_release",
    "serve",
    "transfer",
]

_PURPOSE = "immigration detainer"


def _load(uow: DetainersUnitOfWork, detainer_id: str, *, ori: str | None = None) -> Detainer:
    detainer = uow.detainers.get(detainer_id)
    # another agency's detainer reads as missing: no probing what other jails hold
    if detainer is None or (ori is not None and detainer.ori != ori):
        raise UnknownDetainer(detainer_id)
    return detainer


def _audit(
    uow: DetainersUnitOfWork,
    detainer: Detainer,
    *,
    verb: str,
    actor: str,
    at: datetime,
    purpose: str = "",
    detail: Mapping[str, object] | None = None,
) -> None:
    record(
        uow=uow,
        actor=actor,
        action=f"detainer.{verb}",
        subject=f"detainer:{detainer.detainer_id}",
        purpose=purpose or _PURPOSE,
        detail={"state": detainer.state.value, **(detail or {})},
        at=at,
    )


# -- lodging ---------------------------------------------------------------------------------


def lodge(
    *,
    uow: DetainersUnitOfWork,
    detainer_id: str,
    booking_id: str,
    identity_id: int,
    ori: str,
    basis: ProbableCause | None,
    warrant_ref: str,
    judicial_warrant: bool,
    officer: str,
    verified_identity_id: int | None,
    birth_place: str,
    claimed_citizenship: str,
    at: datetime,
    reason: str = "",
    statement: str = "",
) -> Detainer:
    """Lodge a detainer inside the caller's open unit of work (the caller commits).

    ``verified_identity_id`` is the identity the booking's review verified, as the store holds
    it (``liaison.bookings.review`` reads it); the detainer may name only that identity.

    The safeguards, in order: ``UnverifiedIdentification``, ``NotTheVerifiedIdentity`` (before
    the identity is even looked up), ``UnknownIdentity`` (``liaison.identity.errors``),
    ``UnknownAgency`` (``liaison.jurisdictions.errors``), ``DuplicateDetainer``,
    ``DetainerAlreadyOpen`` (one open detainer per booking, and per person and holding agency),
    ``ConflictOfDuties`` (the officer adjudicated the person's citizenship),
    ``CitizenshipIndicatorUnresolved`` (from the identity's record and the booking's place of
    birth and claimed citizenship), ``MissingProbableCause``, ``MissingWarrant``,
    ``MissingOfficer``, then ``BasisNotSupported`` (``liaison.detainers.basis``, on the record as
    it stands on ``at``'s date). The audit entry names the events the basis rests on.
    """
    if verified_identity_id is None:
        raise UnverifiedIdentification()
    if identity_id != verified_identity_id:
        raise NotTheVerifiedIdentity(
            identity_id=identity_id,
            verified_identity_id=verified_identity_id,
            booking_id=booking_id,
        )
    identity = uow.identities.get(identity_id)
    if identity is None:
        raise UnknownIdentity(identity_id)
    if uow.jurisdictions.get_agency(ori) is None:
        raise UnknownAgency(f"no agency has ORI {ori!r}")
    if uow.detainers.get(detainer_id) is not None:
        raise DuplicateDetainer(detainer_id)
    _check_none_open(uow, booking_id=booking_id, identity_id=identity_id, ori=ori)
    if any(officer in r.adjudicators for r in identity.citizenship_rulings):
        raise ConflictOfDuties(officer=officer, identity_id=identity_id)
    indicators = unresolved_indicators(
        identity, birth_place=birth_place, claimed_citizenship=claimed_citizenship
    )
    detainer = lifecycle.lodge(
        detainer_id=detainer_id,
        booking_id=booking_id,
        identity_id=identity_id,
        ori=ori,
        basis=basis,
        warrant_ref=warrant_ref,
        judicial_warrant=judicial_warrant,
        officer=officer,
        verified=True,
        unresolved_indicators=indicators,
        at=at,
        reason=reason,
        statement=statement,
    )
    support = basis_support(
        detainer.basis,
        identity.events,
        on=at.date(),
        birth_country=identity.birth_country,
        statement=statement,
    )
    if not support.supported:
        raise BasisNotSupported(
            basis=detainer.basis.value,
            reason=support.reason,
            events=[describe_event(e) for e in support.events],
        )
    uow.detainers.add(detainer)
    _audit(
        uow,
        detainer,
        verb="lodge",
        actor=officer,
        at=at,
        purpose=reason,
        detail={
            "booking_id": booking_id,
            "identity_id": identity_id,
            "ori": ori,
            "basis": detainer.basis.value,
            "basis_support": support.reason,
            "basis_events": [describe_event(e) for e in support.events],
            "statement": detainer.statement,
            "warrant_ref": detainer.warrant_ref,
            "judicial_warrant": judicial_warrant,
        },
    )
    return detainer


def _check_none_open(
    uow: DetainersUnitOfWork, *, booking_id: str, identity_id: int, ori: str
) -> None:
    for open_ in uow.detainers.for_booking(booking_id):
        if open_.state.is_open:
            raise DetainerAlreadyOpen(detainer_id=open_.detainer_id, scope=f"booking {booking_id}")
    for open_ in uow.detainers.open_for_identity(identity_id):
        if open_.ori == ori:
            scope = f"identity {identity_id} at agency {ori}"
            raise DetainerAlreadyOpen(detainer_id=open_.detainer_id, scope=scope)


def cancel_open_for_booking(
    *, uow: DetainersUnitOfWork, booking_id: str, actor: str, at: datetime, reason: str
) -> list[Detainer]:
    """Cancel the booking's open detainers with ``reason``, inside the caller's open unit of
    work (a review that changes or rejects the verified identity cancels what rested on it)."""
    cancelled: list[Detainer] = []
    for detainer in uow.detainers.for_booking(booking_id):
        if detainer.state.is_open:
            lifecycle.cancel(detainer, actor=actor, at=at, reason=reason)
            _audit(uow, detainer, verb="cancel", actor=actor, at=at, purpose=reason)
            cancelled.append(detainer)
    return cancelled


# -- the lifecycle ---------------------------------------------------------------------------


def serve(*, uow: DetainersUnitOfWork, detainer_id: str, actor: str, at: datetime) -> Detainer:
    """Serve an issued detainer on the holding jail."""
    with uow:
        detainer = _load(uow, detainer_id)
        lifecycle.serve(detainer, actor=actor, at=at)
        _audit(uow, detainer, verb="serve", actor=actor, at=at)
        uow.commit()
    return detainer


def policies_in_force(
    uow: DetainersUnitOfWork, *, ori: str, at: datetime
) -> tuple[DetainerPolicy | None, DetainerPolicy | None]:
    """(local policy, state-law overlay) in force for the agency's jurisdiction on ``at``'s date.

    Reads inside the caller's open unit of work; ``UnknownAgency`` if the ORI is unknown.
    """
    agency = uow.jurisdictions.get_agency(ori)
    if agency is None:
        raise UnknownAgency(f"no agency has ORI {ori!r}")
    chain = jurisdiction_chain(agency.jurisdiction_fips)
    policies = uow.jurisdictions.policies_for(list(chain))
    day = at.date()
    overlay = policy_in_force(policies, jurisdiction_fips=chain[-1], at=day)
    local = (
        policy_in_force(policies, jurisdiction_fips=chain[0], at=day) if len(chain) > 1 else None
    )
    return local, overlay


def answer(
    *,
    uow: DetainersUnitOfWork,
    detainer_id: str,
    answer: JailAnswer,
    offense_classes: Collection[str],
    actor: str,
    at: datetime,
    ori: str | None = None,
) -> Detainer:
    """Record the jail's answer, if the policies in force on the answer's date permit it.

    ``ori``, when given, is the answering jail's: another agency's detainer reads as
    ``UnknownDetainer``. Raises ``IllegalTransition`` unless the detainer is served (checked
    before the policy), ``AnswerForbiddenByPolicy`` naming the policies in force and the
    answers they permit, or ``UnknownAgency``.
    """
    event = lifecycle.ANSWER_EVENTS[answer]
    with uow:
        detainer = _load(uow, detainer_id, ori=ori)
        lifecycle.next_state(detainer.state, event)
        local, overlay = policies_in_force(uow, ori=detainer.ori, at=at)
        permitted = permitted_answers(
            local=local,
            overlay=overlay,
            judicial_warrant=detainer.judicial_warrant,
            offense_classes=offense_classes,
        )
        in_force = [p for p in (local, overlay) if p is not None]
        if answer not in permitted:
            raise AnswerForbiddenByPolicy(
                answer=answer.value, policies=in_force, permitted=(a.value for a in permitted)
            )
        lifecycle.answer(detainer, answer, actor=actor, at=at)
        _audit(
            uow,
            detainer,
            verb=event.value,
            actor=actor,
            at=at,
            detail={
                "answer": answer.value,
                "offense_classes": sorted(offense_classes),
                "policies": [
                    f"{p.jurisdiction_fips}:{p.kind.value}:{p.enacted_on.isoformat()}"
                    for p in in_force
                ],
                "permitted": sorted(a.value for a in permitted),
            },
        )
        uow.commit()
    return detainer


def record_release(
    *,
    uow: DetainersUnitOfWork,
    detainer_id: str,
    released_at: datetime,
    actor: str,
    at: datetime,
    ori: str | None = None,
    reason: str = "",
    arrested_at: datetime | None = None,
) -> Detainer:
    """Record when the person would otherwise be released; this starts the 48-hour clock.

    ``ori``, when given, is the recording jail's: another agency's detainer reads as
    ``UnknownDetainer``. ``arrested_at`` is the booking's arrest (no release before it); a
    second record is a correction and needs ``reason`` (``lifecycle.record_release``). The
    audit entry keeps the earlier value.
    """
    with uow:
        detainer = _load(uow, detainer_id, ori=ori)
        earlier = detainer.released_at
        lifecycle.record_release(
            detainer, released_at, at=at, actor=actor, reason=reason, arrested_at=arrested_at
        )
        deadline = detainer.hold_deadline
        _audit(
            uow,
            detainer,
            verb="correct_release" if earlier is not None else "record_release",
            actor=actor,
            at=at,
            purpose=reason,
            detail={
                "released_at": released_at.isoformat(),
                "earlier": earlier.isoformat() if earlier else None,
                "hold_deadline": deadline.isoformat() if deadline else None,
            },
        )
        uow.commit()
    return detainer


def transfer(*, uow: DetainersUnitOfWork, detainer_id: str, actor: str, at: datetime) -> Detainer:
    """Take custody of an honored detainer's subject; ``HoldExpired`` past the 48 hours."""
    with uow:
        detainer = _load(uow, detainer_id)
        lifecycle.transfer(detainer, actor=actor, at=at)
        deadline = detainer.hold_deadline
        _audit(
            uow,
            detainer,
            verb="transfer",
            actor=actor,
            at=at,
            detail={"hold_deadline": deadline.isoformat() if deadline else None},
        )
        uow.commit()
    return detainer


def cancel(
    *, uow: DetainersUnitOfWork, detainer_id: str, actor: str, at: datetime, reason: str
) -> Detainer:
    """Cancel an open detainer, saying why (``MissingReason`` otherwise)."""
    with uow:
        detainer = _load(uow, detainer_id)
        lifecycle.cancel(detainer, actor=actor, at=at, reason=reason)
        _audit(uow, detainer, verb="cancel", actor=actor, at=at, purpose=reason)
        uow.commit()
    return detainer


def cancel_open_for_citizenship(
    *, uow: DetainersUnitOfWork, identity_id: int, actor: str, at: datetime, evidence: str
) -> list[Detainer]:
    """Cancel every open detainer of a person on citizenship evidence, inside the caller's open
    unit of work (the caller commits, e.g. with the ruling that found the person a citizen)."""
    if not evidence.strip():
        raise MissingReason("citizenship evidence")
    reason = f"citizenship evidence: {evidence.strip()}"
    cancelled: list[Detainer] = []
    for detainer in uow.detainers.open_for_identity(identity_id):
        lifecycle.cancel(detainer, actor=actor, at=at, reason=reason)
        _audit(
            uow,
            detainer,
            verb="cancel",
            actor=actor,
            at=at,
            purpose=reason,
            detail={"cause": "citizenship", "identity_id": identity_id},
        )
        cancelled.append(detainer)
    return cancelled


def cancel_for_citizenship(
    *, uow: DetainersUnitOfWork, identity_id: int, actor: str, at: datetime, evidence: str
) -> list[str]:
    """Cancel every open detainer of a person on citizenship evidence; returns their ids."""
    with uow:
        cancelled = cancel_open_for_citizenship(
            uow=uow, identity_id=identity_id, actor=actor, at=at, evidence=evidence
        )
        uow.commit()
    return [d.detainer_id for d in cancelled]


def lapse_overdue(*, uow: DetainersUnitOfWork, now: datetime, actor: str = "system") -> list[str]:
    """The scheduled 48-hour check: lapse every honored detainer past its deadline; their ids."""
    lapsed: list[str] = []
    with uow:
        candidates = uow.detainers.honored_released_before(now - HOLD_LIMIT)
        for detainer in lifecycle.lapse_due(candidates, now):
            deadline = detainer.hold_deadline
            lifecycle.lapse(detainer, now, actor=actor)
            _audit(
                uow,
                detainer,
                verb="lapse",
                actor=actor,
                at=now,
                purpose="48-hour hold limit",
                detail={"hold_deadline": deadline.isoformat() if deadline else None},
            )
            lapsed.append(detainer.detainer_id)
        uow.commit()
    return lapsed


# -- reads -----------------------------------------------------------------------------------


def get_detainer(
    *,
    uow: DetainersUnitOfWork,
    detainer_id: str,
    actor: str,
    purpose: str,
    at: datetime,
    ori: str | None = None,
) -> Detainer:
    """One detainer, the read audited; with ``ori``, only that agency's (else UnknownDetainer)."""
    with uow:
        detainer = _load(uow, detainer_id, ori=ori)
        _audit(uow, detainer, verb="read", actor=actor, at=at, purpose=purpose)
        uow.commit()
    return detainer


def list_detainers(
    *,
    uow: DetainersUnitOfWork,
    actor: str,
    purpose: str,
    at: datetime,
    ori: str | None = None,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Detainer]:
    """Detainers in the store's order, filtered by agency and state (``limit`` of them after
    the first ``offset``); the read is audited as one entry naming how many were seen."""
    with uow:
        found = list(uow.detainers.list(ori=ori, state=state, limit=limit, offset=offset))
        record(
            uow=uow,
            actor=actor,
            action="detainer.list",
            subject=f"detainers:{ori or '*'}:{state or '*'}",
            purpose=purpose,
            detail={"count": len(found), "ids": [d.detainer_id for d in found]},
            at=at,
        )
        uow.commit()
    return found


def count_detainers(
    *, uow: DetainersUnitOfWork, ori: str | None = None, state: str | None = None
) -> int:
    """How many detainers ``list_detainers`` pages through (a number: not audited)."""
    with uow:
        return uow.detainers.count(ori=ori, state=state)
