"""Error rates against hand-worked cases and a brute-force sweep; score matrices on real data."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.biometrics import evaluation, mcc
from liaison.biometrics.errors import EvaluationError
from liaison.biometrics.evaluation import (
    det_curve,
    error_rates,
    score_matrix,
    split_scores,
)
from liaison.biometrics.model import FingerTemplate

F64 = npt.NDArray[np.float64]


def test_exported_names() -> None:
    assert sorted(evaluation.__all__) == [
        "DetCurve",
        "ErrorRates",
        "det_curve",
        "error_rates",
        "score_matrix",
        "split_scores",
    ]


def test_separable_scores_have_no_errors() -> None:
    rates = error_rates([0.6, 0.7, 0.9], [0.1, 0.2, 0.5, 0.55])
    assert rates.eer == 0.0
    assert rates.fmr100 == 0.0
    assert rates.fmr1000 == 0.0
    assert rates.zero_fmr == 0.0
    assert 0.55 < rates.eer_threshold <= 0.6


def test_identical_distributions_have_an_equal_error_rate_of_one_half() -> None:
    scores = np.arange(100.0)
    rates = error_rates(scores, scores)
    assert rates.eer == pytest.approx(0.5)
    assert rates.zero_fmr == 1.0  # the impostor at the top score is only refused with all else


def test_a_small_case_worked_by_hand() -> None:
    # t     0.1  0.2  0.3  0.4  0.5  0.6  0.7  0.8  0.9  (above)
    # FNMR  0    0    0    1/4  1/4  1/4  2/4  2/4  3/4  1       genuine < t
    # FMR   5/5  4/5  3/5  3/5  2/5  1/5  1/5  0    0    0       impostor >= t
    # t1 = 0.5 (last FNMR <= FMR): 1/4 + 2/5 = 0.65; t2 = 0.6 (first FNMR >= FMR): 1/4 + 1/5
    # = 0.45 is the smaller, so EER = (1/5 + 1/4) / 2 at 0.6
    rates = error_rates([0.3, 0.6, 0.8, 0.9], [0.1, 0.2, 0.4, 0.5, 0.7])
    assert rates.eer == pytest.approx(0.225)
    assert rates.eer_threshold == pytest.approx(0.6)
    assert rates.fmr100 == pytest.approx(0.5)  # 5 impostors: FMR <= 1% means none accepted
    assert rates.fmr1000 == pytest.approx(0.5)
    assert rates.zero_fmr == pytest.approx(0.5)


def test_fmr100_fmr1000_and_zero_fmr_differ_when_the_impostors_allow() -> None:
    impostor = np.arange(1000.0)  # FMR(t) = (1000 - t) / 1000 for t in 0..999
    genuine = [500.0, 990.5, 999.0, 2000.0]
    rates = error_rates(genuine, impostor)
    assert rates.fmr100 == pytest.approx(0.25)  # t = 990: 10 impostors accepted, 500 rejected
    assert rates.fmr1000 == pytest.approx(0.5)  # t = 999: 1 impostor, 500 and 990.5 rejected
    assert rates.zero_fmr == pytest.approx(0.75)  # t = 2000: only the top genuine accepted


def test_det_curve_runs_from_accepting_all_to_accepting_none() -> None:
    curve = det_curve([0.3, 0.6, 0.8, 0.9], [0.1, 0.2, 0.4, 0.5, 0.7])
    assert curve.threshold.shape == curve.fmr.shape == curve.fnmr.shape == (10,)
    assert (curve.fmr[0], curve.fnmr[0]) == (1.0, 0.0)
    assert (curve.fmr[-1], curve.fnmr[-1]) == (0.0, 1.0)
    assert np.all(np.diff(curve.threshold) > 0)
    assert np.all(np.diff(curve.fmr) <= 0)
    assert np.all(np.diff(curve.fnmr) >= 0)


def _brute_force(genuine: F64, impostor: F64) -> tuple[F64, F64, F64]:
    thresholds = np.append(np.unique(np.concatenate([genuine, impostor])), np.inf)
    fmr = np.array([np.mean(impostor >= t) for t in thresholds])
    fnmr = np.array([np.mean(genuine < t) for t in thresholds])
    return thresholds, fmr, fnmr


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=40),
    st.lists(st.integers(0, 30), min_size=1, max_size=300),
)
def test_rates_agree_with_a_brute_force_sweep(genuine_: list[int], impostor_: list[int]) -> None:
    genuine = np.array(genuine_, dtype=np.float64)
    impostor = np.array(impostor_, dtype=np.float64)
    _, fmr, fnmr = _brute_force(genuine, impostor)
    curve = det_curve(genuine, impostor)
    np.testing.assert_allclose(curve.fmr, fmr)
    np.testing.assert_allclose(curve.fnmr, fnmr)
    rates = error_rates(genuine, impostor)
    assert rates.fmr100 == pytest.approx(fnmr[fmr <= 0.01].min())
    assert rates.fmr1000 == pytest.approx(fnmr[fmr <= 0.001].min())
    assert rates.zero_fmr == pytest.approx(fnmr[fmr == 0].min())
    # FVC's EER, straight from its definition
    t1 = np.flatnonzero(fnmr <= fmr).max()
    t2 = np.flatnonzero(fnmr >= fmr).min()
    if fnmr[t1] + fmr[t1] <= fmr[t2] + fnmr[t2]:
        assert rates.eer == pytest.approx((fnmr[t1] + fmr[t1]) / 2)
    else:
        assert rates.eer == pytest.approx((fmr[t2] + fnmr[t2]) / 2)
    accepted = np.mean(impostor >= rates.eer_threshold) + np.mean(genuine < rates.eer_threshold)
    assert rates.eer == pytest.approx(accepted / 2)


@pytest.mark.parametrize(
    ("genuine", "impostor", "message"),
    [
        ([], [0.1], "no genuine scores"),
        ([0.5], [], "no impostor scores"),
        ([[0.5, 0.6]], [0.1], "one-dimensional"),
        ([0.5, float("nan")], [0.1], "not a finite number"),
        ([0.5], [float("inf")], "not a finite number"),
    ],
)
def test_unusable_scores_are_evaluation_errors(
    genuine: list[float], impostor: list[float], message: str
) -> None:
    with pytest.raises(EvaluationError, match=message):
        error_rates(genuine, impostor)
    with pytest.raises(EvaluationError, match=message):
        det_curve(genuine, impostor)


def test_split_scores_pairs_each_unordered_pair_once() -> None:
    matrix = np.arange(16.0).reshape(4, 4)
    genuine, impostor = split_scores(matrix, ["a", "a", "b", "b"])
    assert genuine.tolist() == [1.0, 11.0]
    assert impostor.tolist() == [2.0, 3.0, 6.0, 7.0]
    with pytest.raises(EvaluationError, match="does not pair"):
        split_scores(matrix, ["a", "b"])


@pytest.fixture(scope="module")
def cylinders(fvc_db1: dict[tuple[int, int], FingerTemplate]) -> list[mcc.Cylinders]:
    return [mcc.encode(fvc_db1[key]) for key in sorted(fvc_db1)[:14]]


def test_score_matrix_holds_every_pair_once_and_the_self_scores(
    cylinders: list[mcc.Cylinders],
) -> None:
    done: list[int] = []
    matrix = score_matrix(cylinders, progress=done.append)
    n = len(cylinders)
    assert matrix.shape == (n, n)
    assert sum(done) == n * (n + 1) // 2
    np.testing.assert_array_equal(matrix, matrix.T)
    for i in range(n):
        for j in range(i, n):
            assert matrix[i, j] == mcc.similarity(cylinders[i], cylinders[j])


def test_score_matrix_batches_large_sets_and_reports_progress(
    cylinders: list[mcc.Cylinders], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluation, "_BATCH", 10)
    done: list[int] = []
    matrix = score_matrix(cylinders, progress=done.append)
    assert len(done) > 5
    assert sum(done) == len(cylinders) * (len(cylinders) + 1) // 2
    np.testing.assert_array_equal(matrix, score_matrix(cylinders))


def test_score_matrix_of_nothing_and_of_empty_templates(cylinders: list[mcc.Cylinders]) -> None:
    assert score_matrix([]).shape == (0, 0)
    words = mcc.MccParams().words
    empty = mcc.Cylinders(
        np.zeros((0, 2)),
        np.zeros(0),
        np.zeros((0, words), dtype=np.uint64),
        np.zeros((0, words), dtype=np.uint64),
    )
    matrix = score_matrix([empty, cylinders[0], empty])
    assert matrix[0].tolist() == [0.0, 0.0, 0.0]
    assert matrix[2].tolist() == [0.0, 0.0, 0.0]
    assert matrix[1, 1] > 0.9


def test_score_matrix_refuses_mixed_cylinder_sizes(
    fvc_db1: dict[tuple[int, int], FingerTemplate], cylinders: list[mcc.Cylinders]
) -> None:
    coarse_params = mcc.MccParams(ns=8)
    coarse = mcc.encode(fvc_db1[(101, 1)], coarse_params)
    with pytest.raises(EvaluationError, match="different cylinder sizes"):
        score_matrix([cylinders[0], coarse])
    with pytest.raises(EvaluationError, match="different cylinder sizes"):
        score_matrix([coarse])
    assert score_matrix([coarse], coarse_params)[0, 0] > 0.9
