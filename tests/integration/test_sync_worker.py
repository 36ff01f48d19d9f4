"""The sync worker on its QThread: local changes reach the shops within seconds, crossings
are told once, and it stops cleanly."""

from __future__ import annotations

import pytest

from app.services.channel_sync import choose_first
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.sync.worker import SyncThread

from .sync_world import fast_adapter_for

pytestmark = pytest.mark.databases("sqlite", "postgresql")

@pytest.fixture
def one_shop(db_path, qapp, sandbox):
    open_database(db_path)
    shop = Shop()
    for code, on_hand in (("A", 10), ("B", 3)):
        shop.add_item(code)
        shop.adjust(code, f"+{on_hand}")
    shop.set_item_field(["A", "B"], "reorder_point", 2)
    server = sandbox({"A": 0, "B": 0})
    shop.add_channel("mall", "sandbox", settings={"url": server.url})
    choose_first("mall", "push")
    sync = SyncThread(shop, fast_adapter_for)
    yield shop, server.shop, sync
    sync.stop()
    close_database()


def test_the_worker_pushes_the_first_numbers_and_reports_statuses(one_shop, qtbot, gui_record):
    shop, sandbox, sync = one_shop
    statuses = gui_record(sync.worker.statuses, list)
    sync.start()
    qtbot.waitUntil(lambda: bool(statuses), timeout=5000)
    assert [status.name for status in statuses[0][0]] == ["mall"]
    qtbot.waitUntil(lambda: sandbox.quantity("A") == 10, timeout=5000)
    assert sandbox.quantity("B") == 3


def test_a_change_made_in_the_window_reaches_the_shop_within_two_seconds(one_shop, qtbot):
    shop, sandbox, sync = one_shop
    sync.start()
    qtbot.waitUntil(lambda: sandbox.quantity("A") == 10, timeout=5000)
    shop.adjust("A", "+5", "receive")  # made in this (the GUI) thread
    qtbot.waitUntil(lambda: sandbox.quantity("A") == 15, timeout=2000)


def test_crossing_into_low_and_out_of_stock_is_told_once(one_shop, qtbot, gui_record):
    shop, sandbox, sync = one_shop
    sync.start()
    qtbot.waitUntil(lambda: sandbox.quantity("B") == 3, timeout=5000)
    seen = gui_record(sync.worker.crossed, list, list)
    shop.adjust("B", "-1")  # 2: low
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=2000)
    shop.adjust("B", "-2")  # 0: out of stock (still low: not told again)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=2000)
    shop.adjust("A", "-1")  # nothing crosses
    qtbot.waitUntil(lambda: sandbox.quantity("A") == 9, timeout=2000)
    assert seen == [(["B"], []), ([], ["B"])]


def test_orders_taken_by_the_shop_are_applied_by_the_worker(one_shop, qtbot, gui_record):
    shop, sandbox, sync = one_shop
    sync.start()
    qtbot.waitUntil(lambda: sandbox.quantity("A") == 10, timeout=5000)
    sandbox.place_order({"lines": [{"sku": "A", "quantity": 4}]})
    changed = gui_record(sync.worker.stock_changed, list)
    sync.worker.sync_now_requested.emit()
    qtbot.waitUntil(lambda: any("A" in codes for (codes,) in changed), timeout=20_000)
    qtbot.waitUntil(lambda: shop.book.on_hand["A"] == 6, timeout=5000)


def test_stopping_waits_for_the_cycle_and_leaves_no_transaction_open(one_shop, qtbot):
    shop, sandbox, sync = one_shop
    sync.start()
    qtbot.waitUntil(lambda: sandbox.quantity("A") == 10, timeout=5000)
    assert sync.stop()
    assert not sync.thread.isRunning()
    from app.store.database import db

    assert not db.in_transaction()
