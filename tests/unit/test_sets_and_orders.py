"""Set products (compositions, loops, explosion), order lines applied exactly once, and the
display offsets an owner types in."""

from __future__ import annotations

import pytest

from app.domain.book import StockBook
from app.domain.errors import BadInput, CycleError, UnknownItem
from app.domain.items import Item, ItemKind
from app.domain.offsets import DisplayOffset, OffsetKind, parse_offset
from app.domain.orders import Applied, OrderLine, plan_line
from app.domain.pipeline import ChannelSpec
from app.domain.sets import (
    check_backorders_on_single,
    check_components,
    check_may_become_set,
    check_no_loop,
    explode,
    find_loop,
    unit_refusals,
)

RAKUTEN = "楽天"


def catalogue(singles: dict[str, int], sets: dict[str, tuple[tuple[str, int], ...]]) -> StockBook:
    book = StockBook(channels=[ChannelSpec(RAKUTEN)])
    for code, on_hand in singles.items():
        book.add_item(Item(code), on_hand)
    for code in sets:
        book.add_item(Item(code))
    for code, parts in sets.items():
        book.define_set(code, parts)
    book.recompute_all()
    return book


def gift_shop() -> StockBook:
    """PAIR = A×1 + B×2; GIFT = PAIR×2 + CARD×1."""
    return catalogue(
        {"A": 20, "B": 30, "CARD": 10},
        {"PAIR": (("A", 1), ("B", 2)), "GIFT": (("PAIR", 2), ("CARD", 1))},
    )


def line(quantity: int = 1, item: str = "A", cancelled: bool = False, **kw: str) -> OrderLine:
    return OrderLine(
        channel=kw.get("channel", RAKUTEN),
        order_id=kw.get("order_id", "R-1001"),
        line_id=kw.get("line_id", "1"),
        channel_item_id=item,
        quantity=quantity,
        cancelled=cancelled,
    )


# -- compositions and loops ---------------------------------------------------------------------


def test_a_set_containing_a_set_that_contains_it_is_refused_with_the_loop_named():
    book = catalogue({"X": 1}, {"A": (("X", 1),), "B": (("A", 1),)})
    with pytest.raises(CycleError) as refused:
        book.define_set("A", [("B", 1)])
    assert "A → B → A" in refused.value.message
    assert refused.value.params["loop"] == "A → B → A"


def test_a_longer_loop_is_named_in_full():
    book = catalogue({"X": 1}, {"A": (("B", 1),), "B": (("C", 1),), "C": (("X", 1),)})
    with pytest.raises(CycleError, match="C → A → B → C"):
        book.define_set("C", [("X", 1), ("A", 1)])


def test_a_set_containing_itself_is_refused():
    book = catalogue({"X": 1}, {"A": (("X", 1),)})
    with pytest.raises(BadInput, match="A → A"):
        book.define_set("A", [("X", 1), ("A", 1)])


def test_a_refused_definition_leaves_the_catalogue_as_it_was():
    book = gift_shop()
    before = (dict(book.components), {k: set(v) for k, v in book._parents.items()})
    with pytest.raises(CycleError):
        book.define_set("PAIR", [("A", 1), ("GIFT", 1)])
    assert (dict(book.components), {k: set(v) for k, v in book._parents.items()}) == before
    assert book.recompute(["A"]) == ["A", "PAIR", "GIFT"]


def test_find_loop_sees_no_loop_in_a_diamond():
    compositions = {"L": (("X", 1),), "R": (("X", 1),)}
    assert find_loop("TOP", (("L", 1), ("R", 1)), compositions) is None
    check_no_loop("TOP", (("L", 1), ("R", 1)), compositions)


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_component_quantity_below_1_is_refused_naming_set_component_and_quantity(quantity):
    with pytest.raises(BadInput) as refused:
        check_components("GIFT", [("A", 1), ("B", quantity)])
    assert refused.value.message == (
        f"Set GIFT: component B needs a quantity of 1 or more (got {quantity})."
    )


def test_a_component_named_twice_is_refused():
    with pytest.raises(BadInput, match="Set GIFT: component A is named twice."):
        check_components("GIFT", [("A", 1), ("B", 1), ("A", 2)])


def test_a_set_without_components_is_refused():
    with pytest.raises(BadInput, match="Set GIFT needs at least one component."):
        check_components("GIFT", [])


def test_a_set_of_an_unknown_item_is_refused():
    book = catalogue({"A": 1}, {})
    book.add_item(Item("GIFT"))
    with pytest.raises(UnknownItem, match="NOPE"):
        book.define_set("GIFT", [("A", 1), ("NOPE", 1)])
    assert "GIFT" not in book.components


