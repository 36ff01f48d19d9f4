"""The worked examples of DESIGN.md ("The stock pipeline"), told through StockBook.

Each test sets up a small shop the way an owner would (items, stock, channels, rules) and checks
what every channel is shown.
"""

from __future__ import annotations

import pytest

from app.domain.allocation import AllocationPattern, parse_tier
from app.domain.book import StockBook
from app.domain.items import Item
from app.domain.offsets import parse_offset
from app.domain.pipeline import DEFAULT_UNLIMITED_QTY, ChannelSpec

RAKUTEN, YAHOO, AMAZON = "楽天", "Yahoo", "Amazon"


def shop(*channels: ChannelSpec | str) -> StockBook:
    """A shop with these channels (default: only 楽天), no items yet."""
    specs = [c if isinstance(c, ChannelSpec) else ChannelSpec(c) for c in channels or (RAKUTEN,)]
    return StockBook(channels=specs)


def single(book: StockBook, code: str, on_hand: int = 0, **fields: object) -> Item:
    item = Item(code, **fields)  # type: ignore[arg-type]
    book.add_item(item, on_hand)
    return item


def a_set(book: StockBook, code: str, *components: tuple[str, int], **fields: object) -> Item:
    item = Item(code, **fields)  # type: ignore[arg-type]
    book.add_item(item)
    book.define_set(code, components)
    return item


def shows(book: StockBook, code: str) -> dict[str, int]:
    """What every channel shows for *code* after a full recompute."""
    book.recompute_all()
    return book.stock[code].channels


def low_stock_pattern(*tiers: str, priority: tuple[str, ...] = (), hold_back: bool = False):
    return AllocationPattern(
        "low", tuple(parse_tier(t) for t in tiers), priority=priority, hold_back=hold_back
    )


def three_channel_shop_on_pattern(sellable: int, pattern: AllocationPattern) -> StockBook:
    book = shop(RAKUTEN, YAHOO, AMAZON)
    book.patterns[pattern.name] = pattern
    single(book, "TOWEL", sellable, pattern=pattern.name)
    book.recompute_all()
    return book


# -- the numbers from the shops' own manuals ----------------------------------------------------


def test_on_hand_30_with_plus_20_shows_50():
    book = shop()
    single(book, "TOWEL", 30)
    book.offsets["TOWEL"] = parse_offset("+20")
    assert shows(book, "TOWEL") == {RAKUTEN: 50}
    assert book.stock["TOWEL"].sellable == 30  # the offset changes what is shown, not sellable


def test_on_hand_30_with_minus_10_shows_20():
    book = shop()
    single(book, "TOWEL", 30)
    book.offsets["TOWEL"] = parse_offset("-10")
    assert shows(book, "TOWEL") == {RAKUTEN: 20}


def test_minus_10_shows_0_once_orders_bring_on_hand_down_to_10():
    book = shop()
    single(book, "TOWEL", 30)
    book.offsets["TOWEL"] = parse_offset("-10")
    book.recompute_all()
    book.move("TOWEL", -19)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 1}
    book.move("TOWEL", -1)
    assert book.on_hand["TOWEL"] == 10
    assert book.stock["TOWEL"].channels == {RAKUTEN: 0}
    book.move("TOWEL", -4)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 0}  # never below 0


@pytest.mark.parametrize("on_hand", [3, 4, 30, 1000])
def test_fixed_3_shows_3_while_on_hand_is_3_or_more(on_hand):
    book = shop()
    single(book, "TOWEL", on_hand)
    book.offsets["TOWEL"] = parse_offset("3")
    assert shows(book, "TOWEL") == {RAKUTEN: 3}


@pytest.mark.parametrize(("on_hand", "shown"), [(2, 2), (1, 1), (0, 0), (-4, 0)])
def test_fixed_3_shows_only_what_is_there_below_3(on_hand, shown):
    book = shop()
    single(book, "TOWEL", on_hand)
    book.offsets["TOWEL"] = parse_offset("3")
    assert shows(book, "TOWEL") == {RAKUTEN: shown}


def test_set_of_a1_and_b2_with_a5_b7_sells_3_limited_by_b():
    book = shop(RAKUTEN, YAHOO)
    single(book, "A", 5)
    single(book, "B", 7)
    a_set(book, "AB", ("A", 1), ("B", 2))
    assert shows(book, "AB") == {RAKUTEN: 3, YAHOO: 3}
    assert book.stock["AB"].sellable == 3
    assert book.stock["AB"].limited_by == "B"


