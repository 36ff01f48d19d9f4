"""The sync panel: a dock with the channels and what needs the user.

All engine work happens in the sync worker's thread. The panel only reads cheap things in the
window's thread (``channel_statuses()``, ``problem_listings()``, ``unmatched_lines()``). The
panel's writes that lead to uploads (retry a listing, take the channel's number, push ours) are
sent to the worker, which makes them, reports back (``SyncControl.retried`` / ``resolved``) and
uploads the new numbers at once.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import RendoError
from app.i18n import error_text
from app.services.orders import line_problem, map_code, unmatched_lines
from app.services.shop import Shop
from app.sync.state import ChannelStatus, ListingView, problem_listings
from app.sync.worker import SyncWorker

from .dialogs.item_picker import ItemPickerDialog
from .expiry_banners import ExpiryBanners
from .panel_table import PanelRowsModel, Row, reselect, selected_rows, table_view
from .state_icons import sync_icon
from .sync_control import HasWorker, SyncControl, summarize, tolerates_lost_database
from .sync_leader import SyncLeaderLabel
from .sync_words import (
    budget_text,
    channel_error_text,
    error_line,
    item_label,
    listing_reason,
    state_text,
)
from .timefmt import clock_text, utc_now, when_text


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
        layout.addWidget(ExpiryBanners(self.control, self.edit_channels, body))
        self._waiting_banners: dict[str, QFrame] = {}
        self.channels_model = PanelRowsModel([
            self.tr("Channel"), self.tr("State"), self.tr("Last sync"), self.tr("Next sync"),
            self.tr("Listings"), self.tr("Orders read"), self.tr("Uploads"),
            self.tr("Rate budget"), self.tr("Last error"),
        ], self)
        self.channels_view = table_view(self.channels_model, body, multi=False)
        self.channels_view.setObjectName("channelTable")
        self.channels_view.doubleClicked.connect(self._channel_double_clicked)
        header = self.channels_view.horizontalHeader()
        for column in range(8):  # 7: what is left of the rate budget
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(8, QHeaderView.ResizeMode.Stretch)
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
        self.control.budgets_changed.connect(self._tick)
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
        self.leader = SyncLeaderLabel(self.control, self)  # which PC syncs
        for widget in (self.summary_icon, self.summary, self.busy, self.leader):
            row.addWidget(widget)
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
        self.suspended_model = PanelRowsModel([
            self.tr("Channel"), self.tr("Item"), self.tr("Channel's item ID"),
            self.tr("Refused"), self.tr("Reason"),
        ], self)
        self.suspended_view = table_view(self.suspended_model, self.tabs)
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
        self.unmatched_model = PanelRowsModel([
            self.tr("Channel"), self.tr("Order"), self.tr("Channel's item ID"),
            self.tr("Quantity"), self.tr("Received"),
        ], self)
        self.unmatched_view = table_view(self.unmatched_model, self.tabs, multi=False)
        self.unmatched_view.setObjectName("unmatchedTable")
        self.map_button = QPushButton(self.tr("Map to item…"), self)
        self.map_button.setObjectName("mapToItem")
        self.map_button.setToolTip(self.tr(
            "Tell Rendo which item this is; the waiting orders are then applied to it."))
        self.map_button.clicked.connect(self.map_selected)
        page, self.unmatched_stack = self._page(self.unmatched_view, self.tr(
            "Every order line is matched to an item."), [self.map_button])
        self.unmatched_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.unmatched_view.doubleClicked.connect(lambda _index: self.map_selected())
        self.tabs.addTab(page, "")

    def _make_drift_tab(self) -> None:
        self.drift_model = PanelRowsModel([
            self.tr("Channel"), self.tr("Item"), self.tr("Channel's item ID"),
            self.tr("Channel shows"), self.tr("Rendo's number"), self.tr("Last confirmed"),
        ], self)
        self.drift_view = table_view(self.drift_model, self.tabs)
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
        self.drift_view.doubleClicked.connect(lambda index: self._activate(self.drift_model, index))
        self.tabs.addTab(page, "")

    # -- showing ----------------------------------------------------------------------------
    @Slot(list)
    def _show_statuses(self, statuses: list[ChannelStatus]) -> None:
        now = utc_now()
        rows = []
        for status in statuses:
            state = self.control.display_state(status)
            error = channel_error_text(status.name, status.type, status.error_kind,
                                       status.last_error) if status.failures else ""
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
                       str(status.orders_applied), str(status.uploads),
                       budget_text(self.control.budgets.get(status.name),
                                   self.control.uploads_left.get(status.name, 0)), error],
                tooltips={2: last_tip, 8: self.tr("Details: {message}").format(
                    message=status.last_error) if error else ""},
                icons={1: sync_icon("failing" if state == "stopped" else state)},
                colors={8: "#b3261e", 1: "#b3261e"} if state in ("failing", "stopped") else {},
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
        if state == "stopped":
            return self.tr("After new credentials")
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
    @tolerates_lost_database
    def refresh_problems(self) -> None:
        """Re-read the listings and order lines that need the user (cheap reads)."""
        listings = problem_listings()
        suspended = [v for v in listings if v.suspended or v.missing]
        drift = [v for v in listings if v.drift_qty is not None and not v.suspended
                 and not v.missing]
        self._fill(self.suspended_view, self.suspended_model, self.suspended_stack,
                   [self._suspended_row(v) for v in suspended])
        self._fill(self.drift_view, self.drift_model, self.drift_stack,
                   [self._drift_row(v) for v in drift])
        self._fill(self.unmatched_view, self.unmatched_model, self.unmatched_stack,
                   self._unmatched_rows())
        self._update_tab_titles()
        self._update_buttons()

    def _fill(self, view: QTableView, model: PanelRowsModel, stack: QStackedWidget,
              rows: list[Row]) -> None:
        keys = {row.key for row in selected_rows(view, model)}
        fresh = not model.rows
        model.set_rows(rows)
        reselect(view, model, keys)
        stack.setCurrentIndex(1 if rows else 0)
        if rows and fresh:
            view.resizeColumnsToContents()

    def _suspended_row(self, view: ListingView) -> Row:
        reason, label = listing_reason(view), item_label(self.shop.book.items, view.code)
        return Row(
            key=(view.channel, view.channel_item_id),
            cells=[view.channel, label, view.channel_item_id,
                   self.tr("{n} times").format(n=view.failures), reason],
            tooltips={4: reason},
            icons={0: sync_icon("failing")},
            payload=view,
        )

    def _drift_row(self, view: ListingView) -> Row:
        stock = self.shop.book.stock.get(view.code)
        ours = stock.channels.get(view.channel) if stock is not None else None
        confirmed = clock_text(view.confirmed_at) if view.confirmed_at else "—"
        label = item_label(self.shop.book.items, view.code)
        return Row(
            key=(view.channel, view.channel_item_id),
            cells=[view.channel, label, view.channel_item_id,
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

    def _activate(self, model: PanelRowsModel, index: QModelIndex) -> None:
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
        rows = selected_rows(self.suspended_view, self.suspended_model)
        if not rows:
            return
        self.retry_button.setEnabled(False)
        self._say(self.tr("Sending {n} listing(s) again…").format(n=len(rows)))
        self.control.retry_listings(
            [(row.payload.channel, row.payload.channel_item_id) for row in rows])

    @Slot(int, list)
    def _retried(self, done: int, errors: list[Exception]) -> None:
        if errors:
            self._say("\n".join(error_line(error) for error in errors), error=True)
        else:
            self._say(self.tr("Sending {n} listing(s) again.").format(n=done))
        self.refresh_problems()

    def resolve_selected(self, take_channel: bool) -> None:
        """Take the channel's number or push ours: done by the worker (_resolved shows it)."""
        rows = selected_rows(self.drift_view, self.drift_model)
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
            self._say("\n".join(error_line(error) for error in errors), error=True)
        elif take_channel:
            self._say(self.tr("Took the channel's number for {n} item(s).").format(n=done))
        else:
            self._say(self.tr("Uploading Rendo's number for {n} item(s).").format(n=done))
        self.refresh_problems()

    def map_selected(self) -> None:
        rows = selected_rows(self.unmatched_view, self.unmatched_model)
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
        from .dialogs.first_sync_dialog import FirstSyncDialog

        dialog = FirstSyncDialog(self.shop, name, self.control.adapter_for, self)
        dialog.finished.connect(lambda _result: self.control.refresh())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.first_sync_dialog = dialog

    def edit_channels(self, select: str | None = None) -> None:
        from .dialogs.channel_dialog import ChannelDialog

        dialog = ChannelDialog(self.shop, self, adapter_for=self.control.adapter_for,
                               select=select if isinstance(select, str) else None)
        dialog.finished.connect(lambda _result: self.control.refresh())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.channel_dialog = dialog
