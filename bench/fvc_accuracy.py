"""MCC verification accuracy on the FVC2002 B sets, by the FVC protocol.

    python -m bench.fvc_accuracy [--data ../shared/data/fvc2002] [--json] [--plot PATH]

Every database (first-level folder) is matched all against all with the default
``MccParams``: genuine pairs are every two impressions of one finger (280 per B set),
impostor pairs every two impressions of different fingers (2,880). Prints EER, FMR100,
FMR1000 and ZeroFMR per database and their mean, the matching speed on all cores and on one,
and draws the DET curves to ``bench/out/fvc_det.png``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numba
import numpy as np

from liaison.biometrics import mcc
from liaison.biometrics.dataset import discover, fvc_pairs, group_by_database
from liaison.biometrics.evaluation import DetCurve, ErrorRates, det_curve, error_rates, score_matrix
from liaison.biometrics.iso19794 import load_template

FVC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fvc2002"
PLOT = Path(__file__).resolve().parent / "out" / "fvc_det.png"
RATES = ("eer", "fmr100", "fmr1000", "zero_fmr")


def evaluate_database(cylinders: list[mcc.Cylinders], pairs: tuple[Any, Any]) -> dict[str, Any]:
    """Error rates, DET curve and matching speed of one database."""
    start = time.perf_counter()
    matrix = score_matrix(cylinders)
    seconds = time.perf_counter() - start
    genuine_pairs, impostor_pairs = pairs
    genuine = matrix[genuine_pairs[:, 0], genuine_pairs[:, 1]]
    impostor = matrix[impostor_pairs[:, 0], impostor_pairs[:, 1]]
    n = len(cylinders)
    return {
        "rates": error_rates(genuine, impostor),
        "curve": det_curve(genuine, impostor),
        "genuine": int(genuine.size),
        "impostor": int(impostor.size),
        "comparisons": n * (n + 1) // 2,
        "seconds": seconds,
    }


def one_thread_speed(cylinders: list[mcc.Cylinders]) -> float:
    """Comparisons per second of one core, on one database's all-against-all matrix."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        start = time.perf_counter()
        score_matrix(cylinders)
        seconds = time.perf_counter() - start
    finally:
        numba.set_num_threads(threads)
    n = len(cylinders)
    return n * (n + 1) / 2 / seconds


def plot_det(curves: dict[str, tuple[DetCurve, ErrorRates]], path: Path) -> None:
    """DET curves (log-log: FNMR against FMR) with each database's EER point marked."""
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    floor = 1e-4  # zero rates drawn on the axis rather than dropped by the log scale
    fig, ax = plt.subplots(figsize=(6.5, 6))
    for name, (curve, rates) in curves.items():
        line = ax.step(
            np.maximum(curve.fmr, floor),
            np.maximum(curve.fnmr, floor),
            where="post",
            label=f"{name} (EER {100 * rates.eer:.2f}%)",
        )
        ax.plot([max(rates.eer, floor)], [max(rates.eer, floor)], "o", color=line[0].get_color())
    ax.plot([floor, 1], [floor, 1], ":", color="grey", linewidth=0.8)
    ax.set(xscale="log", yscale="log", xlim=(floor, 1), ylim=(floor, 1))
    ax.set_xlabel("FMR (false match rate)")
    ax.set_ylabel("FNMR (false non-match rate)")
    ax.set_title("MCC on FVC2002 B sets (all cross-finger impostors)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower left")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=FVC, help="FVC tree: DB/FFF_I.iso")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--plot", type=Path, default=PLOT, help="where to write the DET plot")
    args = ap.parse_args()

    databases = group_by_database(discover(args.data))
    encoded = {
        name: [mcc.encode(load_template(s.path)) for s in samples]
        for name, samples in databases.items()
    }
    score_matrix(next(iter(encoded.values()))[:2])  # compile (or load) the kernels first

    results = {
        name: evaluate_database(encoded[name], fvc_pairs(samples, impostors="all"))
        for name, samples in databases.items()
    }
    comparisons = sum(r["comparisons"] for r in results.values())
    seconds = sum(r["seconds"] for r in results.values())
    speed = {
        "threads": numba.get_num_threads(),
        "all_threads": comparisons / seconds,
        "one_thread": one_thread_speed(next(iter(encoded.values()))),
    }
    mean = {k: float(np.mean([getattr(r["rates"], k) for r in results.values()])) for k in RATES}
    plot_det({name: (r["curve"], r["rates"]) for name, r in results.items()}, args.plot)

    if args.json:
        body = {
            name: {
                **{k: getattr(r["rates"], k) for k in RATES},
                "eer_threshold": r["rates"].eer_threshold,
                "genuine": r["genuine"],
                "impostor": r["impostor"],
                "comparisons_per_s": r["comparisons"] / r["seconds"],
            }
            for name, r in results.items()
        }
        out = {"databases": body, "mean": mean, "speed": speed, "det_plot": str(args.plot)}
        print(json.dumps(out, indent=2))
        return
    print(f"{'database':10} {'genuine':>8} {'impostor':>9} {'EER %':>7} {'FMR100 %':>9}", end="")
    print(f" {'FMR1000 %':>10} {'ZeroFMR %':>10} {'cmp/s':>8}")
    for name, r in results.items():
        rates = r["rates"]
        print(f"{name:10} {r['genuine']:>8} {r['impostor']:>9} {100 * rates.eer:>7.2f}", end="")
        print(f" {100 * rates.fmr100:>9.2f} {100 * rates.fmr1000:>10.2f}", end="")
        print(f" {100 * rates.zero_fmr:>10.2f} {r['comparisons'] / r['seconds']:>8.0f}")
    print(
        f"{'mean':10} {'':>8} {'':>9} {100 * mean['eer']:>7.2f} {100 * mean['fmr100']:>9.2f}",
        end="",
    )
    print(f" {100 * mean['fmr1000']:>10.2f} {100 * mean['zero_fmr']:>10.2f}")
    print(
        f"matching: {speed['all_threads']:.0f} comparisons/s on {speed['threads']} threads, "
        f"{speed['one_thread']:.0f} on one"
    )
    print(f"DET curves: {args.plot}")


if __name__ == "__main__":
    main()
