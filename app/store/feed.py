"""The change feed: which items changed, in the order the changes were committed.

Every write of a stock input (a movement, item fields, a set's recipe, a pattern, a display
offset, the channels) adds rows here in its own transaction. Each process remembers the
last id it has read; before it computes or uploads it reads the rows above that id and
refreshes those items from the database, so a running sync or window never works with
numbers another process has changed since.

Ids must become visible in increasing order: SQLite has one writer at a time, and on
PostgreSQL writers take a lock on the table before adding their rows, held to commit.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from .database import db, is_sqlite
from .models import ChangeRow, utcnow

EVERYTHING = None  # the code of a row that says "reload everything"
# More codes than this in one transaction (an import): one "everything" row instead.
MAX_CODES = 1_000
# Rows are kept for a day, and the last KEEP_ROWS always; a process asleep for longer
# finds its rows gone and reloads everything.
KEEP_FOR = timedelta(days=1)
KEEP_ROWS = 10_000
PRUNE_EVERY = 1_000  # ids


def write_changes(codes: Collection[str], everything: bool = False) -> None:
    """Add the feed rows of one transaction (call inside it, as its last write)."""
    if not codes and not everything:
        return
    if not is_sqlite():
        db.execute_sql(f"LOCK TABLE {ChangeRow._meta.table_name} IN SHARE ROW EXCLUSIVE MODE")
    now = utcnow()
    if everything or len(codes) > MAX_CODES:
        rows = [{"code": EVERYTHING, "created_at": now}]
    else:
        rows = [{"code": code, "created_at": now} for code in sorted(codes)]
    for start in range(0, len(rows), 500):
        ChangeRow.insert_many(rows[start:start + 500]).execute()
    after = newest_id()
    if after // PRUNE_EVERY != (after - len(rows)) // PRUNE_EVERY:
        prune(after)


def prune(newest: int) -> int:
    """Forget rows older than a day, keeping the last KEEP_ROWS; returns how many went."""
    return int(ChangeRow.delete().where(
        ChangeRow.id <= newest - KEEP_ROWS, ChangeRow.created_at < utcnow() - KEEP_FOR
    ).execute())


def newest_id() -> int:
    row = db.execute_sql(f"SELECT MAX(id) FROM {ChangeRow._meta.table_name}").fetchone()
    return int(row[0] or 0)


def oldest_id() -> int:
    row = db.execute_sql(f"SELECT MIN(id) FROM {ChangeRow._meta.table_name}").fetchone()
    return int(row[0] or 0)


def _bounds() -> tuple[int, int]:
    """(oldest id, newest id) in one look: the window and the sync read them twice a second."""
    row = db.execute_sql(f"SELECT MIN(id), MAX(id) FROM {ChangeRow._meta.table_name}").fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def changes_since(seen: int) -> tuple[int, set[str] | None]:
    """The newest id and the codes changed after *seen* (None: reload everything, because
    a row says so, there are too many, or rows after *seen* were pruned already)."""
    oldest, newest = _bounds()
    if newest <= seen:
        return seen, set()
    if oldest > seen + 1:
        return newest, None
    codes: set[str] = set()
    last = seen
    query = ChangeRow.select(ChangeRow.id, ChangeRow.code).where(ChangeRow.id > seen)
    for change_id, code in query.order_by(ChangeRow.id).tuples().iterator():
        if last == seen and oldest_id() > seen + 1:
            return newest_id(), None  # pruned between the two looks: read everything
        last = max(last, change_id)
        if code is EVERYTHING or len(codes) >= MAX_CODES:
            return newest_id(), None
        codes.add(code)
    return last, codes
