"""Imperative mappings: the domain's entities onto ``tables``, without the domain knowing.

Entities (``Identity``, ``Booking``, ``Detainer``, ``CitizenshipReferral``, ``User``,
``ApiKey``) are mapped with
``registry.map_imperatively``. Their value objects are frozen dataclasses without an identity
of their own: one value may sit in two lists, or twice in one, and nothing on it could hold a
row's key or position. So lists of them are JSON columns (``columns.JsonValue``) wrapped in
``MutableList``: an in-place ``booking.reviews.append(review)`` is seen and saved.
``Booking.biographics`` is a composite of plain columns. ``Booking.fingerprints`` stays a
``{position: record}`` mapping for the domain, kept in ``booking_fingerprints`` through an
association proxy. Every entity carries a hidden ``version`` for optimistic locking.

The frozen reference records (jurisdictions, agencies, policies, 287(g) agreements, audit
entries) are not mapped; their repositories read and write them with Core.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.ext.mutable import MutableList, MutableSet
from sqlalchemy.orm import attribute_keyed_dict, composite, registry, relationship

from liaison.accounts.model import ApiKey, User
from liaison.adapters.store import tables
from liaison.bookings.model import Biographics, Booking
from liaison.detainers.model import Detainer
from liaison.identity.model import CitizenshipReferral, Identity

__all__ = ["FingerprintRecord", "mapper_registry", "start_mappers"]

mapper_registry = registry()
_lock = threading.Lock()
_started = False


class FingerprintRecord:
    """One stored finger of a booking (the store's own row; the domain sees ``bytes``)."""

    def __init__(self, position: int, record: bytes) -> None:
        self.position = position
        self.record = record


def _start_fingerprints(booking: Booking, args: Any, kwargs: Any) -> None:
    booking._fingerprint_records = {}  # type: ignore[attr-defined]


def start_mappers() -> None:
    """Map the entities onto the tables; calling it again does nothing."""
    global _started
    with _lock:
        if _started:
            return
        _map()
        mapper_registry.configure()  # now, not at first query: objects made before it work
        _started = True


def _map_entity(cls: type[Any], table: Table, **properties: Any) -> None:
    """Map an entity with optimistic locking: each UPDATE checks and bumps ``version``, so of
    two units of work that changed one row, the second to flush fails (``ConcurrentUpdate``)
    rather than silently undoing the first."""
    mapper_registry.map_imperatively(
        cls,
        table,
        properties={"_store_version": table.c.version, **properties},
        version_id_col=table.c.version,
    )


def _map() -> None:
    t = tables
    _map_entity(Identity, t.identities)
    mapper_registry.map_imperatively(FingerprintRecord, t.booking_fingerprints)
    biographics = [t.bookings.c[f.name] for f in dataclasses.fields(Biographics)]
    _map_entity(
        Booking,
        t.bookings,
        # The biographics' columns are attributes of the store only; the domain sees one value.
        **{f"_biographics_{c.name}": c for c in biographics},
        biographics=composite(Biographics, *biographics),
        _fingerprint_records=relationship(
            FingerprintRecord,
            collection_class=attribute_keyed_dict("position"),
            cascade="all, delete-orphan",
            passive_deletes=True,
            lazy="selectin",  # loaded with the booking: usable after the unit of work ends
        ),
    )
    # The domain reads and writes ``booking.fingerprints`` as {position: record bytes}.
    Booking.fingerprints = association_proxy(  # type: ignore[assignment]
        "_fingerprint_records",
        "record",
        creator=lambda position, record: FingerprintRecord(position, record),
    )
    # A new booking starts with its (empty) collection in place: one made with no fingerprints
    # would otherwise have nothing loaded, and reading it after its unit of work would fail.
    event.listen(Booking, "init", _start_fingerprints)
    _map_entity(Detainer, t.detainers)
    _map_entity(CitizenshipReferral, t.citizenship_referrals)
    _map_entity(User, t.users)
    _map_entity(ApiKey, t.api_keys)
    # In-place changes to JSON lists and sets (``identity.events.append(...)``) mark the row
    # dirty; the attributes hold MutableList / MutableSet, which are list and set subclasses.
    for cls, name in (
        (Identity, "names"),
        (Identity, "events"),
        (Identity, "citizenship_rulings"),
        (Booking, "charges"),
        (Booking, "reviews"),
        (Detainer, "history"),
    ):
        MutableList.associate_with_attribute(getattr(cls, name))
    MutableSet.associate_with_attribute(getattr(User, "roles"))  # noqa: B009
