"""1:N identification: who, among the enrolled, left these fingerprints?

A search runs in two stages, as production AFIS engines do:

1. **Retrieval.** Each probe finger's binary code is looked up in the index of its finger
   position (all positions when it is unknown): the ``k`` nearest enrolled fingers, ``k``
   growing with the index (``SearchParams.per_finger_share`` of its rows, at least
   ``per_finger_k``), because a mate's finger keeps its *rank share*, not its rank, as the
   gallery grows. One finger's code is a weak witness (a mate's finger ranks 256th of 100,000
   at the median), ten are a strong one: every subject found by any finger is counted again
   over *every* probe finger from the stored codes (a Numba scan, ~5 ms for 30,000 subjects),
   and ranked by the total. On 100,000 synthetic ten-prints that total puts the mate first in
   199 searches of 200 and second in the last; counting only the fingers whose lists a
   subject made had lost 3 mates of 200 outside the shortlist (``bench/`` notes).
2. **Verification.** Up to ``shortlist`` best subjects are matched in full, in retrieval
   order: each of their fingers is encoded as MCC cylinders and compared with the probe's
   finger at the same position (in Numba, on every core). The subject's score is the mean
   per-finger score over the probe's fingers (score-level fusion; a finger the subject lacks
   counts as 0). The retrieval leader is verified first; for a probe of four fingers or
   more, the rest of the shortlist is skipped when it scores past
   ``SearchParams.conclusive``, a score no stranger reaches, so a mated ten-print usually
   costs one subject's fingers, not 24 subjects'. A search whose best score stays below it
   verifies the whole shortlist, so the non-mated scores that calibration reads are what a
   full verification gives.

The decision compares the best candidate's fused score with two thresholds set by
calibration on searches of people who are *not* enrolled: ``match`` at the target
false-positive identification rate (FPIR), ``possible`` (a person must verify) at a looser
one. Every result carries its candidate list with per-finger scores.
"""

from __future__ import annotations

import functools
import json
import math
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt

from liaison.biometrics import mcc
from liaison.biometrics.codes import CodeParams, code_of, shared_bits_by_subject
from liaison.biometrics.errors import CaptureError, EvaluationError, GalleryError
from liaison.biometrics.gallery import Gallery
from liaison.biometrics.index import CodeIndex
from liaison.biometrics.model import FingerPosition, FingerTemplate

