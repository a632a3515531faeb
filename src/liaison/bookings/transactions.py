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

Fingerprints: ``submission_from_transaction`` takes the ISO/IEC 19794-2 records a caller
extracted, by finger position; Type-9 minutiae (INCITS 378 blocks) fill the positions it did not
pass. ``submit_transaction`` is the whole use case a jail's transaction goes through:

1. read and check the transaction (``TransactionError`` becomes ``InvalidBooking``, its message
   naming record, field and byte offset); its TOT must be a ten-print submission (``TOTS``);
2. read the descriptive text (every field above), and check the agency is the caller's;
3. a replay (same TCN, same bytes) returns the first booking before any extraction: the body
   digest of a transaction is the sha256 of its bytes (``BookingSubmission.source_digest``);
4. decode the image of each finger position 1-10 (the first image of a position; plain
   impressions 11-15 are slaps and thumbs that would need segmenting, and are not searched)
   at the resolution its record declares: WSQ and uncompressed images are decoded when read,
   PNG, JPEG and JPEG 2000 here with Pillow; lossless JPEG (JPEGL) is refused;
5. extract minutiae from each (``biometrics.extraction``, imported on first use: it loads
   torch), one after the other; an unusable capture (blank, noise, too few minutiae) is refused
   naming the finger position and the reason, and nothing is stored. The extractor's finger
   quality goes into each ISO record's finger-quality byte, the impression type into its own;
6. submit the booking (``services.submit_booking``), which stores it and queues its search.

