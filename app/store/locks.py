"""Locks that make concurrent writes from several PCs correct on PostgreSQL.

SQLite needs none of them: every write transaction takes the file's write lock at once
(BEGIN IMMEDIATE), so one PC's transaction reads and writes with nobody in between. On
PostgreSQL transactions run side by side at READ COMMITTED, so a transaction that computes
what it writes from what it read (a stocktake "=N", an order line not yet applied, an undo
not yet done) first locks what it read; each statement after the lock sees what the other
PC committed meanwhile. Every function here is a no-op on SQLite, and must be called inside
the transaction that writes (the locks end with it).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from .database import db, is_sqlite

# First key of Rendo's two-key advisory locks (pg_advisory_xact_lock(int, int)): "Rend".
# The second: 0 for migrations (migrations.py), a hash of its name for an order.
NAMESPACE = 0x52656E64
MIGRATIONS = 0


def _key(text: str) -> int:
    """A stable 32-bit signed key for *text* (the same on every PC and Python)."""
    value = zlib.crc32(text.encode("utf-8"))
    return value - (1 << 32) if value >= (1 << 31) else value


def lock_item_rows(item_ids: Iterable[int]) -> None:
    """Lock these items' rows until commit (in id order: two PCs never wait on each other
    in a circle over the same items)."""
    ids = sorted(set(item_ids))
    if is_sqlite() or not ids:
        return
    for start in range(0, len(ids), 1_000):
        chunk = ids[start:start + 1_000]
        marks = ", ".join(["%s"] * len(chunk))
        db.execute_sql(f"SELECT id FROM item WHERE id IN ({marks}) ORDER BY id FOR UPDATE",
                       chunk).fetchall()


def lock_movement(movement_id: int) -> None:
    """Lock one movement's row until commit (two PCs undoing it at once: one undo)."""
    if not is_sqlite():
        db.execute_sql("SELECT id FROM movement WHERE id = %s FOR UPDATE",
                       (movement_id,)).fetchall()


def lock_order(channel_id: int, order_id: str) -> None:
    """Hold one channel order until commit: a second PC applying the same order waits, then
    finds its lines applied (the applied_line rows are read after the lock)."""
    if not is_sqlite():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)",
                       (NAMESPACE, _key(f"order:{channel_id}:{order_id}"))).fetchall()


def lock_all_items() -> None:
    """Keep every other PC from changing items until commit (an import, an undone import:
    they read thousands of on-hand numbers and write from them). Reading goes on."""
    if not is_sqlite():
        db.execute_sql("LOCK TABLE item IN EXCLUSIVE MODE")
