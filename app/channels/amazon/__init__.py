"""Amazon (Selling Partner API, Far East endpoint; the Japan marketplace by default).

From Amazon's published models (github.com/amzn/selling-partner-api-models,
models/listings-items-api-model/listingsItems_2021-08-01.json,
models/orders-api-model/orders_2026-01-01.json and ordersV0.json):

- Why not ``python-amazon-sp-api`` (saleweaver/python-amazon-sp-api): it costs more than it
  gives here. It makes its calls with its own ``requests`` code and retries, and its Login
  with Amazon host is a class attribute (``sp_api/auth/access_token_client.py``: ``host =
  'api.amazon.com'``, a plain ``requests.post``, a process-wide token cache), so Rendo's
  HttpClient rules would not hold: the cycle's deadline, ``cancel()`` from another thread,
  the answer size cap, no redirects, the loopback-only ``http://`` policy, and ``--url``
  replacing both the SP-API and the LWA host. It also pins boto3, cachetools, confuse and
  pytz (requirements.txt). What it gives (a token exchange, a header, a 429 back-off) is
  about a hundred lines on HttpClient (``api.SpApi``), with no new dependency.
- Auth: a self-authorised private app's LWA client_id, client_secret and refresh token; the
  access token (one hour) is exchanged at ``/auth/o2/token`` and renewed five minutes before
  it ends, and once more when Amazon answers 403 (an expired or revoked token). A refused
  refresh token (``invalid_grant``) or app (``invalid_client``) stops the channel.
- Stock, which path when: the engine hands the adapter up to 10,000 listings at once
  (batch_size). Fewer than 100 go as ``patchListingsItem``, one SKU a call, a ``merge`` of
  ``fulfillment_availability`` (DEFAULT channel; developer-docs.amazon.com/sp-api/docs/
  merge-a-listing: the quantity alone, the handling time and restock date kept, where
  ``replace`` would drop them), issues asked in English (``issueLocale=en_US``, for the log):
  validated at once, 5 a second. 100 or more
  go as one JSON listings feed (feeds.py: Feeds API 2021-06-30, the same PATCH per message;
  three calls now and three later whatever its size, but createFeed allows one feed every
  two minutes after a burst and Amazon asks for few large feeds, not many small ones).
  Either way Amazon applies the number later, so the result is SUBMITTED and the engine
  keeps it pending until a read shows it; the feed's processing report is read at a later
  cycle, and what it refused is logged with the SKU and Amazon's words and answered
  REJECTED at that SKU's next upload. Amazon accepts SKUs it does not have (a patch) or
  refuses them only in the processing report (a feed), so the read-back is what says a
  listing exists. A patch answered INVALID is REJECTED with the issues' messages. A listing
  fulfilled by Amazon (AMAZON_FE) is never written, by patch or feed: UNUSABLE, "Amazon keeps
  this stock (FBA)" (its channel read with the listings; for a SKU not read yet, one
  getListingsItem before a patch, searchListingsItems by SKU, 20 a call, before a feed).
  Feed and report documents are fetched from their pre-signed addresses without Rendo's
  token (documents.py).
- Reading every listing: getListingsItem per SKU would cost a call each (5 a second), so
  ``searchListingsItems`` (2021-08-01) is read, 20 listings a page with their
  fulfillmentAvailability, in SKU order (``sortBy=sku&sortOrder=ASC``: the default,
  last updated first, moves a listing changed between two pages to the front, and a later
  page then misses one). A listing with no fulfillmentAvailability at all is the seller's
  own at 0. Every call says who calls (``User-Agent: Rendo/0.1.0 (Language=Python/3.x.y;
  Platform=…)``, as "Include a User-Agent header in all requests" asks) and when
  (``x-amz-date``). Amazon pages through at most 1,000 SKUs that way; past that
  (``numberOfResults``), the All Listings Report (reports.py: Reports API 2021-06-30,
  GET_MERCHANT_LISTINGS_ALL_DATA, English or Japanese columns, UTF-8 or Shift_JIS) says which
  SKUs exist, and their numbers are read fresh with searchListingsItems by SKU (20 a call).
  The first report takes minutes: until it is done the read ends RATE_LIMITED saying so
  (never waited for within a cycle); later ones are asked for hourly, the last one used
  meanwhile.
- Rates: each operation's published usage plan, kept by a token bucket per operation on the
  adapter's clock (a wait of up to two seconds is waited before sending); a 429 is waited out
  within the call when the operation's rate (``x-amzn-RateLimit-Limit``, which the models
  declare on answers but not on 429s, so the last one an answer of that operation gave,
  else the published one) asks for two seconds or less, otherwise the cycle ends
  RATE_LIMITED with that wait.
  The order listing is the exception: its plan allows a call every three minutes
  (searchOrders; v0's getOrders one a minute) after a burst of 20, while Rendo polls every
  few seconds, so when its bucket has no call now, or Amazon answers 429, the cycle reads
  no orders (the cursor stays; pages read whole before a 429 are taken) without an error,
  and says so (``OrderPage.deferred``): the engine then leaves the read-back and the
  absolute upload for the cycle that reads them (a number set blind could erase an order
  Amazon took meanwhile; the hour-long test of every channel showed it as false drift). A
  whole read less than ``FRESH_S`` ago stands for one now, so the cycle that read them
  uploads without a call of its own. Nothing is lost or applied twice.
- Orders: the Orders API 2026-01-01, the current version: ``searchOrders`` with
  lastUpdatedAfter (never later than now − 2 min: the cursor is that moment, so each read
  overlaps the last two minutes, whose orders the cursor knows by their version and the
  engine would apply once anyway), fulfilledBy=MERCHANT and includedData=FULFILLMENT (the
  order's status and the units shipped), paginationToken with the same filters; the items
  come with each order, so one call reads up to 100 orders where v0 took one more call per
  order. Why: Amazon deprecated v0 (getOrders, getOrderItems) and removes it on 27 March
  2027. A seller's endpoint that answers searchOrders with HTTP 404 (not served there) is
  read with v0 instead (``getOrders`` with LastUpdatedAfter and NextToken, then
  ``getOrderItems`` per order not read yet), remembered by the adapter and asked again
  after a day; past v0's removal date that 404 is an error (NOT_FOUND), not a fallback.
  Both versions share the cursor, the order and item ids and the order's version
  (2026-01-01's status words), so a switch reads nothing twice. A cancelled order
  (fulfillmentStatus CANCELLED, v0 Canceled) cancels its lines; a partial cancellation
  shows as a lower quantityOrdered (QuantityOrdered); an item's ``cancellation`` block
  says only who and why (Amazon's own example has one on a line shipped in full) and is
  not read. Orders fulfilled by Amazon (fulfilledBy AMAZON, v0 AFN) are skipped.
"""

