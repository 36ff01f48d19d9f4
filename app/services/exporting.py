"""Exporting lists: stock, low stock with a suggested order, movement history, unmatched
order lines, and the item master.

CSV in UTF-8 with BOM or CP932 (the default on a Japanese system: Excel there opens it
directly); a character CP932 cannot hold is reported with its row and column and nothing is
written. .xlsx gets real column types: codes and JANs as text cells (``@``), counts as
numbers, times as dates. Headers are Japanese or English; ``rendo import`` reads both, so a
stock list or item master exported here imports back unchanged.

Suggested order quantity (発注推奨数) on the reorder list::

    suggested = max(1, reorder_point + sold_in_last_30_days − (on_hand − reserved))

that is, enough that after the delivery the free stock stands at the reorder point plus one
more month of sales (orders less cancellations in the last 30 days), so the item stays above
its reorder point for about a month. Backorders already taken count (on hand is below 0);
the backorder allowance does not, as it is not stock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import peewee as pw

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.files import csv_io
from app.files.common import CancelCheck, Progress, never_cancelled, no_progress
from app.files.headers import FIELDS
from app.files.xlsx_io import write_xlsx
from app.i18n import kind_label, reason_label
from app.store.models import AllocationPatternRow, ItemRow, MovementRow, utcnow

from .report import stock_rows
from .shop import Shop

EXPORT_KINDS = ("stock", "reorder", "history", "unmatched", "items")
SALES_DAYS = 30

# Headers of columns no import reads (the importable ones come from app.files.headers).
_LABELS: dict[str, tuple[str, str]] = {
    "kind": ("種類", "kind"),
    "on_hand": ("在庫数", "on hand"),
    "sellable": ("販売可能数", "sellable"),
    "limited_by": ("制限している構成品", "limited by"),
    "low": ("発注点割れ", "low"),
    "sold": ("30日間の販売数", "sold in 30 days"),
    "suggested": ("発注推奨数", "suggested order"),
    "date": ("日時", "date"),
    "delta": ("増減", "change"),
    "reason": ("理由", "reason"),
    "reference": ("参照", "reference"),
    "user": ("担当者", "user"),
    "movement": ("履歴番号", "movement"),
    "undoes": ("取消対象", "undoes"),
    "batch": ("取込番号", "batch"),
    "order_id": ("注文番号", "order id"),
    "line_id": ("明細番号", "line id"),
    "quantity": ("数量", "quantity"),
    "cancelled": ("キャンセル", "cancelled"),
    "placed_at": ("注文日時", "placed at"),
    "seen_at": ("取得日時", "seen at"),
}
_TEXT = {"code", "jan", "limited_by", "channel_item_id", "order_id", "line_id", "batch"}


def label(name: str, language: str) -> str:
    """The header of column *name*; ``channel:NAME`` → NAME, ``variant:KEY`` stays."""
    if name.startswith("channel:"):
        return name.split(":", 1)[1]
    if name.startswith("variant:"):
        return name
    if name in _LABELS:
        ja, en = _LABELS[name]
        return ja if language == "ja" else en
    return FIELDS[name].label(language)


@dataclass
class ExportTable:
    columns: list[str]  # field names (channel columns: "channel:NAME")
    header: list[str]
    rows: list[list[Any]]

    @property
    def text_columns(self) -> set[int]:
        return {i for i, name in enumerate(self.columns)
                if name in _TEXT or name.startswith("variant:")}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    kind: str
    rows: int
    format: str
    encoding: str | None


def default_language() -> str:
    return "ja" if csv_io.system_is_japanese() else "en"


def _table(columns: Sequence[str], rows: list[list[Any]], language: str) -> ExportTable:
    return ExportTable(list(columns), [label(c, language) for c in columns], rows)


def stock_table(shop: Shop, language: str) -> ExportTable:
    """Every item: on hand, reserved, sellable and what each channel shows."""
    book = shop.book
    channels = [c.name for c in book.channels]
    columns = ["code", "name", "kind", "jan", "on_hand", "reserved", "backorder_allowance",
               "sellable", "limited_by", "reorder_point", "low",
               *(f"channel:{c}" for c in channels)]
    rows = []
    for row in stock_rows(shop):
        item = book.items[row["code"]]
        rows.append([
            row["code"], item.name, kind_label(row["kind"], language), item.jan,
            row["on_hand"], row["reserved"],
            None if item.is_set else item.backorder_allowance, row["sellable"],
            row["limited_by"], item.reorder_point, 1 if book.stock[row["code"]].low else 0,
            *(row["channels"].get(c) for c in channels),
        ])
    return _table(columns, rows, language)


def sold_recently(days: int = SALES_DAYS) -> dict[int, int]:
    """Units each item sold through orders (less cancellations) in the last *days* days."""
    since = utcnow() - timedelta(days=days)
    query = (MovementRow.select(MovementRow.item, pw.fn.SUM(MovementRow.delta))
             .where(MovementRow.reason.in_(("order", "cancel")), MovementRow.created_at >= since)
             .group_by(MovementRow.item).tuples())
    return {item_id: max(0, -int(total or 0)) for item_id, total in query}


def suggested_order(reorder_point: int, sold: int, on_hand: int, reserved: int) -> int:
    """See the module docstring."""
    return max(1, reorder_point + sold - (on_hand - reserved))


def reorder_table(shop: Shop, language: str) -> ExportTable:
    """Singles whose sellable is at or below their reorder point (発注点割れ).

    Sets are not listed: they are ordered through their components, which are.
    """
    book = shop.book
    ids = dict(ItemRow.select(ItemRow.code, ItemRow.id).tuples())
    sold = sold_recently()
    columns = ["code", "name", "jan", "on_hand", "reserved", "sellable", "reorder_point",
               "sold", "suggested"]
    rows = []
    for code in sorted(book.items):
        item, stock = book.items[code], book.stock[code]
        if item.is_set or not stock.low or item.reorder_point is None:
            continue
        on_hand = book.on_hand.get(code, 0)
        sold_units = sold.get(ids.get(code, -1), 0)
        rows.append([code, item.name, item.jan, on_hand, item.reserved, stock.sellable,
                     item.reorder_point, sold_units,
                     suggested_order(item.reorder_point, sold_units, on_hand, item.reserved)])
    return _table(columns, rows, language)


def _local(moment: datetime | None) -> datetime | None:
    """A stored (UTC) time as the user's local time, without a zone (Excel has none)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC).astimezone().replace(tzinfo=None, microsecond=0)


