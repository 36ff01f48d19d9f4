"""On hand set to a count or changed by a number, typed (the window's way), with the same
refusals as the command line's ``+N`` / ``-N`` / ``=N`` text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.domain.errors import BadInput
from app.domain.items import MAX_COUNT
from app.services.shop import Shop

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def mugs(shop: Shop) -> Shop:
    shop.add_item("MUG")
    shop.adjust_by("MUG", 10, "receive")
    shop.define_set("PAIR", [("MUG", 2)])
    return shop


def test_a_counted_number_becomes_on_hand_through_one_stocktake_movement(mugs: Shop) -> None:
    mugs.set_on_hand("MUG", 7, "stocktake", "shelf B")
    latest = mugs.history("MUG")[0]
    assert (latest.delta, latest.reason, latest.reference) == (-3, "stocktake", "shelf B")
    assert mugs.book.on_hand["MUG"] == 7
    assert mugs.set_on_hand("MUG", 7) is None  # already so: no movement


def test_a_typed_change_adds_or_takes_away(mugs: Shop) -> None:
    mugs.adjust_by("MUG", -4, "damage")
    mugs.adjust_by("MUG", 2)
    assert [m.delta for m in mugs.history("MUG")[:2]] == [2, -4]
    assert mugs.book.on_hand["MUG"] == 8


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: s.set_on_hand("PAIR", 3), "PAIR is a set"),
    (lambda s: s.set_on_hand("MUG", -1), "would go below 0"),
    (lambda s: s.adjust_by("MUG", -11), "would go below 0"),
    (lambda s: s.adjust_by("MUG", MAX_COUNT), "would go above"),
    (lambda s: s.set_on_hand("MUG", MAX_COUNT + 1), "MUG"),
    (lambda s: s.set_on_hand("NOPE", 1), "NOPE"),
])
def test_typed_adjustments_are_refused_as_the_text_ones_are(
    mugs: Shop, call: Callable[[Shop], object], message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        call(mugs)
    assert mugs.book.on_hand["MUG"] == 10
    assert len(mugs.history("MUG")) == 1


def test_on_hand_may_be_set_to_the_bound_itself(mugs: Shop) -> None:
    assert mugs.set_on_hand("MUG", MAX_COUNT) is not None
    assert mugs.book.on_hand["MUG"] == MAX_COUNT
