"""Copies of the SQLite file: ``rendo backup FILE`` and the automatic daily backups.

Both use SQLite's online backup API, so the copy is consistent even while another Rendo
writes. The automatic ones go to a ``backups`` folder beside the database, one a day (made
when Rendo first opens the database that day), the newest ``KEEP`` kept. A PostgreSQL
database is backed up on its server (pg_dump), not by Rendo.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from datetime import date
from pathlib import Path

import peewee

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput

from .database import db, is_sqlite
from .errors import backups_folder

log = logging.getLogger(__name__)

KEEP = 7


def backup_name(database_path: Path, day: date) -> str:
    suffix = database_path.suffix or ".sqlite3"
    return f"{database_path.stem}-{day:%Y-%m-%d}{suffix}"


def _is_backup_of(database_path: Path, name: str) -> bool:
    suffix = re.escape(database_path.suffix or ".sqlite3")
    return re.fullmatch(rf"{re.escape(database_path.stem)}-\d{{4}}-\d{{2}}-\d{{2}}{suffix}",
                        name) is not None


def copy_database(database: peewee.Database, target: Path) -> None:
    """Copy the open SQLite *database* to *target* (written whole, then renamed)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(str(partial))
    try:
        database.connection().backup(copy)
    finally:
        copy.close()
    os.replace(partial, target)


def daily_backup(database: peewee.Database, database_path: Path, today: date | None = None,
                 keep: int = KEEP) -> Path | None:
    """Today's backup of *database* unless there is one; then only the newest *keep* stay.

    A backup that fails (a full disk, a read-only folder) is logged and does not stop Rendo
    from opening the shop.
    """
    folder = backups_folder(str(database_path))
    target = folder / backup_name(database_path, today or date.today())
    if target.exists():
        return None
    try:
        folder.mkdir(exist_ok=True)
        copy_database(database, target)
        rotate(folder, database_path, keep)
    except (OSError, sqlite3.Error) as error:
        log.warning("automatic backup to %s failed: %s", target, error)
        return None
    log.info("automatic backup: %s", target)
    return target


def rotate(folder: Path, database_path: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest *keep* daily backups of *database_path*; return those gone."""
    backups = sorted(p for p in folder.iterdir() if _is_backup_of(database_path, p.name))
    gone = backups[:-keep] if keep > 0 else backups
    for old in gone:
        old.unlink(missing_ok=True)
    return gone


def backup_to(target: str) -> Path:
    """``rendo backup FILE``: a consistent copy of the open SQLite database in *target*."""
    if not is_sqlite():
        raise BadInput(QT_TRANSLATE_NOOP(
            "Errors", "Rendo makes backups of database files only; back up a PostgreSQL "
            "database on its server (pg_dump)."))
    path = Path(target).expanduser()
    if path.exists():
        raise BadInput(QT_TRANSLATE_NOOP(
            "Errors", "{file} already exists; choose another name or delete it first."),
            file=target)
    if not path.parent.is_dir():
        raise BadInput(QT_TRANSLATE_NOOP(
            "Errors", "The folder {folder} does not exist."), folder=str(path.parent))
    try:
        copy_database(db.obj, path)
    except (OSError, sqlite3.Error) as error:
        from .errors import classify

        found = classify(error, target)
        if found is None:
            raise
        raise found from error
    return path
