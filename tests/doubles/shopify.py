"""A local double of Shopify's GraphQL Admin API (version 2026-10, and 2025-10 … 2026-01).

``POST /admin/api/{version}/graphql.json`` with the ``X-Shopify-Access-Token`` header, on a
real HTTP server on loopback. Queries are parsed (a small GraphQL reader: operations,
variables, arguments, aliases, directives, inline fragments) and executed against a small
shop: locations, inventory items with their levels, product variants, orders with line items.
What the adapter uses, as Shopify documents it:

- ``shop``, ``location`` (no id: the primary location), ``locations``,
  ``currentAppInstallation { accessScopes { handle } }``;
- ``inventoryItems(first, after, query: "sku:'A' OR sku:'B'")`` and ``productVariants`` with
  ``inventoryItem { inventoryLevel(locationId) { quantities(names: ["available"]) } }``;
- ``orders(first, after, query: "updated_at:>'…'", sortKey: UPDATED_AT)`` with ``lineItems``
  (``sku``, ``quantity``, ``currentQuantity``) and ``cancelledAt``; ``order(id)``;
- cursor paging (``pageInfo { hasNextPage endCursor }``, ``first`` at most 250, else an
  error); array inputs of at most 250 (``MAX_INPUT_SIZE_EXCEEDED``);
- ``inventorySetQuantities(input: {name, reason, referenceDocumentUri, quantities:
  [{inventoryItemId, locationId, quantity, changeFromQuantity}]})``: from 2026-04 every
  quantity must carry ``changeFromQuantity`` (null skips the check; stale:
  ``CHANGE_FROM_QUANTITY_STALE``) and the mutation must carry ``@idempotent(key:)`` (a key
  replayed with the same input answers the first result again; with another input:
  ``IDEMPOTENCY_KEY_PARAMETER_MISMATCH``); before 2026-04 ``compareQuantity`` or
  ``ignoreCompareQuantity: true`` (``COMPARE_QUANTITY_REQUIRED`` / ``COMPARE_QUANTITY_STALE``).
  A mutation with any user error changes nothing (the double's reading: all or nothing);
- ``extensions.cost`` on every answer (requested and actual query cost: objects 1, scalars
  0, connections 2 + first × node, mutations 10; a single query above 1,000 is refused with
  ``MAX_COST_EXCEEDED``) and a leaky bucket (Standard plan: 100 points a second restored;
  a bucket of 2,000 points). A query costing more than is available is answered HTTP 200 with
  ``errors[].extensions.code == "THROTTLED"`` and ``actualQueryCost: null`` (or, with
  ``throttled_status=429``, the same body with HTTP 429 Too Many Requests and an optional
  ``Retry-After``: the rate-limits page lists 429 among the throttling answers);
- HTTP 401 ``{"errors": "[API] Invalid API key or access token (unrecognized login or wrong
  password)"}`` for a missing, wrong or revoked token; ``ACCESS_DENIED`` for a missing scope.

Customers and the owner act through methods (``place_order`` takes units off ``available``
and puts them in ``committed``; cancelling or refunding with restock puts them back, and
lowers the line's ``currentQuantity``), as the contract suite's ChannelDouble protocol asks.
Custom-app tokens do not expire: ``expire_access_token`` does nothing.

Sources (read 2026-12):
- https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventorySetQuantities and
  .../2027-01/payloads/InventorySetQuantitiesPayload (changeFromQuantity mandatory from
  2026-04, compareQuantity/ignoreCompareQuantity before);
- https://shopify.dev/docs/api/admin-graphql/latest/enums/InventorySetQuantitiesUserErrorCode
  (2026-10 values: CHANGE_FROM_QUANTITY_STALE, COMPARE_QUANTITY_REQUIRED/STALE,
  IDEMPOTENCY_*, INVALID_*, ITEM_NOT_STOCKED_AT_LOCATION, NON_MUTABLE_INVENTORY_ITEM…);
- https://shopify.dev/docs/api/admin-graphql/2026-07/mutations/inventorySetOnHandQuantities
  and .../2026-01/objects/InventoryAdjustQuantitiesUserError (the @idempotent directive,
  required for the inventory mutations from 2026-04; https://shopify.dev/docs/api/usage/
  idempotent-requests);
- https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits (cost calculation, the
  leaky bucket, 100 points/second on Standard) and the throttled answer's shape from
  https://community.shopify.com/t/graphql-admin-api-example-throttled-requests-response/8456;
- https://shopify.dev/docs/api/admin-graphql/2025-10/queries/location ("If no ID is provided,
  the primary location of the Shop is returned");
- https://shopify.dev/docs/api/usage/pagination-graphql and /docs/api/usage/limits (first ≤
  250, input arrays ≤ 250); https://shopify.dev/docs/api/usage/search-syntax
  (``updated_at:>'…'``); LineItem.currentQuantity ("the quantity minus the removed
  quantity") in the Order object reference;
- the 401 body ``{"errors": "[API] Invalid API key or access token (unrecognized login or
  wrong password)"}`` as recorded from the live API in public Shopify clients' fixtures and
  notes (found with the code search; e.g. a Go client's ``ErrorUnauthorized`` constant).
Assumptions (not published as such): one user error refuses the whole mutation; a missing
``@idempotent`` key or ``changeFromQuantity`` is a top-level error; the bucket holds 20 s of
restore; the primary location has id 7001.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = "2026-10"
CHANGE_FROM_SINCE = "2026-04"  # changeFromQuantity mandatory, @idempotent required
MAX_PAGE = 250
MAX_INPUT = 250
MAX_QUERY_COST = 1000
BUCKET_SIZE = 2000.0
RESTORE_RATE = 100.0
MUTATION_COST = 10
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
ALL_SCOPES = ("read_inventory", "write_inventory", "read_orders", "read_locations",
              "read_products")
REASONS = {"correction", "cycle_count_available", "damaged", "movement_canceled",
           "movement_created", "movement_received", "movement_updated", "other", "promotion",
           "quality_control", "received", "reservation_created", "reservation_deleted",
           "reservation_updated", "restock", "safety_stock", "shrinkage"}
QUANTITY_LIMIT = 1_000_000_000


class GraphQLError(Exception):
    """A top-level error: ``{"errors": [{"message", "extensions": {"code"}}]}``."""

    def __init__(self, message: str, code: str = "BAD_REQUEST", **extra: Any) -> None:
        super().__init__(message)
        self.code, self.extra = code, extra

    def payload(self) -> dict[str, Any]:
        return {"message": str(self), "extensions": {"code": self.code, **self.extra}}


# -- a small GraphQL reader ------------------------------------------------------------------
_TOKEN = re.compile(r'''
    (?P<skip>[\s,\ufeff]+|\#[^\n]*)
  | (?P<block>"""(?:[^"\\]|\\.|"(?!""))*""")
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<punct>\.\.\.|[!$&():=@\[\]{}|])
''', re.VERBOSE)


@dataclass
class Selection:
    name: str
    alias: str
    args: dict[str, Any] = field(default_factory=dict)  # values: ("var", name) or literals
    directives: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: list[Selection] | None = None
    on_type: str | None = None  # an inline fragment ``... on Type``


@dataclass
class Operation:
    kind: str  # "query" or "mutation"
    selections: list[Selection]
    defaults: dict[str, Any]


class _Var:
    def __init__(self, name: str) -> None:
        self.name = name


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise GraphQLError(f"Parse error on {text[position:position + 10]!r}",
                                   "PARSE_ERROR")
            position = match.end()
            kind = match.lastgroup or ""
            if kind != "skip":
                self.tokens.append((kind, match.group()))
        self.at = 0

    def peek(self, value: str | None = None) -> bool:
        if self.at >= len(self.tokens):
            return False
        return value is None or self.tokens[self.at][1] == value

    def take(self, value: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise GraphQLError("Parse error: unexpected end of document", "PARSE_ERROR")
        token = self.tokens[self.at]
        if value is not None and token[1] != value:
            raise GraphQLError(f"Parse error on {token[1]!r}: expected {value!r}",
                               "PARSE_ERROR")
        self.at += 1
        return token

    def operation(self) -> Operation:
        kind, defaults = "query", {}
        if self.peek("query") or self.peek("mutation"):
            kind = self.take()[1]
            if self.tokens[self.at][0] == "name":
                self.take()
            if self.peek("("):
                defaults = self.variable_definitions()
            self.directives()
        selections = self.selection_set()
        if self.at != len(self.tokens):
            raise GraphQLError("Only one operation per document is supported here",
                               "PARSE_ERROR")
        return Operation(kind, selections, defaults)

    def variable_definitions(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        self.take("(")
        while not self.peek(")"):
            self.take("$")
            name = self.take()[1]
            self.take(":")
            while not (self.peek(")") or self.peek("$") or self.peek("=")):
                self.take()  # the type: Name, [, ], !
            if self.peek("="):
                self.take()
                defaults[name] = self.value()
        self.take(")")
        return defaults

    def selection_set(self) -> list[Selection]:
        self.take("{")
        selections = []
        while not self.peek("}"):
            if self.peek("..."):
                self.take()
                self.take("on")
                on_type = self.take()[1]
                selections.append(Selection("...", "...", children=self.selection_set(),
                                            on_type=on_type))
                continue
            alias = name = self.take()[1]
            if self.peek(":"):
                self.take()
                name = self.take()[1]
            args = self.arguments() if self.peek("(") else {}
            directives = self.directives()
            children = self.selection_set() if self.peek("{") else None
            selections.append(Selection(name, alias, args, directives, children))
        self.take("}")
        return selections

    def arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        self.take("(")
        while not self.peek(")"):
            name = self.take()[1]
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def directives(self) -> dict[str, dict[str, Any]]:
        found = {}
        while self.peek("@"):
            self.take()
            name = self.take()[1]
            found[name] = self.arguments() if self.peek("(") else {}
        return found

    def value(self) -> Any:
        kind, text = self.take()
        if text == "$":
            return _Var(self.take()[1])
        if kind == "string":
            return json.loads(text)
        if kind == "block":
            return text[3:-3]
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if text == "[":
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            fields = {}
            while not self.peek("}"):
                key = self.take()[1]
                self.take(":")
                fields[key] = self.value()
            self.take("}")
            return fields
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, text)  # an enum
        raise GraphQLError(f"Parse error on {text!r}", "PARSE_ERROR")


def _bind(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, _Var):
        return variables.get(value.name)
    if isinstance(value, list):
        return [_bind(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _bind(v, variables) for k, v in value.items()}
    return value


def _encode_cursor(key: Any) -> str:
    return base64.b64encode(json.dumps({"last": key}).encode()).decode()


def _decode_cursor(cursor: str) -> Any:
    try:
        return json.loads(base64.b64decode(cursor.encode(), validate=True))["last"]
    except (ValueError, KeyError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination: {cursor}",
                           "BAD_REQUEST") from None


# -- the shop ----------------------------------------------------------------------------------
def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Item:
    number: int
    sku: str
    levels: dict[str, int]  # location gid → available
    committed: dict[str, int] = field(default_factory=dict)
    tracked: bool = True
    refused: bool = False

    @property
    def gid(self) -> str:
        return f"gid://shopify/InventoryItem/{self.number}"

    @property
    def variant_gid(self) -> str:
        return f"gid://shopify/ProductVariant/{self.number}"


@dataclass
class Line:
    number: int
    sku: str
    quantity: int
    current: int
    location: str


@dataclass
class Order:
    number: int
    created: float
    updated: float
    lines: list[Line]
    cancelled: float | None = None

    @property
    def gid(self) -> str:
        return f"gid://shopify/Order/{self.number}"


class Connection:
    """A resolved connection field: the nodes of one page and its pageInfo."""

    def __init__(self, nodes: list[Any], has_next: bool, end_cursor: str | None) -> None:
        self.nodes, self.has_next, self.end_cursor = nodes, has_next, end_cursor


def _page(items: list[Any], key: Callable[[Any], Any], args: dict[str, Any]) -> Connection:
    """Keyset paging over *items* sorted by *key* (the cursor holds the last key)."""
    first = args.get("first")
    if first is None and args.get("last") is None:
        raise GraphQLError("you must provide one of first or last", "BAD_REQUEST")
    if first is None or not isinstance(first, int) or not 0 <= first <= MAX_PAGE:
        raise GraphQLError(f"The first argument must be between 0 and {MAX_PAGE}",
                           "BAD_REQUEST")
    ordered = sorted(items, key=key, reverse=bool(args.get("reverse")))
    after = args.get("after")
    if after:
        last = _decode_cursor(after)
        keys = [json.loads(json.dumps(key(item))) for item in ordered]
        ordered = [item for item, k in zip(ordered, keys, strict=True)
                   if (k < last if args.get("reverse") else k > last)]
    page = ordered[:first]
    end = _encode_cursor(key(page[-1])) if page else None
    return Connection(page, len(ordered) > first, end)


def _search_terms(query: str | None) -> list[tuple[str, str, str]]:
    """``sku:'A' OR sku:B updated_at:>'…'`` as (field, operator, value) terms."""
    terms = []
    for match in re.finditer(r"(\w+):(>=|<=|>|<)?('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+)",
                             query or ""):
        raw = match.group(3)
        if raw[:1] in "'\"":
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        terms.append((match.group(1), match.group(2) or "=", raw))
    return terms


def _parse_time(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(f"Invalid date in search query: {text}", "BAD_REQUEST") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class ShopifyShop:
    """The shop's state; every method runs under the double's lock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.name = "Rendo Test Shop"
        self.domain = "rendo-test.myshopify.com"
        self.locations: dict[str, dict[str, Any]] = {}
        self.primary = self.add_location("Shop location")
        self.items: dict[str, Item] = {}  # by gid
        self.orders: dict[str, Order] = {}
        self.next_number = 1000
        self.idempotency: dict[str, tuple[str, Any]] = {}
        self.last_stamp = 0.0

    def number(self) -> int:
        self.next_number += 1
        return self.next_number

    def now(self) -> float:
        """This moment for a timestamp; never earlier than the last one given out."""
        self.last_stamp = max(self.clock(), self.last_stamp)
        return self.last_stamp

    def add_location(self, name: str, active: bool = True) -> str:
        gid = f"gid://shopify/Location/{7000 + len(self.locations) + 1}"
        self.locations[gid] = {"id": gid, "name": name, "isActive": active}
        return gid

    def by_sku(self, sku: str) -> Item | None:
        return next((i for i in self.items.values() if i.sku == sku), None)

    # -- GraphQL objects -----------------------------------------------------------------
    def location_object(self, gid: str) -> dict[str, Any]:
        return dict(self.locations[gid])

    def level_object(self, item: Item, location: str) -> dict[str, Any] | None:
        if location not in item.levels:
            return None
        available = item.levels[location]
        committed = item.committed.get(location, 0)
        values = {"available": available, "committed": committed,
                  "on_hand": available + committed, "incoming": 0, "reserved": 0,
                  "damaged": 0, "quality_control": 0, "safety_stock": 0}

        def quantities(args: dict[str, Any]) -> list[dict[str, Any]]:
            names = args.get("names") or []
            unknown = [n for n in names if n not in values]
            if unknown:
                raise GraphQLError(f"Invalid quantity name: {unknown[0]}", "BAD_REQUEST")
            return [{"name": n, "quantity": values[n]} for n in names]

        return {"__typename": "InventoryLevel",
                "id": f"gid://shopify/InventoryLevel/{item.number}?inventory_item_id="
                      f"{item.number}",
                "quantities": quantities,
                "location": self.location_object(location),
                "item": lambda _a: self.item_object(item)}

    def item_object(self, item: Item) -> dict[str, Any]:
        def level(args: dict[str, Any]) -> dict[str, Any] | None:
            location = args.get("locationId")
            if location not in self.locations:
                return None
            return self.level_object(item, location)

        def levels(args: dict[str, Any]) -> Connection:
            pairs = [(item, loc) for loc in item.levels]
            connection = _page(pairs, lambda p: p[1], args)
            connection.nodes = [self.level_object(i, loc) for i, loc in connection.nodes]
            return connection

        return {"__typename": "InventoryItem", "id": item.gid, "sku": item.sku,
                "tracked": item.tracked, "inventoryLevel": level,
                "inventoryLevels": levels,
                "variant": lambda _a: self.variant_object(item)}

    def variant_object(self, item: Item) -> dict[str, Any]:
        return {"__typename": "ProductVariant", "id": item.variant_gid, "sku": item.sku,
                "title": item.sku, "inventoryQuantity": sum(item.levels.values()),
                "inventoryItem": lambda _a: self.item_object(item)}

    def order_object(self, order: Order) -> dict[str, Any]:
        def line_items(args: dict[str, Any]) -> Connection:
            connection = _page(order.lines, lambda line: line.number, args)
            connection.nodes = [
                {"__typename": "LineItem", "id": f"gid://shopify/LineItem/{line.number}",
                 "sku": line.sku or None, "name": line.sku, "title": line.sku,
                 "quantity": line.quantity, "currentQuantity": line.current,
                 "refundableQuantity": line.current,
                 "variant": (lambda _a, s=line.sku: self._variant_of(s))}
                for line in connection.nodes]
            return connection

        return {"__typename": "Order", "id": order.gid, "name": f"#{order.number}",
                "createdAt": _stamp(order.created), "updatedAt": _stamp(order.updated),
                "cancelledAt": _stamp(order.cancelled) if order.cancelled else None,
                "closed": False, "test": False, "lineItems": line_items}

    def _variant_of(self, sku: str) -> dict[str, Any] | None:
        item = self.by_sku(sku)
        return self.variant_object(item) if item else None

    # -- root fields -------------------------------------------------------------------
    def root(self, scopes: set[str]) -> dict[str, Any]:
        def need(*wanted: str) -> None:
            if not scopes & set(wanted):
                raise GraphQLError(
                    f"Access denied. Required access: `{wanted[0]}` access scope.",
                    "ACCESS_DENIED",
                    documentation="https://shopify.dev/api/usage/access-scopes")

        def location(args: dict[str, Any]) -> dict[str, Any] | None:
            need("read_locations", "read_inventory")
            gid = args.get("id") or self.primary
            return self.location_object(gid) if gid in self.locations else None

        def locations(args: dict[str, Any]) -> Connection:
            need("read_locations", "read_inventory")
            rows = [loc for loc in self.locations.values()
                    if loc["isActive"] or args.get("includeInactive")]
            return _page(rows, lambda loc: int(loc["id"].rsplit("/", 1)[1]), args)

        def matching_items(query: str | None) -> list[Item]:
            skus = [value for name, _op, value in _search_terms(query) if name == "sku"]
            items = list(self.items.values())
            return [i for i in items if i.sku in skus] if skus else items

        def inventory_items(args: dict[str, Any]) -> Connection:
            need("read_inventory", "read_products")
            connection = _page(matching_items(args.get("query")), lambda i: i.number, args)
            connection.nodes = [self.item_object(i) for i in connection.nodes]
            return connection

        def product_variants(args: dict[str, Any]) -> Connection:
            need("read_products")
            connection = _page(matching_items(args.get("query")), lambda i: i.number, args)
            connection.nodes = [self.variant_object(i) for i in connection.nodes]
            return connection

        def orders(args: dict[str, Any]) -> Connection:
            need("read_orders")
            rows = list(self.orders.values())
            for name, op, value in _search_terms(args.get("query")):
                if name in ("updated_at", "created_at"):
                    moment = _parse_time(value)
                    attr = "updated" if name == "updated_at" else "created"
                    test = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__,
                            "<=": float.__le__, "=": float.__eq__}[op]
                    rows = [o for o in rows if test(float(int(getattr(o, attr))), moment)]
            sort = args.get("sortKey") or "ID"
            if sort == "UPDATED_AT":
                def key(o: Order) -> Any:
                    return [int(o.updated), o.number]
            elif sort == "CREATED_AT":
                def key(o: Order) -> Any:
                    return [int(o.created), o.number]
            else:
                def key(o: Order) -> Any:
                    return o.number
            connection = _page(rows, key, args)
            connection.nodes = [self.order_object(o) for o in connection.nodes]
            return connection

        def order(args: dict[str, Any]) -> dict[str, Any] | None:
            need("read_orders")
            found = self.orders.get(str(args.get("id")))
            return self.order_object(found) if found else None

        return {
            "shop": lambda _a: {"__typename": "Shop", "id": "gid://shopify/Shop/1",
                                "name": self.name, "myshopifyDomain": self.domain,
                                "ianaTimezone": "Asia/Tokyo", "currencyCode": "JPY"},
            "currentAppInstallation": lambda _a: {
                "id": "gid://shopify/AppInstallation/1",
                "accessScopes": [{"handle": s} for s in sorted(scopes)]},
            "location": location, "locations": locations,
            "inventoryItems": inventory_items, "productVariants": product_variants,
            "orders": orders, "order": order,
        }

    # -- the mutation ------------------------------------------------------------------
    def set_quantities(self, input_: Any, version: str, key: str | None) -> dict[str, Any]:
        if not isinstance(input_, dict):
            raise GraphQLError("Variable $input of type InventorySetQuantitiesInput! was "
                               "provided invalid value", "INVALID_VARIABLE")
        quantities = input_.get("quantities")
        if not isinstance(quantities, list):
            raise GraphQLError("Variable $input of type InventorySetQuantitiesInput! was "
                               "provided invalid value for quantities", "INVALID_VARIABLE")
        if len(quantities) > MAX_INPUT:
            raise GraphQLError(f"The input array size of {len(quantities)} is greater than "
                               f"the maximum allowed of {MAX_INPUT}.",
                               "MAX_INPUT_SIZE_EXCEEDED", problems=[{"path": [
                                   "input", "quantities"]}])
        new_rules = version >= CHANGE_FROM_SINCE
        if new_rules:
            if key is None:
                raise GraphQLError("The @idempotent directive is required for this mutation "
                                   "(inventorySetQuantities).", "BAD_REQUEST")
            missing = [n for n, q in enumerate(quantities)
                       if isinstance(q, dict) and "changeFromQuantity" not in q]
            if missing:
                raise GraphQLError(
                    "Variable $input of type InventorySetQuantitiesInput! was provided invalid "
                    f"value for quantities.{missing[0]}.changeFromQuantity (Expected value to "
                    "be provided, null to skip the check)", "INVALID_VARIABLE")
        fingerprint = json.dumps(input_, sort_keys=True)
        if key is not None and key in self.idempotency:
            earlier, answer = self.idempotency[key]
            if earlier != fingerprint:
                return {"inventoryAdjustmentGroup": None, "userErrors": [{
                    "field": None, "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    "message": "The same idempotency key cannot be used with different "
                               "operation parameters."}]}
            return dict(answer)
        answer = self._apply(input_, quantities, new_rules)
        if key is not None:
            self.idempotency[key] = (fingerprint, answer)
        return answer

    def _apply(self, input_: dict[str, Any], quantities: list[Any],
               new_rules: bool) -> dict[str, Any]:
        errors: list[dict[str, Any]] = []

        def error(code: str, message: str, *path: str) -> None:
            errors.append({"field": ["input", *path], "code": code, "message": message})

        name = input_.get("name")
        if name not in ("available", "on_hand"):
            error("INVALID_NAME", "The quantity name must be either 'available' or 'on_hand'.",
                  "name")
        if input_.get("reason") not in REASONS:
            error("INVALID_REASON", "The specified reason is invalid.", "reason")
        uri = input_.get("referenceDocumentUri")
        if uri is not None and (not isinstance(uri, str) or ":" not in uri):
            error("INVALID_REFERENCE_DOCUMENT", "The specified reference document is invalid.",
                  "referenceDocumentUri")
        ignore = bool(input_.get("ignoreCompareQuantity"))
        seen: set[tuple[str, str]] = set()
        changes: list[tuple[Item, str, int]] = []
        for n, quantity in enumerate(quantities):
            where = ("quantities", str(n))
            if not isinstance(quantity, dict):
                error("INVALID_INVENTORY_ITEM", "The specified inventory item could not be "
                      "found.", *where)
                continue
            item = self.items.get(str(quantity.get("inventoryItemId")))
            location = str(quantity.get("locationId"))
            value = quantity.get("quantity")
            if item is None:
                error("INVALID_INVENTORY_ITEM", "The specified inventory item could not be "
                      "found.", *where, "inventoryItemId")
                continue
            if location not in self.locations:
                error("INVALID_LOCATION", "The specified location could not be found.",
                      *where, "locationId")
                continue
            if (item.gid, location) in seen:
                error("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "The combination of "
                      "inventoryItemId and locationId must be unique.", *where)
                continue
            seen.add((item.gid, location))
            if location not in item.levels:
                error("ITEM_NOT_STOCKED_AT_LOCATION", "The specified inventory item is not "
                      "stocked at the location.", *where, "locationId")
                continue
            if item.refused:
                error("NON_MUTABLE_INVENTORY_ITEM", "The specified inventory item is not "
                      "allowed to be adjusted via API.", *where, "inventoryItemId")
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                error("INVALID_QUANTITY_NEGATIVE", "The quantity must be a whole number.",
                      *where, "quantity")
                continue
            if value > QUANTITY_LIMIT:
                error("INVALID_QUANTITY_TOO_HIGH", "The total quantity can't be higher than "
                      "1,000,000,000.", *where, "quantity")
                continue
            if value < -QUANTITY_LIMIT:
                error("INVALID_QUANTITY_TOO_LOW", "The total quantity can't be lower than "
                      "-1,000,000,000.", *where, "quantity")
                continue
            now = item.levels[location] + (
                item.committed.get(location, 0) if name == "on_hand" else 0)
            if new_rules:
                expected = quantity.get("changeFromQuantity")
                if expected is not None and expected != now:
                    error("CHANGE_FROM_QUANTITY_STALE", "The changeFromQuantity value does "
                          "not match persisted value.", *where, "changeFromQuantity")
                    continue
            else:
                expected = quantity.get("compareQuantity")
                if expected is None and not ignore:
                    error("COMPARE_QUANTITY_REQUIRED", "The compareQuantity argument must be "
                          "given to each quantity or ignored using ignoreCompareQuantity.",
                          *where, "compareQuantity")
                    continue
                if not ignore and expected != now:
                    error("COMPARE_QUANTITY_STALE", "The compareQuantity value does not match "
                          "persisted value.", *where, "compareQuantity")
                    continue
            changes.append((item, location, value - now))
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        stamp = self.now()
        result = []
        for item, location, delta in changes:
            item.levels[location] += delta
            result.append({"name": name, "delta": delta,
                           "quantityAfterChange": item.levels[location],
                           "item": {"id": item.gid, "sku": item.sku},
                           "location": self.location_object(location)})
        group = {"__typename": "InventoryAdjustmentGroup",
                 "id": f"gid://shopify/InventoryAdjustmentGroup/{self.number()}",
                 "createdAt": _stamp(stamp), "reason": input_.get("reason"),
                 "referenceDocumentUri": uri, "changes": result}
        return {"inventoryAdjustmentGroup": group, "userErrors": []}


