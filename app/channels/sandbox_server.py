"""The sandbox shop: a real HTTP shop on this PC, for the demo, the tests and the benchmarks.

Plain stdlib (``http.server``); one lock guards the state. Faults and the rate limit are decided
before a request is acted on, so a faulted request never changes the shop. The REST API is
documented in README.md ("Sandbox shop API").
"""

from __future__ import annotations

import contextlib
import csv
import hmac
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .sandbox_shop import SandboxShop, ShopError, parse_stamp

__all__ = ["Faults", "SandboxServer", "SandboxShop", "ShopError", "load_catalog_csv"]

log = logging.getLogger(__name__)

MAX_BODY = 2_000_000
FAULT_RATES = ("error_rate", "rate_limit_rate", "timeout_rate", "slow_rate", "malformed_rate")
FAULT_SECONDS = {"retry_after": 1.0, "timeout_s": 5.0, "slow_s": 1.0}


class Faults:
    """Seeded fault injection; ``configure`` replaces every setting (missing ones reset)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random()
        self.settings: dict[str, Any] = {}
        self.configure({})

    def configure(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ShopError(400, {"error": "faults must be a JSON object"})
        settings: dict[str, Any] = {}
        for name in FAULT_RATES:
            settings[name] = _number(body.get(name, 0.0), name, 0.0, 1.0)
        for name, default in FAULT_SECONDS.items():
            settings[name] = _number(body.get(name, default), name, 0.0, 3600.0)
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ShopError(400, {"error": "seed must be an integer or null"})
        settings["seed"] = seed
        with self._lock:
            self.settings = settings
            self._rng = random.Random(seed)
        return dict(settings)

    def draw(self) -> str | None:
        """The fault for the next request: timeout, error, rate_limit, malformed, slow or None."""
        with self._lock:
            for kind in ("timeout", "error", "rate_limit", "malformed", "slow"):
                rate = self.settings[f"{kind}_rate"]
                if rate and self._rng.random() < rate:
                    return kind
        return None


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ShopError(400, {"error": f"{name} must be a number from {low:g} to {high:g}"})
    return float(value)


class TokenBucket:
    """A real rate limit: *rate* calls a second, bursts of up to max(1, rate)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.capacity, self.clock = rate, max(1.0, rate), clock
        self._tokens, self._at = self.capacity, clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when the call may go ahead, else the seconds until it may."""
        with self._lock:
            now = self.clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


Answer = tuple[int, Any]


def route(shop: SandboxShop, faults: Faults, method: str, path: str,
          query: dict[str, list[str]], body: Callable[[], Any]) -> Answer:
    """Dispatch one API call; ShopError carries refusals."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if parts[:1] != ["api"]:
        raise ShopError(404, {"error": "no such endpoint"})
    key = (method, *parts[1:2])
    if key == ("GET", "stock"):
        return 200, shop.stock_json()
    if key == ("PUT", "stock"):
        return shop.put_stock(body())
    if key == ("POST", "listings"):
        return 201, shop.add_listing_json(body())
    if key == ("GET", "shop"):
        return 200, shop.summary()
    if parts[1:2] == ["orders"]:
        return _orders(shop, method, parts[2:], query, body)
    if key == ("GET", "faults"):
        return 200, dict(faults.settings)
    if key == ("POST", "faults"):
        return 200, faults.configure(body())
    if parts[1:] == ["_admin", "orders"] and method == "GET":
        return 200, {"orders": shop.orders()}
    raise ShopError(404, {"error": f"no such endpoint: {method} {path}"})


def _orders(shop: SandboxShop, method: str, rest: list[str],
            query: dict[str, list[str]], body: Callable[[], Any]) -> Answer:
    if not rest and method == "GET":
        since = query.get("updated_since", [None])[0]
        page = query.get("page", ["1"])[0]
        try:
            stamp = parse_stamp(since) if since else None
            number = int(page)
        except ValueError:
            raise ShopError(400, {"error": "updated_since must be ISO 8601 and page an integer"}
                            ) from None
        if number < 1:
            raise ShopError(400, {"error": "page starts at 1"})
        return 200, shop.orders_page(stamp, number)
    if not rest and method == "POST":
        return 201, shop.place_order(body())
    if len(rest) == 1 and method == "PATCH":
        return 200, shop.change_order(rest[0], body())
    if len(rest) == 2 and rest[1] == "cancel" and method == "POST":
        return 200, shop.cancel_order(rest[0])
    raise ShopError(404, {"error": "no such endpoint"})


