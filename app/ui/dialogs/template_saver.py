"""Saving the empty template of an import kind: offered by the export dialog and by the
import wizard's first page."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.files.csv_io import system_is_japanese
from app.files.headers import KINDS

from .file_errors import error_lines


def save_template(kind: str, path: Path | str, fmt: str | None = None) -> Path:
    """Write the empty *kind* template (headers in the system's language) to *path*."""
    from app.files.templates import write_template

    language = "ja" if system_is_japanese() else "en"
    encoding = fmt if fmt in ("cp932", "utf-8-sig") else None
    return write_template(kind, path, language, encoding)


class TemplateSaver(QObject):
    """Asks where to save an import template, and saves it (Excel by default)."""

    def ask(self, kind: str, parent: QWidget | None, fmt: str | None = None) -> Path | None:
        if kind not in KINDS:
            return None
        xlsx = self.tr("Excel workbook (*.xlsx)")
        csv = self.tr("CSV file (*.csv)")
        chosen = csv if fmt in ("cp932", "utf-8-sig") else xlsx
        suggested = f"{kind}_template{'.csv' if chosen == csv else '.xlsx'}"
        path, picked = QFileDialog.getSaveFileName(parent, self.tr("Save a template"),
                                                   suggested, f"{xlsx};;{csv}", chosen)
        if not path:
            return None
        target = Path(path)
        if target.suffix.lower() not in (".xlsx", ".csv", ".tsv"):
            target = target.with_suffix(".csv" if picked == csv else ".xlsx")
        try:
            return save_template(kind, target, fmt)
        except Exception as error:  # a folder without permission, a bad name…
            QMessageBox.warning(parent, self.tr("Save a template"),
                                "\n".join(error_lines(error)))
            return None


def ask_template(kind: str, parent: QWidget | None, fmt: str | None = None) -> Path | None:
    """Ask where to save the *kind* template, and save it."""
    return TemplateSaver().ask(kind, parent, fmt)
