"""Minutia Cylinder-Code (MCC) matching with LSS-R consolidation.

After R. Cappelli, M. Ferrara, D. Maltoni, "Minutia Cylinder-Code: a new representation and
matching technique for fingerprint recognition", IEEE TPAMI 32(12), 2010. Each minutia gets a
*cylinder*: a local, rotation- and translation-invariant description of the minutiae around it,
``Ns x Ns`` spatial cells times ``Nd`` angular sections, binarised (the paper's bit-based
variant) so that cylinder similarity is a handful of popcounts. Two templates are compared by
building the matrix of cylinder similarities and consolidating it with *Local Similarity Sort
with Relaxation* (LSS-R): the best pairs are relaxed against each other's geometric
compatibility so that pairs that agree with a common global alignment reinforce each other.

Two departures from the paper, both measured on the FVC2002 B sets (``bench/fvc_accuracy.py``,
all cross-finger impostors; the paper's matcher scores a mean EER of 2.2% there):

- The relaxed score is fused with a small weight of a *global* score: the best relaxed pairs
  are tried as alignment anchors, minutiae are paired one-to-one under each alignment, and the
  pairs are counted against the minutiae in the region both prints cover (mean EER 1.7%).
- The paper only pairs minutiae whose directions differ by at most ``delta_theta``, which
  assumes upright prints. Here the bound holds around the rotation between the two templates,
  which their mutually most similar cylinders vote for, so a print turned any way matches.

Everything per minutia or per pair runs in Numba (``cache=True``); Python only orchestrates.

Everything per minutia or per pair runs in Numba (``cache=True``); Python only orchestrates.
Default parameters are the paper's (Table 2 and Section 5), for 500 ppi images, except where a
field's comment says otherwise.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numba as nb
import numpy as np
import numpy.typing as npt
from llvmlite import ir  # type: ignore[import-untyped]
from numba import types
from numba.extending import intrinsic

from liaison.biometrics.model import ANGLE, FingerTemplate, X, Y

__all__ = [
    "Cylinders",
    "MccParams",
    "encode",
    "encode_many",
    "similarity",
    "similarity_one_to_many",
]

F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

# a compatibility below this changes no score visibly; the relaxation skips computing it exactly
_NEGLIGIBLE = 1e-9
# bins of the vote for the rotation between two templates (10 degrees each)
_ROTATION_BINS = 36
# pixels: a cell centre this far inside an interval the encoder computes lies inside it,
# whatever the rounding; nearer ones are tested exactly
_SURE = 1e-6


@dataclass(frozen=True, slots=True)
class MccParams:
    """MCC parameters; defaults follow Cappelli et al. 2010 for 500 ppi."""

    radius: float = 70.0  # R: cylinder radius in pixels
    ns: int = 16  # Ns: spatial cells along a side
    nd: int = 6  # Nd: angular sections
    sigma_s: float = 28.0 / 3.0  # spatial Gaussian spread
    sigma_d: float = 2.0 * math.pi / 9.0  # directional Gaussian spread
    mu_psi: float = 0.01  # bit threshold on a cell's summed contribution
    omega: float = 50.0  # how far past the convex hull of the minutiae a cell stays valid
    min_vc: float = 0.75  # least fraction of valid cells for a valid cylinder
    min_m: int = 2  # least neighbouring minutiae for a valid cylinder
    min_me: float = 0.60  # least fraction of cells valid in both cylinders to compare them
    # most direction difference of two matchable minutiae, measured from the rotation between
    # the templates (estimated per comparison), so that prints turned any way still match
    delta_theta: float = math.pi / 2
    min_np: int = 4  # LSS: fewest pairs consolidated
    max_np: int = 12  # LSS: most pairs consolidated
    mu_p: float = 20.0
    tau_p: float = 0.4
    n_rel: int = 5  # relaxation iterations
    w_r: float = 0.5  # relaxation weight of a pair's own previous value
    mu1: float = 8.0  # compatibility: distance difference (pixels; paper 5, 8 measured better)
    tau1: float = -8.0 / 5.0
    mu2: float = math.pi / 16  # compatibility: direction difference (paper pi/12: EER 1.85%)
    tau2: float = -30.0
    mu3: float = math.pi / 12  # compatibility: radial angle difference
    tau3: float = -30.0
    # pick relaxation pairs one-to-one (greedy LSA: mean EER 1.69%) rather than by LSS (2.27%)
    one_to_one: bool = True
    # global consolidation (ours): its weight in the fused score. Global scores run about three
    # times the relaxed ones, so a small weight already decides close calls (FVC2002 mean EER:
    # 0 gives 2.26%, 0.05 gives 1.69%, 0.3 gives 2.76%)
    global_weight: float = 0.05
    anchors: int = 5  # top relaxed pairs tried as alignment anchors
    pair_tolerance: float = 12.0  # pixels, at the anchor
    pair_tolerance_growth: float = 0.06  # extra pixels per pixel of distance from the anchor
    pair_angle_tolerance: float = math.pi / 8
    overlap_margin: float = 10.0  # pixels past the other template's hull still in the overlap
    min_overlap: float = 10.0  # floor on overlap counts, so tiny overlaps cannot score high

    @property
    def words(self) -> int:
        return (self.ns * self.ns * self.nd + 63) // 64


@dataclass(frozen=True, slots=True, eq=False)
class Cylinders:
    """A template encoded for matching: one cylinder per *valid* minutia."""

    xy: F64  # (n, 2) positions of the minutiae that kept a valid cylinder
    angle: F64  # (n,) their directions in radians
    bits: U64  # (n, words) cell values, packed
    mask: U64  # (n, words) cell validity, packed

    @property
    def count(self) -> int:
        return int(self.xy.shape[0])


@intrinsic
def _popcount(typingctx, x):  # type: ignore[no-untyped-def]
    """The CPU's population count, which Numba does not expose by itself."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        fn = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)])
        return builder.call(fn, args)

    return sig, codegen


