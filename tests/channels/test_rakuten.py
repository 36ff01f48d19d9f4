"""The 楽天市場 adapter against the RMS double (tests/doubles/rakuten.py) over real HTTP."""

from __future__ import annotations

import base64
import time
from datetime import UTC, date, datetime, timedelta

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
from app.channels.rakuten import CHANNEL_TYPE, RakutenChannel
from app.channels.registry import channel_type
from app.services.channel_sync import choose_first
from app.services.channels import adapter_for
from app.store.models import AppliedLineRow, ChannelRow, ChannelSyncRow, ListingRow
from app.sync.engine import SyncEngine
from tests.channels.support import Clock, settings
from tests.doubles.rakuten import RakutenDouble, make_double

UPSERT = "/es/2.0/inventories/bulk-upsert"
GET = "/es/2.0/inventories/bulk-get"


@pytest.fixture
def double(serve) -> RakutenDouble:
    return serve(make_double())


def adapter(double: RakutenDouble, clock: Clock | None = None,
            **more: object) -> RakutenChannel:
    info = ChannelInfo("rakuten", "rakuten", settings(double, **more))
    client = HttpClient(double.url, timeout=(1, 2), max_retries=1, backoff_base=0.01)
    writes = HttpClient(double.url, timeout=(1, 2), max_retries=0)
    return RakutenChannel(info, MemoryCredentials(double.credentials), client=client,
                          write_client=writes, **({"clock": clock} if clock else {}))


def upserts(double: RakutenDouble) -> list[list[dict]]:
    return [body["inventories"] for path, body in double.bodies if path == UPSERT]


def test_the_channel_type_is_found_with_its_credentials_and_limits():
    record = channel_type("rakuten")
    assert record is CHANNEL_TYPE
    assert [f.key for f in record.credentials] == ["service_secret", "license_key"]
    assert [f.key for f in record.settings] == ["license_expires"]
    assert record.default_url == "https://api.rms.rakuten.co.jp"
    assert (record.limits.batch_size, record.limits.relative) == (400, True)
    assert record.limits.requests_per_second == 1.0
    made = CHANNEL_TYPE.factory(ChannelInfo("r", "rakuten", {}), MemoryCredentials({}))
    assert isinstance(made, RakutenChannel)
    assert made.write_client.max_retries == 0 and made.client.max_retries > 0
    assert made.write_client.base_url == "https://api.rms.rakuten.co.jp"


def test_a_throttled_write_answers_retry_and_is_not_applied(double):
    double.add_listing("A", 3)
    channel = adapter(double)
    channel.read_quantities()
    double.throttle(1)
    [result] = channel.set_quantities([QuantityUpdate("A", 5, delta=+2)])
    assert result.status is UpdateStatus.RETRY and result.kind is ErrorKind.RATE_LIMITED
    assert double.quantity("A") == 3


def test_every_call_carries_the_esa_header_and_ids_follow_the_design(double):
    double.add_item("shirt", {"red": ("SHIRT-RED", 3), "blue": (None, 4)})
    double.add_listing("CUP", 7)
    seen = []
    original = double.handle

    def spy(method, path, query, body, authorization):
        seen.append(authorization)
        return original(method, path, query, body, authorization)

    double.handle = spy  # type: ignore[method-assign]
    assert adapter(double).read_quantities() == {"SHIRT-RED": 3, "shirt/blue": 4, "CUP": 7}
    token = base64.b64encode(f"{double.service_secret}:{double.license_key}".encode()).decode()
    assert seen and set(seen) == {f"ESA {token}"}


def test_json_bodies_say_their_charset_as_rms_documents_the_header(double):
    double.add_listing("A", 1)
    channel = adapter(double)
    channel.set_quantities([QuantityUpdate("A", 2)])  # bulk-upsert, then bulk-get
    channel.read_orders(None, datetime.utcnow() - timedelta(minutes=1))  # searchOrder
    assert double.content_types and set(double.content_types) == {
        "application/json; charset=utf-8"}


def test_test_connection_calls_each_api_and_fails_on_a_refused_key(double):
    double.add_listing("A", 1)
    channel = adapter(double)
    channel.test_connection()
    paths = {path for _, path in double.calls}
    assert {"/es/2.0/items/search", "/es/2.0/inventories/bulk-get",
            "/es/2.0/order/searchOrder/"} <= paths
    double.revoke_credentials()
    with pytest.raises(ChannelError) as refused:
        channel.test_connection()
    assert refused.value.kind is ErrorKind.AUTHENTICATION


