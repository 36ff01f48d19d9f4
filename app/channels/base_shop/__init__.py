"""The adapter for BASE (BASE API v1, https://api.thebase.in).

(A package called ``base_shop``: ``base`` is the channel port's own module.)

From BASE's published API docs (github.com/baseinc/api-docs, now docs.thebase.in/docs/api):

- OAuth 2: the owner approves Rendo's app in the browser (``/1/oauth/authorize``), the code is
  exchanged at ``/1/oauth/token`` for an access token (one hour) and a refresh token (30 days).
  Rendo refreshes the access token before it ends (and once when BASE refuses it), and stores
  the refresh token BASE answers at once, before using the new access token: should Rendo stop
  right after, the keyring holds the token BASE now expects. The refresh is sent once (its
  own HttpClient without retries: a retry after a timeout could present a token BASE already
  rotated); when BASE refuses the refresh token, the keyring is read again and a newer one
  stored there (by "Connect" or another Rendo process) is used instead of stopping.
- Every error is HTTP 400 with ``{"error", "error_description"}``; an access token BASE no
  longer takes is ``invalid_request`` on an API call (``invalid_token`` and HTTP 401, the
  RFC 6750 words, are taken the same way); a refresh token it no longer takes is
  ``invalid_request`` (or RFC 6749's ``invalid_grant``) at the token endpoint, where
  ``server_error`` ("DB error") is a passing failure and ``access_denied`` a refusal
  (``tokens.token_refusal``).
- A listing is an item's 商品コード (``identifier``, an item without variations) or a
  variation's 種類コード (``variation_identifier``); ``/1/items`` is read (100 a page) to map
  them to item_id / variation_id, and the map is kept for the adapter's life (read again when
  a code is not in it, at most every few minutes). ``/1/items/edit_stock`` sets one listing a
  call: absolutely, so the engine reads the orders right before setting.
- The limits are 5,000 calls an hour (reset at minute 00) and 100,000 a day (reset at
  midnight, Japan time) for the user. ``CallBudget`` counts them as BASE does; writes stop
  ``HOUR_RESERVE`` calls short of the hour's limit (``DAY_RESERVE`` of the day's), which are
  kept for reading orders. Why 600: at the default poll of 30 s a cycle reads the orders
  list once, and once more before an upload: 120-240 list calls an hour, and the rest for
  the detail of each new or changed order (360 an hour, far more than a BASE shop takes).
  So 4,400 stock writes an hour: a full upload of 5,000 listings takes about 1 h 10 min.
  Every HTTP attempt counts (retries, token calls). A write over the share answers DEFERRED
  with the time to the next hour, never sent; BASE's own ``hour_api_limit`` /
  ``day_api_limit`` marks the window spent (writes DEFERRED until it resets, a read raises
  RATE_LIMITED with that wait). An order item's ``variation_id`` 0 or null is the item.
- Orders have no "changed since" filter: each read lists the orders placed in the last
  14 days (and back to the oldest order not yet shipped or cancelled), and reads the detail
  of each order that is new or whose ``modified`` / ``dispatch_status`` changed. The cursor
  (JSON, app/channels/open_orders.py, shared with Yahoo! and 楽天) keeps what was seen of
  each order. Lines are per order item, cancelled
  by their own ``status`` (a per-line cancellation) or the order's; the engine applies only
  the difference from what it applied before. A cancelled order's units go back on BASE's
  own stock (``restocks_on_cancel``), as BASE's admin does.
"""


from __future__ import annotations

from app.domain.errors import QT_TRANSLATE_NOOP

from ..base import ChannelInfo, Credentials
from ..channel_type import ChannelType, Field
from .budget import CallBudget
from .channel import BASE_LIMITS, BaseShopChannel
from .tokens import DEFAULT_URL, BaseOAuth

__all__ = ["CHANNEL_TYPE", "BaseOAuth", "BaseShopChannel", "CallBudget"]


def _make(info: ChannelInfo, credentials: Credentials) -> BaseShopChannel:
    return BaseShopChannel(info, credentials)


CHANNEL_TYPE = ChannelType(
    name="base", label=QT_TRANSLATE_NOOP("ChannelTypes", "BASE"), factory=_make,
    limits=BASE_LIMITS, default_url=DEFAULT_URL, oauth=BaseOAuth(),
    settings=(
        Field("redirect_uri", QT_TRANSLATE_NOOP("ChannelTypes", "Redirect URI"),
              QT_TRANSLATE_NOOP("ChannelTypes", "The callback URL registered for the app at "
                                "BASE Developers (Apps → your app), exactly as registered.")),
    ),
    credentials=(
        Field("client_id", QT_TRANSLATE_NOOP("ChannelTypes", "Client ID"), QT_TRANSLATE_NOOP(
            "ChannelTypes", "BASE Developers (developers.thebase.in) → register an app "
            "(scopes read_items, write_items, read_orders) → its client_id.")),
        Field("client_secret", QT_TRANSLATE_NOOP("ChannelTypes", "Client secret"),
              QT_TRANSLATE_NOOP("ChannelTypes", "BASE Developers → your app → its "
                                "client_secret.")),
        Field("refresh_token", QT_TRANSLATE_NOOP("ChannelTypes", "Refresh token"),
              QT_TRANSLATE_NOOP("ChannelTypes", "Filled in by \"Connect\": BASE asks you to "
                                "allow Rendo, then Rendo keeps the token (renewed on its "
                                "own)."), required=False),
    ),
)
