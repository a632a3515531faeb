"""The simulated reviewer's standard operating procedure (SOP), as a table and as code.

An enforcement officer reviews every booking whose search found a ``match`` or a ``possible``
match, and takes the first step whose condition holds:

| step | condition                                                         | action              |
| ---- | ----------------------------------------------------------------- | ------------------- |
| S0   | the person is released, or will be within ``MIN_LEAD``             | no action           |
| S1   | the top candidate's record is not corroborated by the booking's   | reject the match    |
|      | biographics (``match``: the date of birth or the whole name       |                     |
|      | agrees; ``possible``: both agree)                                 |                     |
| S2   | the record's derived status is a U.S. citizen                     | no action           |
| S3   | a citizenship indicator is unresolved (record or booking)          | refer citizenship   |
| S4   | the person is in a lawful status                                  | no action           |
| S5   | a detainer on the person is already open at this jail             | no action           |
| S6   | the record supports a final order (one no later event vacated)    | lodge: final order  |
| S7   | the record supports pending proceedings (a charging document, no  | lodge: proceedings  |
|      | final disposition) and a level 1 or 2 priority                     |                     |
| S8   | the record supports "no lawful status" (a status derived from     | lodge: biometric    |
|      | events, not lawful) and a level 1 or 2 priority                   | match, no status    |
| S9   | otherwise (the lowest priority, or no basis the record supports)  | request notice      |

"Supports" is ``liaison.detainers.basis.basis_support`` on the record as it stands on the day
of the review, the very test the lodging service applies. The name agrees when, folded (case,
accents, hyphens) and with the table's transliteration variants, both the booking's family
and given names are among the record's names (in either order: names are often recorded
swapped). A detainer for a final order carries a warrant of removal (I-205); any other, a
warrant for arrest (I-200). Detainers never carry a judicial warrant. Every review that names
the top candidate verifies it (the store records which identity). The citizenship referral
goes to an adjudicator (an account with the ``adjudicator`` role, never the referring
officer) who rules on the record's indicators with the evidence found; a ``not_citizen``
ruling that overrides a citizenship event waits for a second adjudicator's concurrence; then
the officer reviews again (S3 then passes, or S2 stops).

The system enforces its own safeguards whatever the officer does. So that the demo shows
each of them refusing, the simulated officers and jails now and then slip (``SLIPS``): each
slip goes through the same service as the honest step, must be refused, and leaves nothing
written. The rates are assumptions of the demo, not estimates:

| slip              | what is tried, and when                       | refused by            | rate |
| ----------------- | --------------------------------------------- | --------------------- | ---- |
| skip_citizenship  | lodge on the match alone, before S2's or      | CitizenshipIndicator- | 0.05 |
|                   | S3's step                                     | Unresolved            |      |
| unsupported_basis | lodge citing a basis the record contradicts,  | BasisNotSupported     | 0.05 |
|                   | before S4's or S6-S9's step                   |                       |      |
| other_candidate   | lodge on the search's second candidate, after | NotTheVerified-       | 0.05 |
|                   | a review that verified the first              | Identity              |      |
| second_detainer   | lodge again on the booking, after a detainer  | DetainerAlreadyOpen   | 0.05 |
| own_referral      | the referring officer rules ``not_citizen``   | NotAnAdjudicator      | 0.25 |
|                   | on their own referral                         |                       |      |
| future_release    | the jail keys the release time a year ahead   | ImpossibleReleaseTime | 0.05 |

(Referrals are rarer than lodges, hence the higher rate for ``own_referral``.)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from liaison.bookings.model import Biographics, Decision, ReviewAction
from liaison.detainers.basis import basis_support
from liaison.detainers.model import ProbableCause
from liaison.identity.model import Identity, ImmigrationStatus
from liaison.synth.names import variants_of

__all__ = [
    "LODGING_LEVELS",
    "MIN_LEAD",
    "SLIPS",
    "Slip",
    "SlipKind",
    "Verdict",
    "corroborated",
    "review",
    "slip_verdict",
    "supported",
    "unsupported_basis",
    "warrant_ref",
]

MIN_LEAD = timedelta(hours=2)  # too close to release for a detainer to be served
LODGING_LEVELS = frozenset({"level_1", "level_2"})


class Slip(StrEnum):
    """A step a careless or determined officer (or jail) tries, that a safeguard must refuse."""

    SKIP_CITIZENSHIP = "skip_citizenship"
    UNSUPPORTED_BASIS = "unsupported_basis"
    OTHER_CANDIDATE = "other_candidate"
    SECOND_DETAINER = "second_detainer"
    OWN_REFERRAL = "own_referral"
    FUTURE_RELEASE = "future_release"


@dataclass(frozen=True)
class SlipKind:
    """A slip's rate (per chance to make it) and the error its safeguard refuses it with."""

    rate: float
    refused_by: str


SLIPS: Mapping[Slip, SlipKind] = {
    Slip.SKIP_CITIZENSHIP: SlipKind(0.05, "CitizenshipIndicatorUnresolved"),
    Slip.UNSUPPORTED_BASIS: SlipKind(0.05, "BasisNotSupported"),
    Slip.OTHER_CANDIDATE: SlipKind(0.05, "NotTheVerifiedIdentity"),
    Slip.SECOND_DETAINER: SlipKind(0.05, "DetainerAlreadyOpen"),
    Slip.OWN_REFERRAL: SlipKind(0.25, "NotAnAdjudicator"),
    Slip.FUTURE_RELEASE: SlipKind(0.05, "ImpossibleReleaseTime"),
}
"""The slips of the module's table: rate and expected refusal, by slip."""

