"""The sync panel (a dock), the status-bar label, and the object both talk to the worker through.

All engine work happens in the sync worker's thread. This module only reads cheap things in the
window's thread (``channel_statuses()``, ``problem_listings()``, ``unmatched_lines()``). The
panel's writes that lead to uploads (retry a listing, take the channel's number, push ours) are
sent to the worker, which makes them, reports back (``SyncControl.retried`` / ``resolved``) and
uploads the new numbers at once.
"""

from __future__ import annotations

import html
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QMouseEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import RendoError
from app.domain.search import same_key
from app.i18n import error_text
from app.services.channels import adapter_for as default_adapter_for
from app.services.orders import line_problem, map_code, unmatched_lines
from app.services.previews import find_items
from app.services.shop import Shop
from app.sync.engine import AdapterFactory, CycleReport
from app.sync.state import (
    ChannelStatus,
    ListingView,
    channel_statuses,
    problem_listings,
)
from app.sync.worker import SyncWorker
from app.ui.stock_model import codes_to_check
from app.ui.table_model import ListTableModel

from .notices import clock_text, plain_error, state_text, sync_icon, utc_now, when_text

log = logging.getLogger(__name__)

RUNNING_SHOWN_AFTER_MS = 400  # a cycle quicker than this is not worth a flicker of "Syncing…"


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
    running_changed = Signal(bool)  # a cycle has been running for a moment / has ended
    paused_changed = Signal(bool)
    reported = Signal(object)  # CycleReport
    problems_changed = Signal()  # listings or order lines the user should look at may differ
    retried = Signal(int, list)  # the worker resumed n listings; errors
    resolved = Signal(bool, int, list)  # took the channel's numbers?, done, errors
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
        self.running_channels: set[str] = set()
        self._forced = False
        self._problem_counts: tuple[int, int] | None = None
        self.items_to_check = 0  # items with a listing that needs the user (as the grid)
        self._running_timer = QTimer(self)
        self._running_timer.setSingleShot(True)
        self._running_timer.setInterval(RUNNING_SHOWN_AFTER_MS)
        self._running_timer.timeout.connect(self._show_running)
        worker.statuses.connect(self._on_statuses)
        worker.running.connect(self._on_running)
        worker.forced_cycle_starting.connect(self._on_forced_cycle)
        worker.cycle_done.connect(self._on_cycle)
        self._request_sync.connect(worker.sync_now)
        self._request_upload.connect(worker.upload_now)
        self._request_pause.connect(worker.set_paused)
        self._request_retry.connect(worker.retry_listings)
        self._request_resolve.connect(worker.resolve_drifts)
        worker.listings_retried.connect(self._on_retried)
        worker.drifts_resolved.connect(self._on_resolved)

    @property
    def adapter_for(self) -> AdapterFactory:
        """The adapter factory the worker uses (the first-sync preview uses the same)."""
        engine = getattr(self.worker, "engine", None)
        return getattr(engine, "adapter_for", default_adapter_for)

    # -- requests --------------------------------------------------------------------------
    def sync_now(self) -> None:
        self._forced = True
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

    def refresh(self) -> None:
        """Read the channels' state now (after a change made in the window)."""
        self._problem_counts = None  # the same counts may be other listings
        self._on_statuses(channel_statuses())
        self.problems_changed.emit()

    # -- reports ---------------------------------------------------------------------------
    @Slot(list)
    def _on_statuses(self, statuses: list[ChannelStatus]) -> None:
        self.statuses = list(statuses)
        counts = (sum(s.suspended for s in statuses), sum(s.drift for s in statuses))
        if counts != self._problem_counts:
            self._problem_counts = counts
            self.items_to_check = len(codes_to_check(problem_listings()))
            self.problems_changed.emit()
        self.statuses_changed.emit(self.statuses)

    @Slot()
    def _on_forced_cycle(self) -> None:
        """The worker starts the "sync now" cycle (a routine cycle that ended before it, which
        cleared the flag, must not make this one look idle)."""
        self._forced = True

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        self.busy = running
        if running:
            if not self._running_timer.isActive() and not self.running:
                self._running_timer.start()
            return
        self._running_timer.stop()
        self._forced = False
        if self.running:
            self.running = False
            self.running_channels = set()
            self.running_changed.emit(False)

    def _show_running(self) -> None:
        if not self.busy:
            return
        now = utc_now()
        self.running_channels = {
            s.name for s in self.statuses
            if s.enabled and s.type != "manual" and not s.waiting_for_choice
            and (self._forced or s.next_sync_at is None or s.next_sync_at <= now)
        }
        if not self.running_channels:
            return  # a routine tick with no channel due: nothing to show as syncing
        self.running = True
        self.running_changed.emit(True)
        self.statuses_changed.emit(self.statuses)

    @Slot(int, list)
    def _on_retried(self, done: int, errors: list[Exception]) -> None:
        self.refresh()
        self.retried.emit(done, errors)

    @Slot(bool, int, list)
    def _on_resolved(self, take_channel: bool, done: int, errors: list[Exception]) -> None:
        self.refresh()
        self.resolved.emit(take_channel, done, errors)

    @Slot(object)
    def _on_cycle(self, report: CycleReport) -> None:
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
    if control.running:
        return Summary("running", QCoreApplication.translate("SyncSummary", "Syncing…"), tooltip)
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


