"""Every process sees every committed change before it computes or uploads: two Shops on one
database file (as two processes would be) and a real `rendo` process writing beside a Shop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.domain.offsets import parse_offset
from app.services.importing import ImportOptions, import_file, undo_import
from app.services.loading import load_book
from app.services.shop import Shop
from app.store import feed
from app.store.models import ChangeRow

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def two(shop: Shop) -> tuple[Shop, Shop]:
    """*writer* and *reader*: two Shops on one file, each with its book loaded."""
    for code, on_hand in (("A", 10), ("B", 30), ("C", 4)):
        shop.add_item(code, f"item {code}")
        shop.adjust(code, f"+{on_hand}", "receive")
    shop.add_item("AB", "set AB")
    shop.define_set("AB", [("A", 1), ("B", 2)])
    shop.add_channel("web")
    shop.add_channel("mall")
    reader = Shop()
    assert reader.book.stock["AB"].sellable == 10
    return shop, reader


def heard(shop: Shop) -> list[list[str]]:
    calls: list[list[str]] = []
    shop.listeners.append(calls.append)
    return calls


def assert_current(reader: Shop) -> None:
    """The reader's computed stock equals one computed afresh from the database."""
    fresh = load_book()
    book = reader.book
    assert book.on_hand == fresh.on_hand
    assert book.items == fresh.items
    assert book.components == fresh.components
    assert book.stock == fresh.stock
    assert [c.name for c in book.channels] == [c.name for c in fresh.channels]


def test_an_adjustment_by_another_shop_reaches_the_book_and_its_listeners(two):
    writer, reader = two
    calls = heard(reader)
    writer.adjust("A", "+5")
    writer.adjust("B", "-30")
    assert reader.book.on_hand["A"] == 10  # not read yet: nothing changes behind its back
    touched = reader.catch_up()
    assert set(touched) == {"A", "B", "AB"}
    assert calls == [touched]
    assert reader.book.on_hand == {"A": 15, "B": 0, "C": 4}
    assert reader.book.stock["AB"].sellable == 0
    assert reader.book.stock["AB"].limited_by == "B"
    assert_current(reader)
    assert reader.catch_up() == []  # nothing new: nothing recomputed, nobody told
    assert len(calls) == 1


def test_master_data_sets_patterns_and_offsets_of_another_shop_are_seen(two):
    writer, reader = two
    writer.set_reserved("A", 3)
    writer.set_backorder("C", 2)
    writer.set_reorder_point("C", 10)
    writer.define_set("AB", [("A", 2), ("C", 1)])
    writer.define_set("CC", [("C", 2)])
    writer.set_offset(["A"], parse_offset("+20"))
    writer.set_offset(["B"], parse_offset("5"), channel="mall")
    writer.save_pattern("half", ["<=100:web=50%,mall=50%"])
    writer.assign_pattern("half", ["C"])
    reader.catch_up()
    assert reader.book.items["A"].reserved == 3
    assert reader.book.components["AB"] == (("A", 2), ("C", 1))
    assert reader.book.stock["AB"].sellable == 3  # A: 10-3=7 → 3 sets; C: 4+2=6 → 6
    assert reader.book.stock["CC"].sellable == 3
    assert reader.book.stock["A"].channels == {"web": 27, "mall": 27}
    assert reader.book.stock["B"].channels == {"web": 30, "mall": 5}
    assert reader.book.stock["C"].channels == {"web": 3, "mall": 3}
    assert reader.book.stock["C"].low
    assert_current(reader)

    writer.save_pattern("half", ["<=100:web=100%,mall=0"], replace=True)  # its users change
    writer.set_offset(["A"], None)
    reader.catch_up()
    assert reader.book.stock["C"].channels == {"web": 6, "mall": 0}
    assert reader.book.stock["A"].channels == {"web": 7, "mall": 7}
    writer.delete_pattern("half")
    reader.catch_up()
    assert reader.book.stock["C"].channels == {"web": 6, "mall": 6}
    assert_current(reader)


def test_items_and_channels_added_by_another_shop_are_seen(two):
    writer, reader = two
    writer.add_item("NEW", "new item")
    writer.adjust("NEW", "+2")
    reader.catch_up()
    assert reader.book.stock["NEW"].channels == {"web": 2, "mall": 2}
    writer.add_channel("shop3", maximum=1)
    writer.update_channel("web", enabled=False)
    calls = heard(reader)
    reader.catch_up()
    assert [c.name for c in reader.book.channels] == ["mall", "shop3"]
    assert reader.book.stock["B"].channels == {"mall": 30, "shop3": 1}
    assert set(calls[0]) == {"A", "B", "C", "AB", "NEW"}  # everything, once
    assert_current(reader)


def test_imports_by_another_shop_are_seen_stock_and_master_data(two, tmp_path: Path):
    writer, reader = two
    stocktake = tmp_path / "stocktake.csv"
    stocktake.write_text("code,quantity\nA,1\nB,9\n", encoding="utf-8")
    result = import_file(writer, stocktake)
    reader.catch_up()
    assert reader.book.on_hand == {"A": 1, "B": 9, "C": 4}
    master = tmp_path / "items.csv"
    master.write_text("code,name,reserved\nC,renamed,1\nD,brand new,\n", encoding="utf-8")
    import_file(writer, master, ImportOptions(kind="items"))
    reader.catch_up()
    assert reader.book.items["C"].name == "renamed"
    assert reader.book.stock["C"].sellable == 3
    assert "D" in reader.book.stock
    assert_current(reader)
    assert result.batch is not None
    undo_import(writer, result.batch)
    reader.catch_up()
    assert reader.book.on_hand == {"A": 10, "B": 30, "C": 4, "D": 0}
    assert_current(reader)


