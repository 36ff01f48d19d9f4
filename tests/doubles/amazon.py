"""A local double of Amazon's Selling Partner API (Far East endpoint,
https://sellingpartnerapi-fe.amazon.com) and of Login with Amazon (https://api.amazon.com),
over real HTTP on loopback: both hosts are this one server (Rendo's ``--url`` replaces both).

Built from Amazon's published models, github.com/amzn/selling-partner-api-models:

- models/listings-items-api-model/listingsItems_2021-08-01.json: ``GET
  /listings/2021-08-01/items/{sellerId}/{sku}`` (getListingsItem, marketplaceIds,
  includedData: only the data sets named, default ``summaries``; 404 ``NOT_FOUND`` with
  ``errors`` for an unknown SKU), ``PATCH`` the same path (patchListingsItem:
  ``{"productType", "patches": [{"op": "merge", "path": "/attributes/fulfillment_availability",
  "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": N}]}]}``; PatchOperation's op
  add|replace|merge|delete: replace sets the attribute to the value given, so a handling time
  (``lead_time_to_ship_max_days``) not given is gone, merge changes only the fields given
  (developer-docs.amazon.com/sp-api/docs/merge-a-listing; schemas/feeds/
  listings-feed-schema-v2.example.json message 5); ``issueLocale``, else the first store's
  language, here Japanese; answering ListingsItemSubmissionResponse ``{sku, status:
  ACCEPTED|INVALID, submissionId, issues}``, ACCEPTED for a SKU the seller does not have),
  ``GET /listings/2021-08-01/items/{sellerId}`` (searchListingsItems: pageSize ≤ 20,
  pageToken, ``pagination.nextToken``, ``numberOfResults``; at most 1000 items paged through;
  sortBy sku|createdDate|lastUpdatedDate, default lastUpdatedDate, sortOrder ASC|DESC, default
  DESC).
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
  "The access token you provided has expired."; throttling is HTTP 429 ``QuotaExceeded``.
  Answers carry ``x-amzn-RateLimit-Limit`` (the operation's rate, requests a second); the
  models declare it on 200 and 4xx answers but not on 429 (only ``x-amzn-RequestId``), so
  the double's 429s leave it out unless ``rate_header_on_429`` is set. Each call's headers
  are kept (``api_headers``): "Connecting to the Selling Partner API" lists host,
  ``x-amz-access-token``, ``x-amz-date`` and ``user-agent``; a User-Agent over 500
  characters is refused ("Include a User-Agent header in all requests").
- Login with Amazon: clients/sellingpartner-api-aa-python/auth/LwaRequest.py of the same
  repository (``POST https://api.amazon.com/auth/o2/token``, form grant_type=refresh_token,
  refresh_token, client_id, client_secret; ``expires_in``) and LwaExceptionErrorCode.py;
  github.com/amzn/selling-partner-api-docs now only points to developer-docs.amazon.com
  (guides/en-US/developer-guide/SellingPartnerApiDeveloperGuide.md). Answers
  ``{"access_token": "Atza|…", "token_type": "bearer", "expires_in": 3600,
  "refresh_token"}``; refusals per RFC 6749: ``invalid_grant`` (HTTP 400, refresh token
  revoked or unknown), ``invalid_client`` (HTTP 401).

- models/feeds-api-model/feeds_2021-06-30.json: ``POST /feeds/2021-06-30/documents``
  (createFeedDocument ``{contentType}`` → 201 ``{feedDocumentId, url}``, 0.5/s burst 15),
  ``POST /feeds/2021-06-30/feeds`` (createFeed ``{feedType, marketplaceIds,
  inputFeedDocumentId}`` → 202 ``{feedId}``, 0.0083/s burst 15), ``GET
  /feeds/2021-06-30/feeds/{feedId}`` (getFeed → Feed ``{feedId, feedType, marketplaceIds,
  createdTime, processingStatus IN_QUEUE|IN_PROGRESS|DONE|FATAL|CANCELLED,
  processingStartTime, processingEndTime, resultFeedDocumentId}``, 2/s burst 15), ``GET
  /feeds/2021-06-30/documents/{feedDocumentId}`` (getFeedDocument → ``{feedDocumentId, url,
  compressionAlgorithm?: GZIP}``, 0.0222/s burst 10). schemas/feeds/listings-feed-schema-v2.json
  and its .example.json: ``{"header": {sellerId, version "2.0", issueLocale}, "messages":
  [{messageId, sku, operationType PATCH, productType, patches}]}``, at most 25,000 messages
  (developer-docs.amazon.com/sp-api/changelog/update-feed-size-and-rate-limit-changes-for-the-
  json_listings_feed); schemas/feeds/listings-feed-processing-report-schema-v2.json and its
  .example.json: ``{"header": {sellerId, version, feedId}, "issues": [{messageId, sku, code,
  severity ERROR|WARNING|INFO, message}], "summary": {errors, warnings, messagesProcessed,
  messagesAccepted, messagesInvalid}}``.
- models/reports-api-model/reports_2021-06-30.json: ``POST /reports/2021-06-30/reports``
  (createReport ``{reportType, marketplaceIds}`` → 202 ``{reportId}``, 0.0167/s burst 15),
  ``GET /reports/2021-06-30/reports`` (getReports: reportTypes, processingStatuses,
  marketplaceIds, createdSince → ``{reports: [Report]}``, 0.0222/s burst 10), ``GET
  /reports/2021-06-30/reports/{reportId}`` (getReport → Report ``{reportId, reportType,
  createdTime, processingStatus, reportDocumentId}``, 2/s burst 15), ``GET
  /reports/2021-06-30/documents/{reportDocumentId}`` (getReportDocument → ``{reportDocumentId,
  url, compressionAlgorithm?}``, 0.0167/s burst 15). The All Listings Report
  (GET_MERCHANT_LISTINGS_ALL_DATA, developer-docs.amazon.com/sp-api/docs/report-type-values-
  inventory): tab-delimited, columns item-name … seller-sku, price, quantity … fulfillment-channel,
  merchant-shipping-group, status. In Japan: Japanese column names (出品者SKU, 数量,
  フルフィルメント・チャンネル…) in Shift_JIS (amzn/selling-partner-api-docs#2086,
  amzn/selling-partner-api-models#545; the names as sellers' code reads them, e.g.
  saleweaver/python-amazon-sp-api#244): ``report_locale = "ja_JP"`` serves that.
- Documents: their ``url`` is pre-signed (valid five minutes) on another host than the SP-API
  (S3): here this same loopback server under ``/documents/{id}?X-Amz-…&X-Amz-Signature=…``,
  which takes no ``x-amz-access-token`` (each document request's headers are kept in
  ``document_requests``), answers 403 AccessDenied to a wrong or expired signature, and GZIPs
  reports and processing reports when ``compress`` is on (``compressionAlgorithm`` GZIP);
  ``content_encoding`` also sends every document with ``Content-Encoding: gzip``, as S3 does
  for an object stored with that metadata (a GZIP document as it is, a plain one packed).
  ``document_base`` changes the address handed out (a test of Rendo's address policy).

Not in the docs, chosen here: accepted patches are applied ``apply_delay`` seconds later (0:
at the double's next request or look, so a sync sees them; a test sets a delay and calls
``tick``); an unknown SKU is ACCEPTED and never created; an order takes its units off the
merchant-fulfilled quantity (an FBA order, ``place_order(…, fba=True)``, does not), a
cancellation (whole, or part of a line as a lower QuantityOrdered / quantityOrdered in both
versions, with a ``cancellation`` block on that item) gives them back; a cancelled order's
items have no units left unfulfilled. A feed is processed ``feed_delay`` seconds after
createFeed and a report made ``report_delay`` seconds after createReport (0: at the next
request), each IN_PROGRESS from half that time; a feed message for a SKU the seller does not
have is refused as the published example refuses an incomplete listing (90220 "'[…]' is
required but not supplied.").
"""

