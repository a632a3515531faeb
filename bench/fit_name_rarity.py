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

When one name is within the other (a name left out), the comparator instead buckets the
bits of the words both share (``comparators.SHARED_BITS_EDGES``); ``--shared`` counts those:

* ``m``: among planted pairs whose names do not sound alike but one is within the other, the
  share in each bucket (the pair of names with the most shared bits);
* ``u``: the same among pairs of *different* people, found as a campaign's blocking would
  find most of them: the same last word (by sound) and birth year.

The README's figures are measured on another seed than the one these are counted on.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from liaison.adapters.linkage.prepare import (
    attach_name_frequency,
    attach_word_frequency,
    name_frequency,
    prepare_docket,
    prepare_watchlist,
    word_frequency,
)
from liaison.screening.comparators import (
    SHARED_BITS_EDGES,
    rarity_bucket_sql,
    rarity_labels,
    shared_bits_sql,
    shared_word_labels,
)
from liaison.synth import screening as world


def _world(directory: Path, *, supervised: int, watchlist: int, seed: int) -> None:
    if (directory / "complete").exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    world.write(world.generate(supervised=supervised, watchlist=watchlist, seed=seed), directory)
    (directory / "complete").write_text("ok")


def _prepared(con: duckdb.DuckDBPyConnection, directory: Path) -> int:
    """Views d, w, t of the world's files; prepared names dn and wn; the list's size."""
    for name, file in (("d", "supervised"), ("w", "watchlist"), ("t", "truth")):
        path = str(directory / f"{file}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    prepare_docket(con, "d", "dn")
    prepare_watchlist(con, "w", "wn")
    return int(con.execute("SELECT count(*) FROM w").fetchall()[0][0])


def fit_shared(directory: Path) -> dict[str, dict[str, float]]:
    """{bucket label: {"m": ..., "u": ..., "true_pairs": ..., "stranger_pairs": ...}} for the
    one-name-within-the-other levels."""
    with duckdb.connect() as con:
        entries = _prepared(con, directory)
        name_frequency(con, "wn", "nf", entries=entries)
        attach_name_frequency(con, "dn", "nf")
        word_frequency(con, "wn", "wf", entries=entries)
        attach_word_frequency(con, "dn", "wf")
        columns = ("name_phon", "phons", "name_freq", "word_freq")
        pick = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in columns[:2]) + (
            ', l."name_freq" AS "name_freq_l", l."word_freq" AS "word_freq_l"'
        )
        edges = " ".join(
            f"WHEN bits >= {edge!r} THEN {i}" for i, edge in enumerate(SHARED_BITS_EDGES)
        )
        bucket = f"CASE {edges} ELSE {len(SHARED_BITS_EDGES)} END"

        def counts(pairs_sql: str, true_pairs: bool) -> dict[int, float]:
            keep = "t.person_id IS NOT NULL" if true_pairs else "t.person_id IS NULL"
            rows = con.execute(
                f"""
                WITH pairs AS ({pairs_sql}),
                scored AS (
                    SELECT person_id, entry_id, max({shared_bits_sql()}) AS bits,
                           bool_or("name_phon_l" = "name_phon_r") AS equal
                    FROM pairs
                    WHERE "word_freq_l" IS NOT NULL AND len("phons_l") >= 2
                      AND len("phons_r") >= 2
                      AND (list_has_all("phons_l", "phons_r") OR list_has_all("phons_r", "phons_l"))
                    GROUP BY person_id, entry_id
                )
                SELECT {bucket} AS b, count(*)::DOUBLE
                FROM scored LEFT JOIN t USING (person_id, entry_id)
                WHERE NOT equal AND {keep}
                GROUP BY b
                """
            ).fetchall()
            return {int(b): float(n) for b, n in rows}

        true = counts(
            f"SELECT l.rec_id AS person_id, r.rec_id AS entry_id, {pick} FROM t "
            "JOIN dn AS l ON l.rec_id = t.person_id JOIN wn AS r ON r.rec_id = t.entry_id",
            True,
        )
        strangers = counts(
            f"SELECT l.rec_id AS person_id, r.rec_id AS entry_id, {pick} FROM dn AS l "
            "JOIN wn AS r ON l.last_phon = r.last_phon AND l.dob_y = r.dob_y",
            False,
        )
    m_total, u_total = sum(true.values()), sum(strangers.values())
    return {
        label: {
            "m": true.get(i, 0.0) / m_total,
            "u": strangers.get(i, 0.0) / u_total,
            "true_pairs": true.get(i, 0.0),
            "stranger_pairs": strangers.get(i, 0.0),
        }
        for i, label in enumerate(shared_word_labels())
    }


def fit(directory: Path) -> dict[str, dict[str, float]]:
    """{bucket label: {"m": ..., "u": ..., "true_pairs": ..., "stranger_pairs": ...}}."""
    with duckdb.connect() as con:
        entries = _prepared(con, directory)
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
    parser.add_argument("--shared", action="store_true", help="the within-the-other levels")
    args = parser.parse_args()
    started = time.perf_counter()
    _world(args.directory, supervised=args.supervised, watchlist=args.watchlist, seed=args.seed)
    result = fit_shared(args.directory) if args.shared else fit(args.directory)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1), "buckets": result}))


if __name__ == "__main__":
    main()
