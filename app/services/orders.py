"""Applying channel orders to the ledger: once per line, one transaction per order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.domain.orders import Applied, OrderLine, plan_line
from app.domain.sets import Compositions
from app.store.models import (
    AppliedLineRow,
    ChannelRow,
    CodeMapRow,
    ItemRow,
    UnmatchedLineRow,
    utcnow,
)

from .shop import Shop, channel_row, item_row


@dataclass
class OrderOutcome:
    applied: int = 0
    unchanged: int = 0
    unmatched: int = 0
    before_connection: int = 0
    touched: set[str] = field(default_factory=set)
    # units each channel item id sold (negative: given back) by what was applied now
    sold: dict[str, int] = field(default_factory=dict)


def resolve_item(channel: ChannelRow, channel_item_id: str) -> ItemRow | None:
    """Our item for a channel's id: the channel's code map, else the same code."""
    mapped = CodeMapRow.get_or_none(
        CodeMapRow.channel == channel, CodeMapRow.channel_item_id == channel_item_id
    )
    if mapped is not None:
        return mapped.item  # type: ignore[no-any-return]
    return ItemRow.get_or_none(ItemRow.code == channel_item_id)  # type: ignore[no-any-return]


def _apply_line(
    shop: Shop, channel: ChannelRow, line: OrderLine, outcome: OrderOutcome,
    compositions: Compositions,
) -> None:
    record = AppliedLineRow.get_or_none(
        AppliedLineRow.channel == channel,
        AppliedLineRow.order_id == line.order_id,
        AppliedLineRow.line_id == line.line_id,
    )
    target_row = (record.item if record is not None
                  else resolve_item(channel, line.channel_item_id))
    if target_row is None:
        _keep_unmatched(channel, line)
        outcome.unmatched += 1
        return
    applied = (
        Applied(target_row.code, record.quantity, record.units) if record is not None else None
    )
    plan = plan_line(line, applied, target_row.code, compositions)
    if plan is None:
        outcome.unchanged += 1
        return
    reference = f"{channel.name}:{line.order_id}:{line.line_id}"
    for code, delta in plan.movements.items():
        reason = "order" if delta < 0 else "cancel"
        shop.record_movement(item_row(code), delta, reason, reference)
        outcome.touched.add(code)
    if record is None:
        AppliedLineRow.create(
            channel=channel, order_id=line.order_id, line_id=line.line_id, item=target_row,
            quantity=plan.applied_after, units=plan.units, updated_at=utcnow(),
        )
    else:
        record.quantity = plan.applied_after
        record.updated_at = utcnow()
        record.save()
    outcome.applied += 1
    UnmatchedLineRow.delete().where(
        UnmatchedLineRow.channel == channel,
        UnmatchedLineRow.order_id == line.order_id,
        UnmatchedLineRow.line_id == line.line_id,
    ).execute()
    sold = plan.applied_after - plan.applied_before
    outcome.sold[line.channel_item_id] = outcome.sold.get(line.channel_item_id, 0) + sold


def _keep_unmatched(channel: ChannelRow, line: OrderLine) -> None:
    """Remember (or update) a line no item matches, so it can be applied once mapped."""
    values = {
        "channel_item_id": line.channel_item_id, "quantity": line.quantity,
        "cancelled": line.cancelled, "placed_at": line.placed_at, "seen_at": utcnow(),
    }
    updated = UnmatchedLineRow.update(**values).where(
        UnmatchedLineRow.channel == channel,
        UnmatchedLineRow.order_id == line.order_id,
        UnmatchedLineRow.line_id == line.line_id,
    ).execute()
    if not updated:
        UnmatchedLineRow.create(
            channel=channel, order_id=line.order_id, line_id=line.line_id, **values
        )


def _utc_naive(moment: datetime) -> datetime:
    """*moment* in UTC without a zone (how the database keeps times); naive means UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def apply_order(shop: Shop, lines: Sequence[OrderLine]) -> OrderOutcome:
    """Apply all lines of one order (same channel and order id) in one transaction."""
    outcome = OrderOutcome()
    if not lines:
        return outcome
    first = lines[0]
    if any(line.channel != first.channel or line.order_id != first.order_id for line in lines):
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Lines of different orders were given as "
                                         "one order ({order})."), order=first.order_id)
    with shop.ledger_transaction():
        channel = channel_row(first.channel)
        connected = channel.connected_at
        compositions = shop.compositions()
        for line in lines:
            if line.placed_at is not None and _utc_naive(line.placed_at) < connected:
                outcome.before_connection += 1
                continue
            _apply_line(shop, channel, line, outcome, compositions)
    return outcome


def unmatched_lines() -> list[UnmatchedLineRow]:
    return list(
        UnmatchedLineRow.select(UnmatchedLineRow, ChannelRow)
        .join(ChannelRow)
        .order_by(UnmatchedLineRow.seen_at)
    )


def map_code(shop: Shop, channel_name: str, channel_item_id: str, code: str) -> OrderOutcome:
    """Map a channel's item id to our item and apply the lines that waited for it."""
    outcome = OrderOutcome()
    with shop.ledger_transaction():
        channel = channel_row(channel_name)
        item = item_row(code)
        CodeMapRow.delete().where(
            CodeMapRow.channel == channel, CodeMapRow.channel_item_id == channel_item_id
        ).execute()
        CodeMapRow.create(channel=channel, channel_item_id=channel_item_id, item=item)
        waiting = UnmatchedLineRow.select().where(
            UnmatchedLineRow.channel == channel,
            UnmatchedLineRow.channel_item_id == channel_item_id,
        )
        compositions = shop.compositions()
        for row in list(waiting):
            line = OrderLine(
                channel.name, row.order_id, row.line_id, row.channel_item_id, row.quantity,
                bool(row.cancelled), row.placed_at,
            )
            _apply_line(shop, channel, line, outcome, compositions)
            row.delete_instance()
    return outcome
