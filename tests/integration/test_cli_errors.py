"""Bad input on the command line: exit 2, one line on stderr naming what is wrong, and the
database exactly as it was (compared table by table through a full dump)."""

from __future__ import annotations

import pytest


@pytest.fixture
def shelf(rendo):
    """A shop with one channel, singles A (5) and B (7), the set AB = A×1 + B×2."""
    for args in (
        ("channel", "add", "Web", "--type", "manual"),
        ("channel", "add", "Mall", "--type", "manual"),
        ("item", "add", "A"), ("item", "add", "B"),
        ("adjust", "A", "+5"), ("adjust", "B", "+7"),
        ("set", "define", "AB", "A:1", "B:2"),
    ):
        run = rendo(*args)
        assert run.code == 0, (args, run.err)
    return rendo


def refused(run, *named: str) -> str:
    """Exit 2 with exactly one line on stderr that names every one of *named*."""
    assert run.code == 2, (run.code, run.out, run.err)
    lines = run.err_lines
    assert len(lines) == 1, run.err
    assert lines[0].startswith("rendo: "), lines[0]
    assert "Traceback" not in run.err
    for word in named:
        assert word in lines[0], (word, lines[0])
    return lines[0]


REFUSALS = {
    "unknown item": (("adjust", "NOPE", "+1"), ("NOPE",)),
    "adjust below zero": (("adjust", "A", "-6"), ("A", "5", "-6")),
    "set to a negative count": (("adjust", "A", "=-1"), ("=-1",)),
    "adjustment in words": (("adjust", "A", "five"), ("five",)),
    "adjustment with a decimal": (("adjust", "A", "+1.5"), ("+1.5",)),
    "adjusting a set": (("adjust", "AB", "+1"), ("AB",)),
    "duplicate item": (("item", "add", "A"), ("A",)),
    "set that contains itself": (("set", "define", "S", "S:1"), ("S → S",)),
    "set component that is not an item": (("set", "define", "S", "A:1", "GHOST:2"), ("GHOST",)),
    "set component with quantity 0": (("set", "define", "S", "A:0"), ("A", "0")),
    "set component named twice": (("set", "define", "S", "A:1", "A:2"), ("A",)),
    "set made of an item with movements": (("set", "define", "A", "B:1"), ("A",)),
    "unknown channel in a pattern": (
        ("pattern", "add", "low", "--tier", "<=10:Web=50%,Rakuten=50%"), ("Rakuten",)),
    "percentages over 100": (
        ("pattern", "add", "low", "--tier", "<=10:Web=60%,Mall=50%"), ("110%",)),
    "channel twice in a tier": (
        ("pattern", "add", "low", "--tier", "<=10:Web=50%,Web=20%"), ("Web",)),
    "negative share": (("pattern", "add", "low", "--tier", "<=10:Web=-5"), ("-5",)),
    "unknown channel in the priority": (
        ("pattern", "add", "low", "--tier", "<=10:Web=50%", "--priority", "Web,Amazon"),
        ("Amazon",)),
    "tier without a condition": (("pattern", "add", "low", "--tier", "Web=50%"), ("Web=50%",)),
    "pattern given to an unknown item": (("pattern", "assign", "nothing", "A"), ("nothing",)),
    "negative reserve": (("reserve", "A", "-1"), ("-1",)),
    "reserve in words": (("reserve", "A", "many"), ("many",)),
    "negative backorder allowance": (("backorder", "A", "-3"), ("-3",)),
    "offset that is not a number": (("offset", "A", "+ten"), ("+ten",)),
    "offset for an unknown channel": (("offset", "A", "+2", "--channel", "Amazon"), ("Amazon",)),
    "offset for an unknown item": (("offset", "NOPE", "+2"), ("NOPE",)),
    "undo unknown movement": (("undo", "999"), ("999",)),
    "history of an unknown item": (("history", "NOPE"), ("NOPE",)),
    "channel twice": (("channel", "add", "Web", "--type", "manual"), ("Web",)),
    "channel name with a colon": (("channel", "add", "A:B", "--type", "manual"), ("A:B",)),
}


@pytest.mark.parametrize("args, named", REFUSALS.values(), ids=REFUSALS.keys())
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(shelf, db_dump, args, named):
    before = db_dump()
    refused(shelf(*args), *named)
    assert db_dump() == before


