"""Opening the database: a SQLite file by default, or a database URL (PostgreSQL)."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import peewee
from platformdirs import user_data_path
from playhouse.db_url import connect

db = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 10_000,
    "cache_size": -64_000,
}


def default_db_path() -> Path:
    return user_data_path("Rendo", "Rendo") / "rendo.sqlite3"


def resolve_location(explicit: str | None = None) -> str:
    """``--db`` wins, then ``RENDO_DB``, then the file in the user's data directory."""
    return explicit or os.environ.get("RENDO_DB") or str(default_db_path())


def open_database(location: str | None = None, migrate: bool = True) -> peewee.Database:
    """Open (creating if needed) and migrate the database at *location*; bind the models."""
    from .migrations import migrate_to_latest

    where = resolve_location(location)
    database: peewee.Database
    if "://" in where:
        database = connect(where)
    else:
        path = Path(where).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        database = peewee.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS)
    db.initialize(database)
    database.connect(reuse_if_open=True)
    if migrate:
        migrate_to_latest(database)
    return database


def close_database() -> None:
    if db.obj is not None and not db.is_closed():
        db.close()


def is_sqlite() -> bool:
    return isinstance(db.obj, peewee.SqliteDatabase)


def write_transaction() -> AbstractContextManager[Any]:
    """A transaction that takes the write lock at once on SQLite (BEGIN IMMEDIATE).

    Two Rendo processes on one file then queue instead of failing half-way; PostgreSQL has
    no such lock type, so it gets a plain transaction.
    """
    if is_sqlite() and not db.in_transaction():
        return db.atomic("IMMEDIATE")
    return db.atomic()
