from __future__ import annotations

import csv
import itertools
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import SHARED_DATA

from liaison.jurisdictions.agreements import (
    COLUMNS,
    agreement_key,
    changes_between_snapshots,
    counts_by_model,
    read_agreements,
    snapshot_change,
    snapshots,
)
from liaison.jurisdictions.errors import JurisdictionError, MalformedAgreementRow
from liaison.jurisdictions.model import Agreement287g, AgreementModel

AGREEMENTS = SHARED_DATA / "287g" / "agreements.csv"
HEADER = ",".join(COLUMNS)
GOOD = (
    "2025-05-16 am,ALABAMA,Colbert County,36351,colbert county sheriff,630119,AL0200000,"
    "Jail Enforcement Model,54762,3500000,(001) Sheriff"
)


@pytest.fixture(scope="module")
def published() -> list[Agreement287g]:
    assert AGREEMENTS.is_file(), f"the 287(g) list is expected at {AGREEMENTS}"
    return read_agreements(AGREEMENTS)


def test_every_row_of_every_snapshot_is_read(published: list[Agreement287g]) -> None:
    with AGREEMENTS.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(published) == len(rows)
    assert len({a.snapshot_label for a in published}) == 17


def test_counts_per_model_per_snapshot_match_an_independent_count(
    published: list[Agreement287g],
) -> None:
    names = {
        "Jail Enforcement Model": AgreementModel.JAIL_ENFORCEMENT,
        "Task Force Model": AgreementModel.TASK_FORCE,
        "Warrant Service Officer": AgreementModel.WARRANT_SERVICE_OFFICER,
    }
    with AGREEMENTS.open(newline="", encoding="utf-8") as f:
        expected = Counter((row["date"], names[row["type"]]) for row in csv.DictReader(f))
    counts = counts_by_model(published)
    assert counts == dict(expected)
    assert len(counts) == 17 * 3
    # spot checks against the published list itself
    assert counts[("2025-05-16 am", AgreementModel.JAIL_ENFORCEMENT)] == 91
    assert counts[("2025-07-03 pm", AgreementModel.TASK_FORCE)] == 365
    latest = sum(n for (snap, _), n in counts.items() if snap == "2025-07-03 pm")
    assert latest == 753  # "The latest snapshot has 753 agreements."


def test_same_day_snapshots_stay_apart(published: list[Agreement287g]) -> None:
    counts = counts_by_model(published)
    am = counts[("2025-05-19 am", AgreementModel.WARRANT_SERVICE_OFFICER)]
    pm = counts[("2025-05-19 pm", AgreementModel.WARRANT_SERVICE_OFFICER)]
    assert (am, pm) == (205, 212)
    assert {a.snapshot for a in published if a.snapshot_label.startswith("2025-05-19")} == {
        date(2025, 5, 19)
    }


def test_a_row_is_read_in_full(published: list[Agreement287g]) -> None:
    first = published[0]
    assert first == Agreement287g(
        agency_name="colbert county sheriff",
        state="AL",
        model=AgreementModel.JAIL_ENFORCEMENT,
        signed_on=None,
        snapshot=date(2025, 5, 16),
        county="Colbert County",
        agency_type="(001) Sheriff",
        snapshot_label="2025-05-16 am",
        county_fips="01033",
        ori="AL0200000",
        agency_id="630119",
        zip_code="36351",
        population_policed=54762,
        operating_budget=3500000,
    )


def test_missing_values_are_absent(published: list[Agreement287g]) -> None:
    state_agency = next(a for a in published if a.agency_name == "alaska of corrections")
    assert state_agency.state == "AK"
    assert (state_agency.county, state_agency.county_fips, state_agency.ori) == ("", None, "")
    assert (state_agency.zip_code, state_agency.agency_id, state_agency.agency_type) == ("", "", "")
    assert state_agency.population_policed is None
    assert state_agency.operating_budget is None
    assert "-1" not in {a.ori for a in published}
    assert "N/A" not in {a.county for a in published}


def test_counties_resolve_to_fips(published: list[Agreement287g]) -> None:
    with_county = [a for a in published if a.county]
    resolved = [a for a in with_county if a.county_fips]
    assert len(resolved) / len(with_county) > 0.99
    assert all(a.county_fips is not None and len(a.county_fips) == 5 for a in resolved)
    decatur = next(a for a in published if a.county == "Decatur" and a.state == "GA")
    assert decatur.county_fips == "13087"  # no "County" suffix in the list
    misspelt = {a.county for a in with_county if a.county_fips is None}
    assert "Berrian County" in misspelt  # Berrien County, MI: kept by name, no FIPS


def test_quoted_fields_with_commas(published: list[Agreement287g]) -> None:
    names = {a.agency_name for a in published}
    assert "florida of highway safety and motor vehicles, of highway patrol" in names


# ---- malformed input names the line and the column ----


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "agreements.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        (GOOD.replace("2025-05-16 am", "16/05/2025"), "date", "snapshot"),
        (GOOD.replace("2025-05-16 am", "2025-02-30 am"), "date", "day is out of range"),
        (GOOD.replace("ALABAMA", "ATLANTIS"), "state", "ATLANTIS"),
        (GOOD.replace("Jail Enforcement Model", "Border Model"), "type", "Border Model"),
        (GOOD.replace("AL0200000", "AL02"), "ori", "ORI"),
        (GOOD.replace("54762", "lots"), "population_policed", "whole number"),
        (GOOD.replace("3500000", "3.5e6"), "operating_budget", "whole number"),
        (GOOD.replace("36351", "3635"), "zip", "ZIP"),
        (GOOD.replace("colbert county sheriff", "NA"), "agency", "empty"),
        (GOOD.rsplit(",", 2)[0], "operating_budget", "9 fields"),
        (GOOD + ",extra", "(extra)", "12 fields"),
    ],
)
def test_a_malformed_row_names_line_and_column(
    tmp_path: Path, bad_row: str, column: str, message: str
) -> None:
    path = write(tmp_path, HEADER, GOOD, GOOD, bad_row, GOOD)
    with pytest.raises(MalformedAgreementRow, match=message) as caught:
        read_agreements(path)
    err = caught.value
    assert (err.line, err.column) == (4, column)
    assert f"line 4, column {column!r}" in str(err)
    assert isinstance(err, JurisdictionError)