@nb.njit(cache=True, inline="always")
def _angle_diff(a: float, b: float) -> float:
    """Difference of two angles, a - b, folded into [-pi, pi)."""
    d = a - b
    if d < -math.pi:
        return d + 2.0 * math.pi
    if d >= math.pi:
        return d - 2.0 * math.pi
    return d


@nb.njit(cache=True)
def _convex_hull(xy: F64) -> F64:
    """Andrew's monotone chain; returns hull vertices counter-clockwise (y up)."""
    n = xy.shape[0]
    # sort by x then y (lexsort is not in Numba): a tiny y term breaks ties
    order = np.argsort(xy[:, 0] * 1e6 + xy[:, 1])
    pts = xy[order]
    hull = np.empty((2 * n + 1, 2))
    k = 0
    for i in range(n):
        while k >= 2:
            cross = (hull[k - 1, 0] - hull[k - 2, 0]) * (pts[i, 1] - hull[k - 2, 1]) - (
                hull[k - 1, 1] - hull[k - 2, 1]
            ) * (pts[i, 0] - hull[k - 2, 0])
            if cross > 0:
                break
            k -= 1
        hull[k] = pts[i]
        k += 1
    lower = k + 1
    for i in range(n - 2, -1, -1):
        while k >= lower:
            cross = (hull[k - 1, 0] - hull[k - 2, 0]) * (pts[i, 1] - hull[k - 2, 1]) - (
                hull[k - 1, 1] - hull[k - 2, 1]
            ) * (pts[i, 0] - hull[k - 2, 0])
            if cross > 0:
                break
            k -= 1
        hull[k] = pts[i]
        k += 1
    return hull[: max(k - 1, 1)].copy()


@nb.njit(cache=True)
def _near_hull(px: float, py: float, hull: F64, omega: float) -> bool:
    """True when (px, py) lies inside the convex hull or within omega of it."""
    h = hull.shape[0]
    if h < 3:
        best = 1e18
        for i in range(h):
            d = (hull[i, 0] - px) ** 2 + (hull[i, 1] - py) ** 2
            best = min(best, d)
        if h == 2:
            ax, ay, bx, by = hull[0, 0], hull[0, 1], hull[1, 0], hull[1, 1]
            vx, vy = bx - ax, by - ay
            ll = vx * vx + vy * vy
            if ll > 0:
                t = min(1.0, max(0.0, ((px - ax) * vx + (py - ay) * vy) / ll))
                cx, cy = ax + t * vx, ay + t * vy
                best = min(best, (px - cx) ** 2 + (py - cy) ** 2)
        return best <= omega * omega
    inside = True
    for i in range(h):
        ax, ay = hull[i, 0], hull[i, 1]
        bx, by = hull[(i + 1) % h, 0], hull[(i + 1) % h, 1]
        if (bx - ax) * (py - ay) - (by - ay) * (px - ax) < 0:
            inside = False
            break
    if inside:
        return True
    best = 1e18
    for i in range(h):
        ax, ay = hull[i, 0], hull[i, 1]
        bx, by = hull[(i + 1) % h, 0], hull[(i + 1) % h, 1]
        vx, vy = bx - ax, by - ay
        ll = vx * vx + vy * vy
        t = 0.0
        if ll > 0:
            t = min(1.0, max(0.0, ((px - ax) * vx + (py - ay) * vy) / ll))
        cx, cy = ax + t * vx, ay + t * vy
        best = min(best, (px - cx) ** 2 + (py - cy) ** 2)
    return best <= omega * omega


@nb.njit(cache=True)
def _hull_edges(hull: F64) -> F64:
    """Each edge of a counter-clockwise hull as a row (nx, ny, c, length, a): (nx, ny) is its
    outward unit normal, so that ``nx * x + ny * y - c`` is how far (x, y) lies past the edge's
    line, and ``-ny * x + nx * y - a`` is how far along the edge (x, y) projects from its first
    vertex. No rows for a hull of fewer than three vertices or with an edge of no length:
    ``_near_hull`` alone handles those."""
    h = hull.shape[0]
    out = np.empty((h if h >= 3 else 0, 5))
    for i in range(out.shape[0]):
        ax, ay = hull[i, 0], hull[i, 1]
        ex, ey = hull[(i + 1) % h, 0] - ax, hull[(i + 1) % h, 1] - ay
        length = math.sqrt(ex * ex + ey * ey)
        if length == 0.0:
            return np.empty((0, 5))
        nx, ny = ey / length, -ex / length
        out[i, 0] = nx
        out[i, 1] = ny
        out[i, 2] = nx * ax + ny * ay
        out[i, 3] = length
        out[i, 4] = -ny * ax + nx * ay
    return out


