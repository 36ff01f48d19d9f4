"""The item panel: master data, the stock-history chart, movements with undo, listings."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.services.shop import MovementView, Shop
from app.store.models import ChannelRow, ItemRow, ListingRow
from app.ui.item_detail import on_hand_steps
from app.ui.main_window import MainWindow


def open_item(qtbot: QtBot, window: MainWindow, code: str) -> None:
    window.select_code(code)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Return)  # Enter opens the item
    assert window.detail.code == code


def table_texts(table: object, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]  # type: ignore[attr-defined]


def test_enter_shows_the_items_numbers_and_master_data(qtbot: QtBot, window: MainWindow) -> None:
    open_item(qtbot, window, "MG-010")
    detail = window.detail
    assert detail.isVisible()
    assert "MG-010" in detail.title.text()
    assert detail.tiles["on_hand"].value.text() == "8"
    assert detail.tiles["sellable"].value.text() == "8"
    assert detail.tiles["reorder_point"].value.text() == "5"
    assert detail.fields["jan"].text() == "4901234567010"
    assert detail.fields["pattern"].text() == "少量時配分"


def test_a_set_shows_its_components_and_what_limits_it(qtbot: QtBot, window: MainWindow) -> None:
    open_item(qtbot, window, "GIFT-TEA")
    detail = window.detail
    assert detail.tiles["on_hand"].value.text() == "—"
    assert detail.fields["components"].text() == "CH-100 × 1, MG-010 × 1"
    assert detail.fields["limited_by"].text() == "MG-010"
    assert detail.chart.series == []  # no shelf stock: a note instead of a chart
    assert detail.movements.rowCount() == 0


def test_the_history_lists_movements_and_draws_on_hand_and_sellable(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    demo_shop.adjust("TW-001", "-3", "damage", "wet box")
    demo_shop.adjust("TW-001", "+10", "receive")
    open_item(qtbot, window, "TW-001")
    detail = window.detail
    assert table_texts(detail.movements, 1) == ["+10", "-3", "+40"]
    assert table_texts(detail.movements, 2) == ["Received", "Damaged", "Received"]
    assert table_texts(detail.movements, 3)[1] == "wet box"
    on_hand, sellable = detail.chart.series
    assert [value for _, value in on_hand.points] == [0, 40, 37, 47, 47]  # … until now
    assert [value for _, value in sellable.points] == [0, 38, 35, 45, 45]  # reserved 2
    detail.resize(420, 600)
    assert not detail.chart.grab().isNull()


def test_the_chart_spans_the_data_when_it_all_happened_in_the_last_minute(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    demo_shop.adjust("TW-001", "-3", "damage")  # the demo's stock arrived seconds ago too
    open_item(qtbot, window, "TW-001")
    chart = window.detail.chart
    first = min(moment for series in chart.series for moment, _ in series.points)
    start, end = chart.time_range()
    assert start <= first
    assert end - start <= timedelta(minutes=1, seconds=2)  # not a whole hour with the data
    # squeezed at its right edge


def test_the_panel_follows_changes_of_the_shown_item(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    open_item(qtbot, window, "TW-002")
    demo_shop.adjust("TW-002", "=7", "stocktake")
    qtbot.waitUntil(lambda: window.detail.tiles["on_hand"].value.text() == "7")
    assert window.detail.movements.rowCount() == 2


def test_a_chosen_movement_is_undone_through_the_undo_stack(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    demo_shop.adjust("TW-002", "-4", "damage")
    open_item(qtbot, window, "TW-002")
    detail = window.detail
    detail.tabs.setCurrentIndex(1)
    detail.movements.selectRow(0)
    assert detail.undo_button.isEnabled()
    qtbot.mouseClick(detail.undo_button, Qt.MouseButton.LeftButton)
    assert demo_shop.book.on_hand["TW-002"] == 25
    qtbot.waitUntil(lambda: detail.movements.rowCount() == 3)
    assert table_texts(detail.movements, 2)[:2] == ["Undo", "Damaged (undone)"]
    detail.movements.selectRow(1)
    assert not detail.undo_button.isEnabled()  # already undone
    window.undo_stack.undo()  # Ctrl+Z takes the undo back
    assert demo_shop.book.on_hand["TW-002"] == 21


def test_each_channels_listing_state_and_last_error_are_shown(
    qtbot: QtBot, window: MainWindow
) -> None:
    item = ItemRow.get(ItemRow.code == "MG-010")
    confirmed = datetime.now() - timedelta(minutes=5)
    ListingRow.create(channel=ChannelRow.get(ChannelRow.name == "rakuten"), item=item,
                      channel_item_id="shop:mg-010", believed_qty=5, confirmed_at=confirmed)
    ListingRow.create(channel=ChannelRow.get(ChannelRow.name == "yahoo"), item=item,
                      channel_item_id="MG-010", believed_qty=2, suspended=True, failures=5,
                      last_error="HTTP 400: item hidden")
    open_item(qtbot, window, "MG-010")
    listings = window.detail.listing_table
    assert table_texts(listings, 0) == ["rakuten", "yahoo", "base"]
    assert table_texts(listings, 1) == ["shop:mg-010", "MG-010", "—"]
    assert table_texts(listings, 2) == ["5", "2", "1"]  # what Rendo computes now
    assert table_texts(listings, 3) == ["5", "2", "—"]  # what the channel confirmed
    assert table_texts(listings, 4) == ["In step", "Suspended", "Not listed / manual"]
    assert window.detail.listing_errors.text() == "yahoo: HTTP 400: item hidden"


def test_on_hand_steps_run_from_the_first_movement_to_today() -> None:
    start = datetime(2026, 1, 1, 9)
    history = [  # newest first, as Shop.history gives them
        MovementView(3, "A", -2, "order", "", start + timedelta(days=2), "", None, None),
        MovementView(2, "A", 5, "receive", "", start + timedelta(days=1), "", None, None),
        MovementView(1, "A", 10, "receive", "", start, "", None, None),
    ]
    assert [value for _, value in on_hand_steps(history, 13)] == [0, 10, 15, 13]
    assert on_hand_steps([], 4) == []
