"""The export dialog (書き出し): a list as CSV (CP932 or UTF-8 with BOM) or .xlsx, and the
empty template of each import kind.

The list is read and written in a worker thread (``jobs.Job``) with a progress bar and
Cancel. A character CP932 cannot hold is reported with its row and column and nothing is
written (exporting.export refuses it); it is never replaced silently.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.files.csv_io import system_is_japanese
from app.services.exporting import ExportResult, export
from app.services.shop import Shop

from .common import MessageBar, buddy_label
from .file_errors import error_lines
from .jobs import Job
from .template_saver import ask_template

FORMATS = ("cp932", "utf-8-sig", "xlsx")


def default_format() -> str:
    """CP932 on a Japanese system (Excel there opens it directly), else UTF-8 with BOM."""
    return "cp932" if system_is_japanese() else "utf-8-sig"


def _suffix(fmt: str) -> str:
    return ".xlsx" if fmt == "xlsx" else ".csv"


class ExportDialog(QDialog):
    def __init__(self, shop: Shop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.job: Job | None = None
        self.last: ExportResult | None = None
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("Export"))

        self.kind = QComboBox(self)
        for kind, text in self.kind_labels().items():
            self.kind.addItem(text, kind)
        today = date.today()
        self.date_from = QDateEdit(QDate(today - timedelta(days=30)), self)
        self.date_to = QDateEdit(QDate(today), self)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        dates.addWidget(self.date_to)
        self.format = QComboBox(self)
        self.format.addItem(self.tr("CSV, Shift_JIS (CP932)"), "cp932")
        self.format.addItem(self.tr("CSV, UTF-8 with BOM"), "utf-8-sig")
        self.format.addItem(self.tr("Excel workbook (.xlsx)"), "xlsx")
        self.format.setCurrentIndex(self.format.findData(default_format()))
        self.path = QLineEdit(self)
        self.path.setObjectName("exportPath")
        self.path.setPlaceholderText(self.tr("File to write"))
        browse = QPushButton(self.tr("&Browse…"), self)
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)

        form = QFormLayout()
        form.addRow(self.tr("&List:"), self.kind)
        form.addRow(buddy_label(self.tr("&Period (from, to):"), self.date_from, self), dates)
        form.addRow(self.tr("F&ormat:"), self.format)
        form.addRow(buddy_label(self.tr("&File:"), self.path, self), file_row)

        self.template_group = QGroupBox(self.tr("Templates for importing"), self)
        self.template_kind = QComboBox(self.template_group)
        for kind, text in self.template_labels().items():
            self.template_kind.addItem(text, kind)
        self.template_button = QPushButton(self.tr("Save &template…"), self.template_group)
        self.template_button.clicked.connect(
            lambda: ask_template(self.template_kind.currentData(), self, self.format.currentData()))
        template_row = QHBoxLayout(self.template_group)
        template_row.addWidget(self.template_kind, 1)
        template_row.addWidget(self.template_button)

        self.progress = QProgressBar(self)
        self.progress.hide()
        self.messages = MessageBar(self)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(self.tr("&Export"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(self.tr("Close"))
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.template_group)
        layout.addWidget(self.progress)
        layout.addWidget(self.messages)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.kind.currentIndexChanged.connect(self._update)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.path.textChanged.connect(self._update)
        self._update()
        self.resize(560, self.sizeHint().height())

    def kind_labels(self) -> dict[str, str]:
        return {
            "stock": self.tr("Stock list"),
            "reorder": self.tr("Reorder list (below reorder point)"),
            "history": self.tr("Movement history"),
            "unmatched": self.tr("Unmatched order lines"),
            "items": self.tr("Item master"),
        }

    def template_labels(self) -> dict[str, str]:
        return {
            "stock": self.tr("Stock counts"), "items": self.tr("Item master"),
            "sets": self.tr("Set compositions"),
            "patterns": self.tr("Allocation pattern of each item"),
            "offsets": self.tr("Display offsets"), "codemap": self.tr("Channel code map"),
        }

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def set_format(self, fmt: str) -> None:
        self.format.setCurrentIndex(self.format.findData(fmt))

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.running

    def _update(self) -> None:
        history = self.kind.currentData() == "history"
        self.date_from.setEnabled(history)
        self.date_to.setEnabled(history)
        self.export_button.setEnabled(bool(self.path.text().strip()) and not self.busy)
        self.close_button.setText(self.tr("Cancel") if self.busy else self.tr("Close"))

    def _format_changed(self) -> None:
        """The file's suffix follows the format (.csv ↔ .xlsx)."""
        text = self.path.text().strip()
        if text:
            path = Path(text)
            wanted = _suffix(self.format.currentData())
            if path.suffix.lower() != wanted:
                self.path.setText(str(path.with_suffix(wanted)))

    def browse(self) -> None:
        fmt = self.format.currentData()
        name = self.path.text() or f"{self.kind.currentData()}_{date.today():%Y%m%d}{_suffix(fmt)}"
        filters = (self.tr("Excel workbook (*.xlsx)") if fmt == "xlsx"
                   else self.tr("CSV file (*.csv)"))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export to"), name, filters)
        if path:
            self.path.setText(path)

    def start_export(self) -> None:
        if self.busy or not self.path.text().strip():
            return
        fmt = self.format.currentData()
        path = Path(self.path.text().strip())
        if path.suffix.lower() not in (".csv", ".tsv", ".txt", ".xlsx") or (
                (fmt == "xlsx") != (path.suffix.lower() == ".xlsx")):
            path = path.with_suffix(_suffix(fmt))
            self.path.setText(str(path))
        kind, shop = self.kind.currentData(), self.shop
        encoding = None if fmt == "xlsx" else fmt
        date_from = self.date_from.date().toPython() if kind == "history" else None
        date_to = self.date_to.date().toPython() if kind == "history" else None
        self.messages.clear_messages()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.last = None
        job = Job(lambda progress, cancelled: export(
            shop, kind, path, encoding, date_from, date_to, progress=progress,
            cancelled=cancelled), self)
        self.job = job
        job.progressed.connect(self._progress)
        job.succeeded.connect(self._exported)
        job.failed.connect(lambda error: self.messages.show_errors(error_lines(error)))
        job.cancelled.connect(
            lambda: self.messages.show_hint(self.tr("Cancelled: nothing was written.")))
        job.finished.connect(self._finished)
        job.start()
        self._update()

    def _progress(self, done: int, total: int) -> None:
        if total <= 0:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))

    def _exported(self, result: ExportResult) -> None:
        self.last = result
        self.messages.show_hint(self.tr("{rows} rows written to {file}.").format(
            rows=result.rows, file=result.path))

    def _finished(self) -> None:
        self.progress.hide()
        self._update()

    def reject(self) -> None:
        """Cancel stops an export under way (nothing is written); otherwise it closes."""
        if self.busy and self.job is not None:
            self.job.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy and self.job is not None:
            self.job.cancel()
            self.job.wait()
        super().closeEvent(event)


def run_export_dialog(shop: Shop, parent: QWidget | None) -> bool:
    """The window's File → Export… (Ctrl+E)."""
    ExportDialog(shop, parent).exec()
    return True


def run_template_dialog(shop: Shop, parent: QWidget | None) -> bool:
    """The window's File → Save template…: the export dialog with its template part."""
    dialog = ExportDialog(shop, parent)
    dialog.template_kind.setFocus()
    dialog.exec()
    return True
