"""The export dialog (書き出し) and the import templates: files that read back right."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from app.services.shop import Shop
from app.ui.dialogs.export_dialog import ExportDialog, default_format
from app.ui.dialogs.template_saver import save_template


def export_with(qtbot: QtBot, dialog: ExportDialog) -> None:
    assert dialog.export_button.isEnabled()
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.busy)


def test_the_stock_list_as_utf8_csv_reads_back_with_every_item(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    dialog = ExportDialog(demo_shop)
    qtbot.addWidget(dialog)
    assert not dialog.export_button.isEnabled()  # no file yet
    assert not dialog.date_from.isEnabled()  # dates are for the history only
    dialog.set_kind("stock")
    dialog.set_format("utf-8-sig")
    dialog.path.setText(str(tmp_path / "zaiko.csv"))
    export_with(qtbot, dialog)

    assert dialog.last is not None and dialog.last.rows == len(demo_shop.book.items)
    assert not dialog.messages.is_error
    with (tmp_path / "zaiko.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == set(demo_shop.book.items)
    assert by_code["TW-001"][4] == "40" and by_code["00123"][4] == "30"
    assert by_code["TW-001"][1] == "今治タオル フェイス 白"


def test_the_reorder_list_as_xlsx_keeps_codes_as_text(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    dialog = ExportDialog(demo_shop)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "hacchu.csv"))
    dialog.set_format("xlsx")
    assert dialog.path.text().endswith("hacchu.xlsx")  # the suffix follows the format
    dialog.set_kind("reorder")
    export_with(qtbot, dialog)

    sheet = openpyxl.load_workbook(tmp_path / "hacchu.xlsx").active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    low = sorted(c for c in demo_shop.book.items
                 if demo_shop.book.stock[c].low and not demo_shop.book.items[c].is_set)
    assert codes == low and low


def test_history_between_two_dates(qtbot: QtBot, demo_shop: Shop, tmp_path: Path) -> None:
    dialog = ExportDialog(demo_shop)
    qtbot.addWidget(dialog)
    dialog.set_kind("history")
    assert dialog.date_from.isEnabled() and dialog.date_to.isEnabled()
    dialog.set_format("utf-8-sig")
    dialog.path.setText(str(tmp_path / "rireki.csv"))
    export_with(qtbot, dialog)
    with (tmp_path / "rireki.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))[1:]
    assert dialog.last is not None and dialog.last.rows == len(rows) > 0
    assert {row[1] for row in rows} >= {"TW-001", "00123"}


def test_a_character_cp932_cannot_hold_is_reported_and_nothing_is_written(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    demo_shop.add_item("EMOJI-1", "お茶🍵セット")
    dialog = ExportDialog(demo_shop)
    qtbot.addWidget(dialog)
    dialog.set_format("cp932")
    dialog.path.setText(str(tmp_path / "zaiko.csv"))
    export_with(qtbot, dialog)

    assert dialog.last is None
    assert dialog.messages.is_error
    assert any("🍵" in m or "U+1F375" in m for m in dialog.messages.messages)
    assert not (tmp_path / "zaiko.csv").exists()


@pytest.mark.parametrize("name", ["stock.xlsx", "stock.csv"])
def test_templates_have_the_headers_an_import_reads(tmp_path: Path, name: str) -> None:
    from app.files.headers import find_columns
    from app.services.importing import ImportOptions, read_table

    path = save_template("stock", tmp_path / name, "utf-8-sig")
    table = read_table(path, ImportOptions())
    mapping, problems = find_columns(table, "stock")
    assert not problems and mapping is not None
    assert {"code", "quantity"} <= set(mapping.columns)


def test_cp932_is_the_default_on_a_japanese_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    assert default_format() == "cp932"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_CTYPE", "en_US.UTF-8")
    monkeypatch.setattr("locale.getlocale", lambda *a: ("en_US", "UTF-8"))
    assert default_format() == "utf-8-sig"
