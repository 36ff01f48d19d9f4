"""HttpClient against a real sandbox shop on loopback: retries, back-off, Retry-After, limits."""

from __future__ import annotations

import logging
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.channels.base import ChannelError
from app.channels.http import (
    CHUNK_BYTES,
    CallCancelled,
    HttpClient,
    HttpStatusError,
    parse_retry_after,
)
from app.channels.sandbox_server import SandboxShop

from .hostile import HostileServer, answer, drip, flood, headers, redirect, silence

TOKEN = "tok-Sup3rSecret-42"


@pytest.fixture
def shop() -> SandboxShop:
    shop = SandboxShop()
    shop.add_listing("A", 10)
    return shop


@pytest.fixture
def server(shop, sandbox):
    return sandbox(shop=shop)


class Waits:
    """An injected ``sleep``: records the waits; can run something after the n-th wait."""

    def __init__(self, after: int | None = None, then=None) -> None:
        self.waits: list[float] = []
        self.after, self.then = after, then

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.then is not None and len(self.waits) == self.after:
            self.then()


def client(server, waits=None, **options) -> HttpClient:
    options = {"timeout": (0.5, 0.5), "max_retries": 3, "backoff_base": 0.01,
               "max_backoff": 5, **options}
    return HttpClient(server.url, sleep=waits or Waits(), **options)


def faults_off(server):
    return lambda: server.faults.configure({})


# -- addresses ------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://example.com", "http://10.0.0.1:8080", "ftp://127.0.0.1",
                                 "example.com", "http://", "http://127.0.0.1.example.com"])
def test_plain_http_is_refused_except_to_this_pc(url):
    with pytest.raises(ValueError):
        HttpClient(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://127.9.9.9", "http://localhost:1",
                                 "http://[::1]:5000/", "https://example.com/shop/"])
def test_https_and_loopback_http_are_allowed(url):
    assert HttpClient(url).base_url == url.rstrip("/")


def test_the_refusal_says_why():
    with pytest.raises(ValueError, match="https://"):
        HttpClient("http://example.com")


# -- answers --------------------------------------------------------------------------------
def test_a_plain_call_returns_status_and_json(server):
    http = client(server)
    assert http.request("GET", "/api/stock") == (200, {"items": [{"sku": "A", "quantity": 10}]})
    status, body = http.request("PUT", "/api/stock", json={"items": [{"sku": "X", "quantity": 1}]})
    assert status == 207 and body["results"][0]["status"] == "not_found"
    assert http.calls == 2


def test_409_is_an_answer_other_4xx_fail_without_retry(server):
    http = client(server)
    status, body = http.request("POST", "/api/listings", json={"sku": "A", "quantity": 1})
    assert status == 409 and body["error"] == "exists"
    with pytest.raises(HttpStatusError) as refused:
        http.request("PUT", "/api/stock", json={"items": [{"sku": "A", "quantity": -1}]})
    assert refused.value.status == 400 and "items[0]" in str(refused.value)
    with pytest.raises(HttpStatusError) as missing:
        http.request("GET", "/api/nowhere")
    assert missing.value.status == 404
    assert http.calls == 3


def test_status_outside_ok_is_refused(server):
    with pytest.raises(HttpStatusError):
        client(server).request("PUT", "/api/stock", json={"items": [{"sku": "X", "quantity": 1}]},
                               ok=(200,))


# -- retries --------------------------------------------------------------------------------
def test_429_retry_after_is_honoured(server, shop):
    server.faults.configure({"rate_limit_rate": 1.0, "retry_after": 2, "seed": 1})
    waits = Waits(after=2, then=faults_off(server))
    http = client(server, waits)
    status, _ = http.request("PUT", "/api/stock", json={"items": [{"sku": "A", "quantity": 3}]})
    assert status == 200 and shop.quantity("A") == 3
    assert waits.waits == [2.0, 2.0]  # not one moment sooner, though back-off alone is 10 ms
    assert http.calls == 3


def test_a_retry_after_beyond_max_backoff_fails_at_once_with_it(server):
    server.faults.configure({"rate_limit_rate": 1.0, "retry_after": 120})
    waits = Waits()
    http = client(server, waits, max_backoff=30)
    with pytest.raises(ChannelError) as failed:
        http.request("GET", "/api/stock")
    assert failed.value.retry_after == 120
    assert "120" in str(failed.value) and waits.waits == [] and http.calls == 1


def test_spent_429_retries_report_retry_after(server):
    server.faults.configure({"rate_limit_rate": 1.0, "retry_after": 1})
    with pytest.raises(ChannelError) as failed:
        client(server, max_retries=2).request("GET", "/api/stock")
    assert failed.value.retry_after == 1 and "429" in str(failed.value)


def test_server_errors_are_retried_with_growing_backoff_then_succeed(server, shop):
    server.faults.configure({"error_rate": 1.0})
    waits = Waits(after=3, then=faults_off(server))
    http = client(server, waits, backoff_base=0.1)
    status, body = http.request("POST", "/api/orders",
                                json={"lines": [{"sku": "A", "quantity": 1}]})
    assert status == 201 and body["id"] == "1"
    assert http.calls == 4 and shop.quantity("A") == 9 and len(shop.orders()) == 1
    first, second, third = waits.waits
    assert 0.05 <= first <= 0.1 and 0.1 <= second <= 0.2 and 0.2 <= third <= 0.4


