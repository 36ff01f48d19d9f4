"""The sandbox shop's state: listings (sku → shown quantity) and orders, behind one lock.

Every method that takes a JSON body validates all of it before changing anything and refuses
with ShopError(status, body). Timestamps only grow (a microsecond apart at least), so paging
orders by ``updated_since`` never skips or loops.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PAGE_SIZE = 50
MAX_BATCH = 100
MAX_QUANTITY = 99_999


class ShopError(Exception):
    """A refusal: the HTTP status and the JSON body to answer with."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body.get('error', '')}")
        self.status, self.body = status, body


def format_stamp(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds, e.g. 2026-11-23T12:00:00.123456Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 (``Z`` or an offset; naive means UTC)."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def whole(value: Any, what: str, minimum: int = 0) -> int:
    """*value* as an int ≥ minimum, or a 400 naming *what*."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        least = f" of {minimum} or more" if minimum > -2**62 else ""
        raise ShopError(400, {"error": f"{what}: must be a whole number{least}"})
    return value


def _sku(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ShopError(400, {"error": f"{what}: sku must be non-empty text"})
    return value


def _items(body: Any, key: str) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise ShopError(400, {"error": f'body must be {{"{key}": [...]}}'})
    return list(body[key])


@dataclass
class Line:
    line_id: str
    sku: str
    quantity: int


@dataclass
class Order:
    id: str
    created_at: datetime
    updated_at: datetime
    lines: list[Line] = field(default_factory=list)
    status: str = "open"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "status": self.status,
            "created_at": format_stamp(self.created_at),
            "updated_at": format_stamp(self.updated_at),
            "lines": [{"line_id": x.line_id, "sku": x.sku, "quantity": x.quantity}
                      for x in self.lines],
        }


class SandboxShop:
    """Listings and orders of one sandbox shop; safe to use from many threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._listings: dict[str, int] = {}
        self._orders: dict[str, Order] = {}
        self._next_id = 1
        self._last = datetime.min.replace(tzinfo=UTC)
        self._refused: set[str] = set()  # listings whose writes are refused (tests, demo)

    # -- for Python callers (demo, tests, catalogue) -----------------------------------------
    def add_listing(self, sku: str, quantity: int) -> None:
        self.add_listing_json({"sku": sku, "quantity": quantity})

    def set_listing(self, sku: str, quantity: int) -> None:
        with self._lock:
            self._listings[_sku(sku, "listing")] = whole(quantity, sku)

    def refuse_writes(self, sku: str) -> None:
        """From now on, writes to *sku* are refused as invalid (422), as a mall refuses a
        listing it will not take a number for."""
        with self._lock:
            self._refused.add(sku)

    def quantity(self, sku: str) -> int:
        with self._lock:
            return self._listings[sku]

    def listings(self) -> dict[str, int]:
        with self._lock:
            return dict(self._listings)

    def orders(self) -> list[dict[str, Any]]:
        with self._lock:
            return [order.as_json() for order in self._sorted_orders()]

    # -- the API -----------------------------------------------------------------------------
    def _stamp(self) -> datetime:
        now = datetime.now(UTC)
        self._last = max(now, self._last + timedelta(microseconds=1))
        return self._last

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {"listings": len(self._listings), "orders": len(self._orders),
                    "server_time": format_stamp(max(datetime.now(UTC), self._last))}

    def stock_json(self) -> dict[str, Any]:
        with self._lock:
            return {"items": [{"sku": s, "quantity": q} for s, q in sorted(self._listings.items())]}

    def add_listing_json(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ShopError(400, {"error": 'body must be {"sku", "quantity"}'})
        sku = _sku(body.get("sku"), "listing")
        quantity = whole(body.get("quantity"), sku)
        with self._lock:
            if sku in self._listings:
                raise ShopError(409, {"error": "exists", "sku": sku})
            self._listings[sku] = quantity
        return {"sku": sku, "quantity": quantity}

    def put_stock(self, body: Any) -> tuple[int, dict[str, Any]]:
        """Set quantities; per item ok, not_found, conflict (compare-and-set) or invalid."""
        items = _items(body, "items")
        if len(items) > MAX_BATCH:
            raise ShopError(413, {"error": f"at most {MAX_BATCH} items per call",
                                  "limit": MAX_BATCH, "count": len(items)})
        wanted = [self._stock_item(index, item) for index, item in enumerate(items)]
        with self._lock:
            results = [self._set_one(*item) for item in wanted]
        status = 200 if all(r["status"] == "ok" for r in results) else 207
        return status, {"results": results}

    @staticmethod
    def _stock_item(index: int, item: Any) -> tuple[str, int, int | None]:
        if not isinstance(item, dict):
            raise ShopError(400, {"error": f"items[{index}] must be an object", "index": index})
        sku = _sku(item.get("sku"), f"items[{index}]")
        what = f"items[{index}] (sku {sku})"
        try:
            quantity = whole(item.get("quantity"), what)
            expected = item.get("expected")
            # any whole number: one below 0 (a stale belief) simply does not match
            expected = None if expected is None else whole(expected, f"{what} expected", -2**62)
        except ShopError as refusal:
            refusal.body.update(index=index, sku=sku)
            raise
        return sku, quantity, expected

    def _set_one(self, sku: str, quantity: int, expected: int | None) -> dict[str, Any]:
        current = self._listings.get(sku)
        if current is None:
            return {"sku": sku, "status": "not_found", "code": 404, "error": "unknown sku"}
        if sku in self._refused:
            return {"sku": sku, "status": "invalid", "code": 422, "quantity": current,
                    "error": "this listing does not take stock numbers"}
        if quantity > MAX_QUANTITY:
            return {"sku": sku, "status": "invalid", "code": 422, "quantity": current,
                    "error": f"quantity above {MAX_QUANTITY}"}
        if expected is not None and expected != current:
            return {"sku": sku, "status": "conflict", "code": 409, "quantity": current}
        self._listings[sku] = quantity
        return {"sku": sku, "status": "ok", "code": 200, "quantity": quantity}

    def place_order(self, body: Any) -> dict[str, Any]:
        """A customer's order: taken only if every line is covered by the shown quantity."""
        lines = _items(body, "lines")
        if not lines:
            raise ShopError(400, {"error": "an order needs at least one line"})
        parsed = []
        for index, line in enumerate(lines):
            if not isinstance(line, dict):
                raise ShopError(400, {"error": f"lines[{index}] must be an object"})
            sku = _sku(line.get("sku"), f"lines[{index}]")
            parsed.append((sku, whole(line.get("quantity"), f"lines[{index}]", 1)))
        with self._lock:
            self._take(_summed(parsed))
            now = self._stamp()
            order = Order(str(self._next_id), now, now, [
                Line(str(n), sku, qty) for n, (sku, qty) in enumerate(parsed, start=1)])
            self._next_id += 1
            self._orders[order.id] = order
            return order.as_json()

    def _take(self, wanted: dict[str, int]) -> None:
        """Take units off the shown quantities, all or nothing (lock held)."""
        for sku, units in wanted.items():
            if sku not in self._listings:
                raise ShopError(404, {"error": "not_found", "sku": sku})
            if units > self._listings[sku]:
                raise ShopError(409, {"error": "insufficient", "sku": sku,
                                      "available": self._listings[sku]})
        for sku, units in wanted.items():
            self._listings[sku] -= units

    def _open_order(self, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None:
            raise ShopError(404, {"error": "no such order", "id": order_id})
        if order.status != "open":
            raise ShopError(409, {"error": "order is cancelled", "id": order_id})
        return order

    def change_order(self, order_id: str, body: Any) -> dict[str, Any]:
        """Change line quantities; a decrease gives units back, an increase must be covered."""
        changes = _items(body, "lines")
        with self._lock:
            order = self._open_order(order_id)
            by_id = {line.line_id: line for line in order.lines}
            new: dict[str, int] = {}
            for index, change in enumerate(changes):
                if not isinstance(change, dict):
                    raise ShopError(400, {"error": f"lines[{index}] must be an object"})
                line_id = str(change.get("line_id"))
                if line_id not in by_id:
                    raise ShopError(404, {"error": "no such line", "line_id": line_id})
                new[line_id] = whole(change.get("quantity"), f"lines[{index}]")
            deltas = _summed([(by_id[i].sku, q - by_id[i].quantity) for i, q in new.items()])
            self._take({sku: d for sku, d in deltas.items() if d > 0})
            for sku, delta in deltas.items():
                if delta < 0:
                    self._listings[sku] = self._listings.get(sku, 0) - delta
            for line_id, quantity in new.items():
                by_id[line_id].quantity = quantity
            order.updated_at = self._stamp()
            return order.as_json()

    def cancel_order(self, order_id: str) -> dict[str, Any]:
        """Cancel and put every line's units back on the shown quantity, as malls do."""
        with self._lock:
            order = self._open_order(order_id)
            for line in order.lines:
                self._listings[line.sku] = self._listings.get(line.sku, 0) + line.quantity
            order.status, order.updated_at = "cancelled", self._stamp()
            return order.as_json()

    def _sorted_orders(self) -> list[Order]:
        return sorted(self._orders.values(), key=lambda o: (o.updated_at, o.id))

    def orders_page(self, since: datetime | None, page: int) -> dict[str, Any]:
        with self._lock:
            found = [o for o in self._sorted_orders() if since is None or o.updated_at >= since]
            start = (page - 1) * PAGE_SIZE
            return {
                "orders": [o.as_json() for o in found[start:start + PAGE_SIZE]],
                "page": page,
                "has_more": len(found) > start + PAGE_SIZE,
                "server_time": format_stamp(max(datetime.now(UTC), self._last)),
            }


def _summed(pairs: list[tuple[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for sku, quantity in pairs:
        total[sku] = total.get(sku, 0) + quantity
    return total
