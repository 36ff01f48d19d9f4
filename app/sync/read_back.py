"""Reading back what a channel shows: the drift check, the first connection and its preview.

``SyncEngine`` (engine.py) extends ``ReadBack``; its cycle calls ``_first_connection`` before
the first orders are read and ``_check_drift`` every ``drift_every`` (and before an upload when
a belief cannot be right). A number on the channel that no order explains was changed by hand:
it is shown to the user, never overwritten.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from peewee import fn

from app.channels.base import ChannelAdapter, ReadsSomeListings
from app.domain.items import MAX_COUNT, is_count
from app.services.channel_sync import sync_row
from app.services.orders import resolve_item
from app.services.shop import Shop
from app.store.database import db, write_transaction
from app.store.models import ChannelRow, CodeMapRow, ItemRow, ListingRow

from .lease import Leases, fence

if TYPE_CHECKING:
    from .engine import AdapterFactory, CycleReport

log = logging.getLogger("rendo.sync")

READ_BACK_DEADLINE_S = 1800.0  # a cycle that reads every listing back
SUBMIT_GRACE = timedelta(minutes=30)  # for a channel to apply a number it accepted for later
# how long a channel gets to apply a number it accepted for later before Rendo reads that
# listing (and only that one) to confirm it: a poll. Not applied yet, it is read again at
# later polls, one call per 20 listings on Amazon, and only in a cycle that reads its orders
# (every few minutes once searchOrders' burst is spent), until SUBMIT_GRACE
CONFIRM_AFTER = timedelta(seconds=15)
SUSPEND_AFTER = 5  # writes refused (or never applied) in a row before a listing is suspended


@dataclass(frozen=True, slots=True)
class PreviewRow:
    code: str | None
    channel_item_id: str
    channel_qty: int
    rendo_qty: int | None


class ReadBack(ABC):
    """The read-back half of ``SyncEngine``: everything that starts from ``read_quantities``."""

    # given by SyncEngine
    shop: Shop
    adapter_for: AdapterFactory
    clock: Callable[[], datetime]
    # the runner's leases: each write transaction of a cycle first checks that this process
    # still syncs the channel (lease.py); None: an engine used alone
    lease: Leases | None = None

    @abstractmethod
    def _read_orders(self, channel: ChannelRow, adapter: ChannelAdapter,
                     report: CycleReport) -> None:
        """SyncEngine's: read the orders taken while the numbers were being read."""

    def _channel_numbers(self, channel: ChannelRow, adapter: ChannelAdapter,
                         only: Collection[str] | None = None) -> dict[str, int]:
        """What the channel shows, leaving out numbers no count can be (a broken or hostile
        answer such as 10**20): that listing is logged and skipped, the others go on.
        *only*: these listings alone (``read_quantities_of`` where the adapter has it).

        Reading every listing back is paced by the channel's rate limit (10,000 Shopify SKUs
        take minutes): the read gets ``READ_BACK_DEADLINE_S``, and the rest of the cycle its
        usual few minutes after it; the other channels run on their own threads meanwhile."""
        deadline = getattr(self, "_deadline", None)
        started = time.monotonic()
        if deadline is not None:
            adapter.set_deadline(max(deadline, started + READ_BACK_DEADLINE_S))
        try:
            if only is None:
                numbers = adapter.read_quantities()
            elif isinstance(adapter, ReadsSomeListings):
                numbers = adapter.read_quantities_of(sorted(only))
            else:
                numbers = {k: v for k, v in adapter.read_quantities().items() if k in only}
        finally:
            if deadline is not None:  # the rest of the cycle: its own time, the read apart
                self._deadline = deadline + (time.monotonic() - started)
                adapter.set_deadline(self._deadline)
        shown = {}
        for channel_item_id, quantity in numbers.items():
            if is_count(quantity):
                shown[channel_item_id] = quantity
            else:
                log.warning("%s: %s shows %r, which is not a count Rendo keeps (at most ±%d); "
                            "left out", channel.name, channel_item_id, quantity, MAX_COUNT)
        return shown

    def _confirm_submitted(self, channel: ChannelRow, adapter: ChannelAdapter,
                           report: CycleReport) -> None:
        """An asynchronous channel (Amazon): read back only the listings whose numbers it
        accepted for later at least ``CONFIRM_AFTER`` ago (or whose answer was lost), not
        every listing: confirmed, not applied yet, or not found. 500 of 10,000 listings cost
        25 of Amazon's searchListingsItems calls, not 500."""
        if not adapter.limits.asynchronous or report.orders_deferred:
            return
        ready = self.clock() - CONFIRM_AFTER
        due = {listing.channel_item_id for listing in ListingRow.select(
            ListingRow.channel_item_id).where(
            ListingRow.channel == channel, fn.LENGTH(ListingRow.pending) > len("[]"),
            ListingRow.missing_at.is_null(),
            ListingRow.submitted_at.is_null() | (ListingRow.submitted_at <= ready))}
        if due:
            self._check_drift(channel, adapter, report, only=due)

    def _check_drift(self, channel: ChannelRow, adapter: ChannelAdapter,
                     report: CycleReport, only: Collection[str] | None = None) -> None:
        """Compare the channel's numbers with what we believe it shows; a difference that
        no order explains was made by hand on the channel and is shown, not overwritten.
        *only*: these listings alone (the drift schedule is left as it is).

        Not when the cycle's order read was left for later (the channel's allowance): its
        numbers would hold orders Rendo does not know yet; a later cycle checks. (Should
        only the read after the numbers be left for later, the check goes on, as if that read
        had come a moment earlier.)"""
        if report.orders_deferred:
            return
        shown = self._channel_numbers(channel, adapter, only)
        before = {
            r.channel_item_id: r.believed_qty
            for r in ListingRow.select().where(ListingRow.channel == channel)
            if only is None or r.channel_item_id in only
        }
        moves = dict(report.listing_moves)
        self._read_orders(channel, adapter, report)  # orders taken while we were reading
        with self.shop.lock, write_transaction():
            fence(self.lease, channel.name)
            self._mark_missing(channel, shown, report, only)
            for channel_item_id, quantity in shown.items():
                listing = ListingRow.get_or_none(ListingRow.channel == channel,
                                                 ListingRow.channel_item_id == channel_item_id)
                if listing is None:
                    self._new_listing(channel, channel_item_id, quantity)
                    continue
                if listing.missing_at is not None:  # back on the channel: as found now
                    listing.missing_at, listing.pending = None, []
                    listing.believed_qty, listing.confirmed_at = quantity, self.clock()
                    listing.save()
                    continue
                # An order read just now may or may not be in what the channel showed: its
                # number says nothing about a change by hand this time (the next check does).
                moved = (before.get(channel_item_id) != listing.believed_qty
                         or report.listing_moves.get(channel_item_id) != moves.get(
                             channel_item_id))
                if listing.believed_qty is None or moved:
                    continue
                if quantity == listing.believed_qty:
                    if listing.pending:
                        self._not_landed(channel, adapter, listing)
                    continue
                if quantity in listing.pending:  # our own write, its answer lost (or applied
                    # later: submitted; numbers submitted after it are still on their way)
                    later = (listing.pending[listing.pending.index(quantity) + 1:]
                             if adapter.limits.asynchronous else [])
                    listing.believed_qty, listing.pending = quantity, later
                    listing.failures = 0
                    if not later:
                        listing.submitted_at = None
                    listing.save()
                    continue
                if listing.believed_qty < 0:
                    # A belief no channel can show (orders counted down from a number that a
                    # write whose answer was lost had already replaced): it is ours that is
                    # wrong, not the channel's. What the channel shows settles it.
                    log.info("%s: %s believed %d, the channel shows %d: taken", channel.name,
                             channel_item_id, listing.believed_qty, quantity)
                    listing.believed_qty, listing.pending = quantity, []
                    listing.save()
                    continue
                listing.drift_qty, listing.drift_seen_at = quantity, self.clock()
                listing.save()
                report.drift.append(channel_item_id)
            if only is None:
                state = sync_row(channel)
                state.last_drift_check_at = self.clock()
                state.save()

    def _mark_missing(self, channel: ChannelRow, shown: dict[str, int],
                      report: CycleReport, only: Collection[str] | None = None) -> None:
        """Listings the channel no longer has (removed there, or never there: 楽天 and Amazon
        accept writes for ids they do not have) are "not found on the channel": shown to
        the user, never counted as in step, not written until a read-back finds them again."""
        for listing in ListingRow.select().where(ListingRow.channel == channel,
                                                 ListingRow.missing_at.is_null()):
            if listing.channel_item_id in shown or (
                    only is not None and listing.channel_item_id not in only):
                continue
            listing.missing_at, listing.pending = self.clock(), []
            listing.save()
            report.missing.append(listing.channel_item_id)
            log.warning("%s: %s is not found on the channel", channel.name,
                        listing.channel_item_id)

    def _not_landed(self, channel: ChannelRow, adapter: ChannelAdapter,
                    listing: ListingRow) -> None:
        """The channel still shows what it showed before a write whose answer was lost, or
        that was submitted for later: the write did not land (a relative change can then be
        worked out again). A submitted number gets ``SUBMIT_GRACE`` to be applied; then it
        counts as refused (sent again, and suspended after ``SUSPEND_AFTER``)."""
        submitted = listing.submitted_at
        if adapter.limits.asynchronous and submitted is not None:
            if self.clock() - submitted < SUBMIT_GRACE:
                return  # not applied yet: the channel works through its queue
            listing.failures += 1
            listing.last_error = (f"{channel.name} accepted {listing.pending[-1]} for "
                                  f"{listing.channel_item_id} but did not apply it")
            if listing.failures >= SUSPEND_AFTER:
                listing.suspended = True
            log.warning("%s: %s", channel.name, listing.last_error)
        listing.pending, listing.submitted_at = [], None
        listing.save()

    def _new_listing(self, channel: ChannelRow, channel_item_id: str, quantity: int) -> bool:
        item = resolve_item(channel, channel_item_id)
        if item is None:
            return False
        with write_transaction():  # another sync may find it first: then its belief stands
            fence(self.lease, channel.name)
            cursor = db.execute(ListingRow.insert(
                channel=channel, item=item, channel_item_id=channel_item_id,
                believed_qty=quantity, confirmed_at=self.clock()).on_conflict_ignore())
        return bool(cursor.rowcount == 1)

    def preview_first(self, name: str) -> list[PreviewRow]:
        """What the channel shows now next to what Rendo would upload (nothing is written)."""
        channel = ChannelRow.get(ChannelRow.name == name)
        adapter = self.adapter_for(channel)
        if adapter is None:
            return []
        self.shop.catch_up()
        book = self.shop.book
        rows = []
        for channel_item_id, quantity in sorted(self._channel_numbers(channel, adapter).items()):
            item = resolve_item(channel, channel_item_id)
            code = item.code if item is not None else None
            stock = book.stock.get(code) if code else None
            rendo = stock.channels.get(channel.name) if stock else None
            rows.append(PreviewRow(code, channel_item_id, quantity, rendo))
        return rows

    def _first_connection(self, channel: ChannelRow, adapter: ChannelAdapter, mode: str,
                          report: CycleReport) -> None:
        shown = self._channel_numbers(channel, adapter)
        with self.shop.ledger_transaction():
            fence(self.lease, channel.name)
            known = {r.channel_item_id for r in ListingRow.select(ListingRow.channel_item_id)
                     .where(ListingRow.channel == channel)}
            mapped = {m.channel_item_id: m.item_id for m in
                      CodeMapRow.select().where(CodeMapRow.channel == channel)}
            items = {r.code: r for r in ItemRow.select()}
            by_id = {r.id: r for r in items.values()}
            new_rows = []
            for channel_item_id, quantity in shown.items():
                item = (by_id.get(mapped[channel_item_id]) if channel_item_id in mapped
                        else items.get(channel_item_id))
                if channel_item_id in known or item is None:
                    continue
                new_rows.append({"channel": channel, "item": item, "believed_qty": quantity,
                                 "channel_item_id": channel_item_id,
                                 "confirmed_at": self.clock()})
                if mode == "pull" and item.kind == "single" and quantity != item.on_hand:
                    self.shop.record_movement(item, quantity - item.on_hand, "stocktake",
                                              f"pull:{channel.name}")
                    report.touched.add(item.code)
            for start in range(0, len(new_rows), 500):
                ListingRow.insert_many(new_rows[start:start + 500]).execute()
            state = sync_row(channel)
            state.first_done = True
            state.save()
        log.info("%s: first sync (%s), %d listings on the channel", channel.name, mode,
                 len(shown))
