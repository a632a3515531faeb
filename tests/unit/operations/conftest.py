"""Fakes of the operations context's repositories, its facts port, and a unit of work that
carries them with the jurisdictions and audit fakes of ``tests.fakes``; handed to the tests as
fixtures typed by the ports (``make_uow``, ``uow``, ``count_facts``), so a test reads the
store only as a service would.

The unit of work behaves as ``tests.fakes.FakeUnitOfWork`` does: entering it snapshots every
repository and leaving it without ``commit`` puts the snapshot back. Every stored value is
frozen, so shallow copies of the collections are a snapshot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

import pytest
from tests.fakes import FakeAuditRepository, FakeJurisdictionRepository

from liaison.jurisdictions.fips import city, counties, states
from liaison.jurisdictions.model import Agency, Jurisdiction
from liaison.operations.model import (
    Agreement,
    AssistanceRequest,
    CountWindow,
    CustodyEvent,
    CustodyTransfer,
    Declaration,
    Deployment,
    Extension,
    Facility,
    Metric,
    StateAnswer,
    Target,
)
from liaison.operations.ports import OperationsUnitOfWork
from liaison.operations.targets import CountFacts

HOUSTON = "4835000"
# every state, the counties of Texas and Florida, and one city
PLACES = [*states(), *counties("TX"), *counties("FL"), city(HOUSTON, "Houston")]


class _Frozen:
    """A repository of frozen values: copies of its collections are a snapshot."""

    def snapshot(self) -> dict[str, Any]:
        return {name: copy.copy(value) for name, value in vars(self).items()}

    def restore(self, state: dict[str, Any]) -> None:
        vars(self).update({name: copy.copy(value) for name, value in state.items()})


class FakeDeclarationRepository(_Frozen):
    def __init__(self) -> None:
        self.items: dict[str, Declaration] = {}

    def add(self, declaration: Declaration) -> None:
        assert declaration.declaration_id not in self.items, "the store would refuse the key"
        self.items[declaration.declaration_id] = declaration

    def get(self, declaration_id: str) -> Declaration | None:
        return self.items.get(declaration_id)

    def all(self) -> Sequence[Declaration]:
        return sorted(self.items.values(), key=lambda d: (d.effective_at, d.declaration_id))

    def add_extension(self, declaration_id: str, extension: Extension) -> None:
        d = self.items[declaration_id]
        self.items[declaration_id] = replace(d, extensions=(*d.extensions, extension))

    def add_requests(self, declaration_id: str, requests: Sequence[AssistanceRequest]) -> None:
        d = self.items[declaration_id]
        self.items[declaration_id] = replace(d, requests=(*d.requests, *requests))

    def add_answer(self, declaration_id: str, answer: StateAnswer) -> None:
        d = self.items[declaration_id]
        self.items[declaration_id] = replace(d, answers=(*d.answers, answer))


class FakeAgreementRepository(_Frozen):
    def __init__(self) -> None:
        self.items: dict[str, Agreement] = {}

    def add(self, agreement: Agreement) -> None:
        assert agreement.agreement_id not in self.items, "the store would refuse the key"
        self.items[agreement.agreement_id] = agreement

    def get(self, agreement_id: str) -> Agreement | None:
        return self.items.get(agreement_id)

    def replace(self, agreement: Agreement) -> None:
        assert agreement.agreement_id in self.items
        self.items[agreement.agreement_id] = agreement

    def all(self) -> Sequence[Agreement]:
        return [self.items[k] for k in sorted(self.items)]


class FakeDeploymentRepository(_Frozen):
    def __init__(self, deployments: Iterable[Deployment] = ()) -> None:
        self.items: dict[str, Deployment] = {d.deployment_id: d for d in deployments}

    def add(self, deployment: Deployment) -> None:
        assert deployment.deployment_id not in self.items, "the store would refuse the key"
        self.items[deployment.deployment_id] = deployment

    def get(self, deployment_id: str) -> Deployment | None:
        return self.items.get(deployment_id)

    def all(self) -> Sequence[Deployment]:
        return sorted(self.items.values(), key=lambda d: (d.start, d.deployment_id))

    def for_agency(self, agency: str) -> Sequence[Deployment]:
        return [d for d in self.all() if d.agency.casefold() == agency.casefold()]


class FakeTargetRepository(_Frozen):
    def __init__(self) -> None:
        self.items: dict[str, Target] = {}

    def add(self, target: Target) -> None:
        assert target.target_id not in self.items, "the store would refuse the key"
        self.items[target.target_id] = target

    def get(self, target_id: str) -> Target | None:
        return self.items.get(target_id)

    def all(self) -> Sequence[Target]:
        return [self.items[k] for k in sorted(self.items)]


class FakeFacilityRepository(_Frozen):
    def __init__(self) -> None:
        self.items: dict[str, Facility] = {}
        self.event_rows: list[CustodyEvent] = []

    def add(self, facility: Facility) -> None:
        assert facility.facility_id not in self.items, "the store would refuse the key"
        self.items[facility.facility_id] = facility

    def get(self, facility_id: str) -> Facility | None:
        return self.items.get(facility_id)

    def all(self) -> Sequence[Facility]:
        return [self.items[k] for k in sorted(self.items)]

    def add_event(self, event: CustodyEvent) -> None:
        self.event_rows.append(event)

    def events(self, facility_ids: Sequence[str]) -> Sequence[CustodyEvent]:
        # sorted() is stable: the order added is kept within a day
        return sorted(
            (e for e in self.event_rows if e.facility_id in facility_ids), key=lambda e: e.on
        )

    def recorded_references(self, references: Sequence[str]) -> set[str]:
        return {e.reference for e in self.event_rows} & set(references)


# One countable event: a metric, the FIPS code of its place, and its instant (or, for a
# removal, its date).
Fact = tuple[Metric, str, datetime | date]


class FakeFacts:
    """``OperationsFacts`` over a list of facts, with ``CountWindow``'s rules, and a list of
    transfers into custody."""

    def __init__(
        self, facts: Iterable[Fact] = (), transfers: Iterable[CustodyTransfer] = ()
    ) -> None:
        self.facts = list(facts)
        self.transfer_rows = list(transfers)

    def transfers(self, since: datetime | None = None) -> Sequence[CustodyTransfer]:
        return sorted(
            (t for t in self.transfer_rows if since is None or t.transferred_at >= since),
            key=lambda t: (t.transferred_at, t.detainer_id),
        )

    def count(self, metric: Metric, jurisdictions: Sequence[str], window: CountWindow) -> int:
        assert len({j[:2] for j in jurisdictions}) == 1, "one state at a time"
        n = 0
        for kind, fips, at in self.facts:
            if kind is not metric or not _in(fips, jurisdictions):
                continue
            if isinstance(at, datetime):
                n += window.start <= at < window.end
            else:
                n += window.first_day <= at <= window.last_day
        return n


def _in(fips: str, jurisdictions: Sequence[str]) -> bool:
    # a state's 2-digit code takes in every place in it (Metric's definition)
    return any(fips == j or (len(j) == 2 and fips.startswith(j)) for j in jurisdictions)


class FakeUnitOfWork:
    """``OperationsUnitOfWork`` over the fakes, with the store's rollback."""

    def __init__(
        self,
        *,
        places: Iterable[Jurisdiction] = (),
        facts: Iterable[Fact] = (),
        deployments: Iterable[Deployment] = (),
        transfers: Iterable[CustodyTransfer] = (),
        agencies: Iterable[Agency] = (),
    ) -> None:
        self._declarations = FakeDeclarationRepository()
        self._agreements = FakeAgreementRepository()
        self._deployments = FakeDeploymentRepository(deployments)
        self._targets = FakeTargetRepository()
        self._facilities = FakeFacilityRepository()
        self._jurisdictions = FakeJurisdictionRepository(jurisdictions=places, agencies=agencies)
        self._audit = FakeAuditRepository()
        self._facts = FakeFacts(facts, transfers)
        self.commits = 0
        self.rollbacks = 0
        self._saved: dict[str, dict[str, Any]] | None = None

    @property
    def declarations(self) -> FakeDeclarationRepository:
        return self._declarations

    @property
    def agreements(self) -> FakeAgreementRepository:
        return self._agreements

    @property
    def deployments(self) -> FakeDeploymentRepository:
        return self._deployments

    @property
    def targets(self) -> FakeTargetRepository:
        return self._targets

    @property
    def facilities(self) -> FakeFacilityRepository:
        return self._facilities

    @property
    def facts(self) -> FakeFacts:
        return self._facts

    @property
    def jurisdictions(self) -> FakeJurisdictionRepository:
        return self._jurisdictions

    @property
    def audit(self) -> FakeAuditRepository:
        return self._audit

    def _repositories(
        self,
    ) -> dict[str, _Frozen | FakeJurisdictionRepository | FakeAuditRepository]:
        return {
            "declarations": self._declarations,
            "agreements": self._agreements,
            "deployments": self._deployments,
            "targets": self._targets,
            "facilities": self._facilities,
            "jurisdictions": self._jurisdictions,
            "audit": self._audit,
        }

    def __enter__(self) -> Self:
        self._saved = {name: repo.snapshot() for name, repo in self._repositories().items()}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._saved = None

    def rollback(self) -> None:
        if self._saved is None:
            return
        self.rollbacks += 1
        saved, self._saved = self._saved, None
        for name, repo in self._repositories().items():
            repo.restore(saved[name])


MakeUnitOfWork = Callable[..., OperationsUnitOfWork]


@pytest.fixture
def make_uow() -> MakeUnitOfWork:
    """A unit of work over fakes holding ``PLACES``, and ``facts``, ``deployments``,
    ``transfers`` and ``agencies`` when given (as keyword arguments)."""

    def make(
        *,
        facts: Iterable[Fact] = (),
        deployments: Iterable[Deployment] = (),
        transfers: Iterable[CustodyTransfer] = (),
        agencies: Iterable[Agency] = (),
    ) -> OperationsUnitOfWork:
        return FakeUnitOfWork(
            places=PLACES,
            facts=facts,
            deployments=deployments,
            transfers=transfers,
            agencies=agencies,
        )

    return make


@pytest.fixture
def uow(make_uow: MakeUnitOfWork) -> OperationsUnitOfWork:
    return make_uow()


@pytest.fixture
def count_facts() -> Callable[[Iterable[Fact]], CountFacts]:
    """What a store's ``OperationsFacts.count`` would answer over these facts."""
    return lambda facts: FakeFacts(facts).count
