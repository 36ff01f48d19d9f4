"""Applying channel orders to the ledger: once per line, one transaction per order."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput, RendoError
from app.domain.items import is_count, normalise_code
from app.domain.orders import (
    Applied,
    LineRefused,
    OrderLine,
    check_on_hand,
    check_quantity,
    plan_line,
)
from app.domain.sets import Compositions
from app.store.database import is_sqlite
from app.store.errors import EnvironmentFailure
from app.store.locks import lock_item_rows, lock_order
from app.store.models import (
    AppliedLineRow,
    ChannelRow,
    CodeMapRow,
    ItemRow,
    UnmatchedLineRow,
    utcnow,
)

from .shop import Shop, channel_row, item_row
from .stock_cache import run_again_on_conflict

log = logging.getLogger("rendo.orders")


@dataclass
class OrderOutcome:
    applied: int = 0
    unchanged: int = 0
    unmatched: int = 0
    refused: int = 0  # lines kept with the reason they were not applied (LineRefused)
    before_connection: int = 0
    touched: set[str] = field(default_factory=set)
    # units each channel item id sold (negative: given back) by what was applied now
    sold: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class UnmatchedLine:
    """An order line kept because no item matches it yet (or refused for its quantity), as the
    window, the command line and the exports show it."""

    channel: str
    order_id: str
    line_id: str
    channel_item_id: str
    quantity: int
    cancelled: bool
    placed_at: datetime | None
    seen_at: datetime | None
    problem: str  # why it was refused (see line_problem); empty: it waits for a code map


def resolve_item(channel: ChannelRow, channel_item_id: str) -> ItemRow | None:
    """Our item for a channel's id: the channel's code map, else the same code.

    Each is tried with the id as the channel sent it, then normalised as Rendo keeps codes
    (NFKC: a full-width ``００１２３`` finds ``00123``)."""
    ids = [channel_item_id]
    normalised = normalise_code(channel_item_id)
    if normalised and normalised != channel_item_id:
        ids.append(normalised)
    for candidate in ids:
        mapped = CodeMapRow.get_or_none(
            CodeMapRow.channel == channel, CodeMapRow.channel_item_id == candidate
        )
        if mapped is not None:
            return mapped.item
    for candidate in ids:
        row = ItemRow.get_or_none(ItemRow.code == candidate)
        if row is not None:
            return row
    return None


def line_problem(line: UnmatchedLine) -> RendoError | None:
    """Why a kept order line was refused, or None for a line that waits for a code map."""
    if not line.problem:
        return None
    stored = json.loads(line.problem)
    return LineRefused(stored["template"], **stored["params"])


def _apply_line(
    shop: Shop, channel: ChannelRow, line: OrderLine, outcome: OrderOutcome,
    compositions: Compositions,
) -> None:
    """Apply one line or keep it unmatched. Raises LineRefused (nothing written by this
    line) for a quantity, or an on hand it would lead to, beyond MAX_COUNT."""
    check_quantity(line)
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
    rows = {code: item_row(code) for code in plan.movements}
    if not is_sqlite():  # the on hands checked are the ones written to (see locks.py)
        lock_item_rows(row.id for row in rows.values())
        rows = {code: ItemRow.get_by_id(row.id) for code, row in rows.items()}
    for code, delta in plan.movements.items():
        check_on_hand(line, code, rows[code].on_hand, delta)
    for code, delta in plan.movements.items():
        reason = "order" if delta < 0 else "cancel"
        shop.record_movement(rows[code], delta, reason, reference)
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


def _keep_unmatched(channel: ChannelRow, line: OrderLine,
                    refused: LineRefused | None = None) -> None:
    """Remember (or update) a line no item matches, so it can be applied once mapped; or a
    line *refused* for its quantity, with the reason, until the channel sends it corrected."""
    problem = "" if refused is None else json.dumps(
        {"template": refused.template, "params": refused.params}, ensure_ascii=False,
        default=str)
    quantity = line.quantity if is_count(line.quantity) else 0
    values = {
        "channel_item_id": line.channel_item_id, "quantity": quantity,
        "cancelled": line.cancelled, "placed_at": line.placed_at, "seen_at": utcnow(),
        "problem": problem,
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
    """Apply all lines of one order (same channel and order id) in one transaction.

    Two PCs applying the same order at once: the second waits for the first's commit, then
    finds its lines applied (and a collision is run again), so each line counts once."""
    if not lines:
        return OrderOutcome()
    first = lines[0]
    if any(line.channel != first.channel or line.order_id != first.order_id for line in lines):
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Lines of different orders were given as "
                                         "one order ({order})."), order=first.order_id)
    return run_again_on_conflict(shop, lambda: _apply_order(shop, lines))


def _apply_order(shop: Shop, lines: Sequence[OrderLine]) -> OrderOutcome:
    outcome = OrderOutcome()
    first = lines[0]
    try:
        with shop.ledger_transaction():
            channel = channel_row(first.channel)
            lock_order(channel.id, first.order_id)
            # to the second: most channels stamp orders to the second, and an order of the
            # second the channel was connected in counts as placed after it (dropping it
            # would oversell)
            connected = channel.connected_at.replace(microsecond=0)
            compositions = shop.compositions()
            for line in lines:
                if line.placed_at is not None and _utc_naive(line.placed_at) < connected:
                    outcome.before_connection += 1
                    continue
                _apply_line(shop, channel, line, outcome, compositions)
    except LineRefused as error:
        # One transaction per order: none of its lines is applied. The refused line is kept
        # with its reason (shown with the unmatched lines) until the channel sends it
        # corrected; the caller goes on with the next order.
        return _refuse(shop, error)
    except EnvironmentFailure:  # the database failed, not the order: nothing kept
        raise
    except RendoError as error:  # any other reason not to apply it: kept and shown the same
        kept = LineRefused(error.template, **error.params)
        kept.order_line = first
        return _refuse(shop, kept)
    return outcome


def _refuse(shop: Shop, error: LineRefused) -> OrderOutcome:
    line = error.order_line
    log.warning("%s: %s", line.channel, error)
    with shop.ledger_transaction():
        _keep_unmatched(channel_row(line.channel), line, error)
    return OrderOutcome(refused=1)


def unmatched_lines() -> list[UnmatchedLine]:
    """Every kept order line, oldest first."""
    query = (UnmatchedLineRow.select(UnmatchedLineRow, ChannelRow)
             .join(ChannelRow)
             .order_by(UnmatchedLineRow.seen_at))
    return [UnmatchedLine(row.channel.name, row.order_id, row.line_id, row.channel_item_id,
                          row.quantity, bool(row.cancelled), row.placed_at, row.seen_at,
                          row.problem or "")
            for row in query]


def map_code(shop: Shop, channel_name: str, channel_item_id: str, code: str) -> OrderOutcome:
    """Map a channel's item id to our item and apply the lines that waited for it."""
    return run_again_on_conflict(
        shop, lambda: _map_code(shop, channel_name, channel_item_id, code))


def _map_code(shop: Shop, channel_name: str, channel_item_id: str, code: str) -> OrderOutcome:
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
            UnmatchedLineRow.problem == "",  # refused lines wait for the channel, not a map
        )
        compositions = shop.compositions()
        for row in list(waiting):
            line = OrderLine(
                channel.name, row.order_id, row.line_id, row.channel_item_id, row.quantity,
                bool(row.cancelled), row.placed_at,
            )
            try:
                with shop.ledger_transaction():  # a savepoint: a refused line writes nothing
                    lock_order(channel.id, row.order_id)
                    _apply_line(shop, channel, line, outcome, compositions)
                    row.delete_instance()
            except LineRefused as error:
                log.warning("%s: %s", channel.name, error)
                _keep_unmatched(channel, line, error)
                outcome.refused += 1
    return outcome
