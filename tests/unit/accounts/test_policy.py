"""What a password must be: NIST SP 800-63B's blocklist and context checks, no composition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.accounts.errors import InvalidAccount
from liaison.accounts.policy import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password,
    common_passwords,
)


def test_the_shipped_list_is_large_and_lower_cased() -> None:
    common = common_passwords()
    assert len(common) > 40_000
    assert all(word == word.lower() for word in common)
    assert {"password", "123456", "iloveyou", "password1234"} <= common


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password1234", "common and breached"),  # the example, on the list itself
        ("PASSWORD1234", "common and breached"),  # compared without case
        ("monkey123456", "common and breached"),  # a listed word with digits added
        ("!!iloveyou!!", "common and breached"),  # and with symbols around it
        ("1234sunshine", "common and breached"),
        ("xxxxxxxxxxxx", "repetition or a sequence"),
        ("abcabcabcabc", "repetition or a sequence"),
        ("dragondragon", "repetition or a sequence"),
        ("abcdefghijklm", "repetition or a sequence"),
        ("987654321098", "repetition or a sequence"),
        ("short", f"at least {MIN_PASSWORD_LENGTH}"),
        ("y" * (MAX_PASSWORD_LENGTH + 1), f"at most {MAX_PASSWORD_LENGTH}"),
        ("the-liaison-password", "service's name"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, why: str) -> None:
    with pytest.raises(InvalidAccount, match=why) as refused:
        check_password(password, username="someone")
    assert str(refused.value).startswith("password:")
    assert password not in str(refused.value)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "quiet-lake-7",  # twelve characters, nothing required of their kinds
        "tr0ub4dor&3xyz",
        "Ünïcödé pässwörd ok",
        "dragon-fly-2024",  # a listed word inside a longer phrase is not the listed word
        "qqXTgbKhfl4Mp9Xp",  # a generated one (fixed: xdist workers must collect the same ids)
    ],
)
def test_good_passwords_need_no_digit_symbol_or_capital(password: str) -> None:
    check_password(password, username="someone")


def test_the_username_or_a_password_containing_it_is_refused() -> None:
    with pytest.raises(InvalidAccount, match="username"):
        check_password("jane.doe.1984", username="jane.doe.1984")
    with pytest.raises(InvalidAccount, match="username"):
        check_password("hello-JANE.DOE-here", username="jane.doe")


@given(
    username=st.from_regex(r"[a-z][a-z0-9._-]{2,20}", fullmatch=True),
    before=st.text(max_size=10),
    after=st.text(max_size=10),
    upper=st.booleans(),
)
def test_any_password_containing_the_username_is_refused(
    username: str, before: str, after: str, upper: bool
) -> None:
    password = before + (username.upper() if upper else username) + after
    with pytest.raises(InvalidAccount, match="password"):
        check_password(password, username=username)
