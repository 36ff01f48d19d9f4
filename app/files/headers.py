"""Column headers in Japanese and English, and finding which column holds what.

Each field has the header Rendo writes (Japanese and English) and the other names shops use
for it. Matching ignores case, width (全角/半角), spaces, ``_ - ・ *`` and anything in brackets,
so ``在庫数（必須）``, ``Quantity`` and ``QTY`` all find the count. Where a header row cannot be
found, or two columns could be the same field, the user chooses (the wizard's mapping step,
``--column FIELD=COLUMN`` on the command line).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from .common import Problem, Table, column_letter

HEADER_SCAN_ROWS = 20


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    ja: str
    en: str
    synonyms: tuple[str, ...] = ()
    text: bool = False  # a code-like column: written as a text cell, never a number

    def label(self, language: str) -> str:
        return self.ja if language == "ja" else self.en


_CODE_NAMES = ("商品コード", "品番", "sku", "code", "itemcode", "item code", "productcode",
               "product code", "商品番号", "コード", "品目コード", "型番", "自社コード",
               "自社品番", "sku番号", "skuコード", "item")

FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("code", "商品コード", "code", _CODE_NAMES, text=True),
    Field("jan", "JANコード", "JAN", ("jan", "janコード", "jan code", "ean", "gtin",
                                      "barcode", "バーコード", "jancode"), text=True),
    Field("name", "商品名", "name", ("商品名", "name", "item name", "product name", "品名",
                                    "名称", "title")),
    Field("quantity", "在庫数", "quantity", ("在庫数", "数量", "quantity", "qty", "stock",
                                          "在庫", "実在庫", "実在庫数", "個数", "棚卸数",
                                          "実棚数", "実数", "在庫数量", "count", "on hand",
                                          "onhand", "数")),
    Field("color", "カラー", "color", ("カラー", "色", "color", "colour")),
    Field("size", "サイズ", "size", ("サイズ", "size")),
    Field("reserved", "確保在庫", "reserved", ("確保在庫", "確保数", "reserved", "取り置き")),
    Field("backorder_allowance", "バックオーダー", "backorder allowance",
          ("バックオーダー", "バックオーダー数", "予約可能数", "backorder",
           "backorder allowance", "backorders")),
    Field("reorder_point", "発注点", "reorder point", ("発注点", "reorder point", "reorder",
                                                    "reorder level", "再発注点")),
    Field("unlimited", "無制限", "unlimited", ("無制限", "受注生産", "unlimited",
                                             "在庫無制限")),
    Field("set_code", "セット商品コード", "set code", ("セット商品コード", "セットコード",
                                                   "セット品番", "set code", "set",
                                                   "set sku", "セット"), text=True),
    Field("component", "構成商品コード", "component", ("構成商品コード", "構成品",
                                                   "構成品コード", "構成商品", "component",
                                                   "component code", "部品コード"),
          text=True),
    Field("component_quantity", "数量", "quantity", ("数量", "入数", "個数", "構成数",
                                                   "quantity", "qty")),
    Field("pattern", "配分パターン", "allocation pattern", ("配分パターン",
                                                        "在庫配分パターン", "パターン",
                                                        "allocation pattern", "pattern")),
    Field("channel", "店舗", "channel", ("店舗", "チャネル", "チャンネル", "モール",
                                        "販売チャネル", "店舗名", "channel", "shop", "store")),
    Field("offset", "表示在庫設定", "display offset", ("表示在庫設定", "表示在庫",
                                                   "display offset", "offset")),
    Field("channel_item_id", "店舗商品ID", "channel item id", (
        "店舗商品id", "店舗の商品id", "店舗側の商品id", "チャネル商品id", "チャネル商品コード",
        "モール商品コード", "モール商品id",
        "channel item id", "channel code", "channel sku", "商品管理番号", "sku管理番号",
        "店舗商品コード", "外部コード"), text=True),
)}


@dataclass(frozen=True, slots=True)
class KindColumns:
    """The fields one kind of import reads; ``required`` groups: one field of each."""

    required: tuple[tuple[str, ...], ...]
    optional: tuple[str, ...] = ()
    variants: bool = False  # other columns named ``variant:KEY`` / ``属性:KEY``

    @property
    def fields(self) -> tuple[str, ...]:
        names = [n for group in self.required for n in group]
        return tuple(dict.fromkeys([*names, *self.optional]))


KINDS: dict[str, KindColumns] = {
    "stock": KindColumns((("code", "jan"), ("quantity",)), ("name",)),
    "items": KindColumns((("code",),), ("name", "jan", "color", "size", "reserved",
                                         "backorder_allowance", "reorder_point", "unlimited"),
                         variants=True),
    "sets": KindColumns((("set_code",), ("component",), ("component_quantity",))),
    "patterns": KindColumns((("code",), ("pattern",))),
    "offsets": KindColumns((("code",), ("offset",)), ("channel",)),
    "codemap": KindColumns((("channel",), ("channel_item_id",), ("code",))),
}

_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|<[^>]*>|「[^」]*」")
_PUNCTUATION = re.compile(r"[\s_\-・*※:：.。/]+")
_VARIANT = re.compile(r"^\s*(?:variant|属性|バリエーション)\s*[:：]\s*(.+?)\s*$", re.IGNORECASE)


def normalize(text: Any) -> str:
    """The header as compared: width, case, blanks, punctuation and brackets ignored."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    folded = _BRACKETS.sub("", folded)
    return _PUNCTUATION.sub("", folded)


