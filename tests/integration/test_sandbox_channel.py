"""SandboxChannel, the adapter, against a real sandbox shop on loopback."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import requests

from app.channels.base import (
    ChannelAdapter,
    ChannelError,
    ChannelInfo,
    ErrorKind,
    QuantityUpdate,
    UpdateStatus,
)
from app.channels.http import HttpClient
from app.channels.sandbox import SandboxChannel
from app.channels.sandbox_server import SandboxShop
from app.channels.sandbox_shop import parse_stamp

LONG_AGO = datetime(2000, 1, 1)


@pytest.fixture
def shop() -> SandboxShop:
    shop = SandboxShop()
    for sku, quantity in {"A": 10, "B": 5, "007": 3}.items():
        shop.add_listing(sku, quantity)
    return shop


@pytest.fixture
def server(shop, sandbox):
    return sandbox(shop=shop)


def channel(server, token=None, **options) -> SandboxChannel:
    options = {"timeout": (0.5, 0.5), "max_retries": 2, "backoff_base": 0.001,
               "max_backoff": 0.01, "sleep": lambda s: None, **options}
    client = HttpClient(server.url, token_getter=lambda: token, **options)
    return SandboxChannel(ChannelInfo("mall", "sandbox", {"url": server.url}), client=client)


def buy(server, *lines) -> dict:
    answer = requests.post(f"{server.url}/api/orders", timeout=5,
                           json={"lines": [{"sku": s, "quantity": q} for s, q in lines]})
    assert answer.status_code == 201, answer.text
    return answer.json()


def post(server, path, body=None) -> requests.Response:
    return requests.request("PATCH" if body else "POST", f"{server.url}{path}", json=body,
                            timeout=5)


def test_it_is_a_channel_adapter_with_the_sandbox_limits(server):
    adapter: ChannelAdapter = channel(server)
    limits = adapter.limits
    assert (limits.batch_size, limits.compare_and_set, limits.unlimited_quantity,
            limits.maximum_quantity, limits.requests_per_second) == (100, True, 9999, 99999, 10)
    assert limits.restocks_on_cancel  # the shop puts cancelled units back itself


def test_a_default_client_comes_from_the_settings_url_and_token(shop, sandbox):
    server = sandbox(shop=shop, token="k")
    info = ChannelInfo("mall", "sandbox", {"url": server.url})
    SandboxChannel(info, token="k").test_connection()
    with pytest.raises(ChannelError, match="authentication failed"):
        SandboxChannel(info, token="wrong").test_connection()
    with pytest.raises(ValueError):
        SandboxChannel(ChannelInfo("far", "sandbox", {"url": "http://example.com"}))


def test_read_orders_gives_one_line_per_order_line(server):
    placed = buy(server, ("A", 2), ("007", 1))
    page = channel(server).read_orders(None, LONG_AGO)
    assert not page.more
    assert [(x.channel, x.order_id, x.line_id, x.channel_item_id, x.quantity, x.cancelled)
            for x in page.lines] == [("mall", placed["id"], "1", "A", 2, False),
                                     ("mall", placed["id"], "2", "007", 1, False)]
    placed_at = page.lines[0].placed_at
    assert placed_at is not None and placed_at.tzinfo is None
    assert placed_at == parse_stamp(placed["created_at"]).replace(tzinfo=None)
    assert page.next_cursor == placed["updated_at"]


def test_the_cursor_with_overlap_returns_changed_and_cancelled_orders_again(server):
    adapter = channel(server)
    first, second = buy(server, ("A", 1)), buy(server, ("B", 2))
    cursor = adapter.read_orders(None, LONG_AGO).next_cursor
    post(server, f"/api/orders/{first['id']}/cancel")
    post(server, f"/api/orders/{second['id']}", {"lines": [{"line_id": "1", "quantity": 1}]})
    page = adapter.read_orders(cursor, LONG_AGO)
    seen = {(x.order_id, x.quantity, x.cancelled) for x in page.lines}
    assert seen == {(first["id"], 1, True), (second["id"], 1, False)}
    assert page.next_cursor > cursor
    # within the overlap, unchanged orders come again: the engine's idempotency key dedups
    third = buy(server, ("007", 1))
    again = adapter.read_orders(page.next_cursor, LONG_AGO)
    assert {x.order_id for x in again.lines} == {first["id"], second["id"], third["id"]}


def test_without_overlap_only_orders_from_the_cursor_on_come(server):
    adapter = channel(server)
    adapter.limits = dataclasses.replace(adapter.limits, order_overlap_s=0)
    buy(server, ("A", 1))
    cursor = adapter.read_orders(None, LONG_AGO).next_cursor
    later = buy(server, ("B", 1))
    page = adapter.read_orders(cursor, LONG_AGO)
    assert [x.order_id for x in page.lines] == ["1", later["id"]]  # updated_since is inclusive
    quiet = adapter.read_orders(page.next_cursor, LONG_AGO)
    assert [x.order_id for x in quiet.lines] == [later["id"]]


def test_no_orders_moves_the_cursor_to_the_shops_time(server):
    before = datetime.now(UTC)
    page = channel(server).read_orders(None, datetime.now(UTC).replace(tzinfo=None))
    assert page.lines == [] and parse_stamp(page.next_cursor) >= before


def test_orders_before_since_minus_overlap_are_not_read(server, shop):
    buy(server, ("A", 1))
    adapter = channel(server)
    since = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=adapter.limits.
                                                                order_overlap_s + 5)
    assert adapter.read_orders(None, since).lines == []
    assert len(adapter.read_orders(None, since - timedelta(seconds=10)).lines) == 1


def test_every_page_is_read_in_one_call(server, shop):
    shop.set_listing("A", 1000)
    ids = [buy(server, ("A", 1))["id"] for _ in range(120)]
    adapter = channel(server)
    page = adapter.read_orders(None, LONG_AGO)
    assert [x.order_id for x in page.lines] == ids and not page.more
    assert adapter.client.calls == 3  # 50 + 50 + 20


def test_a_bad_cursor_falls_back_to_since(server):
    buy(server, ("A", 1))
    assert len(channel(server).read_orders("garbage", LONG_AGO).lines) == 1


def test_read_orders_survives_passing_faults_and_fails_plainly_when_they_last(server):
    buy(server, ("A", 1))
    server.faults.configure({"error_rate": 0.5, "seed": 4})
    assert len(channel(server, max_retries=8).read_orders(None, LONG_AGO).lines) == 1
    server.faults.configure({"error_rate": 1.0})
    with pytest.raises(ChannelError, match="HTTP 500"):
        channel(server).read_orders(None, LONG_AGO)


def test_set_quantities_reports_per_listing(server, shop):
    buy(server, ("B", 1))  # B is 4 now, though we believe 5
    results = channel(server).set_quantities([
        QuantityUpdate("A", 7, expected=10),
        QuantityUpdate("B", 9, expected=5),
        QuantityUpdate("GONE", 1),
        QuantityUpdate("007", 100_000),
        QuantityUpdate("007", -1),
        QuantityUpdate("A", 8, expected=-2),  # a stale belief: a conflict with the real number
        # a conflict, even where it shows what we want: only the engine knows whether an
        # unread order or our own lost write put that number there
        QuantityUpdate("A", 7, expected=3),
    ])
    assert [(r.channel_item_id, r.status, r.quantity) for r in results] == [
        ("A", UpdateStatus.OK, 7),
        ("B", UpdateStatus.CONFLICT, 4),
        ("GONE", UpdateStatus.REJECTED, None),
        ("007", UpdateStatus.REJECTED, 3),
        ("007", UpdateStatus.REJECTED, None),
        ("A", UpdateStatus.CONFLICT, 7),
        ("A", UpdateStatus.CONFLICT, 7),
    ]
    assert "GONE" in results[2].message and "99999" in results[3].message
    assert "negative" in results[4].message
    assert shop.listings() == {"A": 7, "B": 4, "007": 3}


def test_set_quantities_splits_batches_of_100(server, shop):
    for n in range(150):
        shop.add_listing(f"S{n:03}", 0)
    adapter = channel(server)
    results = adapter.set_quantities([QuantityUpdate(f"S{n:03}", n) for n in range(150)])
    assert all(r.status is UpdateStatus.OK for r in results) and len(results) == 150
    assert adapter.client.calls == 2 and shop.quantity("S149") == 149


def test_a_failed_call_makes_every_listing_retry_and_changes_nothing(server, shop):
    server.faults.configure({"error_rate": 1.0})
    results = channel(server).set_quantities([QuantityUpdate("A", 1), QuantityUpdate("B", 1)])
    assert [r.status for r in results] == [UpdateStatus.RETRY, UpdateStatus.RETRY]
    assert "HTTP 500" in results[0].message
    assert shop.listings() == {"A": 10, "B": 5, "007": 3}


def test_timeouts_on_upload_become_retry(server, shop):
    server.faults.configure({"timeout_rate": 1.0, "timeout_s": 0.5})
    adapter = channel(server, timeout=(0.3, 0.3), max_retries=0)
    results = adapter.set_quantities([QuantityUpdate("A", 1)])
    assert results[0].status is UpdateStatus.RETRY and "no answer" in results[0].message
    server.faults.configure({})
    assert shop.quantity("A") == 10


def test_read_quantities_and_test_connection(server, shop):
    adapter = channel(server)
    assert adapter.read_quantities() == {"007": 3, "A": 10, "B": 5}
    adapter.test_connection()
    server.stop()
    with pytest.raises(ChannelError, match="connection"):
        adapter.test_connection()


def test_a_wrong_token_stops_an_upload_as_refused_credentials_with_a_plain_message(
        shop, sandbox):
    server = sandbox(shop=shop, token="right")
    with pytest.raises(ChannelError) as refused:
        channel(server, token="wrong-token").set_quantities([QuantityUpdate("A", 1)])
    assert refused.value.kind is ErrorKind.AUTHENTICATION and refused.value.stops_channel
    assert "authentication failed" in str(refused.value)
    assert "wrong-token" not in str(refused.value)
