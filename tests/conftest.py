"""Shared test set-up."""

import os

# ---- Qt: no display needed. Must run before anything imports Qt. -------------------------------
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# ---- Database fixtures ------------------------------------------------------------------------
# --- database fixtures ---
# A fresh SQLite file per test, the Shop on it, and the `rendo` command line run on it
# in-process (fast) or as a real process (exit codes, stderr, encoding end to end).

import json as _json  # noqa: E402
import sqlite3 as _sqlite3  # noqa: E402
import subprocess as _subprocess  # noqa: E402
import sys as _sys  # noqa: E402
from collections.abc import Callable as _Callable  # noqa: E402
from collections.abc import Iterator as _Iterator  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402
from pathlib import Path as _Path  # noqa: E402
from typing import Any as _Any  # noqa: E402

import pytest  # noqa: E402

REPO_ROOT = _Path(__file__).resolve().parent.parent


@_dataclass(frozen=True)
class RendoRun:
    """What one `rendo …` call did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def json(self) -> _Any:
        return _json.loads(self.out)


def dump_database(path: str | _Path) -> list[str]:
    """Every table's schema and rows (sqlite_sequence included), as SQL text lines."""
    connection = _sqlite3.connect(str(path))
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def execute_sql(path: str | _Path, sql: str, params: tuple[_Any, ...] = ()) -> None:
    """Raw SQL on the file behind Rendo's back (a tampered cache, a newer schema…)."""
    connection = _sqlite3.connect(str(path))
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


@pytest.fixture
def db_path(tmp_path: _Path) -> str:
    return str(tmp_path / "rendo.sqlite3")


@pytest.fixture
def shop(db_path: str) -> _Iterator[_Any]:
    """The service layer on a fresh, migrated database; closed after the test."""
    from app.services.shop import Shop
    from app.store.database import close_database, open_database

    open_database(db_path)
    try:
        yield Shop()
    finally:
        close_database()


@pytest.fixture
def rendo(
    db_path: str, capsys: pytest.CaptureFixture[str], qapp: _Any
) -> _Callable[..., RendoRun]:
    """`rendo --db <db_path> ARGS…` run in-process through app.cli.main.

    Each call opens and closes the database (as the command does), so do not use it in the
    same test as the `shop` fixture. It asks for pytest-qt's `qapp` so that the command reuses
    that QApplication: a bare QCoreApplication left behind by the command would make every
    later widget test in the session abort.
    """
    from app.cli import main

    def run(*args: str) -> RendoRun:
        capsys.readouterr()  # forget what came before
        try:
            code = main(["--db", db_path, *args])
        except SystemExit as stop:  # argparse refusing an argument
            code = stop.code if isinstance(stop.code, int) else 1
        captured = capsys.readouterr()
        return RendoRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def rendo_process(db_path: str) -> _Callable[..., RendoRun]:
    """`python -m app --db <db_path> ARGS…` as a separate process (slower: use sparingly)."""
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")

    def run(*args: str, db: str | None = None) -> RendoRun:
        done = _subprocess.run(
            [_sys.executable, "-m", "app", "--db", db or db_path, *args],
            cwd=REPO_ROOT, env=env, capture_output=True, encoding="utf-8", timeout=60,
        )
        return RendoRun(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def db_dump(db_path: str) -> _Callable[..., list[str]]:
    """A dump of the whole test database (or of *path*) now: equal dumps, nothing written."""
    return lambda path=None: dump_database(path or db_path)


@pytest.fixture
def raw_sql(db_path: str) -> _Callable[..., None]:
    """Run raw SQL on the test database (or on *path*) behind Rendo's back."""

    def run(sql: str, params: tuple[_Any, ...] = (), path: str | None = None) -> None:
        execute_sql(path or db_path, sql, params)

    return run
