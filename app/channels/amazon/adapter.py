"""The Amazon adapter: stock through the Listings Items API (2021-08-01) and, for large uploads
and listings past 1,000, the Feeds and Reports APIs (2021-06-30); orders through the Orders API
2026-01-01 (v0 where that is not served, until v0's retirement). See the package's text for
the choices."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

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
from .api import SpApi
from .documents import Documents
from .feeds import FEED_MAX, FEED_MIN, Feeds
from .reports import ListingsReport

log = logging.getLogger(__name__)

JAPAN = "A1VC38T7YXB528"
MERCHANT = "DEFAULT"  # fulfillment channel code of the seller's own stock
ORDER_DELAY_S = 120  # LastUpdatedAfter must be at least two minutes in the past
ORDERS_2026, ORDERS_V0 = "2026-01-01", "v0"  # Orders API versions
V0_RETIRES = datetime(2027, 3, 27, tzinfo=UTC)  # Amazon's removal date of Orders API v0
REPROBE_S = 86400  # a seller read with v0 is asked for 2026-01-01 again after a day
# a read of the orders this recent stands for one now when the plan has no call left: the
# cycle's later reads (before an upload, after a read-back) need no call of their own
FRESH_S = 20.0
SEARCH_PAGE = 20  # searchListingsItems pageSize maximum
SEARCH_CAP = 1000  # searchListingsItems pages through at most this many listings
SEARCH_BY_SKU = 20  # identifiers in one searchListingsItems call
FBA_WORDS = "Amazon keeps this stock (FBA)"

AMAZON_LIMITS = ChannelLimits(
    batch_size=FEED_MAX, requests_per_second=5.0, asynchronous=True, restocks_on_cancel=True,
    order_overlap_s=ORDER_DELAY_S)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _version(updated: str, status: str, shipped: int, unshipped: int) -> str:
    """What tells one state of an order from another, alike in both Orders API versions:
    the last update has whole seconds, so a change within the second it was read shows in
    the status (2026-01-01's words) and the units shipped and not shipped."""
    return f"{_iso(_parse(updated))}|{status}|{shipped}|{unshipped}"


def _status(v0: str) -> str:
    """A v0 OrderStatus in 2026-01-01's words (Canceled → CANCELLED, PartiallyShipped →
    PARTIALLY_SHIPPED)."""
    if v0 == "Canceled":
        return "CANCELLED"
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(v0)).upper()


def _cursor(after: datetime, seen: dict[str, str]) -> str:
    return json.dumps({"after": _iso(after), "seen": seen}, sort_keys=True)


def _read_cursor(cursor: str | None) -> tuple[datetime | None, dict[str, str]]:
    """(LastUpdatedAfter, {order id: LastUpdateDate read}) of a cursor; a plain date too."""
    if not cursor:
        return None, {}
    try:
        data = json.loads(cursor)
        if isinstance(data, dict):
            seen = data.get("seen")
            seen = seen if isinstance(seen, dict) else {}
            return _parse(str(data["after"])), {str(k): str(v) for k, v in seen.items()}
        return _parse(cursor), {}
    except (ValueError, KeyError, TypeError):
        pass
    try:
        return _parse(cursor), {}
    except ValueError:
        return None, {}  # unreadable: from the connection's time again


