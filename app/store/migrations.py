"""Schema versions. Each migration is code (no files to load, so a frozen build has them).

A database made by any older version opens in a newer one: ``migrate_to_latest`` applies
the missing steps in order, each in its own transaction, and records the version reached.
DDL is written once with placeholders for the few words SQLite and PostgreSQL spell apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import peewee

from app.domain.errors import QT_TRANSLATE_NOOP, RendoError


class SchemaTooNew(RendoError):
    """The database was written by a newer Rendo than this one."""

_SQLITE = {"pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "ts": "DATETIME", "bool": "INTEGER"}
_POSTGRES = {"pk": "SERIAL PRIMARY KEY", "ts": "TIMESTAMP", "bool": "BOOLEAN"}

V1 = [
    """CREATE TABLE schema_version (id {pk}, version INTEGER NOT NULL, applied_at {ts} NOT NULL)""",
    """CREATE TABLE allocation_pattern (
        id {pk}, name TEXT NOT NULL UNIQUE, tiers TEXT NOT NULL, priority TEXT NOT NULL,
        hold_back {bool} NOT NULL)""",
    """CREATE TABLE item (
        id {pk}, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
        jan TEXT, variant TEXT NOT NULL, unlimited {bool} NOT NULL, reserved INTEGER NOT NULL,
        backorder_allowance INTEGER NOT NULL, reorder_point INTEGER,
        pattern_id INTEGER REFERENCES allocation_pattern (id) ON DELETE SET NULL,
        on_hand INTEGER NOT NULL, created_at {ts} NOT NULL)""",
    "CREATE INDEX item_jan ON item (jan)",
    "CREATE INDEX item_pattern_id ON item (pattern_id)",
    """CREATE TABLE set_component (
        id {pk}, set_item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
        component_id INTEGER NOT NULL REFERENCES item (id), quantity INTEGER NOT NULL,
        position INTEGER NOT NULL)""",
    "CREATE UNIQUE INDEX set_component_set_item_id_component_id ON set_component "
    "(set_item_id, component_id)",
    "CREATE INDEX set_component_component_id ON set_component (component_id)",
    """CREATE TABLE movement (
        id {pk}, item_id INTEGER NOT NULL REFERENCES item (id), delta INTEGER NOT NULL,
        reason TEXT NOT NULL, reference TEXT NOT NULL, created_at {ts} NOT NULL,
        "user" TEXT NOT NULL, undoes_id INTEGER REFERENCES movement (id), batch TEXT)""",
    "CREATE INDEX movement_item_id ON movement (item_id)",
    "CREATE INDEX movement_created_at ON movement (created_at)",
    "CREATE INDEX movement_undoes_id ON movement (undoes_id)",
    "CREATE INDEX movement_batch ON movement (batch)",
    """CREATE TABLE channel (
        id {pk}, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL, maximum INTEGER,
        unlimited_qty INTEGER NOT NULL, enabled {bool} NOT NULL, settings TEXT NOT NULL,
        connected_at {ts} NOT NULL, position INTEGER NOT NULL)""",
    """CREATE TABLE display_offset (
        id {pk}, item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
        channel_id INTEGER REFERENCES channel (id) ON DELETE CASCADE,
        kind TEXT NOT NULL, amount INTEGER NOT NULL)""",
    "CREATE INDEX display_offset_item_id ON display_offset (item_id)",
]

V2_ORDERS = [
    """CREATE TABLE code_map (
        id {pk}, channel_id INTEGER NOT NULL REFERENCES channel (id) ON DELETE CASCADE,
        channel_item_id TEXT NOT NULL,
        item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE)""",
    "CREATE UNIQUE INDEX code_map_channel_id_channel_item_id ON code_map "
    "(channel_id, channel_item_id)",
    """CREATE TABLE applied_line (
        id {pk}, channel_id INTEGER NOT NULL REFERENCES channel (id),
        order_id TEXT NOT NULL, line_id TEXT NOT NULL,
        item_id INTEGER NOT NULL REFERENCES item (id), quantity INTEGER NOT NULL,
        updated_at {ts} NOT NULL)""",
    "CREATE UNIQUE INDEX applied_line_channel_id_order_id_line_id ON applied_line "
    "(channel_id, order_id, line_id)",
    """CREATE TABLE unmatched_line (
        id {pk}, channel_id INTEGER NOT NULL REFERENCES channel (id),
        order_id TEXT NOT NULL, line_id TEXT NOT NULL, channel_item_id TEXT NOT NULL,
        quantity INTEGER NOT NULL, cancelled {bool} NOT NULL, placed_at {ts},
        seen_at {ts} NOT NULL)""",
    "CREATE UNIQUE INDEX unmatched_line_channel_id_order_id_line_id ON unmatched_line "
    "(channel_id, order_id, line_id)",
]


V3_SYNC = [
    """CREATE TABLE channel_sync (
        id {pk}, channel_id INTEGER NOT NULL UNIQUE REFERENCES channel (id) ON DELETE CASCADE,
        first_mode TEXT, first_done {bool} NOT NULL, cursor TEXT, interval_s INTEGER NOT NULL,
        last_sync_at {ts}, last_ok_at {ts}, next_sync_at {ts}, last_error TEXT NOT NULL,
        failures INTEGER NOT NULL, last_drift_check_at {ts},
        orders_applied INTEGER NOT NULL, uploads INTEGER NOT NULL, calls INTEGER NOT NULL)""",
    """CREATE TABLE listing (
        id {pk}, channel_id INTEGER NOT NULL REFERENCES channel (id) ON DELETE CASCADE,
        item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
        channel_item_id TEXT NOT NULL, believed_qty INTEGER, confirmed_at {ts},
        failures INTEGER NOT NULL, suspended {bool} NOT NULL, last_error TEXT NOT NULL,
        drift_qty INTEGER, drift_seen_at {ts})""",
    "CREATE UNIQUE INDEX listing_channel_id_channel_item_id ON listing "
    "(channel_id, channel_item_id)",
    "CREATE INDEX listing_item_id ON listing (item_id)",
]


V4_RECIPES_AND_PENDING = [
    # the singles one unit of an order line used when first applied (set recipes)
    "ALTER TABLE applied_line ADD COLUMN units TEXT",
    # numbers sent to a channel whose answer never came
    "ALTER TABLE listing ADD COLUMN pending TEXT NOT NULL DEFAULT '[]'",
]


V5_CHANGE_FEED = [
    # Every committed change of a stock input (a movement, item fields, a set, a pattern, an
    # offset, channels), one row per item code (NULL: everything), written in the same
    # transaction: each Rendo process reads the rows above the last id it saw before it
    # computes or uploads, so it never works with another process's stale numbers.
    """CREATE TABLE change_feed (id {pk}, code TEXT, created_at {ts} NOT NULL)""",
]


V6_REFUSED_LINES = [
    # why an order line was refused (a negative or absurd quantity); empty: waits for a code
    "ALTER TABLE unmatched_line ADD COLUMN problem TEXT NOT NULL DEFAULT ''",
]


V7_ERROR_KINDS = [
    # what kind of failure a channel's last error was (app.channels.base.ErrorKind); a
    # refused or expired credential stops the channel until new credentials are entered
    "ALTER TABLE channel_sync ADD COLUMN error_kind TEXT NOT NULL DEFAULT ''",
    # when a number was submitted to a channel that applies writes later (Amazon's feeds)
    "ALTER TABLE listing ADD COLUMN submitted_at {ts}",
    # the channel's read-back no longer had this listing (楽天 and Amazon accept writes for
    # ids they do not have): not found there, never counted as in step
    "ALTER TABLE listing ADD COLUMN missing_at {ts}",
]


def _ddl(statements: list[str]) -> Callable[[peewee.Database], None]:
    def run(database: peewee.Database) -> None:
        words = _SQLITE if isinstance(database, peewee.SqliteDatabase) else _POSTGRES
        for statement in statements:
            database.execute_sql(statement.format(**words))

    return run


MIGRATIONS: list[tuple[int, str, Callable[[peewee.Database], None]]] = [
    (1, "items, sets, ledger, channels, patterns, offsets", _ddl(V1)),
    (2, "order lines applied, unmatched lines, channel code maps", _ddl(V2_ORDERS)),
    (3, "sync state per channel, listings", _ddl(V3_SYNC)),
    (4, "set recipes kept with order lines; unanswered channel writes",
     _ddl(V4_RECIPES_AND_PENDING)),
    (5, "a feed of changed items that every process reads", _ddl(V5_CHANGE_FEED)),
    (6, "order lines refused with their reason", _ddl(V6_REFUSED_LINES)),
    (7, "channel failures with their kind; numbers submitted for later",
     _ddl(V7_ERROR_KINDS)),
]

LATEST = MIGRATIONS[-1][0]


def current_version(database: peewee.Database) -> int:
    if "schema_version" not in database.get_tables():
        return 0
    row = database.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _migrating(database: peewee.Database) -> Any:
    """One migration step's transaction, taken so that two PCs upgrading the same database
    at once do each step once: SQLite's write lock at once (BEGIN IMMEDIATE), PostgreSQL's
    advisory lock for migrations; the step then re-reads the version under it."""
    if isinstance(database, peewee.SqliteDatabase):
        return database.atomic("IMMEDIATE")
    transaction = database.atomic()

    @contextmanager
    def locked() -> Iterator[None]:
        with transaction:
            from .locks import MIGRATIONS as KEY
            from .locks import NAMESPACE

            database.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (NAMESPACE, KEY))
            yield

    return locked()


def migrate_to_latest(database: peewee.Database, target: int = LATEST) -> int:
    """Apply every migration above the database's version up to *target*; return it."""
    from .models import utcnow

    version = current_version(database)
    if version > LATEST:
        raise SchemaTooNew(
            QT_TRANSLATE_NOOP("Errors", "This database was written by a newer Rendo (schema "
                              "{version}, this one knows {latest}). Update Rendo before "
                              "opening it."),
            version=version, latest=LATEST,
        )
    for number, _title, step in MIGRATIONS:
        if version < number <= target:
            with _migrating(database):
                if current_version(database) >= number:  # another PC did it meanwhile
                    version = number
                    continue
                step(database)
                param = database.param
                database.execute_sql(
                    f"INSERT INTO schema_version (version, applied_at) VALUES ({param}, {param})",
                    (number, utcnow()),
                )
            version = number
    return version
