"""The user's language: finding resources/, installing the Qt translators, translating.

One home for the window and the command line alike: which language the user chose (設定 or
the system's locale), the translators for it, translation for code outside Qt classes (the
command line, services' messages), and the labels people read for the ledger's internal words
(a movement's reason, an item's kind), shared by the window, the command line and the exports.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QSettings,
    QTranslator,
)

from app.domain.errors import RendoError

log = logging.getLogger(__name__)

LANGUAGE_KEY = "ui/language"  # QSettings: "system" (or missing), "ja" or "en"
LANGUAGES = ("system", "ja", "en")
_active: list[str] = []  # the language install_translators last installed


def resources_dir() -> Path:
    """resources/ of a source checkout, or the copy PyInstaller unpacked next to the program."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


# -- the language and its translators ---------------------------------------------------------
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


# -- translating ------------------------------------------------------------------------------


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """Translate a literal *text* written as ``tr("…")`` in a module.

    lupdate files module-level ``tr()`` calls under the empty context, so that is the
    context looked up here. A text that counts says ``%n`` and is called as
    ``tr("%n rows", None, count)``: Qt then picks the form for that number and puts the
    number in place of ``%n``.
    """
    return QCoreApplication.translate("", text, disambiguation, n)


def error_text(error: RendoError) -> str:
    """*error*'s message in the user's language (its template is in the "Errors" context;
    a template counting something has the number as the parameter ``n``)."""
    n = error.params.get("n", -1)
    return QCoreApplication.translate("Errors", error.template, None,
                                      n if isinstance(n, int) else -1).format(**error.params)


def _counted_errors() -> None:  # pragma: no cover - read by lupdate, never run
    """The "Errors" templates that count (``%n``), raised where they are marked with
    QT_TRANSLATE_NOOP. lupdate files a text as plural (one form per number) only where it
    sees translate() called with a number, so they are listed here as such calls.
    (tests/unit/test_plural_messages.py checks that the list is complete.)"""
    QCoreApplication.translate("Errors", "{file}: %n problems; nothing was imported.", None, 2)
    QCoreApplication.translate(
        "Errors", "Import {file} cannot be undone: %n problems; nothing was changed.", None, 2)
    QCoreApplication.translate(
        "Errors",
        "{file}: %n cells hold characters {encoding} cannot write; nothing was written.",
        None, 2)
    QCoreApplication.translate(
        "Errors", "{file}: %n cells hold characters Excel cannot store; nothing was written.",
        None, 2)


# -- the ledger's words ------------------------------------------------------------------------
# The contexts are those in which the window's item panel first showed these words; keeping
# them keeps their translations.
REASON_CONTEXT, KIND_CONTEXT = "ItemDetail", "ItemDetailPanel"
MOVEMENT_REASONS = {
    "order": QT_TRANSLATE_NOOP("ItemDetail", "Order"),
    "cancel": QT_TRANSLATE_NOOP("ItemDetail", "Cancellation"),
    "manual": QT_TRANSLATE_NOOP("ItemDetail", "Adjustment"),
    "import": QT_TRANSLATE_NOOP("ItemDetail", "Import"),
    "stocktake": QT_TRANSLATE_NOOP("ItemDetail", "Stocktake"),
    "receive": QT_TRANSLATE_NOOP("ItemDetail", "Received"),
    "damage": QT_TRANSLATE_NOOP("ItemDetail", "Damaged"),
    "return": QT_TRANSLATE_NOOP("ItemDetail", "Returned"),
    "undo": QT_TRANSLATE_NOOP("ItemDetail", "Undo"),
}
ITEM_KINDS = {
    "single": QT_TRANSLATE_NOOP("ItemDetailPanel", "Single"),
    "set": QT_TRANSLATE_NOOP("ItemDetailPanel", "Set"),
}
_translators: dict[str, QTranslator | None] = {}