def _utc(day: date) -> datetime:
    """Local midnight starting *day*, in stored (UTC) time."""
    return datetime.combine(day, time()).astimezone(UTC).replace(tzinfo=None)


def history_table(language: str, date_from: date | None = None,
                  date_to: date | None = None) -> ExportTable:
    """Movements from *date_from* to *date_to* (local dates, both included), oldest first."""
    if date_from and date_to and date_from > date_to:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "The start date {start} is after the end "
                                         "date {end}."), start=date_from, end=date_to)
    query = (MovementRow.select(MovementRow, ItemRow.code, ItemRow.name)
             .join(ItemRow).order_by(MovementRow.id))
    if date_from:
        query = query.where(MovementRow.created_at >= _utc(date_from))
    if date_to:
        query = query.where(MovementRow.created_at < _utc(date_to + timedelta(days=1)))
    columns = ["date", "code", "name", "delta", "reason", "reference", "user", "movement",
               "undoes", "batch"]
    rows = [[_local(m.created_at), m.item.code, m.item.name, m.delta,
             reason_label(m.reason, language), m.reference,
             m.user, m.id, m.undoes_id, m.batch] for m in query.iterator()]
    return _table(columns, rows, language)


def unmatched_table(language: str) -> ExportTable:
    """Order lines no item matches yet (map them with a code map import or ``rendo map``)."""
    from .orders import unmatched_lines

    columns = ["channel", "order_id", "line_id", "channel_item_id", "quantity", "cancelled",
               "placed_at", "seen_at"]
    rows = [[line.channel, line.order_id, line.line_id, line.channel_item_id,
             line.quantity, 1 if line.cancelled else 0, _local(line.placed_at),
             _local(line.seen_at)] for line in unmatched_lines()]
    return _table(columns, rows, language)


