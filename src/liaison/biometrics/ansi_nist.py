"""ANSI/NIST-ITL 1-2011 transactions (FBI EBTS profile) and WSQ images, read and written.

A jail's booking arrives as one transaction: a Type-1 header (TOT, DAT, DAI, ORI, TCN, ...),
one Type-2 record of descriptive text (its fields are the EBTS profile's: name, date of birth,
charges, ...), fingerprint images as Type-4 (binary, 500 ppi) or Type-14 (tagged) records, often
WSQ-compressed, and sometimes Type-9 minutiae. ``read_transaction`` turns the bytes into a plain
``Transaction``; ``write_transaction`` writes one back, so ``read(write(t))`` is ``t`` and
``write(read(b))`` is ``b`` for any ``b`` this module wrote.

What is read, record by record:

| record  | becomes                                                                        |
| ------- | ------------------------------------------------------------------------------ |
| Type-1  | ``Transaction`` attributes (1.002-1.012); other fields in ``type1_other``      |
| Type-2  | ``Transaction.type2``: "2.xxx" -> the field's text, subfields separated by RS  |
|         | (``\\x1e``) and items by US (``\\x1f``) exactly as sent; at most one Type-2     |
| Type-4  | a ``FingerImage``: IMP, FGP, ISR, HLL, VLL, CGA and the image bytes             |
| Type-14 | a ``FingerImage``: 14.003 IMP, 14.006-14.013 and 14.999 DATA                   |
| Type-9  | a ``FingerTemplate`` when it carries the INCITS 378 ("M1") block, 9.126-9.137: |
|         | HLL/VLL 9.128/9.129, SLC/THPS 9.130/9.131, FGP 9.134, FQD 9.135, NOM 9.136 and |
|         | FMD 9.137 (index, x, y, angle in 2-degree units, quality, type per minutia);   |
|         | other Type-9 blocks (legacy 9.005-9.012, vendor, EFS) are framed, not mapped   |
| others  | framed and checked (Type-7/8/10/13/15/...), not kept                           |

Images are decoded to pixels when uncompressed ("NONE") or WSQ ("WSQ20"); JPEG, JPEG 2000 and
PNG images keep their bytes in ``FingerImage.raw`` with ``pixels`` ``None``.

The libraries, and what Liaison adds to them:

- ``nistitl`` 0.6 parses and generates the records, computing LEN and CNT when writing. Its
  errors carry no record index or byte offset, it checks CNT loosely and mistakes the text
  "999:" for an image tag, so ``ansi_nist_framing`` frames and checks the transaction before
  nistitl parses it (see there). Binary records are opaque to it after LEN and IDC: the Type-4
  header is unpacked here with its ``BinaryRecord.unpack``. It knows no Type-9 minutiae: the
  INCITS 378 block is mapped here. It has no public way to list a record's fields: the framing
  lists them. It writes IDCs unpadded ("1", not "01") and VER "0400" unless told: "0500" here.
- ``wsq`` 0.9 decodes and encodes WSQ (see ``wsq_codec`` for what it cannot do).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, cast

import nistitl
import numpy as np
import numpy.typing as npt

from liaison.biometrics.ansi_nist_framing import (
    FS,
    GS,
    RS,
    TYPE4,
    US,
    RecordSpan,
    field_key,
    frame,
    parse_records,
)
from liaison.biometrics.errors import CaptureError, TransactionError
from liaison.biometrics.model import (
    ANGLE,
    KIND,
    QUALITY,
    FingerPosition,
    FingerTemplate,
    MinutiaKind,
    X,
    Y,
    minutiae_array,
)
from liaison.biometrics.wsq_codec import decode_wsq, encode_wsq, wsq_size

__all__ = [
    "COMPRESSIONS",
    "FingerImage",
    "Transaction",
    "decode_wsq",
    "encode_wsq",
    "read_transaction",
    "split_items",
    "write_transaction",
]

VERSION: Final = "0500"  # ANSI/NIST-ITL 1-2011

# Compression codes (ANSI/NIST-ITL 1-2011 table 15): Type-4 stores the number, Type-14 the name.
COMPRESSIONS: Final[Mapping[int, str]] = {
    0: "NONE",
    1: "WSQ20",
    2: "JPEGB",
    3: "JPEGL",
    4: "JP2",
    5: "JP2L",
    6: "PNG",
}
_COMPRESSION_CODES: Final = {name: code for code, name in COMPRESSIONS.items()}

# Finger codes of table 8 an image may carry: 0 unknown, 1-10 fingers, 11-12 plain thumbs,
# 13-14 four-finger slaps, 15 both thumbs. Palms and joints (Type-15, EJI) are out of scope.
MAX_FINGER_CODE: Final = 15
MAX_IMAGE_PIXELS: Final = 25_000_000  # a 1000 ppi four-finger slap is about 10 million
MAX_M1_ANGLE: Final = 179  # INCITS 378 angles are in units of 2 degrees
MAX_ISO_IMPRESSION: Final = 15  # four bits in ISO/IEC 19794-2
_TYPE1_ATTRIBUTES: Final = {
    2: "ver",
    4: "tot",
    5: "dat",
    6: "pry",
    7: "dai",
    8: "ori",
    9: "tcn",
    10: "tcr",
    11: "nsr",
    12: "ntr",
}
_DIGITS = re.compile(r"\d{1,9}")
_DATE = re.compile(r"\d{8}")
_RESOLUTION = re.compile(r"\d{1,3}\.\d{1,2}")  # NSR/NTR, pixels per millimetre: "19.69"
_MM_PER_INCH: Final = 25.4
_CM_PER_INCH: Final = 2.54
_M1_ANGLE_UNIT: Final = math.pi / 90.0  # two degrees, in radians


@dataclass(frozen=True, slots=True)
class FingerImage:
    """One fingerprint image of a Type-4 or Type-14 record.

    ``raw`` holds the image data as stored (compressed or not) and is what is written back;
    ``pixels`` is its decoded greyscale image, ``(height, width)`` ``uint8``, or ``None`` for a
    compression this module does not decode. Equality compares ``raw``, never ``pixels``.
    """

    position: int  # finger code, ANSI/NIST-ITL table 8 (1-10 fingers, 11-15 plain captures)
    width: int
    height: int
    ppi: int
    compression: str  # a ``COMPRESSIONS`` name: "NONE", "WSQ20", ...
    pixels: npt.NDArray[np.uint8] | None = field(compare=False, repr=False)
    raw: bytes = field(repr=False)
    record_type: int = 14
    impression: int = 0  # impression type (table 7): 0 live-scan plain, 1 live-scan rolled, ...

    @classmethod
    def from_pixels(
        cls,
        position: int,
        pixels: npt.NDArray[np.uint8],
        *,
        ppi: int = 500,
        compression: str = "WSQ20",
        impression: int = 0,
        record_type: int = 14,
    ) -> FingerImage:
        """An image ready to write, compressed as asked ("WSQ20" or "NONE"); its ``pixels``
        are what a reader will decode (WSQ is lossy)."""
        image = np.asarray(pixels)
        if image.ndim != 2 or image.dtype != np.uint8:
            raise ValueError(f"expected a 2-D uint8 image, got {image.dtype} {image.shape}")
        height, width = image.shape
        if compression == "WSQ20":
            raw = encode_wsq(image, ppi=ppi)
            decoded = decode_wsq(raw)
        elif compression == "NONE":
            raw, decoded = image.tobytes(), image
        else:
            raise ValueError(f"cannot compress to {compression!r}: only WSQ20 and NONE")
        return cls(position, width, height, ppi, compression, decoded, raw, record_type, impression)


@dataclass(frozen=True, eq=False)
class Transaction:
    """An ANSI/NIST-ITL transaction as plain data (compare two with ``same_as``)."""

    tot: str  # 1.004 type of transaction, e.g. "CAR" (criminal ten-print submission)
    dat: date  # 1.005 date
    dai: str  # 1.007 destination agency identifier
    ori: str  # 1.008 originating agency identifier
    tcn: str  # 1.009 transaction control number
    tcr: str = ""  # 1.010 transaction control reference: the TCN this one answers
    pry: str = ""  # 1.006 priority, "1"-"9", or "" when absent
    ver: str = VERSION  # 1.002
    nsr: str = "19.69"  # 1.011 native scanning resolution, pixels per mm ("00.00": no images)
    ntr: str = "19.69"  # 1.012 nominal transmitting resolution, pixels per mm
    type1_other: Mapping[str, str] = field(default_factory=dict)  # "1.013" -> text, ...
    type2: Mapping[str, str] = field(default_factory=dict)  # "2.018" -> text, ...
    fingers: tuple[FingerImage, ...] = ()
    minutiae: tuple[FingerTemplate, ...] = ()  # from Type-9 M1 blocks

    def same_as(self, other: Transaction) -> bool:
        """True when both hold the same header, text, images and minutiae."""
        return (
            (self.tot, self.dat, self.dai, self.ori, self.tcn, self.tcr, self.pry)
            == (other.tot, other.dat, other.dai, other.ori, other.tcn, other.tcr, other.pry)
            and (self.ver, self.nsr, self.ntr) == (other.ver, other.nsr, other.ntr)
            and dict(self.type1_other) == dict(other.type1_other)
            and dict(self.type2) == dict(other.type2)
            and self.fingers == other.fingers
            and len(self.minutiae) == len(other.minutiae)
            and all(a.same_as(b) for a, b in zip(self.minutiae, other.minutiae, strict=True))
        )


def split_items(text: str) -> list[list[str]]:
    """A field's text as subfields of items: ``"A\\x1fB\\x1eC"`` -> ``[["A", "B"], ["C"]]``."""
    if not text:
        return []
    return [subfield.split(chr(US)) for subfield in text.split(chr(RS))]


