"""Building the in-memory stock book from the database in a few bulk queries."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import peewee

from app.channels.registry import channel_type
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
    """Each enabled channel's numbers: the user's maximum and unlimited number, within the
    channel type's own ceiling (the most its API accepts)."""
    rows = ChannelRow.select().where(ChannelRow.enabled == True).order_by(  # noqa: E712
        ChannelRow.position, ChannelRow.id
    )
    specs = []
    for row in rows:
        record = channel_type(row.type)
        ceiling = record.limits.maximum_quantity if record is not None else None
        maximum = row.maximum if ceiling is None or (
            row.maximum is not None and row.maximum <= ceiling) else ceiling
        unlimited = row.unlimited_qty if ceiling is None else min(row.unlimited_qty, ceiling)
        specs.append(ChannelSpec(row.name, maximum, unlimited))
    return specs


def pattern_from_row(row: AllocationPatternRow) -> AllocationPattern:
    return AllocationPattern(
        row.name,
        tuple(parse_tier(text) for text in row.tiers),
        tuple(row.priority),
        bool(row.hold_back),
    )


def item_from_values(values: dict[str, Any], pattern_names: dict[int, str]) -> Item:
    """An item from a row of ItemRow as a dict (``query.dicts()``)."""
    pattern_id = values["pattern"]
    return Item(
        code=str(values["code"]),
        name=str(values["name"]),
        kind=ItemKind(values["kind"]),
        jan=values["jan"],
        variant=dict(values["variant"] or {}),
        unlimited=bool(values["unlimited"]),
        reserved=int(values["reserved"]),
        backorder_allowance=int(values["backorder_allowance"]),
        reorder_point=values["reorder_point"],
        pattern=pattern_names.get(pattern_id) if pattern_id else None,
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
    _put_offsets(book, code_of, _offset_rows())
    book.recompute_all()
    return book


def refresh_items(book: StockBook, codes: Collection[str]) -> list[str]:
    """Read *codes* again from the database into *book*: master data, on hand, set recipes
    and display offsets (and every allocation pattern); returns the codes found, which the
    caller recomputes. Another process may have changed any of them."""
    pattern_names: dict[int, str] = {}
    patterns: dict[str, AllocationPattern] = {}
    for row in AllocationPatternRow.select():
        pattern_names[row.id] = row.name
        patterns[row.name] = pattern_from_row(row)
    book.patterns = patterns
    code_of: dict[int, str] = {}
    wanted = sorted(codes)
    for start in range(0, len(wanted), _CHUNK):
        query = ItemRow.select().where(ItemRow.code.in_(wanted[start:start + _CHUNK]))
        for values in query.dicts().iterator():
            item = item_from_values(values, pattern_names)
            code_of[int(values["id"])] = item.code
            book.items[item.code] = item
            if item.is_set:
                book.on_hand.pop(item.code, None)
            else:
                book.on_hand[item.code] = int(values["on_hand"])
    _refresh_components(book, code_of)
    _refresh_offsets(book, code_of)
    return sorted(code_of.values())


_CHUNK = 500


def _refresh_components(book: StockBook, code_of: dict[int, str]) -> None:
    component = ItemRow.alias()
    components: dict[str, list[tuple[str, int]]] = {}
    ids = list(code_of)
    for start in range(0, len(ids), _CHUNK):
        rows = (SetComponentRow.select(SetComponentRow.set_item, component.code,
                                       SetComponentRow.quantity)
                .join(component, on=(SetComponentRow.component == component.id))
                .where(SetComponentRow.set_item.in_(ids[start:start + _CHUNK]))
                .order_by(SetComponentRow.set_item, SetComponentRow.position,
                          SetComponentRow.id))
        for set_id, component_code, quantity in rows.tuples().iterator():
            components.setdefault(code_of[set_id], []).append((component_code, quantity))
    changed = False
    for code in code_of.values():
        parts = tuple(components.get(code, ()))
        if book.components.get(code, ()) != parts:
            changed = True
            if parts:
                book.components[code] = parts
            else:
                book.components.pop(code, None)
    if changed:
        book.rebuild_index()


def _refresh_offsets(book: StockBook, code_of: dict[int, str]) -> None:
    for code in code_of.values():
        book.offsets.pop(code, None)
        book.channel_offsets.pop(code, None)
    ids = list(code_of)
    for start in range(0, len(ids), _CHUNK):
        _put_offsets(book, code_of, _offset_rows().where(
            DisplayOffsetRow.item.in_(ids[start:start + _CHUNK])))


def _offset_rows() -> peewee.ModelSelect[DisplayOffsetRow]:
    return DisplayOffsetRow.select(DisplayOffsetRow.item, DisplayOffsetRow.channel,
                                   DisplayOffsetRow.kind, DisplayOffsetRow.amount)


def _put_offsets(book: StockBook, code_of: dict[int, str],
                 rows: peewee.ModelSelect[DisplayOffsetRow]) -> None:
    """Put the display offsets of *rows* (item, channel, kind, amount) into the book."""
    channel_names = {r.id: r.name for r in ChannelRow.select(ChannelRow.id, ChannelRow.name)}
    for item_id, channel_id, kind, amount in rows.tuples().iterator():
        offset = DisplayOffset(OffsetKind(kind), amount)
        code = code_of[item_id]
        if channel_id is None:
            book.offsets[code] = offset
        else:
            book.channel_offsets.setdefault(code, {})[channel_names[channel_id]] = offset
