"""A channel that answers a number no count can be (10**20 units) cannot break the ledger:
that listing is left out of the first connection and the read-back, the others go on."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from app.services.channel_sync import choose_first
from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.models import ListingRow
from app.sync.engine import SyncEngine

from .sync_world import fast_adapter_for

pytestmark = pytest.mark.databases("sqlite", "postgresql")


HUGE = 10**20


@pytest.fixture
def shop(db_path):
    open_database(db_path)
    shop = Shop()
    for code in ("A", "B"):
        shop.add_item(code)
    shop.adjust("A", "+5")
    yield shop
    close_database()


def test_a_pull_takes_the_sound_numbers_and_leaves_out_an_absurd_one(shop, caplog, sandbox):
    server = sandbox({"A": 3, "B": 7})
    server.shop._listings["A"] = HUGE  # what a broken or hostile channel might answer
    with caplog.at_level(logging.WARNING, "rendo.sync"):
        shop.add_channel("mall", "sandbox", settings={"url": server.url})
        choose_first("mall", "pull")
        (report,) = SyncEngine(shop, fast_adapter_for).run_due(force=True)
    assert report.ok, report.error
    shop.reload()
    assert shop.book.on_hand == {"A": 5, "B": 7}  # B pulled; A kept as it was
    assert check_ledger() == []
    assert "A shows 100000000000000000000" in caplog.text
    assert ListingRow.get_or_none(ListingRow.channel_item_id == "A") is None


def test_an_absurd_number_in_the_read_back_is_not_taken_for_a_change_by_hand(shop, sandbox):
    server = sandbox({"A": 0, "B": 0})
    mall = server.shop
    shop.add_channel("mall", "sandbox", settings={"url": server.url})
    choose_first("mall", "push")
    engine = SyncEngine(shop, fast_adapter_for, drift_every=timedelta(0))
    engine.run_due(force=True)
    assert mall.quantity("A") == 5
    mall._listings["A"] = HUGE
    mall._listings["B"] = 2  # a real change by hand, beside the absurd one
    (report,) = engine.run_due(force=True)
    assert report.ok, report.error
    drift = {r.channel_item_id: r.drift_qty for r in ListingRow.select()}
    assert drift == {"A": None, "B": 2}
    assert check_ledger() == []
