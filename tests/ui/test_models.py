"""Every table model in the window passes pytest-qt's model tester (Qt's QAbstractItemModelTester),
with realistic rows and while its rows change: indexes, parents, row counts, data types and the
signals around a reset or a change must agree with what views expect."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.services.orders import UnmatchedLine
from app.services.shop import Shop
from app.sync.engine import PreviewRow
from app.sync.state import ListingView
from app.ui.dialogs.first_sync_dialog import PreviewModel, _DifferencesOnly
from app.ui.dialogs.import_preview_page import ImportRowsModel
from app.ui.panel_table import PanelRowsModel, Row
from app.ui.stock_filter import QuickFilter, StockFilter
from app.ui.stock_model import Kind, StockModel
from app.ui.table_model import OBJECT_ROLE, SORT_ROLE
from app.ui.unmatched import UnmatchedModel

SEEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def a_parent(qtbot: QtBot) -> QWidget:
    parent = QWidget()
    qtbot.addWidget(parent)
    return parent


def listing(code: str, channel: str, **fields: object) -> ListingView:
    values: dict[str, object] = dict(
        channel=channel, code=code, channel_item_id=code, believed_qty=3, confirmed_at=SEEN,
        failures=0, suspended=False, last_error="", drift_qty=None)
    values.update(fields)
    return ListingView(**values)  # type: ignore[arg-type]


def test_the_stock_grid_model(qtmodeltester: ModelTester, demo_shop: Shop) -> None:
    model = StockModel(demo_shop)
    qtmodeltester.check(model)
    assert model.rowCount() == len(demo_shop.book.items) > 10
    # A sale, listings that need the user, a sort by sellable and a reload, all while checked.
    demo_shop.adjust("TW-001", "-5", "damage")
    model.refresh_codes(["TW-001", "GIFT-TW2", "TW-001x3"])
    model.set_listings([listing("TW-001", "rakuten", suspended=True, failures=5,
                                last_error="HTTP 500"),
                        listing("MG-010", "yahoo", drift_qty=4)])
    model.sort(model.column_of(Kind.SELLABLE), Qt.SortOrder.DescendingOrder)
    demo_shop.add_item("NEW-1", "新商品")
    model.reload()
    qtmodeltester.check(model)
    assert model.row_of("NEW-1") is not None


def test_the_stock_grid_filter(qtmodeltester: ModelTester, demo_shop: Shop) -> None:
    model = StockModel(demo_shop)
    proxy = StockFilter(model)
    qtmodeltester.check(proxy)
    proxy.set_search("タオル")
    assert 0 < proxy.rowCount() < model.rowCount()
    proxy.set_quick(QuickFilter.SETS)
    model.sort(model.column_of(Kind.NAME), Qt.SortOrder.AscendingOrder)
    demo_shop.adjust("TW-001", "-5", "damage")
    model.refresh_codes(["TW-001", "GIFT-TW2", "TW-001x3"])
    proxy.set_quick(QuickFilter.ALL)
    proxy.set_search("")
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == model.rowCount()


PREVIEW = [
    PreviewRow("TW-001", "TW-001", 5, 12),  # differs
    PreviewRow("TW-002", "tw-002", 4, 0),  # push would wipe 4
    PreviewRow("MG-010", "MG-010", 8, 8),  # same
    PreviewRow(None, "OLD-99", 2, None),  # not in Rendo
]


def test_the_first_sync_preview_and_its_differences_filter(
    qtmodeltester: ModelTester, qtbot: QtBot, demo_shop: Shop
) -> None:
    dialog = a_parent(qtbot)  # kept: the model is the dialog's child
    model = PreviewModel(dialog)
    proxy = _DifferencesOnly(model)
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    model.set_rows(PREVIEW, demo_shop)
    for mode in ("push", "pull", None):
        model.set_mode(mode)
    proxy.set_only_differences(True)
    assert proxy.rowCount() == 3
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


def test_the_sync_panels_tables(qtmodeltester: ModelTester) -> None:
    model = PanelRowsModel(["Channel", "State", "Last sync"])
    qtmodeltester.check(model)
    rows = [
        Row(("rakuten",), ["rakuten", "ok", "09:30"], tooltips={1: "all in step"},
            icons={1: QIcon()}, colors={1: "#2e7d32"}, bold={0}, right={2}),
        Row(("yahoo",), ["yahoo", "failing", "09:29"], colors={1: "#c62828"}, payload="yahoo"),
    ]
    model.set_rows(rows)
    model.set_rows([Row(r.key, [*r.cells[:2], "09:31"]) for r in rows])  # same keys: changed
    model.set_rows(rows[:1])  # a channel removed: reset
    qtmodeltester.check(model)
    assert model.rowCount() == 1
    assert model.index(0, 2).data(OBJECT_ROLE) is rows[0]  # the row itself, for actions
    assert model.index(0, 2).data(SORT_ROLE) == "09:30"


def test_the_unmatched_order_lines(qtmodeltester: ModelTester) -> None:
    model = UnmatchedModel()
    qtmodeltester.check(model)
    model.set_lines([
        UnmatchedLine("rakuten", "R-1001", "1", "tw-white", 2, False, None, SEEN, ""),
        UnmatchedLine("yahoo", "Y-77", "2", "gift-x", 1, True, None, None, ""),
        UnmatchedLine("base", "B-5", "1", "huge", 10**20, False, None, SEEN, json.dumps(
            {"template": "quantity {qty} too large", "params": {"qty": 10**20}})),
    ])
    qtmodeltester.check(model)
    assert model.index(2, 4).data() == "refused"
    assert model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole) == (
        "quantity 100000000000000000000 too large")
    assert model.index(1, 0).data(OBJECT_ROLE).order_id == "Y-77"
    assert model.index(2, 4).data(SORT_ROLE) > model.index(0, 4).data(SORT_ROLE)  # 10**20 > 2
    assert model.index(1, 5).data(SORT_ROLE) < model.index(0, 5).data(SORT_ROLE)  # never seen


def test_the_import_wizards_tables(qtmodeltester: ModelTester) -> None:
    model = ImportRowsModel(["Row", "Code", "What", "Value"])
    qtmodeltester.check(model)
    model.set_rows([(2, "TW-001", "on hand", 12), (3, "TW-002", "on hand", None),
                    (4, "00123", "name", "タオル 白")], muted={1})
    qtmodeltester.check(model)
    assert model.index(1, 3).data() == ""
    assert model.index(2, 1).data(OBJECT_ROLE) == (4, "00123", "name", "タオル 白")
    model.set_rows([(9, "A", "on hand", 5), (10, "B", "on hand", None)])
    # row 10 sorts after row 9 (numbers as numbers; the text "10" sorts before "9")
    assert model.index(0, 0).data(SORT_ROLE) < model.index(1, 0).data(SORT_ROLE)
    assert model.index(1, 3).data(SORT_ROLE) == ""
    model.set_rows([(2, "A", "on hand", 10**20)])  # refused later, but shown and sortable
    assert model.index(0, 3).data(SORT_ROLE) == 1e20
