"""Empty files to fill in, one per import kind (``rendo template KIND FILE``).

An .xlsx template has the code columns formatted as text, so codes typed into it keep their
leading zeros, and a second sheet explaining each column with an example. A CSV template is
the header row alone.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput

from . import csv_io
from .common import column_letter
from .headers import FIELDS, KINDS
from .xlsx_io import TEXT_FORMAT

TEMPLATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "stock": ("code", "name", "quantity"),
    "items": ("code", "name", "jan", "color", "size", "reserved", "backorder_allowance",
              "reorder_point", "unlimited"),
    "sets": ("set_code", "component", "component_quantity"),
    "patterns": ("code", "pattern"),
    "offsets": ("code", "channel", "offset"),
    "codemap": ("channel", "channel_item_id", "code"),
}

# (Japanese, English, example) for the help sheet
_HELP: dict[str, tuple[str, str, str]] = {
    "code": ("商品コード。文字列として扱います（00123 と 123 は別の商品）。",
             "Item code, kept as text (00123 and 123 are different items).", "00123"),
    "name": ("商品名（在庫の取込では新しい商品を作るときだけ使います）。",
             "Item name (a stock import uses it only when it creates an item).", "今治タオル 白"),
    "quantity": ("数量。上書き（棚卸）では実際の数、加算・減算では増減する数。",
                 "Count: the counted number (overwrite) or how many to add or subtract.", "12"),
    "jan": ("JAN コード（バーコード）。なし で消去。", "JAN / barcode; none clears it.",
            "4901234567894"),
    "color": ("カラー（バリエーション）。", "Colour (variant attribute).", "白"),
    "size": ("サイズ（バリエーション）。", "Size (variant attribute).", "M"),
    "reserved": ("確保在庫：全店舗に出さない数。", "Units kept back from every channel.", "2"),
    "backorder_allowance": ("バックオーダー：在庫 0 を下回って売れる数（単品のみ）。",
                            "Units a single may sell below zero.", "0"),
    "reorder_point": ("発注点：販売可能数がこれ以下で発注点割れ。なし で消去。",
                      "Low at sellable ≤ this; none clears it.", "10"),
    "unlimited": ("無制限（受注生産）：1 / 0 または ○ / ×。", "Unlimited: 1 / 0 (○ / ×).", "0"),
    "set_code": ("セット商品コード。同じセットの行がそのセットの構成になります。",
                 "Set code; the rows of one set together are its components.", "GIFT-2"),
    "component": ("構成商品コード。", "Component item code.", "00123"),
    "component_quantity": ("セット 1 つに入る数（1 以上）。", "Units per set (1 or more).", "1"),
    "pattern": ("在庫配分パターン名。空欄・なし でパターンなし（全店同数）。",
                "Allocation pattern name; empty or none: no pattern.", "low"),
    "channel": ("店舗名。表示在庫設定では空欄で全店舗。",
                "Channel name; for offsets empty means every channel.", "rakuten"),
    "offset": ("表示在庫設定：+N、-N、固定の N、なし。", "Display offset: +N, -N, N or none.",
               "-2"),
    "channel_item_id": ("店舗側の商品 ID（商品管理番号など）。",
                        "The channel's own item id.", "towel-white-01"),
}


def template_columns(kind: str) -> tuple[str, ...]:
    if kind not in TEMPLATE_COLUMNS:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown template {kind}; use one of "
                                         "{kinds}."), kind=kind, kinds=", ".join(KINDS))
    return TEMPLATE_COLUMNS[kind]


def write_template(kind: str, path: Path | str, language: str = "ja",
                   encoding: str | None = None) -> Path:
    """Write the empty *kind* file to *path* (.xlsx, .csv or .tsv by its suffix)."""
    path = Path(path)
    columns = template_columns(kind)
    header = [FIELDS[c].label(language) for c in columns]
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        csv_io.write_csv(path, header, [], encoding or csv_io.default_encoding(),
                         delimiter="\t" if suffix == ".tsv" else ",")
        return path
    if suffix != ".xlsx":
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "{file}: a template is a .xlsx, .csv or "
                                         ".tsv file."), file=path.name)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append(header)
    bold = Font(bold=True)
    for index, name in enumerate(columns):
        letter = column_letter(index)
        sheet[f"{letter}1"].font = bold
        sheet.column_dimensions[letter].width = 18 if name != "name" else 32
        if FIELDS[name].text:
            sheet.column_dimensions[letter].number_format = TEXT_FORMAT
            for row in range(2, 1002):  # Excel applies a column's format to new cells only
                sheet[f"{letter}{row}"].number_format = TEXT_FORMAT
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("説明" if language == "ja" else "Help")
    help_sheet.append(["列" if language == "ja" else "column",
                       "説明" if language == "ja" else "meaning",
                       "例" if language == "ja" else "example"])
    for name in columns:
        ja, en, example = _HELP[name]
        help_sheet.append([FIELDS[name].label(language), ja if language == "ja" else en,
                           example])
        help_sheet.cell(help_sheet.max_row, 3).data_type = "s"
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["B"].width = 70
    help_sheet.column_dimensions["C"].width = 18
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
