"""The notice bar: the in-window place for the tray's notices where the platform has no tray."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QResizeEvent
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

from .state_icons import sync_icon


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


