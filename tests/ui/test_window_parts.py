"""The window with a running sync thread: the other parts (sync panel, its status-bar label,
the tray, the dialogs) are found and wired, and F5 asks the worker for a cycle."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.services.shop import Shop
from app.sync.worker import SyncThread
from app.ui.integration import ENTRY_POINTS, entry_point
from app.ui.main_window import MainWindow


@pytest.fixture
def running_sync(demo_shop: Shop) -> Iterator[SyncThread]:
    sync = SyncThread(demo_shop, lambda row: None)  # manual channels: nothing to call
    yield sync
    sync.stop()


def test_every_part_the_window_integrates_is_found() -> None:
    missing = [name for name in ENTRY_POINTS if entry_point(name) is None]
    assert missing == []


def test_the_sync_panel_label_and_tray_are_wired_and_f5_syncs(
    qtbot: QtBot, demo_shop: Shop, running_sync: SyncThread
) -> None:
    window = MainWindow(demo_shop, "test.sqlite3", running_sync)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(running_sync.worker.statuses, timeout=10_000):
        running_sync.start()
    assert window.sync_panel is not None and window.sync_panel.objectName() == "syncPanel"
    assert not window.status.sync.isVisible()  # the sync panel's own label replaces it
    assert window.tray is not None
    assert window.act.sync_now.isEnabled()
    with qtbot.waitSignal(running_sync.worker.running, timeout=10_000):
        window.act.sync_now.trigger()  # F5
    window.show_sync_panel()
    assert window.sync_panel.isVisible()
    window.show_item("GIFT-TEA")
    assert window.detail.code == "GIFT-TEA"
