"""The Yahoo!ショッピング adapter against its double (tests/doubles/yahoo.py) over real HTTP."""

from __future__ import annotations

import base64
import io
import json
import logging
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.channels.base import (
    ChannelError,
    ChannelInfo,
    ErrorKind,
    MemoryCredentials,
    QuantityUpdate,
    UpdateStatus,
)
from app.channels.registry import channel_type
from app.channels.yahoo import CHANNEL_TYPE, DayBudget, YahooChannel
from app.channels.yahoo.channel import seconds_to_next_day
from app.channels.yahoo.tokens import encrypt, parse_xml, public_key
from app.services.channel_sync import choose_first
from app.services.channels import adapter_for
from app.services.secrets import load_credentials
from app.store.models import ChannelRow, ChannelSyncRow
from app.sync.engine import SyncEngine
from tests.channels.support import settings
from tests.doubles.yahoo import KEY_D, KEY_N, PUBLIC_KEY, YahooDouble, make_double


@pytest.fixture
def double(serve) -> YahooDouble:
    return serve(make_double())


def adapter(double: YahooDouble, credentials: MemoryCredentials | None = None,
            budget: DayBudget | None = None) -> YahooChannel:
    info = ChannelInfo("yahoo", "yahoo", settings(double))
    return YahooChannel(info, credentials or MemoryCredentials(double.credentials),
                        budget=budget, clock=double.now)


def sent(double: YahooDouble, api: str) -> list[dict[str, str]]:
    return [r["form"] for r in double.requests if r["path"].endswith("/" + api)]


def test_the_channel_type_is_found_with_its_oauth_flow_and_limits():
    record = channel_type("yahoo")
    assert record is CHANNEL_TYPE and record.oauth is not None
    assert [f.key for f in record.credentials] == [
        "client_id", "client_secret", "refresh_token", "public_key", "public_key_version"]
    assert [f.key for f in record.settings if f.required] == ["seller_id", "redirect_uri"]
    assert record.default_url == "https://circus.shopping.yahooapis.jp"
    limits = record.limits
    assert (limits.batch_size, limits.relative, limits.compare_and_set) == (1000, True, False)
    assert limits.requests_per_second == 1.0


def test_connecting_exchanges_the_code_on_the_same_host_as_the_api(double):
    flow = CHANNEL_TYPE.oauth
    assert flow is not None
    credentials = MemoryCredentials({"client_id": double.client_id,
                                     "client_secret": double.client_secret,
                                     "public_key": PUBLIC_KEY, "public_key_version": "1"})
    url = flow.authorization_url(settings(double), credentials, "s7ate")
    assert url.startswith(f"{double.url}/yconnect/v2/authorization?")  # --url: the login too
    answer = requests.get(url, allow_redirects=False, timeout=5)
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert answer.status_code == 302 and back["state"] == ["s7ate"]
    flow.exchange_code(settings(double), credentials, back["code"][0])
    assert credentials.get("refresh_token") == double.credentials["refresh_token"]
    assert credentials.get("access_token") in double.access_tokens
    expires = float(credentials.get("access_token_expires") or 0)
    assert abs(expires - (datetime.now(UTC).timestamp() + 3600)) < 60
    double.add_listing("A", 4)
    assert adapter(double, credentials).read_quantities() == {"A": 4}
    assert double.refreshes == 0
    with pytest.raises(ChannelError) as refused:  # a code is good once
        flow.exchange_code(settings(double), credentials, back["code"][0])
    assert refused.value.kind is ErrorKind.AUTHENTICATION
    default = flow.authorization_url({"redirect_uri": "oob"}, credentials, "s")
    assert default.startswith("https://auth.login.yahoo.co.jp/yconnect/v2/authorization?")


def test_a_rotated_refresh_token_is_stored_and_an_expired_access_token_renewed(double, shop):
    double.rotate = True
    double.add_listing("A", 4)
    first = double.credentials["refresh_token"]
    shop.add_channel("y", "yahoo", settings=settings(double), credentials=double.credentials)
    channel = adapter_for(ChannelRow.get(ChannelRow.name == "y"))
    assert channel is not None
    assert channel.read_quantities() == {"A": 4}
    stored = load_credentials("y") or {}
    assert stored["refresh_token"] == double.credentials["refresh_token"] != first
    double.expire_access_token()
    assert channel.read_quantities() == {"A": 4}
    assert double.refreshes == 2
    assert (load_credentials("y") or {})["refresh_token"] == double.credentials["refresh_token"]


