"""The sync panel and the status-bar label, driven by a real sync against sandbox shops."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.channels.base import ChannelAdapter, RateBudget
from app.channels.sandbox import SandboxChannel
from app.channels.sandbox_server import SandboxServer
from app.i18n import install_translators, remove_translators
from app.services.channel_sync import choose_first
from app.services.orders import unmatched_lines
from app.services.shop import Shop
from app.store.models import ChannelRow, ListingRow
from app.sync.engine import SyncEngine
from app.sync.state import problem_listings
from app.sync.worker import SyncThread
from app.ui.sync_panel import SyncPanel
from app.ui.sync_status_label import SyncStatusLabel

from . import sync_support
from .sync_support import fast_adapter_for

# The fixtures of the sync screens (tests/ui/sync_support.py).
sync_thread = sync_support.sync_thread

pytestmark = pytest.mark.usefixtures("memory_keyring")


def cell(panel: SyncPanel, channel: str, column: int) -> str:
    model = panel.channels_model
    for number, row in enumerate(model.rows):
        if row.key == (channel,):
            return str(model.data(model.index(number, column)))
    raise AssertionError(f"no row for {channel}")


def make_panel(qtbot: QtBot, shop: Shop, sync: SyncThread) -> SyncPanel:
    panel = SyncPanel(shop, sync)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def connect(shop: Shop, name: str, server: SandboxServer, mode: str | None = "push") -> None:
    shop.add_channel(name, "sandbox", settings={"url": server.url})
    if mode:
        choose_first(name, mode)


@pytest.fixture
def towels(shop: Shop) -> Shop:
    shop.add_item("A", "タオル 白")
    shop.adjust("A", "+7")
    shop.add_item("B", "タオル 紺")
    shop.adjust("B", "+3")
    return shop


def test_the_panel_shows_each_channels_state_from_the_running_sync(
    qtbot: QtBot, towels: Shop, sandbox: Callable[..., SandboxServer],
    sync_thread: Callable[..., SyncThread],
) -> None:
    mall = sandbox({"A": 0, "B": 0})
    connect(towels, "mall", mall)
    connect(towels, "later", sandbox({"A": 9}), mode=None)
    towels.add_channel("store", "manual")
    sync = sync_thread(start=False)
    panel = make_panel(qtbot, towels, sync)
    label = SyncStatusLabel(sync)
    qtbot.addWidget(label)
    sync.start()

    qtbot.waitUntil(lambda: cell(panel, "mall", 1) == "OK", timeout=10_000)
    assert mall.shop.listings() == {"A": 7, "B": 3}
    last, following = cell(panel, "mall", 2), cell(panel, "mall", 3)
    assert "ago" in last or last.endswith(", now")
    assert ", in " in following or following == "Any moment"
    assert cell(panel, "mall", 4) == "2"  # listings
    assert cell(panel, "later", 1) == "Waiting for first-sync choice"
    assert cell(panel, "store", 1) == "Manual (not synced)"
    assert list(panel._waiting_banners) == ["later"]
    assert label.text.text() == "later: choose how to start"


def test_a_channel_that_cannot_be_reached_shows_why_in_plain_words(
    qtbot: QtBot, towels: Shop, dead_url: str,
    sync_thread: Callable[..., SyncThread],
) -> None:
    towels.add_channel("mall", "sandbox", settings={"url": dead_url})
    choose_first("mall", "push")
    sync = sync_thread(start=False)
    panel = make_panel(qtbot, towels, sync)
    label = SyncStatusLabel(sync)
    qtbot.addWidget(label)
    sync.start()
    qtbot.waitUntil(lambda: cell(panel, "mall", 1).startswith("Failing"), timeout=10_000)
    # worded from the failure's kind (the adapter's), the adapter's message in the tooltip
    assert cell(panel, "mall", 8) == "mall could not be reached; Rendo tries again later."
    assert "127.0.0.1" in panel.channels_model.data(
        panel.channels_model.index(0, 8), Qt.ItemDataRole.ToolTipRole)
    assert label.text.text().startswith("mall: error")


def test_the_window_keeps_responding_while_a_slow_cycle_runs(
    qtbot: QtBot, towels: Shop, sandbox: Callable[..., SandboxServer],
    sync_thread: Callable[..., SyncThread],
) -> None:
    mall = sandbox({"A": 0})
    connect(towels, "mall", mall)
    SyncEngine(towels, fast_adapter_for).run_due(force=True)  # in step: not due for a while
    sync = sync_thread(start=False)
    panel = make_panel(qtbot, towels, sync)
    label = SyncStatusLabel(sync)
    qtbot.addWidget(label)
    requests.post(f"{mall.url}/api/faults", json={"slow_rate": 1, "slow_s": 1.0}, timeout=5)

    # "Sync now" is pressed while the worker is busy with a routine cycle (here: its first
    # tick, which syncs nothing): the end of that cycle must not make the forced one look idle.
    qtbot.mouseClick(panel.sync_now_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.control.running_changed, timeout=10_000,
                          check_params_cb=lambda running: running):
        sync.start()
    # The label can only change while the cycle runs if the window's thread is free.
    assert label.text.text() == "Syncing…"
    assert panel.busy.isVisible()
    assert cell(panel, "mall", 1) == "Syncing…"
    requests.post(f"{mall.url}/api/faults", json={}, timeout=5)
    qtbot.waitUntil(lambda: label.text.text().startswith("All channels OK"), timeout=15_000)


def test_pausing_reaches_the_worker_and_shows_everywhere(
    qtbot: QtBot, towels: Shop, sandbox: Callable[..., SandboxServer],
    sync_thread: Callable[..., SyncThread],
) -> None:
    connect(towels, "mall", sandbox({"A": 0}))
    sync = sync_thread()
    panel = make_panel(qtbot, towels, sync)
    label = SyncStatusLabel(sync)
    qtbot.addWidget(label)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sync.worker.paused, timeout=5_000)
    assert panel.pause_button.text() == "Resume sync"
    assert label.text.text().startswith("Sync paused")
    qtbot.waitUntil(lambda: cell(panel, "mall", 3) == "Paused", timeout=5_000)

    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not sync.worker.paused, timeout=5_000)
    assert panel.pause_button.text() == "Pause sync"


# -- what needs the user -------------------------------------------------------------------------
def record_threads(monkeypatch: pytest.MonkeyPatch, name: str) -> list[QThread]:
    """Record the thread each call of the worker's *name* (a state function) runs in."""
    from app.sync import worker

    threads: list[QThread] = []
    original = getattr(worker, name)

    def recorded(*args: object) -> object:
        threads.append(QThread.currentThread())
        return original(*args)

    monkeypatch.setattr(worker, name, recorded)
    return threads


