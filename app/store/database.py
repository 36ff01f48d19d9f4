"""Opening the database: a SQLite file by default, or a database URL (PostgreSQL)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import peewee
from platformdirs import user_data_path
from playhouse.db_url import connect, schemes

from .errors import (
    FOLDER_MISSING,
    IS_A_FOLDER,
    UNDER_A_FILE,
    UNKNOWN_SCHEME,
    BadLocation,
    EnvironmentFailure,
    MissingFolder,
    classify,
    failure,
    is_connection_lost,
    root_cause,
    shown_location,
)
from .thread_state import keep_state_per_thread

db = peewee.DatabaseProxy()
log = logging.getLogger("rendo.database")

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 10_000,
    "cache_size": -64_000,
}
# How long a write waits for another process's write lock before giving up (tests: shorter).
BUSY_TIMEOUT_ENV = "RENDO_BUSY_TIMEOUT_MS"
URL_SCHEMES = ("postgres", "postgresql", "postgres+pool", "postgresql+pool")


class _Opened:
    """What the open database is: where, and whether SQLite found it damaged."""

    location = ""
    damage: list[str] = []


def default_db_path() -> Path:
    return user_data_path("Rendo", "Rendo") / "rendo.sqlite3"


def resolve_location(explicit: str | None = None) -> str:
    """``--db`` wins, then ``RENDO_DB``, then the file in the user's data directory."""
    return explicit or os.environ.get("RENDO_DB") or str(default_db_path())


def is_default_location(location: str) -> bool:
    return location == str(default_db_path())


def current_location() -> str:
    return _Opened.location


# A server that does not answer is reported after this many seconds (libpq's connect_timeout).
CONNECT_TIMEOUT_S = 10


# A network gone without a word (Wi-Fi dropped, a cable pulled) leaves a query waiting for an
# answer that never comes: TCP keepalives (and, where the system has it, a bound on unanswered
# data) end it within about 15 s, so the window can say it is disconnected and retry.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
             "keepalives_count": 3, "tcp_user_timeout": 15_000}


def _server_options(url: str) -> dict[str, Any]:
    """psycopg 3 (peewee prefers psycopg2 when both are installed), a bounded wait for the
    server, and a name in the server's list of clients; the URL's own options win."""
    from urllib.parse import parse_qs, urlsplit

    given = parse_qs(urlsplit(url).query)
    options: dict[str, Any] = {"prefer_psycopg3": True}
    if "connect_timeout" not in given:
        options["connect_timeout"] = CONNECT_TIMEOUT_S
    if "application_name" not in given:
        options["application_name"] = "Rendo"
    for name, value in KEEPALIVE.items():
        if name not in given:
            options[name] = value
    return options


def _pragmas() -> dict[str, Any]:
    pragmas: dict[str, Any] = dict(SQLITE_PRAGMAS)
    timeout = os.environ.get(BUSY_TIMEOUT_ENV, "")
    if timeout.isdigit():
        pragmas["busy_timeout"] = int(timeout)
    return pragmas


def check_location(location: str, create_folder: bool = True) -> None:
    """Refuse a location that cannot be a database before anything is created.

    A missing folder is created only with *create_folder*: a mistyped ``--db`` must not
    silently start a new, empty shop (``MissingFolder``: the window asks, the CLI refuses).
    """
    if "://" in location:
        scheme = location.split("://", 1)[0].lower()
        if scheme not in URL_SCHEMES or scheme not in schemes:
            raise BadLocation(UNKNOWN_SCHEME, location=shown_location(location))
        return
    path = Path(location).expanduser()
    if path.is_dir():
        raise BadLocation(IS_A_FOLDER, location=location, example=str(path / "rendo.sqlite3"))
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise BadLocation(UNDER_A_FILE, location=location, file=str(existing))
    if not folder.exists() and not create_folder:
        raise MissingFolder(FOLDER_MISSING, folder=folder, location=location)


def open_database(
    location: str | None = None, migrate: bool = True, *, create_folder: bool = True,
    backups: bool = False,
) -> peewee.Database:
    """Open (creating if needed) and migrate the database at *location*; bind the models.

    SQLite's quick check runs first: a damaged file is opened for reading only (every write
    transaction is refused with the way to restore a backup) and is neither migrated nor
    backed up. With *backups*, a SQLite file gets its daily backup (see ``backup.py``).
    Failures of the disk or the database come out as ``EnvironmentFailure``.
    """
    from .migrations import current_version, migrate_to_latest

    where = resolve_location(location)
    check_location(where, create_folder)
    _Opened.location, _Opened.damage = where, []
    database: peewee.Database
    try:
        if "://" in where:
            database = connect(where, **_server_options(where))
        else:
            path = Path(where).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            database = peewee.SqliteDatabase(str(path), pragmas=_pragmas())
        if not isinstance(database, peewee.SqliteDatabase):  # a file costs no login; its
            keep_state_per_thread(database)  # readers are best without long-lived snapshots
        db.initialize(database)
        database.connect(reuse_if_open=True)
        if isinstance(database, peewee.SqliteDatabase):
            _Opened.damage = quick_check(database)
        if _Opened.damage:
            return database
        if backups and isinstance(database, peewee.SqliteDatabase) and current_version(database):
            from .backup import daily_backup

            daily_backup(database, Path(where).expanduser())
        if migrate:
            migrate_to_latest(database)
    except Exception as error:
        close_database()  # nothing half-open is left behind
        found = classify(error, where)
        if found is None or found is error:
            raise
        raise found from error
    return database


