"""The import wizard (取り込み): file → column mapping → preview with problems → apply.

Reading the file, checking it against the database and applying it run in a worker thread
(``jobs.Job``) with a progress bar; Cancel stops the work and leaves the database untouched
(the import is one transaction). The last page names the import's batch and can undo it.
The grid refreshes through the Shop's listeners.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    Qt,
)
from PySide6.QtGui import QCloseEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.files.common import Table, column_letter
from app.files.headers import KINDS, find_columns
from app.services.importing import (
    Change,
    ImportOptions,
    ImportPlan,
    ImportResult,
    UndoResult,
    apply_import,
    map_table,
    preview,
    read_table,
    undo_import,
)
from app.services.shop import Shop

from ..table_model import Index, ListTableModel
from .common import MessageBar, buddy_label
from .file_errors import error_lines, problem_lines, qt_translate
from .jobs import Job
from .template_saver import ask_template


class ImportRowsModel(ListTableModel):
    """A read-only table of plain rows (100,000 of them stay fast, unlike QTableWidget)."""

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[tuple[Any, ...]] = []
        self._muted: set[int] = set()

    def set_rows(self, rows: list[tuple[Any, ...]], muted: set[int] | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self._muted = muted or set()
        self.endResetModel()

    def row(self, number: int) -> tuple[Any, ...]:
        return self.rows[number]

    def cell_data(self, index: Index, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.rows[index.row()][index.column()]
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ForegroundRole and index.row() in self._muted:
            return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def sort_value(self, index: Index) -> Any:
        """Row numbers and counts as numbers (row 10 after row 9), the rest as shown."""
        value = self.rows[index.row()][index.column()]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return self.cell_data(index, Qt.ItemDataRole.DisplayRole)


def _table_view(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    return view


class ImportFilePage(QWizardPage):
    """Which file, what it holds, how to read it."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self._read_key: tuple[Any, ...] | None = None
        self.setTitle(self.tr("Choose the file"))
        self.setSubTitle(self.tr("A .csv or Excel (.xlsx) file. Its columns are found from "
                                 "their headers; you can check them in the next step."))
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
            lambda progress, cancelled: read_table(path, options, progress, cancelled))
        job.progressed.connect(lambda done, total: _show_progress(self.progress, done, total))
        job.succeeded.connect(self._read)
        job.failed.connect(lambda error: self.messages.show_errors(error_lines(error)))
        job.finished.connect(self.progress.hide)
        return False

    def _read(self, table: Table) -> None:
        self._wizard.table = table
        self._read_key = self._key()
        self._wizard.next()


def _show_progress(bar: QProgressBar, done: int, total: int) -> None:
    if total <= 0:
        bar.setRange(0, 0)
    else:
        bar.setRange(0, total)
        bar.setValue(min(done, total))


