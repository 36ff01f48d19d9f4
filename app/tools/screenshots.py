"""Save a PNG of every main screen, in Japanese and in English.

Run: python -m app.tools.screenshots OUTDIR [--lang ja] [--only main-window ...] [--size WxH]
     (under Xvfb: xvfb-run -a python -m app.tools.screenshots OUTDIR)
     --size 1366x768 draws the window as on a small laptop screen (default 1440x860).

The demo catalogue (app.demo.build_catalogue) is built in a temporary database, then given a
month of orders, deliveries and a stocktake, listings on the channels (one suspended, one
changed by hand, one refused) and an unmatched order line, so that every screen has something
to show. No sandbox server is started. The screens come from app.ui.screenshots.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.channels.base import ErrorKind
from app.demo import CHANNELS, build_catalogue
from app.domain.errors import RendoError
from app.domain.orders import OrderLine
from app.i18n import install_translators, remove_translators
from app.services.channel_sync import sync_row
from app.services.orders import apply_order
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.models import (
    ChannelRow,
    ItemRow,
    ListingRow,
    MovementRow,
    utcnow,
)
from app.ui import screenshots as screens
from app.ui import sync_screenshots  # noqa: F401 (registers its @screen)
from app.ui.dialogs import screenshots as dialog_screens  # noqa: F401 (registers its @screen)

FONT_FAMILY = "Noto Sans CJK JP"
WINDOW_SIZE = (1440, 860)


def _sell(shop: Shop, rng: random.Random, codes: list[str], number: int) -> None:
    channel = rng.choice(CHANNELS)
    code = rng.choice(codes)
    quantity = rng.choice((1, 1, 1, 2))
    if shop.book.stock[code].sellable < quantity + 4:
        return
    with contextlib.suppress(RendoError):
        apply_order(shop, [OrderLine(channel, f"{channel[0].upper()}-{number}", "1", code,
                                     quantity)])


def prepare_demo(path: Path) -> Shop:
    """The demo shop with a month of history (see the module's docstring)."""
    open_database(str(path))
    shop = Shop()
    build_catalogue(shop)
    rng = random.Random(11)
    singles = [c for c, item in shop.book.items.items() if not item.is_set]
    everything = sorted(shop.book.items)
    shop.set_item_field(["CH-101"], "backorder_allowance", 3)
    for day in range(30):
        for number in range(rng.randint(0, 2)):
            _sell(shop, rng, everything, 1000 + day * 10 + number)
        if day == 11:
            shop.adjust("TW-001", "+24", "receive", "入荷伝票 1187")
            shop.adjust("TW-002", "+12", "receive", "入荷伝票 1187")
        if day == 19:
            shop.adjust("MG-011", "-1", "damage", "欠け")
        if day == 22:
            shop.set_on_hand("TW-001", max(0, shop.book.on_hand["TW-001"] - 1), "stocktake")
    on_hand = shop.book.on_hand
    if on_hand["TW-003"] > 0:
        shop.adjust("TW-003", "=0", "manual", "店頭で販売")
    shop.set_on_hand("MG-010", min(on_hand["MG-010"], 4), "stocktake", "月末棚卸")
    for number in range(3):  # sold below zero under the backorder allowance
        if shop.book.stock["CH-101"].sellable >= 2:
            apply_order(shop, [OrderLine("base", f"B-{2200 + number}", "1", "CH-101", 2)])
    apply_order(shop, [OrderLine("yahoo", "Y-2041", "1", "TW-004-NV", 2)])  # nobody has it
    _backdate(singles)
    _list_on_channels(shop)
    return shop


def _backdate(singles: list[str]) -> None:
    """Spread the movements over the last five weeks (they were all written just now)."""
    now = utcnow()
    ids = [m.id for m in MovementRow.select(MovementRow.id).order_by(MovementRow.id)]
    opening = len(singles)
    for position, movement_id in enumerate(ids):
        if position < opening:
            moment = now - timedelta(days=35)
        else:
            share = (position - opening) / max(1, len(ids) - opening)
            moment = now - timedelta(days=32) + timedelta(days=32) * share
        MovementRow.update(created_at=moment).where(MovementRow.id == movement_id).execute()


def _list_on_channels(shop: Shop) -> None:
    """Every item listed on every channel, as after a good sync; then three problems."""
    now = utcnow()
    items = {row.code: row for row in ItemRow.select()}
    for channel in ChannelRow.select():
        channel.type = "sandbox"
        channel.settings = {"url": "http://127.0.0.1:8300"}
        channel.save()
        state = sync_row(channel)
        state.first_mode, state.first_done = "push", True
        state.last_sync_at = state.last_ok_at = now - timedelta(seconds=40)
        state.next_sync_at = now + timedelta(seconds=20)
        state.save()
        for code, row in items.items():
            shown = shop.book.stock[code].channels.get(channel.name, 0)
            listing_id = code if channel.name != "rakuten" else f"rendo-shop:{code.lower()}"
            ListingRow.create(channel=channel, item=row, channel_item_id=listing_id,
                              believed_qty=shown, confirmed_at=now - timedelta(minutes=3))
    problems = [
        ("yahoo", "MG-010", {
            "suspended": True, "failures": 5,
            "last_error": "在庫数の更新が拒否されました（HTTP 400: 商品が非公開です）",
        }),
        ("rakuten", "TW-002", {"drift_qty": 20}),
        ("base", "CH-100", {"failures": 2, "last_error": "HTTP 503 Service Unavailable"}),
    ]
    for channel_name, code, values in problems:
        ListingRow.update(**values).where(
            ListingRow.channel == ChannelRow.get(ChannelRow.name == channel_name),
            ListingRow.item == items[code],
        ).execute()


@contextlib.contextmanager
def _credential_problems() -> Iterator[None]:
    """For "sync-panel-credentials": 楽天's license key ends in 9 days and Yahoo! refused the
    token; the demo's channels are put back afterwards."""
    rakuten = ChannelRow.get(ChannelRow.name == "rakuten")
    kept = (rakuten.type, dict(rakuten.settings or {}))
    rakuten.type = "rakuten"
    rakuten.settings = {**kept[1], "license_expires":
                        (date.today() + timedelta(days=9)).isoformat()}
    rakuten.save()
    state = sync_row(ChannelRow.get(ChannelRow.name == "yahoo"))
    kept_state = (state.failures, state.error_kind, state.last_error)
    state.failures, state.error_kind = 1, ErrorKind.AUTHENTICATION.value
    state.last_error = "orderList: invalid_token (the access token has expired)"
    state.save()
    try:
        yield
    finally:
        rakuten.type, rakuten.settings = kept
        rakuten.save()
        state.failures, state.error_kind, state.last_error = kept_state
        state.save()


@contextlib.contextmanager
def _another_pc_syncs() -> Iterator[None]:
    """For "sync-panel-leader": the office PC syncs 楽天 and Yahoo!, this PC the rest."""
    from app.sync.lease import Leases

    office, here = Leases(pc="office-pc"), Leases()
    for channel in ChannelRow.select().order_by(ChannelRow.position, ChannelRow.id):
        (office if channel.name in ("rakuten", "yahoo") else here).take(channel.name,
                                                                       at_once=True)
    try:
        yield
    finally:
        office.release()
        here.release()


# screens that need the demo database in another state while they are taken
PREPARED = {"sync-panel-credentials": _credential_problems,
            "sync-panel-leader": _another_pc_syncs}


def _use_font(app: QApplication) -> None:
    if FONT_FAMILY in QFontDatabase.families():
        app.setFont(QFont(FONT_FAMILY, 10))


def take(outdir: Path, languages: list[str], only: list[str] | None = None,
         size: tuple[int, int] = WINDOW_SIZE) -> list[Path]:
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    QCoreApplication.setOrganizationName("RendoScreenshots")
    QCoreApplication.setApplicationName("Rendo")
    _use_font(app)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="rendo-shots-") as folder:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        shop = prepare_demo(Path(folder) / "demo.sqlite3")
        try:
            for language in languages:
                translators = install_translators(app, language)
                try:
                    for item in screens.SCREENS:
                        if only and item.name not in only:
                            continue
                        QSettings().clear()  # every screen starts from the default layout
                        with PREPARED.get(item.name, contextlib.nullcontext)():
                            window = MainWindow(shop, "demo.sqlite3")
                            window.resize(*size)
                            window.show()
                            app.processEvents()
                            widget = item.make(window)
                            if isinstance(widget, QWidget) and not widget.isVisible():
                                widget.show()
                            for _ in range(3):
                                app.processEvents()
                            target = outdir / language / f"{item.name}.png"
                            target.parent.mkdir(parents=True, exist_ok=True)
                            widget.grab().save(str(target))
                            saved.append(target)
                            if isinstance(widget, QDialog):
                                widget.reject()
                            window.close()
                            window.deleteLater()
                            app.processEvents()
                            # gone now, with its timers: none fires after the demo
                            # database is closed and its folder removed
                            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
                finally:
                    remove_translators(app, translators)
        finally:
            close_database()
    return saved


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT") from None
    return width, height


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.tools.screenshots")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--lang", action="append", choices=["ja", "en"],
                        help="only this language (repeatable; default: ja and en)")
    parser.add_argument("--only", action="append", metavar="SCREEN",
                        help="only this screen (repeatable)")
    parser.add_argument("--size", type=_size, default=WINDOW_SIZE, metavar="WxH",
                        help="the main window's size (default 1440x860)")
    args = parser.parse_args(argv)
    for path in take(args.outdir, args.lang or ["ja", "en"], args.only, args.size):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
