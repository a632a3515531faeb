"""The enrolled fingers of the identity repository, on disk.

A gallery is a directory of append-only *segments* plus a ``manifest.json`` naming them. A
segment holds, for each enrolled finger (a *row*): the subject it belongs to, its finger
position, its image size, its retrieval code, and its minutiae packed at ISO/IEC 19794-2
precision (6 bytes each: x, y as uint16, angle and kind as one byte). Arrays are ``.npy`` files
opened memory-mapped, so reopening a gallery of millions of fingers takes seconds and memory
is paged in only where a search touches it.

Writes never change a segment in place: a new segment is written to a temporary directory,
flushed, renamed, and only then the manifest is replaced (also by an atomic rename). A crash
at any point leaves either the old gallery or the new one, never a half-written segment that
a reader would trust; stray temporary directories are removed on the next open.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from liaison.biometrics.errors import GalleryError
from liaison.biometrics.model import (
    ANGLE,
    KIND,
    FingerPosition,
    FingerTemplate,
    X,
    Y,
    minutiae_array,
)

__all__ = ["MINUTIA_DTYPE", "FingerBatch", "Gallery", "pack_fingers"]

FORMAT = "liaison-gallery/1"
MINUTIA_DTYPE = np.dtype([("x", "<u2"), ("y", "<u2"), ("angle", "u1"), ("kind", "u1")])
_ARRAYS = ("subjects", "positions", "sizes", "offsets", "minutiae", "codes")

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FingerBatch:
    """Fingers ready to append: one row each, minutiae concatenated with offsets."""

    subjects: I64  # (f,) subject number of each finger
    positions: npt.NDArray[np.uint8]  # (f,) finger position codes
    sizes: npt.NDArray[np.uint16]  # (f, 2) image width, height
    offsets: I64  # (f + 1,) start of each finger's minutiae in `minutiae`
    minutiae: npt.NDArray[np.void]  # (m,) MINUTIA_DTYPE
    codes: npt.NDArray[np.uint8]  # (f, code bytes)

    def __len__(self) -> int:
        return int(self.subjects.shape[0])


def pack_fingers(
    subjects: Sequence[int], templates: Sequence[FingerTemplate], codes: npt.NDArray[np.uint8]
) -> FingerBatch:
    """Pack templates (and their precomputed codes) into one batch of rows."""
    if not (len(subjects) == len(templates) == codes.shape[0]):
        raise GalleryError("subjects, templates and codes must have one entry per finger")
    counts = np.array([t.count for t in templates], dtype=np.int64)
    offsets = np.zeros(len(templates) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    allm = (
        np.concatenate([t.minutiae for t in templates])
        if templates
        else np.zeros((0, 5), dtype=np.float32)
    )
    packed = np.zeros(allm.shape[0], dtype=MINUTIA_DTYPE)
    packed["x"] = np.clip(np.rint(allm[:, X]), 0, 16383)
    packed["y"] = np.clip(np.rint(allm[:, Y]), 0, 16383)
    packed["angle"] = np.rint(allm[:, ANGLE] * 256 / (2 * np.pi)).astype(np.int64) % 256
    packed["kind"] = allm[:, KIND]
    return FingerBatch(
        subjects=np.asarray(subjects, dtype=np.int64),
        positions=np.array([int(t.position) for t in templates], dtype=np.uint8),
        sizes=np.array([(t.width, t.height) for t in templates], dtype=np.uint16).reshape(-1, 2),
        offsets=offsets,
        minutiae=packed,
        codes=np.ascontiguousarray(codes, dtype=np.uint8),
    )


@dataclass(frozen=True, slots=True)
class _Segment:
    name: str
    first_row: int
    subjects: I64
    positions: npt.NDArray[np.uint8]
    sizes: npt.NDArray[np.uint16]
    offsets: I64
    minutiae: npt.NDArray[np.void]
    codes: npt.NDArray[np.uint8]

    @property
    def rows(self) -> int:
        return int(self.subjects.shape[0])


class Gallery:
    """An append-only, memory-mapped store of enrolled fingers."""

    def __init__(self, path: Path, code_bytes: int, segments: list[_Segment]) -> None:
        self.path = path
        self.code_bytes = code_bytes
        self._segments = segments

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, *, code_bytes: int) -> Gallery:
        """Make an empty gallery at ``path`` (which must not hold one already)."""
        if (path / "manifest.json").exists():
            raise GalleryError(f"a gallery already exists at {path}")
        path.mkdir(parents=True, exist_ok=True)
        _write_manifest(path, {"format": FORMAT, "code_bytes": code_bytes, "segments": []})
        return cls(path, code_bytes, [])

    @classmethod
    def open(cls, path: Path) -> Gallery:
        """Open an existing gallery; its arrays are memory-mapped, not read."""
        manifest_path = path / "manifest.json"
        if not manifest_path.exists():
            raise GalleryError(f"no gallery at {path} (manifest.json is missing)")
        try:
            manifest = json.loads(manifest_path.read_text())
        except json.JSONDecodeError as exc:
            raise GalleryError(f"{manifest_path} is not valid JSON: {exc}") from exc
        if manifest.get("format") != FORMAT:
            raise GalleryError(f"{manifest_path} has format {manifest.get('format')!r}")
        for stray in path.glob(".tmp-*"):
            shutil.rmtree(stray, ignore_errors=True)  # an append that crashed before its rename
        segments: list[_Segment] = []
        first = 0
        for name in manifest["segments"]:
            seg = _load_segment(path / name, name, first, int(manifest["code_bytes"]))
            segments.append(seg)
            first += seg.rows
        return cls(path, int(manifest["code_bytes"]), segments)

    @classmethod
    def open_or_create(cls, path: Path, *, code_bytes: int) -> Gallery:
        if (path / "manifest.json").exists():
            gallery = cls.open(path)
            if gallery.code_bytes != code_bytes:
                raise GalleryError(
                    f"gallery at {path} holds {gallery.code_bytes}-byte codes, not {code_bytes}"
                )
            return gallery
        return cls.create(path, code_bytes=code_bytes)

    # -- writing -----------------------------------------------------------------------------
    def append(self, batch: FingerBatch) -> range:
        """Write ``batch`` as a new segment; returns the row numbers it was given."""
        if len(batch) == 0:
            return range(self.rows, self.rows)
        if batch.codes.shape != (len(batch), self.code_bytes):
            raise GalleryError(
                f"codes have shape {batch.codes.shape}, expected ({len(batch)}, {self.code_bytes})"
            )
        if batch.offsets[-1] != batch.minutiae.shape[0]:
            raise GalleryError("minutiae offsets do not cover the minutiae given")
        name = f"seg-{len(self._segments):06d}"
        tmp = self.path / f".tmp-{name}-{os.getpid()}"
        tmp.mkdir()
        for field in _ARRAYS:
            with open(tmp / f"{field}.npy", "wb") as fh:
                np.save(fh, getattr(batch, field))
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, self.path / name)
        names = [s.name for s in self._segments] + [name]
        _write_manifest(
            self.path, {"format": FORMAT, "code_bytes": self.code_bytes, "segments": names}
        )
        first = self.rows
        self._segments.append(_load_segment(self.path / name, name, first, self.code_bytes))
        return range(first, first + len(batch))

    # -- reading -----------------------------------------------------------------------------
    @property
    def rows(self) -> int:
        return sum(s.rows for s in self._segments)

    @property
    def segments(self) -> int:
        return len(self._segments)

    def subjects(self) -> I64:
        """Subject of every row, in row order."""
        if not self._segments:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.asarray(s.subjects) for s in self._segments])

    def positions(self) -> npt.NDArray[np.uint8]:
        """Finger position of every row, in row order."""
        if not self._segments:
            return np.zeros(0, dtype=np.uint8)
        return np.concatenate([np.asarray(s.positions) for s in self._segments])

    def iter_codes(self) -> Iterator[tuple[int, npt.NDArray[np.uint8]]]:
        """(first row, codes) of each segment, for building indexes without one big copy."""
        for s in self._segments:
            yield s.first_row, s.codes

    def template(self, row: int) -> FingerTemplate:
        """The enrolled finger at ``row``, at the precision it was stored with."""
        seg = self._segment_of(row)
        i = row - seg.first_row
        m = seg.minutiae[seg.offsets[i] : seg.offsets[i + 1]]
        minutiae = minutiae_array(
            m["x"], m["y"], m["angle"].astype(np.float64) * (2 * np.pi / 256), m["kind"]
        )
        width, height = (int(v) for v in seg.sizes[i])
        return FingerTemplate(
            position=FingerPosition(int(seg.positions[i])),
            width=width,
            height=height,
            minutiae=minutiae,
        )

    def subject_of(self, row: int) -> int:
        seg = self._segment_of(row)
        return int(seg.subjects[row - seg.first_row])

    def _segment_of(self, row: int) -> _Segment:
        if row < 0 or row >= self.rows:
            raise GalleryError(f"row {row} is outside the gallery's {self.rows} rows")
        for s in self._segments:
            if row < s.first_row + s.rows:
                return s
        raise GalleryError(f"row {row} not found")  # unreachable: rows checked above


def _write_manifest(path: Path, manifest: dict[str, object]) -> None:
    tmp = path / f"manifest.json.tmp-{os.getpid()}"
    with open(tmp, "w") as fh:
        json.dump(manifest, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path / "manifest.json")


def _load_segment(path: Path, name: str, first_row: int, code_bytes: int) -> _Segment:
    arrays: dict[str, Any] = {}  # each field has its own dtype; shapes are checked below
    for field in _ARRAYS:
        f = path / f"{field}.npy"
        if not f.exists():
            raise GalleryError(f"segment {name} is missing {field}.npy")
        try:
            arrays[field] = np.load(f, mmap_mode="r", allow_pickle=False)
        except ValueError as exc:
            raise GalleryError(f"segment {name}: {field}.npy is unreadable: {exc}") from exc
    rows = arrays["subjects"].shape[0]
    if (
        arrays["positions"].shape != (rows,)
        or arrays["sizes"].shape != (rows, 2)
        or arrays["offsets"].shape != (rows + 1,)
        or arrays["codes"].shape != (rows, code_bytes)
        or int(arrays["offsets"][-1]) != arrays["minutiae"].shape[0]
    ):
        raise GalleryError(f"segment {name} has arrays of inconsistent shapes")
    return _Segment(name=name, first_row=first_row, **arrays)
