"""Translation for code outside Qt classes (the command line, services' messages)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.domain.errors import RendoError


def tr(text: str) -> str:
    """Translate a literal *text* written as ``tr("…")`` in a module.

    lupdate files module-level ``tr()`` calls under the empty context, so that is the
    context looked up here.
    """
    return QCoreApplication.translate("", text)


def error_text(error: RendoError) -> str:
    """*error*'s message in the user's language (its template is in the "Errors" context)."""
    return QCoreApplication.translate("Errors", error.template).format(**error.params)
