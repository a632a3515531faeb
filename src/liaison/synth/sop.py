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
| S5   | a final order, a removal on record, or a re-entry after removal   | lodge: final order  |
| S6   | proceedings pending and a level 1 or 2 priority                    | lodge: proceedings  |
| S7   | no lawful status and a level 1 or 2 priority                       | lodge: biometric    |
|      |                                                                   | match, no status    |
| S8   | otherwise (no lawful status, lowest priority)                      | request notice      |

The name agrees when, folded (case, accents, hyphens) and with the table's transliteration
variants, both the booking's family and given names are among the record's names (in either
order: names are often recorded swapped). A detainer for a
final order carries a warrant of removal (I-205); any other, a warrant for arrest (I-200).
Detainers never carry a judicial warrant. The citizenship referral goes to an adjudicator who
rules on the record's indicators with the evidence found, after which the officer reviews
again (S3 then passes, or S2 stops).

The system enforces its own safeguards whatever the officer does (no detainer from an
unverified match, none with an unresolved citizenship indicator); ``SLIP_RATE`` is how often
the simulated officer skips S2 and S3 and tries to lodge anyway, so that the demo shows the
safeguard refusing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from liaison.bookings.model import Biographics, Decision, ReviewAction
from liaison.detainers.model import ProbableCause
from liaison.identity.model import Identity, ImmigrationStatus, StatusCategory
from liaison.synth.names import variants_of

__all__ = ["LODGING_LEVELS", "MIN_LEAD", "SLIP_RATE", "Verdict", "corroborated", "review"]

MIN_LEAD = timedelta(hours=2)  # too close to release for a detainer to be served
SLIP_RATE = 0.05
LODGING_LEVELS = frozenset({"level_1", "level_2"})

_REMOVAL_CATEGORIES = frozenset(
    {StatusCategory.FINAL_ORDER, StatusCategory.REMOVED, StatusCategory.REENTERED_AFTER_REMOVAL}
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
) -> Verdict:
    """The SOP's verdict on one reviewed booking (the table above, step by step)."""
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
    lodge = ReviewAction.LODGE_DETAINER
    if status.category in _REMOVAL_CATEGORIES:
        reason = f"{status.category.value}: removable on a final order"
        return Verdict("S5", lodge, reason, me, ProbableCause.FINAL_ORDER, "I-205")
    if priority in LODGING_LEVELS and status.category is StatusCategory.IN_PROCEEDINGS:
        reason = f"removal proceedings pending; priority {priority}"
        return Verdict("S6", lodge, reason, me, ProbableCause.PENDING_PROCEEDINGS, "I-200")
    if priority in LODGING_LEVELS:
        reason = f"biometric match, no lawful status ({status.category.value}); priority {priority}"
        return Verdict("S7", lodge, reason, me, ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS, "I-200")
    return Verdict(
        "S8", ReviewAction.REQUEST_NOTICE, f"no lawful status; priority {priority}: notice only", me
    )


def slip_verdict(candidate: Identity) -> Verdict:
    """The officer's slip: skipping S2-S3 and lodging on the fingerprint match alone."""
    return Verdict(
        "slip",
        ReviewAction.LODGE_DETAINER,
        "lodged on the match alone (SOP steps S2-S3 skipped)",
        candidate.identity_id,
        ProbableCause.BIOMETRIC_NO_LAWFUL_STATUS,
        "I-200",
    )


def warrant_ref(form: str, on: date, number: int) -> str:
    """A warrant reference like ``I-200-2025-000117``."""
    return f"{form}-{on.year}-{number:06d}"
