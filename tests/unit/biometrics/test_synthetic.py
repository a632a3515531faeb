from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt
import pytest

from liaison.biometrics import synthetic
from liaison.biometrics.model import (
    ANGLE,
    KIND,
    TEN_FINGERS,
    FingerPosition,
    FingerTemplate,
    X,
    Y,
)
from liaison.biometrics.synthetic import (
    MASTER_STREAM,
    ImpressionParams,
    ImpressionTruth,
    MasterFinger,
    MasterParams,
    PatternClass,
    identity_rng,
    make_impression,
    make_impression_with_truth,
    make_master,
    make_masters,
    make_person,
    orientation_at,
    pack_masters,
    person_impression,
    unpack_masters,
)
from liaison.biometrics.validation import check_capture, check_ten_print

F64 = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def many_masters() -> list[MasterFinger]:
    return make_masters(np.random.default_rng(2024), 10_000)


def _wrap(a: F64, period: float) -> F64:
    """Signed difference folded into [-period/2, period/2)."""
    return np.mod(a + period / 2, period) - period / 2


def _undo_pose(t: FingerTemplate, truth: ImpressionTruth, master: MasterFinger) -> F64:
    """Impression minutiae back on the master canvas (x, y, ISO angle), pose undone."""
    phi = truth.rotation
    tx, ty = truth.translation
    u = t.minutiae[:, X] - t.width / 2 - tx
    v = t.minutiae[:, Y] - t.height / 2 - ty
    c, s = math.cos(phi), math.sin(phi)
    cx, cy = master.foreground[:2]
    return np.column_stack(
        [cx + c * u - s * v, cy + s * u + c * v, np.mod(t.minutiae[:, ANGLE] - phi, 2 * np.pi)]
    )


def _paired_fraction(points: F64, master: MasterFinger, tol: float, tol_angle: float) -> float:
    """Share of ``points`` (x, y, angle) with a master minutia close in place and direction."""
    m = master.minutiae.astype(np.float64)
    d = np.hypot(points[:, None, 0] - m[None, :, X], points[:, None, 1] - m[None, :, Y])
    da = np.abs(_wrap(points[:, None, 2] - m[None, :, ANGLE], 2 * np.pi))
    return float(np.mean(((d < tol) & (da < tol_angle)).any(axis=1)))


def test_exported_names() -> None:
    assert synthetic.__all__ == [
        "MASTER_STREAM",
        "ImpressionParams",
        "ImpressionTruth",
        "MasterFinger",
        "MasterParams",
        "PatternClass",
        "identity_rng",
        "make_impression",
        "make_impression_with_truth",
        "make_master",
        "make_masters",
        "make_person",
        "orientation_at",
        "pack_masters",
        "person_impression",
        "unpack_masters",
    ]


def test_the_same_seed_gives_the_same_people_and_captures() -> None:
    a, b = make_person(7, 123), make_person(7, 123)
    assert [m.position for m in a] == list(TEN_FINGERS)
    assert all(x.same_as(y) for x, y in zip(a, b, strict=True))
    ta = person_impression(a, identity_rng(7, 123, 1))
    tb = person_impression(b, identity_rng(7, 123, 1))
    assert ta.positions == TEN_FINGERS
    assert all(ta.fingers[p].same_as(tb.fingers[p]) for p in TEN_FINGERS)
    assert make_impression(a[0], 5).same_as(make_impression(a[0], np.random.default_rng(5)))


def test_a_person_does_not_depend_on_what_else_was_generated() -> None:
    alone = make_person(7, 41)
    for i in range(40, 43):  # as a batch worker would
        batch = make_person(7, i)
    explicit = make_masters(identity_rng(7, 41, MASTER_STREAM), 10, TEN_FINGERS)
    assert all(x.same_as(y) for x, y in zip(alone, explicit, strict=True))
    assert not batch[0].same_as(alone[0])


