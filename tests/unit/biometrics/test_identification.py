from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from liaison.biometrics.codes import codes_of
from liaison.biometrics.errors import CaptureError, EvaluationError
from liaison.biometrics.gallery import Gallery, pack_fingers
from liaison.biometrics.identification import (
    Decision,
    Identifier,
    SearchParams,
    Thresholds,
    calibrate,
)
from liaison.biometrics.index import CodeIndex, IndexParams
from liaison.biometrics.iso19794 import load_template
from liaison.biometrics.model import FingerTemplate

ENROLLED = range(101, 108)  # fingers 108-110 of each database stay out: non-mated probes


@pytest.fixture(scope="module")
def fvc_all(fvc_dir: Path) -> dict[tuple[int, int, int], FingerTemplate]:
    """Every FVC2002 B template keyed by (database 1-4, finger, impression)."""
    out = {}
    for db in range(1, 5):
        for f in sorted((fvc_dir / f"DB{db}_B").glob("*.iso")):
            finger, impression = (int(v) for v in f.stem.split("_"))
            out[(db, finger, impression)] = load_template(f)
    return out


def _identifier(
    tmp: Path, fvc_all: dict[tuple[int, int, int], FingerTemplate], index: IndexParams
) -> Identifier:
    keys = [(db, f, 1) for db in range(1, 5) for f in ENROLLED]
    templates = [fvc_all[k] for k in keys]
    gallery = Gallery.create(tmp, code_bytes=128)
    gallery.append(
        pack_fingers([db * 1000 + f for db, f, _ in keys], templates, codes_of(templates))
    )
    return Identifier(
        gallery,
        CodeIndex.build(gallery, index),
        Thresholds(match=0.35, possible=0.2),
        search=SearchParams(per_finger_k=28, shortlist=10),
    )


@pytest.mark.parametrize(
    "index", [IndexParams(), IndexParams(ivf_from=1, lists_per_sqrt=1.0, nprobe_fraction=1.0)]
)
def test_single_finger_search_finds_the_mate(
    tmp_path: Path, fvc_all: dict[tuple[int, int, int], FingerTemplate], index: IndexParams
) -> None:
    identifier = _identifier(tmp_path / "g", fvc_all, index)
    hits = 0
    total = 0
    for db in range(1, 5):
        for f in ENROLLED:
            for impression in (2, 5, 8):
                result = identifier.identify([fvc_all[(db, f, impression)]])
                total += 1
                best = result.best
                assert best is not None
                hits += best.subject == db * 1000 + f
                assert set(best.finger_scores) == {fvc_all[(db, f, impression)].position}
    assert hits / total >= 0.8


def test_strangers_score_below_mates(
    tmp_path: Path, fvc_all: dict[tuple[int, int, int], FingerTemplate]
) -> None:
    identifier = _identifier(tmp_path / "g", fvc_all, IndexParams())
    mated = [
        identifier.identify([fvc_all[(db, f, 3)]]).best.score  # type: ignore[union-attr]
        for db in range(1, 5)
        for f in ENROLLED
    ]
    strangers = [
        identifier.identify([fvc_all[(db, f, i)]]).best.score  # type: ignore[union-attr]
        for db in range(1, 5)
        for f in (108, 109, 110)
        for i in (1, 4)
    ]
    assert np.median(mated) > 2 * np.median(strangers)
    thresholds = calibrate(strangers, fpir_match=0.05, fpir_possible=0.2)
    decisions = [thresholds.decide(s) for s in mated]
    assert decisions.count(Decision.MATCH) >= 0.6 * len(mated)
    assert sum(thresholds.decide(s) == Decision.MATCH for s in strangers) <= 0.05 * len(strangers)


def test_calibration_hits_the_requested_rate() -> None:
    scores = np.linspace(0, 1, 1000)
    t = calibrate(scores, fpir_match=0.01, fpir_possible=0.1)
    assert np.mean(scores >= t.match) <= 0.01
    assert np.mean(scores >= t.possible) <= 0.1
    assert t.possible <= t.match
    assert t.decide(t.match) is Decision.MATCH
    assert t.decide((t.match + t.possible) / 2) is Decision.POSSIBLE
    assert t.decide(0.0) is Decision.NO_MATCH
    with pytest.raises(EvaluationError):
        calibrate([], fpir_match=0.01, fpir_possible=0.1)
    with pytest.raises(EvaluationError):
        calibrate(scores, fpir_match=0.2, fpir_possible=0.1)


def test_probes_must_be_well_formed(
    tmp_path: Path, fvc_all: dict[tuple[int, int, int], FingerTemplate]
) -> None:
    identifier = _identifier(tmp_path / "g", fvc_all, IndexParams())
    with pytest.raises(CaptureError, match="at least one finger"):
        identifier.identify([])
    t = fvc_all[(1, 101, 2)]
    with pytest.raises(CaptureError, match="each finger position once"):
        identifier.identify([t, t])