Extraction runs in the request, not in the worker: a bad capture is refused at once with the
finger it concerns, as a corrupt template is, and the stored booking and the worker stay the
same for every way a booking arrives. The cost is CPU in the request: about 0.35 s a finger,
3.4 s a ten-print of FVC2002 DB1 images on two cores (plus some 4 s to load the extractor in a
process's first extraction); the worker's queue carries the 1:N search, which is the part that
grows with the gallery.

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
import io
import re
import time as clock
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from liaison.biometrics.ansi_nist import (
    FingerImage,
    Transaction,
    read_transaction,
    split_items,
    write_transaction,
)
from liaison.biometrics.errors import BiometricsError, TransactionError
from liaison.biometrics.iso19794 import write_record
from liaison.bookings import services
from liaison.bookings.errors import InvalidBooking, WrongAgency
from liaison.bookings.model import Biographics, Booking, Charge, Decision, Response
from liaison.bookings.ports import BookingsUnitOfWork
from liaison.bookings.services import BookingSubmission, Submitted
from liaison.identity.errors import IdentityError
from liaison.identity.priority import classify_offense

__all__ = [
    "LIAISON_ORI",
    "NCIC_US_PLACES",
    "TOTS",
    "FingerCapture",
    "TransactionSubmitted",
    "response_fields",
    "response_transaction",
    "submission_from_transaction",
    "submit_transaction",
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

TOTS: Final = frozenset({"CAR", "CNA"})
"""Types of transaction taken as bookings: EBTS criminal ten-print submissions, answer
required (CAR) or not (CNA); the response is sent either way."""
_PILLOW_COMPRESSIONS: Final = frozenset({"JPEGB", "JP2", "JP2L", "PNG"})
_FINGERS: Final = 10  # finger positions 1-10; 11-15 are plain thumbs and slaps
_MAX_ISO_IMPRESSION: Final = 15

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


@dataclass(frozen=True, slots=True)
class FingerCapture:
    """What extraction made of one finger's image."""

    position: int
    quality: int  # 0-100, the extractor's estimate
    minutiae: int
    seconds: float


@dataclass(frozen=True, slots=True)
class TransactionSubmitted:
    """A booking submitted from a transaction, with what extracting its fingers took."""

    submitted: Submitted
    captures: tuple[FingerCapture, ...]  # by position; empty for a replay (nothing extracted)
    extraction_seconds: float  # wall-clock time of the extraction step


def submit_transaction(
    *,
    uow: BookingsUnitOfWork,
    data: bytes,
    booking_id: str,
    actor: str,
    at: datetime,
    ori: str | None = None,
    places: Mapping[str, str] = NCIC_US_PLACES,
    workers: int = 1,
) -> TransactionSubmitted:
    """Submit the booking an ANSI/NIST-ITL transaction carries (the steps are in the module
    doc); idempotent by TCN as ``submit_booking`` is, a replay recognised by its bytes.

    ``ori``, when given, is the agency the caller speaks for: a transaction naming another is
    refused (``WrongAgency``). ``workers`` threads extract the fingers. Raises
    ``InvalidBooking`` for a malformed transaction, a missing or malformed field, an image
    that cannot be decoded or an unusable capture (naming the finger position), and whatever
    ``submit_booking`` raises; nothing is stored then.
    """
    try:
        tx = read_transaction(data)
    except TransactionError as exc:
        raise InvalidBooking(f"the ANSI/NIST-ITL transaction is malformed: {exc}") from exc
    if tx.tot.strip() not in TOTS:
        raise InvalidBooking(
            f"1.004 TOT {tx.tot!r} is not a ten-print submission ({', '.join(sorted(TOTS))})"
        )
    # the text first: a missing field is refused before seconds are spent on images
    draft = replace(
        submission_from_transaction(tx, templates={}, places=places),
        source_digest=hashlib.sha256(data).hexdigest(),
    )
    if ori is not None and draft.ori != ori:
        raise WrongAgency(f"you submit for agency {ori}, not {draft.ori}")
    earlier = services.find_replay(uow=uow, submission=draft)
    if earlier is not None:
        return TransactionSubmitted(Submitted(earlier, created=False), (), 0.0)
    started = clock.perf_counter()
    records, captures = extract_fingers(searched_images(tx), workers=workers)
    elapsed = clock.perf_counter() - started
    submission = replace(
        submission_from_transaction(tx, templates=records, places=places),
        source_digest=draft.source_digest,
    )
    done = services.submit_booking(
        uow=uow, submission=submission, booking_id=booking_id, actor=actor, at=at
    )
    return TransactionSubmitted(done, captures, elapsed)


def searched_images(tx: Transaction) -> list[FingerImage]:
    """The images searched: the first of each finger position 1-10, in position order.

    Raises ``InvalidBooking`` for an image of an unknown finger (position 0).
    """
    chosen: dict[int, FingerImage] = {}
    for number, image in enumerate(tx.fingers, start=1):
        if image.position == 0:
            raise InvalidBooking(
                f"finger image {number} (Type-{image.record_type}) has finger position 0 "
                "(unknown): a booking's images must say which finger they are"
            )
        if image.position <= _FINGERS:
            chosen.setdefault(image.position, image)
    return [chosen[p] for p in sorted(chosen)]


def extract_fingers(
    images: Sequence[FingerImage], *, workers: int = 1
) -> tuple[dict[int, bytes], tuple[FingerCapture, ...]]:
    """ISO/IEC 19794-2 records of the images' minutiae, by finger position, and what each
    extraction gave.

    One by one (``workers`` 1: the default, as threads gained nothing on FVC2002 ten-prints,
    the extractor being CPU-bound under the GIL), or ``workers`` threads sharing the work; the
    first failure in position order is raised as ``InvalidBooking`` naming the finger, and the
    extractions not started yet are skipped.
    """
    if not images:
        return {}, ()
    # imported here: the extractor loads torch, which API startup and JSON bookings never need
    from liaison.biometrics import extraction

    def one(image: FingerImage) -> tuple[bytes, FingerCapture]:
        started = clock.perf_counter()
        pixels = _pixels(image)
        try:
            found = extraction.extract(pixels, ppi=image.ppi, position=image.position)
        except BiometricsError as exc:
            raise InvalidBooking(f"finger {image.position}: unusable capture: {exc}") from exc
        template = replace(
            found.template,
            quality=found.quality,
            impression=image.impression if image.impression <= _MAX_ISO_IMPRESSION else 0,
        )
        try:
            record = write_record([template])
        except BiometricsError as exc:
            raise InvalidBooking(f"finger {image.position}: {exc}") from exc
        seconds = clock.perf_counter() - started
        return record, FingerCapture(image.position, found.quality, template.count, seconds)

    if workers <= 1:
        results = [one(image) for image in images]  # stops at the first unusable finger
    else:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="extract")
        try:
            futures: list[Future[tuple[bytes, FingerCapture]]] = [
                pool.submit(one, image) for image in images
            ]
            results = [future.result() for future in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    records = {capture.position: record for record, capture in results}
    return records, tuple(capture for _, capture in results)


def _pixels(image: FingerImage) -> npt.NDArray[np.uint8]:
    """The image's greyscale pixels: decoded when read (WSQ, uncompressed), or here with
    Pillow (PNG, JPEG, JPEG 2000); ``InvalidBooking`` naming the finger when they cannot be."""
    if image.pixels is not None:
        return image.pixels
    finger = f"finger {image.position}"
    if image.compression not in _PILLOW_COMPRESSIONS:
        raise InvalidBooking(f"{finger}: {image.compression} images cannot be decoded here")
    try:
        with Image.open(io.BytesIO(image.raw)) as opened:
            pixels = np.asarray(opened.convert("L"), dtype=np.uint8).copy()
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidBooking(
            f"{finger}: the {image.compression} image cannot be decoded: {exc}"
        ) from exc
    height, width = pixels.shape
    if (width, height) != (image.width, image.height):
        raise InvalidBooking(
            f"{finger}: the {image.compression} image is {width}x{height}, "
            f"the record says {image.width}x{image.height}"
        )
    return pixels


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
