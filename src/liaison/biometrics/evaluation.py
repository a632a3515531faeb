"""Accuracy evaluation: all-against-all score matrices and verification error rates.

Conventions follow the FVC competitions (Maio et al., "FVC2002: Second Fingerprint Verification
Competition", ICPR 2002): a comparison is *accepted* when its score is at least the threshold
``t``; ``FMR(t)`` is the share of impostor scores ``>= t`` and ``FNMR(t)`` the share of genuine
scores ``< t``. Both are step functions that change only at observed scores, so every rate here
is exact: computed at each distinct score (and just above the highest), never interpolated.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np
import numpy.typing as npt

from liaison.biometrics.errors import EvaluationError
from liaison.biometrics.mcc import Cylinders, MccParams, _config, _score

__all__ = [
    "DetCurve",
    "ErrorRates",
    "det_curve",
    "error_rates",
    "score_matrix",
    "split_scores",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

# comparisons per parallel batch: large enough to keep every core busy, small enough that
# ``progress`` hears from the work every few seconds on one core
_BATCH = 16_384


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """Verification error rates of one set of genuine and impostor scores (shares, 0-1)."""

    eer: float  # equal error rate, as FVC defines it where FMR and FNMR cross
    eer_threshold: float  # the threshold that attains it
    fmr100: float  # lowest FNMR with FMR <= 1%
    fmr1000: float  # lowest FNMR with FMR <= 0.1%
    zero_fmr: float  # lowest FNMR with no false match at all


@dataclass(frozen=True, slots=True, eq=False)
class DetCurve:
    """FMR and FNMR at every threshold that changes either, thresholds ascending."""

    threshold: F64
    fmr: F64  # non-increasing, from 1 to 0
    fnmr: F64  # non-decreasing, from 0 to 1


def score_matrix(
    templates: Sequence[Cylinders],
    params: MccParams | None = None,
    progress: Callable[[int], None] | None = None,
) -> F64:
    """Every template compared with every other: a symmetric ``(n, n)`` matrix of similarities.

    Each unordered pair is compared once (A against B, A earlier in ``templates``) and the
    diagonal holds each template's score against itself. Comparisons run in parallel on all the
    cores Numba may use. ``progress``, when given, is called after each batch with the number of
    comparisons just finished; the calls add up to ``n * (n + 1) / 2``. Raises
    ``EvaluationError`` when the templates were encoded with different cylinder sizes.
    """
    cfg = _config(params or MccParams())
    n = len(templates)
    out = np.zeros((n, n))
    if n == 0:
        return out
    xy, angle, bits, mask, offsets = _pack(templates)
    # rows in batches of about _BATCH comparisons; row i holds the n - i pairs (i, j >= i)
    done = np.cumsum(np.arange(n, 0, -1, dtype=np.int64))
    start = 0
    while start < n:
        before = int(done[start - 1]) if start else 0
        stop = int(np.searchsorted(done, before + _BATCH, side="left")) + 1
        stop = min(max(stop, start + 1), n)
        _score_rows(xy, angle, bits, mask, offsets, start, stop, cfg, out)
        if progress is not None:
            progress(int(done[stop - 1]) - before)
        start = stop
    return out


def split_scores(matrix: npt.ArrayLike, labels: Sequence[Hashable]) -> tuple[F64, F64]:
    """Genuine and impostor scores of a score matrix, each unordered pair once.

    ``labels[i]`` names the finger of row ``i``: pairs with equal labels are genuine, the rest
    impostor. The diagonal (a template against itself) is left out. Raises ``EvaluationError``
    when the matrix is not square or does not have one row per label.
    """
    scores = np.asarray(matrix, dtype=np.float64)
    n = len(labels)
    if scores.ndim != 2 or scores.shape != (n, n):
        raise EvaluationError(
            f"a score matrix of shape {scores.shape} does not pair {n} labelled templates"
        )
    first_seen: dict[Hashable, int] = {}
    codes = np.array([first_seen.setdefault(label, len(first_seen)) for label in labels])
    rows, cols = np.triu_indices(n, k=1)
    same = codes[rows] == codes[cols]
    upper = scores[rows, cols]
    return upper[same], upper[~same]


def error_rates(genuine: npt.ArrayLike, impostor: npt.ArrayLike) -> ErrorRates:
    """EER, FMR100, FMR1000 and ZeroFMR of genuine and impostor similarity scores.

    The EER follows FVC: with ``t1`` the highest threshold where FNMR <= FMR and ``t2`` the
    lowest where FNMR >= FMR, the EER is the midpoint of the (FNMR, FMR) pair at whichever of
    the two has the smaller FMR + FNMR. Raises ``EvaluationError`` when either set is empty,
    not one-dimensional, or holds a score that is not a finite number.
    """
    curve = det_curve(genuine, impostor)
    fmr, fnmr = curve.fmr, curve.fnmr
    # FNMR - FMR never decreases with the threshold: t1 ends a prefix, t2 starts a suffix
    t1 = int(np.count_nonzero(fnmr <= fmr)) - 1
    t2 = int(np.argmax(fnmr >= fmr))
    if fnmr[t1] + fmr[t1] <= fmr[t2] + fnmr[t2]:
        eer, threshold = (fnmr[t1] + fmr[t1]) / 2.0, curve.threshold[t1]
    else:
        eer, threshold = (fmr[t2] + fnmr[t2]) / 2.0, curve.threshold[t2]
    return ErrorRates(
        eer=float(eer),
        eer_threshold=float(threshold),
        fmr100=_fnmr_at(curve, 0.01),
        fmr1000=_fnmr_at(curve, 0.001),
        zero_fmr=_fnmr_at(curve, 0.0),
    )


def det_curve(genuine: npt.ArrayLike, impostor: npt.ArrayLike) -> DetCurve:
    """FMR and FNMR at each distinct score and just above the highest (where both end).

    Raises ``EvaluationError`` as ``error_rates`` does.
    """
    gen = _scores(genuine, "genuine")
    imp = _scores(impostor, "impostor")
    distinct = np.unique(np.concatenate([gen, imp]))
    # one threshold past the highest score accepts nothing: FMR 0, FNMR 1
    threshold = np.append(distinct, np.nextafter(distinct[-1], np.inf))
    fnmr = np.searchsorted(gen, threshold, side="left") / gen.size
    fmr = 1.0 - np.searchsorted(imp, threshold, side="left") / imp.size
    return DetCurve(threshold=threshold, fmr=fmr, fnmr=fnmr)


def _fnmr_at(curve: DetCurve, most_fmr: float) -> float:
    """Lowest FNMR among thresholds whose FMR is at most ``most_fmr`` (the lowest such one)."""
    return float(curve.fnmr[int(np.argmax(curve.fmr <= most_fmr))])


def _scores(values: npt.ArrayLike, kind: str) -> F64:
    """Scores as a sorted float64 vector, refused when empty, not 1-D, or not finite."""
    scores = np.asarray(values, dtype=np.float64)
    if scores.ndim != 1:
        raise EvaluationError(f"{kind} scores must be one-dimensional, not shape {scores.shape}")
    if scores.size == 0:
        raise EvaluationError(f"no {kind} scores to evaluate")
    if not np.isfinite(scores).all():
        bad = int(np.flatnonzero(~np.isfinite(scores))[0])
        raise EvaluationError(f"{kind} score {bad} is {scores[bad]}, not a finite number")
    return np.sort(scores)


def _pack(templates: Sequence[Cylinders]) -> tuple[F64, F64, U64, U64, I64]:
    """All templates' cylinders in one set of arrays; template i owns rows offsets[i]:[i+1]."""
    words = {t.bits.shape[1] for t in templates if t.count}
    if len(words) > 1:
        raise EvaluationError(
            f"templates were encoded with different cylinder sizes ({sorted(words)} words); "
            "encode them all with the same MccParams"
        )
    width = words.pop() if words else 0
    offsets = np.zeros(len(templates) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([t.count for t in templates])
    xy = np.concatenate([np.reshape(t.xy, (t.count, 2)) for t in templates])
    angle = np.concatenate([np.reshape(t.angle, (t.count,)) for t in templates])
    bits = np.concatenate([np.reshape(t.bits, (t.count, width)) for t in templates])
    mask = np.concatenate([np.reshape(t.mask, (t.count, width)) for t in templates])
    return (
        np.ascontiguousarray(xy, dtype=np.float64),
        np.ascontiguousarray(angle, dtype=np.float64),
        np.ascontiguousarray(bits, dtype=np.uint64),
        np.ascontiguousarray(mask, dtype=np.uint64),
        offsets,
    )


@nb.njit(cache=True, parallel=True)
def _score_rows(
    xy: F64,
    angle: F64,
    bits: U64,
    mask: U64,
    offsets: I64,
    first: int,
    stop: int,
    cfg: F64,
    out: F64,
) -> None:
    """Fill ``out[i, j]`` and ``out[j, i]`` for rows ``first <= i < stop`` and all ``j >= i``.

    The pairs are flattened before the parallel loop so that threads share the work evenly
    (row i has n - i pairs: splitting by rows would leave the last thread idle).
    """
    n = offsets.shape[0] - 1
    count = 0
    for i in range(first, stop):
        count += n - i
    pair_i = np.empty(count, dtype=np.int64)
    pair_j = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(first, stop):
        for j in range(i, n):
            pair_i[k] = i
            pair_j[k] = j
            k += 1
    for q in nb.prange(count):
        i = pair_i[q]
        j = pair_j[q]
        a0, a1 = offsets[i], offsets[i + 1]
        b0, b1 = offsets[j], offsets[j + 1]
        s = _score(
            xy[a0:a1],
            angle[a0:a1],
            bits[a0:a1],
            mask[a0:a1],
            xy[b0:b1],
            angle[b0:b1],
            bits[b0:b1],
            mask[b0:b1],
            cfg,
        )
        out[i, j] = s
        out[j, i] = s
