"""What-if numbers for the dialogs: the same domain arithmetic, on data the user has not saved.

The window holds no stock arithmetic of its own. A dialog that wants to show "can sell 3,
limited by B" for a composition still being edited, or what each channel would show with a
display offset the user is trying out, asks here; these functions run the domain code on a
throwaway copy of the relevant part of the book and never change the book itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.domain.allocation import AllocationPattern, allocate
from app.domain.book import StockBook
from app.domain.errors import RendoError
from app.domain.items import Item
from app.domain.offsets import DisplayOffset
from app.domain.pipeline import ChannelSpec, channel_quantities
from app.domain.search import item_search_key, search_key, search_words
from app.domain.sets import find_loop

# A code no real item can have (clean_code refuses control characters): a set not yet named.
UNNAMED_SET = "\x00new set"


# -- finding items ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ItemMatch:
    code: str
    name: str
    jan: str | None
    is_set: bool
    sellable: int


def find_items(
    book: StockBook, text: str, limit: int = 50, exclude: Iterable[str] = ()
) -> list[ItemMatch]:
    """Items whose code, name or JAN hold every word of *text* (the grid's search: full-width
    letters and digits match plain ones, case does not matter).

    An exact code or JAN comes first (a barcode scanner types the whole number), then codes
    that start with the text, then the rest in code order.
    """
    needle = search_key(text.strip())
    words = search_words(text)
    if not words:
        return []
    skip = set(exclude)
    exact: list[str] = []
    prefix: list[str] = []
    other: list[str] = []
    for code, item in list(book.items.items()):
        if code in skip:
            continue
        folded = search_key(code)
        if needle == folded or (item.jan and needle == search_key(item.jan)):
            exact.append(code)
        elif folded.startswith(needle):
            prefix.append(code)
        else:
            key = item_search_key(code, item.name, item.jan)
            if all(word in key for word in words):
                other.append(code)
    ordered = exact + sorted(prefix) + sorted(other)
    return [_match(book, code) for code in ordered[:limit]]


def _match(book: StockBook, code: str) -> ItemMatch:
    item = book.items[code]
    stock = book.stock.get(code)
    return ItemMatch(code, item.name, item.jan, item.is_set, stock.sellable if stock else 0)


# -- sets ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ComponentLine:
    """One line of a composition, with what the component has and how many sets it can build."""

    code: str
    name: str
    quantity: int
    sellable: int
    can_build: int | None  # None for an unlimited component (it never limits the set)
    is_set: bool
    children: tuple[ComponentLine, ...] = ()


@dataclass(frozen=True, slots=True)
class SetPreview:
    """What a set with a given composition could sell now, or the loop that forbids it."""

    sellable: int | None = None
    limited_by: str | None = None
    unlimited: bool = False
    loop: tuple[str, ...] = ()
    error: RendoError | None = None
    lines: tuple[ComponentLine, ...] = field(default=())


def preview_set(
    book: StockBook, set_code: str | None, components: Sequence[tuple[str, int]]
) -> SetPreview:
    """Sellable and limiting component of *set_code* if it had *components*.

    A composition that would make the set contain itself gives the loop, e.g.
    ``("A", "B", "A")``, and no numbers.
    """
    code = set_code or UNNAMED_SET
    parts = [(c, q) for c, q in components if c in book.items]
    lines = tuple(_line(book, c, q, depth=0) for c, q in parts)
    loop = find_loop(code, parts, book.components)
    if loop:
        return SetPreview(loop=tuple(loop), lines=lines)
    if not parts:
        return SetPreview(sellable=0, lines=lines)
    scratch = _scratch_book(book, code, parts)
    try:
        scratch.define_set(code, parts)
    except RendoError as error:
        return SetPreview(error=error, lines=lines)
    scratch.recompute_all()
    numbers = scratch.stock[code]
    return SetPreview(numbers.sellable, numbers.limited_by, numbers.unlimited, lines=lines)


def _scratch_book(book: StockBook, code: str, parts: Sequence[tuple[str, int]]) -> StockBook:
    """A StockBook with copies of *parts* and everything they are made of, and the set."""
    scratch = StockBook()
    stack = [c for c, _ in parts]
    seen: set[str] = set()
    while stack:
        current = stack.pop()
        if current in seen or current == code:
            continue
        seen.add(current)
        scratch.add_item(dataclasses.replace(book.items[current]), book.on_hand.get(current, 0))
        nested = book.components.get(current)
        if nested:
            scratch.components[current] = nested
            stack.extend(c for c, _ in nested)
    existing = book.items.get(code)
    scratch.add_item(dataclasses.replace(existing) if existing else Item(code, code))
    scratch.rebuild_index()
    return scratch


def _line(book: StockBook, code: str, quantity: int, depth: int) -> ComponentLine:
    item = book.items[code]
    stock = book.stock.get(code)
    sellable = stock.sellable if stock else 0
    unlimited = bool(stock and stock.unlimited)
    nested = book.components.get(code, ()) if depth < 8 else ()
    return ComponentLine(
        code,
        item.name,
        quantity,
        sellable,
        None if unlimited else sellable // quantity,
        item.is_set,
        tuple(_line(book, c, q, depth + 1) for c, q in nested),
    )


def composition(book: StockBook, code: str) -> list[tuple[str, int]]:
    return list(book.components.get(code, ()))


def loop_text(loop: Sequence[str]) -> str:
    return " → ".join(loop)


# -- allocation patterns -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AllocationPreview:
    """What each channel shows for one sellable number under a pattern."""

    quantities: dict[str, int]
    tier: int | None  # 1-based number of the tier that holds; None: no tier (全店同数)
    not_shown: int  # units of a split tier that no channel shows (held back or left over)


def preview_allocation(
    pattern: AllocationPattern, sellable: int, channels: Sequence[ChannelSpec]
) -> AllocationPreview:
    names = [c.name for c in channels]
    tier = pattern.tier_for(sellable)
    shares = allocate(pattern, sellable, names)
    quantities = channel_quantities(sellable, channels, pattern=pattern)
    not_shown = 0
    if tier is not None and tier.is_split and shares is not None:
        not_shown = max(0, sellable - sum(shares.values()))
    number = pattern.tiers.index(tier) + 1 if tier is not None else None
    return AllocationPreview(quantities, number, not_shown)


def pattern_users(book: StockBook, name: str) -> list[str]:
    return [code for code, item in book.items.items() if item.pattern == name]


# -- display offsets ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OffsetPreviewRow:
    code: str
    name: str
    sellable: int
    unlimited: bool
    before: dict[str, int]
    after: dict[str, int]
    keeps_own: tuple[str, ...]  # channels where the item's own per-channel offset still wins


def current_offset(book: StockBook, code: str, channel: str | None) -> DisplayOffset | None:
    """The item's offset for all channels (*channel* None) or its own for one channel."""
    if channel is None:
        return book.offsets.get(code)
    return book.channel_offsets.get(code, {}).get(channel)


def preview_offset(
    book: StockBook, codes: Sequence[str], offset: DisplayOffset | None, channel: str | None
) -> list[OffsetPreviewRow]:
    """What every channel shows now and would show with *offset* set on *codes*.

    With *channel* None the offset is the item's own (all channels); a channel's own offset
    keeps winning on that channel. With a channel, it replaces that channel's own offset.
    """
    rows: list[OffsetPreviewRow] = []
    for code in codes:
        item = book.items.get(code)
        stock = book.stock.get(code)
        if item is None or stock is None:
            continue
        item_offset = book.offsets.get(code)
        own = dict(book.channel_offsets.get(code, {}))
        if channel is None:
            item_offset = offset
        elif offset is None:
            own.pop(channel, None)
        else:
            own[channel] = offset
        pattern = book.patterns.get(item.pattern) if item.pattern else None
        after = channel_quantities(
            stock.sellable,
            book.channels,
            unlimited=stock.unlimited,
            pattern=pattern,
            offset=item_offset,
            channel_offsets=own,
        )
        keeps = tuple(c for c in own if c in after) if channel is None else ()
        rows.append(
            OffsetPreviewRow(
                code, item.name, stock.sellable, stock.unlimited, dict(stock.channels), after, keeps
            )
        )
    return rows
