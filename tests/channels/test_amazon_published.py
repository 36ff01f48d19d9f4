"""The Amazon adapter against what Amazon publishes (github.com/amzn/selling-partner-api-models
and developer-docs.amazon.com/sp-api), where an earlier version differed: the merge patch,
searchListingsItems' order, listings with no availability, the headers of every call, order
items without a seller SKU, compressed documents, 429s without a rate header, the data sets
asked for, and the refresh token to renew."""

from __future__ import annotations

import gzip
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests

from app.channels.amazon import AmazonChannel
from app.channels.amazon.documents import Documents
from app.channels.amazon.feeds import FEED_MIN
from app.channels.base import (
    ChannelError,
    ChannelInfo,
    ErrorKind,
    MemoryCredentials,
    QuantityUpdate,
    UpdateStatus,
)
from app.services.channel_sync import choose_first
from app.services.channels import adapter_for
from app.services.orders import unmatched_lines
from app.sync.engine import SyncEngine
from tests.channels.support import Clock
from tests.doubles.amazon import JAPAN, SELLER_ID, AmazonDouble, make_double


@pytest.fixture
def double(serve: Callable[[AmazonDouble], AmazonDouble]) -> AmazonDouble:
    return serve(make_double())


def adapter(double: AmazonDouble, clock: Clock | None = None,
            sleeps: list[float] | None = None,
            credentials: MemoryCredentials | None = None) -> AmazonChannel:
    return AmazonChannel(ChannelInfo("amazon", "amazon", {"url": double.url, **double.settings}),
                         credentials or MemoryCredentials(double.credentials),
                         clock=clock or time.time,
                         sleep=sleeps.append if sleeps is not None else None)


def raw_get(double: AmazonDouble, path: str, **params: str) -> requests.Response:
    token = double.token({**double.credentials, "grant_type": "refresh_token"})[1]
    return requests.get(f"{double.url}{path}", params={"marketplaceIds": JAPAN, **params},
                        headers={"x-amz-access-token": token["access_token"]}, timeout=5)


# -- stock ----------------------------------------------------------------------------------------
def test_a_patch_merges_the_quantity_and_keeps_the_listings_lead_time(double):
    double.add_listing("A", 1, lead_time=5)
    [result] = adapter(double).set_quantities([QuantityUpdate("A", 9)])
    assert result.status is UpdateStatus.SUBMITTED
    assert (double.quantity("A"), double.lead_time("A")) == (9, 5)


def test_a_feed_merges_the_quantity_and_keeps_the_listings_lead_time(double):
    double.enforce_rates = False
    codes = [f"L{n:03d}" for n in range(FEED_MIN)]
    for code in codes:
        double.add_listing(code, 0, lead_time=3)
    channel = adapter(double, sleeps=[])
    channel.read_quantities()
    results = channel.set_quantities([QuantityUpdate(code, 4) for code in codes])
    assert {r.status for r in results} == {UpdateStatus.SUBMITTED} and len(double.feeds) == 1
    assert [(double.quantity(c), double.lead_time(c)) for c in codes] == [(4, 3)] * FEED_MIN


def test_issues_of_a_refused_patch_are_asked_for_in_english(double):
    double.add_listing("B", 2)
    double.refuse_writes("B")
    [result] = adapter(double).set_quantities([QuantityUpdate("B", 5)])
    assert result.message == "'quantity' is not valid for this listing."  # not Japanese
    patch = double.queries[-1][1]  # after the getListingsItem of a SKU not read yet
    assert patch["issueLocale"] == ["en_US"]


def test_listings_are_paged_in_sku_order_so_a_change_between_pages_misses_none(double):
    codes = [f"S{n:02d}" for n in range(45)]  # three pages of 20
    for code in codes:
        double.add_listing(code, 1)
    changed: list[str] = []

    def staff_edit() -> None:  # after the first page, S00 changes in Seller Central
        if not changed:
            changed.append("S00")
            double.advance(5)
            double.set_quantity("S00", 7)

    double.after_search = staff_edit
    shown = adapter(double).read_quantities()  # S00 read before its change: 1, and 7 later
    assert shown == dict.fromkeys(codes, 1)
    searches = [q for path, q in double.queries if path.endswith(SELLER_ID)]
    assert len(searches) == 3
    assert all((q["sortBy"], q["sortOrder"]) == (["sku"], ["ASC"]) for q in searches)
    assert adapter(double).read_quantities()["S00"] == 7


