"""The status bar's sync label: state icon and one line of text; a click opens the sync panel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app.sync.worker import SyncWorker

from .state_icons import sync_icon
from .sync_control import HasWorker, SyncControl, summarize


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

