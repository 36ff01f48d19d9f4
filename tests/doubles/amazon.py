"""A local double of Amazon's Selling Partner API (Far East endpoint,
https://sellingpartnerapi-fe.amazon.com) and of Login with Amazon (https://api.amazon.com),
over real HTTP on loopback: both hosts are this one server (Rendo's ``--url`` replaces both).

Built from Amazon's published models, github.com/amzn/selling-partner-api-models:

- models/listings-items-api-model/listingsItems_2021-08-01.json: ``GET
  /listings/2021-08-01/items/{sellerId}/{sku}`` (getListingsItem, marketplaceIds,
  includedData=summaries,fulfillmentAvailability; 404 with ``errors`` for an unknown SKU),
  ``PATCH`` the same path (patchListingsItem: ``{"productType", "patches": [{"op":
  "replace", "path": "/attributes/fulfillment_availability", "value":
  [{"fulfillment_channel_code": "DEFAULT", "quantity": N}]}]}`` answering
  ListingsItemSubmissionResponse ``{sku, status: ACCEPTED|INVALID, submissionId, issues}``),
  ``GET /listings/2021-08-01/items/{sellerId}`` (searchListingsItems: pageSize ≤ 20,
  pageToken, ``pagination.nextToken``, ``numberOfResults``; at most 1000 items paged through).
  Usage plans from the operations' tables: get 5/s burst 10, patch 5/s burst 5, search 5/s
  burst 5. ``fulfillmentAvailability`` is ``[{fulfillmentChannelCode, quantity}]``; FBA
  listings in Japan carry ``AMAZON_FE``.
- models/orders-api-model/orders_2026-01-01.json (the current Orders API; its
  x-amzn-api-sandbox and example payloads): ``GET /orders/2026-01-01/orders`` (searchOrders:
  exactly one of createdAfter / lastUpdatedAfter; lastUpdatedBefore, createdBefore
  "at least two minutes before the time of the request"; marketplaceIds, fulfilledBy
  MERCHANT|AMAZON, fulfillmentStatuses, includedData, all comma-separated;
  maxResultsPerPage 1-100, default 100; paginationToken = the last page's
  ``pagination.nextToken``, valid with the same other parameters except maxResultsPerPage
  and includedData, for 24 hours; answers ``{"orders": [Order], "pagination":
  {"nextToken"}, "lastUpdatedBefore"}``; usage plan 0.0056/s burst 20), ``GET
  /orders/2026-01-01/orders/{orderId}`` (getOrder: ``{"order": Order}``, 0.5/s burst 30).
  An Order: orderId, createdTime, lastUpdatedTime, salesChannel {channelName AMAZON,
  marketplaceId, marketplaceName}, orderItems (always) [{orderItemId, quantityOrdered,
  product {asin, title, sellerSku, condition, price}}]; with includedData FULFILLMENT the
  order's ``fulfillment`` {fulfillmentStatus PENDING|UNSHIPPED|PARTIALLY_SHIPPED|SHIPPED|
  CANCELLED…, fulfilledBy MERCHANT|AMAZON} and each item's {quantityFulfilled,
  quantityUnfulfilled}; with CANCELLATION an item's ``cancellation``
  {cancellationRequest, cancellationExecution {cancelledBy, cancelReason}} (who and why,
  no quantity). Amazon's migration guide
  (developer-docs.amazon.com/sp-api/docs/orders-api-migration-guide) maps getOrders to
  searchOrders and getOrderItems to the items inline; v0 is to be removed on 27 March 2027
  (…/changelog/new-introducing-the-orders-api-v2026-01-01).
- models/orders-api-model/ordersV0.json: ``GET /orders/v0/orders`` (getOrders,
  MarketplaceIds, LastUpdatedAfter; ``LastUpdatedBefore`` "at least two minutes before current
  time"; MaxResultsPerPage ≤ 100; NextToken; answers ``{"payload": {"Orders", "NextToken",
  "LastUpdatedBefore"}}``; usage plan 0.0167/s burst 20), ``GET
  /orders/v0/orders/{orderId}/orderItems`` (getOrderItems: ``{"payload": {"OrderItems":
  [{ASIN, OrderItemId, SellerSKU, QuantityOrdered, QuantityShipped}], "AmazonOrderId",
  "NextToken"}}``, 0.5/s burst 30); OrderStatus Pending, Unshipped, Shipped, Canceled…
  ``v0_only`` makes the double a seller whose endpoint serves only v0 (2026-01-01's paths
  answer 404 NotFound).
- A time not at least two minutes in the past is answered as Amazon does, without naming
  the rule: HTTP 400 ``InvalidInput`` "The input you have submitted is not valid. Please
  check your input and try again." with empty details (github.com/amzn/
  selling-partner-api-models issues 974 and 2233). The double applies the rule to the start
  of the window too (lastUpdatedAfter), which the adapter keeps to.
- Errors everywhere: ``{"errors": [{"code", "message", "details"}]}``; an expired access
  token is HTTP 403 ``Unauthorized`` "Access to requested resource is denied." with details
  "The access token you provided has expired."; throttling is HTTP 429 ``QuotaExceeded``,
  and answers carry ``x-amzn-RateLimit-Limit`` (the operation's rate, requests a second).
- Login with Amazon: clients/sellingpartner-api-aa-python/auth/LwaRequest.py of the same
  repository (``POST https://api.amazon.com/auth/o2/token``, form grant_type=refresh_token,
  refresh_token, client_id, client_secret; ``expires_in``) and LwaExceptionErrorCode.py;
  github.com/amzn/selling-partner-api-docs now only points to developer-docs.amazon.com
  (guides/en-US/developer-guide/SellingPartnerApiDeveloperGuide.md). Answers
  ``{"access_token": "Atza|…", "token_type": "bearer", "expires_in": 3600,
  "refresh_token"}``; refusals per RFC 6749: ``invalid_grant`` (HTTP 400, refresh token
  revoked or unknown), ``invalid_client`` (HTTP 401).

Not in the docs, chosen here: accepted patches are applied ``apply_delay`` seconds later (0:
at the double's next request or look, so a sync sees them; a test sets a delay and calls
``tick``); an unknown SKU is ACCEPTED and never created; an order takes its units off the
merchant-fulfilled quantity (an FBA order, ``place_order(…, fba=True)``, does not), a
cancellation (whole, or part of a line as a lower QuantityOrdered / quantityOrdered in both
versions, with a ``cancellation`` block on that item) gives them back; a cancelled order's
items have no units left unfulfilled.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .serving import ServedDouble

SELLER_ID = "A2SELLERJP0001"
JAPAN = "A1VC38T7YXB528"
ACCESS_TOKEN_S = 3600
# operation -> (rate per second, burst), from each operation's usage plan table
RATES = {"getListingsItem": (5.0, 10), "patchListingsItem": (5.0, 5),
         "searchListingsItems": (5.0, 5), "getOrders": (0.0167, 20),
         "getOrderItems": (0.5, 30)}
RATES.update({"searchOrders": (0.0056, 20), "getOrder": (0.5, 30)})  # Orders API 2026-01-01
FBA = "AMAZON_FE"
# Amazon's 400 for a time that is not at least two minutes in the past (no word of the rule)
NOT_VALID = "The input you have submitted is not valid. Please check your input and try again."
STATUS_2026 = {"Pending": "PENDING", "Unshipped": "UNSHIPPED", "PartiallyShipped":
               "PARTIALLY_SHIPPED", "Shipped": "SHIPPED", "Canceled": "CANCELLED"}
PAGE_TOKEN_S = 86400  # a searchOrders paginationToken expires after 24 hours
MFN = "DEFAULT"


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, details: str = "",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.headers = status, headers or {}
        self.body = {"errors": [{"code": code, "message": message, "details": details}]}


class AmazonDouble(ServedDouble):
    """One seller's SP-API in the Japan marketplace; ``clock`` gives epoch seconds."""

    type = "amazon"
    name = "amazon"
    batch_limit = 1  # patchListingsItem: one SKU a call

    def __init__(self, clock: Callable[[], float] = time.time, apply_delay: float = 0.0,
                 enforce_rates: bool = True) -> None:
        super().__init__(clock)
        self.apply_delay = apply_delay
        self.enforce_rates = enforce_rates
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self.client_id = "amzn1.application-oa2-client." + secrets.token_hex(8)
        self.client_secret = "amzn1.oa2-cs.v1." + secrets.token_hex(16)
        self._refresh_token = "Atzr|" + secrets.token_hex(24)
        self.access_tokens: dict[str, float] = {}  # token -> expiry
        self.exchanges = 0
        self.listings: dict[str, dict[str, Any]] = {}  # sku -> {quantity, channel, updated}
        self.queue: list[tuple[float, str, int]] = []  # (due, sku, quantity)
        self.submissions: list[dict[str, Any]] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.refused: set[str] = set()
        self.throttled = 0
        self.buckets: dict[str, tuple[float, float]] = {}  # op -> (tokens, at)
        self.page_size = 100  # getOrders / searchOrders maxResultsPerPage default
        self.v0_only = False  # a seller whose endpoint serves Orders API v0 only
        self.page_tokens: dict[str, tuple[tuple[Any, ...], float, int, float]] = {}
        self.rates = dict(RATES)  # what x-amzn-RateLimit-Limit says and the buckets enforce
        self.queries: list[tuple[str, dict[str, list[str]]]] = []  # (path, query) of API calls
        self._serial = 0

    # -- protocol ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> dict[str, str]:
        return {"seller_id": SELLER_ID, "marketplace_id": JAPAN}

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret,
                "refresh_token": self._refresh_token}

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def add_listing(self, channel_item_id: str, quantity: int) -> None:
        with self.lock:
            self.listings[channel_item_id] = {"quantity": quantity, "channel": MFN,
                                              "updated": self.now()}

    def add_fba_listing(self, channel_item_id: str, quantity: int) -> None:
        """A listing Amazon fulfils from its own warehouses (FBA): its quantity is Amazon's."""
        with self.lock:
            self.listings[channel_item_id] = {"quantity": quantity, "channel": FBA,
                                              "updated": self.now()}

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        self.add_fba_listing(channel_item_id, 5)

    def quantity(self, channel_item_id: str) -> int | None:
        self.tick()
        with self.lock:
            listing = self.listings.get(channel_item_id)
            return None if listing is None else int(listing["quantity"])

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        with self.lock:
            self.listings[channel_item_id]["quantity"] = quantity
            self.listings[channel_item_id]["updated"] = self.now()

    def tick(self) -> None:
        """Apply the accepted patches that are due (Amazon processes them asynchronously)."""
        with self.lock:
            now, waiting = self.now(), []
            for due, sku, quantity in self.queue:
                if due > now:
                    waiting.append((due, sku, quantity))
                elif sku in self.listings and self.listings[sku]["channel"] == MFN:
                    self.listings[sku]["quantity"] = quantity
                    self.listings[sku]["updated"] = now
            self.queue = waiting

    def _order_id(self) -> str:
        self._serial += 1
        return f"503-{self._serial:07d}-{secrets.randbelow(10**7):07d}"

    def place_order(self, lines: list[tuple[str, int]], fba: bool = False) -> str:
        """*fba*: fulfilled by Amazon from its own stock (AFN), the listings untouched."""
        with self.lock:
            order_id, now = self._order_id(), self.now()
            items = []
            for number, (sku, units) in enumerate(lines, 1):
                items.append({"ASIN": "B0" + secrets.token_hex(4).upper(),
                              "OrderItemId": f"{order_id.replace('-', '')}{number:02d}",
                              "SellerSKU": sku, "QuantityOrdered": units,
                              "QuantityShipped": 0, "Title": f"商品 {sku}"})
                listing = None if fba else self.listings.get(sku)
                if listing is not None:
                    listing["quantity"] = max(0, listing["quantity"] - units)
            self.orders[order_id] = {"AmazonOrderId": order_id, "PurchaseDate": _iso(now),
                                     "LastUpdateDate": _iso(now), "updated": now,
                                     "OrderStatus": "Unshipped",
                                     "FulfillmentChannel": "AFN" if fba else "MFN",
                                     "MarketplaceId": JAPAN, "items": items}
            self._count_items(self.orders[order_id])
            return order_id

    def _touch(self, order: dict[str, Any]) -> None:
        order["updated"] = self.now()
        order["LastUpdateDate"] = _iso(order["updated"])
        self._count_items(order)

    @staticmethod
    def _count_items(order: dict[str, Any]) -> None:
        shipped = sum(i["QuantityShipped"] for i in order["items"])
        ordered = sum(i["QuantityOrdered"] for i in order["items"])
        order["NumberOfItemsShipped"] = shipped
        order["NumberOfItemsUnshipped"] = (0 if order["OrderStatus"] == "Canceled"
                                           else ordered - shipped)

    def cancel_order(self, order_id: str) -> None:
        with self.lock:
            order = self.orders[order_id]
            order["OrderStatus"] = "Canceled"
            for item in order["items"]:
                self._give_back(order, item["SellerSKU"], item["QuantityOrdered"])
            self._touch(order)

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        with self.lock:
            order = self.orders[order_id]
            item = next(i for i in order["items"] if i["SellerSKU"] == channel_item_id)
            item["QuantityOrdered"] -= units
            item["_cancelled"] = True
            self._give_back(order, channel_item_id, units)
            self._touch(order)

    def _give_back(self, order: dict[str, Any], sku: str, units: int) -> None:
        listing = self.listings.get(sku)
        if order["FulfillmentChannel"] != "MFN":
            return  # Amazon's own stock
        if listing is not None:
            listing["quantity"] += units

    def refuse_writes(self, channel_item_id: str) -> None:
        self.refused.add(channel_item_id)

    def throttle(self, calls: int) -> None:
        self.throttled = calls

    def expire_access_token(self) -> None:
        with self.lock:
            for token in self.access_tokens:
                self.access_tokens[token] = self.now() - 1

    def revoke_credentials(self) -> None:
        """The owner de-authorises the app: every token dies; authorising it again in Seller
        Central gives a new refresh token (``credentials`` holds it)."""
        with self.lock:
            self.access_tokens.clear()
            self._refresh_token = "Atzr|" + secrets.token_hex(24)

    # -- serving --------------------------------------------------------------------------------
    def _limit(self, operation: str) -> dict[str, str]:
        rate, burst = self.rates[operation]
        headers = {"x-amzn-RateLimit-Limit": f"{rate:g}"}
        if self.throttled > 0:
            self.throttled -= 1
            raise _Refusal(429, "QuotaExceeded", "You exceeded your quota for the requested "
                           "resource.", headers=headers)
        if self.enforce_rates:
            now = self.now()
            tokens, at = self.buckets.get(operation, (float(burst), now))
            tokens = min(float(burst), tokens + (now - at) * rate)
            if tokens < 1:
                self.buckets[operation] = (tokens, now)
                raise _Refusal(429, "QuotaExceeded", "You exceeded your quota for the "
                               "requested resource.", headers=headers)
            self.buckets[operation] = (tokens - 1, now)
        return headers

    def _authorise(self, headers: Any) -> None:
        token = headers.get("x-amz-access-token")
        expiry = self.access_tokens.get(token or "")
        if expiry is None:
            raise _Refusal(403, "Unauthorized", "Access to requested resource is denied.",
                           "The access token you provided is revoked, malformed or invalid.")
        if expiry <= self.now():
            raise _Refusal(403, "Unauthorized", "Access to requested resource is denied.",
                           "The access token you provided has expired.")

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if (form.get("client_id"), form.get("client_secret")) != (self.client_id,
                                                                       self.client_secret):
                return 401, {"error": "invalid_client",
                             "error_description": "Client authentication failed"}
            if form.get("grant_type") != "refresh_token":
                return 400, {"error": "unsupported_grant_type",
                             "error_description": "Unsupported grant type"}
            if form.get("refresh_token") != self._refresh_token:
                return 400, {"error": "invalid_grant",
                             "error_description": "The request has an invalid grant parameter"
                             " : refresh_token"}
            self.exchanges += 1
            access = "Atza|" + secrets.token_hex(24)
            self.access_tokens[access] = self.now() + ACCESS_TOKEN_S
            return 200, {"access_token": access, "refresh_token": self._refresh_token,
                         "token_type": "bearer", "expires_in": ACCESS_TOKEN_S}

    def api(self, method: str, path: str, query: dict[str, list[str]], headers: Any,
            body: Any) -> tuple[int, Any, dict[str, str]]:
        self.tick()
        with self.lock:
            self.queries.append((path, query))
            self._authorise(headers)
            parts = path.strip("/").split("/")
            if parts[:3] == ["listings", "2021-08-01", "items"] and len(parts) in (4, 5):
                if parts[3] != SELLER_ID:
                    raise _Refusal(403, "Unauthorized", "Access to requested resource is "
                                   "denied.", "")
                if query.get("marketplaceIds", [""])[0] != JAPAN:
                    raise _Refusal(400, "InvalidInput", "marketplaceIds is invalid.", "")
                if len(parts) == 4 and method == "GET":
                    limit = self._limit("searchListingsItems")
                    return 200, self._search(query), limit
                sku = parts[4]
                if method == "GET":
                    limit = self._limit("getListingsItem")
                    return 200, self._item(sku), limit
                if method == "PATCH":
                    limit = self._limit("patchListingsItem")
                    return 200, self._patch(sku, body), limit
            if parts[:3] == ["orders", "v0", "orders"]:
                if len(parts) == 3 and method == "GET":
                    limit = self._limit("getOrders")
                    return 200, self._orders(query), limit
                if len(parts) == 5 and parts[4] == "orderItems" and method == "GET":
                    limit = self._limit("getOrderItems")
                    return 200, self._order_items(parts[3]), limit
            if parts[:3] == ["orders", "2026-01-01", "orders"] and not self.v0_only:
                if len(parts) == 3 and method == "GET":
                    limit = self._limit("searchOrders")
                    return 200, self._search_orders(query), limit
                if len(parts) == 4 and method == "GET":
                    limit = self._limit("getOrder")
                    return 200, self._get_order(parts[3], query), limit
            raise _Refusal(404, "NotFound", "Resource not found.", path)

    def _summary(self, sku: str) -> dict[str, Any]:
        listing = self.listings[sku]
        return {"sku": sku, "summaries": [{
            "marketplaceId": JAPAN, "asin": "B0" + sku.encode().hex()[:8].upper(),
            "productType": "PRODUCT", "conditionType": "new_new",
            "status": ["BUYABLE", "DISCOVERABLE"], "itemName": f"商品 {sku}",
            "createdDate": _iso(listing["updated"]), "lastUpdatedDate": _iso(listing["updated"])}],
            "fulfillmentAvailability": [{"fulfillmentChannelCode": listing["channel"],
                                         "quantity": int(listing["quantity"])}]}

    def _item(self, sku: str) -> dict[str, Any]:
        if sku not in self.listings:
            raise _Refusal(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {JAPAN}")
        return self._summary(sku)

    def _search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        size = int(query.get("pageSize", ["10"])[0])
        if not 1 <= size <= 20:
            raise _Refusal(400, "InvalidInput", "pageSize must be between 1 and 20.")
        skus = sorted(self.listings)[:1000]
        start = int(query.get("pageToken", ["0"])[0] or 0)
        page = skus[start:start + size]
        answer: dict[str, Any] = {"numberOfResults": len(self.listings),
                                  "items": [self._summary(s) for s in page]}
        if start + size < len(skus):
            answer["pagination"] = {"nextToken": str(start + size)}
        return answer

    def _patch(self, sku: str, body: Any) -> dict[str, Any]:
        submission = "sub-" + secrets.token_hex(8)
        issues: list[dict[str, Any]] = []
        quantity = None
        try:
            patches = body["patches"]
            for patch in patches:
                if patch["path"] == "/attributes/fulfillment_availability":
                    value = patch["value"][0]
                    quantity = int(value["quantity"])
                    if value.get("fulfillment_channel_code") != MFN or quantity < 0:
                        raise ValueError
        except (KeyError, TypeError, ValueError, IndexError):
            issues.append({"code": "4000001", "message": "The provided value for "
                           "'fulfillment_availability' is invalid.", "severity": "ERROR",
                           "attributeNames": ["fulfillment_availability"]})
        if sku in self.refused:
            issues.append({"code": "90220", "message": "'quantity' is not valid for this "
                           "listing.", "severity": "ERROR",
                           "attributeNames": ["fulfillment_availability"]})
        listing = self.listings.get(sku)
        if listing is not None and listing["channel"] != MFN:
            issues.append({"code": "8541", "message": "Fulfillment channel AMAZON_FE: the "
                           "quantity is managed by Amazon.", "severity": "ERROR",
                           "attributeNames": ["fulfillment_availability"]})
        status = "INVALID" if issues else "ACCEPTED"
        if status == "ACCEPTED" and quantity is not None:
            self.queue.append((self.now() + self.apply_delay, sku, quantity))
        self.submissions.append({"sku": sku, "status": status, "quantity": quantity})
        return {"sku": sku, "status": status, "submissionId": submission, "issues": issues}

    def _orders(self, query: dict[str, list[str]]) -> dict[str, Any]:
        if query.get("MarketplaceIds", [""])[0] != JAPAN:
            raise _Refusal(400, "InvalidInput", "Invalid MarketplaceIds.")
        token = query.get("NextToken", [""])[0]
        if token:
            after, start = token.split("~")
            since, offset = float(after), int(start)
        else:
            text = query.get("LastUpdatedAfter", [""])[0]
            if not text:
                raise _Refusal(400, "InvalidInput", "Either CreatedAfter or LastUpdatedAfter "
                               "must be specified.")
            since, offset = _parse_iso(text), 0
        before = self._window(since, query.get("LastUpdatedBefore", [""])[0])
        found = sorted((o for o in self.orders.values() if since <= o["updated"] <= before),
                       key=lambda o: (o["updated"], o["AmazonOrderId"]))
        size = int(query.get("MaxResultsPerPage", [str(self.page_size)])[0])
        page = found[offset:offset + size]
        payload: dict[str, Any] = {
            "Orders": [{k: v for k, v in o.items() if k not in ("items", "updated")}
                       for o in page],
            "LastUpdatedBefore": _iso(before)}
        if offset + size < len(found):
            payload["NextToken"] = f"{since}~{offset + size}"
        return {"payload": payload}

    def _order_items(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise _Refusal(404, "InvalidInput", "Invalid AmazonOrderId.")
        return {"payload": {"AmazonOrderId": order_id, "OrderItems": [
            {k: v for k, v in i.items() if not k.startswith("_")} for i in order["items"]]}}

    def _window(self, since: float, before_text: str) -> float:
        """The end of a "last updated" window. Both ends must be at least two minutes in
        the past (the model says so of the end; the adapters keep to it for the start too);
        Amazon's 400 then names no rule."""
        latest = self.now() - 120
        if since > latest:
            raise _Refusal(400, "InvalidInput", NOT_VALID, "")
        if not before_text:
            return self.now()
        before = _parse_iso(before_text)
        if before > latest or before < since:
            raise _Refusal(400, "InvalidInput", NOT_VALID, "")
        return before

    # -- Orders API 2026-01-01 ----------------------------------------------------------------
    def _search_orders(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """searchOrders: one of createdAfter / lastUpdatedAfter; paginationToken with the
        same other parameters (maxResultsPerPage and includedData may change)."""
        def listed(key: str) -> list[str]:
            return [v for text in query.get(key, []) for v in text.split(",") if v]

        marketplaces = listed("marketplaceIds")
        if marketplaces and marketplaces != [JAPAN]:
            raise _Refusal(400, "InvalidInput", "Invalid marketplaceIds.", "")
        created, updated = query.get("createdAfter", [""])[0], query.get(
            "lastUpdatedAfter", [""])[0]
        if bool(created) == bool(updated) or (created and query.get("lastUpdatedBefore")) or (
                updated and query.get("createdBefore")):
            raise _Refusal(400, "InvalidInput", "Exactly one of createdAfter and "
                           "lastUpdatedAfter must be provided.", "")
        size = int(query.get("maxResultsPerPage", [str(self.page_size)])[0])
        if not 1 <= size <= 100:
            raise _Refusal(400, "InvalidInput", "maxResultsPerPage must be between 1 and 100.")
        asked = tuple(sorted((k, tuple(v)) for k, v in query.items() if k not in (
            "paginationToken", "maxResultsPerPage", "includedData")))
        token = query.get("paginationToken", [""])[0]
        if token:
            known = self.page_tokens.get(token)
            if known is None or known[0] != asked or self.now() - known[3] > PAGE_TOKEN_S:
                raise _Refusal(400, "InvalidInput", "Invalid paginationToken.", "")
            _, before, offset, issued = known
            since = _parse_iso(created or updated)
        else:
            since, offset, issued = _parse_iso(created or updated), 0, self.now()
            before = self._window(since, query.get(
                "createdBefore" if created else "lastUpdatedBefore", [""])[0])
        by = set(listed("fulfilledBy"))
        statuses = set(listed("fulfillmentStatuses"))
        found = sorted((o for o in self.orders.values()
                        if since <= (_parse_iso(o["PurchaseDate"]) if created else o["updated"])
                        <= before
                        and (not by or self._fulfilled_by(o) in by)
                        and (not statuses or STATUS_2026[o["OrderStatus"]] in statuses)),
                       key=lambda o: (o["updated"], o["AmazonOrderId"]))
        included = set(listed("includedData"))
        answer: dict[str, Any] = {
            "orders": [self._order_2026(o, included) for o in found[offset:offset + size]],
            "createdBefore" if created else "lastUpdatedBefore": _iso(before)}
        if offset + size < len(found):
            following = secrets.token_urlsafe(24)
            self.page_tokens[following] = (asked, before, offset + size, issued)
            answer["pagination"] = {"nextToken": following}
        return answer

    def _get_order(self, order_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise _Refusal(404, "NotFound", f"Order {order_id} was not found.", "")
        included = {v for text in query.get("includedData", []) for v in text.split(",")}
        return {"order": self._order_2026(order, included)}

    @staticmethod
    def _fulfilled_by(order: dict[str, Any]) -> str:
        return "AMAZON" if order["FulfillmentChannel"] == "AFN" else "MERCHANT"

    def _order_2026(self, order: dict[str, Any], included: set[str]) -> dict[str, Any]:
        """An order as 2026-01-01's Order: the items always; ``fulfillment`` (the order's
        status, units fulfilled and not) and ``cancellation`` only when asked for."""
        status = STATUS_2026[order["OrderStatus"]]
        items = []
        for item in order["items"]:
            shown: dict[str, Any] = {
                "orderItemId": item["OrderItemId"], "quantityOrdered": item["QuantityOrdered"],
                "programs": [], "product": {
                    "asin": item["ASIN"], "title": item["Title"], "sellerSku": item["SellerSKU"],
                    "condition": {"conditionType": "NEW", "conditionSubtype": "NEW",
                                  "conditionNote": ""},
                    "price": {"unitPrice": {"amount": "1980", "currencyCode": "JPY"}}}}
            if "FULFILLMENT" in included:
                shipped = item["QuantityShipped"]
                shown["fulfillment"] = {"quantityFulfilled": shipped, "quantityUnfulfilled": (
                    0 if status == "CANCELLED" else item["QuantityOrdered"] - shipped)}
            if "CANCELLATION" in included and (status == "CANCELLED" or item.get("_cancelled")):
                shown["cancellation"] = {"cancellationExecution": {
                    "cancelledBy": "MERCHANT", "cancelReason": "NoInventory"}}
            items.append(shown)
        answer: dict[str, Any] = {
            "orderId": order["AmazonOrderId"], "createdTime": order["PurchaseDate"],
            "lastUpdatedTime": order["LastUpdateDate"], "programs": [],
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": JAPAN,
                             "marketplaceName": "Amazon.co.jp"},
            "orderItems": items}
        if "FULFILLMENT" in included:
            answer["fulfillment"] = {"fulfillmentStatus": status,
                                     "fulfilledBy": self._fulfilled_by(order),
                                     "fulfillmentServiceLevel": "STANDARD"}
        return answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-RequestId", secrets.token_hex(8))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        double: AmazonDouble = self.server.double  # type: ignore[attr-defined]
        split = urlsplit(self.path)
        with double.lock:
            double.calls.append((method, split.path))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if split.path == "/auth/o2/token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            status, answer = double.token(form)
            self._send(status, answer)
            return
        try:
            body = json.loads(raw) if raw else None
            status, answer, headers = double.api(method, split.path, parse_qs(split.query),
                                                 self.headers, body)
        except _Refusal as refusal:
            self._send(refusal.status, refusal.body, refusal.headers)
            return
        except ValueError:
            self._send(400, {"errors": [{"code": "InvalidInput", "message": "Bad request.",
                                         "details": ""}]})
            return
        self._send(status, answer, headers)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")


def make_double(clock: Callable[[], float] = time.time) -> AmazonDouble:
    """A double on *clock* (seconds; the hour-long tests run it on simulated time)."""
    return AmazonDouble(clock=clock)


