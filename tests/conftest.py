"""Fixtures shared by every test: offscreen Qt, a fresh database, the command line."""

from __future__ import annotations

import os

# Before anything imports Qt: the tests run without a display (CI has none).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402

# A fresh SQLite file per test, the Shop on it, and the `rendo` command line run on it
# in-process (fast) or as a real process (exit codes, stderr, encoding end to end).

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class RendoRun:
    """What one `rendo …` call did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def json(self) -> Any:
        return json.loads(self.out)


def dump_database(path: str | Path) -> list[str]:
    """Every table's schema and rows (sqlite_sequence included), as SQL text lines."""
    connection = sqlite3.connect(str(path))
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def execute_sql(path: str | Path, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Raw SQL on the file behind Rendo's back (a tampered cache, a newer schema…)."""
    connection = sqlite3.connect(str(path))
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "rendo.sqlite3")


@pytest.fixture
def shop(db_path: str) -> Iterator[Any]:
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
    db_path: str, capsys: pytest.CaptureFixture[str], qapp: Any
) -> Callable[..., RendoRun]:
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
def rendo_process(db_path: str) -> Callable[..., RendoRun]:
    """`python -m app --db <db_path> ARGS…` as a separate process (slower: use sparingly)."""
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")

    def run(*args: str, db: str | None = None) -> RendoRun:
        done = subprocess.run(
            [sys.executable, "-m", "app", "--db", db or db_path, *args],
            cwd=REPO_ROOT, env=env, capture_output=True, encoding="utf-8", timeout=60,
        )
        return RendoRun(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def db_dump(db_path: str) -> Callable[..., list[str]]:
    """A dump of the whole test database (or of *path*) now: equal dumps, nothing written."""
    return lambda path=None: dump_database(path or db_path)


@pytest.fixture
def raw_sql(db_path: str) -> Callable[..., None]:
    """Run raw SQL on the test database (or on *path*) behind Rendo's back."""

    def run(sql: str, params: tuple[Any, ...] = (), path: str | None = None) -> None:
        execute_sql(path or db_path, sql, params)

    return run


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in the test: nothing reaches the PC's real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The OS keyring replaced by one in memory for the test."""
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(previous)
