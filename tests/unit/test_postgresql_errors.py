"""PostgreSQL's failures sorted by SQLSTATE (and libpq's words when there is none), each
with its plain message; a password in the address never shows."""

from __future__ import annotations

import peewee
import pytest

from app.store.errors import (
    EnvironmentFailure,
    classify,
    is_conflict,
    scrubbed,
    shown_location,
)

URL = "postgresql://shop:pa%40ss-word@nas.local:5432/rendo"


class DriverError(Exception):
    """Stands for a psycopg error: the driver's SQLSTATE is its ``sqlstate``."""

    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def wrapped(message: str, sqlstate: str | None,
            kind: type[peewee.PeeweeException] = peewee.OperationalError) -> Exception:
    """As peewee raises it: its own exception, the driver's as first argument and context."""
    driver = DriverError(message, sqlstate)
    error = kind(driver, message)
    error.__context__ = driver
    return error


@pytest.mark.parametrize(("sqlstate", "kind", "transient"), [
    ("40001", "conflict", True), ("40P01", "conflict", True), ("23505", "conflict", True),
    ("57P01", "unreachable", True), ("08006", "unreachable", True),
    ("28P01", "login", False), ("28000", "login", False), ("3D000", "no_database", False),
    ("53100", "full", True), ("53300", "busy", True), ("42501", "readonly", False),
    ("25006", "readonly", False), ("XX001", "damaged", False), ("23503", "refused", False),
    ("42P01", "failed", False),
])
def test_each_sqlstate_has_its_kind(sqlstate, kind, transient):
    found = classify(wrapped("it failed", sqlstate), URL)
    assert isinstance(found, EnvironmentFailure)
    assert (found.kind, found.transient) == (kind, transient)
    assert is_conflict(found) == (kind == "conflict")


@pytest.mark.parametrize(("message", "kind"), [
    ('connection failed: connection to server at "10.0.0.5", port 5432 failed: Connection '
     "refused", "unreachable"),
    ("server closed the connection unexpectedly", "unreachable"),
    ('password authentication failed for user "shop"', "login"),
    ('database "rendo" does not exist', "no_database"),
])
def test_without_a_sqlstate_libpqs_words_say_it(message, kind):
    found = classify(wrapped(message, None), URL)
    assert isinstance(found, EnvironmentFailure) and found.kind == kind


def test_a_conflict_is_not_a_conflict_on_sqlite():
    """SQLite's unique violations are no race (one writer at a time): not run again."""
    found = classify(peewee.IntegrityError("UNIQUE constraint failed: item.code"), "x.sqlite3")
    assert isinstance(found, EnvironmentFailure) and found.kind == "refused"
    assert not is_conflict(found)


def test_the_password_never_shows():
    found = classify(wrapped("bad password pa@ss-word for pa%40ss-word", "28P01"), URL)
    text = found.template.format(**found.params)
    assert "pa@ss-word" not in text and "pa%40ss-word" not in text
    assert "postgresql://shop:***@nas.local:5432/rendo" in text
    assert shown_location(URL + "?password=x2") == (
        "postgresql://shop:***@nas.local:5432/rendo?password=***")
    assert scrubbed("x2 and pa@ss-word", URL + "?password=x2") == "*** and ***"
