"""`rendo sync --watch` and the window's sync worker survive a busy database: they say so,
wait, and sync once the other program lets go of the file."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import pytest

from app.channels.sandbox_server import SandboxServer
from app.store import database


@pytest.fixture
def mall(sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    server: SandboxServer = sandbox({"A": 0})
    return server


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendo waits 100 ms for another program's write lock instead of 10 s."""
    monkeypatch.setenv(database.BUSY_TIMEOUT_ENV, "100")


def hold_write_lock(path: str) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_sync_watch_reports_a_busy_database_waits_and_syncs_afterwards(
    rendo, mall, db_path, short_busy_timeout, monkeypatch, qtbot
):
    from app import cli_sync
    from app.sync.channel_runner import QueuedEvents

    for args in (("item", "add", "A"), ("adjust", "A", "+10"),
                 ("channel", "add", "mall", "--type", "sandbox", "--url", mall.url,
                  "--first", "push")):
        assert rendo(*args).code == 0
    holder = hold_write_lock(db_path)
    monkeypatch.setattr(cli_sync, "RETRY_AFTER_FAILURE_S", 0.2)  # the channel's wait
    failed = threading.Event()
    told = QueuedEvents.failed

    def failed_and_seen(self: QueuedEvents, channel: str, error: Exception) -> None:
        told(self, channel, error)
        failed.set()

    monkeypatch.setattr(QueuedEvents, "failed", failed_and_seen)
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the watch loop's pauses, as long as the test needs
        pauses.append(seconds)
        if len(pauses) == 1:
            qtbot.waitUntil(failed.is_set, timeout=5_000)  # the channel's cycle met the lock
            holder.rollback()  # the other program lets go while Rendo waits
        else:
            qtbot.waitUntil(lambda: mall.shop.quantity("A") == 10, timeout=5_000)
            raise KeyboardInterrupt

    monkeypatch.setattr(cli_sync, "_wait", pause)
    try:
        run = rendo("sync", "--watch", "--interval", "5")
    finally:
        holder.close()
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    assert len(run.err_lines) == 1, run.err
    assert "busy" in run.err_lines[0] and db_path in run.err_lines[0]
    assert "trying again" in run.err_lines[0]
    assert pauses == [1.0, 1.0]  # the loop's short pause (each channel keeps its own 5 s)
    assert mall.shop.quantity("A") == 10  # the channel's next try went through


def test_sync_watch_stops_with_exit_3_on_a_damaged_database(rendo, db_path, monkeypatch,
                                                            qtbot):
    from app import cli_sync
    from app.store.errors import failure
    from app.sync.channel_runner import QueuedEvents

    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url",
                 "http://127.0.0.1:9", "--first", "push").code == 0

    def damaged(self: object, name: str) -> object:
        raise failure("damaged", db_path, "database disk image is malformed")

    monkeypatch.setattr("app.sync.engine.SyncEngine.run_cycle", damaged)
    failed = threading.Event()
    told = QueuedEvents.failed

    def failed_and_seen(self: QueuedEvents, channel: str, error: Exception) -> None:
        told(self, channel, error)
        failed.set()

    monkeypatch.setattr(QueuedEvents, "failed", failed_and_seen)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        assert len(pauses) == 1, "went on after the damage was reported"
        qtbot.waitUntil(failed.is_set, timeout=5_000)

    monkeypatch.setattr(cli_sync, "_wait", pause)
    run = rendo("sync", "--watch")
    assert run.code == 3
    assert len(run.err_lines) == 1 and "damaged" in run.err
    assert "trying again" not in run.err


@pytest.fixture
def worker_world(tmp_path, qapp, mall, short_busy_timeout):
    from app.services.channel_sync import choose_first
    from app.services.shop import Shop
    from app.store.database import close_database, open_database
    from app.sync.worker import SyncThread

    from .sync_world import fast_adapter_for

    path = str(tmp_path / "worker.sqlite3")
    open_database(path)
    shop = Shop()
    shop.add_item("A")
    shop.adjust("A", "+10")
    shop.add_channel("mall", "sandbox", settings={"url": mall.url})
    choose_first("mall", "push")
    sync = SyncThread(shop, fast_adapter_for)
    sync.worker.retry_ms = 200
    yield path, sync
    sync.stop()
    close_database()


def test_the_worker_reports_a_busy_database_and_syncs_once_it_is_free(
    worker_world, mall, qtbot, gui_record
):
    path, sync = worker_world
    holder = hold_write_lock(path)
    try:
        told = gui_record(sync.worker.failed, str, str)
        sync.start()
        qtbot.waitUntil(lambda: bool(told), timeout=5000)
        where, message = told[0]
        assert where and "busy" in message and path in message
        assert mall.shop.quantity("A") == 0
        assert sync.thread.isRunning()
    finally:
        holder.rollback()
        holder.close()
    qtbot.waitUntil(lambda: mall.shop.quantity("A") == 10, timeout=5000)
    assert sync.thread.isRunning()
