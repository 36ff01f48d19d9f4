"""A local double of the BASE API v1 (https://api.thebase.in), over real HTTP on loopback.

Built from BASE's published API documentation, github.com/baseinc/api-docs (the Markdown
pages as they stood before the move to https://docs.thebase.in/docs/api/, commit 2760123):

- README.md: endpoints under https://api.thebase.in/, ``Authorization: Bearer``, scopes
  (read_items, write_items, read_orders…), every error answered with HTTP **400** and
  ``{"error": …, "error_description": …}``; the limits: 5,000 calls an hour and 100,000 a day
  per user, reset at minute 00 (the day at midnight), answered with ``hour_api_limit`` /
  ``day_api_limit`` and the documented Japanese descriptions.
- base_api_v1_oauth_authorize.md: ``GET /1/oauth/authorize`` (response_type=code, client_id,
  redirect_uri, scope space-separated, state); the user approves and is sent to
  ``redirect_uri?code=…&state=…`` (this double approves at once).
- base_api_v1_oauth_access_token.md, base_api_v1_oauth_refresh_token.md: ``POST
  /1/oauth/token`` (form; grant_type authorization_code or refresh_token, client_id,
  client_secret, code / refresh_token, redirect_uri) answering access_token, token_type
  bearer, expires_in 3600, refresh_token (valid 30 days). A bad or expired code or refresh
  token is ``invalid_request`` ("不正なリフレッシュトークンです。"…), an unknown client
  ``unauthorized_client``. The docs do not say whether the old refresh token stays valid after
  a refresh: this double is strict and rotates it (the old one is refused from then on).
- An access token refused on an API call: ``{"error": "invalid_request", "error_description":
  "アクセストークンが無効です。"}`` (HTTP 400, as every error); a missing scope
  ``invalid_scope``.
- base_api_v1_oauth_refresh_token.md also lists ``access_denied`` ("ユーザーが存在しません。")
  and ``server_error`` ("DB error") among the token endpoint's answers (``token_faults``).
- base_api_v1_items.md: ``GET /1/items`` (order, sort, limit default 20 MAX 100, offset;
  items with item_id, identifier (商品コード), stock, variations[{variation_id, variation,
  variation_stock, variation_identifier}]).
- base_api_v1_items_edit_stock.md: ``POST /1/items/edit_stock`` (item_id, stock, or
  variation_id + variation_stock; an item's stock is the sum of its variations' stock),
  errors bad_item_id, bad_variation_id, bad_params, validation_error; answers ``{"item": …}``.
- base_api_v1_orders.md: ``GET /1/orders`` (start_ordered, end_ordered as ``yyyy-mm-dd`` or
  ``yyyy-mm-dd hh:mm:ss`` (Japan time), limit ≤ 100, offset; no "changed since"); orders with
  unique_key, ordered, cancelled, dispatched, dispatch_status (unpaid, ordered, shipping,
  dispatched, cancelled), modified (epoch seconds).
- base_api_v1_orders_detail.md: ``GET /1/orders/detail/:unique_key`` with order_items
  [{order_item_id, item_id, variation_id, title, variation, price, amount, total, status
  (ordered / cancelled / dispatched), modified}]; ``no_order`` for an unknown key.
- base_api_v1_users_me.md: ``GET /1/users/me`` (shop_id, shop_name…), scope read_users.

Not in the docs, chosen here: a cancellation gives the units back to the item's stock (as
BASE's admin does when an order is cancelled); ``cancel_units`` for part of one order item
(BASE cancels whole order items) lowers its amount, so the shared scenario can run.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .serving import ServedDouble

JST = timezone(timedelta(hours=9))
ACCESS_TOKEN_S = 3600
REFRESH_TOKEN_S = 30 * 86400
CODE_S = 600
HOUR_LIMIT = 5000
DAY_LIMIT = 100_000
REDIRECT_URI = "http://127.0.0.1:8765/base/callback"
FINAL = {"dispatched", "cancelled"}

ERRORS = {
    "token": ("invalid_request", "アクセストークンが無効です。"),
    "scope": ("invalid_scope", "スコープが無効です。"),
    "hour": ("hour_api_limit", "1時間のAPIの利用上限を超えました。時間が変わってからもう一度"
             "アクセスしてください。"),
    "day": ("day_api_limit", "1日のAPIの利用上限を超えました。日付が変わってからもう一度"
            "アクセスしてください。"),
    "post": ("not_post_method", "POSTで送信してください。"),
    "bad_item_id": ("bad_item_id", "不正なitem_idです。"),
    "bad_variation_id": ("bad_variation_id", "不正なvariation_idです。"),
    "bad_params": ("bad_params", "不正なパラメーターです。"),
    "validation": ("validation_error", "バリデーションエラーです。"),
    "no_order": ("no_order", "注文情報が見つかりませんでした。"),
    "grant": ("invalid_request", "不正なgrant_typeです。"),
    "params": ("invalid_request", "不正なパラメーターです。"),
    "client": ("unauthorized_client", "クライアントが見つかりませんでした。"),
    "code": ("invalid_request", "不正な認可コードです。"),
    "code_expired": ("invalid_request", "認可コードの有効期限が切れています。"),
    "refresh": ("invalid_request", "不正なリフレッシュトークンです。"),
    "refresh_expired": ("invalid_request", "リフレッシュトークンの有効期限が切れています。"),
    "denied": ("access_denied", "ユーザーが存在しません。"),
    "server": ("server_error", "DB error"),
}


class _Refusal(Exception):
    def __init__(self, which: str, status: int = 400) -> None:
        super().__init__(which)
        self.status = status
        error, description = ERRORS[which]
        self.body = {"error": error, "error_description": description}


class BaseDouble(ServedDouble):
    """BASE's API for one shop and one registered app; ``clock`` gives epoch seconds."""

    type = "base"
    name = "base"
    batch_limit = 1  # edit_stock takes one item or variation per call

    def __init__(self, clock: Callable[[], float] = time.time, hour_limit: int = HOUR_LIMIT,
                 day_limit: int = DAY_LIMIT) -> None:
        super().__init__(clock)
        self.hour_limit, self.day_limit = hour_limit, day_limit
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self.client_id = "base-client-" + secrets.token_hex(4)
        self.client_secret = secrets.token_hex(16)
        self.redirect_uri = REDIRECT_URI
        self.codes: dict[str, tuple[float, str]] = {}  # code -> (expires, scope)
        self.access_tokens: dict[str, tuple[float, str]] = {}  # token -> (expires, scope)
        self.refresh_tokens: dict[str, tuple[float, str]] = {}
        self.refreshes = 0
        self.items: dict[int, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.refused: set[str] = set()
        self.throttled = 0
        self.token_faults: list[str] = []  # ERRORS keys the next token calls answer
        self.unavailable = 0  # the next calls answer HTTP 503 (a passing server failure)
        # variation_id of an order item whose item has no variations (null; 0 also occurs)
        self.plain_variation_id: int | None = None
        self.used: dict[tuple[str, int], int] = {}  # ("hour"|"day", window) -> calls
        self._next_id = 1000
        self._refresh_token = self._issue(self.refresh_tokens, REFRESH_TOKEN_S,
                                          "read_items write_items read_orders")

    # -- the protocol's parts --------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> dict[str, str]:
        return {"redirect_uri": self.redirect_uri}

    @property
    def credentials(self) -> dict[str, str]:
        """The app's keys and the refresh token valid now (a refresh rotates it)."""
        return {"client_id": self.client_id, "client_secret": self.client_secret,
                "refresh_token": self._refresh_token}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    # -- the catalogue -----------------------------------------------------------------------
    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_listing(self, channel_item_id: str, quantity: int) -> None:
        """An item without variations whose 商品コード is *channel_item_id*."""
        with self.lock:
            item_id = self._new_id()
            self.items[item_id] = {
                "item_id": item_id, "title": f"商品 {channel_item_id}", "price": 1000,
                "proper_price": None, "stock": quantity, "visible": 1,
                "list_order": len(self.items) + 1, "identifier": channel_item_id,
                "modified": int(self.now()), "variations": []}

    def add_item_with_variations(self, identifier: str | None,
                                 variations: dict[str, int]) -> int:
        """An item whose variations have these 種類コード and stock; its item_id."""
        with self.lock:
            item_id = self._new_id()
            rows = [{"variation_id": self._new_id(), "variation": code,
                     "variation_stock": stock, "variation_identifier": code}
                    for code, stock in variations.items()]
            self.items[item_id] = {
                "item_id": item_id, "title": f"商品 {identifier}", "price": 1000,
                "proper_price": None, "stock": sum(variations.values()), "visible": 1,
                "list_order": len(self.items) + 1, "identifier": identifier,
                "modified": int(self.now()), "variations": rows}
            return item_id

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        """BASE has no "stock not managed": the listing exists and its writes are refused."""
        self.add_listing(channel_item_id, 0)
        self.refuse_writes(channel_item_id)

    def _find(self, code: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        for item in self.items.values():
            if item["identifier"] == code and not item["variations"]:
                return item, None
            for variation in item["variations"]:
                if variation["variation_identifier"] == code:
                    return item, variation
        return None

    def quantity(self, channel_item_id: str) -> int | None:
        with self.lock:
            found = self._find(channel_item_id)
            if found is None:
                return None
            item, variation = found
            return int(variation["variation_stock"] if variation else item["stock"])

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        with self.lock:
            found = self._find(channel_item_id)
            if found is None:
                raise KeyError(channel_item_id)
            self._set_stock(*found, quantity)

    def _set_stock(self, item: dict[str, Any], variation: dict[str, Any] | None,
                   quantity: int) -> None:
        if variation is None:
            item["stock"] = quantity
        else:
            variation["variation_stock"] = quantity
            item["stock"] = sum(v["variation_stock"] for v in item["variations"])
        item["modified"] = int(self.now())

    def _move(self, item_id: int, variation_id: int | None, units: int) -> None:
        item = self.items.get(item_id)
        if item is None:
            return
        variation = next((v for v in item["variations"] if v["variation_id"] == variation_id),
                         None)
        shown = variation["variation_stock"] if variation else item["stock"]
        self._set_stock(item, variation, shown + units)

    # -- customers ---------------------------------------------------------------------------
    def place_order(self, lines: list[tuple[str, int]]) -> str:
        with self.lock:
            now = int(self.now())
            key = secrets.token_hex(8).upper()
            order_items = []
            for code, units in lines:
                found = self._find(code)
                if found is None:
                    raise KeyError(code)
                item, variation = found
                order_items.append({
                    "order_item_id": self._new_id(), "item_id": item["item_id"],
                    "variation_id": (variation["variation_id"] if variation
                                     else self.plain_variation_id),
                    "title": item["title"],
                    "variation": variation["variation"] if variation else None,
                    "price": item["price"], "amount": units, "total": item["price"] * units,
                    "status": "ordered", "shipping_method": None, "shipping_fee": 0,
                    "modified": now})
                self._move(item["item_id"], order_items[-1]["variation_id"], -units)
            self.orders[key] = {
                "unique_key": key, "ordered": now, "cancelled": None, "dispatched": None,
                "payment": "creditcard", "first_name": "太郎", "last_name": "山田",
                "total": sum(i["total"] for i in order_items), "delivery_date": None,
                "delivery_time_zone": None, "terminated": False, "dispatch_status": "ordered",
                "modified": now, "order_items": order_items}
            return key

    def cancel_order(self, order_id: str) -> None:
        with self.lock:
            order = self.orders[order_id]
            now = int(self.now())
            for line in order["order_items"]:
                if line["status"] != "cancelled":
                    line["status"], line["modified"] = "cancelled", now
                    self._move(line["item_id"], line["variation_id"], line["amount"])
            order.update(dispatch_status="cancelled", cancelled=now, terminated=True,
                         modified=now)

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        with self.lock:
            order = self.orders[order_id]
            found = self._find(channel_item_id)
            if found is None:
                raise KeyError(channel_item_id)
            item, variation = found
            wanted = (item["item_id"], variation["variation_id"] if variation else None)
            now = int(self.now())
            for line in order["order_items"]:
                if (line["item_id"], line["variation_id"]) != wanted:
                    continue
                if line["status"] == "cancelled":
                    continue
                units = min(units, line["amount"])
                if units == line["amount"]:
                    line["status"] = "cancelled"
                else:
                    line["amount"] -= units
                    line["total"] = line["price"] * line["amount"]
                line["modified"] = now
                self._move(line["item_id"], line["variation_id"], units)
                break
            if all(line["status"] == "cancelled" for line in order["order_items"]):
                order.update(dispatch_status="cancelled", cancelled=now, terminated=True)
            order["modified"] = now

    def dispatch_order(self, order_id: str) -> None:
        """The shop owner ships the order (a final state)."""
        with self.lock:
            order = self.orders[order_id]
            now = int(self.now())
            for line in order["order_items"]:
                if line["status"] == "ordered":
                    line["status"], line["modified"] = "dispatched", now
            order.update(dispatch_status="dispatched", dispatched=now, terminated=True,
                         modified=now)

    # -- faults --------------------------------------------------------------------------------
    def refuse_writes(self, channel_item_id: str) -> None:
        self.refused.add(channel_item_id)

    def throttle(self, calls: int) -> None:
        self.throttled = calls

    def expire_access_token(self) -> None:
        with self.lock:
            for token, (_, scope) in list(self.access_tokens.items()):
                self.access_tokens[token] = (self.now() - 1, scope)

    def revoke_credentials(self) -> None:
        """Every token is revoked; the owner connects the app again, which gives a new
        refresh token (``credentials`` holds it)."""
        with self.lock:
            self.access_tokens.clear()
            self.refresh_tokens.clear()
            self.codes.clear()
            self._refresh_token = self._issue(self.refresh_tokens, REFRESH_TOKEN_S,
                                              "read_items write_items read_orders")

    def authorize(self, scope: str = "read_items write_items read_orders") -> str:
        """An authorization code, as if the owner approved the app in the browser."""
        with self.lock:
            return self._issue(self.codes, CODE_S, scope)

    # -- requests ------------------------------------------------------------------------------
    def _issue(self, table: dict[str, tuple[float, str]], lifetime: float, scope: str) -> str:
        token = secrets.token_hex(16)
        table[token] = (self.now() + lifetime, scope)
        return token

    def handle(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
               authorization: str) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.calls.append((method, path))
            if self.unavailable > 0:
                self.unavailable -= 1
                return 503, {"error": "service_unavailable"}, {}
            try:
                if path == "/1/oauth/authorize":
                    return self._authorize(query)
                if path == "/1/oauth/token":
                    if method != "POST":
                        raise _Refusal("post")
                    if self.token_faults:
                        raise _Refusal(self.token_faults.pop(0))
                    return 200, self._token(form), {}
                scope = self._bearer(authorization)
                self._count()
                return 200, self._api(method, path, query, form, scope), {}
            except _Refusal as refusal:
                return refusal.status, refusal.body, {}

    def _authorize(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if query.get("client_id") != self.client_id:
            raise _Refusal("client")
        if query.get("response_type") != "code" or query.get("redirect_uri") != self.redirect_uri:
            raise _Refusal("params")
        code = self._issue(self.codes, CODE_S, query.get("scope") or "read_users")
        answer = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        return 302, None, {"Location": f"{self.redirect_uri}?{urlencode(answer)}"}

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("client_id") != self.client_id or (
                form.get("client_secret") != self.client_secret):
            raise _Refusal("client")
        if form.get("redirect_uri") != self.redirect_uri:
            raise _Refusal("params")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            table, presented, missing, late = self.codes, form.get("code"), "code", "code_expired"
        elif grant == "refresh_token":
            table, presented = self.refresh_tokens, form.get("refresh_token")
            missing, late = "refresh", "refresh_expired"
        else:
            raise _Refusal("grant")
        held = table.pop(presented or "", None)
        if held is None:
            raise _Refusal(missing)
        if held[0] <= self.now():
            raise _Refusal(late)
        if grant == "refresh_token":
            self.refreshes += 1
        access = self._issue(self.access_tokens, ACCESS_TOKEN_S, held[1])
        self._refresh_token = self._issue(self.refresh_tokens, REFRESH_TOKEN_S, held[1])
        return {"access_token": access, "token_type": "bearer", "expires_in": ACCESS_TOKEN_S,
                "refresh_token": self._refresh_token}

    def _bearer(self, authorization: str) -> str:
        kind, _, token = authorization.partition(" ")
        held = self.access_tokens.get(token) if kind.lower() == "bearer" else None
        if held is None or held[0] <= self.now():
            raise _Refusal("token")
        return held[1]

    def _count(self) -> None:
        if self.throttled > 0:
            self.throttled -= 1
            raise _Refusal("hour")
        now = self.now()
        hour = ("hour", int(now // 3600))
        day = ("day", datetime.fromtimestamp(now, JST).toordinal())
        if self.used.get(day, 0) >= self.day_limit:
            raise _Refusal("day")
        if self.used.get(hour, 0) >= self.hour_limit:
            raise _Refusal("hour")
        self.used[hour] = self.used.get(hour, 0) + 1
        self.used[day] = self.used.get(day, 0) + 1

    def _api(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
             scope: str) -> Any:
        scopes = set(scope.split()) | {"read_users"}

        def need(wanted: str) -> None:
            if wanted not in scopes:
                raise _Refusal("scope")

        if path == "/1/users/me":
            return {"user": {"shop_id": "rendotest", "shop_name": "Rendo テストショップ",
                             "shop_url": "https://rendotest.thebase.in"}}
        if path == "/1/items" and method == "GET":
            need("read_items")
            limit, offset = _paging(query)
            rows = sorted(self.items.values(), key=lambda i: (i["list_order"], i["item_id"]))
            return {"items": json.loads(json.dumps(rows[offset:offset + limit]))}
        if path == "/1/items/edit_stock":
            if method != "POST":
                raise _Refusal("post")
            need("write_items")
            return self._edit_stock(form)
        if path == "/1/orders" and method == "GET":
            need("read_orders")
            return {"orders": self._order_list(query)}
        if path.startswith("/1/orders/detail/") and method == "GET":
            need("read_orders")
            order = self.orders.get(path.rsplit("/", 1)[1])
            if order is None:
                raise _Refusal("no_order")
            return {"order": json.loads(json.dumps(order))}
        raise _Refusal("bad_params", 404)

    def _edit_stock(self, form: dict[str, str]) -> dict[str, Any]:
        item = self.items.get(_int(form.get("item_id")) or -1)
        if item is None:
            raise _Refusal("bad_item_id")
        variation = None
        if "variation_id" in form:
            variation = next((v for v in item["variations"]
                              if v["variation_id"] == _int(form["variation_id"])), None)
            if variation is None:
                raise _Refusal("bad_variation_id")
            value = form.get("variation_stock")
        else:
            if item["variations"]:
                raise _Refusal("bad_params")
            value = form.get("stock")
        number = _int(value)
        if number is None:
            raise _Refusal("bad_params")
        code = variation["variation_identifier"] if variation else item["identifier"]
        if number < 0 or number > 999_999 or code in self.refused:
            raise _Refusal("validation")
        self._set_stock(item, variation, number)
        return {"item": json.loads(json.dumps(item))}

    def _order_list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        start = _ordered_time(query.get("start_ordered"), start=True)
        end = _ordered_time(query.get("end_ordered"), start=False)
        limit, offset = _paging(query)
        rows = [o for o in self.orders.values()
                if (start is None or o["ordered"] >= start)
                and (end is None or o["ordered"] <= end)]
        rows.sort(key=lambda o: (-o["ordered"], o["unique_key"]))  # newest first
        return [{k: v for k, v in o.items() if k != "order_items"}
                for o in rows[offset:offset + limit]]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _paging(query: dict[str, str]) -> tuple[int, int]:
    limit, offset = _int(query.get("limit", "20")), _int(query.get("offset", "0"))
    if limit is None or offset is None or limit < 1 or offset < 0:
        raise _Refusal("bad_params")
    return min(limit, 100), offset


def _ordered_time(value: str | None, start: bool) -> float | None:
    """``yyyy-mm-dd`` or ``yyyy-mm-dd hh:mm:ss`` in Japan time, as epoch seconds."""
    if not value:
        return None
    for shape in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(value, shape).replace(tzinfo=JST)
        except ValueError:
            continue
        if shape == "%Y-%m-%d" and not start:
            moment += timedelta(days=1, seconds=-1)
        return moment.astimezone(UTC).timestamp()
    raise _Refusal("bad_params")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self, method: str) -> None:
        double: BaseDouble = self.server.double  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        form = {k: v[-1] for k, v in parse_qs(raw).items()} if method == "POST" else {}
        status, body, headers = double.handle(method, url.path, query, form,
                                              self.headers.get("Authorization", ""))
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(data)


def make_double(clock: Callable[[], float] = time.time) -> BaseDouble:
    """A double on *clock* (seconds; the hour-long tests run it on simulated time)."""
    return BaseDouble(clock=clock)
