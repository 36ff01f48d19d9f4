"""The import wizard with the channels' own files (app.files.formats): the format detected and
shown, the mapping locked to its columns, a Shopify location asked for, columns by hand."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from app.files.common import column_letter
from app.services.shop import Shop
from app.ui.dialogs.import_wizard import ImportWizard

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


def wizard_on(qtbot: QtBot, shop: Shop, tmp_path: Path, name: str) -> ImportWizard:
    path = tmp_path / name
    shutil.copy(FILES / name, path)
    wizard = ImportWizard(shop)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    wizard.file_page.create_unknown.setChecked(True)  # the samples' codes are not the demo's
    return wizard


def to_mapping(qtbot: QtBot, wizard: ImportWizard) -> None:
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page)


def to_preview(qtbot: QtBot, wizard: ImportWizard) -> None:
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert next_button.isEnabled()
    next_button.click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page)
    qtbot.waitUntil(lambda: wizard.plan is not None and not wizard.busy)


def apply(qtbot: QtBot, wizard: ImportWizard) -> None:
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(lambda: wizard.apply_page.finished_work)
    assert wizard.outcome is not None and wizard.outcome.batch


def test_a_rakuten_sku_file_is_detected_shown_and_imported_without_its_parent_rows(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    wizard = wizard_on(qtbot, demo_shop, tmp_path, "rakuten_normal-item.csv")
    to_mapping(qtbot, wizard)
    page = wizard.mapping_page
    box = page.format_box
    assert box.format.currentData() == "rakuten-sku"
    assert "(detected)" in box.format.currentText()
    about = box.about.text().splitlines()
    assert about[0] == ("file format: 楽天 SKU item file (normal-item.csv) (detected, --format "
                        "rakuten-sku); stock rows: 3")
    header = next(csv.reader(io.StringIO(
        (FILES / "rakuten_normal-item.csv").read_bytes().decode("cp932"))))
    sku, count, name = (header.index(h) for h in ("SKU管理番号", "在庫数", "商品名"))
    assert about[1] == (f"code from column {column_letter(sku)} (SKU管理番号), count from "
                        f"column {column_letter(count)} (在庫数)")
    assert ("skipped, parent rows (an item's row: no SKU code, no count): 2 (rows 2, 5)"
            in about)
    assert not box.location.isVisible()
    assert box.reading() is wizard.detected_reading  # read in the worker, not again here
    # the mapping shows the format's columns and cannot be changed
    assert page.combos["code"].currentData() == sku
    assert page.combos["quantity"].currentData() == count
    assert page.combos["name"].currentData() == name
    assert not page.table.isEnabled() and not page.header_row.isEnabled()
    first = {page.table.item(row, 0).text(): page.table.item(row, 3).text()
             for row in range(page.table.rowCount())}  # the first SKU row, as read
    assert first == {"Item code": "TW-001", "JAN code": "", "Quantity": "12",
                     "Name": "今治タオル①"}
    assert page.title() == "Check the file format"
    assert page.options().format == "auto" and not page.options().columns

    to_preview(qtbot, wizard)
    preview = wizard.preview_page
    assert preview.format_lines.isVisible()
    assert preview.format_lines.text().splitlines() == [
        "file format: 楽天 SKU item file (normal-item.csv) (detected, --format rakuten-sku); "
        "stock rows: 3",
        "code: システム連携用SKU番号 where the SKU has one, else SKU管理番号 (as Rendo's 楽天 "
        "channel names SKUs)",
        "skipped, parent rows (an item's row: no SKU code, no count): 2 (rows 2, 5)"]
    rows = [preview.changes.row(i)[:5] for i in range(preview.changes.rowCount())]
    assert (3, "TW-001", "On hand", "40", "12") in rows
    assert preview.problems.rowCount() == 0
    assert demo_shop.book.on_hand["TW-001"] == 40  # a preview writes nothing

    apply(qtbot, wizard)
    book = Shop().book
    assert book.on_hand["TW-001"] == 12 and book.on_hand["towel-blue"] == 7
    assert "towel" not in book.on_hand  # the parent rows' 商品管理番号 made no item


def test_a_shopify_file_with_two_locations_asks_which_before_going_on(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    wizard = wizard_on(qtbot, demo_shop, tmp_path, "shopify_inventory.csv")
    to_mapping(qtbot, wizard)
    page = wizard.mapping_page
    box = page.format_box
    assert box.format.currentData() == "shopify-inventory"
    assert box.location.isVisible()
    assert [box.location.itemText(i) for i in range(box.location.count())] == [
        "Choose a location…", "Warehouse", "Shibuya Store", "The sum of all locations"]
    assert box.about.text() == ("The file holds the stock of 2 locations (Warehouse, Shibuya "
                                "Store): choose the one to import, or their sum.")
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    wizard.next()  # even asked directly, the wizard waits for the choice
    assert wizard.currentPage() is page

    box.choose_location("Shibuya Store")
    assert next_button.isEnabled()
    assert "location: Shibuya Store" in box.about.text().splitlines()
    assert page.options().location == "Shibuya Store"
    to_preview(qtbot, wizard)
    lines = wizard.preview_page.format_lines.text().splitlines()
    assert "location: Shibuya Store" in lines
    assert "skipped, variants not stocked at the location: 1 (rows 6)" in lines
    apply(qtbot, wizard)
    book = Shop().book
    assert (book.on_hand["towel-white"], book.on_hand["mug-1"]) == (3, 1)
    assert "towel-blue" not in book.on_hand  # not stocked at Shibuya Store


def test_the_sum_of_the_locations_can_be_chosen(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    wizard = wizard_on(qtbot, demo_shop, tmp_path, "shopify_inventory.csv")
    to_mapping(qtbot, wizard)
    wizard.mapping_page.format_box.choose_location("all")
    to_preview(qtbot, wizard)
    assert ("location: the sum of Warehouse, Shibuya Store"
            in wizard.preview_page.format_lines.text().splitlines())
    apply(qtbot, wizard)
    book = Shop().book
    assert (book.on_hand["towel-white"], book.on_hand["towel-blue"],
            book.on_hand["mug-1"]) == (13, 4, 3)


def test_another_format_can_be_chosen_and_a_file_that_is_not_one_is_refused(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path, db_dump: Callable[[], list[str]]
) -> None:
    before = db_dump()
    wizard = wizard_on(qtbot, demo_shop, tmp_path, "rakuten_normal-item.csv")
    to_mapping(qtbot, wizard)
    page = wizard.mapping_page
    page.format_box.choose("yahoo-quantity")
    assert page.options().format == "yahoo-quantity"
    assert not page.table.isEnabled()
    about = page.format_box.about.text()
    assert "the file does not look like the Yahoo! stock file (quantity.csv)" in about
    assert "separated by" not in about  # both are comma-separated: no use trying another
    page.format_box.choose("amazon-listings")
    assert page.format_box.about.text().splitlines()[-1] == (
        "The Amazon listings report is separated by tabs, but the file was read as separated "
        "by commas: if it is one, go back and choose the delimiter.")
    page.format_box.choose("yahoo-quantity")

    to_preview(qtbot, wizard)
    preview = wizard.preview_page
    assert ("file format: Yahoo! stock file (quantity.csv) (chosen with --format, --format "
            "yahoo-quantity); stock rows: 0") in preview.format_lines.text().splitlines()
    assert preview.problems.rowCount() == 1
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    assert db_dump() == before


def test_columns_by_hand_unlock_the_mapping_and_read_every_row_as_chosen(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    wizard = wizard_on(qtbot, demo_shop, tmp_path, "rakuten_normal-item.csv")
    wizard.file_page.create_unknown.setChecked(False)
    to_mapping(qtbot, wizard)
    page = wizard.mapping_page
    page.format_box.choose("")
    assert page.format_box.chosen() is None
    assert page.table.isEnabled() and page.header_row.isEnabled()
    assert "楽天 SKU item file" in page.format_box.about.text()  # says what is given up
    header = next(csv.reader(io.StringIO(
        (FILES / "rakuten_normal-item.csv").read_bytes().decode("cp932"))))
    system = header.index("システム連携用SKU番号")
    page.set_column("code", system)
    page.set_column("quantity", header.index("在庫数"))
    options = page.options()
    assert options.format == "auto" and options.columns["code"] == column_letter(system)

    to_preview(qtbot, wizard)
    preview = wizard.preview_page
    assert not preview.format_lines.isVisible()
    # read as chosen: the parent rows and the SKU without a system code are not skipped
    problem_rows = {preview.problems.row(i)[1] for i in range(preview.problems.rowCount())}
    assert {2, 5} <= problem_rows
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()


def test_a_plain_stocktake_file_keeps_the_columns_found_from_its_headers(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "tana.csv"
    path.write_bytes("商品コード,在庫数\r\nTW-001,33\r\n".encode("cp932"))
    wizard = ImportWizard(demo_shop)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    to_mapping(qtbot, wizard)
    page = wizard.mapping_page
    assert page.format_box.format.currentData() == ""
    assert page.format_box.about.text().startswith("No channel file format recognised")
    assert page.table.isEnabled()
    assert page.combos["code"].currentData() == 0 and page.combos["quantity"].currentData() == 1


def test_a_next_engine_file_adds_its_signed_changes_whatever_the_first_page_says(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "zaiko.csv"
    path.write_text("syohin_code,zaiko_su\nTW-001,5\nTW-002,-2\n", encoding="utf-8")
    wizard = ImportWizard(demo_shop)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    assert wizard.file_page.options().mode == "overwrite"
    to_mapping(qtbot, wizard)
    assert wizard.mapping_page.format_box.format.currentData() == "nextengine-stock"
    to_preview(qtbot, wizard)
    preview = wizard.preview_page
    assert ("counts: changes added to the stock (negative: taken away), as ネクストエンジン "
            "reads this file") in preview.format_lines.text().splitlines()
    changes = [preview.changes.row(i)[:5] for i in range(preview.changes.rowCount())]
    assert changes == [(2, "TW-001", "On hand", "40", "45"), (3, "TW-002", "On hand", "25", "23")]
    apply(qtbot, wizard)
    book = Shop().book
    assert (book.on_hand["TW-001"], book.on_hand["TW-002"]) == (45, 23)
