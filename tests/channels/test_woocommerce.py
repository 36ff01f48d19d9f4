"""The WooCommerce adapter against the WooCommerce double (tests/doubles/woocommerce.py) over
real loopback HTTP: paging, batches, refusals, orders and their stock, keys, throttling, and
one shop kept in step through the sync engine."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

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
from app.channels.woocommerce import CHANNEL_TYPE, WooCommerceChannel
from app.channels.woocommerce.api import (
    RENEW,
    basic_auth,
    oauth_signature,
    oauth_signer,
    secrets,
)
from app.services.channel_sync import choose_first
from app.services.channels import adapter_for
from app.store.models import ChannelRow, ListingRow
from app.sync.engine import SyncEngine
from app.sync.state import channel_statuses
from tests.doubles.protocol import ChannelDouble
from tests.doubles.woocommerce import WooCommerceDouble, make_double
from tests.integration.hostile import HostileServer, answer

LONG_AGO = datetime(2020, 1, 1)


@pytest.fixture
def woo() -> Iterator[WooCommerceDouble]:
    double = WooCommerceDouble(variation_every=2, retry_after=0.25)
    double.start()
    try:
        yield double
    finally:
        double.stop()


@pytest.fixture
def strict_woo() -> Iterator[WooCommerceDouble]:
    """The double as the docs say: OAuth 1.0a over plain HTTP, documented orderby only, order
    lines without WooCommerce's underscore metas."""
    double = WooCommerceDouble(retry_after=0.25, strict=True, docs_shaped=True)
    double.start()
    try:
        yield double
    finally:
        double.stop()


def adapter_on(double: WooCommerceDouble, waits: list[float] | None = None,
               url: str | None = None, parts: dict[str, str] | None = None,
               signed: bool = True) -> WooCommerceChannel:
    """The adapter with the double's keys (a copy: revoking them on the double does not
    change what Rendo holds); retries wait only on paper, recorded in *waits*."""
    credentials = MemoryCredentials(dict(parts or double.credentials))
    client = HttpClient(url or double.url, auth=lambda: basic_auth(credentials),
                        secrets=lambda: secrets(credentials),
                        sign=oauth_signer(credentials) if signed else None,
                        timeout=(2, 2), max_retries=3,
                        backoff_base=0.01, max_backoff=5,
                        sleep=(waits.append if waits is not None else None))
    return WooCommerceChannel(ChannelInfo("web", "woocommerce", {"url": double.url}), client)


def updates(numbers: dict[str, int]) -> list[QuantityUpdate]:
    return [QuantityUpdate(sku, quantity) for sku, quantity in numbers.items()]


def test_the_double_answers_the_contract_protocol():
    double: ChannelDouble = make_double()
    assert double.type == "woocommerce" and double.batch_limit == 100
    assert double.settings == {} and set(double.credentials) == set(RENEW)


def test_the_channel_type_record():
    assert channel_type("woocommerce") is CHANNEL_TYPE
    assert [f.key for f in CHANNEL_TYPE.credentials] == ["consumer_key", "consumer_secret"]
    assert CHANNEL_TYPE.settings == () and CHANNEL_TYPE.default_url is None
    limits = CHANNEL_TYPE.limits
    assert (limits.batch_size, limits.compare_and_set, limits.relative,
            limits.restocks_on_cancel) == (100, False, False, True)
    assert "Read/Write" in CHANNEL_TYPE.credentials[0].help


def test_every_product_and_variation_is_read_page_by_page(woo):
    for n in range(250):
        woo.add_listing(f"S{n:03}", n)
    shown = adapter_on(woo).read_quantities()
    assert shown == {f"S{n:03}": n for n in range(250)}
    product_pages = [q for (method, path), q in zip(woo.calls, woo.queries, strict=True)
                     if path.endswith("/products")]
    assert [q["page"] for q in product_pages] == ["1", "2"]  # 125 products + 13 parents
    assert all(q["per_page"] == "100" for q in product_pages)
    variation_calls = [path for _, path in woo.calls if path.endswith("/variations")]
    assert len(variation_calls) == 13  # one list per variable product (up to 10 variations)


