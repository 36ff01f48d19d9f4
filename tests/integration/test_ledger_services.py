"""The ledger and order application through the service layer, on a real SQLite file.

The shop: channel Web; singles A (10), B (20), C (5) and an unrelated U (3); the set
pytestmark = pytest.mark.databases("sqlite", "postgresql")


INNER = A×1 + B×2, the nested set OUTER = INNER×2 + C×1, and UONLY = U×1.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import peewee as pw
import pytest

from app.domain.errors import BadInput
from app.domain.orders import OrderLine
from app.services import orders as order_service
from app.services.loading import load_book
from app.services.orders import apply_order, map_code, unmatched_lines
from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.models import AppliedLineRow, ChannelRow, ItemRow, MovementRow, UnmatchedLineRow

CONNECTED = datetime(2024, 4, 1, 0, 0, 0)  # when Web was connected (UTC, as stored)
AFTER = CONNECTED + timedelta(hours=1)
START = {"A": 10, "B": 20, "C": 5, "U": 3}


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    shop.add_channel("Web", "manual")
    ChannelRow.update(connected_at=CONNECTED).execute()
    for code, quantity in START.items():
        shop.add_item(code)
        shop.adjust(code, f"+{quantity}", "receive")
    shop.define_set("INNER", [("A", 1), ("B", 2)])
    shop.define_set("OUTER", [("INNER", 2), ("C", 1)])
    shop.define_set("UONLY", [("U", 1)])
    return shop


def line(order: str, code: str, quantity: int, line_id: str = "1", cancelled: bool = False,
         placed_at: datetime | None = AFTER, channel: str = "Web") -> OrderLine:
    return OrderLine(channel, order, line_id, code, quantity, cancelled, placed_at)


def on_hand() -> dict[str, int]:
    """The cached on hand of every single, from the database."""
    return {code: n for code, n in ItemRow.select(ItemRow.code, ItemRow.on_hand)
            .where(ItemRow.kind == "single").tuples()}


def ledger_sums() -> dict[str, int]:
    sums = dict(
        MovementRow.select(ItemRow.code, pw.fn.SUM(MovementRow.delta))
        .join(ItemRow).group_by(ItemRow.code).tuples()
    )
    return {code: int(sums.get(code) or 0) for code in on_hand()}


def movements() -> list[tuple]:
    return list(MovementRow.select().order_by(MovementRow.id).tuples())


def changed(before: dict[str, int]) -> dict[str, int]:
    """On hand now minus *before*, only where it differs."""
    now = on_hand()
    return {code: now[code] - before[code] for code in now if now[code] != before[code]}


# -- the ledger is append-only -----------------------------------------------------------------

def test_undo_appends_the_reverse_and_leaves_every_earlier_row_as_it_was(stocked):
    stocked.adjust("A", "+5", "receive")
    damaged = stocked.adjust("A", "-3", "damage")
    before = movements()
    undo_id = stocked.undo(damaged)
    after = movements()
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1
    reverse = MovementRow.get_by_id(undo_id)
    assert (reverse.item.code, reverse.delta, reverse.reason, reverse.undoes_id) == (
        "A", 3, "undo", damaged)
    assert on_hand()["A"] == 10 + 5 - 3 + 3
    history = {m.id: m for m in stocked.history("A")}
    assert history[damaged].undone_by == undo_id


def test_an_undo_can_itself_be_undone_and_the_ledger_only_grows(stocked):
    received = stocked.adjust("B", "+4", "receive")
    first = stocked.undo(received)
    second = stocked.undo(first)
    assert on_hand()["B"] == 24
    assert [m.reason for m in stocked.history("B")][:3] == ["undo", "undo", "receive"]
    assert MovementRow.get_by_id(second).undoes_id == first


def test_an_order_movement_cannot_be_undone_by_hand(stocked):
    apply_order(stocked, [line("o1", "A", 2)])
    order_movement = MovementRow.select().where(MovementRow.reason == "order").get()
    before = movements()
    with pytest.raises(BadInput, match=str(order_movement.id)):
        stocked.undo(order_movement.id)
    assert movements() == before


def test_a_stocktake_records_the_difference_not_the_count(stocked):
    movement_id = stocked.adjust("C", "=2", "stocktake")
    assert MovementRow.get_by_id(movement_id).delta == -3
    assert stocked.adjust("C", "=2", "stocktake") is None  # no change, no row
    assert on_hand()["C"] == 2


def test_the_on_hand_cache_equals_the_sum_of_movements_after_many_operations(stocked):
    rng = random.Random(20240401)
    stocked.set_backorder("A", 4)
    book = stocked.book  # incremental updates must stay in step too
    codes = ["A", "B", "C", "U"]
    sellable_codes = [*codes, "INNER", "OUTER", "UONLY"]
    manual: list[int] = []
    orders: dict[str, OrderLine] = {}
    for step in range(150):
        roll = rng.random()
        try:
            if roll < 0.35:
                op = rng.choice("+-=")
                moved = stocked.adjust(rng.choice(codes), f"{op}{rng.randint(0, 6)}", "manual")
                if moved is not None:
                    manual.append(moved)
            elif roll < 0.45 and manual:
                stocked.undo(rng.choice(manual))
            elif roll < 0.75 or not orders:
                order_id = f"o{step}"
                orders[order_id] = line(order_id, rng.choice(sellable_codes), rng.randint(1, 3))
                apply_order(stocked, [orders[order_id]])
            else:
                order_id = rng.choice(sorted(orders))
                old = orders[order_id]
                if rng.random() < 0.5:
                    new = line(order_id, old.channel_item_id, 0, cancelled=True)
                else:
                    new = line(order_id, old.channel_item_id, rng.randint(1, 4))
                orders[order_id] = new
                apply_order(stocked, [new])
        except BadInput:
            pass  # below zero, already undone…: refused, nothing written
    assert MovementRow.select().count() > 100
    assert on_hand() == ledger_sums()
    assert check_ledger() == []
    assert book.on_hand == on_hand()
    assert book.stock == load_book().stock


# -- orders ------------------------------------------------------------------------------

def test_the_same_order_read_twice_moves_stock_once(stocked):
    before = on_hand()
    first = apply_order(stocked, [line("o1", "A", 2), line("o1", "OUTER", 1, line_id="2")])
    rows = movements()
    second = apply_order(stocked, [line("o1", "A", 2), line("o1", "OUTER", 1, line_id="2")])
    assert (first.applied, second.applied, second.unchanged) == (2, 0, 2)
    assert movements() == rows
    assert changed(before) == {"A": -2 - 2, "B": -4, "C": -1}


def test_the_same_order_read_again_after_a_restart_moves_nothing(stocked, db_path):
    apply_order(stocked, [line("o1", "B", 3)])
    close_database()
    open_database(db_path)
    again = Shop()
    outcome = apply_order(again, [line("o1", "B", 3)])
    assert outcome.unchanged == 1
    assert on_hand()["B"] == 17


def test_a_changed_quantity_applies_only_the_difference(stocked):
    apply_order(stocked, [line("o1", "A", 2)])
    apply_order(stocked, [line("o1", "A", 5)])
    assert on_hand()["A"] == 5
    apply_order(stocked, [line("o1", "A", 1)])
    assert on_hand()["A"] == 9
    deltas = [m.delta for m in MovementRow.select().where(
        MovementRow.reference == "Web:o1:1").order_by(MovementRow.id)]
    assert deltas == [-2, -3, 4]
    assert AppliedLineRow.get().quantity == 1


def test_same_line_id_in_another_order_or_channel_is_another_line(stocked):
    stocked.add_channel("Mall", "manual")
    ChannelRow.update(connected_at=CONNECTED).execute()
    apply_order(stocked, [line("o1", "A", 1)])
    apply_order(stocked, [line("o2", "A", 1)])
    apply_order(stocked, [line("o1", "A", 1, channel="Mall")])
    assert on_hand()["A"] == 7
    assert AppliedLineRow.select().count() == 3


def test_cancelling_a_nested_set_gives_back_every_component(stocked):
    before = on_hand()
    apply_order(stocked, [line("o1", "OUTER", 2)])
    # OUTER×2 = INNER×4 + C×2 = A×4 + B×8 + C×2
    assert changed(before) == {"A": -4, "B": -8, "C": -2}
    outcome = apply_order(stocked, [line("o1", "OUTER", 2, cancelled=True)])
    assert on_hand() == before
    assert outcome.touched == {"A", "B", "C"}
    reasons = {m.reason for m in MovementRow.select().where(MovementRow.delta > 0,
                                                            MovementRow.reference != "")}
    assert reasons == {"cancel"}
    apply_order(stocked, [line("o1", "OUTER", 2, cancelled=True)])  # read again
    assert on_hand() == before


def test_cancelling_after_the_set_was_recomposed_gives_back_what_was_taken(stocked):
    before = on_hand()
    apply_order(stocked, [line("o1", "INNER", 1)])  # took A×1 + B×2
    stocked.define_set("INNER", [("A", 1), ("C", 1)])
    apply_order(stocked, [line("o1", "INNER", 1, cancelled=True)])
    assert on_hand() == before


def test_an_order_placed_before_the_channel_was_connected_is_not_applied(stocked):
    before = on_hand()
    early = line("o-old", "A", 2, placed_at=CONNECTED - timedelta(minutes=1))
    outcome = apply_order(stocked, [early])
    assert outcome.before_connection == 1
    assert on_hand() == before
    assert AppliedLineRow.select().count() == 0
    assert unmatched_lines() == []
    late = line("o-new", "A", 2, placed_at=CONNECTED + timedelta(minutes=1))
    assert apply_order(stocked, [late]).applied == 1
    assert changed(before) == {"A": -2}


def test_an_order_without_a_placed_time_is_applied(stocked):
    apply_order(stocked, [line("o1", "C", 1, placed_at=None)])
    assert on_hand()["C"] == 4


JST = timezone(timedelta(hours=9))
EST = timezone(timedelta(hours=-5))


def test_an_order_placed_in_japan_time_before_the_connection_is_not_applied(stocked):
    before = on_hand()
    placed = datetime(2024, 4, 1, 8, 30, tzinfo=JST)  # 2024-03-31 23:30 UTC: before
    outcome = apply_order(stocked, [line("o-jst", "A", 2, placed_at=placed)])
    assert outcome.before_connection == 1
    assert on_hand() == before


def test_an_order_placed_after_the_connection_in_another_time_zone_is_applied(stocked):
    placed = datetime(2024, 3, 31, 19, 30, tzinfo=EST)  # 2024-04-01 00:30 UTC: after
    outcome = apply_order(stocked, [line("o-est", "A", 2, placed_at=placed)])
    assert outcome.applied == 1
    assert on_hand()["A"] == 8


# -- unmatched lines --------------------------------------------------------------------------

def test_an_unknown_channel_item_id_is_kept_and_applied_once_mapped(stocked):
    before = on_hand()
    outcome = apply_order(stocked, [line("o1", "rk-a-001", 2), line("o1", "B", 1, "2")])
    assert (outcome.applied, outcome.unmatched) == (1, 1)
    assert changed(before) == {"B": -1}
    apply_order(stocked, [line("o1", "rk-a-001", 2), line("o1", "B", 1, "2")])  # read again
    waiting = unmatched_lines()
    assert [(w.channel, w.order_id, w.line_id, w.channel_item_id, w.quantity)
            for w in waiting] == [("Web", "o1", "1", "rk-a-001", 2)]

    mapped = map_code(stocked, "Web", "rk-a-001", "A")
    assert mapped.applied == 1
    assert changed(before) == {"A": -2, "B": -1}
    assert unmatched_lines() == []
    map_code(stocked, "Web", "rk-a-001", "A")  # mapping again applies nothing more
    apply_order(stocked, [line("o1", "rk-a-001", 2), line("o1", "B", 1, "2")])
    assert changed(before) == {"A": -2, "B": -1}
    assert check_ledger() == []


def test_a_mapped_line_cancelled_later_is_given_back(stocked):
    before = on_hand()
    apply_order(stocked, [line("o1", "rk-set", 1)])
    map_code(stocked, "Web", "rk-set", "INNER")
    assert changed(before) == {"A": -1, "B": -2}
    apply_order(stocked, [line("o1", "rk-set", 1, cancelled=True)])
    assert on_hand() == before


def test_later_orders_for_a_mapped_id_go_straight_to_the_item(stocked):
    apply_order(stocked, [line("o1", "rk-c", 1)])
    map_code(stocked, "Web", "rk-c", "C")
    outcome = apply_order(stocked, [line("o2", "rk-c", 2)])
    assert (outcome.applied, outcome.unmatched) == (1, 0)
    assert on_hand()["C"] == 2


def test_the_latest_version_of_an_unmatched_line_is_what_gets_applied(stocked):
    apply_order(stocked, [line("o1", "rk-b", 1)])
    apply_order(stocked, [line("o1", "rk-b", 4)])  # the customer changed the quantity
    assert [w.quantity for w in unmatched_lines()] == [4]
    map_code(stocked, "Web", "rk-b", "B")
    assert on_hand()["B"] == 16


def test_an_unmatched_line_cancelled_before_it_was_mapped_never_moves_stock(stocked):
    before = on_hand()
    apply_order(stocked, [line("o1", "rk-b", 3)])
    apply_order(stocked, [line("o1", "rk-b", 3, cancelled=True)])
    map_code(stocked, "Web", "rk-b", "B")
    assert on_hand() == before
    assert unmatched_lines() == []


def test_a_waiting_line_applied_once_its_item_exists_is_no_longer_listed_as_unmatched(stocked):
    waiting = line("o1", "NEW-1", 2)
    assert apply_order(stocked, [waiting]).unmatched == 1
    stocked.add_item("NEW-1")
    stocked.adjust("NEW-1", "+5", "receive")
    assert apply_order(stocked, [waiting]).applied == 1  # the same order read again
    assert on_hand()["NEW-1"] == 3
    assert unmatched_lines() == []


def test_mapping_to_an_unknown_item_is_refused_and_the_line_keeps_waiting(stocked):
    apply_order(stocked, [line("o1", "rk-x", 1)])
    with pytest.raises(BadInput, match="NOPE"):
        map_code(stocked, "Web", "rk-x", "NOPE")
    assert [w.channel_item_id for w in unmatched_lines()] == ["rk-x"]


# -- one order, one transaction ---------------------------------------------------------------

def test_an_order_with_a_bad_line_writes_nothing_at_all(stocked):
    before, rows = on_hand(), movements()
    book_before = dict(stocked.book.on_hand)
    bad = [line("o1", "A", 1), line("o1", "OUTER", 1, "2"), line("o1", "B", -1, "3")]
    assert apply_order(stocked, bad).refused == 1  # refused and listed, not raised
    assert on_hand() == before
    assert movements() == rows
    assert AppliedLineRow.select().count() == 0
    assert stocked.book.on_hand == book_before
    [kept] = unmatched_lines()
    assert (kept.line_id, "-1") == ("3", str(kept.quantity))
    assert "-1" in str(order_service.line_problem(kept))
    good = apply_order(stocked, [line("o1", "A", 1), line("o1", "OUTER", 1, "2")])
    assert good.applied == 2  # nothing of the failed attempt was remembered


def test_an_order_failing_half_way_leaves_no_half_written_lines(stocked, monkeypatch):
    def broken(channel, order_line):
        raise RuntimeError("disk full")

    monkeypatch.setattr(order_service, "_keep_unmatched", broken)
    before, rows = on_hand(), movements()
    with pytest.raises(RuntimeError, match="disk full"):
        apply_order(stocked, [line("o1", "A", 1), line("o1", "B", 2, "2"),
                              line("o1", "rk-unknown", 1, "3")])
    assert on_hand() == before
    assert movements() == rows
    assert AppliedLineRow.select().count() == 0
    assert UnmatchedLineRow.select().count() == 0
    assert check_ledger() == []


def test_one_bad_order_in_a_page_of_orders_does_not_undo_the_good_ones(stocked):
    before = on_hand()
    book = stocked.book
    with stocked.ledger_transaction():
        apply_order(stocked, [line("o1", "A", 1)])
        assert apply_order(stocked, [line("o2", "B", 2), line("o2", "C", -1, "2")]).refused == 1
        apply_order(stocked, [line("o3", "C", 1)])
    assert changed(before) == {"A": -1, "C": -1}
    assert book.on_hand == on_hand()
    assert check_ledger() == []


def test_lines_of_two_orders_are_refused_as_one_order(stocked):
    before = on_hand()
    with pytest.raises(BadInput, match="o1"):
        apply_order(stocked, [line("o1", "A", 1), line("o2", "A", 1)])
    assert on_hand() == before


# -- the stock book in memory ---------------------------------------------------------------

def assert_book_matches_a_fresh_load(shop: Shop) -> None:
    fresh = load_book()
    assert shop.book.on_hand == fresh.on_hand
    assert shop.book.stock == fresh.stock


def test_the_book_kept_in_memory_equals_a_fresh_load_after_each_change(stocked):
    stocked.add_channel("Mall", "manual", maximum=15)
    stocked.save_pattern("low", ["<=10:Web=50%,Mall=50%"], ["Mall", "Web"])
    assert stocked.book.stock  # loaded: from here on it is updated incrementally
    steps = [
        lambda: stocked.adjust("A", "+7"),
        lambda: stocked.adjust("B", "=3", "stocktake"),
        lambda: stocked.set_reserved("C", 2),
        lambda: stocked.set_backorder("A", 3),
        lambda: stocked.assign_pattern("low", ["A", "OUTER"]),
        lambda: stocked.set_offset(["INNER"], None),
        lambda: apply_order(stocked, [line("o1", "OUTER", 1), line("o1", "U", 2, "2")]),
        lambda: stocked.set_reserved("INNER", 1),
        lambda: apply_order(stocked, [line("o1", "OUTER", 3), line("o1", "U", 2, "2")]),
        lambda: stocked.define_set("INNER", [("A", 2), ("C", 1)]),
        lambda: stocked.adjust("C", "-1", "damage"),
        lambda: apply_order(stocked, [line("o1", "OUTER", 0, cancelled=True)]),
        lambda: stocked.save_pattern("low", ["<=20:Web=same"], replace=True),
        lambda: stocked.adjust("U", "+1"),
    ]
    for number, step in enumerate(steps):
        step()
        try:
            assert_book_matches_a_fresh_load(stocked)
        except AssertionError as failure:
            raise AssertionError(f"after step {number}") from failure


def test_an_adjustment_tells_listeners_the_item_and_the_sets_containing_it_only(stocked):
    heard: list[list[str]] = []
    assert stocked.book.stock
    stocked.listeners.append(heard.append)
    stocked.adjust("A", "+1")
    assert len(heard) == 1
    assert set(heard[0]) == {"A", "INNER", "OUTER"}
    heard.clear()
    stocked.adjust("C", "-1")
    assert [set(h) for h in heard] == [{"C", "OUTER"}]
    heard.clear()
    stocked.adjust("U", "+2")
    assert [set(h) for h in heard] == [{"U", "UONLY"}]


def test_an_order_tells_listeners_every_component_it_moved_and_their_sets(stocked):
    heard: list[list[str]] = []
    assert stocked.book.stock
    stocked.listeners.append(heard.append)
    apply_order(stocked, [line("o1", "INNER", 1)])
    assert len(heard) == 1
    assert set(heard[0]) == {"A", "B", "INNER", "OUTER"}


def test_a_refused_change_tells_listeners_nothing(stocked):
    heard: list[list[str]] = []
    assert stocked.book.stock
    stocked.listeners.append(heard.append)
    with pytest.raises(BadInput):
        stocked.adjust("A", "-99")
    assert apply_order(stocked, [line("o1", "A", 1), line("o1", "B", -2, "2")]).refused == 1
    assert heard == []
