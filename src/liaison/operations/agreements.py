"""Recorded 287(g) agreements: the dates, trained officers and delegated functions that the
published list (``liaison.jurisdictions.agreements``) does not give.

An agreement is in effect from the day it was signed through its expiry day, and no longer
from the day it was terminated. Without a signing date it is ``UNSIGNED``: nothing can be
said about when it was in effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from liaison.jurisdictions.errors import UnknownJurisdiction
from liaison.jurisdictions.fips import postal
from liaison.jurisdictions.model import AgreementModel
from liaison.operations.errors import InvalidAgreement
from liaison.operations.model import Agreement, AgreementStatus, DelegatedFunction

__all__ = ["check_agreement", "record", "status_on", "terminated"]


def _check_dates(
    *, signed_on: date | None, expires_on: date | None, terminated_on: date | None
) -> None:
    if signed_on is not None and expires_on is not None and expires_on < signed_on:
        raise InvalidAgreement(
            f"the expiry {expires_on.isoformat()} is before the signing {signed_on.isoformat()}"
        )
    if signed_on is not None and terminated_on is not None and terminated_on < signed_on:
        raise InvalidAgreement(
            f"the termination {terminated_on.isoformat()} is before the signing "
            f"{signed_on.isoformat()}"
        )
    if expires_on is not None and terminated_on is not None and terminated_on > expires_on:
        raise InvalidAgreement(
            f"the agreement expired on {expires_on.isoformat()}: it cannot be terminated "
            f"later, on {terminated_on.isoformat()}"
        )


def record(
    *,
    agreement_id: str,
    agency_name: str,
    state: str,
    model: AgreementModel,
    signed_on: date | None = None,
    expires_on: date | None = None,
    terminated_on: date | None = None,
    trained_officers: int | None = None,
    delegated_functions: Iterable[DelegatedFunction] = (),
    ori: str = "",
) -> Agreement:
    """A recorded agreement, checked: an id and agency, a known state (any form; kept as its
    USPS code), expiry and termination not before signing, termination not after expiry, and
    no negative count of trained officers."""
    if not agreement_id.strip() or not agency_name.strip():
        raise InvalidAgreement("an agreement needs an id and the agency's name")
    try:
        abbreviation = postal(state)
    except UnknownJurisdiction:
        raise InvalidAgreement(f"{state!r} is not a state or territory") from None
    if trained_officers is not None and trained_officers < 0:
        raise InvalidAgreement(f"trained officers cannot be negative ({trained_officers})")
    _check_dates(signed_on=signed_on, expires_on=expires_on, terminated_on=terminated_on)
    return Agreement(
        agreement_id=agreement_id.strip(),
        agency_name=agency_name.strip(),
        state=abbreviation,
        model=model,
        signed_on=signed_on,
        expires_on=expires_on,
        terminated_on=terminated_on,
        trained_officers=trained_officers,
        delegated_functions=tuple(sorted(set(delegated_functions))),
        ori=ori.strip(),
    )


def check_agreement(agreement: Agreement) -> Agreement:
    """``agreement`` passed through ``record``'s checks (and normalised)."""
    return record(
        agreement_id=agreement.agreement_id,
        agency_name=agreement.agency_name,
        state=agreement.state,
        model=agreement.model,
        signed_on=agreement.signed_on,
        expires_on=agreement.expires_on,
        terminated_on=agreement.terminated_on,
        trained_officers=agreement.trained_officers,
        delegated_functions=agreement.delegated_functions,
        ori=agreement.ori,
    )


def terminated(agreement: Agreement, on: date) -> Agreement:
    """The agreement terminated on ``on`` (its first day no longer in effect); refused when it
    is already terminated, or when ``on`` is before signing or after expiry."""
    if agreement.terminated_on is not None:
        raise InvalidAgreement(
            f"agreement {agreement.agreement_id!r} was terminated on "
            f"{agreement.terminated_on.isoformat()} already"
        )
    _check_dates(signed_on=agreement.signed_on, expires_on=agreement.expires_on, terminated_on=on)
    return replace(agreement, terminated_on=on)


def status_on(agreement: Agreement, day: date) -> AgreementStatus:
    """Where the agreement stands on ``day``."""
    if agreement.signed_on is None:
        return AgreementStatus.UNSIGNED
    if day < agreement.signed_on:
        return AgreementStatus.NOT_YET_SIGNED
    if agreement.terminated_on is not None and day >= agreement.terminated_on:
        return AgreementStatus.TERMINATED
    if agreement.expires_on is not None and day > agreement.expires_on:
        return AgreementStatus.EXPIRED
    return AgreementStatus.IN_EFFECT