# --- reading ------------------------------------------------------------------------------------


def read_transaction(
    data: bytes | bytearray | memoryview, *, decode_images: bool = True
) -> Transaction:
    """The transaction in ``data``.

    Raises ``TransactionError`` (naming the record, field and byte offset) for anything
    malformed: a truncated transaction, a record length that disagrees with the data, a CNT
    that disagrees with the records, a missing or unreadable field, an image whose size
    disagrees with its record, an undecodable WSQ stream (when ``decode_images``).
    """
    data = bytes(data)
    spans = frame(data)
    records = parse_records(data, spans)
    header = _Record(spans[0], records[0])
    values = {attribute: header.text(tag) for tag, attribute in _TYPE1_ATTRIBUTES.items()}
    for tag in (2, 4, 5, 7, 8, 9, 11, 12):
        header.require(tag)
    dat = header.date(5)
    for tag in (11, 12):
        if not _RESOLUTION.fullmatch(values[_TYPE1_ATTRIBUTES[tag]]):
            raise header.error(tag, "expected pixels per millimetre as NN.NN, e.g. 19.69")
    type1_other = {
        field_key(1, tag): header.text(tag)
        for tag in spans[0].fields
        if tag not in _TYPE1_ATTRIBUTES and tag not in (1, 3)  # LEN and CNT: the library's
    }

    type2: dict[str, str] = {}
    fingers: list[FingerImage] = []
    minutiae: list[FingerTemplate] = []
    seen_type2 = False
    for span, parsed in zip(spans[1:], records[1:], strict=True):
        record = _Record(span, parsed)
        if span.rtype == 2:
            if seen_type2:
                raise record.error(2, "a second Type-2 record: the EBTS profile carries one")
            seen_type2 = True
            type2 = {field_key(2, tag): record.text(tag) for tag in span.fields if tag > 2}
        elif span.rtype == 4:
            fingers.append(_type4_image(record, values["nsr"], values["ntr"], decode_images))
        elif span.rtype == 14:
            fingers.append(_type14_image(record, decode_images))
        elif span.rtype == 9 and 137 in span.fields:
            minutiae.append(_m1_template(record))
    return Transaction(
        tot=values["tot"],
        dat=dat,
        dai=values["dai"],
        ori=values["ori"],
        tcn=values["tcn"],
        tcr=values["tcr"],
        pry=values["pry"],
        ver=values["ver"],
        nsr=values["nsr"],
        ntr=values["ntr"],
        type1_other=type1_other,
        type2=type2,
        fingers=tuple(fingers),
        minutiae=tuple(minutiae),
    )


