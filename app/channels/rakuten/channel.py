"""The 楽天市場 adapter itself (see the package's text for what it does and why)."""

from __future__ import annotations

import base64
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from app.domain.orders import OrderLine

from ..base import (
    ChannelError,
    ChannelInfo,
    ChannelLimits,
    Credentials,
    ErrorKind,
    OrderPage,
    QuantityUpdate,
    RateBudget,
    UpdateResult,
    UpdateStatus,
)
from ..http import HttpClient, Reply, parse_retry_after
from ..open_orders import OpenOrders, Seen

log = logging.getLogger(__name__)

DEFAULT_URL = "https://api.rms.rakuten.co.jp"
JST = timezone(timedelta(hours=9))
REQUESTS_PER_SECOND = 1.0  # RMS WEB SERVICE: one request a second per API and shop
GET_LIMIT = 1000  # inventories/bulk-get
UPSERT_LIMIT = 400  # inventories/bulk-upsert
HITS = 100  # items/search, the largest page
SEARCH_PAGE = 1000  # searchOrder's requestRecordsAmount
ORDERS_PER_GET = 100  # getOrder's orderNumberList
ORDER_VERSION = 7  # getOrder's version with the SKU fields (SkuModelList)
WINDOW_S = 63 * 86400  # searchOrder: startDatetime to endDatetime at most 63 days
MAP_REFRESH_S = 300
MAX_PAGES = 1000
CANCELLED = 900  # キャンセル確定
FINAL = frozenset({500, 600, 700, CANCELLED})  # 発送済 and later, or cancelled
# searched for back to 63 days at the first read: 注文確認待ち, 楽天処理中, 発送待ち, 変更確定待ち,
# キャンセル確定待ち and キャンセル確定 (not 発送済 and the payment states after it)
FIRST_READ_PROGRESS = (100, 200, 300, 400, 800, CANCELLED)
RENEW_HINT = "renew the license key in RMS and enter it here"
JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}  # as RMS's samples send it
API_NOT_ALLOWED = "ES04-01"  # the gateway's "Bad Request": this API is not allowed for the key

RAKUTEN_LIMITS = ChannelLimits(
    batch_size=UPSERT_LIMIT, requests_per_second=REQUESTS_PER_SECOND, maximum_quantity=99999,
    unlimited_quantity=9999, compare_and_set=False, relative=True, order_overlap_s=120,
    restocks_on_cancel=True,
)
# getOrder's updateDatetime (to the second, Japan time) marks an order's last change; a
# version 1 cursor kept [placed, orderProgress, updateDatetime]
OPEN_ORDERS = OpenOrders(
    final=frozenset(str(progress) for progress in FINAL),
    overlap_s=RAKUTEN_LIMITS.order_overlap_s, v1=(0, 2, 1),
    stamp=lambda mark: datetime.strptime(str(mark), "%Y-%m-%dT%H:%M:%S%z").timestamp())

Key = tuple[str, str]  # (商品管理番号 manageNumber, SKU管理番号 variantId)


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, JST).strftime("%Y-%m-%dT%H:%M:%S+0900")


def _epoch(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).timestamp()


def _placed(text: Any) -> datetime:
    """orderDatetime (Japan time) as a naive UTC time; 楽天 stamps whole seconds, so an order
    of the second Rendo connected counts as placed after it (applied, not lost)."""
    moment = datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    return (moment + timedelta(microseconds=999999)).replace(tzinfo=None)