@nb.njit(cache=True)
def _row_span(
    row_across: F64, row_along: F64, across: F64, along: F64, hull_edges: F64, omega: float
) -> tuple[float, float]:
    """Where a row of cells, a line ``oy -> (row_across + across[:, 2] * oy, row_along +
    along[:, 2] * oy)`` in each edge's (across, along) frame, runs within ``omega`` of the
    hull: an interval of ``oy``, empty when ``lo > hi``.

    The hull grown by omega is the union of one capsule per edge (a band of half-width omega
    along the edge, and a disc at its first vertex), and convex, so the row meets it on one
    interval: from the least entry into a capsule to the greatest exit.
    """
    lo, hi = math.inf, -math.inf
    for e in range(hull_edges.shape[0]):
        a0, av = row_across[e], across[e, 2]
        t0, tv = row_along[e], along[e, 2]
        # the disc at the first vertex: (a0 + av oy)^2 + (t0 + tv oy)^2 <= omega^2, and
        # av^2 + tv^2 = 1 since the row's direction is a unit vector
        b = a0 * av + t0 * tv
        disc = b * b - (a0 * a0 + t0 * t0 - omega * omega)
        if disc >= 0.0:
            root = math.sqrt(disc)
            lo = min(lo, -b - root)
            hi = max(hi, -b + root)
        # the band: |a0 + av oy| <= omega and 0 <= t0 + tv oy <= length
        # (dividing by multiplying with the reciprocals kept in column 3, which saves 6% of
        # the encoding; the rounding is one reason cells within _SURE of an end are measured)
        band_lo, band_hi = -math.inf, math.inf
        if av != 0.0:
            x, y = (-omega - a0) * across[e, 3], (omega - a0) * across[e, 3]
            band_lo, band_hi = max(band_lo, min(x, y)), min(band_hi, max(x, y))
        elif abs(a0) > omega:
            continue
        if tv != 0.0:
            x, y = -t0 * along[e, 3], (hull_edges[e, 3] - t0) * along[e, 3]
            band_lo, band_hi = max(band_lo, min(x, y)), min(band_hi, max(x, y))
        elif t0 < 0.0 or t0 > hull_edges[e, 3]:
            continue
        if band_lo <= band_hi:
            lo = min(lo, band_lo)
            hi = max(hi, band_hi)
    return lo, hi


@nb.njit(cache=True)
def _near_hull_edges(px: float, py: float, hull: F64, hull_edges: F64, omega: float) -> bool:
    """``_near_hull`` through the hull's edge table (``_hull_edges``), without its modulo
    arithmetic and divisions: the same answer but at rounding, for many points of one hull."""
    if hull_edges.shape[0] == 0:
        return _near_hull(px, py, hull, omega)
    # inside (past no edge line), or within omega of one of the edges the point lies past: the
    # nearest point of a convex hull to a point outside lies on such an edge
    best = -1.0
    for e in range(hull_edges.shape[0]):
        nx, ny = hull_edges[e, 0], hull_edges[e, 1]
        a = nx * px + ny * py - hull_edges[e, 2]
        if a <= 0.0:
            continue
        t = -ny * px + nx * py - hull_edges[e, 4]
        over = max(0.0, -t, t - hull_edges[e, 3])
        d2 = a * a + over * over
        best = d2 if best < 0.0 else min(best, d2)
    return best <= omega * omega


@nb.njit(cache=True, inline="always")
def _cell_span(at: float, reach: float, delta_s: float, ns: int) -> tuple[int, int]:
    """Cell indices, as range bounds, whose centres may lie within ``reach`` of ``at`` along one
    axis of a cylinder (a cell wider each side, against rounding)."""
    first = (at - reach) / delta_s + (ns - 1) / 2.0
    last = (at + reach) / delta_s + (ns - 1) / 2.0
    return max(0, math.floor(first)), min(ns, math.ceil(last) + 1)


@nb.njit(cache=True, inline="always")
def _gaussian_row(
    at: float, centre: F64, lo: int, hi: int, inv_2s2: float, step_ratio: float, d2: F64, g: F64
) -> None:
    """``d2[i] = (at - centre[i])^2`` and ``g[i] = exp(-d2[i] * inv_2s2)`` for ``lo <= i <
    hi``, with two exponentials in all: along evenly spaced centres, the ratio of neighbouring
    Gaussians falls by the constant ``step_ratio = exp(-2 delta^2 inv_2s2)`` at each step."""
    if lo >= hi:
        return
    delta = centre[1] - centre[0] if centre.shape[0] > 1 else 0.0
    d = at - centre[lo]
    d2[lo] = d * d
    g[lo] = math.exp(-d2[lo] * inv_2s2)
    # g[i + 1] / g[i] = exp((2 d delta - delta^2) inv_2s2), d = at - centre[i]
    ratio = math.exp((2.0 * d * delta - delta * delta) * inv_2s2)
    for i in range(lo + 1, hi):
        d = at - centre[i]
        d2[i] = d * d
        g[i] = g[i - 1] * ratio
        ratio *= step_ratio


@nb.njit(cache=True, inline="always")
def _put_bits(words: U64, first: int, pattern: np.uint64, width: int) -> None:
    """OR the low ``width`` bits of ``pattern`` into the bit string ``words`` from bit
    ``first`` on (``width`` at most 64)."""
    w = first >> 6
    offset = first & 63
    words[w] |= pattern << np.uint64(offset)
    if offset + width > 64:
        words[w + 1] |= pattern >> np.uint64(64 - offset)


@nb.njit(cache=True)
def _valid_cells(
    cell_ok: npt.NDArray[np.bool_],
    mx: float,
    my: float,
    cos_t: float,
    sin_t: float,
    centre: F64,
    radius: float,
    omega: float,
    hull: F64,
    hull_edges: F64,
    across: F64,
    along: F64,
    row_across: F64,
    row_along: F64,
) -> int:
    """Mark in ``cell_ok`` the cells of the cylinder at (mx, my), turned by (cos_t, sin_t),
    that lie in its disc and within ``omega`` of the hull; return how many. ``across`` and
    ``along`` hold each edge's coordinates of the cell centres as linear functions of the
    cell's offsets (at the minutia, per unit of ox, per unit of oy, and the reciprocal of the
    last); ``row_across`` and ``row_along`` are scratch space."""
    edges = hull_edges.shape[0]
    valid_cells = 0
    for i in range(centre.shape[0]):
        ox = centre[i]
        for e in range(edges):
            row_across[e] = across[e, 0] + across[e, 1] * ox
            row_along[e] = along[e, 0] + along[e, 1] * ox
        # the cells within omega of the hull form one run along the row (the hull grown by
        # omega is convex); its ends are settled exactly, cells at them measured again
        lo, hi = _row_span(row_across, row_along, across, along, hull_edges, omega)
        for j in range(centre.shape[0]):
            oy = centre[j]
            ok = False
            if ox * ox + oy * oy <= radius * radius:
                if edges == 0:
                    ok = _near_hull(
                        mx + cos_t * ox - sin_t * oy, my + sin_t * ox + cos_t * oy, hull, omega
                    )
                elif lo + _SURE < oy < hi - _SURE:
                    ok = True
                elif lo - _SURE <= oy <= hi + _SURE:
                    # inside the hull (past no edge), or within omega of it: of the
                    # squared distances to the edges (segments, not lines) the cell lies
                    # past, the least is its distance to the hull, as _near_hull measures
                    best = -1.0
                    for e in range(edges):
                        a = row_across[e] + across[e, 2] * oy
                        if a <= 0.0:
                            continue
                        t = row_along[e] + along[e, 2] * oy
                        over = max(0.0, -t, t - hull_edges[e, 3])
                        d2 = a * a + over * over
                        best = d2 if best < 0.0 else min(best, d2)
                    ok = best <= omega * omega
            cell_ok[i, j] = ok
            if ok:
                valid_cells += 1
    return valid_cells


