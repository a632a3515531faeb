"""ISO/IEC 19794-2:2005 finger minutiae records ("FMR"), read and written.

Layout (all integers big-endian)::

    record header, 24 bytes
       0  magic "FMR\\0"                 4
       4  version " 20\\0"               4
       8  record length (whole record)   4
      12  capture equipment              2
      14  image width, height (pixels)   2 + 2
      18  x, y resolution (pixels/cm)    2 + 2
      22  number of finger views         1
      23  reserved                       1
    per finger view
       0  finger position (0-10)         1
       1  view number << 4 | impression  1
       2  finger quality (0-100)         1
       3  number of minutiae             1
       4  minutiae, 6 bytes each: type (2 bits) | x (14 bits), reserved (2) | y (14),
          angle (units of 360/256 degrees, counter-clockwise), quality (0-100)
          extended data block length     2, followed by that many bytes

Reading is strict: every malformed record raises ``TemplateError`` naming the field and its
byte offset; nothing is silently dropped or truncated. Reserved bits and bytes are ignored, as
the standard asks of readers. Minutiae must lie inside the record's own declared image size
(``x < width``, ``y < height``) with no tolerance: all 320 FVC2002 B records do. Extended
data (ridge counts, cores, deltas) is checked for length and skipped: ``FingerTemplate`` does
not carry it, so ``write_record`` writes none.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from liaison.biometrics.errors import TemplateError
from liaison.biometrics.model import (
    ANGLE,
    KIND,
    QUALITY,
    FingerPosition,
    FingerTemplate,
    MinutiaKind,
    X,
    Y,
)

__all__ = ["load_template", "read_record", "read_template", "write_record"]

MAGIC: Final = b"FMR\x00"
VERSION: Final = b" 20\x00"
HEADER_SIZE: Final = 24
VIEW_HEADER_SIZE: Final = 4
MINUTIA_SIZE: Final = 6
EXTENDED_LENGTH_SIZE: Final = 2

ANGLE_UNIT: Final = 2.0 * np.pi / 256.0  # one angle byte, in radians
MAX_COORDINATE: Final = (1 << 14) - 1
MAX_QUALITY: Final = 100
MAX_POSITION: Final = max(FingerPosition)
KINDS: Final = frozenset(int(k) for k in MinutiaKind)

# One minutia as stored: the two 16-bit words carry type|x and reserved|y.
MINUTIA_DTYPE: Final = np.dtype(
    [("type_x", ">u2"), ("reserved_y", ">u2"), ("angle", "u1"), ("quality", "u1")]
)
_HEADER = struct.Struct(">4s4sIHHHHHBB")
_VIEW_HEADER = struct.Struct(">BBBB")


class _Cursor:
    """Reads fields front to back; running out of bytes names the field being read."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, size: int, field: str) -> bytes:
        if size > self.remaining:
            raise TemplateError(
                f"truncated: needs {size} bytes but only {self.remaining} remain "
                f"(the record ends at byte {len(self.data)})",
                field=field,
                offset=self.pos,
            )
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def uint(self, size: int, field: str) -> int:
        return int.from_bytes(self.take(size, field), "big")


def read_record(data: bytes | bytearray | memoryview) -> list[FingerTemplate]:
    """Every finger view of one record, in record order.

    Raises ``TemplateError`` (naming the field and byte offset) for anything malformed: wrong
    magic or version, a record length that disagrees with the data, a truncated field, a finger
    position above 10, a minutia outside the declared image size, a zero resolution or image
    size, extended data running past the end, or bytes left over after the last view.
    """
    cursor = _Cursor(bytes(data))
    width, height, resolution, n_views = _read_header(cursor)
    templates = [_read_view(cursor, width, height, resolution) for _ in range(n_views)]
    if cursor.remaining:
        raise TemplateError(
            f"{cursor.remaining} bytes after the last finger view belong to no field",
            field="trailing data",
            offset=cursor.pos,
        )
    return templates


def read_template(data: bytes | bytearray | memoryview) -> FingerTemplate:
    """The first finger view of a record; ``TemplateError`` when the record holds none."""
    templates = read_record(data)
    if not templates:
        raise TemplateError(
            "the record holds no finger views", field="number of finger views", offset=22
        )
    return templates[0]


def load_template(path: Path) -> FingerTemplate:
    """The first finger view of the record stored at ``path`` (errors note the path)."""
    data = Path(path).read_bytes()
    try:
        return read_template(data)
    except TemplateError as exc:
        exc.add_note(f"while reading {path}")
        raise


