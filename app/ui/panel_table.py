"""The sync panel's small tables: ``Row`` (cells with tooltips, icons, colours) and
``PanelRowsModel``, refreshed whole while keys keep the selection; helpers for their views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from .table_model import ListTableModel


@dataclass
class Row:
    key: tuple[str, ...]
    cells: list[str]
    tooltips: dict[int, str] = field(default_factory=dict)
    icons: dict[int, QIcon] = field(default_factory=dict)
    colors: dict[int, str] = field(default_factory=dict)
    bold: set[int] = field(default_factory=set)
    right: set[int] = field(default_factory=set)
    payload: Any = None


class PanelRowsModel(ListTableModel):
    """A read-only table of a few hundred rows, refreshed whole (keys keep the selection)."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        if [r.key for r in rows] == [r.key for r in self.rows]:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(rows) - 1, len(self.headers) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def cell_data(self, index: QModelIndex | QPersistentModelIndex, role: int) -> Any:
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltips.get(column) or None
        if role == Qt.ItemDataRole.DecorationRole:
            return row.icons.get(column)
        if role == Qt.ItemDataRole.ForegroundRole and column in row.colors:
            return QBrush(QColor(row.colors[column]))
        if role == Qt.ItemDataRole.FontRole and column in row.bold:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in row.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def table_view(model: PanelRowsModel, parent: QWidget, multi: bool = True) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                          else QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(True)
    return view


def selected_rows(view: QTableView, model: PanelRowsModel) -> list[Row]:
    rows = sorted({index.row() for index in view.selectionModel().selectedRows()})
    return [model.rows[r] for r in rows if r < len(model.rows)]


def reselect(view: QTableView, model: PanelRowsModel, keys: set[tuple[str, ...]]) -> None:
    selection = view.selectionModel()
    for number, row in enumerate(model.rows):
        if row.key in keys:
            selection.select(model.index(number, 0),
                             selection.SelectionFlag.Select | selection.SelectionFlag.Rows)