def test_bulk_limits_split_reads_by_1000_and_writes_by_400(double):
    for n in range(1001):
        double.add_listing(f"P{n:04d}", 1)
    channel = adapter(double)
    assert len(channel.read_quantities()) == 1001
    gets = [len(b["inventories"]) for p, b in double.bodies
            if p == "/es/2.0/inventories/bulk-get"]
    assert gets == [1000, 1]
    updates = [QuantityUpdate(f"P{n:04d}", 5) for n in range(450)]
    results = channel.set_quantities(updates)
    assert {r.status for r in results} == {UpdateStatus.OK}
    assert [len(batch) for batch in upserts(double)] == [400, 50]
    assert double.quantity("P0449") == 5


def test_a_delta_goes_relative_and_a_plain_quantity_absolute(double):
    double.add_listing("A", 10)
    double.add_listing("B", 10)
    channel = adapter(double)
    double.place_order([("A", 2)])  # 楽天 sold two meanwhile: 8
    results = channel.set_quantities([QuantityUpdate("A", 13, delta=+5),
                                      QuantityUpdate("B", 4)])
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.OK]
    assert [(e["mode"], e["quantity"]) for e in upserts(double)[0]] == [("RELATIVE", 5),
                                                                      ("ABSOLUTE", 4)]
    assert (double.quantity("A"), double.quantity("B")) == (13, 4)


def test_a_relative_write_is_never_sent_twice(double, monkeypatch):
    double.add_listing("A", 10)
    channel = adapter(double)
    channel.read_quantities()
    original = double._bulk_upsert

    def applied_then_lost(body):
        original(body)
        return 503, {"errors": [{"code": "GE0500", "message": "Service Unavailable"}]}

    monkeypatch.setattr(double, "_bulk_upsert", applied_then_lost)
    with pytest.raises(ChannelError):
        channel.set_quantities([QuantityUpdate("A", 12, delta=+2)])
    assert len(upserts(double)) == 1 and double.quantity("A") == 12


def test_an_unknown_sku_is_accepted_by_rakuten_but_missing_at_the_read_back(double):
    double.add_item("mug", {"s": (None, 2)})
    channel = adapter(double)
    results = channel.set_quantities([QuantityUpdate("mug/s", 5), QuantityUpdate("mug/xl", 5)])
    assert double.calls.count(("POST", UPSERT)) == 1  # 楽天 took both (HTTP 204)
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.OK]
    assert ("POST", GET) not in double.calls  # a write is not read back by the adapter
    assert channel.read_quantities() == {"mug/s": 5}  # the read-back: mug/xl is not there


def test_writes_between_drift_checks_cost_no_bulk_get_and_the_drift_check_finds_missing_skus(
        double, shop):
    for code in ("P0", "P1", "P2"):
        shop.add_item(code)
        shop.adjust(code, "+5")
        double.add_listing(code, 0)
    shop.add_channel("rk", "rakuten", settings=settings(double),
                     credentials=dict(double.credentials))
    choose_first("rk", "push")
    now = [datetime.utcnow()]
    channel = adapter(double)
    engine = SyncEngine(shop, lambda row: channel, clock=lambda: now[0],
                        drift_every=timedelta(minutes=10))
    assert all(r.ok for r in engine.run_due(force=True))  # the first connection reads back
    assert double.calls.count(("POST", GET)) >= 1
    assert [double.quantity(c) for c in ("P0", "P1", "P2")] == [5, 5, 5]
    gets, upserts_before = double.calls.count(("POST", GET)), len(upserts(double))
    for turn in range(3):  # three write batches between two drift checks
        now[0] += timedelta(minutes=2)
        shop.adjust("P0", "-1")
        assert all(r.ok for r in engine.run_due(force=True))
        assert double.quantity("P0") == 4 - turn
    assert len(upserts(double)) == upserts_before + 3
    assert double.calls.count(("POST", GET)) == gets  # trusted, not read back
    double.remove_listing("P2")  # deleted in RMS: 楽天 still takes its writes
    shop.adjust("P2", "-1")
    assert all(r.ok for r in engine.run_due(force=True))
    assert double.calls.count(("POST", GET)) == gets
    now[0] += timedelta(minutes=11)  # the drift schedule
    [report] = engine.run_due(force=True)
    assert report.ok and report.missing == ["P2"]
    assert double.calls.count(("POST", GET)) > gets
    missing = ListingRow.get(ListingRow.channel_item_id == "P2")
    assert missing.missing_at is not None
    assert ListingRow.get(ListingRow.channel_item_id == "P0").missing_at is None


