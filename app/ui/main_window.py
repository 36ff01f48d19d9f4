"""The main window: for now an empty stock grid and a status bar."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMainWindow, QTableView, QWidget

# Marked for lupdate here, translated at run time with self.tr (same context).
STOCK_COLUMNS = (
    QT_TRANSLATE_NOOP("MainWindow", "Code"),
    QT_TRANSLATE_NOOP("MainWindow", "Name"),
    QT_TRANSLATE_NOOP("MainWindow", "On hand"),
    QT_TRANSLATE_NOOP("MainWindow", "Reserved"),
    QT_TRANSLATE_NOOP("MainWindow", "Sellable"),
    QT_TRANSLATE_NOOP("MainWindow", "Status"),
)


class MainWindow(QMainWindow):
    """Rendo's main window."""

    def __init__(self, db_label: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rendo")
        self.stock_model = QStandardItemModel(0, len(STOCK_COLUMNS), self)
        self.stock_model.setHorizontalHeaderLabels(
            [self.tr(str(column)) for column in STOCK_COLUMNS]
        )
        self.stock_view = self._make_stock_view()
        self.setCentralWidget(self.stock_view)
        if db_label:
            self.statusBar().showMessage(self.tr("Database: {path}").format(path=db_label))
        else:
            self.statusBar().showMessage(self.tr("Ready"))
        self.resize(1000, 640)

    def _make_stock_view(self) -> QTableView:
        view = QTableView(self)
        view.setObjectName("stockGrid")
        view.setModel(self.stock_model)
        view.setAlternatingRowColors(True)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSortingEnabled(True)
        view.verticalHeader().setVisible(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(90)
        return view