def test_a_batch_larger_than_100_goes_in_calls_of_at_most_100(woo):
    woo.variation_every = 0
    for n in range(250):
        woo.add_listing(f"S{n:03}", 0)
    adapter = adapter_on(woo)
    adapter.read_quantities()
    results = adapter.set_quantities(updates({f"S{n:03}": n + 1 for n in range(250)}))
    assert [r.status for r in results] == [UpdateStatus.OK] * 250
    assert [r.quantity for r in results] == [n + 1 for n in range(250)]
    assert woo.quantity("S249") == 250
    batches = [path for method, path in woo.calls if method == "POST"]
    assert batches == ["/wp-json/wc/v3/products/batch"] * 3


def test_variations_are_set_through_their_parents_batch(woo):
    for sku in ("A", "B", "C", "D"):
        woo.add_listing(sku, 1)  # B and D are variations
    results = adapter_on(woo).set_quantities(updates({"A": 5, "B": 6, "C": 7, "D": 8}))
    assert [(r.channel_item_id, r.status, r.quantity) for r in results] == [
        ("A", UpdateStatus.OK, 5), ("B", UpdateStatus.OK, 6), ("C", UpdateStatus.OK, 7),
        ("D", UpdateStatus.OK, 8)]
    assert [woo.quantity(s) for s in "ABCD"] == [5, 6, 7, 8]
    posts = [path for method, path in woo.calls if method == "POST"]
    parent = woo.by_sku("B").parent_id  # type: ignore[union-attr]
    assert sorted(posts) == sorted(["/wp-json/wc/v3/products/batch",
                                    f"/wp-json/wc/v3/products/{parent}/variations/batch"])


def test_a_site_that_takes_fewer_items_answers_413_and_the_batch_is_split(woo):
    woo.variation_every = 0
    woo.batch_items_limit = 30  # a plugin lowered woocommerce_rest_batch_items_limit
    for n in range(100):
        woo.add_listing(f"S{n:03}", 0)
    results = adapter_on(woo).set_quantities(updates({f"S{n:03}": 3 for n in range(100)}))
    assert {r.status for r in results} == {UpdateStatus.OK}
    assert all(woo.quantity(f"S{n:03}") == 3 for n in range(100))
    sizes = [path for method, path in woo.calls if method == "POST"]
    assert len(sizes) == 1 + 2 + 4  # 100 → 2 × 50 → 4 × 25


def test_manage_stock_off_is_unusable_and_never_sent(woo):
    woo.add_product("A", 4)
    woo.add_unmanaged_listing("OFF")
    parent = woo.add_product("", 6)  # a variable product managing its variations' stock
    parent.type = "variable"
    woo.add_variation("BYPARENT", None, manage_stock="parent", parent=parent)
    adapter = adapter_on(woo)
    assert adapter.read_quantities() == {"A": 4}
    assert woo.quantity("BYPARENT") == 6
    results = adapter.set_quantities(updates({"OFF": 3, "BYPARENT": 2, "A": 9}))
    assert [r.status for r in results] == [UpdateStatus.UNUSABLE, UpdateStatus.UNUSABLE,
                                           UpdateStatus.OK]
    assert results[0].message == "manage stock is off for SKU OFF in WooCommerce"
    assert "parent product" in results[1].message
    sent = [q for (method, _), q in zip(woo.calls, woo.queries, strict=True) if method == "POST"]
    assert len(sent) == 1  # only A's batch


def test_manage_stock_turned_off_since_the_last_read_is_unusable_from_the_answer(woo):
    woo.add_product("A", 4)
    adapter = adapter_on(woo)
    assert adapter.read_quantities() == {"A": 4}
    woo.set_manage_stock("A", False)
    [result] = adapter.set_quantities(updates({"A": 9}))
    assert result.status is UpdateStatus.UNUSABLE
    assert result.message == "manage stock is off for SKU A in WooCommerce"
    assert woo.quantity("A") is None


def test_a_refused_item_is_rejected_alone_and_an_unknown_sku_is_rejected(woo):
    woo.variation_every = 0
    for sku in ("A", "B", "C"):
        woo.add_listing(sku, 1)
    woo.refuse_writes("B")
    results = adapter_on(woo).set_quantities(updates({"A": 2, "B": 2, "C": 2, "NOPE": 2}))
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.REJECTED,
                                           UpdateStatus.OK, UpdateStatus.REJECTED]
    assert "rest_invalid_param" in results[1].message
    assert "NOPE is not a product or variation" in results[3].message
    assert (woo.quantity("A"), woo.quantity("B"), woo.quantity("C")) == (2, 1, 2)


