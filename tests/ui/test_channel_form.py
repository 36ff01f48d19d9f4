"""The channel form is read from the channel type's record: its fields, their saving, the
connection test's words and Connect… for a channel authorized in the browser.

Every registered type is shown (a new channel module shows up here by itself); types made up
for a test ("acme" with settings and two keys, "oauthy" with an OAuth flow) are registered
only inside the tests that use them.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from app.channels import registry
from app.channels.base import (
    ChannelError,
    ChannelInfo,
    Credentials,
    ErrorKind,
    MemoryCredentials,
)
from app.channels.channel_type import ChannelType, Field
from app.channels.sandbox import CHANNEL_TYPE as SANDBOX
from app.channels.sandbox_server import SandboxServer
from app.services.channel_words import error_words
from app.services.shop import Shop
from app.store.models import ChannelRow, ChannelSyncRow
from app.ui.dialogs.channel_connect import ConnectBox
from app.ui.dialogs.channel_dialog import ChannelDialog
from app.ui.dialogs.first_sync_dialog import FirstSyncDialog

pytestmark = pytest.mark.usefixtures("memory_keyring")


def acme_adapter(info: ChannelInfo, credentials: Credentials) -> Any:
    """A sandbox shop standing in for Acme: its API key is the sandbox's token."""
    assert SANDBOX.factory is not None
    return SANDBOX.factory(info, MemoryCredentials({"token": credentials.get("api_key") or ""}))


ACME = ChannelType(
    name="acme", label="Acme mall", factory=acme_adapter, default_url="https://api.acme.example",
    settings=(Field("shop_id", "Shop ID", "At the top of Acme's admin."),
              Field("location", "Location", "Where Acme counts the stock.", required=False,
                    default="primary")),
    credentials=(Field("api_key", "API key", "Acme admin → Apps → Keys."),
                 Field("api_secret", "API secret", "Shown once, next to the key.")),
)


class FakeFlow:
    """An OAuth flow as a channel module would give it: the authorization page's address,
    and the code traded for tokens (only "good-code" is accepted)."""

    def __init__(self) -> None:
        self.exchanged: list[str] = []

    def authorization_url(self, settings: dict[str, object], credentials: Credentials,
                          state: str) -> str:
        return "https://auth.example/authorize?" + urlencode({
            "client_id": credentials.get("client_id") or "", "state": state,
            "redirect_uri": str(settings["redirect_uri"]), "response_type": "code"})

    def exchange_code(self, settings: dict[str, object], credentials: Credentials,
                      code: str) -> None:
        self.exchanged.append(code)
        if code != "good-code":
            raise ChannelError("token endpoint: HTTP 400 invalid_grant",
                               kind=ErrorKind.AUTHENTICATION, renew=("refresh_token",))
        credentials.renew({"refresh_token": "rt-1", "access_token": "at-1"})


def oauthy(flow: FakeFlow) -> ChannelType:
    return ChannelType(
        name="oauthy", label="OAuth mall", factory=acme_adapter, oauth=flow,
        default_url="https://api.oauthy.example",
        settings=(Field("redirect_uri", "Redirect address", "The one registered for the app."),),
        credentials=(Field("client_id", "Client ID", "The app's page."),
                     Field("client_secret", "Client secret", "The app's page."),
                     Field("refresh_token", "Refresh token", "Filled in by Connect…")),
    )


@pytest.fixture
def flow(monkeypatch: pytest.MonkeyPatch) -> FakeFlow:
    """"acme" and "oauthy" registered beside the real channel types, for this test only."""
    fake = FakeFlow()
    types = {**registry.channel_types(), "acme": ACME, "oauthy": oauthy(fake)}
    monkeypatch.setattr(registry, "channel_types", lambda: types)
    return fake


@pytest.fixture
def browser() -> list[str]:
    """The addresses Connect… opened (no browser is started)."""
    return []


