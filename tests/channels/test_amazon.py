"""The Amazon adapter against the SP-API double (tests/doubles/amazon.py) over real HTTP."""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests

from app.channels.amazon import CHANNEL_TYPE, AmazonChannel
from app.channels.amazon.api import SpApi
from app.channels.amazon.documents import unpack
from app.channels.amazon.feeds import FEED_MIN
from app.channels.amazon.reports import report_skus
from app.channels.base import (
    ChannelError,
    ChannelInfo,
    ErrorKind,
    MemoryCredentials,
    QuantityUpdate,
    UpdateStatus,
)
from app.channels.registry import channel_type
from app.services.channel_sync import choose_first, sync_row
from app.services.channels import AdapterPool, adapter_for
from app.store.models import AppliedLineRow, ChannelRow, ChannelSyncRow, ListingRow
from app.sync.engine import SyncEngine
from app.sync.state import channel_statuses
from tests.channels.support import Clock
from tests.doubles.amazon import JAPAN, AmazonDouble, make_double


@pytest.fixture
def double(serve: Callable[[AmazonDouble], AmazonDouble]) -> AmazonDouble:
    return serve(make_double())


def settings(double: AmazonDouble) -> dict[str, object]:
    return {"url": double.url, **double.settings}


def adapter(double: AmazonDouble, clock: Clock | None = None,
            sleeps: list[float] | None = None,
            credentials: MemoryCredentials | None = None) -> AmazonChannel:
    return AmazonChannel(ChannelInfo("amazon", "amazon", settings(double)),
                         credentials or MemoryCredentials(double.credentials),
                         clock=clock or time.time,
                         sleep=sleeps.append if sleeps is not None else None)


def count(double: AmazonDouble, method: str, suffix: str = "") -> int:
    return sum(1 for m, path in double.calls if m == method and path.endswith(suffix))


def asked(double: AmazonDouble, method: str, prefix: str) -> int:
    return sum(1 for m, path in double.calls if m == method and path.startswith(prefix))


def test_the_channel_type_is_found_with_its_settings_and_limits():
    record = channel_type("amazon")
    assert record is CHANNEL_TYPE
    assert [f.key for f in record.credentials] == ["client_id", "client_secret", "refresh_token"]
    assert [(f.key, f.default) for f in record.settings] == [("seller_id", ""),
                                                             ("marketplace_id", JAPAN)]
    assert record.default_url == "https://sellingpartnerapi-fe.amazon.com"
    assert (record.limits.batch_size, record.limits.asynchronous) == (10_000, True)


# -- Login with Amazon ------------------------------------------------------------------------
def test_the_token_is_exchanged_once_then_renewed_before_it_ends(double):
    clock = Clock(time.time())
    channel = adapter(double, clock)
    double.add_listing("A", 4)
    assert channel.read_quantities() == {"A": 4}
    assert channel.read_quantities() == {"A": 4}
    assert double.exchanges == 1  # one token for both reads, sent as x-amz-access-token
    clock.now += 3600 - 200  # within five minutes of its end
    channel.read_quantities()
    assert double.exchanges == 2


def test_an_expired_access_token_is_exchanged_again_without_failing_the_call(double):
    channel = adapter(double)
    double.add_listing("A", 4)
    channel.read_quantities()
    double.expire_access_token()
    raw = requests.get(f"{double.url}/listings/2021-08-01/items/{double.settings['seller_id']}",
                       params={"marketplaceIds": JAPAN},
                       headers={"x-amz-access-token": next(iter(double.access_tokens))},
                       timeout=5)
    assert raw.status_code == 403
    assert raw.json()["errors"][0]["details"] == "The access token you provided has expired."
    assert channel.read_quantities() == {"A": 4}
    assert double.exchanges == 2


def test_a_refused_refresh_token_or_app_stops_the_channel(double):
    double.add_listing("A", 4)
    old = dict(double.credentials)
    double.revoke_credentials()
    with pytest.raises(ChannelError) as refused:
        adapter(double, credentials=MemoryCredentials(old)).read_quantities()
    assert refused.value.kind is ErrorKind.AUTHENTICATION and refused.value.stops_channel
    assert "invalid_grant" in str(refused.value) and old["refresh_token"] not in str(
        refused.value)
    assert adapter(double).read_quantities() == {"A": 4}  # the owner's new refresh token

    wrong = MemoryCredentials({**double.credentials, "client_secret": "amzn1.oa2-cs.v1.nope"})
    with pytest.raises(ChannelError) as unknown:
        adapter(double, credentials=wrong).read_quantities()
    assert unknown.value.kind is ErrorKind.AUTHENTICATION
    assert unknown.value.renew == ("client_id", "client_secret")


# -- stock --------------------------------------------------------------------------------------
def test_a_patch_is_submitted_and_applied_later(double):
    double.apply_delay = 600
    double.add_listing("A", 1)
    channel = adapter(double)
    assert channel.read_quantities() == {"A": 1}
    [result] = channel.set_quantities([QuantityUpdate("A", 9)])
    assert result.status is UpdateStatus.SUBMITTED
    assert double.submissions[-1] == {"sku": "A", "status": "ACCEPTED", "quantity": 9}
    assert double.quantity("A") == 1 and channel.read_quantities() == {"A": 1}
    double.advance(601)
    assert channel.read_quantities() == {"A": 9}


