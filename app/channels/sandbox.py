"""The adapter for the sandbox shop (app/channels/sandbox_server.py) over its REST API.

Orders are read by keyset paging on ``updated_since``: each next request starts at the last
``updated_at`` seen, so an order changed while we page moves to a later page instead of
shifting another one out of sight. Every page is read in one call (``more`` stays False):
starting each call ``order_overlap_s`` before the cursor could otherwise loop on a busy shop.
A shop that answers the same page again, or "more" for longer than the cycle may take, fails
the call with a plain message instead of keeping the cycle (and the channels after it) busy.

The next cursor never passes the shop's ``server_time`` nor this PC's clock: an order stamped
in the future (a JST time written with ``Z``) is read again each cycle, harmlessly, instead of
hiding every later order until the clock catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP
from app.domain.orders import OrderLine

from .base import (
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
from .channel_type import ChannelType, Field
from .http import HttpClient, HttpStatusError
from .sandbox_shop import format_stamp, parse_stamp

log = logging.getLogger(__name__)

SANDBOX_LIMITS = ChannelLimits(
    batch_size=100, requests_per_second=10.0, maximum_quantity=99_999,
    unlimited_quantity=9999, compare_and_set=True, relative=False, order_overlap_s=120,
    restocks_on_cancel=True,
)
MAX_PAGES = 2_000  # 100,000 orders in one read: a guard against a shop that always says more


class SandboxChannel:
    """ChannelAdapter for a sandbox shop at ``info.settings["url"]``.

    With *client* given, its own token_getter is used and *token* is ignored.
    """

    def __init__(self, info: ChannelInfo, token: str | None = None,
                 client: HttpClient | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.info = info
        self.limits = SANDBOX_LIMITS
        if client is None:
            client = HttpClient(str(info.settings.get("url") or ""), token_getter=lambda: token,
                                rate_per_s=self.limits.requests_per_second)
        self.client = client
        self.clock = clock

    def close(self) -> None:
        self.client.close()

    def budget(self) -> RateBudget | None:
        return None

    def set_deadline(self, deadline: float | None) -> None:
        self.client.cycle_deadline = deadline

    def cancel(self) -> None:
        self.client.cancel()

    # -- orders ------------------------------------------------------------------------------
    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        now = _utc(self.clock())
        after = self._cursor_time(cursor)
        if after is not None and after > now:  # left in the future by an earlier version
            log.warning("%s: order cursor %s is in the future; reading from now", self.info.name,
                        cursor)
            after = now
        start = after or _utc(since)
        orders, server_time = self._all_orders_since(start - self._overlap)
        lines = [line for order in orders for line in self._lines(order)]
        return OrderPage(lines, _next_cursor(after, orders, server_time, now, self._overlap))

    @property
    def _overlap(self) -> timedelta:
        return timedelta(seconds=self.limits.order_overlap_s)

    def _cursor_time(self, cursor: str | None) -> datetime | None:
        if not cursor:
            return None
        try:
            return parse_stamp(cursor)
        except ValueError:
            log.warning("%s: unreadable order cursor %r, reading from the connection time",
                        self.info.name, cursor)
            return None

    def _all_orders_since(self, start: datetime) -> tuple[list[dict[str, Any]], str]:
        """Every order updated at or after *start*, latest version of each, oldest first."""
        seen: dict[str, dict[str, Any]] = {}
        since, page = start, 1
        previous: list[tuple[str, str]] | None = None
        for _ in range(MAX_PAGES):  # past the cycle's deadline the client sends no more calls
            _, body = self.client.request("GET", "/api/orders", ok=(200,), params={
                "updated_since": format_stamp(since), "page": page})
            batch, more, server_time = _order_page(body)
            for order in batch:
                seen[str(order["id"])] = order
            if not more or not batch:
                return sorted(seen.values(), key=_order_key), server_time
            keys = [(str(order["id"]), str(order["updated_at"])) for order in batch]
            if keys == previous:
                raise ChannelError(f"{self.info.name}: the shop sent the same page of orders "
                                   "again and says there are more; reading stopped")
            previous = keys
            last = parse_stamp(batch[-1]["updated_at"])
            since, page = (last, 1) if last > since else (since, page + 1)
        raise ChannelError(f"{self.info.name}: more than {MAX_PAGES} pages of orders")

    def _lines(self, order: dict[str, Any]) -> list[OrderLine]:
        try:
            placed = parse_stamp(order["created_at"]).replace(tzinfo=None)
            cancelled = order["status"] == "cancelled"
            return [
                OrderLine(channel=self.info.name, order_id=str(order["id"]),
                          line_id=str(line["line_id"]), channel_item_id=str(line["sku"]),
                          quantity=int(line["quantity"]), cancelled=cancelled, placed_at=placed)
                for line in order["lines"]
            ]
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise ChannelError(f"{self.info.name}: order {order.get('id')!r} is not "
                               f"readable ({type(error).__name__}: {error})") from None

    # -- quantities --------------------------------------------------------------------------
    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        results: list[UpdateResult] = []
        size = max(1, self.limits.batch_size)
        for start in range(0, len(updates), size):
            results.extend(self._set_batch(list(updates[start:start + size])))
        return results

    def _set_batch(self, batch: list[QuantityUpdate]) -> list[UpdateResult]:
        results: list[UpdateResult | None] = [_local_refusal(u) for u in batch]
        kind: ErrorKind | None = None
        send = [(i, u) for i, u in enumerate(batch) if results[i] is None]
        if not send:
            return [r for r in results if r is not None]
        items = [{"sku": u.channel_item_id, "quantity": u.quantity}
                 | ({"expected": u.expected} if u.expected is not None else {}) for _, u in send]
        try:
            _, body = self.client.request("PUT", "/api/stock", json={"items": items})
            answers = body.get("results") if isinstance(body, dict) else None
        except HttpStatusError as error:
            if error.stops_channel:
                raise  # refused credentials: the channel stops, not this batch
            answers, failure, wait = None, (UpdateStatus.REJECTED, str(error)), error.retry_after
        except ChannelError as error:
            if error.stops_channel:
                raise
            answers, failure, wait = None, (UpdateStatus.RETRY, str(error)), error.retry_after
            kind = error.kind
        else:
            failure = (UpdateStatus.RETRY, "the shop's answer had no per-item results")
            wait = None
        for n, (index, update) in enumerate(send):
            answer = answers[n] if isinstance(answers, list) and n < len(answers) else None
            result = self._result(update, answer, failure)
            if result.status is UpdateStatus.RETRY:
                result = replace(result, retry_after=wait, kind=kind)
            results[index] = result
        return [r for r in results if r is not None]

    def _result(self, update: QuantityUpdate, answer: Any,
                failure: tuple[UpdateStatus, str]) -> UpdateResult:
        sku = update.channel_item_id
        if not isinstance(answer, dict) or answer.get("sku") != sku:
            return UpdateResult(sku, failure[0], message=failure[1])
        status, shown = answer.get("status"), answer.get("quantity")
        shown = shown if isinstance(shown, int) else None
        if status == "ok":
            return UpdateResult(sku, UpdateStatus.OK, shown)
        if status == "conflict":
            return UpdateResult(sku, UpdateStatus.CONFLICT, shown,
                                f"{self.info.name} shows {shown}, expected {update.expected}")
        if status == "not_found":
            return UpdateResult(sku, UpdateStatus.REJECTED,
                                message=f"{sku} is not listed on {self.info.name}")
        if status == "invalid":
            return UpdateResult(sku, UpdateStatus.REJECTED, shown,
                                f"{self.info.name} refused {sku}: {answer.get('error', '')}")
        return UpdateResult(sku, UpdateStatus.RETRY,
                            message=f"{self.info.name}: unexpected answer for {sku}: {status}")

    def read_quantities(self) -> dict[str, int]:
        _, body = self.client.request("GET", "/api/stock", ok=(200,))
        try:
            return {str(item["sku"]): int(item["quantity"]) for item in body["items"]}
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            raise ChannelError(f"{self.info.name}: the stock list is not readable") from None

    def test_connection(self) -> None:
        _, body = self.client.request("GET", "/api/shop", ok=(200,))
        if not isinstance(body, dict) or "listings" not in body:
            raise ChannelError(f"{self.info.name}: "
                               "this address does not answer like a sandbox shop")


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _next_cursor(after: datetime | None, orders: list[dict[str, Any]], server_time: str,
                 now: datetime, overlap: timedelta) -> str:
    """The latest updated_at seen (never behind the old cursor), else the server's time; never
    past the shop's own time or this PC's, so that a future stamp cannot hide later orders."""
    try:
        ceiling = min(parse_stamp(server_time), now)
    except (TypeError, ValueError, AttributeError, OverflowError):
        # no reading of the shop's clock: stay the overlap behind ours, so that a PC clock
        # ahead of the shop's cannot pass orders the shop has not stamped yet
        ceiling = now - overlap
    if not orders:
        return format_stamp(ceiling)
    latest = max(parse_stamp(order["updated_at"]) for order in orders)
    cursor = max(latest, after) if after else latest
    return format_stamp(min(cursor, ceiling))


def _order_key(order: dict[str, Any]) -> tuple[str, str]:
    return str(order.get("updated_at", "")), str(order.get("id", ""))


def _order_page(body: Any) -> tuple[list[dict[str, Any]], bool, str]:
    try:
        orders = list(body["orders"])
        for order in orders:
            str(order["id"]), parse_stamp(order["updated_at"])
        return orders, bool(body["has_more"]), str(body["server_time"])
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise ChannelError("the shop's order list is not readable") from None


def _local_refusal(update: QuantityUpdate) -> UpdateResult | None:
    """Refuse here what the shop would refuse for the whole batch (one bad item, not all)."""
    if update.quantity < 0:
        return UpdateResult(update.channel_item_id, UpdateStatus.REJECTED,
                            message=f"negative quantity for {update.channel_item_id}")
    return None


def _make(info: ChannelInfo, credentials: Credentials) -> SandboxChannel:
    client = HttpClient(str(info.settings.get("url") or ""),
                        token_getter=lambda: credentials.get("token"),
                        rate_per_s=SANDBOX_LIMITS.requests_per_second)
    return SandboxChannel(info, client=client)


CHANNEL_TYPE = ChannelType(
    name="sandbox", label=QT_TRANSLATE_NOOP("ChannelTypes", "Sandbox shop (demo and tests)"),
    factory=_make, limits=SANDBOX_LIMITS, order=90,
    credentials=(Field("token", QT_TRANSLATE_NOOP("ChannelTypes", "Token"), QT_TRANSLATE_NOOP(
        "ChannelTypes", "The token the sandbox shop was started with (none: leave empty)."),
        required=False),),
)
