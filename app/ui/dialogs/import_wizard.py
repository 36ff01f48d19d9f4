"""The import wizard (取り込み): file → format or column mapping → preview with problems →
apply. A channel's own file (楽天, Yahoo!, BASE, Shopify, Amazon, ネクストエンジン) is read with
its format (app.files.formats), as ``rendo import`` reads it, unless the user chooses the
columns by hand.

Reading the file, checking it against the database and applying it run in a worker thread
(``jobs.Job``) with a progress bar; Cancel stops the work and leaves the database untouched
(the import is one transaction). The last page names the import's batch and can undo it.
The grid refreshes through the Shop's listeners.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget, QWizard

from app.files.common import Table
from app.files.formats import FormatReading
from app.services.importing import ImportPlan, ImportResult
from app.services.shop import Shop

from .import_apply_page import ImportApplyPage
from .import_file_page import ImportFilePage
from .import_mapping_page import ImportMappingPage
from .import_preview_page import ImportPreviewPage
from .jobs import Job


class ImportWizard(QWizard):
    """File → columns → preview → apply. ``job`` is the work under way, if any."""

    apply_page_class: type[ImportApplyPage] = ImportApplyPage

    def __init__(self, shop: Shop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.table: Table | None = None
        self.detected_reading: FormatReading | None = None  # read with the detected format
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