def test_a_set_loop_through_another_set_is_refused_naming_the_loop(shelf, db_dump):
    assert shelf("set", "define", "OUTER", "AB:1", "A:1").code == 0
    before = db_dump()
    line = refused(shelf("set", "define", "AB", "OUTER:1"))
    assert "AB → OUTER → AB" in line
    assert db_dump() == before
    rows = {row["code"]: row for row in shelf("stock", "--json").json()}
    assert (rows["AB"]["sellable"], rows["AB"]["limited_by"]) == (3, "B")  # still A:1 B:2


def test_an_item_whose_movements_add_up_to_zero_still_cannot_become_a_set(shelf, db_dump):
    assert shelf("item", "add", "C").code == 0
    assert shelf("adjust", "C", "+2").code == 0
    assert shelf("adjust", "C", "-2").code == 0
    before = db_dump()
    refused(shelf("set", "define", "C", "A:1"), "C")
    assert db_dump() == before


def test_undoing_the_same_movement_twice_is_refused(shelf, db_dump):
    run = shelf("adjust", "A", "+3", "--reason", "receive")
    movement = run.out.split()[-1].strip(")")  # "A: on hand 5 → 8 (movement 3)"
    assert shelf("undo", movement).code == 0
    before = db_dump()
    refused(shelf("undo", movement), movement)
    assert db_dump() == before
    rows = {row["code"]: row for row in shelf("stock", "--json").json()}
    assert rows["A"]["on_hand"] == 5


def test_a_refused_command_does_not_stop_the_next_one(shelf):
    refused(shelf("adjust", "A", "-99"), "A")
    assert shelf("adjust", "A", "-5").code == 0
    rows = {row["code"]: row for row in shelf("stock", "--json").json()}
    assert rows["A"]["on_hand"] == 0


# -- rendo check ---------------------------------------------------------------------------------

def test_check_passes_on_a_ledger_written_by_rendo(shelf):
    assert shelf("undo", "1").code == 0
    run = shelf("check")
    assert run.code == 0, run.err
    assert run.err == ""
    assert run.out.strip() != ""


def test_check_fails_naming_the_item_whose_cache_was_tampered_with(shelf, raw_sql):
    raw_sql("UPDATE item SET on_hand = on_hand + 1 WHERE code = ?", ("B",))
    run = shelf("check")
    assert run.code == 1
    assert len(run.err_lines) == 1, run.err
    line = run.err_lines[0]
    assert "B" in line and "8" in line and "7" in line, line
    assert not line.startswith("A")


def test_check_names_every_tampered_item(shelf, raw_sql):
    raw_sql("UPDATE item SET on_hand = 0 WHERE code IN ('A', 'B')")
    run = shelf("check")
    assert run.code == 1
    assert sorted(line.split(":")[0] for line in run.err_lines) == ["A", "B"]


# -- the same, as a real process -------------------------------------------------------------------

def test_a_real_process_exits_2_with_one_line_for_an_unknown_item(rendo_process, db_dump):
    assert rendo_process("item", "add", "00123").code == 0
    before = db_dump()
    refused(rendo_process("adjust", "123", "+1"), "123")
    assert db_dump() == before


def test_a_real_process_names_a_set_loop_with_arrows_on_stderr(rendo_process, db_dump):
    for args in (("item", "add", "A"), ("set", "define", "S", "A:1"),
                 ("set", "define", "T", "S:2")):
        assert rendo_process(*args).code == 0
    before = db_dump()
    refused(rendo_process("set", "define", "S", "T:1"), "S → T → S")
    assert db_dump() == before


def test_a_real_process_refuses_a_negative_reserve_in_one_line(rendo_process, db_dump):
    assert rendo_process("item", "add", "A").code == 0
    before = db_dump()
    refused(rendo_process("reserve", "A", "-1"), "-1")
    assert db_dump() == before


def test_a_real_process_check_exits_1_on_a_tampered_cache(rendo_process, raw_sql):
    assert rendo_process("item", "add", "A").code == 0
    assert rendo_process("adjust", "A", "+4").code == 0
    assert rendo_process("check").code == 0
    raw_sql("UPDATE item SET on_hand = 40 WHERE code = 'A'")
    run = rendo_process("check")
    assert run.code == 1
    assert run.err_lines and run.err_lines[0].startswith("A"), run.err
