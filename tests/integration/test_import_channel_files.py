"""Stock from the files channels write (楽天, Yahoo!, BASE, Shopify, Amazon, ネクストエンジン):
each sample file (tests/fixtures/files/make_channel_files.py, built from the published format
descriptions) is recognised from its header, previewed with its format, its choices and the
rows it skips, imported exactly as ``rendo stock --json`` then shows, and refused whole, with
the file's own row and column, when a stock row cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
CODES = ("TW-001", "towel-white", "towel-blue", "MUG-1", "mug-1", "shirt-wh-s", "shirt-wh-m",
         "shirt-bk-m")


@pytest.fixture
def shelf(rendo):
    for code in CODES:
        assert rendo("item", "add", code).code == 0
    return rendo


def stock(rendo) -> dict[str, int]:
    return {row["code"]: row["on_hand"] for row in rendo("stock", "--json").json()}


def changed(rendo) -> dict[str, int]:
    return {code: count for code, count in stock(rendo).items() if count}


# file, options, lines of the preview, on hand afterwards (items not named: 0)
CASES = [
    ("rakuten_normal-item.csv", (), [
        "file format: 楽天 SKU item file (normal-item.csv) (detected, --format rakuten-sku); "
        "stock rows: 3",
        "code: システム連携用SKU番号 where the SKU has one, else SKU管理番号 (as Rendo's 楽天 "
        "channel names SKUs)",
        "skipped, parent rows (an item's row: no SKU code, no count): 2 (rows 2, 5)"],
     {"TW-001": 12, "towel-blue": 7}),
    ("rakuten_select.csv", (), [
        "file format: 楽天 option stock file (select.csv) (detected, --format rakuten-select); "
        "stock rows: 3",
        "code: 商品管理番号 + 横軸選択肢子番号 + 縦軸選択肢子番号",
        "skipped, options that are not stock (選択肢タイプ other than i): 1 (rows 2)"],
     {"shirt-wh-s": 4, "shirt-wh-m": 6}),
    ("rakuten_dl-item.csv", (), [
        "skipped, items with 在庫タイプ 2 (their stock is in select.csv): 1 (rows 3)",
        "skipped, items with 在庫タイプ 0 (no stock kept): 1 (rows 4)"],
     {"towel-white": 15}),
    ("yahoo_quantity.csv", (), [
        "file format: Yahoo! stock file (quantity.csv) (detected, --format yahoo-quantity); "
        "stock rows: 3",
        "not read as stock: column E (allow-overdraft) (a flag: orders beyond the stock)",
        "skipped, parent rows (an item whose options have their own sub-code rows): 1 (rows 2)"],
     {"towel-white": 9, "towel-blue": 3, "mug-1": 2}),
    ("base_items.csv", (), [
        "file format: BASE item file (detected, --format base-items); stock rows: 3",
        "skipped, parent rows (an item whose 種類 have their own rows): 1 (rows 2)"],
     {"towel-white": 8, "towel-blue": 5, "mug-1": 4}),  # ｔｏｗｅｌ－ｂｌｕｅ read half-width
    ("shopify_inventory.csv", ("--location", "Warehouse"), [
        "location: Warehouse",
        "not read as stock: column Q (Available (not editable)) (on hand less the units "
        "ordered)"],
     {"towel-white": 10, "towel-blue": 4, "mug-1": 2}),
    ("shopify_inventory.csv", ("--location", "Shibuya Store"), [
        "location: Shibuya Store",
        "skipped, variants not stocked at the location: 1 (rows 6)"],
     {"towel-white": 3, "mug-1": 1}),
    ("shopify_inventory.csv", ("--location", "all"), [
        "location: the sum of Warehouse, Shibuya Store"],
     {"towel-white": 13, "towel-blue": 4, "mug-1": 3}),
    ("amazon_listings_ja.txt", (), [
        "file format: Amazon listings report (detected, --format amazon-listings); stock rows: "
        "2",
        "not read as stock: column O (在庫数) (in Amazon's Japanese report this is the pending "
        "quantity, not stock)",
        "skipped, listings fulfilled by Amazon (FBA) without a quantity: 1 (rows 3)"],
     {"towel-white": 11, "mug-1": 6}),
]


@pytest.mark.parametrize(("name", "options", "lines", "after"), CASES,
                         ids=[f"{c[0]}{''.join(c[1][1:])}" for c in CASES])
def test_a_channel_file_is_previewed_then_imported(shelf, db_dump, name, options, lines, after):
    path = str(FILES / name)
    before = db_dump()
    run = shelf("import", path, "--dry-run", *options)
    assert run.code == 0, run.err
    out = run.out.splitlines()
    for line in lines:
        assert line in out
    assert "dry run: nothing was written" in out
    assert db_dump() == before
    run = shelf("import", path, *options)
    assert run.code == 0, run.err
    assert lines[0] in run.out.splitlines()  # the real import says what it read, too
    assert changed(shelf) == after


def test_the_next_engine_file_adds_and_takes_away(shelf, tmp_path, db_dump):
    counts = tmp_path / "counts.csv"
    counts.write_text("商品コード,在庫数\ntowel-white,10\ntowel-blue,3\n", encoding="utf-8")
    assert shelf("import", str(counts)).code == 0
    run = shelf("import", str(FILES / "nextengine_stock.csv"))
    assert run.code == 0, run.err
    assert ("counts: changes added to the stock (negative: taken away), as ネクストエンジン reads "
            "this file") in run.out.splitlines()
    assert changed(shelf) == {"towel-white": 15, "towel-blue": 1}
    before = db_dump()  # once more would take towel-blue below 0: refused whole
    run = shelf("import", str(FILES / "nextengine_stock.csv"))
    assert run.code == 2
    assert ("nextengine_stock.csv, row 3, column B (zaiko_su): towel-blue: taking away 2 "
            "would leave -1 (on hand 1)") in run.err
    assert db_dump() == before
    run = shelf("import", str(FILES / "nextengine_stock.csv"), "--mode", "subtract")
    assert run.code == 2 and "not counts to subtract; import it without --mode" in run.err
    assert db_dump() == before


REFUSALS = [
    ("rakuten_normal-item_blank.csv", (), [
        "rendo: rakuten_normal-item_blank.csv, row 4, column P (在庫数): the count of "
        "towel-blue is empty (write 0 for none)."]),
    ("amazon_listings_en.txt", (), [
        "rendo: amazon_listings_en.txt, row 2, column E (quantity): the count of towel-white is "
        "empty (write 0 for none)."]),
    ("yahoo_quantity_mode.csv", (), [
        "rendo: yahoo_quantity_mode.csv, row 3, column D (mode): mode + makes the quantity a "
        "change, not a count; Rendo imports counts from quantity.csv: clear the mode cell or "
        "count the stock.",
        "rendo: yahoo_quantity_mode.csv, row 4, column A (code): there is no item with code "
        "nope."]),
    ("yahoo_data.csv", (), [
        "rendo: yahoo_data.csv, row 1: Yahoo!'s data.csv holds item data but no stock; "
        "download quantity.csv (在庫) from ストアクリエイターPro and import that."]),
    ("shopify_inventory.csv", (), [
        "rendo: shopify_inventory.csv, row 1, column L (Location): the file holds the stock of 2 "
        "locations (Warehouse, Shibuya Store); choose one with --location NAME, or --location "
        "all for their sum."]),
    ("shopify_inventory.csv", ("--location", "Osaka"), [
        "rendo: shopify_inventory.csv, row 1, column L (Location): there is no location Osaka in "
        "the file (locations: Warehouse, Shibuya Store)."]),
    ("yahoo_quantity.csv", ("--location", "Warehouse"), [
        "rendo: yahoo_quantity.csv: --location is for Shopify's inventory export, not a Yahoo! "
        "stock file (quantity.csv)."]),
    ("stock_utf8_bom.csv", ("--format", "amazon-listings"), [
        "rendo: stock_utf8_bom.csv, row 1: the file does not look like the Amazon listings "
        "report: it lacks seller-sku, quantity."]),
]


@pytest.mark.parametrize(("name", "options", "problems"), REFUSALS,
                         ids=[f"{r[0]}{''.join(r[1])}" for r in REFUSALS])
@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)], ids=["apply", "dry-run"])
def test_a_refused_channel_file_changes_nothing(shelf, db_dump, name, options, problems,
                                                dry_run):
    before = db_dump()
    run = shelf("import", str(FILES / name), *options, *dry_run)
    assert run.code == 2
    assert run.err_lines[:-1] == problems
    assert "nothing was imported" in run.err_lines[-1]
    assert db_dump() == before


def test_each_row_names_the_column_its_code_came_from(rendo, db_dump):
    for code in ("TW-001", "MUG-1"):  # towel-blue (SKU管理番号, no system number) is unknown
        rendo("item", "add", code)
    before = db_dump()
    run = rendo("import", str(FILES / "rakuten_normal-item.csv"))
    assert run.code == 2
    assert run.err_lines[0] == ("rendo: rakuten_normal-item.csv, row 4, column K (SKU管理番号): "
                                "there is no item with code towel-blue.")
    assert db_dump() == before
    rendo("item", "add", "towel-blue")
    rendo("item", "add", "mug-1")
    before = db_dump()
    run = rendo("import", str(FILES / "base_items.csv"), "--dry-run")
    assert run.code == 2  # towel-white is not an item here: its code came from 種類コード
    assert run.err_lines[0] == ("rendo: base_items.csv, row 3, column AG (種類コード): there is "
                                "no item with code towel-white.")
    assert db_dump() == before


def test_a_format_can_be_named_and_rendos_own_columns_asked_for(shelf, tmp_path):
    run = shelf("import", str(FILES / "yahoo_quantity.csv"), "--format", "yahoo-quantity",
                "--dry-run")
    assert run.code == 0
    assert ("file format: Yahoo! stock file (quantity.csv) (chosen with --format, --format "
            "yahoo-quantity); stock rows: 3") in run.out.splitlines()
    plain = tmp_path / "plain.csv"  # Rendo's own columns: read as before, no format line
    plain.write_text("商品コード,在庫数\ntowel-white,2\n", encoding="utf-8")
    run = shelf("import", str(plain), "--format", "rendo")
    assert run.code == 0 and "file format" not in run.out
    assert changed(shelf) == {"towel-white": 2}


def test_columns_chosen_by_hand_are_read_as_chosen(shelf):
    """--column without --format: the user's columns, not the format's (here even Amazon's
    在庫数, which the format never reads as stock)."""
    run = shelf("import", str(FILES / "amazon_listings_ja.txt"), "--column", "code=D",
                "--column", "quantity=O")
    assert run.code == 0, run.err
    assert "file format" not in run.out
    assert changed(shelf) == {"towel-white": 99, "mug-1": 1}
