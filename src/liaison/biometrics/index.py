"""Candidate retrieval: faiss binary indexes over the gallery's finger codes.

One index per finger position, because a booking's right thumb is only ever compared with
enrolled right thumbs. Small galleries use an exact Hamming scan (``IndexBinaryFlat``); from
``ivf_from`` rows on, an inverted-file index (``IndexBinaryIVF``, about ``4 * sqrt(n)`` lists)
visits only ``nprobe`` lists per query, so the work per search grows like ``sqrt(n)`` rather
than ``n``. faiss was chosen because it is the maintained library for exactly this (binary
codes, Hamming distance, inverted files, multithreaded search) and it persists indexes to disk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from liaison.biometrics.errors import GalleryError
from liaison.biometrics.gallery import Gallery

__all__ = ["CodeIndex", "IndexParams"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class IndexParams:
    """How the per-position indexes are built and searched."""

    # rows of one position from which an IVF index replaces the exact scan. IVF visits a share
    # of the rows, but a mate's finger code is only weakly near the probe's (median rank 256 of
    # 100,000), so its lists lose mates; the exact scan of 1M rows per position stays fast
    # enough (bench/ten_print_scaling.py)
    ivf_from: int = 2_000_000
    lists_per_sqrt: float = 4.0  # IVF lists = lists_per_sqrt * sqrt(rows)
    nprobe_fraction: float = 0.08  # share of the IVF lists visited by each query
    train_sample: int = 100_000  # codes used to train the IVF quantiser
    # OpenMP threads per search call. A call sends one code, which faiss does not split
    # usefully; more threads only spin, and on a busy 2-core machine that cost 80-250 ms of
    # CPU per ten-print search, against 1 ms on one thread
    search_threads: int = 1


class CodeIndex:
    """Per-finger-position binary indexes over a gallery's codes; ids are gallery rows."""

    def __init__(self, bits: int, params: IndexParams | None = None) -> None:
        self.bits = bits
        self.params = params or IndexParams()
        self._indexes: dict[int, faiss.IndexBinary] = {}

    @classmethod
    def build(cls, gallery: Gallery, params: IndexParams | None = None) -> CodeIndex:
        """Index every row of ``gallery`` under its finger position."""
        index = cls(gallery.code_bytes * 8, params)
        positions = gallery.positions()
        rows_by_position = {int(p): np.flatnonzero(positions == p) for p in np.unique(positions)}
        codes = _all_codes(gallery)
        for position, rows in rows_by_position.items():
            index._indexes[position] = index._make(codes[rows], rows.astype(np.int64))
        return index

    def _make(self, codes: npt.NDArray[np.uint8], ids: I64) -> faiss.IndexBinary:
        n = codes.shape[0]
        if n < self.params.ivf_from:
            flat = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(self.bits))
            flat.add_with_ids(codes, ids)
            return flat
        nlist = max(16, int(self.params.lists_per_sqrt * math.sqrt(n)))
        quantiser = faiss.IndexBinaryFlat(self.bits)
        ivf = faiss.IndexBinaryIVF(quantiser, self.bits, nlist)
        rng = np.random.default_rng(0)
        sample = codes[rng.choice(n, size=min(n, self.params.train_sample), replace=False)]
        ivf.train(sample)
        ivf.add_with_ids(codes, ids)
        ivf.nprobe = max(1, round(self.params.nprobe_fraction * nlist))
        # faiss's Python layer keeps a reference to the quantiser inside `ivf`
        return ivf

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(sorted(self._indexes))

    def kind(self, position: int) -> str:
        idx = self._indexes.get(position)
        return (
            "none" if idx is None else ("ivf" if isinstance(idx, faiss.IndexBinaryIVF) else "flat")
        )

    def search(
        self, position: int, codes: npt.NDArray[np.uint8], k: int
    ) -> tuple[I64, npt.NDArray[np.int32]]:
        """Up to ``k`` nearest rows per query code: (rows, Hamming distances), -1 = none."""
        idx = self._indexes.get(position)
        q = np.ascontiguousarray(codes.reshape(-1, self.bits // 8), dtype=np.uint8)
        if idx is None or idx.ntotal == 0:
            return (
                np.full((q.shape[0], k), -1, dtype=np.int64),
                np.zeros((q.shape[0], k), np.int32),
            )
        # the OpenMP thread count is per calling thread: other threads' searches are unaffected
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(self.params.search_threads)
        try:
            dist, rows = idx.search(q, min(k, int(idx.ntotal)))
        finally:
            faiss.omp_set_num_threads(threads)
        return rows.astype(np.int64), dist.astype(np.int32)

    def save(self, directory: Path) -> None:
        """Write every position's index next to the gallery, for a fast reopen."""
        directory.mkdir(parents=True, exist_ok=True)
        for position, idx in self._indexes.items():
            tmp = directory / f"pos-{position:02d}.faiss.tmp"
            faiss.write_index_binary(idx, str(tmp))
            tmp.replace(directory / f"pos-{position:02d}.faiss")

    @classmethod
    def load(cls, directory: Path, bits: int, params: IndexParams | None = None) -> CodeIndex:
        index = cls(bits, params)
        files = sorted(directory.glob("pos-*.faiss"))
        if not files:
            raise GalleryError(f"no saved index under {directory}")
        for f in files:
            idx = faiss.read_index_binary(str(f))
            if idx.d != bits:
                raise GalleryError(f"{f} indexes {idx.d}-bit codes, expected {bits}")
            index._indexes[int(f.name[4:6])] = idx
        return index


def _all_codes(gallery: Gallery) -> npt.NDArray[np.uint8]:
    parts = [np.asarray(codes) for _, codes in gallery.iter_codes()]
    if not parts:
        return np.zeros((0, gallery.code_bytes), dtype=np.uint8)
    return np.ascontiguousarray(np.concatenate(parts))