def test_different_people_fingers_and_captures_differ() -> None:
    a, b = make_person(7, 0), make_person(7, 1)
    assert not any(x.same_as(y) for x in a for y in b)
    assert not make_person(8, 0)[0].same_as(a[0])
    first = person_impression(a, identity_rng(7, 0, 0))
    second = person_impression(a, identity_rng(7, 0, 1))
    assert not any(first.fingers[p].same_as(second.fingers[p]) for p in TEN_FINGERS)


def test_minutiae_counts_are_in_range_with_the_target_mean(
    many_masters: list[MasterFinger],
) -> None:
    counts = np.array([m.count for m in many_masters])
    p = MasterParams()
    assert counts.min() >= p.minutiae_min
    assert counts.max() <= p.minutiae_max
    assert abs(counts.mean() - p.minutiae_mean) < 1.5
    assert counts.std() > 4  # fingers differ in how many minutiae they carry


def test_pattern_classes_follow_the_natural_frequencies(
    many_masters: list[MasterFinger],
) -> None:
    seen = np.bincount([int(m.pattern) for m in many_masters], minlength=5) / len(many_masters)
    expected = np.asarray(MasterParams().class_frequencies)
    assert np.abs(seen - expected).max() < 0.015
    assert (seen[[PatternClass.ARCH, PatternClass.TENTED_ARCH]] > 0.015).all()


def test_singular_points_are_placed_by_class(many_masters: list[MasterFinger]) -> None:
    for m in many_masters[:500]:
        cores, deltas = m.cores, m.deltas
        if m.pattern == PatternClass.WHORL:
            assert (len(cores), len(deltas)) == (2, 2)
        else:
            assert (len(cores), len(deltas)) == (1, 1)
            assert deltas[0, 1] > cores[0, 1]  # the delta lies below the core
        if m.pattern == PatternClass.LEFT_LOOP:
            assert deltas[0, 0] > cores[0, 0]  # opposite the opening on the left
        if m.pattern == PatternClass.RIGHT_LOOP:
            assert deltas[0, 0] < cores[0, 0]
        if m.pattern == PatternClass.ARCH:  # no singular point on the finger itself
            cx, cy, a, b = m.foreground
            radius2 = ((m.singular[:, 0] - cx) / a) ** 2 + ((m.singular[:, 1] - cy) / b) ** 2
            assert (radius2 > 0.8).all()


def test_master_minutiae_lie_on_the_finger_spaced_and_away_from_singularities(
    many_masters: list[MasterFinger],
) -> None:
    p = MasterParams()
    for m in many_masters[:300]:
        xy = m.minutiae[:, [X, Y]].astype(np.float64)
        cx, cy, a, b = m.foreground
        assert (((xy[:, 0] - cx) / a) ** 2 + ((xy[:, 1] - cy) / b) ** 2 <= 1).all()
        assert ((xy >= 0) & (xy < [m.width, m.height])).all()
        d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(d, np.inf)
        assert d.min() >= p.min_spacing - 0.5
        s = np.hypot(*(xy[:, None, :] - m.singular[None, :, :2]).transpose(2, 0, 1))
        assert s.min() >= p.singular_clearance
        assert set(np.unique(m.minutiae[:, KIND])) <= {1.0, 2.0}
        check_capture(m.as_template())


def test_directions_follow_the_orientation_field(many_masters: list[MasterFinger]) -> None:
    both = 0
    for m in many_masters[:300]:
        field = orientation_at(m, m.minutiae[:, X], m.minutiae[:, Y])
        assert np.abs(_wrap(m.minutiae[:, ANGLE] - field, np.pi)).max() < 1e-3
        # the 180 degree ambiguity is resolved both ways within a finger
        forward = np.abs(_wrap(m.minutiae[:, ANGLE] - field, 2 * np.pi)) < 1e-3
        both += bool(forward.any() and not forward.all())
    assert both > 290