def test_a_refused_refresh_token_stops_the_channel_naming_it(double):
    channel = adapter(double)
    double.add_listing("A", 1)
    channel.read_quantities()
    double.revoke_credentials()
    with pytest.raises(ChannelError) as refused:
        channel.read_quantities()
    assert refused.value.kind is ErrorKind.CREDENTIALS_EXPIRED
    assert refused.value.renew == ("refresh_token",)
    assert double.credentials["refresh_token"] not in str(refused.value)


def test_every_call_carries_the_public_key_signature_when_one_is_set(double):
    double.add_listing("A", 1)
    adapter(double).read_quantities()
    assert double.requests
    for request in double.requests:
        headers = request["headers"]
        assert headers["X-sws-signature-version"] == "1"
        block = pow(int.from_bytes(base64.b64decode(headers["X-sws-signature"]), "big"),
                    KEY_D, KEY_N).to_bytes(128, "big")
        seller, _, moment = block[block.index(b"\x00", 2) + 1:].decode().partition(":")
        assert seller == double.seller_id and abs(int(moment) - double.now()) < 60
    assert public_key(PUBLIC_KEY) == (KEY_N, 65537)
    assert encrypt((KEY_N, 65537), b"x") != encrypt((KEY_N, 65537), b"x")  # random padding
    unsigned = MemoryCredentials({k: v for k, v in double.credentials.items()
                                  if not k.startswith("public_key")})
    with pytest.raises(ChannelError) as refused:  # the store requires the signature
        adapter(double, unsigned).read_quantities()
    assert refused.value.kind is ErrorKind.AUTHENTICATION
    assert "public_key" in refused.value.renew


def test_a_refresh_carries_the_signature_too_as_public_clients_send_it(double):
    double.add_listing("A", 1)
    adapter(double).read_quantities()
    [sent_headers] = double.token_headers
    assert sent_headers["X-sws-signature-version"] == "1"
    block = pow(int.from_bytes(base64.b64decode(sent_headers["X-sws-signature"]), "big"),
                KEY_D, KEY_N).to_bytes(128, "big")
    assert block[block.index(b"\x00", 2) + 1:].decode().startswith(f"{double.seller_id}:")


def test_without_a_public_key_the_log_and_the_connection_test_warn(caplog):
    double = YahooDouble(signed=False)
    double.start()
    try:
        channel = adapter(double)
        with caplog.at_level(logging.WARNING):
            warning = channel.test_connection()
        assert warning is not None and "12 hours" in warning
        assert any("public key" in r.getMessage() for r in caplog.records)
        assert all("X-sws-signature" not in r["headers"] for r in double.requests)
    finally:
        double.stop()
    signed = make_double()
    signed.start()
    try:
        assert adapter(signed).test_connection() is None
    finally:
        signed.stop()


def test_without_a_public_key_the_order_session_ends_after_12_hours_and_says_so():
    double = YahooDouble(signed=False)  # Yahoo! answers px-04102; a refresh does not help
    double.start()
    try:
        channel = adapter(double)
        since = datetime.now(UTC).replace(tzinfo=None)
        channel.read_orders(None, since)
        double.advance(13 * 3600)
        before = len(double.calls)
        with pytest.raises(ChannelError) as ended:
            channel.read_orders(None, since)
        assert ended.value.kind is ErrorKind.CREDENTIALS_EXPIRED
        assert ended.value.renew == ("refresh_token",) and "public key" in str(ended.value)
        assert [p for _, p in double.calls[before:] if p.endswith("/orderList")] == [
            "/ShoppingWebService/V1/orderList"]  # not sent again after a useless refresh
    finally:
        double.stop()