class _Record:
    """A framed record with nistitl's parse of it: typed field values, errors with offsets."""

    def __init__(self, span: RecordSpan, parsed: Any) -> None:
        self.span = span
        self.parsed = parsed

    def error(self, tag: int, message: str) -> TransactionError:
        return self.span.error(tag, message)

    def require(self, tag: int) -> None:
        if tag not in self.span.fields:
            raise self.span.error(tag, "the field is missing", self.span.start)

    def text(self, tag: int) -> str:
        """The field's text exactly as sent (subfields and items keep their separators)."""
        if tag not in self.span.fields:
            return ""
        found = self.parsed[tag]
        if found is None:
            raise self.error(tag, "nistitl did not read this field")
        encoded = cast(bytes, found.NIST)
        return encoded.split(b":", 1)[1].decode("latin-1")

    def blob(self, tag: int) -> bytes:
        self.require(tag)
        found = self.parsed[tag]
        if found is None or not isinstance(found.value, bytes):
            raise self.error(tag, "nistitl did not read the image data")
        return found.value

    def items(self, tag: int) -> list[list[str]]:
        return split_items(self.text(tag))

    def number(self, tag: int, *, low: int = 0, high: int = 10**9) -> int:
        """The field's first item as an integer in ``[low, high]``."""
        self.require(tag)
        items = self.items(tag)
        text = items[0][0] if items else ""
        if not _DIGITS.fullmatch(text):
            raise self.error(tag, f"expected a number, found {text!r}")
        value = int(text)
        if not low <= value <= high:
            raise self.error(tag, f"{value} is outside {low}-{high}")
        return value

    def date(self, tag: int) -> date:
        text = self.text(tag)
        try:
            if _DATE.fullmatch(text):
                return datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            pass
        raise self.error(tag, f"expected a date as CCYYMMDD, found {text!r}")


