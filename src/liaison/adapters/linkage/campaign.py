"""Re-screening campaigns on Splink: the whole docket against one list version, in chunks.

Splink (the UK Ministry of Justice's record-linkage library) generates the candidate pairs
from ``BLOCKING_RULES`` and scores them with the comparators of
``liaison.screening.comparators`` (fixed m and u: nothing is trained). Its DuckDB backend is
the default; at national scale the same settings run on Splink's Spark backend
(``splink.SparkAPI``): the prepared tables become Spark DataFrames and each chunk a Spark job.

The docket is split into ``chunks`` by a hash of the person id, so all of a person's names
(aliases too) fall in one chunk and a person's best pair with an entry is found in that
chunk alone. The service commits each chunk's hits with the chunk's completion, which is what
makes a campaign resumable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from liaison.adapters.linkage.encounter import entries_table
from liaison.adapters.linkage.prepare import (
    attach_name_frequency,
    attach_word_frequency,
    name_frequency,
    prepare_docket,
    prepare_watchlist,
    word_frequency,
)
from liaison.screening.comparators import (
    BLOCKING_RULES,
    CASE_THRESHOLD,
    COMPARATORS,
    PRIOR_PROBABILITY,
    probability,
)
from liaison.screening.errors import CampaignError, InvalidDocket, UnknownListVersion
from liaison.screening.model import Feature, ListVersion, Score
from liaison.screening.ports import ScreeningUnitOfWork

__all__ = ["SplinkCampaign", "current_list", "splink_settings"]


def current_list(uow: ScreeningUnitOfWork) -> tuple[ListVersion, pa.Table]:
    """The current list version and its entries as a table, for a campaign to link against."""
    with uow:
        version = uow.watchlist.current_version()
        if version is None:
            raise UnknownListVersion("no watchlist has been published: nothing to screen")
        return version, entries_table(list(uow.watchlist.entries(version=version.version)))


def splink_settings() -> dict[str, Any]:
    """The comparator table as a Splink settings dictionary (link only: docket to list)."""
    return {
        "link_type": "link_only",
        "unique_id_column_name": "uid",
        "probability_two_random_records_match": PRIOR_PROBABILITY,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule.sql, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES
        ],
        "comparisons": [
            {
                "output_column_name": c.name,
                "comparison_description": c.description,
                "comparison_levels": [
                    {"sql_condition": level.sql, "label_for_charts": level.label}
                    | (
                        {"is_null_level": True}
                        if level.null
                        else {"m_probability": level.m, "u_probability": level.u}
                    )
                    for level in c.levels
                ],
            }
            for c in COMPARATORS
        ],
        "additional_columns_to_retain": ["rec_id", "name"],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
    }


@dataclass(frozen=True)
class _Sides:
    docket_rows: int
    list_rows: int


class SplinkCampaign:
    """One campaign's linkage: prepare once, then score any chunk of the docket."""

    def __init__(
        self,
        *,
        docket: Path,
        watchlist: pa.Table,
        chunks: int,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        if chunks < 1:
            raise CampaignError("a campaign needs at least one chunk")
        if not docket.exists():
            raise InvalidDocket(f"no docket file at {docket}")
        self.chunks = chunks
        self._docket = docket
        self._watchlist = watchlist
        self._con = duckdb.connect()
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self._con.execute(f"SET memory_limit = '{memory_limit}'")
        self._con.execute("SET preserve_insertion_order = false")
        self._sides: _Sides | None = None
        logging.getLogger("splink").setLevel(logging.WARNING)

    def prepare(self) -> _Sides:
        """Read and prepare the docket and the list (once)."""
        if self._sides is None:
            con = self._con
            try:
                path = str(self._docket).replace("'", "''")
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW docket AS SELECT * FROM read_parquet('{path}')"
                )
                docket_rows = prepare_docket(con, "docket", "docket_names")
            except duckdb.Error as exc:
                raise InvalidDocket(f"{self._docket}: {exc}") from exc
            con.register("watchlist_arrow", self._watchlist)
            list_rows = prepare_watchlist(con, "watchlist_arrow", "list_names")
            con.unregister("watchlist_arrow")
            # counted over the whole list, as an encounter counts it in the store
            name_frequency(con, "list_names", "name_freq", entries=self._watchlist.num_rows)
            attach_name_frequency(con, "list_names", "name_freq")
            attach_name_frequency(con, "docket_names", "name_freq")
            word_frequency(con, "list_names", "word_freq", entries=self._watchlist.num_rows)
            attach_word_frequency(con, "list_names", None)
            attach_word_frequency(con, "docket_names", "word_freq")
            con.execute(
                f"ALTER TABLE docket_names ADD COLUMN chunk INTEGER;"
                f"UPDATE docket_names SET chunk = hash(rec_id) % {self.chunks}"
            )
            self._sides = _Sides(docket_rows, list_rows)
        return self._sides

    def people(self) -> int:
        self.prepare()
        return int(
            self._con.execute("SELECT count(DISTINCT rec_id) FROM docket_names").fetchall()[0][0]
        )

    def chunk_people(self, chunk: int) -> int:
        self.prepare()
        rows = self._con.execute(
            "SELECT count(DISTINCT rec_id) FROM docket_names WHERE chunk = ?", [chunk]
        ).fetchall()
        return int(rows[0][0])

    def hits(self, chunk: int, *, threshold: float = CASE_THRESHOLD) -> list[tuple[str, Score]]:
        """The (person id, best score with one entry) pairs of one chunk at or over
        ``threshold``, in a stable order."""
        from splink import DuckDBAPI, Linker

        self.prepare()
        con = self._con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE a_docket AS "
            "SELECT * EXCLUDE (chunk) FROM docket_names WHERE chunk = ?",
            [chunk],
        )
        db_api = DuckDBAPI(connection=con)
        left = db_api.register("a_docket", dataset_display_name="a_docket")
        right = db_api.register("list_names", dataset_display_name="b_list")
        linker = Linker([left, right], splink_settings(), log_level=None)
        predicted = linker.inference.predict(threshold_match_weight=threshold, warning_mode="never")
        try:
            return self._best_pairs(predicted.physical_name)
        finally:
            predicted.drop_table_from_database_and_remove_from_cache()
            con.execute("DROP TABLE IF EXISTS a_docket")

    def _best_pairs(self, table: str) -> list[tuple[str, Score]]:
        weights = ", ".join(f'"mw_{c.name}"' for c in COMPARATORS)
        rows = self._con.execute(
            f"""
            SELECT rec_id_l, rec_id_r,
                   arg_max([match_weight::DOUBLE], match_weight)[1] AS weight,
                   arg_max([{weights}], match_weight) AS weights,
                   arg_max(name_r, match_weight) AS matched_name,
                   arg_max(source_dataset_l, match_weight) AS left_side
            FROM {table}
            GROUP BY rec_id_l, rec_id_r
            ORDER BY rec_id_l, rec_id_r
            """
        ).fetchall()
        out: list[tuple[str, Score]] = []
        for person, entry, weight, level_weights, matched, left_side in rows:
            if left_side != "a_docket":
                raise CampaignError(f"Splink put {left_side} on the left: expected the docket")
            features = tuple(
                Feature(c.name, level.label, level.weight)
                for c, level in (
                    (c, c.level_of_weight(float(w)))
                    for c, w in zip(COMPARATORS, level_weights, strict=True)
                )
            )
            out.append(
                (
                    str(person),
                    Score(
                        entry_id=str(entry),
                        weight=float(weight),
                        probability=probability(float(weight)),
                        features=features,
                        matched_name=str(matched),
                    ),
                )
            )
        return out

    def close(self) -> None:
        self._con.close()
