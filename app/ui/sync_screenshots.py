"""The sync screens for ``python -m app.tools.screenshots`` (registered in app.ui.screenshots).

The screenshot tool starts no sync and no sandbox server: the panel is built on a sync thread
that is never started (it shows what the database says), and the first-sync preview reads a
channel made up here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtWidgets import QWidget

from app.channels.base import (
    ChannelInfo,
    ChannelLimits,
    OrderPage,
    QuantityUpdate,
    UpdateResult,
)
from app.services.channels import adapter_for, channel_info
from app.sync.worker import SyncThread

from .screenshots import screen
from .sync_panel import SyncPanel
from .sync_status_label import SyncStatusLabel
from .tray import Tray

if TYPE_CHECKING:
    from .main_window import MainWindow


def _wait(until: object, timeout_ms: int = 5000) -> None:
    """Let the event loop run until ``until()`` holds (a background read has finished)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    timer.timeout.connect(lambda: loop.quit() if until() else None)  # type: ignore[operator]
    timer.start()
    deadline.start(timeout_ms)
    loop.exec()


def _sync(window: MainWindow) -> SyncThread:
    """A sync thread that is never started, kept alive by the window."""
    sync = getattr(window, "_screens_sync", None)
    if sync is None:
        sync = SyncThread(window.shop, adapter_for)
        window._screens_sync = sync  # type: ignore[attr-defined]
    return sync


def _panel(window: MainWindow) -> SyncPanel:
    panel = window.findChild(SyncPanel)
    if panel is None:
        panel = SyncPanel(window.shop, _sync(window), window)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, panel)
    panel.show()
    panel.raise_()
    return panel


@screen("sync-panel")
def sync_panel(window: MainWindow) -> QWidget:
    panel = _panel(window)
    panel.tabs.setCurrentIndex(0)
    panel.refresh_problems()
    return window


@screen("sync-panel-drift")
def sync_panel_drift(window: MainWindow) -> QWidget:
    panel = _panel(window)
    panel.tabs.setCurrentIndex(2)
    panel.drift_view.selectRow(0)
    return panel


@screen("sync-status-bar")
def sync_status(window: MainWindow) -> QWidget:
    label = SyncStatusLabel(_sync(window), window)
    window.statusBar().addPermanentWidget(label)
    return window.statusBar()


@screen("map-unmatched-line")
def map_unmatched(window: MainWindow) -> QWidget:
    panel = _panel(window)
    panel.tabs.setCurrentIndex(1)
    panel.unmatched_view.selectRow(0)
    panel.map_selected()
    return panel.picker


@screen("channel-settings")
def channel_settings(window: MainWindow) -> QWidget:
    from .dialogs.channel_dialog import ChannelDialog

    dialog = ChannelDialog(window.shop, window, select="rakuten")
    dialog.resize(880, 560)
    return dialog


@screen("channel-settings-new")
def channel_settings_new(window: MainWindow) -> QWidget:
    from .dialogs.channel_dialog import ChannelDialog

    dialog = ChannelDialog(window.shop, window)
    dialog.resize(880, 560)
    dialog.new_channel()
    dialog.name.setText("shopify")
    dialog.url.setText("http://my-shop.example.com/admin/api")
    dialog.validate()
    return dialog


class _DemoChannel:
    """What a newly connected channel shows: some numbers differ, one is unknown to Rendo."""

    limits = ChannelLimits()

    def __init__(self, info: ChannelInfo, shown: dict[str, int]) -> None:
        self.info = info
        self.shown = shown

    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        return OrderPage([], cursor or "")

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        return []

    def read_quantities(self) -> dict[str, int]:
        return self.shown

    def test_connection(self) -> None:
        return None

    def set_deadline(self, deadline: float | None) -> None:
        return None

    def cancel(self) -> None:
        return None


@screen("first-sync")
def first_sync(window: MainWindow) -> QWidget:
    from .dialogs.first_sync_dialog import FirstSyncDialog

    book = window.shop.book
    codes = sorted(book.items)[:14]
    shown = {code: book.stock[code].channels.get("base", 0) for code in codes}
    for number, code in enumerate(codes[:5]):  # a few counted differently on the channel
        shown[code] = shown[code] + (2 if number % 2 else -1) if shown[code] else 3
    shown["OLD-0042"] = 2  # listed on the channel, unknown to Rendo
    dialog = FirstSyncDialog(window.shop, "base",
                             lambda row: _DemoChannel(channel_info(row), shown), window)
    dialog.resize(900, 700)
    dialog.show()
    _wait(lambda: dialog.loaded)
    dialog.push.setChecked(True)
    return dialog


@screen("notices-without-tray")
def notices(window: MainWindow) -> QWidget:
    settings = QSettings()
    tray = Tray(window, _sync(window), settings=settings, available=False)
    book = window.shop.book
    out = [c for c, s in book.stock.items() if s.sellable == 0 and not s.unlimited][:6]
    low = [c for c, s in book.stock.items() if s.low and c not in out][:2]
    tray.control.worker.crossed.emit(low, out or sorted(book.items)[:5])
    tray._flush_crossings()
    return window



@screen("sync-panel-credentials")
def sync_panel_credentials(window: MainWindow) -> QWidget:
    """楽天's license key ending soon and a channel stopped for refused credentials (the
    screenshot tool sets the demo's channels up so for this screen)."""
    panel = _panel(window)
    panel.tabs.setCurrentIndex(0)
    return window


@screen("sync-panel-leader")
def sync_panel_leader(window: MainWindow) -> QWidget:
    """Several PCs on one shop: the header says which PC syncs each channel (the screenshot
    tool lets another PC hold two of the demo's channels for this screen)."""
    panel = _panel(window)
    panel.tabs.setCurrentIndex(0)
    panel.leader.refresh()
    return window


@screen("database-disconnected")
def database_disconnected(window: MainWindow) -> QWidget:
    """The office PC's PostgreSQL went away: the bar above the grid and the sync panel's
    summary say so (the sync worker's feed read is what notices it)."""
    from app.i18n import error_text
    from app.services.database import failure

    from .connection_banner import ConnectionBanner
    from .sync_control import SyncControl

    control = SyncControl.of(_sync(window))
    if window.connection_banner is None:
        window.connection_banner = ConnectionBanner(control, window)
        window.central_layout.insertWidget(0, window.connection_banner)
    _panel(window).tabs.setCurrentIndex(0)
    reason = failure("unreachable", "postgresql://rendo:secret@office-pc:5432/shop",
                     'connection failed: connection to server at "192.168.1.20", port 5432 '
                     "failed: Connection refused")
    control._on_connection(error_text(reason))
    return window