def test_a_deleted_product_is_rejected_from_the_per_item_error(woo):
    woo.add_product("A", 1)
    woo.add_product("B", 1)
    adapter = adapter_on(woo)
    adapter.read_quantities()
    del woo.products[woo.by_sku("B").id]  # type: ignore[union-attr]
    results = adapter.set_quantities(updates({"A": 5, "B": 5}))
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.REJECTED]
    assert "woocommerce_rest_product_invalid_id" in results[1].message


def lines_by_order(adapter: WooCommerceChannel, cursor: str | None = None
                   ) -> dict[str, list[tuple[str, int, bool]]]:
    page = adapter.read_orders(cursor, LONG_AGO)
    found: dict[str, list[tuple[str, int, bool]]] = {}
    for line in page.lines:
        found.setdefault(line.order_id, []).append(
            (line.channel_item_id, line.quantity, line.cancelled))
    return found


def test_an_order_takes_stock_when_processing_and_gives_it_back_once_when_cancelled(woo):
    woo.add_listing("A", 10)
    woo.add_listing("B", 10)
    adapter = adapter_on(woo)
    order = woo.place_order([("A", 2), ("B", 3)])
    assert (woo.quantity("A"), woo.quantity("B")) == (8, 7)
    assert lines_by_order(adapter)[order] == [("A", 2, False), ("B", 3, False)]
    woo.cancel_order(order)
    woo.cancel_order(order)  # cancelled twice: WooCommerce gives back once
    assert (woo.quantity("A"), woo.quantity("B")) == (10, 10)
    assert lines_by_order(adapter)[order] == [("A", 0, True), ("B", 0, True)]


def test_a_cancelled_order_gives_back_even_when_stock_is_no_longer_managed(woo):
    woo.add_product("A", 10)
    order = woo.place_order([("A", 2)])
    woo.set_manage_stock("A", False)
    woo.cancel_order(order)  # WooCommerce cannot put the units back; they are back anyway
    assert lines_by_order(adapter_on(woo))[order] == [("A", 0, True)]


def test_a_pending_order_holds_nothing_and_its_cancellation_gives_nothing(woo):
    woo.add_listing("A", 10)
    adapter = adapter_on(woo)
    order = woo.place_order([("A", 2)], status="pending")
    assert woo.quantity("A") == 10
    assert lines_by_order(adapter)[order] == [("A", 0, True)]
    woo.set_status(order, "on-hold")
    assert woo.quantity("A") == 8
    assert lines_by_order(adapter)[order] == [("A", 2, False)]
    woo.set_status(order, "failed")  # WooCommerce keeps on-hold's units on failed
    assert woo.quantity("A") == 8
    assert lines_by_order(adapter)[order] == [("A", 2, False)]


def test_a_partial_refund_gives_back_only_the_restocked_units(woo):
    woo.add_listing("A", 10)
    adapter = adapter_on(woo)
    order = woo.place_order([("A", 3)])
    woo.cancel_units(order, "A", 1)  # refund with "restock refunded items"
    assert woo.quantity("A") == 8
    assert lines_by_order(adapter)[order] == [("A", 2, False)]
    woo.refund_units(order, "A", 1, restock=False)  # money back, goods not back on the shelf
    assert woo.quantity("A") == 8
    assert lines_by_order(adapter)[order] == [("A", 2, False)]
    refunds = adapter.api.call("GET", f"/orders/{order}/refunds").body
    assert [item["quantity"] for r in refunds for item in r["line_items"]] == [-1, -1]


def test_an_unmanaged_product_sold_still_counts_as_sold(woo):
    woo.add_unmanaged_listing("OFF")
    order = woo.place_order([("OFF", 2)])
    assert lines_by_order(adapter_on(woo))[order] == [("OFF", 2, False)]


