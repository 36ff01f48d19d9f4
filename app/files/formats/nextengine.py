"""ネクストエンジン's stock file (商品 → 商品管理の一括登録: 在庫数の登録 / 更新 (CSV)).

``syohin_code`` (商品コード) and ``zaiko_su`` (在庫数): the number is added to the stock, or
taken away when it is negative; the file never sets a count (ネクストエンジン does that with
クイック棚卸). So Rendo imports it in add mode with signed numbers, whatever --mode says, and the
preview says so. A blank zaiko_su changes nothing in ネクストエンジン; in Rendo it stays an
error, as in every stock import (write 0).

Encoding detected: the manual page found does not state the template's encoding.

Sources: manual.next-engine.net/main/product/prd_zaiko-touroku/12616/ (在庫数の登録 / 更新
(CSV): 必須項目 syohin_code, zaiko_su; 現在の在庫数に加算または減算する数; マイナスをつけて減らす,
not below the フリー在庫数; 空欄 does not overwrite with 0; 在庫数の上書きは行えません: that is
クイック棚卸).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from .base import FileFormat, Header, Note, Picked, Reader, Row


class _Stock(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, code=("syohin_code",), count=("zaiko_su",),
                         name=("syohin_name",))
        self.notes.append(Note(QT_TRANSLATE_NOOP(
            "Formats", "counts: changes added to the stock (negative: taken away), as "
                       "ネクストエンジン reads this file")))

    def pick(self, cells: Sequence[Any]) -> Row:
        return Picked(self.get(cells, "code"), self.get(cells, "count"), self.col("code"),
                      self.col("count"), self.get(cells, "name"))


STOCK = FileFormat(
    "nextengine-stock", QT_TRANSLATE_NOOP("Formats", "ネクストエンジン stock file"),
    (("syohin_code",), ("zaiko_su",)), _Stock,
    "manual.next-engine.net/main/product/prd_zaiko-touroku/12616/", None, ",", mode="add",
    family="ネクストエンジン")

FORMATS = (STOCK,)
