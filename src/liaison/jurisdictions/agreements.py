"""The published list of 287(g) agreements, read from its CSV form.

The list (one row per agency and agreement model, repeated for each snapshot) has the columns
``date, state, county, zip, agency, agency_id, ori, type, population_policed,
operating_budget, agency_type``. ``date`` is the snapshot as published, a day and a half-day
("2025-05-23 am"): two snapshots can fall on one day. Missing values are written ``NA`` (also
``N/A``, ``-1`` for an ORI, or nothing) and are read as absent. The list gives no signing or
expiry dates, so ``signed_on`` stays None. County names are resolved to FIPS with addfips'
matching; a misspelt county ("Berrian County") is kept by name with no FIPS.

Between two snapshots an agreement is known by ``agreement_key``: state, agency name (case
and spacing aside) and model. The list numbers no agreement, and its ORI and agency number
are missing from about one row in ten (some are filled in by a later snapshot), so neither
can be the key. A corrected spelling ("indialantic police" -> "indiatlantic police") reads
as one agreement ended and one new, as the published lists themselves differ. A row listed
twice in one snapshot (it happens) is one agreement there; ``counts_by_model`` counts rows.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path

from liaison.jurisdictions.errors import MalformedAgreementRow, UnknownJurisdiction
from liaison.jurisdictions.fips import county_fips, postal
from liaison.jurisdictions.model import Agreement287g, AgreementModel

__all__ = [
    "COLUMNS",
    "MODEL_NAMES",
    "AgreementKey",
    "SnapshotChange",
    "agreement_key",
    "changes_between_snapshots",
    "counts_by_model",
    "read_agreements",
    "snapshot_change",
    "snapshot_label",
    "snapshots",
]

COLUMNS = (
    "date",
    "state",
    "county",
    "zip",
    "agency",
    "agency_id",
    "ori",
    "type",
    "population_policed",
    "operating_budget",
    "agency_type",
)

MODEL_NAMES: dict[str, AgreementModel] = {
    "Jail Enforcement Model": AgreementModel.JAIL_ENFORCEMENT,
    "Task Force Model": AgreementModel.TASK_FORCE,
    "Warrant Service Officer": AgreementModel.WARRANT_SERVICE_OFFICER,
}

_MISSING = frozenset({"", "NA", "N/A", "-1"})
_SNAPSHOT = re.compile(r"(\d{4}-\d{2}-\d{2})(?: (am|pm))?")
_ORI = re.compile(r"[A-Z]{2}[A-Z0-9]{7}")
_ZIP = re.compile(r"\d{5}")
_COUNT = re.compile(r"\d+")


def _present(value: str) -> str:
    value = value.strip()
    return "" if value in _MISSING else value


class _Row:
    """One CSV record with its line number, for errors that say where."""

    def __init__(self, path: Path, line: int, values: dict[str, str]) -> None:
        self.path = path
        self.line = line
        self.values = values

    def fail(self, column: str, message: str) -> MalformedAgreementRow:
        return MalformedAgreementRow(message, path=str(self.path), line=self.line, column=column)

    def snapshot(self) -> tuple[date, str]:
        raw = self.values["date"].strip()
        found = _SNAPSHOT.fullmatch(raw)
        if found is None:
            raise self.fail("date", f"{raw!r} is not a snapshot like '2025-05-16 am'")
        try:
            return date.fromisoformat(found.group(1)), raw
        except ValueError as exc:
            raise self.fail("date", f"{raw!r}: {exc}") from None

    def state(self) -> str:
        raw = self.values["state"].strip()
        try:
            return postal(raw)
        except UnknownJurisdiction:
            raise self.fail("state", f"{raw!r} is not a state or territory") from None

    def model(self) -> AgreementModel:
        raw = self.values["type"].strip()
        if raw not in MODEL_NAMES:
            known = ", ".join(repr(n) for n in MODEL_NAMES)
            raise self.fail("type", f"{raw!r} is not an agreement model (one of {known})")
        return MODEL_NAMES[raw]

    def text(self, column: str, *, required: bool = False) -> str:
        value = _present(self.values[column])
        if required and not value:
            raise self.fail(column, "is empty")
        return value

    def matching(self, column: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(column)
        if value and not pattern.fullmatch(value):
            raise self.fail(column, f"{value!r} is not {what}")
        return value

    def count(self, column: str) -> int | None:
        value = self.matching(column, _COUNT, "a whole number")
        return int(value) if value else None


def _agreement(row: _Row) -> Agreement287g:
    snapshot, label = row.snapshot()
    state = row.state()
    county = row.text("county")
    ori = row.matching("ori", _ORI, "an ORI (9 letters and digits)")
    return Agreement287g(
        agency_name=row.text("agency", required=True),
        state=state,
        model=row.model(),
        signed_on=None,
        snapshot=snapshot,
        county=county,
        agency_type=row.text("agency_type"),
        snapshot_label=label,
        county_fips=county_fips(state, county) if county else None,
        ori=ori,
        agency_id=row.matching("agency_id", _COUNT, "a number"),
        zip_code=row.matching("zip", _ZIP, "a 5-digit ZIP code"),
        population_policed=row.count("population_policed"),
        operating_budget=row.count("operating_budget"),
    )


def read_agreements(path: Path) -> list[Agreement287g]:
    """Every row of every snapshot, in file order; ``MalformedAgreementRow`` names the line
    and column of the first row that cannot be read."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise MalformedAgreementRow("the file is empty", path=str(path), line=1, column="")
        names = [h.strip().lstrip("\ufeff") for h in header]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise MalformedAgreementRow(
                f"the header lacks the column(s) {', '.join(missing)}",
                path=str(path),
                line=1,
                column=missing[0],
            )
        out: list[Agreement287g] = []
        for record in reader:
            line = reader.line_num
            if not any(v.strip() for v in record):
                continue  # a blank line
            if len(record) != len(names):
                column = names[len(record)] if len(record) < len(names) else "(extra)"
                raise MalformedAgreementRow(
                    f"{len(record)} fields where the header has {len(names)}",
                    path=str(path),
                    line=line,
                    column=column,
                )
            out.append(_agreement(_Row(path, line, dict(zip(names, record, strict=True)))))
    return out


