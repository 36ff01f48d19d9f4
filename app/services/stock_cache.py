"""What a ``Shop`` holds between use cases: the lock, the stock book computed in memory, and
the change feed that keeps the book true.

Every write goes through ``ledger_transaction``: one database transaction that adds the codes
of the items it changed (``note_changed``, ``record_movement(s)``) to the change feed
(app/store/feed.py) in the same transaction. The book follows the feed: after each of its own
writes and whenever ``catch_up()`` is called (the sync engine before it uploads, the sync worker
on a short timer) it reads the items changed since, by this process or any other, recomputes
them and tells its listeners, so the sync engine and the window react within seconds.

The use cases themselves (items, sets, adjustments, channels, patterns, offsets) are in
shop.py: ``Shop`` extends ``StockCache``.
"""

from __future__ import annotations

import functools
import getpass
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

from app.domain.book import StockBook
from app.domain.sets import Compositions
from app.files.common import OperationCancelled
from app.store import feed
from app.store.database import db, is_sqlite, write_transaction
from app.store.errors import is_conflict
from app.store.models import ItemRow, MovementRow, SetComponentRow, utcnow
from app.store.rows import tuples

from .loading import load_book, refresh_items

log = logging.getLogger("rendo.shop")

Listener = Callable[[list[str]], None]
F = TypeVar("F", bound=Callable[..., Any])


# A transaction that collided with another PC's (deadlock, serialization failure, the same
# row inserted by both) is run again this many times, after a short random wait.
ATTEMPTS = 6
T = TypeVar("T")


def run_again_on_conflict(shop: StockCache, work: Callable[[], T]) -> T:
    """``work()``, run again when its transaction collided with another PC's (PostgreSQL
    rolls the loser back whole: running it again is safe). Inside an outer transaction it
    runs once: the outer one is what is run again."""
    with shop.lock:
        if shop._nesting:
            return work()
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return work()
            except Exception as error:
                if attempt == ATTEMPTS or not is_conflict(error):
                    raise
                log.info("a transaction collided with another PC's; again (%d)", attempt)
                time.sleep(random.uniform(0.005, 0.02 * 2 ** attempt))
        raise AssertionError("unreachable")


def locked(method: F) -> F:
    """Run *method* holding the shop's lock (the window and the sync worker share a Shop),
    again when its transaction collided with another PC's."""

    @functools.wraps(method)
    def wrapper(self: StockCache, *args: Any, **kwargs: Any) -> Any:
        return run_again_on_conflict(self, lambda: method(self, *args, **kwargs))

    return cast(F, wrapper)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, frozen build on some systems)
        return "rendo"