# -- execution and cost ------------------------------------------------------------------------
def _execute(value: Any, selections: list[Selection], variables: dict[str, Any],
             typename: str = "") -> tuple[dict[str, Any], int]:
    """The selected fields of *value* (a dict whose entries may be callables taking the
    field's arguments) and the actual cost of reading them."""
    out: dict[str, Any] = {}
    cost = 0
    for selection in selections:
        if selection.on_type is not None:
            if value.get("__typename") == selection.on_type:
                part, part_cost = _execute(value, selection.children or [], variables)
                out.update(part)
                cost += part_cost
            continue
        if selection.name == "__typename":
            out[selection.alias] = value.get("__typename", typename)
            continue
        if selection.name not in value:
            raise GraphQLError(f"Field '{selection.name}' doesn't exist on type "
                               f"'{value.get('__typename', typename or 'QueryRoot')}'",
                               "undefinedField")
        entry = value[selection.name]
        args = _bind(selection.args, variables)
        result = entry(args) if callable(entry) else entry
        out[selection.alias], field_cost = _shape(result, selection, variables)
        cost += field_cost
    return out, cost


def _shape(result: Any, selection: Selection, variables: dict[str, Any]) -> tuple[Any, int]:
    children = selection.children
    if isinstance(result, Connection):
        if children is None:
            raise GraphQLError(f"Field must have selections (field '{selection.name}' "
                               "returns a connection)", "selectionMismatch")
        conn: dict[str, Any] = {}
        cost = 2
        for child in children:
            if child.name == "nodes":
                shaped = [_execute(n, child.children or [], variables) for n in result.nodes]
                conn[child.alias] = [s for s, _ in shaped]
                cost += sum(1 + c for _, c in shaped)
            elif child.name == "edges":
                edges = []
                for node in result.nodes:
                    edge: dict[str, Any] = {}
                    for part in child.children or []:
                        if part.name == "node":
                            edge[part.alias], c = _execute(node, part.children or [],
                                                           variables)
                            cost += 1 + c
                        elif part.name == "cursor":
                            edge[part.alias] = result.end_cursor
                    edges.append(edge)
                conn[child.alias] = edges
            elif child.name == "pageInfo":
                info = {"hasNextPage": result.has_next, "hasPreviousPage": False,
                        "endCursor": result.end_cursor, "startCursor": None}
                conn[child.alias] = {p.alias: info.get(p.name) for p in child.children or []}
            else:
                raise GraphQLError(f"Field '{child.name}' doesn't exist on a connection",
                                   "undefinedField")
        return conn, cost
    if children is None:
        if isinstance(result, dict) or (isinstance(result, list) and result
                                        and isinstance(result[0], dict)):
            raise GraphQLError(f"Field must have selections (field '{selection.name}')",
                               "selectionMismatch")
        return result, 0
    if result is None:
        return None, 1
    if isinstance(result, list):
        shaped = [_execute(r, children, variables) for r in result]
        return [s for s, _ in shaped], 1 + max((c for _, c in shaped), default=0)
    shaped_one, cost = _execute(result, children, variables)
    return shaped_one, 1 + cost


