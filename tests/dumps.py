"""The whole open database as text lines: equal dumps, nothing written (SQLite or PostgreSQL)."""

from __future__ import annotations


def dump_open() -> list[str]:
    """SQLite's SQL dump of the open database; on PostgreSQL every table's rows, sorted (read
    on Rendo's own connection). Not PostgreSQL's sequences: a rolled-back insert moves them
    on too, by design, so they say nothing about what was written."""
    from app.store.database import db, is_sqlite

    if is_sqlite():
        return list(db.connection().iterdump())
    lines: list[str] = []
    tables = [row[0] for row in db.execute_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    for table in tables:
        rows = db.execute_sql(f'SELECT * FROM "{table}"').fetchall()
        lines += sorted(f"{table}: {row!r}" for row in rows)
    return lines