# a slip that cites a basis the record contradicts tries these in turn (the bypass
# first: a lawful resident lodged on as "biometric match and no lawful status")
_SLIP_BASES = (
    ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
    ProbableCause.FINAL_ORDER,
    ProbableCause.PENDING_PROCEEDINGS,
)


@dataclass(frozen=True)
class Verdict:
    """What the SOP says to do, and which step said it."""

    step: str
    action: ReviewAction
    reason: str
    verified_identity_id: int | None = None
    basis: ProbableCause | None = None
    warrant_form: str = ""  # "I-205" (removal) or "I-200" (arrest) when lodging


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("-", " ").split())


def _forms(name: str) -> set[str]:
    forms = {_fold(name), *(_fold(v) for v in variants_of(name))}
    for word in name.split(" "):
        forms.add(_fold(word))
        forms.update(_fold(v) for v in variants_of(word))
    return forms


def corroborated(record: Identity, booking: Biographics) -> tuple[bool, bool]:
    """(the date of birth agrees, the name agrees) between a record and a booking. The name
    agrees when both the booked family and given names are among the record's names (in any
    order, any spelling the variant table knows)."""
    dob = record.birth_date is not None and record.birth_date == booking.birth_date
    known: set[str] = set()
    for name in record.names:
        known |= _forms(name.family) | _forms(name.given)
    family = bool(_forms(booking.family_name) & known)
    given = bool(_forms(booking.given_name) & known)
    return dob, family and given


def supported(basis: ProbableCause, record: Identity, on: date) -> bool:
    """Whether the record, as it stands on ``on``, supports ``basis`` (the lodging service's
    own test, ``liaison.detainers.basis.basis_support``)."""
    return basis_support(basis, record.events, on=on, birth_country=record.birth_country).supported


def _form(basis: ProbableCause) -> str:
    return "I-205" if basis is ProbableCause.FINAL_ORDER else "I-200"


def review(
    *,
    decision: Decision,
    candidate: Identity,
    booking: Biographics,
    status: ImmigrationStatus,
    unresolved: Sequence[str],
    priority: str,
    now: datetime,
    release: datetime | None,
    open_here: bool = False,
) -> Verdict:
    """The SOP's verdict on one reviewed booking (the table above, step by step).

    ``open_here``: a detainer on the candidate is already open at the booking's jail.
    """
    if release is not None and now >= release - MIN_LEAD:
        return Verdict("S0", ReviewAction.NO_ACTION, "released (or about to be) before review")
    dob, name = corroborated(candidate, booking)
    needed = dob or name if decision is Decision.MATCH else dob and name
    if not needed:
        return Verdict(
            "S1",
            ReviewAction.REJECT_MATCH,
            "biographics do not corroborate the fingerprint candidate: referred to an examiner",
        )
    me = candidate.identity_id
    if status.category.is_citizen:
        return Verdict("S2", ReviewAction.NO_ACTION, "U.S. citizen on record", me)
    if unresolved:
        return Verdict(
            "S3",
            ReviewAction.REFER_CITIZENSHIP,
            f"citizenship indicators to resolve: {', '.join(unresolved)}",
            me,
        )
    if status.lawful:
        return Verdict("S4", ReviewAction.NO_ACTION, f"lawful status: {status.category.value}", me)
    if open_here:
        return Verdict("S5", ReviewAction.NO_ACTION, "a detainer is already open at this jail", me)
    lodge = ReviewAction.LODGE_DETAINER
    today = now.date()
    final_order = ProbableCause.FINAL_ORDER
    if supported(final_order, candidate, today):
        reason = f"{status.category.value}: removable on a final order"
        return Verdict("S6", lodge, reason, me, final_order, _form(final_order))
    urgent = priority in LODGING_LEVELS
    proceedings = ProbableCause.PENDING_PROCEEDINGS
    if urgent and supported(proceedings, candidate, today):
        reason = f"removal proceedings pending; priority {priority}"
        return Verdict("S7", lodge, reason, me, proceedings, _form(proceedings))
    no_status = ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS
    if urgent and supported(no_status, candidate, today):
        reason = f"biometric match, no lawful status ({status.category.value}); priority {priority}"
        return Verdict("S8", lodge, reason, me, no_status, _form(no_status))
    why = "no basis the record supports" if urgent else f"priority {priority}"
    return Verdict("S9", ReviewAction.REQUEST_NOTICE, f"{why}: notice only", me)


def slip_verdict(candidate: Identity) -> Verdict:
    """The ``skip_citizenship`` slip: skipping S2-S3 and lodging on the fingerprint match alone."""
    basis = ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS
    return Verdict(
        "slip",
        ReviewAction.LODGE_DETAINER,
        "lodged on the match alone (SOP steps S2-S3 skipped)",
        candidate.identity_id,
        basis,
        _form(basis),
    )


def unsupported_basis(candidate: Identity, now: datetime) -> Verdict | None:
    """The ``unsupported_basis`` slip: lodging with the first basis the record contradicts
    (None when the record supports them all)."""
    for basis in _SLIP_BASES:
        if not supported(basis, candidate, now.date()):
            reason = f"lodged as {basis.value} whatever the record says"
            lodge = ReviewAction.LODGE_DETAINER
            return Verdict("slip", lodge, reason, candidate.identity_id, basis, _form(basis))
    return None


def warrant_ref(form: str, on: date, number: int) -> str:
    """A warrant reference like ``I-200-2025-000117``."""
    return f"{form}-{on.year}-{number:06d}"
