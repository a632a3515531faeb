"""ANSI/NIST-ITL transactions built from the real FVC2002 images: round trips, corruptions, fuzz."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path

import nistitl
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from liaison.biometrics import ansi_nist
from liaison.biometrics.ansi_nist import (
    FingerImage,
    Transaction,
    read_transaction,
    split_items,
    write_transaction,
)
from liaison.biometrics.errors import BiometricsError, TransactionError
from liaison.biometrics.iso19794 import load_template
from liaison.biometrics.model import FingerPosition, FingerTemplate, minutiae_array

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
DB1 = DATA / "fvc2002" / "DB1_B"
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TYPE2 = {
    "2.018": "DOE,JOHN Q",
    "2.022": "19800214",
    "2.047": "20240501\x1f5404 DRIVING UNDER INFLUENCE\x1e20240501\x1f1313 SIMPLE ASSAULT",
}


@cache
def fvc_pixels(name: str) -> npt.NDArray[np.uint8]:
    with Image.open(DB1 / f"{name}.tif") as image:
        return np.asarray(image.convert("L")).copy()


@cache
def m1_template() -> FingerTemplate:
    """An FVC2002 template with angles on the 2-degree grid Type-9 stores, filed as finger 2."""
    t = load_template(DB1 / "101_1.iso")
    m = t.minutiae.copy()
    m[:, 2] = np.round(m[:, 2] / (np.pi / 90)) % 180 * (np.pi / 90)
    return replace(t, position=FingerPosition.RIGHT_INDEX, minutiae=m, quality=60)


@cache
def booking() -> Transaction:
    """A ten-print submission: two WSQ Type-14s, a raw Type-14, a raw Type-4, one Type-9."""
    return Transaction(
        tot="CAR",
        dat=date(2024, 5, 1),
        dai="WVIAFIS0Z",
        ori="TX2270000",
        tcn="TX2270000-20240501-0001",
        pry="2",
        type1_other={"1.013": "NORAM\x1fEBTS", "1.014": "20240501120000Z"},
        type2=TYPE2,
        fingers=(
            FingerImage.from_pixels(1, fvc_pixels("101_1"), impression=1),
            FingerImage.from_pixels(2, fvc_pixels("102_1"), impression=1),
            FingerImage.from_pixels(3, fvc_pixels("103_1")[:64, :80].copy(), compression="NONE"),
            FingerImage.from_pixels(
                4, fvc_pixels("104_1")[:50, :60].copy(), compression="NONE", record_type=4
            ),
        ),
        minutiae=(m1_template(),),
    )


@cache
def booking_bytes() -> bytes:
    return write_transaction(booking())


@cache
def small_bytes() -> bytes:
    """A small transaction of every record kind, for fuzzing (a 48x40 WSQ image)."""
    t = m1_template()
    few = replace(t, minutiae=t.minutiae[:5].copy())
    return write_transaction(
        replace(
            booking(),
            fingers=(
                FingerImage.from_pixels(1, fvc_pixels("101_1")[100:148, 100:140].copy()),
                replace(booking().fingers[3]),
            ),
            minutiae=(few,),
        )
    )


def records(data: bytes) -> list[tuple[int, int]]:
    """(type, offset) of every record, read with nistitl's own sizes."""
    message = nistitl.Message()
    message.parse(data)
    out, at = [], 0
    for record in message:
        out.append((record.type, at))
        at += len(record.NIST)
    return out


def offset_of(data: bytes, rtype: int, nth: int = 0) -> int:
    return [at for t, at in records(data) if t == rtype][nth]


def with_type1(data: bytes, old: bytes, new: bytes) -> bytes:
    """The transaction with ``old`` replaced by ``new`` in its Type-1, LEN made to agree."""
    match = re.match(rb"1\.001:(\d+)\x1d", data)
    assert match is not None
    end = int(match[1])
    body = data[match.end() : end].replace(old, new, 1)
    assert body != data[match.end() : end], "nothing replaced"
    length = len(body) + 8
    while length != len(b"1.001:%d\x1d" % length) + len(body):
        length = len(b"1.001:%d\x1d" % length) + len(body)
    return b"1.001:%d\x1d" % length + body + data[end:]


def read_error(data: bytes) -> TransactionError:
    with pytest.raises(TransactionError) as caught:
        read_transaction(data)
    return caught.value


