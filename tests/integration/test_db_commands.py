"""`rendo db init URL` and `rendo db copy --from sqlite:PATH --to URL` on a real server."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from pathlib import Path
from typing import Any

import peewee
import psycopg
import pytest

from tests.pg_server import PASSWORD


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as pg:
        return {row[0] for row in pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def one_plain_line(run: Any) -> str:
    """The one line a refusal or failure prints: no traceback, no password."""
    assert run.out == ""
    assert len(run.err_lines) == 1, run.err
    assert "Traceback" not in run.err and PASSWORD not in run.err
    return str(run.err_lines[0])


def test_init_prepares_an_empty_database_once(rendo_on, pg_url):
    first = rendo_on(pg_url, "db", "init", pg_url)
    assert first.code == 0, first.err
    assert "is ready for the shop" in first.out and PASSWORD not in first.out
    assert {"item", "movement", "channel", "schema_version"} <= tables(pg_url)
    again = rendo_on(pg_url, "db", "init", pg_url)
    assert again.code == 0 and "nothing to do" in again.out
    with psycopg.connect(pg_url) as pg:  # each step once
        versions = [row[0] for row in pg.execute("SELECT version FROM schema_version")]
    assert versions == sorted(set(versions))


def test_init_refuses_what_is_not_a_postgresql_address(rendo_on, tmp_path):
    run = rendo_on(tmp_path / "x.sqlite3", "db", "init", str(tmp_path / "shop.sqlite3"))
    assert run.code == 2
    assert "is not a PostgreSQL address" in one_plain_line(run)
    assert not (tmp_path / "shop.sqlite3").exists()


def test_init_refuses_a_database_holding_other_tables(rendo_on, pg_url):
    with psycopg.connect(pg_url) as pg:
        pg.execute("CREATE TABLE invoices (id int)")
    run = rendo_on(pg_url, "db", "init", pg_url)
    assert run.code == 2
    assert "invoices" in one_plain_line(run)
    assert tables(pg_url) == {"invoices"}


def test_a_server_that_does_not_answer_is_one_plain_line(rendo_on, pg_server, pg_url):
    from tests.pg_server import free_port

    url = pg_url.replace(f":{pg_server.port}/", f":{free_port()}/")
    run = rendo_on(url, "db", "init", url)
    assert run.code == 3
    line = one_plain_line(run)
    assert "cannot be reached" in line and ":***@" in line


def test_a_wrong_password_is_refused_plainly(rendo_on, pg_url):
    url = pg_url.replace(f":{PASSWORD}@", ":wrong-pw@")
    run = rendo_on(url, "db", "init", url)
    assert run.code == 3
    line = one_plain_line(run)
    assert "refused the login" in line and "wrong-pw" not in line


def test_a_database_that_does_not_exist_is_named(rendo_on, pg_url):
    url = pg_url.rsplit("/", 1)[0] + "/no_such_shop"
    run = rendo_on(url, "db", "init", url)
    assert run.code == 3
    assert "has no such database" in one_plain_line(run)


@pytest.fixture
def sqlite_shop(rendo_on, tmp_path, sandbox, memory_keyring, monkeypatch) -> Path:
    """A shop in a SQLite file: items, a set, a pattern, an offset, movements and an undo,
    a manual channel and a sandbox channel whose token is in the keyring."""
    path = tmp_path / "shop.sqlite3"
    server = sandbox({"A": 0})
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-token\n"))
    steps = [("item", "add", "A", "--name", "りんご"), ("item", "add", "B"),
             ("set", "define", "AB", "A:1", "B:2"), ("adjust", "A", "+40"),
             ("adjust", "B", "=9"), ("adjust", "A", "-3"), ("undo", "3"),
             ("offset", "A", "-2"),
             ("channel", "add", "counter", "--type", "manual"),
             ("channel", "add", "mall", "--type", "sandbox", "--url", server.url,
              "--token-stdin"),
             ("pattern", "add", "half", "--tier", "<=10:counter=50%,mall=50%"),
             ("pattern", "assign", "half", "A")]
    for step in steps:
        run = rendo_on(path, *step)
        assert run.code == 0, (step, run.err)
    return path


def test_copy_moves_the_whole_shop_and_names_the_channels_needing_credentials(
        rendo_on, sqlite_shop, pg_url):
    before = hashlib.sha256(sqlite_shop.read_bytes()).hexdigest()
    run = rendo_on(pg_url, "db", "copy", "--from", f"sqlite:{sqlite_shop}", "--to", pg_url)
    assert run.code == 0, run.err
    assert "2 items" not in run.out and "3 items" in run.out  # A, B and the set AB
    assert "enter them for: mall" in run.out and "counter" not in run.out.split("for:")[1]
    assert PASSWORD not in run.out
    assert hashlib.sha256(sqlite_shop.read_bytes()).hexdigest() == before  # only read
    for command in (("stock", "--json"), ("history", "A"), ("pattern", "list"),
                    ("channel", "list")):
        here, there = rendo_on(sqlite_shop, *command), rendo_on(pg_url, *command)
        assert here.code == there.code == 0
        assert there.out == here.out, command
    assert rendo_on(pg_url, "check").code == 0
    # the id sequences follow on from the copied ids: a new movement is number 5
    assert rendo_on(pg_url, "adjust", "A", "+1").code == 0
    assert rendo_on(pg_url, "history", "A").out.splitlines()[0].startswith("5\t")  # newest first


def test_copy_leaves_the_sync_leases_of_the_file_behind(rendo_on, sqlite_shop, pg_url):
    """A lease names a process of the PC that had the file: on the server it would only keep
    every PC from syncing that channel until it expired."""
    with sqlite3.connect(sqlite_shop) as shop:
        shop.execute("INSERT INTO sync_lease (channel_id, holder, pc, expires_at) SELECT id, "
                     "'0123456789abcdef:1@old-pc', 'old-pc', '2999-01-01 00:00:00' "
                     "FROM channel WHERE name = 'mall'")
    run = rendo_on(pg_url, "db", "copy", "--from", f"sqlite:{sqlite_shop}", "--to", pg_url)
    assert run.code == 0, run.err
    with psycopg.connect(pg_url) as pg:
        assert pg.execute("SELECT COUNT(*) FROM sync_lease").fetchone() == (0,)
        assert pg.execute("SELECT COUNT(*) FROM channel").fetchone() == (2,)


def test_copy_refuses_a_database_that_holds_a_shop(rendo_on, sqlite_shop, pg_url, db_dump):
    assert rendo_on(pg_url, "item", "add", "OTHER").code == 0
    dumped = db_dump(pg_url)
    run = rendo_on(pg_url, "db", "copy", "--from", f"sqlite:{sqlite_shop}", "--to", pg_url)
    assert run.code == 2
    assert "already holds a shop (1 items" in one_plain_line(run)
    assert db_dump(pg_url) == dumped


@pytest.mark.parametrize("source", ["sqlite:{tmp}/missing.sqlite3", "postgresql://x/y", ""])
def test_copy_refuses_a_source_that_is_not_a_shop_file(rendo_on, pg_url, tmp_path, source):
    run = rendo_on(pg_url, "db", "copy", "--from", source.format(tmp=tmp_path), "--to", pg_url)
    assert run.code == 2
    one_plain_line(run)
    assert tables(pg_url) == set()


def test_a_copy_that_fails_half_way_leaves_the_database_empty(
        rendo_on, sqlite_shop, pg_url, monkeypatch):
    from app.store import moving

    copy_table, copied = moving._copy_table, []

    def failing(shop: Any, table: str) -> int:
        if len(copied) == 3:
            raise peewee.OperationalError("server closed the connection unexpectedly")
        copied.append(table)
        return copy_table(shop, table)

    monkeypatch.setattr(moving, "_copy_table", failing)
    run = rendo_on(pg_url, "db", "copy", "--from", f"sqlite:{sqlite_shop}", "--to", pg_url)
    assert run.code == 3
    assert "cannot be reached" in one_plain_line(run)
    assert len(copied) == 3 and tables(pg_url) == set()  # the schema went with the rows
