"""Display offset imports: per item and channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.domain.offsets import DisplayOffset, OffsetKind, parse_offset
from app.files import values
from app.files.common import CHECK_EVERY, CancelCheck, OperationCancelled, Progress
from app.store.models import ChannelRow, DisplayOffsetRow
from app.store.rows import tuples

from ..shop import Shop
from .base import _BAD, _Checked, _Kind, _load_items, _Seen, _Unknown
from .options import _CHUNK, Change


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