def _check_size(record: _Record, width_tag: int, height_tag: int) -> tuple[int, int]:
    width = record.number(width_tag, low=1, high=65535)
    height = record.number(height_tag, low=1, high=65535)
    if width * height > MAX_IMAGE_PIXELS:
        raise record.error(width_tag, f"a {width}x{height} image is larger than any fingerprint")
    return width, height


def _type4_image(record: _Record, nsr: str, ntr: str, decode: bool) -> FingerImage:
    impression, fgp, isr, width, height, code, raw = record.parsed.unpack(TYPE4.format)
    span = record.span
    if fgp[0] > MAX_FINGER_CODE:
        raise record.error(
            4, f"finger position {fgp[0]} is not a finger code (0-{MAX_FINGER_CODE})"
        )
    if isr not in (0, 1):
        raise record.error(5, f"ISR must be 0 (NSR applies) or 1 (NTR applies), not {isr}")
    for tag, value in ((6, width), (7, height)):
        if value == 0:
            raise record.error(tag, "an image dimension of 0")
    if width * height > MAX_IMAGE_PIXELS:
        raise record.error(6, f"a {width}x{height} image is larger than any fingerprint")
    if code not in COMPRESSIONS:
        raise record.error(8, f"compression code {code} is not in table 15 (0-6)")
    ppi = round(float(ntr if isr else nsr) * _MM_PER_INCH)
    if ppi <= 0:
        raise span.error(5, f"the resolution 1.011 NSR / 1.012 NTR gives {ppi} ppi")
    compression = COMPRESSIONS[code]
    pixels = _pixels(record, 9, bytes(raw), compression, width, height) if decode else None
    return FingerImage(fgp[0], width, height, ppi, compression, pixels, bytes(raw), 4, impression)


def _type14_image(record: _Record, decode: bool) -> FingerImage:
    impression = record.number(3, high=255)
    width, height = _check_size(record, 6, 7)
    scale = record.number(8, high=2)
    if scale == 0:
        raise record.error(8, "SLC 0 gives no resolution; EBTS needs pixels per inch or cm")
    horizontal = record.number(9, low=1, high=100_000)
    ppi = horizontal if scale == 1 else round(horizontal * _CM_PER_INCH)
    record.require(11)
    compression = record.text(11).upper()
    if compression not in _COMPRESSION_CODES:
        raise record.error(11, f"{compression!r} is not a compression of table 15")
    bits = record.number(12, low=1, high=16)
    if bits != 8:
        raise record.error(12, f"{bits} bits per pixel: EBTS fingerprints are 8-bit grey")
    position = record.number(13, high=MAX_FINGER_CODE)
    raw = record.blob(999)
    pixels = _pixels(record, 999, raw, compression, width, height) if decode else None
    return FingerImage(position, width, height, ppi, compression, pixels, raw, 14, impression)


def _pixels(
    record: _Record, tag: int, raw: bytes, compression: str, width: int, height: int
) -> npt.NDArray[np.uint8] | None:
    size = f"{width}x{height}"
    if compression == "NONE":
        if len(raw) != width * height:
            raise record.error(tag, f"{len(raw)} bytes of pixels for a {size} 8-bit image")
        return np.frombuffer(raw, dtype=np.uint8).reshape(height, width).copy()
    if compression != "WSQ20":
        return None
    try:
        found = wsq_size(raw)
        if found != (width, height):
            raise record.error(
                tag, f"the WSQ image is {found[0]}x{found[1]}, the record says {size}"
            )
        return decode_wsq(raw)
    except CaptureError as exc:
        raise record.error(tag, str(exc)) from exc