def test_an_unknown_sku_is_accepted_but_missing_at_the_read_back(double):
    double.add_listing("A", 1)
    channel = adapter(double)
    [result] = channel.set_quantities([QuantityUpdate("GHOST", 3)])
    assert result.status is UpdateStatus.SUBMITTED  # Amazon says ACCEPTED
    assert count(double, "PATCH", "/GHOST") == 1
    assert channel.read_quantities() == {"A": 1}
    assert double.quantity("GHOST") is None


def test_an_fba_listing_is_read_but_never_written(double):
    double.add_fba_listing("F", 7)
    double.add_listing("M", 2)
    fresh = adapter(double)  # has not read the listings: asks for this one first
    [result] = fresh.set_quantities([QuantityUpdate("F", 1)])
    assert (result.status, result.message) == (UpdateStatus.UNUSABLE,
                                              "Amazon keeps this stock (FBA)")
    assert count(double, "GET", "/F") == 1
    channel = adapter(double)
    assert channel.read_quantities() == {"F": 7, "M": 2}
    assert [r.status for r in channel.set_quantities([QuantityUpdate("F", 1)])] == [
        UpdateStatus.UNUSABLE]
    assert count(double, "PATCH") == 0 and double.quantity("F") == 7


def test_an_invalid_patch_is_rejected_with_amazons_issue(double):
    double.add_listing("B", 2)
    double.refuse_writes("B")
    [result] = adapter(double).set_quantities([QuantityUpdate("B", 5)])
    assert result.status is UpdateStatus.REJECTED
    assert result.message == "'quantity' is not valid for this listing."
    assert double.quantity("B") == 2


def test_a_throttled_patch_waits_as_long_as_the_rate_header_says(double):
    double.add_listing("A", 1)
    double.rates["patchListingsItem"] = (2.0, 5)  # the header says 2 a second
    double.rate_header_on_429 = True  # when Amazon's 429 carries it
    sleeps: list[float] = []
    channel = adapter(double, sleeps=sleeps)
    channel.read_quantities()
    double.throttle(1)
    [result] = channel.set_quantities([QuantityUpdate("A", 6)])
    assert result.status is UpdateStatus.SUBMITTED
    assert sleeps == [0.5] and count(double, "PATCH") == 2


def test_patches_keep_to_the_published_rate_without_meeting_a_429(double):
    codes = [f"P{n:02d}" for n in range(12)]
    for code in codes:
        double.add_listing(code, 0)
    channel = adapter(double)
    channel.read_quantities()
    results = channel.set_quantities([QuantityUpdate(code, 3) for code in codes])
    assert {r.status for r in results} == {UpdateStatus.SUBMITTED}
    assert count(double, "PATCH") == 12  # 5 at once, then 5 a second: none refused


# -- orders --------------------------------------------------------------------------------------
V0_PATH, SEARCH_PATH = "/orders/v0/orders", "/orders/2026-01-01/orders"


def queries(double: AmazonDouble, path: str) -> list[dict[str, list[str]]]:
    return [query for where, query in double.queries if where == path]


def moment(query: dict[str, list[str]], key: str) -> datetime:
    return datetime.fromisoformat(query[key][0].replace("Z", "+00:00"))


def raw_get(double: AmazonDouble, path: str, **params: str) -> requests.Response:
    token = double.token({**double.credentials, "grant_type": "refresh_token"})[1]
    return requests.get(f"{double.url}{path}", params={"marketplaceIds": JAPAN, **params},
                        headers={"x-amz-access-token": token["access_token"]}, timeout=5)


def test_orders_are_read_with_search_orders_items_inline_never_within_two_minutes(double):
    double.page_size = 2
    double.add_listing("A", 50)
    placed = [double.place_order([("A", 1)]) for _ in range(5)]
    double.place_order([("A", 4)], fba=True)  # Amazon ships it from its own stock
    channel = adapter(double)
    page = channel.read_orders(None, datetime.now(UTC))  # connected just now
    assert sorted(line.order_id for line in page.lines) == sorted(placed)
    assert {(line.channel_item_id, line.quantity, line.cancelled) for line in page.lines} == {
        ("A", 1, False)}
    searched = queries(double, SEARCH_PATH)
    assert len(searched) == 3 and queries(double, V0_PATH) == []
    assert count(double, "GET", "/orderItems") == 0  # the items come with the orders
    first = searched[0]
    assert first["fulfilledBy"] == ["MERCHANT"] and "FULFILLMENT" in first["includedData"][0]
    assert moment(first, "lastUpdatedAfter") <= datetime.now(UTC) - timedelta(seconds=119)
    # the following pages: the token with the same filters, as the model requires
    assert all("paginationToken" in q and q["lastUpdatedAfter"] == first["lastUpdatedAfter"]
               for q in searched[1:])
    assert channel.orders_api == "2026-01-01"

    again = channel.read_orders(page.next_cursor, datetime.now(UTC))
    assert again.lines == []  # the overlapping two minutes are listed again, not taken
    assert len(queries(double, SEARCH_PATH)) == 6


