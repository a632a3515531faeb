"""ISO/IEC 19794-2:2005 records: the real FVC2002 templates, corruptions, and fuzzing."""

from __future__ import annotations

import math
import struct
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from liaison.biometrics import iso19794
from liaison.biometrics.errors import TemplateError
from liaison.biometrics.iso19794 import load_template, read_record, read_template, write_record
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

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
FVC = DATA / "fvc2002"
ISO_FILES = sorted(FVC.rglob("*.iso"))
SAMPLE = FVC / "DB1_B" / "101_1.iso"  # 25 minutiae, hand-decoded below
HEADER, VIEW, MINUTIA = 24, 4, 6
FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def real(path: Path = SAMPLE) -> bytes:
    return path.read_bytes()


def patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def with_length(data: bytes) -> bytes:
    """The record with its length field made to agree with the data."""
    return patched(data, 8, struct.pack(">I", len(data)))


def raises_template_error(data: bytes, field: str, offset: int | None = None) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        read_record(data)
    error = caught.value
    assert error.field == field, str(error)
    if offset is not None:
        assert error.offset == offset, str(error)
    assert field in str(error)
    assert "byte" in str(error)
    return error


def test_exports_are_pinned() -> None:
    assert sorted(iso19794.__all__) == [
        "load_template",
        "read_record",
        "read_template",
        "write_record",
    ]


# --- the real FVC2002 templates -------------------------------------------------------------


def test_all_fvc_templates_are_present() -> None:
    assert len(ISO_FILES) == 320
    assert {p.parent.name for p in ISO_FILES} == {"DB1_B", "DB2_B", "DB3_B", "DB4_B"}


def test_every_real_record_parses_to_one_plausible_view() -> None:
    for path in ISO_FILES:
        views = read_record(path.read_bytes())
        assert len(views) == 1, path
        t = views[0]
        assert t.position == FingerPosition.UNKNOWN
        assert (t.width, t.height, t.resolution_ppcm) == (300, 400, 197)
        assert (t.quality, t.impression) == (0, 0)
        assert 10 <= t.count <= 80, path
        m = t.minutiae
        assert m.dtype == np.float32
        assert m.shape == (t.count, 5)
        assert ((m[:, X] >= 0) & (m[:, X] < t.width)).all()
        assert ((m[:, Y] >= 0) & (m[:, Y] < t.height)).all()
        assert ((m[:, ANGLE] >= 0) & (m[:, ANGLE] < 2 * math.pi)).all()
        assert set(np.unique(m[:, KIND])) <= {MinutiaKind.RIDGE_ENDING, MinutiaKind.BIFURCATION}
        assert (m[:, QUALITY] == 0).all()


def test_first_minutia_matches_the_bytes_decoded_by_hand() -> None:
    # 80a5 0030 6b 00: type 10 (bifurcation), x 0xa5, y 0x30, angle byte 0x6b, quality 0
    t = read_template(real())
    assert t.count == 25
    x, y, angle, kind, quality = t.minutiae[0]
    assert (x, y, kind, quality) == (165, 48, MinutiaKind.BIFURCATION, 0)
    assert angle == pytest.approx(0x6B * 2 * math.pi / 256)


def test_real_records_have_no_extended_data_and_round_trip_byte_for_byte() -> None:
    for path in ISO_FILES:
        data = path.read_bytes()
        count = data[HEADER + 3]
        assert len(data) == HEADER + VIEW + MINUTIA * count + 2
        assert data[-2:] == b"\x00\x00"  # extended data block length 0
        assert write_record(read_record(data)) == data, path


def test_load_template_reads_the_first_view_of_a_file() -> None:
    assert load_template(SAMPLE).same_as(read_template(real()))


def test_load_template_notes_the_path_on_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.iso"
    broken.write_bytes(real()[:100])
    with pytest.raises(TemplateError) as caught:
        load_template(broken)
    assert str(broken) in "".join(caught.value.__notes__)


