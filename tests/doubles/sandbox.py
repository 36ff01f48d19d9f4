"""The sandbox shop (app/channels/sandbox_server.py) as a channel double.

The sandbox is Rendo's own shop API (documented in README.md, "Sandbox shop API"), so this
double is the real server: a bearer token, ``PUT /api/stock`` of at most 100 items with
compare-and-set, orders paged by ``updated_since``, 429 with Retry-After when throttled, 401
once the token is revoked. It restocks a cancelled order (or a cancelled part of a line) on
its own shown quantity, as malls do.
"""

from __future__ import annotations

import secrets
import threading

from app.channels.sandbox_server import SandboxServer, SandboxShop
from app.channels.sandbox_shop import MAX_BATCH

# The Retry-After of a throttled answer: longer than Rendo's HTTP client waits within a call,
# so the sync engine itself must put the channel off until then.
THROTTLE_WAIT_S = 45.0


class SandboxDouble:
    """A sandbox shop on loopback that answers the contract suite's ``ChannelDouble``."""

    type = "sandbox"
    batch_limit = MAX_BATCH

    def __init__(self) -> None:
        self.shop = SandboxShop()
        self.credentials = {"token": _new_token()}
        self.settings: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []
        self._calls_lock = threading.Lock()
        self.server = SandboxServer(self.shop, token=self.credentials["token"])
        self.server.on_request = self._record

    def _record(self, method: str, path: str) -> None:
        with self._calls_lock:
            self.calls.append((method, path))

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    # -- the shop's catalogue ------------------------------------------------------------------
    def add_listing(self, channel_item_id: str, quantity: int) -> None:
        self.shop.add_listing(channel_item_id, quantity)

    def add_unmanaged_listing(self, channel_item_id: str) -> None:
        """The sandbox has no unmanaged listings: one whose writes it refuses."""
        self.shop.add_listing(channel_item_id, 0)
        self.shop.refuse_writes(channel_item_id)

    def quantity(self, channel_item_id: str) -> int | None:
        return self.shop.listings().get(channel_item_id)

    def set_quantity(self, channel_item_id: str, quantity: int) -> None:
        self.shop.set_listing(channel_item_id, quantity)

    # -- customers ------------------------------------------------------------------------------
    def place_order(self, lines: list[tuple[str, int]]) -> str:
        order = self.shop.place_order({"lines": [{"sku": s, "quantity": q} for s, q in lines]})
        return str(order["id"])

    def cancel_order(self, order_id: str) -> None:
        self.shop.cancel_order(order_id)

    def cancel_units(self, order_id: str, channel_item_id: str, units: int) -> None:
        """The sandbox's way: the order's line is changed to fewer units (PATCH), which puts
        the difference back on the shown quantity."""
        order = next(o for o in self.shop.orders() if o["id"] == order_id)
        line = next(x for x in order["lines"]
                    if x["sku"] == channel_item_id and x["quantity"] >= units)
        self.shop.change_order(order_id, {"lines": [
            {"line_id": line["line_id"], "quantity": line["quantity"] - units}]})

    # -- faults ---------------------------------------------------------------------------------
    def refuse_writes(self, channel_item_id: str) -> None:
        self.shop.refuse_writes(channel_item_id)

    def throttle(self, calls: int) -> None:
        self.server.throttle(calls, THROTTLE_WAIT_S)

    def expire_access_token(self) -> None:
        """The sandbox's token does not expire."""

    def revoke_credentials(self) -> None:
        """The token stops working; the owner gets a new one (``credentials``)."""
        self.credentials = {"token": _new_token()}
        self.server.set_token(self.credentials["token"])


def _new_token() -> str:
    return f"sbx-{secrets.token_hex(12)}"


def make_double() -> SandboxDouble:
    return SandboxDouble()
