"""The pattern editor's save: deletions, saved and renamed patterns and an assignment, as one
transaction through the service layer."""

from __future__ import annotations

import pytest

from app.domain.allocation import AllocationPattern, parse_tier
from app.domain.errors import BadInput
from app.services.patterns import PatternChanges, PatternSave, save_patterns
from app.services.shop import Shop

pytestmark = pytest.mark.databases("sqlite", "postgresql")


CHANNELS = ["rakuten", "yahoo"]


def pattern(name: str, tier: str) -> AllocationPattern:
    return AllocationPattern(name, (parse_tier(tier),), tuple(CHANNELS), False)


@pytest.fixture
def mugs(shop: Shop) -> Shop:
    """Two stores; MUG-1 and MUG-2 use "few", CUP-1 uses "gone"."""
    for channel in CHANNELS:
        shop.add_channel(channel, "manual")
    for code in ("MUG-1", "MUG-2", "CUP-1"):
        shop.add_item(code)
    shop.save_pattern("few", ["<=3:rakuten=same,yahoo=0"], CHANNELS)
    shop.save_pattern("gone", ["<=5:rakuten=0,yahoo=same"], CHANNELS)
    shop.assign_pattern("few", ["MUG-1", "MUG-2"])
    shop.assign_pattern("gone", ["CUP-1"])
    return shop


def patterns_and_users(shop: Shop) -> dict[str, tuple[list[str], list[str]]]:
    """Each pattern's tiers and the items that use it, as the database holds them."""
    fresh = Shop()
    users = {p.name: sorted(code for code, item in fresh.book.items.items()
                            if item.pattern == p.name) for p in fresh.patterns()}
    return {p.name: ([str(t) for t in p.tiers], users[p.name]) for p in fresh.patterns()}


def test_a_rename_a_deletion_and_an_assignment_are_saved_together(mugs: Shop) -> None:
    save_patterns(mugs, PatternChanges(
        saves=[PatternSave(pattern("small", "<=4:rakuten=same,yahoo=0"), original="few")],
        deleted=["gone"],
        assign=("small", ["CUP-1"]),
    ))

    assert patterns_and_users(mugs) == {
        "small": (["<=4:rakuten=same,yahoo=0"], ["CUP-1", "MUG-1", "MUG-2"]),
    }


def test_a_refusal_half_way_leaves_nothing_written(mugs: Shop) -> None:
    before = patterns_and_users(mugs)
    with pytest.raises(BadInput):
        save_patterns(mugs, PatternChanges(
            saves=[PatternSave(pattern("small", "<=4:rakuten=same,yahoo=0"), original="few"),
                   PatternSave(pattern("new", "<=2:rakuten=same,yahoo=same"))],
            deleted=["gone"],
            assign=("small", ["CUP-1", "NO-SUCH-ITEM"]),  # refused after everything else
        ))

    assert patterns_and_users(mugs) == before
    assert {p.name for p in mugs.patterns()} == {"few", "gone"}
    assert mugs.book.items["MUG-1"].pattern == "few"
