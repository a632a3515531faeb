"""Every field of every model has a home in the schema: a test that fails when a model grows a
field the store would silently drop."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import Table, inspect
from sqlalchemy.orm import Mapper

from liaison.accounts.model import ApiKey, User
from liaison.adapters.store import start_mappers, tables
from liaison.audit.model import AuditEntry
from liaison.bookings.model import Booking
from liaison.detainers.model import Detainer
from liaison.identity.model import Identity
from liaison.jurisdictions.model import Agency, Agreement287g, DetainerPolicy, Jurisdiction

ENTITIES = [Identity, Booking, Detainer, User, ApiKey]
RECORDS = [
    (Jurisdiction, tables.jurisdictions),
    (Agency, tables.agencies),
    (DetainerPolicy, tables.detainer_policies),
    (Agreement287g, tables.agreements_287g),
    (AuditEntry, tables.audit_entries),
]


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda c: c.__name__)
def test_every_field_of_an_entity_is_mapped(entity: type) -> None:
    start_mappers()
    start_mappers()  # a second call changes nothing
    mapper: Mapper[Any] = inspect(entity)
    mapped: set[str] = set(mapper.attrs.keys()) | set(mapper.all_orm_descriptors.keys())
    assert {f.name for f in dataclasses.fields(entity)} <= mapped


@pytest.mark.parametrize(("record", "table"), RECORDS, ids=lambda x: getattr(x, "__name__", ""))
def test_every_field_of_a_record_has_its_column(record: type, table: Table) -> None:
    assert {f.name for f in dataclasses.fields(record)} <= set(table.c.keys())


def test_only_fields_and_keys_have_columns() -> None:
    """Columns that are not fields are the records' surrogate keys (and the biographics)."""
    extra = {t.name: set(t.c.keys()) - {f.name for f in dataclasses.fields(r)} for r, t in RECORDS}
    assert extra == {
        "jurisdictions": set(),
        "agencies": set(),
        "detainer_policies": {"policy_id"},
        "agreements_287g": {"agreement_id"},
        "audit_entries": set(),
    }
