"""What the screening context needs from a store and from the linkage engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from liaison.audit.ports import AuditRepository
from liaison.screening.model import (
    Campaign,
    ListVersion,
    Score,
    ScreeningCase,
    Subject,
    SubjectKind,
    WatchlistEntry,
)
from liaison.transaction import Transaction

__all__ = [
    "CampaignLinker",
    "CampaignRepository",
    "CaseRepository",
    "EncounterScorer",
    "NameKeys",
    "ScreeningUnitOfWork",
    "WatchlistRepository",
]


class WatchlistRepository(Protocol):
    def current_version(self) -> ListVersion | None: ...

    def get_version(self, version: int) -> ListVersion | None: ...

    def add_version(self, version: ListVersion) -> None: ...

    def current_digests(self) -> dict[str, str]:
        """entry id -> digest of every entry in the current version."""
        ...

    def add_entries(self, entries: Sequence[tuple[WatchlistEntry, str]], *, version: int) -> None:
        """Entries (with their digests) valid from ``version`` on."""
        ...

    def retire(self, entry_ids: Iterable[str], *, version: int) -> None:
        """The current rows of these entries end at ``version`` (changed or removed)."""
        ...

    def add_keys(self, keys: Iterable[tuple[str, str]], *, version: int) -> None:
        """Blocking keys (key, entry id) of the entries added at ``version``."""
        ...

    def entries_by_keys(self, keys: Sequence[str], *, version: int) -> list[WatchlistEntry]:
        """Entries valid at ``version`` with any of the blocking keys."""
        ...

    def count_by_keys(self, keys: Sequence[str], *, version: int) -> dict[str, int]:
        """key -> how many entries valid at ``version`` have it (keys none has are left out)."""
        ...

    def add_word_counts(self, counts: Mapping[str, int], *, version: int) -> None:
        """Record, for list version ``version``, how many entries have each word (by sound)."""
        ...

    def word_counts(self, words: Sequence[str], *, version: int) -> dict[str, int] | None:
        """word -> entries of ``version`` with it (words none has are left out); None when
        the version was published before word counts were kept."""
        ...

    def entries_by_biometric(self, identity_id: int, *, version: int) -> list[WatchlistEntry]:
        """Entries valid at ``version`` whose fingerprints are that repository identity."""
        ...

    def entries(self, *, version: int) -> Iterable[WatchlistEntry]:
        """Every entry valid at ``version``."""
        ...


class CaseRepository(Protocol):
    def add(self, case: ScreeningCase) -> None: ...

    def get(self, case_id: str) -> ScreeningCase | None: ...

    def save(self, case: ScreeningCase) -> None:
        """Store a changed case (its state, assignee, deadline, outcome and events)."""
        ...

    def existing(self, kind: SubjectKind, subject_ids: Sequence[str]) -> set[tuple[str, str]]:
        """(subject id, entry id) of the cases already opened for these subjects."""
        ...

    def list(
        self,
        *,
        state: str | None = None,
        source: str | None = None,
        campaign_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[ScreeningCase]: ...

    def count(
        self,
        *,
        campaign_id: str | None = None,
        state: str | None = None,
        source: str | None = None,
    ) -> int: ...


class CampaignRepository(Protocol):
    def get(self, campaign_id: str) -> Campaign | None: ...

    def add(self, campaign: Campaign) -> None: ...

    def done_chunks(self, campaign_id: str) -> set[int]: ...

    def complete_chunk(
        self, *, campaign_id: str, chunk: int, people: int, hits: int, new_cases: int, at: datetime
    ) -> None:
        """Record a chunk as done and add its counts to the campaign's (once per chunk)."""
        ...

    def finish(self, *, campaign_id: str, at: datetime) -> None: ...


class ScreeningUnitOfWork(Transaction, Protocol):
    @property
    def watchlist(self) -> WatchlistRepository: ...

    @property
    def screening_cases(self) -> CaseRepository: ...

    @property
    def campaigns(self) -> CampaignRepository: ...

    @property
    def audit(self) -> AuditRepository: ...


class NameKeys(Protocol):
    """Blocking keys, the same for list entries and people screened."""

    def of_entries(self, entries: Sequence[WatchlistEntry]) -> list[tuple[str, str]]:
        """(key, entry id) pairs of the entries' names."""
        ...

    def of_subject(self, subject: Subject) -> list[str]: ...

    def sounds_of(self, subject: Subject) -> list[str]:
        """The sound codes of the subject's names (what the name-rarity comparator counts)."""
        ...


class EncounterScorer(Protocol):
    def score(
        self,
        subject: Subject,
        entries: Sequence[WatchlistEntry],
        *,
        name_frequency: Mapping[str, float],
        word_frequency: Mapping[str, float] | None = None,
    ) -> list[Score]:
        """The subject's best score with each entry (same model as campaigns);
        ``name_frequency``: list entries per million with each of the subject's name sounds
        (sounds no entry has are left out); ``word_frequency``: the same for each word of
        the subject's names, or None where the list's word counts are unknown."""
        ...


class CampaignLinker(Protocol):
    chunks: int

    def people(self) -> int: ...

    def chunk_people(self, chunk: int) -> int: ...

    def hits(self, chunk: int, *, threshold: float) -> list[tuple[str, Score]]: ...
