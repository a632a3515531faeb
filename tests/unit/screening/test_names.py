from __future__ import annotations

from datetime import date

import pytest

from liaison.screening.keys import name_codes, subject_keys
from liaison.screening.names import fold, sound, tokens


@pytest.mark.parametrize(
    ("token", "folded"),
    [("Hernández", "hernandez"), ("Щербаков", "shcherbakov"), ("Nguyễn", "nguyen"), ("--", "")],
)
def test_tokens_fold_to_lower_case_ascii_letters(token: str, folded: str) -> None:
    assert fold(token) == folded


@pytest.mark.parametrize("group", [("Mohammed", "Muhammad", "Mohamed"), ("Youssef", "Yusuf")])
def test_spellings_of_one_sound_share_a_code(group: tuple[str, ...]) -> None:
    assert len({sound(fold(n)) for n in group}) == 1


def test_names_split_on_anything_but_letters() -> None:
    assert tokens("Al-Harbi, Mohammed  2nd") == ["al", "harbi", "mohammed", "nd"]
    assert name_codes("Al-Harbi") == [sound("al"), sound("harbi")]


def test_keys_need_every_column_of_a_rule() -> None:
    keys = subject_keys(["Mohammed Al-Harbi"], None, [])
    assert keys == ["names, no date:HRB|MHMT"]  # without a date only the no-date rule applies
    dated = subject_keys(["Mohammed Al-Harbi"], date(1984, 3, 12), ["a-12 3"])
    assert "names+year:HRB|MHMT|1984" in dated
    assert "document:A123" in dated
