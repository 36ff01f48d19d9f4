"""The Qt side of the sync: a worker object moved to a QThread, reporting with signals.

The worker runs the engine on its own timer, in its own thread (and database connection),
so the window never waits for a channel. A local change (edit, import) reaches it through
``local_change`` and is uploaded after a short pause that gathers a burst of edits.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app.services.shop import Shop
from app.store.database import db

from .engine import AdapterFactory, CycleReport, SyncEngine
from .state import channel_statuses

log = logging.getLogger("rendo.sync")

TICK_MS = 1000
LOCAL_CHANGE_DELAY_MS = 500


class SyncWorker(QObject):
    statuses = Signal(list)  # list[ChannelStatus]
    cycle_done = Signal(object)  # CycleReport
    stock_changed = Signal(list)  # codes whose numbers changed
    crossed = Signal(list, list)  # codes that just became low, codes that just sold out
    failed = Signal(str, str)  # channel, message in plain words
    running = Signal(bool)
    stopped = Signal()
    _shop_changed = Signal(list, bool)  # codes, changed by this worker's own cycle
    # For the window (another thread): emitting these queues the call in the worker's thread.
    sync_now_requested = Signal()
    pause_requested = Signal(bool)

    def __init__(self, shop: Shop, adapter_for: AdapterFactory) -> None:
        super().__init__()
        self.shop = shop
        self.engine = SyncEngine(shop, adapter_for)
        self.paused = False
        self._timer: QTimer | None = None
        self._upload_timer: QTimer | None = None
        self._low: set[str] = set()
        self._out: set[str] = set()
        self._busy = False
        # Emitted from any thread; Qt queues it over to this worker's thread.
        self._shop_changed.connect(self._handle_change)
        self.sync_now_requested.connect(self.sync_now)
        self.pause_requested.connect(self.set_paused)

    # -- life ----------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """Called in the worker's thread once it runs."""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(TICK_MS)
        self._upload_timer = QTimer(self)
        self._upload_timer.setSingleShot(True)
        self._upload_timer.timeout.connect(self.upload_now)
        book = self.shop.book
        self._low = {c for c, s in book.stock.items() if s.low}
        self._out = {c for c, s in book.stock.items() if s.sellable == 0 and not s.unlimited}
        self.shop.listeners.append(self._on_shop_change)
        self.statuses.emit(channel_statuses())
        self.tick()

    @Slot()
    def stop(self) -> None:
        """Stop between cycles: a cycle in progress finishes its transaction first."""
        if self._on_shop_change in self.shop.listeners:
            self.shop.listeners.remove(self._on_shop_change)
        for timer in (self._timer, self._upload_timer):
            if timer is not None:
                timer.stop()
        if not db.is_closed():
            db.close()  # this thread's connection
        self.stopped.emit()

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self.paused = paused

    # -- work ------------------------------------------------------------------------------
    @Slot()
    def tick(self) -> None:
        if not self.paused:
            self._run(force=False)

    @Slot()
    def sync_now(self) -> None:
        self._run(force=True)

    def _run(self, force: bool) -> None:
        if self._busy:
            return
        self._busy = True
        self.running.emit(True)
        try:
            for report in self.engine.run_due(force):
                self._report(report)
        except Exception:  # a bug must not kill the worker's thread silently
            log.exception("sync cycle failed")
        finally:
            self._busy = False
            self.running.emit(False)
            self.statuses.emit(channel_statuses())

    @Slot()
    def upload_now(self) -> None:
        if self.paused or self._busy:
            return
        self._busy = True
        try:
            for name in self.engine.due_channels(force=True):
                self._report(self.engine.upload_only(name))
        except Exception:
            log.exception("upload after a local change failed")
        finally:
            self._busy = False
        self.statuses.emit(channel_statuses())

    def _on_shop_change(self, codes: list[str]) -> None:
        """Shop listener; called in whichever thread changed the shop."""
        self._shop_changed.emit(codes, QThread.currentThread() is self.thread())

    @Slot(list, bool)
    def _handle_change(self, codes: list[str], own: bool) -> None:
        self.stock_changed.emit(codes)
        self._check_crossings(codes)
        if not own and self._upload_timer is not None:
            # A change made in the window or an import: upload soon, not at the next poll.
            self._upload_timer.start(LOCAL_CHANGE_DELAY_MS)

    def _report(self, report: CycleReport) -> None:
        self.cycle_done.emit(report)
        if not report.ok:
            self.failed.emit(report.channel, report.error)

    def _check_crossings(self, codes: list[str]) -> None:
        """Emit the items that just crossed into low stock or out of stock, once each."""
        stock = self.shop.book.stock
        low, out = [], []
        for code in codes:
            numbers = stock.get(code)
            if numbers is None:
                continue
            is_out = numbers.sellable == 0 and not numbers.unlimited
            if numbers.low and code not in self._low:
                low.append(code)
            if is_out and code not in self._out:
                out.append(code)
            (self._low.add if numbers.low else self._low.discard)(code)
            (self._out.add if is_out else self._out.discard)(code)
        if low or out:
            self.crossed.emit(low, out)


class SyncThread:
    """Owns the QThread and the worker; ``stop()`` waits for a clean end."""

    def __init__(self, shop: Shop, adapter_for: AdapterFactory) -> None:
        self.thread = QThread()
        self.thread.setObjectName("rendo-sync")
        self.worker = SyncWorker(shop, adapter_for)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.start)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """End the sync within a few seconds, whatever a channel does: the channel call in
        progress is given up at once (it may hang, drip or sleep out a back-off), the cycle
        stops at its next step, and the worker ends after that step's transaction."""
        from PySide6.QtCore import QMetaObject, Qt

        self.worker.engine.cancel()  # thread-safe: wakes the worker's thread out of any call
        if self.thread.isRunning():
            QMetaObject.invokeMethod(
                self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection
            )
        self.thread.quit()
        return self.thread.wait(timeout_ms)