def test_the_double_sorts_by_last_update_newest_first_unless_asked(double):
    """The model's defaults (sortBy lastUpdatedDate, sortOrder DESC): with them a listing
    updated between pages moves to the front, which is why the adapter asks for SKU order."""
    for code in ("A", "B", "C"):
        double.add_listing(code, 1)
        double.advance(1)
    path = f"/listings/2021-08-01/items/{SELLER_ID}"
    newest = raw_get(double, path, pageSize="20").json()["items"]
    assert [i["sku"] for i in newest] == ["C", "B", "A"]
    by_sku = raw_get(double, path, pageSize="20", sortBy="sku", sortOrder="ASC").json()
    assert [i["sku"] for i in by_sku["items"]] == ["A", "B", "C"]
    assert raw_get(double, path, sortBy="price").status_code == 400


def test_a_listing_without_fulfillment_availability_is_a_merchant_listing_at_zero(double):
    double.add_listing("NEW", None)  # created in Seller Central, never given a number
    double.add_listing("A", 3)
    channel = adapter(double)
    assert channel.read_quantities() == {"NEW": 0, "A": 3}
    [result] = adapter(double).set_quantities([QuantityUpdate("NEW", 4)])  # a fresh adapter
    assert result.status is UpdateStatus.SUBMITTED
    assert double.quantity("NEW") == 4


def test_a_listing_fulfilled_both_ways_is_read_and_written_by_its_merchant_record(double):
    double.add_listing("BOTH", 2, fba_too=30)  # the FBA record comes first
    channel = adapter(double)
    assert channel.read_quantities() == {"BOTH": 2}
    [result] = channel.set_quantities([QuantityUpdate("BOTH", 6)])
    assert result.status is UpdateStatus.SUBMITTED
    assert (double.quantity("BOTH"), double.fba_quantity("BOTH")) == (6, 30)  # FBA untouched
    [fresh] = adapter(double).set_quantities([QuantityUpdate("BOTH", 5)])  # not read yet
    assert fresh.status is UpdateStatus.SUBMITTED and double.quantity("BOTH") == 5


def test_the_double_answers_only_the_data_sets_asked_for(double):
    double.add_listing("A", 3, lead_time=2)
    path = f"/listings/2021-08-01/items/{SELLER_ID}/A"
    plain = raw_get(double, path).json()
    assert set(plain) == {"sku", "summaries"}  # includedData's default: summaries
    asked = raw_get(double, path, includedData="fulfillmentAvailability").json()
    assert asked == {"sku": "A", "fulfillmentAvailability": [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 3}]}
    assert raw_get(double, path, includedData="everything").status_code == 400
    assert raw_get(double, f"{path}-GONE").json()["errors"][0]["code"] == "NOT_FOUND"
    double.place_order([("A", 1)])
    double.advance(180)
    orders = "/orders/2026-01-01/orders"
    [order] = raw_get(double, orders, lastUpdatedAfter="2026-01-01T00:00:00Z").json()["orders"]
    assert "fulfillment" not in order and "fulfillment" not in order["orderItems"][0]
    [order] = raw_get(double, orders, lastUpdatedAfter="2026-01-01T00:00:00Z",
                      includedData="FULFILLMENT").json()["orders"]
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    assert raw_get(double, orders, lastUpdatedAfter="2026-01-01T00:00:00Z",
                   includedData="EVERYTHING").status_code == 400


# -- every call --------------------------------------------------------------------------------
def test_every_call_carries_the_user_agent_and_x_amz_date_amazon_asks_for(double):
    clock = Clock(datetime(2026, 12, 3, 7, 30, 15, tzinfo=UTC).timestamp())
    double.add_listing("A", 1)
    adapter(double, clock).read_quantities()
    [headers] = double.api_headers
    assert re.fullmatch(r"Rendo/0\.1\.0 \(Language=Python/3\.\d+\.\d+; Platform=[^()]*\)",
                        headers["user-agent"]), headers["user-agent"]
    assert len(headers["user-agent"]) <= 500
    assert headers["x-amz-date"] == "20261203T073015Z"


def test_a_refused_refresh_token_asks_for_that_token_alone(double):
    old = dict(double.credentials)
    double.revoke_credentials()
    with pytest.raises(ChannelError) as refused:
        adapter(double, credentials=MemoryCredentials(old)).read_quantities()
    assert refused.value.kind is ErrorKind.AUTHENTICATION
    assert refused.value.renew == ("refresh_token",)


def test_a_429_without_a_rate_header_waits_the_published_rate(double):
    double.add_listing("A", 1)
    sleeps: list[float] = []
    channel = adapter(double, sleeps=sleeps)
    double.throttle(1)
    [result] = channel.set_quantities([QuantityUpdate("A", 6)])  # getListingsItem, then patch
    assert result.status is UpdateStatus.SUBMITTED
    assert sleeps == [0.2]  # getListingsItem's 429 had no header: its 5 a second


def test_the_doubles_429_carries_no_rate_header_unless_told(double):
    path = f"/listings/2021-08-01/items/{SELLER_ID}"
    assert raw_get(double, path).headers["x-amzn-RateLimit-Limit"] == "5"
    double.throttle(1)
    throttled = raw_get(double, path)
    assert throttled.status_code == 429 and "x-amzn-RateLimit-Limit" not in throttled.headers
    assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
    double.rate_header_on_429 = True
    double.throttle(1)
    assert raw_get(double, path).headers["x-amzn-RateLimit-Limit"] == "5"