@pytest.fixture
def open_dialog(qtbot: QtBot, shop: Shop, browser: list[str]
                ) -> Callable[..., ChannelDialog]:
    def make(select: str | None = None) -> ChannelDialog:
        dialog = ChannelDialog(shop, select=select)
        dialog.open_browser = lambda url: browser.append(QUrl(url).toString())
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def new_of_type(qtbot: QtBot, dialog: ChannelDialog, type_: str, name: str) -> None:
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.name, name)
    dialog.type.setCurrentIndex(dialog.type.findData(type_))


def type_in(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def shown_texts(dialog: ChannelDialog) -> list[str]:
    return [label.text() for label in dialog.form_box.findChildren(QLabel)
            if label.isVisibleTo(dialog) and label.text()]


def connect_box(dialog: ChannelDialog) -> ConnectBox:
    assert dialog.oauth_box is not None
    return dialog.oauth_box


def keyring_parts(ring: Any, channel: str) -> dict[str, str]:
    stored = ring.passwords.get(("Rendo", f"channel:{channel}"))
    return json.loads(stored) if stored else {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# -- the fields of each type ---------------------------------------------------------------------
@pytest.mark.parametrize("type_", list(registry.channel_types()))
def test_the_form_shows_the_fields_of_each_registered_channel_type(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog], type_: str,
) -> None:
    record = registry.channel_types()[type_]
    dialog = open_dialog()
    new_of_type(qtbot, dialog, type_, "mine")

    assert dialog.type.currentText() == QCoreApplication.translate("ChannelTypes", record.label)
    assert dialog.url_box.isVisibleTo(dialog) == record.synced
    if record.synced and record.default_url is None:
        assert dialog.url_caption.text() == "API address"
    elif record.synced:
        assert dialog.url.placeholderText() == record.default_url
        assert "test copy" in dialog.url_help.text()
    assert list(dialog.setting_fields) == ([f.key for f in record.settings]
                                           if record.synced else [])
    assert list(dialog.credential_fields) == ([f.key for f in record.credentials]
                                              if record.synced else [])
    texts = shown_texts(dialog)
    for setting in record.settings if record.synced else ():
        edit = dialog.setting_fields[setting.key]
        assert QCoreApplication.translate("ChannelTypes", setting.label) in texts
        if setting.default:
            assert edit.placeholderText() == setting.default
        if setting.help:
            assert QCoreApplication.translate("ChannelTypes", setting.help) in texts
    for part in record.credentials if record.synced else ():
        edit = dialog.credential_fields[part.key]
        assert edit.echoMode() == QLineEdit.EchoMode.Password
        assert QCoreApplication.translate("ChannelTypes", part.label) in texts
        assert edit.placeholderText() == ("Required" if part.required else "Optional")
        if part.help:
            assert QCoreApplication.translate("ChannelTypes", part.help) in texts
    assert (dialog.oauth_box is not None) == (record.oauth is not None)
    assert dialog.test_button.isVisibleTo(dialog)
    assert dialog.test_button.isEnabled() == (record.synced and record.default_url is not None)


@pytest.mark.usefixtures("flow")
def test_switching_the_type_rebuilds_its_fields_and_keeps_the_name(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog],
) -> None:
    dialog = open_dialog()
    new_of_type(qtbot, dialog, "acme", "my-mall")
    qtbot.keyClicks(dialog.credential_fields["api_key"], "typed-key")
    assert "Acme admin → Apps → Keys." in shown_texts(dialog)
    assert dialog.url.placeholderText() == "https://api.acme.example"

    dialog.type.setCurrentIndex(dialog.type.findData("sandbox"))
    assert dialog.name.text() == "my-mall"
    assert list(dialog.credential_fields) == ["token"] and dialog.setting_fields == {}
    assert "Acme admin → Apps → Keys." not in shown_texts(dialog)
    assert dialog.url_caption.text() == "API address"  # the sandbox has no address of its own

    dialog.type.setCurrentIndex(dialog.type.findData("manual"))
    assert not dialog.url_box.isVisibleTo(dialog) and dialog.credential_fields == {}
    assert dialog.name.text() == "my-mall"


