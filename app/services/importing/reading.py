"""Step 1: reading a file and mapping its rows to records (no database)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.files import csv_io, values
from app.files.common import (
    CHECK_EVERY,
    CancelCheck,
    OperationCancelled,
    Progress,
    Table,
    never_cancelled,
    no_progress,
)
from app.files.headers import find_columns, normalize
from app.files.xlsx_io import read_xlsx

from .base import _Kind, _Rows
from .codemap import _CodeMap
from .formatted import chosen_format, map_formatted
from .items import _Items
from .offsets import _Offsets
from .options import ImportOptions, ImportSource
from .patterns import _Patterns
from .sets import _Sets
from .stock import _Stock


def read_table(path: Path | str, options: ImportOptions, progress: Progress = no_progress,
               cancelled: CancelCheck = never_cancelled) -> Table:
    """The rows of a .csv/.txt/.tsv or .xlsx file (the suffix decides)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, options.sheet, progress, cancelled)
    if suffix in (".csv", ".txt", ".tsv", ""):
        fmt = chosen_format(options)  # a format named by the user: its delimiter (the encoding
        # is still detected: an English Amazon report is UTF-8, a Japanese one cp932)
        delimiter = options.delimiter or (fmt and fmt.delimiter) or (
            "\t" if suffix == ".tsv" else None)
        return csv_io.read_csv(path, options.encoding, delimiter, progress, cancelled)
    if suffix == ".xls":
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "{file} is an old Excel .xls file; save it "
                                         "as .xlsx (Excel workbook) or CSV and import that."),
                       file=path.name)
    raise BadInput(QT_TRANSLATE_NOOP("Errors", "{file}: Rendo imports .csv, .txt, .tsv and "
                                     ".xlsx files."), file=path.name)


def read_import(path: Path | str, options: ImportOptions | None = None,
                progress: Progress = no_progress,
                cancelled: CancelCheck = never_cancelled) -> ImportSource:
    """Read *path* and turn its rows into records of ``options.kind`` (no database)."""
    options = options or ImportOptions()
    options.check()
    return map_table(read_table(path, options, progress, cancelled), options, cancelled)


def map_table(table: Table, options: ImportOptions,
              cancelled: CancelCheck = never_cancelled) -> ImportSource:
    """Find the columns of a file already read and turn its rows into records: the wizard's
    mapping step calls this again with the columns the user chose, without reading again."""
    options.check()
    formatted = map_formatted(table, options, cancelled)
    if formatted is not None:
        return formatted
    mapping, problems = find_columns(table, options.kind, options.columns, options.header_row,
                                     options.excluded)
    source = ImportSource(table.path, options, table, mapping, [], list(problems))
    if mapping is None:
        return source
    kind = _KIND_CLASSES[options.kind](_Rows(source, source.problems, source.warnings))
    header = _normalized(mapping.headers)
    key = min(mapping.columns.values())
    key_header = mapping.headers[key] if key < len(mapping.headers) else None
    for index, (number, row) in enumerate(table.rows):
        if index % CHECK_EVERY == 0 and cancelled():
            raise OperationCancelled
        if number <= mapping.header_row:
            continue
        repeated = (key_header is not None and key < len(row) and row[key] == key_header
                    and _normalized(row) == header)  # a header again (files put together)
        if repeated or _is_heading(table, number, row):
            source.headings_skipped.append(number)
            continue
        record = kind.read_row(number, row)
        if record is not None:
            source.records.append(record)
    return source


def _normalized(row: Sequence[Any]) -> tuple[str, ...]:
    folded = [normalize(v) for v in row]
    while folded and not folded[-1]:
        folded.pop()
    return tuple(folded)


def _is_heading(table: Table, number: int, row: Sequence[Any]) -> bool:
    """A merged heading inside the data (「タオル類」 across the sheet): every filled cell
    starts a block merged over several columns."""
    if not table.merged:
        return False
    filled = [i for i, v in enumerate(row) if not values.is_blank(v)]
    for index in filled:
        block = table.merged_range(number, index + 1)
        if block is None or block.max_col == block.min_col or (
                block.min_row, block.min_col) != (number, index + 1):
            return False
    return bool(filled)


_KIND_CLASSES: dict[str, type[_Kind]] = {
    "stock": _Stock, "items": _Items, "sets": _Sets, "patterns": _Patterns,
    "offsets": _Offsets, "codemap": _CodeMap,
}
