"""SQL repositories of the operations context, and its facts counted from case data.

All Core: every operations record is a frozen value, written once and read whole. A
declaration's extensions, requests and answers (and a deployment's destinations) are child
rows numbered in the order added; custody events are numbered by an auto-increment key, which
keeps the order they were added within a day.

``SqlOperationsFacts`` counts in the database. A detainer's history and an identity's events
are JSON, so a count over them expands the JSON in SQL (``json_each`` on SQLite,
``jsonb_array_elements`` on PostgreSQL) as ``reports`` does, and compares timestamps as text:
``codec.iso_utc`` writes them fixed-width in UTC (text order is time order), and dates are
ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Row,
    Select,
    Table,
    and_,
    column,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from liaison.adapters.store import tables
from liaison.adapters.store.codec import from_plain, iso_utc
from liaison.adapters.store.errors import StoreError, translated
from liaison.detainers.model import DetainerState
from liaison.identity.model import EventKind
from liaison.operations.model import (
    Agreement,
    AssistanceRequest,
    CountWindow,
    CustodyEvent,
    CustodyTransfer,
    Declaration,
    Deployment,
    Destination,
    Extension,
    Facility,
    Metric,
    StateAnswer,
    Target,
)

__all__ = [
    "SqlAgreementRepository",
    "SqlDeclarationRepository",
    "SqlDeploymentRepository",
    "SqlFacilityRepository",
    "SqlOperationsFacts",
    "SqlTargetRepository",
]

_CHUNK = 1000  # values per IN (...)


def _values(record: object, *, skip: Sequence[str] = ()) -> dict[str, Any]:
    """A frozen record's fields as column values (columns are named after fields)."""
    fields = dataclasses.fields(record)  # type: ignore[arg-type]
    return {f.name: getattr(record, f.name) for f in fields if f.name not in skip}


def _next_position(session: Session, table: Table, key: str, value: str) -> int:
    """The position the next child row of ``value`` takes (0 for the first)."""
    last = session.scalar(select(func.max(table.c.position)).where(table.c[key] == value))
    return 0 if last is None else int(last) + 1


# -- declarations ----------------------------------------------------------------------------


def _extension(row: Row[Any]) -> Extension:
    return Extension(
        extended_at=row.extended_at,
        extended_by=row.extended_by,
        authority=row.authority,
        expires_at=row.expires_at,
        days=row.days,
    )


def _request(row: Row[Any]) -> AssistanceRequest:
    return AssistanceRequest(
        state_fips=row.state_fips, requested_at=row.requested_at, request=row.request
    )


def _answer(row: Row[Any]) -> StateAnswer:
    return StateAnswer(
        state_fips=row.state_fips,
        answer=row.answer,
        answered_on=row.answered_on,
        recorded_at=row.recorded_at,
    )


class SqlDeclarationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, declaration: Declaration) -> None:
        values = _values(declaration, skip=("extensions", "requests", "answers"))
        with translated(f"adding declaration {declaration.declaration_id}"):
            self._session.execute(insert(tables.declarations).values(values))
        # a declaration normally starts with none of these; one given with them keeps them
        for extension in declaration.extensions:
            self.add_extension(declaration.declaration_id, extension)
        self.add_requests(declaration.declaration_id, declaration.requests)
        for answer in declaration.answers:
            self.add_answer(declaration.declaration_id, answer)

    def get(self, declaration_id: str) -> Declaration | None:
        found = self._load(
            f"reading declaration {declaration_id}",
            tables.declarations.c.declaration_id == declaration_id,
        )
        return found[0] if found else None

    def all(self) -> Sequence[Declaration]:
        """Every declaration with its children, by ``effective_at`` then id."""
        return self._load("listing declarations", true())

    def add_extension(self, declaration_id: str, extension: Extension) -> None:
        self._append(
            tables.declaration_extensions,
            declaration_id,
            [_values(extension)],
            f"extending declaration {declaration_id}",
        )

    def add_requests(self, declaration_id: str, requests: Sequence[AssistanceRequest]) -> None:
        self._append(
            tables.declaration_requests,
            declaration_id,
            [_values(r) for r in requests],
            f"adding {len(requests)} requests for assistance to declaration {declaration_id}",
        )

    def add_answer(self, declaration_id: str, answer: StateAnswer) -> None:
        self._append(
            tables.declaration_answers,
            declaration_id,
            [_values(answer)],
            f"adding the answer of {answer.state_fips} to declaration {declaration_id}",
        )

    def _append(
        self, table: Table, declaration_id: str, rows: list[dict[str, Any]], what: str
    ) -> None:
        if not rows:
            return
        with translated(what):
            first = _next_position(self._session, table, "declaration_id", declaration_id)
            self._session.execute(
                insert(table),
                [
                    {**row, "declaration_id": declaration_id, "position": first + i}
                    for i, row in enumerate(rows)
                ],
            )

    def _load(self, what: str, where: ColumnElement[bool]) -> list[Declaration]:
        d = tables.declarations
        children: dict[str, defaultdict[str, list[Any]]] = {}
        with translated(what):
            rows = self._session.execute(
                select(d).where(where).order_by(d.c.effective_at, d.c.declaration_id)
            ).all()
            if not rows:
                return []
            for name, table, build in (
                ("extensions", tables.declaration_extensions, _extension),
                ("requests", tables.declaration_requests, _request),
                ("answers", tables.declaration_answers, _answer),
            ):
                query = (
                    select(table)
                    .join(d, d.c.declaration_id == table.c.declaration_id)
                    .where(where)
                    .order_by(table.c.declaration_id, table.c.position)
                )
                grouped: defaultdict[str, list[Any]] = defaultdict(list)
                for row in self._session.execute(query):
                    grouped[row.declaration_id].append(build(row))
                children[name] = grouped
        return [
            Declaration(
                declaration_id=row.declaration_id,
                kind=row.kind,
                authority=row.authority,
                issued_at=row.issued_at,
                effective_at=row.effective_at,
                states=tuple(row.states),
                title=row.title,
                extensions=tuple(children["extensions"][row.declaration_id]),
                requests=tuple(children["requests"][row.declaration_id]),
                answers=tuple(children["answers"][row.declaration_id]),
            )
            for row in rows
        ]


# -- recorded 287(g) agreements --------------------------------------------------------------


def _agreement(row: Row[Any]) -> Agreement:
    return Agreement(**{**row._asdict(), "delegated_functions": tuple(row.delegated_functions)})


class SqlAgreementRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, agreement: Agreement) -> None:
        with translated(f"recording 287(g) agreement {agreement.agreement_id}"):
            self._session.execute(insert(tables.recorded_agreements).values(_values(agreement)))

    def get(self, agreement_id: str) -> Agreement | None:
        t = tables.recorded_agreements
        with translated(f"reading recorded 287(g) agreement {agreement_id}"):
            row = self._session.execute(select(t).where(t.c.agreement_id == agreement_id)).first()
        return None if row is None else _agreement(row)

    def replace(self, agreement: Agreement) -> None:
        t = tables.recorded_agreements
        values = _values(agreement, skip=("agreement_id",))
        with translated(f"replacing recorded 287(g) agreement {agreement.agreement_id}"):
            result = self._session.execute(
                update(t).where(t.c.agreement_id == agreement.agreement_id).values(values)
            )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StoreError(f"no recorded 287(g) agreement {agreement.agreement_id!r} to replace")

    def all(self) -> Sequence[Agreement]:
        """Every recorded agreement, by id."""
        t = tables.recorded_agreements
        with translated("listing recorded 287(g) agreements"):
            rows = self._session.execute(select(t).order_by(t.c.agreement_id)).all()
        return [_agreement(row) for row in rows]


