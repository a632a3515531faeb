"""Where the name-rarity weights of ``liaison.screening.comparators`` come from.

    python -m bench.fit_name_rarity DIR [--supervised N] [--watchlist M] [--seed S]

Two records whose names sound alike are strong evidence of one person when few people have
that name, and weak evidence when many do. The comparator ``name_rarity`` buckets a name by
how many list entries per million carry it (``comparators.RARITY_EDGES``); this
script counts, on a generated docket and list (written under ``DIR`` as the screening bench
writes them, and reused), for each bucket:

* ``m``: the share of planted true pairs that agree on the name's sounds and fall in the
  bucket (the rarest agreeing name of the pair), among planted pairs that agree at all;
* ``u``: the share of docket x list pairs of *different* people agreeing on the name's sounds
  whose name is in the bucket: per name, (docket records with it) x (entries with it).

The README's figures are measured on another seed than the one these are counted on.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from liaison.adapters.linkage.prepare import prepare_docket, prepare_watchlist
from liaison.screening.comparators import rarity_bucket_sql, rarity_labels
from liaison.synth import screening as world


def _world(directory: Path, *, supervised: int, watchlist: int, seed: int) -> None:
    if (directory / "complete").exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    world.write(world.generate(supervised=supervised, watchlist=watchlist, seed=seed), directory)
    (directory / "complete").write_text("ok")


def fit(directory: Path) -> dict[str, dict[str, float]]:
    """{bucket label: {"m": ..., "u": ..., "true_pairs": ..., "stranger_pairs": ...}}."""
    with duckdb.connect() as con:
        for name, file in (("d", "supervised"), ("w", "watchlist"), ("t", "truth")):
            path = str(directory / f"{file}.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        prepare_docket(con, "d", "dn")
        prepare_watchlist(con, "w", "wn")
        entries = con.execute("SELECT count(*) FROM w").fetchall()[0][0]
        bucket = rarity_bucket_sql("per_million")
        con.execute(
            f"""
            CREATE TEMP TABLE freq AS
            SELECT name_phon, count(DISTINCT rec_id) AS n_list,
                   count(DISTINCT rec_id) * 1e6 / {entries} AS per_million
            FROM wn WHERE name_phon <> '' GROUP BY name_phon;
            CREATE TEMP TABLE freq_b AS SELECT *, {bucket} AS bucket FROM freq;
            """
        )
        strangers = con.execute(
            """
            WITH nd AS (
                SELECT name_phon, count(DISTINCT rec_id) AS n_docket
                FROM dn WHERE name_phon <> '' GROUP BY name_phon
            )
            SELECT bucket, sum(n_docket * n_list)::DOUBLE
            FROM nd JOIN freq_b USING (name_phon) GROUP BY bucket
            """
        ).fetchall()
        true = con.execute(
            """
            WITH agree AS (
                SELECT t.person_id, t.entry_id, min(f.bucket) AS bucket
                FROM t JOIN dn ON dn.rec_id = t.person_id
                       JOIN wn ON wn.rec_id = t.entry_id AND wn.name_phon = dn.name_phon
                       JOIN freq_b AS f ON f.name_phon = wn.name_phon
                GROUP BY t.person_id, t.entry_id
            )
            SELECT bucket, count(*)::DOUBLE FROM agree GROUP BY bucket
            """
        ).fetchall()
    u_total = sum(n for _, n in strangers)
    m_total = sum(n for _, n in true)
    by_u, by_m = dict(strangers), dict(true)
    out: dict[str, dict[str, float]] = {}
    for i, label in enumerate(rarity_labels()):
        out[label] = {
            "m": by_m.get(i, 0.0) / m_total,
            "u": by_u.get(i, 0.0) / u_total,
            "true_pairs": by_m.get(i, 0.0),
            "stranger_pairs": by_u.get(i, 0.0),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--supervised", type=int, default=2_370_000)
    parser.add_argument("--watchlist", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    _world(args.directory, supervised=args.supervised, watchlist=args.watchlist, seed=args.seed)
    result = fit(args.directory)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1), "buckets": result}))


if __name__ == "__main__":
    main()
