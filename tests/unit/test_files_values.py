"""Cells into codes and counts: codes stay text, counts are whole numbers, and every refusal
says why."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from app.domain.errors import BadInput
from app.files import values
from app.files.values import MISSING_RESULT, CellError


@pytest.mark.parametrize(("cell", "code"), [
    ("00123", "00123"),
    ("  00123 ", "00123"),
    (123, "123"),
    (123.0, "123"),
    (4901234567894, "4901234567894"),
    ('="00123"', "00123"),
    ("ＡＢＣ-01", "ABC-01"),  # full-width is folded (NFKC), as everywhere codes are typed
    ("００１２３", "00123"),
    ("abc", "abc"),
])
def test_codes_stay_text(cell, code):
    assert values.code_text(cell) == code


@pytest.mark.parametrize("cell", [
    "4.90123E+12", 1.2345678901234568e19, 12345678901234567890, datetime(2024, 3, 1), True,
    CellError("#N/A"), MISSING_RESULT, "   ",
])
def test_cells_that_cannot_be_codes_are_refused(cell):
    with pytest.raises(BadInput):
        values.code_text(cell)


@pytest.mark.parametrize(("cell", "number"), [
    (12, 12), (12.0, 12), ("12", 12), (" 12 ", 12), ("１２", 12), ("1,200", 1200),
    ("12.0", 12), ("-3", -3), ("−3", -3), ("+4", 4), (None, None), ("", None), ("  ", None),
    (999_999_999, 999_999_999),
])
def test_whole_numbers(cell, number):
    assert values.whole_number(cell) == number


@pytest.mark.parametrize(("cell", "reason"), [
    ("abc", "is not a whole number"),
    (2.5, "is not a whole number"),
    ("2.5", "is not a whole number"),
    ("1,20", "is not a whole number"),
    (1e20, "too large"),
    ("99999999999999999999", "too large"),
    (datetime(2024, 3, 1), "date"),
    (date(2024, 3, 1), "date"),
    (time(12, 30), "date or time"),
    ("2024/03/01", "date"),
    ("3月1日", "not a whole number"),
    (True, "TRUE or FALSE"),
    (CellError("#REF!"), "#REF!"),
    (MISSING_RESULT, "never saved"),
    (float("nan"), "not a whole number"),
])
def test_what_is_not_a_count_says_why(cell, reason):
    with pytest.raises(BadInput) as caught:
        values.whole_number(cell)
    assert reason in str(caught.value)


def test_count_refuses_negative():
    with pytest.raises(BadInput, match="negative"):
        values.count("-1")
    assert values.count("0") == 0


@pytest.mark.parametrize(("cell", "flag"), [
    ("1", True), ("0", False), (1, True), (0, False), (True, True), ("はい", True),
    ("○", True), ("×", False), ("Yes", True), ("no", False), ("無制限", True), ("", None),
])
def test_flags(cell, flag):
    assert values.flag(cell) is flag


def test_optional_count_can_clear():
    assert values.optional_count("なし") == (True, None)
    assert values.optional_count("") == (False, None)
    assert values.optional_count("5") == (True, 5)