def test_bytes_like_input_is_accepted() -> None:
    expected = read_template(real())
    assert read_template(bytearray(real())).same_as(expected)
    assert read_template(memoryview(real())).same_as(expected)


# --- truncation and targeted corruption -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [SAMPLE, FVC / "DB2_B" / "101_1.iso", FVC / "DB4_B" / "110_8.iso"],
    ids=lambda p: f"{p.parent.name}-{p.stem}",
)
def test_every_truncation_of_a_real_record_is_a_template_error(path: Path) -> None:
    data = real(path)
    for length in range(len(data)):
        with pytest.raises(TemplateError) as caught:
            read_record(data[:length])
        message = str(caught.value)
        assert caught.value.field in message
        assert "byte" in message
        assert caught.value.offset is not None
        assert caught.value.offset <= max(length, 8)


@pytest.mark.parametrize(
    ("offset", "new", "field", "where"),
    [
        pytest.param(0, b"XMR\x00", "magic", 0, id="magic"),
        pytest.param(4, b" 30\x00", "version", 4, id="version-2011"),
        pytest.param(8, struct.pack(">I", 181), "record length", 8, id="length-too-big"),
        pytest.param(8, struct.pack(">I", 179), "record length", 8, id="length-too-small"),
        pytest.param(14, b"\x00\x00", "image width", 14, id="zero-width"),
        pytest.param(16, b"\x00\x00", "image height", 16, id="zero-height"),
        pytest.param(18, b"\x00\x00", "x resolution", 18, id="zero-x-resolution"),
        pytest.param(20, b"\x00\x00", "y resolution", 20, id="zero-y-resolution"),
        pytest.param(20, b"\x00\xc6", "y resolution", 20, id="anisotropic"),
        pytest.param(22, b"\x02", "finger view header", 180, id="views-beyond-data"),
        pytest.param(22, b"\x00", "trailing data", 24, id="no-views-but-data"),
        pytest.param(24, b"\x0b", "finger position", 24, id="position-11"),
        pytest.param(24, b"\xff", "finger position", 24, id="position-255"),
        pytest.param(26, b"\x65", "finger quality", 26, id="finger-quality-101"),
        pytest.param(27, b"\x1a", "minutia", HEADER + VIEW + 25 * MINUTIA, id="count-too-big"),
        pytest.param(27, b"\xff", "minutia", HEADER + VIEW + 25 * MINUTIA, id="count-255"),
        pytest.param(28, struct.pack(">H", 0x8000 | 300), "minutia x", 28, id="x-at-width"),
        pytest.param(28, struct.pack(">H", 0x3FFF), "minutia x", 28, id="x-max"),
        pytest.param(30, struct.pack(">H", 400), "minutia y", 30, id="y-at-height"),
        pytest.param(28, struct.pack(">H", 0xC000 | 165), "minutia type", 28, id="type-3"),
        pytest.param(33, b"\x65", "minutia quality", 33, id="minutia-quality-101"),
        pytest.param(178, b"\x00\x01", "extended data length", 178, id="extended-past-end"),
    ],
)
def test_corrupted_real_record_names_field_and_byte(
    offset: int, new: bytes, field: str, where: int
) -> None:
    assert len(real()) == 180
    raises_template_error(patched(real(), offset, new), field, where)


def test_reported_minutia_is_the_first_offender_with_a_count() -> None:
    data = real()
    for index in (3, 7):
        start = HEADER + VIEW + index * MINUTIA + 2
        data = patched(data, start, struct.pack(">H", 399 + index))
    error = raises_template_error(data, "minutia y", HEADER + VIEW + 3 * MINUTIA + 2)
    assert "minutia 3 has value 402" in str(error)
    assert "2 minutiae affected" in str(error)


def test_count_smaller_than_the_data_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        read_record(patched(real(), 27, b"\x18"))


def test_trailing_garbage_after_the_record_is_named() -> None:
    error = raises_template_error(real() + b"\x00", "record length", 8)
    assert "1 bytes follow the record" in str(error)
    raises_template_error(with_length(real() + b"junk"), "trailing data", 180)


