"""What the contract suite asks of every channel's double.

A double is a real local HTTP server (``http://127.0.0.1:PORT``) that answers as the channel's
published API does: same paths, headers, payloads, errors, paging, throttling and token
expiry, built from the channel's published documentation and example payloads (each double
cites its sources). The suite drives the shop's side through these methods, as a customer or
the shop owner would act on the channel itself, and Rendo through its own services.
"""

from __future__ import annotations

from typing import Protocol


class ChannelDouble(Protocol):
    type: str  # the channel type ("shopify", "woocommerce", "base", "sandbox")
    url: str  # base address for ``--url`` (scheme and host of every endpoint)
    settings: dict[str, str]  # ``--set`` values a channel needs against this double
    credentials: dict[str, str]  # credentials the double accepts now
    batch_limit: int  # the most listings the API takes in one write call
    calls: list[tuple[str, str]]  # (method, path) of every request received, in order

    def start(self) -> None: ...

    def stop(self) -> None: ...

    # -- the shop's catalogue, as the owner sets it up on the channel ---------------------
    def add_listing(self, channel_item_id: str, quantity: int) -> None:
        """A listing (product or variant) with this SKU/code, stock managed, at *quantity*."""

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        """A listing whose stock the channel does not let Rendo set (WooCommerce
        manage_stock off…); a double whose channel has no such thing refuses its writes."""

    def quantity(self, channel_item_id: str) -> int | None:
        """What the channel shows now (None: no such listing)."""

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        """The owner changes the number by hand in the channel's admin."""

    # -- customers ---------------------------------------------------------------------------
    def place_order(self, lines: list[tuple[str, int]]) -> str:
        """A customer orders (SKU, units) lines; the channel takes the units off its own
        stock as it does. Returns the channel's order id."""

    def cancel_order(self, order_id: str) -> None:
        """The whole order is cancelled; the channel gives the units back as it does."""

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        """Part of one line is cancelled/refunded with restock (a partial cancellation)."""

    # -- faults --------------------------------------------------------------------------------
    def refuse_writes(self, channel_item_id: str) -> None:
        """Writes to this listing are refused by the channel (a validation error) from now."""

    def throttle(self, calls: int) -> None:
        """The next *calls* requests get the channel's own throttling answer."""

    def expire_access_token(self) -> None:
        """The access token in use expires now (adapters that refresh must renew it; for
        channels whose credential does not expire, this does nothing)."""

    def revoke_credentials(self) -> None:
        """Every credential is revoked: all calls fail as the channel fails them. The owner
        then makes new ones in the channel's admin: ``credentials`` holds them from now on."""
