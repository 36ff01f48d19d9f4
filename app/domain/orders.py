"""Order application: the movements an order line causes, applied exactly once.

Applying is keyed by (channel, order id, line id). What was applied is remembered, so a
changed quantity applies the difference and a cancellation gives back what was applied:
to the item it was applied to even if the code map changed since, and with the set's
composition as it was then even if the set was recomposed since.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .errors import QT_TRANSLATE_NOOP, BadInput
from .sets import Compositions, explode

LineKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class OrderLine:
    channel: str
    order_id: str
    line_id: str
    channel_item_id: str
    quantity: int
    cancelled: bool = False
    placed_at: datetime | None = None

    @property
    def key(self) -> LineKey:
        return (self.channel, self.order_id, self.line_id)


@dataclass(frozen=True, slots=True)
class Applied:
    """What Rendo has applied for one order line so far."""

    code: str
    quantity: int
    units: Mapping[str, int] | None = None  # singles one unit used when first applied


@dataclass(frozen=True, slots=True)
class LinePlan:
    line: OrderLine
    code: str
    applied_before: int
    applied_after: int
    movements: dict[str, int]
    units: dict[str, int]  # singles one unit of the line's item uses; kept with the line


def plan_line(
    line: OrderLine, applied: Applied | None, code: str, compositions: Compositions
) -> LinePlan | None:
    """The movements that bring *line* from what was applied to what it says now.

    Returns None when nothing changes (the same order read again).
    """
    if line.quantity < 0:
        raise BadInput(
            QT_TRANSLATE_NOOP(
                "Errors", "Order {order} line {line} on {channel} has a negative quantity ({qty})."
            ),
            order=line.order_id, line=line.line_id, channel=line.channel, qty=line.quantity,
        )
    target = 0 if line.cancelled else line.quantity
    before = applied.quantity if applied else 0
    if applied is not None:
        code = applied.code
    sold = target - before
    if sold == 0:
        return None
    if applied is not None and applied.units:
        units = dict(applied.units)
    else:
        units = explode(code, 1, compositions)
    movements = {single: -per_unit * sold for single, per_unit in units.items()}
    return LinePlan(line, code, before, target, movements, units)
