"""The WooCommerce adapter: stock by SKU through ``products/batch`` and
``products/{id}/variations/batch``, orders by ``modified_after`` (and, for orders whose lines
do not show WooCommerce's stock metas, their refunds).

WooCommerce has no compare-and-set and documents no relative stock write, so its
``stock_quantity`` is set absolutely and the engine reads the shop's orders right before every
upload. A listing whose stock
WooCommerce does not manage ("Manage stock?" off, or a variation that leaves it to its
parent product) cannot take a number: it is answered UNUSABLE at once and never retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.channels.base import (
    ChannelError,
    ChannelInfo,
    ChannelLimits,
    ErrorKind,
    OrderPage,
    QuantityUpdate,
    RateBudget,
    UpdateResult,
    UpdateStatus,
)
from app.channels.http import HttpClient

from .api import RENEW, WooApi, WooRefusal, error_parts
from .catalogue import OFF, OWN, PARENT, Listing, listing_of, quantities, read_catalogue
from .orders import (
    needs_refunds,
    next_cursor,
    order_lines,
    orders_since,
    parse_gmt,
    refunded_units,
)

log = logging.getLogger(__name__)

WOO_LIMITS = ChannelLimits(
    batch_size=100,  # WooCommerce's batch limit (woocommerce_rest_batch_items_limit)
    requests_per_second=5.0,  # WooCommerce has no limit of its own; hosts do
    maximum_quantity=None, unlimited_quantity=9999, compare_and_set=False, relative=False,
    order_overlap_s=120, restocks_on_cancel=True,
)


class WooCommerceChannel:
    """ChannelAdapter for a WooCommerce shop at ``info.settings["url"]`` (its site address)."""

    def __init__(self, info: ChannelInfo, client: HttpClient,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.info = info
        self.limits = WOO_LIMITS
        self.client = client
        self.api = WooApi(client, info.name)
        self.clock = clock
        self._catalogue: dict[str, Listing] | None = None

    def close(self) -> None:
        self.client.close()

    def budget(self) -> RateBudget | None:
        return None  # WooCommerce says nothing of a budget

    def set_deadline(self, deadline: float | None) -> None:
        self.client.cycle_deadline = deadline

    def cancel(self) -> None:
        self.client.cancel()

    # -- connection ----------------------------------------------------------------------------
    def test_connection(self) -> None:
        """Name what is wrong: not a WooCommerce site, refused keys, or Read-only keys."""
        name = self.info.name
        try:
            index = self.api.call("GET", "")
        except WooRefusal as refusal:
            if refusal.kind is ErrorKind.AUTHENTICATION:
                raise
            raise ChannelError(f"{name}: {self.client.base_url} is not a WooCommerce site "
                               "(no WooCommerce REST API v3 at /wp-json/wc/v3)",
                               kind=ErrorKind.NOT_FOUND) from None
        except ChannelError as error:
            if error.kind is not ErrorKind.MALFORMED:
                raise
            raise ChannelError(f"{name}: {self.client.base_url} is not a WooCommerce site "
                               "(its answer is not the WordPress REST API's)",
                               kind=ErrorKind.NOT_FOUND) from None
        if not isinstance(index.body, dict) or index.body.get("namespace") != "wc/v3":
            raise ChannelError(f"{name}: {self.client.base_url} is not a WooCommerce site "
                               "(no WooCommerce REST API v3 at /wp-json/wc/v3)",
                               kind=ErrorKind.NOT_FOUND)
        self.api.call("GET", "/products", params={"per_page": 1})  # refused keys: 401
        try:  # an empty batch changes nothing; a Read-only key is refused here
            self.api.call("POST", "/products/batch", json={})
        except WooRefusal as refusal:
            if refusal.status == 400:  # a site that will not take an empty batch
                log.warning("%s: write permission was not checked (the empty batch probe "
                            "was refused: %s)", name, refusal)
                return
            if refusal.kind is not ErrorKind.AUTHENTICATION:
                raise
            raise ChannelError(f"{name}: the REST API key can only read; Rendo needs a key "
                               "with Read/Write permissions", kind=ErrorKind.AUTHENTICATION,
                               renew=RENEW) from None

    # -- orders ------------------------------------------------------------------------------
    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        now = _utc(self.clock())
        after = self._cursor_time(cursor)
        if after is not None and after > now:
            log.warning("%s: order cursor %s is in the future; reading from now",
                        self.info.name, cursor)
            after = now
        overlap = timedelta(seconds=self.limits.order_overlap_s)
        orders, site_now = orders_since(self.api, (after or _utc(since)) - overlap)
        lines = [line for order in orders for line in order_lines(
            self.info.name, order, refunded_units(self.api, order) if needs_refunds(order)
            else None)]
        return OrderPage(lines, next_cursor(after, orders, site_now, now, overlap))

    def _cursor_time(self, cursor: str | None) -> datetime | None:
        if not cursor:
            return None
        try:
            return parse_gmt(cursor)
        except ValueError:
            log.warning("%s: unreadable order cursor %r, reading from the connection time",
                        self.info.name, cursor)
            return None

    # -- quantities --------------------------------------------------------------------------
    def read_quantities(self) -> dict[str, int]:
        self._catalogue = read_catalogue(self.api)
        return quantities(self._catalogue)

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        results: dict[int, UpdateResult] = {}
        catalogue = self._catalogue_for([u.channel_item_id for u in updates])
        groups: dict[int, list[tuple[int, QuantityUpdate, Listing]]] = {}
        for index, update in enumerate(updates):
            listing = catalogue.get(update.channel_item_id)
            refusal = self._local_refusal(update, listing)
            if refusal is not None:
                results[index] = refusal
            elif listing is not None:
                groups.setdefault(listing.parent_id, []).append((index, update, listing))
        size = max(1, self.limits.batch_size)
        for parent_id, items in groups.items():
            for start in range(0, len(items), size):
                results.update(self._send(parent_id, items[start:start + size]))
        return [results[index] for index in range(len(updates))]

    def _catalogue_for(self, skus: list[str]) -> dict[str, Listing]:
        """The catalogue, read again (once) when it lacks one of *skus*."""
        if self._catalogue is None or any(sku not in self._catalogue for sku in skus):
            self._catalogue = read_catalogue(self.api)
        return self._catalogue

    def _local_refusal(self, update: QuantityUpdate,
                       listing: Listing | None) -> UpdateResult | None:
        sku = update.channel_item_id
        if listing is None:
            return UpdateResult(sku, UpdateStatus.REJECTED,
                                message=f"SKU {sku} is not a product or variation in "
                                f"{self.info.name}")
        if listing.stock != OWN:
            return self._unusable(sku, listing.stock)
        if update.quantity < 0:
            return UpdateResult(sku, UpdateStatus.REJECTED,
                                message=f"negative quantity for {sku}")
        return None

    def _unusable(self, sku: str, stock: str) -> UpdateResult:
        if stock == PARENT:
            message = (f"SKU {sku} is a variation whose stock is managed on its parent "
                       f"product in WooCommerce; turn on manage stock for the variation")
        else:
            message = f"manage stock is off for SKU {sku} in WooCommerce"
        return UpdateResult(sku, UpdateStatus.UNUSABLE, message=message)

    def _send(self, parent_id: int, items: list[tuple[int, QuantityUpdate, Listing]]
              ) -> dict[int, UpdateResult]:
        """One batch call; 413 (more than the site accepts) is split in halves."""
        route = (f"/products/{parent_id}/variations/batch" if parent_id
                 else "/products/batch")
        body = {"update": [{"id": listing.id, "stock_quantity": update.quantity}
                           for _, update, listing in items]}
        try:
            reply = self.api.call("POST", route, json=body)
        except WooRefusal as refusal:
            if refusal.stops_channel:
                raise
            if refusal.status == 413 and len(items) > 1:
                half = len(items) // 2
                log.info("%s: %s takes fewer than %d items; splitting", self.info.name, route,
                         len(items))
                return {**self._send(parent_id, items[:half]),
                        **self._send(parent_id, items[half:])}
            if refusal.status == 404:
                self._catalogue = None  # the product went away: read the catalogue again
            return {index: UpdateResult(update.channel_item_id, UpdateStatus.REJECTED,
                                        message=str(refusal)) for index, update, _ in items}
        except ChannelError as error:
            if error.stops_channel:
                raise
            return {index: UpdateResult(update.channel_item_id, UpdateStatus.RETRY,
                                        message=str(error), retry_after=error.retry_after)
                    for index, update, _ in items}
        answers = reply.body.get("update") if isinstance(reply.body, dict) else None
        by_id = {answer.get("id"): answer for answer in answers or []
                 if isinstance(answer, dict)}
        return {index: self._result(update, listing, by_id.get(listing.id))
                for index, update, listing in items}

    def _result(self, update: QuantityUpdate, listing: Listing, answer: Any) -> UpdateResult:
        sku = update.channel_item_id
        if not isinstance(answer, dict):
            return UpdateResult(sku, UpdateStatus.RETRY,
                                message=f"{self.info.name}: no answer for SKU {sku}")
        if "error" in answer:
            code, message = error_parts(answer["error"])
            if code == "woocommerce_rest_product_invalid_id":
                self._catalogue = None
            return UpdateResult(sku, UpdateStatus.REJECTED,
                                message=f"{self.info.name} refused SKU {sku}: {code}"
                                f"{': ' + message if message else ''}")
        now = listing_of(answer, listing.parent_id)
        if now is None or now.stock != OWN:
            stock = now.stock if now is not None else OFF
            self._remember(replace(listing, stock=stock))
            return self._unusable(sku, stock)
        self._remember(now)
        return UpdateResult(sku, UpdateStatus.OK, now.quantity)

    def _remember(self, listing: Listing) -> None:
        if self._catalogue is not None:
            self._catalogue[listing.sku] = listing


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
