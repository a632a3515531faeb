"""What the operations context needs from a store.

Every stored value is a frozen dataclass of ``liaison.operations.model``: a repository hands
back what it was given (instants in UTC, tuples in the order given). Declarations grow by
appending children (an extension, requests, an answer); nothing else is changed in place
except a recorded agreement's termination (``AgreementRepository.replace``). Ids are unique
per kind: the services look an id up before adding, and a store that races should raise
``liaison.adapters.store.errors.DuplicateKey``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from liaison.audit.ports import AuditRepository
from liaison.jurisdictions.ports import JurisdictionRepository
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
from liaison.transaction import Transaction

__all__ = [
    "AgreementRepository",
    "DeclarationRepository",
    "DeploymentRepository",
    "FacilityRepository",
    "OperationsFacts",
    "OperationsUnitOfWork",
    "TargetRepository",
]


class DeclarationRepository(Protocol):
    def add(self, declaration: Declaration) -> None:
        """Store a new declaration (with no extensions, requests or answers yet)."""
        ...

    def get(self, declaration_id: str) -> Declaration | None:
        """The declaration with its extensions, requests and answers, each in the order they
        were added."""
        ...

    def all(self) -> Sequence[Declaration]:
        """Every declaration, complete as ``get`` gives it, by ``effective_at`` then id."""
        ...

    def add_extension(self, declaration_id: str, extension: Extension) -> None: ...

    def add_requests(self, declaration_id: str, requests: Sequence[AssistanceRequest]) -> None: ...

    def add_answer(self, declaration_id: str, answer: StateAnswer) -> None: ...


class AgreementRepository(Protocol):
    """Recorded 287(g) agreements (the published list is ``JurisdictionRepository``'s)."""

    def add(self, agreement: Agreement) -> None: ...

    def get(self, agreement_id: str) -> Agreement | None: ...

    def replace(self, agreement: Agreement) -> None:
        """Store ``agreement`` over the one with its id (which exists)."""
        ...

    def all(self) -> Sequence[Agreement]:
        """Every recorded agreement, by id."""
        ...


class DeploymentRepository(Protocol):
    def add(self, deployment: Deployment) -> None: ...

    def get(self, deployment_id: str) -> Deployment | None: ...

    def all(self) -> Sequence[Deployment]:
        """Every deployment, by start then id."""
        ...

    def for_agency(self, agency: str) -> Sequence[Deployment]:
        """The deployments of one source agency, compared without regard to case (a new
        deployment is checked against these for overlaps)."""
        ...


class TargetRepository(Protocol):
    def add(self, target: Target) -> None: ...

    def get(self, target_id: str) -> Target | None: ...

    def all(self) -> Sequence[Target]:
        """Every target, by id."""
        ...


class FacilityRepository(Protocol):
    def add(self, facility: Facility) -> None: ...

    def get(self, facility_id: str) -> Facility | None: ...

    def all(self) -> Sequence[Facility]:
        """Every facility, by id."""
        ...

    def add_event(self, event: CustodyEvent) -> None: ...

    def events(self, facility_ids: Sequence[str]) -> Sequence[CustodyEvent]:
        """Every custody event of these facilities, by day then in the order added (so the
        last census of a day is the last one recorded)."""
        ...

    def recorded_references(self, references: Sequence[str]) -> set[str]:
        """Which of ``references`` some custody event (of any facility) already carries."""
        ...


class OperationsFacts(Protocol):
    """Facts from case data, for operation targets and detention capacity: never typed in.

    ``count``: how many ``metric`` events fell in ``window`` in any of ``jurisdictions``
    (FIPS codes, all of one state). ``Metric``'s docstring says which events each metric
    counts and what *in a jurisdiction* means; ``CountWindow``'s says which instants or dates
    fall in a window. The store implements it over bookings (arrests), detainers and their
    transitions (lodged, honored) and identity events (removals).

    ``transfers``: the detainers that ended in a transfer into custody, from their histories.
    """

    def count(self, metric: Metric, jurisdictions: Sequence[str], window: CountWindow) -> int:
        """How many ``metric`` events fell in ``window`` in any of ``jurisdictions``."""
        ...

    def transfers(self, since: datetime | None = None) -> Sequence[CustodyTransfer]:
        """Every detainer transferred into custody at or after ``since`` (ever, when None),
        by the instant of the transfer, then detainer id."""
        ...


class OperationsUnitOfWork(Transaction, Protocol):
    """The repositories operations services work through, in one transaction."""

    @property
    def declarations(self) -> DeclarationRepository: ...

    @property
    def agreements(self) -> AgreementRepository: ...

    @property
    def deployments(self) -> DeploymentRepository: ...

    @property
    def targets(self) -> TargetRepository: ...

    @property
    def facilities(self) -> FacilityRepository: ...

    @property
    def facts(self) -> OperationsFacts: ...

    @property
    def jurisdictions(self) -> JurisdictionRepository: ...

    @property
    def audit(self) -> AuditRepository: ...
