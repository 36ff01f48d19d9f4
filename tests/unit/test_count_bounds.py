"""The domain's one bound (MAX_COUNT) and its checks of names and codes, on any input."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.domain.allocation import (
    AllocationPattern,
    Condition,
    Share,
    ShareKind,
    Tier,
    parse_tier,
    problems,
)
from app.domain.errors import BadInput
from app.domain.items import (
    MAX_COUNT,
    check_bound,
    clean_code,
    clean_name,
    count_from_digits,
    has_control,
)
from app.domain.offsets import DisplayOffset, OffsetKind, parse_offset
from app.domain.orders import LineRefused, OrderLine, check_quantity, plan_line
from app.domain.pipeline import ChannelSpec, channel_quantities
from app.domain.sets import check_components, check_units

numbers = st.one_of(st.integers(), st.integers(-2 * MAX_COUNT, 2 * MAX_COUNT),
                    st.sampled_from([MAX_COUNT, MAX_COUNT + 1, -MAX_COUNT, 2**63, -(2**63)]))


@given(numbers)
def test_check_bound_accepts_exactly_the_counts_within_the_bound(value):
    if -MAX_COUNT <= value <= MAX_COUNT:
        assert check_bound(value, "A") == value
    else:
        with pytest.raises(BadInput, match="A: "):
            check_bound(value, "A")


@given(st.integers(0, 10**40))
@example(MAX_COUNT)
@example(MAX_COUNT + 1)
def test_digits_are_read_within_the_bound_and_refused_beyond(value):
    digits = str(value)
    if value <= MAX_COUNT:
        assert count_from_digits(digits, "x") == value
        assert count_from_digits("000" + digits, "x") == value
        assert parse_offset(f"+{digits}").amount == value  # type: ignore[union-attr]
    else:
        with pytest.raises(BadInput):
            count_from_digits(digits, "x")
        with pytest.raises(BadInput):
            parse_offset(f"-{digits}")


def test_a_number_of_thousands_of_digits_is_refused_without_converting_it():
    with pytest.raises(BadInput, match="digits"):
        count_from_digits("7" * 100_000, "A")


@given(numbers)
def test_order_quantities_are_refused_outside_zero_to_the_bound(quantity):
    line = OrderLine("W", "o1", "1", "A", quantity)
    if 0 <= quantity <= MAX_COUNT:
        check_quantity(line)
        plan = plan_line(line, None, "A", {})
        assert plan is None or plan.movements == {"A": -quantity}
    else:
        with pytest.raises(LineRefused) as refused:
            plan_line(line, None, "A", {})
        assert refused.value.order_line is line


@given(numbers)
def test_pattern_numbers_beyond_the_bound_are_problems(value):
    pattern = AllocationPattern("P", (
        Tier(Condition("<=", value), (("W", Share(ShareKind.FIXED, max(value, 1))),)),))
    found = problems(pattern, ["W"])
    assert bool(found) == (not 0 <= value <= MAX_COUNT)


def test_pattern_text_beyond_the_bound_is_refused_while_parsing():
    with pytest.raises(BadInput):
        parse_tier(f"<={10**30}:W=same")
    with pytest.raises(BadInput):
        parse_tier(f"<=10:W={2**63}")
    assert parse_tier(f">={MAX_COUNT}:W={MAX_COUNT}").condition.value == MAX_COUNT


def test_set_quantities_and_their_products_stay_within_the_bound():
    with pytest.raises(BadInput):
        check_components("S", [("A", MAX_COUNT + 1)])
    check_units("S", [("A", MAX_COUNT)], {})
    with pytest.raises(BadInput, match="OUTER"):
        check_units("INNER", [("A", 40_000)], {"OUTER": [("INNER", 30_000)]})


@given(st.text(max_size=12))
def test_names_and_codes_with_control_characters_are_refused_others_kept(text):
    if has_control(text.strip()):
        with pytest.raises(BadInput):
            clean_name(text)
    else:
        assert clean_name(text) == text.strip()


@given(st.text(max_size=12))
@example("００１２３")
@example("ＡＢＣ－０１")
@example("ｱｲｳ")
def test_codes_are_kept_in_one_form(text):
    try:
        code = clean_code(text)
    except BadInput:
        return
    assert code == unicodedata.normalize("NFKC", code).strip() == clean_code(code)
    assert code and not has_control(code)


def test_full_width_codes_are_the_half_width_code():
    assert clean_code(" ００１２３ ") == "00123"
    assert clean_code("ＡＢＣ－０１") == "ABC-01"
    assert clean_code("00123") == "00123"  # zeros and case are part of the code
    for bad in ("A\u202eB", "A\x1bB", "A\x7fB", "A\x85B", "A\u2066B"):
        with pytest.raises(BadInput):
            clean_code(bad)


@given(st.integers(0, 2 * MAX_COUNT), st.integers(0, MAX_COUNT),
       st.one_of(st.none(), st.integers(0, MAX_COUNT)))
def test_no_channel_is_ever_shown_more_than_the_bound(sellable, extra, maximum):
    shown = channel_quantities(sellable, [ChannelSpec("W", maximum)],
                               offset=DisplayOffset(OffsetKind.ADD, extra))["W"]
    assert 0 <= shown <= MAX_COUNT
    assert shown == min(sellable + extra, MAX_COUNT, MAX_COUNT if maximum is None else maximum)
