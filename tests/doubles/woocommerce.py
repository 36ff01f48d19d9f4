"""A local double of the WooCommerce REST API v3 (``/wp-json/wc/v3/…``) on loopback HTTP.

Built from the published documentation and WooCommerce's own source, not from guesses:

- woocommerce/woocommerce-rest-api-docs, source/includes/wp-api-v3/: _introduction.md (errors as
  ``{"code", "message", "data": {"status"}}``, 10 per page by default, ``X-WP-Total`` and
  ``X-WP-TotalPages``), _authentication.md (consumer key as the Basic user name, secret as the
  password; keys with Read, Write or Read/Write access), _products.md and
  _product-variations.md (``sku``, ``manage_stock``, ``stock_quantity``, list parameters,
  ``products/batch`` "limited to up to 100 objects"), _orders.md (statuses, ``line_items``,
  ``modified_after``, ``dates_are_gmt``, ``date_modified_gmt``), _order-refunds.md (refund
  ``line_items`` with negative quantities and the ``_refunded_item_id`` meta; ``api_restock``
  is write-only, so a refund does not say whether it restocked).
  https://woocommerce.github.io/woocommerce-rest-api-docs/
- WooCommerce source (includes/rest-api/Controllers/Version3/class-wc-rest-controller.php):
  ``check_batch_limit`` answers 413 ``woocommerce_rest_request_entity_too_large`` "Unable to
  accept more than 100 items for this request." when create + update + delete > 100; a batch
  item that fails is answered in place as ``{"id": …, "error": {"code", "message", "data"}}``;
  an unknown id is ``woocommerce_rest_product_invalid_id`` "Invalid ID.".
  class-wc-rest-authentication.php: 401 ``woocommerce_rest_authentication_error`` ("Consumer
  key is invalid.", "Consumer secret is invalid.", "The API key provided does not have write
  permissions."); no credentials at all: 401 ``woocommerce_rest_cannot_view`` "Sorry, you
  cannot list resources.". Orders may be sorted by ``modified``.
- WooCommerce source (includes/wc-stock-functions.php, wc-order-functions.php): stock is
  reduced when an order goes to processing, on-hold or completed (``wc_maybe_reduce_stock_levels``,
  which writes the line meta ``_reduced_stock``) and given back on cancelled or pending
  (``wc_maybe_increase_stock_levels``, only for lines that have ``_reduced_stock``); a refund
  restocks only when asked (``wc_restock_refunded_items``: ``_reduced_stock`` lowered,
  ``_restock_refunded_items`` raised). The REST API shows these underscore metas in a line's
  ``meta_data`` (real answers quoted in public issues and fixtures). Setting
  ``stock_quantity`` on a product whose ``manage_stock`` is off is accepted and ignored
  (the answer shows ``manage_stock: false``, ``stock_quantity: null``); a variation whose stock
  is managed by its parent product shows ``manage_stock: "parent"``.
- WooCommerce core has no rate limit; hosts in front of it answer 429 with Retry-After, which
  ``throttle`` imitates.

Plain HTTP Basic is accepted here on loopback (a real site takes it over HTTPS only), unless
``strict``. Stricter modes, as the docs say:

- ``strict``: served over plain HTTP, so (_authentication.md, "Authentication over HTTP", and
  class-wc-rest-authentication.php ``perform_oauth_authentication``/``check_oauth_signature``)
  Basic is ignored and every call must carry ``oauth_consumer_key``, ``oauth_timestamp``
  (within 15 minutes), ``oauth_nonce`` (never used before), ``oauth_signature_method``
  (HMAC-SHA1 or HMAC-SHA256) and ``oauth_signature`` in its query: HMAC of
  ``METHOD&enc(url)&enc(sorted enc(k)=enc(v) joined by &)`` (all query parameters but the
  signature) with the key ``consumer_secret&``. Lists also refuse an ``orderby`` the docs do
  not list (_orders.md: date, id, include, title, slug) with 400 ``rest_invalid_param``.
- ``docs_shaped``: order lines show ``meta_data: []`` (the docs' examples), so what
  WooCommerce restocked is only told by the order's refunds (_order-refunds.md).
- ``refuse_empty_batch``: a batch with nothing in it is refused with 400 ``rest_invalid_param``.
- ``forbidden``: the key's WordPress user lacks the rights: 403 ``woocommerce_rest_cannot_view``
  (``rest_authorization_required_code`` for a logged-in user); ``firewall``: an HTML 403 page
  of a host's firewall, before WordPress.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

PREFIX = "/wp-json/wc/v3"
BATCH_LIMIT = 100
STOCK_TAKING = ("processing", "on-hold", "completed")  # wc_maybe_reduce_stock_levels
STOCK_GIVING = ("cancelled", "pending")  # wc_maybe_increase_stock_levels
ORDERBY = ("date", "id", "include", "title", "slug")  # the documented list orders
OAUTH = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature",
         "oauth_signature_method")
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
            "trash")


def wc_date(moment: datetime) -> str:
    """WooCommerce's dates: ISO 8601 to the second, no zone (``_gmt`` fields are GMT)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_date(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class WooError(Exception):
    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "message": message, "data": {"status": status, **data}}