def test_a_manage_number_in_capitals_is_the_same_sku_as_rms_keeps_it_in_small_letters(double):
    double.add_item("mug", {"s": (None, 2)})  # RMS turns 商品管理番号 capitals into small ones
    channel = adapter(double)
    [result] = channel.set_quantities([QuantityUpdate("MUG/s", 5)])
    assert result.status is UpdateStatus.OK  # trusted until the drift schedule reads it back
    assert double.quantity("mug/s") == 5 and upserts(double)[0][0]["manageNumber"] == "mug"
    assert channel.read_quantities() == {"mug/s": 5}


def test_the_gateways_refusal_stops_the_channel_whatever_the_status(double):
    double.add_listing("A", 1)
    channel = adapter(double)
    double.disallowed.add("/es/2.0/order/")  # 受注API not allowed for the key: ES04-01
    with pytest.raises(ChannelError) as refused:
        channel.read_orders(None, datetime.utcnow() - timedelta(minutes=1))
    assert refused.value.kind is ErrorKind.AUTHENTICATION and refused.value.stops_channel
    assert "ES04-01" in str(refused.value) and "受注API" in str(refused.value)
    double.disallowed = {"/es/2.0/inventories/"}
    with pytest.raises(ChannelError) as writes:  # not every listing REJECTED one by one
        channel.set_quantities([QuantityUpdate("A", 3)])
    assert writes.value.kind is ErrorKind.AUTHENTICATION
    assert double.calls.count(("POST", UPSERT)) == 1


def test_a_refused_listing_is_rejected_alone_and_the_rest_sent_again(double):
    double.add_listing("A", 1)
    double.add_listing("B", 1)
    double.refuse_writes("B")
    results = adapter(double).set_quantities([QuantityUpdate("A", 6), QuantityUpdate("B", 6)])
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.REJECTED]
    assert [len(batch) for batch in upserts(double)] == [2, 1]
    assert (double.quantity("A"), double.quantity("B")) == (6, 1)


def lines_of(page):
    return [(line.channel_item_id, line.quantity, line.cancelled) for line in page.lines]


def test_orders_read_twice_give_their_lines_once_and_changes_again(double):
    double.add_listing("A", 10)
    double.add_listing("B", 10)
    clock = Clock(time.time())
    channel = adapter(double, clock=clock)
    since = datetime.utcnow() - timedelta(minutes=1)

    def later() -> None:  # past the overlap in which a change is read again
        double.advance(300)
        clock.now += 300

    number = double.place_order([("A", 2), ("B", 3)])
    placed = datetime.utcnow()
    later()
    first = channel.read_orders(None, since)
    assert lines_of(first) == [("A", 2, False), ("B", 3, False)]
    assert first.lines[0].placed_at is not None
    assert abs((first.lines[0].placed_at - placed).total_seconds()) < 5  # JST → UTC
    again = channel.read_orders(first.next_cursor, since)
    assert again.lines == []
    double.cancel_units(number, "B", 3)  # the line deleted from the order
    later()
    third = channel.read_orders(again.next_cursor, since)
    assert ("B", 3, True) in lines_of(third)
    double.cancel_order(number)
    later()
    fourth = channel.read_orders(third.next_cursor, since)
    assert set(lines_of(fourth)) == {("A", 2, True), ("B", 3, True)}
    assert channel.read_orders(fourth.next_cursor, since).lines == []


def test_a_change_in_the_second_of_a_read_is_read_again(double):
    double.add_listing("A", 10)
    channel = adapter(double)
    since = datetime.utcnow() - timedelta(minutes=1)
    number = double.place_order([("A", 2)])
    first = channel.read_orders(None, since)
    double.cancel_units(number, "A", 1)  # within the same second, maybe
    assert lines_of(channel.read_orders(first.next_cursor, since)) == [("A", 1, False)]


def test_the_63_day_window_is_respected_for_an_old_open_order(double):
    double.add_listing("A", 10)
    now = time.time()
    clock = Clock(now - 100 * 86400)
    channel = adapter(double, clock=clock)
    since = datetime.utcnow() - timedelta(days=101)
    double.offset = -100 * 86400
    old = double.place_order([("A", 1)])  # placed 100 days ago, never shipped
    first = channel.read_orders(None, since)
    assert lines_of(first) == [("A", 1, False)]
    double.offset, clock.now = 0, now
    double.cancel_order(old)
    del double.bodies[:]
    page = channel.read_orders(first.next_cursor, since)
    assert lines_of(page) == [("A", 1, True)]
    searches = [b for p, b in double.bodies if p == "/es/2.0/order/searchOrder/"]
    spans = []
    for body in searches:
        start = datetime.strptime(body["startDatetime"], "%Y-%m-%dT%H:%M:%S%z")
        end = datetime.strptime(body["endDatetime"], "%Y-%m-%dT%H:%M:%S%z")
        spans.append(end - start)
    assert len(spans) == 2 and all(span <= timedelta(days=63) for span in spans)
    assert sum(spans, timedelta()) >= timedelta(days=100)  # back to the open order


