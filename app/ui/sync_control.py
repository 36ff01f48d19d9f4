"""The window's side of the sync worker: ``SyncControl`` (the one object the panel, the status bar
and the tray talk to the worker through) and ``summarize`` (its state in one line).

All engine work happens in the sync worker's thread; this module only reads cheap things in the
window's thread (``channel_statuses()``). Writes that lead to uploads are sent to the worker,
which makes them and reports back (``SyncControl.retried`` / ``resolved``).
"""

from __future__ import annotations

import functools
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar, cast

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from app.channels.base import RateBudget
from app.services.channel_expiry import CredentialWarning, credential_warnings
from app.services.channels import adapter_for as default_adapter_for
from app.services.database import (
    EnvironmentFailure,
    classify,
    current_location,
    drop_lost_connection,
)
from app.services.shop import Shop
from app.sync.engine import AdapterFactory, CycleReport
from app.sync.state import ChannelStatus, channel_statuses, problem_listings
from app.sync.worker import SyncWorker
from app.ui.stock_model import codes_to_check

from .sync_words import state_text
from .timefmt import clock_text

log = logging.getLogger(__name__)

RUNNING_SHOWN_AFTER_MS = 400  # a cycle quicker than this is not worth a flicker of "Syncing…"
F = TypeVar("F", bound=Callable[..., Any])


def is_lost(error: BaseException) -> bool:
    """Is *error* the database failing to answer (a server restarting, a share gone, a
    database or login the server no longer knows), not a bug?"""
    return isinstance(classify(error, current_location()), EnvironmentFailure)