def test_orders_are_read_since_the_cursor_by_modified_gmt_past_one_page(woo):
    woo.add_listing("A", 1000)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    clock = [start]
    woo.clock = lambda: clock[0]
    for n in range(230):
        clock[0] = start + timedelta(seconds=n)
        woo.place_order([("A", 1)])
    adapter = adapter_on(woo)
    adapter.clock = lambda: start + timedelta(hours=1)
    page = adapter.read_orders(None, datetime(2026, 2, 1))
    assert len({line.order_id for line in page.lines}) == 230
    assert page.next_cursor == "2026-03-01T00:03:49"  # the last change, GMT
    order_calls = [q for (_, path), q in zip(woo.calls, woo.queries, strict=True)
                   if path.endswith("/orders")]
    assert all(q["dates_are_gmt"] == "true" and q["orderby"] == "id"
               and q["order"] == "asc" and q["per_page"] == "100" for q in order_calls)
    assert [q["page"] for q in order_calls] == ["1", "2", "3"]
    assert len(order_calls) == 3
    # the next read asks from the cursor less the overlap, and sees only what changed
    woo.cancel_order(str(max(woo.orders)))
    before = len(woo.queries)
    again = adapter.read_orders(page.next_cursor, datetime(2026, 2, 1))
    assert woo.queries[before]["modified_after"] == "2026-03-01T00:01:49"
    assert {line.order_id for line in again.lines if line.cancelled} == {str(max(woo.orders))}


def test_revoked_keys_stop_the_channel_with_kind_authentication(woo):
    woo.add_listing("A", 1)
    adapter = adapter_on(woo)
    woo.revoke_credentials()
    for call in (adapter.read_quantities, lambda: adapter.read_orders(None, LONG_AGO),
                 lambda: adapter.set_quantities(updates({"A": 3}))):
        with pytest.raises(ChannelError) as refused:
            call()
        assert refused.value.kind is ErrorKind.AUTHENTICATION
        assert refused.value.renew == RENEW and refused.value.stops_channel
        assert "Consumer key is invalid" in str(refused.value)
        assert woo.credentials["consumer_key"] not in str(refused.value)


def test_throttling_is_waited_out_as_retry_after_asks(woo):
    woo.add_listing("A", 4)
    waits: list[float] = []
    adapter = adapter_on(woo, waits)
    woo.throttle(2)
    assert adapter.read_quantities() == {"A": 4}
    assert len(waits) == 2 and all(wait >= 0.25 for wait in waits)
    assert [status for status in woo.calls[:2]] == [("GET", "/wp-json/wc/v3/products")] * 2


def test_throttling_longer_than_the_retries_is_a_retry_for_each_listing(woo):
    woo.add_listing("A", 4)
    adapter = adapter_on(woo, [])
    adapter.read_quantities()
    woo.throttle(10)
    [result] = adapter.set_quantities(updates({"A": 3}))
    assert result.status is UpdateStatus.RETRY and result.retry_after == 0.25


def test_test_connection_names_what_is_wrong(woo):
    adapter_on(woo).test_connection()
    with pytest.raises(ChannelError, match="is not a WooCommerce site") as wrong:
        adapter_on(woo, url=woo.url + "/blog").test_connection()
    assert wrong.value.kind is ErrorKind.NOT_FOUND
    with pytest.raises(ChannelError, match="check the consumer key and secret") as bad:
        adapter_on(woo, parts={"consumer_key": "ck_wrong", "consumer_secret": "cs_x"}
                   ).test_connection()
    assert bad.value.kind is ErrorKind.AUTHENTICATION and "ck_wrong" not in str(bad.value)
    woo.read_only = True
    with pytest.raises(ChannelError, match="Read/Write") as read_only:
        adapter_on(woo).test_connection()
    assert read_only.value.kind is ErrorKind.AUTHENTICATION
    assert read_only.value.renew == RENEW


def test_missing_keys_are_named(woo):
    with pytest.raises(ChannelError, match="no consumer_secret saved") as missing:
        adapter_on(woo, parts={"consumer_key": "ck_1"}).read_quantities()
    assert missing.value.kind is ErrorKind.AUTHENTICATION


