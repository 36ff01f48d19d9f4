"""Items (商品): singles with shelf stock, sets made of components, unlimited items."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import QT_TRANSLATE_NOOP, BadInput

MAX_COUNT = 999_999_999
"""The largest count Rendo keeps, everywhere: on hand (±), reserved, backorder allowance,
reorder point, offsets, channel maximum and unlimited number, set component quantities,
pattern thresholds and fixed shares, order quantities. Larger numbers are typos (a JAN
pasted into a count) or hostile, and would overflow the database's 64-bit integers."""

MAX_ID = 2**63 - 1  # the largest row id the database can hold

_COUNT_DIGITS = len(str(MAX_COUNT))


class ItemKind(StrEnum):
    SINGLE = "single"
    SET = "set"


@dataclass(slots=True)
class Item:
    """Master data of one item. The code is text: ``00123`` and ``123`` are different items."""

    code: str
    name: str = ""
    kind: ItemKind = ItemKind.SINGLE
    jan: str | None = None
    variant: dict[str, str] = field(default_factory=dict)
    unlimited: bool = False
    reserved: int = 0
    backorder_allowance: int = 0
    reorder_point: int | None = None
    pattern: str | None = None

    @property
    def is_set(self) -> bool:
        return self.kind is ItemKind.SET


# Bidirectional overrides, embeddings, isolates and marks: they make text show in another
# order than it is stored (a code or name that reads as something it is not).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                  "\u2066\u2067\u2068\u2069")


def has_control(text: str) -> bool:
    """True if *text* holds a control character (C0, DEL, C1) or a bidi control."""
    return any(ord(ch) < 32 or 127 <= ord(ch) < 160 or ch in _BIDI for ch in text)


def normalise_code(code: str) -> str:
    """*code* as Rendo keeps it: NFKC (full-width ``００１２３`` is ``00123``), no blanks
    around. Leading zeros and letter case stay: they are part of the code."""
    if code.isascii():
        return code.strip()
    return unicodedata.normalize("NFKC", code).strip()


def clean_code(code: str) -> str:
    """Return *code* normalised (``normalise_code``); refuse empty codes and control characters.

    Nothing else is touched: leading zeros and letter case are part of the code.
    """
    cleaned = normalise_code(code)
    if not cleaned:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "The item code is empty."))
    if has_control(cleaned):
        raise BadInput(
            QT_TRANSLATE_NOOP("Errors", "The item code {code!r} contains a control character."),
            code=cleaned,
        )
    return cleaned


def clean_name(name: str, what: str = "item") -> str:
    """Return *name* without surrounding blanks; refuse control characters and bidi controls
    (a newline would break ``rendo stock``'s lines, an escape sequence the terminal).

    *what* is ``item`` or ``channel``: the message says which name is refused.
    """
    cleaned = name.strip()
    if has_control(cleaned):
        template = (
            QT_TRANSLATE_NOOP("Errors", "The channel name {name!r} contains a control "
                              "character.") if what == "channel" else
            QT_TRANSLATE_NOOP("Errors", "The item name {name!r} contains a control character.")
        )
        raise BadInput(template, name=cleaned)
    return cleaned


def too_large(where: str, value: int | str) -> BadInput:
    """The error for a number beyond ±MAX_COUNT; *where* names the item, channel or rule."""
    return BadInput(
        QT_TRANSLATE_NOOP("Errors", "{where}: {value} is too large; Rendo keeps counts of at "
                          "most {max}."),
        where=where, value=value, max=MAX_COUNT,
    )


def is_count(value: object) -> bool:
    """A whole number within the one bound every count in Rendo keeps (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and (
        -MAX_COUNT <= value <= MAX_COUNT)


def check_bound(value: int, where: str) -> int:
    """Refuse a number beyond ±MAX_COUNT (see ``MAX_COUNT``); returns *value*."""
    if not -MAX_COUNT <= value <= MAX_COUNT:
        raise too_large(where, value)
    return value


def count_from_digits(digits: str, where: str) -> int:
    """The number written with *digits*, refused when beyond MAX_COUNT before converting
    (a 5,000-digit number would otherwise cost time and fail in ``int``)."""
    stripped = digits.lstrip("0") or "0"
    if len(stripped) > _COUNT_DIGITS:
        shown = stripped if len(stripped) <= 30 else f"{stripped[:12]}…({len(stripped)} digits)"
        raise too_large(where, shown)
    return check_bound(int(stripped), where)


def check_count(value: int, template: str, code: str) -> int:
    """Refuse a negative count for a quantity that cannot go below zero (reserved, allowance…)
    and a count above MAX_COUNT.

    *template* is the message for a negative count, with ``{code}`` and ``{value}``, marked
    for translation.
    """
    if value < 0:
        raise BadInput(template, code=code, value=value)
    return check_bound(value, code)
