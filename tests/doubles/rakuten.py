"""A local double of 楽天 RMS WEB SERVICE (https://api.rms.rakuten.co.jp), over real HTTP.

Built from Rakuten's published RMS WEB SERVICE documentation (webservice.rms.rakuten.co.jp/
merchant-portal/view/ja/common/1-1_service_index/…: rakutenpayorderapi/searchorder,
rakutenpayorderapi/getorder, inventoryapi 2.0, itemapi 2.0; behind the RMS login) as quoted by
public clients: github.com/oh0123/rakuten-spi-sdk (rms/inventory.go, rms/searchItem.go,
rms/order.go: the JSON field names), github.com/yheihei/rms-api-sample
(rakutenPayGetOrder.php: the ESA header, ``orderNumberList``), and
github.com/kukumaomao2022-dotcom/inventory-system (RAKUTEN_PAY_ORDER_API.md: searchOrder's
body, ``PaginationRequestModel``, the orderProgress codes):

- JSON bodies go with ``Content-Type: application/json; charset=utf-8`` (yheihei/rms-api-sample
  rakutenPaySearchOrder.php, oh0123/rakuten-spi-sdk rms/inventory.go); the double records it.
- ``Authorization: ESA base64(serviceSecret:licenseKey)`` on every call; a key RMS does not
  take (wrong or past its 90 days) is the gateway's 共通認証エラー HTTP 401 ``{"Results":
  {"errorCode": "ES01-01", "message": "Un-Authorised"}}`` (public clients in the code index:
  a respx test of an RMS MCP server, a GAS order script "ES01-01 → licenseKeyを更新", a Java
  batch "楽天ペイ受注API共通認証エラーレスポンス"; manual.sokuhan.jp 楽天市場との通信時にエラー:
  ES01-01 / ES04-01 for an unknown or expired key); ES04-01 "Bad Request" when the API is not
  allowed for the key (a public RMS client: "RMSで楽天ペイ受注APIの利用設定を確認").
- A public transcription of the 在庫API 2.0 spec (code index: "Inventory API 2.0 详细文档",
  spec version 2.3): bulk-get 5 requests a second, bulk-upsert 1; 商品管理番号 capitals are
  taken as small letters (variantId is case-sensitive); a SKU that does not exist is taken
  without an error (its orphan inventory is deleted 24 hours later); new SKUs need ABSOLUTE;
  errors ``{"errors": [{code IE0004…, message, metadata {propertyPath
  "inventories[0].manageNumber"}}]}``.
- 在庫API 2.0: ``POST /es/2.0/inventories/bulk-get`` (``{"inventories": [{manageNumber,
  variantId}]}``, at most 1000; answers the inventories that exist, with quantity, created,
  updated; an unknown SKU is simply absent) and ``POST /es/2.0/inventories/bulk-upsert`` (at
  most 400, each with ``mode`` ABSOLUTE or RELATIVE and ``quantity``; HTTP 204 and no body).
  A bad request is HTTP 400 ``{"errors": [{code, message, metadata: {propertyPath}}]}`` and
  nothing of it is applied. 楽天 takes a write for a SKU it does not have without an error.
- 商品API 2.0: ``GET /es/2.0/items/search`` (hits ≤ 100, cursorMark paging from ``*``;
  results[].item with manageNumber, itemNumber, variants {variantId: {merchantDefinedSkuId
  (システム連携用SKU番号)…}}).
- 受注API (RakutenPayOrderAPI): ``POST /es/2.0/order/searchOrder/`` (dateType 1 = 注文日,
  startDatetime / endDatetime ``yyyy-MM-ddTHH:mm:ss+0900`` at most 63 days apart,
  ``PaginationRequestModel`` {requestRecordsAmount ≤ 1000, requestPage}, optionally
  ``orderProgressList`` [100 … 900]: only orders in those statuses, as github.com/JakeJP/
  Rakuten.RMS.Api docs/reference/rakuten.rms.api.rakutenpayorderapi.searchorderrequest.md
  lists it) answering ``orderNumberList`` and ``PaginationResponseModel``;
  ``POST /es/2.0/order/getOrder/`` (orderNumberList ≤ 100, version) answering
  ``OrderModelList`` [{orderNumber, orderProgress (100 注文確認待ち … 500 発送済 …
  800 キャンセル確定待ち, 900 キャンセル確定), orderDatetime, updateDatetime, PackageModelList
  [{basketId, ItemModelList [{itemDetailId, manageNumber, itemNumber, units, deleteItemFlag,
  restoreInventoryFlag, SkuModelList
  [{variantId, merchantDefinedSkuId}]}]}]}]. Refusals come in ``MessageModelList``
  [{messageType ERROR, messageCode, message}] (HTTP 400).

Chosen here, where the public material says nothing exact: requests over the rate are HTTP 429
with ``{"errors": [{"code": "GA0005"…}]}``; a license key past its 90 days is refused as any
other (HTTP 401, ES01-01); an API not allowed (``disallowed``) answers HTTP 400 ES04-01; an
orderProgressList value that is no status is refused with
``ORDER_EXT_API_SEARCH_ORDER_ERROR_032``; a cancellation gives the units back
(``restoreInventoryFlag`` 1); a line cancelled whole gets ``deleteItemFlag`` 1, a partial one
fewer ``units``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .serving import ServedDouble

JST = timezone(timedelta(hours=9))
GET_LIMIT = 1000
UPSERT_LIMIT = 400
ORDERS_PER_GET = 100
SEARCH_PAGE_MAX = 1000
WINDOW_DAYS = 63
HITS_MAX = 100
UNAUTHORIZED = {"Results": {"errorCode": "ES01-01", "message": "Un-Authorised"}}
NOT_ALLOWED = {"Results": {"errorCode": "ES04-01", "message": "Bad Request"}}


def _jst(moment: float) -> str:
    return datetime.fromtimestamp(moment, JST).strftime("%Y-%m-%dT%H:%M:%S+0900")


def _parse(text: Any) -> float:
    return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S%z").timestamp()


class RakutenDouble(ServedDouble):
    """RMS for one shop; ``clock`` gives epoch seconds."""

    type = "rakuten"
    name = "rms"
    batch_limit = UPSERT_LIMIT

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self.bodies: list[tuple[str, Any]] = []  # (path, JSON body) of every POST
        self.content_types: list[str] = []  # the Content-Type of every POST
        self.service_secret = "SP" + secrets.token_hex(12)
        self.license_key = "SL" + secrets.token_hex(12)
        self.license_expires = date.today() + timedelta(days=80)
        self.items: dict[str, dict[str, Any]] = {}  # manageNumber -> item
        self.stock: dict[tuple[str, str], int] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.refused: set[str] = set()
        self.throttled = 0
        self.disallowed: set[str] = set()  # path prefixes not allowed for the key (利用機能)
        self._next = 1000

    # -- the protocol's parts --------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> dict[str, str]:
        return {"license_expires": self.license_expires.isoformat()}

    @property
    def credentials(self) -> dict[str, str]:
        return {"service_secret": self.service_secret, "license_key": self.license_key}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    # -- the catalogue -----------------------------------------------------------------------
    def add_item(self, manage_number: str, variants: dict[str, tuple[str | None, int]]) -> None:
        """An item (商品管理番号, kept in small letters as RMS does) with SKUs {SKU管理番号:
        (システム連携用SKU番号, quantity)}."""
        manage_number = manage_number.lower()
        with self.lock:
            self.items[manage_number] = {
                "manageNumber": manage_number, "itemNumber": manage_number.upper(),
                "title": f"商品 {manage_number}", "itemType": "NORMAL",
                "variants": {vid: ({"merchantDefinedSkuId": sku} if sku else {})
                             for vid, (sku, _) in variants.items()}}
            for vid, (_, quantity) in variants.items():
                self.stock[(manage_number, vid)] = quantity

    def add_listing(self, channel_item_id: str, quantity: int) -> None:
        """"M/V": item M with SKU V; otherwise a one-SKU item whose システム連携用SKU番号 is
        the code."""
        if "/" in channel_item_id:
            manage, vid = channel_item_id.split("/", 1)
            manage = manage.lower()  # as RMS keeps it
            with self.lock:
                variants = {v: (d.get("merchantDefinedSkuId"), self.stock[(manage, v)])
                            for v, d in self.items.get(manage, {}).get("variants", {}).items()}
                self.add_item(manage, {**variants, vid: (None, quantity)})
            return
        with self.lock:
            self._next += 1
            self.add_item(f"item-{self._next}", {"sku-1": (channel_item_id, quantity)})

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        """RMS has no "stock not managed" for a SKU here: it exists and its writes fail."""
        self.add_listing(channel_item_id, 0)
        self.refuse_writes(channel_item_id)

    def remove_listing(self, channel_item_id: str) -> None:
        """The shop deleted the SKU in RMS: its writes are then taken and kept nowhere."""
        with self.lock:
            key = self._key(channel_item_id)
            if key is None:
                raise KeyError(channel_item_id)
            del self.items[key[0]]["variants"][key[1]]
            del self.stock[key]

    def _key(self, code: str) -> tuple[str, str] | None:
        for manage, item in self.items.items():
            for vid, variant in item["variants"].items():
                if variant.get("merchantDefinedSkuId") == code:
                    return manage, vid
        if "/" in code:
            manage, vid = code.split("/", 1)
            variant = self.items.get(manage, {}).get("variants", {}).get(vid)
            if variant is not None and not variant.get("merchantDefinedSkuId"):
                return manage, vid
        return None

    def _code(self, manage: str, vid: str) -> str:
        sku = self.items[manage]["variants"][vid].get("merchantDefinedSkuId")
        return str(sku) if sku else f"{manage}/{vid}"

    def quantity(self, channel_item_id: str) -> int | None:
        with self.lock:
            key = self._key(channel_item_id)
            return None if key is None else self.stock[key]

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        with self.lock:
            key = self._key(channel_item_id)
            if key is None:
                raise KeyError(channel_item_id)
            self.stock[key] = quantity

    # -- customers ---------------------------------------------------------------------------
    def place_order(self, lines: list[tuple[str, int]], progress: int = 100) -> str:
        with self.lock:
            now = self.now()
            self._next += 1
            number = (f"377777-{datetime.fromtimestamp(now, JST):%Y%m%d}-"
                      f"{self._next:010d}")
            models = []
            for code, units in lines:
                key = self._key(code)
                if key is None:
                    raise KeyError(code)
                manage, vid = key
                self._next += 1
                variant = self.items[manage]["variants"][vid]
                models.append({
                    "itemDetailId": self._next, "itemName": self.items[manage]["title"],
                    "itemId": self._next, "itemNumber": self.items[manage]["itemNumber"],
                    "manageNumber": manage, "price": 1000, "units": units,
                    "includePostageFlag": 0, "includeTaxFlag": 1, "restoreInventoryFlag": 1,
                    "deleteItemFlag": 0,
                    "SkuModelList": [{"variantId": vid, "merchantDefinedSkuId":
                                      variant.get("merchantDefinedSkuId"), "skuInfo": ""}]})
                self.stock[key] -= units
            self.orders[number] = {
                "orderNumber": number, "orderProgress": progress, "orderDatetime": _jst(now),
                "updateDatetime": _jst(now), "_placed": now,
                "PackageModelList": [{"basketId": self._next, "ItemModelList": models}]}
            return number

    def _lines(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        return [line for package in order["PackageModelList"]
                for line in package["ItemModelList"]]

    def _give_back(self, line: dict[str, Any], units: int) -> None:
        key = (line["manageNumber"], line["SkuModelList"][0]["variantId"])
        if key in self.stock and line.get("restoreInventoryFlag") == 1:
            self.stock[key] += units

    def cancel_order(self, order_id: str) -> None:
        """キャンセル確定 (900): every line's units go back to the SKU's stock."""
        with self.lock:
            order = self.orders[order_id]
            if order["orderProgress"] == 900:
                return
            for line in self._lines(order):
                if not line["deleteItemFlag"]:
                    self._give_back(line, line["units"])
            order.update(orderProgress=900, updateDatetime=_jst(self.now()))

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        """The shop changes the order (受注変更): fewer units, or the line deleted."""
        with self.lock:
            order = self.orders[order_id]
            key = self._key(channel_item_id)
            for line in self._lines(order):
                if (line["manageNumber"], line["SkuModelList"][0]["variantId"]) != key:
                    continue
                if line["deleteItemFlag"]:
                    continue
                units = min(units, line["units"])
                if units == line["units"]:
                    line["deleteItemFlag"] = 1
                else:
                    line["units"] -= units
                self._give_back(line, units)
                break
            order["updateDatetime"] = _jst(self.now())

    def ship_order(self, order_id: str) -> None:
        with self.lock:
            self.orders[order_id].update(orderProgress=500, updateDatetime=_jst(self.now()))

    # -- faults --------------------------------------------------------------------------------
    def refuse_writes(self, channel_item_id: str) -> None:
        self.refused.add(channel_item_id)

    def throttle(self, calls: int) -> None:
        self.throttled = calls

    def expire_access_token(self) -> None:
        """A license key has no access token to renew: nothing happens."""

    def expire_license(self) -> None:
        """The 90 days are over: the key is refused; the owner makes a new one in RMS."""
        with self.lock:
            self.license_key = "SL" + secrets.token_hex(12)
            self.license_expires = date.today() + timedelta(days=90)

    def revoke_credentials(self) -> None:
        """The key is refused; the owner issues a new service secret and license key."""
        with self.lock:
            self.service_secret = "SP" + secrets.token_hex(12)
            self.license_key = "SL" + secrets.token_hex(12)

    # -- requests ------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: Any,
               authorization: str) -> tuple[int, Any]:
        with self.lock:
            self.calls.append((method, path))
            if method == "POST":
                self.bodies.append((path, body))
            expected = base64.b64encode(
                f"{self.service_secret}:{self.license_key}".encode()).decode()
            if authorization != f"ESA {expected}":
                return 401, UNAUTHORIZED
            if any(path.startswith(prefix) for prefix in self.disallowed):
                return 400, NOT_ALLOWED
            if self.throttled > 0:
                self.throttled -= 1
                return 429, {"errors": [{"code": "GA0005", "message": "Too Many Requests"}]}
            route = {("POST", "/es/2.0/inventories/bulk-get"): self._bulk_get,
                     ("POST", "/es/2.0/inventories/bulk-upsert"): self._bulk_upsert,
                     ("POST", "/es/2.0/order/searchOrder/"): self._search,
                     ("POST", "/es/2.0/order/getOrder/"): self._get_order}.get((method, path))
            if route is not None:
                return route(body if isinstance(body, dict) else {})
            if (method, path) == ("GET", "/es/2.0/items/search"):
                return self._items(query)
            return 404, {"errors": [{"code": "GE0014", "message": "Not Found"}]}

    @staticmethod
    def _error(code: str, message: str, path: str | None = None) -> dict[str, Any]:
        return {"code": code, "message": message, "metadata": {"propertyPath": path}}

    def _bulk_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        wanted = body.get("inventories")
        if not isinstance(wanted, list) or not 1 <= len(wanted) <= GET_LIMIT:
            return 400, {"errors": [self._error("IE0101", "inventories must have 1 to "
                                                f"{GET_LIMIT} elements", "inventories")]}
        found = []
        for entry in wanted:  # 商品管理番号: capitals are taken as small letters
            key = (str(entry.get("manageNumber")).lower(), str(entry.get("variantId")))
            if key in self.stock and key[1] in self.items.get(key[0], {}).get("variants", {}):
                found.append({"manageNumber": key[0], "variantId": key[1],
                              "quantity": self.stock[key], "created": _jst(self.now()),
                              "updated": _jst(self.now())})
        return 200, {"inventories": found}

    def _bulk_upsert(self, body: dict[str, Any]) -> tuple[int, Any]:
        wanted = body.get("inventories")
        if not isinstance(wanted, list) or not 1 <= len(wanted) <= UPSERT_LIMIT:
            return 400, {"errors": [self._error("IE0101", "inventories must have 1 to "
                                                f"{UPSERT_LIMIT} elements", "inventories")]}
        errors, changes = [], []
        for n, entry in enumerate(wanted):
            key = (str(entry.get("manageNumber")).lower(), str(entry.get("variantId")))
            mode, quantity = entry.get("mode"), entry.get("quantity")
            exists = key in self.stock and key[0] in self.items
            if mode not in ("ABSOLUTE", "RELATIVE") or not isinstance(quantity, int):
                errors.append(self._error("IE0102", "mode or quantity is invalid",
                                          f"inventories[{n}]"))
                continue
            if exists and self._code(*key) in self.refused:
                errors.append(self._error("IE0103", "this inventory cannot be updated",
                                          f"inventories[{n}].quantity"))
                continue
            new = quantity if mode == "ABSOLUTE" else self.stock.get(key, 0) + quantity
            if not 0 <= new <= 99999:
                errors.append(self._error("IE0104", "quantity must be 0 to 99999",
                                          f"inventories[{n}].quantity"))
                continue
            if exists:  # an unknown SKU is taken without an error, and kept nowhere
                changes.append((key, new))
        if errors:
            return 400, {"errors": errors}
        for key, new in changes:
            self.stock[key] = new
        return 204, None

    def _items(self, query: dict[str, str]) -> tuple[int, Any]:
        try:
            hits = int(query.get("hits") or 10)
        except ValueError:
            hits = 0
        if not 1 <= hits <= HITS_MAX:
            return 400, {"errors": [{"code": "GE0001", "message": "hits is invalid"}]}
        names = sorted(self.items)
        mark = query.get("cursorMark") or "*"
        start = 0 if mark == "*" else next((i for i, m in enumerate(names) if m > mark),
                                           len(names))
        page = names[start:start + hits]
        next_mark = page[-1] if page else mark
        return 200, {"numFound": len(names), "offset": 0, "nextCursorMark": next_mark,
                     "results": [{"item": self.items[m]} for m in page]}

    @staticmethod
    def _refusal(code: str, message: str) -> tuple[int, Any]:
        return 400, {"MessageModelList": [{"messageType": "ERROR", "messageCode": code,
                                           "message": message}]}

    def _search(self, body: dict[str, Any]) -> tuple[int, Any]:
        try:
            start, end = _parse(body["startDatetime"]), _parse(body["endDatetime"])
        except (KeyError, ValueError):
            return self._refusal("ORDER_EXT_API_SEARCH_ORDER_ERROR_005",
                                 "期間指定の値が不正です。")
        if body.get("dateType") != 1 and body.get("dateType") not in range(2, 7):
            return self._refusal("ORDER_EXT_API_SEARCH_ORDER_ERROR_003",
                                 "期間検索種別の値が不正です。")
        if end < start or end - start > WINDOW_DAYS * 86400:
            return self._refusal("ORDER_EXT_API_SEARCH_ORDER_ERROR_013",
                                 "期間指定は63日以内で指定してください。")
        paging = body.get("PaginationRequestModel") or {}
        amount, page = paging.get("requestRecordsAmount"), paging.get("requestPage")
        if not isinstance(amount, int) or not 1 <= amount <= SEARCH_PAGE_MAX or (
                not isinstance(page, int) or page < 1):
            return self._refusal("ORDER_EXT_API_SEARCH_ORDER_ERROR_020",
                                 "ページング指定の値が不正です。")
        progress = body.get("orderProgressList")
        if progress is not None and (not isinstance(progress, list) or not all(
                p in range(100, 1000, 100) for p in progress)):
            return self._refusal("ORDER_EXT_API_SEARCH_ORDER_ERROR_032",
                                 "ステータスリストの値が不正です。")
        numbers = sorted(n for n, o in self.orders.items()
                         if start <= int(o["_placed"]) <= end
                         and (progress is None or o["orderProgress"] in progress))
        total = len(numbers)
        chunk = numbers[(page - 1) * amount:page * amount]
        return 200, {"MessageModelList": [{"messageType": "INFO",
                                           "messageCode": "ORDER_EXT_API_SEARCH_ORDER_INFO_101",
                                           "message": "注文検索に成功しました。"}],
                     "orderNumberList": chunk,
                     "PaginationResponseModel": {"totalRecordsAmount": total,
                                                 "totalPages": -(-total // amount),
                                                 "requestPage": page}}

    def _get_order(self, body: dict[str, Any]) -> tuple[int, Any]:
        numbers = body.get("orderNumberList")
        if not isinstance(numbers, list) or not 1 <= len(numbers) <= ORDERS_PER_GET:
            return self._refusal("ORDER_EXT_API_GET_ORDER_ERROR_002",
                                 "注文番号リストは1件以上100件以下で指定してください。")
        models = [{k: v for k, v in self.orders[n].items() if not k.startswith("_")}
                  for n in numbers if n in self.orders]
        return 200, {"MessageModelList": [
            {"messageType": "INFO", "messageCode": "ORDER_EXT_API_GET_ORDER_INFO_101",
             "message": "受注情報取得に成功しました。"}],
            "OrderModelList": json.loads(json.dumps(models))}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self, method: str) -> None:
        double: RakutenDouble = self.server.double  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if method == "POST":
            double.content_types.append(self.headers.get("Content-Type", ""))
        status, answer = double.handle(method, url.path, query, body,
                                       self.headers.get("Authorization", ""))
        data = b"" if answer is None else json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(data)


def make_double() -> RakutenDouble:
    return RakutenDouble()


__all__ = ["JST", "UTC", "RakutenDouble", "make_double"]
