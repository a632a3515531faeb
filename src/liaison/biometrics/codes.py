"""Fixed-length binary codes of fingers, for candidate retrieval before full matching.

A finger's code is built from minutia *pairs*: for each minutia and each neighbour within
reach, the pair's length and the two minutiae's directions relative to the line joining them.
Those three numbers do not change when the finger is moved or turned on the platen. They are
accumulated in a soft (linearly interpolated) 3-D histogram, and the ``weight`` heaviest bins
become the code's set bits. Every code has exactly ``weight`` bits set, so the Hamming distance
between two codes is ``2 * (weight - shared bits)``: ranking by Hamming distance, which is what
faiss binary indexes do, is ranking by how many histogram peaks two fingers share.

This follows the pair-based indexing line of work (Germain, Califano & Colville 1997, minutia
triplets; pair-polar features in Jin et al. 2014), reduced to a code that fits faiss. It is a
*retrieval* feature only: every decision is taken by the full MCC match of the shortlist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np
import numpy.typing as npt

from liaison.biometrics.model import ANGLE, FingerTemplate, X, Y

__all__ = ["CodeParams", "code_of", "codes_of"]

U8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class CodeParams:
    """Shape of the pair histogram and of the code; defaults measured in bench/."""

    d_min: float = 12.0  # pixels: closer pairs are too noisy in direction
    d_max: float = 150.0  # pixels: farther pairs suffer most from skin distortion
    d_bins: int = 16
    a_bins: int = 8  # per relative direction; 8 x 8 x 16 = 1,024 bins = 1,024 bits
    neighbours: int = 14  # nearest neighbours per minutia that form pairs
    weight: int = 128  # set bits per code (1 in 8)

    @property
    def bits(self) -> int:
        return self.d_bins * self.a_bins * self.a_bins

    @property
    def nbytes(self) -> int:
        return self.bits // 8


@nb.njit(cache=True)
def _pair_histogram(
    xy: F64, theta: F64, d_min: float, d_max: float, d_bins: int, a_bins: int, k: int
) -> F64:
    n = xy.shape[0]
    hist = np.zeros(d_bins * a_bins * a_bins)
    two_pi = 2.0 * math.pi
    dist = np.empty(n)
    for i in range(n):
        for j in range(n):
            dist[j] = math.hypot(xy[j, 0] - xy[i, 0], xy[j, 1] - xy[i, 1])
        order = np.argsort(dist)
        taken = 0
        for q in range(1, n):
            j = order[q]
            d = dist[j]
            if d < d_min:
                continue
            if d > d_max or taken >= k:
                break
            taken += 1
            phi = math.atan2(xy[j, 1] - xy[i, 1], xy[j, 0] - xy[i, 0])
            ai = ((theta[i] - phi) % two_pi) / two_pi * a_bins
            aj = ((theta[j] - phi) % two_pi) / two_pi * a_bins
            dd = (d - d_min) / (d_max - d_min) * (d_bins - 1)
            d0 = math.floor(dd)
            fd = dd - d0
            # centre angle bins on their middle so interpolation weights are symmetric
            ai -= 0.5
            aj -= 0.5
            i0 = math.floor(ai)
            fi = ai - i0
            j0 = math.floor(aj)
            fj = aj - j0
            for sd in range(2):
                db = d0 + sd
                if db < 0 or db >= d_bins:
                    continue
                wd = fd if sd else 1.0 - fd
                for si in range(2):
                    ib = (i0 + si) % a_bins
                    wi = fi if si else 1.0 - fi
                    for sj in range(2):
                        jb = (j0 + sj) % a_bins
                        wj = fj if sj else 1.0 - fj
                        hist[(db * a_bins + ib) * a_bins + jb] += wd * wi * wj
    return hist


@nb.njit(cache=True)
def _top_bits(hist: F64, weight: int) -> U8:
    """The ``weight`` heaviest bins as set bits; ties (mostly empty bins) go to the lower
    index, so the code is deterministic. These are the first ``weight`` bins of a stable
    sort by weight, found without sorting: every bin heavier than the ``weight``-th
    heaviest, then bins as heavy as it, lowest index first."""
    nbits = hist.shape[0]
    out = np.zeros(nbits // 8, dtype=np.uint8)
    take = min(weight, nbits)
    if take == 0:
        return out
    cut = np.partition(-hist, take - 1)[take - 1]  # minus the take-th heaviest weight
    taken = 0
    for b in range(nbits):
        if -hist[b] < cut:
            out[b >> 3] |= np.uint8(1 << (b & 7))
            taken += 1
    for b in range(nbits):
        if taken == take:
            break
        if -hist[b] == cut:
            out[b >> 3] |= np.uint8(1 << (b & 7))
            taken += 1
    return out


def code_of(template: FingerTemplate, params: CodeParams | None = None) -> U8:
    """The fixed-weight binary code of one finger, as ``params.nbytes`` bytes."""
    p = params or CodeParams()
    xy = np.ascontiguousarray(template.minutiae[:, [X, Y]], dtype=np.float64)
    # same pixel-frame direction convention as mcc.encode (ISO angles turn the other way)
    theta = np.ascontiguousarray(np.mod(-template.minutiae[:, ANGLE], 2 * np.pi), dtype=np.float64)
    hist = _pair_histogram(xy, theta, p.d_min, p.d_max, p.d_bins, p.a_bins, p.neighbours)
    return _top_bits(hist, p.weight)


def codes_of(templates: list[FingerTemplate], params: CodeParams | None = None) -> U8:
    """Codes of several fingers stacked as a ``(len(templates), nbytes)`` array."""
    p = params or CodeParams()
    out = np.zeros((len(templates), p.nbytes), dtype=np.uint8)
    for i, t in enumerate(templates):
        out[i] = code_of(t, p)
    return out


@nb.njit(cache=True, inline="always")
def _popcount64(x: np.uint64) -> np.uint64:
    """Set bits of one word (the SWAR count, which LLVM turns into one instruction)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@nb.njit(cache=True)
def shared_bits_by_subject(
    codes: npt.NDArray[np.uint64],
    row_positions: npt.NDArray[np.uint8],
    subject_rows: npt.NDArray[np.int64],
    subject_starts: npt.NDArray[np.int64],
    subjects: npt.NDArray[np.int64],
    probe: npt.NDArray[np.uint64],
    probe_positions: npt.NDArray[np.int64],
) -> F64:
    """Per subject, the code bits each probe finger shares with the subject's finger at the
    same position (its best finger when the probe's position is 0, unknown), summed over the
    probe's fingers.

    ``codes`` holds every gallery row's code as 64-bit words; subject ``s`` (a dense number)
    owns rows ``subject_rows[subject_starts[s]:subject_starts[s + 1]]``. Enrolled twice, a
    finger counts its better row."""
    fingers, words = probe.shape
    out = np.zeros(subjects.shape[0])
    best = np.zeros(fingers)
    for u in range(subjects.shape[0]):
        s = subjects[u]
        best[:] = 0.0
        for k in range(subject_starts[s], subject_starts[s + 1]):
            r = subject_rows[k]
            for f in range(fingers):
                if probe_positions[f] != 0 and probe_positions[f] != row_positions[r]:
                    continue
                c = np.uint64(0)
                for w in range(words):
                    c += _popcount64(codes[r, w] & probe[f, w])
                if c > best[f]:
                    best[f] = c
        out[u] = best.sum()
    return out
