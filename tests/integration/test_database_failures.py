"""The database and the disk failing: one plain line, exit 2 for a location that cannot be a
database, exit 3 for the environment (busy, full, read-only, damaged, unreachable), never a
traceback, and nothing half-written. Real files on tmp_path."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store import database


def one_line(run: Any, code: int, *named: str) -> str:
    assert run.code == code, (run.code, run.out, run.err)
    assert "Traceback" not in run.err
    assert len(run.err_lines) == 1, run.err
    line = run.err_lines[0]
    assert line.startswith("rendo: "), line
    for word in named:
        assert word in line, (word, line)
    return line


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def stocked(rendo: Callable[..., Any], db_path: str) -> Path:
    """A shop with items A (5) and B (7), closed (no -wal file beside it)."""
    for args in (("item", "add", "A"), ("item", "add", "B"), ("adjust", "A", "+5"),
                 ("adjust", "B", "+7")):
        assert rendo(*args).code == 0
    return Path(db_path)


@pytest.fixture
def locked(stocked: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sqlite3.Connection]:
    """Another program holds the write lock (BEGIN EXCLUSIVE); Rendo waits 100 ms, not 10 s."""
    monkeypatch.setenv(database.BUSY_TIMEOUT_ENV, "100")
    holder = sqlite3.connect(str(stocked), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield holder
    holder.rollback()
    holder.close()


# -- locations that cannot be a database: exit 2 ------------------------------------------------

def test_a_folder_given_as_the_database_is_refused(rendo_on, tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    one_line(rendo_on(folder, "stock"), 2, str(folder), "folder")
    assert list(folder.iterdir()) == []


def test_a_path_under_a_file_is_refused_naming_the_file(rendo_on, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello", encoding="utf-8")
    one_line(rendo_on(a_file / "shop" / "rendo.sqlite3", "stock"), 2, str(a_file))
    assert a_file.read_text(encoding="utf-8") == "hello"


@pytest.mark.parametrize("url", ["foo://bar/shop", "mysql://u@127.0.0.1/shop", "http://x/y"])
def test_an_unknown_url_scheme_is_refused(rendo_on, url):
    one_line(rendo_on(url, "stock"), 2, url, "postgresql://")


def test_a_missing_folder_is_not_created_without_create(rendo_on, tmp_path):
    where = tmp_path / "typo" / "rendo.sqlite3"
    one_line(rendo_on(where, "item", "add", "A"), 2, str(tmp_path / "typo"), "--create")
    assert not (tmp_path / "typo").exists()
    assert rendo_on(where, "--create", "item", "add", "A").code == 0
    assert where.is_file()
    assert rendo_on(where, "adjust", "A", "+2").code == 0  # the folder is there now


# -- the environment: exit 3 --------------------------------------------------------------------

def test_a_file_that_is_not_a_database_is_named_and_left_alone(rendo_on, tmp_path):
    text = tmp_path / "prices.sqlite3"
    text.write_text("code,price\nA,100\n" * 50, encoding="utf-8")
    before = digest(text)
    line = one_line(rendo_on(text, "adjust", "A", "+1"), 3, str(text), "not a Rendo database")
    assert "--db" in line  # no backup to restore: check the path
    assert digest(text) == before


def test_a_postgresql_server_that_cannot_be_used_is_one_line_and_hides_the_password(rendo_on):
    url = "postgresql://shop:s3cret@127.0.0.1:1/rendo"
    line = one_line(rendo_on(url, "stock"), 3, "postgresql://shop:***@127.0.0.1:1/rendo")
    assert "s3cret" not in line


def test_a_busy_database_is_one_line_and_nothing_is_written(rendo, locked, db_path):
    line = one_line(rendo("adjust", "A", "+1"), 3, db_path, "busy")
    assert "try again" in line
    assert rendo("stock", "--json").code == 0  # reading still works
    locked.rollback()
    assert {r["code"]: r["on_hand"] for r in rendo("stock", "--json").json()} == {"A": 5, "B": 7}


@pytest.mark.slow
def test_a_busy_database_in_a_real_process_exits_3(rendo_process, locked, db_path):
    line = one_line(rendo_process("adjust", "A", "+1"), 3, "busy")
    assert db_path in line


def test_a_read_only_database_is_one_line(rendo, stocked, monkeypatch, db_dump):
    # Tests run as root, where chmod does not stop writes; SQLite's query_only makes the
    # database refuse writes with the same error (SQLITE_READONLY) as a read-only file.
    before = db_dump()
    monkeypatch.setitem(database.SQLITE_PRAGMAS, "query_only", 1)
    one_line(rendo("adjust", "A", "+1"), 3, str(stocked), "cannot be written")
    monkeypatch.delitem(database.SQLITE_PRAGMAS, "query_only")
    assert db_dump() == before


def test_a_full_disk_during_an_import_says_the_disk_is_full_and_writes_nothing(
    rendo, stocked, monkeypatch, tmp_path, db_dump
):
    rows = "".join(f"C{n:05d},{'x' * 200},5\n" for n in range(3000))
    source = tmp_path / "stock.csv"
    source.write_text("code,name,on_hand\n" + rows, encoding="utf-8")
    before = db_dump()
    # SQLite cannot grow the file past its size now: the same SQLITE_FULL as a full disk.
    monkeypatch.setitem(database.SQLITE_PRAGMAS, "max_page_count", 1)
    line = one_line(rendo("import", "--create-unknown", str(source)), 3, str(stocked), "full")
    assert "rollback" not in line
    monkeypatch.delitem(database.SQLITE_PRAGMAS, "max_page_count")
    assert db_dump() == before


def test_the_first_error_is_kept_when_sqlite_already_rolled_back(shop, db_path):
    from app.store.database import db, write_transaction
    from app.store.errors import EnvironmentFailure

    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    db.execute_sql(f"PRAGMA max_page_count = {pages}")
    # the inner one is a savepoint, as one order inside a page of orders
    with pytest.raises(EnvironmentFailure) as caught, write_transaction(), write_transaction():
        for n in range(2000):
            shop.add_item(f"X{n:05d}", name="x" * 300)
    assert caught.value.kind == "full"
    assert "disk" in str(caught.value) and "rollback" not in str(caught.value)
    assert not db.in_transaction()
    db.execute_sql("PRAGMA max_page_count = 1073741823")
    shop.add_item("AFTER")  # the connection is usable again
    assert "AFTER" in {row[0] for row in db.execute_sql("SELECT code FROM item")}


def test_a_file_other_than_the_database_is_named_as_itself(rendo, stocked, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello", encoding="utf-8")
    target = a_file / "stock.csv"
    line = one_line(rendo("export", "stock", str(target)), 3, str(a_file))
    assert "database" not in line
