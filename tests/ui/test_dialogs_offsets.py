"""The display-offset dialog (表示在庫設定): a preview per store, on a multi-row selection."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.domain.offsets import parse_offset
from app.services.shop import Shop
from app.ui.dialogs import OffsetDialog

CHANNELS = ["rakuten", "yahoo", "base"]


@pytest.fixture
def teas(shop: Shop) -> Shop:
    """Three stores; green tea (30 on hand), black tea (10), and a set of one of each."""
    for channel in CHANNELS:
        shop.add_channel(channel, "manual")
    for code, on_hand in [("GREEN", 30), ("BLACK", 10)]:
        shop.add_item(code, f"{code.title()} tea")
        shop.adjust(code, f"+{on_hand}", "receive")
    shop.add_item("DUO", "Tea duo")
    shop.define_set("DUO", [("GREEN", 1), ("BLACK", 1)])
    return shop


def saved() -> Shop:
    return Shop()


def test_plus_20_on_30_previews_50_on_every_selected_row_and_is_saved(
    qtbot: QtBot, teas: Shop
) -> None:
    dialog = OffsetDialog(teas, ["GREEN", "BLACK", "DUO"], None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Display stock — 3 items"
    assert dialog.offset() is None
    assert dialog.preview_text("GREEN", "rakuten") == "30"

    dialog.radios["add"].click()
    dialog.amount.setValue(20)

    for channel in CHANNELS:
        assert dialog.preview_text("GREEN", channel) == "30 → 50"
        assert dialog.preview_text("BLACK", channel) == "10 → 30"
        assert dialog.preview_text("DUO", channel) == "10 → 30"
    assert dialog.explain.text() == (
        "Every store: shows 20 more than its share (goods you can restock at once)."
    )
    dialog.accept()

    book = saved().book
    assert all(book.offsets[code] == parse_offset("+20") for code in ("GREEN", "BLACK", "DUO"))
    assert book.stock["GREEN"].channels == dict.fromkeys(CHANNELS, 50)


def test_minus_10_shows_20_and_0_once_on_hand_is_10(qtbot: QtBot, teas: Shop) -> None:
    dialog = OffsetDialog(teas, ["GREEN", "BLACK"], None)
    qtbot.addWidget(dialog)
    dialog.set_offset(parse_offset("-10"))
    assert dialog.preview_text("GREEN", "yahoo") == "30 → 20"
    assert dialog.preview_text("BLACK", "yahoo") == "10 → 0"


def test_a_fixed_number_for_one_store_changes_only_that_store(qtbot: QtBot, teas: Shop) -> None:
    dialog = OffsetDialog(teas, ["GREEN", "BLACK"], None)
    qtbot.addWidget(dialog)
    dialog.set_channel("base")
    dialog.radios["fixed"].click()
    dialog.amount.setValue(3)
    assert dialog.preview_text("GREEN", "base") == "30 → 3"
    assert dialog.preview_text("GREEN", "rakuten") == "30"
    assert dialog.explain.text() == "base: shows at most 3; less when there is less."
    dialog.accept()

    book = saved().book
    assert book.channel_offsets["GREEN"] == {"base": parse_offset("3")}
    assert "GREEN" not in book.offsets
    assert book.stock["GREEN"].channels == {"rakuten": 30, "yahoo": 30, "base": 3}


def test_the_current_setting_is_shown_and_none_removes_it(qtbot: QtBot, teas: Shop) -> None:
    teas.set_offset(["GREEN", "BLACK"], parse_offset("-5"))
    dialog = OffsetDialog(teas, ["GREEN", "BLACK"], None)
    qtbot.addWidget(dialog)
    assert dialog.radios["subtract"].isChecked()
    assert dialog.amount.value() == 5
    assert dialog.preview_text("GREEN", "rakuten") == "25"

    dialog.radios["none"].click()
    assert not dialog.amount.isEnabled()
    assert dialog.preview_text("GREEN", "rakuten") == "25 → 30"
    dialog.accept()
    assert saved().book.offsets == {}


def test_items_with_different_settings_are_told_so_and_a_store_s_own_setting_stays(
    qtbot: QtBot, teas: Shop
) -> None:
    teas.set_offset(["GREEN"], parse_offset("-5"))
    teas.set_offset(["BLACK"], parse_offset("2"), channel="base")
    dialog = OffsetDialog(teas, ["GREEN", "BLACK"], None)
    qtbot.addWidget(dialog)
    assert "The selected items have different settings now" in dialog.explain.text()
    dialog.set_offset(parse_offset("+1"))
    assert dialog.preview_text("BLACK", "rakuten") == "10 → 11"
    assert dialog.preview_text("BLACK", "base") == "2"  # its own setting for base wins
    assert dialog.preview_note.text() == (
        "Items with their own setting for a store keep it for that store: BLACK."
    )

    dialog.set_channel("base")  # only BLACK has its own setting for base
    assert dialog.offset() is None
    assert dialog.explain.text() == (
        "base follows the setting for all stores.\n"
        "The selected items have different settings now; OK gives them all this one."
    )