# -- the status-bar piece ---------------------------------------------------------------------
class SyncStatusLabel(QWidget):
    """"同期中…", "全店舗 OK · 12:03", "楽天: エラー" with its icon; a click emits ``clicked``."""

    clicked = Signal()

    def __init__(self, sync: HasWorker | SyncWorker | SyncControl,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatusLabel")
        self.control = SyncControl.of(sync)
        self.icon = QLabel(self)
        self.text = QLabel(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(5)
        layout.addWidget(self.icon)
        layout.addWidget(self.text)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if not self.control.statuses:
            self.control.refresh()
        self.control.statuses_changed.connect(self._update)
        self.control.running_changed.connect(self._update)
        self.control.paused_changed.connect(self._update)
        self._update()

    def _update(self, *_: object) -> None:
        summary = summarize(self.control)
        size = self.fontMetrics().height()
        self.icon.setPixmap(sync_icon(summary.state).pixmap(size, size))
        self.text.setText(summary.text)
        hint = self.tr("Click to open the sync panel.")
        self.setToolTip(f"{summary.tooltip}\n{hint}" if summary.tooltip else hint)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


# -- small table models -----------------------------------------------------------------------
@dataclass
class Row:
    key: tuple[str, ...]
    cells: list[str]
    tooltips: dict[int, str] = field(default_factory=dict)
    icons: dict[int, QIcon] = field(default_factory=dict)
    colors: dict[int, str] = field(default_factory=dict)
    bold: set[int] = field(default_factory=set)
    right: set[int] = field(default_factory=set)
    payload: Any = None


class RowsModel(ListTableModel):
    """A read-only table of a few hundred rows, refreshed whole (keys keep the selection)."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        if [r.key for r in rows] == [r.key for r in self.rows]:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(rows) - 1, len(self.headers) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltips.get(column) or None
        if role == Qt.ItemDataRole.DecorationRole:
            return row.icons.get(column)
        if role == Qt.ItemDataRole.ForegroundRole and column in row.colors:
            return QBrush(QColor(row.colors[column]))
        if role == Qt.ItemDataRole.FontRole and column in row.bold:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in row.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _table(model: RowsModel, parent: QWidget, multi: bool = True) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                          else QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(True)
    return view


def _error_line(error: Exception) -> str:
    """A refusal in the user's words; anything else (a bug, the disk) by its own message."""
    return error_text(error) if isinstance(error, RendoError) else str(error)


def _selected_rows(view: QTableView, model: RowsModel) -> list[Row]:
    rows = sorted({index.row() for index in view.selectionModel().selectedRows()})
    return [model.rows[r] for r in rows if r < len(model.rows)]


def _reselect(view: QTableView, model: RowsModel, keys: set[tuple[str, ...]]) -> None:
    selection = view.selectionModel()
    for number, row in enumerate(model.rows):
        if row.key in keys:
            selection.select(model.index(number, 0),
                             selection.SelectionFlag.Select | selection.SelectionFlag.Rows)


# -- choosing an item for an unmatched order line ---------------------------------------------
class ItemPickerDialog(QDialog):
    """Find one of our items by code, name or JAN (the search starts from the channel's id)."""

    def __init__(self, shop: Shop, channel: str, channel_item_id: str, lines: int, units: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.setWindowTitle(self.tr("Map to an item"))
        self.setObjectName("itemPicker")
        explanation = QLabel(self.tr(
            "Orders on {channel} name an item Rendo does not know: <b>{id}</b>. Choose the "
            "Rendo item it is. The {lines} waiting order line(s) ({units} units) are applied to "
            "it, and from now on {id} on {channel} counts as that item.").format(
                channel=html.escape(channel), id=html.escape(channel_item_id), lines=lines,
                units=units), self)
        explanation.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setObjectName("itemSearch")
        self.search.setPlaceholderText(self.tr("Code, name or JAN…"))
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget(self)
        self.results.setObjectName("itemResults")
        self.results.setUniformItemSizes(True)
        self.empty = QLabel(self)
        self.empty.setStyleSheet("color: palette(mid);")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.addButton(self.tr("Map"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.run_search)
        self.search.textEdited.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self._enter)
        self.results.currentItemChanged.connect(
            lambda current, _old: self.ok.setEnabled(current is not None))
        self.results.itemDoubleClicked.connect(lambda _item: self.accept())
        self.resize(560, 440)
        self.search.setText(channel_item_id)
        self.run_search()
        self._widen_search(channel_item_id)

    @property
    def code(self) -> str | None:
        item = self.results.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def run_search(self) -> None:
        self.results.clear()
        text = self.search.text().strip()
        matches = find_items(self.shop.book, text, limit=100) if text else []
        for match in matches:
            kind = self.tr("set") if match.is_set else ""
            label = f"{match.code}    {match.name}"
            if kind:
                label += f"    [{kind}]"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, match.code)
            item.setToolTip(self.tr("Sellable now: {n}").format(n=match.sellable))
            self.results.addItem(item)
        exact = [n for n, m in enumerate(matches)
                 if same_key(text, m.code) or same_key(text, m.jan)]
        if exact:
            self.results.setCurrentRow(exact[0])
        if matches:
            self.empty.hide()
        else:
            self.empty.setText(self.tr("No item matches. Try part of the name or the code.")
                               if text else self.tr("Type a code, a name or a JAN."))
            self.empty.show()
        self.ok.setEnabled(self.results.currentItem() is not None)

    def _widen_search(self, text: str) -> None:
        """No item matches the channel's id: try its first part ("TWL-9X" → "TWL")."""
        while self.results.count() == 0:
            shorter = text.rstrip("-_ ./")
            for separator in "-_ ./":
                if separator in shorter:
                    shorter = shorter.rsplit(separator, 1)[0]
                    break
            else:
                return
            if not shorter or shorter == text:
                return
            text = shorter
            self.search.setText(text)
            self.run_search()

    def _enter(self) -> None:
        self._timer.stop()
        self.run_search()
        if self.results.count() == 1:
            self.results.setCurrentRow(0)
        if self.results.currentItem() is not None:
            self.accept()


# -- the panel --------------------------------------------------------------------------------
class SyncPanel(QDockWidget):
    """Per channel: state, last and next sync, last error, counts; and what needs the user:
    listings the channel keeps refusing, order lines Rendo cannot map, numbers changed by hand.
    """

    item_activated = Signal(str)  # the user double-clicked an item's row: show it in the grid

    def __init__(self, shop: Shop, sync: HasWorker | SyncWorker | SyncControl,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.control = SyncControl.of(sync)
        self.setObjectName("syncPanel")
        self.setWindowTitle(self.tr("Sync"))
        self.setAllowedAreas(Qt.DockWidgetArea.AllDockWidgetAreas)
        body = QWidget(self)
        body.setObjectName("syncPanelBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(self._make_header())
        self.waiting_box = QVBoxLayout()
        self.waiting_box.setSpacing(4)
        layout.addLayout(self.waiting_box)
        self._waiting_banners: dict[str, QFrame] = {}
        self.channels_model = RowsModel([
            self.tr("Channel"), self.tr("State"), self.tr("Last sync"), self.tr("Next sync"),
            self.tr("Listings"), self.tr("Orders read"), self.tr("Uploads"),
            self.tr("Last error"),
        ], self)
        self.channels_view = _table(self.channels_model, body, multi=False)
        self.channels_view.setObjectName("channelTable")
        self.channels_view.doubleClicked.connect(self._channel_double_clicked)
        header = self.channels_view.horizontalHeader()
        for column in range(7):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.channels_view)
        self.tabs = QTabWidget(body)
        self.tabs.setObjectName("problemTabs")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self._make_suspended_tab()
        self._make_unmatched_tab()
        self._make_drift_tab()
        self.message = QLabel(body)
        self.message.setObjectName("panelMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.setWidget(body)
        self._problems_timer = QTimer(self)
        self._problems_timer.setSingleShot(True)
        self._problems_timer.setInterval(200)
        self._problems_timer.timeout.connect(self.refresh_problems)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self.control.statuses_changed.connect(self._show_statuses)
        self.control.running_changed.connect(self._show_running)
        self.control.paused_changed.connect(self._show_paused)
        self.control.problems_changed.connect(self._problems_timer.start)
        self.control.retried.connect(self._retried)
        self.control.resolved.connect(self._resolved)
        if not self.control.statuses:
            self.control.refresh()
        self._show_statuses(self.control.statuses)
        self._show_running(self.control.running)
        self._show_paused(self.control.paused)
        self.refresh_problems()

    def sizeHint(self) -> QSize:
        return QSize(980, 380)

    # -- building ---------------------------------------------------------------------------
    def _make_header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.summary_icon = QLabel(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("syncSummary")
        font = QFont(self.summary.font())
        font.setBold(True)
        self.summary.setFont(font)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(90)
        self.busy.setMaximumHeight(self.fontMetrics().height())
        self.busy.hide()
        self.sync_now_button = QPushButton(sync_icon("running"), self.tr("Sync now"), self)
        self.sync_now_button.setObjectName("syncNow")
        self.sync_now_button.setToolTip(self.tr(
            "Read new orders from every channel and upload the numbers now."))
        self.sync_now_button.clicked.connect(self._sync_now)
        self.pause_button = QPushButton(sync_icon("paused"), self.tr("Pause sync"), self)
        self.pause_button.setObjectName("pauseSync")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip(self.tr(
            "While sync is paused Rendo neither reads orders nor uploads numbers: the "
            "channels may oversell. Resume as soon as you can."))
        self.pause_button.toggled.connect(self.control.set_paused)
        self.channels_button = QPushButton(self.tr("Channel settings…"), self)
        self.channels_button.setObjectName("channelSettings")
        self.channels_button.clicked.connect(self.edit_channels)
        row.addWidget(self.summary_icon)
        row.addWidget(self.summary)
        row.addWidget(self.busy)
        row.addStretch(1)
        row.addWidget(self.sync_now_button)
        row.addWidget(self.pause_button)
        row.addWidget(self.channels_button)
        return row

    def _page(self, view: QTableView, empty_text: str,
              buttons: Sequence[QPushButton]) -> tuple[QWidget, QStackedWidget]:
        page = QWidget(self.tabs)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(6)
        stack = QStackedWidget(page)
        empty = QLabel(empty_text, stack)
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        empty.setStyleSheet("color: palette(mid); padding: 12px;")
        stack.addWidget(empty)
        stack.addWidget(view)
        layout.addWidget(stack, 1)
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        return page, stack

    def _make_suspended_tab(self) -> None:
        self.suspended_model = RowsModel([
            self.tr("Channel"), self.tr("Item"), self.tr("Channel's item ID"),
            self.tr("Refused"), self.tr("Reason"),
        ], self)
        self.suspended_view = _table(self.suspended_model, self.tabs)
        self.suspended_view.setObjectName("suspendedTable")
        self.retry_button = QPushButton(self.tr("Retry"), self)
        self.retry_button.setObjectName("retryListing")
        self.retry_button.setToolTip(self.tr(
            "Send the selected listings to their channel again at once."))
        self.retry_button.clicked.connect(self.retry_selected)
        page, self.suspended_stack = self._page(
            self.suspended_view,
            self.tr("No stopped listings. Rendo stops a listing here when its channel refuses "
                    "it several times in a row."),
            [self.retry_button])
        self.suspended_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.suspended_view.doubleClicked.connect(
            lambda index: self._activate(self.suspended_model, index))
        self.tabs.addTab(page, "")

    def _make_unmatched_tab(self) -> None:
        self.unmatched_model = RowsModel([
            self.tr("Channel"), self.tr("Order"), self.tr("Channel's item ID"),
            self.tr("Quantity"), self.tr("Received"),
        ], self)
        self.unmatched_view = _table(self.unmatched_model, self.tabs, multi=False)
        self.unmatched_view.setObjectName("unmatchedTable")
        self.map_button = QPushButton(self.tr("Map to item…"), self)
        self.map_button.setObjectName("mapToItem")
        self.map_button.setToolTip(self.tr(
            "Tell Rendo which item this is; the waiting orders are then applied to it."))
        self.map_button.clicked.connect(self.map_selected)
        page, self.unmatched_stack = self._page(
            self.unmatched_view,
            self.tr("Every order line is matched to an item."), [self.map_button])
        self.unmatched_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.unmatched_view.doubleClicked.connect(lambda _index: self.map_selected())
        self.tabs.addTab(page, "")

    def _make_drift_tab(self) -> None:
        self.drift_model = RowsModel([
            self.tr("Channel"), self.tr("Item"), self.tr("Channel's item ID"),
            self.tr("Channel shows"), self.tr("Rendo's number"), self.tr("Last confirmed"),
        ], self)
        self.drift_view = _table(self.drift_model, self.tabs)
        self.drift_view.setObjectName("driftTable")
        self.take_button = QPushButton(self.tr("Take channel's number"), self)
        self.take_button.setObjectName("takeChannel")
        self.take_button.setToolTip(self.tr(
            "The number typed on the channel is right: record it as the item's on-hand count "
            "(a stocktake movement); the other channels follow."))
        self.take_button.clicked.connect(lambda: self.resolve_selected(take_channel=True))
        self.push_button = QPushButton(self.tr("Push ours"), self)
        self.push_button.setObjectName("pushOurs")
        self.push_button.setToolTip(self.tr(
            "Rendo's number is right: overwrite the channel's number with it."))
        self.push_button.clicked.connect(lambda: self.resolve_selected(take_channel=False))
        page, self.drift_stack = self._page(
            self.drift_view,
            self.tr("No numbers were changed by hand on a channel."),
            [self.take_button, self.push_button])
        self.drift_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.drift_view.doubleClicked.connect(
            lambda index: self._activate(self.drift_model, index))
        self.tabs.addTab(page, "")

    # -- showing ----------------------------------------------------------------------------
    @Slot(list)
    def _show_statuses(self, statuses: list[ChannelStatus]) -> None:
        now = utc_now()
        rows = []
        for status in statuses:
            state = self.control.display_state(status)
            error = plain_error(status.last_error) if status.failures else ""
            last_tip = ""
            if status.failures and status.last_ok_at:
                last_tip = self.tr("Last successful sync: {when}").format(
                    when=when_text(status.last_ok_at, now))
            elif status.failures:
                last_tip = self.tr("No sync has succeeded yet.")
            state_label = state_text(state)
            if state == "failing" and status.failures > 1:
                state_label = self.tr("Failing ({n} times in a row)").format(n=status.failures)
            rows.append(Row(
                key=(status.name,),
                cells=[status.name, state_label,
                       when_text(status.last_sync_at, now) if status.last_sync_at else
                       self.tr("Never"),
                       self._next_text(status, state, now), str(status.listings),
                       str(status.orders_applied), str(status.uploads), error],
                tooltips={2: last_tip, 7: self.tr("Details: {message}").format(
                    message=status.last_error) if error else ""},
                icons={1: sync_icon(state)},
                colors={7: "#b3261e", 1: "#b3261e"} if state == "failing" else {},
                right={4, 5, 6},
                payload=status,
            ))
        self.channels_model.set_rows(rows)
        self._fit_channel_table()
        self._show_waiting(statuses)
        self._show_summary()
        self._update_tab_titles()

    def _fit_channel_table(self) -> None:
        """Every channel's row in view (a shop has a handful), the problem tabs get the rest."""
        view = self.channels_view
        rows = max(2, min(self.channels_model.rowCount(), 8))
        height = (view.horizontalHeader().sizeHint().height()
                  + rows * view.verticalHeader().defaultSectionSize() + 2 * view.frameWidth()
                  + 2)
        if view.height() != height or view.minimumHeight() != height:
            view.setFixedHeight(height)

    def _next_text(self, status: ChannelStatus, state: str, now: Any) -> str:
        if state in ("disabled", "manual"):
            return "—"
        if state == "waiting":
            return self.tr("After your choice")
        if state == "running":
            return self.tr("Syncing now")
        if self.control.paused:
            return self.tr("Paused")
        if status.next_sync_at is None or status.next_sync_at <= now:
            return self.tr("Any moment")
        return when_text(status.next_sync_at, now)

    def _show_summary(self) -> None:
        summary = summarize(self.control)
        size = self.fontMetrics().height() + 2
        self.summary_icon.setPixmap(sync_icon(summary.state).pixmap(size, size))
        self.summary.setText(summary.text)
        self.summary.setToolTip(summary.tooltip)

    def _show_waiting(self, statuses: list[ChannelStatus]) -> None:
        waiting = [s.name for s in statuses if s.enabled and s.waiting_for_choice]
        for name in list(self._waiting_banners):
            if name not in waiting:
                banner = self._waiting_banners.pop(name)
                self.waiting_box.removeWidget(banner)
                banner.deleteLater()
        for name in waiting:
            if name in self._waiting_banners:
                continue
            banner = QFrame(self)
            banner.setObjectName("waitingBanner")
            banner.setStyleSheet(
                "#waitingBanner { background: #fff6e0; border: 1px solid #f0d28c; "
                "border-radius: 4px; } #waitingBanner QLabel { color: #5c4100; "
                "background: transparent; }")
            icon = QLabel(banner)
            size = self.fontMetrics().height() + 2
            icon.setPixmap(sync_icon("waiting").pixmap(size, size))
            text = QLabel(self.tr(
                "<b>{name}</b> is connected but not synced yet. First choose whether Rendo "
                "takes the channel's numbers or uploads its own.").format(
                    name=html.escape(name)), banner)
            text.setWordWrap(True)
            button = QPushButton(self.tr("Choose…"), banner)
            button.setObjectName("chooseFirstSync")
            button.clicked.connect(lambda _checked=False, n=name: self.choose_first_sync(n))
            row = QHBoxLayout(banner)
            row.setContentsMargins(10, 5, 6, 5)
            row.addWidget(icon)
            row.addWidget(text, 1)
            row.addWidget(button)
            self._waiting_banners[name] = banner
            self.waiting_box.addWidget(banner)

    @Slot(bool)
    def _show_running(self, running: bool) -> None:
        self.busy.setVisible(running)
        self._show_statuses(self.control.statuses)

    @Slot(bool)
    def _show_paused(self, paused: bool) -> None:
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.blockSignals(False)
        self.pause_button.setText(self.tr("Resume sync") if paused else self.tr("Pause sync"))
        self.pause_button.setIcon(sync_icon("running" if paused else "paused"))
        self._show_statuses(self.control.statuses)

    def _tick(self) -> None:
        if self.isVisible() and self.control.statuses:
            self._show_statuses(self.control.statuses)

    def _update_tab_titles(self) -> None:
        titles = [
            (self.tr("Stopped listings"), self.suspended_model),
            (self.tr("Unmatched order lines"), self.unmatched_model),
            (self.tr("Changed on the channel"), self.drift_model),
        ]
        for number, (title, model) in enumerate(titles):
            count = model.rowCount()
            self.tabs.setTabText(number, self.tr("{title} ({n})").format(title=title, n=count)
                                 if count else title)
            self.tabs.setTabIcon(number, sync_icon("warning") if count else QIcon())

    def _update_buttons(self, *_: object) -> None:
        self.retry_button.setEnabled(bool(self.suspended_view.selectionModel().selectedRows()))
        self.map_button.setEnabled(bool(self.unmatched_view.selectionModel().selectedRows()))
        drift = bool(self.drift_view.selectionModel().selectedRows())
        self.take_button.setEnabled(drift)
        self.push_button.setEnabled(drift)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_problems()

    # -- problems ---------------------------------------------------------------------------
    def refresh_problems(self) -> None:
        """Re-read the listings and order lines that need the user (cheap reads)."""
        listings = problem_listings()
        suspended = [v for v in listings if v.suspended]
        drift = [v for v in listings if v.drift_qty is not None and not v.suspended]
        self._fill(self.suspended_view, self.suspended_model, self.suspended_stack,
                   [self._suspended_row(v) for v in suspended])
        self._fill(self.drift_view, self.drift_model, self.drift_stack,
                   [self._drift_row(v) for v in drift])
        self._fill(self.unmatched_view, self.unmatched_model, self.unmatched_stack,
                   self._unmatched_rows())
        self._update_tab_titles()
        self._update_buttons()

    def _fill(self, view: QTableView, model: RowsModel, stack: QStackedWidget,
              rows: list[Row]) -> None:
        keys = {row.key for row in _selected_rows(view, model)}
        fresh = not model.rows
        model.set_rows(rows)
        _reselect(view, model, keys)
        stack.setCurrentIndex(1 if rows else 0)
        if rows and fresh:
            view.resizeColumnsToContents()

    def _item_label(self, code: str) -> str:
        item = self.shop.book.items.get(code)
        return f"{code}  {item.name}" if item is not None and item.name else code

    def _suspended_row(self, view: ListingView) -> Row:
        return Row(
            key=(view.channel, view.channel_item_id),
            cells=[view.channel, self._item_label(view.code), view.channel_item_id,
                   self.tr("{n} times").format(n=view.failures), plain_error(view.last_error)],
            tooltips={4: view.last_error},
            icons={0: sync_icon("failing")},
            payload=view,
        )

    def _drift_row(self, view: ListingView) -> Row:
        stock = self.shop.book.stock.get(view.code)
        ours = stock.channels.get(view.channel) if stock is not None else None
        confirmed = clock_text(view.confirmed_at) if view.confirmed_at else "—"
        return Row(
            key=(view.channel, view.channel_item_id),
            cells=[view.channel, self._item_label(view.code), view.channel_item_id,
                   str(view.drift_qty), "—" if ours is None else str(ours), confirmed],
            tooltips={3: self.tr("Rendo last uploaded {n}; someone changed it on the "
                                 "channel.").format(n=view.believed_qty)},
            icons={0: sync_icon("warning")},
            bold={3},
            right={3, 4},
            payload=view,
        )

    def _unmatched_rows(self) -> list[Row]:
        rows = []
        for line in unmatched_lines():
            quantity = str(line.quantity)
            if line.cancelled:
                quantity = self.tr("{n} (cancelled)").format(n=line.quantity)
            problem = line_problem(line)
            tooltips = {}
            if problem is not None:  # refused for its quantity: the order was not applied
                quantity = self.tr("refused")
                tooltips = {column: error_text(problem) for column in range(5)}
            rows.append(Row(
                key=(line.channel, line.order_id, line.line_id),
                cells=[line.channel, line.order_id, line.channel_item_id, quantity,
                       clock_text(line.seen_at) if line.seen_at else "—"],
                tooltips=tooltips,
                icons={0: sync_icon("warning")},
                right={3},
                payload=(line.channel, line.channel_item_id,
                         0 if line.cancelled else line.quantity),
            ))
        return rows

    def _activate(self, model: RowsModel, index: QModelIndex) -> None:
        payload = model.rows[index.row()].payload
        if isinstance(payload, ListingView):
            self.item_activated.emit(payload.code)

    # -- actions ----------------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        color = "#b3261e" if error else "palette(text)"
        self.message.setStyleSheet(f"color: {color};")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _sync_now(self) -> None:
        self.control.sync_now()
        self._say(self.tr("Syncing every channel now…"))

    def retry_selected(self) -> None:
        """Retry: the worker resumes the listings and uploads them (_retried shows it)."""
        rows = _selected_rows(self.suspended_view, self.suspended_model)
        if not rows:
            return
        self.retry_button.setEnabled(False)
        self._say(self.tr("Sending {n} listing(s) again…").format(n=len(rows)))
        self.control.retry_listings(
            [(row.payload.channel, row.payload.channel_item_id) for row in rows])

    @Slot(int, list)
    def _retried(self, done: int, errors: list[Exception]) -> None:
        if errors:
            self._say("\n".join(_error_line(error) for error in errors), error=True)
        else:
            self._say(self.tr("Sending {n} listing(s) again.").format(n=done))
        self.refresh_problems()

    def resolve_selected(self, take_channel: bool) -> None:
        """Take the channel's number or push ours: done by the worker (_resolved shows it)."""
        rows = _selected_rows(self.drift_view, self.drift_model)
        if not rows:
            return
        self.take_button.setEnabled(False)
        self.push_button.setEnabled(False)
        self._say(self.tr("Working on {n} item(s)…").format(n=len(rows)))
        self.control.resolve_drifts(
            [(row.payload.channel, row.payload.channel_item_id) for row in rows], take_channel)

    @Slot(bool, int, list)
    def _resolved(self, take_channel: bool, done: int, errors: list[Exception]) -> None:
        if errors:
            self._say("\n".join(_error_line(error) for error in errors), error=True)
        elif take_channel:
            self._say(self.tr("Took the channel's number for {n} item(s).").format(n=done))
        else:
            self._say(self.tr("Uploading Rendo's number for {n} item(s).").format(n=done))
        self.refresh_problems()

    def map_selected(self) -> None:
        rows = _selected_rows(self.unmatched_view, self.unmatched_model)
        if not rows:
            return
        channel, channel_item_id, _units = rows[0].payload
        waiting = [r.payload for r in self.unmatched_model.rows
                   if r.payload[:2] == (channel, channel_item_id)]
        units = sum(p[2] for p in waiting)
        picker = ItemPickerDialog(self.shop, channel, channel_item_id, len(waiting), units, self)
        picker.accepted.connect(lambda: self._map(channel, channel_item_id, picker.code))
        picker.finished.connect(picker.deleteLater)
        picker.open()
        self.picker = picker  # tests reach the open dialog here

    def _map(self, channel: str, channel_item_id: str, code: str | None) -> None:
        if code is None:
            return
        try:
            outcome = map_code(self.shop, channel, channel_item_id, code)
        except RendoError as error:
            self._say(error_text(error), error=True)
            return
        self._say(self.tr("{id} on {channel} is now {code}; {n} order line(s) applied.").format(
            id=channel_item_id, channel=channel, code=code, n=outcome.applied))
        self.control.refresh()
        self.refresh_problems()

    def _channel_double_clicked(self, index: QModelIndex) -> None:
        status: ChannelStatus = self.channels_model.rows[index.row()].payload
        if status.enabled and status.waiting_for_choice:
            self.choose_first_sync(status.name)
        else:
            self.edit_channels(status.name)

    def choose_first_sync(self, name: str) -> None:
        from .first_sync_dialog import FirstSyncDialog

        dialog = FirstSyncDialog(self.shop, name, self.control.adapter_for, self)
        dialog.finished.connect(lambda _result: self.control.refresh())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.first_sync_dialog = dialog

    def edit_channels(self, select: str | None = None) -> None:
        from .channel_dialog import ChannelDialog

        dialog = ChannelDialog(self.shop, self, adapter_for=self.control.adapter_for,
                               select=select if isinstance(select, str) else None)
        dialog.finished.connect(lambda _result: self.control.refresh())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.channel_dialog = dialog


def open_panel(window: Any, shop: Shop, sync: HasWorker,
               area: Qt.DockWidgetArea = Qt.DockWidgetArea.BottomDockWidgetArea) -> SyncPanel:
    """Create the panel and dock it in *window* (a QMainWindow)."""
    panel = SyncPanel(shop, sync, window)
    window.addDockWidget(area, panel)
    return panel

