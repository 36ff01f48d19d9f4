"""Importing CSV and Excel files: stock counts and master data, all or nothing.

Three steps, each callable on its own by the window's wizard (from a worker thread: every step
takes ``progress(done, total)`` and ``cancelled()``):

1. ``read_import(path, options)`` reads the file and finds its columns; no database.
2. ``preview(shop, source)`` checks every row against the database and lists each row's
   change (before → after) and every problem (file, row, column, reason). Nothing is written.
3. ``apply_import(shop, source)`` checks again inside one transaction (orders may have moved
   stock since the preview) and writes everything, or nothing when any row is refused or the
   user cancels.

``import_file`` runs 1 + 2 (dry run) or 1 + 3, for the command line. A stock import's
movements share one ``batch`` id; ``undo_import(shop, batch)`` appends their reverse.
"""

from __future__ import annotations

import getpass
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput, CycleError
from app.domain.items import MAX_COUNT, ItemKind, clean_name
from app.domain.offsets import DisplayOffset, OffsetKind, parse_offset
from app.domain.sets import (
    check_backorders_on_single,
    check_may_become_set,
    check_no_loop,
    unit_refusals,
)
from app.files import csv_io, values
from app.files.common import (
    CHECK_EVERY,
    CancelCheck,
    FileRefused,
    OperationCancelled,
    Problem,
    Progress,
    Table,
    never_cancelled,
    no_progress,
)
from app.files.headers import KINDS, ColumnMap, find_columns, normalize
from app.files.xlsx_io import read_xlsx
from app.store.database import db
from app.store.models import (
    AllocationPatternRow,
    ChannelRow,
    CodeMapRow,
    DisplayOffsetRow,
    ItemRow,
    MovementRow,
    SetComponentRow,
    utcnow,
)
from app.store.rows import dicts, tuples

from .shop import Shop

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

    def check(self) -> None:
        if self.kind not in IMPORT_KINDS:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown import kind {kind}; use one of "
                                             "{kinds}."), kind=self.kind,
                           kinds=", ".join(IMPORT_KINDS))
        if self.mode not in MODES:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown import mode {mode}; use "
                                             "overwrite, add or subtract."), mode=self.mode)


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


# -- step 1: reading ------------------------------------------------------------------------

