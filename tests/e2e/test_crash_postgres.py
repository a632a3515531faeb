"""kill -9 ``liaison serve`` on PostgreSQL, with the booking worker inside it, twice while four
jails submit bookings at once; restart it each time on the same database and data directory,
and check that every TCN sent has exactly one booking, one identification and one response,
that the queue is empty and that the audit trail verifies."""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .conftest import _free_port
from .crash_harness import (
    Client,
    Liaison,
    World,
    accepted,
    build_world,
    drain,
    tally,
    verify_audit,
)

if TYPE_CHECKING:
    from tests.conftest import PostgresServer

pytestmark = pytest.mark.postgres

CLIENTS = 4
PER_CLIENT = 60
SUBMISSIONS = CLIENTS * PER_CLIENT


def _kill_points(rng: random.Random) -> tuple[int, int]:
    """Two moments, as submissions accepted: the first in the first third of the load, the
    second at least a tenth of the load later and before two thirds."""
    first = rng.randrange(SUBMISSIONS // 10, SUBMISSIONS // 3)
    second = rng.randrange(first + SUBMISSIONS // 10, 2 * SUBMISSIONS // 3)
    return first, second


@pytest.fixture
def world(tmp_path: Path, postgres: PostgresServer) -> Iterator[World]:
    """A throwaway database and data directory holding the world, closed afterwards."""
    url = postgres.url(postgres.create_database())
    built = build_world(
        tmp_path / "data", database_url=url, submissions=SUBMISSIONS, tcn_prefix="PGCRASH"
    )
    try:
        yield built
    finally:
        built.container.close()


def test_two_kills_under_four_clients_lose_and_duplicate_nothing(
    tmp_path: Path, world: World
) -> None:
    seed = int(os.environ.get("LIAISON_CRASH_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    liaison = Liaison(world, _free_port(), separate_worker=False, log=tmp_path / "serve.log")
    clients = [
        Client(liaison.base_url, world.api_key, world.bodies[i::CLIENTS]) for i in range(CLIENTS)
    ]
    killed_at: list[int] = []
    times: dict[str, float] = {"start": time.monotonic()}

    def context() -> str:
        spans = ", ".join(f"{k} at {v - times['start']:.0f} s" for k, v in times.items())
        return (
            f"LIAISON_CRASH_SEED={seed}: killed at {killed_at} of {SUBMISSIONS} accepted; "
            f"{spans}\n{liaison.log_tail()}"
        )

    liaison.start()
    try:
        for client in clients:
            client.start()
        for point in _kill_points(rng):
            while accepted(clients) < point and any(c.is_alive() for c in clients):
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.5))  # anywhere in a request's or a job's course
            killed_at.append(accepted(clients))
            liaison.kill()
            liaison.start()
        deadline = time.monotonic() + 300
        for client in clients:
            client.join(max(0.0, deadline - time.monotonic()))
        times["loaded"] = time.monotonic()
        # a job the killed worker held waits out its lease (120 s) before it is taken again
        try:
            drain(world.container, timeout=300)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; {context()}") from exc
        times["drained"] = time.monotonic()
    finally:
        liaison.kill()
    errors = [c.error for c in clients if c.error is not None]
    assert errors == [], context()
    assert all(not c.is_alive() for c in clients), context()
    assert all(p < SUBMISSIONS for p in killed_at), context()  # each kill came mid-load

    answered = {tcn: bid for c in clients for tcn, bid in c.accepted.items()}
    t = tally(world, answered)
    report = verify_audit(world)
    retries = sum((c.retries for c in clients), Counter[str]())
    print(
        f"\n{context().splitlines()[0]}\nretried submissions {dict(retries)}, "
        f"replays answered 200: {sum(c.replays for c in clients)}, "
        f"jobs retaken after a kill: {t.jobs_retaken}; audit entries {report.entries}, "
        f"checkpoints {report.checkpoints}, unanchored {report.unanchored}"
    )
    assert len(answered) == SUBMISSIONS, context()
    assert t.missing == (), context()  # 0 lost
    assert t.bookings == SUBMISSIONS, context()  # 0 duplicated
    assert t.answered_other_id == (), context()  # a retry is answered with the first booking
    assert t.states == {"responded": SUBMISSIONS}, context()
    assert t.identified == t.responded == SUBMISSIONS, context()
    assert t.submit_entries == {1: SUBMISSIONS}, context()
    assert t.identify_entries == {1: SUBMISSIONS}, context()  # one identification each
    assert t.jobs == {"done": SUBMISSIONS}, context()
    assert t.jobs_per_booking == {1: SUBMISSIONS}, context()
    with world.container.uow() as uow:
        assert uow.jobs.pending() == 0, context()
    assert report.ok, (report.breaks, context())