class ImportMappingPage(QWizardPage):
    """Which column holds which field: found from the headers, changed with combo boxes."""

    NONE = -1

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Match the columns"))
        self.setSubTitle(self.tr("Check which column of the file holds each field. Fields "
                                 "marked required need a column."))
        self.about = QLabel(self)
        self.about.setWordWrap(True)
        self.header_row = QSpinBox(self)
        self.header_row.setRange(0, 1_000_000)
        self.header_row.setSpecialValueText(self.tr("none (the file has no header row)"))
        self.header_row.valueChanged.connect(self._header_changed)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("columnMapping")
        self.table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Column in the file"),
                                              "", self.tr("First row")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.messages = MessageBar(self)
        form = QFormLayout()
        form.addRow(self.tr("&Header row:"), self.header_row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.messages)
        self.combos: dict[str, QComboBox] = {}
        self._fields: tuple[str, ...] = ()
        self._filling = False

    def field_labels(self) -> dict[str, str]:
        return {
            "code": self.tr("Item code"), "jan": self.tr("JAN code"), "name": self.tr("Name"),
            "quantity": self.tr("Quantity"), "color": self.tr("Colour"),
            "size": self.tr("Size"), "reserved": self.tr("Reserved"),
            "backorder_allowance": self.tr("Backorder allowance"),
            "reorder_point": self.tr("Reorder point"), "unlimited": self.tr("Unlimited"),
            "set_code": self.tr("Set code"), "component": self.tr("Component code"),
            "component_quantity": self.tr("Units per set"),
            "pattern": self.tr("Allocation pattern"), "channel": self.tr("Channel"),
            "offset": self.tr("Display offset"),
            "channel_item_id": self.tr("Channel's item id"),
        }

    def initializePage(self) -> None:
        table = self._wizard.table
        assert table is not None
        options = self._wizard.file_page.options()
        mapping, problems = find_columns(table, options.kind)
        read = table.encoding or table.sheet or ""
        self.about.setText(self.tr("{file} ({read}): {rows} rows").format(
            file=table.name, read=read, rows=len(table.rows)))
        first = table.rows[0][0] if table.rows else 1
        self._filling = True
        self.header_row.setValue(mapping.header_row if mapping is not None else first)
        self._filling = False
        self._build(mapping.columns if mapping is not None else {})
        if problems:
            self.messages.show_hint("\n".join(problem_lines(problems)))
        else:
            self.messages.clear_messages()

    def _row_values(self, number: int) -> tuple[Any, ...]:
        table = self._wizard.table
        assert table is not None
        return next((v for n, v in table.rows if n == number), ())

    def _first_data_row(self) -> tuple[Any, ...]:
        table = self._wizard.table
        assert table is not None
        after = self.header_row.value()
        return next((v for n, v in table.rows if n > after), ())

    def _header_changed(self) -> None:
        if not self._filling:
            self._build(self.chosen_indexes())

    def _build(self, chosen: dict[str, int]) -> None:
        kind = KINDS[self._wizard.file_page.options().kind]
        required = {n: len(group) > 1 for group in kind.required for n in group}
        headers = self._row_values(self.header_row.value()) if self.header_row.value() else ()
        sample = self._first_data_row()
        width = max(len(headers), len(sample), *(i + 1 for i in chosen.values()), 1)
        labels = self.field_labels()
        self._fields = kind.fields
        self.combos = {}
        self.table.setRowCount(len(self._fields))
        for row, name in enumerate(self._fields):
            self.table.setItem(row, 0, QTableWidgetItem(labels.get(name, name)))
            combo = QComboBox(self.table)
            combo.setObjectName(f"column_{name}")
            combo.addItem(self.tr("(not used)"), self.NONE)
            for index in range(width):
                head = headers[index] if index < len(headers) else None
                text = column_letter(index)
                if head not in (None, ""):
                    text = f"{text}: {str(head).strip()}"
                combo.addItem(text, index)
            combo.setCurrentIndex(max(0, combo.findData(chosen.get(name, self.NONE))))
            combo.currentIndexChanged.connect(lambda _i, r=row: self._column_changed(r))
            self.combos[name] = combo
            self.table.setCellWidget(row, 1, combo)
            if name not in required:
                need = self.tr("optional")
            elif required[name]:
                need = self.tr("required (either)")
            else:
                need = self.tr("required")
            self.table.setItem(row, 2, QTableWidgetItem(need))
            self.table.setItem(row, 3, QTableWidgetItem(""))
            self._column_changed(row)
        self.completeChanged.emit()

    def _column_changed(self, row: int) -> None:
        name = self._fields[row]
        index = self.combos[name].currentData()
        sample = self._first_data_row()
        value = sample[index] if index is not None and 0 <= index < len(sample) else ""
        item = self.table.item(row, 3)
        if item is not None:
            item.setText("" if value is None else str(value))
        self.completeChanged.emit()

    def set_column(self, name: str, index: int | None) -> None:
        combo = self.combos[name]
        combo.setCurrentIndex(max(0, combo.findData(self.NONE if index is None else index)))

    def chosen_indexes(self) -> dict[str, int]:
        return {name: combo.currentData() for name, combo in self.combos.items()
                if combo.currentData() != self.NONE}

    def isComplete(self) -> bool:
        kind = KINDS[self._wizard.file_page.options().kind]
        chosen = self.chosen_indexes()
        return all(any(n in chosen for n in group) for group in kind.required)

    def options(self) -> ImportOptions:
        """The columns as shown: a field set to "(not used)" stays unused even when its
        header is one Rendo recognises."""
        base = self._wizard.file_page.options()
        columns = {name: column_letter(index) for name, index in self.chosen_indexes().items()}
        excluded = frozenset(name for name, combo in self.combos.items()
                             if combo.currentData() == self.NONE)
        return ImportOptions(kind=base.kind, mode=base.mode, encoding=base.encoding,
                             delimiter=base.delimiter, columns=columns, excluded=excluded,
                             header_row=self.header_row.value(),
                             create_unknown=base.create_unknown)