def test_an_app_without_the_store_scope_is_named_not_the_refresh_token(double, monkeypatch):
    from tests.doubles import yahoo as served

    def refused(*_args):
        raise served._Refusal(401, 'Please provide valid credentials. Bearer realm="yahoo'
                              'apis.jp", error="insufficient_scope", error_description='
                              '"insufficient scope"')

    monkeypatch.setattr(double, "_api", refused)
    with pytest.raises(ChannelError) as refused_app:
        adapter(double).read_quantities()
    assert refused_app.value.kind is ErrorKind.AUTHENTICATION
    assert refused_app.value.renew == ("client_id", "client_secret")
    assert double.refreshes == 1  # the first access token only: no renewal tried


def test_a_refusal_in_yahoos_namespace_or_as_plain_text_is_read():
    from app.channels.yahoo.channel import _refusal

    spaced = (b'<?xml version="1.0" encoding="UTF-8"?><Error xmlns="urn:yahoo:api"><Message>'
              b'item_code() is invalid format.</Message><Code>st-02101</Code></Error>')
    assert _refusal(spaced, "setStock")[1:] == ("st-02101", "item_code() is invalid format.")
    assert _refusal(b"Your Request was Forbidden", "getStock")[1:] == (
        "", "Your Request was Forbidden")


def test_items_are_listed_by_store_category_when_yahoo_wants_a_search(double):
    double.add_listing("A", 1)
    double.add_listing("B", 2)
    double.add_listing("C", 3)
    double.file_item("B", "bag", parent="a5b9a5c8a5a2")  # a category inside the top one
    double.file_item("C", "cup")
    channel = adapter(double)
    assert channel.read_quantities() == {"A": 1, "B": 2, "C": 3}
    lists = [r for r in double.requests if r["path"].endswith("/myItemList")]
    assert len(lists) == 4  # the plain list refused once, then one per store category
    channel.read_quantities()
    assert len([r for r in double.requests if r["path"].endswith("/myItemList")]) == 7
    assert channel.test_connection() is None
    double.require_search = False  # a store that lists without a search: one call a page
    plain = adapter(double)
    assert plain.read_quantities() == {"A": 1, "B": 2, "C": 3}
    assert not any(r["path"].endswith("/stCategoryList") for r in double.requests[-2:])


def test_items_are_read_and_written_a_thousand_codes_a_call(double):
    codes = [f"P{n:04d}" for n in range(2500)]
    for code in codes:
        double.add_listing(code, 1)
    channel = adapter(double)
    assert channel.read_quantities() == dict.fromkeys(codes, 1)
    reads = sent(double, "getStock")
    assert [len(f["item_code"].split(",")) for f in reads] == [1000, 1000, 500]
    results = channel.set_quantities([QuantityUpdate(c, 7) for c in codes])
    assert {r.status for r in results} == {UpdateStatus.OK} and len(results) == 2500
    assert [len(f["item_code"].split(",")) for f in sent(double, "setStock")] == [
        1000, 1000, 500]
    assert double.quantity("P2499") == 7


def test_a_delta_is_sent_relative_and_a_plain_number_absolute(double):
    double.add_listing("A", 10)
    double.add_listing("B/red", 5)  # an option: 商品コード/個別商品コード
    channel = adapter(double)
    assert channel.read_quantities() == {"A": 10, "B/red": 5}
    double.place_order([("A", 2)])  # sold meanwhile: A shows 8
    results = channel.set_quantities([QuantityUpdate("A", 13, delta=3),
                                      QuantityUpdate("B/red", 2)])
    [form] = sent(double, "setStock")
    assert (form["item_code"], form["quantity"]) == ("A,B:red", "+3,2")
    assert [(r.status, r.quantity) for r in results] == [
        (UpdateStatus.OK, 11), (UpdateStatus.OK, 2)]  # the order taken meanwhile stays taken
    channel.set_quantities([QuantityUpdate("A", 7, delta=-4)])
    assert sent(double, "setStock")[-1]["quantity"] == "-4" and double.quantity("A") == 7


def test_a_relative_write_is_never_sent_twice(double):
    double.add_listing("A", 10)
    channel = adapter(double)
    channel.read_quantities()
    double.throttle(1)
    [result] = channel.set_quantities([QuantityUpdate("A", 12, delta=2)])
    assert result.status is UpdateStatus.RETRY and result.kind is ErrorKind.RATE_LIMITED
    assert sum(1 for _, p in double.calls if p.endswith("/setStock")) == 1
    assert double.quantity("A") == 10


