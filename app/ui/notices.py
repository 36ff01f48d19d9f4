"""What the sync panel, the status bar and the tray share: plain words, icons, a notice bar.

- ``plain_error`` turns an adapter's technical message ("GET /api/stock: connection to … failed
  (ConnectionError) (gave up after 5 attempts)") into what a shop owner can act on.
- ``when_text`` shows a stored naive-UTC time in local time: "12:03:15, in 8 s".
- ``sync_icon`` draws the small state icons (no theme needed, same on every platform).
- ``NoticeBar`` is the in-window place for the tray's notices where the platform has no tray.
- ``run_in_background`` runs a slow call (a channel's answer) on Qt's thread pool.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

# -- words ------------------------------------------------------------------------------------
def state_text(state: str) -> str:
    """The word for a channel's sync state (ChannelStatus.state, plus running/paused/manual)."""
    words = {
        "running": QCoreApplication.translate("SyncWords", "Syncing…"),
        "ok": QCoreApplication.translate("SyncWords", "OK"),
        "failing": QCoreApplication.translate("SyncWords", "Failing"),
        "waiting": QCoreApplication.translate("SyncWords", "Waiting for first-sync choice"),
        "disabled": QCoreApplication.translate("SyncWords", "Disabled"),
        "new": QCoreApplication.translate("SyncWords", "Not synced yet"),
        "paused": QCoreApplication.translate("SyncWords", "Paused"),
        "manual": QCoreApplication.translate("SyncWords", "Manual (not synced)"),
    }
    return words.get(state, state)


def channel_type_text(type_: str) -> str:
    words = {
        "manual": QCoreApplication.translate("SyncWords", "Manual"),
        "sandbox": QCoreApplication.translate("SyncWords", "Sandbox shop"),
    }
    return words.get(type_, type_)


_HTTP = re.compile(r"HTTP (\d{3})")


def plain_error(message: str) -> str:
    """An adapter's message in words a shop owner can act on; the original stays in tooltips."""
    if not message:
        return ""
    text = message.casefold()
    if "authentication failed" in text or "unauthorized" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel did not accept Rendo's API token. Enter the token again "
            "in the channel settings.")
    if "connection to" in text or "no answer within" in text:
        return QCoreApplication.translate(
            "SyncWords", "Rendo could not reach the channel. Check the internet connection "
            "and the channel's address.")
    if "rate limit" in text or "asks to wait" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel asked Rendo to wait a little (too many requests).")
    if "server error" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel's server had a problem on its side.")
    if "malformed" in text or "not readable" in text or "no per-item results" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel answered with something Rendo cannot read.")
    if "does not answer like" in text or "bad request" in text or "not a web address" in text:
        return QCoreApplication.translate(
            "SyncWords", "This address does not lead to the channel's API. Check the address "
            "in the channel settings.")
    if "is not listed on" in text or "unknown sku" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel does not know this item (was the listing deleted or "
            "renamed there?).")
    if "quantity above" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel refused the quantity: it is above what the channel "
            "allows. Set a maximum for the channel.")
    if "negative quantity" in text:
        return QCoreApplication.translate(
            "SyncWords", "Rendo computed a negative quantity for this item; check its "
            "display offset.")
    status = _HTTP.search(message)
    if status and status.group(1) == "404":
        return QCoreApplication.translate(
            "SyncWords", "The channel says this address does not exist. Check the address in "
            "the channel settings.")
    if "refused" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel refused Rendo's request ({detail}).").format(
                detail=message)
    return message


# -- times ------------------------------------------------------------------------------------
def to_local(moment: datetime) -> datetime:
    """A stored time (naive UTC, or aware) as the PC's local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()


def utc_now() -> datetime:
    """Now as the store writes times: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def clock_text(moment: datetime, now: datetime | None = None, seconds: bool = True) -> str:
    """"12:03:15" (or "12:03") today, "3/14 12:03" on another day (local time)."""
    local = to_local(moment)
    today = to_local(now or utc_now()).date()
    if local.date() == today:
        return local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return QCoreApplication.translate("SyncWords", "{month}/{day} {time}").format(
        month=local.month, day=local.day, time=local.strftime("%H:%M"))