class ImportPreviewPage(QWizardPage):
    """Every row's change (before → after) and every problem; Apply only without problems."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Preview"))
        self.setSubTitle(self.tr("Nothing has been changed yet. Check the changes, then "
                                 "press Apply."))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Apply"))
        self.summary = QLabel(self)
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.changes = ImportRowsModel([self.tr("Row"), self.tr("Code"), self.tr("What"),
                                  self.tr("Before"), self.tr("After")], self)
        self.problems = ImportRowsModel([self.tr("File"), self.tr("Row"), self.tr("Column"),
                                   self.tr("Reason")], self)
        self.changes_view = _table_view(self.changes, self)
        self.changes_view.setObjectName("previewChanges")
        self.problems_view = _table_view(self.problems, self)
        self.problems_view.setObjectName("previewProblems")
        problems_box = QWidget(self)
        box = QVBoxLayout(problems_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.problems_title = QLabel(self.tr("Problems"), problems_box)
        box.addWidget(self.problems_title)
        box.addWidget(self.problems_view)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.changes_view)
        self.splitter.addWidget(problems_box)
        self.messages = MessageBar(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.messages)

    def what_labels(self) -> dict[str, str]:
        return {
            "on_hand": self.tr("On hand"), "item": self.tr("New item"),
            "set": self.tr("Set"), "name": self.tr("Name"), "jan": self.tr("JAN code"),
            "variant": self.tr("Variant"), "components": self.tr("Components"),
            "pattern": self.tr("Allocation pattern"), "offset": self.tr("Display offset"),
            "code map": self.tr("Code map"), "reserved": self.tr("Reserved"),
            "backorder_allowance": self.tr("Backorder allowance"),
            "reorder_point": self.tr("Reorder point"), "unlimited": self.tr("Unlimited"),
        }

    def initializePage(self) -> None:
        table = self._wizard.table
        assert table is not None
        options = self._wizard.mapping_page.options()
        shop = self._wizard.shop
        self._wizard.plan = None
        self.changes.set_rows([])
        self.problems.set_rows([])
        self.messages.clear_messages()
        self.summary.setText(self.tr("Checking every row…"))
        self.progress.setRange(0, 0)
        self.progress.show()

        def work(progress: Any, cancelled: Any) -> ImportPlan:
            source = map_table(table, options, cancelled)
            return preview(shop, source, progress, cancelled)

        job = self._wizard.start_job(work)
        job.progressed.connect(lambda done, total: _show_progress(self.progress, done, total))
        job.succeeded.connect(self.show_plan)
        job.failed.connect(lambda error: self.messages.show_errors(error_lines(error)))
        job.finished.connect(self.progress.hide)

    def _shown(self, value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, dict):
            return ", ".join(f"{k}={v}" for k, v in value.items()) or "—"
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value) or "—"
        return str(value)

    def show_plan(self, plan: ImportPlan) -> None:
        self._wizard.plan = plan
        whats = self.what_labels()

        def what(change: Change) -> str:
            shown = whats.get(change.what, change.what)
            if change.detail:  # the channel of an offset, the channel and id of a code map
                return self.tr("{what} ({detail})").format(what=shown, detail=change.detail)
            return shown

        self.changes.set_rows(
            [(c.row, c.code, what(c), self._shown(c.before), self._shown(c.after))
             for c in plan.changes],
            {i for i, c in enumerate(plan.changes) if not c.changes})
        self.problems.set_rows([(p.file, p.row or "", p.column or "", p.reason(qt_translate))
                                for p in plan.problems])
        self.summary.setText(self.tr(
            "{file}: {rows} rows, {changed} to change, {created} new items, "
            "{problems} problems.").format(file=plan.source.name, rows=plan.rows,
                                           changed=plan.changed, created=len(plan.created),
                                           problems=len(plan.problems)))
        self.problems_title.setVisible(bool(plan.problems))
        self.problems_view.setVisible(bool(plan.problems))
        if plan.problems:
            self.messages.show_errors([self.tr(
                "There are {count} problems. Correct the file and import it again: "
                "nothing is changed until every row is right.").format(
                count=len(plan.problems))])
        elif plan.warnings:
            self.messages.show_hint("\n".join(problem_lines(plan.warnings)))
        elif not plan.changed:
            self.messages.show_hint(self.tr("The file changes nothing."))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        plan = self._wizard.plan
        return plan is not None and plan.ok and not self._wizard.busy

    def validatePage(self) -> bool:
        return self.isComplete()  # never apply a plan with problems, however asked


class ImportApplyPage(QWizardPage):
    """Applying, with progress and Cancel; then the summary and "undo this import"."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Apply"))
        self.status = QLabel(self)
        self.status.setObjectName("applyStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.batch = QLineEdit(self)
        self.batch.setReadOnly(True)
        self.batch.setObjectName("batchId")
        self.batch_label = QLabel(self.tr("Import number:"), self)
        self.undo = QPushButton(self.tr("&Undo this import"), self)
        self.undo.setObjectName("undoImport")
        self.undo.clicked.connect(self.undo_import)
        batch_row = QHBoxLayout()
        batch_row.addWidget(self.batch_label)
        batch_row.addWidget(self.batch, 1)
        batch_row.addWidget(self.undo)
        self.messages = MessageBar(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(batch_row)
        layout.addStretch(1)
        layout.addWidget(self.messages)
        self.finished_work = False
        self.cancelled = False
        self._show_batch(False)

    def _show_batch(self, visible: bool) -> None:
        for widget in (self.batch_label, self.batch, self.undo):
            widget.setVisible(visible)

    def initializePage(self) -> None:
        plan = self._wizard.plan
        assert plan is not None
        shop = self._wizard.shop
        self.finished_work = self.cancelled = False
        self._wizard.outcome = None
        self.status.setText(self.tr("Importing {file}…").format(file=plan.source.name))
        self.progress.setRange(0, 0)
        self.progress.show()
        job = self._wizard.start_job(
            lambda progress, cancelled: apply_import(shop, plan.source, progress, cancelled))
        job.progressed.connect(lambda done, total: _show_progress(self.progress, done, total))
        job.succeeded.connect(self._applied)
        job.failed.connect(self._failed)
        job.cancelled.connect(self._cancelled)

    def _finish(self) -> None:
        self.finished_work = True
        self.progress.hide()
        # nothing left to cancel: Finish closes (Cancel was for the work under way)
        self._wizard.button(QWizard.WizardButton.CancelButton).hide()
        self.completeChanged.emit()

    def _applied(self, result: ImportResult) -> None:
        self._wizard.outcome = result
        self.status.setText(self.tr(
            "Imported {file}: {rows} rows, {changed} changed, {created} new items.").format(
            file=result.source.name, rows=result.rows, changed=result.changed,
            created=len(result.created)))
        if result.batch:
            self.batch.setText(result.batch)
            self._show_batch(True)
            self.undo.setEnabled(True)
        if result.warnings:
            self.messages.show_hint("\n".join(problem_lines(result.warnings)))
        self._finish()

    def _failed(self, error: BaseException) -> None:
        self.status.setText(self.tr("Nothing was imported."))
        self.messages.show_errors(error_lines(error))
        self._finish()

    def _cancelled(self) -> None:
        self.cancelled = True
        self.status.setText(self.tr("Cancelled: nothing was changed."))
        self._finish()

    def undo_import(self) -> None:
        result = self._wizard.outcome
        if result is None or not result.batch or self._wizard.busy:
            return
        batch, shop = result.batch, self._wizard.shop
        self.undo.setEnabled(False)
        self.messages.clear_messages()
        job = self._wizard.start_job(
            lambda progress, cancelled: undo_import(shop, batch, cancelled, progress))
        job.succeeded.connect(self._undone)
        job.failed.connect(self._undo_failed)
        job.cancelled.connect(lambda: self.undo.setEnabled(True))

    def _undone(self, result: UndoResult) -> None:
        self.status.setText(self.tr("The import was undone: {count} changes reversed.").format(
            count=result.movements))

    def _undo_failed(self, error: BaseException) -> None:
        self.messages.show_errors(error_lines(error))
        self.undo.setEnabled(True)

    def isComplete(self) -> bool:
        return self.finished_work and not self._wizard.busy


class ImportWizard(QWizard):
    """File → columns → preview → apply. ``job`` is the work under way, if any."""

    apply_page_class: type[ImportApplyPage] = ImportApplyPage

    def __init__(self, shop: Shop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.table: Table | None = None
        self.plan: ImportPlan | None = None
        self.outcome: ImportResult | None = None
        self.job: Job | None = None
        self.setObjectName("importWizard")
        self.setWindowTitle(self.tr("Import"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        self.file_page = ImportFilePage(self)
        self.mapping_page = ImportMappingPage(self)
        self.preview_page = ImportPreviewPage(self)
        self.apply_page = self.apply_page_class(self)
        for page in (self.file_page, self.mapping_page, self.preview_page, self.apply_page):
            self.addPage(page)
        self.resize(820, 600)

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.running

    def start_job(self, work: Any) -> Job:
        """Run *work(progress, cancelled)* in a worker thread; the pages follow its signals."""
        job = Job(work, self)
        self.job = job
        job.finished.connect(self._job_finished)
        self._job_finished()  # buttons: busy now
        return job.start()

    def _job_finished(self) -> None:
        page = self.currentPage()
        if page is not None:
            page.completeChanged.emit()

    def cancel_work(self) -> bool:
        """Ask the work under way to stop; False when there is none."""
        if not self.busy:
            return False
        assert self.job is not None
        self.job.cancel()
        if self.currentPage() is self.apply_page:
            self.apply_page.status.setText(self.tr("Cancelling…"))
        return True

    def reject(self) -> None:
        """Cancel stops the work under way first (the database stays as it was); pressed
        again, or when nothing runs, it closes the wizard."""
        if self.cancel_work():
            return
        super().reject()

    def done(self, result: int) -> None:
        if self.busy and self.job is not None:
            self.job.cancel()
            self.job.wait()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy and self.job is not None:
            self.job.cancel()
            self.job.wait()
        super().closeEvent(event)


def run_import_wizard(shop: Shop, parent: QWidget | None) -> bool:
    """The window's File → Import… (Ctrl+I)."""
    wizard = ImportWizard(shop, parent)
    accepted = wizard.exec() == QWizard.DialogCode.Accepted
    return accepted and wizard.outcome is not None
