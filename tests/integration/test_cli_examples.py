"""The worked examples of docs/rules.md and README's command-line example, told through the
command line a shop's script would use.

Every number is read back from `rendo stock --json`, whose format is a contract (issue 2, §4).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

CONTRACT_KEYS = {"code", "kind", "on_hand", "reserved", "sellable", "limited_by", "channels"}


def ok(run) -> str:
    assert run.code == 0, run.err
    assert run.err == ""
    return run.out


@pytest.fixture
def say(rendo):
    """Run a `rendo` command that must succeed; return its stdout."""
    return lambda *args: ok(rendo(*args))


def stock(rendo) -> dict[str, dict]:
    """`rendo stock --json`, checked against the contract, keyed by code."""
    run = rendo("stock", "--json")
    ok(run)
    rows = run.json()
    assert isinstance(rows, list)
    for row in rows:
        assert set(row) == CONTRACT_KEYS, row
        assert row["kind"] in ("single", "set")
        assert isinstance(row["code"], str)
        for key in ("reserved", "sellable"):
            assert type(row[key]) is int, (key, row)
        assert isinstance(row["channels"], dict)
        assert all(type(v) is int for v in row["channels"].values()), row
        if row["kind"] == "set":
            assert row["on_hand"] is None, row
        else:
            assert type(row["on_hand"]) is int, row
    by_code = {row["code"]: row for row in rows}
    assert len(by_code) == len(rows), "one object per item"
    return by_code


# -- display offsets: "on hand 30 with +20 shows 50; with -10 shows 20 …" -------------------

@pytest.fixture
def web_shop_with_30(say):
    say("channel", "add", "Web", "--type", "manual")
    say("item", "add", "X", "--name", "手ぬぐい")
    say("adjust", "X", "+30", "--reason", "receive")
    return say


def test_on_hand_30_with_plus_20_shows_50(web_shop_with_30, rendo):
    web_shop_with_30("offset", "X", "+20")
    row = stock(rendo)["X"]
    assert row == {"code": "X", "kind": "single", "on_hand": 30, "reserved": 0,
                   "sellable": 30, "limited_by": None, "channels": {"Web": 50}}


def test_minus_10_written_as_a_plain_argument_shows_20_then_0_at_on_hand_10(
    web_shop_with_30, rendo
):
    web_shop_with_30("offset", "X", "-10")
    assert stock(rendo)["X"]["channels"] == {"Web": 20}
    web_shop_with_30("adjust", "X", "-20")
    row = stock(rendo)["X"]
    assert row["on_hand"] == 10
    assert row["sellable"] == 10
    assert row["channels"] == {"Web": 0}


def test_fixed_3_shows_3_while_on_hand_is_at_least_3_then_what_is_left(web_shop_with_30, rendo):
    web_shop_with_30("offset", "X", "3")
    assert stock(rendo)["X"]["channels"] == {"Web": 3}
    web_shop_with_30("adjust", "X", "=3", "--reason", "stocktake")
    assert stock(rendo)["X"]["channels"] == {"Web": 3}
    web_shop_with_30("adjust", "X", "=2", "--reason", "stocktake")
    assert stock(rendo)["X"]["channels"] == {"Web": 2}


def test_removing_the_offset_shows_sellable_again(web_shop_with_30, rendo):
    web_shop_with_30("offset", "X", "+20")
    web_shop_with_30("offset", "X", "none")
    assert stock(rendo)["X"]["channels"] == {"Web": 30}


def test_an_offset_for_one_channel_leaves_the_others_on_the_items_offset(
    web_shop_with_30, rendo
):
    web_shop_with_30("channel", "add", "Mall", "--type", "manual")
    web_shop_with_30("offset", "X", "-10")
    web_shop_with_30("offset", "X", "+20", "--channel", "Mall")
    assert stock(rendo)["X"]["channels"] == {"Web": 20, "Mall": 50}


def test_a_channel_maximum_caps_what_it_is_shown(say, rendo):
    say("channel", "add", "Small", "--type", "manual", "--max", "25")
    say("item", "add", "X")
    say("adjust", "X", "+30")
    say("offset", "X", "+20")
    assert stock(rendo)["X"]["channels"] == {"Small": 25}


def test_reserved_units_are_kept_back_from_every_channel(web_shop_with_30, rendo):
    web_shop_with_30("reserve", "X", "4")
    row = stock(rendo)["X"]
    assert (row["on_hand"], row["reserved"], row["sellable"]) == (30, 4, 26)
    assert row["channels"] == {"Web": 26}


# -- sets: "A×1 + B×2 with A=5, B=7 sells 3 and is limited by B" ------------------------

def test_set_of_a_and_two_b_sells_3_limited_by_b(say, rendo):
    say("channel", "add", "Web", "--type", "manual")
    for code, qty in (("A", "+5"), ("B", "+7")):
        say("item", "add", code)
        say("adjust", code, qty)
    say("set", "define", "AB", "A:1", "B:2")
    rows = stock(rendo)
    assert rows["AB"] == {"code": "AB", "kind": "set", "on_hand": None, "reserved": 0,
                          "sellable": 3, "limited_by": "B", "channels": {"Web": 3}}
    assert rows["A"]["on_hand"] == 5 and rows["B"]["on_hand"] == 7  # a set takes no stock


def test_the_limiting_component_changes_when_its_stock_does(say, rendo):
    say("channel", "add", "Web", "--type", "manual")
    for code, qty in (("A", "+5"), ("B", "+7")):
        say("item", "add", code)
        say("adjust", code, qty)
    say("set", "define", "AB", "A:1", "B:2")
    say("adjust", "B", "+20")
    row = stock(rendo)["AB"]
    assert (row["sellable"], row["limited_by"]) == (5, "A")


# -- allocation: a 50/30/20 split of 7 gives 4/2/1 -----------------------------------------

@pytest.fixture
def three_channel_shop(say):
    for name in ("A", "B", "C"):
        say("channel", "add", name, "--type", "manual")
    say("item", "add", "X")
    say("adjust", "X", "+7")
    return say


def test_50_30_20_split_of_7_gives_4_2_1_with_the_leftover_to_the_first_by_priority(
    three_channel_shop, rendo
):
    three_channel_shop("pattern", "add", "low", "--tier", "<=10:A=50%,B=30%,C=20%",
                       "--priority", "A,B,C")
    three_channel_shop("pattern", "assign", "low", "X")
    row = stock(rendo)["X"]
    assert row["sellable"] == 7
    assert row["channels"] == {"A": 4, "B": 2, "C": 1}


def test_the_leftover_follows_the_priority_order_not_the_tier_order(three_channel_shop, rendo):
    three_channel_shop("pattern", "add", "low", "--tier", "<=10:A=50%,B=30%,C=20%",
                       "--priority", "C,B,A")
    three_channel_shop("pattern", "assign", "low", "X")
    assert stock(rendo)["X"]["channels"] == {"A": 3, "B": 2, "C": 2}


def test_hold_back_keeps_the_unit_left_by_flooring(three_channel_shop, rendo):
    three_channel_shop("pattern", "add", "low", "--tier", "<=10:A=50%,B=30%,C=20%",
                       "--priority", "A,B,C", "--hold-back")
    three_channel_shop("pattern", "assign", "low", "X")
    assert stock(rendo)["X"]["channels"] == {"A": 3, "B": 2, "C": 1}


def test_above_the_tier_every_channel_gets_all_of_sellable(three_channel_shop, rendo):
    three_channel_shop("pattern", "add", "low", "--tier", "<=10:A=50%,B=30%,C=20%",
                       "--priority", "A,B,C")
    three_channel_shop("pattern", "assign", "low", "X")
    three_channel_shop("adjust", "X", "+4")
    assert stock(rendo)["X"]["channels"] == {"A": 11, "B": 11, "C": 11}


def test_tiers_are_tried_in_the_order_given(three_channel_shop, rendo):
    three_channel_shop("pattern", "add", "two", "--priority", "A,B,C",
                       "--tier", "<=3:A=same,B=0,C=0", "--tier", "<=10:A=2,B=2,C=3")
    three_channel_shop("pattern", "assign", "two", "X")
    assert stock(rendo)["X"]["channels"] == {"A": 2, "B": 2, "C": 3}
    three_channel_shop("adjust", "X", "=5")  # fixed counts never give out more than there is
    assert stock(rendo)["X"]["channels"] == {"A": 2, "B": 2, "C": 1}
    three_channel_shop("adjust", "X", "=3")
    assert stock(rendo)["X"]["channels"] == {"A": 3, "B": 0, "C": 0}


# -- codes are text --------------------------------------------------------------------------

def test_leading_zeros_make_a_different_item(say, rendo):
    say("item", "add", "00123", "--name", "zero-padded")
    say("item", "add", "123", "--name", "plain")
    say("adjust", "00123", "+8")
    say("adjust", "123", "+1")
    rows = stock(rendo)
    assert set(rows) == {"00123", "123"}
    assert rows["00123"]["on_hand"] == 8
    assert rows["123"]["on_hand"] == 1


def test_a_japanese_name_and_code_survive_the_json(say, rendo):
    say("item", "add", "てぬぐい-01", "--name", "手ぬぐい 藍")
    say("adjust", "てぬぐい-01", "+2")
    assert stock(rendo)["てぬぐい-01"]["on_hand"] == 2


def test_an_empty_shop_prints_an_empty_list(rendo):
    assert stock(rendo) == {}


# -- end to end, as a real process ------------------------------------------------------------

def test_the_installed_command_prints_the_same_contract_as_a_real_process(rendo_process):
    for args in (("channel", "add", "Web"), ("item", "add", "00123"),
                 ("adjust", "00123", "+30"), ("offset", "00123", "-10")):
        run = rendo_process(*args)
        assert run.code == 0, run.err
    run = rendo_process("stock", "--json")
    assert run.code == 0, run.err
    assert run.json() == [{"code": "00123", "kind": "single", "on_hand": 30, "reserved": 0,
                           "sellable": 30, "limited_by": None, "channels": {"Web": 20}}]


def test_rendo_db_in_the_environment_chooses_the_file(tmp_path, monkeypatch, rendo):
    from app.cli import main

    other = tmp_path / "other.sqlite3"
    monkeypatch.setenv("RENDO_DB", str(other))
    assert main(["item", "add", "ENV-ONLY"]) == 0
    assert other.exists()
    assert stock(rendo) == {}  # --db still wins over RENDO_DB


# -- README's example, pasted into a new database ---------------------------------------------

def readme_section(title: str) -> str:
    """The text of README's section *title*, up to the next heading of level 2 or 3."""
    text = README.read_text(encoding="utf-8")
    heading = f"\n### {title}\n"
    assert heading in text, f"README has no section {title!r}"
    rest = text[text.index(heading) + len(heading):]
    end = re.search(r"^#{2,3} ", rest, re.M)
    return rest[:end.start()] if end else rest


