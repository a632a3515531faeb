"""The synthetic watchlist re-screening world: schemas, ids, planted truth and its variants."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from liaison.synth.screening import (
    SUPERVISED_SCHEMA,
    TRUTH_SCHEMA,
    VARIANTS,
    WATCHLIST_SCHEMA,
    ScreeningWorld,
    generate,
    write,
)

SUPERVISED, WATCHLIST, SEED = 20_000, 10_000, 11
CYRILLIC = re.compile("[\u0400-\u04ff]")
HAN = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def world() -> ScreeningWorld:
    return generate(supervised=SUPERVISED, watchlist=WATCHLIST, seed=SEED)


@pytest.fixture(scope="module")
def pairs(world: ScreeningWorld) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(variant, entry, person) for every planted pair."""
    entries = {row["entry_id"]: row for row in world.watchlist.to_pylist()}
    people = {row["person_id"]: row for row in world.supervised.to_pylist()}
    return [
        (t["variant"], entries[t["entry_id"]], people[t["person_id"]])
        for t in world.truth.to_pylist()
    ]


def _words(name: str) -> list[str]:
    """The words of a name, lower-case, without diacritics (a docket record may drop them)."""
    # letters with no decomposition (Polish ł, Vietnamese đ) fold as the generator folds them
    plain = name.lower().translate(str.maketrans({"ł": "l", "đ": "d", "ø": "o"}))
    decomposed = unicodedata.normalize("NFKD", plain)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).split(" ")


def test_the_tables_have_exactly_the_schemas(world: ScreeningWorld) -> None:
    assert world.watchlist.schema == WATCHLIST_SCHEMA
    assert world.supervised.schema == SUPERVISED_SCHEMA
    assert world.truth.schema == TRUTH_SCHEMA
    assert world.watchlist.num_rows == WATCHLIST
    assert world.supervised.num_rows == SUPERVISED


def test_ids_are_well_formed_and_unique(world: ScreeningWorld) -> None:
    entry_ids = world.watchlist["entry_id"].to_pylist()
    person_ids = world.supervised["person_id"].to_pylist()
    assert len(set(entry_ids)) == len(entry_ids)
    assert len(set(person_ids)) == len(person_ids)
    assert all(re.fullmatch(r"KST\d{8}", i) for i in entry_ids)
    assert all(re.fullmatch(r"A\d{9}", i) for i in person_ids)


def test_list_columns_are_consistent(world: ScreeningWorld) -> None:
    kinds_allowed = {"primary", "alias", "transliteration", "original_script"}
    for row in world.watchlist.to_pylist():
        assert row["names"]
        assert len(row["names"]) == len(row["name_kinds"])
        assert row["name_kinds"][0] == "primary"
        assert row["name_kinds"].count("primary") == 1
        assert set(row["name_kinds"]) <= kinds_allowed
        assert len(set(row["names"])) == len(row["names"])
        assert len(row["doc_numbers"]) == len(row["doc_countries"])
        assert len(row["nationalities"]) <= 2
        assert row["dob"] is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row["dob"])
    assert world.supervised["name"].null_count == 0
    docs = world.supervised["doc_number"].is_valid()
    countries = world.supervised["doc_country"].is_valid()
    assert docs.equals(countries)


def test_documented_shares_hold_roughly(world: ScreeningWorld) -> None:
    rows = world.watchlist.to_pylist()
    n = len(rows)
    dob_lengths = Counter(len(r["dob"]) if r["dob"] else 0 for r in rows)
    assert dob_lengths[10] / n == pytest.approx(0.70, abs=0.03)
    assert dob_lengths[4] / n == pytest.approx(0.15, abs=0.03)
    assert dob_lengths[7] / n == pytest.approx(0.10, abs=0.03)
    assert dob_lengths[0] / n == pytest.approx(0.05, abs=0.02)
    assert sum(bool(r["doc_numbers"]) for r in rows) / n == pytest.approx(0.5, abs=0.03)
    assert sum(not r["nationalities"] for r in rows) / n == pytest.approx(0.05, abs=0.02)
    bio = world.watchlist["biometric_identity_id"]
    assert (n - bio.null_count) / n == pytest.approx(0.10, abs=0.02)
    people = world.supervised.to_pylist()
    assert sum(bool(p["aliases"]) for p in people) / len(people) == pytest.approx(0.1, abs=0.02)
    assert sum(p["doc_number"] is not None for p in people) / len(people) == pytest.approx(
        0.4, abs=0.03
    )


def test_ages_are_18_to_75(world: ScreeningWorld) -> None:
    reference = date(2025, 1, 1)
    dobs = world.supervised["dob"].to_pylist()
    assert min(dobs) > date(reference.year - 76, reference.month, reference.day)
    assert max(dobs) <= date(reference.year - 18, reference.month, reference.day)


def test_original_scripts_are_there(world: ScreeningWorld) -> None:
    scripts = [
        name
        for row in world.watchlist.to_pylist()
        for name, kind in zip(row["names"], row["name_kinds"], strict=True)
        if kind == "original_script"
    ]
    cyrillic = [s for s in scripts if CYRILLIC.search(s)]
    assert cyrillic
    assert any(HAN.search(s) for s in scripts)
    assert len(cyrillic) + sum(bool(HAN.search(s)) for s in scripts) == len(scripts)
    for row in world.watchlist.to_pylist():
        if row["name_kinds"][-1] == "original_script" and CYRILLIC.search(row["names"][-1]):
            assert set(row["nationalities"]) & {"RU", "UA", "BY"} or not row["nationalities"]
            assert not CYRILLIC.search(row["names"][0])  # the primary name is romanized


