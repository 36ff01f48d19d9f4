"""売り越し (oversold) and backorder are two states: within the allowance or beyond it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.stock import Shortfall, shortfall, single_sellable


@pytest.mark.parametrize(("on_hand", "allowance", "expected"), [
    (3, 0, None),
    (0, 0, None),
    (-2, 0, Shortfall.OVERSOLD),  # the demo's case: sold 2 that were not there
    (-3, 5, Shortfall.BACKORDERED),
    (-5, 5, Shortfall.BACKORDERED),  # the whole allowance used: nothing more to sell
    (-6, 5, Shortfall.OVERSOLD),
    (0, 5, None),
])
def test_oversold_is_below_the_backorder_allowance(
    on_hand: int, allowance: int, expected: Shortfall | None
) -> None:
    assert shortfall(on_hand, allowance) is expected


@given(st.integers(-1000, 1000), st.integers(0, 1000))
def test_an_oversold_item_has_nothing_left_to_sell(on_hand: int, allowance: int) -> None:
    if shortfall(on_hand, allowance) is Shortfall.OVERSOLD:
        assert single_sellable(on_hand, 0, allowance) == 0
