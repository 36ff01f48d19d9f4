"""The sync panel says which PC syncs the channels: this PC, another PC by name, or several."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from app.channels.sandbox_server import SandboxServer
from app.services.channel_sync import choose_first, sync_row
from app.services.shop import Shop
from app.store.models import ChannelRow
from app.sync.lease import Leases
from app.sync.worker import SyncThread
from app.ui.sync_panel import SyncPanel

from . import sync_support

sync_thread = sync_support.sync_thread

pytestmark = pytest.mark.usefixtures("memory_keyring")


@pytest.fixture
def shop_on_two_channels(shop: Shop, sandbox: Callable[..., SandboxServer],
                         monkeypatch: pytest.MonkeyPatch) -> Shop:
    monkeypatch.setenv("RENDO_PC_NAME", "packing-pc")
    shop.add_item("A", "タオル 白")
    shop.adjust("A", "+5")
    for name in ("rakuten", "yahoo"):
        shop.add_channel(name, "sandbox", settings={"url": sandbox({"A": 0}).url})
        choose_first(name, "push")
    return shop


def make_panel(qtbot: QtBot, shop: Shop, sync: SyncThread) -> SyncPanel:
    panel = SyncPanel(shop, sync)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def synced(name: str) -> bool:
    return sync_row(ChannelRow.get(ChannelRow.name == name)).last_sync_at is not None


def test_the_panel_says_this_pc_syncs(qtbot, shop_on_two_channels, sync_thread):
    panel = make_panel(qtbot, shop_on_two_channels, sync_thread())
    # each channel's thread takes its own lease: wait for both
    qtbot.waitUntil(lambda: "yahoo: synced by this PC" in panel.leader.toolTip() and (
        "rakuten: synced by this PC" in panel.leader.toolTip()), timeout=10_000)
    assert panel.leader.text() == "Synced by this PC"
    tip = panel.leader.toolTip()
    assert "This PC's name: packing-pc" in tip
    assert panel.leader.isVisible()


def test_the_panel_names_the_other_pc_and_shows_the_takeover(qtbot, shop_on_two_channels,
                                                             sync_thread):
    office = Leases(pc="office-pc")
    assert office.take("rakuten", at_once=True) and office.take("yahoo", at_once=True)
    panel = make_panel(qtbot, shop_on_two_channels, sync_thread())
    assert panel.leader.text() == "Synced by office-pc"
    assert "rakuten: synced by office-pc" in panel.leader.toolTip()
    qtbot.wait(2500)  # this PC's sync looks (every 2 s) and leaves both to the office PC
    assert not synced("rakuten") and not synced("yahoo")
    assert panel.leader.text() == "Synced by office-pc"
    office.release("yahoo")  # the office PC quits one channel: this PC takes it over
    qtbot.waitUntil(lambda: panel.leader.text() == (
        "Synced by office-pc (rakuten), this PC (yahoo)"), timeout=10_000)
    qtbot.waitUntil(lambda: synced("yahoo"), timeout=10_000)
    assert not synced("rakuten")
    office.release()
    qtbot.waitUntil(lambda: panel.leader.text() == "Synced by this PC", timeout=10_000)


def test_a_paused_pc_leaves_the_channels_to_the_others(qtbot, shop_on_two_channels,
                                                       sync_thread):
    panel = make_panel(qtbot, shop_on_two_channels, sync_thread())
    qtbot.waitUntil(lambda: "no PC syncs" not in panel.leader.toolTip(), timeout=10_000)
    assert panel.leader.text() == "Synced by this PC"
    panel.pause_button.click()
    qtbot.waitUntil(lambda: panel.leader.text() == "No PC is syncing now", timeout=10_000)
    other = Leases(pc="office-pc")
    assert other.take("rakuten", at_once=True)  # another PC goes on syncing meanwhile
    qtbot.waitUntil(lambda: panel.leader.text() == "Synced by office-pc", timeout=10_000)
    assert "yahoo: no PC syncs it now" in panel.leader.toolTip()
