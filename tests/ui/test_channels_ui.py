"""Channel settings and the first-connection preview, against a real database and sandbox shops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.channels.sandbox_server import SandboxServer
from app.i18n import install_translators, remove_translators
from app.services.channel_sync import choose_first
from app.services.shop import Shop
from app.store.models import ChannelRow, ChannelSyncRow
from app.sync.engine import SyncEngine
from app.ui.dialogs.channel_dialog import ChannelDialog
from app.ui.dialogs.first_sync_dialog import FirstSyncDialog

from .sync_support import fast_adapter_for

pytestmark = pytest.mark.usefixtures("memory_keyring")


def open_dialog(qtbot: QtBot, shop: Shop, select: str | None = None) -> ChannelDialog:
    dialog = ChannelDialog(shop, adapter_for=fast_adapter_for, select=select)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def fill_new(qtbot: QtBot, dialog: ChannelDialog, name: str, url: str, token: str = "") -> None:
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.type.setCurrentIndex(dialog.type.findData("sandbox"))
    qtbot.keyClicks(dialog.name, name)
    qtbot.keyClicks(dialog.url, url)
    if token:
        qtbot.keyClicks(dialog.token, token)


def test_a_new_channels_token_goes_to_the_keyring_and_never_to_the_database(
    qtbot: QtBot, shop: Shop, sandbox: Callable[..., SandboxServer],
    memory_keyring: Any, db_dump: Callable[..., list[str]],
) -> None:
    server = sandbox({"A": 3})
    dialog = open_dialog(qtbot, shop)
    fill_new(qtbot, dialog, "rakuten", server.url, token="s3cret-token-42")
    assert dialog.token.echoMode() == dialog.token.EchoMode.Password

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert memory_keyring.passwords == {
        ("Rendo", "channel:rakuten"): '{"token": "s3cret-token-42"}'}
    row = ChannelRow.get(ChannelRow.name == "rakuten")
    assert row.type == "sandbox" and row.settings == {"url": server.url}
    assert not any("s3cret-token-42" in line for line in db_dump())
    # The form never shows the saved token back, only that one is saved.
    assert dialog.token.text() == ""
    assert "Saved" in dialog.token.placeholderText()
    # A new synced channel waits for the first-sync choice, and the dialog says so.
    assert dialog.first_sync.isVisible()
    assert "rakuten" in dialog.message.text()


def test_a_channel_address_must_be_https_except_to_this_pc(qtbot: QtBot, shop: Shop) -> None:
    dialog = open_dialog(qtbot, shop)
    fill_new(qtbot, dialog, "yahoo", "http://shop.example.com/api")
    assert dialog.url_error.isVisible()
    assert "https://" in dialog.url_error.text()
    assert not dialog.save_button.isEnabled()
    assert not dialog.test_button.isEnabled()

    dialog.url.clear()
    qtbot.keyClicks(dialog.url, "https://shop.example.com/api")
    assert not dialog.url_error.isVisible()
    assert dialog.save_button.isEnabled()

    dialog.url.clear()
    qtbot.keyClicks(dialog.url, "http://127.0.0.1:8080")  # the sandbox on this PC
    assert not dialog.url_error.isVisible()


def test_the_address_message_is_japanese_for_a_japanese_user(
    qtbot: QtBot, shop: Shop, qapp: QApplication
) -> None:
    translators = install_translators(qapp, "ja")
    try:
        dialog = open_dialog(qtbot, shop)
        fill_new(qtbot, dialog, "yahoo", "http://shop.example.com")
        assert "https://" in dialog.url_error.text()
        assert "アドレス" in dialog.url_error.text()
        assert dialog.windowTitle() == "店舗の設定"
    finally:
        remove_translators(qapp, translators)


def test_a_name_already_taken_is_refused_next_to_the_field(qtbot: QtBot, shop: Shop) -> None:
    shop.add_channel("store", "manual")
    dialog = open_dialog(qtbot, shop)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.type.setCurrentIndex(dialog.type.findData("manual"))
    qtbot.keyClicks(dialog.name, "store")
    assert dialog.name_error.isVisible()
    assert not dialog.save_button.isEnabled()


def test_test_connection_says_ok_or_what_is_wrong_in_plain_words(
    qtbot: QtBot, shop: Shop, sandbox: Callable[..., SandboxServer],
) -> None:
    server = sandbox({"A": 1}, token="right-token")
    dialog = open_dialog(qtbot, shop)
    fill_new(qtbot, dialog, "base", server.url, token="wrong-token")

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert not dialog.test_button.isEnabled()  # one test at a time, the window responds
    qtbot.waitUntil(lambda: not dialog.testing, timeout=10_000)
    assert dialog.test_result.text().startswith("Not connected")
    assert "refused Rendo's credentials" in dialog.test_result.text()  # kind: authentication
    assert "HTTP 401" in dialog.test_result.toolTip()  # the detail stays in the tooltip
    assert "wrong-token" not in dialog.test_result.toolTip()

    dialog.token.clear()
    qtbot.keyClicks(dialog.token, "right-token")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.testing, timeout=10_000)
    assert dialog.test_result.text().startswith("Connected")


def test_a_channel_can_be_disabled_and_enabled_again(qtbot: QtBot, shop: Shop) -> None:
    shop.add_channel("store", "manual")
    dialog = open_dialog(qtbot, shop, select="store")
    dialog.enabled.setChecked(False)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert ChannelRow.get(ChannelRow.name == "store").enabled is False
    assert "(disabled)" in dialog.channel_list.currentItem().text()

    dialog.enabled.setChecked(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert ChannelRow.get(ChannelRow.name == "store").enabled is True


def test_editing_a_channel_keeps_the_saved_token_unless_a_new_one_is_typed(
    qtbot: QtBot, shop: Shop, memory_keyring: Any,
) -> None:
    shop.add_channel("base", "sandbox", settings={"url": "https://base.example"},
                     token="first")
    dialog = open_dialog(qtbot, shop, select="base")
    dialog.maximum.setValue(500)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert ChannelRow.get(ChannelRow.name == "base").maximum == 500
    assert memory_keyring.passwords[("Rendo", "channel:base")] == '{"token": "first"}'

    qtbot.keyClicks(dialog.token, "second")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.passwords[("Rendo", "channel:base")] == '{"token": "second"}'


# -- the first connection ------------------------------------------------------------------------
@pytest.fixture
def new_channel(shop: Shop, sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    """A channel that shows A 3, B 4 and an item Rendo does not know; Rendo has A 5, B 0."""
    shop.add_item("A", "タオル 白")
    shop.adjust("A", "+5")
    shop.add_item("B", "タオル 紺")
    server = sandbox({"A": 3, "B": 4, "X-9": 1})
    shop.add_channel("mall", "sandbox", settings={"url": server.url})
    return server


def open_preview(qtbot: QtBot, shop: Shop) -> FirstSyncDialog:
    dialog = FirstSyncDialog(shop, "mall", fast_adapter_for)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    return dialog


def first_mode() -> str | None:
    channel = ChannelRow.get(ChannelRow.name == "mall")
    row = ChannelSyncRow.get_or_none(ChannelSyncRow.channel == channel)
    return None if row is None else row.first_mode


@pytest.mark.usefixtures("new_channel")
def test_the_preview_marks_items_not_in_rendo_and_a_push_that_would_show_zero(
    qtbot: QtBot, shop: Shop
) -> None:
    dialog = open_preview(qtbot, shop)
    kinds = {row.channel_item_id: kind for row, kind in zip(dialog.model.rows,
                                                              dialog.model.kinds, strict=True)}
    assert kinds == {"A": "differs", "B": "wipe", "X-9": "missing"}
    assert dialog.wipe_warning.isVisible()
    assert "1 item" in dialog.wipe_warning.text()
    assert dialog.model.data(dialog.model.index(2, 1)) == "(not in Rendo)"
    assert not dialog.start.isEnabled()  # no choice yet

    dialog.push.setChecked(True)
    assert dialog.confirm_wipe.isVisible()
    assert not dialog.start.isEnabled()  # never a silent wipe to 0
    assert dialog.model.data(dialog.model.index(1, 4)).startswith("Channel 4 → 0")

    dialog.confirm_wipe.setChecked(True)
    assert dialog.start.isEnabled()
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    assert dialog.chosen == "push"
    assert first_mode() == "push"


@pytest.mark.usefixtures("new_channel")
def test_taking_the_channels_numbers_needs_no_zero_confirmation(
    qtbot: QtBot, shop: Shop
) -> None:
    dialog = open_preview(qtbot, shop)
    dialog.pull.setChecked(True)
    assert not dialog.confirm_wipe.isVisible()
    assert not dialog.wipe_warning.isVisible()
    assert dialog.model.data(dialog.model.index(0, 4)) == "On hand 5 → 3"
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    assert first_mode() == "pull"


@pytest.mark.usefixtures("new_channel")
def test_deciding_later_changes_nothing(qtbot: QtBot, shop: Shop) -> None:
    dialog = open_preview(qtbot, shop)
    qtbot.mouseClick(dialog.later, Qt.MouseButton.LeftButton)
    assert dialog.chosen is None
    assert first_mode() is None


@pytest.mark.usefixtures("new_channel")
def test_a_choice_made_elsewhere_meanwhile_is_reported_in_the_dialog(
    qtbot: QtBot, shop: Shop
) -> None:
    dialog = open_preview(qtbot, shop)
    choose_first("mall", "pull")  # for example from the command line, which then synced
    SyncEngine(shop, fast_adapter_for).run_due(force=True)
    dialog.pull.setChecked(True)
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "already" in dialog.error.text()


def test_a_preview_that_cannot_be_read_says_why_and_allows_no_choice(
    qtbot: QtBot, shop: Shop, dead_url: str,
) -> None:
    shop.add_channel("mall", "sandbox", settings={"url": dead_url})
    dialog = FirstSyncDialog(shop, "mall", fast_adapter_for)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.problem.isVisible(), timeout=10_000)
    assert "mall could not be reached" in dialog.problem_text.text()
    assert not dialog.choice_box.isEnabled()
    assert not dialog.start.isEnabled()
