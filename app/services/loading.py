"""Building the in-memory stock book from the database in a few bulk queries."""

from __future__ import annotations

from app.domain.allocation import AllocationPattern, parse_tier
from app.domain.book import StockBook
from app.domain.items import Item, ItemKind
from app.domain.offsets import DisplayOffset, OffsetKind
from app.domain.pipeline import ChannelSpec
from app.store.models import (
    AllocationPatternRow,
    ChannelRow,
    DisplayOffsetRow,
    ItemRow,
    SetComponentRow,
)


def channel_specs() -> list[ChannelSpec]:
    rows = ChannelRow.select().where(ChannelRow.enabled == True).order_by(  # noqa: E712
        ChannelRow.position, ChannelRow.id
    )
    return [ChannelSpec(r.name, r.maximum, r.unlimited_qty) for r in rows]


def pattern_from_row(row: AllocationPatternRow) -> AllocationPattern:
    return AllocationPattern(
        row.name,
        tuple(parse_tier(text) for text in row.tiers),
        tuple(row.priority),
        bool(row.hold_back),
    )


def item_from_values(values: dict[str, object], pattern_names: dict[int, str]) -> Item:
    pattern_id = values["pattern"]
    return Item(
        code=str(values["code"]),
        name=str(values["name"]),
        kind=ItemKind(values["kind"]),
        jan=values["jan"],  # type: ignore[arg-type]
        variant=dict(values["variant"] or {}),  # type: ignore[call-overload]
        unlimited=bool(values["unlimited"]),
        reserved=int(values["reserved"]),  # type: ignore[call-overload]
        backorder_allowance=int(values["backorder_allowance"]),  # type: ignore[call-overload]
        reorder_point=values["reorder_point"],  # type: ignore[arg-type]
        pattern=pattern_names.get(pattern_id) if pattern_id else None,  # type: ignore[arg-type]
    )


def load_book() -> StockBook:
    """The whole catalogue with every number computed."""
    book = StockBook(channels=channel_specs())
    pattern_names: dict[int, str] = {}
    for row in AllocationPatternRow.select():
        pattern_names[row.id] = row.name
        book.patterns[row.name] = pattern_from_row(row)
    code_of: dict[int, str] = {}
    # Only the columns the book needs, as tuples: a third of the time of whole rows as
    # dicts at 100,000 items (the window's first paint waits for this).
    columns = (
        ItemRow.id, ItemRow.code, ItemRow.name, ItemRow.kind, ItemRow.jan, ItemRow.variant,
        ItemRow.unlimited, ItemRow.reserved, ItemRow.backorder_allowance, ItemRow.reorder_point,
        ItemRow.pattern, ItemRow.on_hand,
    )
    kinds = {kind.value: kind for kind in ItemKind}
    for (item_id, code, name, kind, jan, variant, unlimited, reserved, allowance,
         reorder_point, pattern_id, on_hand) in ItemRow.select(*columns).tuples().iterator():
        item = Item(
            code=code, name=name, kind=kinds[kind], jan=jan, variant=dict(variant or {}),
            unlimited=bool(unlimited), reserved=reserved, backorder_allowance=allowance,
            reorder_point=reorder_point,
            pattern=pattern_names.get(pattern_id) if pattern_id else None,
        )
        code_of[item_id] = code
        book.add_item(item, on_hand)
    rows = SetComponentRow.select(
        SetComponentRow.set_item, SetComponentRow.component, SetComponentRow.quantity
    ).order_by(SetComponentRow.set_item, SetComponentRow.position, SetComponentRow.id)
    components: dict[str, list[tuple[str, int]]] = {}
    for set_id, component_id, quantity in rows.tuples().iterator():
        components.setdefault(code_of[set_id], []).append((code_of[component_id], quantity))
    book.components = {code: tuple(parts) for code, parts in components.items()}
    book.rebuild_index()
    channel_names = {r.id: r.name for r in ChannelRow.select(ChannelRow.id, ChannelRow.name)}
    for item_id, channel_id, kind, amount in DisplayOffsetRow.select(
        DisplayOffsetRow.item, DisplayOffsetRow.channel, DisplayOffsetRow.kind,
        DisplayOffsetRow.amount,
    ).tuples():
        offset = DisplayOffset(OffsetKind(kind), amount)
        code = code_of[item_id]
        if channel_id is None:
            book.offsets[code] = offset
        else:
            book.channel_offsets.setdefault(code, {})[channel_names[channel_id]] = offset
    book.recompute_all()
    return book
