"""Undoing a stock import: the reverse of its movements, all or none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import QT_TRANSLATE_N_NOOP, QT_TRANSLATE_NOOP, BadInput
from app.domain.items import MAX_COUNT
from app.files.common import (
    CancelCheck,
    OperationCancelled,
    Problem,
    Progress,
    never_cancelled,
    no_progress,
)
from app.store.locks import lock_all_items
from app.store.models import ItemRow, MovementRow
from app.store.rows import tuples

from ..shop import Shop
from ..stock_cache import run_again_on_conflict
from .options import UNDO_REASON, ImportRefused


@dataclass(frozen=True, slots=True)
class ImportBatch:
    batch: str
    created_at: datetime
    movements: int
    items: int
    file: str
    undone: bool


def recent_imports(limit: int = 20) -> list[ImportBatch]:
    """The latest stock imports, newest first, and whether each has been undone."""
    import peewee as pw

    rows = (MovementRow.select(MovementRow.batch, pw.fn.MIN(MovementRow.created_at),
                               pw.fn.COUNT(MovementRow.id),
                               pw.fn.COUNT(pw.fn.DISTINCT(MovementRow.item)),
                               pw.fn.MIN(MovementRow.reference))
            .where(MovementRow.batch.startswith("import-"))
            .group_by(MovementRow.batch)
            .order_by(pw.fn.MIN(MovementRow.id).desc()).limit(limit))
    found = []
    for batch, created, movements, items, reference in tuples(rows):
        undone = MovementRow.select().where(MovementRow.batch == _undo_batch(batch)).exists()
        created_at = created if isinstance(created, datetime) else datetime.fromisoformat(
            str(created))
        found.append(ImportBatch(batch, created_at, movements, items,
                                 str(reference).rsplit(":", 1)[0], undone))
    return found


def _undo_batch(batch: str) -> str:
    return f"undo-{batch}"


@dataclass
class UndoResult:
    batch: str
    undo_batch: str
    movements: int
    touched: list[str]


def undo_import(shop: Shop, batch: str, cancelled: CancelCheck = never_cancelled,
                progress: Progress = no_progress) -> UndoResult:
    """Append the reverse of every movement of import *batch* (reason "undo"), all or none.

    Items the import created stay (with nothing on hand). Refused when the import was undone
    already, or when an item has sold so much since that the reverse would go below 0.
    """
    batch = batch.strip()
    return run_again_on_conflict(shop, lambda: _undo_import(shop, batch, cancelled, progress))


def _undo_import(shop: Shop, batch: str, cancelled: CancelCheck,
                 progress: Progress) -> UndoResult:
    with shop.lock:
        with shop.ledger_transaction():
            lock_all_items()  # two PCs undoing it at once: the second finds it undone
            in_batch = MovementRow.select(MovementRow.id).where(MovementRow.batch == batch)
            moves = list(tuples(MovementRow.select(MovementRow.id, MovementRow.item,
                                                   MovementRow.delta)
                                .where(MovementRow.batch == batch)))
            if not moves or batch.startswith("undo-"):
                raise BadInput(QT_TRANSLATE_NOOP("Errors", "There is no import {batch}."),
                               batch=batch)
            # movements undone one by one since (rendo undo ID) are not reversed twice
            undone = {i for (i,) in tuples(MovementRow.select(MovementRow.undoes).where(
                MovementRow.undoes.in_(in_batch)))}
            moves = [m for m in moves if m[0] not in undone]
            if not moves:
                raise BadInput(QT_TRANSLATE_NOOP("Errors", "Import {batch} has already been "
                                                 "undone."), batch=batch)
            if MovementRow.select().where(MovementRow.batch == _undo_batch(batch)).exists():
                raise BadInput(QT_TRANSLATE_NOOP("Errors", "Import {batch} has already been "
                                                 "undone."), batch=batch)
            net: dict[int, int] = {}
            for _, item_id, delta in moves:
                net[item_id] = net.get(item_id, 0) + delta
            items = {i: (code, on_hand) for i, code, on_hand in tuples(ItemRow.select(
                ItemRow.id, ItemRow.code, ItemRow.on_hand).where(
                ItemRow.id.in_(list(net))))}
            problems = [
                Problem(batch, None, None, QT_TRANSLATE_NOOP(
                    "Errors", "{code}: undoing would leave {after} on hand (now {on_hand}); "
                    "adjust it by hand instead."),
                    {"code": items[i][0], "after": items[i][1] - d, "on_hand": items[i][1]})
                for i, d in net.items() if items[i][1] - d < 0
            ] + [
                Problem(batch, None, None, QT_TRANSLATE_NOOP(
                    "Errors", "{code}: undoing would leave {after} on hand (now {on_hand}), "
                    "more than {max}; adjust it by hand instead."),
                    {"code": items[i][0], "after": items[i][1] - d, "on_hand": items[i][1],
                     "max": MAX_COUNT})
                for i, d in net.items() if items[i][1] - d > MAX_COUNT
            ]
            if problems:
                raise ImportRefused(QT_TRANSLATE_N_NOOP(
                    "Errors", "Import {file} cannot be undone: %n problems; nothing was "
                    "changed."), problems, file=batch)
            reverse = [(item_id, -delta, UNDO_REASON, batch, movement_id)
                       for movement_id, item_id, delta in moves if delta]
            undo = _undo_batch(batch)
            shop.record_movements(reverse, undo, cancelled, progress)
            if cancelled():
                raise OperationCancelled
        touched = [items[i][0] for i in net]
    return UndoResult(batch, undo, len(reverse), sorted(touched))