def test_a_time_less_than_two_minutes_ago_is_refused_as_amazon_words_it(double):
    now = datetime.now(UTC)
    words = "The input you have submitted is not valid. Please check your input and try again."
    for path, params in (
            (SEARCH_PATH, {"lastUpdatedAfter": now.strftime("%Y-%m-%dT%H:%M:%SZ")}),
            (SEARCH_PATH, {"lastUpdatedAfter": "2026-01-01T00:00:00Z",
                           "lastUpdatedBefore": (now - timedelta(seconds=60)).strftime(
                               "%Y-%m-%dT%H:%M:%SZ")}),
            (V0_PATH, {"MarketplaceIds": JAPAN,
                       "LastUpdatedAfter": now.strftime("%Y-%m-%dT%H:%M:%SZ")})):
        answer = raw_get(double, path, **params)
        assert answer.status_code == 400, (path, params)
        assert answer.json()["errors"] == [{"code": "InvalidInput", "message": words,
                                            "details": ""}]
    fine = raw_get(double, SEARCH_PATH, lastUpdatedAfter=(now - timedelta(seconds=121)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"))
    assert fine.status_code == 200 and fine.json()["orders"] == []
    # and the adapter never asks for less than two minutes ago, whatever its cursor says
    channel = adapter(double)
    ahead = json.dumps({"after": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "seen": {}})
    assert channel.read_orders(ahead, now).lines == []
    assert moment(queries(double, SEARCH_PATH)[-1], "lastUpdatedAfter") <= (
        datetime.now(UTC) - timedelta(seconds=119))


def test_a_search_orders_page_token_holds_only_with_the_same_filters(double):
    double.page_size = 1
    double.add_listing("A", 50)
    for _ in range(2):
        double.place_order([("A", 1)])
    after = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = raw_get(double, SEARCH_PATH, lastUpdatedAfter=after).json()
    token = first["pagination"]["nextToken"]
    other = raw_get(double, SEARCH_PATH, lastUpdatedAfter="2026-01-01T00:00:00Z",
                    paginationToken=token)
    assert other.status_code == 400 and other.json()["errors"][0]["code"] == "InvalidInput"
    same = raw_get(double, SEARCH_PATH, lastUpdatedAfter=after, paginationToken=token,
                   includedData="FULFILLMENT")  # includedData may change between pages
    assert same.status_code == 200 and "pagination" not in same.json()
    [order] = same.json()["orders"]
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    one = raw_get(double, f"{SEARCH_PATH}/{order['orderId']}", includedData="FULFILLMENT")
    assert one.json()["order"]["orderItems"] == order["orderItems"]  # getOrder, the same


def make_on(clock: Clock) -> AmazonDouble:
    server = AmazonDouble(clock=clock)
    server.start()
    return server


def test_a_seller_without_2026_is_read_with_v0_and_the_choice_is_kept(double):
    clock = Clock(datetime(2026, 12, 1, tzinfo=UTC).timestamp())  # before v0's retirement
    double = make_on(clock)
    try:
        double.v0_only = True  # this endpoint serves Orders API v0 only
        double.page_size = 2
        double.add_listing("A", 50)
        placed = [double.place_order([("A", 1)]) for _ in range(5)]
        double.place_order([("A", 4)], fba=True)
        channel = adapter(double, clock)
        since = datetime.fromtimestamp(clock.now, UTC) - timedelta(hours=1)
        page = channel.read_orders(None, since)
        assert sorted(line.order_id for line in page.lines) == sorted(placed)
        assert len(queries(double, SEARCH_PATH)) == 1  # answered 404: not served here
        fetched = queries(double, V0_PATH)
        assert len(fetched) == 3 and all("NextToken" in q for q in fetched[1:])
        assert moment(fetched[0], "LastUpdatedAfter") <= since
        assert count(double, "GET", "/orderItems") == 5  # not the FBA order's
        assert channel.orders_api == "v0"

        clock.now += 600
        assert channel.read_orders(page.next_cursor, since).lines == []
        assert len(queries(double, SEARCH_PATH)) == 1  # remembered: v0 straight away
        clock.now += 86400  # a day on: 2026-01-01 is asked for again
        double.v0_only = False
        extra = double.place_order([("A", 2)])
        # v0's cursor: its five orders come again, in 2026-01-01's words, and are known
        page = channel.read_orders(page.next_cursor, since)
        assert [line.order_id for line in page.lines] == [extra]
        assert len(queries(double, SEARCH_PATH)) == 1 + 3 and channel.orders_api == "2026-01-01"
    finally:
        double.stop()


def test_after_v0s_retirement_a_missing_2026_is_an_error_not_a_fallback(double):
    double.v0_only = True
    clock = Clock(datetime(2027, 3, 28, tzinfo=UTC).timestamp())
    with pytest.raises(ChannelError) as missing:
        adapter(double, clock).read_orders(None, datetime.now(UTC) - timedelta(hours=1))
    assert missing.value.kind is ErrorKind.NOT_FOUND
    assert queries(double, V0_PATH) == []


@pytest.mark.parametrize("v0_only", [False, True], ids=["2026-01-01", "v0"])
def test_cancelled_and_partly_cancelled_orders_come_as_their_lines(double, v0_only):
    double.v0_only = v0_only
    double.add_listing("A", 50)
    double.add_listing("B", 50)
    key = double.place_order([("A", 3), ("B", 2)])
    channel = adapter(double)
    since = datetime.now(UTC) - timedelta(hours=1)
    first = channel.read_orders(None, since)
    lines = {line.line_id: line for line in first.lines}
    double.cancel_units(key, "A", 1)
    again = channel.read_orders(first.next_cursor, since).lines
    assert {(line.channel_item_id, line.quantity, line.cancelled) for line in again} == {
        ("A", 2, False), ("B", 2, False)}
    assert {line.line_id for line in again} == set(lines)  # the same lines, both versions
    double.cancel_order(key)
    gone = channel.read_orders(first.next_cursor, since).lines
    assert {(line.channel_item_id, line.cancelled) for line in gone} == {
        ("A", True), ("B", True)}
    assert channel.orders_api == ("v0" if v0_only else "2026-01-01")
    assert bool(queries(double, V0_PATH)) is v0_only


def test_a_throttled_order_read_waits_for_a_later_cycle_with_nothing_lost(double):
    double.add_listing("A", 50)
    key = double.place_order([("A", 2)])
    sleeps: list[float] = []
    channel = adapter(double, sleeps=sleeps)
    since = datetime.now(UTC) - timedelta(hours=1)
    start = channel.read_orders(None, since).next_cursor
    double.cancel_units(key, "A", 1)
    double.throttle(1)
    page = channel.read_orders(start, since)  # a 429 on searchOrders: no error
    assert (page.lines, page.next_cursor, sleeps) == ([], start, [])
    [line] = channel.read_orders(start, since).lines
    assert (line.order_id, line.quantity) == (key, 1)


def test_a_429_between_pages_returns_the_pages_read_and_the_next_read_the_rest(double):
    double.page_size = 2
    double.add_listing("A", 50)
    placed = [double.place_order([("A", 1)]) for _ in range(5)]
    double.rates["searchOrders"] = (0.0056, 1)  # Amazon's bucket holds one call
    channel = adapter(double)
    since = datetime.now(UTC) - timedelta(hours=1)
    page = channel.read_orders(None, since)
    assert len(page.lines) == 2 and len(queries(double, SEARCH_PATH)) == 2  # the 2nd got 429
    double.rates["searchOrders"] = (0.0056, 20)
    double.buckets.clear()
    rest = channel.read_orders(page.next_cursor, since)
    read = [line.order_id for line in page.lines + rest.lines]
    assert sorted(read) == sorted(placed)  # each once
    assert channel.read_orders(rest.next_cursor, since).lines == []


def test_an_empty_bucket_skips_the_order_read_without_a_call(double):
    clock = Clock(time.time())
    double.add_listing("A", 50)
    channel = adapter(double, clock)
    since = datetime.now(UTC) - timedelta(hours=1)
    cursor = channel.read_orders(None, since).next_cursor
    for _ in range(30):
        cursor = channel.read_orders(cursor, since).next_cursor
    # a little under the plan's burst of 20, then nothing until a call has come back
    assert len(queries(double, SEARCH_PATH)) == 19
    key = double.place_order([("A", 3)])
    fresh = channel.read_orders(cursor, since)  # read whole a moment ago: as good as now
    assert (fresh.lines, fresh.next_cursor, fresh.deferred) == ([], cursor, False)
    clock.now += 30
    skipped = channel.read_orders(cursor, since)
    assert (skipped.lines, skipped.next_cursor, skipped.deferred) == ([], cursor, True)
    clock.now += 140  # the plan's rate is one call in 179 s (Rendo keeps under it)
    assert channel.read_orders(cursor, since).deferred
    clock.now += 30
    [line] = channel.read_orders(cursor, since).lines
    assert (line.order_id, line.quantity) == (key, 3)
    assert len(queries(double, SEARCH_PATH)) == 20


def test_the_doubles_burst_runs_out_with_429_and_the_rate_header(double):
    for path, params, rate in ((V0_PATH, {"MarketplaceIds": JAPAN}, "0.0167"),
                               (SEARCH_PATH, {}, "0.0056")):
        after = "LastUpdatedAfter" if path == V0_PATH else "lastUpdatedAfter"
        answers = [raw_get(double, path, **params, **{after: "2026-01-01T00:00:00Z"})
                   for _ in range(21)]
        assert [a.status_code for a in answers] == [200] * 20 + [429]
        assert answers[0].headers["x-amzn-RateLimit-Limit"] == rate
        assert "x-amzn-RateLimit-Limit" not in answers[-1].headers  # not on every 429
        assert answers[-1].json()["errors"][0]["code"] == "QuotaExceeded"


# -- through the engine ---------------------------------------------------------------------------
@pytest.fixture
def synced(double, shop):
    for code, on_hand in (("A", 40), ("B", 30)):
        shop.add_item(code)
        shop.adjust(code, f"+{on_hand}")
        double.add_listing(code, 0)
    shop.add_channel("amazon", "amazon", settings=settings(double),
                     credentials=double.credentials)
    choose_first("amazon", "push")
    engine = SyncEngine(shop, adapter_for)
    assert all(r.ok for r in engine.run_due(force=True))
    assert (double.quantity("A"), double.quantity("B")) == (40, 30)
    return engine


def test_a_submitted_number_stays_pending_until_a_read_shows_it(double, shop):
    double.apply_delay = 600
    shop.add_item("A")
    shop.adjust("A", "+12")
    double.add_listing("A", 0)
    shop.add_channel("amazon", "amazon", settings=settings(double),
                     credentials=double.credentials)
    choose_first("amazon", "push")
    engine = SyncEngine(shop, adapter_for)
    [report] = engine.run_due(force=True)
    assert report.ok and report.uploaded == 1
    listing = ListingRow.get(ListingRow.channel_item_id == "A")
    assert (listing.believed_qty, listing.pending) == (0, [12])
    engine.drift_every = timedelta(0)
    assert all(r.ok for r in engine.run_due(force=True))  # not applied yet: still pending
    listing = ListingRow.get(ListingRow.channel_item_id == "A")
    assert (listing.pending, listing.drift_qty) == ([12], None)
    double.advance(601)
    assert all(r.ok for r in engine.run_due(force=True))
    listing = ListingRow.get(ListingRow.channel_item_id == "A")
    assert (listing.believed_qty, listing.pending, listing.drift_qty) == (12, [], None)


def test_orders_and_cancellations_move_stock_once(double, shop, synced):
    key = double.place_order([("A", 3), ("B", 2)])
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 28)
    ChannelSyncRow.update(cursor=None).execute()  # every order read again
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 28)
    double.cancel_units(key, "B", 1)
    synced.run_due(force=True)
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 29)
    double.cancel_order(key)
    synced.run_due(force=True)
    ChannelSyncRow.update(cursor=None).execute()
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (40, 30)
    assert (double.quantity("A"), double.quantity("B")) == (40, 30)


