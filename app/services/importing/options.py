"""What an import is: the options chosen, the file read, the preview and the result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.files import formats
from app.files.common import FileRefused, Problem, Table
from app.files.headers import KINDS, ColumnMap

IMPORT_KINDS = tuple(KINDS)
MODES = ("overwrite", "add", "subtract")
REASON = {"overwrite": "stocktake", "add": "import", "subtract": "import"}
UNDO_REASON = "undo"
_CHUNK = 500


class ImportRefused(FileRefused):
    """At least one row was refused; nothing was imported. ``problems`` lists them all."""


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose in the wizard or on the command line."""

    kind: str = "stock"
    mode: str = "overwrite"  # stock only: overwrite (棚卸), add, subtract
    encoding: str | None = None  # CSV; None: detected
    delimiter: str | None = None  # CSV; None: detected
    sheet: str | None = None  # .xlsx; None: the first visible sheet
    columns: Mapping[str, str] = field(default_factory=dict)  # field → header, letter or number
    excluded: frozenset[str] = frozenset()  # fields not read even when a header names them
    header_row: int | None = None  # None: found; 0: the file has no header row
    create_unknown: bool = False  # unknown codes become new items instead of errors
    format: str = formats.AUTO  # stock: a channel's file format; "auto": from the header
    location: str | None = None  # Shopify: the location read, "all" for the sum
    signed: bool = False  # add mode: negative numbers take away (ネクストエンジン's file)

    def check(self) -> None:
        if self.kind not in IMPORT_KINDS:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown import kind {kind}; use one of "
                                             "{kinds}."), kind=self.kind,
                           kinds=", ".join(IMPORT_KINDS))
        if self.mode not in MODES:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown import mode {mode}; use "
                                             "overwrite, add or subtract."), mode=self.mode)
        if self.format not in formats.NAMES:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown file format {format}; use one "
                                             "of {formats}."), format=self.format,
                           formats=", ".join(formats.NAMES))


class Change(NamedTuple):
    """What one row does: ``what`` (on_hand, item, name, components, offset, code map…) goes
    before → after; ``detail`` says which one (the channel of an offset, the channel and its
    item id of a code map).

    ``before`` is None for something new; ``after`` None for something removed.
    """

    row: int
    code: str
    what: str
    before: Any
    after: Any
    detail: str | None = None

    @property
    def changes(self) -> bool:
        return bool(self.before != self.after)


@dataclass
class ImportSource:
    """A file read and mapped to fields, ready to be checked against the database."""

    path: Path
    options: ImportOptions
    table: Table
    mapping: ColumnMap | None
    records: list[Any]
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    headings_skipped: list[int] = field(default_factory=list)
    numeric_codes: set[str] = field(default_factory=set)  # codes Excel stored as numbers
    # the keys (codes…) of rows refused while reading: a later row repeating one is still a
    # duplicate
    refused_keys: dict[Any, int] = field(default_factory=dict)
    # a channel's file (楽天, Amazon…): its format, choices, skipped rows and, per row, the
    # file's own columns where a row's code or count came from another column than most
    formatted: formats.FormatReading | None = None

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class ImportPlan:
    """The preview: every row's change and every problem. Applying it needs ``ok``."""

    source: ImportSource
    changes: list[Change]
    problems: list[Problem]
    warnings: list[Problem]
    created: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return len(self.source.records)

    @property
    def changed(self) -> int:
        return len({(c.row, c.code) for c in self.changes if c.changes})


@dataclass
class ImportResult(ImportPlan):
    batch: str | None = None
    movements: int = 0
    touched: list[str] = field(default_factory=list)