def test_exports() -> None:
    assert sorted(ansi_nist.__all__) == [
        "COMPRESSIONS",
        "FingerImage",
        "Transaction",
        "decode_wsq",
        "encode_wsq",
        "read_transaction",
        "split_items",
        "write_transaction",
    ]


def test_transaction_error_is_a_biometrics_error_naming_record_field_and_offset() -> None:
    error = TransactionError("bad", field="14.001 LEN", offset=120, record_index=3, record_type=14)
    assert isinstance(error, BiometricsError)
    assert str(error) == "record 3 (Type-14), field 14.001 LEN, byte 120: bad"
    assert (error.record_index, error.record_type, error.field, error.offset) == (
        3,
        14,
        "14.001 LEN",
        120,
    )


# --- round trips --------------------------------------------------------------------------------


def test_round_trip_keeps_every_field_image_and_minutia() -> None:
    back = read_transaction(booking_bytes())
    assert back.same_as(booking())
    assert write_transaction(back) == booking_bytes()


def test_written_transaction_is_ansi_nist_2011_with_cnt_listing_each_record() -> None:
    data = booking_bytes()
    assert data.startswith(b"1.001:")
    assert b"1.002:0500\x1d" in data
    assert (
        b"1.003:1\x1f6\x1e2\x1f0\x1e14\x1f1\x1e14\x1f2\x1e14\x1f3\x1e4\x1f4\x1e9\x1f2\x1d" in data
    )
    assert [t for t, _ in records(data)] == [1, 2, 14, 14, 14, 4, 9]


def test_type2_fields_keep_subfields_and_items_as_sent() -> None:
    back = read_transaction(booking_bytes())
    assert dict(back.type2) == TYPE2
    assert split_items(back.type2["2.047"]) == [
        ["20240501", "5404 DRIVING UNDER INFLUENCE"],
        ["20240501", "1313 SIMPLE ASSAULT"],
    ]
    assert split_items("") == []


def test_type1_header_fields() -> None:
    back = read_transaction(booking_bytes())
    assert (back.tot, back.dat, back.dai, back.ori, back.tcn, back.pry, back.tcr) == (
        "CAR",
        date(2024, 5, 1),
        "WVIAFIS0Z",
        "TX2270000",
        "TX2270000-20240501-0001",
        "2",
        "",
    )
    assert (back.ver, back.nsr, back.ntr) == ("0500", "19.69", "19.69")
    assert dict(back.type1_other) == {"1.013": "NORAM\x1fEBTS", "1.014": "20240501120000Z"}


def test_type14_wsq_image_decodes_to_its_size_close_to_the_original() -> None:
    original = fvc_pixels("101_1")
    image = read_transaction(booking_bytes()).fingers[0]
    assert (image.position, image.record_type, image.compression) == (1, 14, "WSQ20")
    assert (image.width, image.height, image.ppi, image.impression) == (388, 374, 500, 1)
    assert image.pixels is not None
    assert image.pixels.shape == original.shape == (374, 388)
    assert image.pixels.dtype == np.uint8
    error = np.abs(image.pixels.astype(np.int16) - original.astype(np.int16))
    assert float(error.mean()) < 6.0  # WSQ at 0.75 bpp is lossy, not wrong
    assert len(image.raw) < original.size / 8  # and compresses


def test_uncompressed_type14_and_type4_images_are_exact() -> None:
    raw14, raw4 = read_transaction(booking_bytes()).fingers[2:]
    assert raw14.pixels is not None
    assert raw4.pixels is not None
    np.testing.assert_array_equal(raw14.pixels, fvc_pixels("103_1")[:64, :80])
    np.testing.assert_array_equal(raw4.pixels, fvc_pixels("104_1")[:50, :60])
    assert (raw4.record_type, raw4.position, raw4.ppi, raw4.compression) == (4, 4, 500, "NONE")


def test_type4_at_the_transmitting_resolution_sets_isr_and_reads_ntr() -> None:
    image = replace(booking().fingers[3], ppi=1000)
    tx = replace(booking(), ntr="39.37", fingers=(image,), minutiae=())
    data = write_transaction(tx)
    at = offset_of(data, 4)
    assert data[at + 12] == 1  # ISR: the nominal transmitting resolution applies
    assert read_transaction(data).fingers[0].ppi == 1000


def test_type4_at_a_resolution_no_header_field_gives_cannot_be_written() -> None:
    image = replace(booking().fingers[3], ppi=1000)
    with pytest.raises(ValueError, match=r"NSR or 1\.012 NTR"):
        write_transaction(replace(booking(), fingers=(image,)))


