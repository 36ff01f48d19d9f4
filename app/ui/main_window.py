"""The main window: quick filters and search over the stock grid, the item panel, the
status bar, and the menus that reach every dialog."""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QModelIndex,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHeaderView,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.domain.errors import RendoError
from app.domain.search import search_key
from app.i18n import error_text
from app.services.orders import unmatched_lines
from app.services.shop import Shop
from app.sync.state import channel_statuses, unsettled_listings
from app.sync.worker import SyncThread

from . import dialogs
from .bulk_actions import BulkEdits
from .connection_banner import ConnectionBanner
from .dialogs import channel_dialog
from .dialogs.adjust_dialog import AdjustDialog
from .dialogs.export_dialog import run_export_dialog, run_template_dialog
from .dialogs.import_wizard import run_import_wizard
from .filter_bar import FilterBar
from .item_detail import ItemDetailPanel
from .pc_settings import GRID_FILTER, WINDOW_GEOMETRY, WINDOW_STATE, Setting, grid_header
from .status_bar import StatusParts
from .stock_filter import QuickFilter, StockFilter
from .stock_model import Kind, StockModel
from .stock_view import CELL_PADDING, GRID_STYLE, StockView
from .sync_control import SyncControl, tolerates_lost_database
from .sync_panel import SyncPanel
from .sync_status_label import SyncStatusLabel
from .tray import Tray
from .undo import AdjustCommand, CommandErrors, UndoMovementCommand
from .unmatched import UnmatchedPage
from .window_actions import QUICK_FILTERS, WindowActions

log = logging.getLogger(__name__)

# File → 取り込み / 書き出し / テンプレート, by the names the window's actions use
FILE_PARTS: dict[str, Callable[[Shop, QWidget | None], bool]] = {
    "import_wizard": run_import_wizard,
    "export_dialog": run_export_dialog,
    "save_template": run_template_dialog,
}


