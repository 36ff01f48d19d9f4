"""A shop's database written by the first schema version opens in this Rendo, keeps every number,
and gains the newer tables; a database from a newer Rendo is refused, untouched.

The file tests/fixtures/schema_v1.sqlite3 is made by tests/fixtures/make_v1_db.py (see there for
its content). Tests open copies only, never the kept file.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from app.domain.orders import OrderLine
from app.services.orders import apply_order, map_code, unmatched_lines
from app.services.report import check_ledger, stock_rows
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.migrations import LATEST, MIGRATIONS, SchemaTooNew, current_version
from app.store.models import ALL_MODELS, ChannelRow, ItemRow, MovementRow

V1_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "schema_v1.sqlite3"

V1_STOCK = {
    "00123": {"code": "00123", "kind": "single", "on_hand": 30, "reserved": 0, "sellable": 30,
              "limited_by": None, "channels": {"Web": 50, "Mall": 3}},
    "123": {"code": "123", "kind": "single", "on_hand": 5, "reserved": 0, "sellable": 5,
            "limited_by": None, "channels": {"Web": 3, "Mall": 2}},
    "A": {"code": "A", "kind": "single", "on_hand": 5, "reserved": 0, "sellable": 5,
          "limited_by": None, "channels": {"Web": 5, "Mall": 5}},
    "B": {"code": "B", "kind": "single", "on_hand": 7, "reserved": 0, "sellable": 7,
          "limited_by": None, "channels": {"Web": 7, "Mall": 7}},
    "AB": {"code": "AB", "kind": "set", "on_hand": None, "reserved": 0, "sellable": 3,
           "limited_by": "B", "channels": {"Web": 3, "Mall": 3}},
}


def versions(path: Path) -> list[int]:
    connection = sqlite3.connect(str(path))
    try:
        return [v for (v,) in connection.execute(
            "SELECT version FROM schema_version ORDER BY version")]
    finally:
        connection.close()


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    assert V1_FILE.exists(), "run tests/fixtures/make_v1_db.py"
    copy = tmp_path / "from_v1.sqlite3"
    shutil.copyfile(V1_FILE, copy)
    return copy


@pytest.fixture
def upgraded(v1_copy: Path):
    database = open_database(str(v1_copy))
    try:
        yield database
    finally:
        close_database()


def test_the_kept_file_is_schema_1_with_no_journal_files_beside_it():
    assert versions(V1_FILE) == [1]
    beside = sorted(p.name for p in V1_FILE.parent.glob(V1_FILE.name + "-*"))
    assert beside == []
    assert V1_FILE.stat().st_size < 100_000


def test_opening_a_v1_database_migrates_it_to_the_latest_version(v1_copy, upgraded):
    assert current_version(upgraded) == LATEST
    assert versions(v1_copy) == [number for number, _, _ in MIGRATIONS]
    tables = set(upgraded.get_tables())
    assert {model._meta.table_name for model in ALL_MODELS} <= tables


def test_every_model_of_the_latest_schema_can_read_the_migrated_file(upgraded):
    for model in ALL_MODELS:
        list(model.select().limit(1))  # a column the migrations forgot would fail here


def test_the_old_stock_comes_out_with_the_same_numbers(upgraded):
    rows = {row["code"]: row for row in stock_rows(Shop())}
    assert rows == V1_STOCK


def test_the_old_ledger_still_adds_up_and_keeps_its_history(upgraded):
    assert check_ledger() == []
    shop = Shop()
    history = shop.history("B")
    assert [(m.delta, m.reason) for m in reversed(history)] == [
        (9, "receive"), (-2, "damage"), (2, "undo"), (-2, "stocktake")]
    assert {m.id: m.undone_by for m in history}[6] == 7


def test_the_old_master_data_is_intact(upgraded):
    item = ItemRow.get(ItemRow.code == "00123")
    assert (item.name, item.jan, item.variant, item.reorder_point) == (
        "手ぬぐい 藍", "4901234567894", {"color": "藍"}, 5)
    assert ItemRow.get(ItemRow.code == "123").pattern.name == "low"
    assert [c.name for c in ChannelRow.select().order_by(ChannelRow.position)] == ["Web", "Mall"]


def test_the_migrated_shop_takes_new_orders_and_changes(upgraded):
    shop = Shop()
    connected = ChannelRow.get(ChannelRow.name == "Web").connected_at
    placed = connected + timedelta(days=30)
    outcome = apply_order(shop, [
        OrderLine("Web", "r-1", "1", "AB", 1, placed_at=placed),
        OrderLine("Web", "r-1", "2", "00123", 2, placed_at=placed),
    ])
    assert outcome.applied == 2
    again = apply_order(shop, [OrderLine("Web", "r-1", "1", "AB", 1, placed_at=placed)])
    assert again.unchanged == 1
    shop.adjust("123", "+1", "receive")
    rows = {row["code"]: row for row in stock_rows(shop)}
    assert rows["A"]["on_hand"] == 4
    assert rows["B"]["on_hand"] == 5
    assert rows["AB"]["sellable"] == 2
    assert rows["00123"]["on_hand"] == 28
    assert rows["123"]["on_hand"] == 6
    assert check_ledger() == []
    assert MovementRow.select().count() == 8 + 3 + 1


def test_the_migrated_shop_keeps_unmatched_lines_and_code_maps(upgraded):
    shop = Shop()
    placed = ChannelRow.get(ChannelRow.name == "Mall").connected_at + timedelta(days=1)
    outcome = apply_order(shop, [OrderLine("Mall", "m-9", "1", "mall-0123", 3,
                                           placed_at=placed)])
    assert outcome.unmatched == 1
    assert [w.channel_item_id for w in unmatched_lines()] == ["mall-0123"]
    map_code(shop, "Mall", "mall-0123", "00123")
    assert ItemRow.get(ItemRow.code == "00123").on_hand == 27
    assert unmatched_lines() == []


def test_opening_a_migrated_database_again_changes_nothing(v1_copy, upgraded):
    close_database()
    before = versions(v1_copy)
    open_database(str(v1_copy))
    assert versions(v1_copy) == before
    rows = {row["code"]: row for row in stock_rows(Shop())}
    assert rows == V1_STOCK


def test_the_command_line_reads_a_v1_database(v1_copy, rendo):
    run = rendo("--db", str(v1_copy), "stock", "--json")  # the later --db wins
    assert run.code == 0, run.err
    assert {row["code"]: row for row in run.json()} == V1_STOCK
    assert rendo("--db", str(v1_copy), "check").code == 0


# -- a database from a newer Rendo ---------------------------------------------------------------

@pytest.fixture
def from_the_future(v1_copy: Path, upgraded) -> Path:
    close_database()
    connection = sqlite3.connect(str(v1_copy))
    connection.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                       (LATEST + 1, "2031-01-01 00:00:00"))
    connection.commit()
    connection.close()
    return v1_copy


def dump(path: Path) -> list[str]:
    connection = sqlite3.connect(str(path))
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_a_database_from_a_newer_rendo_is_refused_with_a_clear_message(from_the_future):
    before = dump(from_the_future)
    try:
        with pytest.raises(SchemaTooNew) as refused:
            open_database(str(from_the_future))
    finally:
        close_database()
    message = str(refused.value)
    assert "newer" in message
    assert str(LATEST + 1) in message and str(LATEST) in message
    assert dump(from_the_future) == before


def test_the_command_line_refuses_a_newer_database_without_touching_it(
    from_the_future, rendo_process
):
    before = dump(from_the_future)
    run = rendo_process("item", "add", "NEW", db=str(from_the_future))
    assert run.code != 0
    assert "newer" in run.err
    assert dump(from_the_future) == before


def test_the_command_line_refuses_a_newer_database_in_one_line(from_the_future, rendo_process):
    run = rendo_process("stock", "--json", db=str(from_the_future))
    assert run.code == 2, run.err
    assert len(run.err_lines) == 1, run.err
    assert "newer" in run.err and str(LATEST + 1) in run.err
