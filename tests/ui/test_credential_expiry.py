"""A credential with a known end in the window: the tray (or, without one, the notice bar)
tells once a day per channel, the sync panel shows a banner until a new end date is entered.
Days are simulated (``SyncControl.today``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from app.channels import registry
from app.channels.channel_type import ChannelType, Field
from app.services.shop import Shop
from app.sync.worker import SyncThread
from app.ui.expiry_banners import ExpiryBanners
from app.ui.sync_control import SyncControl
from app.ui.sync_panel import SyncPanel
from app.ui.tray import Tray

from . import sync_support

settings = sync_support.settings
sync_thread = sync_support.sync_thread

pytestmark = pytest.mark.usefixtures("memory_keyring")

KEYED = ChannelType(
    name="keyed", label="Keyed mall", factory=None,
    settings=(Field("license_expires", "License key's end", "Where the mall shows it."),),
    credentials=(Field("license_key", "License key", "The mall's admin."),),
    expiry_setting="license_expires", expiring_credential="license_key",
)
DAY = date(2027, 3, 1)


class Clock:
    def __init__(self) -> None:
        self.day = DAY

    def __call__(self) -> date:
        return self.day


@pytest.fixture
def keyed_shop(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Shop:
    types = {**registry.channel_types(), "keyed": KEYED}
    monkeypatch.setattr(registry, "channel_types", lambda: types)
    for name, days in (("soon", 14), ("later", 20), ("gone", -2)):
        shop.add_channel(name, "keyed",
                         settings={"license_expires": (DAY + timedelta(days=days)).isoformat()})
    return shop


def controlled(sync: SyncThread) -> tuple[SyncControl, Clock]:
    control = SyncControl.of(sync)
    clock = Clock()
    control.today = clock
    return control, clock


def make_window(qtbot: QtBot) -> QMainWindow:
    window = QMainWindow()
    window.setCentralWidget(QTableView())
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_notice_bar_tells_once_a_day_per_channel(
    qtbot: QtBot, keyed_shop: Shop, sync_thread: Callable[..., SyncThread],
    settings: QSettings,
) -> None:
    sync = sync_thread(start=False)
    control, clock = controlled(sync)
    tray = Tray(make_window(qtbot), sync, settings=settings, available=False)
    seen: list[tuple[str, ...]] = []
    tray.notified.connect(lambda *notice: seen.append(notice))
    control.refresh()
    assert [(key, level) for key, level, _t, _x in seen] == [
        ("expiry:soon", "warning"), ("expiry:gone", "failing")]
    assert seen[0][2:] == ("soon: a credential ends soon",
                           "License key expires in 14 days (2027-03-15). Renew it on the "
                           "channel's site, then enter the new one and its end date in the "
                           "settings of soon.")
    assert seen[1][2] == "gone: a credential has ended"
    assert seen[1][3].startswith("License key expired on 2027-02-27. ")
    bar = tray.notice_bar
    assert bar is not None
    assert {n.key for n in bar.notices} == {"expiry:soon", "expiry:gone"}

    control.refresh()  # the statuses come again and again the same day: told once
    tray.check_day()
    assert len(seen) == 2

    clock.day = DAY + timedelta(days=6)  # a new day: told again, "later" is now in the window
    tray.check_day()
    assert [key for key, *_ in seen[2:]] == ["expiry:soon", "expiry:later", "expiry:gone"]
    assert "expires in 8 days" in seen[2][3] and "expires in 14 days" in seen[3][3]

    keyed_shop.update_channel("soon", options={"license_expires": "2027-06-01"})
    control.refresh()  # a new key entered: its notice goes
    assert {n.key for n in bar.notices} == {"expiry:later", "expiry:gone"}
    assert len(seen) == 5


def test_the_tray_remembers_the_day_it_told(
    qtbot: QtBot, keyed_shop: Shop, qapp: QApplication,
    sync_thread: Callable[..., SyncThread], settings: QSettings,
) -> None:
    sync = sync_thread(start=False)
    control, clock = controlled(sync)
    tray = Tray(make_window(qtbot), sync, settings=settings, available=True)
    seen: list[tuple[str, ...]] = []
    tray.notified.connect(lambda *notice: seen.append(notice))
    control.refresh()
    assert [key for key, *_ in seen] == ["expiry:soon", "expiry:gone"]

    control.statuses_changed.disconnect(tray._statuses)  # that Rendo quits; a new one starts
    again = Tray(make_window(qtbot), sync, settings=settings, available=True)
    seen_again: list[tuple[str, ...]] = []
    again.notified.connect(lambda *notice: seen_again.append(notice))
    control.refresh()
    assert seen_again == []
    clock.day += timedelta(days=1)
    again.check_day()
    assert [key for key, *_ in seen_again] == ["expiry:soon", "expiry:gone"]
    qapp.setQuitOnLastWindowClosed(True)


def test_the_sync_panel_shows_a_banner_until_a_new_date_is_entered(
    qtbot: QtBot, keyed_shop: Shop, sync_thread: Callable[..., SyncThread],
) -> None:
    sync = sync_thread(start=False)
    control, clock = controlled(sync)
    control.refresh()
    panel = SyncPanel(keyed_shop, sync)
    qtbot.addWidget(panel)
    panel.show()
    banners = panel.findChild(ExpiryBanners)
    assert banners is not None and banners.isVisible()
    assert banners.texts == {
        "soon": "<b>soon</b>: License key expires in 14 days (2027-03-15). Renew it on the "
                "channel&#x27;s site, then enter the new one and its end date in the settings "
                "of soon.",
        "gone": "<b>gone</b>: License key expired on 2027-02-27. Renew it on the channel&#x27;s "
                "site, then enter the new one and its end date in the settings of gone.",
    }
    labels = panel.findChildren(QLabel, "expiryText")
    assert sorted(label.text() for label in labels) == sorted(banners.texts.values())

    clock.day += timedelta(days=1)
    control.refresh()
    assert "expires in 13 days" in banners.texts["soon"]
    assert "later" not in banners.texts

    keyed_shop.update_channel("gone", options={"license_expires": "2027-06-01"})
    control.refresh()
    assert set(banners.texts) == {"soon"}
    keyed_shop.update_channel("soon", options={"license_expires": "2027-06-01"})
    control.refresh()
    assert banners.texts == {} and not banners.isVisible()
    keyed_shop.update_channel("soon", options={"license_expires": "2027-03-10"})
    control.refresh()

    button = next(b for b in panel.findChildren(QPushButton, "renewCredential")
                  if b.isVisibleTo(panel))
    button.click()  # the channel dialog, on that channel
    dialog = panel.channel_dialog
    qtbot.addWidget(dialog)
    assert dialog.channel_list.currentItem().text().startswith("soon")
    dialog.reject()
