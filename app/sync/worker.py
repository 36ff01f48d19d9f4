"""The Qt side of the sync: a worker object moved to a QThread, reporting with signals.

The channels run on threads of their own (``ChannelRunner``, channel_runner.py), each on its
own schedule, so the window never waits for a channel and no channel waits for another. The
worker's thread owns the runner: it starts a thread for each new channel (``TICK_MS``),
reads the change feed every ``FEED_POLL_MS`` (what the command line or another window
changed), and makes the sync panel's writes. A change to the stock, made here or elsewhere,
wakes the channels to upload it within a moment.

Reading the feed is also how the window knows the database is there: when it fails (a
server restarting, the network or a network share gone, a file locked, a database the server
no longer has), ``connection_changed`` says so in plain words, and "" once a read works again;
the feed then brings in what other PCs changed meanwhile.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from app.channels.base import RateBudget
from app.domain.errors import RendoError
from app.i18n import error_text
from app.services.channel_sync import resolve_drift, resume_listing
from app.services.shop import Shop
from app.store.database import current_location, db, drop_lost_connection
from app.store.errors import EnvironmentFailure, classify

from .channel_runner import ChannelRunner, RunnerEvents
from .engine import AdapterFactory, CycleReport
from .state import channel_statuses

log = logging.getLogger("rendo.sync")

TICK_MS = 1000
RETRY_AFTER_FAILURE_MS = 15_000  # after the database failed (busy, full disk): wait, try again
FEED_POLL_MS = 500  # how often the change feed is read for other processes' changes


class _Events(RunnerEvents):
    """The runner's news, from the channels' threads, as the worker's signals (queued over to
    the window's thread by Qt)."""

    def __init__(self, worker: SyncWorker) -> None:
        self.worker = worker
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def cycle_started(self, channel: str) -> None:
        with self._lock:
            first = not self._running
            self._running.add(channel)
        self.worker.channel_running.emit(channel, True)
        if first:
            self.worker.running.emit(True)

    def cycle_ended(self, channel: str) -> None:
        with self._lock:
            self._running.discard(channel)
            last = not self._running
        self.worker.channel_running.emit(channel, False)
        if last:
            self.worker.running.emit(False)
        self.worker.emit_statuses()

    def cycle_done(self, report: CycleReport) -> None:
        self.worker.cycle_done.emit(report)
        if not report.ok:
            self.worker.failed.emit(report.channel, report.error)

    def budget(self, channel: str, budget: RateBudget | None) -> None:
        self.worker.budget_changed.emit(channel, budget)

    def failed(self, channel: str, error: Exception) -> None:
        """A database that is busy, full or damaged: tell the window; the channel's thread
        tries again after the runner's ``retry_s``."""
        found = classify(error, current_location())
        if not isinstance(found, EnvironmentFailure):
            log.error("%s: sync cycle failed", channel, exc_info=error)
            return
        log.warning("%s: sync cycle failed: %s", channel, found)
        # the keyring concerns that channel; the database, every channel
        where = channel if found.kind == "keyring" else QCoreApplication.translate(
            "SyncWorker", "Database")
        self.worker.failed.emit(where, error_text(found))


