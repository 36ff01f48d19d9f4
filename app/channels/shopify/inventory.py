"""Shopify stock: the location, the inventory items by SKU, and ``inventorySetQuantities``.

A listing is a SKU; Shopify keeps stock per inventory item (one per variant) and location.
Rendo reads and sets the ``available`` quantity at one location: the ``location`` setting
(a name or an id) or the shop's primary location.

Writes are compare-and-set: each quantity carries ``changeFromQuantity`` = what Rendo
believes Shopify shows (``QuantityUpdate.expected``; null when Rendo has no belief), and the
mutation an ``@idempotent`` key (both mandatory since 2026-04). One user error refuses the
whole mutation, so the quantities that were not at fault are sent again without the others.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..base import ChannelError, ErrorKind, QuantityUpdate, UpdateResult, UpdateStatus
from .graphql import ShopifyGraphQL

log = logging.getLogger(__name__)

PAGE = 250  # Shopify's largest page and input array
LOOKUP_SKUS = 50  # SKUs per look-up query (a search query of reasonable length)
REASON = "correction"
REFERENCE = "rendo://stock-sync"
GID_LOCATION = "gid://shopify/Location/"

ITEM_FIELDS = """id sku tracked
      inventoryLevel(locationId: $location) {
        quantities(names: ["available"]) { name quantity }
      }"""

ITEMS_QUERY = f"""query RendoItems($first: Int!, $after: String, $query: String, $location: ID!) {{
  inventoryItems(first: $first, after: $after, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {ITEM_FIELDS} }}
  }}
}}"""

LOCATIONS_QUERY = """query RendoLocations($after: String) {
  locations(first: 250, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name isActive }
  }
}"""

# without an id, ``location`` is the shop's primary location
LOCATION_QUERY = """query RendoLocation { location { id name isActive } }"""

SET_MUTATION = """mutation RendoSetQuantities($input: InventorySetQuantitiesInput!,
    $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { id changes { name quantityAfterChange item { id } } }
    userErrors { field code message }
  }
}"""

STALE = {"CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE"}
# never settable as the listing stands (not at Rendo's location; a bundle, whose stock is
# its components'): suspended at once rather than refused and looked up every cycle
NOT_HERE = {"ITEM_NOT_STOCKED_AT_LOCATION", "NON_MUTABLE_INVENTORY_ITEM"}
PASSING = {"IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"}


def items_cost(first: int) -> float:
    """An item costs 1, its level 1 and its quantities 1; a connection 2 + first × node."""
    return 2 + first * 3


@dataclass(frozen=True, slots=True)
class Listing:
    sku: str
    item_id: str
    tracked: bool
    available: int | None  # None: not stocked at Rendo's location


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str


class Inventory:
    """The stock side of one shop: its location and its listings by SKU."""

    def __init__(self, api: ShopifyGraphQL, location_setting: str = "") -> None:
        self.api = api
        self.location_setting = location_setting.strip()
        self._location: Location | None = None
        self.known: dict[str, list[Listing]] = {}  # SKU → the inventory items with it

    @property
    def name(self) -> str:
        return self.api.name

    # -- the location ------------------------------------------------------------------------
    def location(self) -> Location:
        if self._location is None:
            self._location = self._find_location()
        return self._location

    def _find_location(self) -> Location:
        wanted = self.location_setting
        if not wanted:
            data = self.api.run("RendoLocation", LOCATION_QUERY, cost=1)
            found = data.get("location")
            if not isinstance(found, dict) or not found.get("id"):
                raise ChannelError(f"{self.name}: the shop has no primary location",
                                   kind=ErrorKind.NOT_FOUND)
            return Location(str(found["id"]), str(found.get("name") or ""))
        locations = self._all_locations()
        gid = GID_LOCATION + wanted if wanted.isdigit() else wanted
        for location in locations:
            if location.id == gid:
                return location
        by_name = [loc for loc in locations if loc.name.casefold() == wanted.casefold()]
        if len(by_name) == 1:
            return by_name[0]
        names = ", ".join(sorted(loc.name for loc in locations)) or "-"
        if by_name:
            raise ChannelError(f"{self.name}: {len(by_name)} locations are named {wanted!r}; "
                               "give the location's id instead", kind=ErrorKind.NOT_FOUND)
        raise ChannelError(f"{self.name}: the shop has no active location {wanted!r}; its "
                           f"locations are: {names}", kind=ErrorKind.NOT_FOUND)

    def _all_locations(self) -> list[Location]:
        found: list[Location] = []
        after: str | None = None
        while True:
            data = self.api.run("RendoLocations", LOCATIONS_QUERY, {"after": after},
                                cost=items_cost(PAGE) - PAGE)
            nodes, after, more = _connection(data.get("locations"), self.name, "locations")
            found += [Location(str(n["id"]), str(n.get("name") or "")) for n in nodes
                      if isinstance(n, dict) and n.get("id") and n.get("isActive", True)]
            if not more:
                return found

    # -- reading -------------------------------------------------------------------------------
    def read_all(self) -> dict[str, int]:
        """Every tracked item with a SKU stocked at the location: SKU → available."""
        listings = self._items(None, PAGE)
        self.known = _by_sku(listings)
        shown: dict[str, int] = {}
        for sku, same in self.known.items():
            here = [li for li in same if li.available is not None and li.tracked]
            if len(here) > 1:
                log.warning("%s: SKU %s is used by %d variants at %s; it is left out",
                            self.name, sku, len(here), self.location().name)
            elif here and here[0].available is not None:
                shown[sku] = here[0].available
        return shown

    def _items(self, query: str | None, first: int) -> list[Listing]:
        location = self.location().id
        listings: list[Listing] = []
        after: str | None = None
        while True:
            data = self.api.run("RendoItems", ITEMS_QUERY, {
                "first": first, "after": after, "query": query, "location": location},
                cost=items_cost(first))
            nodes, after, more = _connection(data.get("inventoryItems"), self.name,
                                             "inventory items")
            listings += [_listing(node, self.name) for node in nodes]
            if not more:
                return [li for li in listings if li.sku]

    def look_up(self, skus: Sequence[str]) -> None:
        """Find the inventory items of SKUs not seen yet."""
        missing = sorted({s for s in skus if s not in self.known})
        for start in range(0, len(missing), LOOKUP_SKUS):
            chunk = missing[start:start + LOOKUP_SKUS]
            query = " OR ".join(f"sku:{_quoted(sku)}" for sku in chunk)
            found = _by_sku(self._items(query, min(PAGE, 2 * len(chunk))))
            for sku in chunk:
                self.known[sku] = found.get(sku, [])

    # -- writing -------------------------------------------------------------------------------
    def set(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        results: dict[int, UpdateResult] = {}
        self.look_up([u.channel_item_id for u in updates])
        send: list[tuple[int, QuantityUpdate, Listing]] = []
        for index, update in enumerate(updates):
            listing_or_result = self._target(update)
            if isinstance(listing_or_result, UpdateResult):
                results[index] = listing_or_result
            else:
                send.append((index, update, listing_or_result))
        for start in range(0, len(send), PAGE):
            results.update(self._send(send[start:start + PAGE]))
        return [results[i] for i in range(len(updates))]

    def _target(self, update: QuantityUpdate) -> Listing | UpdateResult:
        sku = update.channel_item_id
        if update.quantity < 0:
            return UpdateResult(sku, UpdateStatus.REJECTED,
                                message=f"negative quantity for {sku}")
        same = self.known.get(sku) or []
        if not same:
            return UpdateResult(sku, UpdateStatus.REJECTED,
                                message=f"{self.name} has no variant with SKU {sku}")
        here = [li for li in same if li.available is not None]
        if len(here) > 1:
            return UpdateResult(sku, UpdateStatus.REJECTED, message=(
                f"{self.name}: SKU {sku} is used by {len(here)} variants; give each its own"))
        if not here:
            return UpdateResult(sku, UpdateStatus.UNUSABLE, message=(
                f"{self.name}: SKU {sku} is not stocked at {self.location().name}"))
        if not here[0].tracked:
            return UpdateResult(sku, UpdateStatus.UNUSABLE, message=(
                f"{self.name}: SKU {sku} does not track quantity (\"Track quantity\" is off)"))
        return here[0]

    def _send(self, batch: list[tuple[int, QuantityUpdate, Listing]]
              ) -> dict[int, UpdateResult]:
        """One mutation; the quantities refused by a user error are answered, the others sent
        again (Shopify applies none of a mutation with an error in it)."""
        results: dict[int, UpdateResult] = {}
        while batch:
            errors = self._mutate(batch)
            if not errors:
                for index, update, _ in batch:
                    results[index] = UpdateResult(update.channel_item_id, UpdateStatus.OK,
                                                  update.quantity)
                return results
            unplaced = [e for e in errors if _position(e, len(batch)) is None]
            if unplaced:
                _refuse_all(self.name, unplaced)
            kept = []
            for position, (index, update, listing) in enumerate(batch):
                mine = [e for e in errors if _position(e, len(batch)) == position]
                if mine:
                    results[index] = self._result(update, listing, mine[0])
                else:
                    kept.append((index, update, listing))
            batch = kept
        return results

    def _mutate(self, batch: list[tuple[int, QuantityUpdate, Listing]]) -> list[Any]:
        location = self.location().id
        quantities = [{"inventoryItemId": listing.item_id, "locationId": location,
                       "quantity": update.quantity, "changeFromQuantity": update.expected}
                      for _, update, listing in batch]
        variables = {"input": {"name": "available", "reason": REASON,
                               "referenceDocumentUri": REFERENCE, "quantities": quantities},
                     "idempotencyKey": str(uuid.uuid4())}
        data = self.api.run("RendoSetQuantities", SET_MUTATION, variables, cost=10)
        payload = data.get("inventorySetQuantities")
        if not isinstance(payload, dict):
            raise ChannelError(f"{self.name}: Shopify's answer to the stock update has no "
                               "payload", kind=ErrorKind.MALFORMED)
        errors = payload.get("userErrors") or []
        if not errors and not isinstance(payload.get("inventoryAdjustmentGroup"), dict):
            # nothing changed: every number was already what was asked (Shopify answers a
            # group only for changes) — still a success
            return []
        return list(errors) if isinstance(errors, list) else [errors]

    def _result(self, update: QuantityUpdate, listing: Listing, error: Any) -> UpdateResult:
        sku = update.channel_item_id
        code = str(error.get("code") or "")
        message = f"{self.name} refused {sku}: {error.get('message', '')} ({code})"
        if code in STALE:
            return UpdateResult(sku, UpdateStatus.CONFLICT, message=(
                f"{self.name} no longer shows {update.expected} for {sku}"))
        if code in PASSING:
            return UpdateResult(sku, UpdateStatus.RETRY, message=message)
        if code == "INVALID_LOCATION":
            self._location = None
            raise ChannelError(f"{self.name}: the location {self.location_setting or 'primary'}"
                               " no longer exists", kind=ErrorKind.NOT_FOUND)
        self.known.pop(sku, None)  # looked up again next time: it may have changed
        if code in NOT_HERE:
            return UpdateResult(sku, UpdateStatus.UNUSABLE, message=message)
        return UpdateResult(sku, UpdateStatus.REJECTED, message=message)


def _listing(node: Any, name: str) -> Listing:
    try:
        level = node.get("inventoryLevel")
        available: int | None = None
        if isinstance(level, dict):
            quantities = {q["name"]: q["quantity"] for q in level.get("quantities") or []}
            value = quantities["available"]
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("available is not a whole number")
            available = value
        return Listing(str(node.get("sku") or "").strip(), str(node["id"]),
                       bool(node.get("tracked", True)), available)
    except (KeyError, TypeError, AttributeError) as error:
        raise ChannelError(f"{name}: an inventory item is not readable "
                           f"({type(error).__name__}: {error})", kind=ErrorKind.MALFORMED
                           ) from None


def _by_sku(listings: list[Listing]) -> dict[str, list[Listing]]:
    found: dict[str, list[Listing]] = {}
    for listing in listings:
        found.setdefault(listing.sku, []).append(listing)
    return found


def _connection(value: Any, name: str, what: str) -> tuple[list[Any], str | None, bool]:
    try:
        nodes = list(value["nodes"])
        info = value["pageInfo"]
        more = bool(info["hasNextPage"])
        end = info.get("endCursor")
        if more and not end:
            raise ValueError("hasNextPage without an endCursor")
        return nodes, (str(end) if end else None), more
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ChannelError(f"{name}: Shopify's list of {what} is not readable ({error})",
                           kind=ErrorKind.MALFORMED) from None


def _quoted(sku: str) -> str:
    """A SKU as a search value: quoted, with quotes and backslashes escaped."""
    return "'" + re.sub(r"(['\\])", r"\\\1", sku) + "'"


def _position(error: Any, size: int) -> int | None:
    """The quantity a user error is about: ``field: ["input", "quantities", "3", …]``."""
    fields = error.get("field") if isinstance(error, dict) else None
    if not isinstance(fields, list) or len(fields) < 3 or fields[1] != "quantities":
        return None
    try:
        position = int(fields[2])
    except (TypeError, ValueError):
        return None
    return position if 0 <= position < size else None


def _refuse_all(name: str, errors: list[Any]) -> None:
    codes = {str(e.get("code")) if isinstance(e, dict) else "" for e in errors}
    detail = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e)
                       for e in errors)[:500]
    kind = ErrorKind.RATE_LIMITED if codes & PASSING else ErrorKind.REFUSED
    raise ChannelError(f"{name}: Shopify refused the stock update: {detail}", kind=kind)