@nb.njit(cache=True)
def _encode(
    xy: F64,
    theta: F64,
    radius: float,
    ns: int,
    nd: int,
    sigma_s: float,
    sigma_d: float,
    mu_psi: float,
    omega: float,
    min_vc: float,
    min_m: int,
) -> tuple[npt.NDArray[np.bool_], U64, U64]:
    """One cylinder per minutia: (valid, bits, mask); the rows of invalid cylinders are
    not filled in (callers drop them).

    The cells are those of the paper; the work is ordered to skip what cannot matter, and
    none of it changes a cell beyond rounding (the FVC2002 B templates and 300 synthetic
    fingers encode bit for bit as the direct per-cell loop did, at three times the speed):

    - validity first: a cylinder with too few valid cells costs nothing more;
    - validity by rows: the valid cells of a row form one run, whose ends are found once per
      row; only cells at an end are measured one by one;
    - each neighbour adds to the cells within its 3-sigma cutoff only, rather than each cell
      scanning every neighbour, and in the cylinder's own frame its spatial Gaussian is
      separable: two short rows of Gaussians (four exponentials) instead of one per cell;
    - neighbouring angular sections share the erf at their common edge;
    - bits are packed a row of cells (up to 64) at a time.
    """
    n = xy.shape[0]
    words = (ns * ns * nd + 63) // 64
    bits = np.zeros((n, words), dtype=np.uint64)
    mask = np.zeros((n, words), dtype=np.uint64)
    valid = np.zeros(n, dtype=np.bool_)
    if n == 0:
        return valid, bits, mask
    hull = _convex_hull(xy)
    delta_s = 2.0 * radius / ns
    delta_d = 2.0 * math.pi / nd
    reach = radius + 3.0 * sigma_s
    norm_s = 1.0 / (sigma_s * math.sqrt(2.0 * math.pi))
    inv_2s2 = 1.0 / (2.0 * sigma_s * sigma_s)
    erf_scale = 1.0 / (sigma_d * math.sqrt(2.0))
    cutoff = 3.0 * sigma_s
    cutoff2 = cutoff**2
    step_ratio = math.exp(-2.0 * delta_s * delta_s * inv_2s2)
    # cell (i, j) is centred at (centre[i], centre[j]) in the cylinder's frame
    centre = np.empty(ns)
    for i in range(ns):
        centre[i] = delta_s * (i - (ns - 1) / 2.0)
    # cells whose centre lies inside the cylinder's disc: the denominator of min_vc
    in_disc = np.zeros((ns, ns), dtype=np.bool_)
    disc_cells = 0
    for i in range(ns):
        for j in range(ns):
            if centre[i] * centre[i] + centre[j] * centre[j] <= radius * radius:
                in_disc[i, j] = True
                disc_cells += 1
    hull_edges = _hull_edges(hull)
    edges = hull_edges.shape[0]
    # per edge: at the minutia, per unit of ox, per unit of oy, and the reciprocal of the last
    across = np.empty((edges, 4))
    along = np.empty((edges, 4))
    row_across = np.empty(edges)
    row_along = np.empty(edges)
    neigh = np.empty(n, dtype=np.int64)
    nu = np.empty(n)  # neighbours in the cylinder's frame
    nv = np.empty(n)
    cell_ok = np.zeros((ns, ns), dtype=np.bool_)
    acc = np.empty((ns, nd, ns))
    gu = np.empty(ns)
    gv = np.empty(ns)
    du2 = np.empty(ns)
    dv2 = np.empty(ns)
    contrib_d = np.empty(nd)
    for m in range(n):
        mx, my, mt = xy[m, 0], xy[m, 1], theta[m]
        cos_t, sin_t = math.cos(mt), math.sin(mt)
        nn = 0
        for t in range(n):
            if t == m:
                continue
            dx, dy = xy[t, 0] - mx, xy[t, 1] - my
            if dx * dx + dy * dy <= reach * reach:
                neigh[nn] = t
                nu[nn] = cos_t * dx + sin_t * dy
                nv[nn] = -sin_t * dx + cos_t * dy
                nn += 1
        if nn < min_m:
            continue
        # across an edge and along it, a cell centre's coordinates are linear in its offsets
        for e in range(edges):
            nx, ny = hull_edges[e, 0], hull_edges[e, 1]
            across[e, 0] = nx * mx + ny * my - hull_edges[e, 2]
            across[e, 1] = nx * cos_t + ny * sin_t
            across[e, 2] = ny * cos_t - nx * sin_t
            along[e, 0] = -ny * mx + nx * my - hull_edges[e, 4]
            along[e, 1] = -ny * cos_t + nx * sin_t
            along[e, 2] = ny * sin_t + nx * cos_t
            across[e, 3] = 1.0 / across[e, 2] if across[e, 2] != 0.0 else 0.0
            along[e, 3] = 1.0 / along[e, 2] if along[e, 2] != 0.0 else 0.0
        # a minutia this deep inside the hull has every cell of its disc within omega of it
        past = -math.inf
        for e in range(edges):
            past = max(past, across[e, 0])
        if edges > 0 and radius - omega + _SURE <= -past:
            cell_ok[:] = in_disc
            valid_cells = disc_cells
        else:
            valid_cells = _valid_cells(
                cell_ok,
                mx,
                my,
                cos_t,
                sin_t,
                centre,
                radius,
                omega,
                hull,
                hull_edges,
                across,
                along,
                row_across,
                row_along,
            )
        if valid_cells < min_vc * disc_cells:
            continue
        valid[m] = True
        acc[:] = 0.0
        for q in range(nn):
            # section k gathers the Gaussian's mass between its two edges; neighbouring
            # sections share an edge, except where the angle folds round
            alpha0 = _angle_diff(-math.pi + 0.5 * delta_d, _angle_diff(mt, theta[neigh[q]]))
            shared_edge = 0.0
            folded = False
            for k in range(nd):
                alpha = alpha0 + k * delta_d
                folds = alpha >= math.pi
                if folds:
                    alpha -= 2.0 * math.pi
                upper = math.erf((alpha + delta_d / 2.0) * erf_scale)
                if k == 0 or folds != folded:
                    shared_edge = math.erf((alpha - delta_d / 2.0) * erf_scale)
                contrib_d[k] = 0.5 * (upper - shared_edge)
                shared_edge = upper
                folded = folds
            # the cells within the cutoff lie in a box of about 2 * 3 sigma around the
            # neighbour (one cell more each side, against rounding); the test below is exact
            i_lo, i_hi = _cell_span(nu[q], cutoff, delta_s, ns)
            j_lo, j_hi = _cell_span(nv[q], cutoff, delta_s, ns)
            _gaussian_row(nu[q], centre, i_lo, i_hi, inv_2s2, step_ratio, du2, gu)
            _gaussian_row(nv[q], centre, j_lo, j_hi, inv_2s2, step_ratio, dv2, gv)
            # invalid cells gather contributions too, unread: cheaper than testing each
            for i in range(i_lo, i_hi):
                room = cutoff2 - du2[i]
                for j in range(j_lo, j_hi):
                    if dv2[j] > room:
                        continue
                    cs = norm_s * gu[i] * gv[j]
                    for k in range(nd):
                        acc[i, k, j] += cs * contrib_d[k]
        # cell (i, j) of section k is bit k * ns * ns + i * ns + j: up to 64 cells of a row
        # at a time
        for i in range(ns):
            for j0 in range(0, ns, 64):
                width = min(64, ns - j0)
                row_ok = np.uint64(0)
                for j in range(width):
                    row_ok |= np.uint64(cell_ok[i, j0 + j]) << np.uint64(j)
                if row_ok == 0:
                    continue
                for k in range(nd):
                    row_on = np.uint64(0)
                    for j in range(width):
                        row_on |= np.uint64(acc[i, k, j0 + j] >= mu_psi) << np.uint64(j)
                    first = k * ns * ns + i * ns + j0
                    _put_bits(mask[m], first, row_ok, width)
                    _put_bits(bits[m], first, row_on & row_ok, width)
    return valid, bits, mask