def _faultable(path: str) -> bool:
    return path.startswith("/api/") and not (
        path.rstrip("/") == "/api/faults" or path.startswith("/api/_admin/"))


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"  # keep-alive: one connection per client session
    disable_nagle_algorithm = True  # headers and body go out separately: no 40 ms stalls

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)  # request line only

    def _handle(self, method: str) -> None:
        sandbox = self.server.sandbox
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._send(413, {"error": f"body above {MAX_BODY} bytes"})
            return
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        if sandbox.on_request is not None:
            sandbox.on_request(method, url.path)
        if not sandbox.authorized(self.headers.get("Authorization", "")):
            self._send(401, {"error": "unauthorized"})
            return
        if _faultable(url.path) and not self._fault(sandbox):
            return
        try:
            status, payload = route(sandbox.shop, sandbox.faults, method, url.path,
                                    parse_qs(url.query), lambda: _parse_body(raw))
        except ShopError as refusal:
            status, payload = refusal.status, refusal.body
        self._send(status, payload)

    def _fault(self, sandbox: SandboxServer) -> bool:
        """Answer with the rate limit or an injected fault; True when the call may go on."""
        wait = sandbox.bucket.take() if sandbox.bucket else 0.0
        throttled = sandbox.take_throttled()
        if throttled is not None:
            self._send(429, {"error": "rate limit"}, {"Retry-After": f"{throttled:g}"})
            return False
        if wait:
            self._send(429, {"error": "rate limit"}, {"Retry-After": str(max(1, round(wait)))})
            return False
        settings, fault = sandbox.faults.settings, sandbox.faults.draw()
        if fault == "timeout":
            time.sleep(settings["timeout_s"])
            self.close_connection = True  # drop the connection without an answer
        elif fault == "error":
            self._send(500, {"error": "injected server error"})
        elif fault == "rate_limit":
            self._send(429, {"error": "injected rate limit"},
                       {"Retry-After": f"{settings['retry_after']:g}"})
        elif fault == "malformed":
            self._send_bytes(200, b'{"items": [{"sku": "A", "quan')
        elif fault == "slow":
            time.sleep(settings["slow_s"])
        return fault in (None, "slow")

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send_bytes(status, data, headers)

    def _send_bytes(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _parse_body(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        raise ShopError(400, {"error": "body is not UTF-8 JSON"}) from None


class _HttpServer(ThreadingHTTPServer):
    """Keeps its open (keep-alive) connections so that stopping really closes the shop."""

    daemon_threads = True
    sandbox: SandboxServer

    def server_activate(self) -> None:
        self.open: set[socket.socket] = set()
        self.open_lock = threading.Lock()
        super().server_activate()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.open_lock:
            self.open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.open_lock:
            self.open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.open_lock:
            for connection in self.open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox connection from %s ended badly", client_address, exc_info=True)


class SandboxServer:
    """Serves a SandboxShop over HTTP on a daemon thread; ``port=0`` takes a free port."""

    def __init__(self, shop: SandboxShop, host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None, rate_limit_per_s: float | None = None) -> None:
        self.shop, self.host, self.port, self._token = shop, host, port, token
        self.faults = Faults()
        self.bucket = TokenBucket(rate_limit_per_s) if rate_limit_per_s else None
        # called with (method, path) of every request received (the tests count calls)
        self.on_request: Callable[[str, str], None] | None = None
        self._throttle_lock = threading.Lock()
        self._throttled, self._throttle_wait = 0, 1.0
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    def authorized(self, header: str) -> bool:
        token = self._token
        if token is None:
            return True
        return hmac.compare_digest(header.encode(), f"Bearer {token}".encode())

    def set_token(self, token: str | None) -> None:
        """Accept only *token* from now on (None: any): the old one is revoked."""
        self._token = token

    def throttle(self, calls: int, retry_after: float = 1.0) -> None:
        """Answer the next *calls* API requests with 429 and ``Retry-After: retry_after``."""
        with self._throttle_lock:
            self._throttled, self._throttle_wait = calls, retry_after

    def take_throttled(self) -> float | None:
        """The Retry-After to answer this request with, when it is one of the throttled."""
        with self._throttle_lock:
            if self._throttled <= 0:
                return None
            self._throttled -= 1
            return self._throttle_wait

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> int:
        """Bind and serve in the background; returns the bound port."""
        if self._httpd is not None:
            return self.port
        httpd = _HttpServer((self.host, self.port), _Handler)
        httpd.sandbox = self
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, name=f"sandbox-{self.port}",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        log.info("sandbox shop serving at %s", self.url)
        return self.port

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def load_catalog_csv(shop: SandboxShop, path: str | Path) -> int:
    """Add (or reset) the listings of a ``sku,quantity`` CSV, header optional; the count read.

    UTF-8 (with or without BOM), else Shift_JIS/CP932. SKUs are text: ``007`` stays ``007``.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932")
    count = 0
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip():
            continue
        sku, quantity = (row + [""])[:2]
        try:
            value = int(quantity.strip())
        except ValueError:
            if number == 1:
                continue  # the header
            raise ValueError(
                f"{path}, line {number}: quantity {quantity!r} is not a whole number") from None
        if value < 0 or not sku.strip():
            raise ValueError(f"{path}, line {number}: needs a SKU and a quantity of 0 or more")
        shop.set_listing(sku.strip(), value)
        count += 1
    return count
