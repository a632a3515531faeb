from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from liaison.biometrics import services
from liaison.biometrics.benchmark import PROBE, enroll_synthetic, probe_fingers
from liaison.biometrics.errors import (
    CaptureError,
    EvaluationError,
    ExtractionError,
    GalleryError,
    TemplateError,
)
from liaison.biometrics.extraction import Method
from liaison.biometrics.gallery import Gallery
from liaison.biometrics.identification import Decision, Identifier, SearchParams, Thresholds
from liaison.biometrics.index import CodeIndex
from liaison.biometrics.iso19794 import load_template, write_record
from liaison.biometrics.model import FingerPosition, FingerTemplate, minutiae_array

# tests/unit/biometrics/this file: parents[3] is the project root, beside ../shared
FVC = Path(__file__).resolve().parents[4] / "shared" / "data" / "fvc2002"
CODE_BYTES = 128


def _copy(
    dest: Path,
    fingers: range,
    impressions: range,
    database: str = "DB1_B",
    suffixes: tuple[str, ...] = (".iso",),
) -> Path:
    """Copy FVC2002 files ``FFF_I.iso`` (or other suffixes) of one database into
    ``dest/<database>``."""
    folder = dest / database
    folder.mkdir(parents=True, exist_ok=True)
    for finger in fingers:
        for impression in impressions:
            for suffix in suffixes:
                name = f"{finger}_{impression}{suffix}"
                shutil.copy(FVC / database / name, folder / name)
    return dest


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fingers 101-103 of DB1_B, all 8 impressions each."""
    return _copy(tmp_path_factory.mktemp("fvc"), range(101, 104), range(1, 9))


@pytest.fixture
def gallery(tmp_path: Path) -> Gallery:
    return Gallery.create(tmp_path / "gallery", code_bytes=CODE_BYTES)


def _template(x: float = 10.0) -> FingerTemplate:
    return FingerTemplate(
        position=FingerPosition.RIGHT_INDEX,
        width=300,
        height=400,
        minutiae=minutiae_array(
            [x, 120.0, 200.0], [30.0, 150.0, 300.0], [0.5, 2.0, 4.0], [1, 2, 1]
        ),
    )


def test_load_samples_returns_checked_templates_in_sample_order(subset: Path) -> None:
    loaded = services.load_samples(subset)
    assert [sample.name for sample, _ in loaded[:3]] == [
        "DB1_B-101_1",
        "DB1_B-101_2",
        "DB1_B-101_3",
    ]
    assert len(loaded) == 24
    first_sample, first_template = loaded[0]
    assert first_template.same_as(load_template(first_sample.path))


def test_a_truncated_file_is_named_with_the_field(tmp_path: Path) -> None:
    root = _copy(tmp_path, range(101, 102), range(1, 3))
    bad = root / "DB1_B" / "101_2.iso"
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.raises(TemplateError, match=r"101_2\.iso: record length at byte 8") as info:
        services.load_samples(root)
    assert info.value.field == "record length"


def test_an_unusable_capture_is_named_with_its_file(tmp_path: Path) -> None:
    empty = FingerTemplate(
        position=FingerPosition.UNKNOWN, width=300, height=400, minutiae=minutiae_array([], [], [])
    )
    (tmp_path / "lone_1.iso").write_bytes(write_record([empty]))
    with pytest.raises(CaptureError, match=r"lone_1\.iso: .*0 minutiae"):
        services.load_samples(tmp_path)


def test_an_empty_folder_is_an_evaluation_error(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match=r"no files ending in \.iso"):
        services.load_samples(tmp_path)


def test_enroll_appends_one_row_per_template(gallery: Gallery) -> None:
    rows = services.enroll(gallery=gallery, subjects=[7, 7, 9], templates=[_template()] * 3)
    assert rows == range(0, 3)
    assert gallery.subjects().tolist() == [7, 7, 9]
    assert Gallery.open(gallery.path).rows == 3


def test_enroll_is_all_or_nothing(gallery: Gallery) -> None:
    services.enroll(gallery=gallery, subjects=[1], templates=[_template()])
    batch = [_template(), _template(x=-5.0), _template()]
    with pytest.raises(CaptureError, match=r"template 1 \(subject 3\): .*x = -5"):
        services.enroll(gallery=gallery, subjects=[2, 3, 4], templates=batch)
    assert gallery.rows == 1
    reopened = Gallery.open(gallery.path)
    assert reopened.rows == 1
    assert reopened.segments == 1


def test_enroll_refuses_mismatched_subjects_and_foreign_codes(tmp_path: Path) -> None:
    gallery = Gallery.create(tmp_path / "g", code_bytes=CODE_BYTES)
    with pytest.raises(GalleryError, match="2 subjects for 1 templates"):
        services.enroll(gallery=gallery, subjects=[1, 2], templates=[_template()])
    other = Gallery.create(tmp_path / "other", code_bytes=64)
    with pytest.raises(GalleryError, match="64-byte codes"):
        services.enroll(gallery=other, subjects=[1], templates=[_template()])
    assert gallery.rows == other.rows == 0


def test_enroll_directory_numbers_subjects_after_the_largest(
    tmp_path: Path, gallery: Gallery
) -> None:
    services.enroll(gallery=gallery, subjects=[41], templates=[_template()])
    root = _copy(tmp_path / "probe", range(101, 103), range(1, 2))
    labels = tmp_path / "data" / "labels.tsv"
    assert services.enroll_directory(gallery=gallery, root=root, labels_file=labels) == 2
    assert gallery.subjects().tolist() == [41, 42, 43]
    assert labels.read_text() == "42\tDB1_B-101_1\n43\tDB1_B-102_1\n"
    assert services.enroll_directory(gallery=gallery, root=root, labels_file=labels) == 2
    assert services.read_labels(labels) == {
        42: "DB1_B-101_1",
        43: "DB1_B-102_1",
        44: "DB1_B-101_1",
        45: "DB1_B-102_1",
    }


def test_enroll_directory_with_a_bad_file_writes_nothing(tmp_path: Path, gallery: Gallery) -> None:
    root = _copy(tmp_path / "probe", range(101, 104), range(1, 2))
    bad = root / "DB1_B" / "103_1.iso"
    bad.write_bytes(bad.read_bytes()[:-3])
    labels = tmp_path / "labels.tsv"
    with pytest.raises(TemplateError, match=r"103_1\.iso"):
        services.enroll_directory(gallery=gallery, root=root, labels_file=labels)
    assert Gallery.open(gallery.path).rows == 0
    assert not labels.exists()


def test_read_labels_of_no_file_is_empty_and_a_bad_line_is_named(tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    assert services.read_labels(labels) == {}
    labels.write_text("1\tA\nB without a subject\n")
    with pytest.raises(GalleryError, match="line 2"):
        services.read_labels(labels)


def test_score_matrix_csv_is_square_named_and_symmetric(subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "scores.csv"
    heard: list[tuple[str, int, int]] = []
    count = services.score_matrix_csv(root=subset, out=out, progress=lambda *a: heard.append(a))
    assert count == 24
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    names = [f"DB1_B-{f}_{i}" for f in range(101, 104) for i in range(1, 9)]
    assert rows[0] == ["sample", *names]
    assert [row[0] for row in rows[1:]] == names
    assert all(
        len(row) == 25 and all(len(v.split(".")[1]) == 6 for v in row[1:]) for row in rows[1:]
    )
    matrix = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    assert np.array_equal(matrix, matrix.T)
    assert heard[0] == ("matching", 0, 300)
    assert heard[-1] == ("matching", 300, 300)
    assert [p.name for p in out.parent.iterdir()] == ["scores.csv"]  # no temporary left behind


def test_evaluate_follows_the_fvc_protocol_per_database(tmp_path: Path) -> None:
    root = _copy(tmp_path, range(101, 104), range(1, 9))
    _copy(root, range(101, 103), range(1, 5), database="DB2_B")
    results = services.evaluate_databases(root=root)
    assert list(results) == ["DB1_B", "DB2_B"]
    assert (results["DB1_B"].genuine, results["DB1_B"].impostor) == (3 * 28, 3 * 64)
    assert (results["DB2_B"].genuine, results["DB2_B"].impostor) == (2 * 6, 16)
    rates = services.evaluate(root=root, impostors="first")
    for r in rates.values():
        assert 0.0 <= r.eer <= 1.0
        assert 0.0 <= r.fmr100 <= r.fmr1000 <= r.zero_fmr <= 1.0
    assert results["DB1_B"].rates.eer < 0.2


def test_evaluate_names_a_root_database_after_its_folder(tmp_path: Path) -> None:
    root = tmp_path / "loose"
    root.mkdir()
    for name in ("101_1", "101_2", "102_1", "102_2"):
        shutil.copy(FVC / "DB1_B" / f"{name}.iso", root / f"{name}.iso")
    assert list(services.evaluate(root=root)) == ["loose"]


def test_evaluate_refuses_bad_requests_before_matching(tmp_path: Path) -> None:
    root = _copy(tmp_path, range(101, 102), range(1, 3))
    with pytest.raises(EvaluationError, match="'all' or 'first'"):
        services.evaluate(root=root, impostors="some")
    heard: list[tuple[str, int, int]] = []
    with pytest.raises(EvaluationError, match="one finger"):
        services.evaluate(root=root, progress=lambda *a: heard.append(a))
    assert heard == []


# --- images: minutiae extracted first --------------------------------------------------------


def _images(cache: Path) -> services.ImageOptions:
    return services.ImageOptions(method=Method.CLASSICAL, cache_dir=cache, workers=1)


def test_a_folder_of_templates_and_images_gives_either(tmp_path: Path) -> None:
    root = _copy(tmp_path / "fvc", range(101, 103), range(1, 3), suffixes=(".iso", ".tif"))
    templates = services.load_fingers(root)
    heard: list[tuple[str, int, int]] = []
    extracted = services.load_fingers(
        root, images=_images(tmp_path / "cache"), progress=lambda *a: heard.append(a)
    )
    assert [s.name for s, _ in templates] == [s.name for s, _ in extracted]
    assert {s.path.suffix for s, _ in templates} == {".iso"}
    assert {s.path.suffix for s, _ in extracted} == {".tif"}
    # the ISO records' SDK stretched each image to 300x400; extraction keeps the image's size
    assert {(t.width, t.height) for _, t in templates} == {(300, 400)}
    assert {(t.width, t.height) for _, t in extracted} == {(388, 374)}
    assert all(t.quality > 0 for _, t in extracted)
    assert heard[-1] == ("extracting", 4, 4)


def test_evaluate_on_images_follows_the_fvc_protocol(tmp_path: Path) -> None:
    root = _copy(tmp_path / "fvc", range(101, 104), range(1, 4), suffixes=(".tif",))
    heard: list[tuple[str, int, int]] = []
    results = services.evaluate_databases(
        root=root, images=_images(tmp_path / "cache"), progress=lambda *a: heard.append(a)
    )
    assert (results["DB1_B"].genuine, results["DB1_B"].impostor) == (3 * 3, 27)
    assert results["DB1_B"].rates.eer < 0.2
    assert ("extracting", 9, 9) in heard
    assert heard[-1][0] == "DB1_B"
    with pytest.raises(EvaluationError, match=r"no files ending in \.tif"):
        services.evaluate_databases(
            root=_copy(tmp_path / "iso", range(101, 103), range(1, 3)),
            images=_images(tmp_path / "cache"),
        )


def test_evaluate_on_images_refuses_a_one_finger_database_before_extracting(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path / "fvc", range(101, 102), range(1, 3), suffixes=(".tif",))
    heard: list[tuple[str, int, int]] = []
    with pytest.raises(EvaluationError, match="one finger"):
        services.evaluate_databases(
            root=root, images=_images(tmp_path / "cache"), progress=lambda *a: heard.append(a)
        )
    assert heard == []


def test_an_image_without_a_fingerprint_is_named_before_matching(tmp_path: Path) -> None:
    root = _copy(tmp_path / "fvc", range(101, 103), range(1, 3), suffixes=(".tif",))
    blank = root / "DB1_B" / "103_1.png"
    Image.fromarray(np.full((300, 300), 200, np.uint8)).save(blank)
    shutil.copy(FVC / "DB1_B" / "103_2.tif", root / "DB1_B")
    heard: list[tuple[str, int, int]] = []
    with pytest.raises(ExtractionError, match=r"103_1\.png: the image is blank"):
        services.score_matrix_csv(
            root=root,
            out=tmp_path / "scores.csv",
            images=_images(tmp_path / "cache"),
            progress=lambda *a: heard.append(a),
        )
    assert not (tmp_path / "scores.csv").exists()
    assert all(stage == "extracting" for stage, _, _ in heard)


@pytest.fixture(scope="module")
def synthetic_identifier(tmp_path_factory: pytest.TempPathFactory) -> Identifier:
    """30 synthetic ten-prints (identities 0-29 of seed 3), thresholds never used."""
    gallery = Gallery.create(tmp_path_factory.mktemp("synthetic") / "g", code_bytes=CODE_BYTES)
    enroll_synthetic(gallery, identities=30, seed=3, workers=1)
    return Identifier(
        gallery,
        CodeIndex.build(gallery),
        Thresholds(match=np.inf, possible=np.inf),
        search=SearchParams(shortlist=8),
    )


@pytest.mark.parametrize("shape", list(services.ProbeShape))
def test_calibrate_thresholds_saves_what_it_returns(
    synthetic_identifier: Identifier, tmp_path: Path, shape: services.ProbeShape
) -> None:
    path = tmp_path / "data" / "thresholds.json"
    heard: list[tuple[str, int, int]] = []
    thresholds = services.calibrate_thresholds(
        identifier=synthetic_identifier,
        thresholds_file=path,
        probes=40,
        seed=3,
        fpir_match=0.025,
        fpir_possible=0.1,
        shape=shape,
        progress=lambda *a: heard.append(a),
    )
    assert Thresholds.load(path) == thresholds
    assert [p.name for p in path.parent.iterdir()] == ["thresholds.json"]  # no temporary left
    assert (thresholds.fpir_match, thresholds.fpir_possible, thresholds.searches) == (
        0.025,
        0.1,
        40,
    )
    assert 0 < thresholds.possible <= thresholds.match < 1
    assert heard[0] == ("calibration", 0, 40)
    assert heard[-1] == ("calibration", 40, 40)
    # the non-mated people were not enrolled: an enrolled person's new booking clears the bar
    mate = probe_fingers(3, 12, PROBE)
    probe = mate if shape is services.ProbeShape.TEN_PRINT else [mate[0]]
    best = synthetic_identifier.identify(probe).best
    assert best is not None
    assert best.subject == 12
    assert thresholds.decide(best.score) is Decision.MATCH


def test_calibrate_thresholds_refuses_bad_requests_before_searching(
    synthetic_identifier: Identifier, tmp_path: Path
) -> None:
    path = tmp_path / "thresholds.json"
    heard: list[tuple[str, int, int]] = []

    def calibrate(identifier: Identifier, probes: int, fpir_match: float) -> None:
        services.calibrate_thresholds(
            identifier=identifier,
            thresholds_file=path,
            probes=probes,
            seed=3,
            fpir_match=fpir_match,
            fpir_possible=0.01,
            progress=lambda *a: heard.append(a),
        )

    with pytest.raises(EvaluationError, match="at least one non-mated search"):
        calibrate(synthetic_identifier, 0, 0.001)
    with pytest.raises(EvaluationError, match="fpir_match <= fpir_possible"):
        calibrate(synthetic_identifier, 10, 0.1)
    with pytest.raises(EvaluationError, match="0 < fpir_match"):
        calibrate(synthetic_identifier, 10, 0.0)
    empty = Gallery.create(tmp_path / "empty", code_bytes=CODE_BYTES)
    identifier = Identifier(empty, CodeIndex.build(empty), Thresholds(match=1.0, possible=1.0))
    with pytest.raises(GalleryError, match="empty: enroll before calibrating"):
        calibrate(identifier, 10, 0.001)
    assert heard == []
    assert not path.exists()
