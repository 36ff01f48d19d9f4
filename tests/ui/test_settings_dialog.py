"""設定: the display language is stored in QSettings and chosen at the next start."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QSettings
from pytestqt.qtbot import QtBot

from app.i18n import LANGUAGE_KEY, chosen_language
from app.ui.dialogs.settings_dialog import SettingsDialog

JAPANESE = QLocale("ja_JP")
ENGLISH = QLocale("en_US")


@pytest.fixture
def settings(isolated_settings: Path) -> QSettings:
    return QSettings(str(isolated_settings / "rendo.ini"), QSettings.Format.IniFormat)


def make_dialog(qtbot: QtBot, settings: QSettings, locale: QLocale = ENGLISH) -> SettingsDialog:
    dialog = SettingsDialog(settings=settings, system_locale=locale)
    qtbot.addWidget(dialog)
    return dialog


def test_choosing_japanese_stores_ja(qtbot: QtBot, settings: QSettings) -> None:
    dialog = make_dialog(qtbot, settings)
    assert dialog.choice == "system"
    dialog.language.setCurrentIndex(dialog.language.findText("日本語"))
    dialog.accept()
    assert settings.value(LANGUAGE_KEY) == "ja"
    assert chosen_language(settings, ENGLISH) == "ja"


def test_cancel_stores_nothing(qtbot: QtBot, settings: QSettings) -> None:
    dialog = make_dialog(qtbot, settings)
    dialog.set_choice("ja")
    dialog.reject()
    assert settings.value(LANGUAGE_KEY) is None


def test_dialog_shows_the_stored_choice(qtbot: QtBot, settings: QSettings) -> None:
    settings.setValue(LANGUAGE_KEY, "en")
    dialog = make_dialog(qtbot, settings, JAPANESE)
    assert dialog.choice == "en"
    assert dialog.language.currentText() == "English"


def test_a_change_says_it_applies_after_a_restart(qtbot: QtBot, settings: QSettings) -> None:
    dialog = make_dialog(qtbot, settings, ENGLISH)
    dialog.running = "en"
    dialog.set_choice("en")
    assert dialog.messages.isHidden()
    dialog.set_choice("ja")
    assert not dialog.messages.isHidden()
    assert "restart" in dialog.messages.messages[0]
    dialog.set_choice("system")  # English, like the window now
    assert dialog.messages.isHidden()


@pytest.mark.parametrize(
    ("stored", "locale", "expected"),
    [
        (None, JAPANESE, "ja"),
        (None, ENGLISH, "en"),
        ("system", JAPANESE, "ja"),
        ("system", ENGLISH, "en"),
        ("ja", ENGLISH, "ja"),
        ("en", JAPANESE, "en"),
        ("klingon", JAPANESE, "ja"),
    ],
)
def test_chosen_language(
    settings: QSettings, stored: str | None, locale: QLocale, expected: str
) -> None:
    if stored is not None:
        settings.setValue(LANGUAGE_KEY, stored)
    assert chosen_language(settings, locale) == expected


def test_run_gui_installs_the_stored_language(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.ui import app_main

    monkeypatch.setattr(app_main, "configure_logging", lambda: None)
    # Where run_gui's QSettings() reads (the tests' default format is INI)
    QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Rendo", "Rendo").setValue(
        LANGUAGE_KEY, "en")
    seen: list[str | None] = []

    def fake_install(app: object, language: str | None = None) -> list[object]:
        seen.append(language)
        raise RuntimeError("stop here")

    monkeypatch.setattr(app_main, "install_translators", fake_install)
    with pytest.raises(RuntimeError, match="stop here"):
        app_main.run_gui(":memory:", smoke=True)
    assert seen == ["en"]


def test_menu_action_opens_the_dialog(
    window: object, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[SettingsDialog] = []
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: opened.append(self) or 0)
    action = window.act.settings  # type: ignore[attr-defined]
    assert action.shortcut().toString() == "Ctrl+,"
    action.trigger()
    assert len(opened) == 1


def test_this_pcs_name_is_stored_and_is_what_the_other_pcs_see(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from app.sync.lease import pc_name

    monkeypatch.delenv("RENDO_PC_NAME", raising=False)
    dialog = make_dialog(qtbot, QSettings())  # the store pc_name() reads (isolated by conftest)
    assert dialog.pc_name.text() == ""
    assert dialog.pc_name.placeholderText() == socket.gethostname() == pc_name()
    dialog.pc_name.setText("  packing   station ")
    dialog.accept()
    assert pc_name() == "packing station"
    assert make_dialog(qtbot, QSettings()).pc_name.text() == "packing station"
    monkeypatch.setenv("RENDO_PC_NAME", "pc-9")
    assert pc_name() == "pc-9"  # the environment comes first (scripts, tests)
