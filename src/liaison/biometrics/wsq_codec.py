"""WSQ fingerprint images, decoded and encoded with the ``wsq`` package (NIST's NBIS codec).

``wsq`` 0.9 is a Pillow plugin: importing it registers the format and patches
``PIL._imaging``, so it is imported on first use, not with this module. What it cannot do, and
what this module does about it:

- It always compresses at 0.75 bits per pixel (about 15:1, the rate of the FBI's WSQ
  specification for 500 ppi ten-prints): its C function parses a rate argument and ignores it.
  ``encode_wsq`` refuses any other rate rather than ignore it.
- It writes "PPI 500" into the stream's NISTCOM comment whatever the image: ``encode_wsq``
  rewrites that line to the ppi it is given.
- It cannot compress images under 32x32 pixels, and reports every failure as a bare
  ``Exception`` (printing NBIS's message on stderr): both become ``CaptureError`` here.
"""

from __future__ import annotations

import importlib
import io
import math
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from liaison.biometrics.errors import CaptureError

__all__ = ["WSQ_BITRATE", "decode_wsq", "encode_wsq", "wsq_size"]

WSQ_BITRATE: Final = 0.75  # bits per pixel: the only rate wsq 0.9 produces
WSQ_LIBRARY_PPI: Final = 500  # what wsq 0.9 writes into every WSQ comment
_NISTCOM_PPI = re.compile(rb"\nPPI -?\d+\n")


def decode_wsq(data: bytes) -> npt.NDArray[np.uint8]:
    """The greyscale image, ``(height, width)`` ``uint8``, of a WSQ stream.

    Raises ``CaptureError`` when the stream cannot be decoded.
    """
    with _wsq_image(data) as image:
        try:
            image.load()
        except Exception as exc:  # NBIS reports every failure as a bare Exception
            raise CaptureError(f"the WSQ stream cannot be decoded: {exc}") from exc
        return np.array(image, dtype=np.uint8)


def encode_wsq(
    pixels: npt.NDArray[np.uint8], ppi: int = 500, bitrate: float = WSQ_BITRATE
) -> bytes:
    """A WSQ stream of a greyscale ``(height, width)`` ``uint8`` image, its comment saying ``ppi``.

    ``bitrate`` must be 0.75 bits per pixel, the only rate the wsq library produces (and the one
    the FBI's WSQ specification sets for 500 ppi ten-prints). Raises ``ValueError`` for another
    rate, a non-positive ppi or an image that is not 2-D ``uint8``, and ``CaptureError`` when
    the codec refuses the image (smaller than 32x32 pixels).
    """
    if not math.isclose(bitrate, WSQ_BITRATE):
        raise ValueError(
            f"wsq compresses at {WSQ_BITRATE} bits per pixel only; it cannot honour {bitrate}"
        )
    if ppi <= 0:
        raise ValueError(f"ppi must be positive, not {ppi}")
    image = _grey_image(pixels)
    _register_wsq()
    out = io.BytesIO()
    try:
        Image.fromarray(np.ascontiguousarray(image)).save(out, format="WSQ")
    except Exception as exc:  # NBIS reports every failure as a bare Exception
        height, width = image.shape
        raise CaptureError(f"wsq cannot compress a {width}x{height} image: {exc}") from exc
    return _with_ppi(out.getvalue(), ppi)


def wsq_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` from a WSQ stream's frame header, without decoding the image."""
    with _wsq_image(data) as image:
        return image.size


@contextmanager
def _wsq_image(data: bytes) -> Iterator[Image.Image]:
    _register_wsq()
    try:
        image = Image.open(io.BytesIO(data), formats=["WSQ"])
    except Exception as exc:  # UnidentifiedImageError, and Pillow's decompression-bomb guard
        raise CaptureError(f"not a WSQ stream: {exc}") from exc
    with image:
        yield image


def _register_wsq() -> None:
    # Importing wsq registers its Pillow plugin (and patches PIL._imaging): done on first use.
    importlib.import_module("wsq")


def _grey_image(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    image = np.asarray(pixels)
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(f"expected a 2-D uint8 image, got {image.dtype} of shape {image.shape}")
    return image


def _with_ppi(stream: bytes, ppi: int) -> bytes:
    """The stream with its NISTCOM comment's PPI line saying ``ppi``."""
    if ppi == WSQ_LIBRARY_PPI:
        return stream
    start = stream.find(b"\xff\xa8")  # the first comment segment: wsq writes NISTCOM there
    if start < 0 or stream[start + 4 : start + 12] != b"NIST_COM":
        raise CaptureError("the WSQ stream has no NISTCOM comment to record the PPI in")
    (length,) = struct.unpack_from(">H", stream, start + 2)
    text = stream[start + 4 : start + 2 + length]
    patched, count = _NISTCOM_PPI.subn(b"\nPPI %d\n" % ppi, text, count=1)
    if count != 1:
        raise CaptureError("the WSQ stream's NISTCOM comment has no PPI line")
    return (
        stream[: start + 2]
        + struct.pack(">H", len(patched) + 2)
        + patched
        + stream[start + 2 + length :]
    )