def read_table(path: Path | str, options: ImportOptions, progress: Progress = no_progress,
               cancelled: CancelCheck = never_cancelled) -> Table:
    """The rows of a .csv/.txt/.tsv or .xlsx file (the suffix decides)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, options.sheet, progress, cancelled)
    if suffix in (".csv", ".txt", ".tsv", ""):
        delimiter = options.delimiter or ("\t" if suffix == ".tsv" else None)
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


# -- the rows of one file, with the problems found in them ------------------------------------

_BAD = object()  # a cell that was refused (its problem is recorded)


class _Rows:
    """Cell access for one mapped file; every refusal names file, row and column."""

    def __init__(self, source: ImportSource, problems: list[Problem],
                 warnings: list[Problem]) -> None:
        assert source.mapping is not None
        self.source = source
        self.mapping = source.mapping
        self.options = source.options
        self.name = source.name
        self.problems = problems
        self.warnings = warnings

    def has(self, name: str) -> bool:
        return name in self.mapping.columns

    def raw(self, row: Sequence[Any], name: str) -> Any:
        index = self.mapping.columns.get(name)
        if index is None or index >= len(row):
            return None
        return row[index]

    def column(self, name: str | None) -> str | None:
        return self.mapping.column_name(name) if name in self.mapping.columns else None

    def problem(self, row: int, name: str | None, template: str, /, **params: Any) -> None:
        self.problems.append(Problem(self.name, row, self.column(name), template, params))

    def warn(self, row: int, name: str | None, template: str, /, **params: Any) -> None:
        self.warnings.append(Problem(self.name, row, self.column(name), template, params))

    def get(self, row: int, values_: Sequence[Any], name: str,
            convert: Callable[[Any], Any]) -> Any:
        """The converted cell, None when blank, or ``_BAD`` after recording the problem."""
        value = self.raw(values_, name)
        if values.is_blank(value):
            return None
        try:
            return convert(value)
        except BadInput as error:
            self.problem(row, name, error.template, **error.params)
            return _BAD

    def code(self, row: int, values_: Sequence[Any], name: str, required: bool = True) -> Any:
        """An item code (text); ``_BAD`` with a problem when empty and *required*."""
        value = self.raw(values_, name)
        if values.is_blank(value):
            if required:
                self.blank(row, name)
                return _BAD
            return None
        code = self.get(row, values_, name, values.code_text)
        if isinstance(value, int | float) and not isinstance(value, bool) and code is not _BAD:
            self.source.numeric_codes.add(code)
        return code

    def refused(self, row: int, key: Any, *parts: Any) -> None:
        """Row *row* was refused while reading; remember its *key* when it could be read."""
        if key is not None and _BAD not in (key, *parts):
            self.source.refused_keys.setdefault(key, row)

    def blank(self, row: int, name: str) -> None:
        """The problem for an empty required cell: merged away, or simply empty."""
        index = self.mapping.columns[name]
        block = self.source.table.merged_range(row, index + 1)
        if block is not None:
            self.problem(row, name, QT_TRANSLATE_NOOP(
                "Errors", "the cell is part of the merged cells {cells}; unmerge them and fill "
                "in every row."), cells=block.ref)
        elif name in ("code", "set_code", "component"):
            self.problem(row, name, QT_TRANSLATE_NOOP("Errors", "the code is empty."))
        else:
            self.problem(row, name, QT_TRANSLATE_NOOP("Errors", "the cell is empty."))


# -- what the database holds ------------------------------------------------------------------

@dataclass(slots=True)
class _Item:
    id: int
    code: str
    kind: str
    on_hand: int


def _name_text(value: Any) -> str | None:
    """An item name from a cell: text without control characters (``clean_name``)."""
    text = values.text(value)
    return None if text is None else clean_name(text)


def _load_items(codes: Iterable[str]) -> dict[str, _Item]:
    """The items named by *codes* (all items when there are many: one query is faster)."""
    wanted = list(dict.fromkeys(codes))
    query = ItemRow.select(ItemRow.id, ItemRow.code, ItemRow.kind, ItemRow.on_hand)
    found: dict[str, _Item] = {}
    if len(wanted) > 5 * _CHUNK:  # one plain query, without building model rows
        sql, params = query.sql()
        for item_id, code, kind, on_hand in db.execute_sql(sql, params).fetchall():
            found[code] = _Item(item_id, code, kind, on_hand)
        return found
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        for item_id, code, kind, on_hand in tuples(query.where(ItemRow.code.in_(chunk))):
            found[code] = _Item(item_id, code, kind, on_hand)
    return found


class _Unknown:
    """The refusal of an unknown code, with a hint when Excel probably dropped zeros."""

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self._padded: dict[str, list[str]] | None = None

    def refuse(self, row: int, name: str, code: str) -> None:
        similar = self._similar(code)
        if similar:
            self.rows.problem(row, name, QT_TRANSLATE_NOOP(
                "Errors", "there is no item with code {code} (did you mean {similar}? Excel may "
                "have dropped its leading zeros: format the column as text)."),
                code=code, similar=similar)
        else:
            self.rows.problem(row, name, QT_TRANSLATE_NOOP(
                "Errors", "there is no item with code {code}."), code=code)

    def _similar(self, code: str) -> str:
        if not code.isdigit():
            return ""
        if self._padded is None:
            self._padded = {}
            zero_codes = ItemRow.select(ItemRow.code).where(ItemRow.code.startswith("0"))
            for (existing,) in zero_codes.tuples().iterator():
                self._padded.setdefault(existing.lstrip("0"), []).append(existing)
        return ", ".join(self._padded.get(code.lstrip("0"), [])[:3])


class _Seen:
    """Duplicate keys in one file: the second one is refused, naming the first row."""

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self.first: dict[Any, int] = dict(rows.source.refused_keys)

    def again(self, key: Any, row: int, name: str, shown: str) -> bool:
        first = self.first.setdefault(key, row)
        if first >= row:
            self.first[key] = row
            return False
        self.rows.problem(row, name, QT_TRANSLATE_NOOP(
            "Errors", "{key} appears again in this file (first in row {first})."),
            key=shown, first=first)
        return True


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, some frozen builds)
        return "rendo"


def _create_items(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new items (all fields given); returns code → id."""
    now = utcnow()
    ids: dict[str, int] = {}
    for start in range(0, len(rows), _CHUNK // 5):
        chunk = rows[start:start + _CHUNK // 5]
        full = [{"name": "", "kind": ItemKind.SINGLE.value, "jan": None, "variant": {},
                 "unlimited": False, "reserved": 0, "backorder_allowance": 0,
                 "reorder_point": None, "pattern": None, "on_hand": 0, "created_at": now, **r}
                for r in chunk]
        ItemRow.insert_many(full).execute()
        codes = [r["code"] for r in chunk]
        ids.update(tuples(ItemRow.select(ItemRow.code, ItemRow.id)
                          .where(ItemRow.code.in_(codes))))
    return ids


# -- the kinds of import ----------------------------------------------------------------------

@dataclass
class _Checked:
    changes: list[Change] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    ops: list[Any] = field(default_factory=list)


class _Kind(ABC):
    """One kind of file: reads its rows (no database), checks them, writes them."""

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self.options = rows.options

    @abstractmethod
    def read_row(self, row: int, cells: Sequence[Any]) -> Any | None:
        """One record of the file's *row*, or None for a row with nothing in it."""

    @abstractmethod
    def check(self, records: list[Any], shop: Shop) -> _Checked:
        """Every change and every problem, against the database as it is now."""

    @abstractmethod
    def write(self, checked: _Checked, shop: Shop, batch: str, progress: Progress,
              cancelled: CancelCheck) -> tuple[set[str], int]:
        """Write; returns the codes whose stock may have changed and the movement count."""


@dataclass(slots=True)
class _StockRecord:
    row: int
    code: str | None
    jan: str | None
    quantity: int | None
    name: str | None


class _Stock(_Kind):
    """Stock counts: overwrite (棚卸: the difference as one movement), add, subtract."""

    def __init__(self, rows: _Rows) -> None:
        super().__init__(rows)
        columns = rows.mapping.columns
        self._code = columns.get("code")
        self._quantity = columns["quantity"]
        self._name = columns.get("name")
        self._fast = "jan" not in columns and self._code is not None

    def read_row(self, row: int, cells: Sequence[Any]) -> _StockRecord | None:
        width = len(cells)
        if self._fast:  # code and count, the common file: checked without detours
            code_index: int = self._code  # type: ignore[assignment]  # _fast: there is one
            raw_code = cells[code_index] if code_index < width else None
            raw_count = cells[self._quantity] if self._quantity < width else None
            if type(raw_code) is str and (type(raw_count) is int or type(raw_count) is str):
                try:
                    code = values.code_text(raw_code)
                    quantity = values.whole_number(raw_count)
                except BadInput:
                    pass
                else:
                    if quantity is None or quantity >= 0:
                        name = None
                        if self._name is not None and self._name < width:
                            name = cells[self._name]
                        return _StockRecord(row, code, None, quantity, name)
        return self._read_row(row, cells)

    def _read_row(self, row: int, cells: Sequence[Any]) -> _StockRecord | None:
        rows, mode = self.rows, self.options.mode
        code = jan = None
        if rows.has("jan"):
            jan = rows.get(row, cells, "jan", values.code_text)
        if rows.has("code"):
            code = rows.code(row, cells, "code", required=jan is None)
        elif jan is None:
            rows.blank(row, "jan")
            jan = _BAD
        quantity = rows.get(row, cells, "quantity", values.whole_number)
        name = rows.raw(cells, "name")
        if isinstance(quantity, int) and quantity < 0:
            template = {
                "overwrite": QT_TRANSLATE_NOOP("Errors", "negative count {value} in overwrite "
                                               "mode: a stocktake count cannot be below 0."),
                "add": QT_TRANSLATE_NOOP("Errors", "{value} is negative; to take stock away "
                                         "use the subtract mode."),
                "subtract": QT_TRANSLATE_NOOP("Errors", "{value} is negative; to add stock "
                                              "use the add mode."),
            }[mode]
            rows.problem(row, "quantity", template, value=quantity)
            quantity = _BAD
        if _BAD in (code, jan, quantity):
            rows.refused(row, code)
            return None
        return _StockRecord(row, code, jan, quantity, name)

    def check(self, records: list[_StockRecord], shop: Shop) -> _Checked:
        rows, mode = self.rows, self.options.mode
        by_jan = self._jan_codes([r.jan for r in records if r.code is None and r.jan])
        items = _load_items([*(r.code for r in records if r.code),
                             *(c for codes in by_jan.values() for c in codes)])
        unknown, seen = _Unknown(rows), _Seen(rows)
        first_row = seen.first
        checked = _Checked()
        changes, ops = checked.changes, checked.ops
        reason = REASON[mode]
        create_unknown = self.options.create_unknown
        set_kind = ItemKind.SET.value
        for record in records:
            code, key_column = record.code, "code"
            if code is None:
                key_column = "jan"
                matches = by_jan.get(str(record.jan), [])
                if len(matches) != 1:
                    rows.problem(record.row, "jan", QT_TRANSLATE_NOOP(
                        "Errors", "no item has the JAN {jan}.") if not matches else
                        QT_TRANSLATE_NOOP("Errors", "the JAN {jan} belongs to several items "
                                          "({codes}); use their codes."),
                        jan=record.jan, codes=", ".join(matches))
                    continue
                code = matches[0]
            if code not in first_row:
                first_row[code] = record.row
            elif seen.again(code, record.row, key_column, code):
                continue
            item = items.get(code)
            if item is None and not create_unknown:
                unknown.refuse(record.row, key_column, code)
                continue
            if item is not None and item.kind == set_kind:
                if record.quantity is not None:
                    rows.problem(record.row, "quantity", QT_TRANSLATE_NOOP(
                        "Errors", "{code} is a set: it has no shelf stock of its own; count its "
                        "components instead."), code=code)
                else:  # a set without a count (the set rows of a stock list): nothing to do
                    changes.append(Change(record.row, code, "set", None, None))
                continue
            if record.quantity is None:
                rows.problem(record.row, "quantity", QT_TRANSLATE_NOOP(
                    "Errors", "the count is empty (write 0 for none)."))
                continue
            before = item.on_hand if item is not None else 0
            if mode == "overwrite":
                after = record.quantity
            elif mode == "add":
                after = before + record.quantity
            else:
                after = before - record.quantity
            if after < 0:
                rows.problem(record.row, "quantity", QT_TRANSLATE_NOOP(
                    "Errors", "{code}: taking away {value} would leave {after} (on hand "
                    "{before}); stock cannot go below 0."),
                    code=code, value=record.quantity, after=after, before=before)
                continue
            if after > MAX_COUNT:
                rows.problem(record.row, "quantity", QT_TRANSLATE_NOOP(
                    "Errors", "{code}: on hand would become {after}, more than {max}."),
                    code=code, after=after, max=MAX_COUNT)
                continue
            name = None
            if item is None:
                try:
                    name = _name_text(record.name) or ""
                except BadInput as error:
                    rows.problem(record.row, "name", error.template, **error.params)
                    continue
                checked.created.append(code)
                if code in rows.source.numeric_codes:
                    rows.warn(record.row, "code", QT_TRANSLATE_NOOP(
                        "Errors", "new item {code}: Excel stored this code as a number, so any "
                        "leading zeros are lost; format the column as text if it had some."),
                        code=code)
            changes.append(Change(record.row, code, "on_hand",
                                  None if item is None else before, after))
            ops.append((record, code, item, after - before, reason, name))
        return checked

    @staticmethod
    def _jan_codes(jans: list[Any]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for start in range(0, len(jans), _CHUNK):
            chunk = [str(j) for j in jans[start:start + _CHUNK]]
            for code, jan in tuples(ItemRow.select(ItemRow.code, ItemRow.jan).where(
                    ItemRow.jan.in_(chunk))):
                found.setdefault(jan, []).append(code)
        return found

    def write(self, checked: _Checked, shop: Shop, batch: str, progress: Progress,
              cancelled: CancelCheck) -> tuple[set[str], int]:
        new = [{"code": code, "name": name, "jan": record.jan}
               for record, code, item, _, _, name in checked.ops if item is None]
        ids = _create_items(new) if new else {}
        file = self.rows.name
        movements = [
            (item.id if item is not None else ids[code], delta, reason,
             f"{file}:{record.row}", None)
            for record, code, item, delta, reason, _ in checked.ops if delta
        ]
        shop.record_movements(movements, batch, cancelled, progress)
        touched = {code for _, code, _, delta, _, _ in checked.ops if delta} | set(ids)
        return touched, len(movements)


@dataclass(slots=True)
class _ItemRecord:
    row: int
    code: str
    fields: dict[str, Any]  # only what the file gives
    variant: dict[str, str | None]


_ITEM_FIELDS = ("name", "jan", "reserved", "backorder_allowance", "reorder_point", "unlimited")


class _Items(_Kind):
    """The item master: new codes become items, given cells change existing ones.

    An empty cell leaves the value as it is; ``none`` / ``なし`` clears JAN, reorder point or a
    variant attribute.
    """

    def read_row(self, row: int, cells: Sequence[Any]) -> _ItemRecord | None:
        rows = self.rows
        code = rows.code(row, cells, "code")
        found: dict[str, Any] = {}
        bad = code is _BAD
        for name in _ITEM_FIELDS:
            if not rows.has(name) or values.is_blank(rows.raw(cells, name)):
                continue
            raw = rows.raw(cells, name)
            if name in ("name",):
                value = rows.get(row, cells, name, _name_text)
            elif name == "jan":
                value = None if values.is_clear_word(raw) else rows.get(
                    row, cells, name, values.code_text)
            elif name == "unlimited":
                value = rows.get(row, cells, name, values.flag)
            elif name == "reorder_point":
                value = None if values.is_clear_word(raw) else rows.get(
                    row, cells, name, values.count)
            else:
                value = rows.get(row, cells, name, values.count)
            bad = bad or value is _BAD
            found[name] = value
        variant: dict[str, str | None] = {}
        columns = dict(rows.mapping.variants)
        for key in ("color", "size"):
            if rows.has(key):
                columns[key] = rows.mapping.columns[key]
        for key, index in columns.items():
            raw = cells[index] if index < len(cells) else None
            if values.is_blank(raw):
                continue
            variant[key] = None if values.is_clear_word(raw) else values.text(raw)
        if bad:
            rows.refused(row, code)
            return None
        return _ItemRecord(row, code, found, variant)

    def check(self, records: list[_ItemRecord], shop: Shop) -> _Checked:
        rows, seen = self.rows, _Seen(self.rows)
        current: dict[str, dict[str, Any]] = {
            row["code"]: row for row in dicts(ItemRow.select(
                ItemRow.id, ItemRow.code, ItemRow.kind, ItemRow.variant,
                *(getattr(ItemRow, n) for n in _ITEM_FIELDS)).where(
                ItemRow.code.in_([r.code for r in records])))
        } if len(records) <= 5 * _CHUNK else {
            row["code"]: row for row in dicts(ItemRow.select(), stream=True)}
        checked = _Checked()
        for record in records:
            if seen.again(record.code, record.row, "code", record.code):
                continue
            existing = current.get(record.code)
            is_set = existing is not None and existing["kind"] == ItemKind.SET.value
            if record.fields.get("backorder_allowance"):
                try:
                    check_backorders_on_single(record.code, is_set)
                except BadInput as error:
                    rows.problem(record.row, "backorder_allowance", error.template,
                                 **error.params)
                    continue
            if existing is None:
                checked.created.append(record.code)
                checked.changes.append(Change(record.row, record.code, "item", None,
                                              record.fields.get("name") or record.code))
                checked.ops.append((record, None, {
                    **record.fields,
                    "variant": {k: v for k, v in record.variant.items() if v is not None}}))
                continue
            updates: dict[str, Any] = {}
            for name, value in record.fields.items():
                if name == "backorder_allowance" and is_set:
                    continue
                if existing[name] != value:
                    updates[name] = value
                    checked.changes.append(Change(record.row, record.code, name,
                                                  existing[name], value))
            variant = dict(existing["variant"] or {})
            for key, value in record.variant.items():
                if value is None:
                    variant.pop(key, None)
                else:
                    variant[key] = value
            if variant != (existing["variant"] or {}):
                updates["variant"] = variant
                checked.changes.append(Change(record.row, record.code, "variant",
                                              existing["variant"] or {}, variant))
            if not updates:
                checked.changes.append(Change(record.row, record.code, "item", record.code,
                                              record.code))
            checked.ops.append((record, existing["id"], updates))
        return checked

    def write(self, checked: _Checked, shop: Shop, batch: str, progress: Progress,
              cancelled: CancelCheck) -> tuple[set[str], int]:
        new = [{"code": record.code, **fields} for record, item_id, fields in checked.ops
               if item_id is None]
        _create_items(new)
        touched = {r["code"] for r in new}
        for number, (record, item_id, updates) in enumerate(checked.ops):
            if number % CHECK_EVERY == 0:
                if cancelled():
                    raise OperationCancelled
                progress(number, len(checked.ops))
            if item_id is not None and updates:
                ItemRow.update(**updates).where(ItemRow.id == item_id).execute()
                touched.add(record.code)
        return touched, 0


@dataclass(slots=True)
class _SetRecord:
    row: int
    set_code: str
    component: str
    quantity: int


def _shown(parts: Sequence[tuple[str, int]]) -> str:
    return " + ".join(f"{code}×{quantity}" for code, quantity in parts)


class _Sets(_Kind):
    """Set compositions: the rows of one set code together replace its components."""

    def read_row(self, row: int, cells: Sequence[Any]) -> _SetRecord | None:
        rows = self.rows
        set_code = rows.code(row, cells, "set_code")
        component = rows.code(row, cells, "component")
        quantity = rows.get(row, cells, "component_quantity", values.whole_number)
        if quantity is None:
            rows.blank(row, "component_quantity")
            quantity = _BAD
        elif quantity is not _BAD and quantity < 1:
            rows.problem(row, "component_quantity", QT_TRANSLATE_NOOP(
                "Errors", "a component needs a quantity of 1 or more (got {value})."),
                value=quantity)
            quantity = _BAD
        if _BAD in (set_code, component, quantity):
            rows.refused(row, (set_code, component), set_code, component)
            return None
        return _SetRecord(row, set_code, component, quantity)

    def check(self, records: list[_SetRecord], shop: Shop) -> _Checked:
        rows, seen, unknown = self.rows, _Seen(self.rows), _Unknown(self.rows)
        items = _load_items([c for r in records for c in (r.set_code, r.component)])
        sets: dict[str, list[_SetRecord]] = {}
        for record in records:
            if seen.again((record.set_code, record.component), record.row, "component",
                          f"{record.set_code} / {record.component}"):
                continue
            sets.setdefault(record.set_code, []).append(record)
        with_movements = self._with_movements(
            [items[c].id for c in sets if c in items and items[c].kind != ItemKind.SET.value])
        existing = shop.compositions()
        compositions = {code: list(parts) for code, parts in existing.items()}
        wanted = {code: [(r.component, r.quantity) for r in group] for code, group in
                  sets.items()}
        compositions.update(wanted)
        checked = _Checked()
        created: set[str] = set()
        looped = False
        for set_code, group in sets.items():
            first = group[0].row
            item = items.get(set_code)
            ok = True
            if item is not None and item.kind != ItemKind.SET.value:
                try:
                    check_may_become_set(set_code, item.on_hand, item.id in with_movements)
                except BadInput as error:
                    rows.problem(first, "set_code", error.template, **error.params)
                    ok = False
            for record in group:
                if record.component in items or record.component in sets:
                    continue
                if self.options.create_unknown:
                    created.add(record.component)
                    continue
                unknown.refuse(record.row, "component", record.component)
                ok = False
            try:
                check_no_loop(set_code, wanted[set_code], compositions)
            except CycleError as error:
                rows.problem(first, "set_code", error.template, **error.params)
                ok, looped = False, True
            if not ok:
                continue
            before = [] if item is None else list(existing.get(set_code, ()))
            checked.changes.append(Change(first, set_code, "components",
                                          _shown(before) if item is not None else None,
                                          _shown(wanted[set_code])))
            if item is None:
                checked.created.append(set_code)
            checked.ops.append((set_code, wanted[set_code]))
        # units multiply through nesting; a loop (refused above) has no finite count
        for set_code, refusal in [] if looped else unit_refusals(compositions):
            row = sets[set_code][0].row if set_code in sets else records[0].row
            rows.problem(row, "set_code", refusal.template, **refusal.params)
        checked.created.extend(sorted(created - set(sets)))
        return checked

    @staticmethod
    def _with_movements(item_ids: list[int]) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(item_ids), _CHUNK):
            chunk = item_ids[start:start + _CHUNK]
            found.update(i for (i,) in tuples(MovementRow.select(MovementRow.item).where(
                MovementRow.item.in_(chunk)).distinct()))
        return found

    def write(self, checked: _Checked, shop: Shop, batch: str, progress: Progress,
              cancelled: CancelCheck) -> tuple[set[str], int]:
        set_codes = [code for code, _ in checked.ops]
        new_sets = [c for c in set_codes if c in checked.created]
        new_singles = [c for c in checked.created if c not in set_codes]
        _create_items([{"code": c, "name": c, "kind": ItemKind.SET.value} for c in new_sets])
        _create_items([{"code": c} for c in new_singles])
        ids: dict[str, int] = dict(tuples(ItemRow.select(ItemRow.code, ItemRow.id).where(
            ItemRow.code.in_(list({c for _, parts in checked.ops for c, _ in parts}
                                  | set(set_codes))))))
        for number, (set_code, parts) in enumerate(checked.ops):
            if number % CHECK_EVERY == 0 and cancelled():
                raise OperationCancelled
            ItemRow.update(kind=ItemKind.SET.value).where(ItemRow.id == ids[set_code]).execute()
            SetComponentRow.delete().where(SetComponentRow.set_item == ids[set_code]).execute()
            SetComponentRow.insert_many([
                {"set_item": ids[set_code], "component": ids[code], "quantity": quantity,
                 "position": position} for position, (code, quantity) in enumerate(parts)
            ]).execute()
        return set(set_codes) | set(new_singles), 0


@dataclass(slots=True)
class _PatternRecord:
    row: int
    code: str
    pattern: str | None


class _Patterns(_Kind):
    """Allocation-pattern assignment: ``none`` / ``なし`` / empty → no pattern (全店同数)."""

    def read_row(self, row: int, cells: Sequence[Any]) -> _PatternRecord | None:
        code = self.rows.code(row, cells, "code")
        raw = self.rows.raw(cells, "pattern")
        pattern = None if values.is_clear_word(raw) else self.rows.get(
            row, cells, "pattern", values.text)
        if _BAD in (code, pattern):
            self.rows.refused(row, code)
            return None
        return _PatternRecord(row, code, pattern)

    def check(self, records: list[_PatternRecord], shop: Shop) -> _Checked:
        rows, seen, unknown = self.rows, _Seen(self.rows), _Unknown(self.rows)
        patterns: dict[str, int] = dict(tuples(AllocationPatternRow.select(
            AllocationPatternRow.name, AllocationPatternRow.id)))
        names = {v: k for k, v in patterns.items()}
        current: dict[str, int | None] = dict(tuples(ItemRow.select(
            ItemRow.code, ItemRow.pattern).where(ItemRow.code.in_([r.code for r in records])))
        ) if records else {}
        checked = _Checked()
        for record in records:
            if seen.again(record.code, record.row, "code", record.code):
                continue
            if record.code not in current:
                unknown.refuse(record.row, "code", record.code)
                continue
            if record.pattern is not None and record.pattern not in patterns:
                rows.problem(record.row, "pattern", QT_TRANSLATE_NOOP(
                    "Errors", "there is no allocation pattern called {name}."),
                    name=record.pattern)
                continue
            pattern_id = current[record.code]
            before = names.get(pattern_id) if pattern_id else None
            checked.changes.append(Change(record.row, record.code, "pattern", before,
                                          record.pattern))
            checked.ops.append((record.code, patterns.get(record.pattern or "")))
        return checked

    def write(self, checked: _Checked, shop: Shop, batch: str, progress: Progress,
              cancelled: CancelCheck) -> tuple[set[str], int]:
        groups: dict[int | None, list[str]] = {}
        for code, pattern_id in checked.ops:
            groups.setdefault(pattern_id, []).append(code)
        for pattern_id, codes in groups.items():
            for start in range(0, len(codes), _CHUNK):
                if cancelled():
                    raise OperationCancelled
                ItemRow.update(pattern=pattern_id).where(
                    ItemRow.code.in_(codes[start:start + _CHUNK])).execute()
        return {code for code, _ in checked.ops}, 0


@dataclass(slots=True)
class _OffsetRecord:
    row: int
    code: str
    channel: str | None
    offset: DisplayOffset | None


class _Offsets(_Kind):
    """Display offsets (+N, -N, fixed N, none) per item, for all channels or one."""

    def read_row(self, row: int, cells: Sequence[Any]) -> _OffsetRecord | None:
        rows = self.rows
        code = rows.code(row, cells, "code")
        channel = rows.get(row, cells, "channel", values.text) if rows.has("channel") else None
        raw = rows.raw(cells, "offset")
        offset: Any = None
        if not values.is_blank(raw):
            offset = rows.get(row, cells, "offset", lambda v: parse_offset(_offset_text(v)))
        if _BAD in (code, channel, offset):
            rows.refused(row, (code, channel), code, channel)
            return None
        return _OffsetRecord(row, code, channel, offset)

    def check(self, records: list[_OffsetRecord], shop: Shop) -> _Checked:
        rows, seen, unknown = self.rows, _Seen(self.rows), _Unknown(self.rows)
        channels: dict[str, int] = dict(tuples(ChannelRow.select(ChannelRow.name,
                                                                 ChannelRow.id)))
        items = _load_items(r.code for r in records)
        current: dict[tuple[int, int | None], str] = {}
        ids = [i.id for i in items.values()]
        for start in range(0, len(ids), _CHUNK):
            for item_id, channel_id, kind, amount in tuples(DisplayOffsetRow.select(
                    DisplayOffsetRow.item, DisplayOffsetRow.channel, DisplayOffsetRow.kind,
                    DisplayOffsetRow.amount).where(
                    DisplayOffsetRow.item.in_(ids[start:start + _CHUNK]))):
                current[(item_id, channel_id)] = str(DisplayOffset(OffsetKind(kind), amount))
        checked = _Checked()
        for record in records:
            if seen.again((record.code, record.channel), record.row, "code",
                          f"{record.code} / {record.channel or '*'}"):
                continue
            item = items.get(record.code)
            if item is None:
                unknown.refuse(record.row, "code", record.code)
                continue
            channel_id = None
            if record.channel is not None:
                channel_id = channels.get(record.channel)
                if channel_id is None:
                    rows.problem(record.row, "channel", QT_TRANSLATE_NOOP(
                        "Errors", "there is no channel called {name}."), name=record.channel)
                    continue
            after = str(record.offset) if record.offset is not None else None
            checked.changes.append(Change(record.row, record.code, "offset",
                                          current.get((item.id, channel_id)), after,
                                          record.channel))
            checked.ops.append((item, channel_id, record.offset))
        return checked

    def write(self, checked: _Checked, shop: Shop, batch: str, progress: Progress,
              cancelled: CancelCheck) -> tuple[set[str], int]:
        for number, (item, channel_id, offset) in enumerate(checked.ops):
            if number % CHECK_EVERY == 0 and cancelled():
                raise OperationCancelled
            DisplayOffsetRow.delete().where(
                DisplayOffsetRow.item == item.id,
                DisplayOffsetRow.channel.is_null() if channel_id is None
                else DisplayOffsetRow.channel == channel_id).execute()
            if offset is not None:
                DisplayOffsetRow.create(item=item.id, channel=channel_id,
                                        kind=offset.kind.value, amount=offset.amount)
        return {item.code for item, _, _ in checked.ops}, 0


def _offset_text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "{value} is not a whole number."),
                           value=value)
        return f"{int(value):+d}" if value < 0 else str(int(value))
    return str(value)