def requested_cost(selections: list[Selection], variables: dict[str, Any],
                   mutation: bool = False) -> int:
    """The cost before running: objects 1, scalars 0, a connection 2 + first × its node, a
    mutation's root field 10."""
    total = 0
    for selection in selections:
        children = selection.children
        if children is None:
            continue
        if mutation:
            total += MUTATION_COST
            continue
        args = _bind(selection.args, variables)
        inner = requested_cost(children, variables)
        if "first" in args or "last" in args:
            size = args.get("first") or args.get("last") or 0
            node = 0
            for child in children:
                if child.name == "nodes":
                    node = max(node, 1 + requested_cost(child.children or [], variables))
                elif child.name == "edges":
                    node = max(node, requested_cost(child.children or [], variables))
            total += 2 + int(size) * node
        elif selection.on_type is not None:
            total += inner
        else:
            total += 1 + inner
    return total


# -- HTTP -----------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header from the double's clock (simulated time in tests)."""
        return super().date_time_string(self.server.double.clock())

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        token = self.headers.get("X-Shopify-Access-Token", "")
        status, body, headers = self.server.double.answer(method, self.path, token, raw)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    double: ShopifyDouble


_PATH = re.compile(r"^/admin/api/(?P<version>\d{4}-\d{2}|unstable)/graphql\.json$")