def counts_by_model(agreements: Iterable[Agreement287g]) -> dict[tuple[str, AgreementModel], int]:
    """How many agreements each snapshot lists under each model, keyed by the snapshot's
    label ("2025-05-23 pm"; its ISO date where no label is known) and the model."""
    counts = Counter((snapshot_label(a), a.model) for a in agreements)
    return dict(sorted(counts.items()))


AgreementKey = tuple[str, str, AgreementModel]  # state, agency name folded, model


@dataclass(frozen=True)
class SnapshotChange:
    """What changed on the published list from one snapshot to a later one."""

    earlier: str  # snapshot labels
    later: str
    added: tuple[Agreement287g, ...]  # the later snapshot's rows of agreements new in it
    ended: tuple[Agreement287g, ...]  # the earlier snapshot's rows of agreements absent later


def agreement_key(agreement: Agreement287g) -> AgreementKey:
    """What makes rows of two snapshots one agreement: state, agency name without regard to
    case or spacing, and model."""
    return (agreement.state, " ".join(agreement.agency_name.casefold().split()), agreement.model)


def snapshot_label(agreement: Agreement287g) -> str:
    """The snapshot's published label ("2025-05-23 pm"); its ISO date where none is known."""
    return agreement.snapshot_label or agreement.snapshot.isoformat()


def snapshots(agreements: Iterable[Agreement287g]) -> list[str]:
    """The snapshot labels, oldest first (by date, then "am" before "pm")."""
    dated = {snapshot_label(a): a.snapshot for a in agreements}
    return sorted(dated, key=lambda label: (dated[label], label))


def _one_snapshot(rows: list[Agreement287g], which: str) -> str:
    labels = {snapshot_label(a) for a in rows}
    if len(labels) > 1:
        raise ValueError(f"the {which} rows come from {len(labels)} snapshots, not one")
    return labels.pop() if labels else ""


def snapshot_change(
    earlier: Iterable[Agreement287g], later: Iterable[Agreement287g]
) -> SnapshotChange:
    """The agreements new in ``later`` and those of ``earlier`` absent from it, each the
    rows of one snapshot, sorted by key (a key listed twice appears once)."""
    before, after = list(earlier), list(later)
    old = {agreement_key(a): a for a in before}
    new = {agreement_key(a): a for a in after}
    return SnapshotChange(
        earlier=_one_snapshot(before, "earlier"),
        later=_one_snapshot(after, "later"),
        added=tuple(new[k] for k in sorted(new.keys() - old.keys())),
        ended=tuple(old[k] for k in sorted(old.keys() - new.keys())),
    )


def changes_between_snapshots(agreements: Iterable[Agreement287g]) -> list[SnapshotChange]:
    """The change from each snapshot to the next, oldest first."""
    rows = list(agreements)
    by_label: dict[str, list[Agreement287g]] = {}
    for a in rows:
        by_label.setdefault(snapshot_label(a), []).append(a)
    order = snapshots(rows)
    return [snapshot_change(by_label[a], by_label[b]) for a, b in pairwise(order)]