def test_type9_m1_minutiae_come_back_as_the_template() -> None:
    (template,) = read_transaction(booking_bytes()).minutiae
    assert template.same_as(m1_template())
    assert template.position is FingerPosition.RIGHT_INDEX


def test_type9_shares_the_idc_of_its_finger_image() -> None:
    data = booking_bytes()
    assert b"9.002:2\x1d" in data  # finger 2's image is IDC 2


def test_minutiae_off_the_two_degree_grid_are_rounded_to_it() -> None:
    t = load_template(DB1 / "101_1.iso")
    tx = replace(booking(), fingers=(), minutiae=(replace(t, position=FingerPosition.LEFT_THUMB),))
    (back,) = read_transaction(write_transaction(tx)).minutiae
    delta = np.abs(np.angle(np.exp(1j * (back.minutiae[:, 2] - t.minutiae[:, 2]))))
    assert float(delta.max()) <= np.pi / 180 + 1e-6
    np.testing.assert_array_equal(back.minutiae[:, [0, 1, 3, 4]], t.minutiae[:, [0, 1, 3, 4]])


def test_a_template_without_minutiae_round_trips() -> None:
    empty = FingerTemplate(FingerPosition.LEFT_INDEX, 300, 400, minutiae_array([], [], []))
    tx = replace(booking(), fingers=(), minutiae=(empty,))
    (back,) = read_transaction(write_transaction(tx)).minutiae
    assert back.same_as(empty)


def test_images_are_left_compressed_when_not_decoding() -> None:
    images = read_transaction(booking_bytes(), decode_images=False).fingers
    assert all(image.pixels is None for image in images)
    assert images == booking().fingers  # equality is on the stored bytes


def test_jpeg2000_images_keep_their_bytes_without_pixels() -> None:
    image = FingerImage(5, 10, 10, 1000, "JP2", None, b"\x00\x00\x00\x0cjP  not decoded")
    tx = replace(booking(), fingers=(image,), minutiae=())
    (back,) = read_transaction(write_transaction(tx)).fingers
    assert back == image
    assert back.pixels is None


def test_records_of_other_types_are_checked_and_skipped() -> None:
    message = nistitl.Message()
    message.parse(booking_bytes())
    photo = nistitl.AsciiRecord(10)
    photo.IDC = 7
    photo.IMT = "FACE"
    photo.DATA = b"\xff\xd8 a face \x1c\x1d"
    message += photo
    back = read_transaction(message.NIST)
    assert back.same_as(booking())


def test_a_transaction_of_only_a_header_reads() -> None:
    tx = Transaction(tot="SRE", dat=date(2024, 1, 2), dai="A", ori="B", tcn="C", tcr="D")
    assert read_transaction(write_transaction(tx)).same_as(tx)


def test_writer_refuses_values_it_cannot_write() -> None:
    tx = booking()
    with pytest.raises(ValueError, match="separator"):
        write_transaction(replace(tx, tcn="A\x1dB"))
    with pytest.raises(ValueError, match="Type-2 field number"):
        write_transaction(replace(tx, type2={"18": "X"}))
    with pytest.raises(ValueError, match="written by the library"):
        write_transaction(replace(tx, type2={"2.002": "7"}))
    with pytest.raises(ValueError, match="own attributes"):
        write_transaction(replace(tx, type1_other={"1.009": "X"}))
    with pytest.raises(ValueError, match="not a finger code"):
        write_transaction(replace(tx, fingers=(replace(tx.fingers[0], position=16),)))
    with pytest.raises(ValueError, match="Latin-1"):
        write_transaction(replace(tx, type2={"2.018": "DOE,\u0416"}))


# --- malformed input ----------------------------------------------------------------------------


def test_truncated_transaction_names_the_last_record_and_its_length() -> None:
    data = booking_bytes()
    error = read_error(data[:-1])
    assert (error.record_index, error.record_type, error.field) == (7, 9, "9.001 LEN")
    assert error.offset == offset_of(data, 9) + len(b"9.001:")
    assert "truncated" in str(error)


def test_truncated_inside_a_binary_record_names_its_length() -> None:
    data = booking_bytes()
    at = offset_of(data, 4)
    error = read_error(data[: at + 30])
    assert (error.record_index, error.record_type, error.field, error.offset) == (
        6,
        4,
        "4.001 LEN",
        at,
    )


