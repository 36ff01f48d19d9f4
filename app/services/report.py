"""What the stock looks like: the rows of ``rendo stock --json`` and the ledger check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee as pw

from app.store.models import ItemRow, MovementRow
from app.store.rows import tuples

from .shop import Shop


def stock_rows(shop: Shop) -> list[dict[str, Any]]:
    """One object per item; the format is a contract read by scripts (README)."""
    book = shop.book
    rows: list[dict[str, Any]] = []
    for code in sorted(book.items):
        item = book.items[code]
        stock = book.stock[code]
        rows.append({
            "code": code,
            "kind": item.kind.value,
            "on_hand": None if item.is_set else book.on_hand.get(code, 0),
            "reserved": item.reserved,
            "sellable": stock.sellable,
            "limited_by": stock.limited_by,
            "channels": dict(stock.channels),
        })
    return rows


@dataclass(frozen=True, slots=True)
class LedgerMismatch:
    code: str
    cached: int
    ledger: int


def check_ledger() -> list[LedgerMismatch]:
    """Items whose cached on hand differs from the sum of their movements."""
    sums: dict[int, int | None] = dict(tuples(
        MovementRow.select(MovementRow.item, pw.fn.SUM(MovementRow.delta))
        .group_by(MovementRow.item)
    ))
    found = []
    for item_id, code, on_hand in ItemRow.select(
        ItemRow.id, ItemRow.code, ItemRow.on_hand
    ).tuples().iterator():
        ledger = int(sums.get(item_id) or 0)
        if ledger != on_hand:
            found.append(LedgerMismatch(code, on_hand, ledger))
    return found


def movement_outcome(movement_id: int) -> tuple[str, int, int]:
    """The item code, the delta and the item's on hand now, of movement *movement_id*.

    What a command that wrote the movement tells the user it changed.
    """
    movement = (MovementRow.select(MovementRow, ItemRow).join(ItemRow)
                .where(MovementRow.id == movement_id).get())
    return movement.item.code, movement.delta, movement.item.on_hand
