"""The BASE adapter against the BASE double (tests/doubles/base.py) over real HTTP."""

from __future__ import annotations

import io
import json
import time
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
from app.channels.base_shop import CHANNEL_TYPE, BaseShopChannel, CallBudget
from app.channels.http import HttpClient
from app.channels.registry import channel_type
from app.services.channel_sync import choose_first
from app.services.channels import adapter_for
from app.services.secrets import KeyringCredentials, load_credentials, store_credentials
from app.store.models import ChannelRow, ChannelSyncRow
from app.sync.engine import SyncEngine
from tests.channels.support import Clock, settings
from tests.doubles.base import BaseDouble, make_double

# 10:30 Japan time: the hour's window resets in 30 minutes
HALF_PAST = datetime(2026, 12, 2, 1, 30, tzinfo=UTC).timestamp()


@pytest.fixture
def double(serve) -> BaseDouble:
    return serve(make_double())


def adapter(double: BaseDouble, credentials: MemoryCredentials | None = None,
            clock: Clock | None = None, budget: CallBudget | None = None) -> BaseShopChannel:
    info = ChannelInfo("base", "base", settings(double))
    client = HttpClient(double.url, timeout=(1, 2), max_retries=1, backoff_base=0.01)
    return BaseShopChannel(info, credentials or MemoryCredentials(double.credentials),
                           client=client, budget=budget, **({"clock": clock} if clock else {}))


def posts(double: BaseDouble, path: str = "/1/items/edit_stock") -> int:
    return sum(1 for method, p in double.calls if method == "POST" and p == path)


def test_the_channel_type_is_found_with_its_oauth_flow_and_limits():
    record = channel_type("base")
    assert record is CHANNEL_TYPE and record.oauth is not None
    assert [f.key for f in record.credentials] == ["client_id", "client_secret", "refresh_token"]
    assert [f.key for f in record.settings] == ["redirect_uri"]
    assert record.default_url == "https://api.thebase.in"
    limits = record.limits
    assert (limits.batch_size, limits.compare_and_set, limits.relative) == (1, False, False)


def test_connecting_exchanges_the_code_and_stores_both_tokens(double):
    flow = CHANNEL_TYPE.oauth
    assert flow is not None
    credentials = MemoryCredentials({"client_id": double.client_id,
                                     "client_secret": double.client_secret})
    url = flow.authorization_url(settings(double), credentials, "s7ate")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{double.url}/1/oauth/authorize?")
    assert query["scope"] == ["read_items write_items read_orders"]
    assert query["response_type"] == ["code"] and query["state"] == ["s7ate"]
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
    assert double.refreshes == 0  # the stored access token was used as it is

    with pytest.raises(ChannelError) as refused:  # a code is good once
        flow.exchange_code(settings(double), credentials, back["code"][0])
    assert refused.value.kind is ErrorKind.AUTHENTICATION


def test_an_expired_access_token_is_refreshed_once_and_the_new_refresh_token_kept(
        double, shop):
    double.add_listing("A", 4)
    first = double.credentials["refresh_token"]
    shop.add_channel("base", "base", settings=settings(double), credentials=double.credentials)
    channel = adapter_for(ChannelRow.get(ChannelRow.name == "base"))
    assert channel is not None
    assert channel.read_quantities() == {"A": 4}
    assert double.refreshes == 1
    stored = load_credentials("base") or {}
    assert stored["refresh_token"] == double.credentials["refresh_token"] != first
    assert stored["access_token"] in double.access_tokens

    double.expire_access_token()
    assert channel.read_quantities() == {"A": 4}
    assert double.refreshes == 2
    stored_now = load_credentials("base") or {}
    assert stored_now["refresh_token"] == double.credentials["refresh_token"]
    assert stored_now["refresh_token"] != stored["refresh_token"]
    # the old refresh token is spent: only the stored one works
    old = requests.post(f"{double.url}/1/oauth/token", timeout=5, data={
        "grant_type": "refresh_token", "client_id": double.client_id,
        "client_secret": double.client_secret, "refresh_token": stored["refresh_token"],
        "redirect_uri": double.redirect_uri})
    assert old.status_code == 400 and old.json()["error"] == "invalid_request"