class AmazonChannel:
    limits = AMAZON_LIMITS

    def __init__(self, info: ChannelInfo, credentials: Credentials,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.info = info
        self.clock = clock
        # the usage plans' buckets run on this adapter's clock, whatever it is set to later
        self.sp = SpApi(credentials, str(info.settings.get("url") or "") or None,
                        lambda: self.clock(), sleep)
        self.seller = str(info.settings.get("seller_id") or "").strip()
        self.marketplace = str(info.settings.get("marketplace_id") or JAPAN).strip()
        self.channels: dict[str, str] = {}  # sku -> fulfillment channel code last read
        self.documents = Documents(lambda: self.sp.api.cycle_deadline, sleep)
        # on the adapter's clock, whatever it is set to later (the benchmark's simulated time)
        self.feeds = Feeds(self.sp, self.documents, self.seller, self.marketplace, MERCHANT,
                           lambda: self.clock())
        self.report = ListingsReport(self.sp, self.documents, self.marketplace,
                                     lambda: self.clock())
        self.orders_api: str | None = None  # ORDERS_V0 once 2026-01-01 was not served
        self._v0_since = 0.0  # when (clock) that was found
        self._last_read: tuple[str, float] | None = None  # (cursor returned, when) of a whole read

    # -- port plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        self.sp.close()

    def cancel(self) -> None:
        self.sp.cancel()
        self.documents.cancel()

    def set_deadline(self, deadline: float | None) -> None:
        self.sp.set_deadline(deadline)

    def budget(self) -> RateBudget | None:
        return None  # Amazon tells only each operation's rate, not what is left of it

    def _item_path(self, sku: str = "") -> str:
        path = f"/listings/2021-08-01/items/{quote(self.seller, safe='')}"
        return f"{path}/{quote(sku, safe='')}" if sku else path

    def test_connection(self) -> None:
        if not self.seller:
            raise ChannelError("Amazon needs the seller_id setting", kind=ErrorKind.REFUSED)
        self.sp.call("searchListingsItems", "GET", self._item_path(), params={
            "marketplaceIds": self.marketplace, "pageSize": 1})

    # -- stock ------------------------------------------------------------------------------------
    @staticmethod
    def _availability(item: dict[str, Any]) -> tuple[str, int]:
        """(fulfillment channel, quantity) of an Item read with includedData
        fulfillmentAvailability. A listing without any (made in Seller Central and never
        given a number) is the seller's own at 0: Amazon shows it out of stock, and a number
        written to it goes as for any merchant listing. A listing may hold several records
        (Amazon's "Multiple-Fulfillment" use cases: DEFAULT and an FBA one): its DEFAULT
        record, in whatever place, is the seller's stock, read and written (a merge leaves
        the other records alone); without one, the first record's channel says whose it is."""
        try:
            entries = [(str(e["fulfillmentChannelCode"]), int(e.get("quantity") or 0))
                       for e in item.get("fulfillmentAvailability") or []
                       if isinstance(e, dict) and e.get("fulfillmentChannelCode")]
        except (TypeError, ValueError):
            raise ChannelError(f"listing {item.get('sku')}: its fulfillmentAvailability is "
                               "not readable", kind=ErrorKind.MALFORMED) from None
        own = [entry for entry in entries if entry[0] == MERCHANT]
        return (own or entries or [(MERCHANT, 0)])[0]

    def read_quantities(self) -> dict[str, int]:
        """Every listing the seller has, with what it shows now; FBA listings too (their
        quantity is Amazon's; never written). searchListingsItems (20 a page) pages through
        1,000; past that, the listings report says which SKUs exist (reports.py) and their
        numbers are read fresh, 20 SKUs a call."""
        self.feeds.check()
        shown: dict[str, int] = {}
        token: str | None = None
        seen, total = 0, None
        while True:
            # in SKU order: the default (lastUpdatedDate, newest first) moves a listing
            # changed between two pages to the front, and a later page misses one
            params: dict[str, Any] = {"marketplaceIds": self.marketplace,
                                      "includedData": "summaries,fulfillmentAvailability",
                                      "pageSize": SEARCH_PAGE, "sortBy": "sku",
                                      "sortOrder": "ASC"}
            if token:
                params["pageToken"] = token
            body = self._search(params)
            seen += len(body.get("items") or [])
            self._take(body, shown)
            if isinstance(body.get("numberOfResults"), int):
                total = body["numberOfResults"]
            token = (body.get("pagination") or {}).get("nextToken")
            if not token:
                break
        more = total > seen if total is not None else seen >= SEARCH_CAP
        if not more:
            return shown
        rest = [sku for sku in self.report.listing_skus(total or seen) if sku not in shown]
        self._read_skus(rest, shown)
        return shown

    def read_quantities_of(self, channel_item_ids: Sequence[str]) -> dict[str, int]:
        """What these listings show now (those Amazon has), 20 SKUs a searchListingsItems
        call: the engine confirms the numbers Amazon accepted for later with this, not with
        every listing (10,000 take 500 calls and the listings report)."""
        self.feeds.check()
        shown: dict[str, int] = {}
        self._read_skus(list(dict.fromkeys(channel_item_ids)), shown)
        return shown

    def _read_skus(self, skus: list[str], shown: dict[str, int]) -> None:
        """What these SKUs show now (those Amazon has), 20 a searchListingsItems call; one
        with a comma (the list's separator) by getListingsItem."""
        plain = [sku for sku in skus if "," not in sku]
        for start in range(0, len(plain), SEARCH_BY_SKU):
            self._take(self._search(self._by_sku(plain[start:start + SEARCH_BY_SKU])), shown)
        for sku in skus:
            if "," in sku:
                reply = self.sp.call("getListingsItem", "GET", self._item_path(sku), params={
                    "marketplaceIds": self.marketplace,
                    "includedData": "fulfillmentAvailability"}, found=(404,))
                if reply.status == 200 and isinstance(reply.body, dict):
                    self._take({"items": [{**reply.body, "sku": sku}]}, shown)

    def _by_sku(self, skus: list[str]) -> dict[str, Any]:
        """searchListingsItems' parameters for these SKUs (at most 20)."""
        return {"marketplaceIds": self.marketplace,
                "includedData": "summaries,fulfillmentAvailability",
                "identifiersType": "SKU", "identifiers": ",".join(skus),
                "pageSize": SEARCH_BY_SKU}

    def _search(self, params: dict[str, Any]) -> dict[str, Any]:
        body = self.sp.call("searchListingsItems", "GET", self._item_path(),
                            params=params).body
        if not isinstance(body, dict):
            raise ChannelError("searchListingsItems: unreadable answer",
                               kind=ErrorKind.MALFORMED)
        return body

    def _take(self, body: dict[str, Any], shown: dict[str, int]) -> None:
        for item in body.get("items") or []:
            sku = str(item.get("sku") or "") if isinstance(item, dict) else ""
            if sku:
                self.channels[sku], shown[sku] = self._availability(item)

    def _channel_of(self, sku: str) -> str | None:
        """The listing's fulfillment channel (one getListingsItem when not read yet); None
        when Amazon does not have the SKU."""
        if sku not in self.channels:
            reply = self.sp.call("getListingsItem", "GET", self._item_path(sku), params={
                "marketplaceIds": self.marketplace, "includedData": "fulfillmentAvailability"},
                found=(404,))
            if reply.status == 404 or not isinstance(reply.body, dict):
                return None
            self.channels[sku] = self._availability(reply.body)[0]
        return self.channels[sku]

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        """At least ``FEED_MIN`` listings go as one JSON listings feed (feeds.py), fewer as
        one patchListingsItem each. A SKU whose last feed message Amazon refused is answered
        REJECTED with Amazon's words this once, not sent."""
        self.feeds.check()
        results: dict[str, UpdateResult] = {}
        sending: list[QuantityUpdate] = []
        for update in updates:
            refused = self.feeds.take_error(update.channel_item_id)
            if refused is not None:
                results[update.channel_item_id] = UpdateResult(
                    update.channel_item_id, UpdateStatus.REJECTED,
                    message=f"Amazon refused the listings feed's message: {refused}")
            else:
                sending.append(update)
        if len(sending) >= FEED_MIN:
            results.update(self._feed(sending))
        else:
            results.update((u.channel_item_id, self._set(u)) for u in sending)
        return [results[update.channel_item_id] for update in updates]

    def _feed(self, updates: list[QuantityUpdate]) -> dict[str, UpdateResult]:
        """One feed for the merchant-fulfilled listings of *updates* (FBA ones: UNUSABLE; the
        channel of SKUs not read yet asked 20 a call); SKUs Amazon does not have go too, and
        its processing report refuses them."""
        self._read_skus([u.channel_item_id for u in updates
                         if u.channel_item_id not in self.channels], {})  # their channels
        results: dict[str, UpdateResult] = {}
        merchant: list[QuantityUpdate] = []
        for update in updates:
            if self.channels.get(update.channel_item_id, MERCHANT) != MERCHANT:
                results[update.channel_item_id] = UpdateResult(
                    update.channel_item_id, UpdateStatus.UNUSABLE, message=FBA_WORDS)
            else:
                merchant.append(update)
        if merchant:
            self.feeds.submit(merchant)
        results.update((u.channel_item_id, UpdateResult(u.channel_item_id,
                                                        UpdateStatus.SUBMITTED))
                       for u in merchant)
        return results

    def _set(self, update: QuantityUpdate) -> UpdateResult:
        sku = update.channel_item_id
        if self._channel_of(sku) not in (None, MERCHANT):
            return UpdateResult(sku, UpdateStatus.UNUSABLE, message=FBA_WORDS)
        # merge, not replace: the listing's handling time (lead_time_to_ship_max_days) and
        # restock date stay as the seller set them (developer-docs.amazon.com/sp-api/docs/
        # merge-a-listing); issues in English, for the log (else the store's language)
        body = {"productType": "PRODUCT", "patches": [{
            "op": "merge", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": MERCHANT,
                       "quantity": max(0, update.quantity)}]}]}
        try:
            reply = self.sp.call("patchListingsItem", "PATCH", self._item_path(sku), params={
                "marketplaceIds": self.marketplace, "issueLocale": "en_US"}, json=body)
        except ChannelError as error:
            if error.kind is ErrorKind.REFUSED:
                return UpdateResult(sku, UpdateStatus.REJECTED, message=str(error))
            raise
        answer = reply.body if isinstance(reply.body, dict) else {}
        if answer.get("status") == "ACCEPTED":
            return UpdateResult(sku, UpdateStatus.SUBMITTED)
        issues = "; ".join(str(i.get("message") or i.get("code") or "")
                           for i in answer.get("issues") or [] if isinstance(i, dict))
        return UpdateResult(sku, UpdateStatus.REJECTED,
                            message=issues or f"Amazon answered {answer.get('status')!r}")

    # -- orders -----------------------------------------------------------------------------------
    def _orders_api(self) -> str:
        """The Orders API version to read with: 2026-01-01, or v0 where this seller's
        endpoint did not serve it (asked again after a day), until v0's retirement."""
        now = self.clock()
        if (self.orders_api == ORDERS_V0 and now < V0_RETIRES.timestamp()
                and now - self._v0_since < REPROBE_S):
            return ORDERS_V0
        return ORDERS_2026

    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        """Orders changed since the cursor (last updated after a moment never later than
        now − 2 min), every page, with the items of each merchant-fulfilled one.

        The cursor (JSON, the same for both Orders API versions) holds that moment and the
        orders already read since then, with their ``_version``: the two minutes each read
        overlaps the last are not taken again. When the listing operation's usage plan has
        no call left now, or Amazon answers 429, the orders wait for a later cycle: what was
        read whole is returned, the moment stays, and nothing is lost or read twice."""
        latest = datetime.fromtimestamp(self.clock(), UTC) - timedelta(seconds=ORDER_DELAY_S)
        after, seen = _read_cursor(cursor)
        after = min(after or since.astimezone(UTC), latest)
        read = _Read(after, latest)
        api = self._orders_api()
        try:
            if api == ORDERS_2026:
                served = self._search_orders(read, seen)
                if served is False:  # HTTP 404: this endpoint does not serve 2026-01-01
                    if self.clock() >= V0_RETIRES.timestamp():
                        raise ChannelError("searchOrders (Orders API 2026-01-01) is not served "
                                           "for this seller, and Orders API v0 is retired",
                                           kind=ErrorKind.NOT_FOUND)
                    log.info("%s: Orders API 2026-01-01 is not served here; reading with v0",
                             self.info.name)
                    self.orders_api, self._v0_since, api = ORDERS_V0, self.clock(), ORDERS_V0
                elif served or read.versions:
                    self.orders_api = ORDERS_2026
            if api == ORDERS_V0:
                self._get_orders(read, seen)
        except ChannelError as error:
            if error.kind is not ErrorKind.RATE_LIMITED:
                raise
            read.deferred = str(error)
        if read.deferred is None:
            kept = {k: v for k, v in read.versions.items() if read.updated[k] >= latest}
            self._last_read = (_cursor(latest, kept), self.clock())
            return OrderPage(read.lines, self._last_read[0])
        if not read.versions and cursor is not None and self._last_read is not None and (
                self._last_read[0] == cursor and self.clock() - self._last_read[1] < FRESH_S):
            return OrderPage([], cursor)  # read whole a moment ago: as good as now
        log.debug("%s: orders wait for a later cycle (%s)", self.info.name, read.deferred)
        if not read.versions:
            return OrderPage([], cursor if cursor is not None else _cursor(after, seen),
                             deferred=True)
        return OrderPage(read.lines, _cursor(after, {**seen, **read.versions}), deferred=True)

    def _search_orders(self, read: _Read, seen: dict[str, str]) -> bool | None:
        """Orders API 2026-01-01 ``searchOrders``, every page, items inline; False when this
        endpoint does not serve it (HTTP 404)."""
        params: dict[str, Any] = {
            "lastUpdatedAfter": _iso(read.after), "marketplaceIds": self.marketplace,
            "fulfilledBy": "MERCHANT", "includedData": "FULFILLMENT"}  # 100 a page, the most
        first = True
        while True:
            if not self.sp.ready("searchOrders"):
                read.deferred = "searchOrders: no call left in its usage plan now"
                return None
            reply = self.sp.call("searchOrders", "GET", "/orders/2026-01-01/orders",
                                 params=params, found=(404,) if first else ())
            if reply.status == 404:
                return False
            first = False
            body = reply.body if isinstance(reply.body, dict) else {}
            if not isinstance(body.get("orders"), list):
                raise ChannelError("searchOrders: unreadable answer", kind=ErrorKind.MALFORMED)
            for order in body["orders"]:
                self._take_2026(read, order, seen)
            token = (body.get("pagination") or {}).get("nextToken")
            if not token:
                return True
            params["paginationToken"] = token  # with the same filters, as Amazon requires

    def _take_2026(self, read: _Read, order: Any, seen: dict[str, str]) -> None:
        """One order of searchOrders: its lines unless read at this version already or
        fulfilled by Amazon. Cancelled is the order's fulfillmentStatus CANCELLED; a partly
        cancelled line has its lower quantityOrdered (its ``cancellation`` block says only
        who and why, and Amazon's own example carries one on a line shipped in full)."""
        try:
            order_id, items = str(order["orderId"]), order.get("orderItems") or []
            fulfillment = order.get("fulfillment") or {}
            status = str(fulfillment.get("fulfillmentStatus") or "")
            done = [item.get("fulfillment") or {} for item in items]
            version = _version(str(order["lastUpdatedTime"]), status,
                               sum(int(f.get("quantityFulfilled") or 0) for f in done),
                               sum(int(f.get("quantityUnfulfilled") or 0) for f in done))
            placed = _parse(order["createdTime"]) if order.get("createdTime") else None
            read.take(order_id, version, _parse(str(order["lastUpdatedTime"])))
            if seen.get(order_id) == version or fulfillment.get("fulfilledBy") == "AMAZON":
                return  # read at this version already; or Amazon's own stock
            lines = []
            for item in items:
                product = item.get("product") or {}
                lines.append(OrderLine(
                    channel=self.info.name, order_id=order_id, line_id=str(item["orderItemId"]),
                    channel_item_id=self._sku(order_id, item["orderItemId"],
                                              product.get("sellerSku"), product.get("asin")),
                    quantity=int(item.get("quantityOrdered") or 0),
                    cancelled=status == "CANCELLED", placed_at=placed))
            read.lines += lines  # the whole order, or (unreadable) none of it
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ChannelError("searchOrders: an order is not readable",
                               kind=ErrorKind.MALFORMED) from None

    def _get_orders(self, read: _Read, seen: dict[str, str]) -> None:
        """Orders API v0 ``getOrders`` (NextToken) and ``getOrderItems`` per order not read
        at this version yet."""
        token: str | None = None
        while True:
            if not self.sp.ready("getOrders"):
                read.deferred = "getOrders: no call left in its usage plan now"
                return
            params: dict[str, Any] = {"MarketplaceIds": self.marketplace}
            if token:
                params["NextToken"] = token
            else:
                params["LastUpdatedAfter"] = _iso(read.after)
            body = self.sp.call("getOrders", "GET", "/orders/v0/orders", params=params).body
            payload = body.get("payload") if isinstance(body, dict) else None
            if not isinstance(payload, dict):
                raise ChannelError("getOrders: unreadable answer", kind=ErrorKind.MALFORMED)
            for order in payload.get("Orders") or []:
                order_id = str(order.get("AmazonOrderId"))
                version = _version(str(order.get("LastUpdateDate") or _iso(read.after)),
                                   _status(str(order.get("OrderStatus") or "")),
                                   int(order.get("NumberOfItemsShipped") or 0),
                                   int(order.get("NumberOfItemsUnshipped") or 0))
                updated = _parse(str(order.get("LastUpdateDate") or _iso(read.after)))
                if seen.get(order_id) != version and order.get("FulfillmentChannel") != "AFN":
                    read.lines += self._lines(order)  # (not read yet; not Amazon's own stock)
                read.take(order_id, version, updated)
            token = payload.get("NextToken")
            if not token:
                return

    def _sku(self, order_id: str, item_id: Any, sku: Any, asin: Any) -> str:
        """An order item's seller SKU. Neither version requires one (ordersV0.json
        OrderItem: ASIN, OrderItemId, QuantityOrdered; orders_2026-01-01.json
        OrderItemProduct: nothing): without it the line comes with no SKU, which no item
        matches, so it is kept with the unmatched lines, and the rest of the order goes on."""
        if sku:
            return str(sku)
        log.warning("%s: order %s item %s (ASIN %s) has no seller SKU; kept with the unmatched "
                    "lines", self.info.name, order_id, item_id, asin or "?")
        return ""

    def _lines(self, order: dict[str, Any]) -> list[OrderLine]:
        order_id = str(order["AmazonOrderId"])
        cancelled = order.get("OrderStatus") == "Canceled"
        placed = _parse(order["PurchaseDate"]) if order.get("PurchaseDate") else None
        lines: list[OrderLine] = []
        token: str | None = None
        while True:
            params: dict[str, Any] | None = {"NextToken": token} if token else None
            body = self.sp.call("getOrderItems", "GET",
                                f"/orders/v0/orders/{quote(order_id, safe='')}/orderItems",
                                params=params).body
            payload = body.get("payload") if isinstance(body, dict) else None
            if not isinstance(payload, dict):
                raise ChannelError("getOrderItems: unreadable answer",
                                   kind=ErrorKind.MALFORMED)
            for item in payload.get("OrderItems") or []:
                try:
                    lines.append(OrderLine(
                        channel=self.info.name, order_id=order_id,
                        line_id=str(item["OrderItemId"]), channel_item_id=self._sku(
                            order_id, item["OrderItemId"], item.get("SellerSKU"),
                            item.get("ASIN")),
                        quantity=int(item.get("QuantityOrdered") or 0), cancelled=cancelled,
                        placed_at=placed))
                except (KeyError, TypeError, ValueError, AttributeError):
                    raise ChannelError(f"getOrderItems: an item of order {order_id} is not "
                                       "readable", kind=ErrorKind.MALFORMED) from None
            token = payload.get("NextToken")
            if not token:
                return lines


class _Read:
    """What one read of the orders found: the lines to apply, each order's version and last
    update."""

    def __init__(self, after: datetime, latest: datetime) -> None:
        self.after, self.latest = after, latest
        self.versions: dict[str, str] = {}
        self.updated: dict[str, datetime] = {}
        self.lines: list[OrderLine] = []
        self.deferred: str | None = None  # why the rest waits for a later cycle

    def take(self, order_id: str, version: str, updated: datetime) -> None:
        self.versions[order_id], self.updated[order_id] = version, updated