def tolerates_lost_database(method: F) -> F:
    """For a view's reads in the window's thread: while the database is away, the view keeps
    what it shows (the connection banner says why) instead of failing; this thread's dead
    connection is dropped so that the next read connects anew. Other errors still raise."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as error:
            if not is_lost(error):
                raise
            drop_lost_connection()
            log.info("%s: the database cannot be read now: %s", method.__qualname__, error)
            return None

    return cast(F, wrapper)


class HasWorker(Protocol):
    worker: SyncWorker


# -- the window's side of the worker -------------------------------------------------------------
class SyncControl(QObject):
    """The one object in the window's thread that speaks to the sync worker.

    The panel, the status-bar label and the tray share it (``SyncControl.of(sync)``), so that
    "pause" pressed in the tray shows in the panel too. Requests go to the worker as queued
    signals; its reports come back as queued signals; nothing here waits for a cycle.
    """

    statuses_changed = Signal(list)  # list[ChannelStatus]
    budgets_changed = Signal()  # ``budgets`` changed
    running_changed = Signal(bool)  # a cycle has been running for a moment / has ended
    paused_changed = Signal(bool)
    reported = Signal(object)  # CycleReport
    problems_changed = Signal()  # listings or order lines the user should look at may differ
    retried = Signal(int, list)  # the worker resumed n listings; errors
    resolved = Signal(bool, int, list)  # took the channel's numbers?, done, errors
    connection_changed = Signal(str)  # why the database cannot be used now; "": it can again
    _request_sync = Signal()
    _request_retry = Signal(list)
    _request_resolve = Signal(list, bool)
    _request_upload = Signal()
    _request_pause = Signal(bool)

    _controls: weakref.WeakKeyDictionary[Any, SyncControl] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, sync: HasWorker | SyncWorker | SyncControl) -> SyncControl:
        """The control of a SyncThread (or of its worker): created on first use, then shared."""
        if isinstance(sync, SyncControl):
            return sync
        worker = sync if isinstance(sync, SyncWorker) else sync.worker
        control = cls._controls.get(worker)
        if control is None:
            control = cls(worker)
            cls._controls[worker] = control
        return control

    def __init__(self, worker: SyncWorker) -> None:
        super().__init__()
        self.worker = worker
        self.shop: Shop = worker.shop
        self.statuses: list[ChannelStatus] = []
        self.paused = bool(worker.paused)
        self.running = False  # shown as running (after RUNNING_SHOWN_AFTER_MS)
        self.busy = False  # the worker says a cycle runs
        self.running_channels: set[str] = set()  # shown as syncing
        self._busy_channels: set[str] = set()  # syncing, as the worker says
        self.budgets: dict[str, RateBudget | None] = {}  # what is left, per channel
        # listings waiting for the channel's allowance (a long first upload to BASE)
        self.uploads_left: dict[str, int] = {}
        self._problem_counts: tuple[int, int] | None = None
        self.items_to_check = 0  # items with a listing that needs the user (as the grid)
        self.today: Callable[[], date] = date.today  # tests give a simulated day
        self.disconnected = ""  # why the database cannot be used now (the worker retries)
        # credentials that end within EXPIRY_WARNING_DAYS or have ended (read with statuses)
        self.credential_warnings: list[CredentialWarning] = []
        self._running_timer = QTimer(self)
        self._running_timer.setSingleShot(True)
        self._running_timer.setInterval(RUNNING_SHOWN_AFTER_MS)
        self._running_timer.timeout.connect(self._show_running)
        worker.statuses.connect(self._on_statuses)
        worker.running.connect(self._on_running)
        worker.channel_running.connect(self._on_channel_running)
        worker.budget_changed.connect(self._on_budget)
        worker.cycle_done.connect(self._on_cycle)
        self._request_sync.connect(worker.sync_now)
        self._request_upload.connect(worker.upload_now)
        self._request_pause.connect(worker.set_paused)
        self._request_retry.connect(worker.retry_listings)
        self._request_resolve.connect(worker.resolve_drifts)
        worker.listings_retried.connect(self._on_retried)
        worker.drifts_resolved.connect(self._on_resolved)
        worker.connection_changed.connect(self._on_connection)

    @property
    def adapter_for(self) -> AdapterFactory:
        """The adapter factory the worker uses (the first-sync preview uses the same)."""
        return getattr(self.worker, "adapter_for", default_adapter_for)

    # -- requests --------------------------------------------------------------------------
    def sync_now(self) -> None:
        self._request_sync.emit()

    def upload_soon(self) -> None:
        """Upload changed numbers now (after a retry or "push ours"), not at the next poll."""
        self._request_upload.emit()

    def retry_listings(self, listings: list[tuple[str, str]]) -> None:
        """Resume these (channel, channel item id) listings in the worker's thread; ``retried``
        tells when it is done."""
        self._request_retry.emit(listings)

    def resolve_drifts(self, listings: list[tuple[str, str]], take_channel: bool) -> None:
        """Take the channels' numbers or push ours, in the worker's thread; ``resolved`` tells
        when it is done."""
        self._request_resolve.emit(listings, take_channel)

    def set_paused(self, paused: bool) -> None:
        if paused == self.paused:
            return
        self.paused = paused
        self._request_pause.emit(paused)
        self.paused_changed.emit(paused)
        self.statuses_changed.emit(self.statuses)

    @tolerates_lost_database
    def refresh(self) -> None:
        """Read the channels' state now (after a change made in the window, a new day)."""
        self._problem_counts = None  # the same counts may be other listings
        self._on_statuses(channel_statuses())
        self.problems_changed.emit()

    # -- reports ---------------------------------------------------------------------------
    @Slot(list)
    @tolerates_lost_database  # its reads in the window's thread
    def _on_statuses(self, statuses: list[ChannelStatus]) -> None:
        self.statuses = list(statuses)
        self.credential_warnings = credential_warnings(self.today())
        counts = (sum(s.suspended for s in statuses), sum(s.drift for s in statuses))
        if counts != self._problem_counts:
            self._problem_counts = counts
            self.items_to_check = len(codes_to_check(problem_listings()))
            self.problems_changed.emit()
        self.statuses_changed.emit(self.statuses)

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        """Some channel syncs (shown after a moment, so a quick upload does not flicker)."""
        self.busy = running
        if running:
            if not self._running_timer.isActive() and not self.running:
                self._running_timer.start()
            return
        self._running_timer.stop()
        if self.running:
            self.running = False
            self.running_channels = set()
            self.running_changed.emit(False)

    @Slot(str, bool)
    def _on_channel_running(self, channel: str, running: bool) -> None:
        (self._busy_channels.add if running else self._busy_channels.discard)(channel)
        if self.running and running != (channel in self.running_channels):
            if running:
                self.running_channels.add(channel)
            else:
                self.running_channels.discard(channel)
            self.statuses_changed.emit(self.statuses)

    def _show_running(self) -> None:
        if not self.busy or not self._busy_channels:
            return
        self.running_channels = set(self._busy_channels)
        self.running = True
        self.running_changed.emit(True)
        self.statuses_changed.emit(self.statuses)

    @Slot(str, object)
    def _on_budget(self, channel: str, budget: RateBudget | None) -> None:
        self.budgets[channel] = budget
        self.budgets_changed.emit()

    @Slot(int, list)
    def _on_retried(self, done: int, errors: list[Exception]) -> None:
        self.refresh()
        self.retried.emit(done, errors)

    @Slot(bool, int, list)
    def _on_resolved(self, take_channel: bool, done: int, errors: list[Exception]) -> None:
        self.refresh()
        self.resolved.emit(take_channel, done, errors)

    @Slot(str)
    def _on_connection(self, message: str) -> None:
        """The database is gone (*message* says why) or back (""): the summary says so."""
        self.disconnected = message
        self.connection_changed.emit(message)
        if message:
            self.statuses_changed.emit(self.statuses)
            return
        drop_lost_connection()  # this thread's connection died with the server: a new one
        self.refresh()  # what the channels did meanwhile

    @Slot(object)
    def _on_cycle(self, report: CycleReport) -> None:
        if report.ok and (report.uploads_left or self.uploads_left.get(report.channel)):
            self.uploads_left[report.channel] = report.uploads_left  # 0: done
            self.budgets_changed.emit()
        self.reported.emit(report)
        if report.unmatched or report.orders_applied or report.suspended or report.drift:
            self.problems_changed.emit()

    # -- reading -----------------------------------------------------------------------------
    def display_state(self, status: ChannelStatus) -> str:
        """ChannelStatus.state, with running, paused and manual channels told apart."""
        if not status.enabled:
            return "disabled"
        if status.type == "manual":
            return "manual"
        if status.waiting_for_choice:
            return "waiting"
        if status.stopped:
            return "stopped"
        if status.name in self.running_channels:
            return "running"
        if status.failures:
            return "failing"
        if self.paused:
            return "paused"
        return status.state


