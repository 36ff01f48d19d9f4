"""The stock book: the whole catalogue in memory, recomputed fully or incrementally.

A movement on one single recomputes that single and every set that contains it, through
nesting, in order of nesting depth, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .allocation import AllocationPattern
from .errors import QT_TRANSLATE_NOOP, UnknownItem
from .items import Item, ItemKind
from .offsets import DisplayOffset
from .pipeline import ChannelSpec, channel_quantities
from .sets import check_components, check_no_loop, explode
from .stock import set_sellable, single_sellable


@dataclass(slots=True)
class ItemStock:
    """The computed numbers of one item."""

    sellable: int
    limited_by: str | None
    channels: dict[str, int]
    unlimited: bool = False
    low: bool = False  # sellable at or below the reorder point (an item sold out is low too)

    @property
    def out(self) -> bool:
        """Nothing left to sell (an unlimited item never is)."""
        return self.sellable <= 0 and not self.unlimited


@dataclass
class StockBook:
    channels: list[ChannelSpec] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)
    components: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    on_hand: dict[str, int] = field(default_factory=dict)
    patterns: dict[str, AllocationPattern] = field(default_factory=dict)
    offsets: dict[str, DisplayOffset] = field(default_factory=dict)
    channel_offsets: dict[str, dict[str, DisplayOffset]] = field(default_factory=dict)
    stock: dict[str, ItemStock] = field(default_factory=dict)
    _parents: dict[str, set[str]] = field(default_factory=dict)
    _depth: dict[str, int] = field(default_factory=dict)
    _units: dict[str, dict[str, int]] = field(default_factory=dict)

    # -- building -----------------------------------------------------------------------
    def item(self, code: str) -> Item:
        try:
            return self.items[code]
        except KeyError:
            raise UnknownItem(
                QT_TRANSLATE_NOOP("Errors", "There is no item with code {code}."), code=code
            ) from None

    def add_item(self, item: Item, on_hand: int = 0) -> None:
        self.items[item.code] = item
        if not item.is_set:
            self.on_hand[item.code] = on_hand

    def define_set(self, code: str, components: Sequence[tuple[str, int]]) -> None:
        """Give *code* these components (checked: known items, quantities, no loop)."""
        parts = check_components(code, components)
        for component, _ in parts:
            self.item(component)
        check_no_loop(code, parts, self.components)
        for component, _ in self.components.get(code, ()):
            self._parents.get(component, set()).discard(code)
        self.components[code] = parts
        for component, _ in parts:
            self._parents.setdefault(component, set()).add(code)
        item = self.items[code]
        item.kind = ItemKind.SET
        self.on_hand.pop(code, None)
        self._depth.clear()
        self._units.clear()

    def rebuild_index(self) -> None:
        """Rebuild the component → containing sets index after loading compositions."""
        self._parents = {}
        for code, parts in self.components.items():
            for component, _ in parts:
                self._parents.setdefault(component, set()).add(code)
        self._depth.clear()
        self._units.clear()

    # -- queries --------------------------------------------------------------------------
    def depth(self, code: str) -> int:
        """0 for a single, 1 + the deepest component for a set."""
        known = self._depth.get(code)
        if known is not None:
            return known
        parts = self.components.get(code)
        value = 1 + max(self.depth(c) for c, _ in parts) if parts else 0
        self._depth[code] = value
        return value

    def containing_sets(self, codes: Iterable[str]) -> set[str]:
        """Every set that contains any of *codes*, directly or through nesting."""
        found: set[str] = set()
        stack = list(codes)
        while stack:
            for parent in self._parents.get(stack.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    stack.append(parent)
        return found

    # -- recompute ------------------------------------------------------------------------
    def recompute_all(self) -> None:
        self.stock = {}
        for code in sorted(self.items, key=self.depth):
            self._compute(code)

    def recompute(self, codes: Iterable[str]) -> list[str]:
        """Recompute *codes* and the sets containing them; returns the codes recomputed."""
        changed = set(codes)
        affected = changed | self.containing_sets(changed)
        ordered = sorted(affected, key=self.depth)
        for code in ordered:
            self._compute(code)
        return ordered

    def move(self, code: str, delta: int) -> list[str]:
        """Apply a movement of *delta* to single *code* and recompute what it touches."""
        self.on_hand[code] = self.on_hand.get(code, 0) + delta
        return self.recompute((code,))

    def _shared_singles_bound(
        self, code: str, can_build: int, limited_by: str | None
    ) -> tuple[int, str | None]:
        """A nested set may use one single both directly and inside a component set (or in
        two component sets): it must not build more than those singles' units allow."""
        units = self._units.get(code)
        if units is None:
            units = self._units[code] = explode(code, 1, self.components)
        for single, per_set in units.items():
            numbers = self.stock[single]
            if not numbers.unlimited and numbers.sellable // per_set < can_build:
                can_build, limited_by = numbers.sellable // per_set, single
        return can_build, limited_by

    def _compute(self, code: str) -> None:
        item = self.items[code]
        parts = self.components.get(code)
        if parts:
            stock = self.stock

            def sellable_of(c: str) -> int:
                return stock[c].sellable

            def never_limits(c: str) -> bool:
                return stock[c].unlimited

            if self.depth(code) > 1:
                can_build, limited_by = set_sellable(parts, sellable_of, 0, never_limits)
                can_build, limited_by = self._shared_singles_bound(code, can_build, limited_by)
                sellable = max(0, can_build - item.reserved)
            else:
                sellable, limited_by = set_sellable(
                    parts, sellable_of, item.reserved, never_limits
                )
            unlimited = item.unlimited or all(stock[c].unlimited for c, _ in parts)
        else:
            sellable = 0 if item.is_set else single_sellable(
                self.on_hand.get(code, 0), item.reserved, item.backorder_allowance
            )
            limited_by, unlimited = None, item.unlimited
        pattern = self.patterns.get(item.pattern) if item.pattern else None
        quantities = channel_quantities(
            sellable,
            self.channels,
            unlimited=unlimited,
            pattern=pattern,
            offset=self.offsets.get(code),
            channel_offsets=self.channel_offsets.get(code),
        )
        low = not unlimited and item.reorder_point is not None and sellable <= item.reorder_point
        self.stock[code] = ItemStock(sellable, limited_by, quantities, unlimited, low)
