"""The dialogs of the window, each opened by one small function.

Each function runs its dialog modally and returns True when the user pressed OK and the
change was saved through the Shop (the Shop then tells its listeners which items changed).
Tests construct the dialog classes directly instead, so nothing blocks.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from app.services.shop import Shop

from .offset_dialog import OffsetDialog
from .pack_dialog import PackDialog
from .pattern_dialog import PatternDialog
from .set_editor import SetEditorDialog

__all__ = [
    "OffsetDialog",
    "PackDialog",
    "PatternDialog",
    "SetEditorDialog",
    "create_packs",
    "edit_offset",
    "edit_patterns",
    "edit_set",
]


def _run(dialog: QDialog) -> bool:
    return dialog.exec() == QDialog.DialogCode.Accepted


def edit_set(shop: Shop, code: str | None, parent: QWidget | None) -> bool:
    """Edit the composition of set *code*, or create a new set (None)."""
    return _run(SetEditorDialog(shop, code, parent))


def create_packs(shop: Shop, code: str | None, parent: QWidget | None) -> bool:
    """Create N-packs (まとめ売り) of item *code*: sets CODE-2P "… 2個セット", CODE-3P, …"""
    return _run(PackDialog(shop, code, parent))


def edit_patterns(shop: Shop, codes: list[str], parent: QWidget | None) -> bool:
    """Create, edit, copy and delete allocation patterns; assign one to *codes*."""
    return _run(PatternDialog(shop, codes, parent))


def edit_offset(shop: Shop, codes: list[str], parent: QWidget | None) -> bool:
    """Set the display offset of *codes*, for every store or for one."""
    return _run(OffsetDialog(shop, codes, parent))
