"""Prepare people and watchlist entries for linkage, in DuckDB: one row per name.

Input relations (any DuckDB relation: a Parquet file, an Arrow table) are turned into the
columns of ``liaison.screening.comparators.PREPARED_COLUMNS``:

1. every name of a record becomes a row (``uid`` = record id, ``#``, the name's position);
2. the name is lower-cased and split on runs of non-letters (``TOKEN_BREAK``);
3. each *distinct* token is folded to ASCII and coded by metaphone in Python once
   (``liaison.screening.names``): a few hundred thousand tokens, not tens of millions;
4. the codes are joined back and the keys are assembled in SQL.

The docket (supervised people: ``SUPERVISED_SCHEMA`` of ``liaison.synth.screening``) and the
list (``WATCHLIST_SCHEMA``) have their own first step; the rest is shared, so a name gets the
same keys whichever side it is on, and whether it is screened in a batch or alone.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from liaison.screening.errors import InvalidDocket
from liaison.screening.names import TOKEN_BREAK, fold, sound

__all__ = [
    "DOCKET_COLUMNS",
    "attach_name_frequency",
    "attach_word_frequency",
    "explode_docket",
    "explode_watchlist",
    "name_frequency",
    "prepare_docket",
    "prepare_names",
    "prepare_watchlist",
    "word_frequency",
]

# The columns a docket file must have (others are ignored).
DOCKET_COLUMNS = ("person_id", "name", "aliases", "dob", "nationality", "doc_number")


def _doc_sql(expr: str) -> str:
    """A document number upper-cased with everything but letters and digits removed."""
    return f"nullif(regexp_replace(upper({expr}), '[^A-Z0-9]', '', 'g'), '')"


def prepare_docket(
    con: duckdb.DuckDBPyConnection, source: str, target: str, *, materialize: bool = True
) -> int:
    """``target`` := prepared name rows of the docket relation ``source``; returns the rows
    (0 when not ``materialize``: a few rows of Liaison's own, not a file to check).

    ``InvalidDocket`` names a missing column.
    """
    explode_docket(con, source, check=materialize)
    return prepare_names(con, "_names_d", target, materialize=materialize)


def prepare_watchlist(
    con: duckdb.DuckDBPyConnection, source: str, target: str, *, materialize: bool = True
) -> int:
    """``target`` := prepared name rows of the list relation ``source`` (``WATCHLIST_SCHEMA``:
    a partial ``dob`` string, lists of names, nationalities and document numbers)."""
    explode_watchlist(con, source)
    return prepare_names(con, "_names_w", target, materialize=materialize)


def explode_docket(con: duckdb.DuckDBPyConnection, source: str, *, check: bool = True) -> None:
    """``_names_d`` := one row per name of each docket person (step 1)."""
    if check:
        have = {row[0] for row in con.execute(f"DESCRIBE {source}").fetchall()}
        missing = [c for c in DOCKET_COLUMNS if c not in have]
        if missing:
            raise InvalidDocket(f"the docket lacks column(s) {', '.join(missing)}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _names_d AS
        WITH exploded AS (
            SELECT person_id AS rec_id, dob, nationality, doc_number,
                   unnest(list_prepend(name, coalesce(aliases, []::VARCHAR[]))) AS name,
                   unnest(range(1 + len(coalesce(aliases, []::VARCHAR[])))) AS pos
            FROM {source}
            WHERE person_id IS NOT NULL
        )
        SELECT rec_id, rec_id || '#' || pos AS uid, name,
               year(dob) AS dob_y, month(dob) AS dob_m, day(dob) AS dob_d,
               CASE WHEN coalesce(nationality, '') = '' THEN []::VARCHAR[]
                    ELSE [upper(nationality)] END AS nats,
               CASE WHEN {_doc_sql("doc_number")} IS NULL THEN []::VARCHAR[]
                    ELSE [{_doc_sql("doc_number")}] END AS docs
        FROM exploded
        """
    )


def explode_watchlist(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """``_names_w`` := one row per name of each list entry (step 1)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _names_w AS
        WITH exploded AS (
            SELECT entry_id AS rec_id, dob, nationalities, doc_numbers,
                   unnest(names) AS name, unnest(range(len(names))) AS pos
            FROM {source}
        )
        SELECT rec_id, rec_id || '#' || pos AS uid, name,
               TRY_CAST(substr(dob, 1, 4) AS INTEGER) AS dob_y,
               TRY_CAST(nullif(substr(dob, 6, 2), '') AS INTEGER) AS dob_m,
               TRY_CAST(nullif(substr(dob, 9, 2), '') AS INTEGER) AS dob_d,
               list_transform(coalesce(nationalities, []::VARCHAR[]), lambda x: upper(x)) AS nats,
               list_filter(
                   list_transform(coalesce(doc_numbers, []::VARCHAR[]),
                                  lambda x: {_doc_sql("x")}),
                   lambda x: x IS NOT NULL) AS docs
        FROM exploded
        """
    )