def test_turning_an_item_into_a_set_drops_its_shelf_stock():
    book = catalogue({"A": 3, "GIFT": 7}, {})
    book.define_set("GIFT", [("A", 1)])
    assert book.items["GIFT"].kind is ItemKind.SET
    assert "GIFT" not in book.on_hand


def test_redefining_a_set_stops_it_following_its_old_components():
    book = catalogue({"A": 5, "B": 9}, {"PACK": (("A", 1),)})
    book.define_set("PACK", [("B", 3)])
    book.recompute(["PACK"])
    assert book.stock["PACK"].sellable == 3
    assert book.move("A", -1) == ["A"]


# -- explosion ----------------------------------------------------------------------------------


def test_a_single_explodes_into_itself():
    assert explode("A", 3, {}) == {"A": 3}


def test_a_gift_explodes_through_its_nested_pairs_into_singles():
    book = gift_shop()
    assert explode("GIFT", 3, book.components) == {"A": 6, "B": 12, "CARD": 3}


def test_a_single_reached_by_two_paths_is_counted_on_both():
    compositions = {"PAIR": (("A", 1), ("B", 1)), "GIFT": (("PAIR", 1), ("A", 2))}
    assert explode("GIFT", 2, compositions) == {"A": 6, "B": 2}


# -- order lines --------------------------------------------------------------------------------


def test_a_new_order_line_for_a_single_takes_its_quantity_off_the_shelf():
    plan = plan_line(line(2), None, "A", {})
    assert plan is not None
    assert plan.movements == {"A": -2}
    assert (plan.code, plan.applied_before, plan.applied_after) == ("A", 0, 2)


def test_a_set_order_takes_every_component_down_through_nesting():
    book = gift_shop()
    plan = plan_line(line(1, "GIFT"), None, "GIFT", book.components)
    assert plan is not None
    assert plan.movements == {"A": -2, "B": -4, "CARD": -1}


def test_the_same_order_line_read_twice_moves_nothing_the_second_time():
    assert plan_line(line(2), Applied("A", 2), "A", {}) is None


def test_an_increased_quantity_applies_only_the_difference():
    plan = plan_line(line(5), Applied("A", 2), "A", {})
    assert plan is not None
    assert plan.movements == {"A": -3}
    assert (plan.applied_before, plan.applied_after) == (2, 5)


def test_a_decreased_quantity_gives_back_the_difference():
    plan = plan_line(line(1, "GIFT"), Applied("GIFT", 3), "GIFT", gift_shop().components)
    assert plan is not None
    assert plan.movements == {"A": 4, "B": 8, "CARD": 2}


def test_a_cancelled_line_gives_back_what_was_applied():
    plan = plan_line(line(4, cancelled=True), Applied("A", 4), "A", {})
    assert plan is not None
    assert plan.movements == {"A": 4}
    assert plan.applied_after == 0


def test_a_cancelled_set_order_gives_back_every_component():
    book = gift_shop()
    start = dict(book.on_hand)
    ordered = plan_line(line(2, "GIFT"), None, "GIFT", book.components)
    assert ordered is not None
    for code, delta in ordered.movements.items():
        book.move(code, delta)
    assert book.on_hand == {"A": 16, "B": 22, "CARD": 8}
    cancelled = plan_line(
        line(2, "GIFT", cancelled=True), Applied(ordered.code, ordered.applied_after), "GIFT",
        book.components,
    )
    assert cancelled is not None
    for code, delta in cancelled.movements.items():
        book.move(code, delta)
    assert book.on_hand == start


def test_a_cancellation_read_again_moves_nothing():
    assert plan_line(line(4, cancelled=True), Applied("A", 0), "A", {}) is None


def test_a_line_cancelled_before_rendo_ever_applied_it_moves_nothing():
    assert plan_line(line(4, cancelled=True), None, "A", {}) is None


def test_a_cancellation_after_the_code_map_changed_reverses_the_originally_applied_item():
    # Applied to OLD-CODE; since then the channel id maps to NEW-CODE.
    plan = plan_line(line(3, "CH-99", cancelled=True), Applied("OLD-CODE", 3), "NEW-CODE", {})
    assert plan is not None
    assert plan.code == "OLD-CODE"
    assert plan.movements == {"OLD-CODE": 3}


def test_a_quantity_change_after_the_code_map_changed_stays_on_the_original_item():
    plan = plan_line(line(5, "CH-99"), Applied("OLD-CODE", 3), "NEW-CODE", {})
    assert plan is not None
    assert plan.movements == {"OLD-CODE": -2}


