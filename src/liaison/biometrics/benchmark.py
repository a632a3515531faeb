"""Synthetic 1:N benchmark: enroll a ten-print gallery, search mated and non-mated probes.

Identity ``i`` of seed ``S`` always has the same ten master fingers; its enrolled ten-print
is impression 0 of them and a mated probe is a *fresh* impression (another random stream), as
a second booking of the same person would be. Non-mated probes are identities numbered past
the gallery, so they were never enrolled. Thresholds are calibrated on the non-mated
searches, and FNIR is read at the FPIR they were calibrated to, the way NIST's FRIF
evaluations report ten-print accuracy; as in a real search, the threshold never goes
below ``REAL_IMPOSTOR_FLOOR`` of a ten-print.

Generation and coding run in worker processes (one per core); the gallery is appended in
segments as chunks come back, so memory stays flat while the gallery grows, and a stopped
enrollment keeps its finished chunks and resumes after them.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from liaison.biometrics import synthetic
from liaison.biometrics.codes import CodeParams, codes_of
from liaison.biometrics.errors import GalleryError
from liaison.biometrics.gallery import FingerBatch, Gallery, pack_fingers
from liaison.biometrics.identification import (
    Identification,
    Identifier,
    SearchParams,
    Thresholds,
    calibrate,
)
from liaison.biometrics.index import CodeIndex, IndexParams
from liaison.biometrics.model import FingerTemplate

__all__ = ["BenchResult", "enroll_synthetic", "enrolled_prefix", "probe_fingers", "run_bench"]

ENROLL, PROBE = 0, 1  # impression streams: what was enrolled, and a later booking
CHUNK = 2_000  # identities generated per worker task


@dataclass
class BenchResult:
    identities: int
    probes: int
    enroll_seconds: float
    index_seconds: float
    search_latency_ms: dict[str, float]
    fnir_at_fpir: dict[str, float]
    rank1_mated: float  # mated searches whose mate is the top candidate
    peak_rss_mb: float
    index_kind: str
    thresholds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "identities": self.identities,
            "probes": self.probes,
            "enroll_seconds": round(self.enroll_seconds, 2),
            "index_seconds": round(self.index_seconds, 2),
            "search_latency_ms": {k: round(v, 2) for k, v in self.search_latency_ms.items()},
            "fnir_at_fpir": {k: round(v, 5) for k, v in self.fnir_at_fpir.items()},
            "rank1_mated": round(self.rank1_mated, 5),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "index_kind": self.index_kind,
            "thresholds": {k: round(v, 5) for k, v in self.thresholds.items()},
        }


def probe_fingers(seed: int, identity: int, stream: int) -> list[FingerTemplate]:
    """The ten fingers of one impression of a synthetic person."""
    masters = synthetic.make_person(seed, identity)
    ten = synthetic.person_impression(masters, synthetic.identity_rng(seed, identity, stream))
    return [ten.fingers[p] for p in ten.positions]


def _chunk(args: tuple[int, int, int]) -> FingerBatch:
    seed, start, stop = args
    subjects: list[int] = []
    templates: list[FingerTemplate] = []
    for identity in range(start, stop):
        fingers = probe_fingers(seed, identity, ENROLL)
        subjects.extend([identity] * len(fingers))
        templates.extend(fingers)
    return pack_fingers(subjects, templates, codes_of(templates, CodeParams()))


def enroll_synthetic(
    gallery: Gallery,
    *,
    identities: int,
    seed: int,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Enroll synthetic identities ``0 .. identities-1`` into ``gallery``, chunk by chunk,
    each chunk appended (one segment, atomically) as soon as it and those before it are made.

    A gallery that already holds identities ``0 .. k-1`` (a run stopped part way, or a
    smaller world of the same seed) keeps them: enrollment goes on from ``k``, so a stopped
    run resumes where it stopped. ``progress`` hears the ``k`` kept first, then each chunk.
    Raises ``GalleryError`` when the gallery holds anything but such a prefix.
    """
    start = enrolled_prefix(gallery)
    if start and progress:
        progress(min(start, identities))
    tasks = [(seed, a, min(a + CHUNK, identities)) for a in range(start, identities, CHUNK)]
    for batch in _map(_chunk, tasks, workers):
        gallery.append(batch)
        if progress:
            progress(len(np.unique(batch.subjects)))