_LOOKUP: dict[str, set[str]] = {}
for _field in FIELDS.values():
    for _name in (_field.ja, _field.en, _field.name, *_field.synonyms):
        _LOOKUP.setdefault(normalize(_name), set()).add(_field.name)


def fields_for_header(text: Any) -> set[str]:
    return _LOOKUP.get(normalize(text), set())


def variant_key(text: Any) -> str | None:
    """``variant:素材`` / ``属性:素材`` → ``素材``."""
    if not isinstance(text, str):
        return None
    match = _VARIANT.match(unicodedata.normalize("NFKC", text))
    return match.group(1) if match else None


@dataclass
class ColumnMap:
    """Where the fields are: the header row (0: the file has none) and field → column."""

    header_row: int
    columns: dict[str, int]  # field → 0-based column
    headers: tuple[Any, ...] = ()
    variants: dict[str, int] = field(default_factory=dict)  # variant key → column
    ignored: list[str] = field(default_factory=list)  # headers no field uses

    def column_name(self, field_name: str) -> str:
        return self.describe(self.columns[field_name])

    def describe(self, index: int) -> str:
        """``B (在庫数)``: the column letter and, when there is one, its header."""
        letter = column_letter(index)
        if index < len(self.headers) and self.headers[index] not in (None, ""):
            return f"{letter} ({str(self.headers[index]).strip()})"
        return letter


def parse_column_ref(ref: str, headers: Sequence[Any]) -> int | None:
    """A column given by the user: header text, an Excel letter (``B``) or a number (``2``)."""
    wanted = normalize(ref)
    for index, header in enumerate(headers):
        if header is not None and normalize(header) == wanted:
            return index
    text = ref.strip()
    if text.isdigit() and int(text) >= 1:
        return int(text) - 1
    if re.fullmatch(r"[A-Za-z]{1,3}", text):
        index = 0
        for letter in text.upper():
            index = index * 26 + ord(letter) - 64
        return index - 1
    return None


def _match_row(values: Sequence[Any], kind: KindColumns) -> tuple[dict[str, list[int]],
                                                                  dict[str, int], list[str]]:
    found: dict[str, list[int]] = {}
    variants: dict[str, int] = {}
    ignored: list[str] = []
    wanted = set(kind.fields)
    for index, value in enumerate(values):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        names = fields_for_header(value) & wanted
        for name in names:
            found.setdefault(name, []).append(index)
        if names:
            continue
        key = variant_key(value) if kind.variants else None
        if key:
            variants[key] = index
        else:
            ignored.append(str(value).strip())
    return found, variants, ignored


def _satisfied(names: set[str], kind: KindColumns) -> bool:
    return all(any(name in names for name in group) for group in kind.required)


def _pick_header(table: Table, kind: KindColumns, chosen: Mapping[str, str],
                 header_row: int | None) -> tuple[int, tuple[Any, ...]] | None:
    """The header row: the one asked for, else the first of the first rows that (with the
    columns the user chose) names every required field, preferring one Rendo recognises.
    Failing that, the row naming the most fields of the import (the first of equals): it is
    the header, only a required column is missing (the caller says which, listing the
    columns found, rather than that no header row exists)."""
    if header_row == 0:
        return 0, ()
    if header_row is not None:
        return next(((n, v) for n, v in table.rows if n == header_row), None)
    fallback = None
    partial: tuple[int, int, tuple[Any, ...]] | None = None
    for number, values in table.rows[:HEADER_SCAN_ROWS]:
        found, _, _ = _match_row(values, kind)
        names = set(found) | {n for n, ref in chosen.items()
                              if parse_column_ref(ref, values) is not None}
        if _satisfied(names, kind):
            if found:
                return number, values
            fallback = fallback or (number, values)
        elif found and (partial is None or len(found) > partial[0]):
            partial = len(found), number, values
    if fallback is None and partial is not None:
        return partial[1], partial[2]
    return fallback