def test_a_cancellation_after_the_set_was_recomposed_gives_back_what_was_taken():
    book = catalogue({"A": 10, "B": 10}, {"PACK": (("A", 1),)})
    ordered = plan_line(line(1, "PACK"), None, "PACK", book.components)
    assert ordered is not None
    assert ordered.movements == {"A": -1}
    book.define_set("PACK", [("B", 1)])  # the owner changes what the pack contains
    cancelled = plan_line(
        line(1, "PACK", cancelled=True), Applied("PACK", 1, ordered.units), "PACK",
        book.components,
    )
    assert cancelled is not None
    assert cancelled.movements == {"A": 1}


def test_a_negative_order_quantity_is_refused_naming_the_order_line_and_channel():
    with pytest.raises(BadInput) as refused:
        plan_line(line(-1, order_id="R-7", line_id="2"), None, "A", {})
    assert refused.value.message == "Order R-7 line 2 on 楽天 has a negative quantity (-1)."


def test_an_order_line_is_keyed_by_channel_order_and_line():
    assert line(order_id="R-7", line_id="2").key == (RAKUTEN, "R-7", "2")
    assert line(channel="Yahoo").key != line().key


def test_an_order_for_00123_never_touches_123():
    plan = plan_line(line(1, "00123"), None, "00123", {})
    assert plan is not None
    assert plan.movements == {"00123": -1}


# -- display offsets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "amount"),
    [
        ("+20", OffsetKind.ADD, 20),
        ("-10", OffsetKind.SUBTRACT, 10),
        ("3", OffsetKind.FIXED, 3),
        ("0", OffsetKind.FIXED, 0),
        (" + 5 ", OffsetKind.ADD, 5),
        ("−10", OffsetKind.SUBTRACT, 10),  # U+2212 minus sign
        ("＋２０", OffsetKind.ADD, 20),  # full-width plus and digits
        ("-１０", OffsetKind.SUBTRACT, 10),  # full-width digits
    ],
)
def test_an_offset_is_plus_n_minus_n_or_a_fixed_n(text, kind, amount):
    assert parse_offset(text) == DisplayOffset(kind, amount)


def test_an_offset_typed_with_a_full_width_minus_is_understood():
    assert parse_offset("－10") == DisplayOffset(OffsetKind.SUBTRACT, 10)


@pytest.mark.parametrize("text", ["none", "NONE", " None ", ""])
def test_none_clears_the_offset(text):
    assert parse_offset(text) is None


@pytest.mark.parametrize("text", ["abc", "+-3", "--3", "10%", "+", "1.5", "=3", "3 4"])
def test_an_offset_that_is_not_plus_minus_or_fixed_is_refused_and_quoted(text):
    with pytest.raises(BadInput) as refused:
        parse_offset(text)
    assert repr(text) in refused.value.message


@pytest.mark.parametrize("text", ["+20", "-10", "3"])
def test_an_offset_prints_back_as_typed(text):
    assert str(parse_offset(text)) == text


@pytest.mark.parametrize(
    ("offset", "share", "shown"),
    [("+20", 30, 50), ("+20", 0, 20), ("-10", 30, 20), ("-10", 10, 0), ("-10", 4, 0),
     ("3", 30, 3), ("3", 2, 2), ("0", 30, 0)],
)
def test_an_offset_changes_a_channels_share_as_the_manuals_say(offset, share, shown):
    parsed = parse_offset(offset)
    assert parsed is not None
    assert parsed.apply(share) == shown


def test_a_single_becomes_a_set_only_while_it_has_no_stock_of_its_own() -> None:
    check_may_become_set("MUG", 0, False)
    for on_hand, moved in ((3, False), (0, True), (-1, True)):
        with pytest.raises(BadInput, match="MUG has stock movements of its own"):
            check_may_become_set("MUG", on_hand, moved)


def test_backorders_belong_to_singles_not_sets() -> None:
    check_backorders_on_single("MUG", False)
    with pytest.raises(BadInput, match="PAIR is a set: backorders"):
        check_backorders_on_single("PAIR", True)


def test_every_set_too_large_per_unit_is_named_with_its_refusal() -> None:
    compositions = {"BIG": [("A", 10**6)], "HUGE": [("BIG", 10**6)], "OK": [("A", 2)]}
    refusals = list(unit_refusals(compositions))
    assert [code for code, _ in refusals] == ["HUGE"]
    assert refusals[0][1].params["component"] == "A"