# -- deployments -----------------------------------------------------------------------------


class SqlDeploymentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, deployment: Deployment) -> None:
        values = _values(deployment, skip=("destinations",))
        with translated(f"adding deployment {deployment.deployment_id}"):
            self._session.execute(
                insert(tables.deployments).values(
                    {**values, "agency_key": deployment.agency.casefold()}
                )
            )
            if deployment.destinations:
                self._session.execute(
                    insert(tables.deployment_destinations),
                    [
                        {
                            "deployment_id": deployment.deployment_id,
                            "position": i,
                            "jurisdiction_fips": d.jurisdiction_fips,
                            "headcount": d.headcount,
                        }
                        for i, d in enumerate(deployment.destinations)
                    ],
                )

    def get(self, deployment_id: str) -> Deployment | None:
        d = tables.deployments
        found = self._load(
            f"reading deployment {deployment_id}", d.c.deployment_id == deployment_id
        )
        return found[0] if found else None

    def all(self) -> Sequence[Deployment]:
        """Every deployment, by start then id."""
        return self._load("listing deployments", true())

    def for_agency(self, agency: str) -> Sequence[Deployment]:
        """The deployments of one source agency, compared without regard to case."""
        d = tables.deployments
        return self._load(
            f"reading the deployments of {agency}", d.c.agency_key == agency.casefold()
        )

    def _load(self, what: str, where: ColumnElement[bool]) -> list[Deployment]:
        d, p = tables.deployments, tables.deployment_destinations
        places: defaultdict[str, list[Destination]] = defaultdict(list)
        with translated(what):
            rows = self._session.execute(
                select(d).where(where).order_by(d.c.start, d.c.deployment_id)
            ).all()
            if not rows:
                return []
            query = (
                select(p)
                .join(d, d.c.deployment_id == p.c.deployment_id)
                .where(where)
                .order_by(p.c.deployment_id, p.c.position)
            )
            for row in self._session.execute(query):
                places[row.deployment_id].append(Destination(row.jurisdiction_fips, row.headcount))
        return [
            Deployment(
                deployment_id=row.deployment_id,
                agency=row.agency,
                unit=row.unit,
                destinations=tuple(places[row.deployment_id]),
                start=row.start,
                end=row.end,
                mission=row.mission,
            )
            for row in rows
        ]


# -- targets ---------------------------------------------------------------------------------


def _target(row: Row[Any]) -> Target:
    return Target(**{**row._asdict(), "jurisdictions": tuple(row.jurisdictions)})


class SqlTargetRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, target: Target) -> None:
        with translated(f"setting operation target {target.target_id}"):
            self._session.execute(insert(tables.operation_targets).values(_values(target)))

    def get(self, target_id: str) -> Target | None:
        t = tables.operation_targets
        with translated(f"reading operation target {target_id}"):
            row = self._session.execute(select(t).where(t.c.target_id == target_id)).first()
        return None if row is None else _target(row)

    def all(self) -> Sequence[Target]:
        """Every target, by id."""
        t = tables.operation_targets
        with translated("listing operation targets"):
            rows = self._session.execute(select(t).order_by(t.c.target_id)).all()
        return [_target(row) for row in rows]


# -- detention capacity ----------------------------------------------------------------------


class SqlFacilityRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, facility: Facility) -> None:
        with translated(f"adding detention facility {facility.facility_id}"):
            self._session.execute(insert(tables.detention_facilities).values(_values(facility)))

    def get(self, facility_id: str) -> Facility | None:
        t = tables.detention_facilities
        with translated(f"reading detention facility {facility_id}"):
            row = self._session.execute(select(t).where(t.c.facility_id == facility_id)).first()
        return None if row is None else Facility(**row._asdict())

    def all(self) -> Sequence[Facility]:
        """Every facility, by id."""
        t = tables.detention_facilities
        with translated("listing detention facilities"):
            rows = self._session.execute(select(t).order_by(t.c.facility_id)).all()
        return [Facility(**row._asdict()) for row in rows]

    def add_event(self, event: CustodyEvent) -> None:
        what = f"recording a {event.kind.value} at facility {event.facility_id}"
        with translated(what):
            self._session.execute(insert(tables.custody_events).values(_values(event)))

    def events(self, facility_ids: Sequence[str]) -> Sequence[CustodyEvent]:
        """Every custody event of these facilities, by day then in the order added."""
        ids = sorted(set(facility_ids))
        if not ids:
            return []
        t = tables.custody_events
        query = (
            select(t.c.facility_id, t.c.kind, t.c.on, t.c.people, t.c.reference)
            .where(t.c.facility_id.in_(ids))
            .order_by(t.c.on, t.c.event_id)
        )
        with translated(f"reading the custody events of {len(ids)} facilities"):
            return [CustodyEvent(**row._asdict()) for row in self._session.execute(query)]

    def recorded_references(self, references: Sequence[str]) -> set[str]:
        """Which of ``references`` some custody event already carries."""
        t = tables.custody_events
        wanted = sorted(set(references))
        found: set[str] = set()
        with translated(f"looking up {len(wanted)} custody event references"):
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                query = select(t.c.reference).where(t.c.reference.in_(chunk)).distinct()
                found.update(self._session.scalars(query))
        return found


# -- facts from case data --------------------------------------------------------------------


