"""Amazon's accepted numbers are confirmed by reading those SKUs alone (searchListingsItems by
SKU, 20 a call), never by paging through every listing again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from app.services.channel_sync import choose_first
from app.services.channels import adapter_for
from app.services.shop import Shop
from app.store.models import ListingRow, utcnow
from app.sync.engine import SyncEngine
from app.sync.read_back import CONFIRM_AFTER
from tests.doubles.amazon import AmazonDouble, make_double


class Now:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def double(serve: Callable[[AmazonDouble], AmazonDouble]) -> AmazonDouble:
    return serve(make_double())


def searches(double: AmazonDouble, since: int) -> tuple[int, int]:
    """(searchListingsItems calls by SKU, calls paging through every listing) since *since*."""
    calls = [query for path, query in double.queries[since:]
             if path.rstrip("/").endswith("/items/A2SELLERJP0001")]
    by_sku = sum(1 for query in calls if "identifiers" in query)
    return by_sku, len(calls) - by_sku


def unconfirmed() -> int:
    return sum(1 for listing in ListingRow.select() if listing.pending)


def test_pushed_numbers_are_confirmed_by_reading_those_skus_alone(double, shop: Shop):
    codes = [f"K{n:03d}" for n in range(300)]
    for code in codes:
        shop.add_item(code)
        shop.adjust(code, "+7")
        double.add_listing(code, 0)
    shop.add_channel("amazon", "amazon", settings={"url": double.url, **double.settings},
                     credentials=double.credentials)
    choose_first("amazon", "push")
    clock = Now()
    engine = SyncEngine(shop, adapter_for, clock=clock)
    assert all(r.ok for r in engine.run_due(force=True))  # read 300 (15 pages), one feed
    assert unconfirmed() == 300
    clock.now += CONFIRM_AFTER
    mark = len(double.queries)
    assert all(r.ok for r in engine.run_due(force=True))
    assert unconfirmed() == 0 and searches(double, mark) == (15, 0)

    for code in codes[:30]:
        shop.adjust(code, "+1")
    mark = len(double.queries)
    assert all(r.ok for r in engine.run_due(force=True))  # 30 patches, accepted
    assert unconfirmed() == 30 and searches(double, mark) == (0, 0)
    clock.now += CONFIRM_AFTER
    assert all(r.ok for r in engine.run_due(force=True))
    assert unconfirmed() == 0
    assert searches(double, mark) == (2, 0)  # 30 SKUs, 20 a call; not 15 pages of 300
    assert {ListingRow.get(ListingRow.channel_item_id == c).believed_qty for c in codes[:30]} == {8}
