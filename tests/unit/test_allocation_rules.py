"""Allocation patterns as the shop owner writes them: tiers, shares, conditions, and the
messages Rendo gives when a pattern cannot work."""

from __future__ import annotations

import pytest

from app.domain.allocation import (
    AllocationPattern,
    Condition,
    Share,
    ShareKind,
    Tier,
    allocate,
    parse_condition,
    parse_share,
    parse_tier,
    problems,
    validate,
)
from app.domain.errors import BadInput, PatternInvalid

RAKUTEN, YAHOO, AMAZON = "楽天", "Yahoo", "Amazon"
CHANNELS = (RAKUTEN, YAHOO, AMAZON)


def pattern(*tiers: str | Tier, name: str = "low", priority=(), hold_back=False):
    parsed = tuple(parse_tier(t) if isinstance(t, str) else t for t in tiers)
    return AllocationPattern(name, parsed, priority=tuple(priority), hold_back=hold_back)


def messages(p: AllocationPattern, channels=CHANNELS) -> list[str]:
    return [error.message for error in problems(p, channels)]


# -- conditions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "op", "value"),
    [
        ("<=10", "<=", 10),
        ("<5", "<", 5),
        (">=3", ">=", 3),
        (">3", ">", 3),
        ("=0", "=", 0),
        ("==0", "=", 0),
        ("≤10", "<=", 10),
        ("≥3", ">=", 3),
        ("  <=  10 ", "<=", 10),
    ],
)
def test_a_condition_on_sellable_is_written_with_a_comparison_and_a_number(text, op, value):
    assert parse_condition(text) == Condition(op, value)


@pytest.mark.parametrize("text", ["*", "all", "always", " * "])
def test_a_condition_that_always_holds_is_written_as_a_star(text):
    condition = parse_condition(text)
    assert condition.op == "*"
    assert condition.holds(0) and condition.holds(10**6)


@pytest.mark.parametrize("text", ["10", "<=", "<=ten", "=>3", "!=3", "<=1.5", "", "less than 5"])
def test_a_condition_rendo_cannot_understand_is_refused_with_the_text_quoted(text):
    with pytest.raises(PatternInvalid) as refused:
        parse_condition(text)
    assert repr(text) in refused.value.message


@pytest.mark.parametrize(
    ("text", "holds_at", "fails_at"),
    [("<=10", [0, 10], [11]), ("<5", [4], [5]), (">=3", [3, 9], [2]), (">3", [4], [3]),
     ("=0", [0], [1])],
)
def test_a_condition_holds_exactly_where_it_says(text, holds_at, fails_at):
    condition = parse_condition(text)
    assert all(condition.holds(n) for n in holds_at)
    assert not any(condition.holds(n) for n in fails_at)


# -- shares -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("50%", Share(ShareKind.PERCENT, 50)),
        (" 30 % ", Share(ShareKind.PERCENT, 30)),
        ("100%", Share(ShareKind.PERCENT, 100)),
        ("3", Share(ShareKind.FIXED, 3)),
        ("same", Share(ShareKind.SAME)),
        ("SAME", Share(ShareKind.SAME)),
        ("同数", Share(ShareKind.SAME)),
        ("=", Share(ShareKind.SAME)),
        ("0", Share(ShareKind.ZERO)),
        ("0%", Share(ShareKind.ZERO)),
    ],
)
def test_a_share_is_a_percentage_a_fixed_count_same_or_0(text, share):
    assert parse_share(text) == share


@pytest.mark.parametrize("text", ["-5", "-5%", "half", "", "5%%", "1.5", "%"])
def test_a_share_that_is_not_a_percentage_count_same_or_0_is_refused(text):
    with pytest.raises(PatternInvalid) as refused:
        parse_share(text)
    assert repr(text) in refused.value.message


def test_a_negative_share_is_refused_as_negative():
    with pytest.raises(PatternInvalid, match="cannot be negative"):
        parse_share("-2")


# -- tiers --------------------------------------------------------------------------------------