def test_the_limiting_component_changes_when_stock_moves():
    book = shop()
    single(book, "A", 5)
    single(book, "B", 7)
    a_set(book, "AB", ("A", 1), ("B", 2))
    book.recompute_all()
    book.move("B", +10)  # 17 B build 8 sets, 5 A build 5
    assert book.stock["AB"].sellable == 5
    assert book.stock["AB"].limited_by == "A"


def test_a_50_30_20_split_of_7_gives_4_2_1_with_the_leftover_to_the_first_by_priority():
    pattern = low_stock_pattern(
        f"<=10:{RAKUTEN}=50%,{YAHOO}=30%,{AMAZON}=20%", priority=(RAKUTEN, YAHOO, AMAZON)
    )
    book = three_channel_shop_on_pattern(7, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 4, YAHOO: 2, AMAZON: 1}


def test_a_50_30_20_split_of_7_with_hold_back_gives_3_2_1_and_keeps_one_back():
    pattern = low_stock_pattern(
        f"<=10:{RAKUTEN}=50%,{YAHOO}=30%,{AMAZON}=20%",
        priority=(RAKUTEN, YAHOO, AMAZON),
        hold_back=True,
    )
    book = three_channel_shop_on_pattern(7, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 3, YAHOO: 2, AMAZON: 1}


def test_priority_order_yahoo_rakuten_amazon_gives_the_leftover_to_yahoo():
    pattern = low_stock_pattern(
        f"<=10:{RAKUTEN}=50%,{YAHOO}=30%,{AMAZON}=20%", priority=(YAHOO, RAKUTEN, AMAZON)
    )
    book = three_channel_shop_on_pattern(7, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 3, YAHOO: 3, AMAZON: 1}


def test_without_a_priority_order_the_leftover_follows_the_tier_order():
    pattern = low_stock_pattern(f"<=10:{AMAZON}=20%,{YAHOO}=30%,{RAKUTEN}=50%")
    book = three_channel_shop_on_pattern(7, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 3, YAHOO: 2, AMAZON: 2}


# -- reserved and backorders --------------------------------------------------------------------


def test_reserved_units_are_kept_back_from_every_channel():
    book = shop(RAKUTEN, YAHOO)
    single(book, "TOWEL", 10, reserved=4)
    assert shows(book, "TOWEL") == {RAKUTEN: 6, YAHOO: 6}
    assert book.stock["TOWEL"].sellable == 6


def test_reserving_more_than_is_on_the_shelf_shows_0_not_a_negative_number():
    book = shop()
    single(book, "TOWEL", 3, reserved=5)
    assert shows(book, "TOWEL") == {RAKUTEN: 0}
    assert book.stock["TOWEL"].sellable == 0


def test_backorder_allowance_5_with_on_hand_minus_3_leaves_2_to_sell():
    book = shop()
    single(book, "TOWEL", -3, backorder_allowance=5)
    assert shows(book, "TOWEL") == {RAKUTEN: 2}


def test_an_empty_shelf_with_backorder_allowance_5_sells_5():
    book = shop()
    single(book, "TOWEL", 0, backorder_allowance=5)
    assert shows(book, "TOWEL") == {RAKUTEN: 5}


def test_backorders_used_up_show_0():
    book = shop()
    single(book, "TOWEL", -5, backorder_allowance=5)
    assert shows(book, "TOWEL") == {RAKUTEN: 0}


def test_a_set_sells_what_its_components_build_minus_its_own_reserved():
    book = shop()
    single(book, "A", 5)
    single(book, "B", 7)
    a_set(book, "AB", ("A", 1), ("B", 2), reserved=1)
    assert shows(book, "AB") == {RAKUTEN: 2}


def test_a_set_reserving_more_than_it_can_build_shows_0():
    book = shop()
    single(book, "A", 5)
    single(book, "B", 7)
    a_set(book, "AB", ("A", 1), ("B", 2), reserved=4)
    assert shows(book, "AB") == {RAKUTEN: 0}


def test_a_sets_reserved_does_not_touch_its_components_own_numbers():
    book = shop()
    single(book, "A", 5)
    a_set(book, "PACK", ("A", 1), reserved=2)
    book.recompute_all()
    assert book.stock["PACK"].sellable == 3
    assert book.stock["A"].sellable == 5


