"""The status bar's permanent parts: item counts, the sync summary and the database."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from app.sync.state import ChannelStatus

from . import icons
from .sync_words import channel_error_text
from .timefmt import local_text


def _t(text: str) -> str:
    return QCoreApplication.translate("StatusSync", text)


STATE_TEXT = {
    "disabled": QT_TRANSLATE_NOOP("StatusSync", "disabled"),
    "waiting": QT_TRANSLATE_NOOP("StatusSync", "waiting for the first-sync choice"),
    "failing": QT_TRANSLATE_NOOP("StatusSync", "failing"),
    "stopped": QT_TRANSLATE_NOOP("StatusSync", "stopped: enter new credentials"),
    "ok": QT_TRANSLATE_NOOP("StatusSync", "in step"),
    "new": QT_TRANSLATE_NOOP("StatusSync", "not synced yet"),
}


def _channel_line(status: ChannelStatus) -> str:
    if status.type == "manual":
        return QCoreApplication.translate("StatusSync", "{name}: manual (not synced)").format(
            name=status.name)
    line = f"{status.name}: {_t(STATE_TEXT.get(status.state, status.state))}"
    if status.last_ok_at:
        line += " · " + QCoreApplication.translate("StatusSync", "last {time}").format(
            time=local_text(status.last_ok_at))
    if status.failures:
        error = channel_error_text(status.name, status.type, status.error_kind,
                                   status.last_error)
        if error:
            line += " · " + error
    return line


def sync_summary(statuses: Sequence[ChannelStatus], running: bool) -> tuple[str, str, str]:
    """(icon name, one short line, a tooltip with one line per channel)."""
    tooltip = "\n".join(_channel_line(status) for status in statuses)
    synced = [s for s in statuses if s.enabled and s.type != "manual"]
    if not statuses:
        return "pending", QCoreApplication.translate("StatusSync", "No channels yet"), tooltip
    if running:
        return "sync", QCoreApplication.translate("StatusSync", "Syncing…"), tooltip
    failing = ", ".join(s.name for s in synced if s.state in ("failing", "stopped"))
    if failing:
        text = QCoreApplication.translate("StatusSync", "Sync failing: {channels}")
        return "failed", text.format(channels=failing), tooltip
    waiting = ", ".join(s.name for s in synced if s.state == "waiting")
    if waiting:
        text = QCoreApplication.translate("StatusSync", "First sync waits for you: {channels}")
        return "pending", text.format(channels=waiting), tooltip
    if not synced:
        return "ok", QCoreApplication.translate("StatusSync", "Manual channels only"), tooltip
    last = [s.last_ok_at for s in synced if s.last_ok_at]
    if not last:
        return "pending", QCoreApplication.translate("StatusSync", "Not synced yet"), tooltip
    text = QCoreApplication.translate("StatusSync", "Synced {time}").format(
        time=local_text(max(last), with_date=False))
    upcoming = [s.next_sync_at for s in synced if s.next_sync_at]
    if upcoming:
        text += " · " + QCoreApplication.translate("StatusSync", "next {time}").format(
            time=local_text(min(upcoming), with_date=False))
    suspended = sum(s.suspended for s in synced)
    if suspended:
        text += " · " + QCoreApplication.translate("StatusSync", "{n} suspended").format(
            n=suspended)
        return "suspended", text, tooltip
    return "ok", text, tooltip


class IconLabel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QLabel(self)
        self.text = QLabel(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.icon)
        layout.addWidget(self.text)

    def set(self, icon_name: str | None, text: str, tooltip: str = "") -> None:
        size = self.text.fontMetrics().height()
        if icon_name:
            self.icon.setPixmap(icons.icon(icon_name).pixmap(size, size))
        self.icon.setVisible(bool(icon_name))
        self.text.setText(text)
        self.setToolTip(tooltip)


class StatusParts:
    """Adds the permanent widgets to *bar* and keeps them up to date."""

    def __init__(self, bar: QStatusBar, db_label: str) -> None:
        self.items = QLabel()
        self.items.setObjectName("itemCount")
        self.sync = IconLabel()
        self.sync.setObjectName("syncSummary")
        self.database = QLabel()
        self.database.setObjectName("databaseLabel")
        self.database.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.database.setToolTip(db_label)
        metrics = self.database.fontMetrics()
        self.database.setText(metrics.elidedText(
            QCoreApplication.translate("StatusParts", "Database: {path}").format(path=db_label),
            Qt.TextElideMode.ElideMiddle, 360))
        for widget in (self.items, self.sync, self.database):
            bar.addPermanentWidget(widget)
        self.statuses: list[ChannelStatus] = []
        self.running = False

    def use_sync_label(self, bar: QStatusBar, label: QWidget) -> None:
        """Show *label* (the sync panel's own summary) in place of this one."""
        self.sync.hide()
        bar.removeWidget(self.sync)
        bar.insertPermanentWidget(1, label)

    def set_items(self, total: int, sets: int) -> None:
        self.items.setText(QCoreApplication.translate(
            "StatusParts", "{total} items ({sets} sets)").format(total=f"{total:,}", sets=sets))

    def set_statuses(self, statuses: Sequence[ChannelStatus]) -> None:
        self.statuses = list(statuses)
        self._show()

    def set_running(self, running: bool) -> None:
        self.running = running
        self._show()

    def _show(self) -> None:
        self.sync.set(*sync_summary(self.statuses, self.running))