from __future__ import annotations

import gzip
import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .serving import ServedDouble

SELLER_ID = "A2SELLERJP0001"
JAPAN = "A1VC38T7YXB528"
ACCESS_TOKEN_S = 3600
# operation -> (rate per second, burst), from each operation's usage plan table
RATES = {"getListingsItem": (5.0, 10), "patchListingsItem": (5.0, 5),
         "searchListingsItems": (5.0, 5), "getOrders": (0.0167, 20),
         "getOrderItems": (0.5, 30),
         "createFeedDocument": (0.5, 15), "createFeed": (0.0083, 15), "getFeed": (2.0, 15),
         "getFeedDocument": (0.0222, 10), "createReport": (0.0167, 15),
         "getReport": (2.0, 15), "getReports": (0.0222, 10), "getReportDocument": (0.0167, 15)}
FEED_MESSAGES = 25_000  # JSON_LISTINGS_FEED messages a feed
DOCUMENT_S = 300  # a pre-signed document address is valid five minutes
LISTINGS_REPORT = "GET_MERCHANT_LISTINGS_ALL_DATA"
REPORT_COLUMNS = (
    "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity",
    "open-date", "image-url", "item-is-marketplace", "product-id-type", "zshop-shipping-fee",
    "item-note", "item-condition", "zshop-category1", "zshop-browse-path",
    "zshop-storefront-feature", "asin1", "asin2", "asin3", "will-ship-internationally",
    "expedited-shipping", "zshop-boldface", "product-id", "bid-for-featured-placement",
    "add-delete", "pending-quantity", "fulfillment-channel", "merchant-shipping-group", "status")
JAPANESE_COLUMNS = {
    "item-name": "商品名", "listing-id": "出品ID", "seller-sku": "出品者SKU", "price": "価格",
    "quantity": "数量", "open-date": "出品日", "product-id-type": "商品IDタイプ",
    "item-note": "コンディション説明", "item-condition": "コンディション",
    "will-ship-internationally": "国外へ配送可", "expedited-shipping": "迅速な配送",
    "product-id": "商品ID", "pending-quantity": "在庫数",
    "fulfillment-channel": "フルフィルメント・チャンネル", "status": "ステータス"}
RATES.update({"searchOrders": (0.0056, 20), "getOrder": (0.5, 30)})  # Orders API 2026-01-01
FBA = "AMAZON_FE"
# Amazon's 400 for a time that is not at least two minutes in the past (no word of the rule)
NOT_VALID = "The input you have submitted is not valid. Please check your input and try again."
STATUS_2026 = {"Pending": "PENDING", "Unshipped": "UNSHIPPED", "PartiallyShipped":
               "PARTIALLY_SHIPPED", "Shipped": "SHIPPED", "Canceled": "CANCELLED"}
