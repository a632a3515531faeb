"""Seeded synthetic fingerprints at the minutiae level: master fingers and their impressions.

A *master finger* is what a finger is: a pattern class, an orientation field, a finger-shaped
foreground and the minutiae on it. An *impression* is what one capture of it yields: the finger
placed somewhere on the platen, pressed (elastically distorted), partly captured, and read by
an imperfect extractor (minutiae missed, spurious ones added, positions and angles noisy). The
1:N benchmark enrolls impression 0 of each synthetic person and probes with a fresh one.

Every function takes a ``numpy.random.Generator`` (or a seed) and is deterministic. Identity
``i`` of seed ``S`` has its masters drawn from ``identity_rng(S, i, MASTER_STREAM)`` and its
``k``-th capture from ``identity_rng(S, i, k)``, so a person comes out the same whatever batch
or worker generates it. The most compact storage of a master is therefore ``(seed, identity)``:
``make_person`` regenerates ten masters in about a millisecond. ``pack_masters`` stores
explicit masters as a few flat arrays (``numpy.savez``) when they come from elsewhere.

Geometry. Positions are pixels at 500 ppi (197 px/cm), origin top-left, y down. Angles in the
minutiae arrays follow ISO/IEC 19794-2 as ``liaison.biometrics.model`` says: counter-clockwise
*as seen*, i.e. the direction ``a`` points along ``(cos a, -sin a)`` in pixel coordinates.
A master lives on a ``MasterParams.canvas_width x canvas_height`` canvas with its elliptical
foreground centred on it; an impression is an ``ImpressionParams.width x height`` image.

Master fingers (``MasterParams``; ``make_master``, ``make_masters``, ``make_person``)

- ``class_frequencies`` = 3.7% arch, 2.9% tented arch, 33.8% left loop, 31.7% right loop,
  27.9% whorl: the natural frequencies of Wilson, Candela & Watson, "Neural network
  fingerprint classification", J. Artif. Neural Networks 1(2), 1994 (NIST), as quoted in
  Maltoni, Maio, Jain & Prabhakar, *Handbook of Fingerprint Recognition* (Springer, 2009).
  The same for every finger position (hand-dependent loop frequencies would be more faithful,
  but nothing downstream depends on them).
- Orientation field: the zero-pole model of Sherlock & Monro, "A model for interpreting
  fingerprint topology", Pattern Recognition 26(7), 1993: the ridge orientation at ``z`` is
  ``1/2 * (sum arg(z - core) - sum arg(z - delta))`` (pixel frame). Cores and deltas are placed
  by class as SFinGe does (Cappelli, Maio & Maltoni, "Synthetic fingerprint-database
  generation", ICPR 2002; *Handbook* chapter 6): a loop has one core near the centre and one
  delta below it on the side opposite the opening (right of the core for a left loop); a whorl
  two cores 0-45 px apart and two deltas low on either side; a tented arch a core with a delta
  30-70 px straight below; a plain arch a core-delta pair *below* the foreground, which bends
  the ridges into arches with no singular point on the finger.
- Foreground: an ellipse, semi-axes ``N(150, 8)`` x ``N(200, 10)`` px (clipped), i.e. about
  300 x 400 px, the contact area of a plain live-scan capture at 500 ppi (SFinGe's finger
  shapes are ellipse-based too).
- ``minutiae_mean`` 45 (``minutiae_std`` 7, clipped to 30-60), scaled by the foreground's area:
  a full 300 x 400 px finger area; with the default impressions this gives about 31 per
  capture (5-95%: 19-44), the range of the FVC2002 ISO templates (26-41 per database on
  average, 13-69 in all, measured on the B sets in shared/data).
- ``min_spacing`` 10 px: the mean ridge period is about 0.46 mm, 9 px at 500 ppi, and
  extractors rarely keep two minutiae closer than one period.
- Minutiae are not uniform: they are thrown as darts under a log-Gaussian density made of
  ``density_waves`` 4 random plane waves (wavelengths ``density_wavelength`` 60-200 px,
  log-density std ``density_sigma`` 0.8), so fingers have denser and sparser regions. With 0.8
  the nearest-neighbour distances within impressions (percentiles 5/25/50/75: 9, 14, 20, 29 px)
  come close to those of the FVC2002 DB1 B templates (7, 13, 20, 28 px). None within
  ``singular_clearance`` px of a core or delta and fewer up to three times as far, where real
  extractors cannot place them reliably; none within ``edge_margin`` px of the foreground edge.
- ``pair_fraction`` of the darts bring a companion ``pair_distance`` px further along the ridge
  flow with the same kind: the two ends of a short ridge (endings, pointing away from each
  other) or of an enclosure (bifurcations, facing each other) - the commonest compound
  minutiae, which makes minutiae cluster along ridges as they do in real prints.
- Each minutia points along the ridge orientation at its position, forwards or backwards at
  random (fixed for the master); ``ending_fraction`` 0.65 are ridge endings, the rest
  bifurcations (64.7% endings in the FVC2002 B templates).

Impressions (``ImpressionParams``; ``make_impression``, ``person_impression``)

- ``quality`` ~ ``N(quality_mean=70, quality_std=15)`` clipped to ``[quality_min=20, 100]`` is
  the finger quality reported in the template; it scales every error rate and spread below by
  ``exp(quality_gain * (quality_mean - quality) / 100)`` (``quality_gain`` 2: a quality-40
  capture is about 1.8 times noisier than a typical one, a quality-95 one 0.6 times).
- Capture window: an ellipse covering ``U(coverage_min=0.55, coverage_max=1.0)`` of the
  foreground area (aspect jittered by ``aspect_jitter``), placed at random inside it; minutiae
  outside it, or within ``border_margin`` px of its edge (extractors drop border minutiae), are
  lost. Placing the finger off-centre loses more where it leaves the image.
- Plastic distortion after Cappelli, Maio & Maltoni, "Modelling plastic distortion in
  fingerprint images", ICAPR 2001 (LNCS 2013): a close-contact ellipse (``contact_fraction`` of
  the window's semi-axes) does not move; beyond it a small rigid motion (rotation
  ``N(0, distortion_rotation_deg=2)``, shift ``N(0, distortion_shift=3 px)`` per axis) takes
  over through the paper's brake function ``(1 - cos(pi d / k)) / 2`` over
  ``distortion_transition`` (k) = 60 px, so that peripheral minutiae move by a few pixels,
  up to about 10 px, relative to the centre.
- Placement: rotation ``N(0, rotation_sigma_deg=10)`` clipped to ``+-rotation_max_deg=30``
  (FVC2002 volunteers were asked for exaggerated rotations, up to about 35 degrees); translation
  ``N(0, translation_sigma=20 px)`` per axis clipped to ``+-translation_max=40 px``.
- Extractor errors: each minutia is missed with probability ``missing_rate`` 0.12, its kind
  flips with ``kind_flip_rate`` 0.1 (ridge ending and bifurcation are confused under pressure),
  its position moves by ``N(0, position_sigma=2 px)`` per axis and its angle by
  ``N(0, angle_sigma_deg=6)``; ``Poisson(spurious_mean=3)`` spurious minutiae (at most
  ``spurious_max=8``) appear inside the window, aligned with the ridge flow as real false
  minutiae (broken ridges, scars) are, 65% of them endings. The ranges these were chosen in
  (10-20% missed, 0-8 spurious, 2-3 px, 6-10 degrees) are typical of minutiae extractors on
  live-scan captures; within them the defaults were set so that our MCC matcher
  (``liaison.biometrics.mcc``) scores synthetic mates roughly like FVC2002 mates (mean genuine
  score 0.105 against 0.12-0.21 on the DB1-3 B sets; impostor 99th percentile 0.023 against
  0.024-0.025). This is a first setting, to be calibrated against the score distributions.
- Per-minutia quality is the finger quality plus ``N(0, 10)`` (15 less for spurious minutiae);
  coordinates off the image are dropped; the order of the minutiae is shuffled, so the array
  index carries no correspondence. ``make_impression_with_truth`` also returns the ground truth
  (``ImpressionTruth``): which master minutia each output row came from, and the transform.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numba as nb
import numpy as np
import numpy.typing as npt

from liaison.biometrics.model import (
    TEN_FINGERS,
    FingerPosition,
    FingerTemplate,
    Minutiae,
    TenPrint,
)

__all__ = [
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

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]

# identity_rng stream reserved for a person's masters; streams below it are captures
MASTER_STREAM = 2**32 - 1
RESOLUTION_PPCM = 197  # 500 ppi
_MAX_SINGULAR = 4
_TWO_PI_F32 = np.float32(2 * math.pi)
_SPURIOUS_ENDINGS = 0.65  # share of ridge endings among spurious minutiae


class PatternClass(IntEnum):
    """Henry pattern classes, as the NIST special databases label them."""

    ARCH = 0
    TENTED_ARCH = 1
    LEFT_LOOP = 2
    RIGHT_LOOP = 3
    WHORL = 4


@dataclass(frozen=True, slots=True)
class MasterParams:
    """How master fingers are drawn; the module docstring gives each default's source."""

    class_frequencies: tuple[float, float, float, float, float] = (
        0.037,
        0.029,
        0.338,
        0.317,
        0.279,
    )  # in PatternClass order
    canvas_width: int = 336
    canvas_height: int = 448
    semi_axis_x: tuple[float, float, float, float] = (150.0, 8.0, 130.0, 164.0)  # mean sd lo hi
    semi_axis_y: tuple[float, float, float, float] = (200.0, 10.0, 175.0, 220.0)
    minutiae_mean: float = 45.0  # for a foreground of the mean size
    minutiae_std: float = 7.0
    minutiae_min: int = 30
    minutiae_max: int = 60
    min_spacing: float = 10.0  # pixels
    edge_margin: float = 4.0  # pixels inside the foreground edge
    singular_clearance: float = 16.0  # pixels around a core or delta with no minutia
    density_sigma: float = 0.8  # std of the log-density
    density_waves: int = 4
    density_wavelength: tuple[float, float] = (60.0, 200.0)  # pixels
    ending_fraction: float = 0.65
    pair_fraction: float = 0.15
    pair_distance: tuple[float, float] = (12.0, 28.0)  # pixels along the ridge
    max_darts: int = 400  # darts thrown per wanted minutia before giving up

    def __post_init__(self) -> None:
        freq = np.asarray(self.class_frequencies, dtype=np.float64)
        if freq.shape != (5,) or (freq < 0).any() or freq.sum() <= 0:
            raise ValueError("class_frequencies must be five non-negative weights, not all 0")
        for name in ("semi_axis_x", "semi_axis_y"):
            mean, _, lo, hi = getattr(self, name)
            if not 0 < lo <= mean <= hi:
                raise ValueError(f"{name} must be (mean, sd, lo, hi) with 0 < lo <= mean <= hi")
        if 2 * self.semi_axis_x[3] > self.canvas_width:
            raise ValueError("the widest foreground must fit the canvas width")
        if 2 * self.semi_axis_y[3] > self.canvas_height:
            raise ValueError("the tallest foreground must fit the canvas height")
        if not 0 < self.minutiae_min <= self.minutiae_max:
            raise ValueError("need 0 < minutiae_min <= minutiae_max")
        for name in ("ending_fraction", "pair_fraction"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1]")
        if not 0 < self.pair_distance[0] <= self.pair_distance[1]:
            raise ValueError("pair_distance must be (lo, hi) with 0 < lo <= hi")
        if not 0 < self.density_wavelength[0] <= self.density_wavelength[1]:
            raise ValueError("density_wavelength must be (lo, hi) with 0 < lo <= hi")
        if self.density_waves < 0 or self.max_darts < 1:
            raise ValueError("density_waves must be >= 0 and max_darts >= 1")


