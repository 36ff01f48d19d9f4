"""Steps 4–6 of the stock pipeline: allocation, display offset, unlimited and clamping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .allocation import AllocationPattern, allocate
from .items import MAX_COUNT
from .offsets import DisplayOffset

DEFAULT_UNLIMITED_QTY = 9999


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """What the pipeline needs to know of a channel."""

    name: str
    maximum: int | None = None
    unlimited_qty: int = DEFAULT_UNLIMITED_QTY

    def clamp(self, quantity: int) -> int:
        """0 … the channel's maximum, and never above MAX_COUNT (on hand plus backorders plus
        an offset can add up to more than one count may be)."""
        if quantity < 0:
            return 0
        limit = self.maximum if self.maximum is not None and self.maximum < MAX_COUNT \
            else MAX_COUNT  # compared, not min(): this runs for every item and channel
        return limit if quantity > limit else quantity


def channel_quantities(
    sellable: int,
    channels: Sequence[ChannelSpec],
    *,
    unlimited: bool = False,
    pattern: AllocationPattern | None = None,
    offset: DisplayOffset | None = None,
    channel_offsets: Mapping[str, DisplayOffset] | None = None,
) -> dict[str, int]:
    """The quantity each channel should show for an item with *sellable*.

    A per-channel offset replaces the item's offset on that channel.
    """
    if unlimited:
        return {c.name: c.clamp(c.unlimited_qty) for c in channels}
    shares = None
    if pattern is not None:
        shares = allocate(pattern, sellable, [c.name for c in channels])
    result: dict[str, int] = {}
    for channel in channels:
        share = sellable if shares is None else shares[channel.name]
        chosen = offset
        if channel_offsets:
            chosen = channel_offsets.get(channel.name, offset)
        if chosen is not None:
            share = chosen.apply(share)
        result[channel.name] = channel.clamp(share)
    return result
