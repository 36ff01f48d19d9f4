"""The sync keeps going when one channel answers nonsense, never drops an order it cannot
apply, respects a channel's wait after local changes, and never hands a token to a proxy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from app.channels.http import HttpClient
from app.channels.sandbox_server import SandboxServer, SandboxShop
from app.services.channel_sync import choose_first, sync_row
from app.services.orders import unmatched_lines
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.models import ChannelRow, ListingRow
from app.sync.engine import SyncEngine

from .hostile import HostileServer, headers
from .sync_world import fast_adapter_for

pytestmark = pytest.mark.databases("sqlite", "postgresql")


class GarbledShop(SandboxShop):
    """A shop whose order pages carry a time no one can read (a number, not a stamp)."""

    def orders_page(self, since: datetime | None, page: int) -> dict[str, Any]:
        answer = super().orders_page(since, page)
        for order in answer["orders"]:
            order["updated_at"] = 5
        return answer


@pytest.fixture
def shop(db_path):
    open_database(db_path)
    shop = Shop()
    shop.add_item("A")
    shop.adjust("A", "+10")
    yield shop
    close_database()


def stocked(sandbox: SandboxShop) -> SandboxShop:
    sandbox.add_listing("A", 0)
    return sandbox


def test_a_garbled_answer_fails_that_channel_alone_and_it_backs_off(shop):
    garbled, sound = stocked(GarbledShop()), stocked(SandboxShop())
    with SandboxServer(garbled) as bad, SandboxServer(sound) as good:
        shop.add_channel("bad", "sandbox", settings={"url": bad.url})
        shop.add_channel("good", "sandbox", settings={"url": good.url})
        for name in ("bad", "good"):
            choose_first(name, "push")
        engine = SyncEngine(shop, fast_adapter_for)
        engine.run_due(force=True)  # both stocked: 10
        garbled.place_order({"lines": [{"sku": "A", "quantity": 1}]})
        sound.place_order({"lines": [{"sku": "A", "quantity": 2}]})
        reports = {r.channel: r for r in engine.run_due(force=True)}
    assert not reports["bad"].ok and "not readable" in reports["bad"].error
    assert reports["good"].ok, reports["good"].error
    assert shop.book.on_hand["A"] == 8  # the sound channel's order went through
    state = sync_row(ChannelRow.get(ChannelRow.name == "bad"))
    assert state.failures == 1 and state.next_sync_at > state.last_sync_at  # backs off
    assert engine.waiting("bad")


def test_an_adapter_failing_unforeseen_fails_that_channel_alone(shop):
    """Whatever an adapter raises (a bug, an answer no one foresaw), the other channels sync
    and the failing one backs off, instead of every channel stopping."""
    sound = stocked(SandboxShop())

    def adapter_for(row):
        adapter = fast_adapter_for(row)
        if row.name == "bad":
            def broken(cursor, since):
                raise ZeroDivisionError("a bug in reading this channel's answer")
            adapter.read_orders = broken
        return adapter

    with SandboxServer(stocked(SandboxShop())) as bad, SandboxServer(sound) as good:
        shop.add_channel("bad", "sandbox", settings={"url": bad.url})
        shop.add_channel("good", "sandbox", settings={"url": good.url})
        for name in ("bad", "good"):
            choose_first(name, "push")
        reports = {r.channel: r for r in SyncEngine(shop, adapter_for).run_due(force=True)}
    assert not reports["bad"].ok and "could not be used (ZeroDivisionError)" in (
        reports["bad"].error)
    assert reports["good"].ok and sound.quantity("A") == 10
    assert sync_row(ChannelRow.get(ChannelRow.name == "bad")).failures == 1


def test_uploads_after_a_local_change_wait_for_a_channel_that_backs_off(shop):
    sandbox = stocked(SandboxShop())
    with SandboxServer(sandbox) as server:
        shop.add_channel("mall", "sandbox", settings={"url": server.url})
        choose_first("mall", "push")
        engine = SyncEngine(shop, fast_adapter_for)
        engine.run_due(force=True)
        assert sandbox.quantity("A") == 10
        state = sync_row(ChannelRow.get(ChannelRow.name == "mall"))
        state.failures, state.next_sync_at = 1, datetime(2999, 1, 1)  # Retry-After of ages
        state.save()
        shop.adjust("A", "+5")
        report = engine.upload_only("mall")
    assert report.ok and report.uploaded == 0
    assert sandbox.quantity("A") == 10  # not called while it asked to wait


def test_an_order_that_cannot_be_applied_is_kept_not_dropped(shop, monkeypatch):
    from app.domain.errors import BadInput
    from app.domain.orders import OrderLine
    from app.services import orders

    shop.add_channel("mall")

    def refuse(*args, **kwargs):
        raise BadInput("Something about {code} Rendo cannot apply.", code="A")

    monkeypatch.setattr(orders, "_apply_line", refuse)
    line = OrderLine(channel="mall", order_id="O-1", line_id="1", channel_item_id="A",
                     quantity=1)
    outcome = orders.apply_order(shop, [line])
    assert outcome.refused == 1
    (kept,) = unmatched_lines()
    assert (kept.order_id, kept.line_id) == ("O-1", "1")
    assert str(orders.line_problem(kept)) == "Something about A Rendo cannot apply."
    assert shop.book.on_hand["A"] == 10


def test_a_token_never_goes_through_the_environments_proxy(monkeypatch):
    calls: list[str] = []

    def proxy(handler):
        calls.append(handler.path)
        headers(handler, 502, length=0)

    def shop_answer(handler):
        headers(handler, 200, length=2)
        handler.wfile.write(b"{}")

    with HostileServer(proxy) as fake_proxy, HostileServer(shop_answer) as channel:
        monkeypatch.setenv("http_proxy", fake_proxy.url)
        monkeypatch.setenv("HTTP_PROXY", fake_proxy.url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        client = HttpClient(channel.url, token_getter=lambda: "secret-token")
        try:
            status, _ = client.request("GET", "/listings")
        finally:
            client.close()
    assert status == 200
    assert calls == []  # the proxy saw nothing, token included
    assert channel.hits == 1


def test_an_order_uses_the_set_recipe_another_process_just_changed(shop):
    from app.domain.orders import OrderLine
    from app.services import orders

    shop.add_item("B")
    shop.adjust("B", "+10")
    shop.define_set("GIFT", [("A", 1)])
    shop.add_channel("mall")
    assert shop.book.components["GIFT"] == (("A", 1),)  # this process has the old recipe
    Shop().define_set("GIFT", [("B", 2)])  # another window or command changes it
    orders.apply_order(shop, [OrderLine("mall", "O-1", "1", "GIFT", 1)])
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (10, 8)


def test_sync_once_exits_3_when_a_channel_fails(rendo):
    assert rendo("item", "add", "A").code == 0
    assert rendo("channel", "add", "gone", "--type", "sandbox", "--url", "http://127.0.0.1:9",
                 "--first", "push").code == 0
    run = rendo("sync", "--once")
    assert run.code == 3  # an unreachable channel: the environment, not "check found a problem"
    assert "gone" in run.out


def test_a_cancellation_and_a_new_order_around_the_read_back_are_no_change_by_hand(shop):
    """A cancellation puts a unit back on the channel just before the read-back, a new order
    takes one just after: both are read right after it, so the belief ends where it was
    while the channel showed one more. That is not a change by hand."""
    from datetime import timedelta

    sandbox = stocked(SandboxShop())
    stage: list[str] = []  # what the channel does next, around the cycle's own calls
    with SandboxServer(sandbox) as server:
        shop.add_channel("mall", "sandbox", settings={"url": server.url})
        choose_first("mall", "push")

        def adapter_for(row):
            adapter = fast_adapter_for(row)
            read_orders, read_quantities = adapter.read_orders, adapter.read_quantities

            def orders_then_a_cancellation(cursor, since):
                page = read_orders(cursor, since)
                if stage == ["cancel"]:
                    sandbox.cancel_order(first)  # the channel puts the unit back: 10
                    stage[:] = ["order"]
                return page

            def read_then_an_order_arrives():
                shown = read_quantities()
                if stage == ["order"]:
                    sandbox.place_order({"lines": [{"sku": "A", "quantity": 1}]})
                    stage.clear()
                return shown

            adapter.read_orders = orders_then_a_cancellation
            adapter.read_quantities = read_then_an_order_arrives
            return adapter

        engine = SyncEngine(shop, adapter_for, drift_every=timedelta(0), push_on_change=False)
        engine.run_due(force=True)
        first = str(sandbox.place_order({"lines": [{"sku": "A", "quantity": 1}]})["id"])
        engine.run_due(force=True)  # the order applied: the channel shows 9, as believed
        assert sandbox.quantity("A") == 9
        stage.append("cancel")
        (report,) = engine.run_due(force=True)
    assert stage == []  # the channel did both, around the read-back
    assert report.drift == []
    assert [r.drift_qty for r in ListingRow.select()] == [None]
    assert shop.book.on_hand["A"] == 9 and sandbox.quantity("A") == 9


def test_a_sync_row_another_process_made_a_moment_ago_is_taken_not_a_crash(shop, monkeypatch):
    from app.services import channel_sync
    from app.store.models import ChannelSyncRow

    shop.add_channel("mall")
    channel = ChannelRow.get(ChannelRow.name == "mall")
    made = channel_sync.sync_row(channel)  # …by the other process
    # this process looked a moment before: it saw no row
    monkeypatch.setattr(ChannelSyncRow, "get_or_none", classmethod(lambda cls, *a: None))
    assert channel_sync.sync_row(channel).id == made.id


def test_a_listing_another_sync_found_first_keeps_its_belief(shop, sandbox):
    server = sandbox({"A": 4})
    shop.add_channel("mall", "sandbox", settings={"url": server.url})
    channel = ChannelRow.get(ChannelRow.name == "mall")
    engine = SyncEngine(shop, fast_adapter_for)
    assert engine._new_listing(channel, "A", 4) is True
    assert engine._new_listing(channel, "A", 7) is False  # no IntegrityError
    assert [r.believed_qty for r in ListingRow.select()] == [4]


@pytest.mark.databases("sqlite")  # SQLite's own check of its file
def test_a_sync_writes_nothing_to_a_damaged_database(rendo, db_path, sandbox, monkeypatch):
    import hashlib
    from pathlib import Path

    from app.store import database

    server = sandbox({"A": 0})
    for args in (("item", "add", "A"), ("adjust", "A", "+3"),
                 ("channel", "add", "mall", "--type", "sandbox", "--url", server.url,
                  "--first", "push")):
        assert rendo(*args).code == 0
    before = hashlib.sha256(Path(db_path).read_bytes()).hexdigest()
    monkeypatch.setattr(database, "quick_check", lambda _db: ["simulated damage"])
    run = rendo("sync", "--once")
    assert run.code == 3 and "damaged" in run.err
    assert hashlib.sha256(Path(db_path).read_bytes()).hexdigest() == before
    assert server.shop.quantity("A") == 0  # nothing was pushed from a damaged shop either


def test_a_belief_below_zero_is_settled_by_what_the_channel_shows_not_called_a_change(shop):
    """Orders counted down from a number a lost write had already replaced can leave Rendo
    believing the channel shows -2. No channel shows that: the read-back takes its number
    (and the upload then sets it right), instead of reporting a change by hand."""
    from datetime import timedelta

    sandbox = stocked(SandboxShop())
    with SandboxServer(sandbox) as server:
        shop.add_channel("mall", "sandbox", settings={"url": server.url})
        choose_first("mall", "push")
        engine = SyncEngine(shop, fast_adapter_for, drift_every=timedelta(0))
        engine.run_due(force=True)
        assert sandbox.quantity("A") == 10
        listing = ListingRow.get()
        listing.believed_qty, listing.pending = -2, []
        listing.save()
        sandbox.set_listing("A", 0)  # what the channel really shows
        (report,) = engine.run_due(force=True)
    assert report.drift == []
    row = ListingRow.get()
    assert row.drift_qty is None and row.believed_qty == 10
    assert sandbox.quantity("A") == 10  # set right by compare-and-set against 0
