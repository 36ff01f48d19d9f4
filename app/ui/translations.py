"""Finding resources/ and installing the Qt translators for the user's language."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

log = logging.getLogger(__name__)

LANGUAGE_KEY = "ui/language"  # QSettings: "system" (or missing), "ja" or "en"
LANGUAGES = ("system", "ja", "en")
_active: list[str] = []  # the language install_translators last installed


def resources_dir() -> Path:
    """resources/ of a source checkout, or the copy PyInstaller unpacked next to the program."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def language_for(locale: QLocale) -> str:
    """Japanese for a Japanese locale, English for every other."""
    return "ja" if locale.language() == QLocale.Language.Japanese else "en"


def stored_language(settings: QSettings) -> str:
    """The stored choice: "system", "ja" or "en" (anything else counts as "system")."""
    stored = str(settings.value(LANGUAGE_KEY, "system") or "system")
    return stored if stored in LANGUAGES else "system"


def chosen_language(settings: QSettings, system_locale: QLocale | None = None) -> str:
    """The language the user chose in 設定 ("ja" or "en"); "system" or nothing: the locale's."""
    return effective_language(stored_language(settings), system_locale)


def effective_language(choice: str, system_locale: QLocale | None = None) -> str:
    """The language ("ja" or "en") that a stored choice ("system", "ja", "en") stands for."""
    if choice in ("ja", "en"):
        return choice
    return language_for(system_locale if system_locale is not None else QLocale.system())


def active_language() -> str | None:
    """The language of the running program's translators; None before they are installed."""
    return _active[0] if _active else None


def install_translators(app: QCoreApplication, language: str | None = None) -> list[QTranslator]:
    """Install Rendo's and Qt's own translations for `language` (default: the system's).

    Returns the installed translators; they must live as long as they are installed.
    """
    language = language or language_for(QLocale.system())
    _active[:] = [language]
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
    _active.clear()
    for translator in translators:
        app.removeTranslator(translator)
        translator.deleteLater()
