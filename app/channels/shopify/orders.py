"""Shopify orders changed since a cursor: ``orders(query: "updated_at:>'…'", sortKey:
UPDATED_AT)`` with cursor paging.

A line's quantity is its ``currentQuantity`` (the ordered quantity minus what was removed by
an edit, a refund or a cancellation), so a partial refund or an edit moves stock by the
difference; a cancelled order (``cancelledAt``) cancels all its lines. Lines without a SKU
(custom items, tips) are not stock and are left out.

The cursor is the latest ``updatedAt`` read, never past Shopify's clock (the answer's
``Date`` header) nor this PC's; every read starts ``order_overlap_s`` before it, and the engine's
idempotency key removes the repeats. All pages of one read are read in the same call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.orders import OrderLine

from ..base import ChannelError, ErrorKind, OrderPage
from .graphql import ShopifyGraphQL
from .inventory import _connection

log = logging.getLogger(__name__)

ORDERS_PAGE = 25  # 2 + 25 × (1 + 2 + 30) = 827 points: under the 1,000 of one query
LINES_PAGE = 30
MORE_LINES_PAGE = 250
MAX_PAGES = 4_000  # 100,000 orders in one read: a guard against a shop that always says more

LINE_FIELDS = "id sku quantity currentQuantity"

ORDERS_QUERY = f"""query RendoOrders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id createdAt updatedAt cancelledAt
      lineItems(first: {LINES_PAGE}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {LINE_FIELDS} }}
      }}
    }}
  }}
}}"""

MORE_LINES_QUERY = f"""query RendoOrderLines($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: {MORE_LINES_PAGE}, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {LINE_FIELDS} }}
    }}
  }}
}}"""


class Orders:
    def __init__(self, api: ShopifyGraphQL, channel: str, overlap_s: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.api = api
        self.channel = channel
        self.overlap = timedelta(seconds=overlap_s)
        self.clock = clock

    def read(self, cursor: str | None, since: datetime) -> OrderPage:
        now = _utc(self.clock())
        after = _parse_cursor(cursor, self.channel)
        if after is not None and after > now:
            log.warning("%s: order cursor %s is in the future; reading from now",
                        self.channel, cursor)
            after = now
        start = (after or _utc(since)) - self.overlap
        search = f"updated_at:>'{start.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        orders = self._all(search)
        lines = [line for order in orders for line in self._lines(order)]
        shopify_now = self.api.server_time
        # no reading of Shopify's clock: stay the overlap behind ours, so that a PC clock
        # ahead of Shopify's cannot pass orders Shopify has not stamped yet
        ceiling = min(shopify_now, now) if shopify_now is not None else now - self.overlap
        return OrderPage(lines, _next_cursor(after, orders, ceiling))

    def _all(self, search: str) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        page_after: str | None = None
        for _ in range(MAX_PAGES):
            data = self.api.run("RendoOrders", ORDERS_QUERY, {
                "first": ORDERS_PAGE, "after": page_after, "query": search},
                cost=2 + ORDERS_PAGE * (3 + LINES_PAGE))
            nodes, page_after, more = _connection(data.get("orders"), self.channel, "orders")
            for order in nodes:
                if not isinstance(order, dict) or not order.get("id"):
                    raise ChannelError(f"{self.channel}: an order is not readable",
                                       kind=ErrorKind.MALFORMED)
                seen[str(order["id"])] = order
            if not more:
                return list(seen.values())
        raise ChannelError(f"{self.channel}: more than {MAX_PAGES} pages of orders",
                           kind=ErrorKind.MALFORMED)

    def _line_nodes(self, order: dict[str, Any]) -> list[Any]:
        nodes, after, more = _connection(order.get("lineItems"), self.channel, "order lines")
        while more:
            data = self.api.run("RendoOrderLines", MORE_LINES_QUERY,
                                {"id": order["id"], "after": after},
                                cost=1 + 2 + MORE_LINES_PAGE)
            found = data.get("order")
            if not isinstance(found, dict):
                raise ChannelError(f"{self.channel}: order {order['id']} vanished while its "
                                   "lines were read", kind=ErrorKind.MALFORMED)
            more_nodes, after, more = _connection(found.get("lineItems"), self.channel,
                                                  "order lines")
            nodes += more_nodes
        return nodes

    def _lines(self, order: dict[str, Any]) -> list[OrderLine]:
        try:
            placed = _parse_time(order["createdAt"]).replace(tzinfo=None)
            if not placed.microsecond:
                # Shopify stamps to the second: an order of the second the channel was
                # connected in counts as placed after it (dropping it would oversell)
                placed += timedelta(microseconds=999_999)
            cancelled = order.get("cancelledAt") is not None
            lines = []
            for line in self._line_nodes(order):
                sku = str(line.get("sku") or "").strip()
                if not sku:
                    continue
                current = line["currentQuantity"]
                if isinstance(current, bool) or not isinstance(current, int):
                    raise TypeError("currentQuantity is not a whole number")
                lines.append(OrderLine(channel=self.channel, order_id=str(order["id"]),
                                       line_id=str(line["id"]), channel_item_id=sku,
                                       quantity=current, cancelled=cancelled,
                                       placed_at=placed))
            return lines
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise ChannelError(f"{self.channel}: order {order.get('id')!r} is not readable "
                               f"({type(error).__name__}: {error})",
                               kind=ErrorKind.MALFORMED) from None


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_time(text: Any) -> datetime:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return _utc(moment)


def _parse_cursor(cursor: str | None, channel: str) -> datetime | None:
    if not cursor:
        return None
    try:
        return _parse_time(cursor)
    except ValueError:
        log.warning("%s: unreadable order cursor %r, reading from the connection time",
                    channel, cursor)
        return None


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_cursor(after: datetime | None, orders: list[dict[str, Any]],
                 ceiling: datetime) -> str:
    """The latest updatedAt seen (never behind the old cursor), else *ceiling*; never past
    *ceiling* (Shopify's clock and this PC's), so that an order stamped in the future cannot
    hide the ones after it."""
    if not orders:
        return _format(ceiling)
    latest = max(_parse_time(order["updatedAt"]) for order in orders)
    cursor = max(latest, after) if after else latest
    return _format(min(cursor, ceiling))
