"""Preparing a PostgreSQL database for a shop, and moving a shop there from its SQLite file.

The copy reads a copy of the SQLite file (migrated to this Rendo's schema, so the file itself
is never written) and writes the PostgreSQL database in one transaction, schema included:
when anything fails, the target is left as it was.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import peewee

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput

from .database import close_database, db, open_database
from .errors import BadLocation, shown_location
from .migrations import current_version, migrate_to_latest

NOT_POSTGRESQL = QT_TRANSLATE_NOOP(
    "Errors", "{location} is not a PostgreSQL address: give one like "
    "postgresql://USER:PASSWORD@HOST:5432/DATABASE.")
NOT_SQLITE = QT_TRANSLATE_NOOP(
    "Errors", "{location} is not a shop's SQLite file: give one like sqlite:PATH (for "
    "example sqlite:{example}).")
NO_FILE = QT_TRANSLATE_NOOP(
    "Errors", "There is no database file {path}. Check the path after sqlite:.")
NOT_EMPTY = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} already holds a shop ({items} items, {movements} "
    "movements); nothing was copied. Copy into an empty database.")
FOREIGN_TABLES = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} holds tables that are not Rendo's ({tables}); nothing "
    "was changed. Use an empty database of its own for the shop.")

# What is counted for the summary (the rest is copied all the same).
COUNTED = ("item", "movement", "set_component", "allocation_pattern", "display_offset",
           "channel", "channel_sync", "listing", "applied_line", "code_map")


@dataclass
class CopyResult:
    """What ``copy_shop`` copied: rows per table, and the channels (name, type)."""

    rows: dict[str, int] = field(default_factory=dict)
    channels: list[tuple[str, str]] = field(default_factory=list)


def is_postgresql(location: str) -> bool:
    return location.split("://", 1)[0].lower() in ("postgres", "postgresql") and (
        "://" in location)


def check_postgresql(location: str) -> None:
    if not is_postgresql(location):
        raise BadLocation(NOT_POSTGRESQL, location=shown_location(location))


def sqlite_path(source: str) -> Path:
    """The file of ``sqlite:PATH`` (``sqlite:///PATH`` and a bare path are taken too)."""
    text = source.strip()
    if text.lower().startswith("sqlite:"):
        text = text[len("sqlite:"):]
        if text.startswith("//"):  # sqlite:///home/… as in a URL
            text = text[2:]
    if not text or "://" in text:
        raise BadLocation(NOT_SQLITE, location=source, example="rendo.sqlite3")
    path = Path(text).expanduser()
    if not path.is_file():
        raise BadLocation(NO_FILE, path=str(path))
    return path


def _tables(database: peewee.Database) -> list[str]:
    return sorted(database.get_tables())


def _rendo_tables() -> set[str]:
    """The tables this Rendo's schema has (read from a scratch SQLite database)."""
    scratch = peewee.SqliteDatabase(":memory:")
    try:
        migrate_to_latest(scratch)
        return set(scratch.get_tables())
    finally:
        scratch.close()


def _refuse_foreign(location: str) -> None:
    foreign = sorted(set(_tables(db)) - _rendo_tables())
    if foreign:
        raise BadInput(FOREIGN_TABLES, location=shown_location(location),
                       tables=", ".join(foreign[:5]))


def init_shop(location: str) -> tuple[int, int]:
    """Prepare the PostgreSQL database at *location* for a shop (its schema, under the
    migration lock); returns (schema version before, after). One already prepared is only
    brought up to date."""
    check_postgresql(location)
    open_database(location, migrate=False)
    try:
        _refuse_foreign(location)
        before = current_version(db.obj)
        after = migrate_to_latest(db.obj)
        return before, after
    finally:
        close_database()


@contextmanager
def _migrated_copy(path: Path) -> Iterator[sqlite3.Connection]:
    """A copy of the SQLite file at *path*, migrated to this Rendo's schema (the file is
    only read, with SQLite's online backup: safe while another Rendo uses it)."""
    with tempfile.TemporaryDirectory(prefix="rendo-copy-") as folder:
        copy = Path(folder) / "shop.sqlite3"
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(str(copy))
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        scratch = peewee.SqliteDatabase(str(copy), pragmas={"foreign_keys": 1})
        try:
            migrate_to_latest(scratch)
        finally:
            scratch.close()
        connection = sqlite3.connect(str(copy))
        try:
            yield connection
        finally:
            connection.close()


def _copy_order(source: sqlite3.Connection, tables: list[str]) -> list[str]:
    """*tables* with every table after the tables its rows refer to."""
    refers = {t: {row[2] for row in source.execute(f'PRAGMA foreign_key_list("{t}")')} - {t}
              for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and refers[t] <= set(ordered)]
        if not ready:  # a cycle (none in Rendo's schema): the rest in name order
            ready = [t for t in tables if t not in ordered]
        ordered += sorted(ready)
    return ordered


def _column_types(table: str) -> dict[str, str]:
    rows = db.execute_sql(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s", (table,)).fetchall()
    return {str(name): str(kind) for name, kind in rows}


def _converter(kind: str) -> Any:
    """SQLite's stored value as PostgreSQL's column of *kind* takes it."""
    if kind == "boolean":
        return lambda v: None if v is None else bool(v)
    if kind.startswith("timestamp"):
        return lambda v: datetime.fromisoformat(v) if isinstance(v, str) else v
    return lambda v: v


def _count(table: str) -> int:
    if table not in _tables(db):
        return 0
    return int(db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])


def copy_shop(source: str, location: str) -> CopyResult:
    """Copy the shop in the SQLite file *source* (``sqlite:PATH``) into the empty PostgreSQL
    database at *location*: all of it in one transaction, or nothing."""
    path = sqlite_path(source)
    check_postgresql(location)
    result = CopyResult()
    with _migrated_copy(path) as shop:
        open_database(location, migrate=False)
        try:
            _refuse_foreign(location)
            items, movements = _count("item"), _count("movement")
            if items or movements:
                raise BadInput(NOT_EMPTY, location=shown_location(location), items=items,
                               movements=movements)
            with db.atomic():
                migrate_to_latest(db.obj)
                # the file's sync leases belong to its PC's processes, gone once it is closed
                tables = [name for (name,) in shop.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' AND name != 'schema_version' "
                    "AND name != 'sync_lease'")]
                for table in _copy_order(shop, tables):
                    result.rows[table] = _copy_table(shop, table)
            result.channels = [(str(n), str(t)) for n, t in shop.execute(
                "SELECT name, type FROM channel ORDER BY position, name")]
        finally:
            close_database()
    return result


def _copy_table(shop: sqlite3.Connection, table: str) -> int:
    """Every row of *table*, ids kept; the table's id sequence then follows on from them."""
    cursor = shop.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    columns = [d[0] for d in cursor.description]
    types = _column_types(table)
    convert = [_converter(types.get(c, "")) for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    copied = 0
    raw = db.cursor()
    while rows := cursor.fetchmany(2_000):
        raw.executemany(insert, [[f(v) for f, v in zip(convert, row, strict=True)]
                                 for row in rows])
        copied += len(rows)
    if "id" in columns:
        db.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table}"')
    return copied
