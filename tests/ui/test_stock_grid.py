"""The stock grid on a real database: numbers, editing on hand, undo, filters, search,
barcode scanning, bulk changes and changes arriving from the sync thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox, QSpinBox
from pytestqt.qtbot import QtBot

from app.domain.orders import OrderLine
from app.services.orders import apply_order
from app.services.shop import Shop
from app.store.models import ChannelRow, ItemRow, ListingRow
from app.ui import bulk_actions as bulk_module
from app.ui.dialogs.adjust_dialog import AdjustDialog
from app.ui.main_window import MainWindow
from app.ui.stock_filter import QuickFilter
from app.ui.stock_model import LISTING_STATE_ROLE, Kind


def cell(window: MainWindow, code: str, kind: Kind, channel: str | None = None) -> object:
    model = window.model
    row = model.row_of(code)
    assert row is not None
    return model.index(row, model.column_of(kind, channel)).data()


def visible_codes(window: MainWindow) -> list[str]:
    proxy = window.proxy
    return [proxy.index(row, 0).data() for row in range(proxy.rowCount())]


def select(window: MainWindow, *codes: str) -> None:
    """Select these rows, as Ctrl+click would (the first one current)."""
    window.select_code(codes[0])
    selection = window.view.selectionModel()
    for code in codes[1:]:
        row = window.proxy.mapFromSource(window.model.index(window.model.row_of(code), 0))
        selection.select(row, QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)


# -- what the grid shows --------------------------------------------------------------------
def test_the_grid_shows_every_items_computed_numbers(window: MainWindow) -> None:
    assert window.model.rowCount() == 12
    assert window.model.codes[:3] == ["00123", "CH-100", "CH-101"]  # code order, text codes
    assert cell(window, "TW-001", Kind.ON_HAND) == 40
    assert cell(window, "TW-001", Kind.RESERVED) == 2
    assert cell(window, "TW-001", Kind.SELLABLE) == 38
    assert cell(window, "CH-100", Kind.CHANNEL, "rakuten") == 55  # display offset -5
    assert cell(window, "CH-101", Kind.CHANNEL, "base") == 3  # fixed 3 on base only
    # the pattern's 50/30/20 % of 8, the unit left by flooring to rakuten (first priority)
    assert [cell(window, "MG-010", Kind.CHANNEL, c) for c in ("rakuten", "yahoo", "base")] == [
        5, 2, 1]
    assert cell(window, "GIFT-TEA", Kind.ON_HAND) == "—"  # a set has no shelf stock
    assert cell(window, "GIFT-TEA", Kind.LIMITED_BY) == "MG-010"
    assert cell(window, "CH-101", Kind.STATUS) == "Low stock"
    assert cell(window, "CH-101", Kind.REORDER_POINT) == 5
    assert cell(window, "TW-002", Kind.REORDER_POINT) == ""


def test_only_the_on_hand_of_a_single_is_editable(window: MainWindow) -> None:
    model = window.model
    on_hand = model.column_of(Kind.ON_HAND)
    single = model.index(model.row_of("TW-001"), on_hand)
    a_set = model.index(model.row_of("GIFT-TW2"), on_hand)
    name = model.index(model.row_of("TW-001"), model.column_of(Kind.NAME))
    assert single.flags() & Qt.ItemFlag.ItemIsEditable
    assert not a_set.flags() & Qt.ItemFlag.ItemIsEditable
    assert not name.flags() & Qt.ItemFlag.ItemIsEditable


# -- editing on hand, undo and redo ---------------------------------------------------------
def test_editing_on_hand_in_the_grid_records_a_movement_with_the_chosen_reason(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    window.select_code("TW-002")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F2)  # F2 anywhere in the row edits its on hand
    editor = window.view.findChild(QSpinBox, "onHandEditor")
    assert editor is not None and editor.value() == 25
    editor.selectAll()
    qtbot.keyClicks(editor, "20")
    qtbot.keyClick(editor, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: window.findChild(AdjustDialog) is not None)
    dialog = window.findChild(AdjustDialog)
    assert dialog.count.value() == 20
    assert dialog.change.text() == "(-5)"
    dialog.set_reason("stocktake")
    dialog.note.setText("shelf B")
    assert demo_shop.book.on_hand["TW-002"] == 25  # nothing written before OK
    dialog.accept()

    latest = demo_shop.history("TW-002")[0]
    assert (latest.delta, latest.reason, latest.reference) == (-5, "stocktake", "shelf B")
    assert cell(window, "TW-002", Kind.ON_HAND) == 20
    assert cell(window, "GIFT-TW2", Kind.SELLABLE) == 20  # the set follows its component
    assert window.undo_stack.count() == 1


def test_cancelling_the_reason_writes_nothing(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    dialog = window.ask_adjust("TW-002", 3)
    dialog.reject()
    assert demo_shop.book.on_hand["TW-002"] == 25
    assert len(demo_shop.history("TW-002")) == 1
    assert window.undo_stack.count() == 0


def test_ctrl_z_and_ctrl_y_undo_and_redo_with_reverse_movements(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    window.record_adjustment("TW-001", 30, "receive")
    assert demo_shop.book.on_hand["TW-001"] == 30
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert demo_shop.book.on_hand["TW-001"] == 40
    assert cell(window, "TW-001", Kind.ON_HAND) == 40
    qtbot.keyClick(window.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert demo_shop.book.on_hand["TW-001"] == 30
    reasons = [(m.delta, m.reason) for m in demo_shop.history("TW-001")]
    assert reasons == [(-10, "undo"), (10, "undo"), (-10, "receive"), (40, "receive")]
    assert window.act.undo.toolTip() == "Undo: Set on hand of TW-001 to 30"


def test_an_undo_that_would_go_below_zero_is_refused_and_dropped(
    window: MainWindow, demo_shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    window.record_adjustment("TW-003", 20, "receive")  # +8
    demo_shop.adjust("TW-003", "=3", "manual")  # sold meanwhile
    window.undo_stack.undo()
    assert demo_shop.book.on_hand["TW-003"] == 3
    assert shown and "below 0" in shown[0]
    assert window.undo_stack.count() == 0


# -- filters and search ------------------------------------------------------------------------
def counts(window: MainWindow) -> dict[str, int | None]:
    return {quick.value: chip.count for quick, chip in window.filter_bar.chips.items()}


def test_an_oversold_item_is_its_own_state_not_a_backorder(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    demo_shop.adjust("CH-101", "=0", "stocktake")
    apply_order(demo_shop, [OrderLine("rakuten", "R-9", "1", "CH-101", 2)])  # −2, no allowance
    demo_shop.set_item_field(["MG-011"], "backorder_allowance", 5)
    demo_shop.adjust("MG-011", "=0", "manual")
    apply_order(demo_shop, [OrderLine("rakuten", "R-10", "1", "MG-011", 3)])  # within 5
    demo_shop.set_item_field(["TW-002"], "backorder_allowance", 1)
    demo_shop.adjust("TW-002", "=0", "manual")
    apply_order(demo_shop, [OrderLine("yahoo", "Y-1", "1", "TW-002", 4)])  # 3 beyond: oversold
    assert counts(window)["oversold"] == 2
    assert counts(window)["backordered"] == 1
    window.set_quick_filter(QuickFilter.OVERSOLD)
    assert visible_codes(window) == ["CH-101", "TW-002"]
    assert cell(window, "CH-101", Kind.STATUS) == "Oversold"
    window.set_quick_filter(QuickFilter.BACKORDERED)
    assert visible_codes(window) == ["MG-011"]
    assert cell(window, "MG-011", Kind.STATUS) == "Backordered"
    demo_shop.set_item_field(["TW-002"], "backorder_allowance", 4)  # now within it
    window.set_quick_filter(QuickFilter.OVERSOLD)
    assert visible_codes(window) == ["CH-101"]
    assert counts(window)["backordered"] == 2
    window.close()  # the counts survive a rebuild (a new window reads them afresh)
    from app.ui.main_window import MainWindow as Window

    again = Window(demo_shop, "test.sqlite3")
    qtbot.addWidget(again)
    assert (counts(again)["oversold"], counts(again)["backordered"]) == (1, 2)


def test_each_quick_filter_shows_its_count_and_its_items(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    assert counts(window) == {"all": 12, "low": 1, "out": 0, "sets": 4, "backordered": 0,
                              "oversold": 0, "unmatched": 0, "problems": 0}
    demo_shop.adjust("MG-010", "=3", "stocktake")  # low; the tea set sells 3 too
    demo_shop.adjust("TW-003", "=0", "damage")  # out of stock
    demo_shop.set_item_field(["MG-011"], "backorder_allowance", 5)
    demo_shop.adjust("MG-011", "=0", "manual")
    apply_order(demo_shop, [OrderLine("rakuten", "R-1", "1", "MG-011", 2)])  # sold below zero
    assert counts(window) == {"all": 12, "low": 3, "out": 1, "sets": 4, "backordered": 1,
                              "oversold": 0, "unmatched": 0, "problems": 0}

    window.view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_bar.current() is QuickFilter.LOW
    assert visible_codes(window) == ["CH-101", "MG-010", "TW-003"]
    window.set_quick_filter(QuickFilter.OUT)
    assert visible_codes(window) == ["TW-003"]
    window.set_quick_filter(QuickFilter.SETS)
    assert visible_codes(window) == ["GIFT-BIG", "GIFT-TEA", "GIFT-TW2", "TW-001x3"]
    window.set_quick_filter(QuickFilter.BACKORDERED)
    assert visible_codes(window) == ["MG-011"]
    assert cell(window, "MG-011", Kind.STATUS) == "Backordered"

    window.set_quick_filter(QuickFilter.OUT)  # an item leaves the filter when it is restocked
    demo_shop.adjust("TW-003", "+10", "receive")
    assert visible_codes(window) == []


def search(qtbot: QtBot, window: MainWindow, text: str, expected: list[str]) -> None:
    window.filter_bar.search.setText(text)
    qtbot.waitUntil(lambda: visible_codes(window) == expected)


def test_the_search_matches_code_name_and_jan_and_combines_with_a_filter(
    qtbot: QtBot, window: MainWindow,
) -> None:
    search(qtbot, window, "タオル", ["GIFT-TW2", "TW-001", "TW-001x3", "TW-002", "TW-003"])
    search(qtbot, window, "4901234567010", ["MG-010"])
    search(qtbot, window, "ｔｗ－００１", ["TW-001", "TW-001x3"])  # full-width, from an IME
    search(qtbot, window, "タオル 白", ["TW-001", "TW-001x3", "TW-003"])  # every word matches
    window.set_quick_filter(QuickFilter.SETS)
    assert visible_codes(window) == ["TW-001x3"]
    search(qtbot, window, "", ["GIFT-BIG", "GIFT-TEA", "GIFT-TW2", "TW-001x3"])


def test_a_burst_of_scanner_keys_filters_once(qtbot: QtBot, window: MainWindow) -> None:
    searches: list[str] = []
    original = window.proxy.set_search
    window.proxy.set_search = lambda text: (searches.append(text), original(text))  # type: ignore[method-assign]
    qtbot.keyClicks(window.filter_bar.search, "4901234567010")  # 13 keys, queued at once
    qtbot.waitUntil(lambda: searches != [])
    assert searches == ["4901234567010"]
    assert visible_codes(window) == ["MG-010"]


def test_a_scanned_barcode_selects_and_shows_its_row(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.set_quick_filter(QuickFilter.SETS)  # the item is not a set: the filter gives way
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_bar.search.hasFocus()
    qtbot.keyClicks(window.filter_bar.search, "4901234567010")
    qtbot.keyClick(window.filter_bar.search, Qt.Key.Key_Return)
    assert window.filter_bar.current() is QuickFilter.ALL
    assert window.current_code() == "MG-010"
    assert window.selected_codes() == ["MG-010"]
    assert window.filter_bar.search.selectedText() == "4901234567010"  # next scan replaces it
    qtbot.waitUntil(lambda: window.detail.code == "MG-010")


def test_enter_after_a_name_goes_to_the_first_item_found(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.filter_bar.search.setText("波佐見")  # (QTest types ASCII only)
    qtbot.keyClick(window.filter_bar.search, Qt.Key.Key_Return)
    assert visible_codes(window) == ["MG-010", "MG-011"]
    assert window.current_code() == "MG-010"
    assert window.view.hasFocus()


def test_an_unknown_barcode_is_reported(qtbot: QtBot, window: MainWindow) -> None:
    window.filter_bar.search.setText("4999999999999")
    window.select_scanned("4999999999999")
    assert "4999999999999" in window.statusBar().currentMessage()


def test_sorting_by_a_column_keeps_the_selection(window: MainWindow) -> None:
    window.select_code("TW-002")
    window.view.sortByColumn(window.model.column_of(Kind.SELLABLE), Qt.SortOrder.DescendingOrder)
    sellable = [window.model.shop.book.stock[c].sellable for c in visible_codes(window)]
    assert sellable == sorted(sellable, reverse=True)
    assert window.current_code() == "TW-002"


# -- bulk actions ----------------------------------------------------------------------------
def test_a_bulk_change_sets_every_selected_item_and_undoes_as_one(
    window: MainWindow, demo_shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "ask_count", lambda *args: (True, 3))
    select(window, "TW-001", "TW-002", "GIFT-TW2")
    assert sorted(window.selected_codes()) == ["GIFT-TW2", "TW-001", "TW-002"]
    window.act.reserved.trigger()
    items = demo_shop.book.items
    assert [items[c].reserved for c in ("TW-001", "TW-002", "GIFT-TW2")] == [3, 3, 3]
    assert cell(window, "TW-001", Kind.SELLABLE) == 37
    window.undo_stack.undo()
    assert [items[c].reserved for c in ("TW-001", "TW-002", "GIFT-TW2")] == [2, 0, 0]

    window.act.reorder_point.trigger()
    assert [items[c].reorder_point for c in ("TW-001", "TW-002", "GIFT-TW2")] == [3, 3, 3]
    window.act.unlimited_on.trigger()
    assert all(items[c].unlimited for c in ("TW-001", "TW-002", "GIFT-TW2"))
    assert cell(window, "TW-001", Kind.STATUS) == "Unlimited"


def test_backorders_are_set_on_the_selected_singles_only(
    window: MainWindow, demo_shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "ask_count", lambda *args: (True, 4))
    select(window, "TW-001", "GIFT-TW2")
    window.act.backorder.trigger()
    assert demo_shop.book.items["TW-001"].backorder_allowance == 4
    assert demo_shop.book.items["GIFT-TW2"].backorder_allowance == 0


def test_the_pattern_and_offset_dialogs_are_called_with_the_selection(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, object]] = []
    for name in ("edit_patterns", "edit_offset"):
        monkeypatch.setattr(bulk_module, name,
                            lambda shop, codes, parent, name=name: calls.append((name, codes)))
    select(window, "MG-010", "MG-011")
    window.act.pattern.trigger()
    window.act.offset.trigger()
    assert [(name, sorted(codes)) for name, codes in calls] == [  # type: ignore[arg-type]
        ("edit_patterns", ["MG-010", "MG-011"]), ("edit_offset", ["MG-010", "MG-011"])]


# -- other sources of change ---------------------------------------------------------------------
def test_a_change_made_in_the_sync_thread_reaches_the_grid(
    qtbot: QtBot, window: MainWindow, demo_shop: Shop
) -> None:
    from app.store.database import db

    def sell() -> None:
        with db.connection_context():
            apply_order(demo_shop, [OrderLine("yahoo", "Y-1", "1", "TW-002", 5)])

    worker = threading.Thread(target=sell)
    with qtbot.waitSignal(window.events.changed):
        worker.start()
    worker.join()
    qtbot.waitUntil(lambda: cell(window, "TW-002", Kind.ON_HAND) == 20)
    assert cell(window, "GIFT-TW2", Kind.SELLABLE) == 20


def test_unmatched_order_lines_are_listed_and_mapped_to_an_item(
    window: MainWindow, demo_shop: Shop
) -> None:
    apply_order(demo_shop, [OrderLine("yahoo", "Y-7", "1", "TOWEL-WHITE", 2)])
    window.refresh_counts()
    assert counts(window)["unmatched"] == 1
    window.set_quick_filter(QuickFilter.UNMATCHED)
    page = window.unmatched_page
    assert window.pages.currentWidget() is page
    line = page.selected_line()
    assert line is not None and line.channel_item_id == "TOWEL-WHITE"
    assert page.map_line(line, "TW-001")
    assert page.model.rowCount() == 0
    assert counts(window)["unmatched"] == 0
    assert demo_shop.book.on_hand["TW-001"] == 38


def test_listing_problems_are_marked_and_filtered(window: MainWindow, demo_shop: Shop) -> None:
    yahoo = ChannelRow.get(ChannelRow.name == "yahoo")
    ListingRow.create(channel=yahoo, item=ItemRow.get(ItemRow.code == "MG-010"),
                      channel_item_id="mg010", believed_qty=2, suspended=True, failures=5,
                      last_error="HTTP 400")
    ListingRow.create(channel=yahoo, item=ItemRow.get(ItemRow.code == "TW-001"),
                      channel_item_id="tw001", believed_qty=38)
    window.refresh_listings()
    assert counts(window)["problems"] == 1
    model = window.model
    index = model.index(model.row_of("MG-010"), model.column_of(Kind.CHANNEL, "yahoo"))
    assert index.data(LISTING_STATE_ROLE) == "suspended"  # drawn as an icon by the grid
    assert "HTTP 400" in index.data(Qt.ItemDataRole.ToolTipRole)
    window.set_quick_filter(QuickFilter.PROBLEMS)
    assert visible_codes(window) == ["MG-010"]


def test_a_count_typed_in_the_grid_reaches_the_shop_as_a_number_not_text(
    window: MainWindow, demo_shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_text(*args: object) -> None:
        raise AssertionError(f"the window built adjustment text: {args}")

    monkeypatch.setattr(Shop, "adjust", no_text)
    dialog = window.ask_adjust("TW-002", 20)
    dialog.set_reason("stocktake")
    dialog.accept()

    latest = demo_shop.history("TW-002")[0]
    assert (latest.delta, latest.reason) == (-5, "stocktake")
    assert cell(window, "TW-002", Kind.ON_HAND) == 20