def test_extended_data_is_checked_and_skipped() -> None:
    data = real()
    extended = b"\x00\x04" + b"\x01\x02\x03\x04"  # block length 4, then 4 opaque bytes
    record = with_length(data[:-2] + extended)
    assert read_template(record).same_as(read_template(data))


def test_reserved_bits_are_ignored() -> None:
    data = real()
    reserved = patched(data, 30, struct.pack(">H", 0xC000 | 48))  # y word's top two bits set
    reserved = patched(reserved, 23, b"\x7f")  # reserved header byte
    assert read_template(reserved).same_as(read_template(data))


def test_a_record_without_views_is_empty_and_has_no_first_template() -> None:
    header = with_length(patched(real()[:HEADER], 22, b"\x00"))
    assert read_record(header) == []
    with pytest.raises(TemplateError, match="number of finger views at byte 22"):
        read_template(header)


# --- writing --------------------------------------------------------------------------------


def template(n: int = 3, **changes: object) -> FingerTemplate:
    """A writable template whose values are already quantised as the record stores them."""
    base = FingerTemplate(
        position=FingerPosition.RIGHT_INDEX,
        width=300,
        height=400,
        minutiae=minutiae_array(
            x=np.rint(np.linspace(10, 290, n)),
            y=np.rint(np.linspace(5, 390, n)),
            angle=(np.arange(n) * 37 % 256) * 2 * math.pi / 256,
            kind=np.arange(n) % 3,
            quality=np.arange(n) % 101,
        ),
        resolution_ppcm=197,
        quality=60,
        impression=1,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_several_views_round_trip_with_view_numbers_per_finger() -> None:
    views = [
        template(4),
        template(2, position=FingerPosition.LEFT_THUMB, impression=0, quality=0),
        template(0),
    ]
    data = write_record(views, capture_equipment=0x1234)
    assert data[12:14] == b"\x12\x34"
    back = read_record(data)
    assert len(back) == 3
    for written, read in zip(views, back, strict=True):
        assert read.same_as(written)
    second_right_index = HEADER + (VIEW + 4 * MINUTIA + 2) + (VIEW + 2 * MINUTIA + 2)
    assert data[second_right_index + 1] == (1 << 4) | 1  # view 1 of that finger, impression 1


@pytest.mark.parametrize(
    ("templates", "field"),
    [
        pytest.param([], "finger views", id="no-views"),
        pytest.param([template(), template(width=301)], "image size", id="two-sizes"),
        pytest.param([template(position=cast(FingerPosition, 11))], "finger position", id="pos"),
        pytest.param([template(quality=101)], "finger quality", id="finger-quality"),
        pytest.param([template(impression=16)], "impression type", id="impression"),
        pytest.param([template(width=0)], "image width", id="zero-width"),
        pytest.param([template(resolution_ppcm=0)], "resolution", id="zero-resolution"),
        pytest.param([template(256)], "number of minutiae", id="256-minutiae"),
        pytest.param([template(0)] * 17, "view number", id="17-views-of-a-finger"),
    ],
)
def test_writing_what_the_format_cannot_hold_names_the_field(
    templates: list[FingerTemplate], field: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        write_record(templates)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        (X, 299.6, "minutia x"),  # rounds to the width
        (X, -0.6, "minutia x"),
        (Y, 400.0, "minutia y"),
        (QUALITY, 100.7, "minutia quality"),
        (KIND, 3.0, "minutia type"),
        (KIND, 1.5, "minutia type"),
        (X, math.nan, "minutiae"),
        (ANGLE, math.inf, "minutiae"),
    ],
)
def test_writing_an_unencodable_minutia_names_the_field(
    column: int, value: float, field: str
) -> None:
    bad = template()
    bad.minutiae[1, column] = value
    with pytest.raises(TemplateError) as caught:
        write_record([bad])
    assert caught.value.field == field
    assert "view 0" in str(caught.value)


