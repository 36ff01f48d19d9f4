"""Rendo on a real PostgreSQL server (tests/pg_server.py): opening, migrating, messages."""

from __future__ import annotations

import os
from typing import Any

import psycopg
import pytest

from tests.pg_server import PASSWORD


def test_the_server_is_not_run_as_root(pg_server: Any, pg_url: str) -> None:
    """initdb and postgres refuse root: as root, the tests run them as another user."""
    owner = os.stat(pg_server.data).st_uid
    assert owner != 0 or os.geteuid() != 0
    with psycopg.connect(pg_url) as pg:
        assert pg.execute("SHOW fsync").fetchone() == ("off",)


def test_each_test_gets_a_fresh_empty_database(pg_server: Any, pg_url: str) -> None:
    with psycopg.connect(pg_url) as pg:
        tables = pg.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)
    assert pg_url.startswith(f"postgresql://postgres:{PASSWORD}@127.0.0.1:{pg_server.port}/")


@pytest.mark.databases("sqlite", "postgresql")
def test_the_marker_runs_a_test_on_both_kinds(database_kind: str, db_path: str, shop: Any) -> None:
    from app.store.database import is_sqlite

    assert is_sqlite() == (database_kind == "sqlite")
    assert ("://" in db_path) == (database_kind == "postgresql")
    shop.add_item("A-1", "Apple")
    shop.adjust("A-1", "+3")
    shop.adjust("A-1", "=5")
    assert [m.delta for m in shop.history("A-1")] in ([3, 2], [2, 3])


def test_a_restart_cuts_clients_off_and_comes_back(pg_server: Any, pg_url: str) -> None:
    before = pg_server.process.pid
    connection = psycopg.connect(pg_url)
    pg_server.restart()
    with pytest.raises(psycopg.OperationalError):
        connection.execute("SELECT 1")
    connection.close()
    assert pg_server.process.pid != before
    with psycopg.connect(pg_url) as pg:
        assert pg.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.databases("postgresql")
def test_after_a_server_restart_the_next_write_connects_again(pg_server, shop):
    shop.add_item("A")
    shop.adjust("A", "+2")
    pg_server.restart()
    shop.adjust("A", "+3")  # the dropped connection is replaced, not used again
    shop.reload()
    assert shop.book.on_hand == {"A": 5}


@pytest.mark.databases("postgresql")
def test_a_write_while_the_server_is_down_says_so_and_writes_nothing(pg_server, shop):
    from app.store.errors import EnvironmentFailure

    shop.add_item("A")
    pg_server.halt()
    try:
        with pytest.raises(EnvironmentFailure) as failed:
            shop.adjust("A", "+2")
    finally:
        pg_server.resume()
    assert failed.value.kind == "not_written" and failed.value.transient  # nothing was saved
    assert PASSWORD not in str(failed.value.params)
    shop.reload()
    assert shop.book.on_hand == {"A": 0}
    shop.adjust("A", "+1")
    assert [m.delta for m in shop.history("A")] == [1]


def test_a_server_restarted_mid_import_leaves_nothing_half_written(
        pg_server, pg_url, rendo_on, rendo_process, tmp_path):
    """The import has written every movement and waits to commit (its change feed rows wait
    for a lock this test holds) when the server restarts: nothing of it stays; run again,
    it is applied whole."""
    import subprocess
    import sys
    import time

    from .test_postgresql_races import REPO_ROOT

    codes = [f"R{n:05d}" for n in range(3000)]
    master = tmp_path / "items.csv"
    master.write_text("code,name\n" + "".join(f"{c},item {c}\n" for c in codes), encoding="utf-8")
    assert rendo_on(pg_url, "import", str(master), "--kind", "items").code == 0
    counts = tmp_path / "counts.csv"
    counts.write_text("code,quantity\n" + "".join(f"{c},7\n" for c in codes), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    holder = psycopg.connect(pg_url)
    holder.execute("LOCK TABLE change_feed IN ACCESS EXCLUSIVE MODE")  # until the restart
    importing = subprocess.Popen(
        [sys.executable, "-m", "app", "--db", pg_url, "import", str(counts)], cwd=REPO_ROOT,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not pg_server.query(pg_url.rsplit("/", 1)[1], (
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON l.relation = c.oid "
                "WHERE c.relname = 'change_feed' AND NOT l.granted"))[0][0]:
            assert importing.poll() is None, importing.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with psycopg.connect(pg_url) as look:  # every movement written, none committed
            assert look.execute("SELECT count(*) FROM movement").fetchone() == (0,)
        pg_server.restart()
        out, err = importing.communicate(timeout=60)
    finally:
        holder.close()
        if importing.poll() is None:
            importing.kill()
            importing.wait()
    assert importing.returncode == 3, err
    assert len(err.splitlines()) == 1 and "cannot be reached" in err and PASSWORD not in err
    with psycopg.connect(pg_url) as look:
        assert look.execute("SELECT count(*) FROM movement").fetchone() == (0,)
        assert look.execute("SELECT sum(on_hand) FROM item").fetchone() == (0,)
    again = rendo_process("import", str(counts), db=pg_url)
    assert again.code == 0, again.err
    with psycopg.connect(pg_url) as look:
        assert look.execute("SELECT count(*), sum(delta) FROM movement").fetchone() == (
            3000, 21000)
    assert rendo_process("check", db=pg_url).code == 0


def test_three_pcs_starting_on_a_new_database_migrate_it_once(pg_url, tmp_path):
    """Each `rendo` opens the database and brings it to this schema at the same moment."""
    import subprocess
    import sys

    from .test_postgresql_races import REPO_ROOT

    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    starting = [subprocess.Popen([sys.executable, "-m", "app", "--db", pg_url, "check"],
                                 cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for process in starting:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    from app.store.migrations import LATEST

    with psycopg.connect(pg_url) as pg:
        versions = [row[0] for row in pg.execute(
            "SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, LATEST + 1))


def test_two_transactions_that_collide_are_a_conflict_to_run_again(pg_url):
    """A real serialization failure and a real unique violation from the server."""
    from app.store.errors import classify, is_conflict

    with psycopg.connect(pg_url, autocommit=True) as setup:
        setup.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        setup.execute("INSERT INTO t VALUES (1, 0)")
    first = psycopg.connect(pg_url)
    try:
        first.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        first.execute("SELECT v FROM t").fetchall()
        with psycopg.connect(pg_url, autocommit=True) as other:
            other.execute("UPDATE t SET v = 1")
        with pytest.raises(psycopg.Error) as collided:
            first.execute("UPDATE t SET v = 2")
    finally:
        first.close()
    assert collided.value.sqlstate == "40001"
    assert is_conflict(collided.value) and classify(collided.value, pg_url).kind == "conflict"
    with psycopg.connect(pg_url) as pg, pytest.raises(psycopg.Error) as twice:
        pg.execute("INSERT INTO t VALUES (1, 5)")
    assert classify(twice.value, pg_url).kind == "conflict"