# -- saving ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("flow")
def test_saving_puts_the_credential_parts_in_the_keyring_and_the_settings_in_the_row(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog], memory_keyring: Any,
    db_dump: Callable[..., list[str]],
) -> None:
    dialog = open_dialog()
    new_of_type(qtbot, dialog, "acme", "my-mall")
    qtbot.keyClicks(dialog.setting_fields["shop_id"], "4711")
    qtbot.keyClicks(dialog.credential_fields["api_key"], "key-1")
    qtbot.keyClicks(dialog.credential_fields["api_secret"], "secret-1")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert keyring_parts(memory_keyring, "my-mall") == {"api_key": "key-1",
                                                        "api_secret": "secret-1"}
    row = ChannelRow.get(ChannelRow.name == "my-mall")
    assert row.type == "acme"
    assert row.settings == {"shop_id": "4711", "location": "primary"}  # the default filled in
    assert not any("secret-1" in line or "key-1" in line for line in db_dump())
    # Shown again as saved: the values never, only that each part is saved.
    assert dialog.current == "my-mall"
    assert dialog.setting_fields["shop_id"].text() == "4711"
    for edit in dialog.credential_fields.values():
        assert edit.text() == ""
        assert edit.placeholderText().startswith("Saved")

    # Typing one part replaces just that part; a test address can be set and taken away.
    qtbot.keyClicks(dialog.credential_fields["api_secret"], "secret-2")
    qtbot.keyClicks(dialog.url, "http://127.0.0.1:9/api")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert keyring_parts(memory_keyring, "my-mall") == {"api_key": "key-1",
                                                        "api_secret": "secret-2"}
    assert ChannelRow.get(ChannelRow.name == "my-mall").settings["url"] == \
        "http://127.0.0.1:9/api"
    dialog.url.clear()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "url" not in ChannelRow.get(ChannelRow.name == "my-mall").settings


@pytest.mark.usefixtures("flow")
def test_a_missing_required_credential_or_setting_is_refused_in_the_dialog(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog], memory_keyring: Any,
) -> None:
    dialog = open_dialog()
    new_of_type(qtbot, dialog, "acme", "my-mall")
    qtbot.keyClicks(dialog.credential_fields["api_key"], "key-1")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert ChannelRow.get_or_none(ChannelRow.name == "my-mall") is None
    assert memory_keyring.passwords == {}
    assert dialog.field_errors["api_secret"].isVisible()
    assert dialog.field_errors["api_secret"].text() == "Enter the API secret."
    assert dialog.field_errors["shop_id"].text() == "Enter the Shop ID."
    assert not dialog.field_errors["api_key"].isVisible()
    assert dialog.credential_fields["api_key"].text() == "key-1"  # the form kept as typed

    qtbot.keyClicks(dialog.credential_fields["api_secret"], "secret-1")
    assert not dialog.field_errors["api_secret"].isVisible()  # fixed: the message goes
    qtbot.keyClicks(dialog.setting_fields["shop_id"], "4711")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert ChannelRow.get_or_none(ChannelRow.name == "my-mall") is not None


# -- test connection -----------------------------------------------------------------------------
@pytest.mark.usefixtures("flow")
def test_test_connection_uses_the_typed_parts_over_the_saved_ones_and_names_what_to_check(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog], shop: Shop,
    sandbox: Callable[..., SandboxServer],
) -> None:
    server = sandbox({"A": 1}, token="right-key")
    shop.add_channel("my-mall", "acme", settings={"url": server.url, "shop_id": "1"},
                     credentials={"api_key": "wrong-key", "api_secret": "s"})
    dialog = open_dialog(select="my-mall")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.testing, timeout=10_000)
    assert dialog.test_result.text() == "Not connected: " + error_words(
        "my-mall", "acme", ErrorKind.AUTHENTICATION)
    assert "(API key, API secret)" in dialog.test_result.text()  # the type's own labels
    assert "wrong-key" not in dialog.test_result.toolTip()

    qtbot.keyClicks(dialog.credential_fields["api_key"], "right-key")  # the secret stays saved
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.testing, timeout=10_000)
    assert dialog.test_result.text() == "Connected: the channel answers."