@dataclass(frozen=True, slots=True)
class ImpressionParams:
    """How one capture of a master is simulated; the module docstring gives the sources."""

    width: int = 300  # image size: the FVC2002 ISO templates declare 300 x 400
    height: int = 400
    rotation_sigma_deg: float = 10.0
    rotation_max_deg: float = 30.0
    translation_sigma: float = 20.0  # pixels, per axis
    translation_max: float = 40.0
    coverage_min: float = 0.55  # fraction of the foreground area in the capture window
    coverage_max: float = 1.0
    aspect_jitter: float = 0.15
    border_margin: float = 6.0  # pixels inside the window's edge
    contact_fraction: float = 0.4  # close-contact ellipse / window semi-axes
    distortion_transition: float = 60.0  # k, pixels
    distortion_rotation_deg: float = 2.0
    distortion_shift: float = 3.0  # pixels, per axis
    missing_rate: float = 0.12
    spurious_mean: float = 3.0
    spurious_max: int = 8
    position_sigma: float = 2.0  # pixels, per axis
    angle_sigma_deg: float = 6.0
    kind_flip_rate: float = 0.1
    quality_mean: float = 70.0
    quality_std: float = 15.0
    quality_min: float = 20.0
    quality_gain: float = 2.0
    impression_type: int = 0  # ISO: 0 live-scan plain

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError("width and height must be positive")
        if not 0 < self.coverage_min <= self.coverage_max <= 1:
            raise ValueError("need 0 < coverage_min <= coverage_max <= 1")
        if not 0 < self.contact_fraction <= 1 or self.distortion_transition <= 0:
            raise ValueError("contact_fraction must be in (0, 1], distortion_transition > 0")
        for name in ("missing_rate", "kind_flip_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1]")
        if not 0 <= self.quality_min <= 100 or self.spurious_max < 0 or self.spurious_mean < 0:
            raise ValueError("quality_min must be 0-100; spurious_mean, spurious_max >= 0")
        if not 0 <= self.aspect_jitter < 1:
            raise ValueError("aspect_jitter must be in [0, 1)")
        spreads = (
            self.rotation_sigma_deg,
            self.rotation_max_deg,
            self.translation_sigma,
            self.translation_max,
            self.border_margin,
            self.distortion_rotation_deg,
            self.distortion_shift,
            self.position_sigma,
            self.angle_sigma_deg,
            self.quality_std,
        )
        if min(spreads) < 0:
            raise ValueError("spreads, limits and margins must be non-negative")