def test_a_components_reserved_and_backorders_flow_into_the_set():
    book = shop()
    single(book, "A", 10, reserved=4)  # 6 sellable
    single(book, "B", -1, backorder_allowance=5)  # 4 sellable
    a_set(book, "AB", ("A", 2), ("B", 1))
    assert shows(book, "AB") == {RAKUTEN: 3}
    assert book.stock["AB"].limited_by == "A"


# -- nested sets --------------------------------------------------------------------------------


def test_a_gift_box_of_two_pairs_and_a_card_is_limited_by_the_pairs():
    book = shop()
    single(book, "A", 10)
    single(book, "B", 9)
    single(book, "CARD", 5)
    a_set(book, "PAIR", ("A", 1), ("B", 2))  # 4 pairs
    a_set(book, "GIFT", ("PAIR", 2), ("CARD", 1))  # 2 gifts
    assert shows(book, "GIFT") == {RAKUTEN: 2}
    assert book.stock["GIFT"].limited_by == "PAIR"


def test_selling_a_nested_component_lowers_every_set_above_it():
    book = shop()
    single(book, "A", 10)
    single(book, "B", 9)
    single(book, "CARD", 5)
    a_set(book, "PAIR", ("A", 1), ("B", 2))
    a_set(book, "GIFT", ("PAIR", 2), ("CARD", 1))
    book.recompute_all()
    recomputed = book.move("B", -4)  # 5 B → 2 pairs → 1 gift
    assert book.stock["PAIR"].sellable == 2
    assert book.stock["GIFT"].sellable == 1
    assert recomputed == ["B", "PAIR", "GIFT"]  # the single first, then outward by depth


def test_a_set_redefined_to_hold_a_deeper_set_is_recomputed_after_it():
    book = shop()
    single(book, "A", 12)
    a_set(book, "PACK", ("A", 1))
    a_set(book, "DUO", ("A", 2))
    a_set(book, "DUO-BOX", ("DUO", 1))
    book.recompute_all()
    book.define_set("PACK", [("DUO-BOX", 2)])  # PACK now sits on top of DUO-BOX
    book.recompute(["PACK"])
    assert book.stock["PACK"].sellable == 3
    assert book.move("A", -4) == ["A", "DUO", "DUO-BOX", "PACK"]
    assert book.stock["PACK"].sellable == 2


def test_a_movement_recomputes_only_the_single_and_the_sets_that_contain_it():
    book = shop()
    single(book, "A", 10)
    single(book, "B", 10)
    single(book, "OTHER", 10)
    a_set(book, "PAIR", ("A", 1), ("B", 1))
    a_set(book, "UNRELATED", ("OTHER", 1))
    book.recompute_all()
    assert set(book.move("A", -1)) == {"A", "PAIR"}


# -- unlimited items ----------------------------------------------------------------------------


def test_an_unlimited_item_shows_each_channels_unlimited_number():
    book = shop(RAKUTEN, ChannelSpec(AMAZON, unlimited_qty=999))
    single(book, "MADE-TO-ORDER", 0, unlimited=True)
    assert shows(book, "MADE-TO-ORDER") == {RAKUTEN: DEFAULT_UNLIMITED_QTY, AMAZON: 999}
    assert book.stock["MADE-TO-ORDER"].unlimited


def test_an_unlimited_item_is_still_clamped_to_the_channels_maximum():
    book = shop(ChannelSpec(YAHOO, maximum=500, unlimited_qty=9999))
    single(book, "MADE-TO-ORDER", 0, unlimited=True)
    assert shows(book, "MADE-TO-ORDER") == {YAHOO: 500}


def test_an_unlimited_item_ignores_offsets_and_patterns():
    book = shop(ChannelSpec(RAKUTEN, unlimited_qty=100), ChannelSpec(YAHOO, unlimited_qty=100))
    book.patterns["low"] = low_stock_pattern(f"*:{RAKUTEN}=50%")
    single(book, "MADE-TO-ORDER", 0, unlimited=True, pattern="low")
    book.offsets["MADE-TO-ORDER"] = parse_offset("-10")
    assert shows(book, "MADE-TO-ORDER") == {RAKUTEN: 100, YAHOO: 100}


def test_an_unlimited_component_never_limits_a_set():
    book = shop()
    single(book, "WRAPPING", 0, unlimited=True)
    single(book, "TEA", 9)
    a_set(book, "TEA-GIFT", ("WRAPPING", 1), ("TEA", 2))
    assert shows(book, "TEA-GIFT") == {RAKUTEN: 4}
    assert book.stock["TEA-GIFT"].limited_by == "TEA"
    assert not book.stock["TEA-GIFT"].unlimited