# -- Connect… (OAuth) ----------------------------------------------------------------------------
def test_connect_takes_the_code_at_a_loopback_redirect_and_save_keeps_the_tokens(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog], flow: FakeFlow,
    browser: list[str], memory_keyring: Any,
) -> None:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    dialog = open_dialog()
    new_of_type(qtbot, dialog, "oauthy", "my-oauth")
    qtbot.keyClicks(dialog.setting_fields["redirect_uri"], redirect)
    qtbot.keyClicks(dialog.credential_fields["client_id"], "cid")
    qtbot.keyClicks(dialog.credential_fields["client_secret"], "csecret")
    qtbot.mouseClick(connect_box(dialog).connect_button, Qt.MouseButton.LeftButton)

    # The browser opens the channel's page with a random state; Rendo listens on this PC.
    [opened] = browser
    query = parse_qs(urlsplit(opened).query)
    assert opened.startswith("https://auth.example/authorize?")
    assert query["client_id"] == ["cid"] and query["redirect_uri"] == [redirect]
    state = query["state"][0]
    assert len(state) >= 20
    assert not connect_box(dialog).paste.isVisible()  # nothing to paste: the code comes back here

    status, page = get(f"{redirect}?code=stolen&state=another")  # not Rendo's request
    assert status == 400 and "does not belong" in page
    status, page = get(f"{redirect}?code=good-code&state={state}")
    assert status == 200 and "Rendo is connected" in page
    qtbot.waitUntil(lambda: connect_box(dialog).status.text().startswith("Connected"),
                    timeout=10_000)
    assert flow.exchanged == ["good-code"]
    assert memory_keyring.passwords == {}  # a channel not saved yet: nothing stored yet
    assert dialog.credential_fields["refresh_token"].placeholderText().startswith("Received")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert keyring_parts(memory_keyring, "my-oauth") == {
        "client_id": "cid", "client_secret": "csecret", "refresh_token": "rt-1"}
    assert ChannelRow.get(ChannelRow.name == "my-oauth").settings == {"redirect_uri": redirect}


def test_connect_without_a_loopback_redirect_takes_a_pasted_address_of_its_own_state(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog], flow: FakeFlow,
    browser: list[str], memory_keyring: Any, shop: Shop,
) -> None:
    shop.add_channel("my-oauth", "oauthy",
                     settings={"redirect_uri": "https://rendo.example/oauth"},
                     credentials={"client_id": "cid", "client_secret": "cs",
                                  "refresh_token": "revoked"})
    channel = ChannelRow.get(ChannelRow.name == "my-oauth")
    ChannelSyncRow.create(channel=channel, failures=3, error_kind="authentication",
                          last_error="refresh token revoked")  # stopped until new credentials
    dialog = open_dialog(select="my-oauth")
    qtbot.mouseClick(connect_box(dialog).connect_button, Qt.MouseButton.LeftButton)
    state = parse_qs(urlsplit(browser[0]).query)["state"][0]
    assert connect_box(dialog).paste.isVisible()

    qtbot.keyClicks(connect_box(dialog).code, "https://rendo.example/oauth?code=good-code&state=old")
    qtbot.mouseClick(connect_box(dialog).use, Qt.MouseButton.LeftButton)
    assert "does not belong" in connect_box(dialog).status.text()
    assert flow.exchanged == []

    type_in(qtbot, connect_box(dialog).code,
            f"https://rendo.example/oauth?code=bad-code&state={state}")
    qtbot.mouseClick(connect_box(dialog).use, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not connect_box(dialog).connecting, timeout=10_000)
    assert connect_box(dialog).status.text() == error_words(
        "my-oauth", "oauthy", ErrorKind.AUTHENTICATION, renew=("refresh_token",))
    assert "(Refresh token)" in connect_box(dialog).status.text()  # what to renew, by its label

    qtbot.mouseClick(connect_box(dialog).connect_button, Qt.MouseButton.LeftButton)
    state = parse_qs(urlsplit(browser[-1]).query)["state"][0]
    type_in(qtbot, connect_box(dialog).code, f"code=good-code&state={state}")
    qtbot.mouseClick(connect_box(dialog).use, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not connect_box(dialog).connecting, timeout=10_000)
    assert connect_box(dialog).status.text() == "Connected: the channel's keys are saved."
    # A saved channel's tokens are in the keyring at once, and the channel runs again.
    assert keyring_parts(memory_keyring, "my-oauth")["refresh_token"] == "rt-1"
    assert ChannelSyncRow.get(ChannelSyncRow.channel == channel).error_kind == ""