def test_a_large_import_is_one_feed_row_and_a_full_reload(two, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    writer, reader = two
    monkeypatch.setattr(feed, "MAX_CODES", 2)
    before = ChangeRow.select().count()
    stocktake = tmp_path / "stocktake.csv"
    stocktake.write_text("code,quantity\nA,1\nB,2\nC,3\n", encoding="utf-8")
    import_file(writer, stocktake)
    rows = list(ChangeRow.select().order_by(ChangeRow.id))[before:]
    assert [r.code for r in rows] == [None]  # "everything"
    calls = heard(reader)
    reader.catch_up()
    assert reader.book.on_hand == {"A": 1, "B": 2, "C": 3}
    assert set(calls[0]) == {"A", "B", "C", "AB"}
    assert_current(reader)


def test_a_refused_change_adds_nothing_to_the_feed(two):
    writer, reader = two
    writer.define_set("CC", [("AB", 1)])
    before = feed.newest_id()
    with pytest.raises(Exception, match="below 0"):
        writer.adjust("C", "-5")
    # The reader has not read CC's recipe yet: the loop is found in the database anyway.
    with pytest.raises(Exception, match="would contain itself"):
        reader.define_set("AB", [("CC", 1)])
    assert feed.newest_id() == before


def test_a_shop_that_missed_pruned_changes_reloads_everything(two,
                                                              monkeypatch: pytest.MonkeyPatch):
    writer, reader = two
    for _ in range(5):
        writer.adjust("A", "+1")
    monkeypatch.setattr(feed, "KEEP_ROWS", 1)
    monkeypatch.setattr(feed, "KEEP_FOR", feed.KEEP_FOR * 0)
    assert feed.prune(feed.newest_id()) > 0
    assert ChangeRow.select().count() == 1
    calls = heard(reader)
    reader.catch_up()
    assert reader.book.on_hand["A"] == 15
    assert set(calls[0]) == {"A", "B", "C", "AB"}  # a full reload, not only the last row
    assert_current(reader)


def test_the_feed_prunes_itself_as_it_grows(two, monkeypatch: pytest.MonkeyPatch):
    writer, reader = two
    monkeypatch.setattr(feed, "PRUNE_EVERY", 4)
    monkeypatch.setattr(feed, "KEEP_ROWS", 3)
    monkeypatch.setattr(feed, "KEEP_FOR", feed.KEEP_FOR * 0)
    first = feed.oldest_id()
    for _ in range(20):
        writer.adjust("C", "+1")
    assert ChangeRow.select().count() <= 3 + 4
    assert feed.oldest_id() > first
    reader.catch_up()
    assert reader.book.on_hand["C"] == 24
    assert_current(reader)


def test_a_real_rendo_process_writes_and_the_shop_sees_it(
    two, rendo_process: Callable[..., Any], tmp_path: Path
):
    _, reader = two
    stocktake = tmp_path / "stocktake.csv"
    stocktake.write_text("code,quantity\nC,40\n", encoding="utf-8")
    for args in (("adjust", "A", "+7"), ("reserve", "B", "4"), ("import", str(stocktake)),
                 ("set", "define", "CC", "C:4")):
        run = rendo_process(*args)
        assert run.code == 0, run.err
    reader.catch_up()
    assert reader.book.on_hand == {"A": 17, "B": 30, "C": 40}
    assert reader.book.stock["B"].sellable == 26
    assert reader.book.stock["AB"].sellable == 13
    assert reader.book.stock["CC"].sellable == 10
    assert_current(reader)


def test_only_changes_the_shop_did_not_make_reach_its_feed_listeners(two):
    writer, reader = two
    foreign: list[list[str]] = []
    writer.feed_listeners.append(foreign.append)
    writer.adjust("A", "+1")
    assert foreign == []  # its own write: the sync worker need not hear of it twice
    reader.adjust("B", "+1")
    writer.adjust("A", "+1")  # reads the feed on commit: finds B, which it did not write
    assert foreign == [["B"]]
    reader.set_reserved("C", 1)
    writer.catch_up()
    assert foreign == [["B"], ["C"]]


def test_a_running_sync_uploads_what_another_process_changed_and_never_the_old_numbers(
    db_path: str, sandbox: Callable[..., Any],
):
    """The issue's `sync --watch` beside a CLI and a `sync --once`: the watcher used to put
    its old numbers back over the right ones."""
    from app.store.database import close_database, open_database
    from app.sync.engine import SyncEngine

    from .sync_world import build_world, fast_adapter_for

    open_database(db_path)
    world = build_world(Shop(), sandbox)
    try:
        watcher = SyncEngine(world.shop, fast_adapter_for)
        watcher.run_due(force=True)
        assert world.shown("rakuten")["A"] == 40
        other = Shop()  # the command line: adjusts, then a `sync --once` of its own
        for _ in range(20):
            other.adjust("A", "+1")
        other.adjust("B", "-30")
        SyncEngine(other, fast_adapter_for).run_due(force=True)
        right = {"A": 60, "B": 0, "AB": 0, "NEST": 0}
        assert {code: world.shown("yahoo")[code] for code in right} == right
        watcher.run_due(force=True)  # the watcher's next cycle
        for channel in ("rakuten", "yahoo", "base"):
            assert {code: world.shown(channel)[code] for code in right} == right
        other.adjust("C", "-25")  # and without a `sync --once`: the watcher uploads it
        watcher.run_due(force=True)
        assert world.shown("base")["C"] == 0 and world.shown("base")["C3"] == 0
    finally:
        close_database()