@dataclass(frozen=True, slots=True, eq=False)
class MasterFinger:
    """A synthetic finger as it is, before any capture.

    ``minutiae`` is the usual ``(n, 5)`` array in canvas pixels (quality 100);
    ``foreground`` is the ellipse ``(cx, cy, semi-axis x, semi-axis y)``; ``singular`` holds
    one row ``(x, y, +1)`` per core and ``(x, y, -1)`` per delta, which with
    ``orientation_at`` define the orientation field.
    """

    position: FingerPosition
    pattern: PatternClass
    minutiae: Minutiae
    foreground: tuple[float, float, float, float]
    singular: F32
    width: int
    height: int

    @property
    def count(self) -> int:
        return int(self.minutiae.shape[0])

    @property
    def cores(self) -> F32:
        return self.singular[self.singular[:, 2] > 0, :2]

    @property
    def deltas(self) -> F32:
        return self.singular[self.singular[:, 2] < 0, :2]

    def as_template(self) -> FingerTemplate:
        """The whole master as a template on its canvas (an ideal, complete capture)."""
        return FingerTemplate(
            position=self.position,
            width=self.width,
            height=self.height,
            minutiae=self.minutiae,
            resolution_ppcm=RESOLUTION_PPCM,
            quality=100,
        )

    def same_as(self, other: MasterFinger) -> bool:
        """True when both are the same master, minutia for minutia."""
        return (
            self.position == other.position
            and self.pattern == other.pattern
            and self.width == other.width
            and self.height == other.height
            and np.allclose(self.foreground, other.foreground)
            and self.singular.shape == other.singular.shape
            and bool(np.allclose(self.singular, other.singular))
            and self.as_template().same_as(other.as_template())
        )


@dataclass(frozen=True, slots=True, eq=False)
class ImpressionTruth:
    """What really happened in one synthetic capture.

    ``source[j]`` is the master minutia that row ``j`` of the impression came from, or -1 for
    a spurious one. ``geometry`` holds the capture's parameters in the layout ``_G_*`` names;
    ``to_image`` applies them (without extractor noise).
    """

    source: I32
    quality: int
    geometry: F64

    @property
    def rotation(self) -> float:
        """Radians, counter-clockwise as seen (ISO angles grow by this much)."""
        return float(self.geometry[_G_PHI])

    @property
    def translation(self) -> tuple[float, float]:
        """Pixels by which the foreground centre lands off the image centre."""
        return float(self.geometry[_G_TX]), float(self.geometry[_G_TY])

    @property
    def window(self) -> tuple[float, float, float, float]:
        """The capture window on the master canvas: ``(cx, cy, semi-axis x, semi-axis y)``."""
        g = self.geometry
        return float(g[_G_WX]), float(g[_G_WY]), float(g[_G_WA]), float(g[_G_WB])

    def to_image(self, xy: npt.ArrayLike) -> F64:
        """Map ``(n, 2)`` master canvas points to impression pixels: distortion, then pose."""
        pts = np.ascontiguousarray(np.asarray(xy, dtype=np.float64).reshape(-1, 2))
        return _map_points(self.geometry, pts)