def test_closing_the_dialog_stops_listening_for_the_code(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog], flow: FakeFlow,
) -> None:
    port = free_port()
    dialog = open_dialog()
    new_of_type(qtbot, dialog, "oauthy", "my-oauth")
    qtbot.keyClicks(dialog.setting_fields["redirect_uri"], f"http://localhost:{port}/")
    qtbot.mouseClick(connect_box(dialog).connect_button, Qt.MouseButton.LeftButton)
    listener = connect_box(dialog).listener
    assert listener is not None and listener.listening

    dialog.reject()
    assert not listener.listening
    with pytest.raises(OSError):
        get(f"http://127.0.0.1:{port}/?code=good-code&state=x")
    assert flow.exchanged == []


# -- the first connection ------------------------------------------------------------------------
@pytest.mark.usefixtures("flow")
def test_the_first_sync_preview_works_for_a_new_type_and_names_its_labels(
    qtbot: QtBot, shop: Shop, sandbox: Callable[..., SandboxServer],
) -> None:
    server = sandbox({"A": 3}, token="right-key")
    shop.add_channel("my-mall", "acme", settings={"url": server.url, "shop_id": "1"},
                     credentials={"api_key": "right-key", "api_secret": "s"})
    shop.add_channel("old-mall", "acme", settings={"url": server.url, "shop_id": "1"},
                     credentials={"api_key": "revoked", "api_secret": "s"})

    dialog = FirstSyncDialog(shop, "my-mall")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    assert "my-mall (Acme mall)" in dialog.findChild(QLabel, "firstSyncIntro").text()
    assert [row.channel_item_id for row in dialog.model.rows] == ["A"]

    refused = FirstSyncDialog(shop, "old-mall")
    qtbot.addWidget(refused)
    refused.show()
    qtbot.waitUntil(lambda: refused.problem.isVisible(), timeout=10_000)
    assert error_words("old-mall", "acme", ErrorKind.AUTHENTICATION) in \
        refused.problem_text.text()
    assert not refused.start.isEnabled()



class RotatingAdapter:
    """A channel that hands out a new refresh token whenever it is used (BASE does)."""

    def __init__(self, info: ChannelInfo, credentials: Credentials) -> None:
        self.credentials = credentials

    def test_connection(self) -> None:
        self.credentials.renew({"refresh_token": "rotated"})

    def close(self) -> None:
        pass


def test_a_token_the_channel_renews_during_the_test_of_a_saved_channel_is_kept(
    qtbot: QtBot, open_dialog: Callable[..., ChannelDialog], shop: Shop,
    monkeypatch: pytest.MonkeyPatch, memory_keyring: Any,
) -> None:
    rotor = ChannelType(name="rotor", label="Rotor", factory=RotatingAdapter,  # type: ignore[arg-type]
                        default_url="https://api.rotor.example",
                        credentials=(Field("refresh_token", "Refresh token"),))
    types = {**registry.channel_types(), "rotor": rotor}
    monkeypatch.setattr(registry, "channel_types", lambda: types)
    shop.add_channel("spin", "rotor", credentials={"refresh_token": "first"})

    dialog = open_dialog(select="spin")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.testing, timeout=10_000)
    assert dialog.test_result.text() == "Connected: the channel answers."
    assert keyring_parts(memory_keyring, "spin") == {"refresh_token": "rotated"}