def test_transaction_cut_between_records_says_how_many_cnt_lists() -> None:
    data = booking_bytes()
    error = read_error(data[: offset_of(data, 9)])
    assert (error.record_index, error.record_type, error.field) == (7, 9, "9.001 LEN")
    assert "ends after 6 records but 1.003 CNT lists 7" in str(error)


def test_empty_input_names_the_type1_length() -> None:
    error = read_error(b"")
    assert (error.record_index, error.record_type, error.field, error.offset) == (
        1,
        1,
        "1.001 LEN",
        0,
    )


@pytest.mark.parametrize("delta", [1, -1])
def test_wrong_record_length_names_the_record_and_its_len_field(delta: int) -> None:
    data = booking_bytes()
    at = offset_of(data, 2)
    match = re.match(rb"2\.001:(\d+)\x1d", data[at:])
    assert match is not None
    length = int(match[1])
    wrong = str(length + delta).encode()
    assert len(wrong) == len(match[1])
    corrupt = data[: at + 6] + wrong + data[at + 6 + len(wrong) :]
    error = read_error(corrupt)
    assert (error.record_index, error.record_type, error.field, error.offset) == (
        2,
        2,
        "2.001 LEN",
        at + 6,
    )
    assert "is not the record separator FS" in str(error)


def test_wrong_binary_record_length_is_caught_at_the_next_record() -> None:
    data = booking_bytes()
    at = offset_of(data, 4)
    length = int.from_bytes(data[at : at + 4], "big")
    corrupt = data[:at] + (length - 1).to_bytes(4, "big") + data[at + 4 :]
    error = read_error(corrupt)
    assert (error.record_index, error.record_type, error.field) == (7, 9, "9.001 LEN")


def test_cnt_counting_wrong_names_the_cnt_field() -> None:
    corrupt = with_type1(booking_bytes(), b"1.003:1\x1f6", b"1.003:1\x1f5")
    error = read_error(corrupt)
    assert (error.record_index, error.field) == (1, "1.003 CNT")
    assert "says 5 records follow the Type-1 but lists 6" in str(error)


def test_cnt_listing_fewer_records_than_sent_names_the_surplus() -> None:
    corrupt = with_type1(booking_bytes(), b"1.003:1\x1f6", b"1.003:1\x1f5")
    corrupt = with_type1(corrupt, b"\x1e9\x1f2\x1d", b"\x1d")
    error = read_error(corrupt)
    assert error.field == "1.003 CNT"
    assert "follow the last of the 6 records" in str(error)
    assert error.offset == offset_of(booking_bytes(), 9) - 4  # the Type-1 is 4 bytes shorter


def test_cnt_with_a_wrong_idc_names_the_record_idc() -> None:
    corrupt = with_type1(booking_bytes(), b"\x1e14\x1f2\x1e", b"\x1e14\x1f7\x1e")
    error = read_error(corrupt)
    assert (error.record_index, error.record_type, error.field) == (4, 14, "14.002 IDC")
    assert "CNT lists IDC 7" in str(error)


def test_cnt_with_a_wrong_record_type_names_the_expected_tag() -> None:
    corrupt = with_type1(booking_bytes(), b"\x1e2\x1f0\x1e", b"\x1e9\x1f0\x1e")
    error = read_error(corrupt)
    assert (error.record_index, error.record_type, error.field) == (2, 9, "9.001 LEN")
    assert "expected the tag 9.001" in str(error)


def test_cnt_listing_a_deprecated_record_type_names_the_cnt_field() -> None:
    corrupt = with_type1(booking_bytes(), b"\x1e2\x1f0\x1e", b"\x1e3\x1f0\x1e")
    error = read_error(corrupt)
    assert (error.record_index, error.field) == (1, "1.003 CNT")
    assert "Type-3 record, deprecated" in str(error)


def test_cnt_subfield_that_is_not_two_numbers_names_the_cnt_field_and_its_offset() -> None:
    data = booking_bytes()
    corrupt = with_type1(data, b"\x1e2\x1f0\x1e", b"\x1e2\x1fX\x1e")
    error = read_error(corrupt)
    assert error.field == "1.003 CNT"
    assert "subfield 2 is b'2\\x1fX'" in str(error)
    assert error.offset == data.index(b"1.003:") + len(b"1.003:1\x1f6\x1e")


def test_missing_mandatory_type1_field_is_named() -> None:
    corrupt = with_type1(booking_bytes(), b"1.009:TX2270000-20240501-0001\x1d", b"")
    error = read_error(corrupt)
    assert (error.record_index, error.field) == (1, "1.009 TCN")
    assert "missing" in str(error)


