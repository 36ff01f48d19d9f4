"""The window shell: Japanese headers, the status bar, layout remembered, and --smoke."""

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.i18n import install_translators, remove_translators, resources_dir
from app.services.shop import Shop
from app.ui import app_main
from app.ui.main_window import MainWindow
from app.ui.stock_filter import QuickFilter
from app.ui.stock_model import Kind


def headers(window: MainWindow) -> list[str]:
    model = window.model
    orientation = Qt.Orientation.Horizontal
    return [model.headerData(i, orientation) for i in range(model.columnCount())]


def test_an_empty_shop_shows_an_empty_grid_with_english_headers(
    qtbot: QtBot, shop: Shop
) -> None:
    window = MainWindow(shop, "shop.sqlite3")
    qtbot.addWidget(window)
    assert window.windowTitle() == "Rendo"
    assert window.model.rowCount() == 0
    assert headers(window) == [
        "Code", "Name", "Variant", "On hand", "Reserved", "Sellable", "Reorder point", "Status",
        "Limited by",
    ]
    assert "shop.sqlite3" in window.status.database.toolTip()
    assert window.status.items.text() == "0 items (0 sets)"


def test_a_japanese_user_sees_japanese_headers_with_one_column_per_channel(
    qtbot: QtBot, qapp: QApplication, demo_shop: Shop
) -> None:
    translators = install_translators(qapp, "ja")
    try:
        window = MainWindow(demo_shop, "shop.sqlite3")
        qtbot.addWidget(window)
        assert headers(window) == [
            "コード", "商品名", "バリエーション", "実在庫", "確保在庫", "販売可能数",
            "rakuten", "yahoo", "base", "発注点", "状態", "制限部品",
        ]
        assert window.filter_bar.chips[QuickFilter.LOW].label == "在庫わずか"
        assert window.status.items.text() == "12 品目（うちセット 4）"
    finally:
        remove_translators(qapp, translators)


def test_the_status_bar_counts_items_and_says_the_channels_are_manual(window: MainWindow) -> None:
    assert window.status.items.text() == "12 items (4 sets)"
    assert window.status.sync.text.text() == "Manual channels only"
    assert not window.act.sync_now.isEnabled()  # no sync thread in this window


def test_layout_filter_and_column_widths_are_remembered(qtbot: QtBot, demo_shop: Shop) -> None:
    first = MainWindow(demo_shop, "shop.sqlite3")
    qtbot.addWidget(first)
    first.show()
    first.set_quick_filter(QuickFilter.SETS)
    code_column = first.model.column_of(Kind.CODE)
    first.view.horizontalHeader().resizeSection(code_column, 171)
    first.view.sortByColumn(first.model.column_of(Kind.SELLABLE), Qt.SortOrder.DescendingOrder)
    first.close()

    again = MainWindow(demo_shop, "shop.sqlite3")
    qtbot.addWidget(again)
    assert again.filter_bar.current() is QuickFilter.SETS
    assert again.proxy.rowCount() == 4
    assert again.view.horizontalHeader().sectionSize(code_column) == 171
    sellable = [again.model.shop.book.stock[code].sellable for code in again.model.codes]
    assert sellable == sorted(sellable, reverse=True)


def test_a_new_channel_adds_its_column(window: MainWindow, demo_shop: Shop) -> None:
    demo_shop.add_channel("amazon", "manual")
    assert headers(window)[6:10] == ["rakuten", "yahoo", "base", "amazon"]
    column = window.model.column_of(Kind.CHANNEL, "amazon")
    assert window.model.index(window.model.row_of("TW-002"), column).data() == 25


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