def fenced_blocks(section: str, languages: tuple[str, ...]) -> list[str]:
    return [body for info, body in re.findall(r"^```(\w*)\n(.*?)^```", section, re.S | re.M)
            if info in languages]


def test_readmes_command_line_example_runs_on_a_new_database(rendo, tmp_path, monkeypatch):
    """Every line of the shell blocks of README's "Command line" section exits 0, in order."""
    monkeypatch.chdir(tmp_path)  # files the example writes (a backup) land in the test's folder
    section = readme_section("Command line")
    blocks = fenced_blocks(section, ("", "sh", "shell", "console"))
    lines = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert len(lines) >= 15
    outputs = []
    for line in lines:
        words = shlex.split(line, comments=True)
        assert words[0] == "rendo", line
        run = rendo(*words[1:])
        assert (run.code, run.err) == (0, ""), f"{line}\n{run.err}"
        outputs.append(run.out)
    assert lines[-1].split("#")[0].split() == ["rendo", "stock", "--json"]
    printed = {row["code"]: row for row in json.loads(outputs[-1])}
    (sample,) = fenced_blocks(section, ("json",))
    shown = json.loads(sample)
    assert printed[shown["code"]] == shown  # the sample README shows is what the example gives
    assert (tmp_path / "shop-copy.sqlite3").is_file()
    for line, out in zip(lines, outputs, strict=True):
        comment = line.partition("# prints: ")[2]
        if comment:
            assert out.strip() == comment.strip(), line


def test_readme_links_stay_inside_the_repository():
    """A reader of the repository has no ../shared: every relative link and path resolves."""
    text = README.read_text(encoding="utf-8")
    assert "../" not in text
    targets = re.findall(r"\]\(([^)#]+)\)", text)
    assert "docs/rules.md" in targets
    for target in targets:
        if "://" not in target:
            assert (README.parent / target).exists(), target