def test_writing_rejects_an_unknown_capture_equipment_range() -> None:
    with pytest.raises(TemplateError, match="capture equipment"):
        write_record([template()], capture_equipment=0x10000)


# --- fuzzing --------------------------------------------------------------------------------


def parses_or_template_error(data: bytes) -> None:
    """The reader's contract: templates, or TemplateError, and nothing else ever escapes."""
    try:
        views = read_record(data)
    except TemplateError as error:
        failure: TemplateError | None = error
    else:
        failure = None
    if failure is not None:
        assert failure.field in str(failure)
        return
    for view in views:
        assert view.minutiae.shape == (view.count, 5)
        assert (view.minutiae[:, X] < view.width).all()
        assert (view.minutiae[:, Y] < view.height).all()
    if 0 < len(views) <= 16:  # whatever the reader accepts, the writer can write back
        again = read_record(write_record(views))
        assert all(a.same_as(b) for a, b in zip(again, views, strict=True))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_parse_or_raise_template_error(data: bytes) -> None:
    parses_or_template_error(data)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bodies_behind_a_valid_preamble_parse_or_raise(body: bytes) -> None:
    parses_or_template_error(with_length(b"FMR\x00 20\x00\x00\x00\x00\x00" + body))


@settings(FUZZ, max_examples=1000)
@given(
    path=st.sampled_from(ISO_FILES[::8]),
    edits=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 40),
    fix_length=st.booleans(),
)
def test_mutated_real_records_parse_or_raise_template_error(
    path: Path, edits: list[tuple[int, int]], cut: int, fix_length: bool
) -> None:
    data = bytearray(real(path))
    for offset, value in edits:
        if offset < len(data):
            data[offset] = value
    mutated = bytes(data[: len(data) - cut])
    if fix_length and len(mutated) >= 12:
        mutated = with_length(mutated)
    parses_or_template_error(mutated)


@st.composite
def templates(draw: st.DrawFn) -> FingerTemplate:
    width = draw(st.integers(1, 2000))
    height = draw(st.integers(1, 2000))
    n = draw(st.integers(0, 40))
    unit = hnp.arrays(np.float64, (n,), elements=st.floats(0, 1))
    minutiae = minutiae_array(
        x=draw(unit) * (width - 1),
        y=draw(unit) * (height - 1),
        angle=draw(hnp.arrays(np.float64, (n,), elements=st.floats(0, 2 * math.pi))),
        kind=draw(hnp.arrays(np.int64, (n,), elements=st.sampled_from(list(MinutiaKind)))),
        quality=draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 100))),
    )
    return FingerTemplate(
        position=draw(st.sampled_from(list(FingerPosition))),
        width=width,
        height=height,
        minutiae=minutiae,
        resolution_ppcm=draw(st.integers(1, 0xFFFF)),
        quality=draw(st.integers(0, 100)),
        impression=draw(st.integers(0, 15)),
    )


@settings(max_examples=200, deadline=None)
@given(templates())
def test_valid_templates_round_trip_after_quantisation(t: FingerTemplate) -> None:
    data = write_record([t])
    back = read_template(data)
    assert (back.position, back.width, back.height) == (t.position, t.width, t.height)
    assert (back.resolution_ppcm, back.quality, back.impression) == (
        t.resolution_ppcm,
        t.quality,
        t.impression,
    )
    m, b = t.minutiae.astype(np.float64), back.minutiae.astype(np.float64)
    assert np.array_equal(b[:, X], np.rint(m[:, X]))
    assert np.array_equal(b[:, Y], np.rint(m[:, Y]))
    assert np.array_equal(b[:, KIND], m[:, KIND])
    assert np.array_equal(b[:, QUALITY], m[:, QUALITY])
    turn = np.angle(np.exp(1j * (b[:, ANGLE] - m[:, ANGLE])))
    assert (np.abs(turn) <= math.pi / 256 + 1e-6).all()  # half an angle unit
    # Quantised templates are fixed points: reading and writing again changes nothing.
    assert write_record([back]) == data
    assert read_template(write_record([back])).same_as(back)