class StockCache:
    """The lock, the computed stock and the change feed a ``Shop`` keeps (see above)."""

    def __init__(self) -> None:
        self._book: StockBook | None = None
        self._seen_change = 0  # the last change feed id the book has taken in
        self.listeners: list[Listener] = []  # told of every change, with the sets it touched
        # told of the items other processes changed (the sync worker uploads them soon)
        self.feed_listeners: list[Listener] = []
        self._pending: set[str] = set()  # codes changed in the transaction under way
        self._pending_all = False  # … or everything (channels)
        self._nesting = 0
        self._touched: list[str] = []  # what the last catch_up recomputed
        self._stale = False  # a catch-up after a write failed: read everything again
        # The window and the sync worker share one Shop: every change holds this lock.
        self.lock = threading.RLock()

    @contextmanager
    def ledger_transaction(self) -> Iterator[None]:
        """One database transaction that writes its changed codes to the change feed; the
        book sees its changes only once it commits (and then also everything other
        processes committed before).

        Nested use (one order inside a page of orders) is a savepoint: when it fails, only
        its own changes are forgotten.
        """
        with self.lock:
            if self._nesting:
                saved = set(self._pending), self._pending_all
                try:
                    with write_transaction():  # a savepoint
                        yield
                except BaseException:
                    self._pending, self._pending_all = saved
                    raise
                return
            if self._book is None and (self.listeners or self.feed_listeners):
                self._book = self._load()  # so that the listeners hear what this changes
            self._pending, self._pending_all = set(), False
            self._nesting += 1
            try:
                with write_transaction():
                    # Holding the write lock (SQLite): what other processes committed is
                    # taken in first, so this change computes with their set recipes and
                    # numbers (an order applied with a recipe changed meanwhile would take the
                    # wrong components).
                    self._catch_up_quietly()
                    yield
                    feed.write_changes(self._pending, self._pending_all)
                    own = self._pending
            finally:
                self._nesting -= 1
                self._pending, self._pending_all = set(), False
            try:
                self._catch_up(own)
            except Exception:  # committed all the same (never report it failed, or it is
                # done twice): read it all again at the next catch-up (the window keeps
                # showing the numbers it has until the database answers again)
                log.warning("reading the change feed after a write failed", exc_info=True)
                self._stale = True

    def _catch_up_quietly(self) -> None:
        """catch_up() inside a transaction; a failure there fails the transaction."""
        if self._book is not None:
            self._catch_up(set())

    def note_changed(self, codes: Iterable[str] = (), everything: bool = False) -> None:
        """Within a ledger transaction: these items' stock inputs change (*everything*: the
        channels or too much to list); the feed gets them on commit."""
        self._pending.update(codes)
        self._pending_all = self._pending_all or everything

    # -- the computed stock ---------------------------------------------------------------
    @property
    def book(self) -> StockBook:
        if self._book is None:
            with self.lock:
                if self._book is None:
                    self._book = self._load()
        return self._book

    def _load(self) -> StockBook:
        seen = feed.newest_id()  # before reading: a change made meanwhile is read again
        book = load_book()
        self._seen_change = seen
        return book

    @locked
    def reload(self) -> None:
        """Forget the computed stock; the next use reads it all again."""
        self._book = None

    def catch_up(self) -> list[str]:
        """Take in every change committed since the last look, by any process: read those
        items again from the database, recompute them and the sets containing them, and
        tell the listeners. Cheap when nothing changed (one query). Returns the codes
        recomputed."""
        return self._catch_up(set())

    @locked
    def _catch_up(self, own: set[str]) -> list[str]:
        """catch_up() after this Shop's own write of *own*: the ``feed_listeners`` hear only
        of changes the Shop has not made itself (another process's, or everything)."""
        self._touched = []
        if self._book is None:  # nothing computed yet: the first use reads it all
            return []
        newest, codes = feed.changes_since(self._seen_change)
        if codes is None or self._stale:
            book = self._load()
            self._book, self._stale = book, False
            touched = foreign = sorted(book.items)
        elif codes:
            found = refresh_items(self._book, codes)
            touched = self._book.recompute(found)
            self._seen_change = newest
            foreign = sorted(codes - own)
        else:
            return []
        self._touched = touched
        for listener in list(self.listeners):
            listener(touched)
        if foreign:
            for listener in list(self.feed_listeners):
                listener(foreign)
        return touched

    def _changed_by_last_write(self, codes: Iterable[str]) -> list[str]:
        """What the last write's catch-up recomputed for *codes* (and their sets)."""
        wanted = set(codes)
        if self._book is not None:
            wanted |= self._book.containing_sets(wanted)
        return [code for code in self._touched if code in wanted]

    # -- set recipes ------------------------------------------------------------------------
    def compositions(self) -> Compositions:
        if self._book is not None:
            return self._book.components
        return self._stored_compositions()

    @staticmethod
    def _stored_compositions() -> Compositions:
        """The recipes as committed (another process may have changed the book's since)."""
        code = {r.id: r.code for r in ItemRow.select(ItemRow.id, ItemRow.code)}
        result: dict[str, list[tuple[str, int]]] = {}
        for set_id, comp_id, qty in tuples(SetComponentRow.select(
            SetComponentRow.set_item, SetComponentRow.component, SetComponentRow.quantity
        )):
            result.setdefault(code[set_id], []).append((code[comp_id], qty))
        return result

    # -- the ledger ------------------------------------------------------------------------
    def record_movement(
        self, row: ItemRow, delta: int, reason: str, reference: str = "",
        undoes: int | None = None, batch: str | None = None,
    ) -> MovementRow:
        """Append one movement and keep the on-hand cache equal to the ledger's sum."""
        movement = MovementRow.create(
            item=row, delta=delta, reason=reason, reference=reference, user=_user(),
            undoes=undoes, batch=batch, created_at=utcnow(),
        )
        ItemRow.update(on_hand=ItemRow.on_hand + delta).where(ItemRow.id == row.id).execute()
        row.on_hand += delta
        self._pending.add(row.code)
        return movement

    def record_movements(
        self, movements: Sequence[tuple[int, int, str, str, int | None]], batch: str,
        cancelled: Callable[[], bool] = lambda: False,
        progress: Callable[[int, int], None] = lambda done, total: None,
    ) -> None:
        """Append many ledger rows ``(item id, delta, reason, reference, undoes)`` at once
        inside the caller's ledger transaction, keeping each on-hand cache equal to the sum.

        The rows ``record_movement`` writes, with one prepared statement for all of them: a
        100,000-row stocktake takes well under a second instead of a minute. The items go
        to the change feed like ``record_movement``'s (a large batch as "everything").
        """
        if not movements:
            return
        now, user = utcnow(), _user()
        stamp = MovementRow.created_at.db_value(now)  # type: ignore[no-untyped-call]  # stubs
        if is_sqlite() and isinstance(stamp, datetime):  # as sqlite3 stores it; once, not per row
            stamp = stamp.isoformat(" ")
        fields = [MovementRow.item, MovementRow.delta, MovementRow.reason, MovementRow.reference,
                  MovementRow.created_at, MovementRow.user, MovementRow.undoes, MovementRow.batch]
        insert_sql, _ = MovementRow.insert_many(
            [(1, 0, "", "", now, user, None, batch)], fields=fields).sql()
        update_sql, _ = ItemRow.update(on_hand=ItemRow.on_hand + 1).where(ItemRow.id == 1).sql()
        totals: dict[int, int] = {}
        cursor = db.cursor()
        chunk_size = 5_000
        for start in range(0, len(movements), chunk_size):
            if cancelled():
                raise OperationCancelled
            chunk = movements[start:start + chunk_size]
            cursor.executemany(insert_sql, [
                (item_id, delta, reason, reference, stamp, user, undoes, batch)
                for item_id, delta, reason, reference, undoes in chunk])
            for item_id, delta, *_ in chunk:
                totals[item_id] = totals.get(item_id, 0) + delta
            progress(start + len(chunk), len(movements))
        cursor.executemany(update_sql, [(delta, item_id) for item_id, delta in totals.items()])
        if len(totals) > feed.MAX_CODES:
            self.note_changed(everything=True)
            return
        ids = list(totals)
        for start in range(0, len(ids), 500):
            self.note_changed(code for (code,) in tuples(ItemRow.select(ItemRow.code).where(
                ItemRow.id.in_(ids[start:start + 500]))))
