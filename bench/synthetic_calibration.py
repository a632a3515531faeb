"""Are synthetic fingers scored like real ones? MCC score distributions, FVC2002 against synthetic.

    python -m bench.synthetic_calibration [--data ../shared/data/fvc2002] [--fingers 100]
        [--impressions 8] [--seed 1] [--out bench/out]

``liaison biometrics calibrate`` sets the decision thresholds from searches of synthetic
people, so the thresholds are only as good as synthetic impostor scores are like real ones.
This compares three sources, all scored with the default ``MccParams``:

- ``fvc2002``: the FVC2002 B templates by the FVC protocol (genuine: every two impressions of
  a finger; impostor: every two impressions of different fingers of one database), pooled
  over the databases.
- ``synthetic``: ``--fingers`` synthetic fingers x ``--impressions`` impressions, made as the
  1:N benchmark makes them (``benchmark.probe_fingers``: identity ``i``'s finger at position
  ``i % 10``, capture stream ``k`` for impression ``k``; stream 0 is what the benchmark
  enrolls, 1 its mated probe), with the same genuine and impostor pairs as one database.
- ``synthetic-vs-fvc``: the first impression of every synthetic finger against every FVC
  template: impostor scores only, the very comparisons ``calibrate`` makes against a gallery
  of FVC templates.

Writes ``synthetic_calibration.png`` (genuine and impostor histograms, impostors on a log
scale) and ``synthetic_calibration.json`` to ``--out``, and prints the summary table: genuine
mean, median, 5th and 95th percentiles, impostor 99th and 99.9th percentiles, EER, and the
false match rate that each source's 99.9th-percentile impostor score gives on the FVC2002
impostors (0.001 when the source's impostors are like the real ones).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from liaison.biometrics import mcc
from liaison.biometrics.benchmark import probe_fingers
from liaison.biometrics.dataset import Sample, discover, fvc_pairs, group_by_database
from liaison.biometrics.evaluation import error_rates, score_matrix, split_scores
from liaison.biometrics.iso19794 import load_template
from liaison.biometrics.model import TEN_FINGERS, FingerTemplate

F64 = npt.NDArray[np.float64]
Advance = Callable[[int], None]

FVC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fvc2002"
OUT = Path(__file__).resolve().parent / "out"
NAME = "synthetic_calibration"
REAL, SYNTHETIC, CROSS = "fvc2002", "synthetic", "synthetic-vs-fvc"


def fvc_scores(
    databases: dict[str, list[Sample]], advance: Advance
) -> tuple[dict[str, tuple[F64, F64]], list[mcc.Cylinders]]:
    """Genuine and impostor scores of each FVC database, and all their templates' cylinders."""
    scores: dict[str, tuple[F64, F64]] = {}
    everything: list[mcc.Cylinders] = []
    for name, samples in databases.items():
        cylinders = [mcc.encode(load_template(s.path)) for s in samples]
        matrix = score_matrix(cylinders, progress=advance)
        gen, imp = fvc_pairs(samples, impostors="all")
        scores[name] = matrix[gen[:, 0], gen[:, 1]], matrix[imp[:, 0], imp[:, 1]]
        everything.extend(cylinders)
    return scores, everything


def synthetic_fingers(
    seed: int, fingers: int, impressions: int, advance: Advance
) -> list[FingerTemplate]:
    """Impressions ``0 .. impressions-1`` of one finger of each of ``fingers`` people, finger
    by finger."""
    out: list[FingerTemplate] = []
    for identity in range(fingers):
        position = TEN_FINGERS[identity % 10]
        for stream in range(impressions):
            ten = probe_fingers(seed, identity, stream)
            out.append(next(f for f in ten if f.position == position))
        advance(1)
    return out


def cross_scores(
    probes: Sequence[mcc.Cylinders], gallery: list[mcc.Cylinders], advance: Advance
) -> F64:
    """Every probe against every gallery template: impostor scores of different sources."""
    scores = []
    for probe in probes:
        scores.append(mcc.similarity_one_to_many(probe, gallery))
        advance(len(gallery))
    return np.concatenate(scores)


def summary(genuine: F64 | None, impostor: F64, real_impostor: F64) -> dict[str, Any]:
    """The figures of one source; ``fmr_on_fvc_at_p99_9``: the share of real impostor scores
    at or above this source's 99.9th-percentile impostor score."""
    p999 = float(np.percentile(impostor, 99.9))
    out: dict[str, Any] = {
        "impostor": int(impostor.size),
        "impostor_mean": float(impostor.mean()),
        "impostor_p99": float(np.percentile(impostor, 99)),
        "impostor_p99_9": p999,
        "fmr_on_fvc_at_p99_9": float(np.mean(real_impostor >= p999)),
    }
    if genuine is not None:
        rates = error_rates(genuine, impostor)
        p5, median, p95 = np.percentile(genuine, [5, 50, 95])
        out |= {
            "genuine": int(genuine.size),
            "genuine_mean": float(genuine.mean()),
            "genuine_median": float(median),
            "genuine_p5": float(p5),
            "genuine_p95": float(p95),
            "eer": rates.eer,
            "fmr1000": rates.fmr1000,
        }
    return out


