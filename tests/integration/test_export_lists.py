"""Exports: the lists a shop prints or sends on, in CP932, UTF-8 with BOM or .xlsx, and a
stock list or item master that imports back unchanged."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import openpyxl
import pytest

from app.domain.orders import OrderLine
from app.files.common import FileRefused
from app.files.csv_io import read_csv
from app.services.exporting import export, export_table, suggested_order
from app.services.importing import ImportOptions, import_file
from app.services.orders import apply_order
from app.services.shop import Shop
from app.store.database import close_database, db, open_database
from app.store.models import MovementRow


@pytest.fixture
def shop(tmp_path):
    open_database(str(tmp_path / "x.sqlite3"))
    shop = Shop()
    shop.add_channel("rakuten")
    shop.add_item("00123", "今治タオル 白", jan="4901234567894", variant={"color": "白"})
    shop.add_item("00124", "今治タオル 青")
    shop.add_item("A-001", "バスタオル")
    shop.define_set("GIFT", [("00123", 1), ("00124", 2)])
    shop.adjust("00123", "=30", "receive")
    shop.adjust("00124", "=8", "receive")
    shop.set_item_field(["00124"], "reorder_point", 10)
    shop.set_item_field(["A-001"], "reorder_point", 0)
    shop.set_item_field(["00123"], "reserved", 2)
    yield shop
    close_database()


def test_stock_list_in_cp932_opens_in_japanese_excel(shop, tmp_path):
    path = tmp_path / "stock.csv"
    result = export(shop, "stock", path, "cp932", language="ja")
    assert (result.rows, result.encoding) == (4, "cp932")
    text = path.read_bytes().decode("cp932")
    lines = text.split("\r\n")
    assert lines[0] == ("商品コード,商品名,種類,JANコード,在庫数,確保在庫,バックオーダー,"
                        "販売可能数,制限している構成品,発注点,発注点割れ,rakuten")
    assert lines[1] == "00123,今治タオル 白,単品,4901234567894,30,2,0,28,,,0,28"
    assert lines[2] == "00124,今治タオル 青,単品,,8,0,0,8,,10,1,8"
    assert lines[4] == "GIFT,GIFT,セット商品,,,0,,4,00124,,0,4"


def test_characters_cp932_cannot_hold_are_reported_not_replaced(shop, tmp_path):
    shop.set_item_field(["00124"], "name", "タオル 10〜20cm")
    path = tmp_path / "stock.csv"
    with pytest.raises(FileRefused) as caught:
        export(shop, "stock", path, "cp932")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (3, "B")
    assert "U+301C" in problem.text() and "'～'" in problem.text()
    assert not path.exists()
    export(shop, "stock", path, "utf-8-sig")  # UTF-8 holds it
    assert read_csv(path).rows[2][1][1] == "タオル 10〜20cm"


def test_xlsx_has_codes_as_text_and_counts_as_numbers(shop, tmp_path):
    path = tmp_path / "stock.xlsx"
    export(shop, "stock", path, language="en")
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]][:5] == ["code", "name", "kind", "JAN", "on hand"]
    assert sheet["A2"].value == "00123" and sheet["A2"].data_type == "s"
    assert sheet["A2"].number_format == "@"
    assert sheet["D2"].value == "4901234567894" and sheet["D2"].data_type == "s"
    assert sheet["E2"].value == 30 and sheet["E2"].data_type == "n"


def test_reorder_list_with_suggested_quantities(shop, tmp_path):
    apply_order(shop, [OrderLine("rakuten", "R1", "1", "00124", 3)])
    apply_order(shop, [OrderLine("rakuten", "R2", "1", "00124", 1)])
    apply_order(shop, [OrderLine("rakuten", "R2", "1", "00124", 1, cancelled=True)])
    table = export_table(shop, "reorder", "en")
    assert table.header == ["code", "name", "JAN", "on hand", "reserved", "sellable",
                            "reorder point", "sold in 30 days", "suggested order"]
    # 00124: on hand 5, reorder point 10, sold 3 → 10 + 3 − 5 = 8; A-001: 0 + 0 − 0 → at least 1
    assert [row[0:1] + row[3:] for row in table.rows] == [
        ["00124", 5, 0, 5, 10, 3, 8], ["A-001", 0, 0, 0, 0, 0, 1]]
    assert suggested_order(10, 0, 30, 0) == 1


def test_history_for_a_date_range(shop, tmp_path):
    old = MovementRow.select().order_by(MovementRow.id).first()
    MovementRow.update(created_at=datetime(2020, 1, 15, 3, 0)).where(
        MovementRow.id == old.id).execute()
    today = date.today()
    table = export_table(shop, "history", "en", today - timedelta(days=1), today)
    assert [row[1] for row in table.rows] == ["00124"]
    assert table.rows[0][3:5] == [8, "Received"]
    everything = export_table(shop, "history", "en")
    assert len(everything.rows) == 2
    path = tmp_path / "history.xlsx"
    export(shop, "history", path, date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
    sheet = openpyxl.load_workbook(path).active
    assert sheet.max_row == 2 and sheet["A2"].is_date


def test_unmatched_order_lines(shop, tmp_path):
    apply_order(shop, [OrderLine("rakuten", "R9", "1", "000999", 2)])
    path = tmp_path / "unmatched.csv"
    export(shop, "unmatched", path, "utf-8-sig", language="ja")
    rows = read_csv(path).rows
    assert rows[0][1][:5] == ("店舗", "注文番号", "明細番号", "店舗商品ID", "数量")
    assert rows[1][1][:5] == ("rakuten", "R9", "1", "000999", "2")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".tsv"])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_export_then_import_gives_the_same_stock(shop, tmp_path, suffix, language):
    path = tmp_path / f"stock{suffix}"
    export(shop, "stock", path, "cp932" if suffix == ".csv" else None, language=language)
    shop.adjust("00123", "=1")
    shop.adjust("00124", "+5")
    import_file(shop, path)  # the set row has no count: skipped
    shop.reload()
    assert shop.book.on_hand == {"00123": 30, "00124": 8, "A-001": 0}
    before = list(db.connection().iterdump())
    plan = import_file(shop, path)
    assert plan.changed == 0 and plan.movements == 0  # nothing to change the second time
    assert list(db.connection().iterdump()) == before


def test_item_master_round_trip(shop, tmp_path):
    path = tmp_path / "items.xlsx"
    export(shop, "items", path, language="ja")
    header = [c.value for c in openpyxl.load_workbook(path).active[1]]
    assert header[:5] == ["商品コード", "商品名", "種類", "JANコード", "カラー"]
    plan = import_file(shop, path, ImportOptions(kind="items"))
    assert plan.changed == 0 and plan.created == []
    assert "種類" in plan.source.mapping.ignored


def test_unknown_export_kind_and_format(shop, tmp_path):
    from app.domain.errors import BadInput

    with pytest.raises(BadInput, match="Unknown export"):
        export(shop, "nope", tmp_path / "x.csv")
    with pytest.raises(BadInput, match="exports .csv"):
        export(shop, "stock", tmp_path / "x.pdf")


HOSTILE_CODES = ["=A1+1", "'=B", "@SUM(1)", "+81-3", "-3"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_formula_like_cells_are_neutralised_and_import_back_unchanged(shop, tmp_path, suffix):
    for code in HOSTILE_CODES:
        shop.add_item(code, "=CMD|' /C calc'!A0")
    shop.adjust("=A1+1", "=5", "receive")
    apply_order(shop, [OrderLine("rakuten", "R-1", "1", '=HYPERLINK("http://evil","x")', 1)])
    items, stock = tmp_path / f"items{suffix}", tmp_path / f"stock{suffix}"
    unmatched = tmp_path / f"unmatched{suffix}"
    for kind, path in (("items", items), ("stock", stock), ("unmatched", unmatched)):
        export(shop, kind, path, "utf-8-sig" if suffix != ".xlsx" else None, language="en")
    if suffix == ".xlsx":
        for path in (items, stock, unmatched):
            sheet = openpyxl.load_workbook(path).active
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    else:
        import csv
        import io

        def cells(path):
            text = path.read_bytes().decode("utf-8-sig")
            delimiter = "\t" if suffix == ".tsv" else ","
            return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))

        rows = {row[0]: row for row in cells(items)[1:]}
        assert set(rows) == {"'=A1+1", "''=B", "'@SUM(1)", "'+81-3", "-3", "00123", "00124",
                             "A-001", "GIFT"}  # a plain number stays a number
        assert rows["-3"][1] == "'=CMD|' /C calc'!A0"
        assert cells(unmatched)[1][3] == "'" + '=HYPERLINK("http://evil","x")'
    plan = import_file(shop, items, ImportOptions(kind="items"))
    assert plan.changed == 0 and plan.created == []
    shop.adjust("=A1+1", "=1")
    import_file(shop, stock)
    shop.reload()
    assert shop.book.on_hand["=A1+1"] == 5 and shop.book.on_hand["'=B"] == 0