def test_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    multiline = GOOD.replace("colbert county sheriff", '"colbert\ncounty sheriff"')
    bad = GOOD.replace("ALABAMA", "ATLANTIS")
    path = write(tmp_path, HEADER, multiline, "", bad)
    with pytest.raises(MalformedAgreementRow) as caught:
        read_agreements(path)
    assert (caught.value.line, caught.value.column) == (5, "state")


def test_a_header_without_a_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER.replace(",type,", ",kind,"), GOOD)
    with pytest.raises(MalformedAgreementRow) as caught:
        read_agreements(path)
    assert (caught.value.line, caught.value.column) == (1, "type")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(MalformedAgreementRow, match="empty"):
        read_agreements(path)


def test_a_header_only_file_has_no_agreements(tmp_path: Path) -> None:
    assert read_agreements(write(tmp_path, HEADER)) == []
    assert counts_by_model([]) == {}


# ---- changes between snapshots ----


def test_changes_between_snapshots_match_an_independent_diff(
    published: list[Agreement287g],
) -> None:
    names = {
        "Jail Enforcement Model": AgreementModel.JAIL_ENFORCEMENT,
        "Task Force Model": AgreementModel.TASK_FORCE,
        "Warrant Service Officer": AgreementModel.WARRANT_SERVICE_OFFICER,
    }
    with AGREEMENTS.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # the file lists its snapshots oldest first; its state names map to USPS codes row by row
    order = list(dict.fromkeys(row["date"] for row in rows))
    usps = {row["state"]: a.state for row, a in zip(rows, published, strict=True)}
    keys: defaultdict[str, set[tuple[str, str, AgreementModel]]] = defaultdict(set)
    for row in rows:
        agency = " ".join(row["agency"].lower().split())
        keys[row["date"]].add((usps[row["state"]], agency, names[row["type"]]))

    changes = changes_between_snapshots(published)
    assert snapshots(published) == order
    assert [(c.earlier, c.later) for c in changes] == list(itertools.pairwise(order))
    assert len(changes) == 16
    for c in changes:
        assert {agreement_key(a) for a in c.added} == keys[c.later] - keys[c.earlier]
        assert {agreement_key(a) for a in c.ended} == keys[c.earlier] - keys[c.later]
        assert {a.snapshot_label for a in c.added} <= {c.later}
        assert {a.snapshot_label for a in c.ended} <= {c.earlier}
    summary = {(c.earlier, c.later): (len(c.added), len(c.ended)) for c in changes}
    assert summary[("2025-05-23 am", "2025-05-23 pm")] == (1, 0)  # same day, am -> pm
    assert summary[("2025-06-06 am", "2025-06-17 pm")] == (56, 0)
    assert summary[("2025-06-20 am", "2025-06-23 am")] == (0, 0)
    assert sum(added for added, _ in summary.values()) == 189
    assert sum(ended for _, ended in summary.values()) == 7
    [butler] = next(c for c in changes if c.later == "2025-06-06 am").ended
    assert (butler.agency_name, butler.state, butler.model) == (
        "butler county sheriff",
        "PA",
        AgreementModel.WARRANT_SERVICE_OFFICER,
    )


def test_a_corrected_spelling_reads_as_one_ended_and_one_new(
    published: list[Agreement287g],
) -> None:
    first = next(c for c in changes_between_snapshots(published) if c.later == "2025-05-19 am")
    assert [a.agency_name for a in first.ended] == ["indialantic police"]
    assert "indiatlantic police" in {a.agency_name for a in first.added}


def test_a_row_listed_twice_is_one_agreement(published: list[Agreement287g]) -> None:
    snapshot = [a for a in published if a.snapshot_label == "2025-05-16 am"]
    st_cloud = [a for a in snapshot if a.agency_name == "st cloud police"]
    assert len(st_cloud) == 2  # listed twice, counted twice by counts_by_model
    unchanged = snapshot_change(snapshot, snapshot)
    assert (unchanged.added, unchanged.ended) == ((), ())
    without = snapshot_change(snapshot, [a for a in snapshot if a not in st_cloud])
    assert [a.agency_name for a in without.ended] == ["st cloud police"]


def test_case_and_spacing_do_not_make_a_new_agreement() -> None:
    a = Agreement287g(
        agency_name="colbert county sheriff",
        state="AL",
        model=AgreementModel.JAIL_ENFORCEMENT,
        signed_on=None,
        snapshot=date(2025, 5, 16),
        snapshot_label="2025-05-16 am",
    )
    b = replace(
        a, agency_name=" Colbert  County Sheriff", snapshot=date(2025, 5, 19), snapshot_label=""
    )
    other_model = replace(b, model=AgreementModel.WARRANT_SERVICE_OFFICER)
    change = snapshot_change([a], [b, other_model])
    assert (change.earlier, change.later) == ("2025-05-16 am", "2025-05-19")
    assert change.added == (other_model,)
    assert change.ended == ()
    with pytest.raises(ValueError, match="2 snapshots"):
        snapshot_change([a, b], [b])
    assert snapshot_change([], []).added == ()