@dataclass(slots=True)
class _CodeMapRecord:
    row: int
    channel: str
    channel_item_id: str
    code: str


class _CodeMap(_Kind):
    """Each channel's code map: its item id → our code. Order lines that waited for the
    mapping are applied at once, in the same transaction."""

    def read_row(self, row: int, cells: Sequence[Any]) -> _CodeMapRecord | None:
        rows = self.rows
        channel = rows.get(row, cells, "channel", values.text)
        if channel is None:
            rows.blank(row, "channel")
            channel = _BAD
        channel_item_id = rows.code(row, cells, "channel_item_id")
        code = rows.code(row, cells, "code")
        if _BAD in (channel, channel_item_id, code):
            rows.refused(row, (channel, channel_item_id), channel, channel_item_id)
            return None
        return _CodeMapRecord(row, channel, channel_item_id, code)

    def check(self, records: list[_CodeMapRecord], shop: Shop) -> _Checked:
        rows, seen, unknown = self.rows, _Seen(self.rows), _Unknown(self.rows)
        channels: dict[str, int] = dict(tuples(ChannelRow.select(ChannelRow.name,
                                                                 ChannelRow.id)))
        items = _load_items(r.code for r in records)
        code_of = {i.id: c for c, i in items.items()}
        current: dict[tuple[int, str], str] = {}
        for channel_id, channel_item_id, item_id in tuples(CodeMapRow.select(
                CodeMapRow.channel, CodeMapRow.channel_item_id, CodeMapRow.item)):
            current[(channel_id, channel_item_id)] = code_of.get(item_id, f"#{item_id}")
        checked = _Checked()
        for record in records:
            if seen.again((record.channel, record.channel_item_id), record.row,
                          "channel_item_id", f"{record.channel} / {record.channel_item_id}"):
                continue
            channel_id = channels.get(record.channel)
            if channel_id is None:
                rows.problem(record.row, "channel", QT_TRANSLATE_NOOP(
                    "Errors", "there is no channel called {name}."), name=record.channel)
                continue
            if record.code not in items:
                unknown.refuse(record.row, "code", record.code)
                continue
            checked.changes.append(Change(
                record.row, record.code, "code map",
                current.get((channel_id, record.channel_item_id)), record.code,
                f"{record.channel}: {record.channel_item_id}"))
            checked.ops.append(record)
        return checked

    def write(self, checked: _Checked, shop: Shop, batch: str, progress: Progress,
              cancelled: CancelCheck) -> tuple[set[str], int]:
        from .orders import map_code

        touched: set[str] = set()
        for number, record in enumerate(checked.ops):
            if number % CHECK_EVERY == 0 and cancelled():
                raise OperationCancelled
            outcome = map_code(shop, record.channel, record.channel_item_id, record.code)
            touched |= outcome.touched
        return touched, 0