def prepare_names(
    con: duckdb.DuckDBPyConnection, source: str, target: str, *, materialize: bool = True
) -> int:
    """``target`` := ``source`` (uid, rec_id, name, dob_y/m/d, nats, docs) with the name keys
    (always a table); the row count when ``materialize``, else 0."""
    tokens = f"_tokens_{target}"  # ``source`` may be a subquery: name the step by the target
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {tokens} AS
        WITH split AS (
            SELECT uid, string_split_regex(
                       trim(regexp_replace(lower(name), '{TOKEN_BREAK}', ' ', 'g')), ' ') AS toks
            FROM {source}
        ), t AS (
            SELECT uid, unnest(toks) AS tok, unnest(range(len(toks))) AS pos FROM split
        )
        SELECT uid, pos, tok FROM t
        WHERE tok <> ''
        """
    )
    distinct = [row[0] for row in con.execute(f"SELECT DISTINCT tok FROM {tokens}").fetchall()]
    folded = [fold(tok) for tok in distinct]
    codes = pa.table(
        {
            "tok": pa.array(distinct, pa.string()),
            "folded": pa.array(folded, pa.string()),
            "phon": pa.array([sound(f) if f else "" for f in folded], pa.string()),
        }
    )
    con.register("_token_codes", codes)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {target} AS
            WITH keyed AS (
                SELECT t.uid,
                       list(c.folded ORDER BY t.pos) AS folds,
                       list(c.phon ORDER BY t.pos) AS phons
                FROM {tokens} AS t JOIN _token_codes AS c USING (tok)
                WHERE c.folded <> ''
                GROUP BY t.uid
            )
            SELECT s.uid, s.rec_id, s.name,
                   coalesce(array_to_string(k.folds, ' '), '') AS name_norm,
                   coalesce(array_to_string(list_sort(k.folds), ' '), '') AS name_sorted,
                   coalesce(array_to_string(list_sort(k.phons), ' '), '') AS name_phon,
                   coalesce(k.phons, []::VARCHAR[]) AS phons,
                   k.phons[1] AS first_phon,
                   k.phons[-1] AS last_phon,
                   least(k.phons[1], k.phons[-1]) || '|' || greatest(k.phons[1], k.phons[-1])
                       AS pair_key,
                   s.dob_y, s.dob_m, s.dob_d, s.nats, s.docs,
                   s.docs[1] AS doc_first
            FROM {source} AS s LEFT JOIN keyed AS k USING (uid)
            """
        )
    finally:
        con.unregister("_token_codes")
    if not materialize:
        return 0
    con.execute(f"DROP TABLE IF EXISTS {tokens}")
    return int(con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0])


def name_frequency(
    con: duckdb.DuckDBPyConnection, list_names: str, target: str, *, entries: int
) -> None:
    """``target`` := (name_phon, name_freq): how many of the list's ``entries`` per million
    have a name with those sounds (``comparators.per_million``, the same double)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        SELECT name_phon,
               CAST(count(DISTINCT rec_id) AS DOUBLE) * CAST(1000000 AS DOUBLE)
                   / CAST({int(entries)} AS DOUBLE) AS name_freq
        FROM {list_names}
        WHERE name_phon <> ''
        GROUP BY name_phon
        """
    )


def attach_name_frequency(con: duckdb.DuckDBPyConnection, table: str, frequency: str) -> None:
    """Give the prepared ``table`` its ``name_freq`` column from ``frequency`` (NULL for a
    name no list entry's sounds like)."""
    con.execute(
        f"""
        ALTER TABLE {table} ADD COLUMN name_freq DOUBLE;
        UPDATE {table} AS t SET name_freq = f.name_freq
        FROM {frequency} AS f WHERE t.name_phon = f.name_phon
        """
    )


def word_frequency(
    con: duckdb.DuckDBPyConnection, list_names: str, target: str, *, entries: int
) -> None:
    """``target`` := (word, word_freq): how many of the list's ``entries`` per million have a
    name with that word (by sound), as ``screening.keys.word_counts`` counts them."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        WITH words AS (SELECT DISTINCT rec_id, unnest(phons) AS word FROM {list_names})
        SELECT word,
               CAST(count(*) AS DOUBLE) * CAST(1000000 AS DOUBLE)
                   / CAST({int(entries)} AS DOUBLE) AS word_freq
        FROM words GROUP BY word
        """
    )


def attach_word_frequency(
    con: duckdb.DuckDBPyConnection, table: str, frequency: str | None
) -> None:
    """Give the prepared ``table`` its ``word_freq`` column: per word of ``phons``, list
    entries per million with it (NULL for a word no entry has); all NULL without
    ``frequency`` (the list side, which the comparators never read it from)."""
    con.execute(f"ALTER TABLE {table} ADD COLUMN word_freq DOUBLE[]")
    if frequency is None:
        return
    con.execute(
        f"""
        UPDATE {table} AS t SET word_freq = w.freqs
        FROM (
            SELECT uid, list(f.word_freq ORDER BY x.pos) AS freqs
            FROM (
                SELECT uid, unnest(phons) AS word, unnest(range(len(phons))) AS pos
                FROM {table}
            ) AS x LEFT JOIN {frequency} AS f USING (word)
            GROUP BY uid
        ) AS w
        WHERE t.uid = w.uid
        """
    )
