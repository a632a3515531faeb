"""Encounter screening latency: what watchlist screening adds to one booking.

    python -m bench.encounter_screening DIR [--people 400] [--json]

``DIR`` is a directory ``liaison screening bench`` left (``<data-dir>/bench/screening-...``):
its store holds the published list (a million entries at full size) and its Parquet files the
docket and the planted truth. Each sample screens one docket person as the booking worker
does (``screening.screen_encounter`` inside a unit of work, then commit): candidate lookup by
blocking key in the store, scoring on DuckDB, any case opened. Half the people are planted
(they are on the list), half drawn at random. Cases opened here are rolled back, so the
store is left as it was.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from rich.progress import track

from liaison import bootstrap
from liaison.adapters.linkage.encounter import DuckDBScreening
from liaison.screening import services as screening
from liaison.screening.model import Document, Subject, SubjectKind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    c = bootstrap.container(bootstrap.settings(args.directory / "store"), with_engine=False)
    docket = pq.read_table(args.directory / "supervised.parquet").to_pylist()
    by_id = {p["person_id"]: p for p in docket}
    planted = [t["person_id"] for t in pq.read_table(args.directory / "truth.parquet").to_pylist()]
    rng = np.random.default_rng(args.seed)
    half = args.people // 2
    chosen = [planted[i] for i in rng.choice(len(planted), half, replace=False)]
    chosen += [docket[i]["person_id"] for i in rng.choice(len(docket), args.people - half)]
    engine = DuckDBScreening()
    with c.uow() as uow:  # warm up: the first DuckDB connection and query plans
        p = docket[0]
        screening.screen_encounter(
            uow=uow,
            subject=Subject(SubjectKind.BOOKING, "warm", (p["name"],), p["dob"]),
            keys=engine,
            scorer=engine,
            new_id=c.new_id,
            at=c.clock(),
        )
    times, hits, candidates = [], 0, []
    for person_id in track(chosen, description="screen", disable=args.json):
        p = by_id[person_id]
        subject = Subject(
            SubjectKind.BOOKING,
            f"bench-{person_id}",
            (p["name"], *p["aliases"]),
            p["dob"],
            p["nationality"],
            (Document(p["doc_number"]),) if p["doc_number"] else (),
        )
        started = time.perf_counter()
        with c.uow() as uow:
            opened = screening.screen_encounter(
                uow=uow, subject=subject, keys=engine, scorer=engine, new_id=c.new_id, at=c.clock()
            )
            uow.session.flush()
            times.append(time.perf_counter() - started)
            uow.rollback()
        hits += bool(opened)
        candidates.append(len(engine.of_subject(subject)))
    ms = np.array(times) * 1000
    with c.uow() as uow:
        version = uow.watchlist.current_version()
    result = {
        "list_entries": version.entries if version else 0,
        "people": len(chosen),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
        "people_with_a_hit": hits,
        "mean_keys": round(float(np.mean(candidates)), 1),
    }
    c.close()
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
