"""Order lines no item matches yet, and mapping their channel id to one of our items."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import RendoError
from app.i18n import error_text
from app.services.orders import UnmatchedLine, line_problem, map_code, unmatched_lines
from app.services.shop import Shop

from .table_model import Index, ListTableModel
from .timefmt import local_text


def load_unmatched() -> list[UnmatchedLine]:
    return unmatched_lines()


class UnmatchedModel(ListTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[UnmatchedLine] = []
        self.headers = [
            self.tr("Channel"), self.tr("Order"), self.tr("Line"), self.tr("Channel's item id"),
            self.tr("Quantity"), self.tr("Seen"),
        ]

    @property
    def lines(self) -> list[UnmatchedLine]:
        return self.rows

    def set_lines(self, lines: list[UnmatchedLine]) -> None:
        self.beginResetModel()
        self.rows = lines
        self.endResetModel()

    def headerData(
        self, section: int, orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (orientation == Qt.Orientation.Horizontal and section == 4
                and role == Qt.ItemDataRole.TextAlignmentRole):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return super().headerData(section, orientation, role)

    def cell_data(self, index: Index, role: int) -> Any:
        line = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole and line.problem:
            problem = line_problem(line)  # why it was refused, in the user's language
            return error_text(problem) if problem else None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 4 and line.problem:
                return self.tr("refused")
            if column == 4:
                return (self.tr("{qty} (cancelled)").format(qty=line.quantity)
                        if line.cancelled else line.quantity)
            values = (line.channel, line.order_id, line.line_id, line.channel_item_id, None,
                      local_text(line.seen_at))
            return values[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def sort_value(self, index: Index) -> Any:
        """Quantities as numbers, times in time order (never-seen first), the rest as shown."""
        line = self.rows[index.row()]
        if index.column() == 4:
            return float(line.quantity)  # a channel's absurd 10**20 would not fit a C++ int
        if index.column() == 5:
            return "" if line.seen_at is None else line.seen_at.isoformat()
        return self.cell_data(index, Qt.ItemDataRole.DisplayRole)


class UnmatchedPage(QWidget):
    """Shown in place of the grid by the "unmatched orders" filter."""

    mapped = Signal()

    def __init__(self, shop: Shop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unmatchedPage")
        self.shop = shop
        self.model = UnmatchedModel(self)
        intro = QLabel(self.tr(
            "These order lines name an item id that Rendo does not know. Map each id to one of "
            "your items: the waiting lines are applied at once, and later orders follow the "
            "mapping."))
        intro.setWordWrap(True)
        intro.setContentsMargins(4, 4, 4, 4)
        self.view = QTableView(self)
        self.view.setObjectName("unmatchedLines")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        metrics = self.fontMetrics()
        samples = ("rakuten__", "R-000000000", "000", "", "0,000", "0000/00/00 00:00")
        for column, sample in enumerate(samples):
            title = self.model.headerData(column, Qt.Orientation.Horizontal)
            header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                             metrics.horizontalAdvance(title)) + 28)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        self.view.doubleClicked.connect(lambda _index: self.map_selected())
        self.map_button = QPushButton(self.tr("&Map to item…"), self)
        self.map_button.setObjectName("mapButton")
        self.map_button.clicked.connect(self.map_selected)
        self.empty = QLabel(self.tr("No unmatched order lines: every order found its item."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #78828c; padding: 24px;")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.map_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.reload()

    def reload(self) -> int:
        lines = load_unmatched()
        self.model.set_lines(lines)
        self.view.setVisible(bool(lines))
        self.empty.setVisible(not lines)
        if lines:
            self.view.selectRow(0)
        self._update_buttons()
        return len(lines)

    def _update_buttons(self) -> None:
        self.map_button.setEnabled(bool(self.view.selectionModel().selectedRows()))

    def selected_line(self) -> UnmatchedLine | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.lines[rows[0].row()] if rows else None

    def map_selected(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        code, ok = QInputDialog.getText(
            self, self.tr("Map to item"),
            self.tr("Item code for “{id}” on {channel}:").format(
                id=line.channel_item_id, channel=line.channel),
            text=line.channel_item_id,
        )
        if ok and code.strip():
            self.map_line(line, code.strip())

    def map_line(self, line: UnmatchedLine, code: str) -> bool:
        try:
            outcome = map_code(self.shop, line.channel, line.channel_item_id, code)
        except RendoError as error:
            QMessageBox.warning(self, self.tr("Map to item"), error_text(error))
            return False
        self.reload()
        self.mapped.emit()
        message = QCoreApplication.translate(
            "UnmatchedPage", "{count} waiting order lines applied to {code}."
        ).format(count=outcome.applied, code=code)
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 8000)
        return True
