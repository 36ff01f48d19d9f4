"""The import wizard's first page: the file, its kind, and reading it in the background."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from app.files import formats
from app.files.common import CancelCheck, Progress, Table
from app.services.importing import ImportOptions, read_table

from .common import MessageBar, buddy_label, show_progress
from .file_errors import error_lines
from .template_saver import ask_template

if TYPE_CHECKING:
    from .import_wizard import ImportWizard


def read_detected(path: Path, options: ImportOptions, progress: Progress,
                  cancelled: CancelCheck) -> tuple[Table, formats.FormatReading | None]:
    """The file, and its stock rows read with the format its header shows (a 楽天 file of
    100,000 SKUs takes a second: done here, in the worker, not when the next page opens)."""
    table = read_table(path, options, progress, cancelled)
    fmt = formats.detect(table, formats.FORMATS) if options.kind == "stock" else None
    return table, (formats.read_formatted(table, fmt, True) if fmt is not None else None)


class ImportFilePage(QWizardPage):
    """Which file, what it holds, how to read it."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self._read_key: tuple[Any, ...] | None = None
        self.setTitle(self.tr("Choose the file"))
        self.setSubTitle(self.tr("A .csv or Excel (.xlsx) file. The files of 楽天, Yahoo!, "
                                 "BASE, Shopify, Amazon and ネクストエンジン are recognised; "
                                 "other files' columns are found from their headers. You can "
                                 "check both in the next step."))
        self.path = QLineEdit(self)
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText(self.tr("File to import (.csv, .xlsx)"))
        browse = QPushButton(self.tr("&Browse…"), self)
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)

        self.kind = QComboBox(self)
        for kind, text in self.kind_labels().items():
            self.kind.addItem(text, kind)
        self.mode = QComboBox(self)
        for mode, text in self.mode_labels().items():
            self.mode.addItem(text, mode)
        self.encoding = QComboBox(self)
        self.encoding.addItem(self.tr("Detect automatically"), None)
        self.encoding.addItem(self.tr("Shift_JIS (CP932)"), "cp932")
        self.encoding.addItem(self.tr("UTF-8"), "utf-8")
        self.encoding.addItem(self.tr("UTF-8 with BOM"), "utf-8-sig")
        self.delimiter = QComboBox(self)
        self.delimiter.addItem(self.tr("Detect automatically"), None)
        self.delimiter.addItem(self.tr("Comma (,)"), ",")
        self.delimiter.addItem(self.tr("Tab"), "\t")
        self.delimiter.addItem(self.tr("Semicolon (;)"), ";")
        self.create_unknown = QCheckBox(
            self.tr("Create new items for codes Rendo does not know yet"), self)
        self.template = QPushButton(self.tr("Save an empty &template for this kind…"), self)
        self.template.clicked.connect(self.save_template)

        form = QFormLayout()
        form.addRow(buddy_label(self.tr("&File:"), self.path, self), file_row)
        form.addRow(self.tr("&Contents:"), self.kind)
        form.addRow(self.tr("&Mode:"), self.mode)
        form.addRow(self.tr("&Encoding (CSV):"), self.encoding)
        form.addRow(self.tr("&Delimiter (CSV):"), self.delimiter)
        form.addRow("", self.create_unknown)
        form.addRow("", self.template)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.messages = MessageBar(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.progress)
        layout.addWidget(self.messages)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.path.textChanged.connect(self.completeChanged)
        self._kind_changed()

    def kind_labels(self) -> dict[str, str]:
        return {
            "stock": self.tr("Stock counts"),
            "items": self.tr("Item master"),
            "sets": self.tr("Set compositions"),
            "patterns": self.tr("Allocation pattern of each item"),
            "offsets": self.tr("Display offsets"),
            "codemap": self.tr("Channel code map"),
        }

    def mode_labels(self) -> dict[str, str]:
        return {
            "overwrite": self.tr("Overwrite with the counted number (stocktake)"),
            "add": self.tr("Add to on hand"),
            "subtract": self.tr("Subtract from on hand"),
        }

    def _kind_changed(self) -> None:
        stock = self.kind.currentData() == "stock"
        self.mode.setEnabled(stock)
        self.create_unknown.setEnabled(self.kind.currentData() in ("stock", "items"))

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def set_mode(self, mode: str) -> None:
        self.mode.setCurrentIndex(self.mode.findData(mode))

    def options(self) -> ImportOptions:
        return ImportOptions(
            kind=self.kind.currentData(), mode=self.mode.currentData(),
            encoding=self.encoding.currentData(), delimiter=self.delimiter.currentData(),
            create_unknown=self.create_unknown.isChecked() and self.create_unknown.isEnabled(),
        )

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import a file"), self.path.text(),
            self.tr("Spreadsheets (*.csv *.xlsx *.txt *.tsv);;All files (*)"))
        if path:
            self.path.setText(path)

    def save_template(self) -> None:
        ask_template(self.kind.currentData(), self)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip()) and not self._wizard.busy

    def _key(self) -> tuple[Any, ...]:
        options = self.options()
        return (self.path.text().strip(), options.encoding, options.delimiter)

    def validatePage(self) -> bool:
        """Read the file in the worker; come back to "Next" when it is read."""
        if self._wizard.table is not None and self._read_key == self._key():
            return True
        if self._wizard.busy:
            return False
        path = Path(self.path.text().strip())
        options = self.options()
        self.messages.clear_messages()
        self.progress.setRange(0, 0)
        self.progress.show()
        job = self._wizard.start_job(
            lambda progress, cancelled: read_detected(path, options, progress, cancelled))
        job.progressed.connect(lambda done, total: show_progress(self.progress, done, total))
        job.succeeded.connect(self._read)
        job.failed.connect(lambda error: self.messages.show_errors(error_lines(error)))
        job.finished.connect(self.progress.hide)
        return False

    def _read(self, read: tuple[Table, formats.FormatReading | None]) -> None:
        self._wizard.table, self._wizard.detected_reading = read
        self._read_key = self._key()
        self._wizard.next()
