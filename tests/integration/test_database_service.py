"""The database as the entry points see it (app/services/database.py)."""

from __future__ import annotations

import threading

from app.services.database import close_thread_connection, open_database
from app.store.database import close_database, db


def test_a_worker_thread_closes_only_its_own_connection(db_path: str) -> None:
    close_thread_connection()  # no database open: nothing to close, no error
    open_database(db_path)
    try:
        db.connect(reuse_if_open=True)
        seen: list[bool] = []

        def work() -> None:
            db.connect(reuse_if_open=True)
            seen.append(db.is_closed())
            close_thread_connection()
            seen.append(db.is_closed())

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        assert seen == [False, True]
        assert not db.is_closed()  # this thread's connection is still open
    finally:
        close_database()
    close_thread_connection()  # closed database: still nothing to do
