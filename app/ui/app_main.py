"""Starting the window: QApplication, translations, icon, database, and the --smoke check."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QLocale,
    QMessageLogContext,
    QSettings,
    QtMsgType,
    qInstallMessageHandler,
    qVersion,
)
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.i18n import (
    chosen_language,
    error_text,
    install_translators,
    remove_translators,
    resources_dir,
)
from app.logsetup import configure_logging
from app.services.channels import adapter_for
from app.services.database import (
    EnvironmentFailure,
    MissingFolder,
    classify,
    close_database,
    damage,
    failure,
    is_default_location,
    open_database,
    resolve_location,
    shown_location,
)
from app.services.shop import Shop
from app.sync.worker import SyncThread
from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
# Harmless notes of the offscreen platform (used by --smoke and the tests).
_QT_NOISE = ("This plugin does not support propagateSizeHints()",)


def _log_qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Send Qt's own messages to the log: a windowed build has no stderr to print them on."""
    if message not in _QT_NOISE:
        qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


def app_icon() -> QIcon:
    """Rendo's icon; empty if resources/ is missing."""
    return QIcon(str(resources_dir() / "icons" / "rendo.png"))


def display_location(location: str) -> str:
    """The database location as the user may see it: a URL's password hidden."""
    return shown_location(location)


EXIT_NO_DISPLAY = 3  # README: the window has no screen to open on


def display_missing(environ: Mapping[str, str] | None = None,
                    platform: str | None = None) -> bool:
    """True where Qt would look for an X11 or Wayland display and none is set.

    Windows and macOS always have their own; a chosen QT_QPA_PLATFORM (offscreen, vnc…)
    needs none.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform in ("win32", "cygwin", "darwin") or environ.get("QT_QPA_PLATFORM"):
        return False
    return not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def refuse_without_display() -> int | None:
    """EXIT_NO_DISPLAY after one plain line saying why, when the window has nowhere to open;
    None when it has. Checked before any QApplication exists: Qt would abort naming a missing
    xcb library."""
    if not display_missing():
        return None
    log.info("no display: DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM are unset")
    QCoreApplication.setApplicationName("Rendo")  # the language chosen in 設定
    QCoreApplication.setOrganizationName("Rendo")
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    translators = install_translators(app, chosen_language(QSettings(), QLocale.system()))
    try:
        print(app.translate(
            "AppMain", "rendo: no display found to open the window on (neither DISPLAY nor "
            "WAYLAND_DISPLAY is set). Start Rendo from a desktop session, or use the command "
            "line: rendo --help"), file=sys.stderr)
    finally:
        remove_translators(app, translators)
    return EXIT_NO_DISPLAY


def run_gui(db_path: str | None, smoke: bool = False, shop: Shop | None = None) -> int:
    """Open the main window on `db_path` (None: RENDO_DB or the default file) until it closes.

    With smoke=True the window is shown (offscreen unless QT_QPA_PLATFORM says otherwise),
    events are processed once, and a one-line JSON report is logged, printed when there is a
    stdout, and written to the file named by RENDO_SMOKE_REPORT; 0 is returned when it is ok.
    """
    configure_logging()
    qInstallMessageHandler(_log_qt_message)
    if smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    QCoreApplication.setApplicationName("Rendo")
    QCoreApplication.setOrganizationName("Rendo")
    QCoreApplication.setApplicationVersion(__version__)
    refused = refuse_without_display()
    if refused is not None:
        return refused
    existing = QApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        existing.shutdown()  # the command line's QCoreApplication: the window needs more
        existing = None
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    translators = install_translators(app, chosen_language(QSettings(), QLocale.system()))
    location = resolve_location(db_path)
    shown = display_location(location)
    if shop is None:
        refused = _open_shop(app, location, smoke)
        if refused is not None:
            if smoke:
                _report_smoke(ok=False, translations=len(translators), error=refused[1])
            remove_translators(app, translators)
            return refused[0]
        shop = Shop()
    sync: SyncThread | None = None
    try:
        if not smoke:
            sync = SyncThread(shop, adapter_for)
        window = MainWindow(shop, shown, sync)
        window.show()
        if sync is not None:
            sync.start()
            return app.exec()
        app.processEvents()
        ok = _report_smoke(ok=window.isVisible(), translations=len(translators))
        window.close()
        window.deleteLater()
        return 0 if ok else 1
    finally:
        if sync is not None:
            sync.stop()
        close_database()
        remove_translators(app, translators)


def _open_shop(app: QApplication, location: str, smoke: bool) -> tuple[int, str] | None:
    """Open the database at *location*; None when it is open, else (exit code, message) once
    the user has been told why (or, for a new folder, has declined to create it)."""
    shown = display_location(location)
    create = is_default_location(location)
    while True:
        try:
            open_database(location, create_folder=create, backups=True)
        except MissingFolder as missing:
            if smoke:
                return 2, error_text(missing)
            question = app.translate(
                "AppMain", "The folder {folder} does not exist, so there is no shop there yet."
                "\n\nCreate the folder and start a new, empty shop in it?"
            ).format(folder=missing.folder)
            answer = QMessageBox.question(None, "Rendo", question)
            if answer != QMessageBox.StandardButton.Yes:
                return 2, error_text(missing)
            create = True
            continue
        except Exception as error:  # the user must see why, whatever the cause
            found = classify(error, location)
            if found is None:
                log.exception("cannot open database %s", shown)
                text = app.translate(
                    "AppMain", "Rendo cannot open the database {location}:\n{error}"
                ).format(location=shown, error=error)
                return _refuse(1, text, smoke)
            log.warning("cannot open database %s: %s", shown, found)
            code = 3 if isinstance(found, EnvironmentFailure) else 2
            return _refuse(code, error_text(found), smoke)
        if damage():  # readable, but Rendo writes nothing to it: restore a backup first
            found = failure("damaged", location, damage()[0])
            log.warning("database %s is damaged: %s", shown, damage())
            close_database()
            return _refuse(3, error_text(found), smoke)
        return None


def _refuse(code: int, message: str, smoke: bool) -> tuple[int, str]:
    if not smoke:
        QMessageBox.critical(None, "Rendo", message)
    return code, message


def _report_smoke(ok: bool, **details: Any) -> bool:
    report = {
        "ok": ok,
        "version": __version__,
        "platform": QGuiApplication.platformName(),
        "qt": qVersion(),
        "frozen": bool(getattr(sys, "frozen", False)),
        **details,
    }
    line = json.dumps(report, ensure_ascii=False)
    log.info("smoke: %s", line)
    if sys.stdout is not None:
        print(line, flush=True)
    report_path = os.environ.get("RENDO_SMOKE_REPORT")
    if report_path:
        with open(report_path, "w", encoding="utf-8") as report_file:
            report_file.write(line + "\n")
    return ok
