"""The linkage adapter: name preparation, blocking keys, and the same score from a campaign
(Splink on DuckDB) as from screening one encounter."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from liaison.adapters.linkage.campaign import SplinkCampaign, splink_settings
from liaison.adapters.linkage.encounter import DuckDBScreening, entries_table
from liaison.adapters.linkage.files import read_watchlist
from liaison.adapters.linkage.prepare import prepare_docket, prepare_watchlist
from liaison.screening.comparators import PREPARED_COLUMNS, per_million
from liaison.screening.errors import InvalidDocket, InvalidWatchlistEntry
from liaison.screening.keys import sound_key
from liaison.screening.keys import word_counts as count_words
from liaison.screening.model import Document, Subject, SubjectKind
from liaison.screening.prepared import PreparedName, prepare_entry, prepare_subject
from liaison.synth import screening as world

ENGINE = DuckDBScreening()


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("world")
    world.write(world.generate(supervised=3_000, watchlist=1_500, seed=7), directory)
    return directory


def subject(name: str, born: date, nationality: str = "", doc: str = "") -> Subject:
    documents = (Document(doc),) if doc else ()
    return Subject(SubjectKind.BOOKING, "s", (name,), born, nationality, documents)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Mohammed Al-Harbi", "Muhammad al Harbi"),
        ("Yusuf Hussein", "Youssef Husayn"),
        ("Иван Щербаков", "Ivan Shcherbakov"),
        ("José García", "JOSE GARCIA"),
    ],
)
def test_spellings_of_one_name_get_the_same_keys(one: str, other: str) -> None:
    born = date(1980, 1, 2)
    assert ENGINE.of_subject(subject(one, born)) == ENGINE.of_subject(subject(other, born))


def test_every_planted_pair_shares_a_key_the_store_can_look_up(small_world: Path) -> None:
    """Encounters find candidates by key: a planted pair that shares no key would be missed
    at booking time even though a campaign's blocking finds it."""
    entries = {e.entry_id: e for e in read_watchlist(small_world / "watchlist.parquet")}
    people = {
        p["person_id"]: p for p in pq.read_table(small_world / "supervised.parquet").to_pylist()
    }
    truth = pq.read_table(small_world / "truth.parquet").to_pylist()
    assert truth
    entry_keys: dict[str, set[str]] = {}
    for key, entry_id in ENGINE.of_entries(list(entries.values())):
        entry_keys.setdefault(entry_id, set()).add(key)
    found = 0
    for t in truth:
        p = people[t["person_id"]]
        keys = set(
            ENGINE.of_subject(
                Subject(
                    SubjectKind.SUPERVISED,
                    p["person_id"],
                    (p["name"], *p["aliases"]),
                    p["dob"],
                    p["nationality"],
                    (Document(p["doc_number"]),) if p["doc_number"] else (),
                )
            )
        )
        found += bool(keys & entry_keys[t["entry_id"]])
    assert found / len(truth) >= 0.95


def test_a_campaign_and_an_encounter_give_a_pair_the_same_score(small_world: Path) -> None:
    listed = pq.read_table(small_world / "watchlist.parquet")
    campaign = SplinkCampaign(
        docket=small_world / "supervised.parquet", watchlist=listed, chunks=2, threads=1
    )
    batch = [hit for chunk in range(2) for hit in campaign.hits(chunk, threshold=-20.0)]
    campaign.close()
    assert len(batch) > 20
    entries = {e.entry_id: e for e in read_watchlist(small_world / "watchlist.parquet")}
    # what the store counts for an encounter: entries per sound key
    sounds = Counter(key for key, _ in ENGINE.of_entries(list(entries.values())))
    # and entries per word, as a publication counts them
    word_counts = count_words([n.full for n in e.names] for e in entries.values())
    people = {
        p["person_id"]: p for p in pq.read_table(small_world / "supervised.parquet").to_pylist()
    }
    for person_id, score in batch[:40]:
        p = people[person_id]
        alone = Subject(
            SubjectKind.SUPERVISED,
            person_id,
            (p["name"], *p["aliases"]),
            p["dob"],
            p["nationality"],
            (Document(p["doc_number"]),) if p["doc_number"] else (),
        )
        frequency = {
            s: per_million(sounds[sound_key(s)], len(entries))
            for s in ENGINE.sounds_of(alone)
            if sounds[sound_key(s)]
        }
        words = {w: per_million(n, len(entries)) for w, n in word_counts.items()}
        (again,) = ENGINE.score(
            alone, [entries[score.entry_id]], name_frequency=frequency, word_frequency=words
        )
        assert again.weight == pytest.approx(score.weight, abs=1e-9)
        assert again.features == score.features
    rarity = [f.level for _, s in batch for f in s.features if f.comparator == "name_rarity"]
    assert len(set(rarity)) >= 2  # the comparator is exercised, not always "does not apply"
    assert any("within the other" in level for level in rarity)  # the shared-words levels too


def test_the_splink_settings_carry_every_comparator_and_rule() -> None:
    settings = splink_settings()
    assert [c["output_column_name"] for c in settings["comparisons"]] == [
        "name",
        "name_rarity",
        "dob",
        "nationality",
        "document",
    ]
    assert settings["link_type"] == "link_only"


