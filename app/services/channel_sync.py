"""What a user decides about a channel's sync: the first sync (push or pull), how often it is
polled, a suspended listing resumed, a number changed by hand on the channel taken or pushed over.

One function per intention, each one transaction, called alike by the window (through the sync
worker), the command line and the demo; the engine's own bookkeeping stays in app/sync/state.py.
"""

from __future__ import annotations

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.store.database import write_transaction
from app.store.models import ChannelRow, ChannelSyncRow, ListingRow

from .shop import Shop, channel_row

DEFAULT_INTERVAL_S = 15
MIN_INTERVAL_S, MAX_INTERVAL_S = 5, 3600
FIRST_MODES = ("push", "pull")


def sync_row(channel: ChannelRow) -> ChannelSyncRow:
    """A channel's sync bookkeeping, created with the default interval on first use."""
    row = ChannelSyncRow.get_or_none(ChannelSyncRow.channel == channel)
    if row is None:
        with write_transaction():  # another process (or PC) may make it at the same moment
            ChannelSyncRow.insert(channel=channel, interval_s=DEFAULT_INTERVAL_S) \
                .on_conflict_ignore().execute()
        row = ChannelSyncRow.get(ChannelSyncRow.channel == channel)
    return row


def choose_first(channel_name: str, mode: str) -> None:
    """The user's choice for the first sync: push Rendo's numbers, or pull the channel's."""
    if mode not in FIRST_MODES:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "The first sync is push or pull, not "
                                         "{mode!r}."), mode=mode)
    channel = channel_row(channel_name)
    with write_transaction():
        row = sync_row(channel)
        if row.first_done:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name} has already had its "
                                             "first sync."), name=channel_name)
        row.first_mode = mode
        row.next_sync_at = None
        row.save()


def set_interval(channel_name: str, seconds: int) -> None:
    """How often a channel is polled (its orders read, its numbers checked)."""
    if not MIN_INTERVAL_S <= seconds <= MAX_INTERVAL_S:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "The sync interval must be between {low} "
                                         "and {high} seconds (got {seconds})."),
                       low=MIN_INTERVAL_S, high=MAX_INTERVAL_S, seconds=seconds)
    channel = channel_row(channel_name)
    with write_transaction():
        row = sync_row(channel)
        row.interval_s = seconds
        row.next_sync_at = None
        row.save()


def _listing(channel_name: str, channel_item_id: str) -> ListingRow:
    row: ListingRow | None = (ListingRow.select().join(ChannelRow)
                              .where(ChannelRow.name == channel_name,
                                     ListingRow.channel_item_id == channel_item_id).first())
    if row is None:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {channel} has no listing "
                                         "{listing}."), channel=channel_name,
                       listing=channel_item_id)
    return row


def resume_listing(channel_name: str, channel_item_id: str) -> None:
    """Retry a suspended listing (or one not found on the channel) from the next sync on;
    one still not found there is found missing again at the next read-back."""
    with write_transaction():
        row = _listing(channel_name, channel_item_id)
        row.suspended, row.failures, row.last_error = False, 0, ""
        if row.missing_at is not None:  # what it shows now (if it is there) is not known
            row.missing_at, row.believed_qty, row.pending = None, None, []
        row.save()


def resolve_drift(shop: Shop, channel_name: str, channel_item_id: str,
                  take_channel: bool) -> None:
    """A number changed by hand on the channel: take it as on hand, or push ours over it."""
    with shop.ledger_transaction():
        row = _listing(channel_name, channel_item_id)
        shown = row.drift_qty
        if shown is None:
            return
        item = row.item
        if take_channel:
            if item.kind != "single":
                raise BadInput(QT_TRANSLATE_NOOP("Errors", "{code} is a set: its number on "
                                                 "{channel} cannot become on hand; adjust its "
                                                 "components."), code=item.code,
                               channel=channel_name)
            if shown != item.on_hand:
                shop.record_movement(item, shown - item.on_hand, "stocktake",
                                     f"drift:{channel_name}")
        row.believed_qty, row.drift_qty, row.drift_seen_at = shown, None, None
        row.pending = []
        row.save()