def test_the_access_token_is_renewed_before_it_ends(double):
    clock = Clock(HALF_PAST)
    double._clock = clock
    double.add_listing("A", 4)
    channel = adapter(double, clock=clock)
    channel.read_quantities()
    clock.now += 3600 - 200  # within the margin before the hour's end
    before = len(double.calls)
    channel.read_quantities()
    assert double.calls[before:] == [("POST", "/1/oauth/token"), ("GET", "/1/items")]
    assert double.refreshes == 2


def test_revoked_credentials_stop_the_channel_and_name_the_refresh_token(double):
    double.add_listing("A", 4)
    channel = adapter(double)
    channel.read_quantities()
    double.revoke_credentials()
    for attempt in (lambda: channel.read_orders(None, datetime.now(UTC)),
                    lambda: channel.set_quantities([QuantityUpdate("A", 2)])):
        with pytest.raises(ChannelError) as stopped:
            attempt()
        assert stopped.value.stops_channel
        assert stopped.value.kind is ErrorKind.CREDENTIALS_EXPIRED
        assert stopped.value.renew == ("refresh_token",)
        assert double.credentials["refresh_token"] not in str(stopped.value)
    assert double.quantity("A") == 4


@pytest.mark.parametrize(("fault", "kind", "renew"), [
    ("server", ErrorKind.SERVER_ERROR, ()),
    ("denied", ErrorKind.AUTHENTICATION, ("refresh_token",)),
    ("refresh", ErrorKind.CREDENTIALS_EXPIRED, ("refresh_token",)),
    ("refresh_expired", ErrorKind.CREDENTIALS_EXPIRED, ("refresh_token",)),
    ("params", ErrorKind.REFUSED, ()),
    ("client", ErrorKind.AUTHENTICATION, ("client_id", "client_secret")),
])
def test_each_token_endpoint_refusal_has_its_kind(double, fault, kind, renew):
    """BASE's documented token answers: "DB error" is passing (retried, the channel goes on);
    only a refused refresh token asks to connect again."""
    double.add_listing("A", 1)
    channel = adapter(double)
    double.token_faults = [fault]
    with pytest.raises(ChannelError) as caught:
        channel.read_quantities()
    assert (caught.value.kind, caught.value.renew) == (kind, renew)
    assert caught.value.stops_channel is (kind in (ErrorKind.AUTHENTICATION,
                                                   ErrorKind.CREDENTIALS_EXPIRED))
    if kind is ErrorKind.SERVER_ERROR:
        assert channel.read_quantities() == {"A": 1}  # the next try renews the token


def test_the_refresh_is_sent_once_never_retried_by_the_http_client(double):
    double.add_listing("A", 1)
    channel = adapter(double)  # its API client retries once; the token call must not
    double.unavailable = 1
    with pytest.raises(ChannelError) as caught:
        channel.read_quantities()
    assert not caught.value.stops_channel
    assert posts(double, "/1/oauth/token") == 1
    assert channel.read_quantities() == {"A": 1}


def test_a_refresh_token_renewed_by_another_process_is_taken_from_the_keyring(double, shop):
    double.add_listing("A", 4)
    shop.add_channel("base", "base", settings=settings(double), credentials=double.credentials)
    row = ChannelRow.get(ChannelRow.name == "base")
    first = adapter_for(row)
    assert first is not None and first.read_quantities() == {"A": 4}
    other = adapter_for(row)  # another Rendo process, from the same keyring
    assert other is not None
    double.expire_access_token()
    assert other.read_quantities() == {"A": 4}  # it rotates the refresh token
    assert double.refreshes == 2
    # the first one's refresh token is spent: it takes the stored tokens instead of stopping
    double.expire_access_token()
    assert first.read_quantities() == {"A": 4}
    stored = load_credentials("base") or {}
    assert stored["refresh_token"] == double.credentials["refresh_token"]
    assert stored["access_token"] in double.access_tokens


