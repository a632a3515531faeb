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

import numpy as np
import numpy.typing as npt

from liaison.biometrics.errors import EvaluationError
from liaison.biometrics.mcc import Cylinders, MccParams, _config, _score_pairs

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
    cores Numba may use (``numba.set_num_threads`` limits them). ``progress``, when given, is
    called after each batch with the number of comparisons just finished; the calls add up to
    ``n * (n + 1) / 2``. Raises ``EvaluationError`` when a template's cylinders are not the size
    ``params`` makes (it was encoded with other parameters).
    """
    p = params or MccParams()
    cfg = _config(p)
    n = len(templates)
    out = np.zeros((n, n))
    if n == 0:
        return out
    xy, angle, bits, mask, offsets = _pack(templates, p.words)
    # rows in batches of about _BATCH comparisons; row i holds the n - i pairs (i, j >= i)
    done = np.cumsum(np.arange(n, 0, -1, dtype=np.int64))
    start = 0
    while start < n:
        before = int(done[start - 1]) if start else 0
        stop = int(np.searchsorted(done, before + _BATCH, side="left")) + 1
        stop = min(max(stop, start + 1), n)
        first, second = _upper_pairs(n, start, stop)
        scores = _score_pairs(xy, angle, bits, mask, offsets, first, second, cfg)
        out[first, second] = scores
        out[second, first] = scores
        if progress is not None:
            progress(first.size)
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
    the two has the smaller FMR + FNMR. Rates are compared as exact counts, so that a FMR of
    exactly 1% counts as "at most 1%". Raises ``EvaluationError`` when either set is empty, not
    one-dimensional, or holds a score that is not a finite number.
    """
    threshold, rejected, accepted, n_gen, n_imp = _sweep(genuine, impostor)
    # FNMR <= FMR  <=>  rejected / n_gen <= accepted / n_imp, cross-multiplied to stay exact
    rejected_w = rejected * n_imp
    accepted_w = accepted * n_gen
    # FNMR - FMR never decreases with the threshold: t1 ends a prefix, t2 starts a suffix
    t1 = int(np.count_nonzero(rejected_w <= accepted_w)) - 1
    t2 = int(np.argmax(rejected_w >= accepted_w))
    at = t1 if rejected_w[t1] + accepted_w[t1] <= rejected_w[t2] + accepted_w[t2] else t2
    fnmr = rejected / n_gen

    def fnmr_at(accepted_most: npt.NDArray[np.bool_]) -> float:
        # the lowest FNMR is at the lowest threshold that meets the FMR bound
        return float(fnmr[int(np.argmax(accepted_most))])

    return ErrorRates(
        eer=float((fnmr[at] + accepted[at] / n_imp) / 2.0),
        eer_threshold=float(threshold[at]),
        fmr100=fnmr_at(accepted * 100 <= n_imp),
        fmr1000=fnmr_at(accepted * 1000 <= n_imp),
        zero_fmr=fnmr_at(accepted == 0),
    )


def det_curve(genuine: npt.ArrayLike, impostor: npt.ArrayLike) -> DetCurve:
    """FMR and FNMR at each distinct score and just above the highest (where both end).

    Raises ``EvaluationError`` as ``error_rates`` does.
    """
    threshold, rejected, accepted, n_gen, n_imp = _sweep(genuine, impostor)
    return DetCurve(threshold=threshold, fmr=accepted / n_imp, fnmr=rejected / n_gen)


def _sweep(genuine: npt.ArrayLike, impostor: npt.ArrayLike) -> tuple[F64, I64, I64, int, int]:
    """Candidate thresholds, ascending, with the genuine scores each rejects and the impostor
    scores each accepts, and the sizes of both sets."""
    gen = _scores(genuine, "genuine")
    imp = _scores(impostor, "impostor")
    distinct = np.unique(np.concatenate([gen, imp]))
    # one threshold past the highest score accepts nothing: FMR 0, FNMR 1
    threshold = np.append(distinct, np.nextafter(distinct[-1], np.inf))
    rejected = np.searchsorted(gen, threshold, side="left").astype(np.int64)
    accepted = imp.size - np.searchsorted(imp, threshold, side="left").astype(np.int64)
    return threshold, rejected, accepted, gen.size, imp.size


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


def _upper_pairs(n: int, start: int, stop: int) -> tuple[I64, I64]:
    """Every pair (i, j) with ``start <= i < stop`` and ``i <= j < n``, row by row."""
    rows = np.arange(start, stop, dtype=np.int64)
    counts = n - rows
    first = np.repeat(rows, counts)
    # within row i, j runs from i up: its offset from the row's first pair, plus i
    begins = np.repeat(np.cumsum(counts) - counts, counts)
    second = first + np.arange(first.size, dtype=np.int64) - begins
    return first, second


def _pack(templates: Sequence[Cylinders], width: int) -> tuple[F64, F64, U64, U64, I64]:
    """All templates' cylinders in one set of arrays; template i owns rows offsets[i]:[i+1].

    Every cylinder must be ``width`` words wide, the size the matching parameters expect.
    """
    words = sorted({t.bits.shape[1] for t in templates if t.count} - {width})
    if words:
        raise EvaluationError(
            f"templates were encoded with different cylinder sizes ({words} words, not "
            f"{width}); encode them with the MccParams they are matched with"
        )
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
