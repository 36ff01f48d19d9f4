"""Reading a table with a format: detection, the rows it keeps and those it skips."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from ..common import Problem, Table
from .base import FileFormat, FormatReading, Header, Label, Note, Picked, Refuse, Skip


def first_row(table: Table) -> tuple[int, Header] | None:
    """The header: the first non-blank row (every channel's file starts with it)."""
    if not table.rows:
        return None
    number, cells = table.rows[0]
    return number, Header(cells)


def detect(table: Table, formats: tuple[FileFormat, ...]) -> FileFormat | None:
    """The first of *formats* whose marks the file's header carries."""
    found = first_row(table)
    if found is None:
        return None
    return next((f for f in formats if f.recognises(found[1])), None)


def read_formatted(table: Table, fmt: FileFormat, detected: bool,
                   choice: str | None = None) -> FormatReading:
    """The stock rows of *table* read as *fmt*: rows of (code, count, name)."""
    found = first_row(table)
    number, header = found if found is not None else (0, Header(()))
    reader = fmt.reader(header)
    reader.choice = choice
    problems: list[Problem] = []
    missing = [names[0] for names in fmt.marks if not header.has(*names)]
    if missing:
        problems.append(Problem(table.name, number or None, None, QT_TRANSLATE_NOOP(
            "Errors", "the file does not look like the {label}: it lacks {columns}."),
            {"label": fmt.label, "columns": ", ".join(missing)}))
        return _reading(table, fmt, detected, number, header, [], {}, {}, 0, [], problems)
    rows = reader.prepare(list(table.rows[1:]))
    out: list[tuple[int, tuple[Any, ...]]] = [(number, ("code", "count", "name"))]
    row_columns: dict[int, dict[str, str]] = {}
    skipped: dict[str, list[int]] = {}
    code_default, count_default = reader.col("code"), reader.col("count")
    for row, cells in rows:
        got = reader.pick(cells)
        if isinstance(got, Skip):
            skipped.setdefault(got.reason, []).append(row)
        elif isinstance(got, Refuse):
            problems.append(Problem(table.name, row, _where(header, got.column), got.template,
                                    got.params))
        else:
            out.append((row, (got.code, got.count, got.name)))
            other = _other_columns(header, got, code_default, count_default)
            if other:
                row_columns[row] = other
    for refusal in reader.problems:
        problems.append(Problem(table.name, number or None, _where(header, refusal.column),
                                refusal.template, refusal.params))
    notes = list(reader.notes)
    for name, reason in fmt.never:
        index = header.find(name)
        if index is not None:
            notes.append(Note(QT_TRANSLATE_NOOP("Formats", "not read as stock: column {column} "
                                                "({reason})"),
                              {"column": header.describe(index), "reason": Label(reason)}))
    return _reading(table, fmt, detected, number, header, out, row_columns, skipped,
                    len(out) - 1, notes, problems)


def _where(header: Header, column: int | None) -> str | None:
    return None if column is None else header.describe(column)


def _other_columns(header: Header, got: Picked, code: int | None,
                   count: int | None) -> dict[str, str]:
    other = {}
    if got.code_column is not None and got.code_column != code:
        other["code"] = header.describe(got.code_column)
    if got.count_column is not None and got.count_column != count:
        other["quantity"] = header.describe(got.count_column)
    return other


def _reading(table: Table, fmt: FileFormat, detected: bool, number: int, header: Header,
             rows: list[tuple[int, tuple[Any, ...]]], row_columns: dict[int, dict[str, str]],
             skipped: dict[str, list[int]], stock_rows: int, notes: list[Note],
             problems: list[Problem]) -> FormatReading:
    code, count = (fmt.reader(header).col(k) for k in ("code", "count"))
    described = (_where(header, code) or "-", _where(header, count) or "-", "-")
    formatted = replace(table, rows=list(rows), merged=[])
    return FormatReading(fmt, detected, formatted, number, described, row_columns, stock_rows,
                         skipped, notes, problems)
