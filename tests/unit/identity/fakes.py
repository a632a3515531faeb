"""In-memory stand-ins for the identity context's repositories and unit of work."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Self

from liaison.audit.model import AuditEntry
from liaison.identity.model import Identity


class FakeIdentityRepository:
    def __init__(self, identities: Iterable[Identity] = ()) -> None:
        self.by_id = {i.identity_id: i for i in identities}

    def add(self, identity: Identity) -> None:
        self.by_id[identity.identity_id] = identity

    def get(self, identity_id: int) -> Identity | None:
        return self.by_id.get(identity_id)

    def get_many(self, identity_ids: Iterable[int]) -> dict[int, Identity]:
        return {i: self.by_id[i] for i in identity_ids if i in self.by_id}

    def count(self) -> int:
        return len(self.by_id)


class FakeAuditRepository:
    def __init__(self) -> None:
        self.trail: list[AuditEntry] = []

    def head(self) -> AuditEntry | None:
        return self.trail[-1] if self.trail else None

    def append(self, entry: AuditEntry) -> None:
        self.trail.append(entry)

    def entries(self, *, from_seq: int = 1) -> Iterator[AuditEntry]:
        return (e for e in self.trail if e.seq >= from_seq)


class FakeIdentityUoW:
    """A unit of work that behaves like a transaction: leaving it without ``commit`` puts
    back copies of what it held when entered (so re-read after a failure, never reuse)."""

    def __init__(self, identities: Iterable[Identity] = ()) -> None:
        self._identities = FakeIdentityRepository(identities)
        self._audit = FakeAuditRepository()
        self.commits = 0
        self._open = False  # entered, and neither committed nor rolled back since
        self._saved = self._snapshot()

    @property
    def identities(self) -> FakeIdentityRepository:
        return self._identities

    @property
    def audit(self) -> FakeAuditRepository:
        return self._audit

    def __enter__(self) -> Self:
        self._saved = self._snapshot()
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._open:
            self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._open = False

    def rollback(self) -> None:
        self._identities.by_id, self._audit.trail = self._saved
        self._open = False

    def _snapshot(self) -> tuple[dict[int, Identity], list[AuditEntry]]:
        return copy.deepcopy((self._identities.by_id, self._audit.trail))