def test_a_renewal_keeps_parts_saved_meanwhile_by_a_reconnect(shop):
    store_credentials("mall", {"client_id": "old", "client_secret": "s-old",
                               "refresh_token": "r0"})
    credentials = KeyringCredentials("mall")
    store_credentials("mall", {"client_id": "new", "client_secret": "s-new",
                               "refresh_token": "r-connect"})  # "Connect" in the window
    credentials.renew({"access_token": "a1", "refresh_token": "r1"})
    assert load_credentials("mall") == {"client_id": "new", "client_secret": "s-new",
                                        "access_token": "a1", "refresh_token": "r1"}
    assert credentials.get("client_id") == "new"
    store_credentials("mall", {"client_id": "newer", "refresh_token": "r2"})
    credentials.reload()
    assert (credentials.get("client_id"), credentials.get("refresh_token")) == ("newer", "r2")
    # parts typed in the form before "Connect" (not saved yet) are saved with the tokens
    typed = KeyringCredentials("mall", {"client_id": "newer", "client_secret": "s-typed",
                                        "refresh_token": "r2"})
    store_credentials("mall", {"client_id": "newer", "refresh_token": "r3"})
    typed.renew({"access_token": "a4", "refresh_token": "r4"})
    assert load_credentials("mall") == {"client_id": "newer", "client_secret": "s-typed",
                                        "access_token": "a4", "refresh_token": "r4"}


def test_test_connection_checks_items_and_orders(double):
    channel = adapter(double)
    channel.test_connection()
    assert [c for c in double.calls if c[0] == "GET"] == [("GET", "/1/items"),
                                                         ("GET", "/1/orders")]
    wrong = MemoryCredentials({**double.credentials, "client_secret": "nope"})
    with pytest.raises(ChannelError) as refused:
        adapter(double, wrong).test_connection()
    assert refused.value.kind is ErrorKind.AUTHENTICATION
    assert refused.value.renew == ("client_id", "client_secret")


def test_items_are_read_a_hundred_a_page(double):
    for n in range(250):
        double.add_listing(f"SKU{n:03}", n)
    shown = adapter(double).read_quantities()
    assert len(shown) == 250 and shown["SKU249"] == 249
    assert [c for c in double.calls if c[1] == "/1/items"] == [("GET", "/1/items")] * 3


def test_variations_are_listed_by_their_codes(double):
    double.add_item_with_variations("TEE", {"TEE-B": 6, "TEE-W": 4})
    double.add_listing("CAP", 2)
    channel = adapter(double)
    assert channel.read_quantities() == {"TEE-B": 6, "TEE-W": 4, "CAP": 2}
    [result] = channel.set_quantities([QuantityUpdate("TEE-W", 9)])
    assert (result.status, result.quantity) == (UpdateStatus.OK, 9)
    assert double.quantity("TEE-W") == 9 and double.quantity("TEE-B") == 6
    [parent] = channel.set_quantities([QuantityUpdate("TEE", 1)])
    assert parent.status is UpdateStatus.UNUSABLE


def test_each_listing_is_one_edit_stock_call_and_refusals_stay_per_listing(double):
    for code in ("A", "B", "C"):
        double.add_listing(code, 1)
    double.refuse_writes("B")
    channel = adapter(double)
    results = channel.set_quantities([QuantityUpdate("A", 5), QuantityUpdate("B", 6),
                                      QuantityUpdate("NOPE", 7), QuantityUpdate("C", 8)])
    assert [r.status for r in results] == [UpdateStatus.OK, UpdateStatus.REJECTED,
                                           UpdateStatus.REJECTED, UpdateStatus.OK]
    assert posts(double) == 3  # none for a code BASE does not have
    assert (double.quantity("A"), double.quantity("B"), double.quantity("C")) == (5, 1, 8)