def test_cancellations_give_stock_back_once_across_both_versions(double, shop, synced):
    def on_hand() -> tuple[int, int]:
        return shop.book.on_hand["A"], shop.book.on_hand["B"]

    def read_with() -> set[str]:
        paths = {path for path, _ in double.queries if path.startswith("/orders/")}
        double.queries.clear()
        return {path.split("/")[2] for path in paths}

    key = double.place_order([("A", 3), ("B", 2)])
    read_with()
    assert all(r.ok for r in synced.run_due(force=True))
    assert on_hand() == (37, 28) and read_with() == {"2026-01-01"}
    double.v0_only = True  # from now on the same cursor is read with v0
    double.cancel_units(key, "B", 1)
    synced.run_due(force=True)
    synced.run_due(force=True)
    assert on_hand() == (37, 29) and read_with() == {"2026-01-01", "v0"}  # (404, then v0)
    double.v0_only = False
    double.cancel_units(key, "A", 1)
    synced.run_due(force=True)
    assert on_hand() == (38, 29)
    double.v0_only = True
    double.cancel_order(key)
    assert all(r.ok for r in synced.run_due(force=True))
    assert on_hand() == (40, 30)
    for v0_only in (False, True, False):  # every order read again, with each version
        double.v0_only = v0_only
        ChannelSyncRow.update(cursor=None).execute()
        assert all(r.ok for r in synced.run_due(force=True))
        assert on_hand() == (40, 30)
    assert (double.quantity("A"), double.quantity("B")) == (40, 30)


