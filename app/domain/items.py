"""Items (商品): singles with shelf stock, sets made of components, unlimited items."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import QT_TRANSLATE_NOOP, BadInput


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


def clean_code(code: str) -> str:
    """Return *code* without surrounding blanks; refuse empty codes and control characters.

    Nothing else is touched: leading zeros and letter case are part of the code.
    """
    cleaned = code.strip()
    if not cleaned:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "The item code is empty."))
    if any(ord(ch) < 32 for ch in cleaned):
        raise BadInput(
            QT_TRANSLATE_NOOP("Errors", "The item code {code!r} contains a control character."),
            code=cleaned,
        )
    return cleaned


def check_count(value: int, template: str, code: str) -> int:
    """Refuse a negative count for a quantity that cannot go below zero (reserved, allowance…).

    *template* is the message, with ``{code}`` and ``{value}``, marked for translation.
    """
    if value < 0:
        raise BadInput(template, code=code, value=value)
    return value
