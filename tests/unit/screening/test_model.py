from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.screening.model import PartialDate


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)), st.integers(0, 2))
def test_a_partial_date_prints_and_parses_back(day: date, cut: int) -> None:
    full = PartialDate.of(day)
    partial = [PartialDate(day.year), PartialDate(day.year, day.month), full][cut]
    assert PartialDate.parse(str(partial)) == partial
    assert partial.complete is (cut == 2)


@pytest.mark.parametrize("text", ["84", "1984-3", "1984-13", "1984-02-30", "1984/03/12", ""])
def test_a_malformed_partial_date_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        PartialDate.parse(text)


@given(st.text(max_size=12))
def test_parsing_any_text_either_works_or_says_why(text: str) -> None:
    message = ""
    try:
        PartialDate.parse(text)
    except ValueError as exc:
        message = str(exc)
        assert message
