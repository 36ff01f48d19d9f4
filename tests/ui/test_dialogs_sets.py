"""The set-composition editor and the N-pack dialog, on a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.i18n import install_translators, remove_translators
from app.services.shop import Shop
from app.ui.dialogs import PackDialog, SetEditorDialog


@pytest.fixture
def towels(shop: Shop) -> Shop:
    """A shop with two towels, a mug and a gift set of both towels."""
    shop.add_channel("rakuten", "manual")
    for code, name, jan, on_hand in [
        ("TW-W", "Towel white", "4901234567001", 5),
        ("TW-N", "Towel navy", "4901234567002", 7),
        ("MUG", "Hasami mug", None, 40),
    ]:
        shop.add_item(code, name, jan)
        shop.adjust(code, f"+{on_hand}", "receive")
    shop.add_item("GIFT", "Towel gift")
    shop.define_set("GIFT", [("TW-W", 1), ("TW-N", 1)])
    return shop


@pytest.fixture
def japanese(qapp: QApplication) -> Iterator[None]:
    translators = install_translators(qapp, "ja")
    yield
    remove_translators(qapp, translators)


def ok_enabled(dialog: SetEditorDialog | PackDialog) -> bool:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def saved() -> Shop:
    """A second Shop reading the database afresh: what was really saved."""
    return Shop()


def test_a_new_set_is_made_from_components_found_by_code_name_and_jan(
    qtbot: QtBot, towels: Shop
) -> None:
    dialog = SetEditorDialog(towels, None, None)
    qtbot.addWidget(dialog)
    assert not ok_enabled(dialog)  # no code, no components yet
    qtbot.keyClicks(dialog.code_edit, "DUO")
    qtbot.keyClicks(dialog.name_edit, "Towel duo")

    qtbot.keyClicks(dialog.search, "4901234567001")  # a barcode scanner types the JAN…
    dialog.search.choose_typed()  # …and Enter
    qtbot.keyClicks(dialog.search, "navy")  # the only item whose name has "navy"
    dialog.search.choose_typed()
    assert dialog.components() == [("TW-W", 1), ("TW-N", 1)]
    assert dialog.search.text() == ""

    dialog.set_quantity("TW-N", 2)
    assert "Can sell <b>3</b>, limited by TW-N Towel navy" in dialog.summary.text()
    assert ok_enabled(dialog)
    dialog.accept()

    book = saved().book
    assert book.components["DUO"] == (("TW-W", 1), ("TW-N", 2))
    assert book.items["DUO"].name == "Towel duo"
    assert (book.stock["DUO"].sellable, book.stock["DUO"].limited_by) == (3, "TW-N")


def test_the_search_lists_matches_by_name_and_adding_twice_adds_to_the_quantity(
    qtbot: QtBot, towels: Shop
) -> None:
    dialog = SetEditorDialog(towels, None, None)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.search, "towel")
    assert [m.code for m in dialog.search.matches] == ["GIFT", "TW-N", "TW-W"]
    dialog.search.clear()
    dialog.add_component("MUG")
    dialog.add_component("MUG")
    assert dialog.components() == [("MUG", 2)]


def test_a_suggestion_chosen_with_the_arrow_keys_is_added(qtbot: QtBot, towels: Shop) -> None:
    dialog = SetEditorDialog(towels, None, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.search.setFocus()
    qtbot.keyClicks(dialog.search, "towel")
    popup = dialog.search.completer().popup()
    assert popup.isVisible()
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # GIFT
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # TW-N
    with qtbot.waitSignal(dialog.search.chosen):
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert dialog.components() == [("TW-N", 1)]
    qtbot.waitUntil(lambda: dialog.search.text() == "")


def test_a_nested_set_shows_its_own_components_as_a_tree(qtbot: QtBot, towels: Shop) -> None:
    towels.add_item("BIG", "Big gift")
    towels.define_set("BIG", [("GIFT", 1), ("MUG", 2)])
    dialog = SetEditorDialog(towels, "BIG", None)
    qtbot.addWidget(dialog)
    top = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    assert [item.text(0) for item in top] == ["GIFT", "MUG"]
    assert [top[0].child(i).text(0) for i in range(top[0].childCount())] == ["TW-W", "TW-N"]
    assert "Can sell <b>5</b>, limited by GIFT Towel gift" in dialog.summary.text()


def test_a_cycle_is_refused_in_the_dialog_naming_the_loop(qtbot: QtBot, towels: Shop) -> None:
    towels.add_item("BIG", "Big gift")
    towels.define_set("BIG", [("GIFT", 1), ("MUG", 2)])
    dialog = SetEditorDialog(towels, "GIFT", None)
    qtbot.addWidget(dialog)

    dialog.add_component("BIG")

    assert dialog.messages.is_error
    assert dialog.messages.messages == [
        "A set cannot contain itself: GIFT → BIG → GIFT. Remove BIG from the components."
    ]
    assert not ok_enabled(dialog)
    dialog.accept()  # Enter on a disabled OK does nothing
    assert saved().book.components["GIFT"] == (("TW-W", 1), ("TW-N", 1))

    dialog.remove_component("BIG")
    assert not dialog.messages.is_error
    assert ok_enabled(dialog)


def test_a_new_set_cannot_take_the_code_of_an_existing_item(qtbot: QtBot, towels: Shop) -> None:
    dialog = SetEditorDialog(towels, None, None)
    qtbot.addWidget(dialog)
    dialog.code_edit.setText("MUG")
    dialog.add_component("TW-W")
    assert "An item with code MUG already exists." in dialog.messages.messages[0]
    assert not ok_enabled(dialog)


def test_n_packs_of_one_item_become_sets_with_editable_codes(qtbot: QtBot, towels: Shop) -> None:
    dialog = PackDialog(towels, None, None)
    qtbot.addWidget(dialog)
    assert not ok_enabled(dialog)
    qtbot.keyClicks(dialog.search, "MUG")
    dialog.search.choose_typed()
    dialog.set_sizes("2, 3、５")  # a Japanese keyboard's 、 and full-width ５ are fine
    assert dialog.packs() == [
        (2, "MUG-2P", "Hasami mug 2-pack"),
        (3, "MUG-3P", "Hasami mug 3-pack"),
        (5, "MUG-5P", "Hasami mug 5-pack"),
    ]
    assert [dialog.table.item(row, 3).text() for row in range(3)] == ["20", "13", "8"]
    dialog.set_pack_code(5, "MUG-GIFT5")
    dialog.set_sizes("2, 3, 5, 10")  # a code the user changed survives new sizes
    assert dialog.packs()[2] == (5, "MUG-GIFT5", "Hasami mug 5-pack")
    dialog.accept()

    book = saved().book
    assert book.components["MUG-2P"] == (("MUG", 2),)
    assert book.components["MUG-GIFT5"] == (("MUG", 5),)
    assert book.items["MUG-3P"].name == "Hasami mug 3-pack"
    assert [book.stock[c].sellable for c in ("MUG-2P", "MUG-3P", "MUG-GIFT5", "MUG-10P")] == [
        20,
        13,
        8,
        4,
    ]


def test_n_packs_are_named_in_japanese_for_a_japanese_user(
    qtbot: QtBot, towels: Shop, japanese: None
) -> None:
    dialog = PackDialog(towels, "TW-W", None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "まとめ売りセットの作成"
    assert dialog.packs()[0] == (2, "TW-W-2P", "Towel white 2個セット")


def test_n_packs_refuse_a_code_that_exists_and_a_size_that_is_not_a_number(
    qtbot: QtBot, towels: Shop
) -> None:
    towels.define_set("MUG-2P", [("MUG", 2)])
    dialog = PackDialog(towels, "MUG", None)
    qtbot.addWidget(dialog)
    dialog.set_sizes("2, x")
    assert dialog.messages.messages == [
        "“x” is not a pack size: type whole numbers from 2 to 999.",
        "MUG-2P already exists: change its code or leave out the pack of 2.",
    ]
    assert not ok_enabled(dialog)


def test_the_set_editor_speaks_japanese(qtbot: QtBot, towels: Shop, japanese: None) -> None:
    dialog = SetEditorDialog(towels, "GIFT", None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "セット商品の構成 — GIFT"
    assert dialog.tree.headerItem().text(2) == "数量"
    assert dialog.summary.text() == "販売可能数 <b>5</b>（TW-W Towel white の在庫で決まります）"


def test_a_single_with_stock_starts_a_new_set_that_contains_it(qtbot: QtBot, towels: Shop) -> None:
    dialog = SetEditorDialog(towels, "MUG", None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "New set"
    assert dialog.set_code() == ""
    assert dialog.components() == [("MUG", 1)]


def test_a_single_without_stock_can_become_a_set(qtbot: QtBot, towels: Shop) -> None:
    towels.add_item("PAIR", "Imported as a single")
    dialog = SetEditorDialog(towels, "PAIR", None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Set composition — PAIR"
    dialog.add_component("MUG", 2)
    assert dialog.messages.messages[0].startswith("PAIR is a single item now.")
    dialog.accept()
    assert saved().book.components["PAIR"] == (("MUG", 2),)
