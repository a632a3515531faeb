"""Real-impostor floors of the fused score, by the number of probe fingers.

    python -m bench.real_impostor_floor bench/out/fvc_templates.csv [bench/out/fvc_images.csv ...]

Each argument is a score matrix written by ``liaison biometrics score-matrix`` over the
FVC2002 B sets (templates, or images through the extractor). Every cross-finger pair is an
impostor score; the fused score of an n-finger stranger is modelled as the mean of n impostor
scores drawn independently (2,000,000 draws per n). Printed per n: the quantiles at 1 - 1e-5
(match floor) and 1 - 1e-4 (possible floor), the larger over the matrices given, and the share
of genuine n-finger means that would fall below the match floor. The table feeds
``liaison.biometrics.identification.REAL_IMPOSTOR_FLOOR``.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
DRAWS = 2_000_000


def _scores(path: Path) -> tuple[F64, F64]:
    """(impostor, genuine) scores of the upper triangle of a square score-matrix CSV."""
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    names = rows[0][1:]
    matrix = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    finger = np.array([n.rsplit("_", 1)[0] for n in names])
    i, j = np.triu_indices(len(names), 1)
    same = finger[i] == finger[j]
    return matrix[i, j][~same], matrix[i, j][same]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("matrices", type=Path, nargs="+")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    table: dict[int, dict[str, float]] = {}
    for path in args.matrices:
        impostor, genuine = _scores(path)
        for n in range(1, 11):
            means = rng.choice(impostor, size=(DRAWS, n)).mean(axis=1)
            match, possible = np.quantile(means, [1 - 1e-5, 1 - 1e-4])
            genuine_means = rng.choice(genuine, size=(DRAWS // 10, n)).mean(axis=1)
            row = table.setdefault(n, {"match": 0.0, "possible": 0.0, "genuine_below": 0.0})
            row["match"] = max(row["match"], round(float(match), 4))
            row["possible"] = max(row["possible"], round(float(possible), 4))
            row["genuine_below"] = max(
                row["genuine_below"], round(float(np.mean(genuine_means < match)), 5)
            )
    for n, row in table.items():
        print(json.dumps({"fingers": n, **row}))


if __name__ == "__main__":
    main()
