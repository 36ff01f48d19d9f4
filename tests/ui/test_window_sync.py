"""The main window with a running sync thread: the worker's reports reach the window's thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QSize, QThread, QTimer, QtMsgType
from pytestqt.qtbot import QtBot

from app.services.shop import Shop
from app.store.models import ChannelRow, ItemRow, ListingRow
from app.sync.engine import CycleReport
from app.sync.state import channel_statuses
from app.sync.worker import SyncThread, SyncWorker
from app.ui.main_window import MainWindow, default_window_size
from app.ui.status_bar import StatusParts
from app.ui.stock_filter import QuickFilter
from app.ui.stock_model import Kind
from app.ui.stock_view import CELL_PADDING
from app.ui.sync_control import SyncControl, summarize

from . import sync_support

sync_thread = sync_support.sync_thread

pytestmark = pytest.mark.usefixtures("memory_keyring")


def emit_in_worker_thread(worker: SyncWorker, emit: Callable[[], None]) -> None:
    """Run *emit* in the worker's own thread, as its cycle does."""
    QTimer.singleShot(0, worker, emit)


def qt_warnings(qtlog: Any) -> list[str]:
    """Qt's warnings, less the offscreen platform's note about size hints."""
    return [r.message for r in qtlog.records if r.type != QtMsgType.QtDebugMsg
            and "propagateSizeHints" not in r.message]


@pytest.fixture
def sync_window(
    qtbot: QtBot, demo_shop: Shop, sync_thread: Callable[..., SyncThread],
) -> Iterator[MainWindow]:
    main = MainWindow(demo_shop, "test.sqlite3", sync_thread())
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


def test_a_cycle_reported_from_the_sync_thread_refreshes_the_listing_states(
    qtbot: QtBot, sync_window: MainWindow, qtlog: Any,
) -> None:
    assert ("TW-002", "yahoo") not in sync_window.model.listings
    # After start-up, a cycle finds a listing the channel has never confirmed.
    ListingRow.create(channel=ChannelRow.get(ChannelRow.name == "yahoo"),
                      item=ItemRow.get(ItemRow.code == "TW-002"), channel_item_id="TW-002")
    worker = sync_window.sync.worker  # type: ignore[union-attr]
    emit_in_worker_thread(worker, lambda: worker.cycle_done.emit(CycleReport("yahoo")))
    qtbot.waitUntil(lambda: ("TW-002", "yahoo") in sync_window.model.listings, timeout=5_000)
    assert sync_window.model.listings[("TW-002", "yahoo")].state == "pending"
    assert qt_warnings(qtlog) == []


def test_every_worker_report_is_handled_in_the_windows_thread(
    qtbot: QtBot, demo_shop: Shop, sync_thread: Callable[..., SyncThread],
    monkeypatch: pytest.MonkeyPatch, qtlog: Any,
) -> None:
    threads: list[tuple[str, QThread]] = []
    original_statuses, original_running = StatusParts.set_statuses, StatusParts.set_running

    def set_statuses(self: StatusParts, statuses: Any) -> None:
        threads.append(("statuses", QThread.currentThread()))
        original_statuses(self, statuses)

    def set_running(self: StatusParts, running: bool) -> None:
        threads.append(("running", QThread.currentThread()))
        original_running(self, running)

    monkeypatch.setattr(StatusParts, "set_statuses", set_statuses)
    monkeypatch.setattr(StatusParts, "set_running", set_running)
    sync = sync_thread(start=False)
    window = MainWindow(demo_shop, "test.sqlite3", sync)
    qtbot.addWidget(window)
    messages: list[QThread] = []
    window.statusBar().messageChanged.connect(lambda _t: messages.append(QThread.currentThread()))
    threads.clear()
    sync.start()
    worker = sync.worker
    statuses = channel_statuses()

    def report() -> None:
        worker.statuses.emit(statuses)
        worker.running.emit(True)
        worker.failed.emit("yahoo", "no answer")

    emit_in_worker_thread(worker, report)
    qtbot.waitUntil(lambda: {name for name, _ in threads} >= {"statuses", "running"}
                    and bool(messages), timeout=5_000)
    gui = QThread.currentThread()
    assert all(thread is gui for _, thread in threads)
    assert all(thread is gui for thread in messages)
    assert "yahoo: no answer" in window.statusBar().currentMessage()
    window.close()
    assert qt_warnings(qtlog) == []