from __future__ import annotations

from app.domain.errors import QT_TRANSLATE_NOOP

from ..base import ChannelInfo, Credentials
from ..channel_type import ChannelType, Field
from .adapter import AMAZON_LIMITS, JAPAN, AmazonChannel
from .api import DEFAULT_URL

__all__ = ["CHANNEL_TYPE", "AmazonChannel"]


def _make(info: ChannelInfo, credentials: Credentials) -> AmazonChannel:
    return AmazonChannel(info, credentials)


_APP = QT_TRANSLATE_NOOP(
    "ChannelTypes", "Seller Central → Apps and Services → Develop Apps: register as a "
    "developer (roles Inventory and Order Tracking, Product Listing), add a private app, "
    "then View → LWA credentials.")

CHANNEL_TYPE = ChannelType(
    name="amazon", label=QT_TRANSLATE_NOOP("ChannelTypes", "Amazon (Selling Partner API)"),
    factory=_make, limits=AMAZON_LIMITS, default_url=DEFAULT_URL,
    settings=(
        Field("seller_id", QT_TRANSLATE_NOOP("ChannelTypes", "Seller ID"), QT_TRANSLATE_NOOP(
            "ChannelTypes", "Seller Central → Settings → Account Info → Merchant Token.")),
        Field("marketplace_id", QT_TRANSLATE_NOOP("ChannelTypes", "Marketplace ID"),
              QT_TRANSLATE_NOOP("ChannelTypes", "A1VC38T7YXB528 is Amazon.co.jp."),
              required=False, default=JAPAN),
    ),
    credentials=(
        Field("client_id", QT_TRANSLATE_NOOP("ChannelTypes", "LWA client ID"), _APP),
        Field("client_secret", QT_TRANSLATE_NOOP("ChannelTypes", "LWA client secret"),
              QT_TRANSLATE_NOOP("ChannelTypes", "Shown with the client ID (your app → View → "
                                "LWA credentials).")),
        Field("refresh_token", QT_TRANSLATE_NOOP("ChannelTypes", "Refresh token"),
              QT_TRANSLATE_NOOP("ChannelTypes", "Develop Apps → your app → Authorize app "
                                "(self-authorisation): copy the refresh token shown.")),
    ),
)
