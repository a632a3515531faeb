from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import faiss
import numpy as np
import pytest

from liaison.biometrics import identification
from liaison.biometrics.benchmark import ENROLL, PROBE, enroll_synthetic, probe_fingers
from liaison.biometrics.codes import CodeParams, codes_of
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
from liaison.biometrics.model import FingerPosition, FingerTemplate

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


# -- ten-print searches on a synthetic gallery ------------------------------------------------

SEED = 11
PEOPLE = 60


@pytest.fixture(scope="module")
def ten_print_gallery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Gallery, CodeIndex]:
    gallery = Gallery.create(tmp_path_factory.mktemp("tenprint") / "g", code_bytes=128)
    enroll_synthetic(gallery, identities=PEOPLE, seed=SEED, workers=1)
    return gallery, CodeIndex.build(gallery)


def _ten_print_identifier(
    gallery_and_index: tuple[Gallery, CodeIndex], search: SearchParams | None = None
) -> Identifier:
    gallery, index = gallery_and_index
    return Identifier(gallery, index, Thresholds(match=0.03, possible=0.02), search=search)


def test_a_conclusive_leader_ends_the_search_with_the_full_search_s_answer(
    ten_print_gallery: tuple[Gallery, CodeIndex],
) -> None:
    quick = _ten_print_identifier(ten_print_gallery)
    full = _ten_print_identifier(ten_print_gallery, SearchParams(conclusive=math.inf))
    for person in range(0, PEOPLE, 6):
        probe = probe_fingers(SEED, person, PROBE)
        stopped, complete = quick.identify(probe), full.identify(probe)
        assert len(stopped.candidates) == 1  # only the retrieval leader was verified
        assert len(complete.candidates) == SearchParams().returned
        assert stopped.best == complete.best
        assert stopped.best is not None
        assert stopped.best.subject == person
        assert stopped.decision is complete.decision is Decision.MATCH


def test_a_stranger_s_search_verifies_the_whole_shortlist(
    ten_print_gallery: tuple[Gallery, CodeIndex],
) -> None:
    """Non-mated scores, which calibration reads, are those of a full verification."""
    quick = _ten_print_identifier(ten_print_gallery)
    full = _ten_print_identifier(ten_print_gallery, SearchParams(conclusive=math.inf))
    for stranger in range(PEOPLE, PEOPLE + 4):
        probe = probe_fingers(SEED, stranger, PROBE)
        assert quick.identify(probe) == full.identify(probe)


def test_fewer_fingers_need_a_higher_score_to_stop() -> None:
    params = SearchParams()
    bars = [params.conclusive_for(n) for n in (4, 6, 8, 10)]
    assert bars == sorted(bars, reverse=True)
    assert params.conclusive_for(10) == params.conclusive
    # a search of one to three fingers always verifies its whole shortlist
    assert params.conclusive_for(params.conclusive_fingers - 1) == math.inf
    assert SearchParams(conclusive=math.inf).conclusive_for(10) == math.inf


def test_retrieval_counts_every_finger_of_the_subjects_it_rescores(
    ten_print_gallery: tuple[Gallery, CodeIndex],
) -> None:
    """With lists of two rows per finger, a person's own fingers rarely all make the lists;
    recounted, an enrolled ten-print shares every bit of every finger with itself."""
    weight = CodeParams().weight
    narrow = _ten_print_identifier(ten_print_gallery, SearchParams(per_finger_k=2))
    for person in range(0, PEOPLE, 10):
        enrolled = probe_fingers(SEED, person, ENROLL)
        retrieval = narrow._retrieve(enrolled)
        assert retrieval[person] == weight * len(enrolled)
        assert max(retrieval, key=lambda s: retrieval[s]) == person
    unnumbered = [
        dataclasses.replace(f, position=FingerPosition.UNKNOWN)
        for f in probe_fingers(SEED, 3, ENROLL)[:1]
    ]
    # an unknown position counts the subject's best finger, here the same finger
    assert narrow._retrieve(unnumbered)[3] == weight
    assert len(narrow._retrieve(probe_fingers(SEED, 3, PROBE))) <= SearchParams().kept


