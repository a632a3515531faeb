"""Use cases of the identity context: enroll, read, derive status, record citizenship rulings.

Every function takes keyword-only arguments and a unit of work, and records an audit entry in
the same transaction as what it does: every read of personal data and every decision is in
the trail, and a failure leaves neither the act nor its entry behind. Times (``at``) come
from the caller's clock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from liaison.audit.services import record
from liaison.identity.citizenship import INDICATORS, RULED_CITIZEN, needs_concurrence
from liaison.identity.errors import DuplicateIdentity, InvalidCitizenshipRuling, UnknownIdentity
from liaison.identity.model import (
    CitizenshipFinding,
    CitizenshipRuling,
    Concurrence,
    Identity,
    ImmigrationStatus,
)
from liaison.identity.ports import IdentityUnitOfWork
from liaison.identity.status import derive_status

__all__ = [
    "current_status",
    "enroll_identities",
    "enroll_identity",
    "find_identities",
    "get_identity",
    "record_concurrence",
    "record_ruling",
]

ENROLLMENT = "enrollment"
CITIZENSHIP_RULING = "citizenship ruling"


def enroll_identity(
    *, uow: IdentityUnitOfWork, identity: Identity, actor: str, at: datetime
) -> None:
    """Add a new identity to the repository; raises ``DuplicateIdentity`` if its number is
    taken. Audited as ``identity.enroll``."""
    with uow:
        if uow.identities.get(identity.identity_id) is not None:
            raise DuplicateIdentity(identity.identity_id)
        uow.identities.add(identity)
        detail = {"events": len(identity.events)}
        _audit(uow, actor, "identity.enroll", identity.identity_id, ENROLLMENT, at, detail)
        uow.commit()


def enroll_identities(
    *, uow: IdentityUnitOfWork, identities: Sequence[Identity], actor: str, at: datetime
) -> int:
    """Add a batch of new identities in one transaction (bulk loads of the repository); all or
    none: ``DuplicateIdentity`` names the first number already taken. Audited as one
    ``identity.enroll_batch`` entry listing the numbers. Returns how many were added."""
    if not identities:
        return 0
    ids = [i.identity_id for i in identities]
    with uow:
        taken = uow.identities.get_many(ids)
        if taken or len(set(ids)) != len(ids):
            first = min(taken) if taken else next(i for i in ids if ids.count(i) > 1)
            raise DuplicateIdentity(first)
        for identity in identities:
            uow.identities.add(identity)
        detail = {"count": len(ids), "first": min(ids), "last": max(ids)}
        _audit(uow, actor, "identity.enroll_batch", min(ids), ENROLLMENT, at, detail)
        uow.commit()
    return len(ids)


def get_identity(
    *, uow: IdentityUnitOfWork, identity_id: int, actor: str, purpose: str, at: datetime
) -> Identity:
    """The identity numbered ``identity_id``; raises ``UnknownIdentity``. Audited as
    ``identity.read`` with ``purpose``."""
    with uow:
        identity = _load(uow, identity_id)
        _audit(uow, actor, "identity.read", identity_id, purpose, at, {})
        uow.commit()
    return identity


def find_identities(
    *,
    uow: IdentityUnitOfWork,
    family_name: str,
    birth_date: date,
    actor: str,
    purpose: str,
    at: datetime,
) -> list[Identity]:
    """Everyone born on ``birth_date`` with ``family_name`` among their names (aliases too;
    case, accents and spacing aside), by identity id. Audited as ``identity.search`` with
    ``purpose`` and the ids found (an empty answer is a read too)."""
    wanted = _folded(family_name)
    with uow:
        found = [
            i
            for i in uow.identities.born_on(birth_date)
            if any(_folded(n.family) == wanted for n in i.names)
        ]
        detail = {
            "birth_date": birth_date.isoformat(),
            "count": len(found),
            "ids": [i.identity_id for i in found[:100]],
        }
        record(
            uow=uow,
            actor=actor,
            action="identity.search",
            subject=f"identities:{birth_date.isoformat()}",
            purpose=purpose,
            at=at,
            detail=detail,
        )
        uow.commit()
    return found


def _folded(name: str) -> str:
    """A name as a search compares it: case, accents and runs of spaces folded away."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def current_status(
    *,
    uow: IdentityUnitOfWork,
    identity_id: int,
    on: date,
    actor: str,
    purpose: str,
    at: datetime,
) -> ImmigrationStatus:
    """The identity's immigration status on ``on``, derived from its history; raises
    ``UnknownIdentity``. Audited as ``identity.status`` with the answer given."""
    with uow:
        identity = _load(uow, identity_id)
        status = derive_status(identity.events, on, birth_country=identity.birth_country)
        detail = {"on": on.isoformat(), "category": status.category.value, "lawful": status.lawful}
        _audit(uow, actor, "identity.status", identity_id, purpose, at, detail)
        uow.commit()
    return status