def test_server_errors_give_up_after_max_retries_with_nothing_changed(server, shop):
    server.faults.configure({"error_rate": 1.0})
    waits = Waits()
    http = client(server, waits, max_retries=2, backoff_base=100, max_backoff=1)
    with pytest.raises(ChannelError) as failed:
        http.request("PUT", "/api/stock", json={"items": [{"sku": "A", "quantity": 0}]})
    assert "server error (HTTP 500)" in str(failed.value) and "3 attempts" in str(failed.value)
    assert http.calls == 3 and all(0.5 <= w <= 1 for w in waits.waits)  # capped
    assert shop.quantity("A") == 10


def test_timeouts_are_retried_and_change_nothing(server, shop):
    server.faults.configure({"timeout_rate": 1.0, "timeout_s": 0.5})
    http = client(server, timeout=(0.3, 0.3), max_retries=1)
    with pytest.raises(ChannelError, match="no answer within 0.3 s"):
        http.request("POST", "/api/orders", json={"lines": [{"sku": "A", "quantity": 1}]})
    assert http.calls == 2
    server.faults.configure({})
    assert shop.quantity("A") == 10 and shop.orders() == []


def test_a_dropped_connection_is_retried_then_succeeds(server):
    server.faults.configure({"timeout_rate": 1.0, "timeout_s": 0.05})
    waits = Waits(after=1, then=faults_off(server))
    http = client(server, waits, timeout=(1, 1))  # the shop hangs up before we give up
    assert http.request("GET", "/api/stock")[0] == 200
    assert http.calls == 2


def test_malformed_json_is_retried(server, shop):
    server.faults.configure({"malformed_rate": 1.0})
    waits = Waits(after=1, then=faults_off(server))
    http = client(server, waits)
    status, body = http.request("PUT", "/api/stock", json={"items": [{"sku": "A", "quantity": 2}]})
    assert status == 200 and body["results"][0]["quantity"] == 2
    assert http.calls == 2 and shop.quantity("A") == 2


def test_malformed_json_to_the_end_fails(server):
    server.faults.configure({"malformed_rate": 1.0})
    with pytest.raises(ChannelError, match="malformed JSON"):
        client(server, max_retries=1).request("GET", "/api/stock")


def test_a_shop_that_is_not_there_fails_after_retries():
    http = HttpClient("http://127.0.0.1:9", timeout=(0.3, 0.3), max_retries=2, sleep=Waits())
    with pytest.raises(ChannelError, match="connection to 127.0.0.1:9 failed"):
        http.request("GET", "/api/stock")
    assert http.calls == 3


# -- secrets --------------------------------------------------------------------------------
def test_authentication_failure_is_not_retried_and_hides_the_token(shop, caplog, sandbox):
    caplog.set_level(logging.DEBUG)
    server = sandbox(shop=shop, token="the-right-one")
    http = client(server, token_getter=lambda: TOKEN)
    with pytest.raises(HttpStatusError) as failed:
        http.request("GET", "/api/stock")
    assert failed.value.status == 401 and http.calls == 1
    assert str(failed.value).startswith("authentication failed")
    assert TOKEN not in str(failed.value) and TOKEN not in repr(failed.value.args)
    assert TOKEN not in caplog.text


def test_the_token_is_sent_and_never_in_any_error(shop, caplog, sandbox):
    caplog.set_level(logging.DEBUG)
    server = sandbox(shop=shop, token=TOKEN)
    http = client(server, token_getter=lambda: TOKEN, max_retries=1)
    assert http.request("GET", "/api/stock")[0] == 200
    errors = []
    for settings in ({"error_rate": 1.0}, {"timeout_rate": 1.0, "timeout_s": 0.6},
                     {"malformed_rate": 1.0}, {"rate_limit_rate": 1.0, "retry_after": 99}):
        server.faults.configure(settings)
        with pytest.raises(ChannelError) as failed:
            http.request("GET", "/api/stock")
        errors.append(failed.value)
    server.faults.configure({})
    with pytest.raises(HttpStatusError) as refused:
        http.request("PUT", "/api/stock", json={"items": [{"sku": "A", "quantity": -1}]})
    errors.append(refused.value)
    for error in errors:
        assert TOKEN not in str(error) and TOKEN not in repr(error.args)
    assert TOKEN not in caplog.text


# -- client-side rate limit and Retry-After parsing -------------------------------------------
def test_client_rate_limit_spaces_calls(server):
    now = [100.0]
    waits = Waits()

    def sleep(seconds: float) -> None:
        waits(seconds)
        now[0] += seconds

    http = HttpClient(server.url, rate_per_s=10, sleep=sleep, clock=lambda: now[0])
    for _ in range(4):
        http.request("GET", "/api/stock")
    assert waits.waits == pytest.approx([0.1, 0.1, 0.1])
    now[0] += 5  # idle a while: the next call goes straight out
    http.request("GET", "/api/stock")
    assert len(waits.waits) == 3


