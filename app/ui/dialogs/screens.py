"""The dialogs' screens for ``python -m app.tools.screenshots`` (see app.ui.screens)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.domain.offsets import parse_offset
from app.ui.screens import screen

from .offset_dialog import OffsetDialog
from .pack_dialog import PackDialog
from .pattern_dialog import PatternDialog
from .set_editor import SetEditorDialog

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


@screen("set-editor")
def set_editor(window: MainWindow) -> QWidget:
    return SetEditorDialog(window.shop, "GIFT-BIG", window)


@screen("set-editor-loop")
def set_editor_loop(window: MainWindow) -> QWidget:
    dialog = SetEditorDialog(window.shop, "GIFT-TW2", window)
    dialog.add_component("GIFT-BIG")
    return dialog


@screen("n-packs")
def n_packs(window: MainWindow) -> QWidget:
    dialog = PackDialog(window.shop, "TW-001", window)
    dialog.set_sizes("2, 3, 5")
    return dialog


@screen("allocation-patterns")
def allocation_patterns(window: MainWindow) -> QWidget:
    dialog = PatternDialog(window.shop, ["TW-003", "MG-010", "MG-011"], window)
    dialog.preview_sellable.setValue(7)
    return dialog


@screen("allocation-pattern-problem")
def allocation_pattern_problem(window: MainWindow) -> QWidget:
    dialog = PatternDialog(window.shop, [], window)
    dialog.copy_pattern()
    dialog.share_editor(1, "base").value.setValue(40)
    return dialog


@screen("display-offset")
def display_offset(window: MainWindow) -> QWidget:
    dialog = OffsetDialog(window.shop, ["TW-001", "TW-002", "CH-100", "CH-101", "GIFT-TW2"], window)
    dialog.set_offset(parse_offset("-2"))
    return dialog
