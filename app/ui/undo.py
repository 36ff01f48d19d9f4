"""Undoable edits of the window (Ctrl+Z / Ctrl+Y), each calling the Shop's use cases.

The ledger is append-only: undoing a stock edit appends the reverse movement, and redoing it
undoes that reverse again, so the ledger tells the whole story. Master-data edits (reserved,
reorder point…) remember the old value of every item they changed.

A command that the Shop refuses (another change made it impossible, for example orders sold
the units back below zero) reports the error and is dropped from the stack.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoCommand

from app.domain.errors import RendoError
from app.services.shop import Shop


class CommandErrors(QObject):
    """Where commands report a refusal; the window shows it."""

    refused = Signal(object)  # RendoError


class ShopCommand(QUndoCommand):
    def __init__(self, shop: Shop, errors: CommandErrors, text: str) -> None:
        super().__init__(text)
        self.shop = shop
        self.errors = errors
        self.done = False

    def _attempt(self, step: Callable[[], None]) -> None:
        try:
            step()
        except RendoError as error:
            self.setObsolete(True)  # the stack deletes it; the ledger was not changed
            self.errors.refused.emit(error)


class MovementCommand(ShopCommand):
    """Base of the stock commands: the last movement made is the one the next step undoes."""

    def __init__(self, shop: Shop, errors: CommandErrors, text: str) -> None:
        super().__init__(shop, errors, text)
        self.last_movement: int | None = None

    def _first(self) -> int | None:
        """The first movement of this command (every stock command defines it)."""
        return None

    def redo(self) -> None:
        self._attempt(self._step)

    def undo(self) -> None:
        self._attempt(self._step)

    def _step(self) -> None:
        if self.last_movement is None and not self.done:
            self.last_movement = self._first()
            self.done = True
        elif self.last_movement is not None:
            self.last_movement = self.shop.undo(self.last_movement)


class AdjustCommand(MovementCommand):
    """On hand set to a count, with a reason (adjust, stocktake, receive, damage, return)."""

    def __init__(
        self, shop: Shop, errors: CommandErrors, code: str, count: int, reason: str,
        note: str = "",
    ) -> None:
        text = QCoreApplication.translate("UndoCommands", "Set on hand of {code} to {count}")
        super().__init__(shop, errors, text.format(code=code, count=count))
        self.code, self.count, self.reason, self.note = code, count, reason, note

    def _first(self) -> int | None:
        return self.shop.set_on_hand(self.code, self.count, self.reason, self.note)


class UndoMovementCommand(MovementCommand):
    """Undo one movement chosen in the item's history."""

    def __init__(self, shop: Shop, errors: CommandErrors, movement_id: int, code: str) -> None:
        text = QCoreApplication.translate("UndoCommands", "Undo movement {id} of {code}")
        super().__init__(shop, errors, text.format(id=movement_id, code=code))
        self.movement_id = movement_id

    def _first(self) -> int | None:
        return self.shop.undo(self.movement_id)


def _grouped(old: dict[str, Hashable]) -> dict[Hashable, list[str]]:
    groups: dict[Hashable, list[str]] = defaultdict(list)
    for code, value in old.items():
        groups[value].append(code)
    return groups


class FieldCommand(ShopCommand):
    """One master-data field (reserved, reorder point, backorder allowance, unlimited) set
    on many items at once."""

    def __init__(
        self, shop: Shop, errors: CommandErrors, codes: Sequence[str], field: str,
        value: object, text: str,
    ) -> None:
        super().__init__(shop, errors, text)
        items = shop.book.items
        self.codes, self.field, self.value = list(codes), field, value
        self.old: dict[str, Hashable] = {c: getattr(items[c], field) for c in self.codes}

    def redo(self) -> None:
        self._attempt(lambda: self.shop.set_item_field(self.codes, self.field, self.value))

    def undo(self) -> None:
        def restore() -> None:
            for value, codes in _grouped(self.old).items():
                self.shop.set_item_field(codes, self.field, value)

        self._attempt(restore)