def quick_check(database: peewee.Database) -> list[str]:
    """SQLite's quick check of the whole file: [] when it is sound, else its complaints."""
    return _complaints(database.execute_sql("PRAGMA quick_check(20)").fetchall())


def _complaints(rows: list[tuple[Any, ...]]) -> list[str]:
    """SQLite's check rows as single lines, without its "*** in database main ***" headings."""
    lines = [line.strip() for row in rows for line in str(row[0]).splitlines()]
    return [line for line in lines if line and line != "ok" and not line.startswith("***")]


def damage() -> list[str]:
    """What the quick check found wrong with the open database when it was opened."""
    return list(_Opened.damage)


def close_database() -> None:
    if db.obj is not None and not db.is_closed():
        db.close()


def is_sqlite() -> bool:
    return isinstance(db.obj, peewee.SqliteDatabase)


def refuse_if_damaged() -> None:
    """Writing to a file SQLite found damaged would spread the damage: refuse."""
    if _Opened.damage:
        raise failure("damaged", _Opened.location, _Opened.damage[0])


def write_transaction() -> AbstractContextManager[Any]:
    """A transaction that takes the write lock at once on SQLite (BEGIN IMMEDIATE).

    Two Rendo processes on one file then queue instead of failing half-way; PostgreSQL has
    no such lock type, so it gets a plain transaction. Nested, it is a savepoint. The
    outermost one refuses to write to a damaged database and turns the database's and the
    disk's errors into ``EnvironmentFailure`` (an error the window and the CLI show).
    """
    if db.in_transaction():
        return _keeping_first_error(db.atomic())
    refuse_if_damaged()
    return _outermost(lambda: db.atomic("IMMEDIATE") if is_sqlite() else db.atomic())


class _Begun:
    """A transaction entered already (see ``_begun``), used as a context manager."""

    def __init__(self, transaction: AbstractContextManager[Any], inside: Any) -> None:
        self.transaction, self.inside = transaction, inside

    def __enter__(self) -> Any:
        return self.inside

    def __exit__(self, *exc: Any) -> Any:
        return self.transaction.__exit__(*exc)


def _begun(make: Callable[[], AbstractContextManager[Any]]) -> _Begun:
    """The transaction *make* gives, begun. On PostgreSQL a connection the server dropped
    since its last use (a restart, a network cut) is only found out when BEGIN fails on it:
    nothing had been sent yet, so it is replaced and BEGIN sent once more."""
    transaction = make()
    try:
        return _Begun(transaction, transaction.__enter__())
    except Exception as error:
        if is_sqlite() or not is_connection_lost(error):
            raise
        log.info("the database server's connection was lost; connecting again")
        drop_connection()
        transaction = make()
        return _Begun(transaction, transaction.__enter__())


def drop_connection() -> None:
    """Forget this thread's connection (gone or not): the next statement connects again."""
    try:
        db.close()
    except Exception:  # closing a dead connection may fail as well: it is gone either way
        db.obj._state.reset()


@contextmanager
def _keeping_first_error(transaction: AbstractContextManager[Any]) -> Iterator[Any]:
    """*transaction*, but when its ROLLBACK fails because SQLite already ended the
    transaction (after SQLITE_FULL, an I/O error…), the first error is raised, not that one."""
    try:
        with transaction as inside:
            yield inside
    except Exception as error:
        cause = root_cause(error)
        if cause is not error and isinstance(cause, Exception):
            raise cause from None
        raise


@contextmanager
def _outermost(make: Callable[[], AbstractContextManager[Any]]) -> Iterator[Any]:
    """The outermost transaction; a lost server says whether the change was written: not
    when the connection failed before COMMIT (the server rolls it back), unknown when it
    failed during COMMIT."""
    committing = False
    try:
        with _keeping_first_error(_begun(make)) as inside:
            yield inside
            committing = True
    except Exception as error:
        found = classify(error, _Opened.location)
        if found is None or found is error:
            raise
        if isinstance(found, EnvironmentFailure) and found.kind == "unreachable":
            drop_lost_connection()
            found = failure("uncertain" if committing else "not_written", _Opened.location,
                            found.params.get("detail", ""))
        raise found from error


def drop_lost_connection() -> None:
    """Forget this thread's connection to a server that went away (restarted, the network
    dropped), so that the next use opens a new one: peewee would go on using the dead one.
    Nothing while a transaction is open (its end does it) or on SQLite (a file needs no
    new connection)."""
    if db.obj is None or is_sqlite() or db.in_transaction() or db.is_closed():
        return
    drop_connection()


def integrity_problems(limit: int = 20) -> list[str]:
    """SQLite's full integrity check of the open database: [] when sound (and always on
    PostgreSQL, whose server checks itself), else SQLite's complaints, one a line."""
    if not is_sqlite():
        return []
    return _complaints(db.execute_sql(f"PRAGMA integrity_check({limit})").fetchall())


def foreign_key_problems(limit: int = 20) -> list[tuple[str, int, str]]:
    """Rows that refer to a row that is not there: (table, row id, table referred to)."""
    if not is_sqlite():
        return []
    rows = db.execute_sql("PRAGMA foreign_key_check").fetchall()
    return [(str(table), int(rowid or 0), str(parent)) for table, rowid, parent, _ in rows][:limit]