# --- configuration vectors for the kernels -------------------------------------------------


@functools.lru_cache(maxsize=64)
def _master_config(p: MasterParams) -> tuple[F64, F64]:
    """The parameters as ``_masters_kernel`` reads them (by index: keep the order)."""
    freq = np.asarray(p.class_frequencies, dtype=np.float64)
    cum = np.cumsum(freq / freq.sum())
    cfg = np.array(
        [
            p.canvas_width,
            p.canvas_height,
            *p.semi_axis_x,
            *p.semi_axis_y,
            p.minutiae_mean,
            p.minutiae_std,
            p.minutiae_min,
            p.minutiae_max,
            p.min_spacing,
            p.edge_margin,
            p.singular_clearance,
            p.density_sigma,
            p.density_waves,
            *p.density_wavelength,
            p.ending_fraction,
            p.pair_fraction,
            *p.pair_distance,
            p.max_darts,
        ],
        dtype=np.float64,
    )
    cfg.setflags(write=False)
    cum.setflags(write=False)
    return cfg, cum


@functools.lru_cache(maxsize=64)
def _impression_config(p: ImpressionParams) -> F64:
    """The parameters as ``_impression_kernel`` reads them (by index: keep the order)."""
    cfg = np.array(
        [
            p.width,
            p.height,
            math.radians(p.rotation_sigma_deg),
            math.radians(p.rotation_max_deg),
            p.translation_sigma,
            p.translation_max,
            p.coverage_min,
            p.coverage_max,
            p.aspect_jitter,
            p.border_margin,
            p.contact_fraction,
            p.distortion_transition,
            math.radians(p.distortion_rotation_deg),
            p.distortion_shift,
            p.missing_rate,
            p.spurious_mean,
            p.spurious_max,
            p.position_sigma,
            math.radians(p.angle_sigma_deg),
            p.kind_flip_rate,
            p.quality_mean,
            p.quality_std,
            p.quality_min,
            p.quality_gain,
        ],
        dtype=np.float64,
    )
    cfg.setflags(write=False)
    return cfg


# ImpressionTruth.geometry layout
(
    _G_CX,  # foreground centre on the canvas
    _G_CY,
    _G_IX,  # image centre
    _G_IY,
    _G_PHI,  # pose rotation, ISO sense
    _G_TX,
    _G_TY,
    _G_CCX,  # close-contact ellipse centre and semi-axes
    _G_CCY,
    _G_RA,
    _G_RB,
    _G_K,  # brake transition width
    _G_DTH,  # distortion rotation (pixel frame) and shift
    _G_DDX,
    _G_DDY,
    _G_WX,  # capture window
    _G_WY,
    _G_WA,
    _G_WB,
) = range(19)
_G_LEN = 19


# --- Numba kernels ---------------------------------------------------------------------------


@nb.njit(cache=True)
def _orient(sing: F64, ns: int, x: float, y: float) -> float:
    """Zero-pole ridge orientation at (x, y) in the pixel frame (radians, modulo pi)."""
    t = 0.0
    for k in range(ns):
        t += 0.5 * sing[k, 2] * math.atan2(y - sing[k, 1], x - sing[k, 0])
    return t


@nb.njit(cache=True)
def _iso(t: float) -> float:
    """Pixel-frame direction -> ISO angle in [0, 2pi) that survives a float32 cast."""
    a = (-t) % (2.0 * math.pi)
    if np.float32(a) >= _TWO_PI_F32:
        a = 0.0
    return a


@nb.njit(cache=True)
def _clip(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


@nb.njit(cache=True)
def _uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return lo + (hi - lo) * rng.random()


# Only ``rng.random`` is called in the kernels: each other Generator method costs Numba
# up to seconds of compilation, and these two distributions are all that is needed.
@nb.njit(cache=True)
def _gauss(rng: np.random.Generator) -> float:
    """A standard normal draw (Box-Muller)."""
    u = 1.0 - rng.random()  # in (0, 1]
    return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * rng.random())


@nb.njit(cache=True)
def _poisson(rng: np.random.Generator, mean: float) -> int:
    """A Poisson draw by multiplying uniforms (Knuth); fine for the small means used here."""
    limit = math.exp(-mean)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@nb.njit(cache=True)
