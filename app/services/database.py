"""The shop's database as the entry points (window, command line) see it.

Opening and closing it, checking and backing it up, and naming what went wrong around it
(a locked file, a full disk, a damaged database): the window and the command line ask here,
never the store itself (docs/architecture.md).
"""

from __future__ import annotations

from app.store.backup import backup_to
from app.store.database import (
    close_database,
    current_location,
    damage,
    db,
    drop_lost_connection,
    foreign_key_problems,
    integrity_problems,
    is_default_location,
    open_database,
    resolve_location,
)
from app.store.errors import (
    EnvironmentFailure,
    MissingFolder,
    backups_folder,
    classify,
    failure,
    shown_location,
)

__all__ = [
    "EnvironmentFailure",
    "MissingFolder",
    "backup_to",
    "backups_folder",
    "classify",
    "close_database",
    "close_thread_connection",
    "current_location",
    "damage",
    "drop_lost_connection",
    "failure",
    "foreign_key_problems",
    "integrity_problems",
    "is_default_location",
    "open_database",
    "resolve_location",
    "shown_location",
]


def close_thread_connection() -> None:
    """Close this thread's own connection (peewee keeps one per thread) once a worker thread's
    work has ended; nothing when no database is open."""
    if db.obj is not None and not db.is_closed():
        db.close()
