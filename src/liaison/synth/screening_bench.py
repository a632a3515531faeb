"""The re-screening benchmark: a synthetic docket and list, one campaign, scored on truth.

1. ``liaison.synth.screening.generate`` makes the docket (supervised people), the list and the
   planted true matches; they are written as Parquet under the work directory (and reused
   when the same sizes and seed are asked for again).
2. The list is published into a fresh store (SQLite, in the work directory) as version 1,
   with its blocking keys, as ``liaison screening publish`` does (a later run with the same
   sizes and seed keeps that store and only clears the earlier run's campaign and cases).
3. A campaign screens the docket against version 1 (``liaison.screening.services.rescreen``
   on Splink + DuckDB), timed from reading the list out of the store to the last case
   committed: that is ``seconds``.
4. Recall is the share of planted (person, entry) pairs that became cases; precision the
   share of cases that are planted pairs. A coincidental pair (two different people with the
   same name and date of birth) counts against precision, as it would cost an analyst's time.

Peak memory is the process's resident set, sampled every 0.2 s while the campaign runs.
"""

from __future__ import annotations

import gc
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psutil
import pyarrow.parquet as pq

from liaison import bootstrap
from liaison.adapters.linkage.campaign import SplinkCampaign, current_list
from liaison.adapters.linkage.encounter import DuckDBScreening
from liaison.adapters.linkage.files import read_watchlist
from liaison.adapters.linkage.prepare import prepare_docket, prepare_watchlist
from liaison.adapters.store import tables
from liaison.screening import services as screening
from liaison.screening.comparators import CASE_THRESHOLD
from liaison.synth import screening as world

__all__ = ["BenchResult", "run"]

Bars = Callable[[str, int, int], None]


@dataclass
class BenchResult:
    supervised: int
    watchlist: int
    seed: int
    planted: int
    threshold: float
    chunks: int
    seconds: float  # the campaign: list out of the store, linkage, cases committed
    generate_seconds: float
    publish_seconds: float
    cases: int
    true_cases: int
    recall: float
    precision: float
    peak_rss_mb: float
    recall_by_variant: dict[str, float] = field(default_factory=dict)
    # threshold -> (recall, precision), for thresholds at and over the campaign's
    curve: dict[str, tuple[float, float]] = field(default_factory=dict)
    # docket x list pairs of *different* people identical on everything both records hold:
    # the same full name, the same full date of birth, a shared nationality; a biographic
    # matcher cannot tell them from the true pairs, so they bound precision at full recall
    indistinguishable_strangers: int = 0
    indistinguishable_planted: int = 0
    missed_examples: list[dict[str, str]] = field(default_factory=list)


class _PeakRss:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._process = psutil.Process()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(0.2)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def _counter(bars: Bars | None, stage: str, total: int) -> Callable[[int], None]:
    """A callback adding increments to ``stage``'s count on ``bars`` (if any)."""
    done = 0

    def add(n: int) -> None:
        nonlocal done
        done += n
        if bars:
            bars(stage, done, max(done, total))

    return add


def _world(
    directory: Path, *, supervised: int, watchlist: int, seed: int, bars: Bars | None
) -> float:
    stamp = directory / "complete"
    if stamp.exists():
        return 0.0
    started = time.perf_counter()
    made_world = world.generate(
        supervised=supervised,
        watchlist=watchlist,
        seed=seed,
        progress=_counter(bars, "generate", supervised + watchlist),
    )
    directory.mkdir(parents=True, exist_ok=True)
    world.write(made_world, directory)
    stamp.write_text("ok")
    return time.perf_counter() - started