def _place_singular(
    rng: np.random.Generator, pc: int, a: float, b: float, cx: float, cy: float, sing: F64
) -> int:
    """Cores and deltas for pattern class ``pc`` (SFinGe-like placements); returns how many."""
    if pc == 2 or pc == 3:  # loop: delta below the core, opposite the opening
        side = 1.0 if pc == 2 else -1.0
        x0 = cx + _gauss(rng) * 0.08 * a
        y0 = cy + (-0.1 + 0.12 * _gauss(rng)) * b
        sing[0, 0], sing[0, 1], sing[0, 2] = x0, y0, 1.0
        sing[1, 0] = x0 + side * _uniform(rng, 0.35, 0.75) * a
        sing[1, 1] = y0 + _uniform(rng, 0.35, 0.7) * b
        sing[1, 2] = -1.0
        return 2
    if pc == 4:  # whorl: two cores (coincident = concentric, apart = spiral), two deltas
        x0 = cx + _gauss(rng) * 0.06 * a
        y0 = cy + (-0.1 + 0.1 * _gauss(rng)) * b
        half = 0.5 * _uniform(rng, 0.0, 45.0)
        tilt = 0.5 * math.pi + _gauss(rng) * 0.5
        for k in range(2):
            s = 1.0 if k == 0 else -1.0
            sing[k, 0] = x0 + s * half * math.cos(tilt)
            sing[k, 1] = y0 + s * half * math.sin(tilt)
            sing[k, 2] = 1.0
            sing[2 + k, 0] = x0 + s * _uniform(rng, 0.45, 0.8) * a
            sing[2 + k, 1] = y0 + _uniform(rng, 0.3, 0.6) * b
            sing[2 + k, 2] = -1.0
        return 4
    if pc == 1:  # tented arch: delta straight below a central core
        x0 = cx + _gauss(rng) * 0.06 * a
        y0 = cy + 0.1 * _gauss(rng) * b
        sing[0, 0], sing[0, 1], sing[0, 2] = x0, y0, 1.0
        sing[1, 0] = x0 + _gauss(rng) * 4.0
        sing[1, 1] = y0 + _uniform(rng, 0.15, 0.35) * b
        sing[1, 2] = -1.0
        return 2
    # plain arch: the pair sits below the finger and only bends its ridges
    x0 = cx + _gauss(rng) * 0.1 * a
    y0 = cy + _uniform(rng, 0.95, 1.15) * b
    sing[0, 0], sing[0, 1], sing[0, 2] = x0, y0, 1.0
    sing[1, 0] = x0 + _gauss(rng) * 10.0
    sing[1, 1] = y0 + _uniform(rng, 0.8, 1.3) * b
    sing[1, 2] = -1.0
    return 2


@nb.njit(cache=True)
def _free(mins: F32, n: int, skip: int, x: float, y: float, spacing2: float) -> bool:
    """No minutia but ``skip`` among the first ``n`` is closer than the spacing."""
    for j in range(n):
        if j != skip:
            dx = mins[j, 0] - x
            dy = mins[j, 1] - y
            if dx * dx + dy * dy < spacing2:
                return False
    return True


@nb.njit(cache=True)
def _clear(sing: F64, ns: int, x: float, y: float, r0: float) -> float:
    """Acceptance factor near singular points: 0 inside r0, rising to ~1 by 3 * r0."""
    f = 1.0
    for k in range(ns):
        d2 = (x - sing[k, 0]) ** 2 + (y - sing[k, 1]) ** 2
        if d2 < r0 * r0:
            return 0.0
        f *= 1.0 - math.exp(-d2 / (4.0 * r0 * r0))
    return f


@nb.njit(cache=True)
def _inside(x: float, y: float, cx: float, cy: float, a: float, b: float) -> bool:
    u = (x - cx) / a
    v = (y - cy) / b
    return u * u + v * v <= 1.0


@nb.njit(cache=True)
def _align(t: float, dx: float, dy: float) -> float:
    """Direction ``t`` or ``t + pi``, whichever points along (dx, dy)."""
    if math.cos(t) * dx + math.sin(t) * dy < 0.0:
        return t + math.pi
    return t


@nb.njit(cache=True)
def _masters_kernel(
    rng: np.random.Generator, count: int, cfg: F64, cum: F64
) -> tuple[npt.NDArray[np.int64], F64, F64, npt.NDArray[np.int64], F32, npt.NDArray[np.int64]]:
    canvas_w, canvas_h = cfg[0], cfg[1]
    n_mean, n_std, n_min, n_max = cfg[10], cfg[11], cfg[12], cfg[13]
    spacing2 = cfg[14] * cfg[14]
    edge, clearance, d_sigma = cfg[15], cfg[16], cfg[17]
    n_waves = int(cfg[18])
    wl_lo, wl_hi, ending, pairing = cfg[19], cfg[20], cfg[21], cfg[22]
    pd_lo, pd_hi = cfg[23], cfg[24]
    darts = int(cfg[25])
    nominal_area = cfg[2] * cfg[6]
    cap = int(n_max) + 1
    pattern = np.empty(count, np.int64)
    fg = np.empty((count, 4))
    sing = np.zeros((count, _MAX_SINGULAR, 3))
    nsing = np.zeros(count, np.int64)
    mins = np.zeros((count, cap, 5), np.float32)
    nmin = np.zeros(count, np.int64)
    wave = np.empty((max(n_waves, 1), 4))  # kx, ky, phase, amplitude
    for f in range(count):
        u = rng.random()
        pc = 0
        while pc < 4 and u > cum[pc]:
            pc += 1
        pattern[f] = pc
        a = _clip(cfg[2] + cfg[3] * _gauss(rng), cfg[4], cfg[5])
        b = _clip(cfg[6] + cfg[7] * _gauss(rng), cfg[8], cfg[9])
        cx, cy = 0.5 * canvas_w, 0.5 * canvas_h
        fg[f, 0], fg[f, 1], fg[f, 2], fg[f, 3] = cx, cy, a, b
        sp = sing[f]
        ns = _place_singular(rng, pc, a, b, cx, cy, sp)
        nsing[f] = ns
        want = round(_clip((n_mean + n_std * _gauss(rng)) * a * b / nominal_area, n_min, n_max))
        amp = d_sigma * math.sqrt(2.0 / max(n_waves, 1))
        for k in range(n_waves):
            wl = _uniform(rng, wl_lo, wl_hi)
            th = rng.random() * math.pi
            wave[k, 0] = 2.0 * math.pi / wl * math.cos(th)
            wave[k, 1] = 2.0 * math.pi / wl * math.sin(th)
            wave[k, 2] = rng.random() * 2.0 * math.pi
            wave[k, 3] = amp
        g_max = amp * n_waves
        m = mins[f]
        n = 0
        ia, ib = a - edge, b - edge
        for _ in range(darts * want):
            if n >= want:
                break
            x = cx + ia * (2.0 * rng.random() - 1.0)
            y = cy + ib * (2.0 * rng.random() - 1.0)
            if not _inside(x, y, cx, cy, ia, ib):
                continue
            g = 0.0
            for k in range(n_waves):
                g += wave[k, 3] * math.cos(wave[k, 0] * x + wave[k, 1] * y + wave[k, 2])
            if rng.random() > math.exp(g - g_max) * _clear(sp, ns, x, y, clearance):
                continue
            if not _free(m, n, -1, x, y, spacing2):
                continue
            t = _orient(sp, ns, x, y)
            kind = 1.0 if rng.random() < ending else 2.0
            first = n
            m[n, 0], m[n, 1], m[n, 3], m[n, 4] = x, y, kind, 100.0
            m[n, 2] = _iso(t + (math.pi if rng.random() < 0.5 else 0.0))
            n += 1
            if n + 1 > want or rng.random() >= pairing:
                continue
            # companion along the flow: two half steps follow the ridge's curve
            d = _uniform(rng, pd_lo, pd_hi)
            step = t + (math.pi if rng.random() < 0.5 else 0.0)
            x2 = x + 0.5 * d * math.cos(step)
            y2 = y + 0.5 * d * math.sin(step)
            step = _align(_orient(sp, ns, x2, y2), math.cos(step), math.sin(step))
            x2 += 0.5 * d * math.cos(step)
            y2 += 0.5 * d * math.sin(step)
            if not _inside(x2, y2, cx, cy, ia, ib) or _clear(sp, ns, x2, y2, clearance) == 0.0:
                continue
            if not _free(m, n, first, x2, y2, spacing2):
                continue
            vx, vy = x2 - x, y2 - y
            t2 = _orient(sp, ns, x2, y2)
            if kind == 1.0:  # short ridge: the two endings point away from each other
                m[first, 2] = _iso(_align(t, -vx, -vy))
                t2 = _align(t2, vx, vy)
            else:  # enclosure: the two bifurcations face each other
                m[first, 2] = _iso(_align(t, vx, vy))
                t2 = _align(t2, -vx, -vy)
            m[n, 0], m[n, 1], m[n, 2], m[n, 3], m[n, 4] = x2, y2, _iso(t2), kind, 100.0
            n += 1
        nmin[f] = n
    return pattern, fg, sing, nsing, mins, nmin


