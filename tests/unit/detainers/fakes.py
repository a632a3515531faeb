"""In-memory fakes of the repositories a ``DetainersUnitOfWork`` carries.

``FakeUnitOfWork`` behaves like the store's: it snapshots every repository on entry and puts the
snapshot back when the block is left without ``commit``, so a test sees exactly what a refused
use case would have left in a real database (nothing). It counts commits and rollbacks.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from liaison.audit.model import AuditEntry
from liaison.detainers.model import Detainer, DetainerState
from liaison.identity.model import Identity
from liaison.jurisdictions.model import Agency, Agreement287g, DetainerPolicy, Jurisdiction


class FakeDetainerRepository:
    def __init__(self, detainers: Iterable[Detainer] = ()) -> None:
        self.items: dict[str, Detainer] = {d.detainer_id: d for d in detainers}

    def add(self, detainer: Detainer) -> None:
        self.items[detainer.detainer_id] = detainer

    def get(self, detainer_id: str) -> Detainer | None:
        return self.items.get(detainer_id)

    def for_booking(self, booking_id: str) -> Sequence[Detainer]:
        return [d for d in self.items.values() if d.booking_id == booking_id]

    def open_for_identity(self, identity_id: int) -> Sequence[Detainer]:
        return [d for d in self.items.values() if d.identity_id == identity_id and d.state.is_open]

    def honored_released_before(self, cutoff: datetime) -> Sequence[Detainer]:
        return [
            d
            for d in self.items.values()
            if d.state is DetainerState.HONORED
            and d.released_at is not None
            and d.released_at <= cutoff
        ]

    def list(
        self, *, ori: str | None = None, state: str | None = None, limit: int = 100
    ) -> Sequence[Detainer]:
        found = [
            d
            for d in self.items.values()
            if (ori is None or d.ori == ori) and (state is None or d.state.value == state)
        ]
        return sorted(found, key=lambda d: d.issued_at, reverse=True)[:limit]


class FakeIdentityRepository:
    def __init__(self, identities: Iterable[Identity] = ()) -> None:
        self.items: dict[int, Identity] = {i.identity_id: i for i in identities}

    def add(self, identity: Identity) -> None:
        self.items[identity.identity_id] = identity

    def get(self, identity_id: int) -> Identity | None:
        return self.items.get(identity_id)

    def get_many(self, identity_ids: Iterable[int]) -> dict[int, Identity]:
        return {i: self.items[i] for i in identity_ids if i in self.items}

    def count(self) -> int:
        return len(self.items)


class FakeJurisdictionRepository:
    def __init__(
        self,
        *,
        jurisdictions: Iterable[Jurisdiction] = (),
        agencies: Iterable[Agency] = (),
        policies: Iterable[DetainerPolicy] = (),
    ) -> None:
        self.places: dict[str, Jurisdiction] = {j.fips: j for j in jurisdictions}
        self.agency_by_ori: dict[str, Agency] = {a.ori: a for a in agencies}
        self.policies: list[DetainerPolicy] = list(policies)
        self.agreement_rows: list[Agreement287g] = []
        self.policy_queries: list[tuple[str, ...]] = []

    def add_jurisdiction(self, jurisdiction: Jurisdiction) -> None:
        self.places[jurisdiction.fips] = jurisdiction

    def get_jurisdiction(self, fips: str) -> Jurisdiction | None:
        return self.places.get(fips)

    def add_agency(self, agency: Agency) -> None:
        self.agency_by_ori[agency.ori] = agency

    def get_agency(self, ori: str) -> Agency | None:
        return self.agency_by_ori.get(ori)

    def agencies(self) -> Sequence[Agency]:
        return list(self.agency_by_ori.values())

    def add_policy(self, policy: DetainerPolicy) -> None:
        self.policies.append(policy)

    def policies_for(self, fips: Sequence[str]) -> Sequence[DetainerPolicy]:
        self.policy_queries.append(tuple(fips))
        return [p for p in self.policies if p.jurisdiction_fips in fips]

    def add_agreements(self, agreements: Sequence[Agreement287g]) -> None:
        self.agreement_rows.extend(agreements)

    def agreements(self, *, snapshot: str | None = None) -> Sequence[Agreement287g]:
        return [
            a for a in self.agreement_rows if snapshot is None or a.snapshot.isoformat() == snapshot
        ]


class FakeAuditRepository:
    def __init__(self) -> None:
        self.rows: list[AuditEntry] = []

    def head(self) -> AuditEntry | None:
        return self.rows[-1] if self.rows else None

    def append(self, entry: AuditEntry) -> None:
        self.rows.append(entry)

    def entries(self, *, from_seq: int = 1) -> Iterator[AuditEntry]:
        return iter([e for e in self.rows if e.seq >= from_seq])


class FailingAuditRepository(FakeAuditRepository):
    """Refuses the ``fail_on``-th append (1-based), as a store that loses its connection would."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on = fail_on
        self.appends = 0

    def append(self, entry: AuditEntry) -> None:
        self.appends += 1
        if self.appends == self.fail_on:
            raise RuntimeError("audit store unavailable")
        super().append(entry)


class FakeUnitOfWork:
    """A ``DetainersUnitOfWork`` over the fakes above, with the store's rollback behaviour."""

    def __init__(
        self,
        *,
        detainers: FakeDetainerRepository | None = None,
        identities: FakeIdentityRepository | None = None,
        jurisdictions: FakeJurisdictionRepository | None = None,
        audit: FakeAuditRepository | None = None,
    ) -> None:
        self._detainers = detainers or FakeDetainerRepository()
        self._identities = identities or FakeIdentityRepository()
        self._jurisdictions = jurisdictions or FakeJurisdictionRepository()
        self._audit = audit or FakeAuditRepository()
        self.commits = 0
        self.rollbacks = 0
        self._snapshot: dict[str, Any] | None = None

    @property
    def detainers(self) -> FakeDetainerRepository:
        return self._detainers

    @property
    def identities(self) -> FakeIdentityRepository:
        return self._identities

    @property
    def jurisdictions(self) -> FakeJurisdictionRepository:
        return self._jurisdictions

    @property
    def audit(self) -> FakeAuditRepository:
        return self._audit

    def _state(self) -> dict[str, Any]:
        return {
            "detainers": self._detainers.items,
            "identities": self._identities.items,
            "policies": self._jurisdictions.policies,
            "agencies": self._jurisdictions.agency_by_ori,
            "audit": self._audit.rows,
        }

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy(self._state())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:
            self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._snapshot = None

    def rollback(self) -> None:
        if self._snapshot is None:
            return
        self.rollbacks += 1
        state, self._snapshot = self._snapshot, None
        self._detainers.items = state["detainers"]
        self._identities.items = state["identities"]
        self._jurisdictions.policies = state["policies"]
        self._jurisdictions.agency_by_ori = state["agencies"]
        self._audit.rows = state["audit"]