_KIND_CLASSES: dict[str, type[_Kind]] = {
    "stock": _Stock, "items": _Items, "sets": _Sets, "patterns": _Patterns,
    "offsets": _Offsets, "codemap": _CodeMap,
}


# -- steps 2 and 3: preview and apply -----------------------------------------------------------

def _check(shop: Shop, source: ImportSource, cancelled: CancelCheck) -> tuple[
        _Kind | None, _Checked, list[Problem], list[Problem]]:
    """Check the records against the database: (kind, checked, problems, warnings)."""
    if cancelled():
        raise OperationCancelled
    problems, warnings = list(source.problems), list(source.warnings)
    if source.mapping is None:
        return None, _Checked(), problems, warnings
    kind = _KIND_CLASSES[source.options.kind](_Rows(source, problems, warnings))
    checked = kind.check(source.records, shop)
    problems.sort(key=lambda p: p.row or 0)
    warnings.sort(key=lambda p: p.row or 0)
    return kind, checked, problems, warnings


def preview(shop: Shop, source: ImportSource, progress: Progress = no_progress,
            cancelled: CancelCheck = never_cancelled) -> ImportPlan:
    """Check every row against the database; nothing is written. (A second or so for
    100,000 rows: progress is reported before and after, cancel is checked before.)"""
    progress(0, len(source.records))
    _, checked, problems, warnings = _check(shop, source, cancelled)
    progress(len(source.records), len(source.records))
    return ImportPlan(source, checked.changes, problems, warnings, checked.created)