def write_record(templates: Sequence[FingerTemplate], *, capture_equipment: int = 0) -> bytes:
    """Encode the templates as one record, one finger view each, in the order given.

    Coordinates are rounded to whole pixels and angles to the nearest 1/256 of a turn, so
    ``read_record(write_record(ts))`` returns the templates as quantised. All templates must
    share one image size and resolution (the record header holds one). Views of the same
    finger position are numbered 0, 1, ... in order. Anything the format cannot hold (or that
    ``read_record`` would reject) raises ``TemplateError`` naming the field; nothing is clipped.
    """
    if not templates:
        raise TemplateError("a record needs at least one finger view", field="finger views")
    if len(templates) > 0xFF:
        raise TemplateError(
            f"{len(templates)} views do not fit in one byte", field="number of finger views"
        )
    first = templates[0]
    for index, template in enumerate(templates):
        geometry = (template.width, template.height, template.resolution_ppcm)
        if geometry != (first.width, first.height, first.resolution_ppcm):
            raise TemplateError(
                f"view {index} has width, height, resolution {geometry} but view 0 has "
                f"{(first.width, first.height, first.resolution_ppcm)}; one record holds one",
                field="image size",
            )
    _check_range("capture equipment", capture_equipment, 0, 0xFFFF)
    _check_range("image width", first.width, 1, 0xFFFF)
    _check_range("image height", first.height, 1, 0xFFFF)
    _check_range("resolution", first.resolution_ppcm, 1, 0xFFFF)

    views: list[bytes] = []
    view_numbers: dict[int, int] = {}
    for index, template in enumerate(templates):
        position = int(template.position)
        view_number = view_numbers.get(position, 0)
        view_numbers[position] = view_number + 1
        views.append(_encode_view(index, template, view_number))

    total = HEADER_SIZE + sum(len(view) for view in views)
    if total > 0xFFFFFFFF:
        raise TemplateError(f"{total} bytes do not fit the length field", field="record length")
    header = _HEADER.pack(
        MAGIC,
        VERSION,
        total,
        capture_equipment,
        first.width,
        first.height,
        first.resolution_ppcm,
        first.resolution_ppcm,
        len(templates),
        0,
    )
    return header + b"".join(views)


def _read_header(cursor: _Cursor) -> tuple[int, int, int, int]:
    """Check the 24-byte record header; return width, height, resolution and view count."""
    magic = cursor.take(4, "magic")
    if magic != MAGIC:
        raise TemplateError(
            f"expected {MAGIC!r}, found {magic!r}: not a finger minutiae record",
            field="magic",
            offset=0,
        )
    version = cursor.take(4, "version")
    if version != VERSION:
        raise TemplateError(
            f"expected {VERSION!r} (ISO/IEC 19794-2:2005), found {version!r}",
            field="version",
            offset=4,
        )
    total = cursor.uint(4, "record length")
    if total != len(cursor.data):
        if total > len(cursor.data):
            detail = "the record is truncated"
        else:
            detail = f"{len(cursor.data) - total} bytes follow the record"
        if int.from_bytes(cursor.data[8:10], "big") == len(cursor.data):
            detail += "; its first two bytes match, as in an ANSI INCITS 378 record"
        raise TemplateError(
            f"the header declares {total} bytes but the data holds {len(cursor.data)} ({detail})",
            field="record length",
            offset=8,
        )
    cursor.uint(2, "capture equipment")
    width = _positive(cursor, "image width")
    height = _positive(cursor, "image height")
    x_resolution = _positive(cursor, "x resolution")
    y_offset = cursor.pos
    y_resolution = _positive(cursor, "y resolution")
    if y_resolution != x_resolution:
        # FingerTemplate carries one resolution; dropping one axis would silently distort.
        raise TemplateError(
            f"{y_resolution} pixels/cm differs from the x resolution {x_resolution}; "
            "anisotropic records are not supported",
            field="y resolution",
            offset=y_offset,
        )
    n_views = cursor.uint(1, "number of finger views")
    cursor.take(1, "reserved header byte")
    return width, height, x_resolution, n_views


def _positive(cursor: _Cursor, field: str) -> int:
    offset = cursor.pos
    value = cursor.uint(2, field)
    if value == 0:
        raise TemplateError("is 0; it must be positive", field=field, offset=offset)
    return value


def _read_view(cursor: _Cursor, width: int, height: int, resolution: int) -> FingerTemplate:
    """Check one finger view (header, minutiae, extended data) and build its template."""
    start = cursor.pos
    position, view_impression, quality, count = cursor.take(VIEW_HEADER_SIZE, "finger view header")
    if position > MAX_POSITION:
        raise TemplateError(
            f"{position} is not a finger position (0-{MAX_POSITION})",
            field="finger position",
            offset=start,
        )
    if quality > MAX_QUALITY:
        raise TemplateError(
            f"{quality} is outside 0-{MAX_QUALITY}", field="finger quality", offset=start + 2
        )
    minutiae = _read_minutiae(cursor, count, width, height)
    length_offset = cursor.pos
    extended_length = cursor.uint(EXTENDED_LENGTH_SIZE, "extended data length")
    if extended_length > cursor.remaining:
        raise TemplateError(
            f"declares {extended_length} bytes but only {cursor.remaining} remain in the record",
            field="extended data length",
            offset=length_offset,
        )
    cursor.take(extended_length, "extended data")
    return FingerTemplate(
        position=FingerPosition(position),
        width=width,
        height=height,
        minutiae=minutiae,
        resolution_ppcm=resolution,
        quality=quality,
        impression=view_impression & 0x0F,
    )


