"""Writing down what a cycle sends and what the channel answers, listing by listing.

``SyncEngine`` (engine.py) extends ``AnswerRecords``: a number is noted as pending before it is
sent, so that a lost answer is recognised later as Rendo's own write, and each answer then
confirms, refuses or suspends the listing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from app.channels.base import QuantityUpdate, UpdateResult, UpdateStatus
from app.domain.items import is_count
from app.services.shop import Shop
from app.store.database import write_transaction
from app.store.models import ChannelRow, ListingRow

from .lease import Leases, fence
from .read_back import SUSPEND_AFTER

if TYPE_CHECKING:
    from .engine import CycleReport

log = logging.getLogger("rendo.sync")

MAX_UNANSWERED = 5  # writes without an answer remembered per listing


class AnswerRecords:
    """The bookkeeping half of ``SyncEngine``'s uploads."""

    # given by SyncEngine
    shop: Shop
    clock: Callable[[], datetime]
    lease: Leases | None

    def _note_pending(self, channel: ChannelRow, batch: list[QuantityUpdate],
                      asynchronous: bool = False) -> None:
        """Write down what is about to be set, before setting it: should the answer be lost,
        the next cycle recognises its own number instead of calling it a change by hand.

        *asynchronous* (Amazon): its numbers stay pending while the channel works, which keeps
        the same number from being sent again, in the order sent (the channel applies them in
        that order); a read of those listings confirms them (``_confirm_submitted``), or,
        should the answer be lost (no ``submitted_at``), settles them at the next cycle."""
        with self.shop.lock, write_transaction():
            fence(self.lease, channel.name)
            listings = self._listings(channel, [u.channel_item_id for u in batch])
            for update in batch:
                listing = listings.get(update.channel_item_id)
                if listing is None:
                    continue
                if asynchronous and listing.pending[-1:] != [update.quantity]:
                    listing.pending = [*(p for p in listing.pending if p != update.quantity),
                                       update.quantity][-MAX_UNANSWERED:]
                    listing.save()
                elif update.quantity not in listing.pending:
                    listing.pending = [*listing.pending, update.quantity][-MAX_UNANSWERED:]
                    listing.save()

    @staticmethod
    def _listings(channel: ChannelRow, ids: list[str]) -> dict[str, ListingRow]:
        rows = ListingRow.select().where(ListingRow.channel == channel,
                                         ListingRow.channel_item_id.in_(ids))
        return {row.channel_item_id: row for row in rows}

    def _record(self, channel: ChannelRow, listing: ListingRow, result: UpdateResult,
                quantity: int | None, report: CycleReport, moved: bool = False) -> None:
        """*moved*: sent as a relative change. What the channel then says it shows counts
        orders Rendo has not read yet, which take their units off the belief when read: the
        belief is the number set, not the one said."""
        if result.status is UpdateStatus.SUBMITTED:
            report.uploaded += 1  # its number stays pending until a read confirms it
            listing.submitted_at = self.clock()
            listing.save()
            return
        if result.status is UpdateStatus.UNUSABLE:
            listing.failures += 1
            listing.last_error = result.message
            report.refused += 1
            if not listing.suspended:
                listing.suspended = True
                report.suspended.append(result.channel_item_id)
            listing.pending = []
            listing.save()
            return
        if result.status is UpdateStatus.OK:
            said = result.quantity if result.quantity is not None and is_count(result.quantity) \
                else None
            listing.believed_qty = said if said is not None and not moved else quantity
            listing.submitted_at = None
            listing.pending = []
            listing.confirmed_at = self.clock()
            listing.failures, listing.last_error = 0, ""
            report.uploaded += 1
        elif result.quantity != quantity:
            # Answered and not applied: unless the channel shows it anyway (an earlier write
            # of the same number whose answer was lost), it is not a number it may show.
            listing.pending = [p for p in listing.pending if p != quantity]
        if result.status is UpdateStatus.REJECTED:
            listing.failures += 1
            listing.last_error = result.message
            report.refused += 1
            if listing.failures >= SUSPEND_AFTER and not listing.suspended:
                listing.suspended = True
                report.suspended.append(result.channel_item_id)
                log.warning("%s: listing %s suspended after %d refusals: %s", channel.name,
                            result.channel_item_id, listing.failures, result.message)
        listing.save()
