"""The window's bar for a database that cannot be used now: a server restarting, the network or
a network share gone, a file locked by another program.

It stays while the sync worker's reads of the change feed fail (``SyncControl.disconnected``)
and goes by itself once one works again; meanwhile the grid keeps the numbers it had, and an
edit is refused with a message saying nothing was saved.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from .state_icons import sync_icon
from .sync_control import SyncControl
from .timefmt import clock_text, utc_now


class ConnectionBanner(QFrame):
    """Hidden while the database answers; follows *control*'s ``connection_changed``."""

    def __init__(self, control: SyncControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control = control
        self.setObjectName("connectionBanner")
        self.setStyleSheet(
            "#connectionBanner { background: #fdf0ee; border: 1px solid #efc5bf; "
            "border-radius: 4px; margin: 6px 6px 2px 6px; } "
            "#connectionBanner QLabel { color: #8c2318; background: transparent; }")
        self.icon = QLabel(self)
        size = self.fontMetrics().height() + 4
        self.icon.setPixmap(sync_icon("failing").pixmap(size, size))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(self)
        self.text.setObjectName("connectionText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(8)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        self.since = ""  # the time the database went away, as shown
        control.connection_changed.connect(self.show_connection)
        self.show_connection(control.disconnected)

    @Slot(str)
    def show_connection(self, message: str) -> None:
        """*message*: why the database cannot be used ("" hides the bar)."""
        if not message:
            self.since = ""
            self.hide()
            return
        if not self.since:
            self.since = clock_text(utc_now())
        title = self.tr("Disconnected from the database, retrying…")
        text = self.tr(
            "Changes cannot be saved until it is back: an edit made now is refused, not lost. "
            "The grid shows the numbers as they were at {time}; once the database answers, "
            "it shows what changed meanwhile.").format(time=self.since)
        self.text.setText(f"<b>{html.escape(title)}</b>&nbsp;&nbsp;{html.escape(text)}"
                          f"<br>{html.escape(message)}")
        self.show()