class ShopifyDouble:
    """The Shopify Admin API of one shop on ``http://127.0.0.1:PORT`` (ChannelDouble).

    *clock* (seconds since the epoch) drives the leaky bucket and the timestamps: a test
    that advances it simulates the time a client waits.
    """

    type = "shopify"
    batch_limit = MAX_INPUT

    def __init__(self, clock: Callable[[], float] = time.time, token: str = "shpat_double",
                 bucket_size: float = BUCKET_SIZE, restore_rate: float = RESTORE_RATE,
                 throttled_status: int = 200, retry_after: str | None = None) -> None:
        self.clock = clock
        # how a throttled answer comes: HTTP 200 (the documented shape) or 429 (as Shopify
        # also answers), with this Retry-After header on a 429 when given
        self.throttled_status, self.retry_after = throttled_status, retry_after
        self.token = token
        self.scopes = set(ALL_SCOPES)
        self.shop = ShopifyShop(clock)
        self.bucket_size, self.restore_rate = bucket_size, restore_rate
        self.available = bucket_size
        self.bucket_at = clock()
        self.revoked = False  # every token refused (revoke_credentials makes a new one)
        self.generation = 0
        self.throttled_calls = 0
        self.throttled_answers = 0  # THROTTLED answers given (forced or by the bucket)
        self.calls: list[tuple[str, str]] = []
        self.bodies: list[dict[str, Any]] = []  # every GraphQL request (query, variables)
        self.lock = threading.RLock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- ChannelDouble ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> dict[str, str]:
        return {}

    @property
    def credentials(self) -> dict[str, str]:
        return {"access_token": self.token}

    def start(self) -> None:
        if self._httpd is not None:
            return
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.double = self
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"shopify-double-{self.port}")
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> ShopifyDouble:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_listing(self, channel_item_id: str, quantity: int,
                    location: str | None = None) -> None:
        with self.lock:
            shop = self.shop
            where = location or shop.primary
            item = shop.by_sku(channel_item_id)
            if item is None:
                item = Item(shop.number(), channel_item_id, {})
                shop.items[item.gid] = item
            item.levels[where] = quantity
            item.tracked = True

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        """A variant with "Track quantity" off: no stock Rendo could set."""
        with self.lock:
            self.add_listing(channel_item_id, 0)
            item = self.shop.by_sku(channel_item_id)
            assert item is not None
            item.tracked = False

    def quantity(self, channel_item_id: str) -> int | None:
        with self.lock:
            item = self.shop.by_sku(channel_item_id)
            if item is None or self.shop.primary not in item.levels:
                return None
            return item.levels[self.shop.primary]

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        with self.lock:
            item = self.shop.by_sku(channel_item_id)
            assert item is not None, channel_item_id
            item.levels[self.shop.primary] = quantity

    def place_order(self, lines: list[tuple[str, int]]) -> str:
        with self.lock:
            shop = self.shop
            stamp = shop.now()
            order = Order(shop.number(), stamp, stamp, [])
            for sku, units in lines:
                order.lines.append(Line(shop.number(), sku, units, units, shop.primary))
                item = shop.by_sku(sku)
                if item is not None and item.tracked and shop.primary in item.levels:
                    item.levels[shop.primary] -= units
                    item.committed[shop.primary] = item.committed.get(shop.primary, 0) + units
            shop.orders[order.gid] = order
            return order.gid

    def cancel_order(self, order_id: str) -> None:
        """``orderCancel`` with ``restock: true``: every remaining unit goes back."""
        with self.lock:
            order = self.shop.orders[order_id]
            for line in order.lines:
                self._restock(line, line.current)
                line.current = 0
            order.cancelled = order.updated = self.shop.now()

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        """A refund with restock of *units* of one line (``refundCreate``,
        ``restockType: RETURN``): the line's currentQuantity drops by *units*."""
        with self.lock:
            order = self.shop.orders[order_id]
            line = next(li for li in order.lines if li.sku == channel_item_id)
            units = min(units, line.current)
            self._restock(line, units)
            line.current -= units
            order.updated = self.shop.now()

    def _restock(self, line: Line, units: int) -> None:
        item = self.shop.by_sku(line.sku)
        if item is None or not item.tracked or line.location not in item.levels:
            return
        item.levels[line.location] += units
        item.committed[line.location] = item.committed.get(line.location, 0) - units

    def refuse_writes(self, channel_item_id: str) -> None:
        with self.lock:
            item = self.shop.by_sku(channel_item_id)
            assert item is not None, channel_item_id
            item.refused = True

    def throttle(self, calls: int) -> None:
        with self.lock:
            self.throttled_calls = calls

    def expire_access_token(self) -> None:
        """Custom-app access tokens do not expire: nothing happens."""

    def revoke_credentials(self) -> None:
        """The token is uninstalled; the owner creates the app's token again (a new one)."""
        with self.lock:
            self.generation += 1
            self.token = f"shpat_double_{self.generation}"

    # -- the API -------------------------------------------------------------------------
    def _restore(self) -> None:
        now = self.clock()
        self.available = min(self.bucket_size,
                             self.available + (now - self.bucket_at) * self.restore_rate)
        self.bucket_at = now

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                         "throttleStatus": {"maximumAvailable": self.bucket_size,
                                            "currentlyAvailable": round(self.available, 1),
                                            "restoreRate": self.restore_rate}}}

    def answer(self, method: str, path: str, token: str,
               raw: bytes) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.calls.append((method, path.split("?", 1)[0]))
            if self.revoked or not hmac.compare_digest(token.encode(), self.token.encode()):
                return 401, {"errors": INVALID_TOKEN}, {}
            match = _PATH.match(path.split("?", 1)[0])
            if match is None:
                return 404, {"errors": "Not Found"}, {}
            if method != "POST":
                return 400, {"errors": {"query": "Required parameter missing or invalid"}}, {}
            try:
                request = json.loads(raw.decode("utf-8"))
                query = request["query"]
                variables = request.get("variables") or {}
                assert isinstance(query, str) and isinstance(variables, dict)
            except (ValueError, KeyError, TypeError, AssertionError):
                return 400, {"errors": {"query": "Required parameter missing or invalid"}}, {}
            self.bodies.append({"query": query, "variables": variables})
            return self._graphql(match["version"], query, variables)

    def _graphql(self, version: str, query: str,
                 variables: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        version = "9999-99" if version == "unstable" else version
        self._restore()
        try:
            operation = _Reader(query).operation()
            variables = {**operation.defaults, **variables}
            mutation = operation.kind == "mutation"
            requested = requested_cost(operation.selections, variables, mutation)
        except GraphQLError as error:
            return 200, {"errors": [error.payload()]}, {}
        if requested > MAX_QUERY_COST:
            return 200, {"errors": [{
                "message": f"Query cost is {requested}, which exceeds the single query max "
                           f"cost limit ({MAX_QUERY_COST}).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested,
                               "maxCost": MAX_QUERY_COST,
                               "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": self._cost(requested, None)}, {}
        if self.throttled_calls > 0 or requested > self.available:
            if self.throttled_calls > 0:
                self.throttled_calls -= 1
            self.throttled_answers += 1
            headers = ({"Retry-After": self.retry_after}
                       if self.throttled_status == 429 and self.retry_after is not None else {})
            return self.throttled_status, {"errors": [{
                "message": "Throttled",
                "extensions": {"code": "THROTTLED",
                               "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": self._cost(requested, None)}, headers
        try:
            if mutation:
                data, actual = self._mutation(operation, variables, version)
            else:
                data, actual = _execute(self.shop.root(self.scopes), operation.selections,
                                        variables, "QueryRoot")
        except GraphQLError as error:
            self.available -= 1
            return 200, {"errors": [error.payload()], "extensions": self._cost(requested, 1)}, {}
        actual = min(actual, requested)
        self.available -= actual
        return 200, {"data": data, "extensions": self._cost(requested, actual)}, {}

    def _mutation(self, operation: Operation, variables: dict[str, Any],
                  version: str) -> tuple[dict[str, Any], int]:
        data: dict[str, Any] = {}
        for selection in operation.selections:
            if selection.name != "inventorySetQuantities":
                raise GraphQLError(f"Field '{selection.name}' doesn't exist on type "
                                   "'Mutation'", "undefinedField")
            if "write_inventory" not in self.scopes:
                raise GraphQLError("Access denied for inventorySetQuantities field. Required "
                                   "access: `write_inventory` access scope.", "ACCESS_DENIED")
            args = _bind(selection.args, variables)
            directive = _bind(selection.directives.get("idempotent"), variables)
            key = directive.get("key") if isinstance(directive, dict) else None
            payload = self.shop.set_quantities(args.get("input"), version, key)
            group = payload["inventoryAdjustmentGroup"]
            value = {"__typename": "InventorySetQuantitiesPayload",
                     "inventoryAdjustmentGroup": group, "userErrors": payload["userErrors"]}
            data[selection.alias], _ = _shape(value, selection, variables)
        return data, MUTATION_COST * len(operation.selections)


def make_double(clock: Callable[[], float] = time.time) -> ShopifyDouble:
    """A Shopify double (not started: the caller starts and stops it)."""
    return ShopifyDouble(clock=clock)