def _m1_template(record: _Record) -> FingerTemplate:
    """The INCITS 378 block of a Type-9 record as a template."""
    impression = record.number(3, high=MAX_ISO_IMPRESSION)
    width, height = _check_size(record, 128, 129)
    scale = record.number(130, low=1, high=2)
    horizontal = record.number(131, low=1, high=100_000)
    ppcm = horizontal if scale == 2 else round(horizontal / _CM_PER_INCH)
    position = record.number(134, high=int(max(FingerPosition)))
    quality = 0
    if 135 in record.span.fields:
        quality = record.number(135, high=255)
        quality = quality if quality <= 100 else 0  # 254/255: not computed / failed
    count = record.number(136, high=10_000)
    rows = record.items(137)
    if len(rows) != count:
        raise record.error(136, f"says {count} minutiae but 9.137 FMD holds {len(rows)}")
    table = np.zeros((count, 6), dtype=np.int64)
    limits = (10_000, width - 1, height - 1, MAX_M1_ANGLE, 100, int(max(MinutiaKind)))
    for number, row in enumerate(rows, start=1):
        if len(row) != 6 or not all(_DIGITS.fullmatch(item) for item in row):
            raise record.error(137, f"minutia {number} is {row}: expected six numbers")
        values = [int(item) for item in row]
        if any(v > limit for v, limit in zip(values, limits, strict=True)):
            raise record.error(
                137,
                f"minutia {number} {values} is out of range (x < {width}, y < {height}, "
                f"angle <= {MAX_M1_ANGLE}, quality <= 100, type <= 2)",
            )
        table[number - 1] = values
    minutiae = minutiae_array(
        table[:, 1], table[:, 2], table[:, 3] * _M1_ANGLE_UNIT, table[:, 5], table[:, 4]
    )
    return FingerTemplate(
        FingerPosition(position), width, height, minutiae, ppcm, quality, impression
    )


# --- writing ------------------------------------------------------------------------------------


def write_transaction(tx: Transaction) -> bytes:
    """The transaction's bytes: Type-1, the Type-2 (when ``type2`` has fields), the images in
    order (IDC 1, 2, ...), then a Type-9 per template, sharing the IDC of the image of the same
    finger where there is one.

    Raises ``ValueError`` for what cannot be written: a field key not of its record, a Type-1
    value holding a separator, a Type-4 image whose ppi neither NSR nor NTR gives.
    """
    message = nistitl.Message()
    header = message[0]
    for tag, attribute in _TYPE1_ATTRIBUTES.items():
        value = tx.dat.strftime("%Y%m%d") if attribute == "dat" else getattr(tx, attribute)
        if attribute in ("tcr", "pry") and not value:
            continue
        setattr(header, f"_{tag}", _checked_text(field_key(1, tag), value, allow_items=False))
    for key, value in tx.type1_other.items():
        tag = _tag_of(key, 1)
        if tag <= 12:
            raise ValueError(f"{key} is written from the Transaction's own attributes")
        header += nistitl.Field(1, tag, _checked_text(key, value))
    if tx.type2:
        descriptive = nistitl.AsciiRecord(2)
        descriptive.IDC = 0
        for key, value in tx.type2.items():
            tag = _tag_of(key, 2)
            if tag <= 2:
                raise ValueError(f"{key} is written by the library (LEN, IDC)")
            descriptive += nistitl.Field(2, tag, _checked_text(key, value))
        message += descriptive
    idcs: dict[int, int] = {}
    for idc, image in enumerate(tx.fingers, start=1):
        idcs.setdefault(image.position, idc)
        message += _image_record(tx, image, idc)
    next_idc = len(tx.fingers) + 1
    for template in tx.minutiae:
        shared = idcs.get(int(template.position))
        if shared is None:
            shared, next_idc = next_idc, next_idc + 1
        message += _m1_record(template, shared)
    return cast(bytes, message.NIST)


def _tag_of(key: str, rtype: int) -> int:
    match = re.fullmatch(rf"{rtype}\.(\d{{3,4}})", key)
    if match is None:
        raise ValueError(f"{key!r} is not a Type-{rtype} field number like '{rtype}.018'")
    return int(match[1])