def translate_in(language: str | None, context: str, text: str) -> str:
    """*text* in *language* ("ja", "en"); None: in the language of the installed translators.

    Files written for a chosen language (an export with Japanese headers on an English system)
    need the words of that language whatever the program runs in.
    """
    if language is None:
        return QCoreApplication.translate(context, text)
    if language == "en":  # the source language
        return text
    if language not in _translators:
        translator = QTranslator()
        found = translator.load(f"rendo_{language}", str(resources_dir() / "translations"))
        _translators[language] = translator if found else None
    translator = _translators[language]
    return (translator.translate(context, text) if translator is not None else "") or text


def reason_label(reason: str, language: str | None = None) -> str:
    """A movement's reason ("stocktake") as people read it ("Stocktake", 棚卸)."""
    if reason not in MOVEMENT_REASONS:
        return reason
    return translate_in(language, REASON_CONTEXT, MOVEMENT_REASONS[reason])


def kind_label(kind: str, language: str | None = None) -> str:
    """An item's kind ("single" or "set") as people read it (単品, セット商品)."""
    if kind not in ITEM_KINDS:
        return kind
    return translate_in(language, KIND_CONTEXT, ITEM_KINDS[kind])


# -- argparse's own words ---------------------------------------------------------------------
ARGPARSE_CONTEXT = "argparse"
# What argparse (Python 3.11) can say to a user, listed so that lupdate offers them for
# translation; argparse_translated() looks each one up as argparse asks for it.
ARGPARSE_MESSAGES = (
    QT_TRANSLATE_NOOP("argparse", "usage: "),
    QT_TRANSLATE_NOOP("argparse", "positional arguments"),
    QT_TRANSLATE_NOOP("argparse", "options"),
    QT_TRANSLATE_NOOP("argparse", "show this help message and exit"),
    QT_TRANSLATE_NOOP("argparse", "argument %(argument_name)s: %(message)s"),
    QT_TRANSLATE_NOOP("argparse", "unrecognized arguments: %s"),
    QT_TRANSLATE_NOOP("argparse", "not allowed with argument %s"),
    QT_TRANSLATE_NOOP("argparse", "ignored explicit argument %r"),
    QT_TRANSLATE_NOOP("argparse", "the following arguments are required: %s"),
    QT_TRANSLATE_NOOP("argparse", "one of the arguments %s is required"),
    QT_TRANSLATE_NOOP("argparse", "expected one argument"),
    QT_TRANSLATE_NOOP("argparse", "expected at most one argument"),
    QT_TRANSLATE_NOOP("argparse", "expected at least one argument"),
    QT_TRANSLATE_NOOP("argparse", "expected %s argument"),
    QT_TRANSLATE_NOOP("argparse", "expected %s arguments"),
    QT_TRANSLATE_NOOP("argparse", "ambiguous option: %(option)s could match %(matches)s"),
    QT_TRANSLATE_NOOP("argparse", "unexpected option string: %s"),
    QT_TRANSLATE_NOOP("argparse", "invalid %(type)s value: %(value)r"),
    QT_TRANSLATE_NOOP("argparse", "invalid choice: %(value)r (choose from %(choices)s)"),
    QT_TRANSLATE_NOOP("argparse", "unknown parser %(parser_name)r (choices: %(choices)s)"),
    QT_TRANSLATE_NOOP("argparse", "can't open '%(filename)s': %(error)s"),
)


def _argparse_text(text: str) -> str:
    return QCoreApplication.translate(ARGPARSE_CONTEXT, text)


def _argparse_plural(singular: str, plural: str, count: int) -> str:
    return _argparse_text(singular if count == 1 else plural)


@contextmanager
def argparse_translated() -> Iterator[None]:
    """argparse's own messages ("usage:", "invalid choice" …) through Qt's translators.

    argparse looks its words up with gettext through its module-level ``_`` and ``ngettext``;
    they are pointed at the installed Qt translators while the command line is parsed, and put
    back afterwards.
    """
    names = vars(argparse)  # the module's globals, where argparse finds `_` and `ngettext`
    saved = names["_"], names["ngettext"]
    names["_"], names["ngettext"] = _argparse_text, _argparse_plural
    try:
        yield
    finally:
        names["_"], names["ngettext"] = saved
