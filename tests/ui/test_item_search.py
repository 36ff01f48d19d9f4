"""The item pickers of the dialogs find what the grid's search finds (one search key)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.services.shop import Shop
from app.ui.dialogs.common import ItemSearch
from app.ui.dialogs.item_picker import ItemPickerDialog
from app.ui.main_window import MainWindow

TYPED = ["ｔｗ－００２", "フェイス\u3000紺", "４９０１２３４５６７００２"]  # as an IME types them


def grid_codes(window: MainWindow, text: str) -> list[str]:
    window.filter_bar.search.setText(text)
    window.apply_search()
    proxy = window.proxy
    return [window.model.code_at(proxy.mapToSource(proxy.index(row, 0)).row())
            for row in range(proxy.rowCount())]


@pytest.mark.parametrize("typed", TYPED)
def test_the_dialogs_item_search_finds_full_width_input_like_the_grid(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop, typed: str,
) -> None:
    assert grid_codes(window, typed) == ["TW-002"]
    search = ItemSearch(lambda: demo_shop.book)
    qtbot.addWidget(search)
    search.setText(typed)
    search.textEdited.emit(typed)
    assert [match.code for match in search.matches] == ["TW-002"]
    picker = ItemPickerDialog(demo_shop, "yahoo", "x", 1, 1)
    qtbot.addWidget(picker)
    picker.search.setText(typed)
    picker.run_search()
    assert picker.results.count() == 1
    assert picker.results.item(0).data(Qt.ItemDataRole.UserRole) == "TW-002"


def test_enter_on_a_full_width_code_chooses_that_item(qtbot: QtBot, demo_shop: Shop) -> None:
    search = ItemSearch(lambda: demo_shop.book)
    qtbot.addWidget(search)
    search.setText("ＴＷ－００１")  # TW-001 and TW-001x3 match; the exact code is chosen
    with qtbot.waitSignal(search.chosen) as chosen:
        search.choose_typed()
    assert chosen.args == ["TW-001"]
