"""What went wrong with a file, as lines for a message bar: the import wizard's and the
export dialog's (and the template saver's) one way to say it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication

from app.domain.errors import RendoError
from app.files.common import FileRefused, Problem
from app.i18n import error_text

MAX_MESSAGES = 8


def qt_translate(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def problem_lines(problems: Sequence[Problem], limit: int = MAX_MESSAGES) -> list[str]:
    lines = [p.text(qt_translate) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(QCoreApplication.translate("ImportWizard", "… and {count} more").format(
            count=len(problems) - limit))
    return lines


def error_lines(error: BaseException) -> list[str]:
    """What went wrong, for a message bar: every listed problem, then the summary."""
    if isinstance(error, FileRefused):
        lines = problem_lines(error.problems)
        summary = error_text(error)
        return lines if summary in lines else [*lines, summary]
    if isinstance(error, RendoError):
        return [error_text(error)]
    return [f"{type(error).__name__}: {error}"]
