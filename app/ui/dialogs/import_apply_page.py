"""The import wizard's last page: applying the import (one transaction) and undoing it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from app.services.importing import ImportResult, UndoResult, apply_import, undo_import

from .common import MessageBar, show_progress
from .file_errors import error_lines, problem_lines

if TYPE_CHECKING:
    from .import_wizard import ImportWizard


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
        job.progressed.connect(lambda done, total: show_progress(self.progress, done, total))
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
