"""Quick filters and the search box over the stock grid.

Filtering 100,000 rows must fit in a keystroke, so the filter works from two things kept
ready: per quick filter, the set of codes it holds (updated per changed item), and per item a
normalised search key. A filter change is then one tight loop over the codes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractProxyModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.domain.items import ItemKind
from app.domain.search import item_search_key, search_words
from app.domain.stock import Shortfall

from .stock_model import StockModel

Index = QModelIndex | QPersistentModelIndex


class QuickFilter(Enum):
    ALL = "all"
    LOW = "low"
    OUT = "out"
    SETS = "sets"
    BACKORDERED = "backordered"
    OVERSOLD = "oversold"
    UNMATCHED = "unmatched"  # order lines, not items: the window shows their own list
    PROBLEMS = "problems"


# The filters that select items (and so have a set of codes).
ITEM_FILTERS = (
    QuickFilter.LOW, QuickFilter.OUT, QuickFilter.SETS, QuickFilter.BACKORDERED,
    QuickFilter.OVERSOLD, QuickFilter.PROBLEMS,
)
# The quick filter of each way of selling below zero.
SHORTFALL_FILTER = {
    Shortfall.BACKORDERED: QuickFilter.BACKORDERED, Shortfall.OVERSOLD: QuickFilter.OVERSOLD,
}


class FilterIndex:
    """Which items each quick filter holds; rebuilt on reset, updated per changed item."""

    def __init__(self, model: StockModel) -> None:
        self.model = model
        self.members: dict[QuickFilter, set[str]] = {f: set() for f in ITEM_FILTERS}

    def rebuild(self) -> None:
        shop = self.model.shop
        with shop.lock:
            book = shop.book
            stock, on_hand = book.stock, book.on_hand
            self.members = {
                QuickFilter.LOW: {c for c, s in stock.items() if s.low},
                QuickFilter.OUT: {c for c, s in stock.items() if s.out},
                QuickFilter.SETS: {
                    c for c, i in book.items.items() if i.kind is ItemKind.SET
                },
                QuickFilter.BACKORDERED: set(),
                QuickFilter.OVERSOLD: set(),
                QuickFilter.PROBLEMS: set(self.model.problem_codes),
            }
            for code, count in on_hand.items():
                if count < 0:
                    state = self.model.shortfall_of(code)
                    if state is not None:
                        self.members[SHORTFALL_FILTER[state]].add(code)

    def update(self, codes: list[str]) -> None:
        book = self.model.shop.book
        problems = self.model.problem_codes
        members = self.members
        for code in codes:
            stock = book.stock.get(code)
            item = book.items.get(code)
            short = self.model.shortfall_of(code)
            checks = {
                QuickFilter.LOW: stock is not None and stock.low,
                QuickFilter.OUT: stock is not None and stock.out,
                QuickFilter.SETS: item is not None and item.kind is ItemKind.SET,
                QuickFilter.BACKORDERED: short is Shortfall.BACKORDERED,
                QuickFilter.OVERSOLD: short is Shortfall.OVERSOLD,
                QuickFilter.PROBLEMS: code in problems,
            }
            for quick, holds in checks.items():
                (members[quick].add if holds else members[quick].discard)(code)

    def count(self, quick: QuickFilter) -> int:
        if quick in self.members:
            return len(self.members[quick])
        return self.model.rowCount() if quick is QuickFilter.ALL else 0


class StockFilter(QAbstractProxyModel):
    """The grid's filter: quick filter × search words (code, name, JAN).

    Not a QSortFilterProxyModel: that one asks ``filterAcceptsRow`` for every row on every
    keystroke, and 100,000 calls from C++ into Python alone take ~85 ms. Here the accepted
    source rows are one Python list, computed in a tight loop; mapping a row is a list look-up
    (or a bisect the other way). Sorting is the source model's (StockModel.sort).
    """

    counts_changed = Signal()

    def __init__(self, model: StockModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._model = model
        self.quick_sets = FilterIndex(model)
        self.quick = QuickFilter.ALL
        self.search = ""
        self._words: list[str] = []
        self._keys: dict[str, str] | None = None
        self._key_list: list[str] | None = None
        self._rows: list[int] | None = None  # accepted source rows, ascending; None: all
        self._remembered: list[tuple[str, int]] = []
        self._persistent: list[QModelIndex] = []
        self.quick_sets.rebuild()
        self.setSourceModel(model)
        model.rows_refreshed.connect(self._rows_refreshed)
        model.dataChanged.connect(self._source_data_changed)
        model.headerDataChanged.connect(self.headerDataChanged)
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._source_reset)
        model.layoutAboutToBeChanged.connect(self._begin_layout)
        model.layoutChanged.connect(self._source_sorted)

    # -- what the user chose ----------------------------------------------------------------
    def set_quick(self, quick: QuickFilter) -> None:
        if quick is not self.quick:
            self._change(quick, self.search)

    def set_search(self, text: str) -> None:
        if text != self.search:
            self._change(self.quick, text)

    def _change(self, quick: QuickFilter, search: str) -> None:
        self._begin_layout()
        self.quick, self.search = quick, search
        self._words = search_words(search)
        self._end_layout()

    def accepts_code(self, code: str) -> bool:
        row = self._model.row_of(code)
        return row is not None and self._proxy_row(row) is not None

    def count(self, quick: QuickFilter) -> int:
        return self.quick_sets.count(quick)

    def prepare_search(self) -> None:
        """Build the search keys now (the window calls this once it is idle after opening),
        so that the first keystroke does not pay for them."""
        self._keys_by_row()

    # -- the proxy's structure ----------------------------------------------------------------
    def _proxy_row(self, source_row: int) -> int | None:
        rows = self._rows
        if rows is None:
            return source_row if 0 <= source_row < len(self._model.codes) else None
        position = bisect_left(rows, source_row)
        return position if position < len(rows) and rows[position] == source_row else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self._model.codes) if self._rows is None else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._model.columnCount()

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not 0 <= row < self.rowCount() or not (
                0 <= column < self.columnCount()):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child: Index | None = None) -> Any:  # type: ignore[override]
        if child is None:  # QObject.parent()
            return super().parent()
        return QModelIndex()

    def sibling(self, row: int, column: int, index: Index) -> QModelIndex:
        return self.index(row, column)

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        if not proxy_index.isValid():
            return QModelIndex()
        row = proxy_index.row()
        source_row = row if self._rows is None else self._rows[row]
        return self._model.index(source_row, proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        row = self._proxy_row(source_index.row())
        return QModelIndex() if row is None else self.createIndex(row, source_index.column())

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        return self._model.cell(row if self._rows is None else self._rows[row], index.column(),
                                role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        row = index.row()
        return self._model.cell_flags(row if self._rows is None else self._rows[row],
                                      index.column())

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        return self._model.setData(self.mapToSource(index), value, role)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            return self._model.headerData(section, orientation, role)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the source model's (see StockModel.sort)."""
        self._model.sort(column, order)

    # -- filtering ----------------------------------------------------------------------------
    def _members(self) -> set[str] | None:
        if self.quick in self.quick_sets.members:
            return self.quick_sets.members[self.quick]
        return None

    def _search_keys(self) -> dict[str, str]:
        """code → what the search compares (code, name and JAN, normalised)."""
        if self._keys is None or len(self._keys) != len(self._model.codes):
            book = self._model.shop.book
            self._keys = {
                code: item_search_key(code, item.name, item.jan)
                for code, item in list(book.items.items())
            }
            self._key_list = None
        return self._keys

    def _keys_by_row(self) -> list[str]:
        """The search keys in source-row order (scanning a list beats a dict look-up)."""
        keys = self._search_keys()
        if self._key_list is None:
            self._key_list = [keys.get(code, "") for code in self._model.codes]
        return self._key_list

    def _accepts(self, code: str, members: set[str] | None) -> bool:
        if members is not None and code not in members:
            return False
        if self._words:
            key = self._search_keys().get(code, "")
            return all(word in key for word in self._words)
        return True

    def _recompute(self) -> None:
        members, words, codes = self._members(), self._words, self._model.codes
        if members is None and not words:
            self._rows = None
            return
        rows: list[int] | None = None
        if members is not None:
            rows = [row for row, code in enumerate(codes) if code in members]
        if words:
            keys = self._keys_by_row()
            for word in words:  # the first word narrows most of the way
                if rows is None:
                    rows = [row for row, key in enumerate(keys) if word in key]
                else:
                    rows = [row for row in rows if word in keys[row]]
        self._rows = rows

    # -- keeping selections across changes ----------------------------------------------------
    def _begin_layout(self) -> None:
        """Before the rows change: remember which item each persistent index shows."""
        self.layoutAboutToBeChanged.emit()
        self._persistent = self.persistentIndexList()
        codes = self._model.codes
        self._remembered = [
            (codes[self.mapToSource(index).row()], index.column()) for index in self._persistent
        ]

    def _source_sorted(self) -> None:
        self._key_list = None  # the keys' rows moved
        self._end_layout()

    def _end_layout(self) -> None:
        self._recompute()
        model = self._model
        moved = []
        for code, column in self._remembered:
            source_row = model.row_of(code)
            row = self._proxy_row(source_row) if source_row is not None else None
            moved.append(QModelIndex() if row is None else self.createIndex(row, column))
        self.changePersistentIndexList(self._persistent, moved)
        self._persistent, self._remembered = [], []
        self.layoutChanged.emit()

    # -- the source changed --------------------------------------------------------------------
    def _rows_refreshed(self, rows: list[int]) -> None:
        """Items whose numbers changed: update the quick filters' sets and, when an item
        enters or leaves the current filter, the rows."""
        codes = [self._model.codes[row] for row in rows]
        self.quick_sets.update(codes)
        if self._keys is not None:
            book = self._model.shop.book
            for row, code in zip(rows, codes, strict=True):
                item = book.items[code]
                key = self._keys[code] = item_search_key(code, item.name, item.jan)
                if self._key_list is not None:
                    self._key_list[row] = key
        if self._rows is not None:
            members = self._members()
            if any((self._proxy_row(row) is not None) != self._accepts(code, members)
                   for row, code in zip(rows, codes, strict=True)):
                self._begin_layout()
                self._end_layout()
        self.counts_changed.emit()

    def _source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        first, last = top_left.row(), bottom_right.row()
        rows = self._rows
        if rows is None:
            top, bottom = first, last
        else:
            top, bottom = bisect_left(rows, first), bisect_right(rows, last) - 1
            if top > bottom:
                return
        self.dataChanged.emit(self.index(top, top_left.column()),
                              self.index(bottom, bottom_right.column()))

    def _source_reset(self) -> None:
        self.quick_sets.rebuild()
        self._key_list = None
        self._keys = None if self._keys is None else self._search_keys()
        self._recompute()
        self.endResetModel()
        self.counts_changed.emit()
