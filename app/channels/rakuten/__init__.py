"""The adapter for 楽天市場 (RMS WEB SERVICE, https://api.rms.rakuten.co.jp).

From Rakuten's RMS WEB SERVICE documentation (inventoryapi 2.0, itemapi 2.0,
rakutenpayorderapi; the sources are cited in tests/doubles/rakuten.py):

- Every call carries ``Authorization: ESA base64(serviceSecret:licenseKey)``. The license key
  lasts 90 days and is not refreshed by an API: the ``license_expires`` setting says when it
  ends (warned about ahead); a refused key stops the channel: CREDENTIALS_EXPIRED (renew the
  license key) when that date has passed or RMS says "expired", AUTHENTICATION (both parts)
  otherwise. The gateway's refusal ``{"Results": {"errorCode": "ES…"}}`` (ES01-01 the key,
  ES04-01 an API not allowed for it) stops the channel whatever the HTTP status.
- 商品管理番号 is kept in small letters by RMS (capitals are taken as small letters):
  Rendo compares it so; SKU管理番号 is case-sensitive.
- A listing is the SKU's システム連携用SKU番号 (``merchantDefinedSkuId``) where the shop set
  one, else 商品管理番号/SKU管理番号 (``manageNumber/variantId``). The 在庫API addresses SKUs by
  manageNumber + variantId, so the items API (``items/search``, 100 a page, cursorMark) is read
  to map the ids (kept for the adapter's life, read again for an unknown id at most every few
  minutes). It is also how the listings are enumerated: the 在庫API has no "list everything",
  and keeping only ids Rendo already knows would never show a SKU added on 楽天. read_quantities
  answers exactly the SKUs for which ``inventories/bulk-get`` (≤ 1000 a call) returns a row.
- Writes: ``inventories/bulk-upsert`` (≤ 400 a call). An update with a delta goes RELATIVE
  (an order 楽天 took meanwhile stays taken), one without ABSOLUTE. A write is sent once by its
  own client (no automatic retry: a retried RELATIVE write counts twice); HTTP 400 applies
  nothing, so the SKUs it names are REJECTED and the others sent once more; HTTP 429 answers
  RETRY. An accepted batch is OK without being read back (bulk-get would double the calls of
  an upload). 楽天 takes a write for a SKU it does not have without an error: the engine's
  read-back (read_quantities, at the first connection and on the drift schedule) finds it
  missing and shows it as not found on 楽天, never as in step.
- Rate: RMS allows one request a second per API and shop (bulk-get five); each client keeps
  to one.
- Orders (受注API): ``searchOrder`` has no "changed since" and a window of at most 63 days
  (1000 a page): each read searches the last 14 days by order date (back to the oldest order
  not yet shipped or cancelled, in 63-day windows) and ``getOrder`` (≤ 100 a call, version 7
  with the SKU fields) reads them and every open order seen before; lines come for orders
  whose orderProgress or updateDatetime changed (the cursor, JSON, app/channels/open_orders.py,
  keeps both). With no cursor (the first read, or one lost) a search back 63 days (never
  before the connection) with ``orderProgressList`` adds the orders not shipped or cancelled:
  the open ones are followed from then on, and a cancellation of one applied before the cursor
  was lost is still given back. A line
  is one SKU of an order item with its current ``units``; cancelled when the order is 900
  (キャンセル確定) or the item was deleted from the order (``deleteItemFlag``); the engine
  applies only the difference. 楽天 puts a cancelled order's units back on its own stock.
"""

from __future__ import annotations

from app.domain.errors import QT_TRANSLATE_NOOP

from ..base import ChannelInfo, Credentials
from ..channel_type import ChannelType, Field
from .channel import DEFAULT_URL, RAKUTEN_LIMITS, RakutenChannel

__all__ = ["CHANNEL_TYPE", "RakutenChannel"]


def _make(info: ChannelInfo, credentials: Credentials) -> RakutenChannel:
    return RakutenChannel(info, credentials)


CHANNEL_TYPE = ChannelType(
    name="rakuten", label=QT_TRANSLATE_NOOP("ChannelTypes", "Rakuten Ichiba"), factory=_make,
    limits=RAKUTEN_LIMITS, default_url=DEFAULT_URL,
    expiry_setting="license_expires", expiring_credential="license_key",
    settings=(
        Field("license_expires", QT_TRANSLATE_NOOP("ChannelTypes", "License key expires"),
              QT_TRANSLATE_NOOP("ChannelTypes", "The date (YYYY-MM-DD) the license key ends, "
                                "90 days after it was issued. RMS shows it with the key: RMS → "
                                "店舗様向け情報・サービス → WEB APIサービス → 利用設定 "
                                "(ライセンスキーの有効期限). Rendo warns 14 days ahead.")),
    ),
    credentials=(
        Field("service_secret", QT_TRANSLATE_NOOP("ChannelTypes", "Service secret"),
              QT_TRANSLATE_NOOP("ChannelTypes", "RMS → 店舗様向け情報・サービス → WEB APIサービス "
                                "→ 利用設定: the serviceSecret shown for your shop.")),
        Field("license_key", QT_TRANSLATE_NOOP("ChannelTypes", "License key"),
              QT_TRANSLATE_NOOP("ChannelTypes", "RMS → 店舗様向け情報・サービス → WEB APIサービス "
                                "→ 利用設定: the licenseKey (issue a new one there every 90 "
                                "days, with 在庫API and 受注API allowed).")),
    ),
)
