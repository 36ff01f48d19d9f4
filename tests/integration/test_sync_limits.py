"""Channels that misbehave cannot stall, blind or crash the sync (issue 8 items 3, 5, 6, 14):
future order stamps, endless Retry-After, endless order pages, and a quit during a hung call."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.channels.base import ChannelError, ChannelInfo, ChannelLimits, OrderPage
from app.channels.http import HttpClient
from app.channels.sandbox import SandboxChannel
from app.channels.sandbox_server import SandboxServer, SandboxShop
from app.channels.sandbox_shop import format_stamp, parse_stamp
from app.services.channel_sync import choose_first, sync_row
from app.services.channels import channel_info
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.models import ChannelRow, utcnow
from app.sync.engine import SyncEngine
from app.sync.state import MAX_WAIT_S, backoff_delay
from app.sync.worker import SyncThread

from .hostile import HostileServer, drip, headers
from .sync_world import fast_adapter_for

JST_AS_Z = timedelta(hours=9)  # a JST time written with "Z"


@pytest.fixture
def shop(tmp_path):
    open_database(str(tmp_path / "limits.sqlite3"))
    shop = Shop()
    shop.add_item("A")
    shop.adjust("A", "+40")
    yield shop
    close_database()


def connect(shop: Shop, name: str, url: str) -> None:
    shop.add_channel(name, "sandbox", settings={"url": url})
    choose_first(name, "push")


def sandbox_at(servers, sandbox: SandboxShop | None = None) -> tuple[SandboxShop, str]:
    """A sandbox shop listing A at 0 on loopback (tests/conftest.py's ``servers`` stops it)."""
    sandbox = sandbox or SandboxShop()
    sandbox.add_listing("A", 0)
    return sandbox, servers(SandboxServer(sandbox)).url


def buy(sandbox: SandboxShop, quantity: int) -> str:
    return str(sandbox.place_order({"lines": [{"sku": "A", "quantity": quantity}]})["id"])


# -- item 5: the cursor never passes the present ------------------------------------------------
def test_an_order_stamped_in_the_future_does_not_hide_later_orders(shop, servers):
    sandbox, url = sandbox_at(servers)
    connect(shop, "mall", url)
    engine = SyncEngine(shop, fast_adapter_for)
    engine.run_due(force=True)
    assert sandbox.quantity("A") == 40
    buy(sandbox, 1)
    late = sandbox._orders[buy(sandbox, 2)]  # the shop wrote a JST time with "Z"
    late.created_at += JST_AS_Z
    late.updated_at += JST_AS_Z
    engine.run_due(force=True)
    assert shop.book.on_hand["A"] == 37
    cursor = parse_stamp(sync_row(ChannelRow.get(ChannelRow.name == "mall")).cursor)
    assert cursor <= datetime.now(UTC)
    buy(sandbox, 3)  # a normal order after the odd one: it must not be missed
    engine.run_due(force=True)
    assert shop.book.on_hand["A"] == 34
    engine.run_due(force=True)  # the future order is read again, and applied only once
    assert shop.book.on_hand["A"] == 34


def test_a_cursor_left_in_the_future_is_brought_back(shop, servers):
    sandbox, url = sandbox_at(servers)
    connect(shop, "mall", url)
    engine = SyncEngine(shop, fast_adapter_for)
    engine.run_due(force=True)
    row = sync_row(ChannelRow.get(ChannelRow.name == "mall"))
    row.cursor = format_stamp(datetime.now(UTC) + JST_AS_Z)  # written by an earlier version
    row.save()
    buy(sandbox, 5)
    engine.run_due(force=True)
    assert shop.book.on_hand["A"] == 35


def test_the_cursor_stays_behind_this_pcs_clock_when_the_shops_clock_is_ahead(servers):
    sandbox, url = sandbox_at(servers)
    sandbox.set_listing("A", 5)
    sandbox._last = datetime.now(UTC) + JST_AS_Z  # the shop's clock runs 9 hours ahead
    buy(sandbox, 1)
    mine = datetime.now(UTC)
    adapter = SandboxChannel(ChannelInfo("mall", "sandbox", {"url": url}),
                             client=HttpClient(url), clock=lambda: mine)
    page = adapter.read_orders(None, datetime(2000, 1, 1))
    assert len(page.lines) == 1 and parse_stamp(page.next_cursor) == mine


# -- item 6: Retry-After of inf, and --watch --interval -----------------------------------------
@pytest.mark.parametrize("wait", [float("inf"), 99999999999999, 1e300, float("nan")])
def test_the_back_off_is_never_longer_than_an_hour(wait):
    delay = backoff_delay(15, 3, wait)
    assert timedelta(seconds=120) <= delay <= timedelta(seconds=MAX_WAIT_S)


def rate_limited(retry_after: str):
    def behave(handler) -> None:
        headers(handler, status=429, length=0, Retry_After=retry_after)

    return behave


@pytest.mark.parametrize("retry_after", ["inf", "99999999999999", "1e999"])
def test_an_endless_retry_after_fails_the_cycle_plainly_and_waits_an_hour(
    shop, servers, retry_after
):
    hostile = servers(HostileServer(rate_limited(retry_after)))
    connect(shop, "mall", hostile.url)
    engine = SyncEngine(shop, fast_adapter_for)
    [report] = engine.run_due(force=True)
    assert not report.ok and "rate limited (HTTP 429)" in report.error
    row = sync_row(ChannelRow.get(ChannelRow.name == "mall"))
    assert row.failures == 1 and "rate limited" in row.last_error
    assert row.next_sync_at - row.last_sync_at == timedelta(seconds=MAX_WAIT_S)


def test_the_watch_interval_never_overrides_a_channels_retry_after(shop, servers):
    hostile = servers(HostileServer(rate_limited("60")))
    sandbox, url = sandbox_at(servers)
    connect(shop, "slow", hostile.url)
    connect(shop, "mall", url)
    now = [utcnow()]
    engine = SyncEngine(shop, fast_adapter_for, clock=lambda: now[0], interval_s=1)
    ran: list[str] = []
    for _ in range(20):  # 20 s of `rendo sync --watch --interval 1`
        ran += [report.channel for report in engine.run_due()]
        now[0] += timedelta(seconds=1)
    assert hostile.hits == 1 and ran.count("slow") == 1  # it asked for 60 s
    assert ran.count("mall") == 20  # a healthy channel is polled every second
    now[0] += timedelta(seconds=45)
    engine.run_due()
    assert hostile.hits == 2


def test_watch_refuses_an_interval_it_cannot_use(rendo):
    for interval in ("inf", "nan", "0", "-5", "1e9"):
        refused = rendo("sync", "--watch", "--interval", interval)
        assert refused.code == 2, interval
        assert "--interval" in refused.err and len(refused.err_lines) == 1


# -- item 14: endless order pages -----------------------------------------------------------------
class RepeatingShop(SandboxShop):
    """Always the same page, always "has_more"."""

    def orders_page(self, since: datetime | None, page: int) -> dict[str, Any]:
        answer = super().orders_page(None, 1)
        return {**answer, "has_more": True}


class EndlessShop(SandboxShop):
    """A new page of new orders every time, always "has_more"."""

    def orders_page(self, since: datetime | None, page: int) -> dict[str, Any]:
        self._pages = getattr(self, "_pages", 0) + 1
        stamp = format_stamp(datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=self._pages))
        orders = [{"id": f"{self._pages}-{n}", "status": "open", "created_at": stamp,
                   "updated_at": stamp, "lines": [{"line_id": "1", "sku": "ZZ", "quantity": 1}]}
                  for n in range(50)]
        return {"orders": orders, "page": page, "has_more": True,
                "server_time": format_stamp(datetime.now(UTC))}


