"""What the shop lists: every product and variation with a SKU, and whether Rendo may set its
stock (``manage_stock`` on at its own level)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.items import is_count

from .api import WooApi

OWN = "own"  # manage_stock on: stock_quantity is this listing's own
OFF = "off"  # manage_stock off: WooCommerce keeps no number for it
PARENT = "parent"  # a variation whose stock is its parent product's


@dataclass(frozen=True, slots=True)
class Listing:
    sku: str
    id: int
    parent_id: int  # 0 for a product; the variable product for a variation
    stock: str  # OWN, OFF or PARENT
    quantity: int | None


def listing_of(item: dict[str, Any], parent_id: int = 0) -> Listing | None:
    """A product or variation as a listing; None without a SKU (Rendo cannot name it)."""
    sku, item_id = item.get("sku"), item.get("id")
    if not isinstance(sku, str) or not sku.strip() or not isinstance(item_id, int) \
            or not is_count(item_id):
        return None
    manage = item.get("manage_stock")
    stock = OWN if manage is True else PARENT if manage == PARENT else OFF
    quantity = item.get("stock_quantity")
    return Listing(sku, int(item_id), parent_id, stock,
                   quantity if isinstance(quantity, int) and not isinstance(quantity, bool)
                   else None)


def read_catalogue(api: WooApi) -> dict[str, Listing]:
    """Every product and variation with a SKU, by SKU (products 100 a page; the variations
    of each variable product from its own list)."""
    found: dict[str, Listing] = {}
    variable: list[int] = []
    for items, _ in api.pages("/products"):
        for item in items:
            listing = listing_of(item)
            if listing is not None:
                found[listing.sku] = listing
            if item.get("type") == "variable" and is_count(item.get("id")):
                variable.append(int(item["id"]))
    for parent_id in variable:
        for items, _ in api.pages(f"/products/{parent_id}/variations"):
            for item in items:
                listing = listing_of(item, parent_id)
                if listing is not None:
                    found[listing.sku] = listing
    return found


def quantities(catalogue: dict[str, Listing]) -> dict[str, int]:
    """What the shop shows for every listing whose stock Rendo may set."""
    return {sku: listing.quantity for sku, listing in catalogue.items()
            if listing.stock == OWN and listing.quantity is not None}
