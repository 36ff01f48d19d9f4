"""Bulk master data through the same machinery: item master, set compositions, allocation
patterns, display offsets and each channel's code map — all or nothing, every problem named."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from app.domain.offsets import DisplayOffset, OffsetKind
from app.domain.orders import OrderLine
from app.services.importing import ImportOptions, ImportRefused, import_file
from app.services.orders import apply_order
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.models import CodeMapRow, ItemRow, UnmatchedLineRow
from tests.dumps import dump_open

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def shop(db_path):
    open_database(db_path)
    shop = Shop()
    for code in ("00123", "00124", "A-001"):
        shop.add_item(code, f"item {code}")
    shop.adjust("00123", "=10")
    shop.adjust("00124", "=10")
    shop.add_channel("rakuten")
    shop.add_channel("yahoo")
    shop.save_pattern("low", ["<=10:rakuten=same,yahoo=0"])
    yield shop
    close_database()


def dump() -> list[str]:
    return dump_open()


def write(tmp_path: Path, text: str, name: str = "master.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return path


def refused(shop: Shop, path: Path, kind: str, **options) -> list[str]:
    before = dump()
    with pytest.raises(ImportRefused) as caught:
        import_file(shop, path, ImportOptions(kind=kind, **options))
    assert dump() == before
    return [p.text() for p in caught.value.problems]


# -- item master -----------------------------------------------------------------------------------

def test_the_item_master_creates_and_updates_items(shop, tmp_path):
    path = write(tmp_path, "商品コード,商品名,JANコード,カラー,サイズ,確保在庫,バックオーダー,"
                           "発注点,無制限\n"
                           "00123,今治タオル 白,4901234567894,白,L,2,1,5,0\n"
                           "NEW-9,新商品,,赤,,,,,○\n")
    plan = import_file(shop, path, ImportOptions(kind="items"))
    assert plan.created == ["NEW-9"]
    towel = shop.book.items["00123"]
    assert (towel.name, towel.jan, towel.variant, towel.reserved, towel.backorder_allowance,
            towel.reorder_point, towel.unlimited) == (
        "今治タオル 白", "4901234567894", {"color": "白", "size": "L"}, 2, 1, 5, False)
    new = shop.book.items["NEW-9"]
    assert new.unlimited and new.variant == {"color": "赤"} and new.name == "新商品"
    assert {c.what for c in plan.changes if c.code == "00123"} == {
        "name", "jan", "variant", "reserved", "backorder_allowance", "reorder_point"}


def test_empty_cells_leave_values_and_none_clears(shop, tmp_path):
    shop.set_item_field(["00123"], "reorder_point", 5)
    shop.set_item_field(["00123"], "jan", "4901234567894")
    import_file(shop, write(tmp_path, "code,name,JAN,reorder point\n00123,,なし,none\n"),
                ImportOptions(kind="items"))
    item = ItemRow.get(ItemRow.code == "00123")
    assert (item.name, item.jan, item.reorder_point) == ("item 00123", None, None)


def test_item_master_refusals(shop, tmp_path):
    shop.define_set("GIFT", [("00123", 1)])
    path = write(tmp_path, "code,reserved,backorder allowance,unlimited\n"
                           "00123,-1,,\nGIFT,,2,\n00124,,,maybe\n00123,1,,\n")
    assert refused(shop, path, "items") == [
        "master.csv, row 2, column B (reserved): -1 is negative; it must be 0 or more.",
        "master.csv, row 3, column C (backorder allowance): GIFT is a set: backorders are set "
        "on its components.",
        "master.csv, row 4, column D (unlimited): 'maybe' is not yes or no (1/0, ○/×).",
        "master.csv, row 5, column A (code): 00123 appears again in this file (first in row 2).",
    ]


# -- sets ------------------------------------------------------------------------------------------

def test_set_compositions_replace_the_old_ones(shop, tmp_path):
    shop.define_set("GIFT", [("00123", 1)])
    path = write(tmp_path, "セット商品コード,構成商品コード,数量\n"
                           "GIFT,00123,1\nGIFT,00124,2\nBOX,GIFT,2\nBOX,A-001,1\n")
    plan = import_file(shop, path, ImportOptions(kind="sets"))
    assert [(c.code, c.before, c.after) for c in plan.changes] == [
        ("GIFT", "00123×1", "00123×1 + 00124×2"), ("BOX", None, "GIFT×2 + A-001×1")]
    assert shop.book.stock["GIFT"].sellable == 5 and shop.book.stock["BOX"].sellable == 0
    assert shop.book.stock["BOX"].limited_by == "A-001"


def test_set_refusals(shop, tmp_path):
    shop.define_set("GIFT", [("00123", 1)])
    path = write(tmp_path, "set code,component,quantity\n"
                           "00124,A-001,1\n"      # 00124 has stock: cannot become a set
                           "LOOP,GIFT,1\nGIFT,LOOP,1\n"  # a loop
                           "S2,NOPE,1\nS2,00123,0\nS3,00123,1\nS3,00123,2\n")
    assert refused(shop, path, "sets") == [
        "master.csv, row 2, column A (set code): 00124 has stock movements of its own, so it "
        "cannot become a set (a set has no shelf stock).",
        "master.csv, row 3, column A (set code): Set LOOP would contain itself: "
        "LOOP → GIFT → LOOP.",
        "master.csv, row 4, column A (set code): Set GIFT would contain itself: "
        "GIFT → LOOP → GIFT.",
        "master.csv, row 5, column B (component): there is no item with code NOPE.",
        "master.csv, row 6, column C (quantity): a component needs a quantity of 1 or more "
        "(got 0).",
        "master.csv, row 8, column B (component): S3 / 00123 appears again in this file "
        "(first in row 7).",
    ]


# -- patterns, offsets, code map ------------------------------------------------------------------

def test_pattern_assignment(shop, tmp_path):
    plan = import_file(shop, write(tmp_path, "商品コード,配分パターン\n00123,low\n00124,low\n"),
                       ImportOptions(kind="patterns"))
    assert [c.after for c in plan.changes] == ["low", "low"]
    assert shop.book.stock["00123"].channels == {"rakuten": 10, "yahoo": 0}
    import_file(shop, write(tmp_path, "code,pattern\n00123,なし\n"),
                ImportOptions(kind="patterns"))
    assert shop.book.items["00123"].pattern is None
    assert refused(shop, write(tmp_path, "code,pattern\n00123,high\n"), "patterns") == [
        "master.csv, row 2, column B (pattern): there is no allocation pattern called high."]


def test_display_offsets(shop, tmp_path):
    path = tmp_path / "offsets.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["商品コード", "チャネル", "表示在庫設定"], ["00123", None, "+5"],
                ["00123", "yahoo", -2], ["00124", None, 3]):
        sheet.append(row)
    workbook.save(path)
    plan = import_file(shop, path, ImportOptions(kind="offsets"))
    assert [(c.code, c.what, c.detail, c.after) for c in plan.changes] == [
        ("00123", "offset", None, "+5"), ("00123", "offset", "yahoo", "-2"),
        ("00124", "offset", None, "3")]
    assert shop.book.stock["00123"].channels == {"rakuten": 15, "yahoo": 8}
    assert shop.book.offsets["00124"] == DisplayOffset(OffsetKind.FIXED, 3)
    import_file(shop, write(tmp_path, "code,channel,offset\n00123,,none\n"),
                ImportOptions(kind="offsets"))
    assert "00123" not in shop.book.offsets
    assert refused(shop, write(tmp_path, "code,channel,offset\n00123,amazon,+1\n00124,,x\n"),
                   "offsets") == [
        "master.csv, row 2, column B (channel): there is no channel called amazon.",
        "master.csv, row 3, column C (offset): Display offset 'x' is not +N, -N, a fixed N or "
        "none."]


def test_a_code_map_applies_the_order_lines_that_waited_for_it(shop, tmp_path):
    apply_order(shop, [OrderLine("rakuten", "R-1", "1", "towel-white", 2)])
    assert UnmatchedLineRow.select().count() == 1
    path = write(tmp_path, "チャネル,チャネル商品ID,商品コード\nrakuten,towel-white,00123\n"
                           "yahoo,000777,00124\n")
    plan = import_file(shop, path, ImportOptions(kind="codemap"))
    assert [(c.what, c.detail) for c in plan.changes] == [
        ("code map", "rakuten: towel-white"), ("code map", "yahoo: 000777")]
    assert UnmatchedLineRow.select().count() == 0
    assert shop.book.on_hand["00123"] == 8
    assert {r.channel_item_id for r in CodeMapRow.select()} == {"towel-white", "000777"}
    assert refused(shop, write(tmp_path, "channel,channel item id,code\nbase,x,00123\n"
                                         "yahoo,y,NOPE\n"), "codemap") == [
        "master.csv, row 2, column A (channel): there is no channel called base.",
        "master.csv, row 3, column C (code): there is no item with code NOPE."]