def test_a_spent_hour_defers_writes_until_the_next_hour_and_keeps_reads(double):
    clock = Clock(HALF_PAST)
    double._clock = clock
    double.hour_limit = 20
    for n in range(30):
        double.add_listing(f"S{n}", 0)
    channel = adapter(double, clock=clock, budget=CallBudget(hour_limit=20, hour_reserve=5))
    results = channel.set_quantities([QuantityUpdate(f"S{n}", n + 1) for n in range(30)])
    done = [r for r in results if r.status is UpdateStatus.OK]
    waiting = [r for r in results if r.status is UpdateStatus.DEFERRED]
    # 15 calls for writes: one renewed the access token, one read the item map
    assert len(done) == 13 and len(waiting) == 17
    assert posts(double) == 13
    assert all(r.retry_after == pytest.approx(1800) for r in waiting)
    assert "5 of BASE's 20 per hour are kept for reading orders" in waiting[0].message
    assert channel.budget().remaining == 5
    channel.read_orders(None, datetime.now(UTC))  # the reserve is there for orders
    assert ("GET", "/1/orders") in double.calls
    clock.now += 1800  # a new hour
    [again] = channel.set_quantities([QuantityUpdate("S20", 21)])
    assert again.status is UpdateStatus.OK and double.quantity("S20") == 21


def test_bases_own_hour_limit_answer_defers_the_writes_until_the_hour_turns(double):
    clock = Clock(HALF_PAST)
    double._clock = clock
    for code in ("A", "B", "C"):
        double.add_listing(code, 1)
    channel = adapter(double, clock=clock)
    channel.read_quantities()
    double.throttle(1)  # BASE counts more calls than Rendo did (another app, process…)
    results = channel.set_quantities([QuantityUpdate(code, 3) for code in ("A", "B", "C")])
    assert [r.status for r in results] == [UpdateStatus.DEFERRED] * 3
    assert all(r.retry_after == pytest.approx(1800) for r in results)
    assert posts(double) == 1  # the others were not sent to be refused one by one
    assert channel.budget().remaining == 0
    assert double.quantity("A") == 1
    clock.now += 1800  # BASE's hour turns
    results = channel.set_quantities([QuantityUpdate(code, 3) for code in ("A", "B", "C")])
    assert [r.status for r in results] == [UpdateStatus.OK] * 3
    assert (double.quantity("A"), double.quantity("C")) == (3, 3)


def test_bases_day_limit_answer_defers_writes_until_midnight_in_japan(double):
    clock = Clock(HALF_PAST)  # 10:30 in Japan: 13 h 30 min to midnight
    double._clock = clock
    double.add_listing("A", 1)
    channel = adapter(double, clock=clock)
    channel.read_quantities()
    double.day_limit = 0
    [refused] = channel.set_quantities([QuantityUpdate("A", 3)])
    double.day_limit = 100_000
    clock.now += 3600  # a new hour, the same day
    [waiting] = channel.set_quantities([QuantityUpdate("A", 3)])
    assert refused.status is waiting.status is UpdateStatus.DEFERRED
    assert waiting.retry_after == pytest.approx(12.5 * 3600)
    assert posts(double) == 1 and double.quantity("A") == 1


def test_a_read_refused_for_the_limit_waits_for_the_hour_and_an_answer_clears_it(double):
    clock = Clock(HALF_PAST)
    double._clock = clock
    double.add_listing("A", 1)
    channel = adapter(double, clock=clock)
    channel.read_quantities()
    double.throttle(1)
    with pytest.raises(ChannelError) as limited:
        channel.read_orders(None, datetime.now(UTC))
    assert limited.value.kind is ErrorKind.RATE_LIMITED and not limited.value.stops_channel
    assert limited.value.retry_after == pytest.approx(1800)
    [deferred] = channel.set_quantities([QuantityUpdate("A", 3)])
    assert deferred.status is UpdateStatus.DEFERRED and posts(double) == 0
    # the engine comes back when it was told; BASE answers (its hour turned by its clock)
    channel.read_orders(None, datetime.now(UTC))
    [done] = channel.set_quantities([QuantityUpdate("A", 3)])
    assert done.status is UpdateStatus.OK and double.quantity("A") == 3


def test_every_http_attempt_and_token_call_counts_against_the_budget(double):
    clock = Clock(HALF_PAST)
    double._clock = clock
    double.add_listing("A", 1)
    budget = CallBudget()
    channel = adapter(double, clock=clock, budget=budget)  # its client retries once
    channel.read_quantities()
    assert budget.remaining(clock.now) == 5000 - 2  # the token call and the item list
    double.unavailable = 1  # a 503, retried by the HTTP client
    channel.read_quantities()
    assert budget.remaining(clock.now) == 5000 - 4


