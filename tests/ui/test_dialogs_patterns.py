"""The allocation-pattern dialog: editing, validation, the live preview and assigning."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.domain.allocation import ShareKind
from app.services.shop import Shop
from app.ui.dialogs import PatternDialog

CHANNELS = ["rakuten", "yahoo", "base"]


@pytest.fixture
def mugs(shop: Shop) -> Shop:
    """Three stores and three mugs; MUG-1 and MUG-2 share the pattern "few"."""
    for channel in CHANNELS:
        shop.add_channel(channel, "manual")
    for code, on_hand in [("MUG-1", 7), ("MUG-2", 5), ("CUP-1", 30)]:
        shop.add_item(code, f"Mug {code}")
        shop.adjust(code, f"+{on_hand}", "receive")
    shop.save_pattern("few", ["<=3:rakuten=same,yahoo=0,base=0"], CHANNELS)
    shop.assign_pattern("few", ["MUG-1", "MUG-2"])
    return shop


def saved() -> Shop:
    return Shop()


def split(dialog: PatternDialog, tier: int, percents: dict[str, int]) -> None:
    """Type percentages into one tier, the way a user does (spin boxes, % chosen)."""
    for channel, percent in percents.items():
        editor = dialog.share_editor(tier, channel)
        editor.kind.setCurrentIndex(editor.kind.findData(ShareKind.PERCENT.value))
        editor.value.setValue(percent)


def test_the_preview_shows_each_store_s_quantity_as_the_user_types(
    qtbot: QtBot, mugs: Shop
) -> None:
    dialog = PatternDialog(mugs, [], None)
    qtbot.addWidget(dialog)
    dialog.new_pattern()
    split(dialog, 0, {"rakuten": 50, "yahoo": 30, "base": 20})
    dialog.preview_sellable.setValue(7)
    assert dialog.preview_quantities() == {"rakuten": 4, "yahoo": 2, "base": 1}
    assert dialog.preview_note.text() == "Sellable 7: tier 1 holds."

    dialog.preview_sellable.setValue(11)  # above "≤ 10": no tier, every store shows all
    assert dialog.preview_quantities() == {"rakuten": 11, "yahoo": 11, "base": 11}
    assert dialog.preview_note.text() == "Sellable 11: no tier holds, every store shows 11."


def test_leftover_units_follow_the_priority_order_or_are_held_back(
    qtbot: QtBot, mugs: Shop
) -> None:
    dialog = PatternDialog(mugs, [], None)
    qtbot.addWidget(dialog)
    dialog.new_pattern()
    split(dialog, 0, {"rakuten": 50, "yahoo": 30, "base": 20})
    dialog.preview_sellable.setValue(7)
    dialog.priority.setCurrentRow(2)
    dialog.priority_up.click()
    dialog.priority_up.click()
    assert dialog.priority_order() == ["base", "rakuten", "yahoo"]
    assert dialog.preview_quantities() == {"rakuten": 3, "yahoo": 2, "base": 2}

    dialog.hold_back.setChecked(True)
    assert dialog.preview_quantities() == {"rakuten": 3, "yahoo": 2, "base": 1}
    assert dialog.preview_note.text() == "Sellable 7: tier 1 holds. 1 not shown on any store."
    assert not dialog.priority.isEnabled()


def test_percentages_over_100_are_shown_inline_and_ok_is_disabled(qtbot: QtBot, mugs: Shop) -> None:
    dialog = PatternDialog(mugs, [], None)
    qtbot.addWidget(dialog)
    dialog.new_pattern()
    dialog.name_edit.setText("greedy")
    dialog.name_edit.textEdited.emit("greedy")
    split(dialog, 0, {"rakuten": 50, "yahoo": 30, "base": 30})

    assert dialog.messages.is_error
    assert dialog.messages.messages == [
        "Pattern greedy, tier 1: the percentages add up to 110%, more than 100%."
    ]
    assert not dialog.ok_button().isEnabled()
    assert not dialog.pattern_list.item(1).icon().isNull()  # the list marks it too
    preview_row = dialog.tiers.rowCount() - 1
    assert [dialog.tiers.item(preview_row, c).text() for c in (1, 2, 3)] == ["—", "—", "—"]
    dialog.accept()
    assert [p.name for p in saved().patterns()] == ["few"]

    dialog.share_editor(0, "base").value.setValue(20)
    assert not dialog.messages.messages
    assert dialog.ok_button().isEnabled()


def test_a_new_pattern_is_saved_and_assigned_to_the_selected_items(
    qtbot: QtBot, mugs: Shop
) -> None:
    dialog = PatternDialog(mugs, ["MUG-1", "CUP-1"], None)
    qtbot.addWidget(dialog)
    assert dialog.current is None or dialog.current.pattern.name == "few"
    dialog.new_pattern()
    qtbot.keyClicks(dialog.name_edit, "low stock")  # typed over the selected default name
    split(dialog, 0, {"rakuten": 50, "yahoo": 30, "base": 20})
    dialog.condition_editor(0).value.setValue(10)
    assert dialog.action.currentIndex() == PatternDialog.ASSIGN
    assert dialog.action.currentText() == "Use “low stock” for these items"
    assert dialog.targets() == ["MUG-1", "CUP-1"]
    dialog.accept()

    shop = saved()
    (low,) = [p for p in shop.patterns() if p.name == "low stock"]
    assert [str(t) for t in low.tiers] == ["<=10:rakuten=50%,yahoo=30%,base=20%"]
    assert low.priority == tuple(CHANNELS)
    book = shop.book
    assert book.items["MUG-1"].pattern == "low stock"
    assert book.items["CUP-1"].pattern == "low stock"
    assert book.items["MUG-2"].pattern == "few"
    assert book.stock["MUG-1"].channels == {"rakuten": 4, "yahoo": 2, "base": 1}
    assert book.stock["CUP-1"].channels == {"rakuten": 30, "yahoo": 30, "base": 30}


def test_editing_a_pattern_opens_the_one_the_selection_uses_and_saves_the_change(
    qtbot: QtBot, mugs: Shop
) -> None:
    dialog = PatternDialog(mugs, ["MUG-2"], None)
    qtbot.addWidget(dialog)
    assert dialog.current is not None and dialog.current.pattern.name == "few"
    assert dialog.users_label.text() == "Items using it: 2"
    dialog.add_tier()
    split(dialog, 1, {"rakuten": 60, "yahoo": 40, "base": 0})
    dialog.condition_editor(1).value.setValue(8)
    dialog.accept()

    shop = saved()
    (few,) = shop.patterns()
    assert [str(t) for t in few.tiers] == [
        "<=3:rakuten=same,yahoo=0,base=0",
        "<=8:rakuten=60%,yahoo=40%,base=0",
    ]
    assert shop.book.stock["MUG-1"].channels == {"rakuten": 5, "yahoo": 2, "base": 0}


def test_copy_then_delete_keeps_the_copy_and_frees_the_items(qtbot: QtBot, mugs: Shop) -> None:
    dialog = PatternDialog(mugs, [], None)
    qtbot.addWidget(dialog)
    dialog.select_pattern("few")
    dialog.copy_pattern()
    assert dialog.current is not None and dialog.current.pattern.name == "few (copy)"
    dialog.select_pattern("few")
    dialog.delete_pattern()
    assert [d.pattern.name for d in dialog.drafts] == ["few (copy)"]
    assert dialog.current is dialog.drafts[0]  # the editor shows the pattern that is left
    assert dialog.name_edit.text() == "few (copy)"
    assert dialog.pattern_list.currentRow() == 0
    assert dialog.pending_label.text() == (
        "OK deletes “few”; its 2 items then show the whole sellable on every store."
    )
    assert saved().book.items["MUG-1"].pattern == "few"  # nothing happens before OK
    dialog.accept()

    shop = saved()
    assert [p.name for p in shop.patterns()] == ["few (copy)"]
    assert shop.book.items["MUG-1"].pattern is None


def test_a_renamed_pattern_keeps_its_items(qtbot: QtBot, mugs: Shop) -> None:
    dialog = PatternDialog(mugs, [], None)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("last three")
    dialog.name_edit.textEdited.emit("last three")
    dialog.accept()
    shop = saved()
    assert [p.name for p in shop.patterns()] == ["last three"]
    assert shop.book.items["MUG-2"].pattern == "last three"


def test_a_pattern_is_assigned_to_the_items_a_search_finds(qtbot: QtBot, mugs: Shop) -> None:
    dialog = PatternDialog(mugs, [], None)
    qtbot.addWidget(dialog)
    dialog.action.setCurrentIndex(PatternDialog.ASSIGN)
    qtbot.keyClicks(dialog.target_search, "CUP")
    assert dialog.search_radio.isChecked()
    assert dialog.found_label.text() == "Found: 1"
    assert dialog.targets() == ["CUP-1"]
    dialog.accept()
    assert saved().book.items["CUP-1"].pattern == "few"


def test_the_pattern_is_taken_off_the_selected_items(qtbot: QtBot, mugs: Shop) -> None:
    dialog = PatternDialog(mugs, ["MUG-1"], None)
    qtbot.addWidget(dialog)
    dialog.action.setCurrentIndex(PatternDialog.REMOVE)
    dialog.accept()
    book = saved().book
    assert book.items["MUG-1"].pattern is None
    assert book.items["MUG-2"].pattern == "few"


def test_the_error_state_leaves_the_tiers_the_hint_and_the_buttons_apart(
    qtbot: QtBot, mugs: Shop, qapp: QApplication
) -> None:
    mugs.save_pattern("many", ["<=3:rakuten=same,yahoo=0,base=0",
                              "<=10:rakuten=50%,yahoo=30%,base=20%"], CHANNELS)
    font = qapp.font()
    qapp.setFont(QFont("Noto Sans CJK JP", 10))  # the Japanese desktop's taller lines
    try:
        dialog = PatternDialog(mugs, [], None)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.select_pattern("many")
        dialog.copy_pattern()
        dialog.share_editor(1, "base").value.setValue(40)  # 120 %: an error is shown
        assert dialog.messages.isVisible()

        def box(widget: QWidget) -> QRect:
            return QRect(widget.mapTo(dialog, widget.rect().topLeft()), widget.size())

        parts = [dialog.tiers, dialog.preview_note, dialog.add_tier_button, dialog.messages,
                 dialog.priority, dialog.ok_button()]

        def apart() -> bool:
            return not any(box(first).intersects(box(second))
                           for number, first in enumerate(parts)
                           for second in parts[number + 1:])

        qtbot.waitUntil(apart, timeout=2_000)
    finally:
        qapp.setFont(font)
