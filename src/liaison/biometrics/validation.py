"""Checks that a capture can be enrolled or searched, before any matching work is spent on it.

A template that parsed (or was built in code) can still be unusable: no minutiae, a minutia off
the image, a NaN from a faulty extractor, a finger filed under the wrong position. These
functions say so with a ``CaptureError`` whose message names the finger and the first offending
minutia; they return their argument unchanged when it passes, so calls can be chained.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from liaison.biometrics.errors import CaptureError
from liaison.biometrics.model import (
    ANGLE,
    KIND,
    QUALITY,
    TEN_FINGERS,
    FingerPosition,
    FingerTemplate,
    MinutiaKind,
    TenPrint,
    X,
    Y,
)

__all__ = ["check_capture", "check_ten_print"]

MAX_QUALITY = 100
MAX_IMPRESSION = 15  # four bits in ISO/IEC 19794-2
_KIND_CODES = np.array(sorted(int(k) for k in MinutiaKind), dtype=np.float64)


def check_capture(
    t: FingerTemplate, *, min_minutiae: int = 1, require_position: bool = False
) -> FingerTemplate:
    """Return ``t`` if it is a usable capture, else raise ``CaptureError`` saying why.

    Usable means: positive width, height and resolution; finger quality 0-100 and impression
    0-15; a finger position 0-10 (and not UNKNOWN when ``require_position``); an ``(n, 5)``
    minutiae array with at least ``min_minutiae`` rows and no NaN or infinite values; every
    minutia with ``0 <= x < width``, ``0 <= y < height``, angle in ``[0, 2*pi)``, a
    ``MinutiaKind`` code and quality 0-100.
    """
    finger = _describe(t.position)
    for name, value in (
        ("width", t.width),
        ("height", t.height),
        ("resolution", t.resolution_ppcm),
    ):
        if not value > 0:
            raise CaptureError(f"{finger}: {name} is {value}; it must be positive")
    if not 0 <= t.quality <= MAX_QUALITY:
        raise CaptureError(f"{finger}: finger quality {t.quality} is outside 0-{MAX_QUALITY}")
    if not 0 <= t.impression <= MAX_IMPRESSION:
        raise CaptureError(f"{finger}: impression type {t.impression} is outside 0-15")
    if not 0 <= int(t.position) <= max(FingerPosition):
        raise CaptureError(f"{finger}: position {int(t.position)} is outside 0-10")
    if require_position and t.position == FingerPosition.UNKNOWN:
        raise CaptureError(f"{finger}: the finger position is required but UNKNOWN")

    given = np.asarray(t.minutiae)
    if given.ndim != 2 or given.shape[1] != 5:
        raise CaptureError(f"{finger}: minutiae have shape {given.shape}, not (n, 5)")
    if given.shape[0] < min_minutiae:
        raise CaptureError(
            f"{finger}: {given.shape[0]} minutiae, fewer than the {min_minutiae} required"
        )
    m = given.astype(np.float64)
    _reject(finger, ~np.isfinite(m).all(axis=1), m, "has a NaN or infinite value")
    _reject(finger, m[:, X] < 0, m, f"has x = {{x:g}}, negative (width {t.width})")
    _reject(finger, m[:, X] >= t.width, m, f"has x = {{x:g}}, beyond the width {t.width}")
    _reject(finger, m[:, Y] < 0, m, f"has y = {{y:g}}, negative (height {t.height})")
    _reject(finger, m[:, Y] >= t.height, m, f"has y = {{y:g}}, beyond the height {t.height}")
    angle = m[:, ANGLE]
    _reject(finger, (angle < 0) | (angle >= 2 * math.pi), m, "has angle {angle:g}, not in [0, 2pi)")
    _reject(finger, ~np.isin(m[:, KIND], _KIND_CODES), m, "has kind {kind:g}, not a MinutiaKind")
    quality = m[:, QUALITY]
    _reject(
        finger, (quality < 0) | (quality > MAX_QUALITY), m, "has quality {quality:g}, not 0-100"
    )
    return t


def check_ten_print(tp: TenPrint, *, min_minutiae: int = 1) -> TenPrint:
    """Return ``tp`` if every finger is filed correctly and usable, else raise ``CaptureError``.

    Rejects an empty ten-print, a finger filed under something other than positions 1-10, two
    templates claiming the same position, a template filed under a position other than its own,
    and any finger that fails ``check_capture`` with a required position.
    """
    if not tp.fingers:
        raise CaptureError("the ten-print holds no fingers")
    claimed: dict[int, int] = {}
    for filed in tp.fingers:
        if int(filed) not in {int(p) for p in TEN_FINGERS}:
            raise CaptureError(f"a finger is filed under {_describe(filed)}, not a position 1-10")
    for filed, template in tp.fingers.items():
        own = int(template.position)
        if own in claimed:
            raise CaptureError(
                f"two fingers claim {_describe(own)}: those filed under "
                f"{_describe(claimed[own])} and {_describe(filed)}"
            )
        claimed[own] = int(filed)
    for filed, template in tp.fingers.items():
        if int(template.position) != int(filed):
            raise CaptureError(
                f"the template filed under {_describe(filed)} is of {_describe(template.position)}"
            )
    for template in tp.fingers.values():
        check_capture(template, min_minutiae=min_minutiae, require_position=True)
    return tp


def _describe(position: int) -> str:
    """A finger position in words for messages, tolerating codes outside the enum."""
    try:
        return f"finger {FingerPosition(position).name}"
    except ValueError:
        return f"finger position {position}"


def _reject(finger: str, bad: npt.ArrayLike, m: npt.NDArray[np.float64], what: str) -> None:
    """Raise for the first minutia flagged in ``bad``; ``what`` formats that minutia's columns."""
    flagged = np.flatnonzero(bad)
    if flagged.size:
        i = int(flagged[0])
        row = m[i]
        detail = what.format(
            x=row[X], y=row[Y], angle=row[ANGLE], kind=row[KIND], quality=row[QUALITY]
        )
        more = f" ({flagged.size} minutiae affected)" if flagged.size > 1 else ""
        raise CaptureError(f"{finger}: minutia {i} {detail}{more}")