def test_bad_date_is_named() -> None:
    error = read_error(with_type1(booking_bytes(), b"1.005:20240501", b"1.005:20241301"))
    assert error.field == "1.005 DAT"


def test_nom_disagreeing_with_the_minutiae_names_nom() -> None:
    data = booking_bytes()
    count = m1_template().count
    corrupt = data.replace(b"9.136:%d\x1d" % count, b"9.136:%d\x1d" % (count - 1))
    error = read_error(corrupt)
    assert (error.record_index, error.record_type, error.field) == (7, 9, "9.136 NOM")


def test_wsq_image_whose_size_disagrees_with_hll_names_the_image_data() -> None:
    image = booking().fingers[0]
    tx = replace(booking(), fingers=(replace(image, width=image.width + 1),), minutiae=())
    error = read_error(write_transaction(tx))
    assert (error.record_index, error.record_type, error.field) == (3, 14, "14.999 DATA")
    assert "the WSQ image is 388x374, the record says 389x374" in str(error)


def test_undecodable_wsq_names_the_image_data_unless_images_are_left_alone() -> None:
    image = replace(booking().fingers[0], raw=b"\xff\xa0 not wsq at all")
    data = write_transaction(replace(booking(), fingers=(image,), minutiae=()))
    error = read_error(data)
    assert error.field == "14.999 DATA"
    assert read_transaction(data, decode_images=False).fingers[0].raw == image.raw


def test_uncompressed_image_of_the_wrong_size_is_named() -> None:
    image = replace(booking().fingers[2], raw=booking().fingers[2].raw[:-1])
    error = read_error(write_transaction(replace(booking(), fingers=(image,), minutiae=())))
    assert error.field == "14.999 DATA"


def test_a_second_type2_is_refused() -> None:
    message = nistitl.Message()
    message.parse(booking_bytes())
    extra = nistitl.AsciiRecord(2)
    extra.IDC = 9
    message += extra
    error = read_error(message.NIST)
    assert (error.record_type, error.field) == (2, "2.002 IDC")


def test_text_that_nistitl_would_take_for_image_data_is_refused() -> None:
    """nistitl finds a Type-14's image by searching for "999:": a comment holding it would
    swallow the rest of the record, so the reader refuses the record instead."""
    message = nistitl.Message()
    message.parse(write_transaction(replace(booking(), fingers=booking().fingers[2:3])))
    record = message[2]
    record += nistitl.Field(14, 20, "see 999: below")
    error = read_error(message.NIST)
    assert (error.record_type, error.field) == (14, "14.020 COM")


def test_a_foreign_tag_inside_a_record_is_refused() -> None:
    data = booking_bytes()
    corrupt = data.replace(b"2.018:", b"3.018:", 1)
    error = read_error(corrupt)
    assert (error.record_index, error.record_type) == (2, 2)
    assert "the tag 3.018 inside a Type-2 record" in str(error)


# --- fuzzing ------------------------------------------------------------------------------------

_SEPARATORS = st.sampled_from([b"\x1c", b"\x1d", b"\x1e", b"\x1f", b":", b".", b"0", b"9", b"\x00"])


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    original = small_bytes()
    data = bytearray(original)
    starts = [at for _, at in records(original)]
    ends = [*starts[1:], len(original)]

    def position() -> int:
        """Somewhere in a record drawn first, so that every record gets its share."""
        record = draw(st.integers(0, len(starts) - 1))
        near_start = draw(st.booleans())  # headers hold the structure; image bytes, the bulk
        last = min(ends[record], starts[record] + 64) if near_start else ends[record]
        return min(draw(st.integers(starts[record], last - 1)), len(data) - 1)

    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "separator"]))
    if kind == "truncate":
        return bytes(data[: position()])
    for _ in range(draw(st.integers(1, 4))):
        at = position()
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        else:
            data[at : at + 1] = draw(_SEPARATORS)
        if not data:
            break
    return bytes(data)


@FUZZ
@given(data=corrupted())
def test_fuzzed_transactions_raise_transaction_error_or_read(data: bytes) -> None:
    try:
        read_transaction(data)
    except TransactionError as exc:
        event(f"refused at {exc.field}")
    else:
        event("read")


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes_raise_transaction_error(data: bytes) -> None:
    with pytest.raises(TransactionError):
        read_transaction(b"1.001:" + data)
