"""What usernames, agencies' ORIs and passwords must be.

Passwords follow NIST SP 800-63B (5.1.1.2), which the CJIS Security Policy (5.6.2.1.1) adopts:
length, and a check against passwords attackers try first, with no composition rules (no
required digit, symbol or capital, which push people to ``Password1!``). A password is
refused when it is

- shorter than 12 characters, or longer than 1,024 (hashing a megabyte is a cheap denial of
  service);
- on the list of common and breached passwords shipped with Liaison (``tables/``: 40,101 of
  them, compared lower-cased), or one of them with digits or symbols put before or after it
  (``monkey123456``, ``!!iloveyou!!``);
- a short or common unit repeated (``xxxxxxxxxxxx``, ``abcabcabcabc``, ``dragondragon``), or a
  sequence (``abcdefghijkl``, ``987654321098``);
- the username, or contains it, or the name of the service, compared case-insensitively.
"""

from __future__ import annotations

import gzip
import itertools
import re
from functools import cache
from importlib import resources

from liaison.accounts.errors import InvalidAccount

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "ORI",
    "USERNAME",
    "check_ori",
    "check_password",
    "check_username",
    "common_passwords",
]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,63}")
ORI = re.compile(r"[A-Z]{2}[A-Z0-9]{7}")
SERVICE_NAMES = ("liaison",)  # context-specific words 800-63B names beside the username
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")  # digits and symbols around a word
_SHORTEST_PADDED_WORD = 4  # "abc" + nine digits is a digit string, judged as one


def check_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise InvalidAccount(
            f"username: {username[:80]!r} must be 3 to 64 characters: a lower-case letter, then "
            "lower-case letters, digits, '.', '_' or '-'"
        )


def check_ori(ori: str, field: str = "ori") -> None:
    if not ORI.fullmatch(ori):
        raise InvalidAccount(
            f"{field}: {ori[:80]!r} is not an ORI (9 characters: a 2-letter state code, then 7 "
            "letters or digits)"
        )


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords, lower-cased (read once)."""
    source = resources.files("liaison.accounts") / "tables" / "common-passwords.txt.gz"
    text = gzip.decompress(source.read_bytes()).decode("utf-8")
    return frozenset(line for line in text.split("\n") if line)


def check_password(password: str, *, username: str) -> None:
    """Refuse a password that is too short or long, common, trivial or names its owner; the
    message says which, and never repeats the password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccount(f"password: at least {MIN_PASSWORD_LENGTH} characters are needed")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidAccount(f"password: at most {MAX_PASSWORD_LENGTH} characters are allowed")
    folded = password.casefold()
    name = username.casefold()
    if name and name in folded:
        raise InvalidAccount("password: it must not be or contain the username")
    for word in SERVICE_NAMES:
        if word in folded:
            raise InvalidAccount(f"password: it must not contain the service's name ({word!r})")
    common = common_passwords()
    word = _PADDING.sub("", folded)
    if folded in common or (len(word) >= _SHORTEST_PADDED_WORD and word in common):
        raise InvalidAccount(
            "password: it is on the list of common and breached passwords, or is one of them "
            "with digits or symbols added: choose another (a few unrelated words make a good one)"
        )
    if _trivial(folded, common):
        raise InvalidAccount(
            "password: it is a repetition or a sequence of characters: choose another (a few "
            "unrelated words make a good one)"
        )


def _trivial(text: str, common: frozenset[str]) -> bool:
    """Whether ``text`` repeats a short or common unit, or is a run of consecutive
    characters."""
    for size in range(1, len(text) // 2 + 1):
        unit = text[:size]
        if len(text) % size == 0 and unit * (len(text) // size) == text:
            return size <= 4 or unit in common or _sequence(unit, 1) or _sequence(unit, -1)
    return _sequence(text, 1) or _sequence(text, -1)


def _sequence(text: str, step: int) -> bool:
    """Each character ``step`` after the one before (digits wrap round: ...8901...)."""
    for a, b in itertools.pairwise(text):
        if a.isdigit() and b.isdigit():
            if (int(a) + step) % 10 != int(b):
                return False
        elif ord(b) - ord(a) != step:
            return False
    return True