@nb.njit(cache=True)
def _similarity_matrix(
    xa: F64,
    ta: F64,
    ba: U64,
    ma: U64,
    xb: F64,
    tb: F64,
    bb: U64,
    mb: U64,
    min_me_cells: float,
) -> F64:
    """Local similarity of every cylinder of A with every cylinder of B (bit-based MCC)."""
    na, nb_ = xa.shape[0], xb.shape[0]
    words = ba.shape[1]
    out = np.zeros((na, nb_))
    for i in range(na):
        for j in range(nb_):
            common = 0
            ca = 0
            cb = 0
            cx = 0
            for w in range(words):
                m = ma[i, w] & mb[j, w]
                common += _popcount(m)  # type: ignore[call-arg]
                va = ba[i, w] & m
                vb = bb[j, w] & m
                ca += _popcount(va)
                cb += _popcount(vb)
                cx += _popcount(va ^ vb)
            if common < min_me_cells:
                continue
            denom = math.sqrt(ca) + math.sqrt(cb)
            if denom == 0.0:
                continue
            out[i, j] = 1.0 - math.sqrt(cx) / denom
    return out


@nb.njit(cache=True)
def _rotation_window(gamma: F64, ta: F64, tb: F64, half: float) -> None:
    """Zero the pairs whose direction difference strays over ``half`` from the rotation of B
    onto A, which the mutually best pairs (each the other's most similar cylinder) vote for.

    The paper bounds the direction difference itself, which assumes upright prints; voting
    keeps the same pruning for prints turned any way, at little cost on upright ones (FVC2002
    mean EER 1.64% bounding the difference itself, 1.69% around the vote, 2.19% unbounded).
    """
    na, nb_ = gamma.shape
    if half >= math.pi or na == 0 or nb_ == 0:
        return
    row_best = np.zeros(na)
    col_best = np.zeros(nb_)
    for i in range(na):
        for j in range(nb_):
            row_best[i] = max(row_best[i], gamma[i, j])
            col_best[j] = max(col_best[j], gamma[i, j])
    width = 2.0 * math.pi / _ROTATION_BINS
    votes = np.zeros(_ROTATION_BINS)
    cos_sum = np.zeros(_ROTATION_BINS)
    sin_sum = np.zeros(_ROTATION_BINS)
    for i in range(na):
        for j in range(nb_):
            g = gamma[i, j]
            if g <= 0.0 or g < row_best[i] or g < col_best[j]:
                continue
            d = _angle_diff(ta[i], tb[j])
            k = int((d + math.pi) / width) % _ROTATION_BINS
            votes[k] += g
            cos_sum[k] += g * math.cos(d)
            sin_sum[k] += g * math.sin(d)
    # the peak of the votes pooled over three neighbouring bins; its weighted mean direction
    peak = -1
    best = 0.0
    for k in range(_ROTATION_BINS):
        pooled = votes[k - 1] + votes[k] + votes[(k + 1) % _ROTATION_BINS]
        if pooled > best:
            best = pooled
            peak = k
    if peak < 0:
        return
    c = 0.0
    s_ = 0.0
    for k in (peak - 1, peak, (peak + 1) % _ROTATION_BINS):
        c += cos_sum[k]
        s_ += sin_sum[k]
    rotation = math.atan2(s_, c)
    for i in range(na):
        for j in range(nb_):
            if abs(_angle_diff(_angle_diff(ta[i], tb[j]), rotation)) > half:
                gamma[i, j] = 0.0


