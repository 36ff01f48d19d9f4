"""One sync cycle per channel, exactly as DESIGN.md orders it.

read orders since the cursor (with overlap; the idempotency key removes repeats) and apply
them, advancing the cursor in the same transaction → the stock book recomputes what they
touched → upload only the listings whose number differs from what the channel shows, in
the largest batches it takes, with compare-and-set (or a fresh read of orders right before
an absolute set) so that an order the channel took meanwhile is never erased.

What starts from reading the channel's numbers back (the first connection, the drift check,
the first sync's preview) is ``ReadBack``'s (read_back.py), which ``SyncEngine`` extends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peewee import fn

from app.channels.base import (
    STOPPING_KINDS,
    ChannelAdapter,
    ChannelError,
    ErrorKind,
    QuantityUpdate,
    UpdateResult,
    UpdateStatus,
)
from app.domain.errors import RendoError
from app.domain.orders import OrderLine
from app.services.channel_sync import sync_row
from app.services.orders import apply_order
from app.services.shop import Shop
from app.store.database import current_location, write_transaction
from app.store.errors import EnvironmentFailure, classify
from app.store.models import ChannelRow, ChannelSyncRow, ItemRow, ListingRow, utcnow

from .lease import LeaseLost, fence
from .read_back import PreviewRow as PreviewRow  # callers import it from here
from .read_back import ReadBack
from .recording import AnswerRecords
from .state import backoff_delay

log = logging.getLogger("rendo.sync")


AdapterFactory = Callable[[ChannelRow], ChannelAdapter | None]
DRIFT_EVERY = timedelta(minutes=10)
CYCLE_DEADLINE_S = 180.0  # one channel's cycle; then it stops with an error, retried later


@dataclass
class CycleReport:
    channel: str
    ok: bool = True
    waiting: bool = False
    orders_applied: int = 0
    unmatched: int = 0
    uploaded: int = 0
    refused: int = 0
    conflicts: int = 0
    suspended: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # listings not found on the channel
    error: str = ""
    error_kind: str = ""  # ErrorKind of *error*
    uploads_wait_s: float | None = None  # uploads left for later: the allowance is spent
    uploads_left: int = 0  # how many
    touched: set[str] = field(default_factory=set)
    # how many orders moved each listing (channel item id) in this cycle: an order and a
    # cancellation can leave the belief where it was while the channel showed one of them
    listing_moves: dict[str, int] = field(default_factory=dict)
    # the last order read left orders for a later read (OrderPage.deferred): the channel's
    # numbers may hold orders Rendo has not read yet
    orders_deferred: bool = False
    # another PC syncs this channel (its name): this process did not, or stopped (lease.py)
    synced_by: str | None = None


class SyncEngine(ReadBack, AnswerRecords):
    def __init__(
        self,
        shop: Shop,
        adapter_for: AdapterFactory,
        clock: Callable[[], datetime] = utcnow,
        drift_every: timedelta = DRIFT_EVERY,
        push_on_change: bool = True,
        interval_s: float | None = None,
        cycle_deadline_s: float = CYCLE_DEADLINE_S,
    ) -> None:
        """*interval_s*, when given, replaces every channel's own poll interval (``sync
        --watch --interval``); it never shortens a failing channel's back-off or Retry-After."""
        self.shop = shop
        self.adapter_for = adapter_for
        self.clock = clock
        self.drift_every = drift_every
        self.push_on_change = push_on_change
        self.interval_s = interval_s
        self.cycle_deadline_s = cycle_deadline_s
        self._cancelled = threading.Event()
        self._adapter: ChannelAdapter | None = None  # the one a cycle is using now
        self._adapter_lock = threading.Lock()
        self._deadline: float | None = None  # time.monotonic() value of the cycle's end
        # the adapter of the last cycle (its rate budget is shown in the sync panel)
        self.last_adapter: ChannelAdapter | None = None

    def cancel(self) -> None:
        """Stop now (Rendo is quitting): the call in progress is given up, no channel is
        started after it. Safe to call from any thread."""
        self._cancelled.set()
        with self._adapter_lock:
            adapter = self._adapter
        if adapter is not None:
            adapter.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    # -- scheduling ----------------------------------------------------------------------
    def due_channels(self, force: bool = False) -> list[str]:
        now = self.clock()
        names = []
        for channel in ChannelRow.select().where(ChannelRow.enabled == True):  # noqa: E712
            if channel.type == "manual":
                continue
            if self._runnable(channel, force, now):
                names.append(channel.name)
        return names

    def is_due(self, name: str, force: bool = False) -> bool:
        """Channel *name* is enabled, synced, not stopped, and its time has come (*force*:
        whatever its schedule, as "sync now")."""
        channel = ChannelRow.get_or_none(ChannelRow.name == name)
        if channel is None or not channel.enabled or channel.type == "manual":
            return False
        return self._runnable(channel, force, self.clock())

    def _runnable(self, channel: ChannelRow, force: bool, now: datetime) -> bool:
        row = sync_row(channel)
        if row.error_kind in STOPPING_KINDS:
            return False  # refused or expired credentials: until the user enters new ones
        return force or self._due(row, now)

    def _due(self, row: ChannelSyncRow, now: datetime) -> bool:
        if row.next_sync_at is None or row.next_sync_at <= now:
            return True
        if self.interval_s is None or row.failures or row.last_sync_at is None:
            return False  # a failing channel waits out its back-off, whatever the interval
        return row.last_sync_at + timedelta(seconds=self.interval_s) <= now

    def waiting(self, name: str) -> bool:
        """The channel failed and asked (or was told) to wait, and the wait is not over."""
        row = sync_row(ChannelRow.get(ChannelRow.name == name))
        return bool(row.failures) and row.next_sync_at is not None and (
            row.next_sync_at > self.clock())

    def run_due(self, force: bool = False) -> list[CycleReport]:
        """Run the channels that are due; then, if their orders changed any stock, push the
        new numbers to every other channel now rather than at its next poll (except to a
        channel that is waiting out a failure: its back-off and Retry-After hold)."""
        self.shop.catch_up()  # set recipes and numbers other processes changed meanwhile
        reports: list[CycleReport] = []
        for name in self.due_channels(force):
            if self.cancelled:
                return reports
            reports.append(self.run_cycle(name))
        if self.push_on_change and any(report.touched for report in reports):
            for name in self.due_channels(force=True):
                if self.cancelled:
                    return reports
                extra = self.upload_only(name)
                if extra.uploaded or not extra.ok:
                    reports.append(extra)
        return reports

    # -- one cycle -------------------------------------------------------------------------
    def run_cycle(self, name: str) -> CycleReport:
        """One cycle of channel *name*; a cycle whose lease another PC took over stops where
        it is, its last transaction rolled back (``CycleReport.synced_by``)."""
        try:
            return self._cycle(name)
        except LeaseLost as lost:
            return self._lost(lost)

    def _lost(self, lost: LeaseLost) -> CycleReport:
        log.info("%s", lost)
        return CycleReport(lost.channel, synced_by=lost.by or "?")

    def _cycle(self, name: str) -> CycleReport:
        report = CycleReport(name)
        if self.cancelled:
            return report
        channel = ChannelRow.get(ChannelRow.name == name)
        state = sync_row(channel)
        if state.first_mode is None:
            report.waiting = True
            log.info("%s: waiting for the first-sync choice (push or pull)", name)
            return report
        adapter = self._adapter_for(channel, report)
        if adapter is None:
            return report
        retry_after: float | None = None
        try:
            with self._using(adapter):
                if not state.first_done:
                    self._first_connection(channel, adapter, state.first_mode, report)
                self._read_orders(channel, adapter, report)
                state = sync_row(channel)
                due = state.last_drift_check_at is None or (
                    self.clock() - state.last_drift_check_at >= self.drift_every
                )
                if due:
                    self._check_drift(channel, adapter, report)
                else:  # numbers an asynchronous channel accepted for later: those alone
                    self._confirm_submitted(channel, adapter, report)
                self._upload(channel, adapter, report)
        except Exception as error:
            failure = self._channel_failure(channel, error)
            report.ok, report.error, retry_after = False, str(failure), failure.retry_after
            report.error_kind = failure.kind.value
            if self.cancelled:
                return report  # Rendo is quitting: not the channel's failure
        self._finish(channel, report, retry_after)
        return report

    def may_upload(self, name: str) -> bool:
        """An upload between polls is welcome: not before the first sync, nor to a channel
        waiting out a failure (its back-off and Retry-After hold) or stopped for its
        credentials."""
        channel = ChannelRow.get_or_none(ChannelRow.name == name)
        if channel is None or not channel.enabled:
            return False
        state = sync_row(channel)
        return (state.first_done and state.error_kind not in STOPPING_KINDS
                and not self.waiting(name))

    def upload_only(self, name: str) -> CycleReport:
        """After a local change: push the new numbers now, not at the next poll."""
        try:
            return self._upload_only(name)
        except LeaseLost as lost:
            return self._lost(lost)

    def _upload_only(self, name: str) -> CycleReport:
        report = CycleReport(name)
        if self.cancelled:
            return report
        if not self.may_upload(name):
            return report
        channel = ChannelRow.get(ChannelRow.name == name)
        adapter = self._adapter_for(channel, report)
        if adapter is None:
            return report
        try:
            with self._using(adapter):
                self._upload(channel, adapter, report)
        except Exception as error:
            failure = self._channel_failure(channel, error)
            report.ok, report.error = False, str(failure)
            report.error_kind = failure.kind.value
            if not self.cancelled:
                self._finish(channel, report, failure.retry_after)
        return report

    def _channel_failure(self, channel: ChannelRow, error: Exception) -> ChannelError:
        """*error* as this channel's failure, so that it fails alone and backs off.

        A malformed answer the adapter did not foresee (a date it cannot read, a number too
        large for a float…) is the channel's failure too, not the end of every channel's sync.
        The database's own failures (busy, full, damaged) are raised on: they concern every
        channel, and the caller (worker, ``sync --watch``) reports them and retries.
        """
        if isinstance(error, ChannelError):
            return error
        if isinstance(error, RendoError | LeaseLost) or isinstance(
                classify(error, current_location()), EnvironmentFailure):
            raise error
        log.exception("%s: unexpected failure during the sync cycle", channel.name)
        return ChannelError(f"{channel.name}: the channel's answer could not be used "
                            f"({type(error).__name__}); it is retried later",
                            kind=ErrorKind.MALFORMED)

    def _adapter_for(self, channel: ChannelRow, report: CycleReport) -> ChannelAdapter | None:
        """The channel's adapter; None (with the channel failed plainly) when its stored
        address is one the address policy refuses, e.g. one saved by an earlier version."""
        try:
            adapter = self.adapter_for(channel)
            self.last_adapter = adapter
            return adapter
        except ValueError as error:
            report.ok, report.error = False, f"{channel.name}: {error}"
            report.error_kind = ErrorKind.REFUSED.value
            self._finish(channel, report, None)
            return None
        except ChannelError as error:  # no credentials saved for a type that needs them
            report.ok, report.error, report.error_kind = False, str(error), error.kind.value
            self._finish(channel, report, error.retry_after)
            return None

    @contextmanager
    def _using(self, adapter: ChannelAdapter) -> Iterator[None]:
        """Run one cycle's calls with *adapter*: within the cycle's deadline, cancellable."""
        if self.cancelled:
            raise ChannelError("not started: Rendo is stopping")
        self._deadline = time.monotonic() + self.cycle_deadline_s
        adapter.set_deadline(self._deadline)
        with self._adapter_lock:
            self._adapter = adapter
        if self.cancelled:  # cancel() came in between: it did not see this adapter
            adapter.cancel()
        try:
            yield
        finally:
            with self._adapter_lock:
                self._adapter = None
            self._deadline = None
            adapter.set_deadline(None)

    def _check_time(self, channel: ChannelRow) -> None:
        """Between pages and batches: stop a cycle that ran out of time, or is cancelled."""
        if self.cancelled:
            raise ChannelError("stopped: Rendo is stopping")
        if self.lease is not None:  # before a call: another PC may have taken over
            self.lease.check(channel.name)
        deadline = self._deadline
        if deadline is not None and time.monotonic() >= deadline:
            raise ChannelError(f"{channel.name}: the sync cycle took longer than "
                               f"{self.cycle_deadline_s:g} s and was stopped; it is retried "
                               "later", kind=ErrorKind.UNREACHABLE)

    def _finish(self, channel: ChannelRow, report: CycleReport, retry_after: float | None) -> None:
        with self.shop.lock, write_transaction():
            fence(self.lease, channel.name)
            state = sync_row(channel)
            now = self.clock()
            state.last_sync_at = now
            state.orders_applied += report.orders_applied
            state.uploads += report.uploaded
            if report.ok:
                state.failures, state.last_error, state.last_ok_at = 0, "", now
                state.error_kind = ""
            else:
                state.failures += 1
                state.last_error, state.error_kind = report.error, report.error_kind
            interval = self.interval_s or state.interval_s
            delay = (
                timedelta(seconds=interval) if report.ok
                else backoff_delay(interval, state.failures, retry_after)
            )
            state.next_sync_at = now + delay
            state.save()
        level = logging.INFO if report.ok else logging.WARNING
        log.log(level, "%s: ok=%s orders=%d unmatched=%d uploaded=%d refused=%d conflicts=%d "
                "suspended=%d drift=%d %s", report.channel, report.ok, report.orders_applied,
                report.unmatched, report.uploaded, report.refused, report.conflicts,
                len(report.suspended), len(report.drift), report.error)

    # -- orders -----------------------------------------------------------------------------
    def _read_orders(self, channel: ChannelRow, adapter: ChannelAdapter,
                     report: CycleReport) -> None:
        """Read every page since the cursor; each page's orders and cursor in one transaction.

        A channel that says "more" with a cursor that does not move would loop for ever: it
        is stopped with an error, as is a cycle that runs out of time."""
        while True:
            self._check_time(channel)
            state = sync_row(channel)
            page = adapter.read_orders(state.cursor, channel.connected_at)
            report.orders_deferred = page.deferred
            if page.more and page.next_cursor == state.cursor:
                raise ChannelError(f"{channel.name}: the channel says there are more orders "
                                   "but its cursor does not move; reading stopped")
            by_order: dict[str, list[OrderLine]] = {}
            for line in page.lines:
                by_order.setdefault(line.order_id, []).append(line)
            with self.shop.ledger_transaction():
                fence(self.lease, channel.name)  # no order applied, no cursor moved by two
                for lines in by_order.values():
                    self._apply_one(channel, adapter, lines, report)
                state = sync_row(channel)
                state.cursor = page.next_cursor
                state.save()
            if not page.more:
                return

    def _apply_one(self, channel: ChannelRow, adapter: ChannelAdapter,
                   lines: Sequence[OrderLine], report: CycleReport) -> None:
        try:
            outcome = apply_order(self.shop, lines)
        except RendoError as error:
            # Not applied and not even kept to show (e.g. the channel was removed meanwhile):
            # the page is not taken, so the cursor stays and the order is read again.
            raise ChannelError(f"{channel.name}: order {lines[0].order_id} could not be "
                               f"applied or kept: {error}") from None
        report.orders_applied += 1 if outcome.applied else 0
        # refused lines (an absurd quantity) are kept and listed with the unmatched ones
        report.unmatched += outcome.unmatched + outcome.refused
        report.touched |= outcome.touched
        restocks = adapter.limits.restocks_on_cancel
        for channel_item_id, sold in outcome.sold.items():
            if sold:
                report.listing_moves[channel_item_id] = (
                    report.listing_moves.get(channel_item_id, 0) + 1)
            # The channel already took these units off (or, restocking, put them back) itself.
            change = -sold if (sold > 0 or restocks) else 0
            if change:
                listing = ListingRow.get_or_none(ListingRow.channel == channel,
                                                 ListingRow.channel_item_id == channel_item_id)
                if listing is not None and listing.believed_qty is not None:
                    listing.believed_qty += change
                    listing.pending = [p + change for p in listing.pending]
                    listing.save()

    # -- uploads ----------------------------------------------------------------------------
    def _wanted(self, channel: ChannelRow, cas: bool, only: set[str] | None = None,
                relative: bool = False, waiting: bool = False) -> list[QuantityUpdate]:
        """Listings whose computed number differs from what the channel shows; with
        *relative*, as the difference from it where Rendo knows what it shows."""
        book = self.shop.book
        updates = []
        query = (
            ListingRow.select(ListingRow.channel_item_id, ListingRow.believed_qty, ItemRow.code,
                              ListingRow.pending)
            .join(ItemRow)
            .where(ListingRow.channel == channel, ListingRow.suspended == False,  # noqa: E712
                   ListingRow.drift_qty.is_null(), ListingRow.missing_at.is_null())
        )
        for channel_item_id, believed, code, pending in query.tuples().iterator():
            if only is not None and channel_item_id not in only:
                continue
            if relative and pending:
                continue  # unsure until the read-back settles the lost write
            stock = book.stock.get(code)
            if stock is None:
                continue
            target = stock.channels.get(channel.name)
            # submitted (asynchronous): the channel will show the last number sent once it
            # has applied it (the read-back confirms or gives up); a different one (a later
            # change) goes now, after it
            shows = pending[-1] if waiting and pending else believed
            if target is None or target == shows:
                continue
            if (cas or relative) and believed is not None and believed < 0:
                continue  # a belief that cannot be right: the read-back settles it first
            delta = target - believed if relative and believed is not None else None
            updates.append(QuantityUpdate(channel_item_id, target, believed if cas else None,
                                          delta))
        return updates

    def _upload(self, channel: ChannelRow, adapter: ChannelAdapter, report: CycleReport) -> None:
        self.shop.catch_up()  # what other processes (CLI, window, another sync) changed
        cas, relative = adapter.limits.compare_and_set, adapter.limits.relative
        unsure = ListingRow.believed_qty < 0
        if relative:  # a change sent again on top of a lost one would count twice
            unsure |= fn.LENGTH(ListingRow.pending) > len("[]")
        if (cas or relative) and ListingRow.select().where(
                ListingRow.channel == channel, unsure).exists():
            self._check_drift(channel, adapter, report)  # settle beliefs that cannot be right
        waiting = adapter.limits.asynchronous
        updates = self._wanted(channel, cas, relative=relative, waiting=waiting)
        if not updates:
            return
        if not cas and (not relative or any(u.delta is None for u in updates)):
            # An absolute set: read the orders taken meanwhile right before setting.
            self._read_orders(channel, adapter, report)
            if report.orders_deferred:
                # the channel leaves its orders for a later read (its allowance): a number
                # set now could erase one of them, so the upload waits for that read. A zero
                # goes at once: it erases no order (the channel cannot show less) and stops
                # the channel selling what another channel has just sold.
                updates = [u for u in updates if u.quantity == 0]
                log.info("%s: the upload waits for the next read of the orders%s",
                         channel.name, f" (but for {len(updates)} now sold out)"
                         if updates else "")
                if updates:
                    self._send(channel, adapter, updates, report)
                return
            updates = self._wanted(channel, cas, relative=relative, waiting=waiting)
        conflicts = self._send(channel, adapter, updates, report)
        if not conflicts:
            return
        # The channel's number moved since we last knew it: read its orders and set again
        # against what we now believe it shows.
        report.conflicts += len(conflicts)
        self._read_orders(channel, adapter, report)
        conflicts = self._send(channel, adapter, self._retries(channel, conflicts), report)
        if conflicts and self._unanswered(channel, conflicts):
            # A write of ours may have landed with its answer lost (a crash, a dropped line):
            # read back what the channel shows now and recognise our own numbers, then try
            # once more. Trying "expected = our lost number" directly instead could overwrite
            # an order the channel took in the meantime, should the numbers happen to match.
            self._check_drift(channel, adapter, report)
            conflicts = self._send(channel, adapter, self._retries(channel, conflicts), report)
        # Still no match: an order raced us (the next cycle reads it and sets again), or the
        # number was changed by hand, which the read-back finds and shows to the user.
        # Either way nothing is overwritten without compare-and-set.
        for result in conflicts:
            log.info("%s: %s still differs from what Rendo expected (%s)", channel.name,
                     result.channel_item_id, result.quantity)

    def _unanswered(self, channel: ChannelRow, conflicts: list[UpdateResult]) -> bool:
        listings = self._listings(channel, [r.channel_item_id for r in conflicts])
        return any(listing.pending for listing in listings.values())

    def _retries(self, channel: ChannelRow,
                 conflicts: list[UpdateResult]) -> list[QuantityUpdate]:
        """Set the conflicted listings again, against what we now believe they show."""
        book = self.shop.book
        retries = []
        for result in conflicts:
            listing = (ListingRow.select(ListingRow, ItemRow).join(ItemRow)
                       .where(ListingRow.channel == channel,
                              ListingRow.channel_item_id == result.channel_item_id).first())
            if listing is None or listing.drift_qty is not None:
                continue
            believed = listing.believed_qty
            target = book.stock[listing.item.code].channels.get(channel.name)
            if target is not None and believed is not None and believed >= 0:
                retries.append(QuantityUpdate(result.channel_item_id, target, believed))
        return retries

    def _send(self, channel: ChannelRow, adapter: ChannelAdapter,
              updates: list[QuantityUpdate], report: CycleReport) -> list[UpdateResult]:
        conflicts: list[UpdateResult] = []
        size = max(1, adapter.limits.batch_size)
        for start in range(0, len(updates), size):
            self._check_time(channel)
            batch = updates[start:start + size]
            self._note_pending(channel, batch, adapter.limits.asynchronous)
            results = adapter.set_quantities(batch)
            wanted = {u.channel_item_id: u.quantity for u in batch}
            moved = {u.channel_item_id for u in batch if u.delta is not None}
            conflicts += [r for r in results if r.status is UpdateStatus.CONFLICT]
            answered = [r for r in results if r.status is not UpdateStatus.RETRY]
            if answered:
                with self.shop.lock, write_transaction():
                    fence(self.lease, channel.name)
                    listings = self._listings(channel, [r.channel_item_id for r in answered])
                    for result in answered:
                        listing = listings.get(result.channel_item_id)
                        if listing is not None:
                            self._record(channel, listing, result,
                                         wanted.get(result.channel_item_id), report,
                                         result.channel_item_id in moved)
            deferred = [r for r in results if r.status is UpdateStatus.DEFERRED]
            if deferred:
                # the channel's allowance for writes is used up for now: the rest wait for a
                # later cycle, and this one ends well (its orders were read)
                report.uploads_wait_s = max(r.retry_after or 0.0 for r in deferred)
                report.uploads_left = len(updates) - start - len(results) + len(deferred)
                log.info("%s: %d uploads wait %.0f s for the channel's allowance", channel.name,
                         report.uploads_left, report.uploads_wait_s)
                return conflicts
            failed = [r for r in results if r.status is UpdateStatus.RETRY]
            if failed:
                first = failed[0]
                raise ChannelError(first.message, first.retry_after, first.kind or (
                    ErrorKind.RATE_LIMITED if first.retry_after else ErrorKind.SERVER_ERROR))
        return conflicts
