"""Framing of ANSI/NIST-ITL 1-2011 transactions: where each record and field lies.

``nistitl`` parses the records, but reports errors without a record index or byte offset,
raises ``ValueError``/``KeyError``/``TypeError`` as well as its own ``NistException`` on input
it does not expect, checks CNT loosely (a wrong record type with the right IDC passes; it never
checks that the Type-1 comes first), and finds an image field by searching the record for the
text ``999:`` (so a text field holding "999:" before the image would swallow the rest of the
record). So ``frame`` walks the transaction first: each record's extent from its LEN (tagged
records) or its 4-byte length (binary Type-4/7/8), every field's tag and extent, CNT against
the records that are there. Anything malformed raises ``TransactionError`` naming the record,
the field and the byte offset. ``parse_records`` then lets nistitl parse what passed, and checks
that it found the same records.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import nistitl

from liaison.biometrics.errors import TransactionError

__all__ = [
    "BINARY_TYPES",
    "DATA_TAGS",
    "FS",
    "GS",
    "KNOWN_TYPES",
    "RS",
    "TYPE4",
    "US",
    "FieldSpan",
    "RecordSpan",
    "field_key",
    "field_name",
    "frame",
    "parse_records",
]

FS: Final = 0x1C  # ends a record
GS: Final = 0x1D  # separates fields
RS: Final = 0x1E  # separates subfields
US: Final = 0x1F  # separates items

BINARY_TYPES: Final = frozenset({4, 7, 8})
DEPRECATED_TYPES: Final = frozenset({3, 5, 6})  # deprecated by ANSI/NIST-ITL 1-2011
# What nistitl can parse: the tagged types it has aliases for, and the binary ones.
KNOWN_TYPES: Final = (frozenset(nistitl.ALIASES) | BINARY_TYPES) - {1}
# The tagged types whose last field is binary image data, as nistitl parses them.
DATA_TAGS: Final[Mapping[int, int]] = {
    rtype: tag
    for rtype, aliases in nistitl.ALIASES.items()
    for tag, name in aliases.items()
    if name == "DATA"
}
# Binary record headers: LEN (4 bytes) and IDC (1), then the type's own fixed fields.
_BINARY_HEADER_SIZE: Final = {4: 18, 7: 5, 8: 12}
TYPE4: Final = struct.Struct("!B6sBHHB")  # IMP, FGP, ISR, HLL, VLL, CGA (after LEN and IDC)
TYPE4_FIELDS: Final = (  # (field number, mnemonic, offset in the record, size)
    (1, "LEN", 0, 4),
    (2, "IDC", 4, 1),
    (3, "IMP", 5, 1),
    (4, "FGP", 6, 6),
    (5, "ISR", 12, 1),
    (6, "HLL", 13, 2),
    (7, "VLL", 15, 2),
    (8, "CGA", 17, 1),
    (9, "DATA", 18, 0),
)
MNEMONICS: Final[Mapping[int, Mapping[int, str]]] = {
    **nistitl.ALIASES,
    4: {number: name for number, name, _, _ in TYPE4_FIELDS},
    9: {
        **nistitl.ALIASES[9],
        3: "IMP",
        4: "FMT",
        126: "CBI",
        127: "CEI",
        128: "HLL",
        129: "VLL",
        130: "SLC",
        131: "THPS",
        132: "TVPS",
        133: "FVW",
        134: "FGP",
        135: "FQD",
        136: "NOM",
        137: "FMD",
    },
}
_TAG = re.compile(rb"(\d{1,3})\.(\d{1,4}):")
_LENGTH = re.compile(rb"(\d{1,10})\x1d")
_DIGITS = re.compile(r"\d{1,9}")


@dataclass(frozen=True, slots=True)
class FieldSpan:
    """Where one field lies in the transaction (byte offsets from its start)."""

    start: int  # the tag's first byte
    value: int  # the value's first byte
    end: int  # one past the value's last byte


@dataclass(frozen=True, slots=True)
class RecordSpan:
    """Where one record lies, with its fields by number (a Type-4's by its fixed layout)."""

    index: int  # 1-based place in the transaction; the Type-1 is record 1
    rtype: int
    idc: int
    start: int
    end: int  # one past the record's last byte
    fields: dict[int, FieldSpan]

    def error(self, tag: int, message: str, offset: int | None = None) -> TransactionError:
        """The error for field ``tag`` of this record, at ``offset`` or the field's value."""
        where = self.fields.get(tag)
        if offset is None:
            offset = where.value if where is not None else self.start
        return TransactionError(
            message,
            field=field_name(self.rtype, tag),
            offset=offset,
            record_index=self.index,
            record_type=self.rtype,
        )


def field_name(rtype: int, tag: int) -> str:
    """The field's number and, where known, its mnemonic: "14.001 LEN", "2.018"."""
    mnemonic = MNEMONICS.get(rtype, {}).get(tag)
    return f"{field_key(rtype, tag)} {mnemonic}" if mnemonic else field_key(rtype, tag)


def field_key(rtype: int, tag: int) -> str:
    """The field's number as ANSI/NIST-ITL writes it: "2.018"."""
    return f"{rtype}.{tag:03d}"


def frame(data: bytes) -> list[RecordSpan]:
    """Every record's extent and fields, checked against its LEN and the Type-1's CNT."""
    header = _frame_tagged(data, 0, index=1, rtype=1, idc=0)
    listed = _content(data, header)
    spans = [header]
    offset = header.end
    for index, (rtype, idc) in enumerate(listed, start=2):
        if offset >= len(data):
            raise TransactionError(
                f"the transaction ends after {index - 1} records but 1.003 CNT lists "
                f"{len(listed) + 1}: it is truncated",
                field=field_name(rtype, 1),
                offset=offset,
                record_index=index,
                record_type=rtype,
            )
        framer = _frame_binary if rtype in BINARY_TYPES else _frame_tagged
        span = framer(data, offset, index=index, rtype=rtype, idc=idc)
        spans.append(span)
        offset = span.end
    if offset < len(data):
        raise TransactionError(
            f"{len(data) - offset} bytes follow the last of the {len(spans)} records that "
            "1.003 CNT lists",
            field=field_name(1, 3),
            offset=offset,
            record_index=len(spans),
            record_type=spans[-1].rtype,
        )
    return spans


_Fail = Callable[[str, int, int], TransactionError]  # (message, field number, offset)


def _failer(index: int, rtype: int) -> _Fail:
    """Makes the errors of one record being framed."""

    def fail(message: str, tag: int, at: int) -> TransactionError:
        return TransactionError(
            message,
            field=field_name(rtype, tag),
            offset=at,
            record_index=index,
            record_type=rtype,
        )

    return fail


def _frame_tagged(data: bytes, offset: int, *, index: int, rtype: int, idc: int) -> RecordSpan:
    fail = _failer(index, rtype)
    tag = _TAG.match(data, offset)
    if tag is None or int(tag[1]) != rtype or int(tag[2]) != 1:
        found = data[offset : offset + 8]
        listed = " (1.003 CNT lists this record's type)" if index > 1 else ""
        raise fail(
            f"expected the tag {rtype}.001 to open the record{listed}, found {found!r}", 1, offset
        )
    length_match = _LENGTH.match(data, tag.end())
    if length_match is None:
        raise fail("expected the record length in digits, then GS", 1, tag.end())
    length = int(length_match[1])
    end = offset + length
    if end > len(data):
        raise fail(
            f"says the record is {length} bytes but only {len(data) - offset} remain: "
            "the transaction is truncated",
            1,
            tag.end(),
        )
    if end <= length_match.end() or data[end - 1] != FS:
        raise fail(
            f"says the record is {length} bytes but its last byte (at {end - 1}) is not the "
            "record separator FS: the length is wrong",
            1,
            tag.end(),
        )
    fields = _tokenize(data, length_match.end(), end, fail, rtype)
    fields = {1: FieldSpan(offset, tag.end(), length_match.end() - 1), **fields}
    if rtype != 1:
        tags = list(fields)
        if len(tags) < 2 or tags[1] != 2:
            raise fail("the second field of a record must be its IDC", 2, length_match.end())
        idc_span = fields[2]
        text = data[idc_span.value : idc_span.end].decode("latin-1")
        if not _DIGITS.fullmatch(text):
            raise fail(f"the IDC {text!r} is not a number", 2, idc_span.value)
        if int(text) != idc:
            raise fail(
                f"the IDC is {int(text)} but 1.003 CNT lists IDC {idc} for this record",
                2,
                idc_span.value,
            )
    return RecordSpan(index, rtype, idc, offset, end, fields)


def _tokenize(data: bytes, pos: int, end: int, fail: _Fail, rtype: int) -> dict[int, FieldSpan]:
    """The fields after LEN up to the record's FS at ``end - 1``."""
    fields: dict[int, FieldSpan] = {}
    body_end = end - 1
    data_tag = DATA_TAGS.get(rtype)
    previous = 1
    while pos < body_end:
        tag_match = _TAG.match(data, pos, body_end)
        if tag_match is None:
            raise fail(f"expected a field tag '{rtype}.NNN:' after this field", previous, pos)
        rtype_here, tag = int(tag_match[1]), int(tag_match[2])
        if rtype_here != rtype:
            raise fail(
                f"the tag {field_key(rtype_here, tag)} inside a Type-{rtype} record", previous, pos
            )
        if tag in fields or tag == 1:
            raise fail("the field appears twice in the record", tag, pos)
        if tag == data_tag:
            fields[tag] = FieldSpan(pos, tag_match.end(), body_end)
            break
        separator = data.find(bytes([GS]), tag_match.end(), body_end)
        value_end = body_end if separator < 0 else separator
        stray = data.find(bytes([FS]), tag_match.end(), value_end)
        if stray >= 0:
            raise fail("the record separator FS inside a text field", tag, stray)
        fields[tag] = FieldSpan(pos, tag_match.end(), value_end)
        previous = tag
        pos = value_end + 1
        if separator >= 0 and pos == body_end:
            raise fail("a field separator GS with no field after it", tag, separator)
    if data_tag is not None:
        _check_data_tag(data, fields, data_tag, rtype, fail)
    return fields


def _check_data_tag(
    data: bytes, fields: dict[int, FieldSpan], data_tag: int, rtype: int, fail: _Fail
) -> None:
    """Refuse text that nistitl would take for the start of the image data (see the module doc)."""
    needle = b"%d:" % data_tag
    spans = list(fields.values())
    if not spans:
        return
    start, end = spans[0].start, spans[-1].end
    first = data.find(needle, start, end)
    image = fields.get(data_tag)
    expected = image.start + len(b"%d." % rtype) if image is not None else None
    if first >= 0 and first != expected:
        holder = next(tag for tag, s in fields.items() if s.start <= first < s.end)
        raise fail(
            f"holds the text {needle.decode()!r}, which nistitl takes for the image data tag",
            holder,
            first,
        )


def _frame_binary(data: bytes, offset: int, *, index: int, rtype: int, idc: int) -> RecordSpan:
    fail = _failer(index, rtype)
    if offset + 4 > len(data):
        raise fail("the transaction ends inside the record length: it is truncated", 1, offset)
    (length,) = struct.unpack_from(">I", data, offset)
    header = _BINARY_HEADER_SIZE[rtype]
    if length < header:
        raise fail(f"says {length} bytes, less than the {header}-byte record header", 1, offset)
    if offset + length > len(data):
        raise fail(
            f"says the record is {length} bytes but only {len(data) - offset} remain: "
            "the transaction is truncated",
            1,
            offset,
        )
    if data[offset + 4] != idc:
        raise fail(
            f"the IDC is {data[offset + 4]} but 1.003 CNT lists IDC {idc} for this record",
            2,
            offset + 4,
        )
    fields: dict[int, FieldSpan] = {}
    if rtype == 4:
        for number, _, at, size in TYPE4_FIELDS:
            stop = offset + length if number == 9 else offset + at + size
            fields[number] = FieldSpan(offset + at, offset + at, stop)
    else:
        fields = {
            1: FieldSpan(offset, offset, offset + 4),
            2: FieldSpan(offset + 4, offset + 4, offset + 5),
        }
    return RecordSpan(index, rtype, idc, offset, offset + length, fields)


def _content(data: bytes, header: RecordSpan) -> list[tuple[int, int]]:
    """The (type, IDC) of each record after the Type-1, as 1.003 CNT lists them."""
    cnt = header.fields.get(3)
    if cnt is None:
        raise header.error(3, "the Type-1 record has no CNT field listing the records")
    subfields = data[cnt.value : cnt.end].split(bytes([RS]))
    listed: list[tuple[int, int]] = []
    at = cnt.value
    for number, subfield in enumerate(subfields, start=1):
        items = subfield.decode("latin-1").split(chr(US))
        if len(items) != 2 or not all(_DIGITS.fullmatch(item) for item in items):
            raise header.error(
                3, f"subfield {number} is {subfield!r}: expected 'record type US IDC'", at
            )
        rtype, value = int(items[0]), int(items[1])
        if number == 1:
            if rtype != 1:
                raise header.error(
                    3, f"subfield 1 names Type-{rtype}: it must describe the Type-1", at
                )
            if value != len(subfields) - 1:
                raise header.error(
                    3, f"says {value} records follow the Type-1 but lists {len(subfields) - 1}", at
                )
        elif rtype in DEPRECATED_TYPES:
            raise header.error(3, f"lists a Type-{rtype} record, deprecated since 2011", at)
        elif rtype not in KNOWN_TYPES:
            raise header.error(3, f"lists a Type-{rtype} record, which nistitl cannot read", at)
        elif rtype in BINARY_TYPES and value > 255:
            raise header.error(3, f"lists IDC {value} for a binary record (at most 255)", at)
        else:
            listed.append((rtype, value))
        at += len(subfield) + 1
    return listed


def parse_records(data: bytes, spans: list[RecordSpan]) -> list[Any]:
    """nistitl's records for the framed transaction, one per span."""
    message = nistitl.Message()
    try:
        message.parse(data)
    except Exception as exc:  # nistitl raises NistException, ValueError, KeyError, TypeError
        failed = spans[max(0, min(len(message), len(spans)) - 1)]
        raise failed.error(1, f"nistitl cannot parse the record: {exc}", failed.start) from exc
    records = list(message)
    if len(records) != len(spans):
        last = spans[-1]
        raise last.error(
            1, f"nistitl reads {len(records)} records, CNT lists {len(spans)}", last.start
        )
    for span, record in zip(spans, records, strict=True):
        idc = 0 if span.rtype == 1 else int(record.IDC)
        if record.type != span.rtype or idc != span.idc:
            raise span.error(
                1, f"nistitl reads a Type-{record.type} record with IDC {idc} here", span.start
            )
    return records