def record_ruling(
    *,
    uow: IdentityUnitOfWork,
    identity_id: int,
    finding: CitizenshipFinding,
    indicators: Sequence[str],
    officer: str,
    evidence: str,
    at: datetime,
    referral_id: str = "",
) -> CitizenshipRuling:
    """Record a citizenship ruling inside the caller's open unit of work (the caller commits).

    Who may rule on what is decided by the caller (``liaison.bookings.adjudication``); this
    keeps the record's own rules. A ``NOT_CITIZEN`` ruling resolves exactly the indicators it
    lists (at least one); on a record holding a citizenship event it waits for a second
    adjudicator (``concurrence_required``). A ``CITIZEN`` ruling can never be undone by a later
    one. Raises ``UnknownIdentity``, or ``InvalidCitizenshipRuling`` for an unknown indicator,
    missing evidence or officer, or a ``NOT_CITIZEN`` ruling on someone already ruled a
    citizen. Audited as ``identity.citizenship.rule`` with the evidence.
    """
    identity = _load(uow, identity_id)
    ruling = CitizenshipRuling(
        finding,
        tuple(dict.fromkeys(indicators)),
        officer,
        evidence,
        at,
        referral_id=referral_id,
        concurrence_required=needs_concurrence(identity, finding),
    )
    _check_ruling(ruling, identity)
    # assigned, not appended in place, so that any store sees the collection change
    identity.citizenship_rulings = [*identity.citizenship_rulings, ruling]
    detail = {
        "finding": finding.value,
        "indicators": list(ruling.indicators),
        "evidence": evidence,
        "referral_id": referral_id,
        "concurrence_required": ruling.concurrence_required,
    }
    _audit(uow, officer, "identity.citizenship.rule", identity_id, CITIZENSHIP_RULING, at, detail)
    return ruling


def record_concurrence(
    *,
    uow: IdentityUnitOfWork,
    identity_id: int,
    referral_id: str,
    adjudicator: str,
    agrees: bool,
    note: str,
    at: datetime,
) -> CitizenshipRuling:
    """A second adjudicator's answer to the ruling of ``referral_id`` that waits for one, inside
    the caller's open unit of work. Agreeing brings the ruling into force; dissenting leaves it
    out of force for good. Raises ``InvalidCitizenshipRuling`` when no ruling of the referral
    waits, the note is blank, or the second adjudicator is the first. Audited as
    ``identity.citizenship.concur`` with the note.
    """
    identity = _load(uow, identity_id)
    rulings = list(identity.citizenship_rulings)
    waiting = [n for n, r in enumerate(rulings) if r.referral_id == referral_id]
    if not waiting or not rulings[waiting[-1]].awaiting_concurrence:
        raise InvalidCitizenshipRuling(f"no ruling of referral {referral_id} awaits a concurrence")
    ruling = rulings[waiting[-1]]
    if not note.strip() or not adjudicator.strip():
        raise InvalidCitizenshipRuling("a concurrence names its adjudicator and its note")
    if adjudicator == ruling.officer:
        raise InvalidCitizenshipRuling("the second adjudicator must be another person")
    concurred = replace(ruling, concurrence=Concurrence(adjudicator, agrees, note, at))
    rulings[waiting[-1]] = concurred
    identity.citizenship_rulings = rulings
    detail = {
        "referral_id": referral_id,
        "ruled_by": ruling.officer,
        "finding": ruling.finding.value,
        "agrees": agrees,
        "note": note,
    }
    _audit(
        uow, adjudicator, "identity.citizenship.concur", identity_id, CITIZENSHIP_RULING, at, detail
    )
    return concurred


def _check_ruling(ruling: CitizenshipRuling, identity: Identity) -> None:
    if RULED_CITIZEN in ruling.indicators:
        raise InvalidCitizenshipRuling(f"{RULED_CITIZEN} can never be resolved")
    unknown = [i for i in ruling.indicators if i not in INDICATORS]
    if unknown:
        raise InvalidCitizenshipRuling(f"no such citizenship indicator(s): {unknown}")
    if not ruling.officer.strip() or not ruling.evidence.strip():
        raise InvalidCitizenshipRuling("a ruling names its officer and its evidence")
    if ruling.finding is CitizenshipFinding.CITIZEN:
        return
    if not ruling.indicators:
        raise InvalidCitizenshipRuling("a not-citizen ruling lists the indicators it resolves")
    if any(r.finding is CitizenshipFinding.CITIZEN for r in identity.citizenship_rulings):
        # U.S. citizens are never detained: a citizen ruling stands (see RULED_CITIZEN)
        raise InvalidCitizenshipRuling(
            f"identity {identity.identity_id} was ruled a citizen; a later ruling cannot undo that"
        )


def _load(uow: IdentityUnitOfWork, identity_id: int) -> Identity:
    identity = uow.identities.get(identity_id)
    if identity is None:
        raise UnknownIdentity(identity_id)
    return identity


def _audit(
    uow: IdentityUnitOfWork,
    actor: str,
    action: str,
    identity_id: int,
    purpose: str,
    at: datetime,
    detail: Mapping[str, object],
) -> None:
    record(
        uow=uow,
        actor=actor,
        action=action,
        subject=f"identity:{identity_id}",
        purpose=purpose,
        detail=detail,
        at=at,
    )
