"""Excel (.xlsx) files through openpyxl: read-only streaming for big files, typed writing.

Formulas: Rendo reads the result Excel saved with the file (openpyxl's ``data_only``), never
the formula. A formula cell with no saved result (a file written by a program, never saved by
Excel) is refused with a clear reason instead of being read as empty.

Reading goes through openpyxl's sheet parser directly (``WorkSheetParser``, the engine behind
read-only ``iter_rows``) so that each cell's number format and formula are seen without
building cell objects: that is what keeps leading zeros of codes stored as numbers in a text
or ``00000`` format, and what finds formulas without a result. Should a future openpyxl
change those internals, reading falls back to the public ``iter_rows`` (which cannot tell a
formula without a result from an empty cell).
"""

from __future__ import annotations

import contextlib
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from app.domain.errors import QT_TRANSLATE_N_NOOP, QT_TRANSLATE_NOOP

from .common import (
    CHECK_EVERY,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_PART_XML_BYTES,
    MAX_ROWS,
    MAX_SHEET_XML_BYTES,
    CancelCheck,
    CellRange,
    FileRefused,
    OperationCancelled,
    Problem,
    Progress,
    Table,
    column_letter,
    create_temporary,
    never_cancelled,
    no_progress,
    refuse_file,
    replace_file,
    too_long_cell,
    too_many_rows,
    too_wide_row,
)
from .values import MISSING_RESULT, CellError

try:  # openpyxl internals; see the module docstring
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.utils.datetime import from_excel, from_ISO8601
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
except ImportError:  # pragma: no cover - only with a changed openpyxl
    WorkSheetParser = None
else:
    _INLINE_TAG = f"{{{SHEET_MAIN_NS}}}is"
    _TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
    _RUN_TAG = f"{{{SHEET_MAIN_NS}}}r"

_ZERO_PAD = re.compile(r"^0+$")
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _text_styles(workbook: Any) -> dict[int, int]:
    """Style ids whose number format shows numbers as text: ``@`` → 0, ``00000`` → width 5."""
    found: dict[int, int] = {}
    for style_id, style in enumerate(workbook._cell_styles):
        number_format = _format_of(workbook, style.numFmtId)
        if number_format == TEXT_FORMAT:
            found[style_id] = 0
        elif _ZERO_PAD.match(number_format):
            found[style_id] = len(number_format)
    return found


def _format_of(workbook: Any, format_id: int) -> str:
    if format_id < BUILTIN_FORMATS_MAX_SIZE:
        return str(BUILTIN_FORMATS.get(format_id, "General"))
    return str(workbook._number_formats[format_id - BUILTIN_FORMATS_MAX_SIZE])


def shown_as_text(value: int | float, width: int) -> str:
    """The text Excel shows for number *value* in a text (width 0) or zero-padded format."""
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return f"{int(value):0{width}d}" if width else str(int(value))


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _inline_text(node: Any) -> str:
    """The text of an inline string: its plain part and its formatted runs, without the
    phonetic guide (ふりがな, ``rPh``) Japanese Excel stores next to it."""
    parts = []
    plain = node.find(_TEXT_TAG)
    if plain is not None and plain.text:
        parts.append(plain.text)
    for run in node.findall(_RUN_TAG):
        text = run.findtext(_TEXT_TAG)
        if text:
            parts.append(text)
    return "".join(parts)