def test_a_tier_reads_condition_colon_channel_equals_share():
    tier = parse_tier("<=10:楽天=50%,Yahoo=30%,Amazon=20%")
    assert tier.condition == Condition("<=", 10)
    assert tier.shares == (
        (RAKUTEN, Share(ShareKind.PERCENT, 50)),
        (YAHOO, Share(ShareKind.PERCENT, 30)),
        (AMAZON, Share(ShareKind.PERCENT, 20)),
    )
    assert tier.is_split


def test_a_tier_tolerates_spaces_and_prints_back_as_written_without_them():
    tier = parse_tier(" <= 10 : 楽天 = 50% , Yahoo = 2 , Amazon = 0 ")
    assert str(tier) == "<=10:楽天=50%,Yahoo=2,Amazon=0"


def test_a_tier_with_same_is_not_a_split_tier():
    assert not parse_tier("<=3:楽天=same,Yahoo=0").is_split


@pytest.mark.parametrize(
    "text",
    [
        "<=10 楽天=50%",  # no colon
        "<=10:",  # no shares
        "<=10:   ",
        "<=10:楽天50%",  # no equals sign
        "<=10:=50%",  # no channel
        "<=10:楽天=50%,",  # trailing comma
    ],
)
def test_a_tier_not_like_the_example_is_refused_and_quoted(text):
    with pytest.raises(PatternInvalid) as refused:
        parse_tier(text)
    assert repr(text) in refused.value.message


def test_a_tier_with_a_bad_condition_names_the_condition():
    with pytest.raises(PatternInvalid, match="'ten'"):
        parse_tier("ten:楽天=50%")


def test_a_tier_with_a_bad_share_names_the_share():
    with pytest.raises(PatternInvalid, match="'lots'"):
        parse_tier("<=10:楽天=lots")


def test_refusals_are_bad_input_so_the_command_line_exits_2():
    with pytest.raises(BadInput):
        parse_tier("nonsense")


# -- problems() and validate() ------------------------------------------------------------------


def test_a_sound_pattern_has_no_problems_and_validates_to_itself():
    p = pattern(
        "<=3:楽天=same,Yahoo=0",
        "<=10:楽天=50%,Yahoo=30%,Amazon=20%",
        priority=(RAKUTEN, YAHOO, AMAZON),
    )
    assert problems(p, CHANNELS) == []
    assert validate(p, CHANNELS) is p


def test_percentages_over_100_name_the_pattern_tier_and_total():
    p = pattern("<=3:楽天=same", "<=10:楽天=60%,Yahoo=50%", name="towels")
    assert messages(p) == [
        "Pattern towels, tier 2: the percentages add up to 110%, more than 100%."
    ]


def test_percentages_of_exactly_100_are_fine():
    assert problems(pattern("<=10:楽天=60%,Yahoo=40%"), CHANNELS) == []


def test_an_unknown_channel_in_a_tier_is_named_with_its_tier():
    p = pattern("<=10:楽天=50%,Shopify=50%", name="towels")
    assert messages(p) == ["Pattern towels, tier 1: there is no channel called Shopify."]


def test_a_channel_named_twice_in_a_tier_is_named_with_its_tier():
    p = pattern("<=3:楽天=same", "<=10:楽天=50%,Yahoo=20%,楽天=30%", name="towels")
    assert messages(p) == ["Pattern towels, tier 2: channel 楽天 is named twice."]


def test_a_channel_twice_in_the_priority_order_is_named():
    p = pattern("<=10:楽天=50%,Yahoo=50%", name="towels", priority=(YAHOO, RAKUTEN, YAHOO))
    assert messages(p) == ["Pattern towels: channel Yahoo is twice in the priority order."]


def test_an_unknown_channel_in_the_priority_order_is_named():
    p = pattern("<=10:楽天=50%,Yahoo=50%", name="towels", priority=(RAKUTEN, "BASE"))
    assert messages(p) == [
        "Pattern towels: the priority order names BASE, which is not a channel."
    ]


