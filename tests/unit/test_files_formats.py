"""The channel file formats (app/files/formats): each sample file is recognised as its own
format and no other, headers are matched as the channels write them, and the rows a format
keeps, skips or refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.files import formats
from app.files.common import Table
from app.files.csv_io import read_csv
from app.files.formats.base import Header

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"

SAMPLES = {
    "rakuten_normal-item.csv": "rakuten-sku", "rakuten_select.csv": "rakuten-select",
    "rakuten_dl-item.csv": "rakuten-item", "yahoo_quantity.csv": "yahoo-quantity",
    "yahoo_data.csv": "yahoo-data", "base_items.csv": "base-items",
    "shopify_inventory.csv": "shopify-inventory", "amazon_listings_ja.txt": "amazon-listings",
    "amazon_listings_en.txt": "amazon-listings", "nextengine_stock.csv": "nextengine-stock",
    "stock_cp932.csv": None, "stock_utf8_bom.csv": None, "stock_utf16_tab.txt": None,
}


@pytest.mark.parametrize(("name", "expected"), SAMPLES.items())
def test_each_sample_is_recognised_as_its_own_format(name, expected):
    found = formats.detect(read_csv(FILES / name), formats.FORMATS)
    assert (found.name if found else None) == expected


def test_every_format_has_a_source_and_a_unique_name():
    assert len(formats.BY_NAME) == len(formats.FORMATS)
    assert all(f.source and f.marks for f in formats.FORMATS)
    assert set(formats.NAMES) == {"auto", "rendo", *formats.BY_NAME}


def test_headers_are_matched_exactly_before_loosely():
    header = Header(["SKU", "On hand (new)", "On hand (current)", "商品管理番号（商品URL）"])
    assert header.find("On hand (current)") == 2  # not the (new) column the loose match finds
    assert header.find("On hand") == 1  # loosely: brackets ignored, the first such column
    assert header.find("商品管理番号") == 3
    assert header.find("ｓｋｕ") == 0
    assert header.describe(3) == "D (商品管理番号（商品URL）)"


def table(rows: list[list[str]]) -> Table:
    return Table(Path("f.csv"), "csv", [(n, tuple(r)) for n, r in enumerate(rows, start=1)])


SHOPIFY = ["Handle", "SKU", "Location", "Available (not editable)", "On hand (current)"]


def test_shopify_locations_summed_a_bad_count_left_to_be_refused():
    rows = [SHOPIFY, ["t", "A", "Warehouse", "1", "5"], ["t", "B", "Warehouse", "0", "2"],
            ["t", "A", "Store", "0", "not stocked"], ["t", "B", "Store", "9", "x"],
            ["t", "A", "Depot", "0", "3"]]
    reading = formats.read_formatted(table(rows), formats.BY_NAME["shopify-inventory"],
                                     detected=True, choice="all")
    assert reading.problems == []
    assert [r for _, r in reading.table.rows[1:]] == [("A", "8", ""), ("B", "x", "")]


def test_an_available_only_shopify_export_is_refused():
    rows = [["Handle", "SKU", "Location", "Available"], ["t", "A", "Warehouse", "5"]]
    reading = formats.read_formatted(table(rows), formats.BY_NAME["shopify-inventory"], True)
    assert [p.column for p in reading.problems] == ["D (Available)"]
    assert "All quantity types" in reading.problems[0].reason()


def test_a_sku_row_with_a_count_but_no_code_is_not_a_parent():
    rows = [["商品管理番号", "SKU管理番号", "システム連携用SKU番号", "在庫数"],
            ["towel", "", "", ""], ["towel", "", "", "4"], ["towel", "w", "", "3"]]
    reading = formats.read_formatted(table(rows), formats.BY_NAME["rakuten-sku"], True)
    assert reading.skipped == {formats.rakuten.PARENT: [2]}
    assert [r for _, r in reading.table.rows[1:]] == [("", "4", ""), ("w", "3", "")]


def test_shopify_not_stocked_is_skipped_in_either_case():
    """Shopify's export writes "Not stocked" where an import file may say "not stocked"."""
    rows = [SHOPIFY, ["t", "A", "Store", "not stocked", "Not stocked"],
            ["t", "B", "Store", "2", "2"]]
    reading = formats.read_formatted(table(rows), formats.BY_NAME["shopify-inventory"], True)
    assert reading.problems == []
    assert [r for _, r in reading.table.rows[1:]] == [("B", "2", "")]
    assert list(reading.skipped.values()) == [[2]]


YAHOO = ["code", "sub-code", "quantity", "allow-overdraft", "stock-close"]


def test_yahoo_quantity_downloaded_without_names_nor_item_rows():
    """The download without item names, and items whose options have only sub-code rows."""
    rows = [YAHOO, ["towel", "towel-white", "9", "0", ""], ["towel", "towel-blue", "3", "1", "1"],
            ["mug-1", "", "2", "0", ""]]
    found = formats.detect(table(rows), formats.FORMATS)
    assert found is formats.BY_NAME["yahoo-quantity"]
    reading = formats.read_formatted(table(rows), found, True)
    assert reading.problems == [] and reading.skipped == {}
    assert [r[:2] for _, r in reading.table.rows[1:]] == [
        ("towel-white", "9"), ("towel-blue", "3"), ("mug-1", "2")]
