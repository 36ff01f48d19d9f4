"""The stock grid's view: fixed row heights (fast at 100,000 rows), in-place editing of on
hand, Enter to open an item, F2 on any column to edit the row's on hand."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.domain.items import MAX_COUNT

from . import icons
from .stock_model import Kind, StockModel

Index = QModelIndex | QPersistentModelIndex
CELL_PADDING = 6
TABLES = "QTableView#stockGrid, QTableView#unmatchedLines, QTableWidget#movements, " \
    "QTableWidget#listings"
GRID_STYLE = f"""
{", ".join(t + "::item" for t in TABLES.split(", "))} {{ padding: 0px {CELL_PADDING}px; }}
{", ".join(t + " QHeaderView::section" for t in TABLES.split(", "))} {{
    background: #f4f6f8; color: #3c4650; padding: 4px {CELL_PADDING}px; border: none;
    border-bottom: 1px solid #d5dbe2; border-right: 1px solid #e4e8ec;
}}
"""


class ChannelDelegate(QStyledItemDelegate):
    """A channel's number, with its listing's sync state as a small icon just before it."""

    def __init__(self, view: StockView) -> None:
        super().__init__(view)
        self._view = view

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        model = self._view.stock_model()
        if model is None or not model.listings:
            return
        source = self._view.model().mapToSource(index)  # type: ignore[attr-defined]
        column = model.columns[source.column()]
        code = model.code_at(source.row())
        state = model.listing_state(code, column.channel or "")
        if state is None:
            return
        number = model.shop.book.stock[code].channels.get(column.channel or "", 0)
        text_width = option.fontMetrics.horizontalAdvance(str(number))
        size = min(option.rect.height() - 6, 16)
        right = option.rect.right() - CELL_PADDING - 4 - text_width - 4
        target = QRect(right - size, option.rect.center().y() - size // 2 + 1, size, size)
        icons.icon(state).paint(painter, target)


class OnHandDelegate(QStyledItemDelegate):
    """A plain spin box in the cell; the reason is asked once the count is entered."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> QWidget:
        editor = QSpinBox(parent)
        editor.setObjectName("onHandEditor")
        editor.setRange(0, MAX_COUNT)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        editor.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QSpinBox)
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole) or 0))
        editor.selectAll()

    def setModelData(
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


class StockView(QTableView):
    open_requested = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stockGrid")
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setSortingEnabled(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setShowGrid(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSortIndicatorShown(True)
        self._on_hand_delegate = OnHandDelegate(self)
        self._channel_delegate = ChannelDelegate(self)
        self._delegated: list[int] = []
        self._readable: tuple[int, int] | None = None  # (column, its least width)
        self._fitting = False
        self.activated.connect(self.open_requested)
        header.sectionResized.connect(self._section_resized)

    # -- the column that takes the room left (the item's name) ------------------------------------
    def keep_readable(self, column: int, minimum: int) -> None:
        """*column* takes the room the other columns leave, but never less than *minimum*
        pixels: on a small screen the grid scrolls sideways instead of cutting every name to a
        character or two."""
        self._readable = (column, minimum)
        self.fit_readable()

    def fit_readable(self) -> None:
        if self._readable is None or self._fitting:
            return
        column, minimum = self._readable
        header = self.horizontalHeader()
        if column >= header.count():
            return
        others = sum(header.sectionSize(c) for c in range(header.count())
                     if c != column and not header.isSectionHidden(c))
        stretch = self.viewport().width() - others >= minimum
        mode = QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.Interactive
        self._fitting = True
        try:
            if header.sectionResizeMode(column) != mode:
                header.setSectionResizeMode(column, mode)
            if not stretch and header.sectionSize(column) != minimum:
                header.resizeSection(column, minimum)
        finally:
            self._fitting = False

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if self._readable is not None and column != self._readable[0]:
            self.fit_readable()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_readable()

    def stock_model(self) -> StockModel | None:
        proxy = self.model()
        source = proxy.sourceModel() if proxy is not None else None  # type: ignore[attr-defined]
        return source if isinstance(source, StockModel) else None

    def on_hand_column(self) -> int:
        model = self.stock_model()
        return model.column_of(Kind.ON_HAND) if model is not None else -1

    def install_delegates(self) -> None:
        """The on-hand editor and the channels' icons (again after the columns changed)."""
        model = self.stock_model()
        if model is None:
            return
        for column in self._delegated:
            self.setItemDelegateForColumn(column, None)  # type: ignore[arg-type]
        self._delegated = [model.column_of(Kind.ON_HAND)]
        self.setItemDelegateForColumn(self._delegated[0], self._on_hand_delegate)
        for column, spec in enumerate(model.columns):
            if spec.kind is Kind.CHANNEL:
                self.setItemDelegateForColumn(column, self._channel_delegate)
                self._delegated.append(column)

    def edit_on_hand(self, row: int | None = None) -> bool:
        """Start editing on hand in *row* (default: the current row); False for a set."""
        current = self.currentIndex()
        row = current.row() if row is None else row
        if row < 0:
            return False
        index = self.model().index(row, self.on_hand_column())
        if not index.flags() & Qt.ItemFlag.ItemIsEditable:
            return False
        self.setCurrentIndex(index)
        self.scrollTo(index)
        return self.edit(index, QAbstractItemView.EditTrigger.AllEditTriggers, None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        editing = self.state() == QAbstractItemView.State.EditingState
        if (event.key() == Qt.Key.Key_F2 and not editing
                and self.currentIndex().column() != self.on_hand_column()):
            self.edit_on_hand()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not editing:
            if self.currentIndex().isValid():
                self.open_requested.emit(self.currentIndex())
            return
        super().keyPressEvent(event)
