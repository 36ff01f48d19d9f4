"""Database and operating-system failures turned into one plain message each.

SQLite, PostgreSQL and the OS raise errors whose words ("database is locked", "cannot rollback
- no transaction is active", "[Errno 28]") mean nothing to a shop owner. ``classify`` turns
them into an ``EnvironmentFailure`` that names the database and says what to do; the command
line prints it on one line (exit 3), the window shows it, and the sync worker reports it and
tries again later.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import peewee

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput, RendoError


class EnvironmentFailure(RendoError):
    """The database, the disk or the keyring failed: nothing the user typed was wrong.

    ``transient`` failures (a busy database, a full disk, a server that does not answer) may
    go away on their own, so a long-running sync waits and tries again; a damaged database
    does not.
    """

    def __init__(self, template: str, *, kind: str = "failed", transient: bool = False,
                 **params: object) -> None:
        super().__init__(template, **params)
        self.kind = kind
        self.transient = transient


class BadLocation(BadInput):
    """The database location given (``--db``, ``RENDO_DB``) cannot be a database."""


class MissingFolder(BadLocation):
    """The folder of a new database does not exist: ask (window) or refuse (command line)."""

    def __init__(self, template: str, *, folder: Path, **params: object) -> None:
        super().__init__(template, folder=str(folder), **params)
        self.folder = folder


BUSY = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} is busy: another program is writing to it. Wait a "
    "moment and try again; if it stays busy, close the other Rendo or sync.")
FULL = QT_TRANSLATE_NOOP(
    "Errors", "The disk that holds the database {location} is full; nothing was written. "
    "Free some space and try again.")
READ_ONLY = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} cannot be written to (a read-only file, folder or "
    "drive). Check its permissions, or copy it to a folder you can write to.")
DAMAGED = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} is damaged or is not a Rendo database ({detail}). "
    "Rendo will not write to it. Restore a backup: close Rendo, then copy the newest file "
    "from {backups} in its place.")
DAMAGED_NO_BACKUP = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} is damaged or is not a Rendo database ({detail}). "
    "Rendo will not write to it. Check the path given with --db or RENDO_DB; there is no "
    "backup of it in {backups}.")
DISK_ERROR = QT_TRANSLATE_NOOP(
    "Errors", "The disk that holds the database {location} could not be read or written "
    "({detail}). Check the disk or drive and try again.")
CANNOT_OPEN = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} cannot be opened ({detail}). Check that the folder "
    "exists and that you may write to it.")
UNREACHABLE = QT_TRANSLATE_NOOP(
    "Errors", "The database server {location} cannot be reached ({detail}). Check that it "
    "is running and that the address is right, then try again.")
NOT_WRITTEN = QT_TRANSLATE_NOOP(
    "Errors", "The database server {location} cannot be reached ({detail}), so nothing was "
    "saved. Rendo reconnects by itself: try again once the server answers.")
UNCERTAIN = QT_TRANSLATE_NOOP(
    "Errors", "The connection to the database server {location} was lost while saving "
    "({detail}): Rendo cannot tell whether the change was saved. Once it has reconnected, the "
    "window shows what the database holds: look at the item's history before doing it again.")
NO_DRIVER = QT_TRANSLATE_NOOP(
    "Errors", "This Rendo cannot open the database {location}: {detail}. Use a database "
    "file, or a Rendo built with PostgreSQL support.")
REFUSED = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} refused a change ({detail}). Run rendo check; if it "
    "reports damage, restore a backup from {backups}.")
FAILED = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} cannot be used ({detail}). Check the disk and try "
    "again.")
CONFLICT = QT_TRANSLATE_NOOP(
    "Errors", "The database {location} was busy with the same change from another PC, and "
    "trying again did not help; nothing was written ({detail}). Try again in a moment.")
LOGIN_REFUSED = QT_TRANSLATE_NOOP(
    "Errors", "The database server {location} refused the login ({detail}). Check the user "
    "name and password in the address, and that this user may use the database.")
NO_SUCH_DATABASE = QT_TRANSLATE_NOOP(
    "Errors", "The database server {location} has no such database ({detail}). Check its "
    "name in the address, or create it on the server first.")
IS_A_FOLDER = QT_TRANSLATE_NOOP(
    "Errors", "{location} is a folder, not a database file. Name a file, for example "
    "{example}.")
UNDER_A_FILE = QT_TRANSLATE_NOOP(
    "Errors", "{location} cannot be a database: {file} is a file, not a folder.")
OTHER_FILE = QT_TRANSLATE_NOOP(
    "Errors", "{file} cannot be used ({detail}). Check the path and that you may write there.")
UNKNOWN_SCHEME = QT_TRANSLATE_NOOP(
    "Errors", "{location} is not a database Rendo can open: give a file path or a "
    "postgresql:// address.")
FOLDER_MISSING = QT_TRANSLATE_NOOP(
    "Errors", "The folder {folder} of the database {location} does not exist. Check the "
    "path, or add --create to start a new, empty shop there.")

# Messages of a failed ROLLBACK / RELEASE after SQLite already ended the transaction itself
# (SQLITE_FULL, SQLITE_IOERR…): never the real cause.
_AFTERMATH = ("cannot rollback", "no such savepoint", "cannot commit", "no transaction is active")

# primary SQLite result codes (https://sqlite.org/rescode.html)
_SQLITE_KIND = {5: "busy", 6: "busy", 8: "readonly", 3: "readonly", 10: "io", 11: "damaged",
                26: "damaged", 13: "full", 14: "cannot_open", 19: "refused"}
# the words of the same errors, for drivers that give no code
_SQLITE_WORDS = (("locked", "busy"), ("busy", "busy"), ("disk is full", "full"),
                 ("readonly", "readonly"), ("read-only", "readonly"), ("malformed", "damaged"),
                 ("not a database", "damaged"), ("disk i/o", "io"),
                 ("unable to open", "cannot_open"), ("constraint", "refused"))
_TEMPLATES = {"busy": BUSY, "full": FULL, "readonly": READ_ONLY, "damaged": DAMAGED,
              "io": DISK_ERROR, "cannot_open": CANNOT_OPEN, "refused": REFUSED,
              "unreachable": UNREACHABLE, "not_written": NOT_WRITTEN, "uncertain": UNCERTAIN,
              "no_driver": NO_DRIVER, "failed": FAILED,
              "conflict": CONFLICT, "login": LOGIN_REFUSED, "no_database": NO_SUCH_DATABASE}
TRANSIENT = {"busy", "full", "io", "unreachable", "conflict", "not_written", "uncertain"}

# PostgreSQL's SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html):
# exact codes first, then the class (first two characters).
_PG_KIND = {
    "40001": "conflict",  # serialization_failure: run the transaction again
    "40P01": "conflict",  # deadlock_detected: likewise
    "23505": "conflict",  # unique_violation: another PC inserted the same row meanwhile
    "55P03": "busy",  # lock_not_available
    "57P01": "unreachable", "57P02": "unreachable", "57P03": "unreachable",  # shutting down
    "28P01": "login", "28000": "login",  # password / authorisation refused
    "3D000": "no_database",
    "42501": "readonly",  # insufficient_privilege
    "25006": "readonly",  # read_only_sql_transaction (a standby)
    "53100": "full",  # disk_full
}
_PG_CLASS = {"08": "unreachable", "53": "busy", "58": "io", "XX": "damaged", "23": "refused"}
# What libpq says when it cannot reach the server (no SQLSTATE then)
_PG_WORDS = (("password authentication failed", "login"), ("no password supplied", "login"),
             ("does not exist", "no_database"), ("connection", "unreachable"),
             ("server closed", "unreachable"), ("timeout", "unreachable"),
             ("could not", "unreachable"))


def shown_location(location: str) -> str:
    """The database location as the user may see it: a URL's password hidden."""
    if "://" not in location:
        return location
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(location)
    if parts.password is not None:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1))
    if "password=" in parts.query.lower():  # libpq takes ?password=… too
        parts = parts._replace(query=_PASSWORD_OPTION.sub(r"\1***", parts.query))
    return urlunsplit(parts)


