"""The Shopify adapter: the ChannelAdapter the sync engine uses, over the GraphQL Admin API."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from ..base import (
    ChannelError,
    ChannelInfo,
    ChannelLimits,
    Credentials,
    ErrorKind,
    OrderPage,
    QuantityUpdate,
    RateBudget,
    UpdateResult,
)
from ..http import HttpClient
from .graphql import RENEW, ShopifyGraphQL
from .inventory import PAGE, Inventory
from .orders import Orders

SHOPIFY_LIMITS = ChannelLimits(
    # requests_per_second: the GraphQL calls are paced by their query cost (graphql.py), not
    # by a count of calls; 2 a second is the REST Admin API's Standard rate, for estimates
    batch_size=PAGE, requests_per_second=2.0, maximum_quantity=1_000_000_000,
    unlimited_quantity=9999, compare_and_set=True, relative=False, order_overlap_s=120,
    # Cancelling an order in Shopify's admin restocks its items (the "Restock items" box is
    # ticked by default), and a refund with restock puts the refunded units back: both show
    # on the line's currentQuantity, and the units return to "available".
    restocks_on_cancel=True,
)
SCOPES = ("read_inventory", "write_inventory", "read_orders", "read_locations",
          "read_products")

SHOP_QUERY = """query RendoShop {
  shop { name myshopifyDomain }
  currentAppInstallation { accessScopes { handle } }
}"""


class ShopifyChannel:
    """ChannelAdapter for the shop at ``info.settings["url"]`` (https://SHOP.myshopify.com)."""

    def __init__(self, info: ChannelInfo, credentials: Credentials,
                 client: HttpClient | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.info = info
        self.limits = SHOPIFY_LIMITS
        self.credentials = credentials
        if client is None:
            client = HttpClient(str(info.settings.get("url") or ""))
        client.auth = self._auth
        client.secrets = credentials.secrets
        self.client = client
        self.api = ShopifyGraphQL(client, info.name, clock)
        self.inventory = Inventory(self.api, str(info.settings.get("location") or ""))
        self.orders = Orders(self.api, info.name, self.limits.order_overlap_s, now)

    def _auth(self) -> dict[str, str]:
        token = self.credentials.get("access_token")
        if not token:
            raise ChannelError(f"{self.info.name}: no Shopify access token is saved",
                               kind=ErrorKind.AUTHENTICATION, renew=RENEW)
        return {"X-Shopify-Access-Token": token}

    # -- the port ------------------------------------------------------------------------------
    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        return self.orders.read(cursor, since)

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        return self.inventory.set(updates)

    def read_quantities(self) -> dict[str, int]:
        return self.inventory.read_all()

    def test_connection(self) -> None:
        """The token, its access scopes and the location: the first thing wrong, named."""
        data = self.api.run("RendoShop", SHOP_QUERY, cost=3)
        shop = data.get("shop")
        if not isinstance(shop, dict) or not shop.get("myshopifyDomain"):
            raise ChannelError(f"{self.info.name}: this address does not answer like a "
                               "Shopify shop", kind=ErrorKind.MALFORMED)
        installation = data.get("currentAppInstallation")
        scopes = installation.get("accessScopes") if isinstance(installation, dict) else None
        if isinstance(scopes, list):
            granted = {str(s.get("handle")) for s in scopes if isinstance(s, dict)}
            # a write scope includes its read scope
            granted |= {"read_" + s[len("write_"):] for s in granted if s.startswith("write_")}
            missing = [scope for scope in SCOPES if scope not in granted]
            if missing:
                raise ChannelError(
                    f"{self.info.name}: the custom app's access token lacks the access "
                    f"scopes {', '.join(missing)}; add them to the app in Shopify's admin",
                    kind=ErrorKind.AUTHENTICATION, renew=RENEW)
        self.inventory.location()

    def set_deadline(self, deadline: float | None) -> None:
        self.client.cycle_deadline = deadline

    def cancel(self) -> None:
        self.client.cancel()

    def close(self) -> None:
        self.client.close()

    def budget(self) -> RateBudget | None:
        return self.api.budget()
