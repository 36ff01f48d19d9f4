"""The sync panel's line saying which PC syncs the channels (app/sync/lease.py).

Several PCs may share one shop; only one syncs each channel, and every PC's panel says which:
"Synced by this PC", "Synced by office-pc", or per PC when they share the channels. Read from
the database every ``LOOK_MS`` (another PC may take over at any moment), and when the
channels' statuses change.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from app.sync.lease import Leader, pc_name, sync_leaders

from .sync_control import SyncControl

log = logging.getLogger("rendo.ui")

LOOK_MS = 2000


class SyncLeaderLabel(QLabel):
    def __init__(self, control: SyncControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncLeader")
        self.setContentsMargins(12, 0, 0, 0)  # apart from the summary before it
        self.control = control
        self._failing = False
        self._timer = QTimer(self)
        self._timer.setInterval(LOOK_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        control.statuses_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_: object) -> None:
        try:
            leaders = sync_leaders()
        except Exception:  # the database is busy or gone: the last line stays until it is back
            if not self._failing:
                log.warning("reading which PC syncs failed", exc_info=True)
            self._failing = True
            return
        self._failing = False
        self.show_leaders(leaders)

    def _pc(self, leader: Leader) -> str:
        return self.tr("this PC") if leader.here else leader.pc

    def show_leaders(self, leaders: list[Leader]) -> None:
        pcs: dict[str, list[Leader]] = {}
        for leader in leaders:
            pcs.setdefault(self._pc(leader), []).append(leader)
        if not pcs:
            text = self.tr("No PC is syncing now")
        elif len(pcs) == 1:
            text = self.tr("Synced by {pc}").format(pc=next(iter(pcs)))
        else:
            text = self.tr("Synced by {pcs}").format(pcs=self.tr(", ").join(
                self.tr("{pc} ({channels})").format(
                    pc=pc, channels=self.tr(", ").join(x.channel for x in led))
                for pc, led in pcs.items()))
        self.setText(text)
        by_channel = {leader.channel: leader for leader in leaders}
        lines = []
        for status in self.control.statuses:
            if not status.enabled or status.type == "manual":
                continue
            found = by_channel.get(status.name)
            lines.append(self.tr("{channel}: synced by {pc}").format(
                channel=status.name, pc=self._pc(found)) if found is not None else
                self.tr("{channel}: no PC syncs it now").format(channel=status.name))
        lines.append(self.tr(
            "Only one PC syncs each channel; when it sleeps or quits, another PC running "
            "Rendo takes over within 30 seconds. This PC's name: {name}").format(name=pc_name()))
        self.setToolTip("\n".join(lines))
