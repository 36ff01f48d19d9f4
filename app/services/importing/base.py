"""What every kind of import shares: cell access with its refusals, the database lookups,
and the ``_Kind`` base class each kind of file extends."""

from __future__ import annotations

import getpass
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.domain.items import ItemKind, clean_name
from app.files import values
from app.files.common import CancelCheck, Problem, Progress
from app.store.database import db
from app.store.models import ItemRow, utcnow
from app.store.rows import tuples

from ..shop import Shop
from .options import _CHUNK, Change, ImportSource

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

    def column(self, name: str | None, row: int | None = None) -> str | None:
        """The column of *name* as the file names it (in a channel's file, at *row*)."""
        if name not in self.mapping.columns:
            return None
        formatted = self.source.formatted
        if formatted is not None and row in formatted.row_columns:
            return formatted.row_columns[row].get(name) or self.mapping.column_name(name)
        return self.mapping.column_name(name)

    def problem(self, row: int, name: str | None, template: str, /, **params: Any) -> None:
        self.problems.append(Problem(self.name, row, self.column(name, row), template, params))

    def warn(self, row: int, name: str | None, template: str, /, **params: Any) -> None:
        self.warnings.append(Problem(self.name, row, self.column(name, row), template, params))

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