def test_retry_after_as_seconds_or_http_date():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True),
                             now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True),
                             now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# -- hostile channels: drips, floods, silence, redirects (issue 8 items 3 and 15) -------------
def hostile_client(url: str, **options) -> HttpClient:
    options = {"timeout": (0.5, 0.5), "max_retries": 3, "backoff_base": 0.01,
               "max_backoff": 0.05, "deadline_s": 1.5, "max_answer_bytes": 1024 * 1024,
               **options}
    return HttpClient(url, **options)


def test_an_answer_that_drips_fails_within_the_call_deadline():
    # each read gets a byte within the read timeout: requests' own timeout never fires
    with HostileServer(drip(every_s=0.1)) as server:
        http = hostile_client(server.url, token_getter=lambda: TOKEN)
        started = time.monotonic()
        with pytest.raises(ChannelError) as failed:
            http.request("GET", "/api/orders")
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 0.7
    assert "no complete answer within 1.5 s" in str(failed.value)
    assert TOKEN not in str(failed.value)


def test_a_huge_declared_answer_is_refused_unread_and_not_retried():
    with HostileServer(flood(declared=2 * 1024**3)) as server:
        http = hostile_client(server.url)
        with pytest.raises(ChannelError, match="too large") as failed:
            http.request("GET", "/api/stock")
    assert not isinstance(failed.value, HttpStatusError)
    assert http.received_bytes == 0 and http.calls == 1


@pytest.mark.parametrize("chunked", [False, True])
def test_a_flood_is_cut_at_the_size_cap_and_not_retried(chunked):
    """No length (the body ends when the connection closes, or chunked): reading stops at
    the cap and memory stays bounded."""
    cap = 1024 * 1024
    with HostileServer(flood(declared=None, chunked=chunked)) as server:
        http = hostile_client(server.url, max_answer_bytes=cap, deadline_s=10)
        tracemalloc.start()
        try:
            with pytest.raises(ChannelError, match="too large"):
                http.request("GET", "/api/stock")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert http.calls == 1
    assert cap < http.received_bytes <= cap + CHUNK_BYTES
    assert peak < 4 * cap


def test_a_redirect_is_a_refusal_and_never_followed():
    with HostileServer(answer(b'{"items": []}'), host="127.0.0.2") as elsewhere, \
            HostileServer(redirect(f"{elsewhere.url}/api/stock")) as server:
        http = hostile_client(server.url, token_getter=lambda: TOKEN)
        with pytest.raises(HttpStatusError, match="redirect") as refused:
            http.request("GET", "/api/stock")
    assert refused.value.status == 302 and http.calls == 1
    assert elsewhere.hits == 0
    assert TOKEN not in str(refused.value)


def test_cancel_ends_a_call_to_a_silent_channel_at_once():
    with HostileServer(silence) as server:
        http = hostile_client(server.url, timeout=(5, 30), deadline_s=60)
        outcome: list[BaseException] = []
        caller = threading.Thread(target=lambda: _capture(outcome, http.request, "GET", "/x"))
        caller.start()
        assert server.asked.wait(5)
        started = time.monotonic()
        http.cancel()
        caller.join(timeout=5)
        elapsed = time.monotonic() - started
    assert not caller.is_alive() and elapsed < 1.0
    assert isinstance(outcome[0], CallCancelled)


def test_cancel_also_ends_a_back_off_wait():
    def server_error(handler) -> None:
        headers(handler, status=500, length=0)

    with HostileServer(server_error) as server:
        http = hostile_client(server.url, backoff_base=30, max_backoff=30, deadline_s=120)
        outcome: list[BaseException] = []
        caller = threading.Thread(target=lambda: _capture(outcome, http.request, "GET", "/x"))
        caller.start()
        assert server.asked.wait(5)  # answered 500: the client waits 15 to 30 s to retry
        started = time.monotonic()
        http.cancel()
        caller.join(timeout=5)
    assert not caller.is_alive() and time.monotonic() - started < 1.0
    assert isinstance(outcome[0], CallCancelled)


def _capture(into: list[BaseException], call, *args) -> None:
    try:
        call(*args)
    except BaseException as error:
        into.append(error)


def test_the_query_of_a_pre_signed_address_is_never_in_a_message_or_the_log(caplog):
    # Amazon's document addresses carry their signature in the query (app/channels/amazon)
    with HostileServer(redirect("https://elsewhere.example/")) as server, caplog.at_level(
            logging.DEBUG):
        http = hostile_client(server.url)
        with pytest.raises(HttpStatusError) as refused:
            http.call("GET", "/doc/1?X-Amz-Signature=s1gnatur3", raw=True)
        with HostileServer(silence) as quiet, pytest.raises(ChannelError) as late:
            hostile_client(quiet.url).call("GET", "/doc/1?X-Amz-Signature=s1gnatur3")
    assert "GET /doc/1 refused" in str(refused.value)
    assert "s1gnatur3" not in str(refused.value) + str(late.value) + caplog.text