def find_columns(
    table: Table, kind_name: str, chosen: Mapping[str, str] | None = None,
    header_row: int | None = None, excluded: Collection[str] = (),
) -> tuple[ColumnMap | None, list[Problem]]:
    """Find the header row and each field's column; *chosen* (field → header text, letter or
    number) overrides. ``header_row`` None: found automatically; 0: the file has none.
    *excluded* fields are not read, even when a header names them (the wizard's "not
    used")."""
    kind = KINDS[kind_name]
    chosen = dict(chosen or {})
    problems: list[Problem] = []
    for name in [*chosen, *excluded]:
        if name not in kind.fields and not (kind.variants and name.startswith("variant:")):
            problems.append(Problem(table.name, None, None, QT_TRANSLATE_NOOP(
                "Errors", "{field} is not a column of the {kind} import (columns: {fields})."),
                {"field": name, "kind": kind_name, "fields": ", ".join(kind.fields)}))
    if problems:
        return None, problems
    picked = _pick_header(table, kind, chosen, header_row)
    if picked is None:
        if header_row:
            return None, [Problem(table.name, header_row, None, QT_TRANSLATE_NOOP(
                "Errors", "the header row is empty."))]
        return None, [_no_header_problem(table, kind_name, kind)]
    number, values = picked
    found, variants, _ = _match_row(values, kind)
    columns: dict[str, int] = {}
    for name, ref in chosen.items():
        index = parse_column_ref(ref, values)
        if index is None:
            problems.append(Problem(table.name, number or None, None, QT_TRANSLATE_NOOP(
                "Errors", "there is no column {column!r} for the {field}."),
                {"column": ref, "field": name}))
        elif name.startswith("variant:"):
            variants[name.split(":", 1)[1]] = index
        else:
            columns[name] = index
    taken = set(columns.values()) | set(variants.values())
    for name, indexes in found.items():
        if name in chosen or name in excluded:
            continue
        indexes = [i for i in indexes if i not in taken]
        if len(indexes) > 1:
            problems.append(Problem(table.name, number or None, None, QT_TRANSLATE_NOOP(
                "Errors", "columns {columns} could all be the {field}; choose one (--column "
                "{field}=COLUMN)."),
                {"columns": ", ".join(column_letter(i) for i in indexes), "field": name}))
        elif indexes:
            columns[name] = indexes[0]
    if not problems:
        for group in kind.required:
            if not any(name in columns for name in group):
                problems.append(_missing_problem(table, number, values, group))
    if problems:
        return None, problems
    used = set(columns.values()) | set(variants.values())
    ignored = [str(v).strip() for i, v in enumerate(values)
               if i not in used and v is not None and str(v).strip()]
    return ColumnMap(number, columns, tuple(values), variants, ignored), []


def _labels(names: Sequence[str]) -> str:
    return " / ".join(f"{FIELDS[n].ja} / {FIELDS[n].en}" for n in names)


def _missing_problem(table: Table, number: int, values: Sequence[Any],
                     group: Sequence[str]) -> Problem:
    present = ", ".join(f"{column_letter(i)} {str(v).strip()}" for i, v in enumerate(values)
                        if v not in (None, "")) or "-"
    return Problem(table.name, number or None, None, QT_TRANSLATE_NOOP(
        "Errors", "no column for the {field} (a header such as {labels}); columns found: "
        "{present}. Choose it in the mapping step (--column {field}=COLUMN)."),
        {"field": group[0], "labels": _labels(group), "present": present})


def _no_header_problem(table: Table, kind_name: str, kind: KindColumns) -> Problem:
    wanted = "; ".join(_labels(group) for group in kind.required)
    return Problem(table.name, None, None, QT_TRANSLATE_NOOP(
        "Errors", "no header row found for the {kind} import in the first {rows} rows; the file "
        "needs columns {wanted}. Rename the headers or choose the columns (--column "
        "FIELD=COLUMN)."), {"kind": kind_name, "rows": HEADER_SCAN_ROWS, "wanted": wanted})


def header_labels(names: Sequence[str], language: str) -> list[str]:
    return [FIELDS[n].label(language) for n in names]