def test_an_unknown_code_is_taken_silently_and_found_missing_at_the_read_back(double):
    double.add_listing("A", 1)
    channel = adapter(double)
    results = channel.set_quantities([QuantityUpdate("A", 3), QuantityUpdate("NOPE", 3)])
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.OK]
    assert channel.read_quantities() == {"A": 3}  # only what exists on Yahoo!
    assert double.quantity("NOPE") is None


def test_a_call_refused_whole_is_sent_again_one_by_one(double):
    for code in ("A", "B", "C"):
        double.add_listing(code, 1)
    double.refuse_writes("B")
    results = adapter(double).set_quantities([QuantityUpdate(c, 5) for c in "ABC"])
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.REJECTED,
                                           UpdateStatus.OK]
    assert "st-02103" in results[1].message
    assert (double.quantity("A"), double.quantity("B"), double.quantity("C")) == (5, 1, 5)


def test_the_days_calls_are_counted_and_writes_deferred_when_their_share_is_spent(double):
    double.add_listing("A", 1)
    budget = DayBudget(limit=10, reserve=4)
    channel = adapter(double, budget=budget)
    # token, myItemList (wants a search), stCategoryList ×2 (top, its children), myItemList of
    # the category, getStock
    channel.read_quantities()
    shown = channel.budget()
    assert shown is not None and shown.unit == "calls"
    assert (shown.capacity, shown.remaining) == (10, 4)
    while budget.used(channel.clock()) < 6:
        channel.read_quantities()
    before = len(double.calls)
    [result] = channel.set_quantities([QuantityUpdate("A", 5, delta=4)])
    assert result.status is UpdateStatus.DEFERRED and len(double.calls) == before
    assert result.retry_after == pytest.approx(seconds_to_next_day(channel.clock()), abs=5)
    assert double.quantity("A") == 1
    assert channel.read_quantities() == {"A": 1}  # reads keep the reserve


def test_yahoos_own_daily_limit_answer_defers_writes():
    double = YahooDouble(day_limit=6)
    double.start()
    try:
        double.add_listing("A", 1)
        channel = adapter(double)
        channel.read_quantities()  # 5 API calls (the item list by store category)
        channel.set_quantities([QuantityUpdate("A", 2)])
        [result] = channel.set_quantities([QuantityUpdate("A", 3)])
        assert result.status is UpdateStatus.DEFERRED and double.quantity("A") == 2
    finally:
        double.stop()


def test_an_answer_with_a_dtd_is_refused():
    with pytest.raises(ChannelError) as refused:
        parse_xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "getStock")
    assert refused.value.kind is ErrorKind.MALFORMED


def test_orders_are_listed_then_read_once_each_until_they_change(double):
    double.add_listing("A", 10)
    double.add_listing("B/red", 10)
    channel = adapter(double)
    since = datetime.now(UTC).replace(tzinfo=None)
    double.advance(1)
    key = double.place_order([("A", 2), ("B/red", 1)])
    page = channel.read_orders(None, since)
    assert sorted((ln.channel_item_id, ln.quantity, ln.cancelled) for ln in page.lines) == [
        ("A", 2, False), ("B/red", 1, False)]
    double.advance(600)  # the order's change is older than the overlap now
    page = channel.read_orders(page.next_cursor, since)  # changed within the overlap: again
    infos = sum(1 for _, p in double.calls if p.endswith("/orderInfo"))
    assert infos == 2
    page = channel.read_orders(page.next_cursor, since)
    assert page.lines == []  # unchanged: listed, its detail not read
    assert sum(1 for _, p in double.calls if p.endswith("/orderInfo")) == infos
    double.cancel_order(key)
    lines = channel.read_orders(page.next_cursor, since).lines
    assert {(ln.order_id, ln.cancelled) for ln in lines} == {(key, True)}


def order_infos(double: YahooDouble) -> list[str]:
    """The order of each orderInfo call, in turn."""
    return [parse_xml(r["body"], "orderInfo").findtext("Target/OrderId") or ""
            for r in double.requests if r["path"].endswith("/orderInfo")]


