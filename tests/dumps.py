"""The whole open database as text lines: equal dumps, nothing written (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def table_lines(execute: Callable[[str], Any]) -> list[str]:
    """Every table's rows of a PostgreSQL database, sorted, as text lines (*execute* runs a
    query and returns its cursor)."""
    lines: list[str] = []
    tables = [row[0] for row in execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    for table in tables:
        lines += sorted(f"{table}: {row!r}" for row in execute(f'SELECT * FROM "{table}"'))
    return lines


def dump_open() -> list[str]:
    """SQLite's SQL dump of the open database; on PostgreSQL every table's rows, sorted (read
    on Rendo's own connection). Not PostgreSQL's sequences: a rolled-back insert moves them
    on too, by design, so they say nothing about what was written."""
    from app.store.database import db, is_sqlite

    if is_sqlite():
        return list(db.connection().iterdump())
    return table_lines(db.execute_sql)
