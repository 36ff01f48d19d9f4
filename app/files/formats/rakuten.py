"""楽天市場 RMS 商品一括編集 CSV files.

- ``normal-item.csv`` (after the SKU migration): a row per 商品管理番号（商品URL）with the item's
  fields (商品番号, 商品名, 説明文, バリエーション項目キー定義 / 項目名定義 / 選択肢定義, and
  選択肢タイプ of its 商品オプション), followed by a row per SKU with SKU管理番号,
  システム連携用SKU番号, バリエーション項目キー / 選択肢, 販売価格 and 在庫数. The item's row has
  no SKU and no count: a parent row, skipped.
- ``select.csv`` (before it, 項目選択肢別在庫): ``項目選択肢用コントロールカラム,
  商品管理番号（商品URL）, 選択肢タイプ, Select/Checkbox用項目名, Select/Checkbox用選択肢,
  項目選択肢別在庫用横軸選択肢, …横軸選択肢子番号, …縦軸選択肢, …縦軸選択肢子番号,
  …取り寄せ可能表示, 項目選択肢別在庫用在庫数, 在庫戻しフラグ, 在庫切れ時の注文受付,
  在庫あり時納期管理番号, 在庫切れ時納期管理番号``. Rows of 選択肢タイプ ``i`` hold the stock of
  one combination. The SKU is 商品管理番号 + 横軸選択肢子番号 + 縦軸選択肢子番号, as 楽天's order
  files write it. Other 選択肢タイプ (``s`` select box, ``c`` check box, ``f`` free text) are
  not stock.
- ``dl-item.csv`` / ``item.csv`` (before it): 在庫数 of an item with 在庫タイプ 1 (通常在庫設定).
  在庫タイプ 2 (項目選択肢在庫設定) keeps its stock in select.csv, 0 (在庫設定なし) has none;
  such rows are skipped.

All in Shift_JIS (cp932), comma-separated, quoted with ``"`` where a cell holds a comma, a quote
or a line break (商品説明文 HTML over many lines).

Sources: 楽天 店舗運営Navi 「商品一括編集 CSVファイル項目一覧」 (behind the RMS login: not read
here), so the names were checked against public material instead: the files after the SKU
project (normal-item.csv, item-delete.csv) at xn--tck5apc2ju90vu0ae75qj9vc.com/2023-rakuten-csv;
item.csv's コントロールカラム, 商品管理番号（商品URL）, 在庫タイプ, 在庫数 at
ec-tsushin.com/r_itemcsv_new; dl-item.csv / dl-select.csv and 在庫タイプ「在庫設定しない」 in the
ネクストエンジン manual manual.next-engine.net/main/product/prd_shohin-touroku/12192/; and public
tools that write these files for upload (select.csv's fifteen columns in the order above;
normal-item.csv's バリエーション…定義, 選択肢タイプ, SKU管理番号, システム連携用SKU番号, 販売価格,
在庫数, a parent row then SKU rows; 在庫タイプ 0 在庫設定なし, 1 通常在庫設定, 2 項目選択肢在庫設定
as RMS's item API names inventoryType).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from .base import FileFormat, Header, Note, Picked, Reader, Row, Skip

MANAGE = ("商品管理番号（商品URL）", "商品管理番号")
PARENT = QT_TRANSLATE_NOOP("Formats", "parent rows (an item's row: no SKU code, no count)")


class _NormalItem(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, item=MANAGE, sku=("SKU管理番号",),
                         system=("システム連携用SKU番号",), count=("在庫数",),
                         name=("商品名",))
        self.columns["code"] = self.columns["sku"]
        self._name = ""
        self.notes.append(Note(QT_TRANSLATE_NOOP(
            "Formats", "code: システム連携用SKU番号 where the SKU has one, else SKU管理番号 (as "
            "Rendo's 楽天 channel names SKUs)")))

    def pick(self, cells: Sequence[Any]) -> Row:
        system, sku, count = (self.get(cells, k) for k in ("system", "sku", "count"))
        if not system and not sku:
            if not count:
                self._name = self.get(cells, "name") or self._name
                return Skip(PARENT)
            return Picked("", count, self.col("sku"), self.col("count"))
        if system:
            return Picked(system, count, self.col("system"), self.col("count"), self._name)
        return Picked(sku, count, self.col("sku"), self.col("count"), self._name)


class _Select(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, code=MANAGE, kind=("選択肢タイプ",),
                         across=("項目選択肢別在庫用横軸選択肢子番号",),
                         down=("項目選択肢別在庫用縦軸選択肢子番号",),
                         count=("項目選択肢別在庫用在庫数",))
        self.notes.append(Note(QT_TRANSLATE_NOOP(
            "Formats", "code: 商品管理番号 + 横軸選択肢子番号 + 縦軸選択肢子番号")))

    def pick(self, cells: Sequence[Any]) -> Row:
        if self.get(cells, "kind").lower() != "i":
            return Skip(QT_TRANSLATE_NOOP("Formats", "options that are not stock (選択肢タイプ "
                                          "other than i)"))
        code = "".join(self.get(cells, k) for k in ("code", "across", "down"))
        return Picked(code, self.get(cells, "count"), self.col("code"), self.col("count"))


class _Item(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, code=MANAGE, kind=("在庫タイプ",), count=("在庫数",),
                         name=("商品名",))

    def pick(self, cells: Sequence[Any]) -> Row:
        kind = self.get(cells, "kind")
        if kind == "2":
            return Skip(QT_TRANSLATE_NOOP("Formats", "items with 在庫タイプ 2 (their stock is in "
                                          "select.csv)"))
        if kind == "0":
            return Skip(QT_TRANSLATE_NOOP("Formats", "items with 在庫タイプ 0 (no stock kept)"))
        return Picked(self.get(cells, "code"), self.get(cells, "count"), self.col("code"),
                      self.col("count"), self.get(cells, "name"))


_SOURCE = "楽天 店舗運営Navi 商品一括編集 CSVファイル項目一覧"
NORMAL_ITEM = FileFormat(
    "rakuten-sku", QT_TRANSLATE_NOOP("Formats", "楽天 SKU item file (normal-item.csv)"),
    (MANAGE, ("SKU管理番号",), ("在庫数",)), _NormalItem, _SOURCE, "cp932", ",",
    family="楽天")
SELECT = FileFormat(
    "rakuten-select", QT_TRANSLATE_NOOP("Formats", "楽天 option stock file (select.csv)"),
    (MANAGE, ("選択肢タイプ",), ("項目選択肢別在庫用在庫数",)), _Select, _SOURCE, "cp932", ",",
    family="楽天")
ITEM = FileFormat(
    "rakuten-item", QT_TRANSLATE_NOOP("Formats", "楽天 item file (dl-item.csv / item.csv)"),
    (MANAGE, ("在庫タイプ",), ("在庫数",)), _Item, _SOURCE, "cp932", ",", family="楽天")

FORMATS = (NORMAL_ITEM, SELECT, ITEM)
__all__ = ["FORMATS", "ITEM", "NORMAL_ITEM", "SELECT"]