def refused(source: ImportSource, problems: list[Problem]) -> ImportRefused:
    return ImportRefused(QT_TRANSLATE_NOOP(
        "Errors", "{file}: {count} problems; nothing was imported."), problems,
        file=source.name)


def new_batch_id() -> str:
    return f"import-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def apply_import(shop: Shop, source: ImportSource, progress: Progress = no_progress,
                 cancelled: CancelCheck = never_cancelled) -> ImportResult:
    """Check and write in one transaction: everything, or nothing (``ImportRefused`` when a
    row is refused, ``OperationCancelled`` when the user cancels)."""
    batch = new_batch_id()
    with shop.ledger_transaction():
        kind, checked, problems, warnings = _check(shop, source, cancelled)
        if problems or kind is None:
            raise refused(source, problems)
        touched, movements = kind.write(checked, shop, batch, progress, cancelled)
        if cancelled():
            raise OperationCancelled
        # on commit every process's computed stock (this one's too) takes these in
        shop.note_changed(touched)
    return ImportResult(source, checked.changes, [], warnings, checked.created,
                        batch=batch if movements else None, movements=movements,
                        touched=sorted(touched))


def import_file(shop: Shop, path: Path | str, options: ImportOptions | None = None,
                dry_run: bool = False, progress: Progress = no_progress,
                cancelled: CancelCheck = never_cancelled) -> ImportPlan:
    """Read and preview (*dry_run*) or read and apply *path*. Raises ``ImportRefused``
    listing every problem when any row is refused (also in a dry run)."""
    source = read_import(path, options, progress, cancelled)
    if dry_run:
        plan = preview(shop, source, cancelled=cancelled)
        if plan.problems:
            raise refused(source, plan.problems)
        return plan
    if source.problems:  # list the database's problems too, not only the file's
        raise refused(source, preview(shop, source, cancelled=cancelled).problems)
    return apply_import(shop, source, progress, cancelled)


