"""Numbers an asynchronous channel (Amazon) accepted for later: confirmed by reading those
listings alone once the channel had time to apply them, and never holding back a later
change of the same listing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from app.services.shop import Shop
from app.store.models import ListingRow, utcnow
from app.sync.read_back import CONFIRM_AFTER

from .test_channel_port import ChannelLimits, PortChannel, _one_channel


class SomeReader(PortChannel):
    """A channel that reads a few listings without reading them all (``read_quantities_of``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.full_reads = 0
        self.some_reads: list[list[str]] = []

    def read_quantities(self) -> dict[str, int]:
        self.full_reads += 1
        return super().read_quantities()

    def read_quantities_of(self, channel_item_ids: Sequence[str]) -> dict[str, int]:
        self.some_reads.append(list(channel_item_ids))
        return {k: v for k, v in self.shown.items() if k in channel_item_ids}


class Now:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def _asynchronous(shop: Shop, codes: list[str], reader: bool = True) -> tuple[
        object, PortChannel, Now]:
    for code in codes:
        shop.add_item(code)
        shop.adjust(code, "+5")
    engine, plain = _one_channel(shop, ChannelLimits(asynchronous=True), dict.fromkeys(codes, 5))
    channel = SomeReader(plain.info, plain.limits, plain.shown) if reader else plain
    engine.adapter_for = lambda row: channel  # type: ignore[method-assign]
    clock = engine.clock = Now()  # type: ignore[assignment]
    assert all(r.ok for r in engine.run_due(force=True))  # first sync: all in step at 5
    return engine, channel, clock


def pending(code: str) -> tuple[int | None, list[int]]:
    listing = ListingRow.get(ListingRow.channel_item_id == code)
    return listing.believed_qty, list(listing.pending)


def test_a_submitted_number_is_confirmed_by_reading_that_listing_alone(shop: Shop) -> None:
    codes = [f"S{n:02d}" for n in range(30)]
    engine, channel, clock = _asynchronous(shop, codes)
    assert isinstance(channel, SomeReader)
    full = channel.full_reads
    shop.adjust("S03", "+2")
    engine.run_due(force=True)
    assert channel.queued == {"S03": 7} and pending("S03") == (5, [7])
    channel.process_queue()
    engine.run_due(force=True)  # too soon: the channel gets CONFIRM_AFTER to apply it
    assert channel.some_reads == [] and pending("S03") == (5, [7])
    clock.now += CONFIRM_AFTER
    engine.run_due(force=True)
    assert channel.some_reads == [["S03"]] and channel.full_reads == full  # not all 30
    assert pending("S03") == (7, [])
    engine.run_due(force=True)
    assert channel.some_reads == [["S03"]]  # confirmed: not read again


def test_without_a_partial_read_every_listing_is_read_and_only_the_pending_kept(
        shop: Shop) -> None:
    engine, channel, clock = _asynchronous(shop, ["A", "B"], reader=False)
    shop.adjust("A", "+1")
    engine.run_due(force=True)
    channel.process_queue()
    channel.shown["B"] = 9  # changed by hand: not this read's business (the drift check's)
    clock.now += CONFIRM_AFTER
    [report] = engine.run_due(force=True)
    assert pending("A") == (6, []) and pending("B") == (5, []) and report.drift == []
    assert ListingRow.get(ListingRow.channel_item_id == "B").drift_qty is None


def test_a_later_change_goes_out_while_an_earlier_number_is_not_applied_yet(
        shop: Shop) -> None:
    engine, channel, clock = _asynchronous(shop, ["A"])
    shop.adjust("A", "+1")
    engine.run_due(force=True)
    assert [u.quantity for u in channel.sent[-1:]] == [6] and pending("A") == (5, [6])
    shop.adjust("A", "-3")  # sold elsewhere before the channel applied 6
    engine.run_due(force=True)
    assert [u.quantity for u in channel.sent[-2:]] == [6, 3]
    assert pending("A") == (5, [6, 3])
    channel.shown["A"] = 6  # the channel applied the first one only so far
    clock.now += CONFIRM_AFTER
    engine.run_due(force=True)
    assert pending("A") == (6, [3])  # 3 is still on its way: not sent again
    assert [u.quantity for u in channel.sent[-2:]] == [6, 3]
    channel.shown["A"] = 3
    clock.now += CONFIRM_AFTER
    engine.run_due(force=True)
    assert pending("A") == (3, []) and len(channel.sent) == len(channel.sent[:-2]) + 2


def test_the_same_number_again_after_another_goes_out_again(shop: Shop) -> None:
    engine, channel, clock = _asynchronous(shop, ["A"])
    shop.adjust("A", "+1")
    engine.run_due(force=True)  # 6
    shop.adjust("A", "-2")
    engine.run_due(force=True)  # 4, after 6
    shop.adjust("A", "+2")
    engine.run_due(force=True)  # 6 again: the channel would otherwise end at 4
    assert [u.quantity for u in channel.sent[-3:]] == [6, 4, 6]
    assert pending("A") == (5, [4, 6])
    channel.process_queue()  # applied in order: 6, 4, 6
    clock.now += CONFIRM_AFTER + timedelta(seconds=1)
    engine.run_due(force=True)
    assert pending("A") == (6, []) and channel.shown["A"] == 6