def test_verifying_on_several_threads_changes_no_score(
    ten_print_gallery: tuple[Gallery, CodeIndex], monkeypatch: pytest.MonkeyPatch
) -> None:
    full = _ten_print_identifier(ten_print_gallery, SearchParams(conclusive=math.inf))
    probes = [probe_fingers(SEED, p, PROBE) for p in (2, PEOPLE + 1)]
    monkeypatch.setattr(identification, "_threads", lambda: 1)
    alone = [full.identify(p) for p in probes]
    monkeypatch.setattr(identification, "_threads", lambda: 3)
    shared = [full.identify(p) for p in probes]
    assert shared == alone


def test_a_search_leaves_the_caller_s_openmp_threads_as_they_were(
    ten_print_gallery: tuple[Gallery, CodeIndex],
) -> None:
    """The index searches on one OpenMP thread (more only spin) and restores the count."""
    before = faiss.omp_get_max_threads()
    _ten_print_identifier(ten_print_gallery).identify(probe_fingers(SEED, 1, PROBE))
    assert faiss.omp_get_max_threads() == before


def test_lists_grow_with_the_gallery(ten_print_gallery: tuple[Gallery, CodeIndex]) -> None:
    """A mate's finger keeps its rank *share* as the gallery grows, so the rows retrieved per
    finger are a share of the position's rows, never fewer than ``per_finger_k``."""
    few = _ten_print_identifier(ten_print_gallery, SearchParams(per_finger_k=3))
    rows = int(few._rows_per_position[1])
    assert few._k(1) == max(3, math.ceil(SearchParams().per_finger_share * rows))
    wide = _ten_print_identifier(
        ten_print_gallery, SearchParams(per_finger_k=3, per_finger_share=0.5)
    )
    assert wide._k(1) == math.ceil(rows / 2)
    assert wide._k(FingerPosition.UNKNOWN) == 3  # no index holds unknown positions


def test_decisions_never_go_below_the_real_impostor_floor() -> None:
    from liaison.biometrics.identification import REAL_IMPOSTOR_FLOOR

    lax = Thresholds(match=0.0, possible=0.0)
    assert lax.decide(0.02) is Decision.MATCH  # as set, without a finger count
    assert lax.decide(0.02, fingers=10) is Decision.NO_MATCH
    match, possible = REAL_IMPOSTOR_FLOOR[10]
    assert lax.decide(match, fingers=10) is Decision.MATCH
    assert lax.decide(possible, fingers=10) is Decision.POSSIBLE
    # fewer fingers spread wider, so their floors are higher
    floors = [REAL_IMPOSTOR_FLOOR[n][0] for n in range(1, 11)]
    assert floors == sorted(floors, reverse=True)
    strict = Thresholds(match=0.5, possible=0.4)
    assert strict.floored(10) == (0.5, 0.4)


def test_real_strangers_do_not_match_even_under_lax_thresholds(
    tmp_path: Path, fvc_all: dict[tuple[int, int, int], FingerTemplate]
) -> None:
    """Ten real FVC2002 fingers of one database enrolled as a person; the ten fingers of each
    other database, searched as a ten-print under thresholds calibrated too low (as synthetic
    strangers alone would set them), are not a match; the person's own later impressions are."""
    gallery = Gallery.create(tmp_path / "g", code_bytes=128)
    enrolled = [
        dataclasses.replace(fvc_all[(1, f, 1)], position=FingerPosition(p))
        for p, f in enumerate(range(101, 111), start=1)
    ]
    gallery.append(pack_fingers([1] * 10, enrolled, codes_of(enrolled)))
    identifier = Identifier(
        gallery, CodeIndex.build(gallery), Thresholds(match=0.015, possible=0.012)
    )
    for db in (2, 3, 4):
        stranger = [
            dataclasses.replace(fvc_all[(db, f, 1)], position=FingerPosition(p))
            for p, f in enumerate(range(101, 111), start=1)
        ]
        assert identifier.identify(stranger).decision is Decision.NO_MATCH
    again = [
        dataclasses.replace(fvc_all[(1, f, 2)], position=FingerPosition(p))
        for p, f in enumerate(range(101, 111), start=1)
    ]
    assert identifier.identify(again).decision is Decision.MATCH
