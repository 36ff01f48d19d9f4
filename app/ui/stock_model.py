"""The stock grid's table model: one row per item, read straight from the Shop's stock book.

Nothing is copied per cell: ``data()`` looks the numbers up in ``shop.book`` when the view
asks, so 100,000 items cost one list of codes. ``refresh_codes`` tells the view which rows
changed (the Shop's listeners call it); a change of channels rebuilds the columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont

from app.domain.stock import Shortfall, shortfall
from app.services.shop import Shop
from app.sync.state import ListingView

from . import icons

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole
CODE_ROLE = Qt.ItemDataRole.UserRole + 1
LISTING_STATE_ROLE = Qt.ItemDataRole.UserRole + 2
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter


class Kind(Enum):
    CODE = QT_TRANSLATE_NOOP("StockModel", "Code")
    NAME = QT_TRANSLATE_NOOP("StockModel", "Name")
    VARIANT = QT_TRANSLATE_NOOP("StockModel", "Variant")
    ON_HAND = QT_TRANSLATE_NOOP("StockModel", "On hand")
    RESERVED = QT_TRANSLATE_NOOP("StockModel", "Reserved")
    SELLABLE = QT_TRANSLATE_NOOP("StockModel", "Sellable")
    CHANNEL = "channel"
    REORDER_POINT = QT_TRANSLATE_NOOP("StockModel", "Reorder point")
    STATUS = QT_TRANSLATE_NOOP("StockModel", "Status")
    LIMITED_BY = QT_TRANSLATE_NOOP("StockModel", "Limited by")


NUMERIC = {Kind.ON_HAND, Kind.RESERVED, Kind.SELLABLE, Kind.CHANNEL, Kind.REORDER_POINT}
LEADING = (Kind.CODE, Kind.NAME, Kind.VARIANT, Kind.ON_HAND, Kind.RESERVED, Kind.SELLABLE)
TRAILING = (Kind.REORDER_POINT, Kind.STATUS, Kind.LIMITED_BY)


@dataclass(frozen=True, slots=True)
class Column:
    kind: Kind
    channel: str | None = None


# The stock state of an item, most urgent first; the status column and the filters use it.
STATUS_TEXT = {
    "unlimited": QT_TRANSLATE_NOOP("StockModel", "Unlimited"),
    "oversold": QT_TRANSLATE_NOOP("StockModel", "Oversold"),
    "out": QT_TRANSLATE_NOOP("StockModel", "Out of stock"),
    "backordered": QT_TRANSLATE_NOOP("StockModel", "Backordered"),
    "low": QT_TRANSLATE_NOOP("StockModel", "Low stock"),
    "ok": QT_TRANSLATE_NOOP("StockModel", "In stock"),
}
STATUS_RANK = {key: rank for rank, key in enumerate(STATUS_TEXT)}
STATUS_COLOR = {
    "unlimited": icons.BLUE, "oversold": icons.DARK_RED, "out": icons.RED,
    "backordered": icons.PURPLE,
    "low": icons.AMBER, "ok": icons.GREEN,
}
# A listing's sync state (app.sync.state.ListingView.state) as the grid shows it.
LISTING_TEXT = {
    "pending": QT_TRANSLATE_NOOP("StockModel", "not confirmed by the channel yet"),
    "failed": QT_TRANSLATE_NOOP("StockModel", "the last upload was refused"),
    "suspended": QT_TRANSLATE_NOOP("StockModel", "suspended after repeated errors"),
    "drift": QT_TRANSLATE_NOOP("StockModel", "changed by hand on the channel"),
    "not_found": QT_TRANSLATE_NOOP("StockModel", "not found on the channel"),
}
# A listing that needs the user: stopped after repeated refusals, or changed by hand on the
# channel (a refused upload that is still being retried does not, yet). The grid's 同期の問題
# filter and the sync summary's "to check" count the items that have one: one definition.
PROBLEM_STATES = frozenset({"suspended", "drift", "not_found"})


def codes_to_check(listings: Iterable[ListingView]) -> set[str]:
    """The items with a listing that needs the user (PROBLEM_STATES)."""
    return {view.code for view in listings if view.state in PROBLEM_STATES}


def translate(text: str) -> str:
    return QCoreApplication.translate("StockModel", text)


def variant_text(variant: dict[str, str]) -> str:
    return " / ".join(f"{key}: {value}" for key, value in variant.items())


class StockModel(QAbstractTableModel):
    """Rows are item codes (sorted by code until the user sorts by another column)."""

    # Emitted with source rows whose numbers changed, before dataChanged, so that the
    # filter can update what it knows of them before the proxy filters them again.
    rows_refreshed = Signal(list)
    # A new on hand typed in the grid: the window asks for a reason, then writes a movement.
    on_hand_entered = Signal(str, int)

    def __init__(self, shop: Shop, parent: Any = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.codes: list[str] = []
        self._row_of: dict[str, int] = {}
        self.columns: list[Column] = []
        self._headers: list[str] = []
        self._kinds: list[Kind] = []
        self._channel_names: list[str] = []
        # (code, channel) → listing not in step, from app.sync.state.unsettled_listings()
        self.listings: dict[tuple[str, str], ListingView] = {}
        self.problem_codes: set[str] = set()
        self._bold = QFont()
        self._bold.setBold(True)
        self._status_text = {key: translate(text) for key, text in STATUS_TEXT.items()}
        self._listing_text = {key: translate(text) for key, text in LISTING_TEXT.items()}
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)
        self._build()

    # -- structure -------------------------------------------------------------------------
    def _build(self) -> None:
        with self.shop.lock:
            book = self.shop.book
            self._channel_names = [spec.name for spec in book.channels]
            self.codes = sorted(book.items)
        self.columns = [Column(kind) for kind in LEADING]
        self.columns += [Column(Kind.CHANNEL, name) for name in self._channel_names]
        self.columns += [Column(kind) for kind in TRAILING]
        self._kinds = [column.kind for column in self.columns]
        self._headers = [
            column.channel if column.channel is not None else translate(column.kind.value)
            for column in self.columns
        ]
        self._apply_sort()
        self._row_of = {code: row for row, code in enumerate(self.codes)}

    def reload(self) -> None:
        """Rebuild rows and columns (items added or removed, channels changed)."""
        self.beginResetModel()
        self._build()
        self.endResetModel()

    def status_texts(self) -> list[str]:
        return list(self._status_text.values())

    def column_of(self, kind: Kind, channel: str | None = None) -> int:
        return self.columns.index(Column(kind, channel))

    def code_at(self, row: int) -> str:
        return self.codes[row]

    def row_of(self, code: str) -> int | None:
        return self._row_of.get(code)

    @property
    def channel_names(self) -> list[str]:
        return list(self._channel_names)

    # -- refresh ----------------------------------------------------------------------------
    def refresh_codes(self, codes: Iterable[str]) -> None:
        """Items whose numbers (or master data) changed; new items or channels rebuild."""
        codes = list(codes)
        book = self.shop.book
        if [spec.name for spec in book.channels] != self._channel_names or any(
            code not in self._row_of for code in codes
        ) or len(book.items) != len(self.codes):
            self.reload()
            return
        if not codes:
            return
        rows = sorted({self._row_of[code] for code in codes})
        self.rows_refreshed.emit(rows)
        self._emit_changed(rows, 0, len(self.columns) - 1)

    def _emit_changed(self, rows: Sequence[int], first_column: int, last_column: int) -> None:
        ranges: list[tuple[int, int]] = []
        for row in rows:
            if ranges and ranges[-1][1] == row - 1:
                ranges[-1] = (ranges[-1][0], row)
            else:
                ranges.append((row, row))
        if len(ranges) > 64:  # scattered over many rows: one signal for the span
            ranges = [(ranges[0][0], ranges[-1][1])]
        for top, bottom in ranges:
            self.dataChanged.emit(
                self.index(top, first_column), self.index(bottom, last_column)
            )

    def set_listings(self, listings: Iterable[ListingView]) -> None:
        """Replace the per-channel listing states (after a sync cycle) and show them."""
        new = {(view.code, view.channel): view for view in listings}
        touched = {code for code, _ in new} | {code for code, _ in self.listings}
        self.listings = new
        self.problem_codes = codes_to_check(new.values())
        rows = sorted(self._row_of[code] for code in touched if code in self._row_of)
        if rows and self._channel_names:
            self.rows_refreshed.emit(rows)
            first = len(LEADING)
            self._emit_changed(rows, first, first + len(self._channel_names) - 1)

    # -- what a row shows -------------------------------------------------------------------
    def status_of(self, code: str) -> str:
        """unlimited, oversold, out, backordered, low or ok (STATUS_TEXT)."""
        book = self.shop.book
        stock = book.stock.get(code)
        if stock is None:
            return "ok"
        if stock.unlimited:
            return "unlimited"
        short = self.shortfall_of(code)
        if short is Shortfall.OVERSOLD:
            return "oversold"
        if stock.sellable <= 0:
            return "out"
        if short is Shortfall.BACKORDERED:
            return "backordered"
        return "low" if stock.low else "ok"

    def shortfall_of(self, code: str) -> Shortfall | None:
        """Sold below zero within the backorder allowance, or beyond it (売り越し); an
        unlimited item (made to order) is neither."""
        book = self.shop.book
        on_hand = book.on_hand.get(code, 0)
        item = book.items.get(code)
        if on_hand >= 0 or item is None or item.unlimited:
            return None
        return shortfall(on_hand, item.backorder_allowance)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.codes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Role.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Role.DisplayRole:
                return self._headers[section]
            if role == Role.TextAlignmentRole:
                return RIGHT if self._kinds[section] in NUMERIC else LEFT
            if role == Role.ToolTipRole and self._kinds[section] is Kind.CHANNEL:
                return self.tr("What channel {name} shows").format(
                    name=self.columns[section].channel
                )
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return self.cell_flags(index.row(), index.column())

    def cell_flags(self, row: int, column: int) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._kinds[column] is Kind.ON_HAND:
            item = self.shop.book.items.get(self.codes[row])
            if item is not None and not item.is_set:
                flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self.cell(index.row(), index.column(), role)

    def cell(self, row: int, column: int, role: int = Role.DisplayRole) -> Any:
        """data() by row and column (the filter calls this without making an index)."""
        code = self.codes[row]
        kind = self._kinds[column]
        if role == Role.DisplayRole:
            return self._display(code, kind, column)
        if role == Role.TextAlignmentRole:
            return RIGHT if kind in NUMERIC else LEFT
        if role == Role.EditRole:
            if kind is Kind.ON_HAND:
                return self.shop.book.on_hand.get(code, 0)
            return self._display(code, kind, column)
        if role == Role.DecorationRole:
            return self._decoration(code, kind, column)
        if role == Role.ForegroundRole:
            return self._foreground(code, kind)
        if role == Role.FontRole:
            return self._bold if kind is Kind.SELLABLE else None
        if role == Role.ToolTipRole:
            return self._tooltip(code, kind, column)
        if role == CODE_ROLE:
            return code
        if role == LISTING_STATE_ROLE and kind is Kind.CHANNEL:
            return self.listing_state(code, self.columns[column].channel or "")
        return None

    def listing_state(self, code: str, channel: str) -> str | None:
        """pending, failed, suspended or drift; None when the listing is in step (or there
        is none). The grid draws it as an icon next to the channel's number."""
        view = self.listings.get((code, channel)) if self.listings else None
        return view.state if view is not None else None

    def setData(self, index: Index, value: Any, role: int = Role.EditRole) -> bool:
        """On hand is never written here: a movement needs a reason (on_hand_entered)."""
        if (role == Role.EditRole and index.isValid()
                and self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            code = self.codes[index.row()]
            if int(value) != self.shop.book.on_hand.get(code, 0):
                self.on_hand_entered.emit(code, int(value))
        return False

    def _display(self, code: str, kind: Kind, column: int) -> Any:
        book = self.shop.book
        if kind is Kind.CODE:
            return code
        item = book.items.get(code)
        if item is None:
            return None
        if kind is Kind.NAME:
            return item.name
        if kind is Kind.VARIANT:
            return variant_text(item.variant) if item.variant else ""
        if kind is Kind.ON_HAND:
            return "—" if item.is_set else book.on_hand.get(code, 0)
        if kind is Kind.RESERVED:
            return item.reserved
        stock = book.stock.get(code)
        if stock is None:
            return None
        if kind is Kind.SELLABLE:
            return stock.sellable
        if kind is Kind.CHANNEL:
            return stock.channels.get(self.columns[column].channel or "", 0)
        if kind is Kind.REORDER_POINT:
            return "" if item.reorder_point is None else item.reorder_point
        if kind is Kind.STATUS:
            return self._status_text[self.status_of(code)]
        return stock.limited_by or ""

    def _decoration(self, code: str, kind: Kind, column: int) -> Any:
        if kind is Kind.STATUS:
            return icons.icon(self.status_of(code))
        if kind is Kind.CODE:
            item = self.shop.book.items.get(code)
            return icons.icon("set") if item is not None and item.is_set else None
        return None

    def _foreground(self, code: str, kind: Kind) -> QColor | None:
        if kind is Kind.SELLABLE or kind is Kind.STATUS:
            status = self.status_of(code)
            return None if status == "ok" and kind is Kind.SELLABLE else STATUS_COLOR[status]
        if kind is Kind.ON_HAND:
            book = self.shop.book
            item = book.items.get(code)
            if item is not None and item.is_set:
                return icons.GREY
            return icons.PURPLE if book.on_hand.get(code, 0) < 0 else None
        if kind is Kind.LIMITED_BY or kind is Kind.VARIANT:
            return icons.GREY
        return None

    def _tooltip(self, code: str, kind: Kind, column: int) -> str | None:
        book = self.shop.book
        item = book.items.get(code)
        if item is None:
            return None
        if kind is Kind.ON_HAND and item.is_set:
            return self.tr("A set has no shelf stock: its sellable number comes from its "
                             "components.")
        if kind is Kind.CHANNEL:
            channel = self.columns[column].channel or ""
            view = self.listings.get((code, channel))
            if view is None:
                return None
            text = self.tr("{channel}: {state}").format(
                channel=channel, state=self._listing_text.get(view.state, view.state))
            if view.last_error:
                text += "\n" + self.tr("Last error: {error}").format(error=view.last_error)
            if view.drift_qty is not None:
                text += "\n" + self.tr("The channel shows {qty}.").format(qty=view.drift_qty)
            return text
        if kind is Kind.LIMITED_BY and book.stock.get(code) and book.stock[code].limited_by:
            return self.tr("The component that limits how many sets can be sold")
        if kind is Kind.STATUS and code in self.problem_codes:
            return self.tr("A channel listing of this item needs attention.")
        return None

    # -- sorting ----------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows (the proxy leaves sorting to the model: one Python sort by key is
        far quicker than Qt comparing 100,000 rows through data())."""
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        remembered = [(self.codes[i.row()], i.column()) for i in persistent]
        self._sort = (column, order)
        self._apply_sort()
        self._row_of = {code: row for row, code in enumerate(self.codes)}
        self.changePersistentIndexList(
            persistent, [self.index(self._row_of[code], col) for code, col in remembered]
        )
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        column, order = self._sort
        if column >= len(self.columns):
            column, order = 0, Qt.SortOrder.AscendingOrder
        key = self._sort_key(self.columns[column])
        self.codes.sort()
        if key is not None:
            self.codes.sort(key=key)
        if order == Qt.SortOrder.DescendingOrder:
            self.codes.reverse()

    def _sort_key(self, column: Column) -> Callable[[str], Any] | None:
        book = self.shop.book
        items, stock, on_hand = book.items, book.stock, book.on_hand
        kind = column.kind
        if kind is Kind.CODE:
            return None
        if kind is Kind.NAME:
            return lambda code: items[code].name
        if kind is Kind.VARIANT:
            return lambda code: variant_text(items[code].variant)
        if kind is Kind.ON_HAND:
            return lambda code: (items[code].is_set, on_hand.get(code, 0))
        if kind is Kind.RESERVED:
            return lambda code: items[code].reserved
        if kind is Kind.SELLABLE:
            return lambda code: stock[code].sellable
        if kind is Kind.CHANNEL:
            channel = column.channel or ""
            return lambda code: stock[code].channels.get(channel, 0)
        if kind is Kind.REORDER_POINT:
            big = 1 << 62
            return lambda code: (
                big if items[code].reorder_point is None else items[code].reorder_point
            )
        if kind is Kind.STATUS:
            return lambda code: STATUS_RANK[self.status_of(code)]
        return lambda code: stock[code].limited_by or ""
