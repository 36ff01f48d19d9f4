"""WooCommerce (REST API v3): a shop on its own WordPress site, reached at the site's address
with a REST API key (consumer key and secret, HTTP Basic over HTTPS; over plain HTTP, which
Rendo allows on loopback only, each call is also OAuth 1.0a signed)."""

from __future__ import annotations

from app.channels.base import ChannelInfo, Credentials
from app.channels.channel_type import ChannelType, Field
from app.channels.http import HttpClient
from app.domain.errors import QT_TRANSLATE_NOOP

from .adapter import WOO_LIMITS, WooCommerceChannel
from .api import basic_auth, oauth_signer, secrets, site_root

__all__ = ["CHANNEL_TYPE", "WOO_LIMITS", "WooCommerceChannel"]


def _make(info: ChannelInfo, credentials: Credentials) -> WooCommerceChannel:
    client = HttpClient(site_root(str(info.settings.get("url") or "")),
                        auth=lambda: basic_auth(credentials),
                        secrets=lambda: secrets(credentials),
                        sign=oauth_signer(credentials),
                        rate_per_s=WOO_LIMITS.requests_per_second)
    return WooCommerceChannel(info, client)


_WHERE = QT_TRANSLATE_NOOP(
    "ChannelTypes", "In WordPress: WooCommerce → Settings → Advanced → REST API → Add key, "
    "with Read/Write permissions; copy it when it is shown (it is shown only once).")

CHANNEL_TYPE = ChannelType(
    name="woocommerce", label=QT_TRANSLATE_NOOP("ChannelTypes", "WooCommerce"),
    factory=_make, limits=WOO_LIMITS, default_url=None,
    credentials=(
        Field("consumer_key", QT_TRANSLATE_NOOP("ChannelTypes", "Consumer key"), _WHERE),
        Field("consumer_secret", QT_TRANSLATE_NOOP("ChannelTypes", "Consumer secret"), _WHERE),
    ),
)