def test_a_negative_number_in_a_condition_is_named_with_its_tier():
    p = pattern("<=3:楽天=same", "<-1:楽天=50%", name="towels")
    assert messages(p) == [
        "Pattern towels, tier 2: the condition cannot use a negative number (-1)."
    ]


def test_a_negative_share_is_named_with_its_tier_and_channel():
    tier = Tier(Condition("<=", 10), ((RAKUTEN, Share(ShareKind.PERCENT, 50)),
                                      (YAHOO, Share(ShareKind.FIXED, -2))))
    p = pattern(tier, name="towels")
    assert messages(p) == [
        "Pattern towels, tier 1: the share of Yahoo cannot be negative (-2)."
    ]


@pytest.mark.parametrize("other", ["50%", "2"])
def test_mixing_same_with_split_shares_is_refused_naming_pattern_and_tier(other):
    p = pattern("<=10:楽天=50%", f"<=3:楽天=same,Yahoo={other}", name="towels")
    found = messages(p)
    assert len(found) == 1
    assert found[0].startswith("Pattern towels, tier 2: \"same as sellable\" cannot be mixed")


def test_same_with_0_is_not_a_mix():
    assert problems(pattern("<=3:楽天=same,Yahoo=0"), CHANNELS) == []


def test_a_pattern_without_a_name_or_tiers_is_refused():
    found = messages(AllocationPattern(" ", ()))
    assert len(found) == 2
    assert found[0] == "The allocation pattern needs a name."
    assert found[1].endswith(": add at least one tier.")


def test_every_problem_is_listed_not_only_the_first():
    p = pattern(
        "<=10:楽天=80%,Shopify=30%",
        name="towels",
        priority=(RAKUTEN, RAKUTEN),
    )
    assert messages(p) == [
        "Pattern towels, tier 1: there is no channel called Shopify.",
        "Pattern towels, tier 1: the percentages add up to 110%, more than 100%.",
        "Pattern towels: channel 楽天 is twice in the priority order.",
    ]


def test_validate_raises_the_first_problem_with_its_parameters_for_translation():
    p = pattern("<=3:楽天=same", "<=10:楽天=50%,Shopify=50%", name="towels")
    with pytest.raises(PatternInvalid) as refused:
        validate(p, CHANNELS)
    assert refused.value.message == "Pattern towels, tier 2: there is no channel called Shopify."
    assert refused.value.params == {"pattern": "towels", "tier": 2, "channel": "Shopify"}
    assert "{channel}" in refused.value.template


# -- allocate() on its own ----------------------------------------------------------------------


def test_allocate_returns_none_when_no_tier_holds_so_every_channel_gets_sellable():
    assert allocate(pattern("<=10:楽天=100%"), 11, CHANNELS) is None


def test_a_channel_named_in_a_tier_but_not_connected_is_simply_skipped():
    p = pattern("<=10:楽天=50%,Yahoo=50%")
    assert allocate(p, 8, (RAKUTEN,)) == {RAKUTEN: 4}


def test_percentages_below_100_keep_the_rest_back_on_purpose():
    p = pattern("<=10:楽天=50%,Yahoo=30%")
    assert allocate(p, 10, CHANNELS) == {RAKUTEN: 5, YAHOO: 3, AMAZON: 0}


def test_leftover_units_go_one_at_a_time_round_the_priority_order():
    # 33/33/34 of 8: 2 + 2 + 2 floored, 2 left over → the first two by priority.
    p = pattern("<=10:楽天=33%,Yahoo=33%,Amazon=34%", priority=(AMAZON, YAHOO, RAKUTEN))
    assert allocate(p, 8, CHANNELS) == {RAKUTEN: 2, YAHOO: 3, AMAZON: 3}


def test_nothing_to_sell_gives_every_channel_0():
    p = pattern("<=10:楽天=50%,Yahoo=30%,Amazon=20%")
    assert allocate(p, 0, CHANNELS) == {RAKUTEN: 0, YAHOO: 0, AMAZON: 0}