def test_a_shop_kept_in_step_through_the_engine(shop, woo):
    """Push, an order, its cancellation, a partial refund and a product whose stock the owner
    stops managing, through Shop + SyncEngine with the real adapter from the keyring."""
    for code, on_hand in (("A", 40), ("B", 30), ("C", 20)):
        shop.add_item(code, f"item {code}")
        shop.adjust(code, f"+{on_hand}", "receive")
    woo.add_listing("A", 5)
    woo.add_listing("B", 7)  # a variation
    woo.add_listing("C", 9)
    shop.add_channel("web", "woocommerce", settings={"url": woo.url},
                     credentials=dict(woo.credentials))
    choose_first("web", "push")
    engine = SyncEngine(shop, adapter_for)
    [report] = engine.run_due(force=True)
    assert report.ok, report.error
    assert [woo.quantity(s) for s in "ABC"] == [40, 30, 20]

    order = woo.place_order([("B", 2), ("C", 1)])
    engine.run_due(force=True)
    assert (shop.book.on_hand["B"], shop.book.on_hand["C"]) == (28, 19)
    assert [woo.quantity(s) for s in "BC"] == [28, 19]

    woo.cancel_order(order)
    engine.run_due(force=True)
    engine.run_due(force=True)
    assert (shop.book.on_hand["B"], shop.book.on_hand["C"]) == (30, 20)  # given back once
    assert [woo.quantity(s) for s in "BC"] == [30, 20]

    refunded = woo.place_order([("A", 3)])
    woo.cancel_units(refunded, "A", 1)
    engine.run_due(force=True)
    assert shop.book.on_hand["A"] == 38 and woo.quantity("A") == 38

    woo.set_manage_stock("C", False)
    shop.adjust("C", "+5", "receive")
    [report] = engine.run_due(force=True)
    assert report.suspended == ["C"]
    row = ListingRow.get(ListingRow.channel == ChannelRow.get(ChannelRow.name == "web"),
                         ListingRow.channel_item_id == "C")
    assert row.suspended and row.last_error == "manage stock is off for SKU C in WooCommerce"
    posts = len([1 for method, _ in woo.calls if method == "POST"])
    shop.adjust("C", "+1", "receive")
    engine.run_due(force=True)
    assert len([1 for method, _ in woo.calls if method == "POST"]) == posts  # not retried

    woo.revoke_credentials()
    [report] = engine.run_due(force=True)
    assert report.error_kind == ErrorKind.AUTHENTICATION.value
    [status] = channel_statuses()
    assert status.state == "stopped"


def test_the_command_line_adds_a_woocommerce_channel_and_syncs_it(rendo, woo, monkeypatch):
    woo.add_listing("A", 5)
    assert rendo("item", "add", "A").code == 0
    assert rendo("adjust", "A", "+12").code == 0
    keys = woo.credentials
    monkeypatch.setattr("sys.stdin", io.StringIO(
        f"consumer_key={keys['consumer_key']}\nconsumer_secret={keys['consumer_secret']}\n"))
    added = rendo("channel", "add", "web", "--type", "woocommerce", "--url", woo.url,
                  "--token-stdin")
    assert added.code == 0, added.err
    assert rendo("channel", "first", "web", "push").code == 0
    synced = rendo("sync", "--once")
    assert synced.code == 0, synced.err
    assert woo.quantity("A") == 12
    assert keys["consumer_secret"] not in synced.out + synced.err


def test_a_plain_web_page_at_the_address_is_not_a_woocommerce_site(servers):
    page = servers(HostileServer(answer(b"<html><body>Welcome</body></html>")))
    double = WooCommerceDouble()  # not started: only its keys are used
    with pytest.raises(ChannelError, match="is not a WooCommerce site") as wrong:
        adapter_on(double, url=page.url).test_connection()
    assert wrong.value.kind is ErrorKind.NOT_FOUND


def test_an_order_without_a_readable_change_date_is_named(woo):
    woo.add_listing("A", 3)
    order = woo.place_order([("A", 1)])
    original = woo._order_json
    woo._order_json = lambda o: {**original(o), "date_modified_gmt": None}  # type: ignore
    with pytest.raises(ChannelError, match=f"order {order} has no readable") as broken:
        adapter_on(woo).read_orders(None, LONG_AGO)
    assert broken.value.kind is ErrorKind.MALFORMED


# -- OAuth 1.0a over plain HTTP ("Authentication over HTTP" in the REST API docs) -------------
def test_the_oauth_signature_is_over_the_documented_base_string():
    """The docs' example: GET, http://www.example.com/wp-json/wc/v3/orders and two
    parameters make this base string; the key is the consumer secret and '&'."""
    base = ("GET&http%3A%2F%2Fwww.example.com%2Fwp-json%2Fwc%2Fv3%2Forders&"
            "oauth_consumer_key%3Dabc123%26oauth_signature_method%3DHMAC-SHA1")
    for algorithm, digest in (("HMAC-SHA1", hashlib.sha1), ("HMAC-SHA256", hashlib.sha256)):
        params = {"oauth_signature_method": "HMAC-SHA1", "oauth_consumer_key": "abc123"}
        expected = base64.b64encode(hmac.new(b"cs_secret&", base.encode(), digest).digest())
        assert oauth_signature("get", "http://www.example.com/wp-json/wc/v3/orders?x=1",
                               params, "cs_secret", algorithm) == expected.decode()


