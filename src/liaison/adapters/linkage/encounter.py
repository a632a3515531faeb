"""Blocking keys and the scoring of one encounter, on an in-process DuckDB.

The same comparator table as campaigns: each comparator's levels become one SQL ``CASE`` over
the (person name, entry name) pairs, so an encounter scores exactly as the batch would. The
person and the candidates are prepared in Python (``screening.prepared``, the same rules as
the SQL preparation, tested row for row): a few dozen names are quicker prepared in process
than in a round of SQL statements. Blocking rules become strings
(``rule name:value|value``) that the store indexes for each entry and an encounter looks up.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import duckdb
import pyarrow as pa

from liaison.adapters.linkage.prepare import (
    prepare_watchlist,
)
from liaison.screening.comparators import (
    BLOCKING_RULES,
    COMPARATORS,
    PREPARED_COLUMNS,
    PRIOR_WEIGHT,
    probability,
)
from liaison.screening.keys import SOUND_KEY, name_sounds, subject_keys
from liaison.screening.model import Feature, Score, Subject, WatchlistEntry
from liaison.screening.prepared import PreparedName, prepare_entry, prepare_subject

__all__ = ["DuckDBScreening", "entries_table"]


def entries_table(entries: Sequence[WatchlistEntry]) -> pa.Table:
    """Entries in the list's columnar form (``liaison.synth.screening.WATCHLIST_SCHEMA``)."""
    return pa.table(
        {
            "entry_id": pa.array([e.entry_id for e in entries], pa.string()),
            "names": pa.array([[n.full for n in e.names] for e in entries], pa.list_(pa.string())),
            "dob": pa.array([str(e.dob) if e.dob else None for e in entries], pa.string()),
            "nationalities": pa.array(
                [list(e.nationalities) for e in entries], pa.list_(pa.string())
            ),
            "doc_numbers": pa.array(
                [[d.number for d in e.documents] for e in entries], pa.list_(pa.string())
            ),
        }
    )


# The person's record id while one encounter is scored (no list entry can have it).
_SELF = "\x00person"


def _keys_sql(table: str, *, list_side: bool) -> str:
    parts = []
    for rule in BLOCKING_RULES:
        values = " || '|' || ".join(f'CAST("{c}" AS VARCHAR)' for c in rule.columns)
        present = " AND ".join(
            f'"{c}" IS NOT NULL AND CAST("{c}" AS VARCHAR) <> \'\'' for c in rule.columns
        )
        if rule.when_missing and list_side:
            present += f' AND "{rule.when_missing}" IS NULL'
        parts.append(
            f"SELECT '{rule.name}:' || {values} AS key, rec_id FROM {table} WHERE {present}"
        )
    if list_side:
        # what the name-rarity comparator counts: not a blocking key
        parts.append(
            f"SELECT '{SOUND_KEY}:' || name_phon AS key, rec_id FROM {table} WHERE name_phon <> ''"
        )
    return " UNION ".join(parts)


def _prepared_table(
    rows: Sequence[PreparedName],
    name_freq: Sequence[float | None],
    word_freq: Sequence[list[float | None] | None] | None = None,
) -> pa.Table:
    """Prepared names as a table of ``PREPARED_COLUMNS`` (``rec_id`` and ``name`` too)."""
    columns: dict[str, pa.Array] = {
        "rec_id": pa.array([r.rec_id for r in rows], pa.string()),
        "name": pa.array([r.name for r in rows], pa.string()),
    }
    for column in PREPARED_COLUMNS:
        if column == "name_freq":
            columns[column] = pa.array(list(name_freq), pa.float64())
        elif column == "word_freq":
            values = list(word_freq) if word_freq is not None else [None] * len(rows)
            columns[column] = pa.array(values, pa.list_(pa.float64()))
        else:
            columns[column] = pa.array(
                [getattr(r, column) for r in rows], _ARROW_TYPES.get(column, pa.string())
            )
    return pa.table(columns)


_ARROW_TYPES = {
    "phons": pa.list_(pa.string()),
    "nats": pa.list_(pa.string()),
    "docs": pa.list_(pa.string()),
    "dob_y": pa.int64(),
    "dob_m": pa.int64(),
    "dob_d": pa.int64(),
}


