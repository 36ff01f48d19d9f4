"""Finding resources/ and installing the Qt translators for the user's language."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)


def resources_dir() -> Path:
    """resources/ of a source checkout, or the copy PyInstaller unpacked next to the program."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def language_for(locale: QLocale) -> str:
    """Japanese for a Japanese locale, English for every other."""
    return "ja" if locale.language() == QLocale.Language.Japanese else "en"


def install_translators(app: QCoreApplication, language: str | None = None) -> list[QTranslator]:
    """Install Rendo's and Qt's own translations for `language` (default: the system's).

    Returns the installed translators; they must live as long as they are installed.
    """
    language = language or language_for(QLocale.system())
    candidates = [
        (resources_dir() / "translations", f"rendo_{language}"),
        (Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)), f"qtbase_{language}"),
    ]
    installed: list[QTranslator] = []
    for folder, name in candidates:
        translator = QTranslator(app)
        if translator.load(name, str(folder)) and app.installTranslator(translator):
            installed.append(translator)
        elif name.startswith("rendo_"):
            log.warning("translation %s not found in %s", name, folder)
    return installed


def remove_translators(app: QCoreApplication, translators: list[QTranslator]) -> None:
    """Undo install_translators."""
    for translator in translators:
        app.removeTranslator(translator)
        translator.deleteLater()