def test_over_https_the_query_is_not_signed():
    sign = oauth_signer(MemoryCredentials({"consumer_key": "ck_1", "consumer_secret": "cs_2"}))
    assert sign("GET", "https://shop.example/wp-json/wc/v3/orders", {"page": 1}) == {"page": 1}
    signed = sign("GET", "http://127.0.0.1:8080/wp-json/wc/v3/orders", {"page": 1})
    assert signed is not None and signed["page"] == "1"
    assert signed["oauth_consumer_key"] == "ck_1" and signed["oauth_signature_method"] in (
        "HMAC-SHA1", "HMAC-SHA256")


def test_over_plain_http_every_call_is_signed_with_a_fresh_nonce(strict_woo):
    strict_woo.add_listing("A", 4)
    waits: list[float] = []
    adapter = adapter_on(strict_woo, waits)
    adapter.test_connection()
    strict_woo.throttle(1)  # the retry is signed again: a nonce is never used twice
    assert adapter.read_quantities() == {"A": 4}
    [result] = adapter.set_quantities(updates({"A": 6}))
    assert result.status is UpdateStatus.OK and strict_woo.quantity("A") == 6
    order = strict_woo.place_order([("A", 1)])
    assert lines_by_order(adapter)[order] == [("A", 1, False)]
    signed = [q for q in strict_woo.queries if "oauth_signature" in q]
    assert len(signed) == len(strict_woo.queries)
    assert len({q["oauth_nonce"] for q in signed}) == len(signed) and len(waits) == 1
    # Basic alone is not taken over plain HTTP; a wrong secret makes a wrong signature
    with pytest.raises(ChannelError, match="cannot list resources") as unsigned:
        adapter_on(strict_woo, signed=False).read_quantities()
    assert unsigned.value.kind is ErrorKind.AUTHENTICATION
    wrong = {**strict_woo.credentials, "consumer_secret": "cs_" + "7" * 40}
    with pytest.raises(ChannelError, match="signature does not match") as refused:
        adapter_on(strict_woo, parts=wrong).read_quantities()
    assert refused.value.kind is ErrorKind.AUTHENTICATION and refused.value.renew == RENEW


def test_the_lenient_double_still_takes_basic_over_http(woo):
    woo.add_listing("A", 2)
    assert adapter_on(woo, signed=False).read_quantities() == {"A": 2}


def test_the_channel_type_signs_over_loopback_http(strict_woo):
    strict_woo.add_listing("A", 3)
    info = ChannelInfo("web", "woocommerce", {"url": strict_woo.url})
    adapter = CHANNEL_TYPE.factory(info, MemoryCredentials(dict(strict_woo.credentials)))
    try:
        assert adapter.read_quantities() == {"A": 3}
    finally:
        adapter.close()


# -- orders with documented parameters only ---------------------------------------------------
def test_a_double_that_refuses_orderby_modified_still_yields_every_changed_order_once(
        strict_woo):
    strict_woo.add_listing("A", 1000)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    clock = [start]
    strict_woo.clock = lambda: clock[0]
    orders = []
    for n in range(230):
        clock[0] = start + timedelta(seconds=n)
        orders.append(strict_woo.place_order([("A", 1)]))
    adapter = adapter_on(strict_woo)
    adapter.clock = lambda: start + timedelta(hours=1)
    with pytest.raises(ChannelError, match="orderby") as refused:
        adapter.api.call("GET", "/orders", params={"orderby": "modified"})
    assert refused.value.kind is ErrorKind.REFUSED
    first = adapter.read_orders(None, datetime(2026, 2, 1))
    assert sorted(line.order_id for line in first.lines) == sorted(orders)  # each once
    assert first.next_cursor == "2026-03-01T00:03:49"
    # old orders (low ids, on the first page by id) change after newer ones
    for n, order in enumerate(reversed(orders[:150:3])):
        clock[0] = start + timedelta(minutes=10, seconds=n)
        strict_woo.cancel_order(order)
    clock[0] = start + timedelta(minutes=10, seconds=60)
    strict_woo.set_status(orders[200], "completed")
    again = adapter.read_orders(first.next_cursor, datetime(2026, 2, 1))
    changed = [line.order_id for line in again.lines]
    assert len(changed) == len(set(changed))
    assert {line.order_id for line in again.lines if line.cancelled} == set(orders[:150:3])
    assert orders[200] in changed
    assert again.next_cursor == "2026-03-01T00:11:00"  # the latest date_modified_gmt seen
    queries = [q for (_, path), q in zip(strict_woo.calls, strict_woo.queries, strict=True)
               if path.endswith("/orders")]
    assert queries[0]["orderby"] == "modified"  # the refused call above
    assert all(q["orderby"] == "id" and q["modified_after"] for q in queries[1:])