__all__ = [
    "REAL_IMPOSTOR_FLOOR",
    "Candidate",
    "Decision",
    "Identification",
    "Identifier",
    "SearchParams",
    "Thresholds",
    "calibrate",
    "check_fpir",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
_Minutiae = tuple[F64, F64, I64]  # positions, directions, offsets of several templates
_Config = tuple[F64, F64]  # encoding and matching parameters, packed for the kernels

# the fewest pairs worth handing to another thread: one subject's ten fingers take ~4 ms on
# one core, a hand-over ~0.1 ms
_PAIRS_PER_THREAD = 16


class Decision(StrEnum):
    MATCH = "match"
    POSSIBLE = "possible"
    NO_MATCH = "no_match"


# Fused scores that real fingers of *different* people reach only rarely, by the number of
# probe fingers: (match, possible) floors, the quantiles at 1 - 1e-5 and 1 - 1e-4 of the mean
# of n FVC2002 B impostor scores (every cross-finger pair, templates and pyfing-extracted
# images alike, n drawn independently; `python -m bench.real_impostor_floor` measures them).
# Synthetic strangers score lower than real ones (bench/synthetic_calibration.py), so
# thresholds calibrated on synthetic searches alone let real strangers through: a decision
# never goes below these floors.
REAL_IMPOSTOR_FLOOR: dict[int, tuple[float, float]] = {
    1: (0.0560, 0.0479),
    2: (0.0393, 0.0353),
    3: (0.0338, 0.0305),
    4: (0.0304, 0.0280),
    5: (0.0287, 0.0265),
    6: (0.0274, 0.0254),
    7: (0.0260, 0.0246),
    8: (0.0252, 0.0239),
    9: (0.0247, 0.0234),
    10: (0.0242, 0.0230),
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Fused-score thresholds, the FPIR each was calibrated to and the number of non-mated
    searches behind them (None: set by hand)."""

    match: float
    possible: float
    fpir_match: float | None = None
    fpir_possible: float | None = None
    searches: int | None = None

    def decide(self, score: float, fingers: int | None = None) -> Decision:
        """The decision for a best fused score; given the probe's number of ``fingers``, never
        below ``REAL_IMPOSTOR_FLOOR`` (None: these thresholds alone, as set)."""
        match, possible = self.floored(fingers)
        if score >= match:
            return Decision.MATCH
        if score >= possible:
            return Decision.POSSIBLE
        return Decision.NO_MATCH

    def floored(self, fingers: int | None) -> tuple[float, float]:
        """(match, possible) thresholds for a probe of ``fingers`` fingers."""
        if fingers is None:
            return self.match, self.possible
        floor_match, floor_possible = REAL_IMPOSTOR_FLOOR[min(max(fingers, 1), 10)]
        return max(self.match, floor_match), max(self.possible, floor_possible)

    def save(self, path: Path) -> None:
        """Write to ``path`` as JSON, through a file beside it renamed over it: a reader sees
        the old thresholds or the new ones, never half of either."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(self), indent=1))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        """The thresholds ``save`` wrote; ``GalleryError`` when there are none."""
        if not path.exists():
            raise GalleryError(f"no calibrated thresholds at {path}: run a calibration first")
        return cls(**json.loads(path.read_text()))


@dataclass(frozen=True, slots=True)
class SearchParams:
    per_finger_k: int = 300  # fewest rows retrieved per probe finger
    # share of a position's rows retrieved per probe finger, when more than per_finger_k: a
    # mate's finger ranks within the best 0.3% of 100,000 for 51% of fingers
    per_finger_share: float = 0.005
    shortlist: int = 24  # most subjects verified in full
    returned: int = 10  # most candidates reported (only verified subjects are candidates)
    kept: int = 256  # best subjects by shared code bits that retrieval hands on
    # fused ten-print score past which verification stops. On the synthetic bench (`liaison
    # biometrics bench`, 2,000 and 10,000 identities) strangers' best stays under 0.021 and
    # mates' lowest is 0.06. math.inf always verifies the whole shortlist
    conclusive: float = 0.05
    # fewest probe fingers for which verification may stop early: a search of fewer is cheap,
    # and its candidate list is what an examiner reads
    conclusive_fingers: int = 4
    first_batch: int = 1  # subjects verified before the stop check; the rest follow at once

    def conclusive_for(self, fingers: int) -> float:
        """The stopping score of a probe of ``fingers`` fingers (``math.inf``: no stop). A
        mean over fewer fingers spreads wider, strangers' best included, so the bar rises as
        ``sqrt(10 / fingers)``."""
        if fingers < max(self.conclusive_fingers, 1):
            return math.inf
        return self.conclusive * math.sqrt(10 / fingers)


@dataclass(frozen=True, slots=True)
class Candidate:
    subject: int
    score: float  # fused MCC score, 0..1
    finger_scores: dict[FingerPosition, float]
    retrieval: float  # shared code bits per probe finger, the stage-1 score


@dataclass(frozen=True, slots=True)
class Identification:
    decision: Decision
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def calibrate(
    nonmated_best_scores: npt.ArrayLike, *, fpir_match: float, fpir_possible: float
) -> Thresholds:
    """Thresholds from the best fused score of searches whose person is not enrolled.

    A threshold at FPIR ``f`` is the smallest score exceeded by at most a fraction ``f`` of
    those searches.
    """
    scores = np.sort(np.asarray(nonmated_best_scores, dtype=np.float64))
    if scores.size == 0:
        raise EvaluationError("calibration needs at least one non-mated search")
    check_fpir(fpir_match=fpir_match, fpir_possible=fpir_possible)

    def at(fpir: float) -> float:
        allowed = int(np.floor(fpir * scores.size))  # searches allowed at or above threshold
        return float(np.nextafter(scores[scores.size - allowed - 1], np.inf))

    return Thresholds(
        match=at(fpir_match),
        possible=min(at(fpir_possible), at(fpir_match)),
        fpir_match=fpir_match,
        fpir_possible=fpir_possible,
        searches=int(scores.size),
    )


def check_fpir(*, fpir_match: float, fpir_possible: float) -> None:
    """Raise ``EvaluationError`` unless ``0 < fpir_match <= fpir_possible < 1``."""
    if not 0 < fpir_match <= fpir_possible < 1:
        raise EvaluationError(
            f"need 0 < fpir_match <= fpir_possible < 1, not fpir_match={fpir_match} "
            f"and fpir_possible={fpir_possible}"
        )


def _encode_config(p: mcc.MccParams) -> F64:
    return np.array(
        [p.radius, p.ns, p.nd, p.sigma_s, p.sigma_d, p.mu_psi, p.omega, p.min_vc, p.min_m],
        dtype=np.float64,
    )


class Identifier:
    """Searches probes against one gallery through its code index."""

    def __init__(
        self,
        gallery: Gallery,
        index: CodeIndex,
        thresholds: Thresholds,
        *,
        mcc_params: mcc.MccParams | None = None,
        code_params: CodeParams | None = None,
        search: SearchParams | None = None,
    ) -> None:
        self.gallery = gallery
        self.index = index
        self.thresholds = thresholds
        self.mcc_params = mcc_params or mcc.MccParams()
        self.code_params = code_params or CodeParams()
        self.search = search or SearchParams()
        if self.code_params.nbytes != gallery.code_bytes:
            raise GalleryError("the gallery's codes were made with other code parameters")
        self._subjects = gallery.subjects()
        self._positions = gallery.positions()
        # subjects numbered densely; dense subject s owns rows _rows[_starts[s]:_starts[s + 1]]
        self._ids, self._dense = np.unique(self._subjects, return_inverse=True)
        self._rows = np.argsort(self._dense, kind="stable").astype(np.int64)
        self._starts = np.searchsorted(
            self._dense[self._rows], np.arange(self._ids.size + 1)
        ).astype(np.int64)
        # every row's code in one array of words, for the recount (1.3 GB at 1M ten-prints)
        parts = [np.asarray(codes) for _, codes in gallery.iter_codes()]
        codes = np.concatenate(parts) if parts else np.zeros((0, gallery.code_bytes), np.uint8)
        self._codes = np.ascontiguousarray(codes).view(np.uint64)
        self._rows_per_position = np.bincount(self._positions, minlength=11)
        self._cfg = mcc._config(self.mcc_params)
        self._enc = _encode_config(self.mcc_params)

    def identify(self, fingers: Sequence[FingerTemplate]) -> Identification:
        """Search one probe (a ten-print, or any subset of fingers, or a single finger)."""
        if not fingers:
            raise CaptureError("a search needs at least one finger")
        if len({f.position for f in fingers}) != len(fingers):
            raise CaptureError("a probe may hold each finger position once")
        retrieval = self._retrieve(fingers)
        if not retrieval:
            return Identification(Decision.NO_MATCH, ())
        shortlist = sorted(retrieval, key=lambda s: -retrieval[s])[: self.search.shortlist]
        probe = _pack_cylinders([mcc.encode(f, self.mcc_params) for f in fingers])
        bar = self.search.conclusive_for(len(fingers))
        verified: list[Candidate] = []
        for batch in _batches(shortlist, self.search.first_batch):
            scores = self._verify_subjects(fingers, probe, batch)
            verified.extend(
                Candidate(
                    subject=s,
                    score=float(np.mean([scores[s].get(f.position, 0.0) for f in fingers])),
                    finger_scores=scores[s],
                    retrieval=retrieval[s] / len(fingers),
                )
                for s in batch
            )
            if max(c.score for c in verified) >= bar:
                break
        candidates = sorted(verified, key=lambda c: (-c.score, c.subject))[: self.search.returned]
        decision = self.thresholds.decide(candidates[0].score, len(fingers))
        return Identification(decision, tuple(candidates))

    def _retrieve(self, fingers: Sequence[FingerTemplate]) -> dict[int, float]:
        """Stage-1 score of the subjects worth verifying: code bits shared with the probe,
        summed over all its fingers, for every subject any finger's list found."""
        codes = [code_of(f, self.code_params) for f in fingers]
        found: list[I64] = []
        for f, code in zip(fingers, codes, strict=True):
            positions = (
                self.index.positions if f.position == FingerPosition.UNKNOWN else (int(f.position),)
            )
            for pos in positions:
                rows, _ = self.index.search(pos, code, self._k(pos))
                found.append(rows[0][rows[0] >= 0])
        if not found:
            return {}
        dense = np.unique(self._dense[np.concatenate(found)])
        if dense.size == 0:
            return {}
        total = shared_bits_by_subject(
            self._codes,
            self._positions,
            self._rows,
            self._starts,
            dense,
            np.ascontiguousarray(np.stack(codes)).view(np.uint64),
            np.array([int(f.position) for f in fingers], dtype=np.int64),
        )
        best = np.argsort(-total, kind="stable")[: self.search.kept]
        return {int(self._ids[dense[i]]): float(total[i]) for i in best}

    def _k(self, position: int) -> int:
        """Rows retrieved per probe finger from ``position``'s index."""
        rows = int(self._rows_per_position[position]) if position < 11 else 0
        return max(self.search.per_finger_k, math.ceil(self.search.per_finger_share * rows))

    def _rows_of(self, subjects: I64) -> tuple[I64, I64]:
        """The gallery rows of ``subjects``, and the index in ``subjects`` each belongs to."""
        dense = np.searchsorted(self._ids, subjects)
        lo = self._starts[dense]
        counts = self._starts[dense + 1] - lo
        # position k of the result is lo[owner] plus k's place within its subject's span
        owner = np.repeat(np.arange(subjects.size), counts)
        place = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
        return self._rows[lo[owner] + place], owner

    def _verify_subjects(
        self, fingers: Sequence[FingerTemplate], probe: _Packed, subjects: list[int]
    ) -> dict[int, dict[FingerPosition, float]]:
        """Per subject, the score of each probe finger against the subject's finger at its
        position (the best of all the subject's fingers for an unknown position)."""
        wanted = np.asarray(subjects, dtype=np.int64)
        rows, owner = self._rows_of(wanted)
        probe_pos = np.array([int(f.position) for f in fingers], dtype=np.int64)
        row_pos = self._positions[rows].astype(np.int64)
        meets = (probe_pos[:, None] == row_pos[None, :]) | (
            probe_pos[:, None] == int(FingerPosition.UNKNOWN)
        )
        pair_probe, pair_row = np.nonzero(meets)
        best = np.zeros((wanted.size, len(fingers)))
        found = np.zeros((wanted.size, len(fingers)), dtype=np.bool_)
        if pair_row.size:
            # each row's minutiae are read once, however many probe fingers it meets
            used, pair_cand = np.unique(pair_row, return_inverse=True)
            scores = _encode_score_pairs(
                probe,
                _pack_minutiae([self.gallery.template(int(r)) for r in rows[used]]),
                pair_probe.astype(np.int64),
                pair_cand.astype(np.int64),
                (self._enc, self._cfg),
            )
            np.maximum.at(best, (owner[pair_row], pair_probe), scores)
            found[owner[pair_row], pair_probe] = True
        return {
            s: {
                fingers[pi].position: float(best[k, pi])
                for pi in range(len(fingers))
                if found[k, pi]
            }
            for k, s in enumerate(subjects)
        }


def _encode_score_pairs(
    probe: _Packed, candidates: _Minutiae, pair_probe: I64, pair_cand: I64, config: _Config
) -> F64:
    """``mcc._encode_score_pairs`` on up to ``_threads()`` threads, this one among them, with
    at least ``_PAIRS_PER_THREAD`` pairs each."""

    def run(share: slice | I64) -> F64:
        return mcc._encode_score_pairs(
            probe.xy,
            probe.angle,
            probe.bits,
            probe.mask,
            probe.offsets,
            *candidates,
            pair_probe[share],
            pair_cand[share],
            *config,
        )

    threads = min(_threads(), pair_probe.size // _PAIRS_PER_THREAD)
    if threads <= 1:
        return run(slice(None))
    # interleaved, so that each thread gets a like mix of subjects and fingers
    shares = [np.arange(t, pair_probe.size, threads) for t in range(threads)]
    futures = [_pool().submit(run, share) for share in shares[1:]]
    out = np.empty(pair_probe.size)
    out[shares[0]] = run(shares[0])
    for share, future in zip(shares[1:], futures, strict=True):
        out[share] = future.result()
    return out


@functools.cache
def _threads() -> int:
    """Threads a search verifies on: Numba's own count (``NUMBA_NUM_THREADS``, by default the
    CPUs this process may run on)."""
    configured: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    return max(1, configured)


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The threads that verify beside the searching one, started by the first search that
    needs them; one pool per process, since a forked child inherits none of the threads."""
    with _pools_lock:
        pool = _pools.get(os.getpid())
        if pool is None:
            pool = ThreadPoolExecutor(_threads() - 1, thread_name_prefix="liaison-verify")
            _pools[os.getpid()] = pool
        return pool


def _batches(shortlist: list[int], first: int) -> Iterator[list[int]]:
    """The first ``first`` subjects of the shortlist, then the rest in one batch. Retrieval
    ranks a ten-print's mate first (200 of 200 at 10,000 identities), so the first batch
    settles mated searches; the rest is one batch, which spreads evenly over the threads."""
    head = max(first, 1)
    yield shortlist[:head]
    if shortlist[head:]:
        yield shortlist[head:]


def _pack_minutiae(templates: list[FingerTemplate]) -> _Minutiae:
    counts = np.array([t.count for t in templates], dtype=np.int64)
    off = np.zeros(len(templates) + 1, dtype=np.int64)
    np.cumsum(counts, out=off[1:])
    allm = np.concatenate([t.minutiae for t in templates])
    xy = np.ascontiguousarray(allm[:, :2], dtype=np.float64)
    # the pixel-frame direction, as mcc.encode uses
    th = np.ascontiguousarray(np.mod(-allm[:, 2].astype(np.float64), 2 * np.pi))
    return xy, th, off


@dataclass(frozen=True, slots=True)
class _Packed:
    """Cylinders of several fingers, concatenated: finger ``i`` owns rows
    ``offsets[i]:offsets[i + 1]``."""

    xy: F64
    angle: F64
    bits: U64
    mask: U64
    offsets: I64


def _pack_cylinders(cyl: list[mcc.Cylinders]) -> _Packed:
    off = np.zeros(len(cyl) + 1, dtype=np.int64)
    np.cumsum([c.count for c in cyl], out=off[1:])
    words = cyl[0].bits.shape[1] if cyl else 0
    return _Packed(
        xy=np.ascontiguousarray(np.concatenate([c.xy for c in cyl]).reshape(-1, 2)),
        angle=np.ascontiguousarray(np.concatenate([c.angle for c in cyl])),
        bits=np.ascontiguousarray(np.concatenate([c.bits for c in cyl]).reshape(-1, words)),
        mask=np.ascontiguousarray(np.concatenate([c.mask for c in cyl]).reshape(-1, words)),
        offsets=off,
    )
