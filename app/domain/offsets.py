"""Display offsets (表示在庫設定): +N, -N or a fixed N on a channel's share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .errors import QT_TRANSLATE_NOOP, BadInput
from .items import check_bound, count_from_digits


class OffsetKind(StrEnum):
    ADD = "add"
    SUBTRACT = "subtract"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class DisplayOffset:
    kind: OffsetKind
    amount: int

    def apply(self, share: int) -> int:
        """The number a channel shows for *share* (DESIGN.md, pipeline step 5)."""
        if self.kind is OffsetKind.ADD:
            return share + self.amount
        if self.kind is OffsetKind.SUBTRACT:
            return max(0, share - self.amount)
        return min(self.amount, share)

    def __str__(self) -> str:
        if self.kind is OffsetKind.ADD:
            return f"+{self.amount}"
        if self.kind is OffsetKind.SUBTRACT:
            return f"-{self.amount}"
        return str(self.amount)


def normalise_signs(text: str) -> str:
    """Plain + and - for the signs a Japanese IME or a word processor types."""
    return text.translate(_SIGNS)


_SIGNS = str.maketrans({"−": "-", "－": "-", "‐": "-", "–": "-", "＋": "+", "＝": "="})
_OFFSET = re.compile(r"^\s*([+\-]?)\s*(\d+)\s*$")


def check_offset(offset: DisplayOffset | None, where: str) -> DisplayOffset | None:
    """Refuse an offset whose amount is negative or beyond MAX_COUNT; *where* names the item."""
    if offset is not None:
        if offset.amount < 0:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "{where}: a display offset cannot have "
                                             "a negative amount ({value})."),
                           where=where, value=offset.amount)
        check_bound(offset.amount, where)
    return offset


def parse_offset(text: str) -> DisplayOffset | None:
    """Parse ``+N``, ``-N``, ``N`` or ``none`` (returns None). Anything else is refused.

    N is at most MAX_COUNT."""
    if text.strip().lower() in ("none", ""):
        return None
    match = _OFFSET.match(normalise_signs(text))
    if not match:
        raise BadInput(
            QT_TRANSLATE_NOOP(
                "Errors", "Display offset {text!r} is not +N, -N, a fixed N or none."
            ),
            text=text,
        )
    sign, digits = match.groups()
    kind = {"+": OffsetKind.ADD, "-": OffsetKind.SUBTRACT, "": OffsetKind.FIXED}[sign]
    return DisplayOffset(kind, count_from_digits(digits, text.strip()))