def test_the_field_turns_half_a_turn_around_cores_and_deltas() -> None:
    rng = np.random.default_rng(3)
    loop = next(m for m in make_masters(rng, 50) if m.pattern == PatternClass.LEFT_LOOP)
    t = np.linspace(0, 2 * np.pi, 361)

    def index(x: float, y: float) -> float:
        o = orientation_at(loop, x + 8 * np.cos(t), y + 8 * np.sin(t))
        return float(_wrap(np.diff(o), np.pi).sum())

    core = index(*loop.cores[0])
    delta = index(*loop.deltas[0])
    assert abs(abs(core) - np.pi) < 1e-6
    assert abs(core + delta) < 1e-6


def test_minutiae_cluster_when_the_density_varies() -> None:
    """Counts per region vary more between fingers than uniform darts would make them."""

    def dispersion(sigma: float) -> float:
        params = MasterParams(density_sigma=sigma, pair_fraction=0.0)
        counts = []
        for m in make_masters(2, 300, params=params):
            cx, cy = m.foreground[:2]
            dx, dy = m.minutiae[:, X] - cx, m.minutiae[:, Y] - cy
            cells, _, _ = np.histogram2d(dx, dy, bins=4, range=[[-90, 90], [-120, 120]])
            counts.append(cells.ravel())
        c = np.array(counts)
        return float((c.var(axis=0) / c.mean(axis=0)).mean())

    assert dispersion(1.0) > dispersion(0.0) + 0.3


def test_companion_pairs_follow_the_ridges() -> None:
    """More pairing means more minutiae with a neighbour 12-28 px straight along the flow."""

    def along_flow(pairing: float) -> float:
        masters = make_masters(1, 200, params=MasterParams(pair_fraction=pairing))
        hits = total = 0
        for m in masters:
            xy = m.minutiae[:, [X, Y]].astype(np.float64)
            v = xy[None, :, :] - xy[:, None, :]
            d = np.hypot(v[..., 0], v[..., 1])
            o = orientation_at(m, xy[:, 0], xy[:, 1])[:, None]
            along = np.abs(v[..., 0] * np.cos(o) - v[..., 1] * np.sin(o)) / np.maximum(d, 1e-9)
            hits += int(((d > 11) & (d < 29) & (along > 0.97)).any(axis=1).sum())
            total += m.count
        return hits / total

    assert along_flow(0.5) > along_flow(0.0) + 0.2


def test_impressions_are_valid_captures() -> None:
    p = ImpressionParams()
    for identity in range(30):
        ten = person_impression(make_person(9, identity), identity_rng(9, identity, 0), p)
        check_ten_print(ten)
        for position, t in ten.fingers.items():
            assert t.position == position
            assert (t.width, t.height, t.resolution_ppcm) == (p.width, p.height, 197)
            assert 0 < t.quality <= 100
            assert t.minutiae.dtype == np.float32
            assert t.count > 0


def test_impression_minutiae_sit_where_the_truth_says() -> None:
    p = ImpressionParams(quality_gain=0.0)  # noise spreads exactly as configured
    masters = make_masters(5, 40)
    rng = np.random.default_rng(6)
    for m in masters:
        t, truth = make_impression_with_truth(m, rng, p)
        genuine = truth.source >= 0
        src = truth.source[genuine]
        assert len(np.unique(src)) == src.size
        expected = truth.to_image(m.minutiae[src][:, [X, Y]])
        off = np.hypot(*(t.minutiae[genuine][:, [X, Y]] - expected).T)
        assert off.max() < 6 * p.position_sigma
        turned = t.minutiae[genuine, ANGLE] - m.minutiae[src, ANGLE] - truth.rotation
        assert np.abs(_wrap(turned, 2 * np.pi)).max() < math.radians(6 * p.angle_sigma_deg)
        assert abs(truth.rotation) <= math.radians(p.rotation_max_deg)
        assert max(map(abs, truth.translation)) <= p.translation_max
        assert 0 <= (~genuine).sum() <= p.spurious_max


