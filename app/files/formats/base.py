"""What a channel's file format is, and reading a table with one.

A format says how to recognise the file from its header (``marks``: headers that must all be
there), how the mall writes it (``encoding``: for the record and the upload files to come,
reading still detects it; ``delimiter``: used when the user names the format with
``--format``), and how one of its rows becomes a stock row: ``pick`` turns the cells of a row
into a ``Picked`` (the code and count with the columns they came from) or a skip (a parent row,
an FBA row…) with the reason shown in the preview. Columns in ``never`` hold
numbers that look like stock but are not (Amazon's pending quantity, Shopify's committed units);
they are named in the preview so the user sees they were left alone.

``read_formatted`` gives the rows as three cells (code, count, name) with the original row
numbers and, for each row, the original column each cell came from, so that every refusal names
the column of the file the user has open.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from ..common import Problem, Table, column_letter
from ..headers import normalize
from ..values import is_blank

Translate = Callable[[str, str], str]


def _identity(context: str, text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class Note:
    """A line of the preview: a template in the "Formats" context and its values."""

    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, translate: Translate = _identity) -> str:
        params = {k: translate("Formats", v) if isinstance(v, Label) else v
                  for k, v in self.params.items()}
        return translate("Formats", self.template).format(**params)


class Label(str):
    """A parameter of a ``Note`` that is itself a "Formats" template, translated with it."""


def _light(text: Any) -> str:
    """A header as compared first: width, case and blanks ignored, brackets kept (Shopify's
    ``On hand (current)`` and ``On hand (new)`` are different columns)."""
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return "".join(folded.split())


class Header:
    """The columns of a header row, found by any of their names."""

    def __init__(self, cells: Sequence[Any]) -> None:
        self.cells = tuple(cells)
        self._light: dict[str, int] = {}
        self._loose: dict[str, int] = {}
        for index, cell in enumerate(self.cells):
            if is_blank(cell):
                continue
            self._light.setdefault(_light(cell), index)
            self._loose.setdefault(normalize(cell), index)

    def find(self, *names: str) -> int | None:
        """The first column named by one of *names* (exact names before loose ones)."""
        for name in names:
            if _light(name) in self._light:
                return self._light[_light(name)]
        for name in names:
            if normalize(name) in self._loose:
                return self._loose[normalize(name)]
        return None

    def has(self, *names: str) -> bool:
        return self.find(*names) is not None

    def describe(self, index: int) -> str:
        """``M (SKU管理番号)``: the letter and the header, as the user's spreadsheet shows."""
        header = self.cells[index] if index < len(self.cells) else None
        text = "" if is_blank(header) else str(header).strip()
        return f"{column_letter(index)} ({text})" if text else column_letter(index)


def cell(cells: Sequence[Any], index: int | None) -> str:
    """The text of a cell ("" when blank or absent)."""
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    if type(value) is str:  # every CSV cell: the common case, kept short
        return value.strip()
    return "" if is_blank(value) else str(value).strip()


@dataclass(frozen=True, slots=True)
class Picked:
    """A stock row: the code and count as written, and the 0-based columns they came from."""

    code: str
    count: str
    code_column: int | None
    count_column: int | None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Skip:
    """A row that holds no stock; ``reason`` is a "Formats" template for the preview."""

    reason: str


@dataclass(frozen=True, slots=True)
class Refuse:
    """A row that cannot be read as this format says; ``template`` in the "Errors" context."""

    column: int | None
    template: str
    params: dict[str, Any] = field(default_factory=dict)


Row = Picked | Skip | Refuse
Rows = list[tuple[int, tuple[Any, ...]]]


class Reader:
    """Reads the rows of one file with one format; built by ``FileFormat.reader``."""

    choice: str | None = None  # what the user chose where the file leaves it open (location)

    def __init__(self, header: Header, **names: tuple[str, ...]) -> None:
        self.header = header
        self.columns = {key: header.find(*alternatives) for key, alternatives in names.items()}
        self.notes: list[Note] = []  # choices shown in the preview
        self.problems: list[Refuse] = []  # of the whole file

    def prepare(self, rows: Rows) -> Rows:
        """A look over every row before reading them one by one (parents, locations…)."""
        return rows

    def pick(self, cells: Sequence[Any]) -> Row:
        raise NotImplementedError

    def col(self, key: str) -> int | None:
        return self.columns.get(key)

    def get(self, cells: Sequence[Any], key: str) -> str:
        return cell(cells, self.columns.get(key))


@dataclass(frozen=True)
class FileFormat:
    """One kind of file a channel or tool writes."""

    name: str  # for --format
    label: str  # "Formats" template: what the preview calls it
    marks: tuple[tuple[str, ...], ...]  # each: one of these headers must be there
    reader: Callable[[Header], Reader]
    source: str  # where its columns are described
    encoding: str | None = None  # None: detected
    delimiter: str | None = None  # None: detected
    never: tuple[tuple[str, str], ...] = ()  # (header, why it is not stock) never read
    mode: str | None = None  # "add": the counts are changes (+/-), not counts
    family: str = ""

    def recognises(self, header: Header) -> bool:
        return all(header.has(*names) for names in self.marks)


@dataclass
class FormatReading:
    """A table read with a format: rows of (code, count, name) and what the preview shows."""

    format: FileFormat
    detected: bool
    table: Table
    header_row: int
    headers: tuple[str, str, str]  # how the three columns are described by default
    row_columns: dict[int, dict[str, str]]  # row → field → column, where not the default
    stock_rows: int
    skipped: dict[str, list[int]]  # reason template → rows
    notes: list[Note]
    problems: list[Problem]

    def summary(self) -> list[Note]:
        """The preview's lines about the format, its choices and the rows it skipped."""
        how = (QT_TRANSLATE_NOOP("Formats", "detected") if self.detected
               else QT_TRANSLATE_NOOP("Formats", "chosen with --format"))
        lines = [Note(QT_TRANSLATE_NOOP("Formats", "file format: {label} ({how}, --format "
                                        "{name}); stock rows: {rows}"),
                      {"label": Label(self.format.label), "how": Label(how),
                       "name": self.format.name, "rows": self.stock_rows})]
        lines += self.notes
        for reason, rows in self.skipped.items():
            shown = ", ".join(str(r) for r in rows[:10]) + (", …" if len(rows) > 10 else "")
            lines.append(Note(QT_TRANSLATE_NOOP("Formats", "skipped, {reason}: {count} (rows "
                                                "{rows})"),
                              {"reason": Label(reason), "count": len(rows), "rows": shown}))
        return lines