def test_a_shop_repeating_a_page_is_stopped_and_the_other_channels_still_sync(shop, servers):
    repeating, bad_url = sandbox_at(servers, RepeatingShop())
    repeating.set_listing("A", 5)
    buy(repeating, 1)
    good, good_url = sandbox_at(servers)
    connect(shop, "loop", bad_url)
    connect(shop, "mall", good_url)
    started = time.monotonic()
    reports = {r.channel: r for r in SyncEngine(shop, fast_adapter_for).run_due(force=True)}
    assert time.monotonic() - started < 5
    assert not reports["loop"].ok and "same page of orders" in reports["loop"].error
    assert reports["mall"].ok and good.quantity("A") == 40
    row = sync_row(ChannelRow.get(ChannelRow.name == "loop"))
    assert row.failures == 1 and "same page" in row.last_error


def test_endless_new_pages_are_stopped_by_the_cycle_deadline(shop, servers):
    _, bad_url = sandbox_at(servers, EndlessShop())
    good, good_url = sandbox_at(servers)
    connect(shop, "endless", bad_url)
    connect(shop, "mall", good_url)
    engine = SyncEngine(shop, fast_adapter_for, cycle_deadline_s=1.0)
    started = time.monotonic()
    reports = {r.channel: r for r in engine.run_due(force=True)}
    assert time.monotonic() - started < 4
    assert not reports["endless"].ok and "time allowed for one sync cycle" in (
        reports["endless"].error)
    assert reports["mall"].ok and good.quantity("A") == 40


