"""Changing many selected items at once: reserved, reorder point, backorder allowance,
unlimited, allocation pattern, display offset.

The allocation-pattern and display-offset dialogs live in app.ui.dialogs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.items import MAX_COUNT

from .dialogs import edit_offset, edit_patterns
from .undo import FieldCommand

if TYPE_CHECKING:
    from .main_window import MainWindow


class CountDialog(QDialog):
    """One whole number for many items; optionally "none" (no reorder point)."""

    def __init__(
        self, title: str, label: str, value: int | None, none_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("countDialog")
        self.setWindowTitle(title)
        self.spin = QSpinBox()
        self.spin.setObjectName("count")
        self.spin.setRange(0, MAX_COUNT)
        self.spin.setValue(value or 0)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spin.setMinimumWidth(120)
        self.none = QCheckBox(none_text or "")
        self.none.setObjectName("none")
        self.none.setVisible(none_text is not None)
        self.none.setChecked(none_text is not None and value is None)
        self.none.toggled.connect(lambda checked: self.spin.setEnabled(not checked))
        self.spin.setEnabled(not self.none.isChecked())
        form = QFormLayout()
        form.addRow(QLabel(label), self.spin)
        form.addRow("", self.none)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.spin.setFocus()
        self.spin.selectAll()

    def value(self) -> int | None:
        return None if self.none.isChecked() else self.spin.value()


def ask_count(
    parent: QWidget, title: str, label: str, value: int | None, none_text: str | None = None
) -> tuple[bool, int | None]:
    dialog = CountDialog(title, label, value, none_text, parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    return accepted, dialog.value()


class BulkEdits(QObject):
    """The "change selected items" actions: each asks one value, then changes every selected
    item in one undoable step."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.shop = window.shop

    def _one_value(self, codes: list[str], field: str) -> Any:
        """The items' common value of *field*, or None when they differ."""
        values = {getattr(self.shop.book.items[code], field) for code in codes}
        return values.pop() if len(values) == 1 else None

    def _push(self, command: QUndoCommand) -> None:
        self.window.undo_stack.push(command)

    def set_field(self, codes: list[str], field: str, value: object, text: str) -> None:
        if codes:
            self._push(FieldCommand(self.shop, self.window.command_errors, codes, field, value,
                                    text))

    def reserved(self) -> None:
        codes = self.window.selected_codes()
        ok, value = ask_count(
            self.window, self.tr("Reserved"),
            self.tr("Reserved units of {n} items:").format(n=len(codes)),
            self._one_value(codes, "reserved"))
        if ok:
            self.set_field(codes, "reserved", value or 0,
                           self.tr("Set reserved to {n}").format(n=value or 0))

    def reorder_point(self) -> None:
        codes = self.window.selected_codes()
        ok, value = ask_count(
            self.window, self.tr("Reorder point"),
            self.tr("Reorder point of {n} items:").format(n=len(codes)),
            self._one_value(codes, "reorder_point"), self.tr("No reorder point"))
        if ok:
            text = (self.tr("Remove reorder point") if value is None
                    else self.tr("Set reorder point to {n}").format(n=value))
            self.set_field(codes, "reorder_point", value, text)

    def backorder(self) -> None:
        items = self.shop.book.items
        codes = [code for code in self.window.selected_codes() if not items[code].is_set]
        if not codes:
            self.window.statusBar().showMessage(
                self.tr("Backorders are set on singles, not on sets."), 6000)
            return
        ok, value = ask_count(
            self.window, self.tr("Backorder allowance"),
            self.tr("Units {n} items may sell below zero:").format(n=len(codes)),
            self._one_value(codes, "backorder_allowance"))
        if ok:
            self.set_field(codes, "backorder_allowance", value or 0,
                           self.tr("Set backorder allowance to {n}").format(n=value or 0))

    def unlimited(self, unlimited: bool) -> None:
        codes = self.window.selected_codes()
        text = self.tr("Make unlimited") if unlimited else self.tr("Make limited")
        self.set_field(codes, "unlimited", unlimited, text)

    def pattern(self) -> None:
        """The allocation-pattern dialog for the selected items."""
        codes = self.window.selected_codes()
        if codes:
            self.window.call_part(edit_patterns, self.shop, codes, self.window)

    def offset(self) -> None:
        """The display-offset dialog for the selected items."""
        codes = self.window.selected_codes()
        if codes:
            self.window.call_part(edit_offset, self.shop, codes, self.window)
