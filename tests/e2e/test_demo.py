"""``liaison demo`` end to end: a small world, run twice from the command line, gives the same
figures; no detainer falls on a U.S. citizen; every slip its officers and jails try (at every
chance, here) is refused by its own safeguard; the report carries its charts; and the data
directory it leaves is one that the API (what ``liaison serve`` runs) opens and answers from."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import SHARED_DATA

from liaison.synth.report import CHARTS
from liaison.synth.sop import SLIPS, Slip

# seed 1's first three days hold a citizenship referral, so every kind of slip but one has a
# chance (see test_every_slip_the_month_offered_is_refused_by_its_own_safeguard)
ARGS = (
    "demo", "--identities", "2000", "--days", "3", "--seed", "1", "--slip-rate", "1", "--json",
)  # fmt: skip
KEYS = (
    "bookings",
    "identified",
    "detainers_lodged",
    "detainers_declined",
    "detainers_on_us_citizens",
    "identification",
)


def _demo(data_dir: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env["COLUMNS"] = "200"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "liaison.entrypoints.cli.main",
            *ARGS,
            "--data-dir",
            str(data_dir),
            "--shared-data",
            str(SHARED_DATA),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return summary


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The demo run twice: once on a new directory, once again on the same one (which
    replaces the store and keeps the gallery of the same world)."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    first = _demo(data_dir)
    report = (data_dir / "report.html").read_bytes()
    second = _demo(data_dir)
    assert (data_dir / "report.html").read_bytes() == report, "the report is not reproducible"
    return data_dir, first, second


def test_the_same_seed_gives_the_same_figures(
    runs: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    _, first, second = runs
    assert "timings" in first
    first.pop("timings")
    second.pop("timings")
    assert first == second


def test_the_summary_has_its_figures_and_no_detainer_falls_on_a_citizen(
    runs: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    _, summary, _ = runs
    for key in KEYS:
        assert key in summary, key
    assert summary["bookings"] >= 60
    assert 0 < summary["identified"] <= summary["bookings"]
    assert summary["detainers_lodged"] > 0
    assert summary["detainers_on_us_citizens"] == 0
    assert summary["safeguards"]["detainers_on_us_citizens"] == 0
    assert summary["safeguards"]["us_citizens_booked"] > 0
    accuracy = summary["identification"]
    for rate in ("true_match_rate", "false_match_rate"):
        assert 0.0 <= accuracy[rate] <= 1.0
    assert accuracy["true_match_rate"] > 0.9
    assert summary["audit"]["intact"] is True
    assert summary["stored"]["agreements_287g"] > 0
    assert summary["review"]["unexpected_refusals"] == {}


def test_every_slip_the_month_offered_is_refused_by_its_own_safeguard(
    runs: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    _, summary, _ = runs
    safe = summary["safeguards"]
    tried = safe["slips_tried"]
    # a ten-print match in this world names one candidate (verification stops at the mate), so
    # no review offers a second candidate to lodge on: tests/unit/synth/test_month.py tries
    # that slip on the in-memory store
    assert set(tried) == {kind.value for kind in Slip} - {Slip.OTHER_CANDIDATE.value}
    assert safe["refusals_by_kind"] == {
        SLIPS[Slip(kind)].refused_by: n for kind, n in tried.items()
    }
    assert safe["slips_not_refused"] == {}
    assert safe["detainers_on_us_citizens"] == 0


def test_the_report_is_one_file_with_its_charts(
    runs: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    data_dir, _, _ = runs
    page = (data_dir / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert page.count("src='data:image/png;base64,") == len(CHARTS)
    for chart in CHARTS:
        assert f"id='chart-{chart}'" in page
    assert "Detainers on U.S. citizens: <span class='zero'>0</span>" in page
    assert "<td>NotAnAdjudicator</td>" in page.split("<h3>Refusals by kind</h3>", 1)[1]
    assert "http" not in page.split("<body>", 1)[1]  # standalone: nothing fetched


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(runs: tuple[Path, dict[str, Any], dict[str, Any]]) -> Iterator[httpx.Client]:
    """``liaison serve --data-dir DIR`` in its own process, as a user would start it."""
    data_dir, _, _ = runs
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    log = data_dir.parent / "serve.log"
    with (
        log.open("wb") as err,
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "liaison.entrypoints.cli.main",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        ) as server,
    ):
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                deadline = time.monotonic() + 90
                while True:
                    assert server.poll() is None, log.read_text()
                    try:
                        if client.get("/openapi.json").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, "liaison serve did not come up in 90 s"
                    time.sleep(0.2)
                yield client
        finally:
            server.terminate()
            server.wait(30)


def test_liaison_serve_opens_the_data_directory(
    served: httpx.Client, runs: tuple[Path, dict[str, Any], dict[str, Any]]
) -> None:
    data_dir, summary, _ = runs
    credentials = data_dir / "demo-credentials.json"
    users = json.loads(credentials.read_text())
    assert credentials.stat().st_mode & 0o777 == 0o600
    r = served.post(
        "/auth/token", json={"username": "manager", "password": users["manager"]["password"]}
    )
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    rows = served.get("/reports/declined-detainers", headers=headers).json()
    assert [(row["jurisdiction_fips"], row["declined"]) for row in rows] == [
        (row["fips"], row["declined"]) for row in summary["declined_by_jurisdiction"]
    ]
    listed = served.get("/detainers", headers=headers, params={"limit": 500})
    assert listed.status_code == 200, listed.text
    assert int(listed.headers["X-Total-Count"]) == summary["detainers_lodged"]
    assert len(listed.json()) == min(500, summary["detainers_lodged"])
    # the operations progress the report shows is what the API computes from the same cases
    for target_id, shown in summary["operations"]["targets"].items():
        progress = served.get(
            f"/operations/targets/{target_id}/progress",
            headers=headers,
            params={"as_of": shown["window"][1]},
        )
        assert progress.status_code == 200, progress.text
        body = progress.json()
        assert (body["baseline"], body["current"], body["status"]) == (
            shown["baseline"],
            shown["current"],
            shown["status"],
        )


def test_the_month_s_operations_are_recorded_and_measured(
    runs: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    _, summary, again = runs
    ops = summary["operations"]
    assert ops == again["operations"]  # the same seed, the same operations figures
    assert ops["declaration"]["states_in_scope"] == 50
    assert ops["declaration"]["in_force_on"]["2025-07-07"] == 1  # effective three days before
    assert ops["refused_deployments"]  # the overlapping assignment of one unit is refused
    assert set(ops["targets"]) == {"T-ARRESTS", "T-LODGED"}
    arrests = ops["targets"]["T-ARRESTS"]
    assert 0 <= arrests["baseline"] + arrests["current"] <= summary["bookings"]
    assert ops["transfers_recorded"] == summary["detainer_outcomes"].get("transferred", 0)
