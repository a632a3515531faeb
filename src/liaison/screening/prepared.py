"""A record's names prepared for the comparators, in Python: what one encounter scores.

Campaigns prepare millions of names in SQL (``liaison.adapters.linkage.prepare``); an
encounter has one person and a few dozen candidate entries, for which a round of SQL
statements costs more than the work. This is the same preparation, rule for rule: the tokens
of ``names.tokens``, each folded and coded by ``names.fold`` / ``names.sound`` (tokens that fold
to nothing dropped), and the columns of ``comparators.PREPARED_COLUMNS`` built from them. A test
checks, name by name over a generated docket and list in several scripts, that both give the
same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from liaison.screening.keys import document_number
from liaison.screening.model import Subject, WatchlistEntry
from liaison.screening.names import fold, sound, tokens

__all__ = ["PreparedName", "prepare_entry", "prepare_name", "prepare_subject"]


@dataclass(frozen=True)
class PreparedName:
    """One name of a record, in the columns the comparators read (``name_freq`` aside: it
    depends on the list, not on the record)."""

    rec_id: str
    name: str
    name_norm: str
    name_sorted: str
    name_phon: str
    phons: tuple[str, ...]
    first_phon: str | None
    last_phon: str | None
    pair_key: str | None
    dob_y: int | None
    dob_m: int | None
    dob_d: int | None
    nats: tuple[str, ...]
    docs: tuple[str, ...]
    doc_first: str | None


def prepare_name(
    rec_id: str,
    name: str,
    dob: tuple[int | None, int | None, int | None],
    nats: Sequence[str],
    docs: Sequence[str],
) -> PreparedName:
    folds = [f for f in (fold(t) for t in tokens(name)) if f]
    phons = tuple(sound(f) for f in folds)
    first, last = (phons[0], phons[-1]) if phons else (None, None)
    return PreparedName(
        rec_id=rec_id,
        name=name,
        name_norm=" ".join(folds),
        name_sorted=" ".join(sorted(folds)),
        name_phon=" ".join(sorted(phons)),
        phons=phons,
        first_phon=first,
        last_phon=last,
        pair_key=f"{min(first, last)}|{max(first, last)}" if first and last else None,
        dob_y=dob[0],
        dob_m=dob[1],
        dob_d=dob[2],
        nats=tuple(nats),
        docs=tuple(docs),
        doc_first=docs[0] if docs else None,
    )


def _date_parts(day: date | None) -> tuple[int | None, int | None, int | None]:
    return (day.year, day.month, day.day) if day else (None, None, None)


def prepare_subject(subject: Subject, *, rec_id: str | None = None) -> list[PreparedName]:
    """The person's names (the first document number only, as a docket row has one)."""
    number = document_number(subject.documents[0].number) if subject.documents else ""
    nats = [subject.nationality.upper()] if subject.nationality else []
    return [
        prepare_name(
            rec_id or subject.subject_id,
            name,
            _date_parts(subject.dob),
            nats,
            [number] if number else [],
        )
        for name in subject.names
    ]


def prepare_entry(entry: WatchlistEntry) -> list[PreparedName]:
    """Every name of a list entry, with its partial date of birth, nationalities and
    documents."""
    dob = entry.dob
    parts = (dob.year, dob.month, dob.day) if dob else (None, None, None)
    docs = [n for n in (document_number(d.number) for d in entry.documents) if n]
    nats = [n.upper() for n in entry.nationalities]
    return [prepare_name(entry.entry_id, n.full, parts, nats, docs) for n in entry.names]