@nb.njit(cache=True)
def _map_one(g: F64, x: float, y: float) -> tuple[float, float]:
    """Plastic distortion (Cappelli et al. 2001) then pose, for one canvas point."""
    ux, uy = x - g[_G_CCX], y - g[_G_CCY]
    r = math.sqrt(ux * ux + uy * uy)
    rho = math.sqrt((ux / g[_G_RA]) ** 2 + (uy / g[_G_RB]) ** 2)
    brake = 0.0
    if rho > 1.0:
        dist = r * (1.0 - 1.0 / rho)  # to the close-contact ellipse, along the ray
        k = g[_G_K]
        brake = 1.0 if dist >= k else 0.5 * (1.0 - math.cos(math.pi * dist / k))
    c, s = math.cos(g[_G_DTH]), math.sin(g[_G_DTH])
    x1 = x + brake * (c * ux - s * uy + g[_G_DDX] - ux)
    y1 = y + brake * (s * ux + c * uy + g[_G_DDY] - uy)
    dx, dy = x1 - g[_G_CX], y1 - g[_G_CY]
    c, s = math.cos(g[_G_PHI]), math.sin(g[_G_PHI])
    return g[_G_IX] + c * dx + s * dy + g[_G_TX], g[_G_IY] - s * dx + c * dy + g[_G_TY]


@nb.njit(cache=True)
def _map_points(g: F64, pts: F64) -> F64:
    out = np.empty_like(pts)
    for i in range(pts.shape[0]):
        out[i, 0], out[i, 1] = _map_one(g, pts[i, 0], pts[i, 1])
    return out


@nb.njit(cache=True)
def _orientations(sing: F64, xs: F64, ys: F64) -> F64:
    out = np.empty(xs.shape[0])
    for i in range(xs.shape[0]):
        out[i] = _orient(sing, sing.shape[0], xs[i], ys[i])
    return out


