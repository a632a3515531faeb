"""An in-memory jurisdictions store for unit tests: changes vanish unless committed.

Every stored value is a frozen dataclass, so a shallow copy of the collections is a snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

from tests.unit.audit.fakes import FakeAuditRepository

from liaison.jurisdictions.model import Agency, Agreement287g, DetainerPolicy, Jurisdiction


class FakeJurisdictionRepository:
    def __init__(self) -> None:
        self.places: dict[str, Jurisdiction] = {}
        self.by_ori: dict[str, Agency] = {}
        self.policies: list[DetainerPolicy] = []
        self.agreement_rows: list[Agreement287g] = []

    def add_jurisdiction(self, jurisdiction: Jurisdiction) -> None:
        assert jurisdiction.fips not in self.places, "the store would refuse a duplicate key"
        self.places[jurisdiction.fips] = jurisdiction

    def get_jurisdiction(self, fips: str) -> Jurisdiction | None:
        return self.places.get(fips)

    def add_agency(self, agency: Agency) -> None:
        assert agency.ori not in self.by_ori, "the store would refuse a duplicate key"
        self.by_ori[agency.ori] = agency

    def get_agency(self, ori: str) -> Agency | None:
        return self.by_ori.get(ori)

    def agencies(self) -> Sequence[Agency]:
        return list(self.by_ori.values())

    def add_policy(self, policy: DetainerPolicy) -> None:
        self.policies.append(policy)

    def policies_for(self, fips: Sequence[str]) -> Sequence[DetainerPolicy]:
        return [p for p in self.policies if p.jurisdiction_fips in fips]

    def add_agreements(self, agreements: Sequence[Agreement287g]) -> None:
        self.agreement_rows.extend(agreements)

    def agreements(self, *, snapshot: str | None = None) -> Sequence[Agreement287g]:
        return [
            a
            for a in self.agreement_rows
            if snapshot in (None, a.snapshot_label, a.snapshot.isoformat())
        ]

    def copy(self) -> FakeJurisdictionRepository:
        other = FakeJurisdictionRepository()
        other.places = dict(self.places)
        other.by_ori = dict(self.by_ori)
        other.policies = list(self.policies)
        other.agreement_rows = list(self.agreement_rows)
        return other


class FakeJurisdictionsUnitOfWork:
    def __init__(self) -> None:
        self._jurisdictions = FakeJurisdictionRepository()
        self._audit = FakeAuditRepository()
        self._saved = self._snapshot()
        self.commits = 0

    @property
    def jurisdictions(self) -> FakeJurisdictionRepository:
        return self._jurisdictions

    @property
    def audit(self) -> FakeAuditRepository:
        return self._audit

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._saved = self._snapshot()
        self.commits += 1

    def rollback(self) -> None:
        jurisdictions, audit = self._saved
        self._jurisdictions = jurisdictions.copy()
        self._audit = FakeAuditRepository()
        self._audit.rows = list(audit.rows)

    def copy(self) -> FakeJurisdictionsUnitOfWork:
        """An independent copy of the committed state (a fixture's template)."""
        other = FakeJurisdictionsUnitOfWork()
        other._saved = self._snapshot()
        other.rollback()
        return other

    def _snapshot(self) -> tuple[FakeJurisdictionRepository, FakeAuditRepository]:
        audit = FakeAuditRepository()
        audit.rows = list(self._audit.rows)
        return self._jurisdictions.copy(), audit
