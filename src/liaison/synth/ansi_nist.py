"""Booking transactions built from fingerprint images: for tests, demos and trying the API.

``ten_print_transaction`` writes what a jail's booking system sends: an ANSI/NIST-ITL 1-2011
criminal ten-print submission (TOT "CAR") with a Type-1 header, a Type-2 record of the EBTS
fields ``bookings.transactions`` reads (name, date of birth, sex, places, date of arrest,
charges) and one Type-14 record per finger, WSQ-compressed by default, at each image's own
resolution. ``fvc_fingers`` takes a "person" from FVC2002: ten fingers of one database filed
as finger positions 1-10, one impression of each. ``enroll_person`` puts someone into a
world's gallery and identity repository, so that a booking of them can be identified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from liaison.biometrics import services as biometrics
from liaison.biometrics.ansi_nist import FingerImage, Transaction, write_transaction
from liaison.biometrics.model import FingerTemplate
from liaison.bookings.transactions import LIAISON_ORI
from liaison.bootstrap import Container, open_gallery
from liaison.identity import services as identity_services
from liaison.identity.model import Identity

__all__ = [
    "FVC_FINGERS",
    "Arrest",
    "FingerPicture",
    "enroll_person",
    "fvc_fingers",
    "ten_print_transaction",
]

FVC_FINGERS: Final = tuple(range(101, 111))  # the ten fingers of each FVC2002 "B" database
ROLLED: Final = 1  # impression type (ANSI/NIST-ITL table 7): live-scan rolled


@dataclass(frozen=True, slots=True)
class FingerPicture:
    """One finger's image and its resolution, as a jail's scanner delivers it."""

    pixels: npt.NDArray[np.uint8]
    ppi: int


@dataclass(frozen=True, slots=True)
class Arrest:
    """The descriptive text of a booking, in the EBTS profile's own codes."""

    tcn: str  # 1.009
    ori: str  # 1.008, the booking agency
    booking_number: str  # 2.009 OCA
    family_name: str  # 2.018 NAM, "LAST,FIRST"
    given_name: str
    arrested_on: date  # 2.045 DOA
    birth_date: date | None = None  # 2.022 DOB
    sex: str = "M"  # 2.024
    birth_place: str = ""  # 2.020 POB, an NCIC code ("MM" Mexico, "TX" Texas)
    citizenship: str = ""  # 2.021 CTZ, an NCIC code
    charges: tuple[str, ...] = ("1313 SIMPLE ASSAULT",)  # 2.047 AOL: the NCIC code first

    def type2(self) -> dict[str, str]:
        """The Type-2 fields, "2.xxx" -> text."""
        day = self.arrested_on.strftime("%Y%m%d")
        fields = {
            "2.009": self.booking_number,
            "2.018": f"{self.family_name},{self.given_name}",
            "2.020": self.birth_place,
            "2.021": self.citizenship,
            "2.022": self.birth_date.strftime("%Y%m%d") if self.birth_date else "",
            "2.024": self.sex,
            "2.045": day,
            "2.047": "\x1e".join(f"{day}\x1f{literal}" for literal in self.charges),
        }
        return {key: value for key, value in fields.items() if value}


def ten_print_transaction(
    arrest: Arrest,
    fingers: Mapping[int, FingerPicture],
    *,
    compression: str = "WSQ20",
    impression: int = ROLLED,
    dai: str = LIAISON_ORI,
    tot: str = "CAR",
) -> bytes:
    """The bytes of a criminal ten-print submission of ``fingers`` (position -> image).

    Each finger is a Type-14 record at its image's own resolution, compressed as asked
    ("WSQ20" or "NONE"). Raises ``ValueError`` for what cannot be written (a position outside
    1-10, a text field holding an ANSI/NIST separator).
    """
    for position in fingers:
        if not 1 <= position <= 10:
            raise ValueError(f"finger position {position} is not 1-10")
    images = tuple(
        FingerImage.from_pixels(
            position,
            picture.pixels,
            ppi=picture.ppi,
            compression=compression,
            impression=impression,
        )
        for position, picture in sorted(fingers.items())
    )
    return write_transaction(
        Transaction(
            tot=tot,
            dat=arrest.arrested_on,
            dai=dai,
            ori=arrest.ori,
            tcn=arrest.tcn,
            type2=arrest.type2(),
            fingers=images,
        )
    )


def fvc_fingers(
    database: Path, impression: int, fingers: Sequence[int] = FVC_FINGERS
) -> dict[int, FingerPicture]:
    """A person made of FVC2002: the image files ``database/FFF_I.tif`` of ``fingers`` (ten,
    by default 101-110) at ``impression`` (1-8), filed as finger positions 1, 2, ... in order.

    Each image's resolution is what ``extraction.load_image`` reads (FVC2002's TIFFs say none:
    500 ppi is assumed). Raises ``ExtractionError`` naming a file that cannot be read.
    """
    # imported on use: the extraction module is where torch-loading code lives
    from liaison.biometrics.extraction import load_image

    pictures: dict[int, FingerPicture] = {}
    for position, finger in enumerate(fingers, start=1):
        pixels, ppi = load_image(database / f"{finger}_{impression}.tif")
        pictures[position] = FingerPicture(pixels, ppi)
    return pictures


def enroll_person(
    c: Container,
    *,
    identity: Identity,
    templates: Sequence[FingerTemplate],
    at: datetime | None = None,
) -> None:
    """Put ``identity`` into the identity repository and its fingers into the gallery (the
    gallery subject is the identity id, as the search reports it).

    Call it before the world's engine is first opened (``Container.search``): an open engine
    does not see rows appended after it. The gallery append comes first and checks every
    template before writing any.
    """
    gallery = open_gallery(c.settings, create=True)
    biometrics.enroll(
        gallery=gallery,
        subjects=[identity.identity_id] * len(templates),
        templates=list(templates),
    )
    identity_services.enroll_identities(
        uow=c.uow(),
        identities=[identity],
        actor="synth",
        at=at or datetime(2026, 1, 1, tzinfo=UTC),
    )