@dataclass
class Product:
    """A product (parent_id 0) or a variation (parent_id: its variable product)."""

    id: int
    sku: str
    manage_stock: bool | str  # "parent": a variation whose parent product manages its stock
    stock_quantity: int | None
    parent_id: int = 0
    type: str = "simple"
    modified: datetime = field(default_factory=lambda: datetime.now(UTC))
    variations: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id, "name": f"Product {self.id}", "sku": self.sku,
            "date_modified_gmt": wc_date(self.modified), "status": "publish",
            "manage_stock": self.manage_stock, "stock_quantity": self.stock_quantity,
            "stock_status": "instock" if (self.stock_quantity or 0) > 0 or not self.manage_stock
            else "outofstock", "backorders": "no", "meta_data": [],
        }
        if self.parent_id:
            body["parent_id"] = self.parent_id
        else:
            body.update(type=self.type, parent_id=0, variations=list(self.variations))
        return body


@dataclass
class Line:
    id: int
    product_id: int
    variation_id: int
    sku: str
    quantity: int
    meta: dict[str, int] = field(default_factory=dict)  # _reduced_stock, _restock_refunded_items

    def as_json(self, meta_ids: Callable[[], int], docs_shaped: bool = False) -> dict[str, Any]:
        meta = {} if docs_shaped else self.meta
        return {"id": self.id, "name": f"Item {self.sku}", "product_id": self.product_id,
                "variation_id": self.variation_id, "quantity": self.quantity,
                "tax_class": "", "subtotal": "0.00", "total": "0.00", "taxes": [],
                "meta_data": [{"id": meta_ids(), "key": k, "value": str(v), "display_key": k,
                               "display_value": str(v)} for k, v in meta.items()],
                "sku": self.sku, "price": 0}


@dataclass
class Order:
    id: int
    status: str
    created: datetime
    modified: datetime
    lines: list[Line]
    refunds: list[dict[str, Any]] = field(default_factory=list)
    stock_reduced: bool = False  # the order's own _order_stock_reduced flag


