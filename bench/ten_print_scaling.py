"""Ten-print 1:N against gallery size: latency, memory and accuracy, with a chart.

    python -m bench.ten_print_scaling --sizes 10000 100000 --probes 200 [--seed 1] [--keep DIR]

With ``--keep DIR`` each size's gallery stays in ``DIR/<size>`` and is reused by the next run
(a 1,000,000-identity gallery takes 3.2 GB and about half an hour to enroll on 2 cores).

Runs ``liaison biometrics bench`` at each size (a fresh process each, so peak memory is that
size's own), prints one JSON line per size, and draws bench/out/ten_print_scaling.png.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--probes", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) each size's gallery here")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in this process
    args = ap.parse_args()
    if args.one:
        _one(args.one, args.probes, args.seed, args.keep)
        return
    OUT.mkdir(exist_ok=True)
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, "-m", "bench.ten_print_scaling", "--one", str(n)]
        cmd += ["--probes", str(args.probes), "--seed", str(args.seed)]
        cmd += ["--keep", str(args.keep)] if args.keep else []
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    (OUT / "ten_print_scaling.json").write_text(json.dumps(rows, indent=1))
    _plot(rows)


def _one(identities: int, probes: int, seed: int, keep: Path | None) -> None:
    import os
    import tempfile

    from liaison.biometrics.benchmark import run_bench

    with tempfile.TemporaryDirectory(prefix="liaison-scaling-") as tmp:
        result = run_bench(
            data_dir=keep / str(identities) if keep else Path(tmp),
            identities=identities,
            probes=probes,
            seed=seed,
            workers=os.cpu_count() or 1,
        )
    print(json.dumps(result.as_dict()))


def _plot(rows: list[dict[str, object]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["identities"] for r in rows]
    fig, ax = plt.subplots(1, 3, figsize=(15, 4))
    ax[0].plot(sizes, [r["search_latency_ms"]["p50"] for r in rows], "o-", label="p50")  # type: ignore[index]
    ax[0].plot(sizes, [r["search_latency_ms"]["p95"] for r in rows], "s--", label="p95")  # type: ignore[index]
    ax[0].set(xscale="log", xlabel="identities", ylabel="search latency (ms)", title="Search time")
    ax[0].legend()
    ax[1].plot(sizes, [r["peak_rss_mb"] for r in rows], "o-")
    ax[1].set(xscale="log", xlabel="identities", ylabel="peak RSS (MB)", title="Memory")
    for fpir, style in (("0.001", "o-"), ("0.01", "s--")):
        fnir = [100 * r["fnir_at_fpir"][fpir] for r in rows]  # type: ignore[index]
        ax[2].plot(sizes, fnir, style, label=f"FPIR {float(fpir):.1%}")
    ax[2].axhline(1.0, color="grey", lw=0.8, ls=":", label="bar: 1%")
    ax[2].set(xscale="log", xlabel="identities", ylabel="FNIR (%)", title="Misses at a set FPIR")
    ax[2].legend()
    fig.tight_layout()
    fig.savefig(OUT / "ten_print_scaling.png", dpi=110)


if __name__ == "__main__":
    main()