class SyncWorker(QObject):
    statuses = Signal(list)  # list[ChannelStatus]
    cycle_done = Signal(object)  # CycleReport
    stock_changed = Signal(list)  # codes whose numbers changed
    crossed = Signal(list, list)  # codes that just became low, codes that just sold out
    failed = Signal(str, str)  # channel, message in plain words
    running = Signal(bool)  # some channel is syncing / none is
    channel_running = Signal(str, bool)  # this channel's cycle starts / ends
    budget_changed = Signal(str, object)  # channel, RateBudget | None: what is left of it
    forced_cycle_starting = Signal()  # "sync now": the cycle that follows syncs every channel
    stopped = Signal()
    connection_changed = Signal(str)  # why the database cannot be used now; "": it can again
    _shop_changed = Signal(list)  # codes
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
        self.adapter_for = adapter_for  # a fresh adapter (the first-sync preview's)
        self.runner = ChannelRunner(shop, adapter_for, _Events(self))
        self.paused = False
        self._timer: QTimer | None = None
        self._feed_timer: QTimer | None = None
        self._low: set[str] = set()
        self._out: set[str] = set()
        self._feed_failing = False
        self.disconnected = ""  # as last told by connection_changed
        self.retry_ms = RETRY_AFTER_FAILURE_MS
        # Emitted from any thread; Qt queues it over to this worker's thread.
        self._shop_changed.connect(self._handle_change)
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
        self._feed_timer = QTimer(self)
        self._feed_timer.timeout.connect(self.poll_feed)
        self._feed_timer.start(FEED_POLL_MS)
        book = self.shop.book
        self._low = {c for c, s in book.stock.items() if s.low}
        self._out = {c for c, s in book.stock.items() if s.out}
        self.shop.listeners.append(self._on_shop_change)
        self.runner.retry_s = self.retry_ms / 1000
        self.runner.paused = self.paused
        self.emit_statuses()
        self.tick()

    def cancel(self) -> None:
        """Stop every channel now (the calls under way are given up); safe from any thread."""
        self.runner.cancel()

    @Slot()
    def stop(self) -> None:
        """Stop the channels' threads (a transaction under way ends first), then this one's."""
        if self._on_shop_change in self.shop.listeners:
            self.shop.listeners.remove(self._on_shop_change)
        for timer in (self._timer, self._feed_timer):
            if timer is not None:
                timer.stop()
        if not self.runner.stop():
            log.warning("a channel's sync thread did not stop in time")
        if not db.is_closed():
            db.close()  # this thread's connection
        self.stopped.emit()

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.runner.paused = paused

    # -- work ------------------------------------------------------------------------------
    @Slot()
    def tick(self) -> None:
        """A thread for a channel added meanwhile; none left for one removed or disabled."""
        try:
            self.runner.start()
        except Exception as error:  # the database failed: try again a little later
            self.runner.events.failed(self.tr("Database"), error)
            if self._timer is not None:
                self._timer.setInterval(self.retry_ms)
        else:
            if self._timer is not None and self._timer.interval() != TICK_MS:
                self._timer.setInterval(TICK_MS)

    @Slot()
    def sync_now(self) -> None:
        self.forced_cycle_starting.emit()
        self.tick()
        self.runner.sync_now()

    @Slot()
    def upload_now(self) -> None:
        """Upload changed numbers now (after a retry, "push ours"), not at the next poll."""
        if not self.paused:
            self.runner.upload_soon(at_once=True)

    def emit_statuses(self) -> None:
        """The channels' state as the database has it now (from any thread)."""
        try:
            self.statuses.emit(channel_statuses())
        except Exception as error:  # the database failed meanwhile: already told
            if not isinstance(classify(error, current_location()), EnvironmentFailure):
                raise

    @Slot()
    def poll_feed(self) -> None:
        """Take in what other processes committed (the command line, another window or
        sync): the grid hears of it through the Shop's listeners, and the runner's listener
        wakes the channels to upload the new numbers."""
        try:
            self.shop.catch_up()
        except Exception as error:  # a locked or unreachable database: try again at the next poll
            drop_lost_connection()  # a server restarted: the next poll connects anew
            found = classify(error, current_location())
            if not self._feed_failing:  # once per spell, not twice a second
                log.warning("reading the change feed failed: %s", found or error,
                            exc_info=found is None)
            self._feed_failing = True
            if isinstance(found, EnvironmentFailure):  # tried again at the next poll all the same
                self._tell_connection(error_text(found))
        else:
            if self._feed_failing:
                log.info("reading the change feed works again")
            self._feed_failing = False
            self._tell_connection("")

    def _tell_connection(self, message: str) -> None:
        if message != self.disconnected:
            self.disconnected = message
            self.connection_changed.emit(message)
            if not message:
                self.runner.database_back()  # not after the 15 s wait of a failed cycle

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
        """Shop listener; called in whichever thread changed the shop (the uploads it calls
        for are the runner's own listener's)."""
        self._stock_states.emit(self._states_now(codes))
        self._shop_changed.emit(codes)

    @Slot(list)
    def _handle_change(self, codes: list[str]) -> None:
        self.stock_changed.emit(codes)

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

        self.worker.cancel()  # thread-safe: every channel's call under way is given up
        if self.thread.isRunning():
            QMetaObject.invokeMethod(
                self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection
            )
        self.thread.quit()
        return self.thread.wait(timeout_ms)
