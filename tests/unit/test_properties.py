"""Invariants of the stock core, checked on random shops (hypothesis).

A random shop has a few singles (some on backorder, some reserved, now and then an unlimited one)
and a few sets built from earlier items, so sets nest. Order lines name any item.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.domain.allocation import (
    AllocationPattern,
    Condition,
    Share,
    ShareKind,
    Tier,
    allocate,
    problems,
)
from app.domain.book import StockBook
from app.domain.errors import CycleError
from app.domain.items import Item
from app.domain.offsets import DisplayOffset, OffsetKind
from app.domain.orders import Applied, OrderLine, plan_line
from app.domain.pipeline import ChannelSpec
from app.domain.sets import explode

CHANNEL_NAMES = ("楽天", "Yahoo", "Amazon", "Shopify")
CHANNELS = [
    ChannelSpec("楽天"),
    ChannelSpec("Yahoo", maximum=50, unlimited_qty=999),
    ChannelSpec("Amazon"),
]
PATTERN_NAMES = ("low", "last-few")

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# -- random shops -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Single:
    code: str
    on_hand: int
    reserved: int = 0
    allowance: int = 0
    unlimited: bool = False


@dataclass(frozen=True)
class SetDef:
    code: str
    components: tuple[tuple[str, int], ...]
    reserved: int = 0


@dataclass(frozen=True)
class Catalogue:
    singles: tuple[Single, ...]
    sets: tuple[SetDef, ...]

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.singles] + [s.code for s in self.sets]


@st.composite
def catalogues(draw, max_singles: int = 5, max_sets: int = 5) -> Catalogue:
    singles = tuple(
        Single(
            code=f"S{i}",
            on_hand=draw(st.integers(-5, 40)),
            reserved=draw(st.integers(0, 5)),
            allowance=draw(st.integers(0, 5)),
            unlimited=draw(st.integers(0, 5)) == 0,
        )
        for i in range(draw(st.integers(1, max_singles)))
    )
    sets: list[SetDef] = []
    for j in range(draw(st.integers(1, max_sets))):
        pool = [s.code for s in singles] + [s.code for s in sets]  # earlier items only: no loop
        parts = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
        components = tuple((code, draw(st.integers(1, 3))) for code in parts)
        sets.append(SetDef(f"K{j}", components, reserved=draw(st.integers(0, 2))))
    return Catalogue(singles, tuple(sets))


def build(catalogue: Catalogue, channels: list[ChannelSpec] | None = None) -> StockBook:
    book = StockBook(channels=list(CHANNELS if channels is None else channels))
    for s in catalogue.singles:
        book.add_item(
            Item(s.code, reserved=s.reserved, backorder_allowance=s.allowance,
                 unlimited=s.unlimited),
            s.on_hand,
        )
    for k in catalogue.sets:
        book.add_item(Item(k.code, reserved=k.reserved))
        book.define_set(k.code, k.components)
    book.recompute_all()
    return book


def from_scratch(book: StockBook) -> StockBook:
    """A fresh book holding the same data, computed in full."""
    fresh = StockBook(
        channels=list(book.channels),
        items=copy.deepcopy(book.items),
        components=dict(book.components),
        on_hand=dict(book.on_hand),
        patterns=dict(book.patterns),
        offsets=dict(book.offsets),
        channel_offsets={code: dict(per) for code, per in book.channel_offsets.items()},
    )
    fresh.rebuild_index()
    fresh.recompute_all()
    return fresh


# -- random allocation patterns -----------------------------------------------------------------

conditions = st.one_of(
    st.just(Condition("*")),
    st.builds(Condition, st.sampled_from(["<=", "<", ">=", ">", "="]), st.integers(0, 30)),
)


@st.composite
def split_tiers(draw, channels: tuple[str, ...] = CHANNEL_NAMES) -> Tier:
    named = draw(st.lists(st.sampled_from(channels), min_size=1, unique=True))
    budget = 100
    shares: list[tuple[str, Share]] = []
    for channel in named:
        kind = draw(st.sampled_from([ShareKind.PERCENT, ShareKind.PERCENT, ShareKind.FIXED,
                                     ShareKind.ZERO]))
        if kind is ShareKind.PERCENT:
            value = draw(st.one_of(st.just(budget), st.integers(0, budget)))
            budget -= value
            shares.append((channel, Share(ShareKind.PERCENT, value) if value else
                           Share(ShareKind.ZERO)))
        elif kind is ShareKind.FIXED:
            shares.append((channel, Share(ShareKind.FIXED, draw(st.integers(1, 20)))))
        else:
            shares.append((channel, Share(ShareKind.ZERO)))
    return Tier(draw(conditions), tuple(shares))


@st.composite
def same_tiers(draw, channels: tuple[str, ...] = CHANNEL_NAMES) -> Tier:
    named = draw(st.lists(st.sampled_from(channels), min_size=1, unique=True))
    shares = tuple(
        (c, Share(ShareKind.SAME) if i == 0 or draw(st.booleans()) else Share(ShareKind.ZERO))
        for i, c in enumerate(named)
    )
    return Tier(draw(conditions), shares)


@st.composite
def patterns(draw, name: str = "low", tiers=None, channels: tuple[str, ...] = CHANNEL_NAMES):
    if tiers is None:
        tiers = st.one_of(split_tiers(channels), same_tiers(channels))
    priority = draw(st.permutations(channels))[: draw(st.integers(0, len(channels)))]
    pattern = AllocationPattern(
        name,
        tuple(draw(st.lists(tiers, min_size=1, max_size=3))),
        priority=tuple(priority),
        hold_back=draw(st.booleans()),
    )
    assert problems(pattern, channels) == []  # only patterns the shop could save
    return pattern


# -- (a) a split tier never gives out more than sellable ----------------------------------------


FIXED_EATS_ALL = AllocationPattern(
    "low",
    (Tier(Condition("*"), (("楽天", Share(ShareKind.FIXED, 10)),
                           ("Yahoo", Share(ShareKind.PERCENT, 50)),
                           ("Amazon", Share(ShareKind.PERCENT, 50)))),),
)


@SETTINGS
@example(pattern=FIXED_EATS_ALL, sellable=10, connected=list(CHANNEL_NAMES))
@example(pattern=FIXED_EATS_ALL, sellable=13, connected=list(CHANNEL_NAMES))
@given(
    pattern=patterns(tiers=split_tiers()),
    sellable=st.integers(0, 200),
    connected=st.lists(st.sampled_from(CHANNEL_NAMES), min_size=1, unique=True),
)
def test_a_split_tier_never_gives_out_more_than_sellable(pattern, sellable, connected):
    shares = allocate(pattern, sellable, connected)
    tier = pattern.tier_for(sellable)
    if tier is None:
        assert shares is None
        return
    assert shares is not None
    assert set(shares) == set(connected)
    assert all(share >= 0 for share in shares.values())
    assert sum(shares.values()) <= sellable
    named = {channel for channel, _ in tier.shares}
    assert all(shares[c] == 0 for c in connected if c not in named)


@SETTINGS
@given(pattern=patterns(tiers=split_tiers()), sellable=st.integers(0, 200))
def test_a_100_percent_split_without_hold_back_sells_every_unit(pattern, sellable):
    tier = pattern.tier_for(sellable)
    if tier is None or pattern.hold_back:
        return
    kinds = {share.kind for _, share in tier.shares}
    percent = sum(share.value for _, share in tier.shares if share.kind is ShareKind.PERCENT)
    if ShareKind.FIXED in kinds or percent != 100:
        return
    shares = allocate(pattern, sellable, CHANNEL_NAMES)
    assert shares is not None
    assert sum(shares.values()) == sellable  # nothing lost to rounding: no 売り逃し


@SETTINGS
@given(pattern=patterns(tiers=split_tiers()), sellable=st.integers(0, 200))
def test_what_a_channel_shows_under_a_split_tier_adds_up_to_at_most_sellable(pattern, sellable):
    book = StockBook(channels=[ChannelSpec(name) for name in CHANNEL_NAMES])
    book.patterns[pattern.name] = pattern
    book.add_item(Item("TOWEL", pattern=pattern.name), sellable)
    book.recompute_all()
    shown = book.stock["TOWEL"].channels
    if pattern.tier_for(sellable) is None:
        assert set(shown.values()) == {sellable}
    else:
        assert sum(shown.values()) <= sellable


# -- (b) a set never shows more than its components can build -----------------------------------

DIAMOND = Catalogue(
    singles=(Single("S0", 5), Single("S1", 100)),
    sets=(SetDef("K0", (("S0", 1), ("S1", 1))), SetDef("K1", (("K0", 1), ("S0", 1)))),
)


def paths(book: StockBook, code: str, units: int = 1):
    """Every (single, units per set) path from *code* down through nested sets."""
    parts = book.components.get(code)
    if not parts:
        yield code, units
        return
    for child, quantity in parts:
        yield from paths(book, child, units * quantity)


@SETTINGS
@given(catalogue=catalogues())
def test_no_branch_of_a_set_promises_more_than_its_single_can_build(catalogue):
    book = build(catalogue)
    for k in catalogue.sets:
        sells = book.stock[k.code].sellable
        for single, units in paths(book, k.code):
            if not book.stock[single].unlimited:
                assert sells * units <= book.stock[single].sellable, (k.code, single)


@SETTINGS
@given(catalogue=catalogues())
def test_a_set_is_limited_by_the_component_that_builds_the_fewest(catalogue):
    book = build(catalogue)
    for k in catalogue.sets:
        stock = book.stock[k.code]
        limiting = [(c, q) for c, q in k.components if not book.stock[c].unlimited]
        if not limiting:
            assert stock.unlimited
            continue
        builds = {c: book.stock[c].sellable // q for c, q in limiting}
        # A nested set is also bounded by each single it uses, counted over every branch
        # (a single used directly and inside a component set is not promised twice).
        for single, units in explode(k.code, 1, book.components).items():
            if single not in builds and not book.stock[single].unlimited:
                builds[single] = book.stock[single].sellable // units
            elif single in builds and not book.stock[single].unlimited:
                builds[single] = min(builds[single], book.stock[single].sellable // units)
        fewest = min(builds.values())
        assert stock.limited_by in builds
        assert builds[stock.limited_by] == fewest
        assert stock.sellable == max(0, fewest - k.reserved)


@SETTINGS
@given(catalogue=catalogues())
@example(catalogue=DIAMOND)
def test_a_set_never_shows_more_than_its_components_can_build(catalogue):
    book = build(catalogue)
    for k in catalogue.sets:
        sells = book.stock[k.code].sellable
        for single, units in explode(k.code, 1, book.components).items():
            if not book.stock[single].unlimited:
                assert sells * units <= book.stock[single].sellable, (k.code, single)



# -- orders: a small ledger over StockBook ------------------------------------------------------


class Ledger:
    """What the order service does: remember what was applied per line key, move the book."""

    def __init__(self, book: StockBook) -> None:
        self.book = book
        self.applied: dict[tuple[str, str, str], Applied] = {}
        self.movements: list[tuple[str, int]] = []

    def read(self, line: OrderLine) -> bool:
        plan = plan_line(line, self.applied.get(line.key), line.channel_item_id,
                         self.book.components)
        if plan is None:
            return False
        for code, delta in plan.movements.items():
            self.book.move(code, delta)
            self.movements.append((code, delta))
        self.applied[line.key] = Applied(plan.code, plan.applied_after)
        return True


@st.composite
def shops_with_orders(draw, max_lines: int = 8):
    """A catalogue, its order lines (distinct keys, each naming one item) and a read sequence:
    every read is some version of one line (quantity changed, cancelled…)."""
    catalogue = draw(catalogues(max_singles=4, max_sets=4))
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(["楽天", "Yahoo"]), st.sampled_from(["R1", "R2", "R3"]),
                      st.sampled_from(["1", "2"])),
            min_size=1, max_size=max_lines, unique=True,
        )
    )
    lines = [
        OrderLine(channel, order_id, line_id, draw(st.sampled_from(catalogue.codes)),
                  draw(st.integers(0, 4)), cancelled=draw(st.integers(0, 4)) == 0)
        for channel, order_id, line_id in keys
    ]
    reads = draw(st.lists(
        st.tuples(st.sampled_from(range(len(lines))), st.integers(0, 4), st.booleans()),
        max_size=12,
    ))
    versions = [replace(lines[i], quantity=q, cancelled=c) for i, q, c in reads]
    return catalogue, lines, versions


def sold(book: StockBook, lines: list[OrderLine]) -> dict[str, int]:
    """Units of every single that *lines* (as they stand) take off the shelf."""
    total: dict[str, int] = {}
    for line in lines:
        if not line.cancelled:
            for single, units in explode(line.channel_item_id, line.quantity,
                                         book.components).items():
                total[single] = total.get(single, 0) + units
    return total


# -- (c) reading the same order twice changes nothing -------------------------------------------


@SETTINGS
@given(shop=shops_with_orders())
def test_reading_the_same_orders_again_moves_no_stock(shop):
    catalogue, lines, versions = shop
    book = build(catalogue)
    ledger = Ledger(book)
    for line in lines + versions:
        ledger.read(line)
    on_hand, applied, stock = dict(book.on_hand), dict(ledger.applied), copy.deepcopy(book.stock)
    latest = {line.key: line for line in lines + versions}
    for line in latest.values():
        assert not ledger.read(line), line
    assert book.on_hand == on_hand
    assert ledger.applied == applied
    assert book.stock == stock


@SETTINGS
@given(shop=shops_with_orders())
def test_every_line_read_twice_in_a_row_ends_where_reading_it_once_does(shop):
    catalogue, lines, versions = shop
    once, twice = build(catalogue), build(catalogue)
    once_ledger, twice_ledger = Ledger(once), Ledger(twice)
    for line in lines + versions:
        once_ledger.read(line)
        twice_ledger.read(line)
        assert not twice_ledger.read(line)
    assert twice.on_hand == once.on_hand
    assert twice_ledger.applied == once_ledger.applied
    assert twice_ledger.movements == once_ledger.movements


@SETTINGS
@given(shop=shops_with_orders())
def test_on_hand_always_reflects_the_latest_version_of_every_order_line(shop):
    catalogue, lines, versions = shop
    book = build(catalogue)
    start = dict(book.on_hand)
    ledger = Ledger(book)
    for line in lines + versions:
        ledger.read(line)
    latest = list({line.key: line for line in lines + versions}.values())
    taken = sold(book, latest)
    assert book.on_hand == {code: n - taken.get(code, 0) for code, n in start.items()}


# -- (d) applying then cancelling restores every on-hand ----------------------------------------


@SETTINGS
@given(shop=shops_with_orders(), data=st.data())
def test_cancelling_any_of_the_orders_gives_back_exactly_what_they_took(shop, data):
    catalogue, lines, versions = shop
    book = build(catalogue)
    start = dict(book.on_hand)
    ledger = Ledger(book)
    for line in lines + versions:
        ledger.read(line)
    latest = {line.key: line for line in lines + versions}
    to_cancel = data.draw(st.lists(st.sampled_from(sorted(latest)), unique=True), "cancel")
    for key in to_cancel:
        ledger.read(replace(latest[key], cancelled=True))
    kept = [line for key, line in latest.items() if key not in to_cancel]
    taken = sold(book, kept)
    assert book.on_hand == {code: n - taken.get(code, 0) for code, n in start.items()}


@SETTINGS
@given(shop=shops_with_orders(), data=st.data())
def test_cancelling_every_order_restores_the_shop_exactly(shop, data):
    catalogue, lines, versions = shop
    book = build(catalogue)
    start_on_hand, start_stock = dict(book.on_hand), copy.deepcopy(book.stock)
    ledger = Ledger(book)
    for line in lines + versions:
        ledger.read(line)
    latest = {line.key: line for line in lines + versions}
    for key in data.draw(st.permutations(sorted(latest)), "cancellation order"):
        ledger.read(replace(latest[key], cancelled=True))
    assert book.on_hand == start_on_hand
    assert book.stock == start_stock
    assert sum(delta for _, delta in ledger.movements) == 0


# -- (e) incremental recompute equals a recompute from scratch ----------------------------------

offsets = st.one_of(
    st.none(),
    st.builds(DisplayOffset, st.sampled_from(list(OffsetKind)), st.integers(0, 30)),
)


@st.composite
def operations(draw, catalogue: Catalogue):
    singles = [s.code for s in catalogue.singles]
    sets = [k.code for k in catalogue.sets]
    every = catalogue.codes
    names = [c.name for c in CHANNELS]
    kind = draw(st.sampled_from([
        "move", "move", "move", "reserved", "allowance", "unlimited", "reorder_point",
        "offset", "channel_offset", "assign_pattern", "change_pattern", "define_set",
    ]))
    if kind == "move":
        return kind, draw(st.sampled_from(singles)), draw(st.integers(-10, 10))
    if kind == "reserved":
        return kind, draw(st.sampled_from(every)), draw(st.integers(0, 6))
    if kind == "allowance":
        return kind, draw(st.sampled_from(singles)), draw(st.integers(0, 6))
    if kind == "unlimited":
        return kind, draw(st.sampled_from(every)), draw(st.booleans())
    if kind == "reorder_point":
        return kind, draw(st.sampled_from(every)), draw(st.none() | st.integers(0, 10))
    if kind == "offset":
        return kind, draw(st.sampled_from(every)), draw(offsets)
    if kind == "channel_offset":
        return kind, draw(st.sampled_from(every)), (draw(st.sampled_from(names)), draw(offsets))
    if kind == "assign_pattern":
        return kind, draw(st.sampled_from(every)), draw(st.none() | st.sampled_from(PATTERN_NAMES))
    if kind == "change_pattern":
        name = draw(st.sampled_from(PATTERN_NAMES))
        return kind, name, draw(patterns(name=name, channels=tuple(names)))
    parts = draw(st.lists(st.sampled_from(every), min_size=1, max_size=3, unique=True))
    components = tuple((code, draw(st.integers(1, 3))) for code in parts)
    return kind, draw(st.sampled_from(sets)), components  # may close a loop: then refused


def perform(book: StockBook, operation) -> None:
    """Change the book as the service would, then recompute only what changed."""
    kind, target, value = operation
    if kind == "move":
        book.move(target, value)
        return
    changed = [target]
    if kind == "reserved":
        book.items[target].reserved = value
    elif kind == "allowance":
        book.items[target].backorder_allowance = value
    elif kind == "unlimited":
        book.items[target].unlimited = value
    elif kind == "reorder_point":
        book.items[target].reorder_point = value
    elif kind == "offset":
        if value is None:
            book.offsets.pop(target, None)
        else:
            book.offsets[target] = value
    elif kind == "channel_offset":
        channel, offset = value
        per_channel = book.channel_offsets.setdefault(target, {})
        if offset is None:
            per_channel.pop(channel, None)
        else:
            per_channel[channel] = offset
    elif kind == "assign_pattern":
        book.items[target].pattern = value
    elif kind == "change_pattern":
        book.patterns[target] = value
        changed = [code for code, item in book.items.items() if item.pattern == target]
    elif kind == "define_set":
        try:
            book.define_set(target, value)
        except CycleError:
            return
    book.recompute(changed)


@st.composite
def shops_with_changes(draw):
    catalogue = draw(catalogues(max_singles=4, max_sets=4))
    return catalogue, draw(st.lists(operations(catalogue), max_size=15))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shop=shops_with_changes())
def test_an_incremental_recompute_equals_a_recompute_from_scratch(shop):
    catalogue, changes = shop
    book = build(catalogue)
    for operation in changes:
        perform(book, operation)
        assert book.stock == from_scratch(book).stock, operation


@SETTINGS
@given(shop=shops_with_orders())
def test_stock_after_orders_equals_stock_computed_from_the_final_on_hand(shop):
    catalogue, lines, versions = shop
    book = build(catalogue)
    ledger = Ledger(book)
    for line in lines + versions:
        ledger.read(line)
    assert book.stock == from_scratch(book).stock