def test_an_expired_license_stops_the_channel_and_a_revoked_key_names_both(double):
    channel = adapter(double, license_expires=(date.today() - timedelta(days=1)).isoformat())
    double.expire_license()
    with pytest.raises(ChannelError) as expired:
        channel.read_quantities()
    assert expired.value.kind is ErrorKind.CREDENTIALS_EXPIRED and expired.value.stops_channel
    assert expired.value.renew == ("license_key",)
    assert "renew the license key in RMS" in str(expired.value)
    assert double.license_key not in str(expired.value)
    before = adapter(double, license_expires="2099-01-01")
    double.revoke_credentials()
    with pytest.raises(ChannelError) as refused:
        before.set_quantities([QuantityUpdate("A", 1)])
    assert refused.value.kind is ErrorKind.AUTHENTICATION
    assert refused.value.renew == ("service_secret", "license_key")


def test_end_to_end_through_the_sync_engine(shop, double):
    double.add_listing("A", 0)
    double.add_item("tee", {"m": (None, 0)})
    shop.add_item("A", "item A")
    shop.add_item("tee/m", "tee M")
    shop.adjust("A", "+9", "receive")
    shop.adjust("tee/m", "+4", "receive")
    shop.add_channel("rk", "rakuten", settings=settings(double),
                     credentials=dict(double.credentials))
    choose_first("rk", "push")
    row = ChannelRow.get(ChannelRow.name == "rk")
    assert isinstance(adapter_for(row, dict(double.credentials)), RakutenChannel)
    engine = SyncEngine(shop, adapter_for)
    assert all(r.ok for r in engine.run_due(force=True))
    assert (double.quantity("A"), double.quantity("tee/m")) == (9, 4)
    double.place_order([("A", 2)])
    assert all(r.ok for r in engine.run_due(force=True))
    assert shop.book.on_hand["A"] == 7 and double.quantity("A") == 7
    assert all(r.ok for r in engine.run_due(force=True))
    assert shop.book.on_hand["A"] == 7  # read twice, applied once


def test_at_first_connection_orders_not_shipped_are_followed_back_to_63_days(double, shop):
    """An order placed since the connection but before the 14 days' window, not shipped when
    the cursor starts (a first read long after connecting, or a cursor lost), is followed:
    its cancellation gives its units back once. An order placed before the connection is
    never applied, its cancellation neither."""
    double.add_listing("A", 40)
    shop.add_item("A")
    shop.adjust("A", "+40")
    shop.add_channel("rk", "rakuten", settings=settings(double),
                     credentials=dict(double.credentials))
    ChannelRow.update(connected_at=datetime.utcnow() - timedelta(days=30)).execute()
    choose_first("rk", "push")
    double.offset = -40 * 86400
    before = double.place_order([("A", 5)])  # before the connection, never shipped
    double.offset = -20 * 86400
    old = double.place_order([("A", 3)])  # since the connection, 20 days ago, not shipped
    double.offset = 0
    engine = SyncEngine(shop, adapter_for)
    assert all(r.ok for r in engine.run_due(force=True))
    assert shop.book.on_hand["A"] == 37  # the sale since the connection, once
    [search] = [b for p, b in double.bodies if p == "/es/2.0/order/searchOrder/"
                and "orderProgressList" in b]
    start = datetime.strptime(search["startDatetime"], "%Y-%m-%dT%H:%M:%S%z")
    end = datetime.strptime(search["endDatetime"], "%Y-%m-%dT%H:%M:%S%z")
    assert 500 not in search["orderProgressList"] and end - start <= timedelta(days=63)
    assert datetime.now(UTC) - start >= timedelta(days=20)

    ChannelSyncRow.update(cursor=None).execute()  # the cursor lost
    double.cancel_order(old)
    for _ in range(2):
        assert all(r.ok for r in engine.run_due(force=True))
        ChannelSyncRow.update(cursor=None).execute()
    assert shop.book.on_hand["A"] == 40  # given back once
    double.cancel_order(before)
    assert all(r.ok for r in engine.run_due(force=True))
    assert shop.book.on_hand["A"] == 40
    assert not AppliedLineRow.select().where(AppliedLineRow.order_id == before).exists()