def test_a_set_made_only_of_unlimited_items_is_unlimited():
    book = shop(ChannelSpec(RAKUTEN, unlimited_qty=777))
    single(book, "CUP", 0, unlimited=True)
    single(book, "SAUCER", 0, unlimited=True)
    a_set(book, "CUP-SET", ("CUP", 1), ("SAUCER", 1))
    assert shows(book, "CUP-SET") == {RAKUTEN: 777}
    assert book.stock["CUP-SET"].unlimited


# -- channel maximum and per-channel offsets ----------------------------------------------------


def test_a_channels_maximum_caps_what_it_shows():
    book = shop(RAKUTEN, ChannelSpec(YAHOO, maximum=40))
    single(book, "TOWEL", 30)
    book.offsets["TOWEL"] = parse_offset("+20")
    assert shows(book, "TOWEL") == {RAKUTEN: 50, YAHOO: 40}


def test_a_per_channel_offset_replaces_the_items_offset_on_that_channel_only():
    book = shop(RAKUTEN, YAHOO, AMAZON)
    single(book, "TOWEL", 30)
    book.offsets["TOWEL"] = parse_offset("-10")
    book.channel_offsets["TOWEL"] = {AMAZON: parse_offset("+5"), YAHOO: parse_offset("3")}
    assert shows(book, "TOWEL") == {RAKUTEN: 20, YAHOO: 3, AMAZON: 35}


def test_a_per_channel_offset_applies_even_without_an_item_offset():
    book = shop(RAKUTEN, AMAZON)
    single(book, "TOWEL", 30)
    book.channel_offsets["TOWEL"] = {AMAZON: parse_offset("-10")}
    assert shows(book, "TOWEL") == {RAKUTEN: 30, AMAZON: 20}


def test_the_offset_applies_to_the_channels_share_not_to_sellable():
    pattern = low_stock_pattern(
        f"<=10:{RAKUTEN}=50%,{YAHOO}=30%,{AMAZON}=20%", priority=(RAKUTEN, YAHOO, AMAZON)
    )
    book = shop(RAKUTEN, YAHOO, AMAZON)
    book.patterns["low"] = pattern
    single(book, "TOWEL", 7, pattern="low")
    book.channel_offsets["TOWEL"] = {RAKUTEN: parse_offset("-3"), AMAZON: parse_offset("+2")}
    assert shows(book, "TOWEL") == {RAKUTEN: 1, YAHOO: 2, AMAZON: 3}


# -- allocation patterns ------------------------------------------------------------------------


def test_fixed_counts_are_capped_so_the_channels_never_share_more_than_sellable():
    pattern = low_stock_pattern(
        f"<=10:{RAKUTEN}=5,{YAHOO}=5,{AMAZON}=5", priority=(RAKUTEN, YAHOO, AMAZON)
    )
    book = three_channel_shop_on_pattern(7, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 5, YAHOO: 2, AMAZON: 0}


def test_fixed_counts_are_handed_out_before_percentages():
    pattern = low_stock_pattern(f"<=10:{RAKUTEN}=50%,{YAHOO}=50%,{AMAZON}=4")
    book = three_channel_shop_on_pattern(6, pattern)
    shown = book.stock["TOWEL"].channels
    assert shown[AMAZON] == 4
    assert sum(shown.values()) == 6


def test_channels_not_named_in_the_matching_tier_get_0():
    pattern = low_stock_pattern(f"<=10:{RAKUTEN}=100%")
    book = three_channel_shop_on_pattern(7, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 7, YAHOO: 0, AMAZON: 0}


def test_a_share_of_0_shows_0():
    pattern = low_stock_pattern(f"<=10:{RAKUTEN}=100%,{YAHOO}=0")
    book = three_channel_shop_on_pattern(7, pattern)
    assert book.stock["TOWEL"].channels[YAHOO] == 0


@pytest.mark.parametrize("sellable", [11, 50])
def test_with_no_tier_matching_every_channel_gets_sellable(sellable):
    pattern = low_stock_pattern(f"<=10:{RAKUTEN}=50%,{YAHOO}=30%,{AMAZON}=20%")
    book = three_channel_shop_on_pattern(sellable, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: sellable, YAHOO: sellable, AMAZON: sellable}


