"""The adapter for Yahoo!ショッピング (the ストアAPI, https://circus.shopping.yahooapis.jp).

From Yahoo!'s published docs (developer.yahoo.co.jp/webapi/shopping/: getStock.html,
setStock.html, myItemList.html, orderList.html, orderInfo.html, help.html; yconnect/v2):

- Yahoo! ID連携 v2: the owner allows the app at auth.login.yahoo.co.jp/yconnect/v2/authorization;
  the code is exchanged at /yconnect/v2/token (HTTP Basic client_id:client_secret) for an
  access token (1 hour) and a refresh token. Rendo refreshes before the access token ends
  (and once when Yahoo! answers 401), sent once, never retried; a refresh token in the
  answer is stored at once (``credentials.renew``); a refused one (``invalid_grant``) is read
  again from the keyring (``credentials.reload``) before the channel stops with
  CREDENTIALS_EXPIRED. ``--url`` replaces both hosts (the store API's and the login's).
- 公開鍵認証: with ``public_key`` (from ストアクリエイターPro) every call carries
  ``X-sws-signature`` (base64 of "seller_id:unixtime" encrypted with the key, PKCS #1 v1.5)
  and ``X-sws-signature-version``. Without it Yahoo! asks for a new authorization within
  12 hours: a warning in the log and from ``test_connection``.
- A listing is a 商品コード, or ``商品コード/個別商品コード`` (Yahoo! writes ``:``). The item
  codes come from myItemList (100 a page); its docs mark ``query`` "必須※1" (a search word or
  a store category): when Yahoo! refuses the list without one, each store category
  (stCategoryList, walked from the top) is listed instead, and an item in no store category
  is not seen. getStock reads them 1,000 a call (a row with ``Status`` 0 is a code Yahoo!
  does not have) (an item with
  options answers one row per 個別商品コード); only what it answers exists. setStock takes
  1,000 codes a call, ``+n``/``-n`` relative (the engine's delta) or absolute; it is never
  retried (a relative change sent twice counts twice). Yahoo! takes an unknown code without
  an error: the read-back finds it missing. A call refused whole applied nothing: its codes
  are sent again one by one to find the refused one.
- Rate: 1 request a second per API unless Yahoo! raised it (up to 10) for the app
  (``requests_per_second`` setting). A day allows 50,000 calls per app (faq.html); past it
  every call is HTTP 403 "Your Request was Forbidden" (taken as the day spent: an unknown app
  is refused at the token endpoint already). Rendo counts ``DAY_LIMIT`` calls a day (Japan
  time), writes stop ``DAY_RESERVE`` short of it (DEFERRED to the next day), shown by
  ``budget()``. Refusals are ``<Error>`` XML, at times in the ``urn:yahoo:api`` namespace, or
  plain text from the gateway; ``insufficient_scope`` names the app, not the token.
- Without the public key the order APIs end the session 12 hours after the authorization
  (``px-04102``); a refresh does not renew it, so the channel stops at once (connect again).
- Orders: orderList (XML search by OrderTime) over a trailing 14 days and back to the oldest
  open order; orderInfo for each order new or whose LastUpdateTime / OrderStatus changed. The
  JSON cursor keeps what was seen. OrderStatus 4 (キャンセル) cancels every line; a line's
  lowered Quantity gives back the difference (the engine applies each change once). Yahoo!
  puts a cancelled order's units back on its stock. XML answers with a DTD are refused.
"""

from __future__ import annotations

from app.domain.errors import QT_TRANSLATE_NOOP

from ..base import ChannelInfo, Credentials
from ..channel_type import ChannelType, Field
from .channel import YAHOO_LIMITS, DayBudget, YahooChannel
from .tokens import DEFAULT_URL, YahooOAuth

__all__ = ["CHANNEL_TYPE", "DayBudget", "YahooChannel", "YahooOAuth"]


def _make(info: ChannelInfo, credentials: Credentials) -> YahooChannel:
    return YahooChannel(info, credentials)


CHANNEL_TYPE = ChannelType(
    name="yahoo", label=QT_TRANSLATE_NOOP("ChannelTypes", "Yahoo!ショッピング"), factory=_make,
    limits=YAHOO_LIMITS, default_url=DEFAULT_URL, oauth=YahooOAuth(),
    settings=(
        Field("seller_id", QT_TRANSLATE_NOOP("ChannelTypes", "Store account"),
              QT_TRANSLATE_NOOP("ChannelTypes", "Your ストアアカウント (seller_id), as in "
                                "ストアクリエイターPro.")),
        Field("redirect_uri", QT_TRANSLATE_NOOP("ChannelTypes", "Redirect URI"),
              QT_TRANSLATE_NOOP("ChannelTypes", "The callback URL registered for the app at "
                                "Yahoo! デベロッパーネットワーク, exactly as registered.")),
        Field("requests_per_second", QT_TRANSLATE_NOOP("ChannelTypes", "Requests per second"),
              QT_TRANSLATE_NOOP("ChannelTypes", "1 unless Yahoo! raised your app's limit "
                                "(at most 10)."), required=False),
    ),
    credentials=(
        Field("client_id", QT_TRANSLATE_NOOP("ChannelTypes", "Client ID"), QT_TRANSLATE_NOOP(
            "ChannelTypes", "Yahoo! デベロッパーネットワーク → アプリケーションの管理 → your "
            "app for the Yahoo!ショッピング ストアAPI → Client ID.")),
        Field("client_secret", QT_TRANSLATE_NOOP("ChannelTypes", "Client secret"),
              QT_TRANSLATE_NOOP("ChannelTypes", "The same app's シークレット.")),
        Field("refresh_token", QT_TRANSLATE_NOOP("ChannelTypes", "Refresh token"),
              QT_TRANSLATE_NOOP("ChannelTypes", "Filled in by \"Connect\": Yahoo! asks you to "
                                "allow Rendo, then Rendo keeps the token (renewed on its "
                                "own)."), required=False),
        Field("public_key", QT_TRANSLATE_NOOP("ChannelTypes", "Public key"),
              QT_TRANSLATE_NOOP("ChannelTypes", "ストアクリエイターPro → 設定 → API管理 → "
                                "公開鍵: the whole key. Without it Yahoo! asks for a new "
                                "authorization every 12 hours."), required=False),
        Field("public_key_version", QT_TRANSLATE_NOOP("ChannelTypes", "Public key version"),
              QT_TRANSLATE_NOOP("ChannelTypes", "The key's version shown beside it in "
                                "ストアクリエイターPro."), required=False),
    ),
)