# -- refunds of a docs-shaped site ------------------------------------------------------------
def test_a_partial_refund_gives_back_exactly_its_units_once_without_stock_metas(strict_woo):
    strict_woo.add_listing("A", 10)
    strict_woo.add_listing("B", 10)
    adapter = adapter_on(strict_woo)
    order = strict_woo.place_order([("A", 3), ("B", 2)])
    assert lines_by_order(adapter)[order] == [("A", 3, False), ("B", 2, False)]
    refund_reads = len([1 for _, path in strict_woo.calls if path.endswith("/refunds")])
    assert refund_reads == 0  # no refunds: none read
    strict_woo.refund_units(order, "A", 1)  # api_restock defaults to true
    assert strict_woo.quantity("A") == 8
    for _ in range(2):  # read again: the same held units, not one more back
        assert lines_by_order(adapter)[order] == [("A", 2, False), ("B", 2, False)]
    refunds = [path for _, path in strict_woo.calls if path.endswith("/refunds")]
    assert refunds == [f"/wp-json/wc/v3/orders/{order}/refunds"] * 2
    lines = adapter.api.call("GET", "/orders", params={"include": order}).body[0]
    assert all(line["meta_data"] == [] for line in lines["line_items"])  # docs-shaped


def test_refund_lines_without_refunded_item_id_match_by_product(strict_woo):
    strict_woo.add_listing("A", 10)
    strict_woo.add_listing("B", 10)
    order = strict_woo.place_order([("A", 3), ("B", 2)])
    strict_woo.refund_units(order, "B", 2)
    for item in strict_woo.orders[int(order)].refunds[0]["line_items"]:
        item["meta_data"] = []
    assert lines_by_order(adapter_on(strict_woo))[order] == [("A", 3, False), ("B", 0, False)]


# -- 403: the key's user, or a firewall ------------------------------------------------------
def test_a_403_from_wordpress_stops_the_channel_and_a_firewalls_does_not(woo):
    woo.add_listing("A", 1)
    adapter = adapter_on(woo)
    adapter.read_quantities()
    woo.forbidden = True
    with pytest.raises(ChannelError, match="WordPress user of the REST API key") as user:
        adapter.read_quantities()
    assert user.value.kind is ErrorKind.AUTHENTICATION and user.value.renew == RENEW
    assert user.value.stops_channel
    woo.forbidden, woo.firewall = False, True
    with pytest.raises(ChannelError, match="HTTP 403") as firewall:
        adapter.read_quantities()
    assert firewall.value.kind is ErrorKind.REFUSED and not firewall.value.stops_channel
    [result] = adapter.set_quantities(updates({"A": 2}))
    assert result.status is UpdateStatus.REJECTED  # this call refused, the channel goes on


# -- the write probe of test_connection -------------------------------------------------------
def test_an_empty_batch_refused_with_400_does_not_fail_the_connection_test(woo, caplog):
    woo.refuse_empty_batch = True
    with caplog.at_level(logging.WARNING, logger="app.channels.woocommerce.adapter"):
        adapter_on(woo).test_connection()
    assert "write permission was not checked" in caplog.text
    woo.read_only = True  # a Read-only key is still named when the probe can tell
    woo.refuse_empty_batch = False
    with pytest.raises(ChannelError, match="Read/Write"):
        adapter_on(woo).test_connection()
