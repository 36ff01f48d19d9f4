"""Each channel on its own thread and schedule (DESIGN.md "Channels"), so that a slow,
throttled or failing channel never delays another channel's cycle.

``ChannelRunner`` keeps one thread per enabled synced channel, each with its own
``SyncEngine`` (its cycle state is its own) and the channel's one adapter from an
``AdapterPool`` (its rate buckets and tokens carry over between cycles; replaced when the
channel's settings or credentials change, closed when the channel goes or the runner stops).
The Qt worker (worker.py) and ``rendo sync --watch`` run it; ``rendo sync --once`` uses
``run_once``. The database writes stay serialised by the shop's lock and the database's
write transaction; peewee gives each thread its own connection.

A change to the stock (made in the window, by another process, or by another channel's
orders) wakes every other channel to upload within ``gather_s`` — except a channel waiting
out a failure's back-off or Retry-After, or one stopped for refused credentials
(``SyncEngine.upload_only`` leaves those alone).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from app.channels.base import STOPPING_KINDS, RateBudget
from app.services.channel_sync import sync_row
from app.services.channels import AdapterPool
from app.services.channels import adapter_for as default_adapter_for
from app.services.database import close_thread_connection, drop_lost_connection
from app.services.shop import Shop
from app.store.models import ChannelRow, ChannelSyncRow

from .engine import AdapterFactory, CycleReport, SyncEngine
from .lease import LeaseKeeper, Leases

log = logging.getLogger("rendo.sync")

TICK_S = 1.0  # how often a channel thread looks at its schedule (which others may change)
GATHER_S = 0.5  # a burst of edits is uploaded once, this long after its first change
RETRY_AFTER_FAILURE_S = 15.0  # after the database failed (busy, full disk): wait, try again
CANCEL_WAIT_S = 5.0  # sync --once interrupted: how long the cancelled channels may take to end
JOIN_POLL_S = 0.25  # waiting for sync --once's threads: Ctrl-C is seen this often (Windows)


class RunnerEvents:
    """What the runner tells its owner. Called in the channel's own thread: an owner with a
    window hands them over with queued signals."""

    def cycle_started(self, channel: str) -> None:
        """A cycle or an upload of *channel* starts."""

    def cycle_done(self, report: CycleReport) -> None:
        """It ended with *report* (well or not: ``report.ok``)."""

    def cycle_ended(self, channel: str) -> None:
        """It ended, reported or not (Rendo is stopping, the database failed)."""

    def budget(self, channel: str, budget: RateBudget | None) -> None:
        """What is left of *channel*'s request allowance changed."""

    def synced_elsewhere(self, channel: str, pc: str) -> None:
        """Another PC syncs *channel* (said once, and again when that changes)."""

    def failed(self, channel: str, error: Exception) -> None:
        """Not the channel's failure: the database is busy, full or damaged (or a bug). The
        channel's thread tries again after ``retry_s``."""