@nb.njit(cache=True, inline="always")
def _sigmoid(v: float, mu: float, tau: float) -> float:
    return 1.0 / (1.0 + math.exp(-tau * (v - mu)))


@nb.njit(cache=True)
def _greedy_pairs(gamma: F64, most: int) -> npt.NDArray[np.int64]:
    """Greedy one-to-one assignment (a cheap stand-in for the paper's LSA): the most similar
    pair of still unpaired minutiae, again and again, up to ``most`` pairs of positive
    similarity. Returns flat indices into ``gamma``, most similar first.

    Each row keeps its best free column, so a pick rescans only the rows that wanted the
    column just taken: far cheaper than sorting the whole matrix.
    """
    na, nb_ = gamma.shape
    col_used = np.zeros(nb_, dtype=np.bool_)
    row_used = np.zeros(na, dtype=np.bool_)
    best_col = np.full(na, -1, dtype=np.int64)
    best_val = np.zeros(na)
    for i in range(na):
        for j in range(nb_):
            if gamma[i, j] > best_val[i]:
                best_val[i] = gamma[i, j]
                best_col[i] = j
    out = np.empty(min(most, na, nb_), dtype=np.int64)
    got = 0
    while got < out.shape[0]:
        a = -1
        top = 0.0
        for i in range(na):
            if not row_used[i] and best_val[i] > top:
                top = best_val[i]
                a = i
        if a < 0:
            break
        b = best_col[a]
        out[got] = a * nb_ + b
        got += 1
        row_used[a] = True
        col_used[b] = True
        for i in range(na):
            if row_used[i] or best_col[i] != b:
                continue
            best_val[i] = 0.0
            best_col[i] = -1
            for j in range(nb_):
                if not col_used[j] and gamma[i, j] > best_val[i]:
                    best_val[i] = gamma[i, j]
                    best_col[i] = j
    return out[:got]


@nb.njit(cache=True)
def _lss_r(
    gamma: F64,
    xa: F64,
    ta: F64,
    xb: F64,
    tb: F64,
    min_np: int,
    max_np: int,
    mu_p: float,
    tau_p: float,
    n_rel: int,
    w_r: float,
    mu1: float,
    tau1: float,
    mu2: float,
    tau2: float,
    mu3: float,
    tau3: float,
    one_to_one: bool,
) -> tuple[float, npt.NDArray[np.int64], npt.NDArray[np.int64], F64]:
    """Consolidate a local-similarity matrix by LSS-R; also return the relaxed pairs.

    The pairs come back ordered by relaxation efficiency, best first.
    """
    na, nb_ = gamma.shape
    none = np.zeros(0, dtype=np.int64)
    if na == 0 or nb_ == 0:
        return 0.0, none, none, np.zeros(0)
    n_min = min(na, nb_)
    n_p = min_np + round(_sigmoid(n_min, mu_p, tau_p) * (max_np - min_np))
    n_r = n_min
    flat = gamma.ravel()
    if one_to_one:
        order = _greedy_pairs(gamma, n_r)
    else:
        positive = np.flatnonzero(flat > 0.0)
        order = positive[np.argsort(-flat[positive])][:n_r]
    ia = order // nb_
    ib = order % nb_
    lam0 = flat[order]
    n_r = lam0.shape[0]
    # pairs whose local similarity is zero cannot support anything
    while n_r > 0 and lam0[n_r - 1] <= 0.0:
        n_r -= 1
    if n_r == 0:
        return 0.0, none, none, np.zeros(0)
    rho = np.zeros((n_r, n_r))
    for t in range(n_r):
        at, bt = ia[t], ib[t]
        for k in range(t + 1, n_r):
            ak, bk = ia[k], ib[k]
            dxa, dya = xa[ak, 0] - xa[at, 0], xa[ak, 1] - xa[at, 1]
            dxb, dyb = xb[bk, 0] - xb[bt, 0], xb[bk, 1] - xb[bt, 1]
            d1 = abs(math.sqrt(dxa * dxa + dya * dya) - math.sqrt(dxb * dxb + dyb * dyb))
            r = _sigmoid(d1, mu1, tau1)
            # most pairs of pairs are incompatible on distance alone: skip their trigonometry
            if r < _NEGLIGIBLE:
                continue
            d2 = abs(_angle_diff(_angle_diff(ta[at], ta[ak]), _angle_diff(tb[bt], tb[bk])))
            r *= _sigmoid(d2, mu2, tau2)
            if r < _NEGLIGIBLE:
                continue
            ra = _angle_diff(ta[at], math.atan2(dya, dxa))
            rb = _angle_diff(tb[bt], math.atan2(dyb, dxb))
            r *= _sigmoid(abs(_angle_diff(ra, rb)), mu3, tau3)
            rho[t, k] = r
            rho[k, t] = r
    lam = lam0[:n_r].copy()
    nxt = np.empty(n_r)
    for _ in range(n_rel):
        for t in range(n_r):
            s = 0.0
            for k in range(n_r):
                s += rho[t, k] * lam[k]
            nxt[t] = w_r * lam[t] + (1.0 - w_r) * s / max(n_r - 1, 1)
        lam[:] = nxt
    efficiency = lam / lam0[:n_r]
    by_eff = np.argsort(-efficiency)
    total = 0.0
    for t in by_eff[: min(n_p, n_r)]:
        total += lam[t]
    return total / n_p, ia[:n_r][by_eff], ib[:n_r][by_eff], lam[by_eff]


