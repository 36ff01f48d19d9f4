"""Orders as Rendo applies them: each line at the units WooCommerce itself keeps off its stock.

WooCommerce takes stock when an order reaches processing, on-hold or completed
(``wc_maybe_reduce_stock_levels``, which writes ``_reduced_stock`` on each line of a product
that manages stock) and gives it back when the order goes to cancelled or back to pending
(``wc_maybe_increase_stock_levels``, which removes that meta). A refund gives units back only
when "Restock refunded items" was ticked (``wc_restock_refunded_items`` lowers
``_reduced_stock`` and raises ``_restock_refunded_items``); the refund itself does not say so
(``api_restock`` is write-only), the order line's metas do. So a line counts as:

- 0, a cancelled line, for an order cancelled, back to pending, a checkout draft or in the
  trash: the goods are back (or never left), even where WooCommerce could not put the units
  back on a number it no longer manages. An order that never took stock gives nothing back,
  one that did gives back once;
- otherwise ``_reduced_stock`` when the line has it: exactly what WooCommerce holds for it (a
  failed order that had been on hold keeps its units, as in WooCommerce);
- otherwise 0 for a failed order (payment failed before any stock was taken);
- otherwise, for an order in a status that holds stock (processing, on-hold, completed,
  refunded, or a status added by a plugin, which orders normally reach from processing):
  the quantity less the restocked refunded units. This covers products whose stock
  WooCommerce does not manage: the goods still left the shelf.

When an order's lines carry none of these metas (the REST API docs show ``meta_data: []``;
a site may hide underscore metas) and the order has refunds, its refunds are read
(``GET /orders/{id}/refunds``, documented) and the units they refund are taken off each line
(refund lines carry negative quantities and ``_refunded_item_id``, the order line's id;
without it, the same product and variation): the docs say ``api_restock`` defaults to true.

Orders are read with documented parameters only: ``modified_after`` (GMT,
``dates_are_gmt=true``), ``orderby=id`` (the docs know no ``modified`` order), ``order=asc``,
100 a page up to ``X-WP-TotalPages``. By id, an order changed while we read keeps its place
(new ones come last), and each order is kept once, at its latest version seen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.channels.base import ChannelError, ErrorKind
from app.domain.orders import OrderLine

from .api import WooApi

HOLDING = frozenset({"processing", "on-hold", "completed", "refunded"})
GIVEN_BACK = frozenset({"cancelled", "pending", "checkout-draft", "trash", "auto-draft"})


def wc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_gmt(text: Any) -> datetime:
    """A ``_gmt`` date of WooCommerce (no zone written: it is GMT)."""
    if not isinstance(text, str):
        raise ValueError(f"not a date: {text!r}")
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _meta(line: dict[str, Any], key: str) -> int | None:
    for meta in line.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == key:
            try:
                return int(str(meta.get("value")).strip())
            except ValueError:
                return None
    return None


STOCK_METAS = ("_reduced_stock", "_restock_refunded_items")


def held_units(status: str, line: dict[str, Any], refunded: int | None = None) -> int:
    """The units of *line* WooCommerce keeps off its stock now (see the module's notes);
    *refunded*: the units its refunds gave back, for a line without WooCommerce's metas."""
    if status in GIVEN_BACK:
        return 0
    reduced = _meta(line, "_reduced_stock")
    if reduced is not None:
        return max(0, reduced)
    if status == "failed":
        return 0
    quantity = int(line["quantity"])
    restocked = _meta(line, "_restock_refunded_items")
    if restocked is None and refunded is not None:
        restocked = refunded
    return max(0, quantity - max(0, restocked or 0))


def needs_refunds(order: dict[str, Any]) -> bool:
    """An order with refunds whose lines do not say what WooCommerce restocked."""
    refunds = order.get("refunds")
    if not isinstance(refunds, list) or not refunds:
        return False
    lines = order.get("line_items")
    return isinstance(lines, list) and not any(
        isinstance(line, dict) and _meta(line, key) is not None
        for line in lines for key in STOCK_METAS)


def refunded_units(api: WooApi, order: dict[str, Any]) -> dict[str, int]:
    """The units each line of *order* had refunded, by line id, from its refunds."""
    refunds = [refund for page, _ in api.pages(f"/orders/{order['id']}/refunds")
               for refund in page]
    lines = [line for line in order.get("line_items") or [] if isinstance(line, dict)]
    found = {str(line.get("id")): 0 for line in lines}
    try:
        for refund in refunds:
            for item in refund.get("line_items") or []:
                units = -int(item.get("quantity") or 0)
                line_id = _meta(item, "_refunded_item_id")
                if line_id is None:  # the same product (and variation) on the order
                    line_id = next((int(line["id"]) for line in lines
                                    if line.get("product_id") == item.get("product_id")
                                    and (line.get("variation_id") or 0)
                                    == (item.get("variation_id") or 0)), None)
                if line_id is not None and str(line_id) in found and units > 0:
                    found[str(line_id)] += units
    except (TypeError, ValueError, AttributeError) as error:
        raise ChannelError(f"{api.name}: the refunds of order {order.get('id')!r} are not "
                           f"readable ({type(error).__name__}: {error})",
                           kind=ErrorKind.MALFORMED) from None
    return found


def order_lines(channel: str, order: dict[str, Any],
                refunded: dict[str, int] | None = None) -> list[OrderLine]:
    """*refunded*: ``refunded_units`` for an order that ``needs_refunds``."""
    try:
        status = str(order["status"])
        placed = parse_gmt(order["date_created_gmt"]).replace(tzinfo=None)
        lines = []
        for line in order["line_items"]:
            held = held_units(status, line, None if refunded is None
                              else refunded.get(str(line["id"]), 0))
            sku = line.get("sku")
            item = sku if isinstance(sku, str) and sku.strip() else (
                f"#{line.get('variation_id') or line.get('product_id')}")
            lines.append(OrderLine(
                channel=channel, order_id=str(order["id"]), line_id=str(line["id"]),
                channel_item_id=item, quantity=held,
                cancelled=held == 0 and status not in HOLDING, placed_at=placed))
        return lines
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        raise ChannelError(f"{channel}: order {order.get('id')!r} is not readable "
                           f"({type(error).__name__}: {error})",
                           kind=ErrorKind.MALFORMED) from None


def orders_since(api: WooApi, start: datetime) -> tuple[list[dict[str, Any]], datetime | None]:
    """Every order changed after *start*, latest version of each, oldest change first; and
    the site's clock (its ``Date`` header) when it said."""
    seen: dict[str, dict[str, Any]] = {}
    site_now: datetime | None = None
    for batch, reply in api.pages("/orders", {
            "modified_after": wc_date(start), "dates_are_gmt": "true", "orderby": "id",
            "order": "asc"}):
        site_now = _date_header(reply.headers.get("Date")) or site_now
        for order in batch:
            _check_changed(api.name, order)
            seen[str(order.get("id"))] = order
    return sorted(seen.values(), key=_changed), site_now


def _check_changed(channel: str, order: dict[str, Any]) -> None:
    try:
        _changed(order)
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise ChannelError(f"{channel}: order {order.get('id')!r} has no readable "
                           f"date_modified_gmt ({error})", kind=ErrorKind.MALFORMED) from None


def _changed(order: dict[str, Any]) -> tuple[datetime, str]:
    return parse_gmt(order["date_modified_gmt"]), str(order.get("id"))


def _date_header(value: Any) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def next_cursor(after: datetime | None, orders: list[dict[str, Any]],
                site_now: datetime | None, now: datetime, overlap: timedelta) -> str:
    """The latest change seen (never behind the old cursor), else the site's time; never past
    the site's clock nor this PC's, so that a future date cannot hide later orders."""
    ceiling = min(site_now, now) if site_now is not None else now - overlap
    if not orders:
        return wc_date(ceiling)
    latest = max(_changed(order)[0] for order in orders)
    cursor = max(latest, after) if after else latest
    return wc_date(min(cursor, ceiling))
