"""``liaison biometrics`` commands run end to end on real FVC2002 templates."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from liaison.biometrics.identification import Thresholds
from liaison.entrypoints.cli.biometrics import app

# tests/e2e/this file: parents[2] is the project root, beside ../shared
FVC = Path(__file__).resolve().parents[3] / "shared" / "data" / "fvc2002"


def _copy(dest: Path, fingers: range, impressions: range) -> Path:
    """FVC2002 DB1_B templates copied into ``dest/DB1_B``; returns ``dest``."""
    folder = dest / "DB1_B"
    folder.mkdir(parents=True, exist_ok=True)
    for finger in fingers:
        for impression in impressions:
            shutil.copy(FVC / "DB1_B" / f"{finger}_{impression}.iso", folder)
    return dest


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two fingers of DB1_B, eight impressions each."""
    return _copy(tmp_path_factory.mktemp("fvc"), range(101, 103), range(1, 9))


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def _one_line_error(result: Result) -> str:
    """The error line of a command that failed as a user error: exit 2, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_score_matrix_writes_a_square_csv(subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = _run("score-matrix", subset, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("16 samples, 256 scores")
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    names = [f"DB1_B-{f}_{i}" for f in (101, 102) for i in range(1, 9)]
    assert rows[0] == ["sample", *names]
    assert [row[0] for row in rows[1:]] == names
    matrix = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    assert matrix.shape == (16, 16)
    finger = np.repeat([101, 102], 8)
    same = (finger[:, None] == finger[None, :]) & ~np.eye(16, dtype=bool)
    assert matrix[same].mean() > 3 * matrix[finger[:, None] != finger[None, :]].mean()
    np.fill_diagonal(matrix, -1.0)
    assert np.array_equal(finger[matrix.argmax(axis=1)], finger)  # best other match: own finger


def test_eval_json_reports_fractions(subset: Path) -> None:
    result = _run("eval", subset, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    db = body["databases"]["DB1_B"]
    assert (db["genuine"], db["impostor"]) == (2 * 28, 64)
    for key in ("eer", "fmr100", "fmr1000"):
        assert 0.0 <= db[key] <= 1.0
    assert body["mean_eer"] == db["eer"]
    first = json.loads(_run("eval", subset, "--json", "--impostors", "first").stdout)
    assert first["databases"]["DB1_B"]["impostor"] == 1


def test_eval_table_shows_percentages(subset: Path) -> None:
    result = _run("eval", subset)
    assert result.exit_code == 0, result.output
    assert "EER %" in result.stdout
    assert "DB1_B" in result.stdout
    assert "mean" in result.stdout


def test_enroll_then_search_finds_the_own_finger(tmp_path: Path) -> None:
    enrolled = _copy(tmp_path / "enrolled", range(101, 109), range(1, 2))
    data = tmp_path / "data"
    result = _run("enroll", enrolled, "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert "enrolled 8 templates" in result.stdout
    assert "8 fingers of 8 subjects" in result.stdout
    Thresholds(match=0.3, possible=0.1).save(data / "thresholds.json")

    probe = FVC / "DB1_B" / "104_3.iso"
    result = _run("search", probe, "--data-dir", data, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    best = body["candidates"][0]
    assert best["label"] == "DB1_B-104_1"
    assert best["subject"] == 4
    assert best["score"] > max(c["score"] for c in body["candidates"][1:])
    assert set(best["finger_scores"]) == {"UNKNOWN"}
    assert body["decision"] in ("match", "possible", "no_match")

    table = _run("search", probe, "--data-dir", data)
    assert table.exit_code == 0, table.output
    assert f"decision: {body['decision']}" in table.stdout
    assert "DB1_B-104_1" in table.stdout


def test_search_without_thresholds_asks_for_calibration(tmp_path: Path) -> None:
    data = tmp_path / "data"
    enrolled = _copy(tmp_path / "enrolled", range(101, 103), range(1, 2))
    assert _run("enroll", enrolled, "--data-dir", data).exit_code == 0
    result = _run("search", FVC / "DB1_B" / "101_2.iso", "--data-dir", data)
    line = _one_line_error(result)
    assert "calibration" in line
    assert "thresholds.json" in line


def test_enroll_calibrate_search(tmp_path: Path) -> None:
    enrolled = _copy(tmp_path / "enrolled", range(101, 109), range(1, 2))
    data = tmp_path / "data"
    assert _run("enroll", enrolled, "--data-dir", data).exit_code == 0
    options = ("--probes", "60", "--seed", "3", "--fpir-match", "0.02", "--fpir-possible", "0.1")
    result = _run("calibrate", "--data-dir", data, *options)
    assert result.exit_code == 0, result.output
    assert "from 60 non-mated single-finger searches" in result.stdout
    assert "warning" not in result.stderr  # 60 searches resolve FPIR 0.02
    saved = Thresholds.load(data / "thresholds.json")
    assert (saved.fpir_match, saved.fpir_possible, saved.searches) == (0.02, 0.1, 60)
    assert f"match >= {saved.match:.4f} (FPIR 0.02)" in result.stdout
    assert saved.possible <= saved.match

    body = json.loads(
        _run("search", FVC / "DB1_B" / "104_3.iso", "--data-dir", data, "--json").stdout
    )
    assert body["candidates"][0]["label"] == "DB1_B-104_1"
    assert body["decision"] == "match"

    few = _run("calibrate", "--data-dir", data, "--probes", "20")
    assert few.exit_code == 0, few.output
    assert "warning: 20 searches cannot resolve FPIR 0.001 (needs >= 1,000)" in few.stderr
    assert Thresholds.load(data / "thresholds.json").searches == 20


def test_calibrate_refusals_are_one_line_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    line = _one_line_error(_run("calibrate", "--data-dir", data))
    assert "no gallery" in line
    (tmp_path / "nothing").mkdir()
    assert _run("enroll", tmp_path / "nothing", "--data-dir", data).exit_code == 2
    line = _one_line_error(_run("calibrate", "--data-dir", data))  # the gallery exists, empty
    assert "empty: enroll before calibrating" in line
    enrolled = _copy(tmp_path / "enrolled", range(101, 103), range(1, 2))
    assert _run("enroll", enrolled, "--data-dir", data).exit_code == 0
    for fpirs in (("--fpir-match", "0.1"), ("--fpir-possible", "1"), ("--fpir-match", "0")):
        line = _one_line_error(_run("calibrate", "--data-dir", data, *fpirs))
        assert "0 < fpir_match <= fpir_possible < 1" in line
    line = _one_line_error(_run("calibrate", "--data-dir", data, "--probes", "0"))
    assert "at least one non-mated search" in line
    assert not (data / "thresholds.json").exists()


def test_a_truncated_template_fails_naming_file_and_field(tmp_path: Path) -> None:
    root = _copy(tmp_path / "t", range(101, 102), range(1, 4))
    bad = root / "DB1_B" / "101_3.iso"
    bad.write_bytes(bad.read_bytes()[:50])
    data = tmp_path / "data"
    for args in (
        ("score-matrix", root, "--out", tmp_path / "m.csv"),
        ("eval", root, "--json"),
        ("enroll", root, "--data-dir", data),
    ):
        line = _one_line_error(_run(*args))
        assert "101_3.iso" in line
        assert "record length" in line
    assert not (tmp_path / "m.csv").exists()
    assert not (data / "labels.tsv").exists()


def test_search_of_a_missing_gallery_is_a_one_line_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    Thresholds(match=0.3, possible=0.1).save(data / "thresholds.json")
    line = _one_line_error(_run("search", FVC / "DB1_B" / "101_2.iso", "--data-dir", data))
    assert "no gallery" in line


def test_unknown_impostor_rule_is_a_usage_error(subset: Path) -> None:
    assert _run("eval", subset, "--impostors", "some").exit_code == 2


# --- images: minutiae extracted first ------------------------------------------------------


def _copy_images(dest: Path, fingers: range, impressions: range) -> Path:
    """FVC2002 DB1_B images and their templates, side by side as FVC ships them."""
    folder = dest / "DB1_B"
    folder.mkdir(parents=True, exist_ok=True)
    for finger in fingers:
        for impression in impressions:
            for suffix in (".tif", ".iso"):
                shutil.copy(FVC / "DB1_B" / f"{finger}_{impression}{suffix}", folder)
    return dest


def _run_one_worker(*args: str | Path) -> Result:
    # one extraction process: starting workers (each loads torch) costs more than 6 images
    return CliRunner(env={"LIAISON_WORKERS": "1"}).invoke(app, [str(a) for a in args])


def test_score_matrix_of_images_extracts_once_then_reads_the_cache(tmp_path: Path) -> None:
    root = _copy_images(tmp_path / "fvc", range(101, 103), range(1, 4))
    data = tmp_path / "data"
    out = tmp_path / "scores.csv"
    args = ("score-matrix", root, "--out", out, "--source", "images", "--data-dir", data)
    result = _run_one_worker(*args, "--extractor", "classical")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("6 samples, 36 scores")
    cached = sorted((data / "extracted").rglob("*.iso"))
    assert len(cached) == 6
    first = out.read_text()
    rows = list(csv.reader(first.splitlines()))
    assert rows[0] == ["sample", *(f"DB1_B-{f}_{i}" for f in (101, 102) for i in (1, 2, 3))]
    matrix = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    finger = np.repeat([101, 102], 3)
    same = (finger[:, None] == finger[None, :]) & ~np.eye(6, dtype=bool)
    assert matrix[same].min() > matrix[finger[:, None] != finger[None, :]].max()

    mtimes = [p.stat().st_mtime_ns for p in cached]
    again = _run_one_worker(*args, "--extractor", "classical")
    assert again.exit_code == 0, again.output
    assert out.read_text() == first
    assert [p.stat().st_mtime_ns for p in cached] == mtimes  # nothing extracted again

    templates = _run("score-matrix", root, "--out", tmp_path / "iso.csv")
    assert templates.exit_code == 0, templates.output
    assert (tmp_path / "iso.csv").read_text() != first  # the .iso files, not the images


def test_eval_of_images_says_how_its_templates_were_made(tmp_path: Path) -> None:
    root = _copy_images(tmp_path / "fvc", range(101, 103), range(1, 4))
    args = ("eval", root, "--source", "images", "--extractor", "classical", "--json")
    result = _run_one_worker(*args, "--data-dir", tmp_path / "data")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["source"], body["extractor"]) == ("images", "classical")
    assert (body["databases"]["DB1_B"]["genuine"], body["databases"]["DB1_B"]["impostor"]) == (
        2 * 3,
        9,
    )
    templates = json.loads(_run("eval", root, "--json").stdout)
    assert (templates["source"], templates["extractor"]) == ("templates", None)


def test_extraction_options_without_images_are_a_usage_error(subset: Path) -> None:
    result = _run("eval", subset, "--extractor", "learned")
    assert result.exit_code == 2
    assert "--source images" in result.output
    assert _run("eval", subset, "--source", "pictures").exit_code == 2


def test_an_image_without_a_fingerprint_is_a_one_line_error(tmp_path: Path) -> None:
    root = _copy_images(tmp_path / "fvc", range(101, 102), range(1, 3))
    Image.fromarray(np.zeros((300, 300), np.uint8)).save(root / "DB1_B" / "100_1.png")
    result = _run_one_worker(
        "score-matrix",
        root,
        "--out",
        tmp_path / "m.csv",
        "--source",
        "images",
        "--extractor",
        "classical",
        "--data-dir",
        tmp_path / "data",
    )
    line = _one_line_error(result)
    assert "100_1.png: the image is blank: every pixel is 0" in line
    assert not (tmp_path / "m.csv").exists()