def span_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return QCoreApplication.translate("SyncWords", "{n} s").format(n=seconds)
    if seconds < 3600:
        return QCoreApplication.translate("SyncWords", "{n} min").format(n=seconds // 60)
    if seconds < 86_400:
        return QCoreApplication.translate("SyncWords", "{n} h").format(n=seconds // 3600)
    return QCoreApplication.translate("SyncWords", "{n} d").format(n=seconds // 86_400)


def when_text(moment: datetime | None, now: datetime | None = None) -> str:
    """A past or future time with its distance: "12:03:15 (3 min ago)", "12:03:15, in 8 s"."""
    if moment is None:
        return "—"
    now = now or utc_now()
    delta = (_naive_utc(moment) - now).total_seconds()
    time = clock_text(moment, now)
    if delta >= 1:
        return QCoreApplication.translate("SyncWords", "{time}, in {span}").format(
            time=time, span=span_text(delta))
    if delta > -1:
        return QCoreApplication.translate("SyncWords", "{time}, now").format(time=time)
    return QCoreApplication.translate("SyncWords", "{time} ({span} ago)").format(
        time=time, span=span_text(-delta))


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def codes_text(codes: list[str], shown: int = 3) -> str:
    """"A, B, C and 2 more"."""
    head = ", ".join(codes[:shown])
    if len(codes) <= shown:
        return head
    return QCoreApplication.translate("SyncWords", "{codes} and {n} more").format(
        codes=head, n=len(codes) - shown)


# -- icons ------------------------------------------------------------------------------------
STATE_COLORS = {
    "ok": "#2e7d32",
    "failing": "#c62828",
    "waiting": "#c77700",
    "running": "#1565c0",
    "disabled": "#9e9e9e",
    "paused": "#757575",
    "new": "#78909c",
    "manual": "#78909c",
    "warning": "#c77700",
    "info": "#1565c0",
}


def sync_icon(state: str) -> QIcon:
    """A round icon in the state's colour with a white sign; drawn, so it needs no theme."""
    icon = QIcon()
    for size in (16, 24, 32, 48):
        icon.addPixmap(_state_pixmap(state, size))
    return icon


def _state_pixmap(state: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(STATE_COLORS.get(state, "#78909c"))
    margin = size * 0.06
    circle = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    if state in ("new", "manual"):
        painter.setPen(QPen(color, size * 0.12))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(circle.adjusted(size * 0.06, size * 0.06, -size * 0.06, -size * 0.06))
        painter.end()
        return pixmap
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawEllipse(circle)
    pen = QPen(QColor("white"), max(1.5, size * 0.12))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    s = size
    if state == "ok":
        path = QPainterPath(QPointF(s * 0.28, s * 0.52))
        path.lineTo(s * 0.44, s * 0.68)
        path.lineTo(s * 0.73, s * 0.35)
        painter.drawPath(path)
    elif state in ("failing", "warning"):
        painter.drawLine(QPointF(s * 0.5, s * 0.25), QPointF(s * 0.5, s * 0.56))
        painter.drawPoint(QPointF(s * 0.5, s * 0.74))
    elif state == "waiting":
        for x in (0.3, 0.5, 0.7):
            painter.drawPoint(QPointF(s * x, s * 0.52))
    elif state == "running":
        arc = QRectF(s * 0.27, s * 0.27, s * 0.46, s * 0.46)
        painter.drawArc(arc, 90 * 16, 270 * 16)
        head = QPainterPath(QPointF(s * 0.5, s * 0.17))
        head.lineTo(s * 0.62, s * 0.27)
        head.lineTo(s * 0.5, s * 0.37)
        painter.drawPath(head)
    elif state == "paused":
        painter.drawLine(QPointF(s * 0.4, s * 0.32), QPointF(s * 0.4, s * 0.68))
        painter.drawLine(QPointF(s * 0.6, s * 0.32), QPointF(s * 0.6, s * 0.68))
    elif state == "disabled":
        painter.drawLine(QPointF(s * 0.3, s * 0.5), QPointF(s * 0.7, s * 0.5))
    elif state == "info":
        painter.drawPoint(QPointF(s * 0.5, s * 0.28))
        painter.drawLine(QPointF(s * 0.5, s * 0.45), QPointF(s * 0.5, s * 0.74))
    painter.end()
    return pixmap


def badged_icon(base: QIcon, state: str) -> QIcon:
    """*base* (the app icon) with a small state badge in its lower right corner."""
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = base.pixmap(size, size)
        if pixmap.isNull():
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        badge = max(8, size // 2)
        painter.drawPixmap(size - badge, size - badge, _state_pixmap(state, badge))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


# -- the notice bar ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Notice:
    key: str
    level: str  # "info", "warning", "failing"
    title: str
    text: str


_LEVEL_STYLE = {
    "info": ("#eaf2fb", "#b6d0ee", "#123c69"),
    "warning": ("#fff6e0", "#f0d28c", "#5c4100"),
    "failing": ("#fdf0ee", "#efc5bf", "#8c2318"),
}


class _NoticeRow(QFrame):
    closed = Signal(str)

    def __init__(self, notice: Notice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = notice
        self.setObjectName("noticeRow")
        background, border, ink = _LEVEL_STYLE.get(notice.level, _LEVEL_STYLE["info"])
        self.setStyleSheet(
            f"#noticeRow {{ background: {background}; border: 1px solid {border}; "
            f"border-radius: 4px; }} #noticeRow QLabel {{ color: {ink}; background: "
            "transparent; }"
        )
        self.icon = icon = QLabel(self)
        size = self.fontMetrics().height() + 4
        icon.setPixmap(sync_icon(notice.level).pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setText(f"<b>{html.escape(notice.title)}</b>&nbsp;&nbsp;"
                          f"{html.escape(notice.text).replace(chr(10), '<br>')}")
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.close_button = close = QToolButton(self)
        close.setObjectName("noticeClose")
        close.setAutoRaise(True)
        close.setText("×")
        close.setToolTip(QCoreApplication.translate("NoticeBar", "Dismiss"))
        font = QFont(close.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        close.setFont(font)
        close.clicked.connect(lambda: self.closed.emit(self.notice.key))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.setSpacing(8)
        layout.addWidget(icon)
        layout.addWidget(self.text, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_width(event.size().width())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), max(self.minimumHeight(), 24))

    def fit_width(self, width: int) -> None:
        """Keep the whole wrapped text readable at *width*: the main window's layout does
        not ask a wrapped label how tall it must be."""
        layout = self.layout()
        margins = layout.contentsMargins()
        others = self.icon.sizeHint().width() + self.close_button.sizeHint().width()
        text_width = max(100, width - margins.left() - margins.right() - others
                         - 2 * layout.spacing())
        text_height = self.text.heightForWidth(text_width)
        # A few pixels more: a Japanese line drawn from a fallback font can be taller.
        needed = max(text_height + 4, self.close_button.sizeHint().height()) + margins.top() + (
            margins.bottom())
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)
            self.updateGeometry()


class NoticeBar(QWidget):
    """Notices inside the window (newest first); hidden while there are none.

    Used for the tray's notices where the platform has no system tray. A notice with the
    key of one already shown replaces it; ``dismiss(key)`` takes one away (a channel that
    recovered). At most ``MAX_SHOWN`` stay: the oldest go first.
    """

    MAX_SHOWN = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 2)
        self._layout.setSpacing(4)
        self._rows: dict[str, _NoticeRow] = {}
        self.hide()

    @property
    def notices(self) -> list[Notice]:
        """Shown notices, newest first."""
        rows = [self._layout.itemAt(i).widget() for i in range(self._layout.count())]
        return [row.notice for row in rows if isinstance(row, _NoticeRow)]

    def show_notice(self, key: str, level: str, title: str, text: str) -> None:
        self.dismiss(key)
        row = _NoticeRow(Notice(key, level, title, text), self)
        row.closed.connect(self.dismiss)
        self._rows[key] = row
        self._layout.insertWidget(0, row)
        width = self.width() if self.isVisible() else self.parentWidget().width() if (
            self.parentWidget() is not None) else 600
        row.fit_width(width - 12)
        while len(self._rows) > self.MAX_SHOWN:
            oldest = self.notices[-1].key
            self.dismiss(oldest)
        self.show()

    def dismiss(self, key: str) -> None:
        row = self._rows.pop(key, None)
        if row is not None:
            self._layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        if not self._rows:
            self.hide()

    def clear(self) -> None:
        for key in list(self._rows):
            self.dismiss(key)


def embed_notice_bar(window: QMainWindow, bar: NoticeBar) -> None:
    """Put *bar* above *window*'s central widget (for a window that did not place one).

    The docks keep their sizes: a new central widget would otherwise give the room back to
    them and squeeze the window's own content (the grid's names to a character or two).
    """
    docks = [d for d in window.findChildren(QDockWidget)
             if d.isVisible() and not d.isFloating() and d.parentWidget() is window]
    sides = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
    across = [d for d in docks if window.dockWidgetArea(d) in sides]
    along = [d for d in docks if d not in across]
    widths, heights = [d.width() for d in across], [d.height() for d in along]
    central = window.takeCentralWidget()
    holder = QWidget(window)
    holder.setObjectName("noticeHolder")
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(bar)
    if central is not None:
        layout.addWidget(central, 1)
    window.setCentralWidget(holder)

    def keep_dock_sizes() -> None:
        if across:
            window.resizeDocks(across, widths, Qt.Orientation.Horizontal)
        if along:
            window.resizeDocks(along, heights, Qt.Orientation.Vertical)

    if docks:
        keep_dock_sizes()
        QTimer.singleShot(0, window, keep_dock_sizes)  # once the new layout has run



# -- background work --------------------------------------------------------------------------
class _JobSignals(QObject):
    done = Signal(object)
    failed = Signal(str, str)  # plain words, technical detail


_running_jobs: set[_JobSignals] = set()


def run_in_background(work: Callable[[], object], receiver: QObject,
                      on_done: Callable[[object], None],
                      on_failed: Callable[[str, str], None]) -> None:
    """Run *work* on Qt's thread pool; *on_done* / *on_failed* run in the window's thread.

    The callbacks must be methods of *receiver* (a QObject of the window's thread): if the
    receiver is gone when the work ends, nothing is called. The pool thread's database
    connection is closed afterwards.
    """
    signals = _JobSignals()
    signals.done.connect(on_done)
    signals.failed.connect(on_failed)
    _running_jobs.add(signals)

    def run() -> None:
        from app.channels.base import ChannelError
        from app.domain.errors import RendoError
        from app.i18n import error_text
        from app.services.database import close_thread_connection

        try:
            result = work()
        except ChannelError as error:
            signals.failed.emit(plain_error(str(error)), str(error))
        except RendoError as error:
            signals.failed.emit(error_text(error), str(error))
        except Exception as error:  # a bug: the user still sees that it failed
            log.exception("background job failed")
            signals.failed.emit(f"{type(error).__name__}: {error}", repr(error))
        else:
            signals.done.emit(result)
        finally:
            close_thread_connection()  # this pool thread's own connection
            QTimer.singleShot(0, QCoreApplication.instance(),
                              lambda: _running_jobs.discard(signals))

    QThreadPool.globalInstance().start(run)
