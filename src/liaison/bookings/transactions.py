"""Bookings from ANSI/NIST-ITL transactions (FBI EBTS profile), and the response sent back.

A jail's booking system sends a criminal ten-print submission; ``submission_from_transaction``
reads it into a ``BookingSubmission``. The fields it reads, by EBTS element:

| element   | EBTS meaning                                   | becomes                       |
| --------- | ---------------------------------------------- | ----------------------------- |
| 1.009 TCN | transaction control number                     | ``tcn`` (idempotency key)     |
| 1.008 ORI | originating agency                             | ``ori``, unless 2.073 is sent |
| 2.073 CRI | controlling agency identifier: the booking     | ``ori`` (its first item)      |
|           | agency, when a state bureau forwards for it    |                               |
| 2.009 OCA | originating agency case number                 | ``booking_number``            |
| 2.018 NAM | name, "LAST,FIRST MIDDLE"                      | family and given name         |
| 2.020 POB | place of birth, an NCIC state or country code  | ``birth_place`` (ISO 3166)    |
| 2.021 CTZ | country of citizenship, an NCIC country code   | ``claimed_citizenship`` (ISO) |
| 2.022 DOB | date of birth, CCYYMMDD                        | ``birth_date``                |
| 2.024 SEX | M, F, or another code                          | "M", "F", else "X"            |
| 2.045 DOA | date of arrest, CCYYMMDD                       | ``arrested_at``, 00:00 UTC    |
| 2.047 ASL | arrest segment literal: a subfield a charge,   | ``charges``                   |
|           | items DOO (date of offense), AOL (literal)     |                               |

Two gaps of EBTS that Liaison fills by convention:

- EBTS carries no NCIC offense code, only the literal (AOL). Liaison's profile asks the booking
  system to begin each AOL with the four-digit NCIC code ("5404 DRIVING UNDER INFLUENCE"); the
  felony flag, which EBTS does not carry either, is the offense class's default.
- POB and CTZ are NCIC codes, not ISO 3166. U.S. states, the District of Columbia, Puerto Rico,
  Guam and the U.S. Virgin Islands map to "US" (a U.S. place of birth is a citizenship
  indicator, so these must never be missed); for other countries the caller passes NCIC's
  country table as ``places``. A code the table lacks is refused, never guessed.

Fingerprints: minutiae extraction from the images is another module's work, so the caller
passes the ISO/IEC 19794-2 records it extracted, by finger position; Type-9 minutiae (INCITS
378 blocks) fill the positions it did not pass.

``response_transaction`` answers with an EBTS-style search result (TOT "SRE"):

| element   | content                                                                      |
| --------- | ---------------------------------------------------------------------------- |
| 1.004 TOT | "SRE"                                                                        |
| 1.007 DAI | the jail's ORI (the booking's)                                               |
| 1.008 ORI | Liaison's ORI as the responding agency                                       |
| 1.009 TCN | the response's own TCN, derived from the booking id (a replay is identical)  |
| 1.010 TCR | the booking's TCN                                                            |
| 1.014 GMT | when the response was made, CCYYMMDDHHMMSSZ                                  |
| 2.009 OCA | the booking number, echoed                                                   |
| 2.059 SRF | search results findings: "I" for a match, "N" otherwise (a possible match    |
|           | is not an identification until a person verifies it)                         |
| 2.060 MSG | one subfield each: "DECISION=match|possible|no_match", "STATUS=<category>",  |
|           | "PRIORITY=<level>", "FLAGS=<flag> <flag>..." (the last three when not empty) |

Nothing else is written: the response carries no watchlist or screening information, by
construction (``Response`` holds none, and nothing else of the booking is read).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Final

from liaison.biometrics.ansi_nist import (
    Transaction,
    read_transaction,
    split_items,
    write_transaction,
)
from liaison.biometrics.iso19794 import write_record
from liaison.bookings.errors import InvalidBooking
from liaison.bookings.model import Biographics, Booking, Charge, Decision, Response
from liaison.bookings.services import BookingSubmission
from liaison.identity.errors import IdentityError
from liaison.identity.priority import classify_offense

__all__ = [
    "LIAISON_ORI",
    "NCIC_US_PLACES",
    "response_fields",
    "response_transaction",
    "submission_from_transaction",
]

LIAISON_ORI: Final = "LIAISON00"  # the responding agency's ORI until settings name the real one
RESPONSE_TOT: Final = "SRE"

# fmt: off
_US_STATES: Final = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY",
)
# fmt: on
NCIC_US_PLACES: Final[Mapping[str, str]] = dict.fromkeys(
    (*_US_STATES, "DC", "PR", "GU", "VI", "US"), "US"
)
"""NCIC place codes that name the United States: states, DC, Puerto Rico, Guam, the U.S.
Virgin Islands, and "US" itself (CTZ)."""

_NCIC_CHARGE = re.compile(r"(\d{4})[ \-]+(.*)", re.DOTALL)
_DATE = re.compile(r"\d{8}")


def submission_from_transaction(
    tx: Transaction,
    *,
    templates: Mapping[int, bytes],
    places: Mapping[str, str] = NCIC_US_PLACES,
) -> BookingSubmission:
    """The booking a transaction submits (see the module doc for which field goes where).

    ``templates`` maps finger position (1-10) to the ISO/IEC 19794-2 record extracted from
    that finger's image; ``places`` maps NCIC place codes to ISO 3166-1 alpha-2.

    Raises ``InvalidBooking`` naming the field for a missing TCN, name or arrest date, a
    malformed date, a charge literal without an NCIC code, a place code ``places`` lacks, or a
    template for a finger the transaction holds no image of.
    """
    if not tx.tcn.strip():
        raise InvalidBooking("1.009 TCN is empty")
    fields = tx.type2
    controlling = split_items(fields.get("2.073", ""))
    ori = controlling[0][0].strip() if controlling and controlling[0][0].strip() else tx.ori
    family, given = _name(fields.get("2.018", ""))
    biographics = Biographics(
        family_name=family,
        given_name=given,
        birth_date=_date(fields, "2.022 DOB"),
        sex=_sex(fields.get("2.024", "")),
        birth_place=_place(fields, "2.020 POB", places),
        claimed_citizenship=_place(fields, "2.021 CTZ", places),
    )
    arrested = _date(fields, "2.045 DOA")
    if arrested is None:
        raise InvalidBooking("2.045 DOA (date of arrest) is missing")
    return BookingSubmission(
        tcn=tx.tcn.strip(),
        ori=ori,
        booking_number=fields.get("2.009", "").strip(),
        arrested_at=datetime.combine(arrested, time(0), tzinfo=UTC),
        biographics=biographics,
        charges=_charges(fields.get("2.047", "")),
        fingerprints=_fingerprints(tx, templates),
    )


def response_transaction(
    booking: Booking, response: Response, *, responder_ori: str = LIAISON_ORI
) -> bytes:
    """The EBTS-style response (TOT "SRE") to a booking: the decision, status category,
    priority and safeguard flags, and nothing else (see the module doc)."""
    made = response.created_at
    made_utc = made.astimezone(UTC) if made.tzinfo is not None else made
    digest = hashlib.sha256(booking.booking_id.encode()).hexdigest()
    messages = [f"DECISION={response.decision.value}"]
    if response.status_category:
        messages.append(f"STATUS={response.status_category}")
    if response.priority:
        messages.append(f"PRIORITY={response.priority}")
    if response.flags:
        messages.append(f"FLAGS={' '.join(response.flags)}")
    type2 = {
        "2.009": booking.booking_number,
        "2.059": "I" if response.decision is Decision.MATCH else "N",
        "2.060": "\x1e".join(messages),
    }
    if not booking.booking_number:
        del type2["2.009"]
    answer = Transaction(
        tot=RESPONSE_TOT,
        dat=made_utc.date(),
        dai=booking.ori,
        ori=responder_ori,
        tcn=f"SRE-{digest[:32]}",
        tcr=booking.tcn,
        nsr="00.00",  # no images
        ntr="00.00",
        type1_other={"1.014": made_utc.strftime("%Y%m%d%H%M%SZ")},
        type2=type2,
    )
    return write_transaction(answer)


def response_fields(data: bytes) -> dict[str, str]:
    """The MSG lines of a response transaction as a dict ("DECISION" -> "match", ...)."""
    tx = read_transaction(data)
    lines = [items[0] for items in split_items(tx.type2.get("2.060", ""))]
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _name(text: str) -> tuple[str, str]:
    family, comma, given = text.partition(",")
    if not comma or not family.strip():
        raise InvalidBooking(f"2.018 NAM {text!r}: expected 'LAST,FIRST MIDDLE'")
    return family.strip(), given.strip()


def _date(fields: Mapping[str, str], name: str) -> date | None:
    """The date in the field ``name`` ("2.022 DOB"), or ``None`` when it is absent or empty."""
    text = fields.get(name.split()[0], "").strip()
    if not text:
        return None
    try:
        if _DATE.fullmatch(text):
            return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        pass
    raise InvalidBooking(f"{name} {text!r}: expected a date as CCYYMMDD")


def _sex(code: str) -> str:
    code = code.strip().upper()
    return code if code in ("M", "F") else "X"


def _place(fields: Mapping[str, str], name: str, places: Mapping[str, str]) -> str:
    code = fields.get(name.split()[0], "").strip().upper()
    if not code:
        return ""
    iso = places.get(code)
    if iso is None:
        raise InvalidBooking(
            f"{name} {code!r} is not in the NCIC place table given; pass NCIC's country table"
        )
    return iso


def _charges(text: str) -> tuple[Charge, ...]:
    charges = []
    for number, items in enumerate(split_items(text), start=1):
        literal = items[1] if len(items) > 1 else items[0]
        match = _NCIC_CHARGE.fullmatch(literal.strip())
        if match is None:
            raise InvalidBooking(
                f"2.047 ASL subfield {number}: the literal {literal!r} does not begin with a "
                "four-digit NCIC offense code"
            )
        code = match[1]
        try:
            felony = classify_offense(code).felony_default
        except IdentityError as exc:
            raise InvalidBooking(f"2.047 ASL subfield {number}: {exc}") from exc
        charges.append(Charge(ncic_code=code, literal=match[2].strip(), felony=felony))
    return tuple(charges)


def _fingerprints(tx: Transaction, templates: Mapping[int, bytes]) -> dict[int, bytes]:
    imaged = {image.position for image in tx.fingers}
    for position in templates:
        if position not in imaged:
            raise InvalidBooking(
                f"a template for finger {position}, but the transaction holds no image of it"
            )
    records = dict(templates)
    for template in tx.minutiae:
        position = int(template.position)
        if not 1 <= position <= 10:
            raise InvalidBooking(f"Type-9 minutiae for finger position {position}: not 1-10")
        records.setdefault(position, write_record([template]))
    return dict(sorted(records.items()))