def test_a_docket_without_a_column_or_file_is_refused_by_name(tmp_path: Path) -> None:

    with pytest.raises(InvalidDocket, match="no docket file"):
        SplinkCampaign(docket=tmp_path / "none.parquet", watchlist=entries_table([]), chunks=1)
    pq.write_table(pa.table({"person_id": ["A1"], "name": ["X"]}), tmp_path / "d.parquet")
    campaign = SplinkCampaign(docket=tmp_path / "d.parquet", watchlist=entries_table([]), chunks=1)
    with pytest.raises(InvalidDocket, match="aliases"):
        campaign.prepare()
    campaign.close()


def test_a_malformed_list_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_text(
        '{"entry_id": "K1", "names": [{"full": "A B"}], "dob": "1984"}\n'
        '{"entry_id": "K2", "names": [{"full": "C D"}], "dob": "84-1"}\n'
    )
    with pytest.raises(InvalidWatchlistEntry, match="line 2"):
        list(read_watchlist(path))
    path.write_text('{"entry_id": "K1", "names": [{"full": "A B"}]\n')
    with pytest.raises(InvalidWatchlistEntry, match="line 1"):
        list(read_watchlist(path))


def test_a_persons_keys_in_python_are_the_keys_sql_gives(small_world: Path) -> None:
    """Encounters compute keys in Python, campaigns and the store in SQL: they must agree
    name by name (Latin with diacritics, Cyrillic, Han, Arabic transliterations)."""
    import duckdb

    from liaison.adapters.linkage.encounter import _keys_sql
    from liaison.adapters.linkage.prepare import prepare_docket

    people = pq.read_table(small_world / "supervised.parquet").slice(0, 800)
    entries = pq.read_table(small_world / "watchlist.parquet").to_pylist()
    extra = [n for e in entries[:400] for n in e["names"]]  # other scripts: names of entries
    rows = people.to_pylist() + [
        {**people.to_pylist()[0], "person_id": f"X{i}", "name": n, "aliases": []}
        for i, n in enumerate(extra)
    ]
    with duckdb.connect() as con:
        con.register("people", pa.Table.from_pylist(rows, schema=people.schema))
        prepare_docket(con, "people", "people_names")
        in_sql: dict[str, set[str]] = {}
        for key, person in con.execute(_keys_sql("people_names", list_side=False)).fetchall():
            in_sql.setdefault(person, set()).add(key)
    for p in rows:
        documents = (Document(p["doc_number"]),) if p["doc_number"] else ()
        alone = Subject(
            SubjectKind.SUPERVISED,
            p["person_id"],
            (p["name"], *p["aliases"]),
            p["dob"],
            p["nationality"],
            documents,
        )
        assert set(ENGINE.of_subject(alone)) == in_sql.get(p["person_id"], set()), p["name"]


def _sql_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[object, ...]]:
    columns = ", ".join(f'"{c}"' for c in COMPARED)
    return [
        tuple(tuple(v) if isinstance(v, list) else v for v in row)
        for row in con.execute(
            f"SELECT rec_id, name, {columns} FROM {table} ORDER BY uid"
        ).fetchall()
    ]


def _py_rows(rows: list[PreparedName]) -> list[tuple[object, ...]]:
    return [(r.rec_id, r.name, *(getattr(r, c) for c in COMPARED)) for r in rows]


def test_python_prepares_every_name_as_the_sql_does(small_world: Path) -> None:
    """Encounters prepare in Python, campaigns in SQL: the rows must be the same, or a pair
    would score differently at booking time than in a re-screening campaign."""
    entries = list(read_watchlist(small_world / "watchlist.parquet"))
    docket = pq.read_table(small_world / "supervised.parquet").to_pylist()
    with duckdb.connect() as con:
        for view, file in (("d", "supervised"), ("w", "watchlist")):
            path = str(small_world / f"{file}.parquet")
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{path}')")
        prepare_docket(con, "d", "dn")
        prepare_watchlist(con, "w", "wn")
        sql_docket, sql_list = _sql_rows(con, "dn"), _sql_rows(con, "wn")
    python_docket = [
        row
        for p in sorted(docket, key=lambda p: str(p["person_id"]))
        for row in _py_rows(
            prepare_subject(
                Subject(
                    SubjectKind.SUPERVISED,
                    p["person_id"],
                    (p["name"], *p["aliases"]),
                    p["dob"],
                    p["nationality"],
                    (Document(p["doc_number"]),) if p["doc_number"] else (),
                )
            )
        )
    ]
    python_list = [
        row for e in sorted(entries, key=lambda e: e.entry_id) for row in _py_rows(prepare_entry(e))
    ]
    # uid order is rec_id '#' position: sort both sides the same way, names in order
    assert sorted(python_docket, key=_by_record) == sorted(sql_docket, key=_by_record)
    assert sorted(python_list, key=_by_record) == sorted(sql_list, key=_by_record)
    scripts = {ch for row in python_list for ch in str(row[1]) if ord(ch) > 0x2FF}
    assert scripts  # Cyrillic, Chinese or accented names were among them


def _by_record(row: tuple[object, ...]) -> tuple[str, str]:
    return str(row[0]), str(row[1])


COMPARED = tuple(c for c in PREPARED_COLUMNS if c not in ("name_freq", "word_freq"))
