"""The tray: stock notices grouped and once per crossing, failing channels, closing to the tray,
and the same notices in the window where the platform has no tray."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
from pytestqt.qtbot import QtBot

from app.services.shop import Shop
from app.sync.state import ChannelStatus
from app.sync.worker import SyncThread
from app.ui.notice_bar import NoticeBar
from app.ui.pc_settings import TRAY_CLOSE_HINT_SHOWN
from app.ui.sync_panel import SyncPanel
from app.ui.tray import Tray

from . import sync_support

# The fixtures of the sync screens (tests/ui/sync_support.py).
settings = sync_support.settings
sync_thread = sync_support.sync_thread

pytestmark = pytest.mark.usefixtures("memory_keyring")

Notices = list[tuple[str, str, str, str]]


def make_window(qtbot: QtBot) -> QMainWindow:
    window = QMainWindow()
    window.setCentralWidget(QTableView())
    qtbot.addWidget(window)
    window.show()
    return window


def listen(tray: Tray) -> Notices:
    seen: Notices = []
    tray.notified.connect(lambda *notice: seen.append(notice))
    return seen


@pytest.fixture
def shelf(shop: Shop) -> Shop:
    for number in range(1, 7):
        code = f"T-{number}"
        shop.add_item(code, f"タオル {number}")
        shop.adjust(code, "+5")
        shop.set_reorder_point(code, 2)
    return shop


def test_items_that_sell_out_together_make_one_notice(
    qtbot: QtBot, shelf: Shop, sync_thread: Callable[..., SyncThread],
    settings: QSettings,
) -> None:
    sync = sync_thread(start=False)
    tray = Tray(make_window(qtbot), sync, settings=settings, available=False)
    seen = listen(tray)
    codes = [f"T-{n}" for n in range(1, 7)]
    with qtbot.waitSignal(tray.notified, timeout=5_000):
        sync.worker.crossed.emit(codes[:2], codes)  # what the worker says after one import
    assert len(seen) == 1
    _key, level, title, text = seen[0]
    assert (level, title) == ("warning", "Out of stock")
    assert text == "6 items are out of stock: T-1, T-2, T-3 and 3 more"


def test_a_crossing_is_told_once_and_again_only_after_a_restock(
    qtbot: QtBot, shelf: Shop, sync_thread: Callable[..., SyncThread],
    settings: QSettings,
) -> None:
    sync = sync_thread()  # the real worker decides what crossed
    tray = Tray(make_window(qtbot), sync, settings=settings, available=False)
    tray.group_ms = 50
    seen = listen(tray)
    qtbot.waitUntil(lambda: shelf.listeners != [], timeout=5_000)  # the worker listens

    with qtbot.waitSignal(tray.notified, timeout=5_000):
        shelf.adjust("T-1", "=0")
    assert seen[-1][2:] == ("Out of stock", "T-1 タオル 1 is out of stock.")

    shelf.set_reserved("T-1", 0)  # touches T-1 again: still sold out, nothing new to say
    with qtbot.waitSignal(tray.notified, timeout=5_000):
        shelf.adjust("T-2", "-3")  # 2 left: at the reorder point
    assert seen[-1][2:] == ("Low stock",
                            "T-2 タオル 2 is at or below its reorder point (2 left to sell).")
    assert len(seen) == 2

    # Restocked, and sold out again before the worker has handled the restock (it is busy).
    busy, free = threading.Event(), threading.Event()
    QTimer.singleShot(0, sync.worker, lambda: (busy.set(), free.wait(10)))
    assert busy.wait(5)
    try:
        shelf.adjust("T-1", "+4")
        shelf.adjust("T-1", "=0")
    finally:
        free.set()
    with qtbot.waitSignal(tray.notified, timeout=5_000):
        pass  # a new crossing, told
    assert len(seen) == 3 and "T-1" in seen[-1][3]


def test_a_stock_notice_follows_the_stock_until_every_item_recovers(
    qtbot: QtBot, shelf: Shop, sync_thread: Callable[..., SyncThread],
    settings: QSettings,
) -> None:
    sync = sync_thread()
    tray = Tray(make_window(qtbot), sync, settings=settings, available=False)
    tray.group_ms = 50
    bar = tray.notice_bar
    assert bar is not None
    qtbot.waitUntil(lambda: shelf.listeners != [], timeout=5_000)
    with qtbot.waitSignal(tray.notified, timeout=5_000):
        shelf.adjust("T-1", "=0")
        shelf.adjust("T-2", "=0")
    [notice] = bar.notices
    assert notice.text == "2 items are out of stock: T-1, T-2"

    shelf.adjust("T-1", "+5")  # back in stock: the notice now names T-2 only
    qtbot.waitUntil(lambda: [n.text for n in bar.notices] == ["T-2 タオル 2 is out of stock."],
                    timeout=5_000)
    shelf.adjust("T-2", "+5")  # every item recovered: the notice goes
    qtbot.waitUntil(lambda: bar.notices == [], timeout=5_000)
    assert not bar.isVisible()


def status(name: str, failures: int, error: str = "", kind: str = "") -> ChannelStatus:
    return ChannelStatus(
        name, "sandbox", True, False, datetime(2026, 3, 1, 3, 0), None, None, error, failures,
        0, 0, 0, 0, 0, kind)


def test_a_failing_channel_is_told_once_until_it_recovers(
    qtbot: QtBot, shop: Shop, sync_thread: Callable[..., SyncThread],
    settings: QSettings,
) -> None:
    sync = sync_thread(start=False)
    window = make_window(qtbot)
    tray = Tray(window, sync, settings=settings, available=False)
    seen = listen(tray)
    error = "GET /api/stock: connection to 127.0.0.1:9 failed (ConnectionError)"
    for failures in (1, 2):
        sync.worker.statuses.emit([status("rakuten", failures, error, "unreachable")])
    assert seen == []
    sync.worker.statuses.emit([status("rakuten", 3, error, "unreachable")])
    sync.worker.statuses.emit([status("rakuten", 4, error, "unreachable")])
    assert len(seen) == 1
    key, level, title, text = seen[0]
    assert (key, level, title) == ("failing:rakuten", "failing", "rakuten: sync keeps failing")
    assert "rakuten could not be reached" in text and "3" in text
    assert tray.notice_bar is not None
    assert [n.key for n in tray.notice_bar.notices] == ["failing:rakuten"]

    sync.worker.statuses.emit([replace(status("rakuten", 0), last_ok_at=datetime.now())])
    assert seen[-1][:3] == ("recovered:rakuten", "info", "rakuten: sync works again")
    assert [n.key for n in tray.notice_bar.notices] == ["recovered:rakuten"]
    sync.worker.statuses.emit([status("rakuten", 3, error)])
    assert seen[-1][0] == "failing:rakuten" and len(seen) == 3


def test_a_channel_stopped_for_its_credentials_is_told_at_once_with_what_to_renew(
    qtbot: QtBot, shop: Shop, sync_thread: Callable[..., SyncThread],
    settings: QSettings,
) -> None:
    sync = sync_thread(start=False)
    tray = Tray(make_window(qtbot), sync, settings=settings, available=False)
    seen = listen(tray)
    error = "GET /api/orders: authentication failed (HTTP 401)"
    sync.worker.statuses.emit([status("rakuten", 1, error, "authentication")])
    sync.worker.statuses.emit([status("rakuten", 1, error, "authentication")])
    assert len(seen) == 1  # no need to wait for three failures: it will not try again
    key, level, title, text = seen[0]
    assert (key, level, title) == ("failing:rakuten", "failing", "rakuten: sync stopped")
    assert text.startswith("rakuten refused Rendo's credentials; this channel is stopped.")
    assert "(Token)" in text  # the sandbox's credential part to renew


def test_closing_the_window_keeps_syncing_in_the_tray_and_says_so_the_first_time(
    qtbot: QtBot, shop: Shop, qapp: QApplication,
    sync_thread: Callable[..., SyncThread], settings: QSettings,
) -> None:
    sync = sync_thread(start=False)
    window = make_window(qtbot)
    tray = Tray(window, sync, settings=settings, available=True)
    seen = listen(tray)
    assert tray.icon is not None and tray.icon.contextMenu() is tray.menu
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "Show Rendo", "Sync now", "Pause sync", "Quit Rendo"]
    assert not qapp.quitOnLastWindowClosed()

    window.close()
    assert not window.isVisible()
    assert seen[0][2] == "Rendo keeps syncing"
    assert settings.value(TRAY_CLOSE_HINT_SHOWN.key, type=bool) is True

    tray.show_action.trigger()
    assert window.isVisible()
    window.close()
    assert len(seen) == 1  # said once, remembered in the settings

    later = Tray(make_window(qtbot), sync, settings=settings, available=True)
    later_seen = listen(later)
    later.window.close()
    assert later_seen == []
    qapp.setQuitOnLastWindowClosed(True)


def test_quit_in_the_tray_menu_closes_the_window_and_ends_rendo(
    qtbot: QtBot, shop: Shop, qapp: QApplication, monkeypatch: pytest.MonkeyPatch,
    sync_thread: Callable[..., SyncThread], settings: QSettings,
) -> None:
    quits: list[bool] = []
    monkeypatch.setattr(QCoreApplication, "quit", lambda: quits.append(True))
    window = make_window(qtbot)
    tray = Tray(window, sync_thread(start=False), settings=settings, available=True)
    tray.quit_action.trigger()
    assert quits == [True]
    assert not window.isVisible()
    qapp.setQuitOnLastWindowClosed(True)


def test_the_tray_menu_pauses_the_sync_for_the_panel_too(
    qtbot: QtBot, shop: Shop, sync_thread: Callable[..., SyncThread],
    settings: QSettings,
) -> None:
    sync = sync_thread()
    window = make_window(qtbot)
    panel = SyncPanel(shop, sync, window)
    tray = Tray(window, sync, settings=settings, available=False)
    tray.pause_action.trigger()
    qtbot.waitUntil(lambda: sync.worker.paused, timeout=5_000)
    assert panel.pause_button.isChecked()
    panel.pause_button.click()
    assert not tray.pause_action.isChecked()
    qtbot.waitUntil(lambda: not sync.worker.paused, timeout=5_000)


def test_without_a_tray_the_notices_show_in_the_window_and_closing_quits(
    qtbot: QtBot, shelf: Shop, qapp: QApplication,
    sync_thread: Callable[..., SyncThread], settings: QSettings,
) -> None:
    sync = sync_thread(start=False)
    window = make_window(qtbot)
    tray = Tray(window, sync, settings=settings, available=False)
    assert tray.icon is None
    bar = tray.notice_bar
    assert isinstance(bar, NoticeBar)
    assert window.centralWidget().isAncestorOf(bar)  # placed above the window's own content
    assert not bar.isVisible()

    with qtbot.waitSignal(tray.notified, timeout=5_000):
        sync.worker.crossed.emit(["T-2"], ["T-1"])
    assert bar.isVisible()
    [notice] = bar.notices
    assert notice.title == "Out of stock and low stock"
    assert notice.text.splitlines() == [
        "T-1 タオル 1 is out of stock.",
        "T-2 タオル 2 is at or below its reorder point (5 left to sell).",
    ]

    assert qapp.quitOnLastWindowClosed()  # nothing would bring a hidden window back
    window.close()
    assert not window.isVisible()
    assert settings.value(TRAY_CLOSE_HINT_SHOWN.key) is None


def test_a_window_can_bring_its_own_notice_bar(
    qtbot: QtBot, shop: Shop, sync_thread: Callable[..., SyncThread],
    settings: QSettings,
) -> None:
    window = make_window(qtbot)
    central = window.centralWidget()
    bar = NoticeBar(window)
    tray = Tray(window, sync_thread(start=False), notice_bar=bar, settings=settings,
                available=False)
    assert tray.notice_bar is bar
    assert window.centralWidget() is central  # left where the window put it
    tray.notify("k", "info", "Title", "Text")
    assert [n.title for n in bar.notices] == ["Title"]
    bar.dismiss("k")
    assert bar.notices == [] and not bar.isVisible()
