"""MCC verification accuracy on the FVC2002 B sets from the images, by the FVC protocol.

    python -m bench.image_accuracy [--data ../shared/data/fvc2002] [--method classical|learned]
                                   [--workers N] [--ppi DB2_B=569 ...]

Every image (``DB*/FFF_I.tif``) is extracted by each method family (``extraction.Method``) in
worker processes of one torch thread each, its template passed through an ISO/IEC 19794-2
record (as ``liaison biometrics eval --source images`` uses it), then every database is
matched all against all with the default ``MccParams``: genuine pairs are every two
impressions of one finger (280 per B set), impostor pairs every two impressions of different
fingers (2,880). Prints one JSON
object: per method, EER, FMR100, FMR1000 and ZeroFMR per database and their mean; extraction
seconds per image on one core; minutiae per image; refusals; and how the finger quality
relates to the genuine scores (``quality`` below).

Quality is judged by what it is for: a low-quality impression should match its own finger's
other impressions worse. Per impression, the mean of its genuine scores; reported are the
Spearman rank correlation of quality with that mean over all 320 impressions, and the mean
genuine score of pairs whose lower quality falls in the lowest and in the highest quartile.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import spearmanr

from liaison.biometrics import mcc
from liaison.biometrics.dataset import Sample, discover, fvc_pairs, group_by_database
from liaison.biometrics.errors import ExtractionError
from liaison.biometrics.evaluation import error_rates, score_matrix
from liaison.biometrics.extraction import Method, extract, load_image
from liaison.biometrics.iso19794 import read_template, write_record
from liaison.biometrics.model import FingerPosition, FingerTemplate, minutiae_array

FVC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fvc2002"
RATES = ("eer", "fmr100", "fmr1000", "zero_fmr")


def _one_thread(method: Method) -> None:
    """A worker on one core, its models loaded (the first extraction loads them)."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = "1"
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    pixels, ppi = load_image(FVC / "DB1_B" / "101_1.tif")
    extract(pixels, ppi=ppi, method=method)


def _extract(job: tuple[str, Method, int | None]) -> dict[str, Any]:
    """One image's template and figures; a refused image has an empty template."""
    path, method, ppi = job
    pixels, resolution = load_image(Path(path), ppi=ppi)
    try:
        started = time.process_time()
        result = extract(pixels, ppi=resolution, method=method)
        seconds = time.process_time() - started
    except ExtractionError as exc:
        height, width = pixels.shape
        empty = FingerTemplate(FingerPosition.UNKNOWN, width, height, minutiae_array([], [], []))
        return {"template": empty, "quality": 0, "seconds": 0.0, "refused": str(exc)}
    return {
        # as the cache and every ISO or ANSI/NIST record hold it: angles in 1/256 turns
        "template": read_template(write_record([result.template])),
        "quality": result.quality,
        "seconds": seconds,
        "refused": None,
    }


def extract_all(
    samples: list[Sample], method: Method, workers: int, ppi: dict[str, int]
) -> list[dict[str, Any]]:
    jobs = [(str(s.path), method, ppi.get(s.database)) for s in samples]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_one_thread, initargs=(method,)
    ) as pool:
        return list(pool.map(_extract, jobs, chunksize=4))


def quality_relation(
    qualities: npt.NDArray[np.float64], genuine: list[tuple[int, int, float]]
) -> dict[str, float]:
    """How quality relates to genuine scores (see the module's docstring)."""
    n = qualities.size
    total = np.zeros(n)
    count = np.zeros(n)
    for i, j, score in genuine:
        total[[i, j]] += score
        count[[i, j]] += 1
    mean_genuine = total / np.maximum(count, 1)
    rho = float(spearmanr(qualities, mean_genuine).statistic)
    lower = np.array([min(qualities[i], qualities[j]) for i, j, _ in genuine])
    scores = np.array([s for _, _, s in genuine])
    low, high = np.quantile(lower, [0.25, 0.75])
    return {
        "spearman_quality_vs_mean_genuine_score": rho,
        "genuine_score_lowest_quality_quartile": float(scores[lower <= low].mean()),
        "genuine_score_highest_quality_quartile": float(scores[lower >= high].mean()),
        "quality_min": float(qualities.min()),
        "quality_median": float(np.median(qualities)),
        "quality_max": float(qualities.max()),
    }


def evaluate(data: Path, method: Method, workers: int, ppi: dict[str, int]) -> dict[str, Any]:
    samples = discover(data, (".tif",))
    started = time.perf_counter()
    extracted = extract_all(samples, method, workers, ppi)
    wall = time.perf_counter() - started
    index = {s.name: k for k, s in enumerate(samples)}
    databases: dict[str, Any] = {}
    genuine_all: list[tuple[int, int, float]] = []
    for name, members in group_by_database(samples).items():
        cylinders = [mcc.encode(extracted[index[s.name]]["template"]) for s in members]
        matrix = score_matrix(cylinders)
        genuine, impostor = fvc_pairs(members, impostors="all")
        rates = error_rates(
            matrix[genuine[:, 0], genuine[:, 1]], matrix[impostor[:, 0], impostor[:, 1]]
        )
        databases[name] = {k: getattr(rates, k) for k in RATES}
        genuine_all += [
            (index[members[i].name], index[members[j].name], float(matrix[i, j]))
            for i, j in genuine
        ]
    seconds = np.array([e["seconds"] for e in extracted if e["refused"] is None])
    qualities = np.array([e["quality"] for e in extracted], dtype=np.float64)
    return {
        "databases": databases,
        "mean": {k: float(np.mean([d[k] for d in databases.values()])) for k in RATES},
        "extraction": {
            "images": len(samples),
            "refused": {
                s.name: e["refused"]
                for s, e in zip(samples, extracted, strict=True)
                if e["refused"]
            },
            "seconds_per_image_one_core": float(seconds.mean()) if seconds.size else None,
            "seconds_per_image_one_core_median": float(np.median(seconds))
            if seconds.size
            else None,
            "wall_seconds_all_images": wall,
            "workers": workers,
            "minutiae_per_image": float(np.mean([e["template"].count for e in extracted])),
        },
        "quality": quality_relation(qualities, genuine_all),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=FVC, help="FVC tree: DB/FFF_I.tif")
    ap.add_argument(
        "--method", choices=[m.value for m in Method], action="append", help="default: both"
    )
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument(
        "--ppi",
        action="append",
        default=[],
        metavar="DB=PPI",
        help="a database's resolution (default: 500 for all, as the TIFFs say none)",
    )
    args = ap.parse_args()
    ppi = {db: int(value) for db, value in (item.split("=") for item in args.ppi)}
    methods = [Method(m) for m in args.method] if args.method else list(Method)
    out = {m.value: evaluate(args.data, m, args.workers, ppi) for m in methods}
    print(json.dumps({"ppi": ppi, "methods": out}, indent=2))


if __name__ == "__main__":
    main()
