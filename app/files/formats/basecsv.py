"""BASE's item CSV (商品管理 → CSVダウンロード / 一括登録).

``商品ID, 商品名, 種類ID, 種類名, 説明, 価格, 税率, 在庫数, 公開状態, 表示順, 種類在庫数, 画像1 …
画像20, 商品コード, 種類コード, JAN/GTIN``. A row per item, or per 種類 (variation) of an item
with variations: 種類ID / 種類名 filled, the variation's code in 種類コード and its stock in
種類在庫数 beside the item's 商品コード and 在庫数. The code Rendo takes is the 種類コード on a
variation's row, else the 商品コード, as Rendo's BASE channel names listings (``identifier`` /
``variation_identifier`` of BASE's API). An item's own row beside rows of its variations (no
種類, no count) is a parent row, skipped; a file whose first variation row also carries the
item's fields is read the same (the row is a variation's).

Encoding detected: no published source found states the download's encoding (public tools
write the file for upload in Shift_JIS, cp932; a file saved again by a spreadsheet may be
UTF-8). No published description of BASE's CSV was found either (BASE's help pages are not
in the stored material): the layout of variation rows above is taken from public tools.

Sources: public tools that write or read BASE's item CSV (the header above, in that order;
種類名 / 種類在庫数 on each variation's row under the item's 商品ID) and BASE API docs
(docs.thebase.in: items ``identifier``, variations ``variation_identifier``,
``variation_stock``), as used by app/channels/base_shop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from .base import FileFormat, Header, Note, Picked, Reader, Row, Rows, Skip


class _Items(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, item=("商品ID",), code=("商品コード",), count=("在庫数",),
                         variant=("種類ID",), variant_name=("種類名",),
                         variant_code=("種類コード",), variant_count=("種類在庫数",),
                         name=("商品名",))
        self._with_variants: set[str] = set()
        self.notes.append(Note(QT_TRANSLATE_NOOP(
            "Formats", "code: 種類コード and 種類在庫数 on a 種類's row, else 商品コード and "
            "在庫数")))

    def _is_variant(self, cells: Sequence[Any]) -> bool:
        return bool(self.get(cells, "variant") or self.get(cells, "variant_name"))

    def prepare(self, rows: Rows) -> Rows:
        self._with_variants = {self.get(cells, "item") for _, cells in rows
                               if self._is_variant(cells)}
        return rows

    def pick(self, cells: Sequence[Any]) -> Row:
        name = self.get(cells, "name")
        if self._is_variant(cells):
            return Picked(self.get(cells, "variant_code"), self.get(cells, "variant_count"),
                          self.col("variant_code"), self.col("variant_count"), name)
        if self.get(cells, "item") in self._with_variants and not self.get(cells, "count"):
            return Skip(QT_TRANSLATE_NOOP("Formats", "parent rows (an item whose 種類 have their "
                                          "own rows)"))
        return Picked(self.get(cells, "code"), self.get(cells, "count"), self.col("code"),
                      self.col("count"), name)


ITEMS = FileFormat(
    "base-items", QT_TRANSLATE_NOOP("Formats", "BASE item file"),
    (("商品ID",), ("種類在庫数",), ("在庫数",)), _Items,
    "BASE 商品CSV (商品ID, 種類ID, 種類名, 在庫数, 種類在庫数, 商品コード, 種類コード) as public "
    "tools write it; no published description found",
    None, ",", family="BASE")

FORMATS = (ITEMS,)
