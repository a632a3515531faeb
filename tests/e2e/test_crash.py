"""kill -9 the server and its worker in the middle of 1,000 submissions on SQLite, restart them,
and check that every booking has exactly one response and none is lost (on PostgreSQL, with
two kills and four clients: ``test_crash_postgres``); and a retry that races its own first
attempt, as a jail's client sends after a timeout, is answered with the same booking."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison.synth.spine import booking_body

from .conftest import Running, _free_port
from .crash_harness import Client, Liaison, World, build_world, drain, tally, verify_audit

SUBMISSIONS = 1000
KILL_AFTER = 300  # submissions accepted before the kill
RACES = 20  # TCNs each sent twice at once


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    built = build_world(tmp_path, database_url="", submissions=SUBMISSIONS, tcn_prefix="CRASH")
    try:
        yield built
    finally:
        built.container.close()


def test_kill_nine_mid_batch_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, world: World
) -> None:
    liaison = Liaison(world, _free_port(), separate_worker=True, log=tmp_path / "serve.log")
    client = Client(liaison.base_url, world.api_key, world.bodies)
    liaison.start()
    try:
        client.start()
        while len(client.accepted) < KILL_AFTER and client.is_alive():
            time.sleep(0.05)
        killed_at = len(client.accepted)
        liaison.kill()
        liaison.start()
        client.join(600)
        assert not client.is_alive()
        assert client.error is None, client.error
        assert killed_at < SUBMISSIONS
        drain(world.container, timeout=600)
    finally:
        liaison.kill()

    t = tally(world, client.accepted)
    assert len(client.accepted) == SUBMISSIONS
    assert t.missing == ()
    assert t.bookings == SUBMISSIONS  # one booking per TCN
    assert t.answered_other_id == ()
    assert t.states == {"responded": SUBMISSIONS}
    assert t.identified == t.responded == SUBMISSIONS
    assert t.submit_entries == {1: SUBMISSIONS}
    assert t.identify_entries == {1: SUBMISSIONS}  # exactly one identification and response each
    assert t.jobs == {"done": SUBMISSIONS}
    report = verify_audit(world)
    assert report.ok, report.breaks


def _twice_at_once(running: Running, ori: str, body: dict[str, object]) -> list[tuple[int, str]]:
    """Send ``body`` on two connections at the same moment; (status, booking id or error) each,
    sorted."""
    both = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        with running.client() as http:
            both.wait()
            r = http.post("/bookings", json=body, headers=running.jail(ori))
        answers.append((r.status_code, r.json().get("booking_id", r.text[:200])))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(answers)


def test_a_retry_racing_its_first_attempt_is_answered_with_the_same_booking(
    running: Running,
) -> None:
    # both read "no such TCN" and both insert; the unique index refuses the second, and the
    # service answers it with the first booking (a replay), never a 409
    ori = sorted(running.jail_keys)[0]
    at = running.container.clock()
    pairs = [
        _twice_at_once(
            running,
            ori,
            booking_body(seed=5, identity=i, tcn=f"RACE-{i:03d}", ori=ori, arrested_at=at),
        )
        for i in range(RACES)
    ]
    # one taken (202) and one replayed (200), with the same booking
    assert [pair for pair in pairs if [status for status, _ in pair] != [200, 202]] == []
    assert all(first[1] == second[1] for first, second in pairs)
