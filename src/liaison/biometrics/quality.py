"""A finger quality score, 0-100, from what the minutiae extraction measured.

NFIQ 2 (NIST's fingerprint quality standard, ISO/IEC 29794-4) would be the reference, but no
maintained PyPI package provides it (``nfiq2`` and ``nfiq`` are not on PyPI; ``bqat`` runs it
in Docker), so Liaison scores quality from the extraction's own outputs, and measures that the
score means something: on FVC2002 B (``python -m bench.image_accuracy``), impressions of low
quality match their own finger's other impressions worse (README, "Quality").

The score multiplies three terms, each 0-1:

``confidence``
    How far above the extractor's own acceptance level its minutiae are on average:
    ``(mean minutia confidence - floor) / (full - floor)``, clipped. Blur, smudges, dry or
    wet skin lower the extractor's confidence in what it finds; on FVC2002 this is the best
    single predictor of how well an impression matches (Spearman 0.40 for LEADER, 0.56 for
    the classical chain, against the impression's mean genuine score).
``amount``
    ``sqrt(sum of minutia confidences / full_sum)``, clipped: enough confident minutiae to
    identify with. The square root lets the count matter less than the confidence, as it
    predicts less (Spearman 0.29-0.31).
``clarity``
    ``(orientation coherence - 0.05) / 0.20``, clipped: a ridge flow at all. Noise has a
    coherence of 0.04 (0 here); 95% of the FVC2002 images have 0.33 or more (1 here). On
    FVC2002 it changes the ranking of no consequence (Spearman unchanged); it is there so
    that noise, on which the classical chain still finds many weak minutiae, scores 0.

``quality = round(100 * confidence * amount * clarity)``. Foreground area predicts matching
worse than any term (Spearman 0.13 for LEADER), so it is no part of the score; too little
finger refuses a capture outright instead (``extraction.MIN_FOREGROUND``). Each method
family has its own calibration (``Calibration``), since each extractor's confidences run on
its own scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["QUALITY_THRESHOLD", "Calibration", "finger_quality"]

NOISE_COHERENCE: Final = 0.05  # clarity 0 at and below: noise has 0.04
CLEAR_SPAN: Final = 0.20  # clarity 1 from 0.25 up

QUALITY_THRESHOLD: Final = 10
"""Below this a capture is refused as unusable. The lowest of the 320 FVC2002 B images
scores 13 (classical) and 15 (learned); noise scores 0."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """One extractor's minutia confidences (0-1) as the score reads them."""

    floor: float  # a mean confidence at or below this scores 0: the extractor's own threshold
    full: float  # a mean confidence at or above this scores 1
    full_sum: float  # this sum of confidences (confident minutiae) or more scores 1


def finger_quality(confidences: npt.ArrayLike, coherence: float, calibration: Calibration) -> int:
    """The quality, 0-100, of a finger whose minutiae have these confidences (0-1) and whose
    foreground has this mean orientation coherence (0-1)."""
    c = np.asarray(confidences, dtype=np.float64)
    if c.size == 0:
        return 0
    span = calibration.full - calibration.floor
    confidence = _unit((float(c.mean()) - calibration.floor) / span)
    amount = math.sqrt(_unit(float(c.sum()) / calibration.full_sum))
    clarity = _unit((coherence - NOISE_COHERENCE) / CLEAR_SPAN)
    return round(100 * confidence * amount * clarity)


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))