def details(double: BaseDouble) -> int:
    return sum(1 for _, path in double.calls if path.startswith("/1/orders/detail/"))


def test_orders_are_read_again_without_reading_unchanged_details(double):
    clock = Clock(HALF_PAST)
    double._clock = clock
    double.add_listing("A", 10)
    double.add_item_with_variations(None, {"V1": 5})
    channel = adapter(double, clock=clock)
    since = datetime.fromtimestamp(HALF_PAST - 60, UTC)
    key = double.place_order([("A", 2), ("V1", 1)])
    clock.now += 600
    page = channel.read_orders(None, since)
    assert sorted((line.channel_item_id, line.quantity, line.cancelled)
                  for line in page.lines) == [("A", 2, False), ("V1", 1, False)]
    assert {line.order_id for line in page.lines} == {key}
    read = details(double)
    again = channel.read_orders(page.next_cursor, since)
    assert again.lines == [] and details(double) == read  # unchanged: no detail read
    double.cancel_units(key, "V1", 1)  # a per-line cancellation
    changed = channel.read_orders(again.next_cursor, since)
    assert sorted((line.channel_item_id, line.cancelled) for line in changed.lines) == [
        ("A", False), ("V1", True)]


@pytest.mark.parametrize("plain", [0, None])
def test_an_order_item_with_variation_id_0_or_null_is_the_item_itself(double, plain):
    clock = Clock(HALF_PAST)
    double._clock = clock
    double.plain_variation_id = plain
    double.add_listing("A", 10)
    channel = adapter(double, clock=clock)
    since = datetime.fromtimestamp(HALF_PAST - 60, UTC)
    double.place_order([("A", 2)])
    [line] = channel.read_orders(None, since).lines
    assert (line.channel_item_id, line.quantity) == ("A", 2)


def test_an_order_changed_in_the_second_it_was_read_is_read_again(double):
    clock = Clock(HALF_PAST)
    double._clock = clock
    double.add_listing("A", 10)
    channel = adapter(double, clock=clock)
    since = datetime.fromtimestamp(HALF_PAST - 60, UTC)
    key = double.place_order([("A", 2)])
    page = channel.read_orders(None, since)
    double.cancel_order(key)  # same second: "modified" does not move
    [line] = channel.read_orders(page.next_cursor, since).lines
    assert line.cancelled


def test_open_orders_older_than_the_window_are_still_followed(double):
    clock = Clock(HALF_PAST)
    double._clock = clock
    double.add_listing("A", 10)
    channel = adapter(double, clock=clock)
    since = datetime.fromtimestamp(HALF_PAST - 60, UTC)
    key = double.place_order([("A", 2)])
    shipped = double.place_order([("A", 1)])
    double.dispatch_order(shipped)
    clock.now += 600
    cursor = channel.read_orders(None, since).next_cursor
    clock.now += 20 * 86400  # past the 14 days' window, still not shipped
    cursor = channel.read_orders(cursor, since).next_cursor
    double.cancel_order(key)
    [line] = channel.read_orders(cursor, since).lines
    assert (line.order_id, line.cancelled) == (key, True)


@pytest.fixture
def synced(double, shop):
    for code, on_hand in (("A", 40), ("B", 30)):
        shop.add_item(code)
        shop.adjust(code, f"+{on_hand}")
        double.add_listing(code, 0)
    shop.add_channel("base", "base", settings=settings(double), credentials=double.credentials)
    choose_first("base", "push")
    engine = SyncEngine(shop, adapter_for)
    engine.run_due(force=True)
    assert (double.quantity("A"), double.quantity("B")) == (40, 30)
    return engine


