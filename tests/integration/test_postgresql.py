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
