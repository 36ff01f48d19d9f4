"""Item master imports: new items and changed fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.errors import BadInput
from app.domain.items import ItemKind
from app.domain.sets import check_backorders_on_single
from app.files import values
from app.files.common import CHECK_EVERY, CancelCheck, OperationCancelled, Progress
from app.store.models import ItemRow
from app.store.rows import dicts

from ..shop import Shop
from .base import _BAD, _Checked, _create_items, _Kind, _name_text, _Seen
from .options import _CHUNK, Change


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
