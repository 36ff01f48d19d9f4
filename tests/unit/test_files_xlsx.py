"""Excel files: codes keep their zeros however Excel stored them; formulas, errors and dates
are seen for what they are; written files have typed columns."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from app.files import xlsx_io
from app.files.common import FileRefused, OperationCancelled
from app.files.values import CellError, MissingResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


@pytest.fixture(params=[True, False], ids=["parser", "public-api"])
def use_parser(request):
    return request.param


def test_codes_stored_every_way_excel_stores_them(use_parser):
    table = xlsx_io.read_xlsx(FIXTURES / "stock_excel.xlsx", use_parser=use_parser)
    rows = dict(table.rows)
    assert rows[4][0] == "00123"  # text
    assert rows[5][0] == "00124"  # number 124 shown in a 00000 format
    assert rows[6][0] == 4901234567894  # a long number in General: left as a number
    assert rows[10][0] == "125"  # number in a text (@) format
    assert rows[5][2] == 7  # 7.0 is a whole number
    assert rows[9][2] == 3  # the formula's saved result


def test_blank_rows_are_skipped_and_merged_blocks_are_known():
    table = xlsx_io.read_xlsx(FIXTURES / "stock_excel.xlsx")
    assert [n for n, _ in table.rows] == [1, 3, 4, 5, 6, 8, 9, 10]
    assert [b.ref for b in table.merged] == ["A1:C1", "A8:C8"]
    assert table.merged_range(8, 2).ref == "A8:C8" and table.merged_range(9, 1) is None
    assert table.sheet == "棚卸"


def test_errors_formulas_and_dates_come_through_as_such():
    rows = dict(xlsx_io.read_xlsx(FIXTURES / "stock_problems.xlsx").rows)
    assert isinstance(rows[2][1], datetime)
    assert isinstance(rows[3][1], CellError) and rows[3][1].text == "#N/A"
    assert isinstance(rows[6][1], MissingResult)


def test_an_empty_text_result_is_not_a_missing_result(tmp_path):
    path = tmp_path / "x.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["code", "qty"])
    workbook.save(path)
    # what Excel writes for =IF(…,"",…): a string result, empty
    import zipfile

    patched = tmp_path / "y.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</row></sheetData>", b'</row><row r="2"><c r="A2" '
                                    b't="inlineStr"><is><t>A</t></is></c><c r="B2" t="str">'
                                    b"<f>IF(1,\"\",2)</f><v></v></c></row></sheetData>")
            dst.writestr(item, data)
    rows = dict(xlsx_io.read_xlsx(patched).rows)
    assert rows[2][1] is None


def test_choosing_a_sheet(tmp_path):
    path = tmp_path / "two.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "説明"
    workbook.active.append(["read me"])
    data = workbook.create_sheet("在庫")
    data.append(["code", "qty"])
    workbook.save(path)
    assert xlsx_io.read_xlsx(path, sheet="在庫").rows[0][1] == ("code", "qty")
    assert xlsx_io.sheet_names(path) == ["説明", "在庫"]
    with pytest.raises(FileRefused, match="no sheet called"):
        xlsx_io.read_xlsx(path, sheet="nope")


def test_not_an_xlsx_file_is_refused_clearly(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("code,qty\n1,2\n")
    with pytest.raises(FileRefused, match="not an Excel .xlsx file"):
        xlsx_io.read_xlsx(path)


def test_cancel_stops_reading(tmp_path):
    path = tmp_path / "big.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for i in range(2000):
        sheet.append([f"{i:05d}", i])
    workbook.save(path)
    with pytest.raises(OperationCancelled):
        xlsx_io.read_xlsx(path, cancelled=lambda: True)


def test_written_codes_are_text_cells_and_counts_numbers(tmp_path):
    path = tmp_path / "out.xlsx"
    xlsx_io.write_xlsx(path, ["code", "name", "qty", "when"],
                       [["00123", "=cmd|' /C calc'!A0", 5, datetime(2024, 3, 1, 9, 30)],
                        ["0045", None, None, None]],
                       text_columns={0})
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == "00123" and sheet["A2"].data_type == "s"
    assert sheet["A2"].number_format == "@"
    assert sheet["B2"].data_type == "s"  # a name starting with = is text, not a formula
    assert sheet["C2"].value == 5 and sheet["C2"].data_type == "n"
    assert sheet["D2"].is_date
    assert sheet["A3"].value == "0045"
    assert xlsx_io.read_xlsx(path).rows[1][1][0] == "00123"


def test_control_characters_are_reported_not_written(tmp_path):
    path = tmp_path / "out.xlsx"
    with pytest.raises(FileRefused) as caught:
        xlsx_io.write_xlsx(path, ["code"], [["ok"], ["bad\x01"]])
    assert caught.value.problems[0].row == 3
    assert not path.exists()