def enrolled_prefix(gallery: Gallery) -> int:
    """How many synthetic identities ``gallery`` holds, when they are ``0 .. k-1`` (as
    ``enroll_synthetic`` appends them); ``GalleryError`` when it holds other subjects."""
    subjects = np.unique(gallery.subjects())
    if subjects.size and (subjects[0] != 0 or subjects[-1] != subjects.size - 1):
        raise GalleryError(
            f"the gallery at {gallery.path} holds subjects {subjects[0]}..{subjects[-1]} "
            f"({subjects.size} of them), not synthetic identities 0..k-1: give another "
            "data directory"
        )
    return int(subjects.size)


def _map(
    fn: Callable[[tuple[int, int, int]], FingerBatch],
    tasks: list[tuple[int, int, int]],
    workers: int,
) -> Iterator[FingerBatch]:
    if workers <= 1:
        yield from map(fn, tasks)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(fn, tasks)


def run_bench(
    *,
    data_dir: Path,
    identities: int,
    probes: int,
    seed: int,
    workers: int,
    search: SearchParams | None = None,
    index_params: IndexParams | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BenchResult:
    """Build (or reuse) a synthetic gallery under ``data_dir`` and measure searches on it."""

    def tick(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)

    gallery_dir = data_dir / "gallery"
    t0 = time.perf_counter()
    gallery = Gallery.open_or_create(gallery_dir, code_bytes=CodeParams().nbytes)
    enrolled = enrolled_prefix(gallery)
    if enrolled > identities:
        raise ValueError(
            f"{gallery_dir} holds {enrolled} identities, not {identities}: use another --data-dir"
        )
    if enrolled < identities:  # none yet, or a run stopped part way: go on from there
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            tick("enroll", done, identities)

        enroll_synthetic(gallery, identities=identities, seed=seed, workers=workers, progress=step)
    enroll_seconds = time.perf_counter() - t0

    t1 = time.perf_counter()
    index = CodeIndex.build(gallery, index_params)
    index_seconds = time.perf_counter() - t1
    # thresholds are calibrated below from the non-mated searches themselves
    provisional = Thresholds(match=np.inf, possible=np.inf)
    identifier = Identifier(gallery, index, provisional, search=search)

    rng = np.random.default_rng([seed, 7])
    mates = rng.choice(identities, size=min(probes, identities), replace=False)
    strangers = np.arange(identities, identities + probes)
    latencies: list[float] = []
    mated: list[Identification] = []
    nonmated: list[Identification] = []
    total = len(mates) + len(strangers)
    for k, (identity, bucket) in enumerate(
        [(int(i), mated) for i in mates] + [(int(i), nonmated) for i in strangers]
    ):
        fingers = probe_fingers(seed, identity, PROBE)
        s = time.perf_counter()
        bucket.append(identifier.identify(fingers))
        latencies.append((time.perf_counter() - s) * 1e3)
        tick("search", k + 1, total)

    best_nonmated = np.array([r.best.score if r.best else 0.0 for r in nonmated])
    mate_score = np.array(
        [
            r.best.score if r.best and r.best.subject == int(i) else -np.inf
            for r, i in zip(mated, mates, strict=True)
        ]
    )
    fnir: dict[str, float] = {}
    thresholds: dict[str, float] = {}
    for fpir in (0.01, 0.001):
        # as a search decides: never below the real-impostor floor of a ten-print
        calibrated = calibrate(best_nonmated, fpir_match=fpir, fpir_possible=fpir)
        t = calibrated.floored(10)[0]
        thresholds[str(fpir)] = t
        fnir[str(fpir)] = float(np.mean(mate_score < t))
    lat = np.array(latencies)
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return BenchResult(
        identities=identities,
        probes=len(mates),
        enroll_seconds=enroll_seconds,
        index_seconds=index_seconds,
        search_latency_ms={
            "p50": float(np.percentile(lat, 50)),
            "p95": float(np.percentile(lat, 95)),
        },
        fnir_at_fpir=fnir,
        rank1_mated=float(np.mean(np.isfinite(mate_score))),
        peak_rss_mb=peak_kb / 1024.0,
        index_kind=index.kind(1),
        thresholds=thresholds,
    )
