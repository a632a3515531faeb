"""Name tokens as the matcher compares them: folded to ASCII and coded by sound.

Splitting a name into tokens is done by the linkage adapter in SQL (lower-case, every run of
characters that are not letters or marks is a break); each distinct token then passes through
``fold`` and ``sound`` here once, however many names share it. Folding transliterates any
script to Latin with ICU (through rigour, OpenSanctions' name library): "Щербаков" and
"Ščerbakov" both become "shcherbakov"/"scerbakov"; the metaphone code then joins spellings of
one sound: Mohammed / Muhammad / Mohamed -> MHMT, Youssef / Yusuf -> YSF.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from rigour.text.phonetics import metaphone
from rigour.text.translit import ascii_text

__all__ = ["TOKEN_BREAK", "fold", "sound", "tokens"]

# Runs of anything but letters and combining marks separate tokens (the SQL side's RE2 class;
# ``tokens`` is the same rule in Python).
TOKEN_BREAK = r"[^\p{L}\p{M}]+"
_NOT_LETTER = re.compile(r"[^a-z]")


@functools.lru_cache(maxsize=1 << 20)
def fold(token: str) -> str:
    """The token in lower-case ASCII letters only ("" when nothing is left)."""
    return _NOT_LETTER.sub("", ascii_text(token).lower())


@functools.lru_cache(maxsize=1 << 20)
def sound(folded: str) -> str:
    """The metaphone code of a folded token (the token itself when metaphone gives nothing)."""
    return metaphone(folded) or folded.upper()


def tokens(name: str) -> list[str]:
    """The raw tokens of a name as the SQL side splits them: lower-cased, broken at every run
    of characters that are neither letters nor combining marks (``TOKEN_BREAK``)."""
    found, current = [], []
    for ch in name.lower():
        if unicodedata.category(ch)[0] in "LM":
            current.append(ch)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found