# -- undo -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ImportBatch:
    batch: str
    created_at: datetime
    movements: int
    items: int
    file: str
    undone: bool


def recent_imports(limit: int = 20) -> list[ImportBatch]:
    """The latest stock imports, newest first, and whether each has been undone."""
    import peewee as pw

    rows = (MovementRow.select(MovementRow.batch, pw.fn.MIN(MovementRow.created_at),
                               pw.fn.COUNT(MovementRow.id),
                               pw.fn.COUNT(pw.fn.DISTINCT(MovementRow.item)),
                               pw.fn.MIN(MovementRow.reference))
            .where(MovementRow.batch.startswith("import-"))
            .group_by(MovementRow.batch)
            .order_by(pw.fn.MIN(MovementRow.id).desc()).limit(limit))
    found = []
    for batch, created, movements, items, reference in tuples(rows):
        undone = MovementRow.select().where(MovementRow.batch == _undo_batch(batch)).exists()
        created_at = created if isinstance(created, datetime) else datetime.fromisoformat(
            str(created))
        found.append(ImportBatch(batch, created_at, movements, items,
                                 str(reference).rsplit(":", 1)[0], undone))
    return found


def _undo_batch(batch: str) -> str:
    return f"undo-{batch}"


@dataclass
class UndoResult:
    batch: str
    undo_batch: str
    movements: int
    touched: list[str]