def _read_minutiae(cursor: _Cursor, count: int, width: int, height: int) -> npt.NDArray[np.float32]:
    """Decode ``count`` minutiae at the cursor in one vectorised pass, checking every one."""
    start = cursor.pos
    whole = min(count, cursor.remaining // MINUTIA_SIZE)
    if whole < count:
        raise TemplateError(
            f"minutia {whole} of {count} is truncated: needs {MINUTIA_SIZE} bytes but only "
            f"{cursor.remaining - whole * MINUTIA_SIZE} remain",
            field="minutia",
            offset=start + whole * MINUTIA_SIZE,
        )
    raw = np.frombuffer(cursor.take(count * MINUTIA_SIZE, "minutiae"), dtype=MINUTIA_DTYPE)
    kind = raw["type_x"] >> 14
    x = raw["type_x"] & MAX_COORDINATE
    y = raw["reserved_y"] & MAX_COORDINATE  # the top two bits are reserved
    quality = raw["quality"]
    _reject_first(kind == 3, start, 0, "minutia type", "a reserved type code", kind)
    _reject_first(x >= width, start, 0, "minutia x", f"outside the image width {width}", x)
    _reject_first(y >= height, start, 2, "minutia y", f"outside the image height {height}", y)
    _reject_first(
        quality > MAX_QUALITY, start, 5, "minutia quality", f"outside 0-{MAX_QUALITY}", quality
    )
    out = np.empty((count, 5), dtype=np.float32)
    out[:, X] = x
    out[:, Y] = y
    out[:, ANGLE] = raw["angle"] * ANGLE_UNIT
    out[:, KIND] = kind
    out[:, QUALITY] = quality
    return out


def _reject_first(
    bad: npt.NDArray[np.bool_],
    start: int,
    field_offset: int,
    field: str,
    reason: str,
    values: npt.NDArray[np.integer],
) -> None:
    """Raise for the first minutia flagged in ``bad``, naming its index, value and offset."""
    flagged = np.flatnonzero(bad)
    if flagged.size:
        i = int(flagged[0])
        raise TemplateError(
            f"minutia {i} has value {int(values[i])}, {reason}"
            + (f" ({flagged.size} minutiae affected)" if flagged.size > 1 else ""),
            field=field,
            offset=start + i * MINUTIA_SIZE + field_offset,
        )


def _encode_view(index: int, template: FingerTemplate, view_number: int) -> bytes:
    """One finger view with its minutiae and an empty extended data block."""
    where = f"view {index}: "
    _check_range("finger position", int(template.position), 0, MAX_POSITION, where)
    _check_range("view number", view_number, 0, 0x0F, where)
    _check_range("impression type", template.impression, 0, 0x0F, where)
    _check_range("finger quality", template.quality, 0, MAX_QUALITY, where)
    m = np.asarray(template.minutiae)
    if m.ndim != 2 or m.shape[1] != 5:
        raise TemplateError(f"{where}minutiae have shape {m.shape}, not (n, 5)", field="minutiae")
    _check_range("number of minutiae", m.shape[0], 0, 0xFF, where)
    m = m.astype(np.float64)
    if not np.isfinite(m).all():
        raise TemplateError(f"{where}minutiae hold NaN or infinite values", field="minutiae")
    x = np.rint(m[:, X])
    y = np.rint(m[:, Y])
    kind = m[:, KIND]
    quality = np.rint(m[:, QUALITY])
    _check_column("minutia x", x, 0, template.width - 1, where)
    _check_column("minutia y", y, 0, template.height - 1, where)
    _check_column("minutia quality", quality, 0, MAX_QUALITY, where)
    bad_kind = ~np.isin(kind, sorted(KINDS))
    if bad_kind.any():
        i = int(np.flatnonzero(bad_kind)[0])
        raise TemplateError(
            f"{where}minutia {i} has kind {kind[i]}, not a MinutiaKind", field="minutia type"
        )
    raw = np.empty(m.shape[0], dtype=MINUTIA_DTYPE)
    raw["type_x"] = (kind.astype(np.uint16) << 14) | x.astype(np.uint16)
    raw["reserved_y"] = y.astype(np.uint16)
    raw["angle"] = np.mod(np.rint(m[:, ANGLE] / ANGLE_UNIT), 256).astype(np.uint8)
    raw["quality"] = quality.astype(np.uint8)
    head = _VIEW_HEADER.pack(
        int(template.position),
        (view_number << 4) | template.impression,
        template.quality,
        m.shape[0],
    )
    return head + raw.tobytes() + (0).to_bytes(EXTENDED_LENGTH_SIZE, "big")


def _check_range(field: str, value: int, low: int, high: int, where: str = "") -> None:
    if not low <= value <= high:
        raise TemplateError(f"{where}{value} is outside {low}-{high}", field=field)


def _check_column(
    field: str, values: npt.NDArray[np.float64], low: int, high: int, where: str
) -> None:
    """Refuse a minutia column the record cannot hold, naming the first offender."""
    high = min(high, MAX_COORDINATE)
    bad = (values < low) | (values > high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise TemplateError(
            f"{where}minutia {i} rounds to {values[i]:g}, outside {low}-{high}",
            field=field,
        )
