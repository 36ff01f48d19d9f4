"""The allocation pattern dialog's small editors: a tier's condition (``sellable ≤ 10``),
a store's share in a tier, and the pattern being edited (``Draft``)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QHBoxLayout,
    QSpinBox,
    QTableWidget,
    QWidget,
)

from app.domain.allocation import (
    AllocationPattern,
    Condition,
    Share,
    ShareKind,
)
from app.domain.items import MAX_COUNT


class ConditionEditor(QWidget):
    """``sellable ≤ 10`` and the like: an operator and a number (or "always")."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.op = QComboBox(self)
        for label, op in (("≤", "<="), ("<", "<"), ("≥", ">="), (">", ">"), ("=", "=")):
            self.op.addItem(label, op)
        self.op.addItem(self.tr("always"), "*")
        self.op.setToolTip(self.tr("The tier holds when the item's sellable is …"))
        self.value = QSpinBox(self)
        self.value.setRange(0, MAX_COUNT)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.value.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.value.setMinimumWidth(56)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(4)
        layout.addWidget(self.op)
        layout.addWidget(self.value, 1)
        self.op.currentIndexChanged.connect(self._changed)
        self.value.valueChanged.connect(self._changed)

    def condition(self) -> Condition:
        op = str(self.op.currentData())
        return Condition(op) if op == "*" else Condition(op, self.value.value())

    def set_condition(self, condition: Condition) -> None:
        self.blockSignals(True)
        self.op.setCurrentIndex(max(0, self.op.findData(condition.op)))
        self.value.setValue(max(0, condition.value))
        self.value.setVisible(condition.op != "*")
        self.blockSignals(False)

    def _changed(self) -> None:
        self.value.setVisible(self.op.currentData() != "*")
        self.changed.emit()


class ShareEditor(QWidget):
    """One channel's share in one tier: N %, a fixed N, the same as sellable, or nothing."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = QSpinBox(self)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.value.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.value.setMinimumWidth(40)
        self.kind = QComboBox(self)
        self.kind.addItem("%", ShareKind.PERCENT.value)
        self.kind.addItem(self.tr("units"), ShareKind.FIXED.value)
        self.kind.addItem(self.tr("all"), ShareKind.SAME.value)
        self.kind.addItem(self.tr("none"), ShareKind.ZERO.value)
        tips = [
            self.tr("A percentage of sellable (rounded down)"),
            self.tr("A fixed number of units"),
            self.tr("The whole sellable"),
            self.tr("Nothing: this store shows 0"),
        ]
        for index, tip in enumerate(tips):
            self.kind.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(3, 2, 3, 2)
        layout.setSpacing(3)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.kind)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.value.valueChanged.connect(self.changed)
        self._apply_kind()

    def share(self) -> Share:
        kind = ShareKind(self.kind.currentData())
        if kind in (ShareKind.SAME, ShareKind.ZERO):
            return Share(kind)
        if self.value.value() == 0:
            return Share(ShareKind.ZERO)
        return Share(kind, self.value.value())

    def set_share(self, share: Share) -> None:
        self.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(share.kind.value)))
        self._apply_kind()
        self.value.setValue(share.value)
        self.blockSignals(False)

    def _kind_changed(self) -> None:
        self._apply_kind()
        self.changed.emit()

    def _apply_kind(self) -> None:
        kind = ShareKind(self.kind.currentData())
        self.value.setMaximum(100 if kind is ShareKind.PERCENT else MAX_COUNT)
        self.value.setVisible(kind in (ShareKind.PERCENT, ShareKind.FIXED))


@dataclass
class Draft:
    """A pattern as being edited; *original* is its name in the database (None: new)."""

    original: str | None
    pattern: AllocationPattern
    dirty: bool = False


class FocusRow(QObject):
    """Make the tiers table's current row follow the editor the user is in."""

    def __init__(self, table: QTableWidget) -> None:
        super().__init__(table)
        self.table = table

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QWidget):
            cell = watched.parentWidget()
            if cell is not None:
                index = self.table.indexAt(cell.geometry().center())
                if index.isValid():
                    self.table.setCurrentCell(index.row(), index.column())
        return False
