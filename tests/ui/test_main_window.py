"""The window shell: the empty stock grid, its Japanese headers, and the --smoke check."""

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.ui import app_main
from app.ui.main_window import MainWindow
from app.ui.translations import install_translators, remove_translators, resources_dir


def headers(window: MainWindow) -> list[str]:
    model = window.stock_model
    orientation = Qt.Orientation.Horizontal
    return [model.headerData(i, orientation) for i in range(model.columnCount())]


def test_the_stock_grid_starts_empty_with_english_headers(qtbot: QtBot) -> None:
    window = MainWindow("shop.sqlite3")
    qtbot.addWidget(window)
    assert window.windowTitle() == "Rendo"
    assert window.stock_model.rowCount() == 0
    assert headers(window) == ["Code", "Name", "On hand", "Reserved", "Sellable", "Status"]
    assert "shop.sqlite3" in window.statusBar().currentMessage()


def test_a_japanese_user_sees_japanese_headers(qtbot: QtBot, qapp: QApplication) -> None:
    translators = install_translators(qapp, "ja")
    try:
        window = MainWindow()
        qtbot.addWidget(window)
        assert headers(window) == ["コード", "商品名", "実在庫", "確保在庫", "販売可能数", "状態"]
    finally:
        remove_translators(qapp, translators)


def test_translations_and_icon_ship_in_resources() -> None:
    for name in ("translations/rendo_ja.qm", "translations/rendo_en.qm", "icons/rendo.png"):
        assert (resources_dir() / name).is_file(), name


def test_smoke_opens_the_window_and_reports_ok(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_main, "configure_logging", lambda: None)
    report = tmp_path / "smoke.json"
    monkeypatch.setenv("RENDO_SMOKE_REPORT", str(report))
    assert app_main.run_gui(str(tmp_path / "shop.sqlite3"), smoke=True) == 0
    assert json.loads(report.read_text(encoding="utf-8"))["ok"] is True
    assert (tmp_path / "shop.sqlite3").exists()


def test_a_database_password_is_never_shown() -> None:
    shown = app_main.display_location("postgresql://shop:s3cret@db.example:5432/rendo")
    assert shown == "postgresql://shop:***@db.example:5432/rendo"
