"""Extraction in a pool keeps each image's template in the cache the moment that image is done,
reports it to ``progress`` then, and a run stopped part way resumes where it stopped.

The pool is a thread pool and the extractor a stand-in here, so that one image can be held
back for as long as the test needs: the real pool's processes and pyfing only add time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from liaison.biometrics import extraction
from liaison.biometrics.errors import ExtractionError
from liaison.biometrics.extraction import Method, TemplateCache, extract_files
from liaison.biometrics.model import FingerPosition, FingerTemplate, minutiae_array

IMAGES = 6
HELD_S = 20.0  # how long the held image waits at most: past it the test has failed anyway


def template_of(path: Path) -> FingerTemplate:
    """A small template that names its image (in its width), so results can be told apart."""
    number = int(path.stem.split("_")[1])
    k = np.arange(1, 13)
    minutiae = minutiae_array(10.0 + 7 * k, 20.0 + 5 * k, 0.5 * k, np.ones(12), np.full(12, 60))
    return FingerTemplate(FingerPosition.UNKNOWN, 300 + number, 400, minutiae)


def thread_pool(workers: int, **_: object) -> ThreadPoolExecutor:
    """``ProcessPoolExecutor``'s place: the same calls, in threads of this process."""
    return ThreadPoolExecutor(workers)


class Extractor:
    """Stands in for ``_extract_file``: every image at once, except ``held``, which waits
    until ``release`` (or ``HELD_S``); it records what it extracted and when each finished."""

    def __init__(self, held: Path | None = None) -> None:
        self.held = held
        self.release = threading.Event()
        self.extracted: list[Path] = []
        self.held_done = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, path: Path, method: Method, ppi: int | None) -> FingerTemplate:
        if path == self.held:
            self.release.wait(HELD_S)
            self.held_done.set()
        with self._lock:
            self.extracted.append(path)
        return template_of(path)


@pytest.fixture
def images(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "images"
    folder.mkdir()
    paths = []
    for i in range(IMAGES):
        path = folder / f"101_{i}.png"
        path.write_bytes(f"image {i}".encode())  # only its bytes matter: they key the cache
        paths.append(path)
    return paths


def cached(cache_dir: Path) -> int:
    return len(list(cache_dir.rglob("*.iso")))


def run(
    paths: list[Path],
    cache_dir: Path,
    extractor: Extractor,
    monkeypatch: pytest.MonkeyPatch,
    progress: Callable[[int, int], None] | None = None,
) -> list[FingerTemplate]:
    monkeypatch.setattr(extraction, "ProcessPoolExecutor", thread_pool)
    monkeypatch.setattr(extraction, "_extract_file", extractor)
    return extract_files(
        paths,
        method=Method.CLASSICAL,
        cache=TemplateCache(cache_dir),
        workers=2,
        progress=progress,
    )


def test_each_finished_image_is_cached_and_reported_while_others_still_run(
    images: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    slow = Extractor(held=images[0])  # submitted first: the others finish while it runs
    seen: list[tuple[int, int, bool]] = []  # (done, records cached, held image finished)

    def progress(done: int, total: int) -> None:
        seen.append((done, cached(cache_dir), slow.held_done.is_set()))
        if done == total - 1:
            slow.release.set()

    templates = run(images, cache_dir, slow, monkeypatch, progress)

    assert [t.width for t in templates] == [300 + i for i in range(IMAGES)]  # in order
    # every image was reported and cached the moment it was done, the held one last, and
    # the others before it finished: nothing waited for the slowest
    assert [done for done, _, _ in seen] == list(range(IMAGES + 1))
    assert all(records == done for done, records, _ in seen)
    assert not any(held for done, _, held in seen if done < IMAGES)
    assert cached(cache_dir) == IMAGES


def test_an_interrupted_run_keeps_what_finished_and_the_next_does_only_the_rest(
    images: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    slow = Extractor(held=images[0])
    stopped_at: list[tuple[int, bool]] = []

    def interrupt(done: int, total: int) -> None:
        if done == total - 1:  # all but the held image done: Ctrl-C now
            stopped_at.append((cached(cache_dir), slow.held_done.is_set()))
            slow.release.set()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(images, cache_dir, slow, monkeypatch, interrupt)
    # stopped while the held image was still being extracted, the others already kept
    assert stopped_at == [(IMAGES - 1, False)]

    again = Extractor()
    templates = run(images, cache_dir, again, monkeypatch)
    assert again.extracted == [images[0]]  # only what the first run had not finished
    assert [t.width for t in templates] == [300 + i for i in range(IMAGES)]
    assert cached(cache_dir) == IMAGES


def test_after_a_failure_the_images_under_way_are_kept_and_the_failure_raised(
    images: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    bad = images[3]

    class Failing(Extractor):
        def __call__(self, path: Path, method: Method, ppi: int | None) -> FingerTemplate:
            if path == bad:
                raise ExtractionError(f"{path}: the image is blank")
            return super().__call__(path, method, ppi)

    with pytest.raises(ExtractionError, match=r"101_3\.png: the image is blank"):
        run(images, cache_dir, Failing(), monkeypatch)
    # those done before the failure (every image submitted before it started before it), and
    # those under way at it; none after it is started
    kept = cached(cache_dir)
    assert 3 <= kept < IMAGES

    again = Extractor()
    run([p for p in images if p != bad], cache_dir, again, monkeypatch)
    assert len(again.extracted) == IMAGES - 1 - kept
