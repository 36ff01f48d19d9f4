"""The tray icon: its menu, the stock and sync notices, and "closing keeps syncing".

Where the platform has no system tray, the same notices appear in the window's notice bar and
closing the window quits Rendo (there would be no way back to a hidden window).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QIcon
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QSystemTrayIcon, QWidget

from app.i18n import resources_dir
from app.services.channel_expiry import CredentialWarning, renew_words, warning_words
from app.sync.state import ChannelStatus
from app.sync.worker import SyncWorker

from .notice_bar import NoticeBar, embed_notice_bar
from .pc_settings import TRAY_CLOSE_HINT_SHOWN
from .state_icons import badged_icon
from .sync_control import HasWorker, SyncControl, summarize
from .sync_words import channel_error_text, codes_text

FAILING_AFTER = 3  # failed cycles in a row before the user is told
DAY_CHECK_MS = 10 * 60_000  # how often the tray looks whether a new day has begun
EXPIRY_TOLD_KEY = "tray/credentialWarned/{channel}"  # the day a credential's end was last told
GROUP_MS = 800  # crossings reported within this time make one notice
MESSAGE_MS = 10_000
_LEVEL_ICONS = {
    "info": QSystemTrayIcon.MessageIcon.Information,
    "warning": QSystemTrayIcon.MessageIcon.Warning,
    "failing": QSystemTrayIcon.MessageIcon.Critical,
}


def rendo_icon() -> QIcon:
    return QIcon(str(resources_dir() / "icons" / "rendo.png"))


class Tray(QObject):
    """The tray icon and the notices; installs itself as the window's close filter."""

    notified = Signal(str, str, str, str)  # key, level ("info"/"warning"/"failing"), title, text

    def __init__(self, window: QWidget, sync: HasWorker | SyncWorker | SyncControl,
                 notice_bar: NoticeBar | None = None, settings: QSettings | None = None,
                 available: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.control = SyncControl.of(sync)
        self.shop = self.control.shop
        self.settings = settings if settings is not None else QSettings()
        self.available = (QSystemTrayIcon.isSystemTrayAvailable() if available is None
                          else available)
        self.quitting = False
        self.group_ms = GROUP_MS
        self._low: list[str] = []
        self._out: list[str] = []
        self._failing: set[str] = set()
        # The notice bar's stock notices: key → (codes told sold out, codes told low). A
        # notice follows the stock: an item that recovers leaves it; an empty one goes.
        self._stock_notices: dict[str, tuple[list[str], list[str]]] = {}
        self._serial = 0
        self._expiry_told: dict[str, str] = {}  # channel → ISO day (where there is no tray)
        self._checked_day = self.control.today()
        self._day_timer = QTimer(self)
        self._day_timer.setInterval(DAY_CHECK_MS)
        self._day_timer.timeout.connect(self.check_day)
        self._day_timer.start()
        self._group = QTimer(self)
        self._group.setSingleShot(True)
        self._group.timeout.connect(self._flush_crossings)
        self.base_icon = rendo_icon()

        self.show_action = QAction(self.tr("Show Rendo"), self)
        self.show_action.triggered.connect(self.show_window)
        self.sync_action = QAction(self.tr("Sync now"), self)
        self.sync_action.triggered.connect(self.control.sync_now)
        self.pause_action = QAction(self.tr("Pause sync"), self)
        self.pause_action.setCheckable(True)
        self.pause_action.setChecked(self.control.paused)
        self.pause_action.toggled.connect(self.control.set_paused)
        self.quit_action = QAction(self.tr("Quit Rendo"), self)
        self.quit_action.triggered.connect(self.quit)
        self.menu = QMenu(window)
        self.menu.setObjectName("trayMenu")
        self.menu.addAction(self.show_action)
        self.menu.addSeparator()
        self.menu.addAction(self.sync_action)
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

        self.icon: QSystemTrayIcon | None = None
        self.notice_bar = notice_bar
        app = QApplication.instance()
        if self.available:
            self.icon = QSystemTrayIcon(self.base_icon, self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
            self.icon.messageClicked.connect(self.show_window)
            self.icon.show()
            if isinstance(app, QApplication):
                app.setQuitOnLastWindowClosed(False)
        else:
            if self.notice_bar is None:
                self.notice_bar = NoticeBar(window)
                if isinstance(window, QMainWindow):
                    embed_notice_bar(window, self.notice_bar)
            if isinstance(app, QApplication):
                app.setQuitOnLastWindowClosed(True)
        window.installEventFilter(self)
        self.control.worker.crossed.connect(self._crossed)
        self.control.worker.stock_changed.connect(self._stock_changed)
        self.control.statuses_changed.connect(self._statuses)
        self.control.running_changed.connect(self._update_icon)
        self.control.paused_changed.connect(self._paused)
        self._statuses(self.control.statuses)

    # -- the window --------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.window and event.type() == QEvent.Type.Close
                and self.available and not self.quitting):
            assert isinstance(event, QCloseEvent)
            event.ignore()
            self.window.hide()
            self._first_close_hint()
            return True
        return super().eventFilter(watched, event)

    def _first_close_hint(self) -> None:
        if TRAY_CLOSE_HINT_SHOWN.get(self.settings):
            return
        TRAY_CLOSE_HINT_SHOWN.set(True, self.settings)
        self.settings.sync()
        self.notify("closed", "info", self.tr("Rendo keeps syncing"), self.tr(
            "The window is closed, but Rendo keeps your channels in sync from the tray. "
            "To stop it, choose Quit Rendo in the tray icon's menu."))

    @Slot()
    def show_window(self) -> None:
        self.window.show()
        self.window.setWindowState(self.window.windowState() & ~Qt.WindowState.WindowMinimized)
        self.window.raise_()
        self.window.activateWindow()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()

    @Slot()
    def quit(self) -> None:
        """Close the window for real (it saves its layout) and end the application."""
        self.quitting = True
        self.window.close()
        if self.icon is not None:
            self.icon.hide()
        QCoreApplication.quit()

    # -- notices -----------------------------------------------------------------------------
    def notify(self, key: str, level: str, title: str, text: str) -> None:
        """Tell the user: a tray message, or the window's notice bar without a tray."""
        self.notified.emit(key, level, title, text)
        if self.icon is not None:
            self.icon.showMessage(title, text, _LEVEL_ICONS.get(level, _LEVEL_ICONS["info"]),
                                  MESSAGE_MS)
        elif self.notice_bar is not None:
            self.notice_bar.show_notice(key, level, title, text)

    @Slot(list, list)
    def _crossed(self, low: list[str], out: list[str]) -> None:
        """The worker says these items just crossed (once per crossing); group a burst."""
        self._low.extend(code for code in low if code not in self._low)
        self._out.extend(code for code in out if code not in self._out)
        if not self._group.isActive():
            self._group.start(self.group_ms)

    def _flush_crossings(self) -> None:
        out, low = self._out, [code for code in self._low if code not in self._out]
        self._low, self._out = [], []
        if not out and not low:
            return
        self._serial += 1
        key = f"stock:{self._serial}"
        if self.notice_bar is not None:
            self._stock_notices[key] = (out, low)
        self.notify(key, "warning", *self._stock_text(out, low))

    @Slot(list)
    def _stock_changed(self, codes: list[str]) -> None:
        """Take items that recovered off the stock notices (they must agree with the grid)."""
        if not self._stock_notices or self.notice_bar is None:
            return
        changed = set(codes)
        stock = self.shop.book.stock
        shown = {notice.key for notice in self.notice_bar.notices}
        for key, (out, low) in list(self._stock_notices.items()):
            if key not in shown:  # dismissed by the user, or pushed out by newer notices
                del self._stock_notices[key]
                continue
            if changed.isdisjoint(out) and changed.isdisjoint(low):
                continue
            still_out = [c for c in out if (s := stock.get(c)) is not None and s.out]
            still_low = [c for c in low if (s := stock.get(c)) is not None and s.low
                         and not s.out]
            if (still_out, still_low) == (out, low):
                continue
            if not still_out and not still_low:
                del self._stock_notices[key]
                self.notice_bar.dismiss(key)
            else:
                self._stock_notices[key] = (still_out, still_low)
                self.notice_bar.show_notice(key, "warning",
                                            *self._stock_text(still_out, still_low))

    def _stock_text(self, out: list[str], low: list[str]) -> tuple[str, str]:
        """(title, text) of a notice about items sold out and items low on stock."""
        lines = []
        if out:
            lines.append(self._crossing_line(out, sold_out=True))
        if low:
            lines.append(self._crossing_line(low, sold_out=False))
        if out and low:
            title = self.tr("Out of stock and low stock")
        elif out:
            title = self.tr("Out of stock")
        else:
            title = self.tr("Low stock")
        return title, "\n".join(lines)

    def _crossing_line(self, codes: list[str], sold_out: bool) -> str:
        if len(codes) == 1:
            code = codes[0]
            item = self.shop.book.items.get(code)
            label = f"{code} {item.name}" if item is not None and item.name else code
            if sold_out:
                return self.tr("{item} is out of stock.").format(item=label)
            stock = self.shop.book.stock.get(code)
            sellable = stock.sellable if stock is not None else 0
            return self.tr("{item} is at or below its reorder point ({n} left to sell)."
                           ).format(item=label, n=sellable)
        if sold_out:
            return self.tr("{n} items are out of stock: {codes}").format(
                n=len(codes), codes=codes_text(codes))
        return self.tr("{n} items are low on stock: {codes}").format(
            n=len(codes), codes=codes_text(codes))

    @Slot(list)
    def _statuses(self, statuses: list[ChannelStatus]) -> None:
        for status in statuses:
            watched = status.enabled and status.type != "manual"
            if watched and status.stopped and status.name not in self._failing:
                # it does not try again by itself: told at once, not after FAILING_AFTER
                self._failing.add(status.name)
                self.notify(f"failing:{status.name}", "failing",
                            self.tr("{name}: sync stopped").format(name=status.name),
                            self.tr("{reason} Until then, {name} may sell items that are "
                                    "gone.").format(name=status.name, reason=channel_error_text(
                                        status.name, status.type, status.error_kind,
                                        status.last_error)))
            elif (watched and status.failures >= FAILING_AFTER
                  and status.name not in self._failing):
                self._failing.add(status.name)
                self.notify(f"failing:{status.name}", "failing",
                            self.tr("{name}: sync keeps failing").format(name=status.name),
                            self.tr("The last {n} syncs with {name} failed. {reason} Until it "
                                    "works again, {name} may sell items that are gone.").format(
                                        n=status.failures, name=status.name,
                                        reason=channel_error_text(
                                            status.name, status.type, status.error_kind,
                                            status.last_error)))
            elif status.name in self._failing and (status.failures == 0 or not watched):
                self._failing.discard(status.name)
                if self.notice_bar is not None:
                    self.notice_bar.dismiss(f"failing:{status.name}")
                if watched:
                    self.notify(f"recovered:{status.name}", "info",
                                self.tr("{name}: sync works again").format(name=status.name),
                                self.tr("Rendo synced with {name} again.").format(
                                    name=status.name))
        self._warn_credentials()
        self._update_icon()

    # -- credentials with a known end --------------------------------------------------------
    @Slot()
    def check_day(self) -> None:
        """On a new day, read the channels again: a credential may now be within its
        warning window (the statuses alone change only when a channel syncs)."""
        today = self.control.today()
        if today != self._checked_day:
            self._checked_day = today
            self.control.refresh()

    def _warn_credentials(self) -> None:
        """Tell once a day per channel that its credential ends soon or has ended; take the
        notice away (where the window shows it) once a new end date is entered."""
        today = self.control.today().isoformat()
        warnings = {w.channel: w for w in self.control.credential_warnings}
        if self.notice_bar is not None:
            for notice in self.notice_bar.notices:
                channel = notice.key.removeprefix("expiry:")
                if notice.key.startswith("expiry:") and channel not in warnings:
                    self.notice_bar.dismiss(notice.key)
        for channel, warning in warnings.items():
            key = EXPIRY_TOLD_KEY.format(channel=channel)
            told = (self.settings.value(key) if self.icon is not None
                    else self._expiry_told.get(channel))
            if told == today:
                continue
            if self.icon is not None:
                self.settings.setValue(key, today)
            self._expiry_told[channel] = today
            self.notify(f"expiry:{channel}", "failing" if warning.expired else "warning",
                        *self.expiry_text(warning))

    def expiry_text(self, warning: CredentialWarning) -> tuple[str, str]:
        """(title, text) of the notice about a credential that ends soon or has ended."""
        if warning.expired:
            title = self.tr("{name}: a credential has ended").format(name=warning.channel)
        else:
            title = self.tr("{name}: a credential ends soon").format(name=warning.channel)
        return title, self.tr("{ending}. {renew}").format(ending=warning_words(warning),
                                                         renew=renew_words(warning))

    @Slot(bool)
    def _paused(self, paused: bool) -> None:
        self.pause_action.blockSignals(True)
        self.pause_action.setChecked(paused)
        self.pause_action.blockSignals(False)
        self._update_icon()

    def _update_icon(self, *_: object) -> None:
        summary = summarize(self.control)
        if self.icon is None:
            return
        self.icon.setToolTip(f"Rendo — {summary.text}")
        if summary.state in ("failing", "paused", "waiting"):
            self.icon.setIcon(badged_icon(self.base_icon, summary.state))
        else:
            self.icon.setIcon(self.base_icon)