class RakutenChannel:
    """ChannelAdapter for one 楽天市場 shop. ``clock`` gives epoch seconds (tests move it)."""

    def __init__(self, info: ChannelInfo, credentials: Credentials,
                 client: HttpClient | None = None, write_client: HttpClient | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.info = info
        self.limits = RAKUTEN_LIMITS
        self.credentials = credentials
        self.clock = clock
        url = str(info.settings.get("url") or DEFAULT_URL)
        self.client = client or HttpClient(url, rate_per_s=REQUESTS_PER_SECOND)
        # a RELATIVE write is never sent twice by the client: after a timeout 楽天 may have
        # applied it, and a second one would count the change twice
        self.write_client = write_client or HttpClient(url, max_retries=0,
                                                       rate_per_s=REQUESTS_PER_SECOND)
        for each in (self.client, self.write_client):
            each.auth, each.secrets = self._auth, self.credentials.secrets
        self._lock = threading.RLock()
        self._keys: dict[str, Key] = {}
        self._codes: dict[Key, str] = {}
        self._map_read_at: float | None = None

    # -- the port's small parts ----------------------------------------------------------------
    def close(self) -> None:
        self.client.close()
        self.write_client.close()

    def set_deadline(self, deadline: float | None) -> None:
        self.client.cycle_deadline = self.write_client.cycle_deadline = deadline

    def cancel(self) -> None:
        self.client.cancel()
        self.write_client.cancel()

    def budget(self) -> RateBudget | None:
        return None  # RMS says nothing of what is left; the client keeps to 1 call a second

    # -- authentication -------------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        secret, key = self.credentials.get("service_secret"), self.credentials.get("license_key")
        if not secret or not key:
            raise ChannelError("楽天 RMS: the service secret or license key is missing",
                               kind=ErrorKind.AUTHENTICATION,
                               renew=("service_secret", "license_key"))
        token = base64.b64encode(f"{secret}:{key}".encode()).decode("ascii")
        return {"Authorization": f"ESA {token}"}

    def license_expires(self) -> date | None:
        text = str(self.info.settings.get("license_expires") or "").strip()
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    def _refused(self, reply: Reply) -> ChannelError:
        """The error for RMS refusing the key (HTTP 401/403, or any status with the gateway's
        ``{"Results": {"errorCode": "ES…"}}``)."""
        results = _gateway_refusal(reply.body) or {}
        code, said = str(results.get("errorCode") or ""), str(results.get("message") or "")
        if code == API_NOT_ALLOWED:
            return ChannelError(f"楽天 RMS refused the call (HTTP {reply.status} {code} {said}): "
                                "allow 在庫API, 受注API and 商品API for the license key in RMS "
                                "(WEB APIサービス → 利用機能編集)", kind=ErrorKind.AUTHENTICATION,
                                renew=("service_secret", "license_key"))
        ends = self.license_expires()
        today = datetime.fromtimestamp(self.clock(), JST).date()
        if (ends is not None and ends < today) or "expire" in said.lower():
            when = f" on {ends.isoformat()}" if ends is not None else ""
            return ChannelError(f"楽天 RMS refused the license key, which expired{when} "
                                f"(HTTP {reply.status} {code}); {RENEW_HINT}",
                                kind=ErrorKind.CREDENTIALS_EXPIRED, renew=("license_key",))
        return ChannelError(f"楽天 RMS refused the service secret and license key (HTTP "
                            f"{reply.status} {code} {said}".rstrip() + f"); {RENEW_HINT}",
                            kind=ErrorKind.AUTHENTICATION,
                            renew=("service_secret", "license_key"))

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        """A read (bulk-get, searchOrder, getOrder): the client retries passing failures."""
        reply = self.client.call("POST", path, json=body, ok=(200, 400, 401, 403),
                                 headers=JSON_TYPE)
        return self._read(reply, f"POST {path}")

    def _read(self, reply: Reply, what: str) -> Any:
        if reply.status in (401, 403) or _gateway_refusal(reply.body):
            raise self._refused(reply)
        if reply.status != 200:
            raise ChannelError(f"楽天 RMS refused {what} (HTTP {reply.status}: "
                               f"{_messages(reply.body)})", kind=ErrorKind.REFUSED)
        if not isinstance(reply.body, dict):
            raise ChannelError(f"楽天 RMS: the answer to {what} is not readable",
                               kind=ErrorKind.MALFORMED)
        return reply.body

    # -- the SKU map ---------------------------------------------------------------------------
    def _read_map(self) -> dict[str, Key]:
        """Every SKU of every item (商品API items/search): its listing id and key."""
        keys: dict[str, Key] = {}
        twice: set[str] = set()
        mark = "*"
        for _ in range(MAX_PAGES):
            reply = self.client.call("GET", "/es/2.0/items/search",
                                     params={"hits": HITS, "cursorMark": mark},
                                     ok=(200, 400, 401, 403))
            body = self._read(reply, "GET /es/2.0/items/search")
            try:
                for result in body["results"]:
                    item = result["item"]
                    manage = str(item["manageNumber"]).lower()
                    for variant_id, variant in (item.get("variants") or {}).items():
                        sku = (variant or {}).get("merchantDefinedSkuId")
                        code = str(sku) if sku else f"{manage}/{variant_id}"
                        if code in keys:
                            twice.add(code)
                        keys[code] = (manage, str(variant_id))
                following = str(body.get("nextCursorMark") or mark)
            except (KeyError, TypeError, AttributeError) as error:
                raise ChannelError(f"楽天 RMS: an item is not readable ({type(error).__name__})",
                                   kind=ErrorKind.MALFORMED) from None
            if not body["results"] or following == mark:
                break
            mark = following
        else:
            raise ChannelError(f"楽天 RMS: more than {MAX_PAGES} pages of items",
                               kind=ErrorKind.MALFORMED)
        for code in twice:
            log.warning("%s: 楽天 has the SKU id %s twice; it is left alone", self.info.name,
                        code)
            keys.pop(code, None)
        with self._lock:
            self._keys = keys
            self._codes = {key: code for code, key in keys.items()}
            self._map_read_at = self.clock()
        return keys

    def _key_for(self, code: str) -> Key | None:
        with self._lock:
            key = self._keys.get(code)
            due = self._map_read_at is None or self.clock() - self._map_read_at >= MAP_REFRESH_S
        if key is None and due:
            key = self._read_map().get(code)
        if key is None and "/" in code:
            manage, variant_id = code.split("/", 1)
            # 楽天 takes it even if it has no such SKU (read back); 商品管理番号 in small letters
            return manage.lower(), variant_id
        return key

    # -- stock ----------------------------------------------------------------------------------
    def _bulk_get(self, keys: Sequence[Key]) -> dict[Key, int]:
        shown: dict[Key, int] = {}
        for start in range(0, len(keys), GET_LIMIT):
            chunk = keys[start:start + GET_LIMIT]
            body = self._post("/es/2.0/inventories/bulk-get", {"inventories": [
                {"manageNumber": m, "variantId": v} for m, v in chunk]})
            try:
                for row in body["inventories"]:
                    shown[(str(row["manageNumber"]).lower(), str(row["variantId"]))] = int(
                        row["quantity"])
            except (KeyError, TypeError, ValueError) as error:
                raise ChannelError("楽天 RMS: an inventory is not readable "
                                   f"({type(error).__name__})", kind=ErrorKind.MALFORMED
                                   ) from None
        return shown

    def read_quantities(self) -> dict[str, int]:
        """Every SKU 楽天 has an inventory for (only those: a SKU missing here is not there)."""
        keys = self._read_map()
        shown = self._bulk_get(list(keys.values()))
        return {code: shown[key] for code, key in keys.items() if key in shown}

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        results: dict[str, UpdateResult] = {}
        entries: list[tuple[QuantityUpdate, Key, dict[str, Any]]] = []
        for update in updates:
            code = update.channel_item_id
            key = self._key_for(code)
            if key is None:
                results[code] = UpdateResult(code, UpdateStatus.REJECTED,
                                             message=f"楽天 has no SKU with the id {code}")
                continue
            relative = update.delta is not None
            entries.append((update, key, {
                "manageNumber": key[0], "variantId": key[1],
                "mode": "RELATIVE" if relative else "ABSOLUTE",
                "quantity": update.delta if relative else update.quantity}))
        for start in range(0, len(entries), UPSERT_LIMIT):
            results |= self._upsert(entries[start:start + UPSERT_LIMIT])
        return [results[u.channel_item_id] for u in updates]

    def _upsert(self, entries: list[tuple[QuantityUpdate, Key, dict[str, Any]]]
                ) -> dict[str, UpdateResult]:
        results: dict[str, UpdateResult] = {}
        # a 400 applies nothing: the listings it names are refused, the rest sent once more
        for _ in range(2):
            if not entries:
                break
            reply = self.write_client.call(
                "POST", "/es/2.0/inventories/bulk-upsert",
                json={"inventories": [entry for _, _, entry in entries]},
                ok=(200, 204, 400, 401, 403, 429), headers=JSON_TYPE)
            if reply.status in (401, 403) or _gateway_refusal(reply.body):
                raise self._refused(reply)
            if reply.status == 429:
                wait = parse_retry_after(reply.headers.get("Retry-After"))
                for update, _, _ in entries:
                    results[update.channel_item_id] = UpdateResult(
                        update.channel_item_id, UpdateStatus.RETRY,
                        message="楽天 RMS asked Rendo to slow down (HTTP 429)",
                        retry_after=wait, kind=ErrorKind.RATE_LIMITED)
                return results
            if reply.status == 400:
                named = _refused_indexes(reply.body, len(entries))
                for n in named or range(len(entries)):
                    update = entries[n][0]
                    results[update.channel_item_id] = UpdateResult(
                        update.channel_item_id, UpdateStatus.REJECTED,
                        message=f"楽天 refused {update.channel_item_id}: "
                                f"{_messages(reply.body, n if named else None)}")
                entries = [] if not named else [e for n, e in enumerate(entries)
                                                if n not in named]
                continue
            # taken (HTTP 204): trusted, not read back here. 楽天 takes a SKU it does not have
            # without a word too: the engine's read-back (at the first connection and on the
            # drift schedule) finds it missing and shows it as not found on 楽天
            for update, _, _ in entries:
                results[update.channel_item_id] = UpdateResult(update.channel_item_id,
                                                               UpdateStatus.OK)
            return results
        for update, _, _ in entries:  # refused twice: not sent again
            results.setdefault(update.channel_item_id, UpdateResult(
                update.channel_item_id, UpdateStatus.REJECTED, message="楽天 refused the batch"))
        return results

    def test_connection(self) -> None:
        """One call of each API Rendo uses (商品API, 在庫API, 受注API)."""
        reply = self.client.call("GET", "/es/2.0/items/search", params={"hits": 1},
                                 ok=(200, 400, 401, 403))
        body = self._read(reply, "GET /es/2.0/items/search")
        first = (body.get("results") or [{}])[0].get("item") or {}
        for variant_id in list(first.get("variants") or {})[:1]:
            self._bulk_get([(str(first.get("manageNumber")), str(variant_id))])
        now = self.clock()
        self._search(now - 86400, now, 1)

    # -- orders ---------------------------------------------------------------------------------
    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        now = self.clock()
        loaded = OPEN_ORDERS.load(cursor, self.info.name)
        seen = loaded or {}
        floor = _epoch(since) - self.limits.order_overlap_s
        start = OPEN_ORDERS.start(seen, floor, now)
        numbers: list[str] = []
        reach = max(floor, now - WINDOW_S)
        if loaded is None and reach < start:
            # the first read (or a cursor lost): orders placed before the trailing window,
            # since the connection, not shipped (open, or cancelled: a cancellation of an
            # order applied before a lost cursor is still given back), as far back as one
            # search reaches; the open ones are followed from then on
            numbers += self._search_all(reach, start, progress=FIRST_READ_PROGRESS)
        begin = start
        last = float(int(now) + 1)  # whole seconds: the current one is searched too
        while begin < last:  # windows of at most 63 days
            end = min(last, begin + WINDOW_S)
            numbers += [n for n in self._search_all(begin, end) if n not in numbers]
            begin = end
        numbers += [n for n in OPEN_ORDERS.unlisted(seen, numbers) if n not in numbers]
        lines: list[OrderLine] = []
        kept: dict[str, Seen] = {}
        for chunk in range(0, len(numbers), ORDERS_PER_GET):
            answer: dict[str, Seen] = {}
            for order in self._get_orders(numbers[chunk:chunk + ORDERS_PER_GET]):
                number = str(order.get("orderNumber"))
                try:
                    state = Seen(_epoch(_placed(order["orderDatetime"])),
                                 str(order.get("updateDatetime")),
                                 str(int(order["orderProgress"])))
                except (KeyError, TypeError, ValueError):
                    raise ChannelError(f"楽天 RMS: order {number} is not readable",
                                       kind=ErrorKind.MALFORMED) from None
                if seen.get(number) != state:
                    lines += self._lines(order)
                answer[number] = state
            kept |= OPEN_ORDERS.settle(answer, now)
        return OrderPage(lines, OPEN_ORDERS.dump(kept, floor, now))

    def _search(self, start: float, end: float, page: int, amount: int = SEARCH_PAGE,
                progress: Sequence[int] = ()) -> dict[str, Any]:
        """One page of searchOrder by order date; *progress*: only orders in those
        orderProgress (orderProgressList), else all."""
        request: dict[str, Any] = {
            "dateType": 1, "startDatetime": _stamp(start), "endDatetime": _stamp(end),
            "PaginationRequestModel": {"requestRecordsAmount": amount, "requestPage": page}}
        if progress:
            request["orderProgressList"] = list(progress)
        return dict(self._post("/es/2.0/order/searchOrder/", request))

    def _search_all(self, start: float, end: float, progress: Sequence[int] = ()) -> list[str]:
        numbers: list[str] = []
        for page in range(1, MAX_PAGES + 1):
            body = self._search(start, end, page, progress=progress)
            try:
                numbers += [str(n) for n in body.get("orderNumberList") or []]
                pages = int((body.get("PaginationResponseModel") or {}).get("totalPages") or 0)
            except (TypeError, ValueError):
                raise ChannelError("楽天 RMS: the order search is not readable",
                                   kind=ErrorKind.MALFORMED) from None
            if page >= pages:
                return numbers
        raise ChannelError(f"楽天 RMS: more than {MAX_PAGES} pages of orders",
                           kind=ErrorKind.MALFORMED)

    def _get_orders(self, numbers: list[str]) -> list[dict[str, Any]]:
        body = self._post("/es/2.0/order/getOrder/",
                          {"orderNumberList": numbers, "version": ORDER_VERSION})
        orders = body.get("OrderModelList")
        if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
            raise ChannelError("楽天 RMS: the orders are not readable", kind=ErrorKind.MALFORMED)
        return orders

    def _lines(self, order: dict[str, Any]) -> list[OrderLine]:
        number = str(order.get("orderNumber"))
        try:
            placed = _placed(order["orderDatetime"])
            whole = int(order["orderProgress"]) == CANCELLED
            lines = []
            for package in order.get("PackageModelList") or []:
                for item in package.get("ItemModelList") or []:
                    skus = item.get("SkuModelList") or [{}]
                    for sku in skus:
                        variant = sku.get("variantId")
                        code = (str(sku["merchantDefinedSkuId"])
                                if sku.get("merchantDefinedSkuId")
                                else f"{item['manageNumber']}/{variant}" if variant
                                else str(item["manageNumber"]))
                        line_id = str(item["itemDetailId"]) + (
                            f"/{variant}" if len(skus) > 1 else "")
                        lines.append(OrderLine(
                            channel=self.info.name, order_id=number, line_id=line_id,
                            channel_item_id=code, quantity=int(item["units"]),
                            cancelled=whole or int(item.get("deleteItemFlag") or 0) == 1,
                            placed_at=placed))
            return lines
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ChannelError(f"楽天 RMS: order {number} is not readable "
                               f"({type(error).__name__})", kind=ErrorKind.MALFORMED) from None


_INDEX = re.compile(r"inventories\[(\d+)\]")


def _gateway_refusal(body: Any) -> dict[str, Any] | None:
    """The ESA gateway's ``{"Results": {"errorCode": "ES01-01", "message": "Un-Authorised"}}``
    (the key refused, expired, or the API not allowed for it), whatever the HTTP status."""
    found = body.get("Results") if isinstance(body, dict) else None
    if isinstance(found, dict) and str(found.get("errorCode") or "").startswith("ES"):
        return found
    return None


def _refused_indexes(body: Any, count: int) -> set[int]:
    found: set[int] = set()
    for error in (body or {}).get("errors") or [] if isinstance(body, dict) else []:
        path = str(((error or {}).get("metadata") or {}).get("propertyPath") or "")
        match = _INDEX.search(path)
        if match and int(match.group(1)) < count:
            found.add(int(match.group(1)))
    return found


def _messages(body: Any, index: int | None = None) -> str:
    """The refusal's own words (errors[].message or MessageModelList[].message)."""
    if not isinstance(body, dict):
        return "no details"
    words = []
    for error in body.get("errors") or []:
        path = str(((error or {}).get("metadata") or {}).get("propertyPath") or "")
        if index is None or f"inventories[{index}]" in path:
            words.append(f"{error.get('code', '')} {error.get('message', '')}".strip())
    for message in body.get("MessageModelList") or []:
        if (message or {}).get("messageType") == "ERROR":
            words.append(f"{message.get('messageCode', '')} {message.get('message', '')}")
    return "; ".join(words) or "no details"
