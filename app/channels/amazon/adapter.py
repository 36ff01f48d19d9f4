"""The Amazon adapter: stock through the Listings Items API (2021-08-01) and, for large uploads
and listings past 1,000, the Feeds and Reports APIs (2021-06-30); orders through the Orders API
v0. See the package's text for the choices."""

from __future__ import annotations

import json
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

JAPAN = "A1VC38T7YXB528"
MERCHANT = "DEFAULT"  # fulfillment channel code of the seller's own stock
ORDER_DELAY_S = 120  # LastUpdatedAfter must be at least two minutes in the past
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


def _version(order: dict[str, Any]) -> str:
    """What tells one state of an order from another: LastUpdateDate has whole seconds, so a
    change within the second it was read shows in the status and item counts."""
    return "|".join(str(order.get(key) or "") for key in (
        "LastUpdateDate", "OrderStatus", "NumberOfItemsShipped", "NumberOfItemsUnshipped"))


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
        self.sp = SpApi(credentials, str(info.settings.get("url") or "") or None, clock, sleep)
        self.seller = str(info.settings.get("seller_id") or "").strip()
        self.marketplace = str(info.settings.get("marketplace_id") or JAPAN).strip()
        self.channels: dict[str, str] = {}  # sku -> fulfillment channel code last read
        self.documents = Documents(lambda: self.sp.api.cycle_deadline, sleep)
        # on the adapter's clock, whatever it is set to later (the benchmark's simulated time)
        self.feeds = Feeds(self.sp, self.documents, self.seller, self.marketplace, MERCHANT,
                           lambda: self.clock())
        self.report = ListingsReport(self.sp, self.documents, self.marketplace,
                                     lambda: self.clock())

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
    def _availability(item: dict[str, Any]) -> tuple[str, int] | None:
        for entry in item.get("fulfillmentAvailability") or []:
            if isinstance(entry, dict) and entry.get("fulfillmentChannelCode"):
                return str(entry["fulfillmentChannelCode"]), int(entry.get("quantity") or 0)
        return None

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
            params: dict[str, Any] = {"marketplaceIds": self.marketplace,
                                      "includedData": "summaries,fulfillmentAvailability",
                                      "pageSize": SEARCH_PAGE}
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
            found = self._availability(item) if sku else None
            if found is not None:
                self.channels[sku], shown[sku] = found

    def _channel_of(self, sku: str) -> str | None:
        """The listing's fulfillment channel (one getListingsItem when not read yet); None
        when Amazon does not have the SKU."""
        if sku not in self.channels:
            reply = self.sp.call("getListingsItem", "GET", self._item_path(sku), params={
                "marketplaceIds": self.marketplace, "includedData": "fulfillmentAvailability"},
                found=(404,))
            if reply.status == 404 or not isinstance(reply.body, dict):
                return None
            found = self._availability(reply.body)
            self.channels[sku] = found[0] if found else MERCHANT
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
        body = {"productType": "PRODUCT", "patches": [{
            "op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": MERCHANT,
                       "quantity": max(0, update.quantity)}]}]}
        try:
            reply = self.sp.call("patchListingsItem", "PATCH", self._item_path(sku),
                                 params={"marketplaceIds": self.marketplace}, json=body)
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
    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        """Orders changed since the cursor (LastUpdatedAfter, never later than now − 2 min),
        every page, and the items of each merchant-fulfilled one.

        The cursor (JSON) holds that moment and the orders already read since then, with
        their ``_version``: the two minutes each read overlaps the last are not read
        (nor their items asked for) again."""
        latest = datetime.fromtimestamp(self.clock(), UTC) - timedelta(seconds=ORDER_DELAY_S)
        after, seen = _read_cursor(cursor)
        after = min(after or since.astimezone(UTC), latest)
        lines: list[OrderLine] = []
        kept: dict[str, str] = {}
        token: str | None = None
        while True:
            params: dict[str, Any] = {"MarketplaceIds": self.marketplace}
            if token:
                params["NextToken"] = token
            else:
                params["LastUpdatedAfter"] = _iso(after)
            body = self.sp.call("getOrders", "GET", "/orders/v0/orders", params=params).body
            payload = body.get("payload") if isinstance(body, dict) else None
            if not isinstance(payload, dict):
                raise ChannelError("getOrders: unreadable answer", kind=ErrorKind.MALFORMED)
            for order in payload.get("Orders") or []:
                order_id, updated = str(order.get("AmazonOrderId")), _version(order)
                if _parse(str(order.get("LastUpdateDate") or _iso(after))) >= latest:
                    kept[order_id] = updated  # read again next time: keep it as seen
                if seen.get(order_id) == updated or order.get("FulfillmentChannel") == "AFN":
                    continue  # read already; or Amazon's own stock shipped it
                lines += self._lines(order)
            token = payload.get("NextToken")
            if not token:
                break
        return OrderPage(lines, json.dumps({"after": _iso(latest), "seen": kept},
                                           sort_keys=True))

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
                lines.append(OrderLine(
                    channel=self.info.name, order_id=order_id,
                    line_id=str(item["OrderItemId"]), channel_item_id=str(item["SellerSKU"]),
                    quantity=int(item.get("QuantityOrdered") or 0), cancelled=cancelled,
                    placed_at=placed))
            token = payload.get("NextToken")
            if not token:
                return lines
