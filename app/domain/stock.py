"""Steps 1–3 of the stock pipeline: free, sellable and what limits a set."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum


class Shortfall(Enum):
    """A single sold below zero: within its backorder allowance, or beyond it."""

    BACKORDERED = "backordered"  # on hand below 0, no more than the allowance allows
    OVERSOLD = "oversold"  # 売り越し: more sold than on hand plus the allowance


def shortfall(on_hand: int, backorder_allowance: int) -> Shortfall | None:
    """None while on hand is 0 or more; OVERSOLD once on hand is below −allowance (with no
    allowance: any negative on hand), else BACKORDERED."""
    if on_hand >= 0:
        return None
    if on_hand < -max(backorder_allowance, 0):
        return Shortfall.OVERSOLD
    return Shortfall.BACKORDERED


def single_sellable(on_hand: int, reserved: int, backorder_allowance: int) -> int:
    """What all channels together may sell of a single now (never below 0).

    On hand already counts backorders taken, so allowance 5 with on hand −3 leaves 2.
    """
    sellable = on_hand - reserved + backorder_allowance
    return sellable if sellable > 0 else 0


def set_sellable(
    components: Sequence[tuple[str, int]],
    sellable_of: Callable[[str], int],
    reserved: int,
    never_limits: Callable[[str], bool] = lambda code: False,
) -> tuple[int, str | None]:
    """How many sets the components can build, less the set's own reserved; and the limiter.

    Components for which *never_limits* is true (unlimited items) are skipped, unless every
    component is such an item. Ties name the first limiting component of the composition.
    """
    candidates = [(c, q) for c, q in components if not never_limits(c)] or list(components)
    best: int | None = None
    limited_by: str | None = None
    for code, quantity in candidates:
        can_build = sellable_of(code) // quantity
        if best is None or can_build < best:
            best, limited_by = can_build, code
    if best is None:
        return 0, None
    sellable = best - reserved
    return (sellable if sellable > 0 else 0), limited_by