def items_table(language: str) -> ExportTable:
    """The item master, in the columns an items import reads back."""
    patterns = dict(AllocationPatternRow.select(AllocationPatternRow.id,
                                                AllocationPatternRow.name).tuples())
    items = list(ItemRow.select().order_by(ItemRow.code).iterator())
    keys: list[str] = []
    for item in items:
        for key in item.variant or {}:
            if key not in keys:
                keys.append(key)
    named = [k for k in ("color", "size") if k in keys]
    others = [k for k in keys if k not in named]
    columns = ["code", "name", "kind", "jan", *named, *(f"variant:{k}" for k in others),
               "reserved", "backorder_allowance", "reorder_point", "unlimited", "pattern"]
    rows = []
    for item in items:
        variant = item.variant or {}
        rows.append([item.code, item.name, kind_label(item.kind, language), item.jan,
                     *(variant.get(k) for k in named), *(variant.get(k) for k in others),
                     item.reserved, item.backorder_allowance, item.reorder_point,
                     1 if item.unlimited else 0, patterns.get(item.pattern_id)])
    return _table(columns, rows, language)


def export_table(shop: Shop, kind: str, language: str | None = None,
                 date_from: date | None = None, date_to: date | None = None) -> ExportTable:
    language = language or default_language()
    if kind == "stock":
        return stock_table(shop, language)
    if kind == "reorder":
        return reorder_table(shop, language)
    if kind == "history":
        return history_table(language, date_from, date_to)
    if kind == "unmatched":
        return unmatched_table(language)
    if kind == "items":
        return items_table(language)
    raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown export {kind}; use one of {kinds}."),
                   kind=kind, kinds=", ".join(EXPORT_KINDS))


_WIDTHS = {"code": 16, "name": 36, "jan": 16, "date": 20, "reference": 28, "batch": 30}


def write_table(table: ExportTable, path: Path | str, encoding: str | None = None,
                sheet_title: str = "Rendo", progress: Progress = no_progress,
                cancelled: CancelCheck = never_cancelled) -> tuple[str, str | None]:
    """Write *table* as .xlsx or CSV (by the suffix); returns (format, encoding)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        widths = [_WIDTHS.get(c, 12) for c in table.columns]
        write_xlsx(path, table.header, table.rows, table.text_columns, sheet_title,
                   widths=widths, progress=progress, cancelled=cancelled)
        return "xlsx", None
    if suffix in (".csv", ".txt", ".tsv"):
        chosen = csv_io.normalize_encoding(encoding or csv_io.default_encoding())
        rows = [[_csv_value(v) for v in row] for row in table.rows]
        csv_io.write_csv(path, table.header, rows, chosen, cancelled, progress,
                         delimiter="\t" if suffix == ".tsv" else ",")
        return "csv", chosen
    raise BadInput(QT_TRANSLATE_NOOP("Errors", "{file}: Rendo exports .csv, .tsv and .xlsx "
                                     "files."), file=path.name)


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def export(shop: Shop, kind: str, path: Path | str, encoding: str | None = None,
           date_from: date | None = None, date_to: date | None = None,
           language: str | None = None, progress: Progress = no_progress,
           cancelled: CancelCheck = never_cancelled) -> ExportResult:
    """Write the *kind* list to *path* (.csv, .tsv or .xlsx). Nothing is written when a cell
    cannot be encoded (``FileRefused`` lists them) or the user cancels."""
    table = export_table(shop, kind, language, date_from, date_to)
    fmt, chosen = write_table(table, path, encoding, kind, progress, cancelled)
    return ExportResult(Path(path), kind, len(table.rows), fmt, chosen)