def undo_import(shop: Shop, batch: str, cancelled: CancelCheck = never_cancelled,
                progress: Progress = no_progress) -> UndoResult:
    """Append the reverse of every movement of import *batch* (reason "undo"), all or none.

    Items the import created stay (with nothing on hand). Refused when the import was undone
    already, or when an item has sold so much since that the reverse would go below 0.
    """
    batch = batch.strip()
    with shop.lock:
        with shop.ledger_transaction():
            in_batch = MovementRow.select(MovementRow.id).where(MovementRow.batch == batch)
            moves = list(tuples(MovementRow.select(MovementRow.id, MovementRow.item,
                                                   MovementRow.delta)
                                .where(MovementRow.batch == batch)))
            if not moves or batch.startswith("undo-"):
                raise BadInput(QT_TRANSLATE_NOOP("Errors", "There is no import {batch}."),
                               batch=batch)
            # movements undone one by one since (rendo undo ID) are not reversed twice
            undone = {i for (i,) in tuples(MovementRow.select(MovementRow.undoes).where(
                MovementRow.undoes.in_(in_batch)))}
            moves = [m for m in moves if m[0] not in undone]
            if not moves:
                raise BadInput(QT_TRANSLATE_NOOP("Errors", "Import {batch} has already been "
                                                 "undone."), batch=batch)
            if MovementRow.select().where(MovementRow.batch == _undo_batch(batch)).exists():
                raise BadInput(QT_TRANSLATE_NOOP("Errors", "Import {batch} has already been "
                                                 "undone."), batch=batch)
            net: dict[int, int] = {}
            for _, item_id, delta in moves:
                net[item_id] = net.get(item_id, 0) + delta
            items = {i: (code, on_hand) for i, code, on_hand in tuples(ItemRow.select(
                ItemRow.id, ItemRow.code, ItemRow.on_hand).where(
                ItemRow.id.in_(list(net))))}
            problems = [
                Problem(batch, None, None, QT_TRANSLATE_NOOP(
                    "Errors", "{code}: undoing would leave {after} on hand (now {on_hand}); "
                    "adjust it by hand instead."),
                    {"code": items[i][0], "after": items[i][1] - d, "on_hand": items[i][1]})
                for i, d in net.items() if items[i][1] - d < 0
            ] + [
                Problem(batch, None, None, QT_TRANSLATE_NOOP(
                    "Errors", "{code}: undoing would leave {after} on hand (now {on_hand}), "
                    "more than {max}; adjust it by hand instead."),
                    {"code": items[i][0], "after": items[i][1] - d, "on_hand": items[i][1],
                     "max": MAX_COUNT})
                for i, d in net.items() if items[i][1] - d > MAX_COUNT
            ]
            if problems:
                raise ImportRefused(QT_TRANSLATE_NOOP(
                    "Errors", "Import {file} cannot be undone: {count} problems; nothing was "
                    "changed."), problems, file=batch)
            reverse = [(item_id, -delta, UNDO_REASON, batch, movement_id)
                       for movement_id, item_id, delta in moves if delta]
            undo = _undo_batch(batch)
            shop.record_movements(reverse, undo, cancelled, progress)
            if cancelled():
                raise OperationCancelled
        touched = [items[i][0] for i in net]
    return UndoResult(batch, undo, len(reverse), sorted(touched))


__all__ = [
    "IMPORT_KINDS", "MODES", "Change", "ImportBatch", "ImportOptions", "ImportPlan",
    "ImportRefused", "ImportResult", "ImportSource", "OperationCancelled", "UndoResult",
    "apply_import", "import_file", "map_table", "preview", "read_import", "read_table",
    "recent_imports", "undo_import",
]
