"""The base of the window's small table models: a Python list of rows under fixed headers.

Like Vorta's archive table, every model answers two roles besides what it shows: ``OBJECT_ROLE``
gives the row itself (actions read the row, not the cell's text) and ``SORT_ROLE`` a value that
sorts right (a sort proxy uses it with ``setSortRole(SORT_ROLE)``: row 10 after row 9).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex

OBJECT_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


class ListTableModel(QAbstractTableModel):
    """Subclasses set ``self.rows`` and ``self.headers`` and implement ``cell_data`` (and
    ``sort_value`` when the shown text does not sort right)."""

    rows: list[Any]
    headers: list[str]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == OBJECT_ROLE:
            return self.rows[index.row()]
        if role == SORT_ROLE:
            return self.sort_value(index)
        return self.cell_data(index, role)

    def cell_data(self, index: Index, role: int) -> Any:
        """What the cell at a valid *index* shows for *role* (display, tooltip, colour…)."""
        raise NotImplementedError

    def sort_value(self, index: Index) -> Any:
        """The cell's value for sorting; the shown text unless a subclass knows better."""
        return self.cell_data(index, Qt.ItemDataRole.DisplayRole)
