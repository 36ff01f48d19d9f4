"""``rendo import / import-undo / export / template``: one line per refused row, exit 2 and
nothing written; the same services as the window."""

from __future__ import annotations

import openpyxl
import pytest

from app.cli import main


@pytest.fixture
def rendo(tmp_path, capsys):
    database = str(tmp_path / "cli.sqlite3")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", database, *args])
        out, err = capsys.readouterr()
        return code, out, err

    for code in ("00123", "00124"):
        assert run("item", "add", code)[0] == 0
    return run


def test_import_dry_run_then_apply_then_undo(rendo, tmp_path):
    path = tmp_path / "棚卸.csv"
    path.write_bytes("商品コード,在庫数\r\n00123,12\r\n00124,0\r\n".encode("cp932"))
    code, out, _ = rendo("import", str(path), "--dry-run")
    assert code == 0
    assert "row 2\t00123\ton_hand\t0 → 12" in out and "dry run" in out
    assert rendo("stock", "--json")[1].count('"on_hand": 0') == 2
    code, out, _ = rendo("import", str(path))
    assert code == 0 and "(cp932): 2 rows, 1 changed" in out
    batch = out.split("rendo import-undo ")[1].strip()
    assert '"on_hand": 12' in rendo("stock", "--json")[1]
    code, out, _ = rendo("undo-import", batch)
    assert code == 0 and out.startswith("1 movement") and " reversed (batch " in out
    assert rendo("import-undo", batch)[0] == 2


def test_refused_rows_one_per_line_exit_2_nothing_written(rendo, tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("code\tqty\n00123\t5\n00124\tx\n999\t1\n00123\t2\n", encoding="utf-8")
    code, out, err = rendo("import", str(path), "--mode", "add")
    assert code == 2
    assert err.splitlines() == [
        "rendo: bad.tsv, row 3, column B (qty): 'x' is not a whole number.",
        "rendo: bad.tsv, row 4, column A (code): there is no item with code 999.",
        "rendo: bad.tsv, row 5, column A (code): 00123 appears again in this file (first in "
        "row 2).",
        "rendo: bad.tsv: 3 problems; nothing was imported.",
    ]
    assert '"on_hand": 5' not in rendo("stock", "--json")[1]


def test_a_header_without_a_code_column_lists_the_columns_exit_2_nothing_written(
        rendo, tmp_path):
    path = tmp_path / "quantity.csv"
    path.write_bytes("SKU管理番号,在庫数\r\n00123,7\r\n".encode("cp932"))
    before = rendo("stock", "--json")[1]
    code, out, err = rendo("import", str(path))
    assert code == 2 and "no header row" not in err
    assert err.splitlines()[0] == (
        "rendo: quantity.csv, row 1: no column for the code (a header such as 商品コード / code "
        "/ JANコード / JAN); columns found: A SKU管理番号, B 在庫数. Choose it in the mapping "
        "step (--column code=COLUMN).")
    assert rendo("stock", "--json")[1] == before


def test_choosing_columns_and_creating_unknown_items(rendo, tmp_path):
    path = tmp_path / "scan.csv"
    path.write_text("a;b\nNEW-1;4\n", encoding="utf-8")
    code, _, err = rendo("import", str(path), "--column", "code=A", "--column", "quantity=B",
                         "--delimiter", "semicolon", "--create-unknown")
    assert code == 0, err
    assert '"code": "NEW-1"' in rendo("stock", "--json")[1]


def test_master_data_kinds(rendo, tmp_path):
    path = tmp_path / "sets.csv"
    path.write_text("セット商品コード,構成商品コード,数量\nGIFT,00123,1\nGIFT,00124,2\n",
                    encoding="utf-8")
    assert rendo("import", str(path), "--kind", "sets")[0] == 0
    assert '"kind": "set"' in rendo("stock", "--json")[1]


def test_export_and_template(rendo, tmp_path):
    code, out, _ = rendo("export", "stock", str(tmp_path / "s.csv"), "--encoding", "utf-8-sig")
    assert code == 0 and "2 rows (csv, utf-8-sig)" in out
    code, _, err = rendo("export", "stock", str(tmp_path / "s.csv"), "--from", "2024-01-01")
    assert code == 2 and "history export only" in err
    code, _, _ = rendo("export", "history", str(tmp_path / "h.xlsx"), "--from", "2024-01-01",
                       "--to", "2030-12-31")
    assert code == 0
    for kind in ("stock", "items", "sets", "patterns", "offsets", "codemap"):
        target = tmp_path / f"{kind}.xlsx"
        assert rendo("template", kind, str(target), "--language", "ja")[0] == 0
        workbook = openpyxl.load_workbook(target)
        assert workbook.sheetnames == [kind, "説明"]
    sheet = openpyxl.load_workbook(tmp_path / "stock.xlsx").active
    assert [c.value for c in sheet[1]] == ["商品コード", "商品名", "在庫数"]
    assert sheet["A2"].number_format == "@"  # codes typed here keep their zeros
    assert rendo("template", "stock", str(tmp_path / "t.csv"), "--encoding", "cp932",
                 "--language", "ja")[0] == 0
    assert (tmp_path / "t.csv").read_bytes() == "商品コード,商品名,在庫数\r\n".encode("cp932")
    code, _, err = rendo("import", str(tmp_path / "stock.xlsx"))
    assert code == 0, err  # an empty template imports nothing


def test_unreadable_file_is_one_line(rendo, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00")
    code, _, err = rendo("import", str(path), "--encoding", "utf-8")
    assert code == 2 and "cannot be read as utf-8" in err
    code, _, err = rendo("import", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read the file" in err


def test_a_dry_run_shows_the_good_rows_and_the_problems(rendo, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("code,qty\n00123,4\n00124,-1\n", encoding="utf-8")
    code, out, err = rendo("import", str(path), "--dry-run")
    assert code == 2
    assert out.splitlines() == ["row 2\t00123\ton_hand\t0 → 4"]
    assert "row 3, column B (qty): negative count -1" in err


def test_a_hostile_file_is_refused_in_one_line_naming_row_and_column(rendo, tmp_path):
    huge = tmp_path / "huge.csv"  # a field beyond the csv module's limit, in quotes
    huge.write_text('code;qty\n00123;1\n00124;"' + "9" * 200_000 + '"\n', encoding="utf-8")
    long_code = tmp_path / "long.csv"
    long_code.write_text("code,qty\n" + "A" * 400 + ",1\n", encoding="utf-8")
    wide = tmp_path / "wide.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["code", "qty"])
    workbook.active.append(["00123", 1])
    workbook.active.cell(3, 16384, "boom")
    workbook.save(wide)
    expected = {
        huge: "rendo: huge.csv, row 3, column B: the cell holds more than 32767 characters",
        long_code: "rendo: long.csv, row 2, column A (code): the code is 400 characters long",
        wide: "rendo: wide.xlsx, row 3, column XFD: the row has a filled cell beyond the 1024",
    }
    for path, line in expected.items():
        code, _, err = rendo("import", str(path))
        assert code == 2 and "Traceback" not in err
        assert err.splitlines()[0].startswith(line), err
    assert '"on_hand": 0' in rendo("stock", "--json")[1]  # nothing was imported
