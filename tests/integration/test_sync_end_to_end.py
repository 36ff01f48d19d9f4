"""Three sandbox shops on loopback, seeded customers, faults switched on: nothing is lost,
nothing is applied twice, and every shop ends up showing what the pipeline computes."""

from __future__ import annotations

import pytest

from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.models import ChannelSyncRow
from app.sync.engine import SyncEngine
from app.sync.state import problem_listings

from .sync_world import (
    CHANNELS,
    World,
    applied_lines_match_shops,
    build_world,
    expected_on_hand,
    fast_adapter_for,
    ledger_on_hand,
)

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def world(db_path, sandbox):
    open_database(db_path)
    yield build_world(Shop(), sandbox)
    close_database()


def settle(engine: SyncEngine, world: World, rounds: int = 6) -> None:
    """Faults off; sync until every shop agrees with Rendo."""
    for channel in CHANNELS:
        world.faults(channel)
    for _ in range(rounds):
        engine.run_due(force=True)


def assert_shops_show_the_pipeline(world: World) -> None:
    book = world.shop.book
    for channel in CHANNELS:
        shown = world.shown(channel)
        wanted = {code: book.stock[code].channels[channel] for code in world.codes}
        assert shown == wanted, channel


def test_first_push_makes_every_shop_show_rendos_numbers(world):
    engine = SyncEngine(world.shop, fast_adapter_for)
    engine.run_due(force=True)
    assert world.shown("yahoo")["A"] == 40
    assert world.shown("base")["AB"] == 15  # A 40 / 1, B 30 / 2
    assert world.shown("rakuten")["NEST"] == 8  # limited by E
    assert_shops_show_the_pipeline(world)


def test_an_order_on_one_shop_lowers_the_others_in_the_same_run(world):
    engine = SyncEngine(world.shop, fast_adapter_for)
    engine.run_due(force=True)
    assert world.order("rakuten", [("AB", 2)]) is not None
    engine.run_due(force=True)
    assert world.shop.book.on_hand["B"] == 26
    assert world.shown("yahoo")["B"] == 26
    assert world.shown("base")["AB"] == 13
    assert_shops_show_the_pipeline(world)


def test_reading_the_same_orders_again_moves_nothing(world):
    engine = SyncEngine(world.shop, fast_adapter_for)
    engine.run_due(force=True)
    world.order("yahoo", [("A", 3)])
    engine.run_due(force=True)
    ChannelSyncRow.update(cursor=None).execute()  # read every order again
    engine.run_due(force=True)
    assert world.shop.book.on_hand["A"] == 37
    assert ledger_on_hand()["A"] == 37


# a seed per database: two different runs of traffic and faults, each ~20 s
SEEDS = {"sqlite": 3, "postgresql": 11}


@pytest.mark.slow
def test_random_orders_with_faults_lose_nothing_and_apply_nothing_twice(world, database_kind):
    seed = SEEDS[database_kind]
    world.rng.seed(seed)
    engine = SyncEngine(world.shop, fast_adapter_for)
    engine.run_due(force=True)
    for channel in CHANNELS:
        world.faults(channel, error_rate=0.2, rate_limit_rate=0.05, retry_after=0,
                     timeout_rate=0.03, timeout_s=0.6, malformed_rate=0.03, seed=seed)
    for step, _ in enumerate(world.random_traffic(150)):
        if step % 5 == 0:
            engine.run_due(force=True)
    settle(engine, world)
    assert applied_lines_match_shops(world) == []
    assert ledger_on_hand() == {c: world.shop.book.on_hand[c] for c in ledger_on_hand()}
    expected = expected_on_hand(world)
    assert {c: world.shop.book.on_hand[c] for c in expected} == expected
    assert check_ledger() == []
    assert problem_listings() == []  # no listing suspended, no false "changed by hand"
    assert_shops_show_the_pipeline(world)


def test_a_channel_waiting_for_the_first_choice_is_not_touched(db_path, sandbox):
    open_database(db_path)
    try:
        server = sandbox({"A": 7})
        shop = Shop()
        shop.add_item("A")
        shop.adjust("A", "+40")
        shop.add_channel("mall", "sandbox", settings={"url": server.url})
        reports = SyncEngine(shop, fast_adapter_for).run_due(force=True)
        assert [r.waiting for r in reports] == [True]
        assert server.shop.quantity("A") == 7
    finally:
        close_database()