def test_an_order_read_twice_moves_stock_once_and_a_line_cancellation_gives_back_once(
        double, shop, synced):
    key = double.place_order([("A", 3), ("B", 2)])
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 28)
    ChannelSyncRow.update(cursor=None).execute()  # every order read again
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 28)

    double.cancel_units(key, "B", 2)  # one line of the order cancelled
    synced.run_due(force=True)
    synced.run_due(force=True)
    ChannelSyncRow.update(cursor=None).execute()
    synced.run_due(force=True)
    assert (shop.book.on_hand["A"], shop.book.on_hand["B"]) == (37, 30)
    assert (double.quantity("A"), double.quantity("B")) == (37, 30)


def test_end_to_end_a_local_change_reaches_base_and_a_revocation_stops_it(
        double, shop, synced):
    shop.adjust("A", "-5")
    synced.run_due(force=True)
    assert double.quantity("A") == 35
    double.revoke_credentials()
    shop.adjust("A", "-5")
    [report] = synced.run_due(force=True)
    assert not report.ok and report.error_kind == ErrorKind.CREDENTIALS_EXPIRED.value
    assert double.quantity("A") == 35


def test_the_command_line_adds_a_base_channel_with_its_three_credentials(
        double, rendo, memory_keyring, monkeypatch):
    lines = "".join(f"{key}={value}\n" for key, value in double.credentials.items())
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    added = rendo("channel", "add", "myshop", "--type", "base", "--url", double.url,
                  "--set", f"redirect_uri={double.redirect_uri}", "--token-stdin")
    assert added.code == 0, added.err
    stored = json.loads(memory_keyring.passwords[("Rendo", "channel:myshop")])
    assert stored == double.credentials


def test_the_day_allowance_keeps_its_share_for_reads_until_midnight_in_japan():
    budget = CallBudget(hour_limit=10, day_limit=15, hour_reserve=0, day_reserve=3)
    now = HALF_PAST  # 10:30 in Japan
    for _ in range(10):
        budget.take(now)
    assert budget.wait(now, write=True) == pytest.approx(1800)  # the hour is spent
    now += 3600
    budget.take(now)
    budget.take(now)
    assert budget.wait(now, write=False) is None  # reads: 3 calls of the day are left
    midnight = datetime(2026, 12, 2, 15, 0, tzinfo=UTC).timestamp()  # 00:00 in Japan
    assert budget.wait(now, write=True) == pytest.approx(midnight - now)
    assert budget.remaining(now) == 3
    assert budget.wait(midnight, write=True) is None


def test_a_long_upload_waits_for_the_hour_while_orders_are_still_read(double, shop, rendo):
    """5,000 listings take BASE's hour: the uploads wait for the next window, the cycle is
    not a failure, orders are read meanwhile, and the panel and the command line say how many
    listings wait and about how long."""
    from app.ui.sync_words import budget_text

    hour = time.time() // 3600 * 3600
    clock = Clock(hour + 1800 if hour + 1800 > time.time() else hour + 5400)  # after connecting
    double._clock = clock
    double.hour_limit = 20
    for n in range(30):
        shop.add_item(f"S{n:02d}")
        shop.adjust(f"S{n:02d}", "+5")
        double.add_listing(f"S{n:02d}", 0)
    shop.add_channel("base", "base", settings=settings(double), credentials=double.credentials)
    choose_first("base", "push")
    channel = adapter(double, clock=clock, budget=CallBudget(hour_limit=20, hour_reserve=5))
    engine = SyncEngine(shop, lambda row: channel)
    [report] = engine.run_due(force=True)
    assert report.ok and 0 < report.uploaded < 30 and report.uploads_left == 30 - report.uploaded
    assert report.uploads_wait_s == pytest.approx(1800)
    assert not engine.waiting("base")  # not a failure: polled again at its interval
    double.place_order([("S00", 2)])
    report, *_pushed = engine.run_due(force=True)
    assert report.ok and report.orders_applied == 1 and shop.book.on_hand["S00"] == 3
    text = budget_text(channel.budget(), report.uploads_left)
    assert f"{report.uploads_left:,} listings to upload" in text and " h " in text
    for _ in range(2):  # the next hours: 15 writes each
        clock.now += 3600
        engine.run_due(force=True)
    assert [double.quantity(f"S{n:02d}") for n in range(30)] == [3] + [5] * 29