def test_the_planted_count_and_the_truth_pairs_exist(world: ScreeningWorld, pairs: Any) -> None:
    assert world.truth.num_rows == round(0.005 * SUPERVISED)
    assert len(set(world.truth["person_id"].to_pylist())) == world.truth.num_rows
    assert len(set(world.truth["entry_id"].to_pylist())) == world.truth.num_rows
    assert len(pairs) == world.truth.num_rows


def test_the_variant_mix_covers_every_variant(world: ScreeningWorld) -> None:
    counts = Counter(world.truth["variant"].to_pylist())
    assert set(counts) == set(VARIANTS)
    assert counts["transliteration"] == 25
    assert counts["partial_dob"] == 20


def test_the_person_dob_agrees_with_the_entry(pairs: Any) -> None:
    for variant, entry, person in pairs:
        iso = person["dob"].isoformat()
        if variant == "partial_dob":
            assert len(entry["dob"]) in (4, 7)
        if variant == "swapped_dob":
            year, month, day = (int(x) for x in entry["dob"].split("-"))
            assert day <= 12
            assert day != month
            assert person["dob"] == date(year, day, month)
        elif entry["dob"] is not None:
            assert iso.startswith(entry["dob"])


def test_each_variant_is_what_it_says(pairs: Any) -> None:
    for variant, entry, person in pairs:
        primary, name = entry["names"][0], person["name"]
        kinds = zip(entry["names"], entry["name_kinds"], strict=True)
        aliases = [n for n, k in kinds if k == "alias"]
        if variant == "exact":
            assert name == primary
        elif variant == "alias":
            assert name in aliases
        elif variant == "name_order":
            assert name != primary
            assert sorted(_words(name)) == sorted(_words(primary))
        elif variant == "dropped_name":
            assert len(_words(name)) < len(_words(primary))
            assert set(_words(name)) <= set(_words(primary))
        elif variant == "transliteration":
            assert name != primary
        elif variant == "document":
            assert name != primary
            assert person["doc_number"] == entry["doc_numbers"][0]
            assert person["doc_country"] == entry["doc_countries"][0]


def test_planted_people_mostly_keep_the_nationality(pairs: Any) -> None:
    listed = [(e, p) for _, e, p in pairs if e["nationalities"]]
    same = sum(p["nationality"] == e["nationalities"][0] for e, p in listed)
    assert same / len(listed) > 0.75


def test_the_same_seed_gives_the_same_world(world: ScreeningWorld) -> None:
    again = generate(supervised=SUPERVISED, watchlist=WATCHLIST, seed=SEED)
    assert again.watchlist.equals(world.watchlist)
    assert again.supervised.equals(world.supervised)
    assert again.truth.equals(world.truth)
    other = generate(supervised=SUPERVISED, watchlist=WATCHLIST, seed=SEED + 1)
    assert not other.supervised.equals(world.supervised)


def test_progress_counts_every_row() -> None:
    made: list[int] = []
    generate(supervised=3_000, watchlist=2_000, seed=2, progress=made.append)
    assert sum(made) == 5_000
    assert all(n > 0 for n in made)


def test_it_refuses_to_plant_more_people_than_entries() -> None:
    with pytest.raises(ValueError, match="cannot plant"):
        generate(supervised=10_000, watchlist=10, seed=1, planted_share=0.01)


def test_write_makes_three_zstd_parquet_files(world: ScreeningWorld, tmp_path: Path) -> None:
    write(world, tmp_path / "out")
    for name, schema in (
        ("watchlist", WATCHLIST_SCHEMA),
        ("supervised", SUPERVISED_SCHEMA),
        ("truth", TRUTH_SCHEMA),
    ):
        path = tmp_path / "out" / f"{name}.parquet"
        assert pq.read_schema(path).equals(schema)
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_table(tmp_path / "out" / "truth.parquet").equals(world.truth)


def test_no_pool_has_a_heavier_head_than_its_published_share() -> None:
    import numpy as np

    from liaison.synth.screening import HEAD_SHARES, _cultures

    seen = set()
    for key, culture in _cultures().items():
        for slot in culture.slots:
            part = "family" if slot.role == "family" else "given"
            if (key, part) not in HEAD_SHARES or slot.role == "middle":
                continue
            share = HEAD_SHARES[(key, part)][0]
            _, cumulative = slot.pool.male
            weights = np.diff(np.concatenate([[0.0], cumulative]))
            # flattened to the share exactly, or already lighter than it
            assert weights.max() <= share * 1.001, (key, part)
            seen.add((key, part))
    assert seen == set(HEAD_SHARES)


def test_flattening_keeps_the_order_of_the_names() -> None:
    from liaison.synth.screening import _flattened, _head_exponent

    table = {"a": 0.5, "b": 0.3, "c": 0.15, "d": 0.05}
    exponent = _head_exponent(table, 0.35)
    flat = _flattened(table, exponent)
    assert abs(flat["a"] - 0.35) < 1e-6
    assert flat["a"] > flat["b"] > flat["c"] > flat["d"]
    assert abs(sum(flat.values()) - 1.0) < 1e-9
    # never made more concentrated than the sources
    assert _head_exponent(table, 0.9) == 1.0
