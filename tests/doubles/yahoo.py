"""A local double of the Yahoo!ショッピング ストアAPI and Yahoo! ID連携 v2, over real HTTP.

Built from Yahoo!'s published documentation (found with the search tool, pages corpus):

- developer.yahoo.co.jp/webapi/shopping/getStock.html (在庫参照API): POST seller_id,
  item_code (comma list, at most 1,000; ``商品コード:個別商品コード`` for an option); XML
  ``ResultSet`` with ``Result`` rows of ItemCode, SubCode, Quantity.
- developer.yahoo.co.jp/webapi/shopping/setStock.html (在庫更新API): POST seller_id,
  item_code (≤ 1,000), quantity (same count, comma list; ``+n`` adds, ``-n`` subtracts, a
  bare number sets); "存在しない商品コードにリクエストした場合 … エラーレスポンスを返しません"
  (the number is kept for an item registered later).
- developer.yahoo.co.jp/webapi/shopping/help (Yahoo! ID連携 v2: authorization at
  auth.login.yahoo.co.jp/yconnect/v2/authorization, token at /yconnect/v2/token; 公開鍵認証:
  "ストアアカウントとunixtimestampを:で結合", encrypted with the public key, base64, in
  X-sws-signature with X-sws-signature-version; without it re-authorization within 12 hours;
  a single API is limited to 10 req/sec at most after a relaxation request).
- A public PHP order script (code index, "POST /yconnect/v2/token … X-sws-signature") sends
  the signature headers with the refresh-token call as well as with orderList/orderInfo;
  orderList answers ``<Result><Status>OK</Status><Search><OrderInfo>…``, orderInfo
  ``<ResultSet><Result><Status>OK</Status><OrderInfo><OrderStatus>…<Item>`` (ItemId, Title,
  SubCode, Quantity, LineId in its Field list); OrderTimeFrom/To ``YYYYMMDDHHMMSS`` (JST).
- teratail.com/questions/bejsxg9q2q5b8g: an authentication failure is HTTP 401 with
  ``<Error><Message>…</Message></Error>`` (XML); github.com/t4traw/yahoo_store_api README
  (the app registration and the code flow).
- developer.yahoo.co.jp/webapi/shopping/orderList.html (注文検索API): XML ``Req/Search`` with
  Result, Start, Sort (``+order_time``), Condition (OrderTimeFrom …) and Field (required: the
  keys to answer, comma separated; among them OrderId, OrderTime, OrderStatus and
  LastUpdateTime, the order's last update, which any change of the order moves); each
  ``Search/OrderInfo`` carries an Index and the keys asked for, ``Search/TotalCount`` the
  number found. Rendo reads an order's detail only when its OrderStatus or LastUpdateTime
  moved.
- github.com/kamiya54/yahoo_shopping_api spec/fixtures: stock/get.xml and get_array.xml
  (getStock rows carry ``Status``, 1 found, 0 not: then no Quantity; ``ok``/``ng`` counts on
  ResultSet), timeout.xml (an expired token: 401 "Please provide valid credentials. Bearer
  realm=… error="invalid_token"…"), invalid_params.xml (``<Error xmlns="urn:yahoo:api">``
  with Code st-02101).
- developer.yahoo.co.jp/webapi/shopping/faq.html: "Your Request was Forbidden" when the day's
  50,000 calls are spent (or the app id is unknown / not allowed); px-04303 for an app without
  the order APIs; "insufficient_scope" for an app without the store scope.
- qiita.com/JTS00017/items/333b45d421c70f67794d, manual.sokuhan.jp/faq-2: without the public
  key the order APIs answer px-04102 "AccessToken has been expired. This API session is
  shorter than another API." 12 hours after the authorization, refresh or not.
- developer.yahoo.co.jp/webapi/shopping/myItemList.html: GET seller_id, start, results (≤ 100),
  ``query`` "必須※1" (or stcat_key); a public sync script (code index: "Yahoo!ショッピング商品
  リストAPI（myItemList）で出品中の全商品…") found the list refused without either
  ("queryかstcat_keyのどちらか片方が必須です") and walks stCategoryList (seller_id, page_key →
  Result/PageKey) to list each category; ``require_search`` (default on) does so here.
- myItemList (商品リストAPI), orderInfo (注文詳細API; OrderStatus 1 予約中 … 4 キャンセル,
  5 完了; Item rows with LineId, ItemId, SubCode, Quantity) as the docs list them.

Chosen here (not in what was found): getStock given the bare 商品コード of an item with options
answers one row per 個別商品コード (the docs ask for ``商品コード:個別商品コード`` there; what a
bare code answers is not published); a setStock that would leave a listing refused
(``refuse_writes``, a negative result) refuses the whole call with ``<Error><Code>st-02103``
and applies nothing; throttling is HTTP 429 with an Error body; an invalid seller_id is
px-04001; a refresh answer carries no refresh_token unless ``rotate`` is set; a cancellation
puts the units back on the stock; cancel_units lowers a line's Quantity (an order change);
a signature is not checked for freshness.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from .serving import ServedDouble

JST = timezone(timedelta(hours=9))
ACCESS_TOKEN_S = 3600
REFRESH_TOKEN_S = 28 * 86400
CODE_S = 600
UNSIGNED_SESSION_S = 12 * 3600  # order APIs without the public key: help#aboutapipublickey
ORDER_APIS = ("orderList", "orderInfo")
TOP_CATEGORY = "a5b9a5c8a5a2"  # a store category's PageKey
API = "/ShoppingWebService/V1/"
REDIRECT_URI = "http://127.0.0.1:8765/yahoo/callback"

# a 1024-bit test key pair: the owner's public key (credentials) and Yahoo!'s private half
KEY_N = int(
    "f53a4a19b9982f08026bc44d0aff16ed92e530f912d62911fcd15ca1464cd5fa7d6d79c289ea5bdc02c578c1"
    "c6783cda1bf1173dd88d2a8b1c9b6fd9b398c0878d4b5263cd873776b1e8e8b425afd880cda14cfb40d189f0"
    "10d0f69e9e386a07d34d3fb3ac368222818eebb4bc61943638dbdea331d5a68106c93e5e95a23b1f", 16)
KEY_D = int(
    "5154169537873039e0cbaadbbe44e16ec323fdbced3157879ea834a74bf0599aec942d2886a2d1fa4275095a"
    "829f07d77222e00963d35583b3661d8f3ecfef319f49a6d64482c976d6a8d2964d572bce2cff339a7c98168f"
    "a3c4bdb56bc9daa16c26aaf0baba82c6fbad21d550adcd64c5cfa116e5d3d611803b2cb9df45f741", 16)
# as pasted in one line (a credential part has no line breaks)
PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY----- MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQD1OkoZuZgvCAJrxE0K/xbtk"
    "uUw+RLWKRH80VyhRkzV+n1tecKJ6lvcAsV4wcZ4PNob8Rc92I0qixybb9mzmMCHjUtSY82HN3ax6Oi0Ja/YgM2hT"
    "PtA0YnwEND2np44agfTTT+zrDaCIoGO67S8YZQ2ONveozHVpoEGyT5elaI7HwIDAQAB -----END PUBLIC KEY-----")


class _Refusal(Exception):
    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class _TokenRefusal(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(error)
        self.status, self.body = status, {"error": error, "error_description": description}


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(int(moment), JST).isoformat()


class YahooDouble(ServedDouble):
    """The ストアAPI for one store and one registered app; ``clock`` gives epoch seconds."""

    type = "yahoo"
    name = "yahoo"
    batch_limit = 1000

    def __init__(self, clock: Callable[[], float] = time.time, day_limit: int = 1_000_000,
                 signed: bool = True) -> None:
        super().__init__(clock)
        self.day_limit = day_limit
        self.signed = signed  # the store registered a public key: calls must carry it
        self.key_version = "1"
        self.rotate = False
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self.requests: list[dict[str, Any]] = []  # path, form, body, headers of API calls
        self.token_headers: list[dict[str, str]] = []  # the headers of token calls
        self.seller_id = "rendo-test"
        self.client_id = "dj00-" + secrets.token_hex(6)
        self.client_secret = secrets.token_hex(16)
        self.codes: dict[str, float] = {}
        self.access_tokens: dict[str, float] = {}
        self.refresh_tokens: dict[str, float] = {}
        self.refreshes = 0
        self.items: dict[str, dict[str, int]] = {}  # 商品コード -> {個別商品コード or "": qty}
        # myItemList wants a search word or a store category (query "必須※1")
        self.require_search = True
        self.categories: dict[str, str | None] = {TOP_CATEGORY: None}  # PageKey -> parent
        self.filed: dict[str, set[str]] = {}  # 商品コード -> the store categories it is in
        self.pending: dict[str, int] = {}  # setStock of codes not registered
        self.orders: dict[str, dict[str, Any]] = {}
        self.refused: set[str] = set()
        self.throttled = 0
        self.used: dict[int, int] = {}
        self._next = 1000
        self._refresh_token = self._issue(self.refresh_tokens, REFRESH_TOKEN_S)
        self.authorized_at = self.now()  # the owner's consent, from which the 12 hours count

    # -- the protocol's parts --------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> dict[str, str]:
        # the double allows the relaxed rate (10 a second) so that the suite runs quickly
        return {"seller_id": self.seller_id, "redirect_uri": REDIRECT_URI,
                "requests_per_second": "10"}

    @property
    def credentials(self) -> dict[str, str]:
        found = {"client_id": self.client_id, "client_secret": self.client_secret,
                 "refresh_token": self._refresh_token}
        if self.signed:
            found |= {"public_key": PUBLIC_KEY, "public_key_version": self.key_version}
        return found

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    # -- the catalogue -----------------------------------------------------------------------
    @staticmethod
    def _split(code: str) -> tuple[str, str]:
        item, _, sub = code.partition("/")
        return item, sub

    def add_listing(self, channel_item_id: str, quantity: int) -> None:
        """An item (``商品コード``) or an option (``商品コード/個別商品コード``)."""
        item, sub = self._split(channel_item_id)
        with self.lock:
            self.items.setdefault(item, {})[sub] = quantity
            self.filed.setdefault(item, {TOP_CATEGORY})

    def file_item(self, item: str, page_key: str, parent: str | None = None) -> None:
        """Put the 商品コード *item* in the store category *page_key* (made under *parent*)
        instead of the default one."""
        with self.lock:
            self.categories.setdefault(page_key, parent)
            self.filed[item] = {page_key}

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        """Yahoo! has no "stock not managed" (無制限在庫 ended in 2018): writes are refused."""
        self.add_listing(channel_item_id, 0)
        self.refuse_writes(channel_item_id)

    def quantity(self, channel_item_id: str) -> int | None:
        item, sub = self._split(channel_item_id)
        with self.lock:
            return self.items.get(item, {}).get(sub)

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        item, sub = self._split(channel_item_id)
        with self.lock:
            if sub not in self.items.get(item, {}):
                raise KeyError(channel_item_id)
            self.items[item][sub] = quantity

    def _move(self, code: str, units: int) -> None:
        item, sub = self._split(code)
        if sub in self.items.get(item, {}):
            self.items[item][sub] += units

    # -- customers ---------------------------------------------------------------------------
    def place_order(self, lines: list[tuple[str, int]]) -> str:
        with self.lock:
            self._next += 1
            key = f"{self.seller_id}-{self._next}"
            now = self.now()
            rows = []
            for number, (code, units) in enumerate(lines, 1):
                if self.quantity(code) is None:
                    raise KeyError(code)
                item, sub = self._split(code)
                rows.append({"LineId": number, "ItemId": item, "SubCode": sub,
                             "Quantity": units})
                self._move(code, -units)
            self.orders[key] = {"OrderId": key, "OrderTime": now, "OrderStatus": "2",
                                "LastUpdateTime": now, "Items": rows}
            return key

    def cancel_order(self, order_id: str) -> None:
        with self.lock:
            order = self.orders[order_id]
            if order["OrderStatus"] != "4":
                for row in order["Items"]:
                    self._move(f"{row['ItemId']}/{row['SubCode']}".rstrip("/"), row["Quantity"])
            order.update(OrderStatus="4", LastUpdateTime=self.now())

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        item, sub = self._split(channel_item_id)
        with self.lock:
            order = self.orders[order_id]
            for row in order["Items"]:
                if (row["ItemId"], row["SubCode"]) == (item, sub):
                    units = min(units, row["Quantity"])
                    row["Quantity"] -= units
                    self._move(channel_item_id, units)
                    break
            order["LastUpdateTime"] = self.now()

    def complete_order(self, order_id: str) -> None:
        with self.lock:
            self.orders[order_id].update(OrderStatus="5", LastUpdateTime=self.now())

    # -- faults --------------------------------------------------------------------------------
    def refuse_writes(self, channel_item_id: str) -> None:
        self.refused.add(channel_item_id)

    def throttle(self, calls: int) -> None:
        self.throttled = calls

    def expire_access_token(self) -> None:
        with self.lock:
            for token in self.access_tokens:
                self.access_tokens[token] = self.now() - 1

    def revoke_credentials(self) -> None:
        """Every token is revoked; the owner authorizes the app again (a new refresh token)."""
        with self.lock:
            self.access_tokens.clear()
            self.refresh_tokens.clear()
            self.codes.clear()
            self._refresh_token = self._issue(self.refresh_tokens, REFRESH_TOKEN_S)
            self.authorized_at = self.now()

    def authorize(self) -> str:
        with self.lock:
            return self._issue(self.codes, CODE_S)

    # -- requests ------------------------------------------------------------------------------
    def _issue(self, table: dict[str, float], lifetime: float) -> str:
        token = secrets.token_urlsafe(24)
        table[token] = self.now() + lifetime
        return token

    def handle(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
               body: bytes, headers: Any) -> tuple[int, bytes, str, dict[str, str]]:
        with self.lock:
            self.calls.append((method, path))
            if path == "/yconnect/v2/authorization":
                return self._authorize(query)
            if path == "/yconnect/v2/token":
                self.token_headers.append({k: v for k, v in headers.items()})
                try:
                    answer = self._token(form, headers.get("Authorization", ""))
                except _TokenRefusal as refusal:
                    return (refusal.status, json.dumps(refusal.body).encode(),
                            "application/json", {})
                return 200, json.dumps(answer).encode(), "application/json", {}
            try:
                if not path.startswith(API):
                    raise _Refusal(404, "Not Found")
                self._check(headers)
                if (not self.signed and path[len(API):] in ORDER_APIS
                        and self.now() - self.authorized_at > UNSIGNED_SESSION_S):
                    raise _Refusal(401, "AccessToken has been expired. This API session is "
                                   "shorter than another API.", "px-04102")
                self.requests.append({"path": path, "form": form, "body": body,
                                      "headers": {k: v for k, v in headers.items()}})
                xml = self._api(path[len(API):], method, query, form, body)
            except _Refusal as refusal:
                code = f"<Code>{refusal.code}</Code>" if refusal.code else ""
                # a parameter refusal comes in Yahoo!'s namespace (kamiya54 invalid_params.xml)
                space = ' xmlns="urn:yahoo:api"' if refusal.status == 400 else ""
                error = (f'<?xml version="1.0" encoding="UTF-8"?><Error{space}><Message>'
                         f"{escape(refusal.message)}</Message>{code}</Error>")
                return refusal.status, error.encode(), "application/xml", {}
            return 200, ('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode(), \
                "application/xml", {}

    def _authorize(self, query: dict[str, str]) -> tuple[int, bytes, str, dict[str, str]]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code" \
                or query.get("redirect_uri") != REDIRECT_URI:
            return 400, b"invalid_request", "text/plain", {}
        answer = {"code": self._issue(self.codes, CODE_S),
                  **({"state": query["state"]} if "state" in query else {})}
        return 302, b"", "text/plain", {"Location": f"{REDIRECT_URI}?{urlencode(answer)}"}

    def _token(self, form: dict[str, str], authorization: str) -> dict[str, Any]:
        kind, _, encoded = authorization.partition(" ")
        try:
            pair = base64.b64decode(encoded).decode() if kind == "Basic" else ":"
        except ValueError:
            pair = ":"
        if pair != f"{self.client_id}:{self.client_secret}":
            raise _TokenRefusal(401, "invalid_client", "Client authentication failed.")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if form.get("redirect_uri") != REDIRECT_URI:
                raise _TokenRefusal(400, "invalid_grant", "redirect_uri mismatch")
            held = self.codes.pop(form.get("code") or "", None)
            self.authorized_at = self.now()
        elif grant == "refresh_token":
            held = self.refresh_tokens.get(form.get("refresh_token") or "")
        else:
            raise _TokenRefusal(400, "unsupported_grant_type", "unsupported grant_type")
        if held is None or held <= self.now():
            raise _TokenRefusal(400, "invalid_grant", "Invalid grant.")
        answer: dict[str, Any] = {"access_token": self._issue(self.access_tokens,
                                                              ACCESS_TOKEN_S),
                                  "token_type": "Bearer", "expires_in": ACCESS_TOKEN_S}
        if grant == "refresh_token":
            self.refreshes += 1
        if grant == "authorization_code" or self.rotate:
            if grant == "refresh_token":
                self.refresh_tokens.pop(form.get("refresh_token") or "", None)
            self._refresh_token = self._issue(self.refresh_tokens, REFRESH_TOKEN_S)
            answer["refresh_token"] = self._refresh_token
        return answer

    def _check(self, headers: Any) -> None:
        kind, _, token = (headers.get("Authorization") or "").partition(" ")
        held = self.access_tokens.get(token) if kind == "Bearer" else None
        if held is None or held <= self.now():
            raise _expired_token()
        if self.signed:
            self._check_signature(headers)
        if self.throttled > 0:
            self.throttled -= 1
            raise _Refusal(429, "Too Many Requests")
        day = datetime.fromtimestamp(self.now(), JST).toordinal()
        if self.used.get(day, 0) >= self.day_limit:
            raise _Refusal(403, "Your Request was Forbidden")
        self.used[day] = self.used.get(day, 0) + 1

    def _check_signature(self, headers: Any) -> None:
        sealed, version = headers.get("X-sws-signature"), headers.get("X-sws-signature-version")
        if not sealed or version != self.key_version:
            raise _Refusal(401, "Invalid signature: the public key authentication is required.")
        try:
            number = int.from_bytes(base64.b64decode(sealed), "big")
            block = pow(number, KEY_D, KEY_N).to_bytes(128, "big")
            if block[:2] != b"\x00\x02":
                raise ValueError
            seller, _, moment = block[block.index(b"\x00", 2) + 1:].decode().partition(":")
            # the window of freshness is not published: the seller and the stamp's form only
            if seller != self.seller_id or not moment.isdigit():
                raise ValueError
        except ValueError:
            raise _Refusal(401, "Invalid signature.") from None

    def _api(self, name: str, method: str, query: dict[str, str], form: dict[str, str],
             body: bytes) -> str:
        if name == "stCategoryList":
            if query.get("seller_id") != self.seller_id:
                raise _Refusal(400, "seller_id is not specified", "px-04001")
            parent = query.get("page_key") or None
            keys = sorted(k for k, up in self.categories.items() if up == parent)
            rows = "".join(f"<Result><Name>カテゴリ {k}</Name><PageKey>{k}</PageKey></Result>"
                           for k in keys)
            return (f'<ResultSet totalResultsAvailable="{len(keys)}" totalResultsReturned='
                    f'"{len(keys)}" firstResultPosition="1">{rows}</ResultSet>')
        if name == "myItemList":
            if query.get("seller_id") != self.seller_id:
                raise _Refusal(400, "seller_id is not specified", "px-04001")
            word, key = query.get("query") or "", query.get("stcat_key") or ""
            if self.require_search and not word and not key:
                raise _Refusal(400, "queryかstcat_keyのどちらか片方が必須です")
            start = max(1, int(query.get("start") or 1))
            count = min(100, int(query.get("results") or 25))
            codes = sorted(c for c in self.items if (not key or key in self.filed.get(c, ()))
                           and all(w in c for w in word.split()))
            rows = "".join(f"<Result><ItemCode>{escape(c)}</ItemCode><Name>商品 {escape(c)}"
                           "</Name></Result>" for c in codes[start - 1:start - 1 + count])
            shown = len(codes[start - 1:start - 1 + count])
            return (f'<ResultSet totalResultsAvailable="{len(codes)}" totalResultsReturned='
                    f'"{shown}" firstResultPosition="{start}">{rows}</ResultSet>')
        if method != "POST":
            raise _Refusal(400, "POST only")
        if name in ("getStock", "setStock"):
            if form.get("seller_id") != self.seller_id:
                raise _Refusal(400, "seller_id is not specified", "px-04001")
            codes = [c for c in (form.get("item_code") or "").split(",") if c]
            if not codes or len(codes) > 1000:
                raise _Refusal(400, "Invalid parameter: item_code", "st-02001")
            if name == "getStock":
                return self._rows([(c, None) for c in codes])
            return self._set_stock(codes, (form.get("quantity") or "").split(","))
        root = ET.fromstring(body or b"<Req/>")
        if root.findtext("SellerId") != self.seller_id:
            raise _Refusal(400, "Invalid SellerId", "od-00001")
        if name == "orderList":
            return self._order_list(root)
        if name == "orderInfo":
            order = self.orders.get(root.findtext("Target/OrderId") or "")
            if order is None:
                raise _Refusal(400, "Order not found.", "od-20001")
            items = "".join(
                f"<Item><LineId>{r['LineId']}</LineId><ItemId>{escape(r['ItemId'])}</ItemId>"
                f"<SubCode>{escape(r['SubCode'])}</SubCode><Quantity>{r['Quantity']}"
                "</Quantity></Item>" for r in order["Items"])
            return ('<ResultSet totalResultsAvailable="1"><Result><Status>OK</Status>'
                    f"<OrderInfo><OrderId>{order['OrderId']}</OrderId><OrderTime>"
                    f"{_stamp(order['OrderTime'])}</OrderTime><OrderStatus>"
                    f"{order['OrderStatus']}</OrderStatus><LastUpdateTime>"
                    f"{_stamp(order['LastUpdateTime'])}</LastUpdateTime>{items}</OrderInfo>"
                    "</Result></ResultSet>")
        raise _Refusal(404, "Not Found")

    def _rows(self, codes: list[tuple[str, int | None]]) -> str:
        rows, missing = [], 0
        for wire, _ in codes:
            item, _, sub = wire.partition(":")
            subs = self.items.get(item, {})
            options = {k: v for k, v in subs.items() if k}
            if sub:
                chosen = {sub: subs[sub]} if sub in subs else {}
            else:  # a bare code: the item itself, or each of its options
                chosen = options or ({"": subs[""]} if "" in subs else {})
            rows += [f"<Result><ItemCode>{escape(item)}</ItemCode><SubCode>{escape(key)}"
                     f"</SubCode><Status>1</Status><Quantity>{quantity}</Quantity>"
                     "<AllowOverdraft>0</AllowOverdraft><IsPublished>1</IsPublished></Result>"
                     for key, quantity in sorted(chosen.items())]
            if not chosen:  # a code Yahoo! does not have: Status 0 and nothing else
                rows.append(f"<Result><ItemCode>{escape(item)}</ItemCode><SubCode>"
                            f"{escape(sub)}</SubCode><Status>0</Status></Result>")
                missing += 1
        return (f'<ResultSet totalResultsAvailable="{len(rows)}" totalResultsReturned='
                f'"{len(rows)}" firstResultPosition="1" ok="{len(rows) - missing}" '
                f'ng="{missing}">{"".join(rows)}</ResultSet>')

    def _set_stock(self, codes: list[str], amounts: list[str]) -> str:
        if len(amounts) != len(codes):
            raise _Refusal(400, "The number of quantity does not match item_code.", "st-02002")
        planned: list[tuple[str, int]] = []
        for wire, amount in zip(codes, amounts, strict=True):
            code = wire.replace(":", "/", 1)
            shown = self.quantity(code)
            base = shown if shown is not None else self.pending.get(code, 0)
            try:
                number = int(amount)
            except ValueError:
                raise _Refusal(400, f"Invalid quantity: {amount}", "st-02104") from None
            value = base + number if amount[:1] in "+-" else number
            if value < 0 or value > 999_999_999 or code in self.refused:
                raise _Refusal(400, f"Invalid quantity for {wire}", "st-02103")
            planned.append((code, value))
        for code, value in planned:
            if self.quantity(code) is None:
                self.pending[code] = value
            else:
                item, sub = self._split(code)
                self.items[item][sub] = value
        rows = "".join(f"<Result><ItemCode>{escape(self._split(c)[0])}</ItemCode><SubCode>"
                       f"{escape(self._split(c)[1])}</SubCode><Quantity>{v}</Quantity>"
                       "</Result>" for c, v in planned)
        return (f'<ResultSet totalResultsAvailable="{len(planned)}" totalResultsReturned='
                f'"{len(planned)}" firstResultPosition="1">{rows}</ResultSet>')

    def _order_list(self, root: ET.Element) -> str:
        start = max(1, int(root.findtext("Search/Start") or 1))
        count = min(2000, int(root.findtext("Search/Result") or 10))
        since = root.findtext("Search/Condition/OrderTimeFrom") or ""
        floor = datetime.strptime(since, "%Y%m%d%H%M%S").replace(tzinfo=JST).timestamp() \
            if since else 0.0
        rows = sorted((o for o in self.orders.values() if int(o["OrderTime"]) >= int(floor)),
                      key=lambda o: (o["OrderTime"], o["OrderId"]))
        page = rows[start - 1:start - 1 + count]
        # only the Field keys asked for (Field is required), in the order asked
        fields = [f.strip() for f in (root.findtext("Search/Field") or "").split(",")]
        if not [f for f in fields if f]:
            raise _Refusal(400, "Invalid parameter: Field", "od-00003")
        shown = {"OrderId": lambda o: o["OrderId"], "OrderStatus": lambda o: o["OrderStatus"],
                 "OrderTime": lambda o: _stamp(o["OrderTime"]),
                 "LastUpdateTime": lambda o: _stamp(o["LastUpdateTime"])}
        found = "".join(
            f"<OrderInfo><Index>{start + n}</Index>" + "".join(
                f"<{f}>{shown[f](o)}</{f}>" for f in fields if f in shown) + "</OrderInfo>"
            for n, o in enumerate(page))
        return (f"<Result><Status>OK</Status><Search><TotalCount>{len(rows)}</TotalCount>"
                f"{found}</Search></Result>")


def _expired_token() -> _Refusal:
    return _Refusal(401, 'Please provide valid credentials. Bearer realm="yahooapis.jp", '
                    'error="invalid_token", error_description="expired token"')


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self, method: str) -> None:
        double: YahooDouble = self.server.double  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        form = {}
        if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        status, data, kind, extra = double.handle(method, url.path, query, form, raw,
                                                  self.headers)
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(data)


def make_double(clock: Callable[[], float] = time.time) -> YahooDouble:
    """A double on *clock* (seconds; the hour-long tests run it on simulated time)."""
    return YahooDouble(clock=clock)
