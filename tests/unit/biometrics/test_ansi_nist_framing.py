"""Framing of ANSI/NIST-ITL transactions: record and field extents, before nistitl parses."""

from __future__ import annotations

from collections.abc import Callable

import nistitl
import pytest

from liaison.biometrics import ansi_nist_framing
from liaison.biometrics.ansi_nist_framing import field_key, field_name, frame, parse_records
from liaison.biometrics.errors import TransactionError


def transaction() -> bytes:
    """Type-1, Type-2 and a Type-14 with 6 bytes of image data holding separators."""
    message = nistitl.Message()
    message.TOT = "CAR"
    message[0].TCN = "T1"
    descriptive = nistitl.AsciiRecord(2)
    descriptive += nistitl.Field(2, 18, "DOE,JOHN")
    message += descriptive
    image = nistitl.AsciiRecord(14)
    image.IDC = 1
    image += nistitl.Field(14, 3, "0")
    image.DATA = b"\x1c\x1d\x1e\x1f99"
    message += image
    return bytes(message.NIST)


def test_exports() -> None:
    assert sorted(ansi_nist_framing.__all__) == [
        "BINARY_TYPES",
        "DATA_TAGS",
        "FS",
        "FieldSpan",
        "GS",
        "KNOWN_TYPES",
        "RS",
        "RecordSpan",
        "TYPE4",
        "US",
        "field_key",
        "field_name",
        "frame",
        "parse_records",
    ]


def test_records_and_fields_lie_where_their_tags_say() -> None:
    data = transaction()
    spans = frame(data)
    assert [(s.index, s.rtype, s.idc) for s in spans] == [(1, 1, 0), (2, 2, 0), (3, 14, 1)]
    assert spans[0].start == 0
    assert [s.start for s in spans[1:]] == [s.end for s in spans[:-1]]
    assert spans[-1].end == len(data)
    name = spans[1].fields[18]
    assert data[name.start : name.value] == b"2.018:"
    assert data[name.value : name.end] == b"DOE,JOHN"
    image = spans[2].fields[999]
    assert data[image.value : image.end] == b"\x1c\x1d\x1e\x1f99"  # separators inside data


def test_nistitl_parses_the_same_records() -> None:
    data = transaction()
    records = parse_records(data, frame(data))
    assert [r.type for r in records] == [1, 2, 14]
    assert records[2][999].value == b"\x1c\x1d\x1e\x1f99"


@pytest.mark.parametrize(
    ("rtype", "tag", "name"),
    [(1, 3, "1.003 CNT"), (14, 1, "14.001 LEN"), (4, 8, "4.008 CGA"), (9, 137, "9.137 FMD")],
)
def test_fields_are_named_with_their_mnemonics(rtype: int, tag: int, name: str) -> None:
    assert field_name(rtype, tag) == name


def test_fields_without_a_mnemonic_are_named_by_number() -> None:
    assert field_name(2, 18) == field_key(2, 18) == "2.018"
    assert field_key(2, 2015) == "2.2015"


@pytest.mark.parametrize(
    ("corrupt", "field", "message"),
    [
        (lambda d: d[:-1], "14.001 LEN", "truncated"),
        (lambda d: d.replace(b"2.018:", b"2.018\x1c", 1), "2.002 IDC", "expected a field tag"),
        (lambda d: d.replace(b"DOE,JOHN", b"DOE\x1cJOHN", 1), "2.018", "FS inside a text field"),
        (lambda d: d.replace(b"\x1d2.018:", b"\x1d2.002:", 1), "2.002 IDC", "appears twice"),
        (lambda d: d.replace(b"14.003:0", b"14.0030 ", 1), "14.002 IDC", "expected a field tag"),
    ],
)
def test_malformed_fields_are_named_with_their_offset(
    corrupt: Callable[[bytes], bytes], field: str, message: str
) -> None:
    with pytest.raises(TransactionError) as caught:
        frame(corrupt(transaction()))
    assert caught.value.field == field
    assert message in str(caught.value)
    assert caught.value.offset is not None
