"""Where the m and u of the name, date-of-birth, nationality and document comparators of
``liaison.screening.comparators`` come from.

    python -m bench.fit_weights DIR [--supervised N] [--watchlist M] [--seed S] [--pairs P]

On a generated docket and list (written under ``DIR`` as the screening bench writes them, and
reused; seed 3 by default, so that the README's figures, on seed 2, are out of sample):

* ``u`` (how often two *different* people meet a level) is estimated by Splink's
  ``estimate_u_using_random_sampling`` over ``--pairs`` random docket x list name pairs (a
  random pair is, with overwhelming odds, two different people);
* ``m`` (how often records of *one* person do) is counted over the planted true pairs: for
  each, the pair of names (docket name x entry name) that scores best under the current table,
  and the level each comparator gives it.

* except for nationality, whose ``u`` is counted over pairs of different people whose names
  sound alike (all name words' metaphone codes equal), a sample of list names joined with
  every docket name of the same sounds: a nationality follows the name's origin, so between
  strangers it agrees far more often when the names do (83% on seed 3) than at random (2.5%),
  and only pairs whose names agree are ever scored. Counting it at random would add five
  bits to nearly every candidate pair and take eight and a half from a true pair recorded
  under another nationality.

The name-rarity comparator is fitted separately (``bench.fit_name_rarity``): its levels hold
only for names that sound alike, which random pairs almost never do. The output is JSON:
``{comparator: {level label: {"m": ..., "u": ...}}}``, to be rounded into the table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from bench.fit_name_rarity import _world
from liaison.adapters.linkage.campaign import SplinkCampaign, splink_settings
from liaison.screening.comparators import (
    COMPARATORS,
    PREPARED_COLUMNS,
    PRIOR_WEIGHT,
    Comparator,
)

_FITTED = ("name", "dob", "nationality", "document")


def _u(con: duckdb.DuckDBPyConnection, pairs: int, seed: int) -> dict[str, dict[str, float]]:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    left = db_api.register("docket_names", dataset_display_name="a_docket")
    right = db_api.register("list_names", dataset_display_name="b_list")
    linker = Linker([left, right], splink_settings(), log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=seed)
    model: dict[str, Any] = linker.misc.save_model_to_json()
    out: dict[str, dict[str, float]] = {}
    for comparison in model["comparisons"]:
        levels = {}
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                levels[level["label_for_charts"]] = float(level.get("u_probability") or 0.0)
        out[comparison["output_column_name"]] = levels
    return out


def _u_nationality(con: duckdb.DuckDBPyConnection, seed: int) -> dict[str, float]:
    """Nationality levels between different people whose names sound alike (see above)."""
    con.execute(f"SELECT setseed({(seed % 1000) / 1000.0})")
    agree, total = con.execute(
        """
        WITH sample AS (
            SELECT * FROM list_names WHERE name_phon <> '' AND len(nats) > 0
            USING SAMPLE 20000 ROWS
        ), pairs AS (
            SELECT DISTINCT l.rec_id AS person_id, r.rec_id AS entry_id,
                   list_has_any(l.nats, r.nats) AS agrees
            FROM sample AS r JOIN docket_names AS l USING (name_phon)
            WHERE len(l.nats) > 0
        )
        SELECT count(*) FILTER (WHERE agrees), count(*)
        FROM pairs LEFT JOIN truth AS t USING (person_id, entry_id)
        WHERE t.person_id IS NULL
        """
    ).fetchall()[0]
    share = agree / total if total else 0.0
    return {"agrees": share, "different": 1.0 - share}


def _m(con: duckdb.DuckDBPyConnection, truth: Path) -> dict[str, dict[str, float]]:
    con.execute(f"CREATE TEMP VIEW truth AS SELECT * FROM read_parquet('{truth}')")
    columns = list(PREPARED_COLUMNS)
    pairs = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in columns)
    levels = ", ".join(f'{c.case_sql()} AS "{c.name}"' for c in COMPARATORS)
    rows = con.execute(
        f"""
        WITH pairs AS (
            SELECT t.person_id, t.entry_id, {pairs}
            FROM truth AS t
            JOIN docket_names AS l ON l.rec_id = t.person_id
            JOIN list_names AS r ON r.rec_id = t.entry_id
        )
        SELECT person_id, entry_id, {levels} FROM pairs
        """
    ).fetchall()
    best: dict[tuple[str, str], tuple[float, tuple[int, ...]]] = {}
    for person, entry, *found in rows:
        weight = PRIOR_WEIGHT + sum(
            c.levels[i].weight for c, i in zip(COMPARATORS, found, strict=True)
        )
        if (person, entry) not in best or weight > best[(person, entry)][0]:
            best[(person, entry)] = (weight, tuple(found))
    out: dict[str, dict[str, float]] = {}
    for k, comparator in enumerate(COMPARATORS):
        counts = [0] * len(comparator.levels)
        for _, found in best.values():
            counts[found[k]] += 1
        known = sum(n for n, level in zip(counts, comparator.levels, strict=True) if not level.null)
        out[comparator.name] = {
            level.label: n / known
            for n, level in zip(counts, comparator.levels, strict=True)
            if not level.null and known
        }
    return out


def fit(directory: Path, *, pairs: int, seed: int) -> dict[str, dict[str, dict[str, float]]]:
    listed = pq.read_table(
        directory / "watchlist.parquet",
        columns=["entry_id", "names", "dob", "nationalities", "doc_numbers"],
    )
    linkage = SplinkCampaign(docket=directory / "supervised.parquet", watchlist=listed, chunks=1)
    linkage.prepare()
    con = linkage._con
    con.execute("ALTER TABLE docket_names DROP COLUMN chunk")
    u = _u(con, pairs, seed)
    m = _m(con, directory / "truth.parquet")
    u["nationality"] = _u_nationality(con, seed)
    linkage.close()
    by_name: dict[str, Comparator] = {c.name: c for c in COMPARATORS}
    return {
        name: {
            level.label: {"m": round(m[name].get(level.label, 0.0), 6), "u": u[name][level.label]}
            for level in by_name[name].levels
            if not level.null
        }
        for name in _FITTED
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--supervised", type=int, default=2_370_000)
    parser.add_argument("--watchlist", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=50_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    _world(args.directory, supervised=args.supervised, watchlist=args.watchlist, seed=args.seed)
    result = fit(args.directory, pairs=args.pairs, seed=args.seed)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1), "levels": result}))


if __name__ == "__main__":
    main()