def test_captures_of_one_finger_share_most_minutiae() -> None:
    masters = make_masters(11, 30)
    rng = np.random.default_rng(12)
    mates, strangers, shared = [], [], []
    for i, m in enumerate(masters):
        (t1, tr1), (_, tr2) = (make_impression_with_truth(m, rng) for _ in range(2))
        back = _undo_pose(t1, tr1, m)
        mates.append(_paired_fraction(back, m, tol=15.0, tol_angle=math.radians(30)))
        other = masters[(i + 1) % len(masters)]
        strangers.append(_paired_fraction(back, other, tol=15.0, tol_angle=math.radians(30)))
        s1, s2 = set(tr1.source[tr1.source >= 0]), set(tr2.source[tr2.source >= 0])
        shared.append(len(s1 & s2) / min(len(s1), len(s2)))
    assert np.mean(mates) > 0.85
    assert np.mean(strangers) < 0.3
    assert np.mean(shared) > 0.7


def test_rates_and_coverage_change_what_a_capture_keeps() -> None:
    masters = make_masters(13, 60)

    def capture(p: ImpressionParams) -> tuple[float, float]:
        """Mean genuine and spurious minutiae per capture."""
        rng = np.random.default_rng(14)
        truths = [make_impression_with_truth(m, rng, p)[1] for m in masters for _ in range(3)]
        genuine = np.mean([(t.source >= 0).sum() for t in truths])
        spurious = np.mean([(t.source < 0).sum() for t in truths])
        return float(genuine), float(spurious)

    full = ImpressionParams(missing_rate=0.0, spurious_mean=0.0, coverage_min=1.0, quality_gain=0)
    kept, none = capture(full)
    assert none == 0
    halved, _ = capture(dataclasses.replace(full, missing_rate=0.5))
    assert 0.4 < halved / kept < 0.6
    partial, _ = capture(dataclasses.replace(full, coverage_min=0.55, coverage_max=0.6))
    assert partial < 0.8 * kept
    _, spurious = capture(dataclasses.replace(full, spurious_mean=6.0, spurious_max=20))
    assert 5.0 < spurious < 7.0
    _, capped = capture(dataclasses.replace(full, spurious_mean=6.0, spurious_max=2))
    assert capped <= 2


def test_poor_quality_captures_lose_more_minutiae() -> None:
    masters = make_masters(15, 150)
    rng = np.random.default_rng(16)
    p = ImpressionParams(coverage_min=1.0, spurious_mean=0.0, quality_std=25.0)
    quality, kept = [], []
    for m in masters:
        for _ in range(3):
            t, truth = make_impression_with_truth(m, rng, p)
            quality.append(t.quality)
            kept.append((truth.source >= 0).sum() / m.count)
    q, k = np.array(quality), np.array(kept)
    assert k[q < 50].mean() < k[q > 85].mean() - 0.05


def test_masters_survive_packing() -> None:
    masters = [*make_person(3, 3), make_master(4, FingerPosition.UNKNOWN)]
    again = unpack_masters(pack_masters(masters))
    assert len(again) == len(masters)
    assert all(x.same_as(y) for x, y in zip(masters, again, strict=True))
    assert unpack_masters(pack_masters([])) == []


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="coverage"):
        ImpressionParams(coverage_min=0.9, coverage_max=0.5)
    with pytest.raises(ValueError, match="missing_rate"):
        ImpressionParams(missing_rate=1.5)
    with pytest.raises(ValueError, match="class_frequencies"):
        MasterParams(class_frequencies=(0.0, 0.0, 0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="canvas"):
        MasterParams(canvas_width=200)
    with pytest.raises(ValueError, match="positions"):
        make_masters(1, 3, [FingerPosition.RIGHT_THUMB])
    with pytest.raises(ValueError, match="share"):
        person_impression([make_master(1), make_master(2)], 0)
