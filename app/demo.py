"""``rendo demo``: a sample shop, three sandbox channels and customers ordering from them.

A newcomer watches sync happen: orders placed on one sandbox shop lower the numbers the
other two show within seconds; cancellations give units back.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import threading
import time
from dataclasses import dataclass, field

import requests
from platformdirs import user_data_path

from app.channels.sandbox_server import SandboxServer, SandboxShop
from app.domain.errors import QT_TRANSLATE_NOOP, BadInput, RendoError
from app.domain.offsets import parse_offset
from app.i18n import error_text, tr
from app.services.shop import Shop

log = logging.getLogger("rendo.demo")

SINGLES = [
    ("TW-001", "今治タオル フェイス 白", "4901234567001", 40),
    ("TW-002", "今治タオル フェイス 紺", "4901234567002", 25),
    ("TW-003", "今治タオル バス 白", "4901234567003", 12),
    ("MG-010", "波佐見焼 マグ 藍", "4901234567010", 8),
    ("MG-011", "波佐見焼 マグ 白磁", "4901234567011", 15),
    ("CH-100", "八女茶 100g", "4901234567100", 60),
    ("CH-101", "八女茶 ティーバッグ 20袋", "4901234567101", 5),
    ("00123", "手ぬぐい 麻の葉", "4901234567123", 30),
]
SETS = [
    ("GIFT-TW2", "タオル2枚ギフト", [("TW-001", 1), ("TW-002", 1)]),
    ("GIFT-TEA", "お茶とマグのセット", [("CH-100", 1), ("MG-010", 1)]),
    ("GIFT-BIG", "贈答大セット", [("GIFT-TW2", 1), ("GIFT-TEA", 1), ("00123", 2)]),
    ("TW-001x3", "今治タオル 白 3枚組", [("TW-001", 3)]),
]
CHANNELS = ["rakuten", "yahoo", "base"]
DEMO_INTERVAL_S = 5


def build_catalogue(shop: Shop) -> None:
    """The demo's items, sets (one nested), an allocation pattern and display offsets."""
    for channel in CHANNELS:
        shop.add_channel(channel, "manual")  # made sandbox channels in start_channels
    for code, name, jan, on_hand in SINGLES:
        shop.add_item(code, name, jan)
        shop.adjust_by(code, on_hand, "receive")
    for code, name, parts in SETS:
        shop.add_item(code, name)
        shop.define_set(code, parts)
    shop.set_item_field(["TW-003", "MG-010", "CH-101"], "reorder_point", 5)
    shop.set_item_field(["TW-001"], "reserved", 2)
    shop.save_pattern("少量時配分", ["<=3:rakuten=same,yahoo=0,base=0",
                                     "<=10:rakuten=50%,yahoo=30%,base=20%"],
                      ["rakuten", "yahoo", "base"])
    shop.assign_pattern("少量時配分", ["TW-003", "MG-010", "MG-011", "GIFT-TEA"])
    shop.set_offset(["CH-100"], parse_offset("-5"))
    shop.set_offset(["CH-101"], parse_offset("3"), channel="base")


@dataclass
class Customers:
    """Customers placing (and now and then cancelling) orders on the sandbox shops."""

    urls: list[str]
    codes: list[str]
    seed: int = 7
    pause_s: tuple[float, float] = (0.5, 2.0)
    placed: list[tuple[str, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        rng = random.Random(self.seed)
        session = requests.Session()
        while not self._stop.wait(rng.uniform(*self.pause_s)):
            url = rng.choice(self.urls)
            try:
                if self.placed and rng.random() < 0.1:
                    shop_url, order_id = self.placed.pop(rng.randrange(len(self.placed)))
                    session.post(f"{shop_url}/api/orders/{order_id}/cancel", timeout=5)
                    continue
                lines = [{"sku": rng.choice(self.codes), "quantity": rng.choice((1, 1, 1, 2))}]
                answer = session.post(f"{url}/api/orders", json={"lines": lines}, timeout=5)
                if answer.status_code == 201:
                    self.placed.append((url, answer.json()["id"]))
            except requests.RequestException as error:
                log.info("customer could not reach %s: %s", url, error)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="demo-customers", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def start_channels(shop: Shop) -> list[SandboxServer]:
    """Three sandbox shops listing every item; the channels point at them and push first."""
    from app.services.channel_sync import choose_first, sync_row
    from app.store.models import ChannelRow

    servers = []
    for name in CHANNELS:
        sandbox = SandboxShop()
        for code in sorted(shop.book.items):
            sandbox.add_listing(code, 0)
        server = SandboxServer(sandbox)
        server.start()
        servers.append(server)
        channel = ChannelRow.get(ChannelRow.name == name)
        channel.type, channel.settings = "sandbox", {"url": server.url}
        channel.save()
        choose_first(name, "push")
        state = sync_row(channel)
        state.interval_s = DEMO_INTERVAL_S  # livelier than the default, for watching
        state.save()
    return servers


def run_demo(args: argparse.Namespace) -> int:
    """The demo on ``--db`` (which must be new or empty), else on a fresh demo.sqlite3 in
    the user's data folder (replaced at every start; the user's own shop is never touched)."""
    from app.store.database import close_database, open_database

    if not args.headless:
        from app.ui.app_main import refuse_without_display

        refused = refuse_without_display()
        if refused is not None:  # before anything is written
            return refused
    if args.db:
        location = args.db
    else:
        path = user_data_path("Rendo", "Rendo") / "demo.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        location = str(path)
    try:
        open_database(location)
        shop = Shop()
        if shop.book.items or shop.book.channels:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "The demo needs a new or empty "
                                             "database, and {location} already holds a shop."),
                           location=location)
        build_catalogue(shop)
    except RendoError as error:
        close_database()
        print(f"rendo: {error_text(error)}", file=sys.stderr)
        return 2
    servers = start_channels(shop)
    customers = Customers([s.url for s in servers], sorted(shop.book.items))
    customers.start()
    try:
        if args.headless:
            return _run_headless(shop, args.seconds)
        from app.ui.app_main import run_gui

        return run_gui(location, shop=shop)
    finally:
        customers.stop()
        for server in servers:
            server.stop()


def _run_headless(shop: Shop, seconds: float | None) -> int:
    from app.services.channel_words import saved_channel_error_words
    from app.services.channels import adapter_for
    from app.sync.channel_runner import ChannelRunner, QueuedEvents

    events = QueuedEvents()
    runner = ChannelRunner(shop, adapter_for, events)  # each shop on its own thread
    ends = time.monotonic() + seconds if seconds else None
    try:
        runner.start()
        while ends is None or time.monotonic() < ends:
            for report in events.take():
                if isinstance(report, Exception):
                    raise report
                error = ", " + saved_channel_error_words(
                    report.channel, report.error_kind, report.error) if report.error else ""
                print(tr("{channel}: orders {orders}, uploaded {uploaded}{error}").format(
                    channel=report.channel, orders=report.orders_applied,
                    uploaded=report.uploaded, error=error), flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
    return 0
