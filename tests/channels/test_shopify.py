"""The Shopify adapter against the Shopify double (tests/doubles/shopify.py) over real HTTP:
paging, batches of 250, compare-and-set, throttling on a simulated clock, a revoked token,
orders with refunds and cancellations, and one order on Shopify taking stock everywhere."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.channels.base import (
    ChannelError,
    ChannelInfo,
    ErrorKind,
    MemoryCredentials,
    QuantityUpdate,
    UpdateStatus,
)
from app.channels.http import HttpClient
from app.channels.registry import channel_type
from app.channels.shopify import API_VERSION, ShopifyChannel
from app.services.channel_sync import choose_first
from app.services.channels import adapter_for
from app.sync.engine import SyncEngine
from tests.doubles.shopify import ShopifyDouble, make_double

EPOCH = 1_796_000_000.0  # 2026-11-30, the simulated clock's start


class SimClock:
    """Simulated time shared by the double and the adapter: waiting advances it at once."""

    def __init__(self, start: float = EPOCH) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += max(0.0, seconds)

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


@pytest.fixture
def sim() -> SimClock:
    return SimClock()


@pytest.fixture
def start(servers: Callable[[Any], Any], sim: SimClock) -> Callable[..., ShopifyDouble]:
    """``start(**options)``: a Shopify double on the simulated clock, stopped after the test."""

    def run(**options: Any) -> ShopifyDouble:
        double: ShopifyDouble = servers(ShopifyDouble(clock=sim.now, **options))
        return double

    return run


@pytest.fixture
def double(start: Callable[..., ShopifyDouble]) -> ShopifyDouble:
    return start()


def connect(double: ShopifyDouble, sim: SimClock, **settings: str) -> ShopifyChannel:
    info = ChannelInfo("shopify", "shopify", {"url": double.url, **settings})
    client = HttpClient(double.url, timeout=(2, 5), max_retries=1, backoff_base=0.01,
                        max_backoff=0.05, sleep=sim.sleep)
    return ShopifyChannel(info, MemoryCredentials(double.credentials), client=client,
                          clock=sim.now, now=sim.utc)


def mutations(double: ShopifyDouble) -> list[dict[str, Any]]:
    return [body for body in double.bodies if body["query"].lstrip().startswith("mutation")]


# -- the channel type ----------------------------------------------------------------------
def test_the_channel_type_asks_for_the_shops_address_a_token_and_optionally_a_location():
    record = channel_type("shopify")
    assert record is not None and record.synced
    assert record.default_url is None  # the shop's own https://SHOP.myshopify.com
    assert [f.key for f in record.credentials] == ["access_token"]
    help_text = record.credentials[0].help
    for scope in ("read_inventory", "write_inventory", "read_orders", "read_locations",
                  "read_products"):
        assert scope in help_text
    assert [(f.key, f.required) for f in record.settings] == [("location", False)]
    assert record.limits.compare_and_set and record.limits.batch_size == 250
    assert API_VERSION >= "2026-04"  # changeFromQuantity and @idempotent are mandatory


# -- reading ---------------------------------------------------------------------------------
def test_every_variant_with_a_sku_is_read_page_by_page_past_250(double, sim):
    for n in range(600):
        double.add_listing(f"SKU{n:04d}", n % 13)
    shown = connect(double, sim).read_quantities()
    assert len(shown) == 600
    assert shown["SKU0000"] == 0 and shown["SKU0599"] == 599 % 13
    pages = [b for b in double.bodies if "inventoryItems" in b["query"]]
    assert len(pages) == 3
    assert all(b["variables"]["first"] <= 250 for b in pages)
    assert pages[1]["variables"]["after"]  # the cursor of the page before
    assert all(path == f"/admin/api/{API_VERSION}/graphql.json" for _, path in double.calls)


def test_a_named_location_is_read_instead_of_the_primary_one(double, sim):
    warehouse = double.shop.add_location("Tokyo warehouse")
    double.add_listing("A", 3)
    double.add_listing("A", 40, location=warehouse)
    double.add_listing("B", 5)  # not stocked at the warehouse: not a listing there
    assert connect(double, sim).read_quantities() == {"A": 3, "B": 5}
    assert connect(double, sim, location="tokyo WAREHOUSE").read_quantities() == {"A": 40}
    by_id = connect(double, sim, location=warehouse.rsplit("/", 1)[1])
    assert by_id.read_quantities() == {"A": 40}


def test_a_variant_that_does_not_track_quantity_is_not_a_listing(double, sim):
    double.add_listing("A", 3)
    double.add_unmanaged_listing("U")
    adapter = connect(double, sim)
    assert adapter.read_quantities() == {"A": 3}
    [result] = adapter.set_quantities([QuantityUpdate("U", 4, 0)])
    assert result.status is UpdateStatus.UNUSABLE


# -- writing ---------------------------------------------------------------------------------
def test_a_batch_above_250_goes_in_mutations_of_250_with_compare_and_set(double, sim):
    for n in range(600):
        double.add_listing(f"SKU{n:04d}", 1)
    adapter = connect(double, sim)
    results = adapter.set_quantities(
        [QuantityUpdate(f"SKU{n:04d}", 7, expected=1) for n in range(600)])
    assert [r.status for r in results] == [UpdateStatus.OK] * 600
    assert [r.channel_item_id for r in results] == [f"SKU{n:04d}" for n in range(600)]
    assert {double.quantity(f"SKU{n:04d}") for n in range(600)} == {7}
    sent = mutations(double)
    assert [len(m["variables"]["input"]["quantities"]) for m in sent] == [250, 250, 100]
    for body in sent:
        assert "@idempotent(key: $idempotencyKey)" in body["query"]
        assert body["variables"]["idempotencyKey"]
        assert body["variables"]["input"]["name"] == "available"
        assert {q["changeFromQuantity"] for q in body["variables"]["input"]["quantities"]} == {1}
    assert len({m["variables"]["idempotencyKey"] for m in sent}) == 3


def test_a_number_changed_on_shopify_meanwhile_is_a_conflict_and_not_overwritten(double, sim):
    for sku in ("A", "B", "C"):
        double.add_listing(sku, 10)
    adapter = connect(double, sim)
    assert adapter.read_quantities() == {"A": 10, "B": 10, "C": 10}
    double.place_order([("B", 2)])  # a customer bought two while Rendo was computing
    results = adapter.set_quantities([QuantityUpdate(s, 6, expected=10) for s in "ABC"])
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.CONFLICT,
                                           UpdateStatus.OK]
    assert (double.quantity("A"), double.quantity("B"), double.quantity("C")) == (6, 8, 6)
    stale = [m for m in mutations(double)
             if len(m["variables"]["input"]["quantities"]) == 3]
    assert len(stale) == 1  # refused whole: the two others were sent again without B


def test_an_unknown_sku_is_rejected_and_the_others_are_written(double, sim):
    double.add_listing("A", 1)
    double.add_listing("B", 1)
    results = connect(double, sim).set_quantities(
        [QuantityUpdate("A", 5, 1), QuantityUpdate("GHOST", 5, 0), QuantityUpdate("B", 4, 1)])
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.REJECTED,
                                           UpdateStatus.OK]
    assert "GHOST" in results[1].message
    assert (double.quantity("A"), double.quantity("B")) == (5, 4)


def test_a_listing_shopify_never_lets_rendo_set_is_unusable_alone(double, sim):
    """NON_MUTABLE_INVENTORY_ITEM (a bundle): suspended at once, not refused and looked up
    again every cycle."""
    double.add_listing("A", 1)
    double.add_listing("BUNDLE", 1)
    double.refuse_writes("BUNDLE")
    results = connect(double, sim).set_quantities(
        [QuantityUpdate("BUNDLE", 5, 1), QuantityUpdate("A", 5, 1)])
    assert [r.status for r in results] == [UpdateStatus.UNUSABLE, UpdateStatus.OK]
    assert "NON_MUTABLE_INVENTORY_ITEM" in results[0].message
    assert (double.quantity("BUNDLE"), double.quantity("A")) == (1, 5)


def test_a_write_is_sent_once_even_when_its_answer_is_lost_and_it_is_resent(double, sim):
    """The idempotency key makes Shopify answer a resent mutation without applying it
    twice (here the same body is posted again, as the HTTP client does after a timeout)."""
    double.add_listing("A", 1)
    connect(double, sim).set_quantities([QuantityUpdate("A", 5, 1)])
    [body] = mutations(double)
    double.set_quantity("A", 3)  # then an order or a hand edit
    import requests

    again = requests.post(f"{double.url}/admin/api/{API_VERSION}/graphql.json", json=body,
                          headers={"X-Shopify-Access-Token": double.token}, timeout=5).json()
    assert again["data"]["inventorySetQuantities"]["userErrors"] == []
    assert double.quantity("A") == 3


# -- throttling ------------------------------------------------------------------------------
def test_the_query_cost_is_kept_under_the_bucket_by_waiting_for_its_restore(start, sim):
    double = start(bucket_size=1000.0, restore_rate=50.0)
    for n in range(1000):
        double.add_listing(f"SKU{n:04d}", 2)
    adapter = connect(double, sim)
    assert len(adapter.read_quantities()) == 1000
    assert double.throttled_answers == 0  # it never asked for more than the bucket held
    assert sum(sim.slept) > 10  # it waited (simulated) for the restore instead
    budget = adapter.budget()
    assert budget is not None and budget.unit == "points" and budget.capacity == 1000.0
    assert 0 <= budget.remaining <= 1000.0


def test_throttled_answers_are_waited_out_and_sent_again(double, sim):
    double.add_listing("A", 3)
    adapter = connect(double, sim)
    adapter.read_quantities()
    double.throttle(2)
    calls = len(double.calls)
    assert adapter.read_quantities() == {"A": 3}
    assert len(double.calls) - calls == 3 and double.throttled_answers == 2


def test_a_throttled_answer_with_http_429_is_waited_out_from_the_bucket_and_retry_after(
        start, sim):
    """429 is read by the adapter (bucket, Retry-After), not retried blindly by the client."""
    double = start(throttled_status=429, retry_after="2")
    double.add_listing("A", 3)
    adapter = connect(double, sim)
    adapter.read_quantities()
    double.throttle(2)
    double.available = 40.0  # the first 429 reports an almost empty bucket
    calls, slept = len(double.calls), len(sim.slept)
    assert adapter.read_quantities() == {"A": 3}
    assert len(double.calls) - calls == 3 and double.throttled_answers == 2
    cost = adapter.api.costs["RendoItems/752"]
    # first the restore its throttleStatus needs, then (bucket full) the Retry-After; never
    # the HTTP client's quick back-off
    assert sim.slept[slept:] == [pytest.approx((cost + 1 - 40) / 100, abs=0.1), 2.0]


def test_a_429_asking_a_long_wait_is_rate_limited_with_that_wait(start, sim):
    double = start(throttled_status=429, retry_after="120")
    double.add_listing("A", 3)
    adapter = connect(double, sim)
    double.throttle(1)
    with pytest.raises(ChannelError) as caught:
        adapter.read_quantities()
    assert caught.value.kind is ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == pytest.approx(120)
    assert len(double.calls) == 1  # not sent again by the HTTP client


def test_a_channel_that_keeps_throttling_is_rate_limited_with_a_wait(double, sim):
    double.add_listing("A", 3)
    adapter = connect(double, sim)
    double.throttle(50)
    with pytest.raises(ChannelError) as caught:
        adapter.read_quantities()
    assert caught.value.kind is ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None and caught.value.retry_after > 0
    assert len(double.calls) <= 6  # gave up, not hammering


def test_a_wait_longer_than_the_cycle_allows_is_left_to_the_engine(start, sim):
    double = start(bucket_size=1000.0, restore_rate=1.0)
    for n in range(600):
        double.add_listing(f"SKU{n:04d}", 2)
    adapter = connect(double, sim)
    with pytest.raises(ChannelError) as caught:
        adapter.read_quantities()  # the second page would need 500 s of restore
    assert caught.value.kind is ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None and caught.value.retry_after > 60
    assert double.throttled_answers == 0


# -- credentials -----------------------------------------------------------------------------
def test_a_revoked_token_stops_the_channel_and_names_what_to_renew(double, sim):
    double.add_listing("A", 3)
    adapter = connect(double, sim)
    adapter.read_quantities()
    double.revoke_credentials()
    for call in (adapter.read_quantities, lambda: adapter.read_orders(None, sim.utc()),
                 lambda: adapter.set_quantities([QuantityUpdate("A", 1, 3)])):
        with pytest.raises(ChannelError) as caught:
            call()
        assert caught.value.kind is ErrorKind.AUTHENTICATION and caught.value.stops_channel
        assert caught.value.renew == ("access_token",)
        assert double.token not in str(caught.value)
    double.expire_access_token()  # custom-app tokens do not expire: nothing changes


def test_test_connection_names_a_missing_scope_and_an_unknown_location(double, sim):
    connect(double, sim).test_connection()
    with pytest.raises(ChannelError) as caught:
        connect(double, sim, location="Osaka").test_connection()
    assert caught.value.kind is ErrorKind.NOT_FOUND
    assert "Osaka" in str(caught.value) and "Shop location" in str(caught.value)
    double.scopes.discard("read_orders")
    with pytest.raises(ChannelError) as caught:
        connect(double, sim).test_connection()
    assert caught.value.kind is ErrorKind.AUTHENTICATION
    assert "read_orders" in str(caught.value)


# -- orders ----------------------------------------------------------------------------------
def test_orders_come_with_refunds_and_cancellations_per_line(double, sim):
    for sku in ("A", "B"):
        double.add_listing(sku, 10)
    adapter = connect(double, sim)
    since = sim.utc() - timedelta(minutes=1)
    sim.t += 5
    order = double.place_order([("A", 3), ("B", 2)])
    page = adapter.read_orders(None, since)
    assert {(li.channel_item_id, li.quantity, li.cancelled) for li in page.lines} == {
        ("A", 3, False), ("B", 2, False)}
    assert {li.order_id for li in page.lines} == {order}
    sim.t += 60
    double.cancel_units(order, "A", 1)  # a refund of one A, restocked
    assert double.quantity("A") == 8
    page = adapter.read_orders(page.next_cursor, since)
    assert {(li.channel_item_id, li.quantity, li.cancelled) for li in page.lines} == {
        ("A", 2, False), ("B", 2, False)}
    sim.t += 60
    double.cancel_order(order)
    page = adapter.read_orders(page.next_cursor, since)
    assert {li.channel_item_id for li in page.lines if li.cancelled} == {"A", "B"}
    assert (double.quantity("A"), double.quantity("B")) == (10, 10)


def test_many_orders_are_read_over_several_pages_by_update_time(double, sim):
    double.add_listing("A", 1000)
    adapter = connect(double, sim)
    since = sim.utc()
    for _ in range(60):
        sim.t += 1
        double.place_order([("A", 1)])
    sim.t += 1
    page = adapter.read_orders(None, since)
    assert len({li.order_id for li in page.lines}) == 60 and not page.more
    searches = [b for b in double.bodies if "RendoOrders" in b["query"]]
    assert len(searches) == 3
    assert all(b["variables"]["first"] <= 250 for b in searches)
    assert all(b["variables"]["query"].startswith("updated_at:>'") for b in searches)
    assert "sortKey: UPDATED_AT" in searches[0]["query"]
    assert page.next_cursor == datetime.fromtimestamp(EPOCH + 60, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    # a later read asks only from the cursor, less the overlap
    adapter.read_orders(page.next_cursor, since)
    assert double.bodies[-1]["variables"]["query"] == "updated_at:>'" + datetime.fromtimestamp(
        EPOCH + 60 - 120, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "'"


def test_an_order_with_more_lines_than_one_page_is_read_whole(double, sim):
    for n in range(45):
        double.add_listing(f"L{n:02d}", 5)
    adapter = connect(double, sim)
    since = sim.utc()
    sim.t += 1
    double.place_order([(f"L{n:02d}", 1) for n in range(45)])
    page = adapter.read_orders(None, since)
    assert sorted(li.channel_item_id for li in page.lines) == [f"L{n:02d}" for n in range(45)]


# -- end to end ------------------------------------------------------------------------------
def test_an_order_on_shopify_lowers_the_stock_uploaded_to_the_other_channels(
        shop, servers, sandbox):
    double = servers(make_double(clock=lambda: time.time() + 2))  # Shopify's clock 2 s ahead
    double.add_listing("A", 0)
    double.add_listing("B", 0)
    other = sandbox({"A": 0, "B": 0})
    for code, on_hand in (("A", 10), ("B", 4)):
        shop.add_item(code, f"item {code}")
        shop.adjust(code, f"+{on_hand}", "receive")
    shop.add_channel("shopify", "shopify", settings={"url": double.url},
                     credentials=double.credentials)
    shop.add_channel("mall", "sandbox", settings={"url": other.url})
    for name in ("shopify", "mall"):
        choose_first(name, "push")
    engine = SyncEngine(shop, adapter_for)
    reports = engine.run_due(force=True)
    assert all(r.ok for r in reports), [r.error for r in reports]
    assert (double.quantity("A"), double.quantity("B")) == (10, 4)
    assert (other.shop.quantity("A"), other.shop.quantity("B")) == (10, 4)

    order = double.place_order([("A", 3), ("B", 1)])  # Shopify takes the units off at once
    reports = engine.run_due(force=True)
    assert all(r.ok for r in reports), [r.error for r in reports]
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (7, 3)
    assert (other.shop.quantity("A"), other.shop.quantity("B")) == (7, 3)
    assert (double.quantity("A"), double.quantity("B")) == (7, 3)
    assert sum(r.conflicts for r in reports) == 0  # Shopify's own sale is not a conflict

    double.cancel_units(order, "A", 2)  # two of the three A refunded and restocked
    engine.run_due(force=True)
    assert shop.book.on_hand["A"] == 9
    assert (other.shop.quantity("A"), double.quantity("A")) == (9, 9)

    double.cancel_order(order)  # the rest: one A and the B come back
    reports = engine.run_due(force=True)
    assert all(r.ok for r in reports), [r.error for r in reports]
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (10, 4)
    assert (other.shop.quantity("A"), other.shop.quantity("B")) == (10, 4)
    assert (double.quantity("A"), double.quantity("B")) == (10, 4)
    assert sum(r.conflicts for r in reports) == 0
    sent = [b["variables"]["input"]["quantities"] for b in mutations(double)]
    assert all("changeFromQuantity" in q for batch in sent for q in batch)


def test_the_readme_command_adds_a_shopify_channel_that_syncs(rendo, monkeypatch, servers):
    double = servers(make_double())
    double.add_listing("A", 0)
    assert rendo("item", "add", "A").code == 0
    assert rendo("adjust", "A", "+5").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(f"access_token={double.token}\n"))
    added = rendo("channel", "add", "shop", "--type", "shopify", "--url", double.url,
                  "--token-stdin")
    assert added.code == 0, added.err
    assert rendo("channel", "first", "shop", "push").code == 0
    synced = rendo("sync", "--once")
    assert synced.code == 0, synced.err
    assert double.quantity("A") == 5


# -- the double itself: the older versions' compare-and-set, the newer versions' rules ------
def _post(double: ShopifyDouble, version: str, query: str, variables: dict[str, Any]) -> Any:
    import requests

    return requests.post(f"{double.url}/admin/api/{version}/graphql.json",
                         json={"query": query, "variables": variables},
                         headers={"X-Shopify-Access-Token": double.token}, timeout=5).json()


SET = """mutation Set($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) { userErrors { field code } }
}"""


def test_the_double_answers_compare_quantity_before_2026_04_and_wants_a_key_after(double):
    double.add_listing("A", 4)
    item = next(iter(double.shop.items.values()))

    def entry(**extra: Any) -> dict[str, Any]:
        return {"name": "available", "reason": "correction", "quantities": [
            {"inventoryItemId": item.gid, "locationId": double.shop.primary, "quantity": 9,
             **extra}]}

    def codes(answer: Any) -> list[str]:
        return [e["code"] for e in answer["data"]["inventorySetQuantities"]["userErrors"]]

    assert codes(_post(double, "2025-10", SET, {"input": entry()})) == [
        "COMPARE_QUANTITY_REQUIRED"]
    assert codes(_post(double, "2025-10", SET, {"input": entry(compareQuantity=3)})) == [
        "COMPARE_QUANTITY_STALE"]
    assert double.quantity("A") == 4
    assert codes(_post(double, "2025-10", SET, {"input": {
        **entry(), "ignoreCompareQuantity": True}})) == []
    assert double.quantity("A") == 9
    refused = _post(double, "2026-10", SET, {"input": entry(changeFromQuantity=9)})
    assert "@idempotent" in refused["errors"][0]["message"]  # the key is mandatory now
    assert double.quantity("A") == 9
    too_many = _post(double, "2026-10", SET.replace(
        "(input: $input)", '(input: $input) @idempotent(key: "k")'), {"input": {
            **entry(changeFromQuantity=9),
            "quantities": entry(changeFromQuantity=9)["quantities"] * 251}})
    assert too_many["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"


def test_an_order_of_the_second_the_channel_was_connected_in_is_not_left_out(double, sim):
    """Shopify stamps orders to the second; Rendo leaves out orders placed before the
    channel was connected, and must not take one of the same second for one of those."""
    double.add_listing("A", 5)
    sim.t = EPOCH + 0.25
    connected = sim.utc().replace(tzinfo=None)  # 12:00:00.25
    sim.t = EPOCH + 0.75
    double.place_order([("A", 1)])  # stamped 12:00:00
    [line] = connect(double, sim).read_orders(None, connected).lines
    assert line.placed_at is not None and line.placed_at >= connected


def test_no_saved_token_is_an_authentication_failure_before_anything_is_sent(double, sim):
    info = ChannelInfo("shopify", "shopify", {"url": double.url})
    adapter = ShopifyChannel(info, MemoryCredentials({}), clock=sim.now, now=sim.utc)
    with pytest.raises(ChannelError) as caught:
        adapter.test_connection()
    assert caught.value.kind is ErrorKind.AUTHENTICATION
    assert caught.value.renew == ("access_token",)
    assert double.calls == []
    assert adapter.budget() is None  # nothing known of the bucket yet
