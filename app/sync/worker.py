"""The Qt side of the sync: a worker object moved to a QThread, reporting with signals.

The worker runs the engine on its own timer, in its own thread (and database connection),
so the window never waits for a channel. A local change (edit, import) reaches it through
the Shop's listeners and is uploaded after a short pause that gathers a burst of edits; a
change made by another process (the command line, another window) is read from the change
feed every ``FEED_POLL_MS`` and handled the same way.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app.domain.errors import RendoError
from app.i18n import error_text
from app.services.channel_sync import resolve_drift, resume_listing
from app.services.shop import Shop
from app.store.database import current_location, db
from app.store.errors import EnvironmentFailure, classify

from .engine import AdapterFactory, CycleReport, SyncEngine
from .state import channel_statuses

log = logging.getLogger("rendo.sync")

TICK_MS = 1000
LOCAL_CHANGE_DELAY_MS = 500
RETRY_AFTER_FAILURE_MS = 15_000  # after the database failed (busy, full disk): wait, try again
FEED_POLL_MS = 500  # how often the change feed is read for other processes' changes


class SyncWorker(QObject):
    statuses = Signal(list)  # list[ChannelStatus]
    cycle_done = Signal(object)  # CycleReport
    stock_changed = Signal(list)  # codes whose numbers changed
    crossed = Signal(list, list)  # codes that just became low, codes that just sold out
    failed = Signal(str, str)  # channel, message in plain words
    running = Signal(bool)
    forced_cycle_starting = Signal()  # "sync now": the cycle that follows syncs every channel
    stopped = Signal()
    _shop_changed = Signal(list, bool)  # codes, changed by this worker's own cycle
    _feed_changed = Signal()  # another process changed items (read from the change feed)
    _stock_states = Signal(list)  # [(code, low, out)] as each change left them
    # The sync panel's writes, done here (not in the window's thread), then reported:
    listings_retried = Signal(int, list)  # listings resumed, errors (RendoError or Exception)
    drifts_resolved = Signal(bool, int, list)  # take the channel's number?, done, errors
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
        self._feed_timer: QTimer | None = None
        self._low: set[str] = set()
        self._out: set[str] = set()
        self._busy = False
        self._feed_failing = False
        self.retry_ms = RETRY_AFTER_FAILURE_MS
        # Emitted from any thread; Qt queues it over to this worker's thread.
        self._shop_changed.connect(self._handle_change)
        self._feed_changed.connect(self._upload_soon)
        self._stock_states.connect(self._record_crossings)
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
        self._feed_timer = QTimer(self)
        self._feed_timer.timeout.connect(self.poll_feed)
        self._feed_timer.start(FEED_POLL_MS)
        book = self.shop.book
        self._low = {c for c, s in book.stock.items() if s.low}
        self._out = {c for c, s in book.stock.items() if s.out}
        self.shop.listeners.append(self._on_shop_change)
        self.shop.feed_listeners.append(self._on_feed_change)
        self.statuses.emit(channel_statuses())
        self.tick()

    @Slot()
    def stop(self) -> None:
        """Stop between cycles: a cycle in progress finishes its transaction first."""
        if self._on_shop_change in self.shop.listeners:
            self.shop.listeners.remove(self._on_shop_change)
        if self._on_feed_change in self.shop.feed_listeners:
            self.shop.feed_listeners.remove(self._on_feed_change)
        for timer in (self._timer, self._upload_timer, self._feed_timer):
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
        self.forced_cycle_starting.emit()
        self._run(force=True)

    def _run(self, force: bool) -> None:
        if self._busy:
            return
        self._busy = True
        self.running.emit(True)
        try:
            for report in self.engine.run_due(force):
                self._report(report)
            self._back_to_normal()
        except Exception as error:  # neither a bug nor a busy database may kill the thread
            self._cycle_failed(error)
        finally:
            self._busy = False
            self.running.emit(False)
            self._emit_statuses()

    @Slot()
    def upload_now(self) -> None:
        if self.paused or self._busy:
            return
        self._busy = True
        try:
            for name in self.engine.due_channels(force=True):
                self._report(self.engine.upload_only(name))
        except Exception as error:
            self._cycle_failed(error)
        finally:
            self._busy = False
        self._emit_statuses()

    def _cycle_failed(self, error: Exception) -> None:
        """A database that is busy, full or damaged: tell the window, try again later."""
        found = classify(error, current_location())
        if not isinstance(found, EnvironmentFailure):
            log.exception("sync cycle failed")
            return
        log.warning("sync cycle failed: %s", found)
        self.failed.emit(self.tr("Database"), error_text(found))
        if self._timer is not None:
            self._timer.setInterval(self.retry_ms)

    def _back_to_normal(self) -> None:
        if self._timer is not None and self._timer.interval() != TICK_MS:
            self._timer.setInterval(TICK_MS)

    def _emit_statuses(self) -> None:
        try:
            self.statuses.emit(channel_statuses())
        except Exception as error:  # the database failed meanwhile: already told
            if not isinstance(classify(error, current_location()), EnvironmentFailure):
                raise

    @Slot()
    def poll_feed(self) -> None:
        """Take in what other processes committed (the command line, another window or
        sync): the grid hears of it through the Shop's listeners, and the new numbers are
        uploaded soon (``_on_feed_change``), as after a change made in this window."""
        if self._busy:
            return
        try:
            self.shop.catch_up()
        except Exception:  # a locked or unreadable database: try again at the next poll
            if not self._feed_failing:  # once per spell, not twice a second
                log.exception("reading the change feed failed")
            self._feed_failing = True
        else:
            if self._feed_failing:
                log.info("reading the change feed works again")
            self._feed_failing = False

    def _on_feed_change(self, _codes: list[str]) -> None:
        """Shop feed listener, in whichever thread read the feed (this worker's cycle too:
        the engine catches up before it uploads, for one channel only)."""
        self._feed_changed.emit()

    @Slot()
    def _upload_soon(self) -> None:
        if self._upload_timer is not None:
            self._upload_timer.start(LOCAL_CHANGE_DELAY_MS)

    # -- the sync panel's writes -------------------------------------------------------------
    @Slot(list)
    def retry_listings(self, listings: list[tuple[str, str]]) -> None:
        """Resume suspended (channel, channel item id) listings, report, then upload them."""
        done, errors = 0, []
        for channel, channel_item_id in listings:
            try:
                resume_listing(channel, channel_item_id)
                done += 1
            except Exception as error:  # reported to the panel (and logged if not ours)
                errors.append(self._write_error(error))
        self.listings_retried.emit(done, errors)
        if done:
            self.upload_now()

    @Slot(list, bool)
    def resolve_drifts(self, listings: list[tuple[str, str]], take_channel: bool) -> None:
        """Numbers changed by hand on a channel: take them as on hand, or push ours over them;
        report, then upload what changed."""
        done, errors = 0, []
        for channel, channel_item_id in listings:
            try:
                resolve_drift(self.shop, channel, channel_item_id, take_channel)
                done += 1
            except Exception as error:
                errors.append(self._write_error(error))
        self.drifts_resolved.emit(take_channel, done, errors)
        if done:
            self.upload_now()

    @staticmethod
    def _write_error(error: Exception) -> Exception:
        if not isinstance(error, RendoError):
            log.exception("a change asked by the sync panel failed")
        return error

    def _on_shop_change(self, codes: list[str]) -> None:
        """Shop listener; called in whichever thread changed the shop."""
        self._stock_states.emit(self._states_now(codes))
        self._shop_changed.emit(codes, QThread.currentThread() is self.thread())

    @Slot(list, bool)
    def _handle_change(self, codes: list[str], own: bool) -> None:
        self.stock_changed.emit(codes)
        if not own and self._upload_timer is not None:
            # A change made in the window or an import: upload soon, not at the next poll.
            self._upload_timer.start(LOCAL_CHANGE_DELAY_MS)

    def _report(self, report: CycleReport) -> None:
        self.cycle_done.emit(report)
        if not report.ok:
            self.failed.emit(report.channel, report.error)

    def _states_now(self, codes: list[str]) -> list[tuple[str, bool, bool]]:
        """Low and sold out, per code, as this change left them (a restock sold out again
        before the worker handles the first change is still two crossings)."""
        stock = self.shop.book.stock
        return [(code, numbers.low, numbers.out)
                for code in codes if (numbers := stock.get(code)) is not None]

    @Slot(list)
    def _record_crossings(self, states: list[tuple[str, bool, bool]]) -> None:
        """Emit the items that just crossed into low stock or out of stock, once each."""
        low, out = [], []
        for code, is_low, is_out in states:
            if is_low and code not in self._low:
                low.append(code)
            if is_out and code not in self._out:
                out.append(code)
            (self._low.add if is_low else self._low.discard)(code)
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