@nb.njit(cache=True)
def _global_score(
    gamma: F64,
    xa: F64,
    ta: F64,
    xb: F64,
    tb: F64,
    ia: npt.NDArray[np.int64],
    ib: npt.NDArray[np.int64],
    anchors: int,
    tol: float,
    tol_growth: float,
    angle_tol: float,
    hull_margin: float,
    min_overlap: float,
) -> float:
    """Best alignment among the top relaxed pairs, scored over the overlapping region.

    Each anchor pair proposes a rigid transform of B onto A. Minutiae are paired one-to-one
    (greedily by local similarity) when they land within a tolerance that grows with the
    distance from the anchor, to absorb skin distortion. The score is
    (sum of paired local similarities)^2 / (minutiae of A in the overlap * those of B), so a
    few pairs in a small overlap count as much as many pairs in a large one, but no more.
    """
    na, nb_ = xa.shape[0], xb.shape[0]
    if na == 0 or nb_ == 0 or ia.shape[0] == 0:
        return 0.0
    hull_a = _convex_hull(xa)
    hull_b = _convex_hull(xb)
    edges_a = _hull_edges(hull_a)
    edges_b = _hull_edges(hull_b)
    best = 0.0
    bx = np.empty(nb_)
    by = np.empty(nb_)
    used_a = np.zeros(na, dtype=np.bool_)
    for h in range(min(anchors, ia.shape[0])):
        a0, b0 = ia[h], ib[h]
        rot = _angle_diff(ta[a0], tb[b0])
        c, s_ = math.cos(rot), math.sin(rot)
        for j in range(nb_):
            dx, dy = xb[j, 0] - xb[b0, 0], xb[j, 1] - xb[b0, 1]
            bx[j] = xa[a0, 0] + c * dx - s_ * dy
            by[j] = xa[a0, 1] + s_ * dx + c * dy
        used_a[:] = False
        paired = 0.0
        for j in range(nb_):
            r_anchor = math.sqrt((bx[j] - xa[a0, 0]) ** 2 + (by[j] - xa[a0, 1]) ** 2)
            lim = tol + tol_growth * r_anchor
            pick = -1
            pick_g = -1.0
            for i in range(na):
                if used_a[i]:
                    continue
                d2 = (bx[j] - xa[i, 0]) ** 2 + (by[j] - xa[i, 1]) ** 2
                if d2 > lim * lim:
                    continue
                if abs(_angle_diff(ta[i], tb[j] + rot)) > angle_tol:
                    continue
                if gamma[i, j] > pick_g:
                    pick_g = gamma[i, j]
                    pick = i
            if pick >= 0:
                used_a[pick] = True
                paired += 0.5 + 0.5 * pick_g
        # minutiae of each template that fall inside the other's (aligned) hull
        in_a = 0
        for j in range(nb_):
            if _near_hull_edges(bx[j], by[j], hull_a, edges_a, hull_margin):
                in_a += 1
        in_b = 0
        for i in range(na):
            dx, dy = xa[i, 0] - xa[a0, 0], xa[i, 1] - xa[a0, 1]
            qx = xb[b0, 0] + c * dx + s_ * dy
            qy = xb[b0, 1] - s_ * dx + c * dy
            if _near_hull_edges(qx, qy, hull_b, edges_b, hull_margin):
                in_b += 1
        denom = max(float(in_a), min_overlap) * max(float(in_b), min_overlap)
        score = min(1.0, paired * paired / denom)
        best = max(best, score)
    return best


@nb.njit(cache=True)
def _score(
    xa: F64,
    ta: F64,
    ba: U64,
    ma: U64,
    xb: F64,
    tb: F64,
    bb: U64,
    mb: U64,
    cfg: F64,
) -> float:
    """Similarity of template A to template B in [0, 1]; ``cfg`` comes from ``_config``."""
    gamma = _similarity_matrix(xa, ta, ba, ma, xb, tb, bb, mb, cfg[1])
    _rotation_window(gamma, ta, tb, cfg[0])
    local, ia, ib, _ = _lss_r(
        gamma,
        xa,
        ta,
        xb,
        tb,
        int(cfg[2]),
        int(cfg[3]),
        cfg[4],
        cfg[5],
        int(cfg[6]),
        cfg[7],
        cfg[8],
        cfg[9],
        cfg[10],
        cfg[11],
        cfg[12],
        cfg[13],
        cfg[14] > 0.0,
    )
    w = cfg[15]
    if w <= 0.0:
        return float(local)
    glob = _global_score(
        gamma, xa, ta, xb, tb, ia, ib, int(cfg[16]), cfg[17], cfg[18], cfg[19], cfg[20], cfg[21]
    )
    return float((1.0 - w) * local + w * glob)