class WooCommerceDouble:
    """A WooCommerce shop on ``http://127.0.0.1:PORT`` (see the module's sources)."""

    type = "woocommerce"
    batch_limit = BATCH_LIMIT

    def __init__(self, variation_every: int = 0, retry_after: float = 1.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 strict: bool = False, docs_shaped: bool = False) -> None:
        self.settings: dict[str, str] = {}
        self.credentials = {"consumer_key": "ck_" + "1" * 40, "consumer_secret": "cs_" + "2" * 40}
        self.calls: list[tuple[str, str]] = []
        self.queries: list[dict[str, str]] = []  # the query of each call, beside ``calls``
        # the site's woocommerce_rest_batch_items_limit filter (100 unless a plugin lowers it)
        self.batch_items_limit = BATCH_LIMIT
        self.url = ""
        self.clock = clock
        self.retry_after = retry_after
        self.variation_every = variation_every  # every n-th listing is a variation (0: none)
        self.read_only = False  # the key has Read access only
        self.strict = strict  # OAuth 1.0a over HTTP, documented orderby only (module notes)
        self.docs_shaped = docs_shaped  # order lines without the underscore metas
        self.refuse_empty_batch = False
        self.forbidden = False  # the key's WordPress user lacks the rights: 403
        self.firewall = False  # a host's firewall answers 403 with an HTML page
        self.nonces: set[tuple[str, str]] = set()
        self.products: dict[int, Product] = {}
        self.orders: dict[int, Order] = {}
        self.refused: set[str] = set()
        self.throttled = 0
        self.lock = threading.RLock()
        self._ids = itertools.count(100)
        self._meta_ids = itertools.count(5000)
        self._listings = 0
        self._parent: Product | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        double = self

        class Handler(WooHandler):
            shop = double

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="woocommerce-double")
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WooCommerceDouble:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the catalogue ---------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def add_listing(self, channel_item_id: str, quantity: int) -> None:
        """A simple product, or (every ``variation_every``-th) a variation managing its own
        stock under a variable product."""
        with self.lock:
            self._listings += 1
            if self.variation_every and self._listings % self.variation_every == 0:
                self.add_variation(channel_item_id, quantity)
            else:
                self.add_product(channel_item_id, quantity)

    def add_product(self, sku: str, quantity: int | None, manage_stock: bool = True) -> Product:
        with self.lock:
            product = Product(next(self._ids), sku, manage_stock,
                              quantity if manage_stock else None, modified=self._now())
            self.products[product.id] = product
            return product

    def add_variation(self, sku: str, quantity: int | None,
                      manage_stock: bool | str = True, parent: Product | None = None) -> Product:
        with self.lock:
            if parent is None:
                if self._parent is None or len(self._parent.variations) >= 10:
                    self._parent = Product(next(self._ids), "", False, None, type="variable",
                                           modified=self._now())
                    self.products[self._parent.id] = self._parent
                parent = self._parent
            shown = quantity if manage_stock is True else (
                parent.stock_quantity if manage_stock == "parent" else None)
            variation = Product(next(self._ids), sku, manage_stock, shown, parent_id=parent.id,
                                modified=self._now())
            self.products[variation.id] = variation
            parent.variations.append(variation.id)
            return variation

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        self.add_product(channel_item_id, None, manage_stock=False)

    def set_manage_stock(self, sku: str, manage_stock: bool) -> None:
        """The owner ticks or unticks "Manage stock?" (off: the number is dropped)."""
        with self.lock:
            product = self.by_sku(sku)
            assert product is not None, sku
            product.manage_stock = manage_stock
            product.stock_quantity = product.stock_quantity if manage_stock else None
            product.modified = self._now()

    def by_sku(self, sku: str) -> Product | None:
        with self.lock:
            return next((p for p in self.products.values() if p.sku == sku), None)

    def _stock_holder(self, product: Product) -> Product | None:
        """Whose stock_quantity moves when *product* sells (None: nobody's)."""
        if product.manage_stock is True:
            return product
        if product.manage_stock == "parent":
            parent = self.products.get(product.parent_id)
            return parent if parent is not None and parent.manage_stock is True else None
        return None

    def quantity(self, channel_item_id: str) -> int | None:
        with self.lock:
            product = self.by_sku(channel_item_id)
            if product is None:
                return None
            holder = self._stock_holder(product)
            return holder.stock_quantity if holder is not None else None

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        with self.lock:
            product = self.by_sku(channel_item_id)
            assert product is not None, channel_item_id
            holder = self._stock_holder(product)
            assert holder is not None, f"{channel_item_id}: stock not managed"
            self._move(holder, quantity - (holder.stock_quantity or 0))

    def _move(self, holder: Product, change: int) -> None:
        holder.stock_quantity = (holder.stock_quantity or 0) + change
        holder.modified = self._now()
        if holder.type == "variable":  # its "parent"-managed variations show the same number
            for vid in holder.variations:
                variation = self.products[vid]
                if variation.manage_stock == "parent":
                    variation.stock_quantity = holder.stock_quantity

    # -- customers -------------------------------------------------------------------------------
    def place_order(self, lines: list[tuple[str, int]], status: str = "processing") -> str:
        """A paid order (processing) takes the units off at once, as WooCommerce does."""
        with self.lock:
            now = self._now()
            order_lines = []
            for sku, units in lines:
                product = self.by_sku(sku)
                assert product is not None, sku
                order_lines.append(Line(
                    next(self._ids), product.parent_id or product.id,
                    product.id if product.parent_id else 0, sku, units))
            order = Order(next(self._ids), "pending", now, now, order_lines)
            self.orders[order.id] = order
            self.set_status(str(order.id), status)
            return str(order.id)

    def set_status(self, order_id: str, status: str) -> None:
        """The order moves to *status*, with WooCommerce's stock hooks."""
        assert status in STATUSES, status
        with self.lock:
            order = self.orders[int(order_id)]
            order.status = status
            if status in STOCK_TAKING and not order.stock_reduced:
                self._reduce(order)
            elif status in STOCK_GIVING and order.stock_reduced:
                self._increase(order)
            order.modified = self._now()

    def _reduce(self, order: Order) -> None:
        """wc_reduce_stock_levels"""
        for line in order.lines:
            product = self.products.get(line.variation_id or line.product_id)
            holder = self._stock_holder(product) if product is not None else None
            if holder is None or "_reduced_stock" in line.meta:
                continue
            self._move(holder, -line.quantity)
            line.meta["_reduced_stock"] = line.quantity
        order.stock_reduced = True

    def _increase(self, order: Order) -> None:
        """wc_increase_stock_levels"""
        for line in order.lines:
            reduced = line.meta.get("_reduced_stock", 0)
            product = self.products.get(line.variation_id or line.product_id)
            holder = self._stock_holder(product) if product is not None else None
            if reduced and holder is not None:  # else the meta stays, as in WooCommerce
                self._move(holder, reduced)
                del line.meta["_reduced_stock"]
        order.stock_reduced = False

    def cancel_order(self, order_id: str) -> None:
        self.set_status(order_id, "cancelled")

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        """A refund of *units* on the line, with "Restock refunded items" ticked."""
        self.refund_units(order_id, channel_item_id, units, restock=True)

    def refund_units(self, order_id: str, channel_item_id: str, units: int,
                     restock: bool = True) -> None:
        """wc_create_refund (+ wc_restock_refunded_items when *restock*)."""
        with self.lock:
            order = self.orders[int(order_id)]
            line = next(x for x in order.lines if x.sku == channel_item_id)
            now = self._now()
            order.refunds.append({
                "id": next(self._ids), "date_created_gmt": wc_date(now), "amount": "0.00",
                "reason": "", "refunded_by": 1, "refunded_payment": False, "meta_data": [],
                "line_items": [{
                    "id": next(self._ids), "name": f"Item {line.sku}",
                    "product_id": line.product_id, "variation_id": line.variation_id,
                    "quantity": -units, "subtotal": "0.00", "total": "0.00", "taxes": [],
                    "meta_data": [{"id": next(self._meta_ids), "key": "_refunded_item_id",
                                   "value": str(line.id)}],
                    "sku": line.sku, "price": 0}],
            })
            reduced = line.meta.get("_reduced_stock", 0)
            product = self.products.get(line.variation_id or line.product_id)
            holder = self._stock_holder(product) if product is not None else None
            if restock and reduced and holder is not None:
                self._move(holder, units)
                line.meta["_reduced_stock"] = reduced - units
                line.meta["_restock_refunded_items"] = (
                    line.meta.get("_restock_refunded_items", 0) + units)
            refunded = {x.id: 0 for x in order.lines}
            for refund in order.refunds:
                for item in refund["line_items"]:
                    refunded[int(item["meta_data"][0]["value"])] -= item["quantity"]
            if all(refunded[x.id] >= x.quantity for x in order.lines):
                order.status = "refunded"  # a full refund (no stock hook on this status)
            order.modified = now

    # -- faults ----------------------------------------------------------------------------------
    def refuse_writes(self, channel_item_id: str) -> None:
        with self.lock:
            self.refused.add(channel_item_id)

    def throttle(self, calls: int) -> None:
        with self.lock:
            self.throttled = calls

    def expire_access_token(self) -> None:
        """Consumer keys do not expire."""

    def revoke_credentials(self) -> None:
        with self.lock:
            self.credentials = {"consumer_key": "ck_" + "9" * 40,
                                "consumer_secret": "cs_" + "8" * 40}

    # -- the API ---------------------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict[str, str], body: Any,
               authorization: str | None) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.calls.append((method, path))
            self.queries.append(dict(query))
            if self.throttled > 0:
                self.throttled -= 1
                return 429, {"code": "rest_too_many_requests", "message": "Too Many Requests",
                             "data": {"status": 429}}, {"Retry-After": f"{self.retry_after:g}"}
            if not path.startswith(PREFIX):
                raise WooError(404, "rest_no_route",
                               "No route was found matching the URL and request method")
            route = path[len(PREFIX):].rstrip("/")
            if route == "":
                return 200, {"namespace": "wc/v3", "routes": {}}, {}  # public, as in WordPress
            if self.strict:
                self._oauth(method, path, query)
            else:
                self._authenticate(method, authorization)
            if self.forbidden:
                raise WooError(403, "woocommerce_rest_cannot_view",
                               "Sorry, you cannot list resources.")
            return self._route(method, route, query, body)

    def _oauth(self, method: str, path: str, query: dict[str, str]) -> None:
        """perform_oauth_authentication (plain HTTP: Basic is not looked at)."""
        given = [name for name in OAUTH if query.get(name)]
        if not given:
            raise WooError(401, "woocommerce_rest_cannot_view",
                           "Sorry, you cannot list resources.")
        if len(given) < len(OAUTH):
            missing = ", ".join(name for name in OAUTH if name not in given)
            raise WooError(401, "woocommerce_rest_authentication_missing_parameter",
                           f"Missing OAuth parameter(s) {missing}")
        if query["oauth_consumer_key"] != self.credentials["consumer_key"]:
            raise WooError(401, "woocommerce_rest_authentication_error",
                           "Consumer key is invalid.")
        algorithm = query["oauth_signature_method"]
        if algorithm not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise WooError(401, "woocommerce_rest_authentication_error",
                           "Invalid signature - signature method is invalid.")
        pairs = sorted((_encode(k), _encode(v)) for k, v in query.items()
                       if k != "oauth_signature")
        base = "&".join((method, _encode(self.url + path),
                         _encode("&".join(f"{k}={v}" for k, v in pairs))))
        digest = hashlib.sha1 if algorithm == "HMAC-SHA1" else hashlib.sha256
        expected = base64.b64encode(hmac.new(
            (self.credentials["consumer_secret"] + "&").encode(), base.encode(),
            digest).digest()).decode()
        if not hmac.compare_digest(expected, query["oauth_signature"]):
            raise WooError(401, "woocommerce_rest_authentication_error",
                           "Invalid signature - provided signature does not match.")
        try:
            stamp = int(query["oauth_timestamp"])
        except ValueError:
            stamp = 0
        if abs(stamp - time.time()) > 15 * 60:
            raise WooError(401, "woocommerce_rest_authentication_error", "Invalid timestamp.")
        nonce = (query["oauth_consumer_key"], query["oauth_nonce"])
        if nonce in self.nonces:
            raise WooError(401, "woocommerce_rest_authentication_error",
                           "Invalid nonce - nonce has already been used.")
        self.nonces.add(nonce)
        if self.read_only and method not in ("GET", "HEAD", "OPTIONS"):
            raise WooError(401, "woocommerce_rest_authentication_error",
                           "The API key provided does not have write permissions.")

    def _authenticate(self, method: str, authorization: str | None) -> None:
        if not authorization or not authorization.startswith("Basic "):
            raise WooError(401, "woocommerce_rest_cannot_view",
                           "Sorry, you cannot list resources.")
        try:
            key, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            key, secret = "", ""
        if key != self.credentials["consumer_key"]:
            raise WooError(401, "woocommerce_rest_authentication_error",
                           "Consumer key is invalid.")
        if secret != self.credentials["consumer_secret"]:
            raise WooError(401, "woocommerce_rest_authentication_error",
                           "Consumer secret is invalid.")
        if self.read_only and method not in ("GET", "HEAD", "OPTIONS"):
            raise WooError(401, "woocommerce_rest_authentication_error",
                           "The API key provided does not have write permissions.")

    def _route(self, method: str, route: str, query: dict[str, str],
               body: Any) -> tuple[int, Any, dict[str, str]]:
        parts = route.strip("/").split("/")
        if method == "GET" and parts == ["products"]:
            found = [p for p in self.products.values() if not p.parent_id
                     and (not query.get("sku") or p.sku == query["sku"])]
            return self._page(found, query)
        if method == "POST" and parts == ["products", "batch"]:
            return 200, self._batch(body, None), {}
        if len(parts) >= 3 and parts[0] == "products" and parts[2] == "variations":
            parent = self._product(parts[1])
            if method == "GET" and len(parts) == 3:
                return self._page([self.products[v] for v in parent.variations], query)
            if method == "POST" and parts[3:] == ["batch"]:
                return 200, self._batch(body, parent), {}
        if method == "GET" and parts == ["orders"]:
            return self._orders(query)
        if method == "GET" and len(parts) == 3 and parts[0] == "orders" and parts[2] == "refunds":
            order = self.orders.get(int(parts[1])) if parts[1].isdigit() else None
            if order is None:
                raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            return self._page(list(reversed(order.refunds)), query, as_json=False)
        raise WooError(404, "rest_no_route",
                       "No route was found matching the URL and request method")

    def _product(self, text: str) -> Product:
        product = self.products.get(int(text)) if text.isdigit() else None
        if product is None or product.parent_id:
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return product

    @staticmethod
    def _paging(query: dict[str, str]) -> tuple[int, int]:
        try:
            per_page, page = int(query.get("per_page", "10")), int(query.get("page", "1"))
        except ValueError:
            raise WooError(400, "rest_invalid_param", "Invalid parameter(s): per_page") from None
        if not 1 <= per_page <= 100:
            raise WooError(400, "rest_invalid_param", "Invalid parameter(s): per_page",
                           params={"per_page": "per_page must be between 1 (inclusive) and "
                                               "100 (inclusive)"})
        if page < 1:
            raise WooError(400, "rest_invalid_param", "Invalid parameter(s): page")
        return per_page, page

    def _page(self, items: list[Any], query: dict[str, str],
              as_json: bool = True) -> tuple[int, Any, dict[str, str]]:
        per_page, page = self._paging(query)
        chosen = items[(page - 1) * per_page:page * per_page]
        headers = {"X-WP-Total": str(len(items)),
                   "X-WP-TotalPages": str(math.ceil(len(items) / per_page))}
        return 200, [i.as_json() if as_json else i for i in chosen], headers

    def _batch(self, body: Any, parent: Product | None) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        total = sum(len(body.get(k) or []) for k in ("create", "update", "delete"))
        if total == 0 and self.refuse_empty_batch:
            raise WooError(400, "rest_invalid_param", "Invalid parameter(s): update")
        if total > self.batch_items_limit:
            raise WooError(413, "woocommerce_rest_request_entity_too_large",
                           f"Unable to accept more than {self.batch_items_limit} items for "
                           "this request.")
        if "update" not in body:
            return {}
        answers = []
        for item in body["update"]:
            item_id = item.get("id") if isinstance(item, dict) else None
            product = self.products.get(item_id) if isinstance(item_id, int) else None
            wrong_parent = product is not None and (
                product.parent_id != (parent.id if parent else 0))
            if product is None or wrong_parent:
                answers.append({"id": item_id, "error": {
                    "code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                    "data": {"status": 400}}})
                continue
            if product.sku in self.refused:
                answers.append({"id": item_id, "error": {
                    "code": "rest_invalid_param", "message": "Invalid parameter(s): "
                    "stock_quantity", "data": {"status": 400}}})
                continue
            if "stock_quantity" in item and product.manage_stock is True:
                quantity = item["stock_quantity"]
                if not isinstance(quantity, int) or isinstance(quantity, bool):
                    answers.append({"id": item_id, "error": {
                        "code": "rest_invalid_param",
                        "message": "Invalid parameter(s): stock_quantity",
                        "data": {"status": 400}}})
                    continue
                self._move(product, quantity - (product.stock_quantity or 0))
            answers.append(product.as_json())  # manage_stock off: accepted, ignored
        return {"update": answers}

    def _orders(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        found = [o for o in self.orders.values() if o.status != "trash"]
        gmt = query.get("dates_are_gmt") in ("true", "1")
        if query.get("modified_after"):
            after = parse_date(query["modified_after"])
            if not gmt:  # the site's time zone; this shop's is JST
                after -= timedelta(hours=9)
            found = [o for o in found if o.modified > after]
        orderby = query.get("orderby", "date")
        if self.strict and orderby not in ORDERBY:
            raise WooError(400, "rest_invalid_param", "Invalid parameter(s): orderby",
                           params={"orderby": "orderby is not one of " + ", ".join(ORDERBY)
                                   + "."})
        if orderby == "modified":  # not documented; kept for the lenient double
            found.sort(key=lambda o: (o.modified, o.id))
        elif orderby in ("id", "include", "title", "slug"):
            found.sort(key=lambda o: o.id)
        else:
            found.sort(key=lambda o: (o.created, o.id))
        if query.get("order", "desc") == "desc":
            found.reverse()
        status, body, headers = self._page(found, query, as_json=False)
        return status, [self._order_json(o) for o in body], headers

    def _order_json(self, order: Order) -> dict[str, Any]:
        jst = timedelta(hours=9)
        return {
            "id": order.id, "parent_id": 0, "number": str(order.id), "status": order.status,
            "currency": "JPY", "date_created": wc_date(order.created + jst),
            "date_created_gmt": wc_date(order.created),
            "date_modified": wc_date(order.modified + jst),
            "date_modified_gmt": wc_date(order.modified), "total": "0",
            "line_items": [x.as_json(lambda: next(self._meta_ids), self.docs_shaped)
                           for x in order.lines],
            "refunds": [{"id": r["id"], "reason": "", "total": "-0.00"} for r in order.refunds],
        }


def _encode(text: str) -> str:
    """rawurlencode (RFC 3986)."""
    return quote(text, safe="-._~")


FIREWALL_PAGE = (b"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1>"
                 b"<p>Request blocked by the web application firewall.</p></body></html>")


class WooHandler(BaseHTTPRequestHandler):
    shop: WooCommerceDouble
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        if self.shop.firewall:
            self.send_response(403)
            self.send_header("Content-Type", "text/html; charset=UTF-8")
            self.send_header("Content-Length", str(len(FIREWALL_PAGE)))
            self.end_headers()
            self.wfile.write(FIREWALL_PAGE)
            return
        try:
            body = json.loads(raw) if raw else None
            status, answer, headers = self.shop.answer(
                method, split.path, query, body, self.headers.get("Authorization"))
        except WooError as error:
            status, answer = error.status, error.body
        except ValueError:
            status, answer = 400, {"code": "rest_invalid_json",
                                   "message": "Invalid JSON body passed.",
                                   "data": {"status": 400}}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")


def make_double() -> WooCommerceDouble:
    """A WooCommerce double, not started (the contract suite calls ``start``). Its listings
    are simple products, so that write calls count as ``batch_limit`` says;
    ``WooCommerceDouble(variation_every=2)`` makes every second one a variation (whose writes
    go through its parent's own batch). It is ``strict`` and ``docs_shaped``, as the docs
    describe a site on plain HTTP; ``WooCommerceDouble()`` is the lenient one."""
    return WooCommerceDouble(strict=True, docs_shaped=True)