if WorkSheetParser is not None:

    class _CellParser(WorkSheetParser):  # type: ignore[misc, valid-type]
        """openpyxl's sheet parser with a leaner cell reader: values only (no rich text or
        formula objects), formulas without a saved result and error values reported as
        such, and numbers in a text or 00000 format turned into the text Excel shows."""

        def __init__(self, *args: Any, text_styles: dict[int, int], **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.text_styles = text_styles

        def parse_cell(self, element: Any) -> dict[str, Any]:
            data_type = element.get("t", "n")
            coordinate = element.get("r")
            style = element.get("s")
            style_id = int(style) if style else 0
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            value: Any = None
            if data_type == "inlineStr":
                node = element.find(_INLINE_TAG)
                value = _inline_text(node) if node is not None else None
                data_type = "s"
            else:
                text = element.findtext(VALUE_TAG, None) or None
                if text is None:
                    # Excel saves a formula's result (an empty text result as t="str" with an
                    # empty value); programs that write formulas without computing them don't.
                    if data_type != "str" and element.find(FORMULA_TAG) is not None:
                        value = MISSING_RESULT
                elif data_type == "n":
                    value = _number(text)
                    if style_id in self.date_formats:
                        value = self._date(value, style_id)
                    elif style_id in self.text_styles:
                        value = shown_as_text(value, self.text_styles[style_id])
                elif data_type == "s":
                    value = self.shared_strings[int(text)]
                elif data_type == "b":
                    value = bool(int(text))
                elif data_type == "e":
                    value = CellError(text)
                elif data_type == "d":
                    value = from_ISO8601(text)
                else:  # "str": a formula's text result
                    value = text
            return {"row": row, "column": column, "value": value, "data_type": data_type,
                    "style_id": style_id}

        def _date(self, value: int | float, style_id: int) -> Any:
            try:
                return from_excel(value, self.epoch,
                                  timedelta=style_id in self.timedelta_formats)
            except (OverflowError, ValueError):
                return CellError("#VALUE!")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parsed_rows(workbook: Any, sheet: Any, merged: list[CellRange], name: str) -> Iterator[
        tuple[int, tuple[Any, ...]]]:
    with sheet._get_source() as source:
        parser = _CellParser(
            source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
            date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats,
            text_styles=_text_styles(workbook),
        )
        for number, cells in parser.parse():
            # at most MAX_COLUMNS wide: a formatted but empty cell at XFD does not make the
            # row 16,384 cells wide; a filled one is refused
            values: list[Any] = []
            for cell in cells:
                value, column = cell["value"], cell["column"]
                size = len(values)
                if column > size:
                    if column > MAX_COLUMNS:
                        if _blank(value):
                            continue
                        raise too_wide_row(name, number, column - 1)
                    if column > size + 1:
                        values.extend([None] * (column - size - 1))
                    values.append(value)
                elif value is not None:
                    values[column - 1] = value
                if type(value) is str and len(value) > MAX_CELL_CHARS:
                    raise too_long_cell(name, number, column - 1)
            yield number, tuple(values)
        if parser.merged_cells is not None:
            for block in parser.merged_cells.mergeCell:
                min_col, min_row, max_col, max_row = range_boundaries(block.ref)
                merged.append(CellRange(min_row, min_col, max_row, max_col))


def _public_rows(sheet: Any, name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The fallback through openpyxl's public API (no formula detection; cells right of
    ``MAX_COLUMNS`` are not read at all)."""
    known = sheet.max_column  # from the sheet's dimension, when the file states one
    rows = sheet.iter_rows(max_col=min(known or MAX_COLUMNS + 1, MAX_COLUMNS + 1))
    with contextlib.closing(rows):  # a refusal half-way closes the sheet's file at once
        yield from _public_values(rows, sheet.min_row or 1, known, name)


def _public_values(rows: Iterator[Any], first: int, known: int | None,
                   name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, cells in enumerate(rows, start=first):
        values: list[Any] = []
        for cell in cells:
            value = cell.value
            if value is not None and cell.data_type == "e":
                value = CellError(str(value))
            elif isinstance(value, int | float) and not isinstance(value, bool):
                number_format = cell.number_format or "General"
                if number_format == TEXT_FORMAT:
                    value = shown_as_text(value, 0)
                elif _ZERO_PAD.match(number_format):
                    value = shown_as_text(value, len(number_format))
            elif isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise too_long_cell(name, number, len(values))
            values.append(value)
        if len(values) > MAX_COLUMNS:
            if not _blank(values[MAX_COLUMNS]):
                raise too_wide_row(name, number, MAX_COLUMNS)
            del values[MAX_COLUMNS:]
        while not known and values and values[-1] is None:
            values.pop()  # padded to MAX_COLUMNS + 1 above
        yield number, tuple(values)


def _can_parse(workbook: Any, sheet: Any) -> bool:
    needed = (hasattr(workbook, name) for name in ("_cell_styles", "_number_formats",
                                                    "_date_formats", "_timedelta_formats"))
    return (WorkSheetParser is not None and all(needed)
            and hasattr(sheet, "_get_source") and hasattr(sheet, "_shared_strings"))


def sheet_names(path: Path | str) -> list[str]:
    workbook = _open(Path(path))
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _check_parts(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than Rendo reads, before openpyxl loads
    them: the shared strings are read whole before the first row (a 400 MB string would
    become a cell), and a sheet a few MB on disk may unpack to GBs (a zip bomb). The sizes
    are the ones the zip directory states; Python's zip reader never returns more."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # load_workbook says what is wrong
    for part in parts:
        name = part.filename.lower()
        if not name.endswith((".xml", ".rels", ".vml")):
            continue  # pictures and the like: openpyxl does not read them here
        limit = MAX_SHEET_XML_BYTES if "worksheets/" in name else MAX_PART_XML_BYTES
        if part.file_size > limit:
            raise refuse_file(path, QT_TRANSLATE_NOOP(
                "Errors", "the part {part} of the workbook unpacks to {size} MB, more than the "
                "{max} MB Rendo reads; split the data into smaller files or save it as CSV."),
                part=part.filename, size=part.file_size // (1024 * 1024),
                max=limit // (1024 * 1024))


def _open(path: Path) -> Any:
    _check_parts(path)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise refuse_file(path, QT_TRANSLATE_NOOP(
            "Errors", "this is not an Excel .xlsx file Rendo can read ({error}). Save it as "
            ".xlsx (Excel workbook) or CSV."), error=str(error) or type(error).__name__) from None
    except OSError as error:
        raise refuse_file(path, QT_TRANSLATE_NOOP("Errors", "cannot read the file ({error})."),
                          error=error.strerror or str(error)) from None


def read_xlsx(
    path: Path | str, sheet: str | None = None, progress: Progress = no_progress,
    cancelled: CancelCheck = never_cancelled, use_parser: bool = True,
) -> Table:
    """Read the non-blank rows of *sheet* (default: the first visible sheet) of *path*."""
    path = Path(path)
    workbook = _open(path)
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                raise refuse_file(path, QT_TRANSLATE_NOOP(
                    "Errors", "there is no sheet called {sheet!r} (sheets: {sheets})."),
                    sheet=sheet, sheets=", ".join(workbook.sheetnames))
            worksheet = workbook[sheet]
        else:
            visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
            if not visible:
                raise refuse_file(path, QT_TRANSLATE_NOOP("Errors", "the workbook has no "
                                                          "visible sheet."))
            worksheet = visible[0]
        total = int(worksheet.max_row or 0)
        merged: list[CellRange] = []
        if use_parser and _can_parse(workbook, worksheet):
            source = _parsed_rows(workbook, worksheet, merged, path.name)
        else:
            source = _public_rows(worksheet, path.name)
        rows: list[tuple[int, tuple[Any, ...]]] = []
        blank = cells = 0
        with contextlib.closing(source):  # stopped half-way: the sheet's file is closed
            for count, (number, values) in enumerate(source, start=1):
                if count % CHECK_EVERY == 0:
                    if cancelled():
                        raise OperationCancelled
                    progress(number, max(total, number))
                if all(_blank(v) for v in values):
                    blank += 1
                    continue
                cells += len(values)
                if number > MAX_ROWS or cells > MAX_CELLS:
                    raise too_many_rows(path.name, number)
                rows.append((number, values))
        progress(total, total)
        return Table(path, "xlsx", rows, sheet=worksheet.title, merged=merged, blank_rows=blank)
    finally:
        workbook.close()


# -- writing ----------------------------------------------------------------------------------

def illegal_cells(rows: Sequence[Sequence[Any]], name: str, first_row: int = 1) -> list[Problem]:
    """Cells holding control characters, which an .xlsx file cannot store."""
    problems = []
    for number, row in enumerate(rows, start=first_row):
        for index, value in enumerate(row):
            if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
                problems.append(Problem(name, number, column_letter(index), QT_TRANSLATE_NOOP(
                    "Errors", "{value!r} holds a control character that Excel cannot store."),
                    {"value": value}))
    return problems


def write_xlsx(
    path: Path | str, header: Sequence[str], rows: Sequence[Sequence[Any]],
    text_columns: frozenset[int] | set[int] = frozenset(), sheet_title: str = "Rendo",
    extra_sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    widths: Sequence[int] = (), progress: Progress = no_progress,
    cancelled: CancelCheck = never_cancelled,
) -> None:
    """Write one sheet with a bold header row; *text_columns* (0-based) are text cells in the
    ``@`` format (codes keep their zeros, also when edited in Excel). Every string is written
    as text, never as a formula, even when it starts with ``=``."""
    path = Path(path)
    problems = illegal_cells([header, *rows], path.name)
    if problems:
        raise FileRefused(QT_TRANSLATE_N_NOOP(
            "Errors", "{file}: %n cells hold characters Excel cannot store; nothing was "
            "written."), problems, file=path.name)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths):
        sheet.column_dimensions[column_letter(index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for number, row in enumerate(rows, start=1):
        if number % CHECK_EVERY == 0:
            if cancelled():
                raise OperationCancelled
            progress(number, len(rows))
        sheet.append([_cell(sheet, value, index in text_columns)
                      for index, value in enumerate(row)])
    for title, extra_rows in extra_sheets:
        extra = workbook.create_sheet(title[:31])
        for extra_row in extra_rows:
            extra.append([_cell(extra, value, False) for value in extra_row])
    _save(workbook, path)
    progress(len(rows), len(rows))


def _cell(sheet: Any, value: Any, as_text: bool) -> Any:
    if value is None:
        if not as_text:
            return None
        cell = WriteOnlyCell(sheet)
        cell.number_format = TEXT_FORMAT
        return cell
    if as_text or isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=str(value))
        cell.data_type = "s"
        if as_text:
            cell.number_format = TEXT_FORMAT
        return cell
    if isinstance(value, datetime | date | time):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT if isinstance(value, datetime) else (
            "yyyy-mm-dd" if isinstance(value, date) else "hh:mm:ss")
        return cell
    return value


def _save(workbook: Any, path: Path) -> None:
    handle, temporary = create_temporary(path, ".xlsx")
    os.close(handle)  # openpyxl writes into it by name; its permissions follow the umask
    try:
        workbook.save(temporary)
        replace_file(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
