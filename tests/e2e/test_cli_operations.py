"""``liaison operations`` run in process (Typer's runner) on one SQLite data directory for the
module, holding the reference states and counties: the published 287(g) list imported and
counted, declarations, deployments and their refusals, targets and capacity, and the lists of
each.

A refused command exits 2 with one line on stderr naming the error; nothing of it is kept.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from liaison import bootstrap
from liaison.entrypoints.cli.main import app
from liaison.jurisdictions import services as jurisdictions
from liaison.settings import Settings

# tests/e2e/this file: parents[2] is the project root, beside ../shared
AGREEMENTS = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "287g" / "agreements.csv"
)
MODELS = {
    "Jail Enforcement Model": "jail_enforcement",
    "Task Force Model": "task_force",
    "Warrant Service Officer": "warrant_service_officer",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("operations-cli")
    c = bootstrap.container(Settings(data_dir=path, workers=1), with_engine=False)
    try:
        jurisdictions.load_reference(uow=c.uow(), at=datetime.now(UTC), actor="e2e")
    finally:
        c.close()
    return path


def ops(data_dir: Path, *args: str) -> Result:
    """``liaison operations ARGS --data-dir DATA_DIR`` (the embedded SQLite store, whatever
    this shell's ``LIAISON_DATABASE_URL`` says)."""
    runner = CliRunner(env={"LIAISON_DATABASE_URL": ""})
    return runner.invoke(app, ["operations", *args, "--data-dir", str(data_dir)])


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(result: Result) -> str:
    """The one line a refused command prints on stderr (exit 2, no traceback)."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def as_json(result: Result) -> Any:
    return json.loads(ok(result))


# -- 287(g) agreements -----------------------------------------------------------------------


def test_the_published_list_imports_and_counts_per_model_as_the_csv_does(data_dir: Path) -> None:
    if not AGREEMENTS.exists():
        pytest.skip(f"the published 287(g) list is expected at {AGREEMENTS}")
    with AGREEMENTS.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expected = Counter((r["date"], MODELS[r["type"]]) for r in rows)
    snapshots = sorted({r["date"] for r in rows})
    assert len(snapshots) == 17

    imported = ok(ops(data_dir, "agreements", "import", str(AGREEMENTS)))
    assert imported.startswith(f"{len(rows):,} agreement rows added from agreements.csv; 17 ")
    again = ok(ops(data_dir, "agreements", "import", str(AGREEMENTS)))
    assert again.startswith("0 agreement rows added")

    counts = as_json(ops(data_dir, "agreements", "counts", "--json"))
    assert {(x["snapshot"], x["model"]): x["agreements"] for x in counts} == expected
    table = ok(ops(data_dir, "agreements", "counts"))
    assert [label for label in snapshots if label in table] == snapshots

    changes = as_json(ops(data_dir, "agreements", "changes", "--json"))
    assert [(c["earlier"], c["later"]) for c in changes] == list(pairwise(snapshots))
    one = ops(data_dir, "agreements", "changes", "--from", snapshots[0], "--to", snapshots[-1])
    first = ok(one).splitlines()[0]
    assert first.startswith(f"{snapshots[0]} -> {snapshots[-1]}: ")

    assert "UnknownSnapshot" in refused(
        ops(data_dir, "agreements", "changes", "--from", snapshots[0], "--to", "1999-01-01 am")
    )
    assert "both --from and --to" in refused(
        ops(data_dir, "agreements", "changes", "--from", snapshots[0])
    )
    assert "no-such.csv" in refused(ops(data_dir, "agreements", "import", "no-such.csv"))


def test_a_recorded_agreement_cannot_expire_before_it_is_signed(data_dir: Path) -> None:
    args = ["agreements", "record", "287G-1", "--agency", "Colbert County Sheriff"]
    args += ["--state", "AL", "--model", "jail_enforcement", "--signed-on", "2025-03-01"]
    line = refused(ops(data_dir, *args, "--expires-on", "2025-02-01"))
    assert line == "InvalidAgreement: the expiry 2025-02-01 is before the signing 2025-03-01"
    recorded = ok(ops(data_dir, *args, "--expires-on", "2027-03-01", "--function", "interrogate"))
    assert recorded.startswith("agreement 287G-1: AL Colbert County Sheriff (jail_enforcement)")
    ok(ops(data_dir, "agreements", "terminate", "287G-1", "--on", "2026-01-01"))
    assert "1 agreement(s)" in ok(ops(data_dir, "agreements", "in-effect", "--on", "2025-12-31"))
    assert "0 agreement(s)" in ok(ops(data_dir, "agreements", "in-effect", "--on", "2026-01-01"))


# -- declarations ----------------------------------------------------------------------------

DECLARE = ["declare", "MI-CLI", "--authority", "INA 103(a)(10)", "--state", "TX"]
DECLARE += ["--state", "HI", "--issued-at", "2025-06-01T12:00:00Z"]


def test_a_naive_date_time_is_refused_with_the_option_named(data_dir: Path) -> None:
    line = refused(ops(data_dir, *DECLARE, "--effective-at", "2025-06-02T02:00:00"))
    assert line.startswith("NaiveDatetime: effective_at has no time zone")
    assert "give --effective-at an offset" in line
    unreadable = ops(data_dir, *DECLARE, "--effective-at", "tomorrow")
    assert unreadable.exit_code == 2  # a usage error: click's box names the option
    assert "Invalid value for '--effective-at': 'tomorrow' is not an ISO 8601" in unreadable.output
    assert "MI-CLI" not in ok(ops(data_dir, "in-force", "--on", "2025-06-10"))  # nothing kept


def test_a_declaration_is_declared_extended_and_answered(data_dir: Path) -> None:
    made = ok(ops(data_dir, *DECLARE, "--effective-at", "2025-06-02T02:00:00-04:00"))
    assert made.strip() == (
        "declaration MI-CLI (mass_influx): in force 2025-06-02 06:00 UTC to "
        "2025-08-01 06:00 UTC in HI, TX"
    )
    on_first = as_json(ops(data_dir, "in-force", "--on", "2025-06-01", "--json"))
    assert [(d["declaration"]["declaration_id"], d["states"]) for d in on_first] == [
        ("MI-CLI", ["15"])  # 1 June in Honolulu; already 2 June in Texas
    ]
    assert as_json(ops(data_dir, "in-force", "--on", "2025-06-01", "--state", "TX", "--json")) == []

    extend = ["extend", "MI-CLI", "--by", "Attorney General", "--authority", "28 CFR 65.83"]
    extended = ok(ops(data_dir, *extend, "--days", "30", "--extended-at", "2025-07-30T12:00Z"))
    assert "to 2025-08-31 06:00 UTC" in extended
    late = refused(ops(data_dir, *extend, "--days", "5", "--extended-at", "2025-09-01T00:00Z"))
    assert late.startswith("ExtensionRefused: declaration 'MI-CLI' expired at")

    ask = ["request-assistance", "MI-CLI", "--request", "detention space", "--state", "TX"]
    asked = ok(ops(data_dir, *ask, "--requested-at", "2025-06-03T12:00:00Z"))
    assert "awaiting an answer from TX" in asked
    answered = ok(ops(data_dir, "answer", "MI-CLI", "TX", "accepted", "--on", "2025-06-04"))
    assert answered.strip() == "declaration MI-CLI: HI not_requested, TX accepted"
    unasked = refused(ops(data_dir, "answer", "MI-CLI", "HI", "accepted", "--on", "2025-06-04"))
    assert unasked == "NotRequested: HI was not asked for assistance under declaration 'MI-CLI'"

    shown = as_json(ops(data_dir, "declaration", "MI-CLI", "--json"))
    assert shown["expires_at"] == "2025-08-31T06:00:00Z"
    assert shown["assistance"] == {"15": "not_requested", "48": "accepted"}
    assert (
        refused(ops(data_dir, "declaration", "NOPE")) == "UnknownDeclaration: no declaration 'NOPE'"
    )


# -- deployments -----------------------------------------------------------------------------

DEPLOY = ["--agency", "CBP", "--unit", "BORTAC", "--start", "2025-06-01", "--end", "2025-06-30"]


def test_an_overlapping_deployment_is_refused_with_a_clear_message(data_dir: Path) -> None:
    made = ok(ops(data_dir, "deploy", "D-JUNE", *DEPLOY, "--to", "48479=20", "--to", "48215=10"))
    assert made.startswith("deployment D-JUNE: CBP BORTAC, 30 people, 2025-06-01 to 2025-06-30")
    july = ["deploy", "D-JULY", "--agency", "cbp", "--unit", "bortac", "--to", "48061=5"]
    line = refused(ops(data_dir, *july, "--start", "2025-06-30", "--end", "2025-07-31"))
    assert line == (
        "OverlappingDeployment: deployment 'D-JULY': cbp bortac is already deployed under "
        "'D-JUNE' from 2025-06-30 to 2025-06-30 (a unit is in one place a day)"
    )
    ok(ops(data_dir, *july, "--start", "2025-07-01", "--end", "2025-07-31"))
    assert as_json(ops(data_dir, "overlaps", "--json")) == []
    assert as_json(ops(data_dir, "headcount", "--on", "2025-06-30", "--json")) == {
        "on": "2025-06-30",
        "total": 30,
        "places": {"48215": 10, "48479": 20},
    }
    assert as_json(ops(data_dir, "deployment", "D-JULY", "--json"))["destinations"] == {"48061": 5}


@pytest.mark.parametrize(
    ("to", "line"),
    [
        ("99999=5", "UnknownJurisdiction: deployment 'D-BAD': no jurisdiction has FIPS '99999'"),
        (
            "48479=-5",
            "InvalidDeployment: the headcount sent to 48479 must be a whole number of 1 or "
            "more, not -5",
        ),
        ("48479=five", "--to '48479=five': expected FIPS=HEADCOUNT, e.g. 48479=20"),
    ],
    ids=["unknown-place", "negative-headcount", "not-a-number"],
)
def test_a_deployment_that_cannot_be_made_is_refused(data_dir: Path, to: str, line: str) -> None:
    args = ["deploy", "D-BAD", "--agency", "ATF", "--unit", "SRT", "--to", to]
    assert refused(ops(data_dir, *args, "--start", "2025-09-01", "--end", "2025-09-10")) == line
    assert "UnknownDeployment" in refused(ops(data_dir, "deployment", "D-BAD"))


# -- targets and capacity --------------------------------------------------------------------


def test_a_target_and_its_progress(data_dir: Path) -> None:
    args = ["target", "set", "T-1", "--metric", "arrests", "--in", "48453", "--goal", "35"]
    args += ["--start", "2025-06-01", "--end", "2025-06-30"]
    args += ["--baseline-start", "2025-05-01", "--baseline-end", "2025-05-30"]
    assert ok(ops(data_dir, *args)).startswith("target T-1: arrests +35 % in 48453")
    progress = as_json(
        ops(data_dir, "target", "progress", "T-1", "--as-of", "2025-06-10", "--json")
    )
    assert (progress["status"], progress["elapsed_days"], progress["window_days"]) == (
        "on_track",  # no arrests against no arrests: the goal of 0 is reached
        10,
        30,
    )
    assert "UnknownTarget" in refused(ops(data_dir, "target", "progress", "T-2"))


def test_capacity_from_custody_events(data_dir: Path) -> None:
    added = ok(
        ops(data_dir, "facility", "add", "F-1", "--name", "Annex", "--in", "48453", "--beds", "4")
    )
    assert added.strip() == "facility F-1: Annex in 48453, 4 beds"
    ok(ops(data_dir, "custody", "F-1", "census", "--on", "2025-06-01", "--people", "3"))
    ok(ops(data_dir, "custody", "F-1", "intake", "--on", "2025-06-02"))
    line = refused(
        ops(data_dir, "custody", "F-1", "release", "--on", "2025-06-03", "--people", "9")
    )
    assert line.startswith("InvalidCustodyEvent: on 2025-06-03 facility 'F-1' would hold -5")
    projection = as_json(ops(data_dir, "capacity", "--as-of", "2025-06-02", "--json"))
    assert (projection["beds"], projection["occupancy"], projection["full_on"]) == (
        4,
        4,
        "2025-06-02",
    )
    assert "0 intake(s) recorded" in ok(ops(data_dir, "transfers"))
    assert "Invalid value for '--on'" in ops(data_dir, "headcount", "--on", "2025-13-01").output


# -- lists -----------------------------------------------------------------------------------


def test_every_record_is_listed(data_dir: Path) -> None:
    # its own records in 2031-32, beside whatever the module's other tests add
    for declaration_id, state, issued in (
        ("LIST-LATE", "TX", "2031-03-01T12:00:00Z"),
        ("LIST-EARLY", "NM", "2031-01-01T12:00:00Z"),
    ):
        args = ["declare", declaration_id, "--authority", "INA 103(a)(10)", "--state", state]
        ok(ops(data_dir, *args, "--kind", "other", "--issued-at", issued))
    listed = as_json(ops(data_dir, "declarations", "--json"))
    ids = [d["declaration_id"] for d in listed]
    assert ids.index("LIST-EARLY") < ids.index("LIST-LATE")  # by effective_at, not by id
    early = listed[ids.index("LIST-EARLY")]
    assert (early["states"], early["expires_at"]) == (["35"], "2031-03-02T12:00:00Z")
    assert early == as_json(ops(data_dir, "declaration", "LIST-EARLY", "--json"))
    table = ok(ops(data_dir, "declarations"))
    assert "LIST-EARLY" in table
    assert f"{len(listed)} declaration(s)" in table

    for deployment_id, unit, to, start, end in (
        ("LIST-D2", "LIST-K9", "48215=2", "2032-01-10", "2032-01-20"),
        ("LIST-D1", "LIST-SRT", "48479=3", "2032-01-01", "2032-01-10"),
    ):
        args = ["deploy", deployment_id, "--agency", "USMS", "--unit", unit, "--to", to]
        ok(ops(data_dir, *args, "--start", start, "--end", end))
    everything = [d["deployment_id"] for d in as_json(ops(data_dir, "deployments", "--json"))]
    assert everything.index("LIST-D1") < everything.index("LIST-D2")  # by start
    on_10th = as_json(ops(data_dir, "deployments", "--on", "2032-01-10", "--json"))
    assert [(d["deployment_id"], d["destinations"]) for d in on_10th] == [
        ("LIST-D1", {"48479": 3}),
        ("LIST-D2", {"48215": 2}),
    ]
    table = ok(ops(data_dir, "deployments", "--on", "2032-01-15"))
    assert "LIST-D2" in table
    assert "LIST-D1" not in table
    assert "1 deployment(s) in place on 2032-01-15" in table

    args = ["target", "set", "LIST-T", "--metric", "removals", "--in", "48", "--goal", "10"]
    args += ["--start", "2032-01-01", "--end", "2032-01-31"]
    ok(ops(data_dir, *args, "--baseline-start", "2031-12-01", "--baseline-end", "2031-12-31"))
    targets = as_json(ops(data_dir, "targets", "--json"))
    [target] = [t for t in targets if t["target_id"] == "LIST-T"]
    assert (target["metric"], target["jurisdictions"], target["goal_percent"]) == (
        "removals",
        ["48"],
        10.0,
    )
    assert "LIST-T" in ok(ops(data_dir, "targets"))

    ok(
        ops(
            data_dir, "facility", "add", "LIST-F", "--name", "Annex", "--in", "48215", "--beds", "2"
        )
    )
    facilities = as_json(ops(data_dir, "facilities", "--json"))
    assert {"facility_id": "LIST-F", "name": "Annex", "jurisdiction_fips": "48215", "beds": 2} in (
        facilities
    )
    assert [f["facility_id"] for f in facilities] == sorted(f["facility_id"] for f in facilities)
    table = ok(ops(data_dir, "facilities"))
    assert "LIST-F" in table
    assert f"{len(facilities)} facility(ies)" in table
