"""Code map imports: which channel item id each item code is sold as."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP
from app.files import values
from app.files.common import CHECK_EVERY, CancelCheck, OperationCancelled, Progress
from app.store.models import ChannelRow, CodeMapRow
from app.store.rows import tuples

from ..shop import Shop
from .base import _BAD, _Checked, _Kind, _load_items, _Seen, _Unknown
from .options import Change


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
        from ..orders import map_code

        touched: set[str] = set()
        for number, record in enumerate(checked.ops):
            if number % CHECK_EVERY == 0 and cancelled():
                raise OperationCancelled
            outcome = map_code(shop, record.channel, record.channel_item_id, record.code)
            touched |= outcome.touched
        return touched, 0
