"""Set imports: each set's components."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput, CycleError
from app.domain.items import ItemKind
from app.domain.sets import check_may_become_set, check_no_loop, unit_refusals
from app.files import values
from app.files.common import CHECK_EVERY, CancelCheck, OperationCancelled, Progress
from app.store.models import ItemRow, MovementRow, SetComponentRow
from app.store.rows import tuples

from ..shop import Shop
from .base import _BAD, _Checked, _create_items, _Kind, _load_items, _Seen, _Unknown
from .options import _CHUNK, Change


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
