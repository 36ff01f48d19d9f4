"""Stock count imports: overwrite (棚卸), add, subtract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.domain.items import MAX_COUNT, ItemKind
from app.files import values
from app.files.common import CancelCheck, Progress
from app.store.models import ItemRow
from app.store.rows import tuples

from ..shop import Shop
from .base import (
    _BAD,
    _Checked,
    _create_items,
    _Kind,
    _load_items,
    _name_text,
    _Rows,
    _Seen,
    _Unknown,
)
from .options import _CHUNK, REASON, Change


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
        if isinstance(quantity, int) and quantity < 0 and not (mode == "add"
                                                               and self.options.signed):
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
                    "Errors", "the count of {code} is empty (write 0 for none)."), code=code)
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
                    code=code, value=abs(record.quantity), after=after, before=before)
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