class StuckCursor:
    """An adapter whose order cursor never moves while it says there is more."""

    limits = ChannelLimits()

    def __init__(self, row: ChannelRow) -> None:
        self.info = channel_info(row)
        self.reads = 0

    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        self.reads += 1
        return OrderPage([], "c1", more=True)

    def set_quantities(self, updates):  # pragma: no cover - never reached
        return []

    def read_quantities(self) -> dict[str, int]:
        return {}

    def test_connection(self) -> None:
        return None

    def set_deadline(self, deadline: float | None) -> None:
        return None

    def cancel(self) -> None:
        return None


def test_a_cursor_that_does_not_advance_stops_the_read(shop):
    connect(shop, "stuck", "https://stuck.example")
    adapters: list[StuckCursor] = []

    def factory(row: ChannelRow) -> StuckCursor:
        adapters.append(StuckCursor(row))
        return adapters[-1]

    [report] = SyncEngine(shop, factory).run_due(force=True)
    assert not report.ok and "cursor does not move" in report.error
    assert adapters[0].reads == 2


# -- item 3: quitting during a call that never ends --------------------------------------------
def patient_adapter_for(row: ChannelRow) -> SandboxChannel | None:
    """Real-life timeouts: 10 s per read, a minute per call."""
    info = channel_info(row)
    client = HttpClient(str(info.settings["url"]), timeout=(3.05, 10), max_retries=4)
    return SandboxChannel(info, client=client)


def test_the_sync_thread_stops_within_seconds_during_a_dripping_answer(shop, servers, qtbot):
    hostile = servers(HostileServer(drip(every_s=0.1, total=100)))
    connect(shop, "drip", hostile.url)
    sync = SyncThread(shop, patient_adapter_for)
    sync.start()
    assert hostile.asked.wait(10)  # the worker is inside the call now
    started = time.monotonic()
    assert sync.stop()
    assert time.monotonic() - started < 2.0
    assert not sync.thread.isRunning()
    row = sync_row(ChannelRow.get(ChannelRow.name == "drip"))
    assert row.failures == 0 and row.last_error == ""  # quitting is not the channel's fault


def test_a_cancelled_engine_starts_no_channel(shop, servers):
    sandbox, url = sandbox_at(servers)
    connect(shop, "mall", url)
    engine = SyncEngine(shop, fast_adapter_for)
    engine.cancel()
    assert engine.run_due(force=True) == []
    assert sandbox.quantity("A") == 0
    with pytest.raises(ChannelError):
        adapter = fast_adapter_for(ChannelRow.get(ChannelRow.name == "mall"))
        adapter.cancel()
        adapter.read_quantities()


def test_an_address_saved_before_the_policy_fails_that_channel_plainly(shop, servers):
    sandbox, url = sandbox_at(servers)
    connect(shop, "old", url)
    connect(shop, "mall", url)
    old = ChannelRow.get(ChannelRow.name == "old")
    old.settings = {"url": url.replace("http://", "http://shop:hunter2@")}
    old.save()
    reports = {r.channel: r for r in SyncEngine(shop, fast_adapter_for).run_due(force=True)}
    assert not reports["old"].ok and "user name or password" in reports["old"].error
    assert "hunter2" not in reports["old"].error
    assert reports["mall"].ok and sandbox.quantity("A") == 40
    assert sync_row(old).failures == 1
