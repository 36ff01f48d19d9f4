"""Yahoo!ショッピング (ストアクリエイターPro) files.

- ``quantity.csv`` (在庫): downloaded as ``code, sub-code, quantity, allow-overdraft,
  stock-close``, or ``code, name, sub-code, quantity, allow-overdraft, stock-close`` "with item
  names". A row with a sub-code (個別商品コード) is one option combination of the item
  ``code``; a row without is an item without options. The code Rendo takes is the sub-code
  where there is one, else the code. An item's own row beside its sub-code rows (whether the
  download writes one was not found in a published source: both layouts are read) is a parent
  row, skipped. The upload format also has ``mode`` (種別: ``+``, ``-`` or blank), which a
  download never has: ``+``/``-`` make ``quantity`` a change, not a count, so such rows (an
  upload file written by hand) are refused. ``allow-overdraft`` and ``stock-close`` are flags,
  never stock.
- ``data.csv`` (商品データ): item fields (``path, name, code, price…``), no stock at all: the
  file is refused with a pointer to quantity.csv.

Both Shift_JIS (cp932), comma-separated; data.csv's ``caption``/``explanation`` hold HTML over
many lines, quoted.

Sources: the field table of the 在庫アップロードフォーマット (CSV) and the headers of the two
downloads, as quoted at research-labo.com/?p=2891 (code 商品コード, sub-code 個別商品コード
("空欄" for items without), quantity 在庫数, mode 種別 + - or blank, allow-overdraft 0/1,
stock-close 在庫クローズフラグ); public tools that read the download check for exactly
``code, name, sub-code, quantity, allow-overdraft, stock-close``;
developer.yahoo.co.jp/webapi/shopping/upload_format.html (商品CSV and 在庫CSV: the first row
holds the exact half-width field names).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from .base import FileFormat, Header, Note, Picked, Reader, Refuse, Row, Rows, Skip


class _Quantity(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, code=("code",), sub=("sub-code",), count=("quantity",),
                         mode=("mode",), name=("name",))
        self._with_subs: set[str] = set()
        self.notes.append(Note(QT_TRANSLATE_NOOP(
            "Formats", "code: sub-code (個別商品コード) where the row has one, else code")))

    def prepare(self, rows: Rows) -> Rows:
        self._with_subs = {self.get(cells, "code") for _, cells in rows
                           if self.get(cells, "sub")}
        return rows

    def pick(self, cells: Sequence[Any]) -> Row:
        code, sub, count = (self.get(cells, k) for k in ("code", "sub", "count"))
        mode = self.get(cells, "mode")
        if mode in ("+", "-"):
            return Refuse(self.col("mode"), QT_TRANSLATE_NOOP(
                "Errors", "mode {mode} makes the quantity a change, not a count; Rendo imports "
                "counts from quantity.csv: clear the mode cell or count the stock."),
                {"mode": mode})
        if sub:
            return Picked(sub, count, self.col("sub"), self.col("count"),
                          self.get(cells, "name"))
        if code in self._with_subs:
            return Skip(QT_TRANSLATE_NOOP("Formats", "parent rows (an item whose options have "
                                          "their own sub-code rows)"))
        return Picked(code, count, self.col("code"), self.col("count"), self.get(cells, "name"))


class _Data(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, code=("code",), count=())
        self.problems.append(Refuse(None, QT_TRANSLATE_NOOP(
            "Errors", "Yahoo!'s data.csv holds item data but no stock; download quantity.csv "
            "(在庫) from ストアクリエイターPro and import that.")))

    def prepare(self, rows: Rows) -> Rows:
        return []

    def pick(self, cells: Sequence[Any]) -> Row:  # prepare keeps no row to pick
        return Skip("")


_SOURCE = "Yahoo!ショッピング 在庫アップロードフォーマット / 商品アップロードフォーマット"
QUANTITY = FileFormat(
    "yahoo-quantity", QT_TRANSLATE_NOOP("Formats", "Yahoo! stock file (quantity.csv)"),
    (("code",), ("sub-code",), ("quantity",)), _Quantity, _SOURCE, "cp932", ",",
    never=(("allow-overdraft", QT_TRANSLATE_NOOP("Formats", "a flag: orders beyond the stock")),
           ("stock-close", QT_TRANSLATE_NOOP("Formats", "a flag: sold out"))),
    family="Yahoo!")
DATA = FileFormat(
    "yahoo-data", QT_TRANSLATE_NOOP("Formats", "Yahoo! item data file (data.csv)"),
    (("path",), ("name",), ("code",), ("price",)), _Data, _SOURCE, "cp932", ",",
    family="Yahoo!")

FORMATS = (QUANTITY, DATA)
