"""The finger quality score: its two terms, its bounds and its threshold."""

from __future__ import annotations

import pytest

from liaison.biometrics import quality
from liaison.biometrics.quality import QUALITY_THRESHOLD, Calibration, finger_quality

LEADER = Calibration(floor=0.4, full=0.95, full_sum=30.0)


def test_exports() -> None:
    assert sorted(quality.__all__) == ["Calibration", "QUALITY_THRESHOLD", "finger_quality"]


def test_confident_plentiful_minutiae_score_100_and_none_score_0() -> None:
    assert finger_quality([0.97] * 40, 0.6, LEADER) == 100
    assert finger_quality([], 0.6, LEADER) == 0
    assert finger_quality([0.4] * 60, 0.6, LEADER) == 0  # all at the extractor's own threshold


def test_the_score_is_confidence_times_the_root_of_the_amount() -> None:
    # mean 0.675: halfway from floor to full; sum 7.5: a quarter of full_sum, root 0.5
    assert finger_quality([0.675] * 10, 0.6, LEADER) == round(100 * 0.5 * (6.75 / 30) ** 0.5)
    assert finger_quality([0.95] * 8, 0.6, LEADER) == round(100 * (7.6 / 30) ** 0.5)


def test_without_a_ridge_flow_the_score_is_0() -> None:
    assert finger_quality([0.97] * 40, 0.04, LEADER) == 0  # the coherence of noise
    assert finger_quality([0.97] * 40, 0.15, LEADER) == 50
    assert finger_quality([0.97] * 40, 0.25, LEADER) == 100


@pytest.mark.parametrize("confidences", [[0.45] * 6, [0.6] * 2, [0.5, 0.42, 0.41]])
def test_few_or_doubtful_minutiae_fall_below_the_threshold(confidences: list[float]) -> None:
    assert finger_quality(confidences, 0.6, LEADER) < QUALITY_THRESHOLD


def test_more_confidence_or_more_minutiae_never_lower_the_score() -> None:
    scores = [finger_quality([c] * n, 0.6, LEADER) for c in (0.5, 0.7, 0.9) for n in (5, 15, 45)]
    assert scores == sorted(scores[:3]) + sorted(scores[3:6]) + sorted(scores[6:])
    assert [finger_quality([c] * 15, 0.6, LEADER) for c in (0.5, 0.7, 0.9)] == sorted(
        finger_quality([c] * 15, 0.6, LEADER) for c in (0.5, 0.7, 0.9)
    )
