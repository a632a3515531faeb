"""SQL repositories of the screening context: list versions, entries, keys, cases, campaigns.

All Core: entries are frozen reference records, read and written in bulk (a million at a
time); cases are small rows changed one step at a time, each ``save`` checking nothing has
changed the row's state since it was read (``ConcurrentUpdate`` otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from liaison.adapters.store import tables
from liaison.adapters.store.errors import ConcurrentUpdate, translated
from liaison.screening.model import (
    Campaign,
    ListVersion,
    PartialDate,
    ScreeningCase,
    SubjectKind,
    WatchlistEntry,
)

__all__ = ["SqlCampaignRepository", "SqlCaseRepository", "SqlWatchlistRepository"]

_CHUNK = 1000  # ids per IN (...)
_ROWS = 20_000  # rows per bulk insert


def _valid_at(table: Any, version: int) -> Any:
    return and_(
        table.c.version_from <= version,
        or_(table.c.version_to.is_(None), table.c.version_to > version),
    )


def _entry(row: Row[Any]) -> WatchlistEntry:
    return WatchlistEntry(
        entry_id=row.entry_id,
        names=tuple(row.names),
        dob=PartialDate.parse(row.dob) if row.dob else None,
        nationalities=tuple(row.nationalities),
        documents=tuple(row.documents),
        biometric_identity_id=row.biometric_identity_id,
    )


class SqlWatchlistRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def current_version(self) -> ListVersion | None:
        t = tables.watchlist_versions
        with translated("reading the current watchlist version"):
            row = self._session.execute(select(t).order_by(t.c.version.desc()).limit(1)).first()
        return ListVersion(**row._asdict()) if row else None

    def get_version(self, version: int) -> ListVersion | None:
        t = tables.watchlist_versions
        with translated(f"reading watchlist version {version}"):
            row = self._session.execute(select(t).where(t.c.version == version)).first()
        return ListVersion(**row._asdict()) if row else None

    def add_version(self, version: ListVersion) -> None:
        with translated(f"adding watchlist version {version.version}"):
            self._session.execute(
                insert(tables.watchlist_versions).values(
                    version=version.version,
                    published_at=version.published_at,
                    source=version.source,
                    entries=version.entries,
                    added=version.added,
                    changed=version.changed,
                    removed=version.removed,
                )
            )

    def current_digests(self) -> dict[str, str]:
        t = tables.watchlist_entries
        with translated("reading the current entries' digests"):
            rows = self._session.execute(
                select(t.c.entry_id, t.c.digest).where(t.c.version_to.is_(None))
            )
            return {str(entry_id): str(digest) for entry_id, digest in rows}

    def add_entries(self, entries: Sequence[tuple[WatchlistEntry, str]], *, version: int) -> None:
        with translated(f"adding {len(entries)} watchlist entries"):
            for start in range(0, len(entries), _ROWS):
                self._session.execute(
                    insert(tables.watchlist_entries),
                    [
                        {
                            "entry_id": e.entry_id,
                            "version_from": version,
                            "version_to": None,
                            "digest": digest,
                            "names": e.names,
                            "dob": str(e.dob) if e.dob else None,
                            "nationalities": e.nationalities,
                            "documents": e.documents,
                            "biometric_identity_id": e.biometric_identity_id,
                        }
                        for e, digest in entries[start : start + _ROWS]
                    ],
                )

    def retire(self, entry_ids: Iterable[str], *, version: int) -> None:
        t = tables.watchlist_entries
        ids = list(entry_ids)
        with translated(f"retiring {len(ids)} watchlist entries"):
            for start in range(0, len(ids), _CHUNK):
                self._session.execute(
                    update(t)
                    .where(t.c.entry_id.in_(ids[start : start + _CHUNK]), t.c.version_to.is_(None))
                    .values(version_to=version)
                )

    def add_keys(self, keys: Iterable[tuple[str, str]], *, version: int) -> None:
        rows = [{"key": k, "entry_id": e, "version_from": version} for k, e in set(keys)]
        with translated(f"adding {len(rows)} blocking keys"):
            for start in range(0, len(rows), _ROWS):
                self._session.execute(insert(tables.watchlist_keys), rows[start : start + _ROWS])

    def entries_by_keys(self, keys: Sequence[str], *, version: int) -> list[WatchlistEntry]:
        if not keys:
            return []
        e, k = tables.watchlist_entries, tables.watchlist_keys
        query = (
            select(e)
            .join(k, and_(k.c.entry_id == e.c.entry_id, k.c.version_from == e.c.version_from))
            .where(k.c.key.in_(sorted(set(keys))), _valid_at(e, version))
            .distinct()
        )
        with translated("finding candidate entries"):
            return [_entry(row) for row in self._session.execute(query)]

    def count_by_keys(self, keys: Sequence[str], *, version: int) -> dict[str, int]:
        if not keys:
            return {}
        e, k = tables.watchlist_entries, tables.watchlist_keys
        query = (
            select(k.c.key, func.count())
            .join(e, and_(k.c.entry_id == e.c.entry_id, k.c.version_from == e.c.version_from))
            .where(k.c.key.in_(sorted(set(keys))), _valid_at(e, version))
            .group_by(k.c.key)
        )
        with translated("counting entries by key"):
            return {str(key): int(n) for key, n in self._session.execute(query)}

    def add_word_counts(self, counts: Mapping[str, int], *, version: int) -> None:
        rows = [{"version": version, "word": w, "entries": n} for w, n in sorted(counts.items())]
        with translated(f"adding {len(rows)} word counts of version {version}"):
            for start in range(0, len(rows), _ROWS):
                self._session.execute(
                    insert(tables.watchlist_word_counts), rows[start : start + _ROWS]
                )

    def word_counts(self, words: Sequence[str], *, version: int) -> dict[str, int] | None:
        w = tables.watchlist_word_counts
        with translated(f"reading word counts of version {version}"):
            if (
                self._session.scalar(select(w.c.word).where(w.c.version == version).limit(1))
                is None
            ):
                return None  # published before word counts were kept
            if not words:
                return {}
            query = select(w.c.word, w.c.entries).where(
                w.c.version == version, w.c.word.in_(sorted(set(words)))
            )
            return {str(word): int(n) for word, n in self._session.execute(query)}

    def entries_by_biometric(self, identity_id: int, *, version: int) -> list[WatchlistEntry]:
        e = tables.watchlist_entries
        query = select(e).where(e.c.biometric_identity_id == identity_id, _valid_at(e, version))
        with translated(f"finding entries with identity {identity_id}'s fingerprints"):
            return [_entry(row) for row in self._session.execute(query)]

    def entries(self, *, version: int) -> Iterator[WatchlistEntry]:
        e = tables.watchlist_entries
        query = select(e).where(_valid_at(e, version)).order_by(e.c.entry_id)
        with translated(f"reading watchlist version {version}"):
            for row in self._session.execute(query.execution_options(yield_per=_ROWS)):
                yield _entry(row)


def _case_values(case: ScreeningCase) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "subject_kind": case.subject_kind,
        "subject_id": case.subject_id,
        "entry_id": case.entry_id,
        "list_version": case.list_version,
        "source": case.source,
        "score": case.score,
        "features": case.features,
        "opened_at": case.opened_at,
        "due_at": case.due_at,
        "state": case.state,
        "outcome": case.outcome,
        "assignee": case.assignee,
        "campaign_id": case.campaign_id,
        "events": case.events,
    }


def _case(row: Row[Any]) -> ScreeningCase:
    return ScreeningCase(**row._asdict())


class SqlCaseRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, case: ScreeningCase) -> None:
        with translated(f"opening screening case {case.case_id}"):
            self._session.execute(insert(tables.screening_cases).values(**_case_values(case)))

    def get(self, case_id: str) -> ScreeningCase | None:
        t = tables.screening_cases
        with translated(f"reading screening case {case_id}"):
            row = self._session.execute(select(t).where(t.c.case_id == case_id)).first()
        return _case(row) if row else None

    def save(self, case: ScreeningCase) -> None:
        t = tables.screening_cases
        steps = len(case.events) - 1  # the events the stored row must still have
        with translated(f"saving screening case {case.case_id}"):
            stored = self._session.execute(
                select(t.c.events).where(t.c.case_id == case.case_id)
            ).scalar_one()
            if len(stored) != steps:
                raise ConcurrentUpdate(
                    f"screening case {case.case_id} was changed by someone else; read it again"
                )
            values = _case_values(case)
            del values["case_id"]
            self._session.execute(update(t).where(t.c.case_id == case.case_id).values(**values))

    def existing(self, kind: SubjectKind, subject_ids: Sequence[str]) -> set[tuple[str, str]]:
        t = tables.screening_cases
        found: set[tuple[str, str]] = set()
        ids = sorted(set(subject_ids))
        with translated("reading existing screening cases"):
            for start in range(0, len(ids), _CHUNK):
                rows = self._session.execute(
                    select(t.c.subject_id, t.c.entry_id).where(
                        t.c.subject_kind == kind, t.c.subject_id.in_(ids[start : start + _CHUNK])
                    )
                )
                found.update((s, e) for s, e in rows)
        return found

    def list(
        self,
        *,
        state: str | None = None,
        source: str | None = None,
        campaign_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[ScreeningCase]:
        t = tables.screening_cases
        query = select(t).where(*_case_filter(state, source, campaign_id))
        query = query.order_by(t.c.due_at, t.c.case_id).limit(limit).offset(offset)
        with translated("listing screening cases"):
            return [_case(row) for row in self._session.execute(query)]

    def count(
        self,
        *,
        campaign_id: str | None = None,
        state: str | None = None,
        source: str | None = None,
    ) -> int:
        t = tables.screening_cases
        query = select(func.count()).select_from(t).where(*_case_filter(state, source, campaign_id))
        with translated("counting screening cases"):
            return int(self._session.scalar(query) or 0)


def _case_filter(
    state: str | None, source: str | None, campaign_id: str | None
) -> list[ColumnElement[bool]]:
    t = tables.screening_cases
    where: list[ColumnElement[bool]] = []
    if state:
        where.append(t.c.state == state)
    if source:
        where.append(t.c.source == source)
    if campaign_id:
        where.append(t.c.campaign_id == campaign_id)
    return where


class SqlCampaignRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, campaign_id: str) -> Campaign | None:
        c, k = tables.screening_campaigns, tables.screening_campaign_chunks
        with translated(f"reading campaign {campaign_id}"):
            row = self._session.execute(select(c).where(c.c.campaign_id == campaign_id)).first()
            if row is None:
                return None
            done, people, hits, new = self._session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(k.c.people), 0),
                    func.coalesce(func.sum(k.c.hits), 0),
                    func.coalesce(func.sum(k.c.new_cases), 0),
                ).where(k.c.campaign_id == campaign_id)
            ).one()
        return Campaign(
            **row._asdict(),
            chunks_done=int(done),
            people=int(people),
            hits=int(hits),
            new_cases=int(new),
        )

    def add(self, campaign: Campaign) -> None:
        with translated(f"starting campaign {campaign.campaign_id}"):
            self._session.execute(
                insert(tables.screening_campaigns).values(
                    campaign_id=campaign.campaign_id,
                    list_version=campaign.list_version,
                    docket=campaign.docket,
                    chunks=campaign.chunks,
                    started_at=campaign.started_at,
                    finished_at=None,
                )
            )

    def done_chunks(self, campaign_id: str) -> set[int]:
        k = tables.screening_campaign_chunks
        with translated(f"reading campaign {campaign_id}'s chunks"):
            return set(
                self._session.scalars(select(k.c.chunk).where(k.c.campaign_id == campaign_id))
            )

    def complete_chunk(
        self, *, campaign_id: str, chunk: int, people: int, hits: int, new_cases: int, at: datetime
    ) -> None:
        with translated(f"completing chunk {chunk} of campaign {campaign_id}"):
            self._session.execute(
                insert(tables.screening_campaign_chunks).values(
                    campaign_id=campaign_id,
                    chunk=chunk,
                    done_at=at,
                    people=people,
                    hits=hits,
                    new_cases=new_cases,
                )
            )

    def finish(self, *, campaign_id: str, at: datetime) -> None:
        c = tables.screening_campaigns
        with translated(f"finishing campaign {campaign_id}"):
            self._session.execute(
                update(c)
                .where(c.c.campaign_id == campaign_id, c.c.finished_at.is_(None))
                .values(finished_at=at)
            )