def test_an_empty_bucket_defers_a_cycles_orders_and_upload_and_a_later_cycle_does_both(
        double, shop):
    for code, on_hand in (("A", 40), ("B", 30), ("C", 2)):
        shop.add_item(code)
        shop.adjust(code, f"+{on_hand}")
        double.add_listing(code, 0)
    shop.add_channel("amazon", "amazon", settings=settings(double),
                     credentials=double.credentials)
    choose_first("amazon", "push")
    pool = AdapterPool()
    try:
        engine = SyncEngine(shop, pool)
        assert all(r.ok for r in engine.run_due(force=True))
        row = ChannelRow.get(ChannelRow.name == "amazon")
        channel = pool.get(row)
        assert isinstance(channel, AmazonChannel)
        clock = channel.clock = Clock(time.time())
        for _ in range(25):  # every cycle reads the orders until the plan's burst is spent
            if not channel.sp.ready("searchOrders"):
                break
            assert all(r.ok for r in engine.run_due(force=True))
        assert not channel.sp.ready("searchOrders")
        searches = sum(1 for path, _ in double.queries if path.startswith("/orders/2026"))
        clock.now += 30  # the last read is no longer fresh
        double.advance(30)

        key = double.place_order([("A", 3)])  # Amazon shows 37 from now
        shop.adjust("B", "+5")
        shop.adjust("C", "=0")  # the last two sold in the shop: Amazon must stop selling
        cursor = sync_row(row).cursor
        engine.drift_every = timedelta(0)  # a read-back every cycle
        [report] = engine.run_due(force=True)
        assert report.ok and not report.error and report.orders_applied == 0
        assert report.orders_deferred and sync_row(row).cursor == cursor
        assert shop.book.on_hand["A"] == 40
        # no read-back while orders wait: 37 is an order Rendo has not read, not a hand
        assert report.drift == []
        assert ListingRow.get(ListingRow.channel_item_id == "A").drift_qty is None
        # nor an upload: a number set now could erase an order not read yet; but a zero,
        # which cannot, goes at once
        assert report.uploaded == 1 and double.quantity("B") == 30
        assert double.quantity("C") == 0
        assert sum(1 for path, _ in double.queries if path.startswith("/orders/2026")) == (
            searches)  # not even asked

        for seconds in (200, 0, 200):  # a call back in the bucket, none, one again
            clock.now += seconds
            double.advance(seconds)
            assert all(r.ok and not r.drift for r in engine.run_due(force=True))
            assert shop.book.on_hand["A"] == 37  # read once, applied once
            assert double.quantity("B") == 35  # uploaded once the orders were read
        assert double.quantity("A") == 37
        assert [(v.channel_item_id, v.drift_qty) for v in ListingRow.select()] == [
            ("A", None), ("B", None), ("C", None)]
        assert [line for line in AppliedLineRow.select() if line.order_id == key]
    finally:
        pool.close()


