"""Enrollment keeps what it finished and resumes where it stopped: a directory of templates
(``services.enroll_directory``, with its journal) and a synthetic world
(``benchmark.enroll_synthetic``), each stopped after some chunks by an exception."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from liaison.biometrics import benchmark, enroll_journal, services
from liaison.biometrics.benchmark import enroll_synthetic, enrolled_prefix
from liaison.biometrics.codes import CodeParams
from liaison.biometrics.enroll_journal import journal_of, next_subject
from liaison.biometrics.errors import GalleryError
from liaison.biometrics.gallery import FingerBatch, Gallery

# tests/unit/biometrics/this file: parents[4] is the folder beside the project root
FVC = Path(__file__).resolve().parents[4] / "shared" / "data" / "fvc2002" / "DB1_B"
CODE_BYTES = CodeParams().nbytes


class Stop(Exception):
    """Stands for a kill: raised from inside the run after some chunks."""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Fingers 101-105 of DB1_B, impressions 1-2: 10 template files."""
    folder = tmp_path / "probe" / "DB1_B"
    folder.mkdir(parents=True)
    for finger in range(101, 106):
        for impression in (1, 2):
            shutil.copy(FVC / f"{finger}_{impression}.iso", folder)
    return tmp_path / "probe"


def test_a_stopped_directory_enrollment_keeps_its_chunks_and_resumes(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gallery = Gallery.create(tmp_path / "gallery", code_bytes=CODE_BYTES)
    labels = tmp_path / "data" / "labels.tsv"
    monkeypatch.setattr(services, "ENROLL_CHUNK", 3)
    heard: list[tuple[int, int]] = []

    def stop_after_two_chunks(done: int, total: int) -> None:
        heard.append((done, total))
        if done == 6:
            raise Stop

    with pytest.raises(Stop):
        services.enroll_directory(
            gallery=gallery, root=root, labels_file=labels, progress=stop_after_two_chunks
        )
    assert heard == [(0, 10), (3, 10), (6, 10)]
    kept = Gallery.open(gallery.path)
    assert np.unique(kept.subjects()).tolist() == [1, 2, 3, 4, 5, 6]
    assert len(services.read_labels(labels)) == 6
    assert journal_of(labels, root).exists()

    heard.clear()
    again = services.enroll_directory(
        gallery=kept, root=root, labels_file=labels, progress=lambda d, t: heard.append((d, t))
    )
    assert again == 4  # only the rest
    assert heard == [(6, 10), (9, 10), (10, 10)]
    assert np.unique(kept.subjects()).tolist() == list(range(1, 11))
    assert kept.rows == 10
    names = services.read_labels(labels)
    assert sorted(names) == list(range(1, 11))
    assert (names[1], names[10]) == ("DB1_B-101_1", "DB1_B-105_2")
    assert not journal_of(labels, root).exists()
    # finished: a further run enrolls the files again, as new subjects
    assert services.enroll_directory(gallery=kept, root=root, labels_file=labels) == 10
    assert kept.rows == 20


def test_a_stop_between_the_gallery_and_the_labels_is_labelled_on_resume(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gallery = Gallery.create(tmp_path / "gallery", code_bytes=CODE_BYTES)
    labels = tmp_path / "labels.tsv"
    monkeypatch.setattr(services, "ENROLL_CHUNK", 4)
    real_append = enroll_journal.append_labels
    calls = 0

    def append_then_die(path: Path, rows: list[tuple[int, str]]) -> None:
        nonlocal calls
        calls += rows != []
        if calls == 2:  # the second chunk is in the gallery, its labels not written
            raise Stop
        real_append(path, rows)

    monkeypatch.setattr(services, "append_labels", append_then_die)
    with pytest.raises(Stop):
        services.enroll_directory(gallery=gallery, root=root, labels_file=labels)
    assert Gallery.open(gallery.path).rows == 8
    assert len(services.read_labels(labels)) == 4

    monkeypatch.setattr(services, "append_labels", real_append)
    kept = Gallery.open(gallery.path)
    assert services.enroll_directory(gallery=kept, root=root, labels_file=labels) == 2
    assert kept.rows == 10
    assert sorted(services.read_labels(labels)) == list(range(1, 11))


def test_a_resume_refuses_changed_files_and_others_number_past_a_stopped_run(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gallery = Gallery.create(tmp_path / "gallery", code_bytes=CODE_BYTES)
    labels = tmp_path / "labels.tsv"
    monkeypatch.setattr(services, "ENROLL_CHUNK", 5)

    def stop(done: int, total: int) -> None:
        if done == 5:
            raise Stop

    with pytest.raises(Stop):
        services.enroll_directory(gallery=gallery, root=root, labels_file=labels, progress=stop)
    # subjects 6-10 are promised to the stopped run: another enrollment starts at 11
    assert next_subject(gallery.subjects(), tmp_path) == 11
    (root / "DB1_B" / "105_2.iso").unlink()
    with pytest.raises(GalleryError, match="changed since an enrollment of them stopped"):
        services.enroll_directory(gallery=gallery, root=root, labels_file=labels)


def test_a_stopped_synthetic_enrollment_resumes_after_its_last_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(benchmark, "CHUNK", 10)
    gallery = Gallery.create(tmp_path / "g", code_bytes=CODE_BYTES)
    added: list[int] = []

    def stop_after_two_chunks(n: int) -> None:
        added.append(n)
        if len(added) == 2:
            raise Stop

    with pytest.raises(Stop):
        enroll_synthetic(gallery, identities=45, seed=3, workers=1, progress=stop_after_two_chunks)
    kept = Gallery.open(gallery.path)
    assert enrolled_prefix(kept) == 20

    made: list[tuple[int, int, int]] = []
    real_chunk = benchmark._chunk

    def counted(task: tuple[int, int, int]) -> FingerBatch:
        made.append(task)
        return real_chunk(task)

    monkeypatch.setattr(benchmark, "_chunk", counted)
    added.clear()
    enroll_synthetic(kept, identities=45, seed=3, workers=1, progress=added.append)
    assert [start for _, start, _ in made] == [20, 30, 40]  # only the rest was made
    assert added == [20, 10, 10, 5]
    assert np.unique(kept.subjects()).tolist() == list(range(45))

    whole = Gallery.create(tmp_path / "whole", code_bytes=CODE_BYTES)
    enroll_synthetic(whole, identities=45, seed=3, workers=1)
    for row in (0, 199, 449):  # the same fingers as an enrollment that never stopped
        assert kept.template(row).same_as(whole.template(row))


def test_a_gallery_of_other_subjects_is_not_taken_for_a_synthetic_prefix(
    root: Path, tmp_path: Path
) -> None:
    gallery = Gallery.create(tmp_path / "g", code_bytes=CODE_BYTES)
    services.enroll_directory(gallery=gallery, root=root, labels_file=tmp_path / "l.tsv")
    with pytest.raises(GalleryError, match="not synthetic identities"):
        enroll_synthetic(gallery, identities=10, seed=3, workers=1)