PAGE_TOKEN_S = 86400  # a searchOrders paginationToken expires after 24 hours
MFN = "DEFAULT"
# includedData of searchOrders and getOrder (orders_2026-01-01.json); the double fills in
# FULFILLMENT and CANCELLATION and leaves out what no one asked for
ORDER_DATA = {"BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION",
              "FULFILLMENT", "PACKAGES", "TAX", "PAYMENT", "FULFILLMENT_ORDERS"}
# includedData of getListingsItem and searchListingsItems (listingsItems_2021-08-01.json)
LISTING_DATA = {"summaries", "attributes", "issues", "offers", "fulfillmentAvailability",
                "procurement", "relationships", "productTypes"}


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
    # patchListingsItem: one SKU a call. The adapter sends a batch of 100 or more as one
    # JSON_LISTINGS_FEED instead (up to 10,000 a feed; tested in tests/channels/test_amazon.py):
    # the contract suite's "more than one call takes" then stays a few listings, not 20,001
    batch_limit = 1
    # bench/channels.py's fewest write requests: one feed takes 10,000 listings (the adapter's
    # FEED_MAX) in three requests (createFeedDocument, the upload, createFeed)
    bulk_write = (10_000, 3)

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
        # (due, sku, op, value) of accepted fulfillment_availability patches
        self.queue: list[tuple[float, str, str, dict[str, Any]]] = []
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
        self.documents: dict[str, dict[str, Any]] = {}  # id -> {data, type, signature, until…}
        self.document_requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        self.document_base = ""  # the host documents are served from ("": this server)
        self.feeds: dict[str, dict[str, Any]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.feed_delay = 0.0
        self.report_delay = 0.0
        self.report_locale = "en_US"  # "ja_JP": Japanese column names, Shift_JIS
        self.compress = True  # reports and processing reports GZIP-compressed
        # documents also sent with Content-Encoding: gzip (S3 objects stored with that metadata)
        self.content_encoding = False
        self.rate_header_on_429 = False  # Amazon's 429s carry x-amzn-RateLimit-Limit or not
        self.api_headers: list[dict[str, str]] = []  # each SP-API call's headers, lower-cased
        self.after_search: Callable[[], None] | None = None  # called after each search page

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

    def add_listing(self, channel_item_id: str, quantity: int | None,
                    lead_time: int | None = None, fba_too: int | None = None) -> None:
        """A merchant-fulfilled listing; *lead_time*: its handling time
        (``lead_time_to_ship_max_days`` of its fulfillment_availability); *quantity* None: a
        listing with no fulfillmentAvailability at all (never given a number); *fba_too*:
        Amazon's units of a listing fulfilled both ways, its FBA record listed first ("Manage
        Amazon Haul, Advanced Multiple-Offer, and Multiple-Fulfillment Use Cases": a listing
        may hold several fulfillment records)."""
        with self.lock:
            self.listings[channel_item_id] = {"quantity": quantity, "channel": MFN,
                                              "updated": self.now(), "lead_time": lead_time,
                                              "fba_too": fba_too}

    def fba_quantity(self, channel_item_id: str) -> int | None:
        """The FBA record's units of a listing fulfilled both ways (None: none any more)."""
        self.tick()
        with self.lock:
            return self.listings[channel_item_id].get("fba_too")

    def lead_time(self, channel_item_id: str) -> int | None:
        self.tick()
        with self.lock:
            return self.listings[channel_item_id].get("lead_time")

    def add_fba_listing(self, channel_item_id: str, quantity: int) -> None:
        """A listing Amazon fulfils from its own warehouses (FBA): its quantity is Amazon's."""
        with self.lock:
            self.listings[channel_item_id] = {"quantity": quantity, "channel": FBA,
                                              "updated": self.now(), "lead_time": None}

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        self.add_fba_listing(channel_item_id, 5)

    def quantity(self, channel_item_id: str) -> int | None:
        self.tick()
        with self.lock:
            listing = self.listings.get(channel_item_id)
            return None if listing is None else int(listing["quantity"] or 0)

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        with self.lock:
            self.listings[channel_item_id]["quantity"] = quantity
            self.listings[channel_item_id]["updated"] = self.now()

    def tick(self) -> None:
        """Apply the accepted patches that are due (Amazon processes them asynchronously)."""
        with self.lock:
            now, waiting = self.now(), []
            for work, finish in ((self.feeds, self._process_feed),
                                 (self.reports, self._make_report)):
                for job in work.values():
                    if job["processingStatus"] not in ("IN_QUEUE", "IN_PROGRESS"):
                        continue
                    if job["due"] <= now:
                        finish(job)
                    elif job["started"] <= now and job["processingStatus"] == "IN_QUEUE":
                        job.update(processingStatus="IN_PROGRESS",
                                   processingStartTime=_iso(job["started"]))
            now = self.now()  # what the feeds just accepted is due now too
            for due, sku, op, value in self.queue:
                if due > now:
                    waiting.append((due, sku, op, value))
                elif sku in self.listings and self.listings[sku]["channel"] == MFN:
                    self._availability(self.listings[sku], op, value)
                    self.listings[sku]["updated"] = now
            self.queue = waiting

    @staticmethod
    def _availability(listing: dict[str, Any], op: str, value: dict[str, Any]) -> None:
        """A patch of ``/attributes/fulfillment_availability``: ``replace`` (and ``add``)
        sets the attribute to the value given, so a lead time not given is gone; ``merge``
        changes only the fields given in the entry of that fulfillment_channel_code
        (developer-docs.amazon.com/sp-api/docs/merge-a-listing: "There are no changes to
        other optional fields if not included, such as restock_date,
        lead_time_to_ship_max_days")."""
        if op == "merge":
            for key, field in (("quantity", "quantity"),
                               ("lead_time_to_ship_max_days", "lead_time")):
                if key in value:
                    listing[field] = value[key]
        else:  # the attribute is the value given: another channel's record is gone too
            listing["quantity"] = value.get("quantity")
            listing["lead_time"] = value.get("lead_time_to_ship_max_days")
            listing["fba_too"] = None

    def _order_id(self) -> str:
        self._serial += 1
        return f"503-{self._serial:07d}-{secrets.randbelow(10**7):07d}"

    def place_order(self, lines: list[tuple[str | None, int]], fba: bool = False) -> str:
        """*fba*: fulfilled by Amazon from its own stock (AFN), the listings untouched. A SKU
        of None: an item without SellerSKU (ordersV0.json's OrderItem requires only ASIN,
        OrderItemId and QuantityOrdered; 2026-01-01's OrderItemProduct requires nothing)."""
        with self.lock:
            order_id, now = self._order_id(), self.now()
            items = []
            for number, (sku, units) in enumerate(lines, 1):
                items.append({"ASIN": "B0" + secrets.token_hex(4).upper(),
                              "OrderItemId": f"{order_id.replace('-', '')}{number:02d}",
                              "QuantityOrdered": units, "QuantityShipped": 0,
                              "Title": f"商品 {sku}", **({"SellerSKU": sku} if sku else {})})
                listing = None if fba or sku is None else self.listings.get(sku)
                if listing is not None:
                    listing["quantity"] = max(0, (listing["quantity"] or 0) - units)
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
                self._give_back(order, item.get("SellerSKU"), item["QuantityOrdered"])
            self._touch(order)

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        with self.lock:
            order = self.orders[order_id]
            item = next(i for i in order["items"] if i.get("SellerSKU") == channel_item_id)
            item["QuantityOrdered"] -= units
            item["_cancelled"] = True
            self._give_back(order, channel_item_id, units)
            self._touch(order)

    def _give_back(self, order: dict[str, Any], sku: str | None, units: int) -> None:
        listing = self.listings.get(sku) if sku else None
        if order["FulfillmentChannel"] != "MFN":
            return  # Amazon's own stock
        if listing is not None:
            listing["quantity"] = (listing["quantity"] or 0) + units

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
        # the header comes "when available" (each operation's text in the models; Usage Plans
        # and Rate Limits); on a 429 it is often missing (amzn/selling-partner-api-models
        # issues), so the double leaves it out of 429s unless rate_header_on_429 is set
        refused = headers if self.rate_header_on_429 else {}
        if self.throttled > 0:
            self.throttled -= 1
            raise _Refusal(429, "QuotaExceeded", "You exceeded your quota for the requested "
                           "resource.", headers=refused)
        if self.enforce_rates:
            now = self.now()
            tokens, at = self.buckets.get(operation, (float(burst), now))
            tokens = min(float(burst), tokens + (now - at) * rate)
            if tokens < 1:
                self.buckets[operation] = (tokens, now)
                raise _Refusal(429, "QuotaExceeded", "You exceeded your quota for the "
                               "requested resource.", headers=refused)
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
            self.api_headers.append({k.lower(): v for k, v in headers.items()})
            if len(headers.get("User-Agent") or "") > 500:  # "rejects … longer than 500"
                raise _Refusal(400, "InvalidInput", "The User-Agent header is too long.", "")
            self._authorise(headers)
            parts = [unquote(part) for part in path.strip("/").split("/")]
            if parts[:3] == ["listings", "2021-08-01", "items"] and len(parts) in (4, 5):
                if parts[3] != SELLER_ID:
                    raise _Refusal(403, "Unauthorized", "Access to requested resource is "
                                   "denied.", "")
                if query.get("marketplaceIds", [""])[0] != JAPAN:
                    raise _Refusal(400, "InvalidInput", "marketplaceIds is invalid.", "")
                if len(parts) == 4 and method == "GET":
                    limit = self._limit("searchListingsItems")
                    answer = self._search(query)
                    if self.after_search is not None:
                        self.after_search()
                    return 200, answer, limit
                sku = parts[4]
                if method == "GET":
                    limit = self._limit("getListingsItem")
                    return 200, self._item(sku, query), limit
                if method == "PATCH":
                    limit = self._limit("patchListingsItem")
                    return 200, self._patch(sku, body, query.get("issueLocale", [""])[0]), limit
            if parts[:2] == ["feeds", "2021-06-30"]:
                return self._feeds_api(method, parts[2:], query, body)
            if parts[:2] == ["reports", "2021-06-30"]:
                return self._reports_api(method, parts[2:], query, body)
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

    def _summary(self, sku: str, included: set[str]) -> dict[str, Any]:
        """An Item (listingsItems_2021-08-01.json ``Item``: ``sku`` required, each data set
        only when ``includedData`` names it). ``fulfillmentAvailability`` is
        ``[{fulfillmentChannelCode, quantity}]`` (``FulfillmentAvailability``), absent for a
        listing never given a number; its handling time is in the ``attributes``."""
        listing = self.listings[sku]
        item: dict[str, Any] = {"sku": sku}
        if "summaries" in included:
            item["summaries"] = [{
                "marketplaceId": JAPAN, "asin": "B0" + sku.encode().hex()[:8].upper(),
                "productType": "PRODUCT", "conditionType": "new_new",
                "status": ["BUYABLE", "DISCOVERABLE"], "itemName": f"商品 {sku}",
                "createdDate": _iso(listing["updated"]),
                "lastUpdatedDate": _iso(listing["updated"])}]
        if "fulfillmentAvailability" in included and listing["quantity"] is not None:
            item["fulfillmentAvailability"] = [{"fulfillmentChannelCode": listing["channel"],
                                                "quantity": int(listing["quantity"])}]
            if listing.get("fba_too") is not None:
                item["fulfillmentAvailability"].insert(0, {
                    "fulfillmentChannelCode": FBA, "quantity": listing["fba_too"]})
        if "attributes" in included:
            entry: dict[str, Any] = {"fulfillment_channel_code": listing["channel"]}
            if listing["quantity"] is not None:
                entry["quantity"] = int(listing["quantity"])
            if listing.get("lead_time") is not None:
                entry["lead_time_to_ship_max_days"] = listing["lead_time"]
            item["attributes"] = {"fulfillment_availability": [entry]}
        return item

    @staticmethod
    def _included(query: dict[str, list[str]]) -> set[str]:
        """``includedData`` (comma-separated; default ``summaries``); a value outside the
        model's enum is a 400."""
        asked = {v for text in query.get("includedData", []) for v in text.split(",") if v}
        if asked - LISTING_DATA:
            raise _Refusal(400, "InvalidInput", "Invalid includedData: "
                           + ",".join(sorted(asked - LISTING_DATA)), "")
        return asked or {"summaries"}

    def _item(self, sku: str, query: dict[str, list[str]]) -> dict[str, Any]:
        included = self._included(query)
        if sku not in self.listings:
            raise _Refusal(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {JAPAN}")
        return self._summary(sku, included)

    def _search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """searchListingsItems. Sorted as ``sortBy`` (sku, createdDate, lastUpdatedDate;
        default lastUpdatedDate) and ``sortOrder`` (ASC, DESC; default DESC) say; a page token
        is a place in that order, so with the default order a listing updated between two
        pages moves to the front and the pages after it miss one (each page is taken from the
        listings as they are when it is asked for)."""
        size = int(query.get("pageSize", ["10"])[0])
        if not 1 <= size <= 20:
            raise _Refusal(400, "InvalidInput", "pageSize must be between 1 and 20.")
        included = self._included(query)
        if "identifiers" in query or "identifiersType" in query:
            kind = query.get("identifiersType", [""])[0]
            wanted = query.get("identifiers", [""])[0].split(",")
            if kind != "SKU" or not 1 <= len(wanted) <= 20:
                raise _Refusal(400, "InvalidInput", "identifiers requires identifiersType and "
                               "at most 20 identifiers.")
            found = [sku for sku in dict.fromkeys(wanted) if sku in self.listings]
            return {"numberOfResults": len(found),
                    "items": [self._summary(s, included) for s in found]}
        by = query.get("sortBy", ["lastUpdatedDate"])[0]
        order = query.get("sortOrder", ["DESC"])[0]
        if by not in ("sku", "createdDate", "lastUpdatedDate") or order not in ("ASC", "DESC"):
            raise _Refusal(400, "InvalidInput", "Invalid sortBy or sortOrder.", "")
        if by == "sku":
            skus = sorted(self.listings, reverse=order == "DESC")
        else:  # the double keeps one date per listing: creation and last update alike
            skus = sorted(self.listings, key=lambda s: (self.listings[s]["updated"], s),
                          reverse=order == "DESC")
        skus = skus[:1000]
        start = int(query.get("pageToken", ["0"])[0] or 0)
        page = skus[start:start + size]
        answer: dict[str, Any] = {"numberOfResults": len(self.listings),
                                  "items": [self._summary(s, included) for s in page]}
        if start + size < len(skus):
            answer["pagination"] = {"nextToken": str(start + size)}
        return answer

    @staticmethod
    def _words(english: str, locale: str) -> str:
        """An issue's message in the asked ``issueLocale``; without one, "the default
        language code of the first Amazon store" (Amazon.co.jp: Japanese)."""
        return english if locale.startswith("en") else f"{english}（日本語の説明）"

    def _patch(self, sku: str, body: Any, locale: str) -> dict[str, Any]:
        """patchListingsItem: ``replace``, ``add`` or ``merge`` (the model's PatchOperation
        enum) of ``/attributes/fulfillment_availability``; a merge must name its selector,
        fulfillment_channel_code ("Merge a listing")."""
        submission = "sub-" + secrets.token_hex(8)
        issues: list[dict[str, Any]] = []
        change: tuple[str, dict[str, Any]] | None = None
        try:
            if not body.get("productType"):
                raise ValueError
            for patch in body["patches"]:
                if patch["path"] == "/attributes/fulfillment_availability":
                    op, value = patch["op"], dict(patch["value"][0])
                    quantity = value.get("quantity")
                    if (op not in ("add", "replace", "merge")
                            or value.get("fulfillment_channel_code") != MFN
                            or (quantity is not None and int(quantity) < 0)
                            or (op != "merge" and quantity is None)):
                        raise ValueError
                    change = (op, value)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            issues.append({"code": "4000001", "message": self._words(
                "The provided value for 'fulfillment_availability' is invalid.", locale),
                "severity": "ERROR", "attributeNames": ["fulfillment_availability"]})
        if sku in self.refused:
            issues.append({"code": "90220", "message": self._words(
                "'quantity' is not valid for this listing.", locale), "severity": "ERROR",
                "attributeNames": ["fulfillment_availability"]})
        listing = self.listings.get(sku)
        if listing is not None and listing["channel"] != MFN:
            issues.append({"code": "8541", "message": self._words(
                "Fulfillment channel AMAZON_FE: the quantity is managed by Amazon.", locale),
                "severity": "ERROR", "attributeNames": ["fulfillment_availability"]})
        status = "INVALID" if issues else "ACCEPTED"
        quantity = None if change is None else change[1].get("quantity")
        if status == "ACCEPTED" and change is not None:
            self.queue.append((self.now() + self.apply_delay, sku, *change))
        self.submissions.append({"sku": sku, "status": status, "quantity": quantity})
        return {"sku": sku, "status": status, "submissionId": submission, "issues": issues}

    # -- documents, feeds, reports ---------------------------------------------------------------
    def _document(self, data: bytes = b"", content_type: str = "",
                  compress: bool = False) -> tuple[str, str]:
        """A document and its pre-signed address (valid DOCUMENT_S)."""
        document_id = "amzn1.tortuga.4." + secrets.token_hex(12)
        signature = secrets.token_hex(32)
        self.documents[document_id] = {
            "data": gzip.compress(data) if compress else data, "type": content_type,
            "signature": signature, "until": self.now() + DOCUMENT_S, "gzip": compress,
            "uploaded": bool(data)}
        base = self.document_base or self.url
        url = (f"{base}/documents/{document_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
               f"&X-Amz-Expires={DOCUMENT_S}&X-Amz-Signature={signature}")
        return document_id, url

    def _signed(self, document_id: str, query: dict[str, list[str]] | None = None) -> str:
        """A fresh pre-signed address of a stored document (each get*Document call). With
        ``enableContentEncodingUrlHeader=true`` (getFeedDocument, getReportDocument: "the
        Content-Encoding header on the returned URL is set to gzip instead of the default
        identity when compressionAlgorithm is GZIP") the address says so, as S3's
        ``response-content-encoding`` does."""
        document = self.documents[document_id]
        document["signature"], document["until"] = secrets.token_hex(32), self.now() + DOCUMENT_S
        base = self.document_base or self.url
        encoding = ("&response-content-encoding=gzip" if document["gzip"] and (query or {}).get(
            "enableContentEncodingUrlHeader", [""])[0] == "true" else "")
        return (f"{base}/documents/{document_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                f"&X-Amz-Expires={DOCUMENT_S}{encoding}"
                f"&X-Amz-Signature={document['signature']}")

    def document(self, method: str, path: str, query: dict[str, list[str]], headers: Any,
                 data: bytes) -> tuple[int, bytes, dict[str, str]]:
        """S3's side: a pre-signed document address, read (GET) or written (PUT)."""
        with self.lock:
            self.document_requests.append((method, path, {k.lower(): v for k, v in
                                                          headers.items()}))
            document = self.documents.get(path.rsplit("/", 1)[-1])
            signature = query.get("X-Amz-Signature", [""])[0]
            if document is None or signature != document["signature"]:
                return 403, (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                             b"AccessDenied</Code><Message>Access Denied</Message></Error>"), {
                    "Content-Type": "application/xml"}
            if document["until"] < self.now():
                return 403, (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                             b"AccessDenied</Code><Message>Request has expired</Message>"
                             b"</Error>"), {"Content-Type": "application/xml"}
            if method == "PUT":
                if headers.get("Content-Type") != document["type"]:
                    return 403, (b"<Error><Code>SignatureDoesNotMatch</Code></Error>"), {
                        "Content-Type": "application/xml"}
                document["data"], document["uploaded"] = data, True
                return 200, b"", {}
            served = {"Content-Type": document["type"] or "application/octet-stream"}
            if self.content_encoding or query.get("response-content-encoding") == ["gzip"]:
                # an S3 object stored with Content-Encoding: gzip metadata is sent with that
                # header: a GZIP document (compressionAlgorithm) as it is, a plain one packed
                served["Content-Encoding"] = "gzip"
                data = document["data"] if document["gzip"] else gzip.compress(document["data"])
                return 200, data, served
            return 200, document["data"], served

    def _feeds_api(self, method: str, parts: list[str], query: dict[str, list[str]],
                   body: Any) -> tuple[int, Any, dict[str, str]]:
        if parts == ["documents"] and method == "POST":
            limit = self._limit("createFeedDocument")
            if not isinstance(body, dict) or not body.get("contentType"):
                raise _Refusal(400, "InvalidInput", "contentType is required.")
            document_id, url = self._document(content_type=str(body["contentType"]))
            return 201, {"feedDocumentId": document_id, "url": url}, limit
        if len(parts) == 2 and parts[0] == "documents" and method == "GET":
            limit = self._limit("getFeedDocument")
            document = self.documents.get(parts[1])
            if document is None:
                raise _Refusal(404, "NotFound", "The feed document was not found.")
            answer = {"feedDocumentId": parts[1], "url": self._signed(parts[1], query)}
            if document["gzip"]:
                answer["compressionAlgorithm"] = "GZIP"
            return 200, answer, limit
        if parts == ["feeds"] and method == "POST":
            limit = self._limit("createFeed")
            try:
                feed_type, markets = body["feedType"], body["marketplaceIds"]
                source = self.documents[body["inputFeedDocumentId"]]
            except (KeyError, TypeError):
                raise _Refusal(400, "InvalidInput", "feedType, marketplaceIds and "
                               "inputFeedDocumentId are required.") from None
            if feed_type != "JSON_LISTINGS_FEED" or markets != [JAPAN]:
                raise _Refusal(400, "InvalidInput", "Invalid feedType or marketplaceIds.")
            self._serial += 1
            feed_id = f"5{self._serial:010d}"
            self.feeds[feed_id] = {
                "feedId": feed_id, "feedType": feed_type, "marketplaceIds": markets,
                "createdTime": _iso(self.now()), "processingStatus": "IN_QUEUE",
                "due": self.now() + self.feed_delay, "input": source["data"],
                "started": self.now() + self.feed_delay / 2}
            return 202, {"feedId": feed_id}, limit
        if len(parts) == 2 and parts[0] == "feeds" and method == "GET":
            limit = self._limit("getFeed")
            feed = self.feeds.get(parts[1])
            if feed is None:
                raise _Refusal(404, "NotFound", "The feed was not found.")
            return 200, {k: v for k, v in feed.items() if k not in ("due", "input", "started")
                         }, limit
        raise _Refusal(404, "NotFound", "Resource not found.")

    def _process_feed(self, feed: dict[str, Any]) -> None:
        """Amazon processes the feed: each valid message is applied like a patch; the others
        are issues of the processing report."""
        issues: list[dict[str, Any]] = []
        processed = accepted = 0
        try:
            document = json.loads(feed["input"])
            header, messages = document["header"], document["messages"]
            if header.get("sellerId") != SELLER_ID or header.get("version") != "2.0":
                raise ValueError("Attribute 'Merchant' is required, but not present.")
            if not isinstance(messages, list) or not 1 <= len(messages) <= FEED_MESSAGES:
                raise ValueError(f"A feed holds 1 to {FEED_MESSAGES} messages.")
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            text = str(error) if isinstance(error, ValueError) and str(error) else (
                "The feed is not valid JSON_LISTINGS_FEED content.")
            issues.append({"code": "4002005", "severity": "ERROR", "message": text})
            messages = []
        for message in messages:
            processed += 1
            number, sku = message.get("messageId"), str(message.get("sku") or "")
            issue = {"messageId": number, "sku": sku, "severity": "ERROR"}
            listing = self.listings.get(sku)
            try:
                patch = message["patches"][0]
                value = patch["value"][0]
                quantity = int(value["quantity"])
                if (message["operationType"] != "PATCH" or not message.get("productType")
                        or patch["path"] != "/attributes/fulfillment_availability"
                        or patch["op"] not in ("add", "replace", "merge")
                        or value.get("fulfillment_channel_code") != MFN or quantity < 0):
                    raise ValueError
            except (KeyError, TypeError, ValueError, IndexError):
                issues.append({**issue, "code": "4000001", "message": "The provided value "
                               "for 'fulfillment_availability' is invalid."})
                continue
            if listing is None:
                issues.append({**issue, "code": "90220", "message": "'[merchant_suggested_asin]' "
                               "is required but not supplied."})
                continue
            if sku in self.refused:
                issues.append({**issue, "code": "90220",
                               "message": "'quantity' is not valid for this listing."})
                continue
            if listing["channel"] != MFN:
                issues.append({**issue, "code": "8541", "message": "Fulfillment channel "
                               "AMAZON_FE: the quantity is managed by Amazon."})
                continue
            accepted += 1
            self.queue.append((self.now() + self.apply_delay, sku, patch["op"], dict(value)))
            self.submissions.append({"sku": sku, "status": "ACCEPTED", "quantity": quantity,
                                     "feed": feed["feedId"]})
        report = {"header": {"sellerId": SELLER_ID, "version": "2.0", "feedId": feed["feedId"]},
                  "issues": issues, "summary": {
                      "errors": len(issues), "warnings": 0, "messagesProcessed": processed,
                      "messagesAccepted": accepted, "messagesInvalid": processed - accepted}}
        result, _url = self._document(json.dumps(report, ensure_ascii=False).encode(),
                                      "application/json", self.compress)
        now = _iso(self.now())
        feed.setdefault("processingStartTime", now)
        feed.update(processingStatus="DONE", processingEndTime=now, resultFeedDocumentId=result)

    def _reports_api(self, method: str, parts: list[str], query: dict[str, list[str]],
                     body: Any) -> tuple[int, Any, dict[str, str]]:
        if parts == ["reports"] and method == "POST":
            limit = self._limit("createReport")
            if not isinstance(body, dict) or body.get("reportType") != LISTINGS_REPORT or (
                    body.get("marketplaceIds") != [JAPAN]):
                raise _Refusal(400, "InvalidInput", "Invalid reportType or marketplaceIds.")
            self._serial += 1
            report_id = f"6{self._serial:010d}"
            self.reports[report_id] = {
                "reportId": report_id, "reportType": LISTINGS_REPORT, "marketplaceIds": [JAPAN],
                "createdTime": _iso(self.now()), "processingStatus": "IN_QUEUE",
                "due": self.now() + self.report_delay,
                "started": self.now() + self.report_delay / 2}
            return 202, {"reportId": report_id}, limit
        if parts == ["reports"] and method == "GET":
            limit = self._limit("getReports")
            types = query.get("reportTypes", [""])[0].split(",")
            statuses = query.get("processingStatuses", [""])[0].split(",")
            since = _parse_iso(query["createdSince"][0]) if query.get("createdSince") else (
                self.now() - 90 * 86400)
            found = [{k: v for k, v in r.items() if k not in ("due", "started")}
                     for r in self.reports.values() if r["reportType"] in types
                     and (statuses == [""] or r["processingStatus"] in statuses)
                     and _parse_iso(r["createdTime"]) >= since]
            return 200, {"reports": found[::-1]}, limit
        if len(parts) == 2 and parts[0] == "reports" and method == "GET":
            limit = self._limit("getReport")
            report = self.reports.get(parts[1])
            if report is None:
                raise _Refusal(404, "NotFound", "The report was not found.")
            return 200, {k: v for k, v in report.items() if k not in ("due", "started")}, limit
        if len(parts) == 2 and parts[0] == "documents" and method == "GET":
            limit = self._limit("getReportDocument")
            document = self.documents.get(parts[1])
            if document is None:
                raise _Refusal(404, "NotFound", "The report document was not found.")
            answer = {"reportDocumentId": parts[1], "url": self._signed(parts[1], query)}
            if document["gzip"]:
                answer["compressionAlgorithm"] = "GZIP"
            return 200, answer, limit
        raise _Refusal(404, "NotFound", "Resource not found.")

    def _make_report(self, report: dict[str, Any]) -> None:
        """The All Listings Report of every listing now: tab-delimited; in Japanese and
        Shift_JIS when ``report_locale`` is ja_JP."""
        japanese = self.report_locale == "ja_JP"
        header = [JAPANESE_COLUMNS.get(c, c) if japanese else c for c in REPORT_COLUMNS]
        at = REPORT_COLUMNS.index
        lines = ["\t".join(header)]
        blank = [""] * len(REPORT_COLUMNS)
        for number, (sku, listing) in enumerate(sorted(self.listings.items())):
            row = list(blank)
            row[at("item-name")] = f"商品 {sku}"
            row[at("listing-id")] = f"0{number:09d}"
            row[at("seller-sku")] = sku
            row[at("price")] = "1000"
            merchant = listing["channel"] == MFN
            row[at("quantity")] = str(listing["quantity"] or 0) if merchant else ""
            row[at("open-date")] = "2026/01/01 10:00:00 JST"
            row[at("asin1")] = "B0" + sku.encode().hex()[:8].upper()
            row[at("fulfillment-channel")] = MFN if merchant else "AMAZON_JP"
            row[at("status")] = "Active"
            lines.append("\t".join(row))
        text = "\n".join(lines) + "\n"
        data = text.encode("cp932") if japanese else text.encode("utf-8")
        kind = "text/tab-separated-values; charset=" + ("Shift_JIS" if japanese else "UTF-8")
        document_id, _url = self._document(data, kind, self.compress)
        now = _iso(self.now())
        report.setdefault("processingStartTime", now)
        report.update(processingStatus="DONE", processingEndTime=now,
                      reportDocumentId=document_id)

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
        if included - ORDER_DATA:
            raise _Refusal(400, "InvalidInput", "Invalid includedData.", "")
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
                    "asin": item["ASIN"], "title": item["Title"],
                    **({"sellerSku": item["SellerSKU"]} if "SellerSKU" in item else {}),
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
    # headers and body go in two writes: without this, each answer waits for the delayed ACK
    # of the first (some 40 ms), and reading 10,000 listings takes minutes instead of seconds
    disable_nagle_algorithm = True

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
        if split.path.startswith("/documents/"):
            status, data, headers = double.document(method, split.path, parse_qs(split.query),
                                                    self.headers, raw)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
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

    def do_PUT(self) -> None:
        self._handle("PUT")


def make_double(clock: Callable[[], float] = time.time) -> AmazonDouble:
    """A double on *clock* (seconds; the hour-long tests run it on simulated time)."""
    return AmazonDouble(clock=clock)