@nb.njit(cache=True, parallel=True)
def _score_pairs(
    xy: F64,
    angle: F64,
    bits: U64,
    mask: U64,
    offsets: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    second: npt.NDArray[np.int64],
    cfg: F64,
) -> F64:
    """``_score`` of template ``first[k]`` against template ``second[k]`` for every k, on all
    cores. The templates come packed: template t owns rows ``offsets[t]:offsets[t + 1]``.

    It lives here rather than beside its callers because Numba's cache tracks only the file a
    function is defined in: a cached caller elsewhere would keep running a stale ``_score``.
    """
    out = np.empty(first.shape[0])
    for k in nb.prange(first.shape[0]):
        a0, a1 = offsets[first[k]], offsets[first[k] + 1]
        b0, b1 = offsets[second[k]], offsets[second[k] + 1]
        out[k] = _score(
            xy[a0:a1],
            angle[a0:a1],
            bits[a0:a1],
            mask[a0:a1],
            xy[b0:b1],
            angle[b0:b1],
            bits[b0:b1],
            mask[b0:b1],
            cfg,
        )
    return out


@nb.njit(cache=True, nogil=True)
def _encode_score_pairs(
    p_xy: F64,
    p_th: F64,
    p_bits: U64,
    p_mask: U64,
    p_off: I64,
    c_xy: F64,
    c_th: F64,
    c_off: I64,
    pair_probe: I64,
    pair_cand: I64,
    enc: F64,
    cfg: F64,
) -> F64:
    """Encode each candidate finger and score it against its probe finger.

    Probe ``pair_probe[k]`` (already encoded) meets raw candidate ``pair_cand[k]``; ``enc``
    packs the encoding parameters in ``_encode``'s order. Defined here, not beside its caller in
    ``identification``, so that Numba's per-file cache is invalidated when ``_score`` changes.

    It runs on the calling thread and releases the GIL, so callers spread pairs over threads of
    their own. Numba's ``parallel=True`` did that job before, but its OpenMP threads spin for
    milliseconds after each parallel region before they sleep (libgomp's default wait policy):
    about 10% more CPU per ten-print search, and twice as much for a mated one.
    """
    out = np.zeros(pair_probe.shape[0])
    for k in range(pair_probe.shape[0]):
        p = pair_probe[k]
        c = pair_cand[k]
        xy = c_xy[c_off[c] : c_off[c + 1]]
        th = c_th[c_off[c] : c_off[c + 1]]
        valid, bits, mask = _encode(
            xy,
            th,
            enc[0],
            int(enc[1]),
            int(enc[2]),
            enc[3],
            enc[4],
            enc[5],
            enc[6],
            enc[7],
            int(enc[8]),
        )
        a, b = p_off[p], p_off[p + 1]
        out[k] = _score(
            p_xy[a:b],
            p_th[a:b],
            p_bits[a:b],
            p_mask[a:b],
            xy[valid],
            th[valid],
            bits[valid],
            mask[valid],
            cfg,
        )
    return out


@functools.lru_cache(maxsize=16)
def _disc_cells(radius: float, ns: int) -> int:
    """Cells whose centre lies inside a cylinder's disc (as ``_encode`` counts them)."""
    offsets = 2.0 * radius / ns * (np.arange(ns) - (ns - 1) / 2.0)
    return int(np.count_nonzero(offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius * radius))


def _config(params: MccParams) -> F64:
    """The matching parameters packed for the kernels (Numba takes arrays, not dataclasses)."""
    disc = _disc_cells(params.radius, params.ns)
    return np.array(
        [
            params.delta_theta,
            params.min_me * disc * params.nd,
            params.min_np,
            params.max_np,
            params.mu_p,
            params.tau_p,
            params.n_rel,
            params.w_r,
            params.mu1,
            params.tau1,
            params.mu2,
            params.tau2,
            params.mu3,
            params.tau3,
            float(params.one_to_one),
            params.global_weight,
            params.anchors,
            params.pair_tolerance,
            params.pair_tolerance_growth,
            params.pair_angle_tolerance,
            params.overlap_margin,
            params.min_overlap,
        ],
        dtype=np.float64,
    )


def encode(template: FingerTemplate, params: MccParams | None = None) -> Cylinders:
    """Encode a template's minutiae as cylinders, dropping minutiae with invalid cylinders."""
    p = params or MccParams()
    xy = np.ascontiguousarray(template.minutiae[:, [X, Y]], dtype=np.float64)
    # ISO angles turn counter-clockwise as seen, with y up; pixel rows run down, so the same
    # direction is -angle in the pixel frame the cylinders are laid out in
    theta = np.ascontiguousarray(np.mod(-template.minutiae[:, ANGLE], 2 * np.pi), dtype=np.float64)
    valid, bits, mask = _encode(
        xy,
        theta,
        p.radius,
        p.ns,
        p.nd,
        p.sigma_s,
        p.sigma_d,
        p.mu_psi,
        p.omega,
        p.min_vc,
        p.min_m,
    )
    return Cylinders(
        xy=np.ascontiguousarray(xy[valid]),
        angle=np.ascontiguousarray(theta[valid]),
        bits=np.ascontiguousarray(bits[valid]),
        mask=np.ascontiguousarray(mask[valid]),
    )


def encode_many(
    templates: list[FingerTemplate], params: MccParams | None = None
) -> list[Cylinders]:
    """Encode several templates with the same parameters."""
    return [encode(t, params) for t in templates]


def similarity(a: Cylinders, b: Cylinders, params: MccParams | None = None) -> float:
    """MCC LSS-R similarity in [0, 1]: higher means more likely the same finger."""
    cfg = _config(params or MccParams())
    return float(_score(a.xy, a.angle, a.bits, a.mask, b.xy, b.angle, b.bits, b.mask, cfg))


def similarity_one_to_many(
    probe: Cylinders, candidates: list[Cylinders], params: MccParams | None = None
) -> F64:
    """Similarity of one probe against each candidate, in candidate order."""
    cfg = _config(params or MccParams())
    out = np.empty(len(candidates))
    for i, c in enumerate(candidates):
        out[i] = _score(
            probe.xy, probe.angle, probe.bits, probe.mask, c.xy, c.angle, c.bits, c.mask, cfg
        )
    return out
