"""Watchlist files: a list as delivered (Parquet or JSON lines) read into entries.

Parquet follows ``WATCHLIST_SCHEMA`` (``liaison.synth.screening``). A JSON-lines file has one
entry per line::

    {"entry_id": "KST00000001",
     "names": [{"full": "Mohammed Ahmed Al-Harbi", "kind": "primary"},
               {"full": "Abu Ahmed", "kind": "alias"}],
     "dob": "1984-03", "nationalities": ["SA"],
     "documents": [{"number": "A1234567", "country": "SA", "kind": "passport"}],
     "biometric_identity_id": null}

A malformed entry raises ``InvalidWatchlistEntry`` naming the line (or row) and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from liaison.screening.errors import InvalidWatchlistEntry
from liaison.screening.model import Document, ListedName, NameKind, PartialDate, WatchlistEntry

__all__ = ["count_entries", "read_watchlist"]


def count_entries(path: Path) -> int:
    """How many entries a list file holds (for a progress bar; 0 when it cannot tell)."""
    try:
        if path.suffix == ".parquet":
            return int(pq.ParquetFile(path).metadata.num_rows)
        with path.open(encoding="utf-8") as fh:
            return sum(1 for line in fh if line.strip())
    except Exception:  # the reading proper reports what is wrong with the file
        return 0


def read_watchlist(path: Path) -> Iterator[WatchlistEntry]:
    """The entries of a list file (``.parquet`` or ``.jsonl``)."""
    if not path.exists():
        raise InvalidWatchlistEntry(f"no list file at {path}")
    if path.suffix == ".parquet":
        yield from _parquet(path)
    elif path.suffix in (".jsonl", ".ndjson"):
        yield from _jsonl(path)
    else:
        raise InvalidWatchlistEntry(f"{path}: a list is .parquet or .jsonl")


def _entry(where: str, raw: dict[str, Any]) -> WatchlistEntry:
    try:
        entry_id = str(raw["entry_id"])
        names = tuple(
            ListedName(str(n["full"]), NameKind(n.get("kind", "primary"))) for n in raw["names"]
        )
        dob = PartialDate.parse(raw["dob"]) if raw.get("dob") else None
        documents = tuple(
            Document(str(d["number"]), str(d.get("country", "")), str(d.get("kind", "passport")))
            for d in raw.get("documents") or ()
        )
        identity = raw.get("biometric_identity_id")
        return WatchlistEntry(
            entry_id=entry_id,
            names=names,
            dob=dob,
            nationalities=tuple(str(c).upper() for c in raw.get("nationalities") or ()),
            documents=documents,
            biometric_identity_id=int(identity) if identity is not None else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidWatchlistEntry(f"{where}: {type(exc).__name__}: {exc}") from exc


def _jsonl(path: Path) -> Iterator[WatchlistEntry]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidWatchlistEntry(f"{path.name} line {number}: {exc}") from exc
            if not isinstance(raw, dict):
                raise InvalidWatchlistEntry(f"{path.name} line {number}: not an object")
            yield _entry(f"{path.name} line {number}", raw)


def _parquet(path: Path) -> Iterator[WatchlistEntry]:
    try:
        table = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise InvalidWatchlistEntry(f"{path}: not a readable Parquet file ({exc})") from exc
    row = 0
    for batch in table.iter_batches(batch_size=50_000):
        columns = batch.to_pydict()
        if "entry_id" not in columns or "names" not in columns:
            raise InvalidWatchlistEntry(f"{path}: needs columns entry_id and names")
        count = len(columns["entry_id"])
        kinds = columns.get("name_kinds") or [None] * count
        numbers = columns.get("doc_numbers") or [None] * count
        countries = columns.get("doc_countries") or [None] * count
        dobs = columns.get("dob") or [None] * count
        nationalities = columns.get("nationalities") or [None] * count
        identities = columns.get("biometric_identity_id") or [None] * count
        for i in range(count):
            names = columns["names"][i] or []
            name_kinds = kinds[i] or ["primary"] + ["alias"] * (len(names) - 1)
            docs = numbers[i] or []
            doc_countries = countries[i] or [""] * len(docs)
            raw = {
                "entry_id": columns["entry_id"][i],
                "names": [{"full": n, "kind": k} for n, k in zip(names, name_kinds, strict=False)],
                "dob": dobs[i],
                "nationalities": nationalities[i],
                "documents": [
                    {"number": n, "country": c} for n, c in zip(docs, doc_countries, strict=False)
                ],
                "biometric_identity_id": identities[i],
            }
            row += 1
            yield _entry(f"{path.name} row {row}", raw)