@nb.njit(cache=True)
def _impression_kernel(
    rng: np.random.Generator, mins: F32, fg: F64, sing: F64, cfg: F64
) -> tuple[F32, I32, F64, float]:
    width, height = cfg[0], cfg[1]
    cx, cy, a, b = fg[0], fg[1], fg[2], fg[3]
    q_mean, q_std, q_min, q_gain = cfg[20], cfg[21], cfg[22], cfg[23]
    q = _clip(q_mean + q_std * _gauss(rng), q_min, 100.0)
    worse = math.exp(q_gain * (q_mean - q) / 100.0)

    g = np.empty(_G_LEN)
    g[_G_CX], g[_G_CY], g[_G_IX], g[_G_IY] = cx, cy, 0.5 * width, 0.5 * height
    # capture window: an ellipse with the wanted share of the foreground area, inside it
    cover = _uniform(rng, cfg[6], cfg[7])
    aspect = 1.0 + cfg[8] * (2.0 * rng.random() - 1.0)
    sx = min(1.0, math.sqrt(cover) * aspect)
    sy = min(1.0, cover / sx)
    g[_G_WA], g[_G_WB] = sx * a, sy * b
    g[_G_WX] = cx + (2.0 * rng.random() - 1.0) * (1.0 - sx) * a
    g[_G_WY] = cy + (2.0 * rng.random() - 1.0) * (1.0 - sy) * b
    # plastic distortion around a close-contact region near the window's centre
    g[_G_CCX] = g[_G_WX] + 0.1 * g[_G_WA] * _gauss(rng)
    g[_G_CCY] = g[_G_WY] + 0.1 * g[_G_WB] * _gauss(rng)
    g[_G_RA], g[_G_RB] = cfg[10] * g[_G_WA], cfg[10] * g[_G_WB]
    g[_G_K] = cfg[11]
    g[_G_DTH] = cfg[12] * _gauss(rng)
    g[_G_DDX], g[_G_DDY] = cfg[13] * _gauss(rng), cfg[13] * _gauss(rng)
    # pose on the platen
    g[_G_PHI] = _clip(cfg[2] * _gauss(rng), -cfg[3], cfg[3])
    g[_G_TX] = _clip(cfg[4] * _gauss(rng), -cfg[5], cfg[5])
    g[_G_TY] = _clip(cfg[4] * _gauss(rng), -cfg[5], cfg[5])

    border = cfg[9]
    p_miss = min(0.95, cfg[14] * worse)
    p_flip = min(0.5, cfg[19] * worse)
    pos_sd, ang_sd = cfg[17] * worse, cfg[18] * worse
    n_spur = min(_poisson(rng, cfg[15] * worse), int(cfg[16]))
    n = mins.shape[0]
    total = n + n_spur
    src = np.empty(total, np.int64)
    px = np.empty(total)
    py = np.empty(total)
    pa = np.empty(total)
    pk = np.empty(total)
    pq = np.empty(total)
    wx, wy, wa, wb = g[_G_WX], g[_G_WY], g[_G_WA], g[_G_WB]
    kept = 0
    for i in range(n):
        x, y = float(mins[i, 0]), float(mins[i, 1])
        u, v = (x - wx) / wa, (y - wy) / wb
        rho = math.sqrt(u * u + v * v)
        if rho >= 1.0 or (rho > 0.0 and math.hypot(x - wx, y - wy) * (1.0 / rho - 1.0) < border):
            continue
        if rng.random() < p_miss:
            continue
        src[kept], px[kept], py[kept] = i, x, y
        pa[kept], pk[kept] = float(mins[i, 2]), float(mins[i, 3])
        pq[kept] = q
        kept += 1
    ns = sing.shape[0]
    for _ in range(n_spur):
        for _try in range(100):
            x = wx + wa * (2.0 * rng.random() - 1.0)
            y = wy + wb * (2.0 * rng.random() - 1.0)
            if _inside(x, y, wx, wy, wa - border, wb - border) and _inside(x, y, cx, cy, a, b):
                t = _orient(sing, ns, x, y) + (math.pi if rng.random() < 0.5 else 0.0)
                src[kept], px[kept], py[kept], pa[kept] = -1, x, y, _iso(t)
                pk[kept] = 1.0 if rng.random() < _SPURIOUS_ENDINGS else 2.0
                pq[kept] = q - 15.0
                kept += 1
                break

    out = np.empty((kept, 5), np.float32)
    out_src = np.empty(kept, np.int32)
    m = 0
    for j in range(kept):
        x0, y0, alpha = px[j], py[j], pa[j]
        xi, yi = _map_one(g, x0, y0)
        # the direction is carried by a second point 4 px along it (ISO: (cos, -sin))
        xe, ye = _map_one(g, x0 + 4.0 * math.cos(alpha), y0 - 4.0 * math.sin(alpha))
        alpha = math.atan2(yi - ye, xe - xi) + ang_sd * _gauss(rng)
        xi += pos_sd * _gauss(rng)
        yi += pos_sd * _gauss(rng)
        kind = pk[j]
        if rng.random() < p_flip:
            kind = 3.0 - kind
        xf, yf = np.float32(xi), np.float32(yi)
        if xf < 0.0 or yf < 0.0 or xf > width - 1.0 or yf > height - 1.0:
            continue
        out[m, 0], out[m, 1], out[m, 2], out[m, 3] = xf, yf, _iso(-alpha), kind
        out[m, 4] = round(_clip(pq[j] + 10.0 * _gauss(rng), 1.0, 100.0))
        out_src[m] = src[j]
        m += 1
    # shuffle, so that row order says nothing about the correspondence
    for j in range(m - 1, 0, -1):
        r = min(int(rng.random() * (j + 1)), j)
        if r != j:
            for c in range(5):
                tmp = out[j, c]
                out[j, c] = out[r, c]
                out[r, c] = tmp
            s = out_src[j]
            out_src[j] = out_src[r]
            out_src[r] = s
    return out[:m].copy(), out_src[:m].copy(), g, q


# --- public API ------------------------------------------------------------------------------


def identity_rng(seed: int, identity: int, stream: int) -> np.random.Generator:
    """The independent random stream ``stream`` of synthetic person ``identity``.

    Use ``MASTER_STREAM`` for the person's fingers (``make_person`` does) and ``0, 1, 2, ...``
    for successive captures of them; the result does not depend on what else is generated.
    """
    return np.random.default_rng([seed, identity, stream])


def make_masters(
    rng: np.random.Generator | int,
    count: int,
    positions: FingerPosition | Sequence[FingerPosition] = FingerPosition.UNKNOWN,
    params: MasterParams | None = None,
) -> list[MasterFinger]:
    """``count`` master fingers from one stream; ``positions`` is one for all or one each."""
    gen = np.random.default_rng(rng)
    p = params or MasterParams()
    if count < 0:
        raise ValueError("count must be >= 0")
    if isinstance(positions, FingerPosition):
        pos: Sequence[FingerPosition] = [positions] * count
    else:
        pos = positions
        if len(pos) != count:
            raise ValueError(f"{len(pos)} positions for {count} masters")
    cfg, cum = _master_config(p)
    pattern, fg, sing, nsing, mins, nmin = _masters_kernel(gen, count, cfg, cum)
    out: list[MasterFinger] = []
    for f in range(count):
        cx, cy, a, b = fg[f]
        out.append(
            MasterFinger(
                position=FingerPosition(pos[f]),
                pattern=PatternClass(int(pattern[f])),
                minutiae=mins[f, : nmin[f]].copy(),
                foreground=(float(cx), float(cy), float(a), float(b)),
                singular=sing[f, : nsing[f]].astype(np.float32),
                width=p.canvas_width,
                height=p.canvas_height,
            )
        )
    return out