# -- one definition, one count ---------------------------------------------------------------
def test_the_sync_summary_and_the_grid_count_the_same_items_to_check(
    qtbot: QtBot, demo_shop: Shop, sync_thread: Callable[..., SyncThread],
) -> None:
    for name in ("mall", "market"):
        demo_shop.add_channel(name, "sandbox", settings={"url": "http://127.0.0.1:9"})
    channel = {row.name: row for row in ChannelRow.select()}
    item = {row.code: row for row in ItemRow.select()}
    # TW-001 changed by hand on two channels (one item, two listings), MG-010 stopped after
    # repeated refusals, CH-100 refused once (retried by itself: nothing to check yet).
    for name in ("mall", "market"):
        ListingRow.create(channel=channel[name], item=item["TW-001"], channel_item_id="TW-001",
                          believed_qty=38, drift_qty=30)
    ListingRow.create(channel=channel["mall"], item=item["MG-010"], channel_item_id="MG-010",
                      believed_qty=8, failures=5, suspended=True)
    ListingRow.create(channel=channel["mall"], item=item["CH-100"], channel_item_id="CH-100",
                      believed_qty=55, failures=1)
    window = MainWindow(demo_shop, "test.sqlite3", sync_thread(start=False))
    qtbot.addWidget(window)
    chip = window.filter_bar.chips[QuickFilter.PROBLEMS]
    summary = SyncControl.of(window.sync)  # type: ignore[arg-type]
    summary.refresh()
    assert chip.count == 2
    assert summary.items_to_check == 2
    assert summarize(summary).text.endswith(" · 2 item(s) to check")
    window.set_quick_filter(QuickFilter.PROBLEMS)
    assert sorted(window.model.code_at(window.proxy.mapToSource(window.proxy.index(r, 0)).row())
                  for r in range(window.proxy.rowCount())) == ["MG-010", "TW-001"]


# -- sizes ------------------------------------------------------------------------------------
def test_names_and_codes_stay_readable_when_the_window_is_narrow(
    qtbot: QtBot, window: MainWindow,
) -> None:
    model, view = window.model, window.view
    metrics = view.fontMetrics()
    header = view.horizontalHeader()
    for width in (1366, 1100):
        window.resize(width, 700)
        qtbot.waitUntil(lambda w=width: window.width() <= w + 1)
        name = header.sectionSize(model.column_of(Kind.NAME))
        code = header.sectionSize(model.column_of(Kind.CODE))
        names = [item.name for item in model.shop.book.items.values()]
        whole = [n for n in names if metrics.horizontalAdvance(n) + 2 * CELL_PADDING <= name]
        assert len(whole) >= 0.8 * len(names), (width, name)  # most names whole
        # a set's code with the set icon before it
        assert code >= metrics.horizontalAdvance("TW-001x3") + metrics.height() + 12, width


def test_the_first_window_fits_a_small_laptop_screen(qtbot: QtBot, demo_shop: Shop) -> None:
    assert default_window_size(1366, 728).width() <= 1366  # 1366 × 768 with a taskbar
    assert default_window_size(1366, 728).height() <= 728
    assert default_window_size(1920, 1040) == QSize(1360, 820)
    window = MainWindow(demo_shop, "test.sqlite3")  # no saved geometry: sized from the screen
    qtbot.addWidget(window)
    free = window.screen().availableGeometry()
    wanted = default_window_size(free.width(), free.height())
    assert window.size() == wanted
    # with eight quick filters and the item panel, the window still fits 1366 pixels
    assert window.minimumSizeHint().width() <= 1100


def test_the_window_with_the_sync_panel_open_fits_a_small_laptop_screen(
    qtbot: QtBot, sync_window: MainWindow,
) -> None:
    """The item details and the sync panel open together still fit 1366 × 768 less a
    taskbar: stacked under both, their least heights used to add up to about 860 pixels."""
    panel = sync_window.sync_panel
    assert panel is not None
    panel.show()
    qtbot.waitUntil(panel.isVisible)
    assert sync_window.detail_dock.isVisible()
    assert sync_window.minimumSizeHint().height() <= 728
    assert sync_window.minimumSizeHint().height() >= (
        panel.minimumSizeHint().height())  # measured with the panel in it
    sync_window.resize(1366, 728)
    qtbot.waitUntil(lambda: sync_window.height() <= 728)
    assert panel.geometry().right() < sync_window.detail_dock.geometry().left()
