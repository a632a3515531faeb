"""Fingerprint templates as plain data.

A template's minutiae live in one ``float32`` array of shape ``(n, 5)`` so that matching code
works on whole arrays (NumPy or Numba), never on Python objects per minutia. The columns are
``X, Y`` (pixels, origin top-left), ``ANGLE`` (radians in ``[0, 2*pi)``, counter-clockwise from
the x axis, pointing along the ridge as ISO/IEC 19794-2 defines it), ``KIND`` (a ``MinutiaKind``)
and ``QUALITY`` (0-100, 0 meaning "not reported").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

__all__ = [
    "ANGLE",
    "KIND",
    "QUALITY",
    "FingerPosition",
    "FingerTemplate",
    "MinutiaKind",
    "TenPrint",
    "X",
    "Y",
    "minutiae_array",
]

X, Y, ANGLE, KIND, QUALITY = range(5)

Minutiae = npt.NDArray[np.float32]


class FingerPosition(IntEnum):
    """Finger position codes of ANSI/NIST-ITL (table 8) and ISO/IEC 19794-2."""

    UNKNOWN = 0
    RIGHT_THUMB = 1
    RIGHT_INDEX = 2
    RIGHT_MIDDLE = 3
    RIGHT_RING = 4
    RIGHT_LITTLE = 5
    LEFT_THUMB = 6
    LEFT_INDEX = 7
    LEFT_MIDDLE = 8
    LEFT_RING = 9
    LEFT_LITTLE = 10


TEN_FINGERS = tuple(FingerPosition(p) for p in range(1, 11))


class MinutiaKind(IntEnum):
    """Minutia types as ISO/IEC 19794-2 codes them in two bits."""

    OTHER = 0
    RIDGE_ENDING = 1
    BIFURCATION = 2


@dataclass(frozen=True, slots=True, eq=False)
class FingerTemplate:
    """One finger's minutiae with the capture geometry they refer to."""

    position: FingerPosition
    width: int
    height: int
    minutiae: Minutiae
    resolution_ppcm: int = 197  # 500 ppi, the resolution of booking ten-prints
    quality: int = 0  # finger quality 0-100; 0 = not reported
    impression: int = 0  # ISO impression type: 0 live-scan plain, 1 rolled, ...

    @property
    def count(self) -> int:
        return int(self.minutiae.shape[0])

    def same_as(self, other: FingerTemplate) -> bool:
        """True when both describe the same capture, minutia for minutia."""
        return (
            self.position == other.position
            and self.width == other.width
            and self.height == other.height
            and self.resolution_ppcm == other.resolution_ppcm
            and self.quality == other.quality
            and self.impression == other.impression
            and self.minutiae.shape == other.minutiae.shape
            and bool(np.allclose(self.minutiae, other.minutiae, atol=1e-4))
        )


@dataclass(frozen=True, slots=True)
class TenPrint:
    """A person's fingers by position; a booking normally carries all ten."""

    fingers: dict[FingerPosition, FingerTemplate] = field(default_factory=dict)

    @property
    def positions(self) -> tuple[FingerPosition, ...]:
        return tuple(sorted(self.fingers))


def minutiae_array(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    angle: npt.ArrayLike,
    kind: npt.ArrayLike | None = None,
    quality: npt.ArrayLike | None = None,
) -> Minutiae:
    """Stack minutia columns into the ``(n, 5)`` float32 layout used everywhere."""
    xs = np.asarray(x, dtype=np.float32)
    n = xs.shape[0]
    out = np.zeros((n, 5), dtype=np.float32)
    out[:, X] = xs
    out[:, Y] = np.asarray(y, dtype=np.float32)
    out[:, ANGLE] = np.mod(np.asarray(angle, dtype=np.float64), 2 * np.pi).astype(np.float32)
    out[:, KIND] = 0 if kind is None else np.asarray(kind, dtype=np.float32)
    out[:, QUALITY] = 0 if quality is None else np.asarray(quality, dtype=np.float32)
    return out
