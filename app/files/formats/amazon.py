"""Amazon's listings reports and inventory files (Seller Central → 在庫 → 在庫レポート, or the
Reports API).

- The All Listings Report (出品詳細レポート, ``GET_MERCHANT_LISTINGS_ALL_DATA``) and the
  Active Listings Report (``GET_MERCHANT_LISTINGS_DATA``): tab-delimited; the code in
  ``seller-sku`` (出品者SKU), the stock in ``quantity`` (数量). In the Japan marketplace the
  headers are Japanese and the file Shift_JIS (cp932), unless the seller chose English. A
  listing fulfilled by Amazon (``fulfillment-channel`` / フルフィルメント・チャンネル other than
  DEFAULT, e.g. AMAZON_JP) has a blank quantity: Amazon keeps that stock, so the row is
  skipped with a note; a blank quantity on a DEFAULT (出品者出荷) row stays an error.
  ``pending-quantity`` is never stock (units in orders not yet confirmed), nor is the
  Japanese report's 在庫数: see the note at ``PENDING``.
- The inventory file (在庫ファイル / Price and Quantity, ``sku, price, …, quantity,
  handling-time``): the code in ``sku``, the count in ``quantity``.

Sources: developer-docs.amazon.com/sp-api/docs/report-type-values-inventory (tab-delimited;
seller-sku, quantity, fulfillment-channel, pending-quantity), the Japanese names as
app/channels/amazon/reports.py reads them (出品者SKU, 数量, フルフィルメント・チャンネル;
amzn/selling-partner-api-docs#2086, amzn/selling-partner-api-models#545) and as public SP-API
connectors map the Japanese report's cp932 headers to the English ones (商品名 item-name,
商品の説明 item-description, 出品ID listing-id, 出品者SKU seller-sku, 価格 price, 数量 quantity,
出品日 open-date, 商品IDタイプ product-id-type, ASIN 1 asin1, 商品ID product-id, 在庫数
pending-quantity, フルフィルメント・チャンネル fulfillment-channel, ステータス status), and
Seller Central's 在庫ファイル (Price and Quantity) template (sku, price,
minimum-seller-allowed-price, maximum-seller-allowed-price, quantity, handling-time,
fulfillment-channel: the feed POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA, as public tools
write it, FBA rows with quantity and handling-time blank). Amazon publishes no Japanese column
list that could be found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from .base import FileFormat, Header, Picked, Reader, Row, Skip

SKU = ("seller-sku", "出品者SKU")
QUANTITY = ("quantity", "数量")
CHANNEL = ("fulfillment-channel", "フルフィルメント・チャンネル")
MERCHANT = ("", "default", "出品者出荷", "merchant")
# In the Japanese listings report 在庫数 is pending-quantity translated, not stock: two public
# SP-API connectors map the Japanese headers to the English ones by position (both put 在庫数
# where the English report has pending-quantity, after product-id / add-delete and before
# fulfillment-channel); a third maps 在庫数 and 数量 both to quantity, which cannot be right for
# a report that has both columns. Amazon publishes no Japanese column list, and a column named
# "stock" that is not stock would silently zero or inflate counts: so it is never read as the
# count, whatever it holds, and the preview says so.
PENDING = (("pending-quantity", QT_TRANSLATE_NOOP("Formats", "units in orders not yet "
                                                  "confirmed")),
           ("在庫数", QT_TRANSLATE_NOOP("Formats", "in Amazon's Japanese report this is the "
                                        "pending quantity, not stock")))


class _Listings(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, code=SKU, count=QUANTITY, channel=CHANNEL,
                         name=("item-name", "商品名"))

    def pick(self, cells: Sequence[Any]) -> Row:
        count = self.get(cells, "count")
        channel = self.get(cells, "channel").lower()
        if not count and channel not in MERCHANT:
            return Skip(QT_TRANSLATE_NOOP("Formats", "listings fulfilled by Amazon (FBA) "
                                          "without a quantity"))
        return Picked(self.get(cells, "code"), count, self.col("code"), self.col("count"),
                      self.get(cells, "name"))


class _Inventory(_Listings):
    def __init__(self, header: Header) -> None:
        Reader.__init__(self, header, code=("sku",), count=("quantity",), channel=CHANNEL,
                        name=())


_REPORTS = "developer-docs.amazon.com/sp-api/docs/report-type-values-inventory"
LISTINGS = FileFormat(
    "amazon-listings", QT_TRANSLATE_NOOP("Formats", "Amazon listings report"),
    (SKU, QUANTITY), _Listings, _REPORTS, "cp932", "\t", never=PENDING, family="Amazon")
INVENTORY = FileFormat(
    "amazon-inventory",
    QT_TRANSLATE_NOOP("Formats", "Amazon inventory file (在庫ファイル, price and quantity)"),
    (("sku",), ("quantity",), ("handling-time",)), _Inventory,
    "Seller Central 在庫ファイル (Price and Quantity) template", None, "\t", family="Amazon")

FORMATS = (LISTINGS, INVENTORY)
