"""The small dialog that records a new on-hand count with its reason."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.items import MAX_COUNT  # the one bound of every count (bulk actions use it too)

from ..pc_settings import ADJUST_REASON
from .common import MessageBar, ShopDialog


class AdjustDialog(ShopDialog):
    """On hand of one single: the new count, why (adjust, stocktake…) and a note."""

    def __init__(
        self, code: str, name: str, on_hand: int, count: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("adjustDialog")
        self.setWindowTitle(self.tr("Change on hand"))
        self.code = code
        self.on_hand = on_hand
        reasons = {
            "manual": self.tr("&Adjustment"),
            "stocktake": self.tr("&Stocktake"),
            "receive": self.tr("&Received"),
            "damage": self.tr("&Damaged"),
            "return": self.tr("Re&turned"),
        }
        title = QLabel(f"<b>{code}</b>&nbsp;&nbsp;{name}" if name else f"<b>{code}</b>")
        title.setTextFormat(Qt.TextFormat.RichText)

        self.count = QSpinBox()
        self.count.setObjectName("count")
        self.count.setRange(0, MAX_COUNT)
        self._typed = count
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.count.setMinimumWidth(110)
        self.change = QLabel()
        self.change.setObjectName("change")
        count_row = QHBoxLayout()
        count_row.addWidget(self.count)
        count_row.addWidget(self.change, 1)

        self.reasons = QButtonGroup(self)
        reason_row = QHBoxLayout()
        remembered = ADJUST_REASON.get()
        for key, label in reasons.items():
            button = QRadioButton(label)
            button.setObjectName(f"reason_{key}")
            button.setProperty("reason", key)
            button.setChecked(key == remembered)
            self.reasons.addButton(button)
            reason_row.addWidget(button)
        reason_row.addStretch(1)
        if self.reasons.checkedButton() is None:
            self.reasons.buttons()[0].setChecked(True)

        self.note = QLineEdit()
        self.note.setObjectName("note")
        self.note.setPlaceholderText(self.tr("Optional: delivery slip, who counted…"))

        count_label = QLabel(self.tr("&New on hand:"))
        count_label.setBuddy(self.count)
        note_label = QLabel(self.tr("N&ote:"))
        note_label.setBuddy(self.note)
        form = QFormLayout()
        form.addRow(self.tr("On hand now:"), QLabel(str(on_hand)))
        form.addRow(count_label, count_row)
        form.addRow(self.tr("Reason:"), reason_row)
        form.addRow(note_label, self.note)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Record"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        self.messages = MessageBar(self)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.messages)
        layout.addWidget(buttons)
        self.count.valueChanged.connect(self._show_change)
        self.load()
        self.count.setFocus()
        self.count.selectAll()

    def load(self) -> None:
        """The count typed in the grid, or the on hand now."""
        self.count.setValue(self.on_hand if self._typed is None else self._typed)
        self._show_change()

    def _show_change(self) -> None:
        delta = self.count.value() - self.on_hand
        if delta == 0:
            self.change.setText(self.tr("no change"))
        else:
            self.change.setText(self.tr("({delta:+d})").format(delta=delta))

    @property
    def reason(self) -> str:
        button = self.reasons.checkedButton()
        return str(button.property("reason")) if button is not None else "manual"

    def set_reason(self, reason: str) -> None:
        for button in self.reasons.buttons():
            button.setChecked(button.property("reason") == reason)

    def save(self) -> None:
        """Remember the reason for next time. The count itself is recorded by the window once
        the dialog is accepted (``accepted``): through its undo stack, so that Undo takes it
        back; a refusal there is shown by the window."""
        ADJUST_REASON.set(self.reason)
