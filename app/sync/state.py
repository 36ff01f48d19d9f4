"""What the sync engine and the screens read about each channel and listing, and the engine's
back-off. What a user decides about a channel's sync lives in app/services/channel_sync.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from app.channels.base import MAX_WAIT_S, STOPPING_KINDS
from app.services.channel_sync import sync_row
from app.store.models import ChannelRow, ItemRow, ListingRow


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    name: str
    type: str
    enabled: bool
    waiting_for_choice: bool
    last_sync_at: datetime | None
    last_ok_at: datetime | None
    next_sync_at: datetime | None
    last_error: str
    failures: int
    listings: int
    suspended: int
    drift: int
    orders_applied: int
    uploads: int
    error_kind: str = ""  # app.channels.base.ErrorKind of last_error

    @property
    def stopped(self) -> bool:
        """Stopped until the user enters new credentials."""
        return self.error_kind in STOPPING_KINDS

    @property
    def state(self) -> str:
        if not self.enabled:
            return "disabled"
        if self.waiting_for_choice:
            return "waiting"
        if self.stopped:
            return "stopped"
        if self.failures:
            return "failing"
        return "ok" if self.last_ok_at else "new"


def channel_statuses() -> list[ChannelStatus]:
    result = []
    for channel in ChannelRow.select().order_by(ChannelRow.position, ChannelRow.id):
        row = sync_row(channel)
        listings = ListingRow.select().where(ListingRow.channel == channel)
        result.append(ChannelStatus(
            channel.name, channel.type, bool(channel.enabled),
            channel.type != "manual" and row.first_mode is None,
            row.last_sync_at, row.last_ok_at, row.next_sync_at, row.last_error, row.failures,
            listings.count(),
            listings.where((ListingRow.suspended == True)  # noqa: E712
                           | ListingRow.missing_at.is_null(False)).count(),
            listings.where(ListingRow.drift_qty.is_null(False)).count(),
            row.orders_applied, row.uploads, row.error_kind,
        ))
    return result


@dataclass(frozen=True, slots=True)
class ListingView:
    channel: str
    code: str
    channel_item_id: str
    believed_qty: int | None
    confirmed_at: datetime | None
    failures: int
    suspended: bool
    last_error: str
    drift_qty: int | None
    missing: bool = False  # not found on the channel at the last read-back

    @property
    def state(self) -> str:
        if self.missing:
            return "not_found"
        if self.suspended:
            return "suspended"
        if self.drift_qty is not None:
            return "drift"
        if self.failures:
            return "failed"
        return "ok" if self.believed_qty is not None else "pending"


def _views(query: Iterable[ListingRow]) -> list[ListingView]:
    return [
        ListingView(r.channel.name, r.item.code, r.channel_item_id, r.believed_qty,
                    r.confirmed_at, r.failures, bool(r.suspended), r.last_error, r.drift_qty,
                    r.missing_at is not None)
        for r in query
    ]


def _listing_query() -> peewee.ModelSelect[ListingRow]:
    return (ListingRow.select(ListingRow, ChannelRow, ItemRow)
            .join(ChannelRow).switch(ListingRow).join(ItemRow))


def listings_of(code: str) -> list[ListingView]:
    """Every channel's listing of one item (item detail)."""
    return _views(_listing_query().where(ItemRow.code == code).order_by(ChannelRow.position))


def problem_listings() -> list[ListingView]:
    """Suspended listings, listings not found on their channel and listings whose channel
    number was changed by hand."""
    return _views(_listing_query().where(
        (ListingRow.suspended == True) | ListingRow.drift_qty.is_null(False)  # noqa: E712
        | ListingRow.missing_at.is_null(False)
    ).order_by(ChannelRow.position, ItemRow.code))


def unsettled_listings() -> list[ListingView]:
    """Listings not simply in step: never confirmed, refused, suspended or changed by hand
    (the stock grid marks them in the channel's column)."""
    return _views(_listing_query().where(
        (ListingRow.suspended == True) | ListingRow.drift_qty.is_null(False)  # noqa: E712
        | (ListingRow.failures > 0) | ListingRow.believed_qty.is_null()
        | ListingRow.missing_at.is_null(False)
    ))




def backoff_delay(interval_s: float, failures: int, retry_after: float | None) -> timedelta:
    """Wait longer after each failed cycle (up to 10 minutes), never less than Retry-After,
    and never more than an hour (an ``inf`` Retry-After is a channel's bug, not a reason to stop
    syncing it for ever)."""
    seconds = float(min(interval_s * 2 ** min(failures, 10), 600))
    if retry_after and retry_after == retry_after:  # not NaN
        seconds = max(seconds, min(float(retry_after), MAX_WAIT_S))
    return timedelta(seconds=min(seconds, MAX_WAIT_S))
