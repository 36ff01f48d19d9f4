"""Choosing one of our items for an order line no item matches yet (opened from the sync panel)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.search import same_key
from app.services.previews import find_items
from app.services.shop import Shop


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

