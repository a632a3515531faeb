"""Blocking keys of one person, in Python: what an encounter looks up in the store.

The same keys the linkage adapter computes in SQL for list entries (``rule:value|value``, one
per blocking rule a record has every column of), from the same token rules: lower-case, split
on runs of characters that are neither letters nor marks, each token folded and coded by
``names``. A test checks, name by name over a generated docket in several scripts, that this
and the SQL give the same keys. Doing it here spares an encounter a database round trip.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from liaison.screening.comparators import BLOCKING_RULES
from liaison.screening.names import fold, sound, tokens

__all__ = [
    "SOUND_KEY",
    "document_number",
    "name_codes",
    "name_sounds",
    "sound_key",
    "subject_keys",
    "word_counts",
    "words_of",
]

# The prefix of the keys that count how many entries have a name that sounds the same (for
# the name-rarity comparator). Not a blocking rule: an encounter never looks candidates up
# by them, only counts them.
SOUND_KEY = "sound"


def name_codes(name: str) -> list[str]:
    """The metaphone codes of a name's tokens, in order (tokens that fold to nothing dropped)."""
    return [sound(f) for f in (fold(t) for t in tokens(name)) if f]


def name_sounds(names: Sequence[str]) -> list[str]:
    """The distinct sound codes of these names (``name_phon``: a name's codes, sorted)."""
    return sorted({" ".join(sorted(phons)) for phons in map(name_codes, names) if phons})


def words_of(names: Sequence[str]) -> set[str]:
    """The distinct word sounds of these names (each token's metaphone code)."""
    return {code for name in names for code in name_codes(name)}


def word_counts(names_of_entries: Iterable[Sequence[str]]) -> Counter[str]:
    """How many entries (each given by its names) have a name with each word sound: what
    ``linkage.prepare.word_frequency`` counts in SQL."""
    counts: Counter[str] = Counter()
    for names in names_of_entries:
        counts.update(words_of(names))
    return counts


def sound_key(sounds: str) -> str:
    """The store key counting the entries with a name of these sounds."""
    return f"{SOUND_KEY}:{sounds}"


def document_number(number: str) -> str:
    """A document number as compared: upper-case letters and digits only."""
    return "".join(ch for ch in number.upper() if "A" <= ch <= "Z" or "0" <= ch <= "9")


def subject_keys(names: Sequence[str], dob: date | None, documents: Sequence[str]) -> list[str]:
    """Every blocking key of a person with these names, date of birth and document numbers."""
    doc_first = next((d for d in (document_number(n) for n in documents) if d), None)
    keys: set[str] = set()
    for name in names:
        phons = name_codes(name)
        first, last = (phons[0], phons[-1]) if phons else (None, None)
        values: dict[str, object] = {
            "pair_key": f"{min(first, last)}|{max(first, last)}" if first and last else None,
            "name_phon": " ".join(sorted(phons)) if phons else None,
            "first_phon": first,
            "last_phon": last,
            "dob_y": dob.year if dob else None,
            "dob_m": dob.month if dob else None,
            "dob_d": dob.day if dob else None,
            "doc_first": doc_first,
        }
        for rule in BLOCKING_RULES:
            parts = [values[c] for c in rule.columns]
            if all(p is not None and p != "" for p in parts):
                keys.add(f"{rule.name}:" + "|".join(str(p) for p in parts))
    return sorted(keys)