@dataclass(frozen=True, slots=True)
class Summary:
    state: str
    text: str
    tooltip: str


def summarize(control: SyncControl) -> Summary:
    """One line for the status bar and the tray: "All channels OK · 12:03", "楽天: error"…"""
    statuses = control.statuses
    synced = [s for s in statuses if s.enabled and s.type != "manual"]
    lines = []
    for status in statuses:
        state = state_text(control.display_state(status))
        last = clock_text(status.last_sync_at) if status.last_sync_at else "—"
        lines.append(QCoreApplication.translate(
            "SyncSummary", "{name}: {state} · last sync {last}").format(
                name=status.name, state=state, last=last))
    tooltip = "\n".join(lines)
    to_check = control.items_to_check
    suffix = ""
    if to_check:
        suffix = QCoreApplication.translate("SyncSummary", " · {n} item(s) to check").format(
            n=to_check)
    failing = [s for s in synced if s.failures]
    waiting = [s for s in synced if s.waiting_for_choice]
    stopped = [s for s in synced if s.stopped]
    if control.disconnected:  # said first: nothing is synced or saved until it is back
        return Summary("failing", QCoreApplication.translate(
            "SyncSummary", "Database disconnected, retrying…"), control.disconnected)
    if control.running:
        return Summary("running", QCoreApplication.translate("SyncSummary", "Syncing…"), tooltip)
    if stopped:  # only the user can start it again: said before any passing failure
        text = QCoreApplication.translate(
            "SyncSummary", "{name}: stopped, enter new credentials").format(name=stopped[0].name)
        if len(failing) > 1:
            text += QCoreApplication.translate("SyncSummary", " (+{n} more)").format(
                n=len(failing) - 1)
        return Summary("failing", text + suffix, tooltip)
    if failing:
        text = QCoreApplication.translate("SyncSummary", "{name}: error").format(
            name=failing[0].name)
        if len(failing) > 1:
            text += QCoreApplication.translate("SyncSummary", " (+{n} more)").format(
                n=len(failing) - 1)
        return Summary("failing", text + suffix, tooltip)
    if control.paused:
        return Summary("paused", QCoreApplication.translate(
            "SyncSummary", "Sync paused") + suffix, tooltip)
    if waiting:
        text = QCoreApplication.translate("SyncSummary", "{name}: choose how to start").format(
            name=waiting[0].name)
        return Summary("waiting", text + suffix, tooltip)
    if not synced:
        return Summary("new", QCoreApplication.translate(
            "SyncSummary", "No channel to sync"), tooltip)
    last_ok = [s.last_ok_at for s in synced if s.last_ok_at is not None]
    if len(last_ok) < len(synced):
        return Summary("new", QCoreApplication.translate(
            "SyncSummary", "Not synced yet") + suffix, tooltip)
    time = clock_text(max(last_ok), seconds=False)
    text = QCoreApplication.translate("SyncSummary", "All channels OK · {time}").format(
        time=time)
    return Summary("ok" if not to_check else "warning", text + suffix, tooltip)