def test_end_to_end_a_local_change_reaches_amazon_and_a_revocation_stops_it(
        double, shop, synced):
    shop.adjust("A", "+5")
    assert all(r.ok for r in synced.run_due(force=True))
    assert double.quantity("A") == 45
    double.revoke_credentials()
    shop.adjust("A", "+1")
    [report] = synced.run_due(force=True)
    assert not report.ok and report.error_kind == ErrorKind.AUTHENTICATION
    status = next(s for s in channel_statuses() if s.name == "amazon")
    assert status.stopped
    shop.set_credentials("amazon", dict(double.credentials))
    assert ChannelRow.get(ChannelRow.name == "amazon")
    assert all(r.ok for r in synced.run_due(force=True))
    assert double.quantity("A") == 46


# -- large uploads: the JSON listings feed ------------------------------------------------------
def quiet(double: AmazonDouble) -> list[float]:
    """The double's rate buckets off and the adapter's waits recorded, not slept: for
    scenarios of hundreds of calls (the rates have their own tests above)."""
    double.enforce_rates = False
    return []


def test_a_batch_of_feed_min_listings_goes_as_one_feed_and_fewer_as_patches(double):
    sleeps = quiet(double)
    codes = [f"F{n:03d}" for n in range(FEED_MIN)]
    for code in codes:
        double.add_listing(code, 0)
    channel = adapter(double, sleeps=sleeps)
    channel.read_quantities()
    few = channel.set_quantities([QuantityUpdate(code, 2) for code in codes[:-1]])
    assert {r.status for r in few} == {UpdateStatus.SUBMITTED}
    assert count(double, "PATCH") == FEED_MIN - 1 and count(double, "POST", "/feeds") == 0
    results = channel.set_quantities([QuantityUpdate(code, 5) for code in codes])
    assert [r.channel_item_id for r in results] == codes
    assert {r.status for r in results} == {UpdateStatus.SUBMITTED}
    assert count(double, "PATCH") == FEED_MIN - 1  # none more
    assert (count(double, "POST", "/feeds/2021-06-30/documents"),
            count(double, "PUT", ""), count(double, "POST", "/feeds/2021-06-30/feeds")) == (
        1, 1, 1)
    document = json.loads(next(iter(f["input"] for f in double.feeds.values())))
    assert document["header"] == {"sellerId": double.settings["seller_id"], "version": "2.0",
                                   "issueLocale": "en_US"}
    assert document["messages"][0] == {
        "messageId": 1, "sku": codes[0], "operationType": "PATCH", "productType": "PRODUCT",
        "patches": [{"op": "merge", "path": "/attributes/fulfillment_availability",
                     "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}]}]}
    assert channel.read_quantities() == dict.fromkeys(codes, 5)


def test_a_large_upload_goes_as_one_feed_and_a_later_read_confirms_it(double, shop):
    double.feed_delay = 600
    codes = [f"L{n:03d}" for n in range(150)]
    for code in codes:
        shop.add_item(code)
        shop.adjust(code, "+7")
        double.add_listing(code, 0)
    shop.add_channel("amazon", "amazon", settings=settings(double),
                     credentials=double.credentials)
    choose_first("amazon", "push")
    engine = SyncEngine(shop, adapter_for)
    [report] = engine.run_due(force=True)
    assert report.ok and report.uploaded == 150
    assert count(double, "POST", "/feeds/2021-06-30/feeds") == 1 and count(double, "PATCH") == 0
    assert {tuple(listing.pending) for listing in ListingRow.select()} == {(7,)}
    engine.drift_every = timedelta(0)
    assert all(r.ok for r in engine.run_due(force=True))  # not processed yet: still pending
    assert {tuple(listing.pending) for listing in ListingRow.select()} == {(7,)}
    double.advance(601)
    assert all(r.ok for r in engine.run_due(force=True))
    rows = list(ListingRow.select())
    assert {(r.believed_qty, tuple(r.pending), r.drift_qty) for r in rows} == {(7, (), None)}
    assert count(double, "POST", "/feeds/2021-06-30/feeds") == 1


def test_what_a_feeds_processing_report_refuses_is_logged_and_answered_once(double, caplog):
    sleeps = quiet(double)
    clock = Clock(time.time())
    codes = [f"E{n:03d}" for n in range(FEED_MIN)]
    for code in codes:
        double.add_listing(code, 0)
    double.refuse_writes(codes[1])
    channel = adapter(double, clock, sleeps)
    channel.read_quantities()
    updates = [QuantityUpdate(code, 4) for code in [*codes, "GHOST"]]
    assert {r.status for r in channel.set_quantities(updates)} == {UpdateStatus.SUBMITTED}
    with caplog.at_level(logging.DEBUG):
        channel.read_quantities()  # the feed is not asked about in the cycle that sent it
        assert asked(double, "GET", "/feeds/2021-06-30/feeds/") == 0
        clock.now += 31
        shown = channel.read_quantities()
    assert asked(double, "GET", "/feeds/2021-06-30/feeds/") == 1
    assert shown[codes[0]] == 4 and shown[codes[1]] == 0 and "GHOST" not in shown
    ghost = "'[merchant_suggested_asin]' is required but not supplied. (90220)"
    assert f"GHOST refused: {ghost}" in caplog.text
    assert f"{codes[1]} refused: 'quantity' is not valid for this listing." in caplog.text
    # the processing report (GZIP) was read from its pre-signed address, without Rendo's token
    assert any(path.startswith("/documents/") for method, path in double.calls
               if method == "GET")
    assert all("x-amz-access-token" not in headers and "authorization" not in headers
               for _method, _path, headers in double.document_requests)
    assert "X-Amz-Signature" not in caplog.text
    [refused] = channel.set_quantities([QuantityUpdate("GHOST", 4)])
    assert (refused.status, refused.message) == (
        UpdateStatus.REJECTED, f"Amazon refused the listings feed's message: {ghost}")
    assert count(double, "PATCH") == 0  # answered, not sent
    [again] = channel.set_quantities([QuantityUpdate("GHOST", 4)])
    assert again.status is UpdateStatus.SUBMITTED and count(double, "PATCH", "/GHOST") == 1


def test_a_feed_is_never_sent_for_fba_listings(double):
    sleeps = quiet(double)
    codes = [f"M{n:03d}" for n in range(FEED_MIN)]
    for code in codes:
        double.add_listing(code, 1)
    double.add_fba_listing("FBA1", 9)
    channel = adapter(double, sleeps=sleeps)  # has read nothing: asks for their channels
    results = channel.set_quantities([QuantityUpdate(c, 3) for c in [*codes, "FBA1"]])
    assert results[-1].status is UpdateStatus.UNUSABLE
    document = json.loads(next(iter(f["input"] for f in double.feeds.values())))
    assert "FBA1" not in {m["sku"] for m in document["messages"]}
    assert count(double, "GET", "/FBA1") == 0  # asked 20 SKUs a call, not one by one
    assert len([q for _path, q in double.queries if "identifiers" in q]) == 6
    assert double.quantity("FBA1") == 9


def test_a_document_address_that_is_not_https_is_refused_without_its_signature(double,
                                                                               caplog):
    sleeps = quiet(double)
    codes = [f"D{n:03d}" for n in range(FEED_MIN)]
    for code in codes:
        double.add_listing(code, 0)
    double.document_base = "http://documents.example.com"
    channel = adapter(double, sleeps=sleeps)
    channel.read_quantities()
    with caplog.at_level(logging.DEBUG), pytest.raises(ChannelError) as refused:
        channel.set_quantities([QuantityUpdate(code, 1) for code in codes])
    assert refused.value.kind is ErrorKind.REFUSED and not refused.value.stops_channel
    assert "http://documents.example.com/documents/" in str(refused.value)
    assert "X-Amz-Signature" not in str(refused.value) + caplog.text
    assert double.document_requests == [] and double.feeds == {}


def test_a_gzip_document_is_unpacked_within_a_cap():
    assert unpack(gzip.compress(b"x" * 1000), "GZIP", limit=1000) == b"x" * 1000
    with pytest.raises(ChannelError) as bomb:
        unpack(gzip.compress(b"x" * 1001), "GZIP", limit=1000)
    assert bomb.value.kind is ErrorKind.MALFORMED
    assert unpack(b"plain", None) == b"plain"


# -- more than 1,000 listings: the listings report ------------------------------------------------
def test_listings_beyond_1000_are_read_through_the_report_across_cycles(double):
    sleeps = quiet(double)
    double.report_delay = 600
    codes = [f"R{n:04d}" for n in range(1030)]
    codes[-3] = "R1027,B"  # a comma: the separator of searchListingsItems' identifiers
    for number, code in enumerate(codes):
        double.add_listing(code, number % 7)
    double.add_fba_listing("R9999", 3)
    channel = adapter(double, sleeps=sleeps)
    for status in ("IN_QUEUE", "IN_PROGRESS"):
        with pytest.raises(ChannelError) as waiting:
            channel.read_quantities()
        assert waiting.value.kind is ErrorKind.RATE_LIMITED and not waiting.value.stops_channel
        assert "preparing the listings report" in str(waiting.value)
        assert waiting.value.retry_after == 60
        assert [r["processingStatus"] for r in double.reports.values()] == [status]
        double.advance(301)
    assert count(double, "POST", "/reports/2021-06-30/reports") == 1  # its id is kept
    del double.listings[codes[-1]]  # removed after the report was made
    double.set_quantity(codes[-2], 50)  # the numbers are read now, not the report's
    shown = channel.read_quantities()
    assert shown == {**{c: n % 7 for n, c in enumerate(codes[:-1])}, codes[-2]: 50,
                     "R9999": 3}
    by_sku = [q for path, q in double.queries if "identifiers" in q]
    assert len(by_sku) == 2 and all(q["identifiersType"] == ["SKU"] for q in by_sku)
    assert count(double, "GET", "/R1027%2CB") == 1
    again = channel.read_quantities()  # the report's SKUs are used again, not asked for
    assert again == shown and count(double, "POST", "/reports/2021-06-30/reports") == 1
    fresh = adapter(double, sleeps=sleeps)  # a new process finds the report with getReports
    assert fresh.read_quantities() == shown
    assert count(double, "POST", "/reports/2021-06-30/reports") == 1


def test_a_japanese_listings_report_in_shift_jis_is_read(double):
    sleeps = quiet(double)
    double.report_locale, double.compress = "ja_JP", False
    codes = [f"J{n:04d}" for n in range(1001)]
    for code in codes:
        double.add_listing(code, 2)
    shown = adapter(double, sleeps=sleeps).read_quantities()
    assert shown == dict.fromkeys(codes, 2)
    [document] = [d for d in double.documents.values() if d["type"].startswith("text/")]
    header = document["data"].decode("cp932").split("\n", 1)[0].split("\t")
    assert header[:4] == ["商品名", "item-description", "出品ID", "出品者SKU"]


def test_the_report_is_read_in_either_language_and_encoding():
    english = "item-name\tseller-sku\tquantity\tfulfillment-channel\n商品\tA-1\t3\tDEFAULT\n"
    japanese = "商品名\t出品者SKU\t数量\tフルフィルメント・チャンネル\n商品①\tB-1\t\tAMAZON_JP\n"
    assert report_skus(english.encode("utf-8")) == ["A-1"]
    assert report_skus(b"\xef\xbb\xbf" + english.encode("utf-8")) == ["A-1"]
    assert report_skus(japanese.encode("cp932")) == ["B-1"]
    with pytest.raises(ChannelError) as unreadable:
        report_skus("商品名\t価格\n".encode("cp932"))
    assert unreadable.value.kind is ErrorKind.MALFORMED


def test_the_double_holds_ten_thousand_listings_cheaply(double):
    sleeps = quiet(double)
    started = time.monotonic()
    for n in range(10_000):
        double.add_listing(f"T{n:05d}", 1)
    shown = adapter(double, sleeps=sleeps).read_quantities()
    assert len(shown) == 10_000
    assert time.monotonic() - started < 60


def test_a_first_sync_past_1000_listings_waits_for_the_report_without_stopping(
        double, shop, monkeypatch):
    monkeypatch.setattr(SpApi, "_pace", lambda api, operation: None)  # rates: tested above
    double.enforce_rates = False
    double.report_delay = 600
    for n in range(1005):
        double.add_listing(f"W{n:04d}", 1)
    shop.add_item("W1004")
    shop.adjust("W1004", "+6")
    shop.add_channel("amazon", "amazon", settings=settings(double),
                     credentials=double.credentials)
    choose_first("amazon", "push")
    engine = SyncEngine(shop, adapter_for)
    [report] = engine.run_due(force=True)
    assert not report.ok and report.error_kind == ErrorKind.RATE_LIMITED
    assert "preparing the listings report" in report.error
    status = next(s for s in channel_statuses() if s.name == "amazon")
    assert not status.stopped
    double.advance(601)
    [report] = engine.run_due(force=True)
    assert report.ok and report.uploaded == 1
    assert double.quantity("W1004") == 6
    assert count(double, "POST", "/reports/2021-06-30/reports") == 1


def test_a_report_amazon_no_longer_knows_is_asked_for_again(double):
    sleeps = quiet(double)
    double.report_delay = 600
    for n in range(1001):
        double.add_listing(f"G{n:04d}", 1)
    channel = adapter(double, sleeps=sleeps)
    with pytest.raises(ChannelError):
        channel.read_quantities()
    double.reports.clear()  # gone (Amazon keeps reports 90 days)
    with pytest.raises(ChannelError) as again:
        channel.read_quantities()
    assert again.value.kind is ErrorKind.SERVER_ERROR and "gone (HTTP 404)" in str(again.value)
    with pytest.raises(ChannelError) as waiting:
        channel.read_quantities()
    assert waiting.value.kind is ErrorKind.RATE_LIMITED
    assert count(double, "POST", "/reports/2021-06-30/reports") == 2


def test_a_feed_amazon_no_longer_knows_is_let_go_and_the_read_goes_on(double, caplog):
    sleeps = quiet(double)
    double.feed_delay = 600
    clock = Clock(time.time())
    codes = [f"H{n:03d}" for n in range(FEED_MIN)]
    for code in codes:
        double.add_listing(code, 1)
    channel = adapter(double, clock, sleeps)
    channel.set_quantities([QuantityUpdate(code, 2) for code in codes])
    double.feeds.clear()
    clock.now += 31
    with caplog.at_level(logging.WARNING):
        assert channel.read_quantities() == dict.fromkeys(codes, 1)
    assert channel.feeds.pending == [] and "is not known to Amazon any more" in caplog.text
