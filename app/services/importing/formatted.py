"""Step 1 for the files channels write (楽天, Yahoo!, BASE, Shopify, Amazon, ネクストエンジン):
the format is recognised from the header (or named with ``--format``) and its stock rows become
rows of code, count and name; every refusal still names the file's own row and column."""

from __future__ import annotations

from dataclasses import replace

from app.domain.errors import QT_TRANSLATE_NOOP
from app.files import formats
from app.files.common import CHECK_EVERY, CancelCheck, OperationCancelled, Problem, Table
from app.files.headers import ColumnMap

from .base import _Rows
from .options import ImportOptions, ImportSource
from .stock import _Stock


class _FileColumns(ColumnMap):
    """The three columns of a formatted table, named as the user's file names them."""

    def __init__(self, header_row: int, described: tuple[str, str, str]) -> None:
        super().__init__(header_row, {"code": 0, "quantity": 1, "name": 2},
                         ("code", "count", "name"))
        self.described = dict(zip(("code", "quantity", "name"), described, strict=True))

    def column_name(self, field_name: str) -> str:
        return self.described[field_name]


def chosen_format(options: ImportOptions) -> formats.FileFormat | None:
    return formats.BY_NAME.get(options.format)


def map_formatted(table: Table, options: ImportOptions,
                  cancelled: CancelCheck) -> ImportSource | None:
    """The records of a channel's stock file, or None when the file is not one, or the user
    asked for Rendo's own columns or chose the columns without naming a format."""
    if options.kind != "stock" or options.format == formats.RENDO:
        return None
    fmt = chosen_format(options)
    detected = fmt is None
    if detected and (options.columns or options.header_row is not None):
        return None  # the user chose the columns (--column, the wizard's mapping step)
    if fmt is None:
        fmt = formats.detect(table, formats.FORMATS)
        if fmt is None:
            return None
    reading = formats.read_formatted(table, fmt, detected, options.location)
    problems = list(reading.problems)
    if options.location is not None and fmt is not formats.BY_NAME["shopify-inventory"]:
        problems.append(Problem(table.name, None, None, QT_TRANSLATE_NOOP(
            "Errors", "--location is for Shopify's inventory export, not a {label}."),
            {"label": fmt.label}))
    if fmt.mode is not None:
        if options.mode not in ("overwrite", fmt.mode):
            problems.append(Problem(table.name, None, None, QT_TRANSLATE_NOOP(
                "Errors", "a {label} holds changes to add (negative: to take away), not "
                "counts to {mode}; import it without --mode."),
                {"label": fmt.label, "mode": options.mode}))
        options = replace(options, mode=fmt.mode, signed=True)
    mapping = _FileColumns(reading.header_row, reading.headers)
    source = ImportSource(table.path, options, reading.table, mapping, [], problems,
                          formatted=reading)
    if any(p.row in (None, reading.header_row) for p in problems):
        source.mapping = None  # the file as a whole is refused: no row is checked
        return source
    kind = _Stock(_Rows(source, source.problems, source.warnings))
    for index, (number, row) in enumerate(reading.table.rows):
        if index % CHECK_EVERY == 0 and cancelled():
            raise OperationCancelled
        if number <= reading.header_row:
            continue
        record = kind.read_row(number, row)
        if record is not None:
            source.records.append(record)
    return source
