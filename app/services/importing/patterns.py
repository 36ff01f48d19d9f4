"""Allocation pattern imports: the pattern of each item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP
from app.files import values
from app.files.common import CancelCheck, OperationCancelled, Progress
from app.store.models import AllocationPatternRow, ItemRow
from app.store.rows import tuples

from ..shop import Shop
from .base import _BAD, _Checked, _Kind, _Seen, _Unknown
from .options import _CHUNK, Change


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