# -- orders -------------------------------------------------------------------------------------
@pytest.mark.parametrize("v0_only", [False, True], ids=["2026-01-01", "v0"])
def test_an_order_item_without_seller_sku_is_kept_unmatched_not_failing_the_order(
        double, v0_only, caplog):
    double.v0_only = v0_only
    double.add_listing("A", 5)
    order = double.place_order([("A", 1), (None, 2)])
    clock = Clock(time.time())
    channel = adapter(double, clock)
    clock.now += 180  # the order is more than two minutes old
    double.advance(180)
    with caplog.at_level(logging.WARNING):
        page = channel.read_orders(None, datetime.now(UTC) - timedelta(hours=1))
    assert [(line.channel_item_id, line.quantity) for line in page.lines] == [("A", 1), ("", 2)]
    assert all(line.order_id == order for line in page.lines)
    assert f"order {order}" in caplog.text and "no seller SKU" in caplog.text


@pytest.mark.parametrize("v0_only", [False, True], ids=["2026-01-01", "v0"])
def test_through_the_engine_the_rest_of_the_order_is_applied_and_that_line_kept(
        double, shop, v0_only):
    double.v0_only = v0_only
    shop.add_item("A")
    shop.adjust("A", "+40")
    double.add_listing("A", 0)
    shop.add_channel("amazon", "amazon", settings={"url": double.url, **double.settings},
                     credentials=double.credentials)
    choose_first("amazon", "push")
    engine = SyncEngine(shop, adapter_for)
    assert all(r.ok for r in engine.run_due(force=True))
    order = double.place_order([("A", 3), (None, 2)])
    assert all(r.ok for r in engine.run_due(force=True))
    assert shop.book.on_hand["A"] == 37
    assert [(u.order_id, u.channel_item_id, u.quantity) for u in unmatched_lines()] == [
        (order, "", 2)]


def test_an_order_item_without_seller_sku_is_logged_once_not_at_every_overlapping_read(
        double, caplog):
    double.add_listing("A", 5)
    double.place_order([(None, 1)])
    clock = Clock(double.now())  # the order is newer than two minutes: read again next time
    channel = adapter(double, clock)
    with caplog.at_level(logging.WARNING):
        first = channel.read_orders(None, datetime.now(UTC) - timedelta(hours=1))
        clock.now += 20
        second = channel.read_orders(first.next_cursor, datetime.now(UTC) - timedelta(hours=1))
    assert [line.channel_item_id for line in first.lines] == [""] and second.lines == []
    assert caplog.text.count("no seller SKU") == 1


# -- documents ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("stored_gzip", "content_encoding"),
                         [(True, False), (False, True), (True, True)],
                         ids=["compressionAlgorithm", "Content-Encoding", "both"])
def test_a_document_is_read_whether_gzip_is_its_compression_its_encoding_or_both(
        double, stored_gzip, content_encoding):
    text = "seller-sku\tquantity\n" + "".join(f"SKU-{n}\t{n}\n" for n in range(500))
    double.content_encoding = content_encoding
    document_id, url = double._document(text.encode(), "text/plain", compress=stored_gzip)
    compression = "GZIP" if stored_gzip else None
    data = Documents(lambda: None).download(url, compression)
    assert data == text.encode()
    assert double.documents[document_id]["data"][:2] == (b"\x1f\x8b" if stored_gzip else b"se")
    served = gzip.compress(b"x")  # a GZIP document that is not one is refused, not guessed
    with pytest.raises(ChannelError) as broken:
        Documents(lambda: None).download(double._document(served[:5], "text/plain")[1], "GZIP")
    assert broken.value.kind is ErrorKind.MALFORMED


def test_a_report_document_asked_with_content_encoding_is_read_once_unpacked(double):
    """getReportDocument's enableContentEncodingUrlHeader=true (reports_2021-06-30.json) has
    S3 send the GZIP document with Content-Encoding: gzip; the adapter does not ask for it,
    and reads it either way."""
    text = b"seller-sku\tquantity\nA\t1\n"
    document_id, _url = double._document(text, "text/plain", compress=True)
    for flag, encoding in (("true", "gzip"), ("false", None)):
        answer = raw_get(double, f"/reports/2021-06-30/documents/{document_id}",
                         enableContentEncodingUrlHeader=flag).json()
        assert answer["compressionAlgorithm"] == "GZIP"
        with requests.get(answer["url"], timeout=5, stream=True) as served:
            assert served.headers.get("Content-Encoding") == encoding
        assert Documents(lambda: None).download(answer["url"], "GZIP") == text
