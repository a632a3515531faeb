"""1:N identification: who, among the enrolled, left these fingerprints?

A search runs in two stages, as production AFIS engines do:

1. **Retrieval.** Each probe finger's binary code is looked up in the index of its finger
   position (all positions when it is unknown). Every enrolled subject collects, per finger,
   the code bits it shares with the probe; summed over fingers, this ranks subjects cheaply.
2. **Verification.** The ``shortlist`` best subjects are matched in full: each of their
   fingers is encoded as MCC cylinders and compared with the probe's finger at the same
   position (in parallel, in Numba). The subject's score is the mean per-finger score over
   the probe's fingers (score-level fusion; a finger the subject lacks counts as 0).

The decision compares the best candidate's fused score with two thresholds set by
calibration on searches of people who are *not* enrolled: ``match`` at the target
false-positive identification rate (FPIR), ``possible`` (a person must verify) at a looser
one. Every result carries its candidate list with per-finger scores.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt

from liaison.biometrics import mcc
from liaison.biometrics.codes import CodeParams, code_of
from liaison.biometrics.errors import CaptureError, EvaluationError, GalleryError
from liaison.biometrics.gallery import Gallery
from liaison.biometrics.index import CodeIndex
from liaison.biometrics.model import FingerPosition, FingerTemplate

__all__ = [
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


class Decision(StrEnum):
    MATCH = "match"
    POSSIBLE = "possible"
    NO_MATCH = "no_match"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Fused-score thresholds, the FPIR each was calibrated to and the number of non-mated
    searches behind them (None: set by hand)."""

    match: float
    possible: float
    fpir_match: float | None = None
    fpir_possible: float | None = None
    searches: int | None = None

    def decide(self, score: float) -> Decision:
        if score >= self.match:
            return Decision.MATCH
        if score >= self.possible:
            return Decision.POSSIBLE
        return Decision.NO_MATCH

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
    per_finger_k: int = 300  # rows retrieved per probe finger
    shortlist: int = 24  # subjects verified in full
    returned: int = 10  # candidates reported


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
        self._order = np.argsort(self._subjects, kind="stable")
        self._sorted = self._subjects[self._order]
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
        scores = self._verify_subjects(fingers, shortlist)
        candidates = sorted(
            (
                Candidate(
                    subject=s,
                    score=float(np.mean([scores[s].get(f.position, 0.0) for f in fingers])),
                    finger_scores=scores[s],
                    retrieval=retrieval[s] / len(fingers),
                )
                for s in shortlist
            ),
            key=lambda c: (-c.score, c.subject),
        )[: self.search.returned]
        return Identification(self.thresholds.decide(candidates[0].score), tuple(candidates))

    def _retrieve(self, fingers: Sequence[FingerTemplate]) -> dict[int, float]:
        subjects: list[I64] = []
        shared: list[F64] = []
        weight = self.code_params.weight
        for f in fingers:
            code = code_of(f, self.code_params)
            positions = (
                self.index.positions if f.position == FingerPosition.UNKNOWN else (int(f.position),)
            )
            for pos in positions:
                rows, dist = self.index.search(pos, code, self.search.per_finger_k)
                keep = rows[0] >= 0
                subjects.append(self._subjects[rows[0][keep]])
                shared.append(weight - dist[0][keep].astype(np.float64) / 2.0)
        if not subjects:
            return {}
        subj = np.concatenate(subjects)
        if subj.size == 0:
            return {}
        uniq, inverse = np.unique(subj, return_inverse=True)
        # a subject found under several positions for one unknown-position finger keeps its best
        total = np.zeros(uniq.size)
        np.add.at(total, inverse, np.concatenate(shared))
        return {int(s): float(v) for s, v in zip(uniq, total, strict=True)}

    def _rows_of(self, subject: int) -> I64:
        lo = np.searchsorted(self._sorted, subject, side="left")
        hi = np.searchsorted(self._sorted, subject, side="right")
        return self._order[lo:hi]

    def _verify_subjects(
        self, fingers: Sequence[FingerTemplate], shortlist: list[int]
    ) -> dict[int, dict[FingerPosition, float]]:
        probes = [mcc.encode(f, self.mcc_params) for f in fingers]
        pair_probe: list[int] = []
        pair_rows: list[int] = []
        pair_subject: list[int] = []
        for s in shortlist:
            rows = self._rows_of(s)
            for pi, f in enumerate(fingers):
                if f.position == FingerPosition.UNKNOWN:
                    matching = rows
                else:
                    matching = rows[self._positions[rows] == int(f.position)]
                for r in matching:
                    pair_probe.append(pi)
                    pair_rows.append(int(r))
                    pair_subject.append(s)
        result: dict[int, dict[FingerPosition, float]] = {s: {} for s in shortlist}
        if not pair_rows:
            return result
        templates = [self.gallery.template(r) for r in sorted(set(pair_rows))]
        slot = {r: i for i, r in enumerate(sorted(set(pair_rows)))}
        c_xy, c_th, c_off = _pack_minutiae(templates)
        p_xy, p_th, p_bits, p_mask, p_off = _pack_cylinders(probes, self.mcc_params)
        scores = mcc._encode_score_pairs(
            p_xy,
            p_th,
            p_bits,
            p_mask,
            p_off,
            c_xy,
            c_th,
            c_off,
            np.array(pair_probe, dtype=np.int64),
            np.array([slot[r] for r in pair_rows], dtype=np.int64),
            self._enc,
            self._cfg,
        )
        for pi, s, score in zip(pair_probe, pair_subject, scores, strict=True):
            pos = fingers[pi].position
            result[s][pos] = max(result[s].get(pos, 0.0), float(score))
        return result


def _pack_minutiae(templates: list[FingerTemplate]) -> tuple[F64, F64, I64]:
    counts = np.array([t.count for t in templates], dtype=np.int64)
    off = np.zeros(len(templates) + 1, dtype=np.int64)
    np.cumsum(counts, out=off[1:])
    allm = np.concatenate([t.minutiae for t in templates])
    xy = np.ascontiguousarray(allm[:, :2], dtype=np.float64)
    # the pixel-frame direction, as mcc.encode uses
    th = np.ascontiguousarray(np.mod(-allm[:, 2].astype(np.float64), 2 * np.pi))
    return xy, th, off


def _pack_cylinders(
    cyl: list[mcc.Cylinders], params: mcc.MccParams
) -> tuple[F64, F64, npt.NDArray[np.uint64], npt.NDArray[np.uint64], I64]:
    off = np.zeros(len(cyl) + 1, dtype=np.int64)
    np.cumsum([c.count for c in cyl], out=off[1:])
    words = params.words
    return (
        np.ascontiguousarray(np.concatenate([c.xy for c in cyl]).reshape(-1, 2)),
        np.ascontiguousarray(np.concatenate([c.angle for c in cyl])),
        np.ascontiguousarray(np.concatenate([c.bits for c in cyl]).reshape(-1, words)),
        np.ascontiguousarray(np.concatenate([c.mask for c in cyl]).reshape(-1, words)),
        off,
    )
