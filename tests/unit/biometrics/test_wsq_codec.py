"""WSQ images through the wsq package: the real FVC2002 images, and what the library cannot do."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from liaison.biometrics import wsq_codec
from liaison.biometrics.errors import CaptureError
from liaison.biometrics.wsq_codec import decode_wsq, encode_wsq, wsq_size

DB1 = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "fvc2002" / "DB1_B"


@cache
def fvc(name: str = "101_1") -> npt.NDArray[np.uint8]:
    with Image.open(DB1 / f"{name}.tif") as image:
        return np.asarray(image.convert("L")).copy()


@cache
def stream(ppi: int = 500) -> bytes:
    return encode_wsq(fvc(), ppi=ppi)


def test_exports() -> None:
    assert sorted(wsq_codec.__all__) == ["WSQ_BITRATE", "decode_wsq", "encode_wsq", "wsq_size"]


def test_fvc_image_round_trips_at_the_fbi_rate() -> None:
    original = fvc()
    decoded = decode_wsq(stream())
    assert decoded.shape == original.shape == (374, 388)
    assert decoded.dtype == np.uint8
    assert float(np.abs(decoded.astype(np.int16) - original).mean()) < 6.0
    bits_per_pixel = len(stream()) * 8 / original.size
    assert bits_per_pixel < 1.0  # 0.75 bpp asked; the comment and tables ride on top


def test_size_comes_from_the_frame_header() -> None:
    assert wsq_size(stream()) == (388, 374)


def test_ppi_is_written_into_the_nistcom_comment() -> None:
    assert b"\nPPI 500\n" in stream()
    at_1000 = stream(1000)
    assert b"\nPPI 1000\n" in at_1000
    assert b"PPI 500" not in at_1000
    np.testing.assert_array_equal(decode_wsq(at_1000), decode_wsq(stream()))


def test_other_bitrates_are_refused_not_ignored() -> None:
    with pytest.raises(ValueError, match=r"0\.75 bits per pixel only"):
        encode_wsq(fvc(), bitrate=2.25)
    assert len(encode_wsq(fvc(), bitrate=0.75)) == len(stream())


@pytest.mark.parametrize(
    "pixels",
    [np.zeros((64, 64), dtype=np.float32), np.zeros((64, 64, 3), dtype=np.uint8)],
)
def test_only_2d_uint8_images_are_encoded(pixels: npt.NDArray[np.uint8]) -> None:
    with pytest.raises(ValueError, match="2-D uint8"):
        encode_wsq(pixels)


def test_ppi_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        encode_wsq(fvc(), ppi=0)


def test_images_too_small_for_the_codec_raise_capture_error() -> None:
    with pytest.raises(CaptureError, match="cannot compress a 16x16 image"):
        encode_wsq(np.zeros((16, 16), dtype=np.uint8))


@pytest.mark.parametrize("data", [b"", b"not a wsq stream", b"\xff\xa0\xff\xa8\x00"])
def test_what_is_not_wsq_raises_capture_error(data: bytes) -> None:
    with pytest.raises(CaptureError):
        decode_wsq(data)
    with pytest.raises(CaptureError):
        wsq_size(data)


def test_a_truncated_stream_raises_capture_error() -> None:
    with pytest.raises(CaptureError, match="cannot be decoded"):
        decode_wsq(stream()[: len(stream()) // 2])
