"""Turning one cell into a code, a whole number, a flag or a text — or saying why not.

Codes stay text: ``00123`` stays ``00123``. A number in a code column (Excel stored the code as
a number) becomes its integer form without ``.0``; the reader has already replaced numbers
shown in a text (``@``) or zero-padded (``00000``) format by the text Excel shows.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.domain.items import MAX_COUNT, clean_code  # MAX_COUNT: the one bound of every count

MAX_EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number
MAX_CODE_CHARS = 255  # item codes, JANs and channel item ids: longer ones are not codes


class CellError:
    """An Excel error value such as ``#N/A`` or ``#REF!``."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class MissingResult:
    """A formula whose result was never saved (the file was not saved by Excel)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<formula>"


MISSING_RESULT = MissingResult()


class CellProblem(BadInput):
    """The reason a cell cannot be used; the caller adds file, row and column."""


_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_EXCEL_TEXT = re.compile(r'^="(.*)"$')  # ="00123": a trick to keep zeros through Excel
_INTEGER = re.compile(r"^[+-]?\d+$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
_WHOLE_DECIMAL = re.compile(r"^([+-]?\d+)\.0*$")
_DATE_LIKE = re.compile(r"^\d{1,4}[/\-年]\d{1,2}([/\-月]\d{1,4}日?)?$|^\d{4}\.\d{1,2}\.\d{1,2}$"
                        r"|^\d{1,2}:\d{2}(:\d{2})?$")
_BLANK_WORDS = frozenset({"none", "なし", "無し", "-", "－"})


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _refuse_special(value: Any) -> None:
    """Refuse what no column accepts: Excel errors, formulas without a result."""
    if isinstance(value, CellError):
        raise CellProblem(QT_TRANSLATE_NOOP("Errors", "the cell holds the Excel error {error}."),
                          error=value.text)
    if isinstance(value, MissingResult):
        raise CellProblem(QT_TRANSLATE_NOOP(
            "Errors", "the cell holds a formula whose result was never saved; open the file in "
            "Excel, save it, and import again (or paste the values)."))


def _refuse_date(value: Any, template: str) -> None:
    if isinstance(value, datetime | date | time | timedelta):
        shown = value.isoformat() if not isinstance(value, timedelta) else str(value)
        raise CellProblem(template, value=shown)


_CAREFUL_CODE = re.compile(r"[\x00-\x1f\x7f]|^=|^[+-]?\d+(\.\d+)?[eE]")


def code_text(value: Any) -> str:
    """The item code in *value* (text, never a number); refuses what cannot be a code."""
    if type(value) is str:  # the common case, kept fast for 100,000-row files
        text = value.strip()
        if (text and text.isascii() and len(text) <= MAX_CODE_CHARS
                and _CAREFUL_CODE.search(text) is None):
            return text  # else clean_code below: NFKC (００１２３ is 00123), control characters
    _refuse_special(value)
    _refuse_date(value, QT_TRANSLATE_NOOP(
        "Errors", "the code cell holds a date ({value}); Excel may have turned the code into a "
        "date: format the column as text."))
    if isinstance(value, bool):
        raise CellProblem(QT_TRANSLATE_NOOP("Errors", "the code cell holds TRUE or FALSE."))
    if isinstance(value, int):
        text = str(value)
        if len(text.lstrip("-")) > MAX_EXACT_DIGITS:
            raise _lost_digits(text)
        return text
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return clean_code(repr(value))
        text = str(int(value))
        if len(text.lstrip("-")) > MAX_EXACT_DIGITS:
            raise _lost_digits(repr(value))
        return text
    text = str(value)
    match = _EXCEL_TEXT.match(text.strip())
    if match:
        text = match.group(1)
    if _SCIENTIFIC.match(text.strip()):
        raise _lost_digits(text.strip())
    code = clean_code(text)
    if len(code) > MAX_CODE_CHARS:
        raise CellProblem(QT_TRANSLATE_NOOP(
            "Errors", "the code is {length} characters long; a code has at most {max}."),
            length=len(code), max=MAX_CODE_CHARS)
    return code


def _lost_digits(text: str) -> CellProblem:
    return CellProblem(QT_TRANSLATE_NOOP(
        "Errors", "the code {value} was stored as a number and Excel has dropped digits; "
        "format the column as text and enter the codes again."), value=text)


def whole_number(value: Any) -> int | None:
    """A whole number (negative allowed; the caller decides), or None for an empty cell."""
    kind = type(value)
    if kind is int and -MAX_COUNT <= value <= MAX_COUNT:  # the common cases, kept fast
        return value  # type: ignore[no-any-return]
    if kind is str and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    if is_blank(value):
        return None
    _refuse_special(value)
    _refuse_date(value, QT_TRANSLATE_NOOP(
        "Errors", "the cell holds a date or time ({value}), not a number; format the column "
        "as a number."))
    if isinstance(value, bool):
        raise CellProblem(QT_TRANSLATE_NOOP("Errors", "TRUE or FALSE is not a number."))
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise CellProblem(QT_TRANSLATE_NOOP("Errors", "{value} is not a whole number."),
                              value=repr(value))
        if abs(value) > MAX_COUNT:
            raise _too_large(repr(value))
        number = int(value)
    else:
        number = _parse_integer(str(value))
    if abs(number) > MAX_COUNT:
        raise _too_large(str(number))
    return number


def _too_large(text: str) -> CellProblem:
    return CellProblem(QT_TRANSLATE_NOOP("Errors", "{value} is too large (at most {max})."),
                       value=text, max=MAX_COUNT)


def _parse_integer(raw: str) -> int:
    text = unicodedata.normalize("NFKC", raw).strip().replace("−", "-").replace(" ", "")
    if _GROUPED.match(text):
        text = text.replace(",", "")
    decimal = _WHOLE_DECIMAL.match(text)
    if decimal:
        text = decimal.group(1)
    if _INTEGER.match(text):
        return int(text)
    if _DATE_LIKE.match(text):
        raise CellProblem(QT_TRANSLATE_NOOP(
            "Errors", "{value!r} is a date or time, not a number."), value=raw.strip())
    raise CellProblem(QT_TRANSLATE_NOOP("Errors", "{value!r} is not a whole number."),
                      value=raw.strip())


def count(value: Any) -> int | None:
    """A whole number 0 or more, or None for an empty cell."""
    number = whole_number(value)
    if number is not None and number < 0:
        raise CellProblem(QT_TRANSLATE_NOOP("Errors", "{value} is negative; it must be 0 or "
                                            "more."), value=number)
    return number


def optional_count(value: Any) -> tuple[bool, int | None]:
    """``(given, value)``: an empty cell is not given; ``none``/``なし`` clears (None)."""
    if is_blank(value):
        return False, None
    if isinstance(value, str) and value.strip().lower() in _BLANK_WORDS:
        return True, None
    return True, count(value)


_TRUE = frozenset({"1", "true", "yes", "y", "on", "はい", "○", "〇", "◯", "有", "あり",
                   "無制限", "unlimited"})
_FALSE = frozenset({"0", "false", "no", "n", "off", "いいえ", "×", "✕", "無", "なし"})


def flag(value: Any) -> bool | None:
    """Yes/no (1/0, true/false, はい/いいえ, ○/×…), or None for an empty cell."""
    if is_blank(value):
        return None
    _refuse_special(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem(QT_TRANSLATE_NOOP("Errors", "{value!r} is not yes or no (1/0, ○/×)."),
                      value=str(value).strip())


def text(value: Any) -> str | None:
    """A name or other free text, or None for an empty cell; numbers in their plain form."""
    if is_blank(value):
        return None
    _refuse_special(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def is_clear_word(value: Any) -> bool:
    """``none`` / ``なし`` / ``-``: the user asks to clear a value."""
    return isinstance(value, str) and value.strip().lower() in _BLANK_WORDS