class SqlOperationsFacts:
    """``OperationsFacts`` over bookings, detainers, identities and agencies, counted in SQL.

    An event is in the jurisdictions when its agency's row in ``agencies`` is registered to
    one of them, or (for a 2-digit state code) to any place whose FIPS code starts with it.
    Each metric is one ``COUNT`` over a join with ``agencies``:

    - arrests: bookings by ``arrested_at`` (the booking's ORI);
    - detainers lodged: detainers by ``issued_at`` (the holding ORI);
    - detainers honored: distinct detainers with a history step to ``honored`` whose ``at``
      falls in the window;
    - removals: ``removed`` events of identities, dated in the window, each counted for the
      holding ORI of the person's last transfer into custody up to the removal: among the
      person's detainers that ended ``transferred``, the one transferred latest (then the
      greatest id) on or before the removal's date. A removal carries a date and no zone, so
      the transfer's date is its UTC date. A removal with no transfer before it counts
      nowhere.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def count(self, metric: Metric, jurisdictions: Sequence[str], window: CountWindow) -> int:
        places = sorted(set(jurisdictions))
        if not places:
            return 0
        query = {
            Metric.ARRESTS: self._arrests,
            Metric.DETAINERS_LODGED: self._lodged,
            Metric.DETAINERS_HONORED: self._honored,
            Metric.REMOVALS: self._removals,
        }[metric](window)
        query = query.where(_in_places(places))
        with translated(f"counting {metric.value} in {', '.join(places)}"):
            return int(self._session.scalar(query) or 0)

    def transfers(self, since: datetime | None = None) -> Sequence[CustodyTransfer]:
        """Every detainer transferred into custody at or after ``since``, by the instant of
        the transfer, then detainer id."""
        t = self._transfers().subquery("transfer")
        query = select(t.c.detainer_id, t.c.ori, t.c.at).order_by(t.c.at, t.c.detainer_id)
        if since is not None:
            query = query.where(t.c.at >= iso_utc(since))
        with translated("reading detainers transferred into custody"):
            return [
                CustodyTransfer(
                    detainer_id=detainer_id, ori=ori, transferred_at=from_plain(datetime, at)
                )
                for detainer_id, ori, at in self._session.execute(query)
            ]

    def _expand(self, value: Any) -> Any:
        """The rows of a JSON array column, each in a ``value`` column."""
        expand = (
            func.jsonb_array_elements
            if self._session.get_bind().dialect.name == "postgresql"
            else func.json_each
        )
        return expand(value).table_valued(column("value", JSON))

    def _arrests(self, window: CountWindow) -> Select[Any]:
        b, a = tables.bookings, tables.agencies
        return (
            select(func.count())
            .select_from(b.join(a, a.c.ori == b.c.ori))
            .where(b.c.arrested_at >= window.start, b.c.arrested_at < window.end)
        )

    def _lodged(self, window: CountWindow) -> Select[Any]:
        d, a = tables.detainers, tables.agencies
        return (
            select(func.count())
            .select_from(d.join(a, a.c.ori == d.c.ori))
            .where(d.c.issued_at >= window.start, d.c.issued_at < window.end)
        )

    def _honored(self, window: CountWindow) -> Select[Any]:
        d, a = tables.detainers, tables.agencies
        step = self._expand(d.c.history).alias("step")
        at = step.c.value["at"].as_string()
        return (
            select(func.count(d.c.detainer_id.distinct()))
            .select_from(d.join(a, a.c.ori == d.c.ori).join(step, true()))
            .where(
                # a detainer that reached honored is honored now or has moved on from it
                d.c.state.in_(
                    [
                        DetainerState.HONORED,
                        DetainerState.TRANSFERRED,
                        DetainerState.LAPSED,
                        DetainerState.CANCELLED,
                    ]
                ),
                step.c.value["to_state"].as_string() == DetainerState.HONORED.value,
                at >= iso_utc(window.start),
                at < iso_utc(window.end),
            )
        )

    def _transfers(self) -> Select[Any]:
        """(detainer_id, identity_id, ori, at): each detainer that ended in a transfer, with
        the instant of its step to ``transferred`` as ISO text in UTC."""
        d = tables.detainers
        step = self._expand(d.c.history).alias("step")
        return (
            select(
                d.c.detainer_id,
                d.c.identity_id,
                d.c.ori,
                step.c.value["at"].as_string().label("at"),
            )
            .select_from(d.join(step, true()))
            .where(
                d.c.state == DetainerState.TRANSFERRED,
                step.c.value["to_state"].as_string() == DetainerState.TRANSFERRED.value,
            )
        )

    def _removals(self, window: CountWindow) -> Select[Any]:
        i, a = tables.identities, tables.agencies
        last = self._transfers().subquery("last_transfer")
        later = self._transfers().subquery("later_transfer")
        event = self._expand(i.c.events).alias("event")
        removed_on = event.c.value["occurred_on"].as_string()
        # a later transfer of the same person, still on or before the removal's date
        superseded = exists().where(
            later.c.identity_id == last.c.identity_id,
            func.substr(later.c.at, 1, 10) <= removed_on,
            or_(
                later.c.at > last.c.at,
                and_(later.c.at == last.c.at, later.c.detainer_id > last.c.detainer_id),
            ),
        )
        return (
            select(func.count())
            .select_from(
                last.join(a, a.c.ori == last.c.ori)
                .join(i, i.c.identity_id == last.c.identity_id)
                .join(event, true())
            )
            .where(
                event.c.value["kind"].as_string() == EventKind.REMOVED.value,
                removed_on >= window.first_day.isoformat(),
                removed_on <= window.last_day.isoformat(),
                func.substr(last.c.at, 1, 10) <= removed_on,
                ~superseded,
            )
        )


def _in_places(places: Sequence[str]) -> ColumnElement[bool]:
    """Agencies registered to one of ``places``, a 2-digit state code taking in the state."""
    a = tables.agencies
    states = [p for p in places if len(p) == 2]
    exact = [p for p in places if len(p) != 2]
    either: list[ColumnElement[bool]] = []
    if exact:
        either.append(a.c.jurisdiction_fips.in_(exact))
    if states:
        either.append(func.substr(a.c.jurisdiction_fips, 1, 2).in_(states))
    return or_(*either)