_PASSWORD_OPTION = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)


def backups_folder(location: str) -> Path:
    """Where the automatic backups of the SQLite file at *location* go."""
    return Path(location).expanduser().parent / "backups"


def has_backups(location: str) -> bool:
    folder = backups_folder(location)
    return "://" not in location and folder.is_dir() and any(folder.iterdir())


def scrubbed(text: str, location: str) -> str:
    """*text* without the password of the URL *location* (a driver may quote it)."""
    if "://" not in location:
        return text
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(location)
    except ValueError:
        return text
    secrets = [parts.password or ""]
    secrets += [m.group(0).split("=", 1)[1] for m in _PASSWORD_OPTION.finditer(parts.query)]
    for secret in {s for p in secrets for s in (p, unquote(p))} - {""}:
        text = text.replace(secret, "***")
    return text


def failure(kind: str, location: str, detail: str = "") -> EnvironmentFailure:
    """The plain message of one *kind* of failure of the database at *location*."""
    template = _TEMPLATES[kind]
    if kind == "damaged" and not has_backups(location):
        template = DAMAGED_NO_BACKUP
    return EnvironmentFailure(
        template, kind=kind, transient=kind in TRANSIENT, location=shown_location(location),
        detail=scrubbed(detail.strip().rstrip("."), location),
        backups="-" if "://" in location else str(backups_folder(location)),
    )


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_aftermath(error: BaseException) -> bool:
    """Is *error* a failed ROLLBACK / RELEASE after SQLite had already ended the transaction?"""
    return isinstance(error, (peewee.PeeweeException, sqlite3.Error)) and any(
        words in str(error).lower() for words in _AFTERMATH)


