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
from .items import MAX_COUNT
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


class LineRefused(BadInput):
    """An order line Rendo will not apply (a negative or absurd quantity): its order is not
    applied, the line is kept and shown with this reason, the next orders are applied."""

    order_line: OrderLine


def _refused(line: OrderLine, template: str, **params: object) -> LineRefused:
    error = LineRefused(template, order=line.order_id, line=line.line_id, channel=line.channel,
                        **params)
    error.order_line = line
    return error


def check_quantity(line: OrderLine) -> None:
    """Refuse a line whose quantity is below 0 or above MAX_COUNT."""
    if line.quantity < 0:
        raise _refused(line, QT_TRANSLATE_NOOP(
            "Errors", "Order {order} line {line} on {channel} has a negative quantity ({qty})."),
            qty=line.quantity)
    if line.quantity > MAX_COUNT:
        raise _refused(line, QT_TRANSLATE_NOOP(
            "Errors", "Order {order} line {line} on {channel} has a quantity of {qty}, more "
            "than {max}; the order was not applied."), qty=line.quantity, max=MAX_COUNT)


def check_on_hand(line: OrderLine, code: str, on_hand: int, delta: int) -> None:
    """Refuse a line whose movement would take *code*'s on hand beyond ±MAX_COUNT."""
    if not -MAX_COUNT <= on_hand + delta <= MAX_COUNT:
        raise _refused(line, QT_TRANSLATE_NOOP(
            "Errors", "Order {order} line {line} on {channel} would take the on hand of {code} "
            "from {on_hand} to {after}, beyond ±{max}; the order was not applied."),
            code=code, on_hand=on_hand, after=on_hand + delta, max=MAX_COUNT)


def plan_line(
    line: OrderLine, applied: Applied | None, code: str, compositions: Compositions
) -> LinePlan | None:
    """The movements that bring *line* from what was applied to what it says now.

    Returns None when nothing changes (the same order read again). Refuses (``LineRefused``)
    a quantity below 0 or above MAX_COUNT.
    """
    check_quantity(line)
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
