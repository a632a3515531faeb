"""Sample discovery and FVC comparison pairs, on the real FVC2002 tree and small made-up ones."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from liaison.biometrics import dataset
from liaison.biometrics.dataset import Sample, discover, fvc_pairs, group_by_database
from liaison.biometrics.errors import EvaluationError
from liaison.biometrics.extraction import IMAGE_SUFFIXES

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
FVC = DATA / "fvc2002"
DATABASES = ["DB1_B", "DB2_B", "DB3_B", "DB4_B"]


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def test_exports_are_pinned() -> None:
    assert sorted(dataset.__all__) == ["Sample", "discover", "fvc_pairs", "group_by_database"]


# --- the real FVC2002 tree ------------------------------------------------------------------


def test_discover_finds_the_320_fvc_templates_sorted() -> None:
    samples = discover(FVC)
    assert len(samples) == 320
    assert samples[0] == Sample(
        name="DB1_B-101_1",
        path=FVC / "DB1_B" / "101_1.iso",
        finger_id="DB1_B/101",
        impression=1,
    )
    assert samples[-1].name == "DB4_B-110_8"
    assert [s.name for s in samples] == sorted(s.name for s in samples)
    assert len({s.name for s in samples}) == 320
    assert all(s.path.is_file() and s.path.suffix == ".iso" for s in samples)


def test_names_fingers_and_impressions_follow_fvc_file_names() -> None:
    samples = {s.name: s for s in discover(FVC)}
    third = samples["DB1_B-101_3"]
    assert (third.finger_id, third.impression, third.database) == ("DB1_B/101", 3, "DB1_B")
    fingers = Counter(s.finger_id for s in samples.values())
    assert len(fingers) == 40  # finger 101 of DB1 and of DB2 are different fingers
    assert set(fingers.values()) == {8}
    assert {s.impression for s in samples.values()} == set(range(1, 9))


def test_discover_takes_other_suffixes() -> None:
    images = discover(FVC, suffixes=(".tif",))
    assert [s.name for s in images] == [s.name for s in discover(FVC)]
    with pytest.raises(EvaluationError, match="would both be named 'DB1_B-101_1'"):
        discover(FVC, suffixes=(".iso", ".tif"))  # a template and its image share a name


def test_the_fvc_images_beside_the_templates_are_found_by_the_image_suffixes() -> None:
    images = discover(FVC, suffixes=IMAGE_SUFFIXES)
    assert len(images) == 320
    assert {s.path.suffix for s in images} == {".tif"}
    assert [s.name for s in images] == [s.name for s in discover(FVC)]


def test_group_by_database_gives_80_samples_each() -> None:
    groups = group_by_database(discover(FVC))
    assert list(groups) == DATABASES
    assert {name: len(members) for name, members in groups.items()} == dict.fromkeys(DATABASES, 80)
    assert all(s.database == name for name, members in groups.items() for s in members)


@pytest.mark.parametrize("database", DATABASES)
def test_fvc_protocol_pair_counts_per_database(database: str) -> None:
    samples = group_by_database(discover(FVC))[database]
    genuine, impostor = fvc_pairs(samples)
    assert genuine.shape == (280, 2)
    assert impostor.shape == (2880, 2)
    _, first = fvc_pairs(samples, impostors="first")
    assert first.shape == (45, 2)

    fingers = np.array([s.finger_id for s in samples])
    impressions = np.array([s.impression for s in samples])
    for pairs in (genuine, impostor, first):
        assert pairs.dtype == np.int64
        assert (pairs[:, 0] < pairs[:, 1]).all()
        assert len({tuple(p) for p in pairs.tolist()}) == len(pairs)
    assert (fingers[genuine[:, 0]] == fingers[genuine[:, 1]]).all()
    assert (fingers[impostor[:, 0]] != fingers[impostor[:, 1]]).all()
    assert (impressions[first] == 1).all()
    assert len(genuine) + len(impostor) == 80 * 79 // 2  # every pair is one or the other


def test_pairs_over_the_whole_tree_never_cross_databases() -> None:
    samples = discover(FVC)
    genuine, impostor = fvc_pairs(samples)
    assert (genuine.shape, impostor.shape) == ((4 * 280, 2), (4 * 2880, 2))
    _, first = fvc_pairs(samples, impostors="first")
    assert first.shape == (4 * 45, 2)
    databases = np.array([s.database for s in samples])
    for pairs in (genuine, impostor, first):
        assert (databases[pairs[:, 0]] == databases[pairs[:, 1]]).all()


def test_pairs_index_the_samples_in_the_order_given() -> None:
    samples = group_by_database(discover(FVC))["DB3_B"]
    shuffled = samples.copy()
    random.Random(7).shuffle(shuffled)
    genuine, impostor = fvc_pairs(shuffled)

    def named(pairs: np.ndarray[Any, Any], order: list[Sample]) -> set[frozenset[str]]:
        return {frozenset((order[i].name, order[j].name)) for i, j in pairs.tolist()}

    reference_genuine, reference_impostor = fvc_pairs(samples)
    assert named(genuine, shuffled) == named(reference_genuine, samples)
    assert named(impostor, shuffled) == named(reference_impostor, samples)


# --- small made-up trees --------------------------------------------------------------------


def test_names_join_nested_folders_and_sort_numbers_as_numbers(tmp_path: Path) -> None:
    touch(tmp_path, "a/b/7_10.iso", "a/b/7_2.iso", "a/b/7_1.ISO", "top_3.iso", "notes.txt")
    samples = discover(tmp_path)
    assert [s.name for s in samples] == ["a-b-7_1", "a-b-7_2", "a-b-7_10", "top_3"]
    assert [s.finger_id for s in samples] == ["a/b/7", "a/b/7", "a/b/7", "top"]
    assert [s.impression for s in samples] == [1, 2, 10, 3]
    assert [s.database for s in samples] == ["a", "a", "a", ""]
    assert samples[0].path == tmp_path / "a" / "b" / "7_1.ISO"


def test_files_not_named_like_fvc_are_each_their_own_finger(tmp_path: Path) -> None:
    touch(tmp_path, "db/alice.iso", "db/bob.iso", "db/probe_x.iso")
    samples = discover(tmp_path)
    assert [(s.finger_id, s.impression) for s in samples] == [
        ("db/alice", 0),
        ("db/bob", 0),
        ("db/probe_x", 0),
    ]


def test_names_that_would_collide_are_refused(tmp_path: Path) -> None:
    touch(tmp_path, "a-b/1_1.iso", "a/b-1_1.iso")
    with pytest.raises(EvaluationError, match="would both be named 'a-b-1_1'"):
        discover(tmp_path)


def test_a_missing_or_empty_root_is_an_evaluation_error(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="is not a directory"):
        discover(tmp_path / "missing")
    touch(tmp_path, "image.tif")
    with pytest.raises(EvaluationError, match=r"no files ending in \.iso under"):
        discover(tmp_path)


def test_first_impostors_use_the_lowest_impression_present(tmp_path: Path) -> None:
    touch(tmp_path, "db/1_2.iso", "db/1_3.iso", "db/2_5.iso", "db/2_4.iso", "db/3_9.iso")
    samples = discover(tmp_path)
    genuine, first = fvc_pairs(samples, impostors="first")
    names = [s.name for s in samples]
    assert [(names[i], names[j]) for i, j in genuine.tolist()] == [
        ("db-1_2", "db-1_3"),
        ("db-2_4", "db-2_5"),
    ]
    assert [(names[i], names[j]) for i, j in first.tolist()] == [
        ("db-1_2", "db-2_4"),
        ("db-1_2", "db-3_9"),
        ("db-2_4", "db-3_9"),
    ]


def test_no_samples_or_no_genuine_pairs_is_an_evaluation_error(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="no samples"):
        fvc_pairs([])
    touch(tmp_path, "db/1_1.iso", "db/2_1.iso")
    with pytest.raises(EvaluationError, match="no genuine pairs among 2 samples"):
        fvc_pairs(discover(tmp_path))


def test_an_unknown_impostor_protocol_is_an_evaluation_error() -> None:
    samples = discover(FVC)
    with pytest.raises(EvaluationError, match="impostors must be 'all' or 'first'"):
        fvc_pairs(samples, impostors=cast(Any, "some"))