class QueuedEvents(RunnerEvents):
    """The reports and failures, queued for a thread that takes them (``sync --watch``'s
    main thread prints them)."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[CycleReport | Exception] = queue.SimpleQueue()

    def cycle_done(self, report: CycleReport) -> None:
        self.queue.put(report)

    def synced_elsewhere(self, channel: str, pc: str) -> None:
        self.queue.put(CycleReport(channel, synced_by=pc))

    def failed(self, channel: str, error: Exception) -> None:
        self.queue.put(error)

    def take(self) -> list[CycleReport | Exception]:
        """What came since the last take, oldest first (nothing waits)."""
        taken: list[CycleReport | Exception] = []
        while True:
            try:
                taken.append(self.queue.get_nowait())
            except queue.Empty:
                return taken


def pool_for(adapter_for: AdapterFactory) -> AdapterPool:
    """One adapter per channel made by *adapter_for* (the application's reads the keyring
    once per change of credentials)."""
    if adapter_for is default_adapter_for:
        return AdapterPool()
    return AdapterPool(lambda row, _credentials: adapter_for(row))


class ChannelRunner:
    """One thread per enabled synced channel; see the module's docstring."""

    def __init__(self, shop: Shop, adapter_for: AdapterFactory = default_adapter_for,
                 events: RunnerEvents | None = None, *, interval_s: float | None = None,
                 pool: AdapterPool | None = None, tick_s: float = TICK_S,
                 gather_s: float = GATHER_S, retry_s: float = RETRY_AFTER_FAILURE_S,
                 make_engine: Callable[[Shop, AdapterFactory], SyncEngine] | None = None,
                 leases: Leases | None = None) -> None:
        """*interval_s* replaces every channel's poll interval (``sync --watch --interval``);
        *make_engine* builds each thread's engine (tests give a simulated clock)."""
        self.shop = shop
        self.adapter_for = adapter_for  # a fresh adapter (the first-sync preview's)
        self.pool = pool if pool is not None else pool_for(adapter_for)
        self.events = events or RunnerEvents()
        self.interval_s = interval_s
        self.tick_s, self.gather_s, self.retry_s = tick_s, gather_s, retry_s
        self._make_engine = make_engine
        # a channel syncs here only while this process holds its lease (lease.py)
        self.leases = leases if leases is not None else Leases()
        self._keeper: LeaseKeeper | None = None
        self.paused = False
        self._threads: dict[str, ChannelThread] = {}
        # threads of channels removed or disabled, ended but maybe still finishing a call: no
        # new thread for such a channel (enabled again) until its old one is gone
        self._ending: dict[str, ChannelThread] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listening = False

    def engine(self) -> SyncEngine:
        if self._make_engine is not None:
            engine = self._make_engine(self.shop, self.pool)
        else:
            engine = SyncEngine(self.shop, self.pool, interval_s=self.interval_s,
                                push_on_change=False)
        engine.lease = self.leases
        return engine

    def _keep_leases(self) -> None:
        if self._keeper is None:
            self._keeper = LeaseKeeper(self.leases)
            self._keeper.start()

    def _release_leases(self, release: bool = True) -> None:
        """Quitting: another PC takes the channels over now, not when the leases expire
        (without *release*: when they expire; a thread still running is fenced)."""
        if self._keeper is not None:
            self._keeper.stop()
            self._keeper = None
        if not release:
            return
        try:
            self.leases.release()
        except Exception:  # the database is gone: the leases expire by themselves
            log.warning("the sync leases could not be released", exc_info=True)

    # -- life ------------------------------------------------------------------------------
    def start(self) -> None:
        """Listen to the shop's changes and start a thread per channel (``reconcile``)."""
        if self.stopping:
            return
        if not self._listening:
            self.shop.listeners.append(self._on_change)
            self._listening = True
        self._keep_leases()
        self.reconcile()

    def reconcile(self) -> list[str]:
        """A thread for each enabled synced channel that has none; the thread of a channel
        removed or disabled ends and its adapter is closed. Returns the channels running."""
        wanted = {row.name for row in ChannelRow.select(ChannelRow.name, ChannelRow.type)
                  .where(ChannelRow.enabled == True)  # noqa: E712
                  if row.type != "manual"}
        with self._lock:
            if self._stopping.is_set():
                return []
            gone = [t for name, t in self._threads.items()
                    if name not in wanted or not t.is_alive()]
            for thread in gone:
                del self._threads[thread.channel]
                self._ending[thread.channel] = thread
            self._ending = {n: t for n, t in self._ending.items() if t.is_alive()}
            for name in sorted(wanted - set(self._threads) - set(self._ending)):
                thread = ChannelThread(self, name)
                self._threads[name] = thread
                thread.start()
            running = sorted(self._threads)
        for thread in gone:
            thread.end()  # it discards its adapter again when it ends (one made meanwhile)
            if thread.channel not in wanted:
                self.pool.discard(thread.channel)
        return running

    def cancel(self) -> None:
        """Stop every channel now: the call in progress is given up, no cycle starts after
        it. Safe from any thread; ``stop`` then waits for the threads."""
        self._stopping.set()
        with self._lock:
            threads = [*self._threads.values(), *self._ending.values()]
        for thread in threads:
            thread.end()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Cancel, wait for every thread (the transaction under way ends first), close the
        adapters. False when a thread was still running after *timeout_s*."""
        self.cancel()
        if self._listening:
            if self._on_change in self.shop.listeners:
                self.shop.listeners.remove(self._on_change)
            self._listening = False
        with self._lock:
            threads = [*self._threads.values(), *self._ending.values()]
            self._threads.clear()
            self._ending.clear()
        end = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))
        self.pool.close()  # a thread still running after the timeout gets no new adapter
        alive = any(thread.is_alive() for thread in threads)
        self._release_leases(release=not alive)
        return not alive

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def threads(self) -> dict[str, ChannelThread]:
        with self._lock:
            return dict(self._threads)

    # -- requests ------------------------------------------------------------------------------
    def sync_now(self) -> None:
        """Every channel runs a cycle now, whatever its schedule (a stopped one excepted)."""
        for thread in self.threads().values():
            thread.request(force=True)

    def upload_soon(self, exclude: str | None = None, at_once: bool = False) -> None:
        """Every channel but *exclude* uploads its changed numbers within ``gather_s`` (or
        *at_once*), not at its next poll."""
        for name, thread in self.threads().items():
            if name != exclude:
                thread.request(upload=True, at_once=at_once)

    def database_back(self) -> None:
        """The database answers again: the channels that wait after its failure go on now."""
        for thread in self.threads().values():
            thread.retry_now()

    def _on_change(self, _codes: list[str]) -> None:
        """Shop listener, in whichever thread changed the stock: the window's, the feed
        reader's, or a channel's that applied orders (that one has just uploaded itself)."""
        current = threading.current_thread()
        own = current.channel if isinstance(current, ChannelThread) else None
        self.upload_soon(exclude=own)

    # -- ``rendo sync --once`` -------------------------------------------------------------------
    def run_once(self, reports: list[CycleReport] | None = None) -> list[CycleReport]:
        """Every enabled synced channel's cycle now, each in a thread of its own; when their
        orders changed the stock, the other channels upload the new numbers, again side by
        side. Returns when all are done. A channel stopped for its credentials is reported
        as failed (its saved error), so that a ``sync --once`` run from cron says so.

        The reports are also appended to *reports* as they are known: when a database
        failure is raised (the first one), the caller still has the reports of the channels
        whose cycles committed. Interrupted (Ctrl-C), every channel is cancelled and waited
        for (``CANCEL_WAIT_S`` at most) before the adapters are closed. A runner runs once.
        """
        done = reports if reports is not None else []
        self.shop.catch_up()
        stopped = self._stopped_reports()
        names, elsewhere = [], []
        for name in self.engine().due_channels(force=True):
            if self.leases.take(name, at_once=True):
                names.append(name)
            else:  # another PC syncs it: said, not done twice
                elsewhere.append(CycleReport(name, synced_by=self.leases.synced_by(name) or "?"))
        done += elsewhere
        self._keep_leases()
        errors: list[BaseException] = []
        try:
            done += self._side_by_side(names, lambda engine, name: engine.run_cycle(name),
                                       errors)
            if any(report.touched for report in done):
                extra = self._side_by_side(names, lambda engine, name: engine.upload_only(name),
                                           errors)
                done += [r for r in extra if r.uploaded or not r.ok]
        finally:
            self.pool.close()
            self._release_leases()
        done += stopped
        if errors:
            raise errors[0]
        return done

    @staticmethod
    def _stopped_reports() -> list[CycleReport]:
        """Enabled channels stopped for refused or expired credentials, as failed reports
        (the engine leaves them out, "sync now" too)."""
        rows = (ChannelSyncRow.select(ChannelSyncRow, ChannelRow).join(ChannelRow)
                .where(ChannelRow.enabled == True,  # noqa: E712
                       ChannelRow.type != "manual",
                       ChannelSyncRow.error_kind.in_([kind.value for kind in STOPPING_KINDS]))
                .order_by(ChannelRow.id))
        return [CycleReport(row.channel.name, ok=False, error=row.last_error,
                            error_kind=row.error_kind) for row in rows]

    def _side_by_side(self, names: list[str], work: Callable[[SyncEngine, str], CycleReport],
                      errors: list[BaseException]) -> list[CycleReport]:
        """*work* for every channel, each in a thread of its own; a failure is added to
        *errors* (the others' reports are returned all the same)."""
        results: dict[str, CycleReport] = {}
        engines = {name: self.engine() for name in names}

        def run(name: str) -> None:
            try:
                results[name] = work(engines[name], name)
            except BaseException as error:  # raised in the caller's thread by run_once
                errors.append(error)
            finally:
                close_thread_connection()

        # daemon: a call that ignores its cancellation cannot keep the process alive
        threads = [threading.Thread(target=run, args=(name,), name=f"rendo-sync-{name}",
                                    daemon=True) for name in names]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                while thread.is_alive():  # with a timeout: Ctrl-C is seen on Windows too
                    thread.join(JOIN_POLL_S)
        except BaseException:  # Ctrl-C: cancel every channel, let it end, then go
            for engine in engines.values():
                engine.cancel()
            end = time.monotonic() + CANCEL_WAIT_S
            for thread in threads:
                if thread.ident is not None:
                    thread.join(max(0.0, end - time.monotonic()))
            raise
        return [results[name] for name in names if name in results]


class ChannelThread(threading.Thread):
    """One channel's cycles on its own schedule: a cycle when due (or asked), an upload
    when the stock changed, and in between a wait that a request or ``end`` cuts short."""

    def __init__(self, runner: ChannelRunner, channel: str) -> None:
        super().__init__(name=f"rendo-sync-{channel}", daemon=True)
        self.runner = runner
        self.channel = channel
        self.engine = runner.engine()
        self._wake = threading.Event()
        self._ended = threading.Event()
        self._flags = threading.Lock()
        self._force = False
        self._upload_at: float | None = None
        self._retry_at = 0.0  # after the database failed: not before this monotonic time
        self._budget: RateBudget | None = None
        self._elsewhere: str | None = None  # the other PC that syncs this channel, as told

    def request(self, force: bool = False, upload: bool = False, at_once: bool = False) -> None:
        with self._flags:
            if force:
                self._force = True
            if upload:
                at = time.monotonic() + (0.0 if at_once else self.runner.gather_s)
                self._upload_at = at if self._upload_at is None else min(self._upload_at, at)
        self._wake.set()

    def retry_now(self) -> None:
        """Cut short the wait after a database failure."""
        with self._flags:
            self._retry_at = 0.0
        self._wake.set()

    def end(self) -> None:
        """Stop this channel's thread now (the call under way is given up); safe anywhere."""
        self._ended.set()
        self.engine.cancel()
        self._wake.set()

    @property
    def ended(self) -> bool:
        return self._ended.is_set() or self.runner.stopping

    def run(self) -> None:
        try:
            while not self.ended:
                self._wake.clear()
                wait = self._step()
                if not self.ended:
                    self._wake.wait(wait)
        finally:
            if self._ended.is_set():  # removed or disabled (or Rendo stops): an adapter
                self.runner.pool.discard(self.channel)  # made after ``end`` is closed too
                self._let_go()
            close_thread_connection()

    def _step(self) -> float:
        """Do what is due; return how long to wait before looking again."""
        runner, now = self.runner, time.monotonic()
        if now < self._retry_at:
            return min(self._retry_at - now, runner.tick_s)
        with self._flags:
            force, upload_at = self._force, self._upload_at
        try:
            self._show_budget()
            if runner.paused and not force:
                runner.leases.release(self.channel)  # another PC may sync it meanwhile
                return runner.tick_s
            if not runner.leases.take(self.channel):  # another PC syncs it
                with self._flags:
                    self._force, self._upload_at = False, None
                self._tell_elsewhere(runner.leases.elsewhere(self.channel))
                return runner.tick_s
            self._elsewhere = None
            if self.engine.is_due(self.channel, force) and self._chosen():
                with self._flags:
                    self._force, self._upload_at = False, None
                self.runner.shop.catch_up()  # what other processes changed meanwhile
                self._run(self.engine.run_cycle)
            elif force:
                with self._flags:
                    self._force = False  # stopped: "sync now" does not start it
            elif upload_at is not None and upload_at <= now:
                with self._flags:
                    self._upload_at = None
                if self.engine.may_upload(self.channel):
                    self._run(self.engine.upload_only)
        except Exception as error:  # neither a bug nor a busy database may end the thread
            if self.ended:
                return 0.0
            self._retry_at = time.monotonic() + runner.retry_s
            drop_lost_connection()  # a server restarted: the retry connects anew
            self._tell(runner.events.failed, self.channel, error)
            return min(runner.retry_s, runner.tick_s)
        with self._flags:
            upload_at = self._upload_at
        wait = runner.tick_s
        if upload_at is not None:
            wait = min(wait, max(0.0, upload_at - time.monotonic()))
        return wait

    def _run(self, work: Callable[[str], CycleReport]) -> None:
        events = self.runner.events
        self._tell(events.cycle_started, self.channel)
        try:
            report = work(self.channel)
            if not self.ended or report.ok:  # "stopped: Rendo is stopping" is no news
                self._tell(events.cycle_done, report)
        finally:
            self._tell(events.cycle_ended, self.channel)
            self._show_budget()

    def _tell(self, event: Callable[..., None], *args: object) -> None:
        """Tell the runner's owner; its failure (a window gone, a database failing in its
        handler) is logged: it must not end this thread or lose its schedule."""
        try:
            event(*args)
        except Exception:
            log.exception("%s: reporting to the sync's owner failed", self.channel)

    def _tell_elsewhere(self, pc: str | None) -> None:
        if pc is not None and pc != self._elsewhere:
            self._tell(self.runner.events.synced_elsewhere, self.channel, pc)
        if pc is not None:
            self._elsewhere = pc

    def _let_go(self) -> None:
        """The channel's lease, for another PC at once (removed, disabled, Rendo stops)."""
        try:
            self.runner.leases.release(self.channel)
        except Exception:  # the database failed: the lease expires by itself
            log.warning("%s: the sync lease could not be released", self.channel,
                        exc_info=True)

    def _chosen(self) -> bool:
        """The user chose the first sync (until then the window shows the choice)."""
        row = ChannelRow.get_or_none(ChannelRow.name == self.channel)
        return row is not None and sync_row(row).first_mode is not None

    def _show_budget(self) -> None:
        adapter = self.engine.last_adapter
        if adapter is None:
            return
        try:
            budget = adapter.budget()
        except Exception:  # what is left is shown when known; never a reason to fail
            log.exception("%s: the adapter could not say its rate budget", self.channel)
            budget = None
        if budget != self._budget:
            self._budget = budget
            self._tell(self.runner.events.budget, self.channel, budget)