def make_master(
    rng: np.random.Generator | int,
    position: FingerPosition = FingerPosition.UNKNOWN,
    params: MasterParams | None = None,
) -> MasterFinger:
    """One master finger."""
    return make_masters(rng, 1, position, params)[0]


def make_person(seed: int, identity: int, params: MasterParams | None = None) -> list[MasterFinger]:
    """The ten master fingers (positions 1-10, in order) of synthetic person ``identity``."""
    return make_masters(identity_rng(seed, identity, MASTER_STREAM), 10, TEN_FINGERS, params)


def make_impression_with_truth(
    master: MasterFinger,
    rng: np.random.Generator | int,
    params: ImpressionParams | None = None,
) -> tuple[FingerTemplate, ImpressionTruth]:
    """One capture of ``master`` and the ground truth of how it was made."""
    gen = np.random.default_rng(rng)
    p = params or ImpressionParams()
    minutiae, source, geometry, quality = _impression_kernel(
        gen,
        master.minutiae,
        np.asarray(master.foreground, dtype=np.float64),
        master.singular.astype(np.float64),
        _impression_config(p),
    )
    q = round(quality)
    template = FingerTemplate(
        position=master.position,
        width=p.width,
        height=p.height,
        minutiae=minutiae,
        resolution_ppcm=RESOLUTION_PPCM,
        quality=q,
        impression=p.impression_type,
    )
    return template, ImpressionTruth(source=source, quality=q, geometry=geometry)


def make_impression(
    master: MasterFinger,
    rng: np.random.Generator | int,
    params: ImpressionParams | None = None,
) -> FingerTemplate:
    """One capture of ``master``: posed, distorted, partial and noisy, as an extractor sees it."""
    return make_impression_with_truth(master, rng, params)[0]


def person_impression(
    masters: Sequence[MasterFinger],
    rng: np.random.Generator | int,
    params: ImpressionParams | None = None,
) -> TenPrint:
    """One capture of each of a person's fingers, filed by position."""
    gen = np.random.default_rng(rng)
    fingers = {m.position: make_impression(m, gen, params) for m in masters}
    if len(fingers) != len(masters):
        raise ValueError("two masters share a finger position")
    return TenPrint(fingers=fingers)


def orientation_at(master: MasterFinger, x: npt.ArrayLike, y: npt.ArrayLike) -> F64:
    """The master's ridge orientation at canvas points, as an ISO angle modulo pi in [0, pi)."""
    xs = np.ascontiguousarray(np.asarray(x, dtype=np.float64).ravel())
    ys = np.ascontiguousarray(np.asarray(y, dtype=np.float64).ravel())
    t = _orientations(master.singular.astype(np.float64), xs, ys)
    return np.mod(-t, np.pi)


def pack_masters(masters: Sequence[MasterFinger]) -> dict[str, npt.NDArray[np.generic]]:
    """Masters as flat arrays (for ``numpy.savez``); ``unpack_masters`` reverses it."""
    counts = np.array([m.count for m in masters], dtype=np.int64)
    nsing = np.array([m.singular.shape[0] for m in masters], dtype=np.int64)
    return {
        "position": np.array([int(m.position) for m in masters], dtype=np.int8),
        "pattern": np.array([int(m.pattern) for m in masters], dtype=np.int8),
        "canvas": np.array([(m.width, m.height) for m in masters], dtype=np.int32).reshape(-1, 2),
        "foreground": np.array([m.foreground for m in masters], dtype=np.float32).reshape(-1, 4),
        "singular_offsets": np.concatenate([[0], np.cumsum(nsing)]),
        "singular": np.concatenate(
            [m.singular for m in masters] or [np.empty((0, 3), np.float32)]
        ).astype(np.float32),
        "minutiae_offsets": np.concatenate([[0], np.cumsum(counts)]),
        "minutiae": np.concatenate(
            [m.minutiae for m in masters] or [np.empty((0, 5), np.float32)]
        ).astype(np.float32),
    }


def unpack_masters(arrays: dict[str, npt.NDArray[np.generic]]) -> list[MasterFinger]:
    """The masters ``pack_masters`` stored."""
    mo = arrays["minutiae_offsets"]
    so = arrays["singular_offsets"]
    minutiae = np.asarray(arrays["minutiae"], dtype=np.float32)
    singular = np.asarray(arrays["singular"], dtype=np.float32)
    out: list[MasterFinger] = []
    for i in range(len(arrays["position"])):
        cx, cy, a, b = (float(v) for v in arrays["foreground"][i])
        out.append(
            MasterFinger(
                position=FingerPosition(int(arrays["position"][i])),
                pattern=PatternClass(int(arrays["pattern"][i])),
                minutiae=np.ascontiguousarray(minutiae[int(mo[i]) : int(mo[i + 1])]),
                foreground=(cx, cy, a, b),
                singular=np.ascontiguousarray(singular[int(so[i]) : int(so[i + 1])]),
                width=int(arrays["canvas"][i, 0]),
                height=int(arrays["canvas"][i, 1]),
            )
        )
    return out