def _checked_text(key: str, text: str, *, allow_items: bool = True) -> str:
    """``text`` if it can be written as the field ``key``, else ``ValueError``."""
    forbidden = (FS, GS) if allow_items else (FS, GS, RS, US)
    if any(chr(c) in text for c in forbidden):
        raise ValueError(f"{key} {text!r} holds an ANSI/NIST separator")
    try:
        text.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{key} {text!r} is not Latin-1 text") from exc
    return text


def _image_record(tx: Transaction, image: FingerImage, idc: int) -> Any:
    if image.compression not in _COMPRESSION_CODES:
        raise ValueError(f"{image.compression!r} is not a compression of table 15")
    if not 0 <= image.position <= MAX_FINGER_CODE:
        raise ValueError(f"finger position {image.position} is not a finger code")
    if not 0 <= image.impression <= 255:
        raise ValueError(f"impression type {image.impression} is not 0-255")
    if image.record_type == 4:
        return _type4_record(tx, image, idc)
    if image.record_type != 14:
        raise ValueError(
            f"a finger image goes in a Type-4 or Type-14 record, not {image.record_type}"
        )
    record = nistitl.AsciiRecord(14)
    record.IDC = idc
    record.IMP = image.impression
    record.SRC = tx.ori
    record.FCD = tx.dat.strftime("%Y%m%d")
    record.HLL = image.width
    record.VLL = image.height
    record.SLC = 1  # pixels per inch
    record.THPS = image.ppi
    record.TVPS = image.ppi
    record.CGA = image.compression
    record.BPX = 8
    record.FGP = image.position
    record.DATA = image.raw
    return record


def _type4_record(tx: Transaction, image: FingerImage, idc: int) -> Any:
    resolutions = {round(float(tx.nsr) * _MM_PER_INCH): 0, round(float(tx.ntr) * _MM_PER_INCH): 1}
    isr = resolutions.get(image.ppi)
    if isr is None:
        raise ValueError(
            f"a Type-4 image at {image.ppi} ppi needs 1.011 NSR or 1.012 NTR to say so "
            f"(they say {tx.nsr} and {tx.ntr} pixels per mm)"
        )
    if not (0 < image.width <= 65535 and 0 < image.height <= 65535):
        raise ValueError(f"a Type-4 image cannot be {image.width}x{image.height}")
    record = nistitl.BinaryRecord(4)
    record.IDC = idc
    positions = bytes([image.position, 255, 255, 255, 255, 255])  # 255: unused
    code = _COMPRESSION_CODES[image.compression]
    record.pack(
        TYPE4.format, image.impression, positions, isr, image.width, image.height, code, image.raw
    )
    return record


def _m1_record(template: FingerTemplate, idc: int) -> Any:
    """A Type-9 record carrying ``template`` as an INCITS 378 block (9.126-9.137)."""
    record = nistitl.AsciiRecord(9)
    record.IDC = idc
    record._3 = template.impression
    record._4 = "U"  # the legacy "standard" fields 9.005-9.012 are not written
    record._126 = [["27", "513"]]  # CBEFF format owner INCITS TC M1, format type 0x0201
    record._127 = [["0", "0"]]  # capture equipment: compliance and id not reported
    record._128 = template.width
    record._129 = template.height
    record._130 = 2  # pixels per centimetre
    record._131 = template.resolution_ppcm
    record._132 = template.resolution_ppcm
    record._133 = 0  # finger view
    record._134 = int(template.position)
    if template.quality:
        record._135 = [[str(template.quality), "0000", "0"]]  # vendor and algorithm unknown
    record._136 = template.count
    rows = _m1_rows(template.minutiae)
    record._137 = rows if rows else ""
    return record


def _m1_rows(minutiae: npt.NDArray[np.float32]) -> list[list[str]]:
    angles = np.round(minutiae[:, ANGLE].astype(np.float64) / _M1_ANGLE_UNIT).astype(np.int64)
    return [
        [
            str(number),
            str(round(float(m[X]))),
            str(round(float(m[Y]))),
            str(int(angle) % (MAX_M1_ANGLE + 1)),
            str(round(float(m[QUALITY]))),
            str(round(float(m[KIND]))),
        ]
        for number, (m, angle) in enumerate(zip(minutiae, angles, strict=True), start=1)
    ]