def test_a_same_tier_lets_only_the_main_shop_sell_the_last_few():
    pattern = low_stock_pattern(f"<=3:{RAKUTEN}=same,{YAHOO}=0")
    book = three_channel_shop_on_pattern(3, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 3, YAHOO: 0, AMAZON: 0}


def test_a_same_tier_may_give_several_channels_everything():
    pattern = low_stock_pattern(f"<=3:{RAKUTEN}=same,{YAHOO}=same")
    book = three_channel_shop_on_pattern(2, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 2, YAHOO: 2, AMAZON: 0}


def test_tiers_are_tried_in_order_and_the_first_that_holds_decides():
    pattern = low_stock_pattern(
        f"<=2:{RAKUTEN}=same",
        f"<=10:{RAKUTEN}=50%,{YAHOO}=50%",
    )
    assert three_channel_shop_on_pattern(2, pattern).stock["TOWEL"].channels == {
        RAKUTEN: 2, YAHOO: 0, AMAZON: 0,
    }
    assert three_channel_shop_on_pattern(6, pattern).stock["TOWEL"].channels == {
        RAKUTEN: 3, YAHOO: 3, AMAZON: 0,
    }


def test_a_pattern_follows_the_stock_as_orders_come_in():
    pattern = low_stock_pattern(
        f"<=10:{RAKUTEN}=50%,{YAHOO}=30%,{AMAZON}=20%", priority=(RAKUTEN, YAHOO, AMAZON)
    )
    book = three_channel_shop_on_pattern(12, pattern)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 12, YAHOO: 12, AMAZON: 12}
    book.move("TOWEL", -5)
    assert book.stock["TOWEL"].channels == {RAKUTEN: 4, YAHOO: 2, AMAZON: 1}


def test_a_set_can_have_its_own_allocation_pattern():
    book = shop(RAKUTEN, YAHOO)
    book.patterns["low"] = low_stock_pattern(f"<=5:{RAKUTEN}=same")
    single(book, "A", 5)
    single(book, "B", 7)
    a_set(book, "AB", ("A", 1), ("B", 2), pattern="low")
    assert shows(book, "AB") == {RAKUTEN: 3, YAHOO: 0}


# -- reorder point ------------------------------------------------------------------------------


@pytest.mark.parametrize(("on_hand", "low"), [(4, True), (5, True), (6, False)])
def test_an_item_is_low_when_sellable_falls_to_its_reorder_point(on_hand, low):
    book = shop()
    single(book, "TOWEL", on_hand, reorder_point=5)
    book.recompute_all()
    assert book.stock["TOWEL"].low is low


def test_an_order_that_takes_sellable_to_the_reorder_point_raises_the_low_flag():
    book = shop()
    single(book, "TOWEL", 8, reserved=2, reorder_point=5)  # sellable 6
    book.recompute_all()
    assert not book.stock["TOWEL"].low
    book.move("TOWEL", -1)
    assert book.stock["TOWEL"].low


def test_an_item_without_a_reorder_point_is_never_low():
    book = shop()
    single(book, "TOWEL", 0)
    book.recompute_all()
    assert not book.stock["TOWEL"].low


def test_a_set_is_low_by_its_own_sellable():
    book = shop()
    single(book, "A", 5)
    single(book, "B", 7)
    a_set(book, "AB", ("A", 1), ("B", 2), reorder_point=3)
    book.recompute_all()
    assert book.stock["AB"].low
    assert not book.stock["A"].low


def test_an_unlimited_item_is_never_low():
    book = shop()
    single(book, "MADE-TO-ORDER", 0, unlimited=True, reorder_point=5)
    book.recompute_all()
    assert not book.stock["MADE-TO-ORDER"].low


# -- codes are text -----------------------------------------------------------------------------


def test_codes_00123_and_123_are_different_items():
    book = shop()
    single(book, "00123", 5)
    single(book, "123", 9)
    book.recompute_all()
    book.move("00123", -2)
    assert book.stock["00123"].channels == {RAKUTEN: 3}
    assert book.stock["123"].channels == {RAKUTEN: 9}


# -- a component reached twice ------------------------------------------------------------------


def test_a_gift_using_a_towel_directly_and_inside_a_pair_never_shows_more_than_can_be_built():
    book = shop()
    single(book, "A", 5)
    single(book, "B", 100)
    a_set(book, "PAIR", ("A", 1), ("B", 1))  # 5 pairs
    a_set(book, "GIFT", ("PAIR", 1), ("A", 1))  # every gift takes 2 A: 2 gifts
    assert shows(book, "GIFT") == {RAKUTEN: 2}