def root_cause(error: BaseException) -> BaseException:
    """The first real database error behind *error*, not the failed ROLLBACK it caused.

    After SQLITE_FULL SQLite has already rolled back, so peewee's ROLLBACK then fails with
    "cannot rollback - no transaction is active", hiding "database or disk is full".
    """
    if not is_aftermath(error):
        return error
    for link in _chain(error):
        if isinstance(link, (peewee.PeeweeException, sqlite3.Error, OSError)) and not (
                is_aftermath(link)):
            return link
    return error


def _sqlite_kind(error: BaseException) -> str | None:
    for link in _chain(error):
        code = getattr(link, "sqlite_errorcode", None)
        if isinstance(code, int) and (code & 0xFF) in _SQLITE_KIND:
            return _SQLITE_KIND[code & 0xFF]
    text = str(error).lower()
    for words, kind in _SQLITE_WORDS:
        if words in text:
            return kind
    return None


def sqlstate(error: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of *error* or of the driver's error behind it (peewee wraps it)."""
    for link in _chain(error):
        for candidate in (link, *link.args[:1]):
            code = getattr(candidate, "sqlstate", None)
            if isinstance(code, str) and code:
                return code
    return None


def _is_driver_error(error: BaseException) -> bool:
    """An error of the PostgreSQL driver that peewee did not wrap (a raw cursor's)."""
    return type(error).__module__.split(".")[0] == "psycopg"


def _pg_kind(error: BaseException) -> str | None:
    """The kind of a PostgreSQL failure: by its SQLSTATE, else by libpq's words (a server
    that cannot be reached answers with no SQLSTATE)."""
    code = sqlstate(error)
    if code is not None:
        return _PG_KIND.get(code) or _PG_CLASS.get(code[:2])
    if not isinstance(error, (peewee.OperationalError, peewee.InterfaceError)) and not (
            _is_driver_error(error)):
        return None
    text = str(error).lower()
    for words, kind in _PG_WORDS:
        if words in text:
            return kind
    return "unreachable" if type(error).__name__ in ("OperationalError", "InterfaceError") else None


def is_connection_lost(error: BaseException) -> bool:
    """Did the PostgreSQL server not answer, or drop the connection?"""
    return _pg_kind(error) == "unreachable"


def is_conflict(error: BaseException) -> bool:
    """Did two PCs' transactions collide (deadlock, serialization failure, the same row
    inserted by both)? Running the whole transaction again settles it."""
    return (isinstance(error, EnvironmentFailure) and error.kind == "conflict") or (
        _pg_kind(error) == "conflict")


def _os_kind(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "full"
    if isinstance(error, PermissionError) or error.errno == errno.EROFS:
        return "readonly"
    return "cannot_open"


def _is_database_file(filename: str, location: str) -> bool:
    """Is *filename* the database at *location*, one of its companions (-wal, -shm, a backup
    being written) or a folder on its way?"""
    if "://" in location:
        return False
    database = Path(os.path.abspath(Path(location).expanduser()))
    path = Path(os.path.abspath(filename))
    return (path.parent == database.parent and path.name.startswith(database.name)) or (
        path in database.parents)


def classify(error: BaseException, location: str) -> RendoError | None:
    """A plain message for *error* met while using the database at *location*, or None
    when it is none of the database's or the system's failures (a bug: let it show)."""
    if isinstance(error, RendoError):
        return error
    cause = root_cause(error)
    is_url = "://" in location
    if isinstance(cause, peewee.ImproperlyConfigured):
        return failure("no_driver", location, str(cause))
    if isinstance(cause, OSError):
        detail = cause.strerror or str(cause)
        if cause.filename and not _is_database_file(str(cause.filename), location):
            # another file (an export, a template): name it, not the database
            return EnvironmentFailure(OTHER_FILE, kind=_os_kind(cause), file=str(cause.filename),
                                      detail=detail)
        if isinstance(cause, IsADirectoryError):
            return BadLocation(IS_A_FOLDER, location=location,
                               example=str(Path(location) / "rendo.sqlite3"))
        return failure(_os_kind(cause), location, detail)
    if not isinstance(cause, (peewee.PeeweeException, sqlite3.Error)) and not (
            is_url and _is_driver_error(cause)):
        return None
    detail = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    if is_url:
        return failure(_pg_kind(cause) or "failed", location, detail)
    return failure(_sqlite_kind(cause) or "failed", location, detail)
