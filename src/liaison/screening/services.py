"""Screening use cases: publish a list version, screen an encounter, work cases, re-screen.

Every read of a case and every decision on one is audited; the audit entries never leave the
screening context's purpose ("watchlist screening"), and nothing here is ever put in a
booking's response to a jail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from liaison.audit import services as audit
from liaison.screening import protocol
from liaison.screening.comparators import CASE_THRESHOLD, per_million
from liaison.screening.errors import (
    CampaignError,
    InvalidWatchlistEntry,
    UnknownCase,
    UnknownListVersion,
)
from liaison.screening.keys import sound_key, word_counts, words_of
from liaison.screening.model import (
    Campaign,
    CaseEvent,
    CaseState,
    Feature,
    HitSource,
    ListVersion,
    Score,
    ScreeningCase,
    Subject,
    SubjectKind,
    WatchlistEntry,
)
from liaison.screening.ports import (
    CampaignLinker,
    EncounterScorer,
    NameKeys,
    ScreeningUnitOfWork,
)

__all__ = [
    "BIOMETRIC_WEIGHT",
    "CASE_THRESHOLD",
    "PURPOSE",
    "Check",
    "act_on_case",
    "check",
    "count_cases",
    "entry_digest",
    "get_case",
    "list_cases",
    "publish_list",
    "rescreen",
    "screen_encounter",
]

PURPOSE = "watchlist screening"
# Added to a pair's weight when the person's fingerprints are the entry's own (shown as a
# feature); such a pair opens a case whatever its biographic weight.
BIOMETRIC_WEIGHT = 40.0


def entry_digest(entry: WatchlistEntry) -> str:
    """sha256 of the entry's ``repr`` (a frozen dataclass of tuples, strings and numbers: the
    same content always prints the same): a changed entry has another digest."""
    return hashlib.sha256(repr(entry).encode()).hexdigest()


def _check(entry: WatchlistEntry) -> None:
    if not entry.entry_id.strip():
        raise InvalidWatchlistEntry("an entry has no id")
    if not entry.names or not any(n.full.strip() for n in entry.names):
        raise InvalidWatchlistEntry(f"entry {entry.entry_id}: no name")
    for country in entry.nationalities:
        if len(country) != 2 or not country.isalpha():
            raise InvalidWatchlistEntry(
                f"entry {entry.entry_id}: nationality {country!r} is not ISO alpha-2"
            )


def publish_list(
    *,
    uow: ScreeningUnitOfWork,
    entries: Iterable[WatchlistEntry],
    source: str,
    keys: NameKeys,
    actor: str,
    at: datetime,
    batch: Callable[[int], None] | None = None,
) -> ListVersion:
    """Publish the full list ``entries`` as the next version: entries new since the current
    version are added, those whose content differs are changed (the old row ends, a new one
    starts), and those absent are removed. All in one transaction: a failure publishes nothing.
    ``InvalidWatchlistEntry`` names the first bad entry, and duplicate ids are refused.
    """
    listed: dict[str, tuple[WatchlistEntry, str]] = {}
    for entry in entries:
        _check(entry)
        if entry.entry_id in listed:
            raise InvalidWatchlistEntry(f"entry {entry.entry_id} appears twice in the list")
        listed[entry.entry_id] = (entry, entry_digest(entry))
    with uow:
        current = uow.watchlist.current_version()
        number = 1 if current is None else current.version + 1
        before = uow.watchlist.current_digests()
        added = [pair for eid, pair in listed.items() if eid not in before]
        changed = [pair for eid, pair in listed.items() if eid in before and before[eid] != pair[1]]
        removed = [eid for eid in before if eid not in listed]
        uow.watchlist.retire([e.entry_id for e, _ in changed] + removed, version=number)
        fresh = added + changed
        uow.watchlist.add_entries(fresh, version=number)
        # over the whole list (a publication is the full list), as a campaign counts them
        uow.watchlist.add_word_counts(
            word_counts([n.full for n in e.names] for e, _ in listed.values()), version=number
        )
        step = 50_000
        for start in range(0, len(fresh), step):
            part = [e for e, _ in fresh[start : start + step]]
            uow.watchlist.add_keys(keys.of_entries(part), version=number)
            if batch:
                batch(len(part))
        version = ListVersion(
            version=number,
            published_at=at,
            source=source,
            entries=len(listed),
            added=len(added),
            changed=len(changed),
            removed=len(removed),
        )
        uow.watchlist.add_version(version)
        audit.record(
            uow=uow,
            actor=actor,
            action="watchlist.publish",
            subject=f"watchlist:{number}",
            purpose=PURPOSE,
            detail={"added": len(added), "changed": len(changed), "removed": len(removed)},
            at=at,
        )
        uow.commit()
        return version


def _open_case(
    uow: ScreeningUnitOfWork,
    *,
    case_id: str,
    subject: tuple[SubjectKind, str],
    score: Score,
    list_version: int,
    source: HitSource,
    at: datetime,
    campaign_id: str = "",
) -> ScreeningCase:
    kind, subject_id = subject
    case = ScreeningCase(
        case_id=case_id,
        subject_kind=kind,
        subject_id=subject_id,
        entry_id=score.entry_id,
        list_version=list_version,
        source=source,
        score=score.weight,
        features=list(score.features),
        opened_at=at,
        due_at=protocol.due(source, CaseState.OPEN, at),
        campaign_id=campaign_id,
        events=[CaseEvent(at, "system", "open", f"matched name: {score.matched_name}")],
    )
    uow.screening_cases.add(case)
    return case


def _name_frequency(
    uow: ScreeningUnitOfWork, subject: Subject, keys: NameKeys, version: ListVersion
) -> dict[str, float]:
    """Entries per million of ``version`` with each of the subject's name sounds, counted in
    the store as a campaign counts them over the whole list."""
    if version.entries == 0:
        return {}
    sounds = keys.sounds_of(subject)
    counts = uow.watchlist.count_by_keys([sound_key(s) for s in sounds], version=version.version)
    return {
        s: per_million(counts[sound_key(s)], version.entries)
        for s in sounds
        if counts.get(sound_key(s))
    }


def _word_frequency(
    uow: ScreeningUnitOfWork, subject: Subject, version: ListVersion
) -> dict[str, float] | None:
    """Entries per million of ``version`` with each word of the subject's names (None where
    the version has no word counts: the shared-words levels then do not apply)."""
    words = sorted(words_of(subject.names))
    counts = uow.watchlist.word_counts(words, version=version.version)
    if counts is None or version.entries == 0:
        return None
    return {w: per_million(n, version.entries) for w, n in counts.items() if n}


def _scores(
    uow: ScreeningUnitOfWork,
    subject: Subject,
    keys: NameKeys,
    scorer: EncounterScorer,
    list_version: ListVersion,
) -> list[Score]:
    """The subject's score with each candidate entry of ``list_version``: entries sharing a
    blocking key, and entries whose fingerprints are the subject's identity (their score
    carries a ``fingerprints`` feature and ``biometric``), best first."""
    version = list_version.version
    candidates = {
        e.entry_id: e
        for e in uow.watchlist.entries_by_keys(keys.of_subject(subject), version=version)
    }
    biometric: set[str] = set()
    if subject.identity_id is not None:
        for entry in uow.watchlist.entries_by_biometric(subject.identity_id, version=version):
            candidates[entry.entry_id] = entry
            biometric.add(entry.entry_id)
    if not candidates:
        return []
    scores = []
    frequency = _name_frequency(uow, subject, keys, list_version)
    words = _word_frequency(uow, subject, list_version)
    found = scorer.score(
        subject, list(candidates.values()), name_frequency=frequency, word_frequency=words
    )
    for score in found:
        if score.entry_id in biometric:
            feature = Feature("fingerprints", "the entry's own fingerprints", BIOMETRIC_WEIGHT)
            score = Score(
                entry_id=score.entry_id,
                weight=score.weight + BIOMETRIC_WEIGHT,
                probability=1.0,
                features=(*score.features, feature),
                matched_name=score.matched_name,
                biometric=True,
            )
        scores.append(score)
    return sorted(scores, key=lambda s: (-s.weight, s.entry_id))


def screen_encounter(
    *,
    uow: ScreeningUnitOfWork,
    subject: Subject,
    keys: NameKeys,
    scorer: EncounterScorer,
    new_id: Callable[[], str],
    at: datetime,
    threshold: float = CASE_THRESHOLD,
) -> list[ScreeningCase]:
    """Screen one encounter against the current list, biographically and biometrically, and
    open a case for each new hit. Runs inside the caller's unit of work (the booking's), which
    commits it; returns the cases opened. No list loaded: nothing to screen against.
    """
    version = uow.watchlist.current_version()
    if version is None:
        return []
    scores = _scores(uow, subject, keys, scorer, version)
    # the entry's own fingerprints are decisive whatever the biographics say
    hits = [score for score in scores if score.biometric or score.weight >= threshold]
    seen = uow.screening_cases.existing(subject.kind, [subject.subject_id])
    opened = [
        _open_case(
            uow,
            case_id=new_id(),
            subject=(subject.kind, subject.subject_id),
            score=score,
            list_version=version.version,
            source=HitSource.ENCOUNTER,
            at=at,
        )
        for score in hits
        if (subject.subject_id, score.entry_id) not in seen
    ]
    audit.record(
        uow=uow,
        actor="system",
        action="screening.encounter",
        subject=f"{subject.kind.value}:{subject.subject_id}",
        purpose=PURPOSE,
        detail={"list_version": version.version, "candidates": len(scores), "hits": len(hits)},
        at=at,
    )
    return opened


def rescreen(
    *,
    uow_factory: Callable[[], ScreeningUnitOfWork],
    linker: CampaignLinker,
    campaign_id: str,
    docket: str,
    actor: str,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
    threshold: float = CASE_THRESHOLD,
    progress: Callable[[int], None] | None = None,
) -> Campaign:
    """Run (or resume) a campaign: the whole docket against the current list version.

    Each chunk's new cases commit with the chunk's completion, so a campaign killed at any
    point and started again with the same ``campaign_id`` redoes at most the chunk it was in,
    and a hit is never opened twice: a (person, entry) pair with a case from any earlier
    campaign or encounter is not opened again. ``progress`` receives people screened.
    """
    with uow_factory() as uow:
        campaign = uow.campaigns.get(campaign_id)
        if campaign is None:
            version = uow.watchlist.current_version()
            if version is None:
                raise UnknownListVersion("no watchlist has been published: nothing to screen")
            campaign = Campaign(
                campaign_id=campaign_id,
                list_version=version.version,
                docket=docket,
                chunks=linker.chunks,
                started_at=clock(),
            )
            uow.campaigns.add(campaign)
            audit.record(
                uow=uow,
                actor=actor,
                action="screening.campaign.start",
                subject=f"campaign:{campaign_id}",
                purpose=PURPOSE,
                detail={"list_version": version.version, "docket": docket},
                at=campaign.started_at,
            )
            uow.commit()
        elif campaign.chunks != linker.chunks or campaign.docket != docket:
            raise CampaignError(
                f"campaign {campaign_id} was started on {campaign.docket} in "
                f"{campaign.chunks} chunks; resume it the same way"
            )
        current = uow.watchlist.current_version()
        if current is not None and current.version != campaign.list_version:
            raise CampaignError(
                f"campaign {campaign_id} screens list version {campaign.list_version}, but "
                f"version {current.version} is now current: start a new campaign"
            )
        done = uow.campaigns.done_chunks(campaign_id)
    for chunk in range(campaign.chunks):
        if chunk in done:
            if progress:
                progress(linker.chunk_people(chunk))
            continue
        hits = linker.hits(chunk, threshold=threshold)
        people = linker.chunk_people(chunk)
        at = clock()
        with uow_factory() as uow:
            subjects = sorted({person for person, _ in hits})
            seen = uow.screening_cases.existing(SubjectKind.SUPERVISED, subjects)
            new = 0
            for person, score in hits:
                if (person, score.entry_id) in seen:
                    continue
                _open_case(
                    uow,
                    case_id=new_id(),
                    subject=(SubjectKind.SUPERVISED, person),
                    score=score,
                    list_version=campaign.list_version,
                    source=HitSource.CAMPAIGN,
                    at=at,
                    campaign_id=campaign_id,
                )
                seen.add((person, score.entry_id))
                new += 1
            uow.campaigns.complete_chunk(
                campaign_id=campaign_id,
                chunk=chunk,
                people=people,
                hits=len(hits),
                new_cases=new,
                at=at,
            )
            uow.commit()
        if progress:
            progress(people)
    with uow_factory() as uow:
        uow.campaigns.finish(campaign_id=campaign_id, at=clock())
        audit.record(
            uow=uow,
            actor=actor,
            action="screening.campaign.finish",
            subject=f"campaign:{campaign_id}",
            purpose=PURPOSE,
            at=clock(),
        )
        uow.commit()
        finished = uow.campaigns.get(campaign_id)
    if finished is None:  # pragma: no cover - the row was written above
        raise CampaignError(f"campaign {campaign_id} vanished")
    return finished


@dataclass(frozen=True)
class Check:
    """An analyst's look-up: the list version searched and each candidate's score."""

    list_version: int
    scores: list[Score]


def check(
    *,
    uow: ScreeningUnitOfWork,
    subject: Subject,
    keys: NameKeys,
    scorer: EncounterScorer,
    actor: str,
    at: datetime,
) -> Check:
    """Score one person against the current list and explain each candidate; opens no case.
    Audited (an analyst looked a person up)."""
    with uow:
        version = uow.watchlist.current_version()
        if version is None:
            raise UnknownListVersion("no watchlist has been published")
        scores = _scores(uow, subject, keys, scorer, version)
        audit.record(
            uow=uow,
            actor=actor,
            action="screening.check",
            subject=f"check:{subject.names[0] if subject.names else ''}",
            purpose=PURPOSE,
            detail={"list_version": version.version, "candidates": len(scores)},
            at=at,
        )
        uow.commit()
    return Check(version.version, scores)


def list_cases(
    *,
    uow: ScreeningUnitOfWork,
    actor: str,
    at: datetime,
    state: str | None = None,
    source: str | None = None,
    campaign_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[ScreeningCase]:
    """Cases, oldest deadline first (``limit`` of them after the first ``offset``), audited
    as a read."""
    with uow:
        cases = list(
            uow.screening_cases.list(
                state=state, source=source, campaign_id=campaign_id, limit=limit, offset=offset
            )
        )
        audit.record(
            uow=uow,
            actor=actor,
            action="read",
            subject=f"screening_cases:{len(cases)}",
            purpose=PURPOSE,
            at=at,
        )
        uow.commit()
        return cases


def count_cases(
    *, uow: ScreeningUnitOfWork, state: str | None = None, source: str | None = None
) -> int:
    """How many cases ``list_cases`` would page through (a number: not audited)."""
    with uow:
        return uow.screening_cases.count(state=state, source=source)


def get_case(*, uow: ScreeningUnitOfWork, case_id: str, actor: str, at: datetime) -> ScreeningCase:
    with uow:
        case = uow.screening_cases.get(case_id)
        if case is None:
            raise UnknownCase(f"no screening case {case_id}")
        audit.record(
            uow=uow, actor=actor, action="read", subject=f"case:{case_id}", purpose=PURPOSE, at=at
        )
        uow.commit()
        return case


def act_on_case(
    *,
    uow: ScreeningUnitOfWork,
    case_id: str,
    action: protocol.CaseAction,
    actor: str,
    at: datetime,
    note: str = "",
    assignee: str = "",
) -> ScreeningCase:
    """Take one protocol step on a case (assign, escalate, confirm, clear), audited."""
    with uow:
        case = uow.screening_cases.get(case_id)
        if case is None:
            raise UnknownCase(f"no screening case {case_id}")
        changed = protocol.apply(case, action, actor=actor, at=at, note=note, assignee=assignee)
        uow.screening_cases.save(changed)
        audit.record(
            uow=uow,
            actor=actor,
            action=f"screening.case.{action.value}",
            subject=f"case:{case_id}",
            purpose=PURPOSE,
            detail={"state": changed.state.value, "note": note, "assignee": changed.assignee},
            at=at,
        )
        uow.commit()
        return changed