def _indistinguishable(directory: Path) -> tuple[int, int]:
    """(stranger pairs, planted pairs) with the same full name, full date of birth and a shared
    nationality: what no comparison of these fields can separate."""
    with duckdb.connect() as con:
        for name, file in (("d", "supervised"), ("w", "watchlist"), ("t", "truth")):
            path = str(directory / f"{file}.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        prepare_docket(con, "d", "dn")
        prepare_watchlist(con, "w", "wn")
        rows = con.execute(
            """
            WITH pairs AS (
                SELECT DISTINCT l.rec_id AS person_id, r.rec_id AS entry_id
                FROM dn AS l JOIN wn AS r
                  ON l.name_norm = r.name_norm AND l.dob_y = r.dob_y AND l.dob_m = r.dob_m
                 AND l.dob_d = r.dob_d AND list_has_any(l.nats, r.nats)
            )
            SELECT count(*) FILTER (WHERE t.person_id IS NULL),
                   count(*) FILTER (WHERE t.person_id IS NOT NULL)
            FROM pairs LEFT JOIN t USING (person_id, entry_id)
            """
        ).fetchall()
    return int(rows[0][0]), int(rows[0][1])


def run(
    *,
    supervised: int,
    watchlist: int,
    seed: int,
    work_dir: Path,
    chunks: int = 8,
    threshold: float = CASE_THRESHOLD,
    bars: Bars | None = None,
) -> BenchResult:
    """Generate (or reuse), publish, re-screen and score; see the module docstring."""
    # the generator's version in the name: a world made by an earlier generator is not reused
    directory = work_dir / f"screening-{supervised}-{watchlist}-{seed}-v{world.GENERATOR_VERSION}"
    generate_seconds = _world(
        directory, supervised=supervised, watchlist=watchlist, seed=seed, bars=bars
    )
    store_dir = directory / "store"
    published_stamp = store_dir / "published"
    if not published_stamp.exists():
        shutil.rmtree(store_dir, ignore_errors=True)
    c = bootstrap.container(bootstrap.settings(store_dir), with_engine=False)
    keys = DuckDBScreening()
    publish_seconds = 0.0
    if published_stamp.exists():
        # the same list was published by an earlier run: forget that run's campaign and cases
        with c.uow() as uow:
            for table in (
                tables.screening_campaign_chunks,
                tables.screening_campaigns,
                tables.screening_cases,
            ):
                uow.session.execute(table.delete())
            uow.commit()
        publish_seconds = float(published_stamp.read_text())
    else:
        started = time.perf_counter()
        screening.publish_list(
            uow=c.uow(),
            entries=read_watchlist(directory / "watchlist.parquet"),
            source="watchlist.parquet",
            keys=keys,
            actor="bench",
            at=c.clock(),
            batch=_counter(bars, "publish list", watchlist),
        )
        publish_seconds = time.perf_counter() - started
        published_stamp.write_text(f"{publish_seconds:.1f}")
    gc.collect()

    with _PeakRss() as rss:
        started = time.perf_counter()
        _, listed = current_list(c.uow())
        linker = SplinkCampaign(
            docket=directory / "supervised.parquet", watchlist=listed, chunks=chunks
        )
        del listed
        campaign = screening.rescreen(
            uow_factory=c.uow,
            linker=linker,
            campaign_id=f"bench-{seed}",
            docket=str(directory / "supervised.parquet"),
            actor="bench",
            clock=c.clock,
            new_id=c.new_id,
            threshold=threshold,
            progress=_counter(bars, "re-screen", supervised),
        )
        linker.close()
        seconds = time.perf_counter() - started

    truth = pq.read_table(directory / "truth.parquet").to_pylist()
    with c.uow() as uow:
        cases = uow.screening_cases.list(campaign_id=campaign.campaign_id, limit=10_000_000)
    found = {(case.subject_id, case.entry_id) for case in cases}
    planted = {(t["person_id"], t["entry_id"]) for t in truth}
    curve: dict[str, tuple[float, float]] = {}
    for step in range(0, 13, 2):
        cut = threshold + step
        above = {(case.subject_id, case.entry_id) for case in cases if case.score >= cut}
        right = len(above & planted)
        curve[f"{cut:g}"] = (
            round(right / len(planted), 4) if planted else 1.0,
            round(right / len(above), 4) if above else 1.0,
        )
    strangers, twins = _indistinguishable(directory)
    true_cases = len(found & planted)
    by_variant: dict[str, list[bool]] = {}
    missed: list[dict[str, str]] = []
    for t in truth:
        hit = (t["person_id"], t["entry_id"]) in found
        by_variant.setdefault(t["variant"], []).append(hit)
        if not hit and len(missed) < 20:
            missed.append({k: str(v) for k, v in t.items()})
    c.close()
    return BenchResult(
        supervised=supervised,
        watchlist=watchlist,
        seed=seed,
        planted=len(planted),
        threshold=threshold,
        chunks=chunks,
        seconds=round(seconds, 1),
        generate_seconds=round(generate_seconds, 1),
        publish_seconds=round(publish_seconds, 1),
        cases=len(found),
        true_cases=true_cases,
        recall=round(true_cases / len(planted), 5) if planted else 1.0,
        precision=round(true_cases / len(found), 5) if found else 1.0,
        peak_rss_mb=round(rss.peak / 2**20, 1),
        recall_by_variant={
            v: round(sum(hits) / len(hits), 5) for v, hits in sorted(by_variant.items())
        },
        curve=curve,
        indistinguishable_strangers=strangers,
        indistinguishable_planted=twins,
        missed_examples=missed,
    )
