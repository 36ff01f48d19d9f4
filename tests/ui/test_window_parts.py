"""The window with a running sync thread: the sync panel, its status-bar label and the tray
are wired, and F5 asks the worker for a cycle."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Slot
from pytestqt.qtbot import QtBot

from app.services.shop import Shop
from app.sync.worker import SyncThread
from app.ui.main_window import MainWindow
from app.ui.sync_control import SyncControl


class Seen(QObject):
    """Records the worker's reports in the window's thread (bound slots)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[bool | str] = []

    @Slot(bool)
    def running(self, running: bool) -> None:
        self.seen.append(running)

    @Slot()
    def forced(self) -> None:
        self.seen.append("forced")


@pytest.fixture
def running_sync(demo_shop: Shop) -> Iterator[SyncThread]:
    sync = SyncThread(demo_shop, lambda row: None)  # manual channels: nothing to call
    yield sync
    sync.stop()


def test_the_sync_panel_label_and_tray_are_wired_and_f5_syncs(
    qtbot: QtBot, demo_shop: Shop, running_sync: SyncThread
) -> None:
    window = MainWindow(demo_shop, "test.sqlite3", running_sync)
    qtbot.addWidget(window)
    window.show()
    # Wait on signals of the window's thread: qtbot.waitSignal on a worker's signal would
    # handle it in the worker's thread (and stop its own timer from there).
    control = SyncControl.of(running_sync)
    cycles = Seen()
    running_sync.worker.running.connect(cycles.running)
    with qtbot.waitSignal(control.statuses_changed, timeout=10_000):
        running_sync.start()
    assert window.sync_panel is not None and window.sync_panel.objectName() == "syncPanel"
    assert not window.status.sync.isVisible()  # the sync panel's own label replaces it
    assert window.tray is not None
    assert window.act.sync_now.isEnabled()
    running_sync.worker.forced_cycle_starting.connect(cycles.forced)
    window.act.sync_now.trigger()  # F5 reaches the worker (manual channels: nothing to run,
    # each synced channel would run on its own thread)
    qtbot.waitUntil(lambda: "forced" in cycles.seen, timeout=10_000)
    assert True not in cycles.seen
    window.show_sync_panel()
    assert window.sync_panel.isVisible()
    window.show_item("GIFT-TEA")
    assert window.detail.code == "GIFT-TEA"
