"""The import wizard's preview: every row's change (before → after) and every problem, in
read-only tables of plain rows (``ImportRowsModel``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QProgressBar,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.services.importing import Change, ImportPlan, map_table, preview

from ..table_model import Index, ListTableModel
from .common import MessageBar, show_progress
from .file_errors import error_lines, problem_lines, qt_translate
from .import_format_box import summary_lines

if TYPE_CHECKING:
    from .import_wizard import ImportWizard


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
            return float(value)  # a huge count in a file must not overflow Qt's int
        return self.cell_data(index, Qt.ItemDataRole.DisplayRole)


def table_view(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    return view


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
        self.format_lines = QLabel(self)
        self.format_lines.setObjectName("previewFormat")
        self.format_lines.setWordWrap(True)
        self.format_lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.format_lines.hide()
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.changes = ImportRowsModel([self.tr("Row"), self.tr("Code"), self.tr("What"),
                                  self.tr("Before"), self.tr("After")], self)
        self.problems = ImportRowsModel([self.tr("File"), self.tr("Row"), self.tr("Column"),
                                   self.tr("Reason")], self)
        self.changes_view = table_view(self.changes, self)
        self.changes_view.setObjectName("previewChanges")
        self.problems_view = table_view(self.problems, self)
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
        layout.addWidget(self.format_lines)
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
        self.format_lines.hide()
        self.progress.setRange(0, 0)
        self.progress.show()

        def work(progress: Any, cancelled: Any) -> ImportPlan:
            source = map_table(table, options, cancelled)
            return preview(shop, source, progress, cancelled)

        job = self._wizard.start_job(work)
        job.progressed.connect(lambda done, total: show_progress(self.progress, done, total))
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
            "{file}: {rows}, {changed} to change, {created}, {problems}.").format(
            file=plan.source.name, rows=self.tr("%n rows", None, plan.rows),
            changed=plan.changed, created=self.tr("%n new items", None, len(plan.created)),
            problems=self.tr("%n problems", None, len(plan.problems))))
        formatted = plan.source.formatted
        self.format_lines.setText("\n".join(summary_lines(formatted)) if formatted else "")
        self.format_lines.setVisible(formatted is not None)
        self.problems_title.setVisible(bool(plan.problems))
        self.problems_view.setVisible(bool(plan.problems))
        if plan.problems:
            self.messages.show_errors([self.tr(
                "There are %n problems. Correct the file and import it again: "
                "nothing is changed until every row is right.", None, len(plan.problems))])
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