def test_an_unchanged_open_order_costs_no_order_info_and_a_changed_one_is_read_once(
        double, shop):
    """Many open orders must not cost one orderInfo (1 a second) each per poll: only those
    whose orderList entry moved (LastUpdateTime, OrderStatus) are read, and new ones."""
    for code in ("A", "B"):
        shop.add_item(code)
        shop.adjust(code, "+40")
        double.add_listing(code, 0)
    shop.add_channel("yahoo", "yahoo", settings=settings(double),
                     credentials=double.credentials)
    choose_first("yahoo", "push")
    channel = adapter(double)  # on the double's clock
    engine = SyncEngine(shop, lambda row: channel)
    engine.run_due(force=True)
    double.advance(5)
    older = double.place_order([("A", 3)])
    double.advance(5)
    newer = double.place_order([("B", 2)])
    engine.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 38)
    read = len(order_infos(double))
    double.advance(10)  # both changed within the overlap: only the newest mark is unsure
    engine.run_due(force=True)
    assert order_infos(double)[read:] == [newer]
    double.advance(300)
    for _ in range(2):
        engine.run_due(force=True)
    read = len(order_infos(double))
    engine.run_due(force=True)
    assert order_infos(double)[read:] == []  # listed, unchanged: no orderInfo

    double.cancel_units(older, "A", 1)  # a quantity changed: LastUpdateTime moves
    engine.run_due(force=True)
    assert order_infos(double)[read:] == [older]
    assert shop.book.on_hand["A"] == 38
    double.advance(300)
    double.cancel_order(newer)  # OrderStatus 4
    for _ in range(3):
        engine.run_due(force=True)
        double.advance(300)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (38, 40)
    assert (double.quantity("A"), double.quantity("B")) == (38, 40)
    read = len(order_infos(double))
    engine.run_due(force=True)
    assert order_infos(double)[read:] == []


@pytest.fixture
def synced(double, shop):
    for code, on_hand in (("A", 40), ("B", 30)):
        shop.add_item(code)
        shop.adjust(code, f"+{on_hand}")
        double.add_listing(code, 0)
    shop.add_channel("yahoo", "yahoo", settings=settings(double),
                     credentials=double.credentials)
    choose_first("yahoo", "push")
    engine = SyncEngine(shop, adapter_for)
    engine.run_due(force=True)
    assert (double.quantity("A"), double.quantity("B")) == (40, 30)
    return engine


def test_an_order_read_twice_moves_stock_once_and_changes_give_back_once(
        double, shop, synced):
    key = double.place_order([("A", 3), ("B", 2)])
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 28)
    ChannelSyncRow.update(cursor=None).execute()  # every order read again
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 28)

    double.cancel_units(key, "B", 1)  # the order's quantity lowered (an order change)
    synced.run_due(force=True)
    synced.run_due(force=True)
    assert shop.book.on_hand["B"] == 29
    double.cancel_order(key)  # OrderStatus 4
    synced.run_due(force=True)
    ChannelSyncRow.update(cursor=None).execute()
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (40, 30)
    assert (double.quantity("A"), double.quantity("B")) == (40, 30)


def test_end_to_end_a_local_change_reaches_yahoo_relatively_and_a_revocation_stops_it(
        double, shop, synced):
    shop.adjust("A", "-5")
    synced.run_due(force=True)
    assert double.quantity("A") == 35
    assert sent(double, "setStock")[-1]["quantity"] == "-5"
    double.revoke_credentials()
    double.expire_access_token()
    shop.adjust("A", "-5")
    [report] = synced.run_due(force=True)
    assert not report.ok and report.error_kind == ErrorKind.CREDENTIALS_EXPIRED.value
    assert double.quantity("A") == 35


def test_the_command_line_adds_a_yahoo_channel_with_its_public_key(
        double, rendo, memory_keyring, monkeypatch):
    lines = "".join(f"{key}={value}\n" for key, value in double.credentials.items())
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    added = rendo("channel", "add", "mystore", "--type", "yahoo", "--url", double.url,
                  "--set", f"seller_id={double.seller_id}",
                  "--set", f"redirect_uri={double.settings['redirect_uri']}", "--token-stdin")
    assert added.code == 0, added.err
    stored = json.loads(memory_keyring.passwords[("Rendo", "channel:mystore")])
    assert stored == double.credentials and stored["public_key"] == PUBLIC_KEY
