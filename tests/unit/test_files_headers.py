"""Headers in Japanese and English: the columns are found, or the user is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.files.common import Table
from app.files.headers import find_columns, header_labels, normalize, parse_column_ref


def table(*rows):
    return Table(Path("t.csv"), "csv", [(i, tuple(r)) for i, r in enumerate(rows, start=1)])


@pytest.mark.parametrize(("code", "quantity"), [
    ("商品コード", "在庫数"), ("品番", "数量"), ("SKU", "Quantity"), ("code", "qty"),
    ("商品コード（必須）", "在庫数 *"), ("ＳＫＵ", "ＱＴＹ"), ("Item Code", "On Hand"),
    ("item_code", "stock"),
])
def test_headers_are_recognised(code, quantity):
    mapping, problems = find_columns(table(["x", code, quantity], ["1", "A", "2"]), "stock")
    assert not problems
    assert mapping.columns == {"code": 1, "quantity": 2}
    assert mapping.column_name("quantity") == f"C ({quantity})"


def test_the_header_row_may_follow_title_rows():
    mapping, _ = find_columns(table(["2024年 棚卸表"], ["担当: 山田"], ["品番", "商品名", "数量"]),
                              "stock")
    assert mapping.header_row == 3 and mapping.columns == {"code": 0, "name": 1, "quantity": 2}


def test_two_candidate_columns_are_not_guessed():
    mapping, problems = find_columns(table(["商品コード", "SKU", "在庫数"]), "stock")
    assert mapping is None
    assert "could all be the code" in problems[0].text()
    mapping, problems = find_columns(table(["商品コード", "SKU", "在庫数"]), "stock",
                                     {"code": "SKU"})
    assert not problems and mapping.columns == {"code": 1, "quantity": 2}


def test_a_missing_column_names_what_was_found():
    _, problems = find_columns(table(["商品コード", "名前"]), "stock")
    text = problems[0].text()
    assert "no header row found" in text or "no column for the quantity" in text


def test_a_header_row_without_a_code_column_is_named_with_the_columns_found():
    rows = (["楽天 在庫表"], ["SKU管理番号", "商品名", "在庫数"], ["towel-1-white", "タオル", "3"])
    mapping, problems = find_columns(table(*rows), "stock")
    assert mapping is None
    assert [p.text() for p in problems] == [
        "t.csv, row 2: no column for the code (a header such as 商品コード / code / JANコード / "
        "JAN); columns found: A SKU管理番号, B 商品名, C 在庫数. Choose it in the mapping step "
        "(--column code=COLUMN)."]


def test_rows_naming_no_field_are_still_no_header_row():
    _, problems = find_columns(table(["foo", "bar"], ["1", "2"]), "stock")
    assert [p.row for p in problems] == [None]
    assert "no header row found" in problems[0].text()


def test_columns_chosen_by_letter_or_number():
    mapping, problems = find_columns(table(["a", "b", "c"], ["1", "x", "5"]), "stock",
                                     {"code": "A", "quantity": "3"})
    assert not problems and mapping.columns == {"code": 0, "quantity": 2}
    assert mapping.header_row == 1


def test_a_file_without_header_row():
    mapping, problems = find_columns(table(["00123", "5"]), "stock",
                                     {"code": "A", "quantity": "B"}, header_row=0)
    assert not problems and mapping.header_row == 0


def test_unknown_field_in_a_choice_is_refused():
    _, problems = find_columns(table(["商品コード", "在庫数"]), "stock", {"colour": "A"})
    assert "not a column of the stock import" in problems[0].text()


def test_variant_columns_in_the_item_master():
    mapping, _ = find_columns(table(["商品コード", "カラー", "variant:素材", "メモ"]), "items")
    assert mapping.columns == {"code": 0, "color": 1}
    assert mapping.variants == {"素材": 2}
    assert mapping.ignored == ["メモ"]


def test_other_kinds_find_their_columns():
    for kind, header in [
        ("sets", ["セット商品コード", "構成商品コード", "数量"]),
        ("patterns", ["商品コード", "配分パターン"]),
        ("offsets", ["商品コード", "チャネル", "表示在庫設定"]),
        ("codemap", ["チャネル", "商品管理番号", "商品コード"]),
        ("offsets", ["商品コード", "店舗", "表示在庫設定"]),  # the headers Rendo writes now
        ("codemap", ["店舗", "店舗商品ID", "商品コード"]),
        ("codemap", ["チャネル", "チャネル商品ID", "商品コード"]),  # and the older ones
    ]:
        mapping, problems = find_columns(table(header), kind)
        assert not problems, (kind, problems)
        assert sorted(mapping.columns.values()) == list(range(len(header)))


def test_normalize_and_column_refs():
    assert normalize("　在庫数（必須） ") == "在庫数"
    assert parse_column_ref("AA", ()) == 26
    assert parse_column_ref("数量", ["コード", "数量"]) == 1


def test_channel_headers_say_店舗_as_the_window_does():
    assert header_labels(["channel", "channel_item_id"], "ja") == ["店舗", "店舗商品ID"]


def test_an_excluded_field_is_not_found_from_its_header():
    header = ["商品コード", "商品名", "在庫数"]
    mapping, _ = find_columns(table(header), "stock")
    assert mapping.columns == {"code": 0, "name": 1, "quantity": 2}
    mapping, problems = find_columns(table(header), "stock", excluded={"name"})
    assert not problems and mapping.columns == {"code": 0, "quantity": 2}
    assert mapping.ignored == ["商品名"]
    _, problems = find_columns(table(header), "stock", excluded={"quantity"})
    assert "no column for the quantity" in problems[0].text()
    _, problems = find_columns(table(header), "stock", excluded={"colour"})
    assert "not a column of the stock import" in problems[0].text()


@pytest.mark.parametrize(("kind", "header"), [
    ("codemap", ["店舗", "店舗商品ID", "商品コード"]),
    ("offsets", ["商品コード", "店舗", "表示在庫設定"]),
])
def test_code_map_and_offset_templates_say_店舗(tmp_path: Path, kind: str, header: list[str]):
    from app.files.csv_io import read_csv
    from app.files.templates import write_template

    path = write_template(kind, tmp_path / f"{kind}.csv", "ja", "utf-8-sig")
    assert list(read_csv(path).rows[0][1]) == header
    mapping, problems = find_columns(read_csv(path), kind)
    assert not problems and len(mapping.columns) == 3  # and they import back