def plot(scores: dict[str, tuple[F64 | None, F64]], path: Path) -> None:
    """Genuine and impostor score histograms per source (densities; impostors on log y)."""
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    top = max(float(np.max(g)) for g, _ in scores.values() if g is not None)
    genuine_bins = np.linspace(0.0, top, 80)
    impostor_bins = np.linspace(0.0, max(float(np.max(i)) for _, i in scores.values()), 60)
    fig, (gen_ax, imp_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, (genuine, impostor) in scores.items():
        if genuine is not None:
            gen_ax.hist(
                genuine, bins=genuine_bins, density=True, histtype="step", lw=1.5, label=name
            )
        drawn = imp_ax.hist(
            impostor, bins=impostor_bins, density=True, histtype="step", lw=1.5, label=name
        )
        colour = drawn[2][0].get_edgecolor()
        imp_ax.axvline(float(np.percentile(impostor, 99.9)), color=colour, ls=":", lw=1)
    gen_ax.set(title="genuine (mated) scores", xlabel="MCC score", ylabel="density")
    imp_ax.set(
        title="impostor scores (dotted: 99.9th percentile)",
        xlabel="MCC score",
        ylabel="density",
        yscale="log",
    )
    for ax in (gen_ax, imp_ax):
        ax.grid(True, alpha=0.3)
        ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def print_table(figures: dict[str, dict[str, Any]]) -> None:
    table = Table(title="MCC scores: FVC2002 B against synthetic fingers")
    columns = {  # key: (header, scale, format)
        "genuine": ("genuine", 1, "{:,.0f}"),
        "impostor": ("impostor", 1, "{:,.0f}"),
        "genuine_mean": ("gen mean", 1, "{:.4f}"),
        "genuine_median": ("gen median", 1, "{:.4f}"),
        "genuine_p5": ("gen p5", 1, "{:.4f}"),
        "genuine_p95": ("gen p95", 1, "{:.4f}"),
        "impostor_p99": ("imp p99", 1, "{:.4f}"),
        "impostor_p99_9": ("imp p99.9", 1, "{:.4f}"),
        "eer": ("EER %", 100, "{:.2f}"),
        "fmr_on_fvc_at_p99_9": ("FVC FMR at own p99.9", 1, "{:.4f}"),
    }
    table.add_column("source")
    for header, _, _ in columns.values():
        table.add_column(header, justify="right")
    for name, row in figures.items():
        table.add_row(
            name,
            *(
                fmt.format(scale * row[key]) if key in row else "-"
                for key, (_, scale, fmt) in columns.items()
            ),
        )
    Console(width=160).print(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=FVC, help="FVC tree: DB/FFF_I.iso")
    ap.add_argument("--fingers", type=int, default=100, help="synthetic fingers")
    ap.add_argument("--impressions", type=int, default=8, help="impressions per synthetic finger")
    ap.add_argument("--seed", type=int, default=1, help="seed of the synthetic people")
    ap.add_argument("--out", type=Path, default=OUT, help="folder for the plot and the JSON")
    args = ap.parse_args()

    databases = group_by_database(discover(args.data))
    n = args.fingers * args.impressions
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:

        def task(description: str, total: int) -> Advance:
            tid: TaskID = bar.add_task(description, total=total)
            return lambda done: bar.advance(tid, done)

        fvc_total = sum(len(s) * (len(s) + 1) // 2 for s in databases.values())
        per_database, real_cylinders = fvc_scores(databases, task(REAL, fvc_total))
        made = synthetic_fingers(
            args.seed, args.fingers, args.impressions, task("generate synthetic", args.fingers)
        )
        cylinders = [mcc.encode(t) for t in made]
        matrix = score_matrix(cylinders, progress=task(SYNTHETIC, n * (n + 1) // 2))
        labels = np.repeat(np.arange(args.fingers), args.impressions).tolist()
        syn_gen, syn_imp = split_scores(matrix, labels)
        firsts = cylinders[:: args.impressions]
        cross_imp = cross_scores(
            firsts, real_cylinders, task(CROSS, len(firsts) * len(real_cylinders))
        )

    real_gen = np.concatenate([g for g, _ in per_database.values()])
    real_imp = np.concatenate([i for _, i in per_database.values()])
    scores: dict[str, tuple[F64 | None, F64]] = {
        REAL: (real_gen, real_imp),
        SYNTHETIC: (syn_gen, syn_imp),
        CROSS: (None, cross_imp),
    }
    figures = {name: summary(g, i, real_imp) for name, (g, i) in scores.items()}
    # pooled databases mix four sensors' score scales: their own EERs are lower
    database_eer = {name: error_rates(g, i).eer for name, (g, i) in per_database.items()}
    png = args.out / f"{NAME}.png"
    plot(scores, png)
    body = {
        "seed": args.seed,
        "fingers": args.fingers,
        "impressions": args.impressions,
        "fvc2002_database_eer": database_eer,
        "sources": figures,
        "plot": str(png),
    }
    (args.out / f"{NAME}.json").write_text(json.dumps(body, indent=1))
    print_table(figures)
    eers = ", ".join(f"{name} {100 * eer:.2f}%" for name, eer in database_eer.items())
    print(f"fvc2002 EER per database (the table's is of the pooled scores): {eers}")
    print(f"plot: {png}\nfigures: {args.out / f'{NAME}.json'}")


if __name__ == "__main__":
    main()
