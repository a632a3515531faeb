"""Screening on a real store (SQLite and PostgreSQL) with the real linkage engine (DuckDB,
Splink): list versions, encounter screening, campaigns killed and resumed, the case protocol."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from liaison.adapters.linkage.campaign import SplinkCampaign, current_list
from liaison.adapters.linkage.encounter import DuckDBScreening
from liaison.adapters.store import SqlUnitOfWork
from liaison.adapters.store.errors import DuplicateKey
from liaison.audit import services as audit
from liaison.screening import services
from liaison.screening.comparators import CASE_THRESHOLD, per_million
from liaison.screening.errors import (
    CampaignError,
    CaseTransitionForbidden,
    InvalidWatchlistEntry,
)
from liaison.screening.keys import sound_key
from liaison.screening.model import (
    CaseOutcome,
    CaseState,
    Document,
    ListedName,
    NameKind,
    PartialDate,
    Score,
    Subject,
    SubjectKind,
    WatchlistEntry,
)
from liaison.screening.protocol import CaseAction

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ENGINE = DuckDBScreening()


def entry(
    entry_id: str,
    *names: str,
    dob: str | None = "1984-03-12",
    nationalities: tuple[str, ...] = ("SA",),
    documents: tuple[Document, ...] = (),
    biometric: int | None = None,
) -> WatchlistEntry:
    return WatchlistEntry(
        entry_id=entry_id,
        names=tuple(
            ListedName(n, NameKind.PRIMARY if i == 0 else NameKind.ALIAS)
            for i, n in enumerate(names)
        ),
        dob=PartialDate.parse(dob) if dob else None,
        nationalities=nationalities,
        documents=documents,
        biometric_identity_id=biometric,
    )


LIST_V1 = [
    entry("KST1", "Muhammad Ahmad Abdullah Al Harbi", "Abu Ahmed"),
    entry("KST2", "Щербаков Иван Петрович", dob="1970", nationalities=("RU",)),
    entry("KST3", "Wei Zhang", dob="1990-05", nationalities=("CN",), biometric=77),
]


def publish(
    new_uow: Callable[[], SqlUnitOfWork], entries: list[WatchlistEntry], at: datetime = T0
) -> int:
    version = services.publish_list(
        uow=new_uow(), entries=entries, source="test", keys=ENGINE, actor="admin", at=at
    )
    return version.version


_SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "be", "du")
# LIST_V1 among 300 entries of made-up names: on a list of three, every word is on a third of
# the entries, and the name-rarity comparator rightly gives shared words little weight
LIST_SIZED = [
    *LIST_V1,
    *(
        entry(
            f"KSF{i}",
            f"{_SYLLABLES[i % 10]}{_SYLLABLES[i // 10 % 10]}ran {_SYLLABLES[i // 3 % 10]}vek",
        )
        for i in range(300)
    ),
]


def ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"case-{next(counter):04d}"


def test_each_publication_is_a_version_and_old_versions_can_be_read_again(
    new_uow: Callable[[], SqlUnitOfWork],
) -> None:
    assert publish(new_uow, LIST_V1) == 1
    changed = entry("KST1", "Muhammad Ahmad Abdullah Al Harbi", "Abu Ahmed", dob="1984-03")
    v2 = services.publish_list(
        uow=new_uow(),
        entries=[changed, LIST_V1[2], entry("KST4", "Omar Khalil", dob="1979")],
        source="v2",
        keys=ENGINE,
        actor="admin",
        at=T0 + timedelta(days=1),
    )
    assert (v2.version, v2.entries, v2.added, v2.changed, v2.removed) == (2, 3, 1, 1, 1)
    with new_uow() as uow:
        v1_entries = {e.entry_id: e for e in uow.watchlist.entries(version=1)}
        v2_entries = {e.entry_id: e for e in uow.watchlist.entries(version=2)}
        assert set(v1_entries) == {"KST1", "KST2", "KST3"}
        assert set(v2_entries) == {"KST1", "KST3", "KST4"}
        assert str(v1_entries["KST1"].dob) == "1984-03-12"
        assert str(v2_entries["KST1"].dob) == "1984-03"
        assert v2_entries["KST3"] == LIST_V1[2]  # unchanged: the same row serves both versions
    # publishing the same list again changes nothing but the version number
    v3 = services.publish_list(
        uow=new_uow(),
        entries=list(v2_entries.values()),
        source="v3",
        keys=ENGINE,
        actor="admin",
        at=T0 + timedelta(days=2),
    )
    assert (v3.added, v3.changed, v3.removed) == (0, 0, 0)
    with new_uow() as uow:
        actions = [e.action for e in uow.audit.entries()]
    assert actions.count("watchlist.publish") == 3


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([LIST_V1[0], LIST_V1[0]], "appears twice"),
        ([entry("KST9", "Someone", nationalities=("SAU",))], "ISO alpha-2"),
        ([WatchlistEntry("KST8", ())], "no name"),
    ],
)
def test_a_bad_list_is_refused_whole_and_publishes_nothing(
    new_uow: Callable[[], SqlUnitOfWork], bad: list[WatchlistEntry], message: str
) -> None:
    publish(new_uow, LIST_V1)
    with pytest.raises(InvalidWatchlistEntry, match=message):
        publish(new_uow, [*LIST_V1[1:], *bad])
    with new_uow() as uow:
        current = uow.watchlist.current_version()
        assert current is not None
        assert current.version == 1
        assert len(list(uow.watchlist.entries(version=1))) == 3


def screen(
    new_uow: Callable[[], SqlUnitOfWork], subject: Subject, new_id: Callable[[], str]
) -> list[str]:
    with new_uow() as uow:
        opened = services.screen_encounter(
            uow=uow, subject=subject, keys=ENGINE, scorer=ENGINE, new_id=new_id, at=T0
        )
        uow.commit()
    return [c.entry_id for c in opened]


def person(subject_id: str, name: str, dob: date, nationality: str = "SA", **kw: object) -> Subject:
    return Subject(
        SubjectKind.BOOKING,
        subject_id,
        (name,),
        dob,
        nationality,
        **kw,  # type: ignore[arg-type]
    )


def test_an_encounter_hit_opens_one_case_that_explains_itself(
    new_uow: Callable[[], SqlUnitOfWork],
) -> None:
    publish(new_uow, LIST_SIZED)
    new_id = ids()
    # another transliteration, no middle name: the same person
    subject = person("b1", "Mohammed Ahmed Al-Harbi", date(1984, 3, 12))
    assert screen(new_uow, subject, new_id) == ["KST1"]
    assert screen(new_uow, subject, new_id) == []  # screened again: no second case
    with new_uow() as uow:
        (case,) = uow.screening_cases.list()
    assert (case.subject_id, case.entry_id, case.state) == ("b1", "KST1", CaseState.OPEN)
    levels = {f.comparator: f.level for f in case.features}
    assert levels == {
        "name": "one name within the other",
        # four words, each on 1 entry of 303: about 8 bits each
        "name_rarity": "one name within the other, shared words 28+ bits",
        "dob": "exact",
        "nationality": "agrees",
        "document": "missing",
    }
    assert case.due_at == T0 + timedelta(hours=1)  # an encounter: the person may leave soon


def test_the_original_script_and_a_year_only_date_still_find_the_entry(
    new_uow: Callable[[], SqlUnitOfWork],
) -> None:
    publish(new_uow, LIST_V1)
    subject = person(
        "b2",
        "Ivan Petrovich Shcherbakov",
        date(1970, 7, 4),
        "RU",
        documents=(Document("X1"),),
    )
    (sounds,) = ENGINE.sounds_of(subject)
    with new_uow() as uow:
        found = uow.watchlist.entries_by_keys(ENGINE.of_subject(subject), version=1)
        counts = uow.watchlist.count_by_keys([sound_key(sounds), "sound:NONE"], version=1)
        version = uow.watchlist.current_version()
    assert [e.entry_id for e in found] == ["KST2"]
    assert counts == {sound_key(sounds): 1}  # only KST2 has a name that sounds like his
    assert version is not None
    frequency = {sounds: per_million(1, version.entries)}
    (score,) = ENGINE.score(subject, found, name_frequency=frequency)
    assert score.features[0].level == "same words, other order"
    assert score.features[1].level == "more than 1000 entries in a million"  # 1 in 3


def test_a_fingerprint_match_with_the_entry_is_a_hit_whatever_the_name(
    new_uow: Callable[[], SqlUnitOfWork],
) -> None:
    publish(new_uow, LIST_V1)
    subject = person("b3", "John Smith", date(1960, 1, 1), "GB", identity_id=77)
    assert screen(new_uow, subject, ids()) == ["KST3"]
    with new_uow() as uow:
        (case,) = uow.screening_cases.list()
    assert case.features[-1].comparator == "fingerprints"


def test_strangers_and_an_empty_list_open_nothing(new_uow: Callable[[], SqlUnitOfWork]) -> None:
    stranger = person("b4", "Maria Garcia Lopez", date(1984, 3, 12), "MX")
    assert screen(new_uow, stranger, ids()) == []  # no list published yet
    publish(new_uow, LIST_V1)
    assert screen(new_uow, stranger, ids()) == []
    # same name as an entry but born another year and another nationality: not a hit
    namesake = person("b5", "Wei Zhang", date(1961, 2, 2), "US")
    assert screen(new_uow, namesake, ids()) == []


def test_the_case_protocol_is_enforced_and_audited(new_uow: Callable[[], SqlUnitOfWork]) -> None:
    publish(new_uow, LIST_SIZED)
    screen(new_uow, person("b1", "Mohammed Ahmed Al-Harbi", date(1984, 3, 12)), ids())
    with new_uow() as uow:
        (case,) = uow.screening_cases.list()

    def act(action: CaseAction, note: str = "", minutes: int = 10) -> object:
        return services.act_on_case(
            uow=new_uow(),
            case_id=case.case_id,
            action=action,
            actor="analyst1",
            at=T0 + timedelta(minutes=minutes),
            note=note,
        )

    with pytest.raises(CaseTransitionForbidden, match="open: cannot confirm"):
        act(CaseAction.CONFIRM, "looks like him")
    act(CaseAction.ASSIGN)
    with pytest.raises(CaseTransitionForbidden, match="needs a note"):
        act(CaseAction.ESCALATE)
    act(CaseAction.ESCALATE, "dates differ from the nominating record", 20)
    closed = act(CaseAction.CLEAR, "TSC: a different person (other father's name)", 30)
    with new_uow() as uow:
        stored = uow.screening_cases.get(case.case_id)
        trail = [e.action for e in uow.audit.entries()]
    assert stored == closed
    assert stored is not None
    assert stored.state is CaseState.CLOSED
    assert stored.outcome is CaseOutcome.NOT_THE_PERSON
    assert [e.action for e in stored.events] == ["open", "assign", "escalate", "clear"]
    assert trail[-3:] == [
        "screening.case.assign",
        "screening.case.escalate",
        "screening.case.clear",
    ]
    assert audit.verify_trail(uow=new_uow()).ok
    with pytest.raises(CaseTransitionForbidden, match="closed"):
        act(CaseAction.ASSIGN, minutes=40)


def test_one_case_per_person_and_entry_even_when_two_writers_race(
    new_uow: Callable[[], SqlUnitOfWork],
) -> None:
    publish(new_uow, LIST_SIZED)
    screen(new_uow, person("b1", "Mohammed Ahmed Al-Harbi", date(1984, 3, 12)), ids())
    with new_uow() as uow:
        (case,) = uow.screening_cases.list()
    twin = type(case)(**{**case.__dict__, "case_id": "another"})
    with new_uow() as uow, pytest.raises(DuplicateKey):
        uow.screening_cases.add(twin)


# --- campaigns ---------------------------------------------------------------------------


def docket(tmp_path: Path, people: int = 400) -> Path:
    """A docket: the planted people are the first three; the rest are strangers."""
    names = ["Mohammed Ahmed Al-Harbi", "Ivan Shcherbakov", "Wei Zhang"]
    dobs = [date(1984, 3, 12), date(1970, 9, 9), date(1990, 5, 30)]
    nats = ["SA", "RU", "CN"]
    for i in range(3, people):
        names.append(f"Person{i} Family{i % 37}")
        dobs.append(date(1950 + i % 50, 1 + i % 12, 1 + i % 28))
        nats.append("MX")
    table = pa.table(
        {
            "person_id": [f"A{i:09d}" for i in range(people)],
            "name": names,
            "aliases": [[] for _ in range(people)],
            "dob": pa.array(dobs, pa.date32()),
            "sex": ["M"] * people,
            "nationality": nats,
            "doc_number": pa.array([None] * people, pa.string()),
            "doc_country": pa.array([None] * people, pa.string()),
        }
    )
    path = tmp_path / "docket.parquet"
    pq.write_table(table, path)
    return path


class Crashing:
    """A linker that dies (like a killed process) when it reaches chunk ``crash_at``."""

    def __init__(self, inner: SplinkCampaign, crash_at: int) -> None:
        self.inner = inner
        self.chunks = inner.chunks
        self.crash_at = crash_at

    def people(self) -> int:
        return self.inner.people()

    def chunk_people(self, chunk: int) -> int:
        return self.inner.chunk_people(chunk)

    def hits(self, chunk: int, *, threshold: float) -> list[tuple[str, Score]]:
        if chunk == self.crash_at:
            raise KeyboardInterrupt("killed")
        return self.inner.hits(chunk, threshold=threshold)


def run_campaign(
    new_uow: Callable[[], SqlUnitOfWork], path: Path, linker: object, campaign_id: str = "c1"
) -> object:
    return services.rescreen(
        uow_factory=new_uow,
        linker=linker,  # type: ignore[arg-type]
        campaign_id=campaign_id,
        docket=str(path),
        actor="analyst",
        clock=lambda: T0,
        new_id=ids(),
    )


def linker_for(new_uow: Callable[[], SqlUnitOfWork], path: Path, chunks: int) -> SplinkCampaign:
    _, listed = current_list(new_uow())
    return SplinkCampaign(docket=path, watchlist=listed, chunks=chunks, threads=1)


def test_a_campaign_killed_mid_way_resumes_without_losing_or_repeating_a_hit(
    new_uow: Callable[[], SqlUnitOfWork], tmp_path: Path
) -> None:
    publish(new_uow, LIST_SIZED)
    path = docket(tmp_path)
    linker = linker_for(new_uow, path, chunks=4)
    expected = {person for c in range(4) for person, _ in linker.hits(c, threshold=CASE_THRESHOLD)}
    # Al-Harbi is a hit; Shcherbakov (list: year only) and Zhang (list: 1990-05) are too weak
    assert expected == {"A000000000"}
    with pytest.raises(KeyboardInterrupt):
        run_campaign(new_uow, path, Crashing(linker, crash_at=2))
    with new_uow() as uow:
        assert uow.campaigns.done_chunks("c1") == {0, 1}
    campaign = run_campaign(new_uow, path, linker)
    with new_uow() as uow:
        cases = uow.screening_cases.list(campaign_id="c1")
        assert uow.campaigns.done_chunks("c1") == {0, 1, 2, 3}
    assert sorted(c.subject_id for c in cases) == sorted(expected)
    assert campaign.people == 400  # type: ignore[attr-defined]
    # a second campaign over the same list opens no case a first one opened
    again = run_campaign(new_uow, path, linker, campaign_id="c2")
    assert again.new_cases == 0  # type: ignore[attr-defined]
    assert again.hits == len(expected)  # type: ignore[attr-defined]
    linker.close()


def test_resuming_differently_or_after_a_new_list_is_refused(
    new_uow: Callable[[], SqlUnitOfWork], tmp_path: Path
) -> None:
    publish(new_uow, LIST_V1)
    path = docket(tmp_path, people=50)
    linker = linker_for(new_uow, path, chunks=2)
    with pytest.raises(KeyboardInterrupt):
        run_campaign(new_uow, path, Crashing(linker, crash_at=1))
    with pytest.raises(CampaignError, match="2 chunks"):
        run_campaign(new_uow, path, linker_for(new_uow, path, chunks=3))
    publish(new_uow, LIST_V1[:2], at=T0 + timedelta(days=1))
    with pytest.raises(CampaignError, match="version 2 is now current"):
        run_campaign(new_uow, path, linker)
    linker.close()


def test_a_publication_counts_the_entries_of_each_word(
    new_uow: Callable[[], SqlUnitOfWork],
) -> None:
    publish(new_uow, [*LIST_V1, entry("KST4", "Ahmed Omar")])
    with new_uow() as uow:
        counts = uow.watchlist.word_counts(["AMT", "MHMT", "XNONE"], version=1)
        missing = uow.watchlist.word_counts(["AMT"], version=2)
    # Ahmad (KST1) and Ahmed (KST1's alias, KST4) sound alike: two entries, not three names
    assert counts == {"AMT": 2, "MHMT": 1}
    assert missing is None  # no such version: nothing was counted for it