def test_a_suspended_listing_is_listed_and_retried(
    qtbot: QtBot, shop: Shop, sandbox: Callable[..., SandboxServer],
    sync_thread: Callable[..., SyncThread], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("app.channels.sandbox_shop.MAX_QUANTITY", 100)
    shop.add_item("BIG", "業務用タオル")
    shop.adjust("BIG", "+150")  # more than the sandbox shop accepts: refused every time
    connect(shop, "mall", sandbox({"BIG": 1}))
    engine = SyncEngine(shop, fast_adapter_for)
    for _ in range(6):
        engine.run_due(force=True)
    assert [v.channel_item_id for v in problem_listings() if v.suspended] == ["BIG"]

    sync = sync_thread(start=False)
    panel = make_panel(qtbot, shop, sync)
    assert panel.suspended_model.rowCount() == 1
    assert panel.tabs.tabText(0) == "Stopped listings (1)"
    reason = panel.suspended_model.data(panel.suspended_model.index(0, 4))
    assert reason == "mall refused BIG: quantity above 100"  # the channel's own words
    assert not panel.retry_button.isEnabled()
    threads = record_threads(monkeypatch, "resume_listing")
    sync.worker.set_paused(True)  # the retry's own upload would be refused again
    sync.start()

    panel.suspended_view.selectRow(0)
    with qtbot.waitSignal(panel.control.retried, timeout=10_000):
        qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    assert threads == [sync.thread]  # the write ran in the sync thread, not the window's

    listing = ListingRow.get(ListingRow.channel_item_id == "BIG")
    assert (listing.suspended, listing.failures) == (False, 0)
    assert panel.suspended_model.rowCount() == 0
    assert panel.tabs.tabText(0) == "Stopped listings"
    assert panel.suspended_stack.currentIndex() == 0  # the "nothing stopped" text


@pytest.fixture
def drifted(towels: Shop, sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    """The mall showed A 7; someone typed 2 on the mall's admin page."""
    mall = sandbox({"A": 0})
    connect(towels, "mall", mall)
    engine = SyncEngine(towels, fast_adapter_for, drift_every=timedelta(0))
    engine.run_due(force=True)
    assert mall.shop.quantity("A") == 7
    mall.shop.set_listing("A", 2)
    engine.run_due(force=True)
    assert [(v.code, v.drift_qty) for v in problem_listings()] == [("A", 2)]
    return mall


def test_drift_take_the_channels_number(
    qtbot: QtBot, towels: Shop, drifted: SandboxServer,
    sync_thread: Callable[..., SyncThread], monkeypatch: pytest.MonkeyPatch,
) -> None:
    sync = sync_thread(start=False)
    panel = make_panel(qtbot, towels, sync)
    model = panel.drift_model
    assert [model.data(model.index(0, c)) for c in (3, 4)] == ["2", "7"]
    threads = record_threads(monkeypatch, "resolve_drift")
    sync.start()
    panel.drift_view.selectRow(0)
    with qtbot.waitSignal(panel.control.resolved, timeout=10_000):
        qtbot.mouseClick(panel.take_button, Qt.MouseButton.LeftButton)
    assert threads == [sync.thread]
    assert towels.book.on_hand["A"] == 2  # recorded as a stocktake
    assert towels.history("A")[0].reason == "stocktake"
    assert problem_listings() == []
    assert model.rowCount() == 0
    assert "1 item" in panel.message.text()


def test_drift_push_ours_overwrites_the_channel(
    qtbot: QtBot, towels: Shop, drifted: SandboxServer,
    sync_thread: Callable[..., SyncThread],
) -> None:
    sync = sync_thread()
    panel = make_panel(qtbot, towels, sync)
    qtbot.waitUntil(lambda: panel.drift_model.rowCount() == 1, timeout=5_000)
    panel.drift_view.selectRow(0)
    with qtbot.waitSignal(panel.control.resolved, timeout=10_000):
        qtbot.mouseClick(panel.push_button, Qt.MouseButton.LeftButton)
    assert problem_listings() == []
    assert towels.book.on_hand["A"] == 7  # our count stays
    # The worker uploads at once, not at the next poll.
    qtbot.waitUntil(lambda: drifted.shop.quantity("A") == 7, timeout=10_000)


def test_a_set_cannot_take_the_channels_number_and_the_panel_says_why(
    qtbot: QtBot, towels: Shop, sandbox: Callable[..., SandboxServer],
    sync_thread: Callable[..., SyncThread],
) -> None:
    towels.add_item("AB", "セット")
    towels.define_set("AB", [("A", 1), ("B", 1)])
    mall = sandbox({"AB": 0})
    connect(towels, "mall", mall)
    engine = SyncEngine(towels, fast_adapter_for, drift_every=timedelta(0))
    engine.run_due(force=True)
    mall.shop.set_listing("AB", 1)
    engine.run_due(force=True)
    sync = sync_thread(start=False)
    panel = make_panel(qtbot, towels, sync)
    sync.start()
    panel.drift_view.selectRow(0)
    with qtbot.waitSignal(panel.control.resolved, timeout=10_000):
        qtbot.mouseClick(panel.take_button, Qt.MouseButton.LeftButton)
    assert "AB is a set" in panel.message.text()
    assert panel.drift_model.rowCount() == 1


def test_an_unmatched_order_line_is_mapped_to_an_item(
    qtbot: QtBot, towels: Shop, sandbox: Callable[..., SandboxServer],
    sync_thread: Callable[..., SyncThread],
) -> None:
    mall = sandbox({"A": 0, "TWL-9X": 5})
    connect(towels, "mall", mall)
    engine = SyncEngine(towels, fast_adapter_for)
    engine.run_due(force=True)
    answer = requests.post(f"{mall.url}/api/orders", timeout=5,
                           json={"lines": [{"sku": "TWL-9X", "quantity": 2}]})
    assert answer.status_code == 201
    engine.run_due(force=True)
    assert len(unmatched_lines()) == 1

    panel = make_panel(qtbot, towels, sync_thread(start=False))
    assert panel.unmatched_model.rowCount() == 1
    panel.tabs.setCurrentIndex(1)
    panel.unmatched_view.selectRow(0)
    qtbot.mouseClick(panel.map_button, Qt.MouseButton.LeftButton)
    picker = panel.picker
    qtbot.addWidget(picker)
    # Nothing is called TWL-9X: the search falls back to its first part, and nothing is
    # chosen for the user.
    assert picker.search.text() == "TWL"
    assert picker.code is None and not picker.ok.isEnabled()
    picker.search.setText("タオル 白")  # QTest types ASCII only
    picker.run_search()
    assert picker.results.count() == 1
    picker.results.setCurrentRow(0)
    qtbot.mouseClick(picker.ok, Qt.MouseButton.LeftButton)

    assert towels.book.on_hand["A"] == 5  # the two units of the waiting order
    assert unmatched_lines() == []
    assert panel.unmatched_model.rowCount() == 0
    assert "TWL-9X" in panel.message.text()


def test_the_panel_speaks_japanese(
    qtbot: QtBot, towels: Shop, qapp: QApplication, sandbox: Callable[..., SandboxServer],
    sync_thread: Callable[..., SyncThread],
) -> None:
    connect(towels, "rakuten", sandbox({"A": 0}), mode=None)
    translators = install_translators(qapp, "ja")
    try:
        panel = make_panel(qtbot, towels, sync_thread(start=False))
        model = panel.channels_model
        headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
        assert headers == ["店舗", "状態", "最終同期", "次回同期"]
        assert cell(panel, "rakuten", 1) == "初回同期の選択待ち"
        assert panel.pause_button.text() == "同期を一時停止"
        assert panel.tabs.tabText(1) == "未割当の注文"
        assert panel.tabs.tabText(2) == "手動変更の検出"
    finally:
        remove_translators(qapp, translators)


# -- each channel on its own: state, next poll, rate budget ---------------------------------------
class BudgetedSandbox(SandboxChannel):
    """A sandbox adapter that says what is left of its allowance, as Shopify's does."""

    def budget(self) -> RateBudget | None:
        return RateBudget(412, 500, "points")


def budgeted_adapter_for(row: ChannelRow) -> ChannelAdapter | None:
    adapter = fast_adapter_for(row)
    if isinstance(adapter, SandboxChannel) and row.name == "mall":
        return BudgetedSandbox(adapter.info, client=adapter.client)
    return adapter


def test_the_panel_shows_each_channels_state_next_poll_and_rate_budget(
    qtbot: QtBot, towels: Shop, sandbox: Callable[..., SandboxServer],
) -> None:
    mall = sandbox({"A": 0, "B": 0})
    connect(towels, "mall", mall)
    connect(towels, "plain", sandbox({"A": 0, "B": 0}))
    locked = sandbox({"A": 0}, token="only-this")  # our adapters send no token: 401
    connect(towels, "locked", locked)
    sync = SyncThread(towels, budgeted_adapter_for)
    panel = make_panel(qtbot, towels, sync)
    headers = [panel.channels_model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(panel.channels_model.columnCount())]
    assert headers[1:4] == ["State", "Last sync", "Next sync"]
    assert headers[7] == "Rate budget"
    sync.start()
    try:
        qtbot.waitUntil(lambda: cell(panel, "mall", 7) == "412 of 500 points left",
                        timeout=10_000)
        qtbot.waitUntil(lambda: cell(panel, "locked", 1) == "Stopped: enter new credentials",
                        timeout=10_000)
        qtbot.waitUntil(lambda: cell(panel, "plain", 1) == "OK", timeout=10_000)
        assert mall.shop.listings() == {"A": 7, "B": 3}
        assert cell(panel, "plain", 7) == "—"  # the sandbox says nothing of its allowance
        following = cell(panel, "mall", 3)
        assert ", in " in following or following == "Any moment"
        assert cell(panel, "locked", 3) == "After new credentials"
        assert cell(panel, "locked", 8).startswith(
            "locked refused Rendo's credentials; this channel is stopped.")
        assert "HTTP 401" in panel.channels_model.data(
            panel.channels_model.index(2, 8), Qt.ItemDataRole.ToolTipRole)
        label = SyncStatusLabel(sync)
        qtbot.addWidget(label)
        assert label.text.text().startswith("locked: stopped, enter new credentials")
    finally:
        assert sync.stop()