class ShopEvents(QObject):
    """The Shop's listeners may run in the sync thread: a signal brings them to the GUI."""

    changed = Signal(list)

    def __init__(self, shop: Shop, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        shop.listeners.append(self._listener)

    def _listener(self, codes: list[str]) -> None:
        with contextlib.suppress(RuntimeError):  # the window is gone; sync carries on
            self.changed.emit(list(codes))

    def detach(self) -> None:
        if self._listener in self.shop.listeners:
            self.shop.listeners.remove(self._listener)


def default_window_size(free_width: int, free_height: int) -> QSize:
    """The first window: 1360 × 820, or most of a smaller screen's free area (a 1366 × 768
    laptop has about 1366 × 728 once the taskbar is there)."""
    return QSize(min(1360, int(free_width * 0.96)), min(820, int(free_height * 0.94)))


class MainWindow(QMainWindow):
    """Rendo's main window."""

    sync_requested = Signal()
    pause_requested = Signal(bool)

    def __init__(
        self, shop: Shop, db_label: str, sync: SyncThread | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Rendo")
        self.shop = shop
        self.sync = sync
        self.db_label = db_label
        self.undo_stack = QUndoStack(self)
        self.command_errors = CommandErrors(self)
        self.command_errors.refused.connect(self.show_error)

        self.model = StockModel(shop, self)
        self.proxy = StockFilter(self.model, self)
        self.view = StockView(self)
        self.view.setModel(self.proxy)
        self.view.install_delegates()
        self.filter_bar = FilterBar(self)
        self.unmatched_page = UnmatchedPage(shop, self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.view)
        self.pages.addWidget(self.unmatched_page)
        central = QWidget(self)
        self.central_layout = layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        central.setStyleSheet(GRID_STYLE)  # the tables' padding and flat headers

        self.detail = ItemDetailPanel(shop, self)
        self.detail.setStyleSheet(GRID_STYLE)
        self.detail_dock = QDockWidget(self.tr("Item details"), self)
        self.detail_dock.setObjectName("itemDock")
        self.detail_dock.setWidget(self.detail)
        self.detail_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                                     | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail_dock)
        # the details run the window's full height and the sync panel sits under the grid
        # only: stacked under both, the two docks' least heights would not fit a 768-pixel
        # laptop screen
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.sync_panel: SyncPanel | None = None
        self.connection_banner: ConnectionBanner | None = None  # with a sync thread
        self.tray: Tray | None = None

        self.status = StatusParts(self.statusBar(), db_label)
        self.bulk = BulkEdits(self)
        self.act = WindowActions(self)
        self._connect()
        self._attach_sync_parts()
        self._restore_settings()
        self.refresh_counts()
        self.refresh_listings()
        self.status.set_statuses(channel_statuses())
        self._update_selection_actions()

    # -- building ---------------------------------------------------------------------------
    def _connect(self) -> None:
        self.events = ShopEvents(self.shop, self)
        self.events.changed.connect(self.on_shop_changed)
        self.model.on_hand_entered.connect(self.ask_adjust, Qt.ConnectionType.QueuedConnection)
        self.proxy.counts_changed.connect(self.refresh_counts)
        self.model.modelAboutToBeReset.connect(self._before_reset)
        self.model.modelReset.connect(self._after_reset)
        self.filter_bar.filter_chosen.connect(self.set_quick_filter)
        # A barcode scanner types a whole code in a burst: filter once the burst's keys have
        # been handled (a zero-time timer runs after the input already queued).
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(0)
        self._search_timer.timeout.connect(self.apply_search)
        self.filter_bar.search_changed.connect(lambda _text: self._search_timer.start())
        self.filter_bar.search_entered.connect(self.select_scanned)
        self.view.open_requested.connect(lambda _index: self.open_current())
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.selectionModel().selectionChanged.connect(self._update_selection_actions)
        self.detail.undo_requested.connect(self.undo_movement)
        self.detail.edit_set_requested.connect(self.edit_set)
        self.unmatched_page.mapped.connect(self.refresh_counts)
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(60)
        self._detail_timer.timeout.connect(self._show_current_detail)
        self._listing_timer = QTimer(self)
        self._listing_timer.setSingleShot(True)
        self._listing_timer.setInterval(500)
        self._listing_timer.timeout.connect(self.refresh_listings)
        if self.sync is not None:
            worker = self.sync.worker
            # One control object talks to the worker, so the menu, panel and tray agree.
            control = SyncControl.of(self.sync)
            self.sync_requested.connect(control.sync_now)
            self.pause_requested.connect(control.set_paused)
            control.paused_changed.connect(self.act.pause.setChecked)
            # The worker emits in the sync thread: only bound slots of this window (a QObject
            # of the GUI thread) are queued over to the GUI thread; a lambda or a method of a
            # plain object would run in the sync thread.
            worker.statuses.connect(self._sync_statuses)
            worker.running.connect(self._sync_running)
            worker.cycle_done.connect(self._cycle_done)
            worker.failed.connect(self._sync_failed)

    def _attach_sync_parts(self) -> None:
        """The sync panel, its status-bar label and the tray (only with a sync thread)."""
        if self.sync is None:
            return
        panel = SyncPanel(self.shop, self.sync, self)
        self.sync_panel = panel
        self.connection_banner = ConnectionBanner(SyncControl.of(self.sync), self)
        self.central_layout.insertWidget(0, self.connection_banner)  # above the filters
        panel.setObjectName(panel.objectName() or "syncPanel")
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, panel)
        panel.hide()  # until the user opens it (or the saved layout shows it)
        toggle = panel.toggleViewAction()
        toggle.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.act.view_menu.addAction(toggle)
        self.act.sync_menu.insertAction(self.act.channels, toggle)
        panel.item_activated.connect(self.show_item)
        label = SyncStatusLabel(self.sync, self)
        self.status.use_sync_label(self.statusBar(), label)
        label.clicked.connect(self.show_sync_panel)
        self.tray = Tray(self, self.sync)

    def show_sync_panel(self) -> None:
        if self.sync_panel is not None:
            self.sync_panel.show()
            self.sync_panel.raise_()

    def show_item(self, code: str) -> None:
        """Select *code* in the grid (leaving a filter that hides it) and show its panel."""
        if not self.proxy.accepts_code(code):
            self.filter_bar.search.clear()
            self.set_quick_filter(QuickFilter.ALL)
        if self.select_code(code):
            self.open_current()

    def _sample_codes(self, most: int = 3000) -> list[str]:
        """Up to *most* codes spread over the catalogue (measuring 100,000 texts is slow)."""
        codes = self.model.codes
        return list(codes) if len(codes) <= most else list(codes[:: len(codes) // most])

    def _text_widths(self) -> tuple[int, int]:
        """(the longest code, a name longer than most) in pixels, from a sample of items."""
        metrics = self.view.fontMetrics()
        items = self.shop.book.items
        sample = self._sample_codes()
        code = max((metrics.horizontalAdvance(c) for c in sample), default=0)
        names = sorted(metrics.horizontalAdvance(items[c].name) for c in sample if c in items)
        name = names[math.ceil(0.8 * len(names)) - 1] if names else 0  # 80 % fit whole
        return code, name

    def _set_default_widths(self) -> None:
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        wide = {Kind.CODE: 8, Kind.NAME: 12, Kind.VARIANT: 9, Kind.LIMITED_BY: 7}
        char = metrics.horizontalAdvance("あ")
        code_width, name_width = self._text_widths()
        icon_room = metrics.height() + 8  # a set's icon before its code
        padding = 2 * CELL_PADDING + 4
        status_width = max(metrics.horizontalAdvance(text) for text in self.model.status_texts())
        title_metrics = header.fontMetrics()
        for column, spec in enumerate(self.model.columns):
            title = self.model.headerData(column, Qt.Orientation.Horizontal) or ""
            width = title_metrics.horizontalAdvance(title) + 24  # padding, sort arrow
            if spec.kind is Kind.CODE:  # every code whole (TW-001x3), within reason
                width = max(width, min(code_width + icon_room + padding, char * 20))
            elif spec.kind in wide:
                width = max(width, char * wide[spec.kind])
            elif spec.kind is Kind.STATUS:
                width = max(width, status_width + 42)
            else:
                width = max(width, metrics.horizontalAdvance("00,000") + 20)
            header.resizeSection(column, width)
        # The name takes the room left (no sideways scrolling at the usual window sizes), but
        # keeps most names whole on a small screen (the grid then scrolls sideways).
        header.setStretchLastSection(False)
        name = self.model.column_of(Kind.NAME)
        header.setSectionResizeMode(name, QHeaderView.ResizeMode.Stretch)
        self.view.keep_readable(name, max(char * 8, min(name_width + padding, char * 18)))

    # -- settings ---------------------------------------------------------------------------
    def _header_setting(self) -> Setting[QByteArray | None]:
        return grid_header(self.model.channel_names)

    def _restore_settings(self) -> None:
        geometry = WINDOW_GEOMETRY.get()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = self.screen() or QGuiApplication.primaryScreen()
            free = screen.availableGeometry()
            self.resize(default_window_size(free.width(), free.height()))
            self.move(free.center() - self.rect().center())
        state = WINDOW_STATE.get()
        self._first_layout = not (state is not None and self.restoreState(state))
        self._apply_header_layout()
        try:
            quick = QuickFilter(GRID_FILTER.get())
        except ValueError:
            quick = QuickFilter.ALL
        self.set_quick_filter(quick)

    def _apply_header_layout(self) -> None:
        """Column widths, order, visibility and sort: as saved for these channels, or the
        defaults (the columns differ when channels are added or removed)."""
        self._layout = self._header_setting()
        self._set_default_widths()
        header = self.view.horizontalHeader()
        saved = self._layout.get()
        header.blockSignals(True)  # the rows are in code order already: no sort to start with
        if not (saved is not None and header.restoreState(saved)):
            header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
            if not any(item.variant for item in list(self.shop.book.items.values())):
                header.hideSection(self.model.column_of(Kind.VARIANT))
        header.blockSignals(False)
        self.view.fit_readable()
        section, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        if section > 0 or (section == 0 and order != Qt.SortOrder.AscendingOrder):
            self.model.sort(section, order)

    def save_settings(self) -> None:
        WINDOW_GEOMETRY.set(self.saveGeometry())
        WINDOW_STATE.set(self.saveState())
        self._layout.set(self.view.horizontalHeader().saveState())
        GRID_FILTER.set(self.filter_bar.current().value)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._first_layout:  # no saved layout: give the item panel room once laid out
            self._first_layout = False
            QTimer.singleShot(0, self._size_item_panel)
        if not self.view.currentIndex().isValid() and self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, 0))
        QTimer.singleShot(200, self.proxy.prepare_search)

    def _size_item_panel(self) -> None:
        """The item panel as wide as it likes, but the grid keeps most of a small screen."""
        width = min(self.detail.sizeHint().width(), max(330, int(self.width() * 0.27)))
        self.resizeDocks([self.detail_dock], [width], Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        super().closeEvent(event)
        if event.isAccepted():
            self.events.detach()
            self._detail_timer.stop()
            self._listing_timer.stop()

    # -- changes ---------------------------------------------------------------------------
    @Slot(list)
    def on_shop_changed(self, codes: list[str]) -> None:
        self.model.refresh_codes(codes)
        if self.detail.code is not None and self.detail.code in set(codes):
            self._detail_timer.start()

    def _before_reset(self) -> None:
        self._last_header_state = self.view.horizontalHeader().saveState()

    def _after_reset(self) -> None:
        self.view.install_delegates()
        if self._header_setting() != self._layout:  # channels changed: other columns
            self._layout.set(self._last_header_state)
            self._apply_header_layout()
        self.refresh_counts()
        self._detail_timer.start()

    @tolerates_lost_database
    def refresh_counts(self) -> None:
        counts = {quick: self.proxy.count(quick) for quick in QUICK_FILTERS}
        counts[QuickFilter.UNMATCHED] = len(unmatched_lines())
        self.filter_bar.set_counts(counts)
        self.status.set_items(self.model.rowCount(), counts[QuickFilter.SETS])

    @tolerates_lost_database
    def refresh_listings(self) -> None:
        """Read the listings that are not in step (after a sync cycle)."""
        self.model.set_listings(unsettled_listings())
        self.refresh_counts()
        if self.detail.code is not None:
            self.detail.refresh_listings()

    @Slot(list)
    def _sync_statuses(self, statuses: list[Any]) -> None:
        self.status.set_statuses(statuses)

    @Slot(bool)
    def _sync_running(self, running: bool) -> None:
        self.status.set_running(running)

    @Slot(object)
    def _cycle_done(self, _report: object) -> None:
        self._listing_timer.start()  # a burst of channels' reports: one read of the listings

    @Slot(str, str)
    def _sync_failed(self, channel: str, message: str) -> None:
        self.statusBar().showMessage(
            self.tr("{channel}: {message}").format(channel=channel, message=message), 15000)

    def show_error(self, error: RendoError) -> None:
        QMessageBox.warning(self, self.tr("Rendo"), error_text(error))

    # -- filters and search ----------------------------------------------------------------
    def set_quick_filter(self, quick: QuickFilter) -> None:
        self.filter_bar.set_current(quick)
        self.act.filters[quick].setChecked(True)
        if quick is QuickFilter.UNMATCHED:
            self.unmatched_page.reload()
            self.pages.setCurrentWidget(self.unmatched_page)
        else:
            self.proxy.set_quick(quick)
            self.pages.setCurrentWidget(self.view)
        self.refresh_counts()

    def apply_search(self) -> None:
        self._search_timer.stop()
        self.proxy.set_search(self.filter_bar.search.text())

    def find_exact(self, text: str) -> str | None:
        """The item whose code or JAN is exactly *text* (a scanned barcode)."""
        text = text.strip()
        items = self.shop.book.items
        if text in items:
            return text
        for code, item in list(items.items()):
            if item.jan == text:
                return code
        wanted = search_key(text)
        for code, item in list(items.items()):
            if search_key(code) == wanted or (item.jan and search_key(item.jan) == wanted):
                return code
        return None

    def select_scanned(self, text: str) -> None:
        """Enter in the search box: an exact code or JAN (a scanned barcode) selects that
        item's row and keeps the box ready for the next scan; other text goes to the first
        item found."""
        self.apply_search()
        code = self.find_exact(text) if text.strip() else None
        if code is None:
            if self.proxy.rowCount() and text.strip():
                self.view.setCurrentIndex(self.proxy.index(0, 0))
                self.view.selectRow(0)
                self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
            elif text.strip():
                QApplication.beep()
                self.statusBar().showMessage(
                    self.tr("No item has the code or JAN “{text}”.").format(text=text.strip()),
                    6000)
            return
        if self.filter_bar.current() is not QuickFilter.ALL and not self.proxy.accepts_code(code):
            self.set_quick_filter(QuickFilter.ALL)
        self.select_code(code)
        self.filter_bar.search.selectAll()

    def select_code(self, code: str) -> bool:
        row = self.model.row_of(code)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self.view.selectRow(index.row())
        self.view.scrollTo(index, StockView.ScrollHint.PositionAtCenter)
        return True

    # -- the current item ------------------------------------------------------------------
    def current_code(self) -> str | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.code_at(self.proxy.mapToSource(index).row())

    def selected_codes(self) -> list[str]:
        rows = self.view.selectionModel().selectedRows()
        codes = [self.model.code_at(self.proxy.mapToSource(index).row()) for index in rows]
        if not codes:
            current = self.current_code()
            codes = [current] if current is not None else []
        return codes

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._detail_timer.start()
        self._update_selection_actions()

    @tolerates_lost_database
    def _show_current_detail(self) -> None:
        if self.isVisible() and self.pages.currentWidget() is self.view:
            code = self.current_code()
            if code != self.detail.code or code is None:
                self.detail.show_code(code)
            else:
                self.detail.refresh()

    def open_current(self) -> None:
        """Enter or double-click: show the item panel on the current item."""
        self.detail_dock.show()
        self.detail_dock.raise_()
        self.detail.show_code(self.current_code())

    def _update_selection_actions(self) -> None:
        """Enable what applies to the selection (cheap: no list of 100,000 rows is made)."""
        code = self.current_code()
        anything = code is not None or self.view.selectionModel().hasSelection()
        for action in self.act.bulk:
            action.setEnabled(anything)
        item = self.shop.book.items.get(code) if code is not None else None
        self.act.adjust.setEnabled(item is not None and not item.is_set)
        self.act.details.setEnabled(code is not None)

    # -- stock edits -----------------------------------------------------------------------
    def edit_on_hand(self) -> None:
        if not self.view.edit_on_hand():
            code = self.current_code()
            if code is not None and self.shop.book.items[code].is_set:
                self.statusBar().showMessage(self.tr("{code} is a set: change the on hand of "
                                                     "its components.").format(code=code), 6000)

    def ask_adjust(self, code: str, count: int | None = None) -> AdjustDialog:
        """Ask the reason for a new on hand (typed in the grid), then record it."""
        book = self.shop.book
        dialog = AdjustDialog(code, book.items[code].name, book.on_hand.get(code, 0), count, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.record_adjustment(
            code, dialog.count.value(), dialog.reason, dialog.note.text().strip()))
        dialog.open()
        return dialog

    def record_adjustment(self, code: str, count: int, reason: str, note: str = "") -> None:
        if count == self.shop.book.on_hand.get(code, 0):
            return
        self.undo_stack.push(
            AdjustCommand(self.shop, self.command_errors, code, count, reason, note))

    def undo_movement(self, movement_id: int, code: str) -> None:
        self.undo_stack.push(
            UndoMovementCommand(self.shop, self.command_errors, movement_id, code))

    # -- other parts -----------------------------------------------------------------------
    def call_part(self, part: Callable[..., Any], *args: Any) -> Any:
        try:
            return part(*args)
        except RendoError as error:
            self.show_error(error)
            return None

    def edit_set(self, code: str | None = None, new: bool = False) -> None:
        """Edit the set *code* (default: the current item), or make a new set."""
        self.call_part(dialogs.edit_set, self.shop, None if new else code or self.current_code(),
                       self)

    def create_packs(self) -> None:
        self.call_part(dialogs.create_packs, self.shop, self.current_code(), self)

    def edit_channels(self) -> None:
        self.call_part(channel_dialog.edit_channels, self.shop, self)
        self.status.set_statuses(channel_statuses())

    def open_file_part(self, name: str) -> None:
        """File → 取り込み / 書き出し / テンプレート (app.ui.dialogs.import_wizard and
        export_dialog); after an import the grid refreshes through the Shop's listeners."""
        self.call_part(FILE_PARTS[name], self.shop, self)

    def sync_now(self) -> None:
        if self.sync is not None:
            self.status.set_running(True)
            self.sync_requested.emit()

    def open_settings(self) -> None:
        """設定 (Ctrl+,): the display language, used from the next start."""
        from .dialogs.settings_dialog import SettingsDialog

        SettingsDialog(self).exec()

    def about(self) -> None:
        QMessageBox.about(self, self.tr("About Rendo"), self.tr(
            "<h3>Rendo {version}</h3><p>One stock ledger for every shop you sell on: orders "
            "from each channel lower the numbers on all the others within seconds.</p>"
        ).format(version=__version__))
