"""Shopify, through the GraphQL Admin API with a custom app's access token.

graphql.py: the client and the query-cost bucket; inventory.py: location, items by SKU and
``inventorySetQuantities``; orders.py: orders by ``updated_at``; adapter.py: the adapter.
"""

from __future__ import annotations

from app.domain.errors import QT_TRANSLATE_NOOP

from ..base import ChannelInfo, Credentials
from ..channel_type import ChannelType, Field
from .adapter import SHOPIFY_LIMITS, ShopifyChannel
from .graphql import API_VERSION

__all__ = ["API_VERSION", "CHANNEL_TYPE", "SHOPIFY_LIMITS", "ShopifyChannel"]


def _make(info: ChannelInfo, credentials: Credentials) -> ShopifyChannel:
    return ShopifyChannel(info, credentials)


CHANNEL_TYPE = ChannelType(
    name="shopify", label=QT_TRANSLATE_NOOP("ChannelTypes", "Shopify"), factory=_make,
    limits=SHOPIFY_LIMITS, default_url=None, order=10,
    settings=(
        Field("location", QT_TRANSLATE_NOOP("ChannelTypes", "Location"), QT_TRANSLATE_NOOP(
            "ChannelTypes", "The Shopify location whose stock Rendo keeps in step: its name "
            "or id as shown in Settings → Locations. Leave empty for the shop's default "
            "(primary) location."), required=False),
    ),
    credentials=(
        Field("access_token", QT_TRANSLATE_NOOP("ChannelTypes", "Admin API access token"),
              QT_TRANSLATE_NOOP(
                  "ChannelTypes", "In Shopify's admin: Settings → Apps and sales channels → "
                  "Develop apps → Create an app. Under Configuration, give the Admin API "
                  "access scopes read_inventory, write_inventory, read_orders, "
                  "read_locations and read_products, then install the app and copy the "
                  "Admin API access token (shpat_…) once shown.")),
    ),
)
