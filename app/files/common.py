"""What the readers and writers share: tables read from a file, problems, progress and cancel.

Long work (reading 100,000 rows, writing an export) takes two callables so a Qt worker can run
it off the UI thread: ``progress(done, total)`` (``total`` 0 when not known yet) and
``cancelled()``, polled every few hundred rows; when it returns True the work stops by raising
``OperationCancelled`` before anything is written.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP, RendoError

Progress = Callable[[int, int], None]
CancelCheck = Callable[[], bool]
Translate = Callable[[str, str], str]

CHECK_EVERY = 500  # rows between progress reports and cancel checks

# Limits of what Rendo reads, checked while reading so that a hostile or broken file is refused
# before it takes the memory of the PC (or ends up as an item code). Excel itself holds at most
# 32,767 characters in a cell and 1,048,576 rows in a sheet.
MAX_CELL_CHARS = 32_767
MAX_COLUMNS = 1_024  # filled columns per row; empty cells further right are ignored
MAX_ROWS = 1_048_576
MAX_CELLS = 20_000_000  # rows × columns of the whole table, as kept in memory
MAX_CSV_BYTES = 256 * 1024 * 1024
MAX_SHEET_XML_BYTES = 512 * 1024 * 1024  # a worksheet, unpacked
MAX_PART_XML_BYTES = 128 * 1024 * 1024  # shared strings, styles and the other parts, unpacked


def no_progress(done: int, total: int) -> None:
    """The default progress callback: report nothing."""


def never_cancelled() -> bool:
    return False


class OperationCancelled(Exception):
    """The user cancelled; nothing was written."""


def _identity(context: str, text: str) -> str:
    return text


def column_letter(index: int) -> str:
    """Excel's name of the 0-based column *index*: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file, named by file, row (1-based, as Excel shows it) and column.

    ``template`` is an English message marked for translation in the "Errors" context and
    formatted with ``params``; ``text()`` puts the location in front of it.
    """

    file: str
    row: int | None
    column: str | None
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def reason(self, translate: Translate = _identity) -> str:
        return translate("Errors", self.template).format(**self.params)

    def text(self, translate: Translate = _identity) -> str:
        reason = self.reason(translate)
        if self.row is not None and self.column:
            where = translate("Errors", QT_TRANSLATE_NOOP(
                "Errors", "{file}, row {row}, column {column}: {reason}"))
        elif self.row is not None:
            where = translate("Errors", QT_TRANSLATE_NOOP("Errors", "{file}, row {row}: {reason}"))
        elif self.column:
            where = translate("Errors", QT_TRANSLATE_NOOP(
                "Errors", "{file}, column {column}: {reason}"))
        else:
            where = translate("Errors", QT_TRANSLATE_NOOP("Errors", "{file}: {reason}"))
        return where.format(file=self.file, row=self.row, column=self.column, reason=reason)

    def __str__(self) -> str:
        return self.text()


class FileRefused(RendoError):
    """A file (or a whole import or export) was refused; ``problems`` says every reason."""

    def __init__(self, template: str, problems: list[Problem], **params: Any) -> None:
        self.problems = problems
        super().__init__(template, count=len(problems), n=len(problems), **params)


def refuse_file(path: Path | str, template: str, **params: Any) -> FileRefused:
    """A refusal of a whole file for one reason (no row or column to name)."""
    name = Path(path).name
    problem = Problem(name, None, None, template, params)
    return FileRefused(QT_TRANSLATE_NOOP("Errors", "{file}: {reason}"), [problem], file=name,
                       reason=problem.reason())


def too_long_cell(file: str, row: int, column: int) -> FileRefused:
    """The refusal of a cell longer than ``MAX_CELL_CHARS`` (*column* 0-based)."""
    return _refuse_at(file, row, column_letter(column), QT_TRANSLATE_NOOP(
        "Errors", "the cell holds more than {max} characters, the most a cell may hold."),
        QT_TRANSLATE_NOOP(
        "Errors", "{file}, row {row}, column {column}: the cell holds more than {max} "
        "characters, the most a cell may hold."), max=MAX_CELL_CHARS)


def too_wide_row(file: str, row: int, column: int) -> FileRefused:
    """The refusal of a filled cell right of ``MAX_COLUMNS`` (*column* 0-based)."""
    return _refuse_at(file, row, column_letter(column), QT_TRANSLATE_NOOP(
        "Errors", "the row has a filled cell beyond the {max} columns Rendo reads; delete the "
        "cells right of column {last} and try again."), QT_TRANSLATE_NOOP(
        "Errors", "{file}, row {row}, column {column}: the row has a filled cell beyond the "
        "{max} columns Rendo reads; delete the cells right of column {last} and try again."),
        max=MAX_COLUMNS, last=column_letter(MAX_COLUMNS - 1))


def too_many_rows(file: str, row: int) -> FileRefused:
    return _refuse_at(file, row, None, QT_TRANSLATE_NOOP(
        "Errors", "the file has more than {max} rows (or {cells} cells); split it into smaller "
        "files."), QT_TRANSLATE_NOOP(
        "Errors", "{file}, row {row}: the file has more than {max} rows (or {cells} cells); "
        "split it into smaller files."), max=MAX_ROWS, cells=MAX_CELLS)


def _refuse_at(file: str, row: int, column: str | None, reason: str, whole: str,
               **params: Any) -> FileRefused:
    """A refusal of the whole file for one cell or row: *reason* for the problem list,
    *whole* (the same with file, row and column) for a one-line message."""
    problem = Problem(file, row, column, reason, params)
    return FileRefused(whole, [problem], file=file, row=row, column=column, **params)


def create_temporary(path: Path, suffix: str = "") -> tuple[int, Path]:
    """A new, empty file next to *path* (so that ``os.replace`` is atomic), open for writing.

    Created like any file the user's programs create: its permissions follow the umask (0644
    for the usual 022), not the 0600 of ``tempfile.mkstemp``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = path.parent / f".{path.stem}.{secrets.token_hex(4)}{suffix or path.suffix}"
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue


# Windows refuses to replace a file another program holds open: Excel showing the last export,
# or a virus scanner reading the file just written (for a moment). Tries, a pause apart.
REPLACE_TRIES = 20 if sys.platform == "win32" else 1
REPLACE_PAUSE_S = 0.05
_sleep = time.sleep


def replace_file(temporary: Path, path: Path) -> None:
    """``os.replace(temporary, path)``, tried again for about a second while Windows says the
    file is in use. When it stays refused, the ``PermissionError`` names *path* (the file the
    user chose), not the temporary file."""
    for attempt in range(1, REPLACE_TRIES + 1):
        try:
            os.replace(temporary, path)
            return
        except PermissionError as error:
            if attempt == REPLACE_TRIES:
                raise PermissionError(error.errno, error.strerror, str(path)) from error
            _sleep(REPLACE_PAUSE_S)


@dataclass(frozen=True, slots=True)
class CellRange:
    """A block of merged cells (1-based rows and columns, inclusive)."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def holds(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col

    @property
    def ref(self) -> str:
        return (f"{column_letter(self.min_col - 1)}{self.min_row}:"
                f"{column_letter(self.max_col - 1)}{self.max_row}")


@dataclass
class Table:
    """The non-blank rows of one file, with the row numbers Excel would show.

    Values are what the cell holds: ``str`` for every CSV cell; for .xlsx ``str``, ``int``,
    ``float``, ``bool``, ``datetime``/``date``/``time``/``timedelta``, ``CellError`` or
    ``MissingResult`` (see values.py). Numbers stored in a text-like format are already turned
    into the text Excel displays.
    """

    path: Path
    format: str  # "csv" or "xlsx"
    rows: list[tuple[int, tuple[Any, ...]]]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    merged: list[CellRange] = field(default_factory=list)
    blank_rows: int = 0

    @property
    def name(self) -> str:
        return self.path.name

    def merged_range(self, row: int, col: int) -> CellRange | None:
        """The merged block holding the 1-based (row, col), if any."""
        for block in self.merged:
            if block.holds(row, col):
                return block
        return None
