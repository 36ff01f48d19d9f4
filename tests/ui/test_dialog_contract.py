"""Every editing dialog follows one contract (app/ui/dialogs/common.py ShopDialog): load, check,
save — save is one service call, and what the service refuses is shown in the dialog, which
stays open with nothing saved.

The refusals below are real ones: the database changed behind the open dialog (another PC, the
command line), so the dialog's own checks pass and only the service can say no.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.domain.offsets import parse_offset
from app.services.shop import Shop
from app.ui.dialogs import OffsetDialog, PackDialog, PatternDialog, SetEditorDialog
from app.ui.dialogs.adjust_dialog import AdjustDialog
from app.ui.dialogs.channel_dialog import ChannelDialog
from app.ui.dialogs.common import ShopDialog
from app.ui.dialogs.first_sync_dialog import FirstSyncDialog
from app.ui.dialogs.settings_dialog import SettingsDialog

from .sync_support import fast_adapter_for

EDITING_DIALOGS = [OffsetDialog, SetEditorDialog, PackDialog, PatternDialog, ChannelDialog,
                   AdjustDialog, SettingsDialog, FirstSyncDialog]


@pytest.mark.parametrize("dialog_class", EDITING_DIALOGS, ids=lambda c: c.__name__)
def test_each_editing_dialog_has_load_check_save_and_the_one_accept(
    dialog_class: type[ShopDialog],
) -> None:
    assert issubclass(dialog_class, ShopDialog)
    own = vars(dialog_class)
    assert "save" in own and "load" in own  # its own load and its one service call
    assert "accept" not in own  # check → save → close is written once, in ShopDialog


@pytest.fixture
def towels(shop: Shop) -> Shop:
    """Two stores, two towels, a mug and a gift set of both towels."""
    for channel in ("rakuten", "yahoo"):
        shop.add_channel(channel, "manual")
    for code, on_hand in [("TW-W", 5), ("TW-N", 7), ("MUG", 40)]:
        shop.add_item(code, f"{code} name")
        shop.adjust(code, f"+{on_hand}", "receive")
    shop.add_item("GIFT", "Towel gift")
    shop.define_set("GIFT", [("TW-W", 1), ("TW-N", 1)])
    return shop


def meanwhile() -> Shop:
    """Another Shop on the same database: a change the open dialog has not seen."""
    return Shop()


def assert_refused_and_open(qtbot: QtBot, dialog: ShopDialog, message: str) -> None:
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.messages.is_error
    assert any(message in line for line in dialog.messages.messages), dialog.messages.messages


def test_the_set_editor_shows_a_loop_made_meanwhile_and_stays_open(
    qtbot: QtBot, towels: Shop
) -> None:
    dialog = SetEditorDialog(towels, None, None)
    qtbot.addWidget(dialog)
    dialog.code_edit.setText("BOX")
    dialog.add_component("GIFT")
    assert dialog.check() == []
    other = meanwhile()  # BOX appears, and GIFT now contains it: BOX → GIFT → BOX
    other.add_item("BOX", "Box")
    other.define_set("GIFT", [("TW-W", 1), ("BOX", 1)])

    assert_refused_and_open(qtbot, dialog, "BOX → GIFT → BOX")
    assert not Shop().book.items["BOX"].is_set
    assert dialog.set_code() == "BOX" and dialog.components() == [("GIFT", 1)]


def test_the_offset_dialog_shows_a_store_removed_meanwhile_and_stays_open(
    qtbot: QtBot, towels: Shop
) -> None:
    dialog = OffsetDialog(towels, ["TW-W"], None)
    qtbot.addWidget(dialog)
    dialog.set_channel("yahoo")
    dialog.set_offset(parse_offset("+3"))
    meanwhile().remove_channel("yahoo")

    assert_refused_and_open(qtbot, dialog, "yahoo")


def test_the_pack_dialog_creates_no_pack_when_one_is_refused(qtbot: QtBot, towels: Shop) -> None:
    dialog = PackDialog(towels, "MUG", None)
    qtbot.addWidget(dialog)
    dialog.set_sizes("2, 3")
    assert dialog.check() == []
    other = meanwhile()  # MUG-3P appears as a single with stock: it cannot become a pack
    other.add_item("MUG-3P", "Mug box")
    other.adjust("MUG-3P", "+1", "receive")

    assert_refused_and_open(qtbot, dialog, "MUG-3P")
    assert "MUG-2P" not in Shop().book.items
    assert dialog.created == []


def test_the_pattern_dialog_shows_a_pattern_deleted_meanwhile_and_stays_open(
    qtbot: QtBot, towels: Shop
) -> None:
    towels.save_pattern("few", ["<=3:rakuten=same,yahoo=0"], ["rakuten", "yahoo"])
    dialog = PatternDialog(towels, [], None)
    qtbot.addWidget(dialog)
    dialog.select_pattern("few")
    dialog.delete_pattern()
    meanwhile().delete_pattern("few")

    assert_refused_and_open(qtbot, dialog, "few")


@pytest.mark.usefixtures("memory_keyring")
def test_the_channel_dialog_shows_a_name_taken_meanwhile_and_keeps_the_form(
    qtbot: QtBot, towels: Shop
) -> None:
    dialog = ChannelDialog(towels, adapter_for=fast_adapter_for)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.new_channel()
    qtbot.keyClicks(dialog.name, "base")
    dialog.type.setCurrentIndex(dialog.type.findData("manual"))
    assert dialog.check() == []
    meanwhile().add_channel("base", "manual")

    assert not dialog.apply()
    assert dialog.isVisible()
    assert dialog.message.isVisible()
    assert dialog.message.text() == "A channel called base already exists."
    assert dialog.name.text() == "base" and dialog.current is None  # the form as typed
    assert not dialog.save_button.isEnabled()  # and the name's problem under it now
    assert dialog.name_error.text() == "There is already a channel called base."


def test_the_adjust_dialog_and_settings_follow_the_contract_without_a_refusal(
    qtbot: QtBot, towels: Shop
) -> None:
    """Their save cannot be refused: the count is bounded by its spin box (never negative),
    the language by its list. Accepting closes them."""
    adjust = AdjustDialog("TW-W", "Towel", 5, 3)
    qtbot.addWidget(adjust)
    assert adjust.count.minimum() == 0 and adjust.count.value() == 3
    adjust.count.setValue(-4)
    assert adjust.count.value() == 0
    adjust.accept()
    assert adjust.result() == QDialog.DialogCode.Accepted