class DuckDBScreening:
    """``NameKeys`` and ``EncounterScorer``: a person's keys in Python (``screening.keys``),
    entries' keys and all scoring on DuckDB. Each thread has its own in-memory connection
    (DuckDB connections are not shared between threads)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _con(self) -> duckdb.DuckDBPyConnection:
        con: duckdb.DuckDBPyConnection | None = getattr(self._local, "con", None)
        if con is None:
            # one thread: these queries touch a few rows, and threads only add hand-offs
            con = duckdb.connect(config={"threads": 1})
            self._local.con = con
        return con

    def _scoring_con(self) -> duckdb.DuckDBPyConnection:
        """The thread's connection, with two tables the person's and the candidates' names go
        into and the scoring query prepared over them once: planning that query (one CASE
        per comparator) cost more than running it."""
        con = self._con()
        if not getattr(self._local, "prepared", False):
            con.register("empty_arrow", _prepared_table([], []))
            try:
                con.execute(
                    "CREATE TEMP TABLE enc_person AS SELECT * FROM empty_arrow;"
                    "CREATE TEMP TABLE enc_entries AS SELECT * FROM empty_arrow;"
                )
            finally:
                con.unregister("empty_arrow")
            pairs = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in PREPARED_COLUMNS)
            levels = ", ".join(f'{c.case_sql()} AS "{c.name}"' for c in COMPARATORS)
            con.execute(
                f"""
                PREPARE score_pairs AS
                WITH pairs AS (
                    SELECT r.rec_id AS entry_id, r.name AS entry_name, {pairs}
                    FROM enc_person AS l CROSS JOIN enc_entries AS r
                )
                SELECT entry_id, entry_name, {levels} FROM pairs ORDER BY entry_id, entry_name
                """
            )
            self._local.prepared = True
        return con

    def of_entries(self, entries: Sequence[WatchlistEntry]) -> list[tuple[str, str]]:
        if not entries:
            return []
        con = self._con()
        con.register("entries_arrow", entries_table(entries))
        try:
            prepare_watchlist(con, "entries_arrow", "entry_names", materialize=False)
        finally:
            con.unregister("entries_arrow")
        rows = con.execute(_keys_sql("entry_names", list_side=True)).fetchall()
        return [(str(key), str(entry_id)) for key, entry_id in rows]

    def of_subject(self, subject: Subject) -> list[str]:
        return subject_keys(subject.names, subject.dob, [d.number for d in subject.documents])

    def sounds_of(self, subject: Subject) -> list[str]:
        return name_sounds(subject.names)

    def score(
        self,
        subject: Subject,
        entries: Sequence[WatchlistEntry],
        *,
        name_frequency: Mapping[str, float],
        word_frequency: Mapping[str, float] | None = None,
    ) -> list[Score]:
        if not entries:
            return []
        person = prepare_subject(subject, rec_id=_SELF)
        listed = [row for entry in entries for row in prepare_entry(entry)]
        frequency = [name_frequency.get(p.name_phon) for p in person]
        words = (
            [[word_frequency.get(w) for w in p.phons] if p.phons else None for p in person]
            if word_frequency is not None
            else None
        )
        con = self._scoring_con()
        con.register("person_arrow", _prepared_table(person, frequency, words))
        con.register("entries_arrow", _prepared_table(listed, [None] * len(listed)))
        try:
            con.execute(
                "DELETE FROM enc_person; DELETE FROM enc_entries;"
                "INSERT INTO enc_person SELECT * FROM person_arrow;"
                "INSERT INTO enc_entries SELECT * FROM entries_arrow;"
            )
        finally:
            for view in ("person_arrow", "entries_arrow"):
                con.unregister(view)
        rows = con.execute("EXECUTE score_pairs").fetchall()
        best: dict[str, Score] = {}
        for entry_id, entry_name, *found in rows:
            features = tuple(
                Feature(c.name, c.levels[i].label, c.levels[i].weight)
                for c, i in zip(COMPARATORS, found, strict=True)
            )
            weight = PRIOR_WEIGHT + sum(f.weight for f in features)
            if entry_id not in best or weight > best[entry_id].weight:
                best[entry_id] = Score(
                    entry_id=str(entry_id),
                    weight=weight,
                    probability=probability(weight),
                    features=features,
                    matched_name=str(entry_name),
                )
        return sorted(best.values(), key=lambda s: (-s.weight, s.entry_id))
