"""A database that goes away (a PostgreSQL server restarting, a network share lost): the window
says "disconnected, retrying", refuses edits with a message instead of losing them, and picks
up by itself once the database is back, with what other PCs changed meanwhile."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.services.shop import Shop
from app.store import feed
from app.store.database import drop_lost_connection
from app.sync.worker import SyncThread
from app.ui.main_window import MainWindow
from app.ui.stock_model import Kind
from app.ui.sync_control import SyncControl, summarize

from . import sync_support

sync_thread = sync_support.sync_thread

pytestmark = pytest.mark.usefixtures("memory_keyring")


def on_hand_shown(window: MainWindow, code: str) -> Any:
    model = window.model
    return model.data(model.index(model.row_of(code), model.column_of(Kind.ON_HAND)))


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the window's warning boxes said (answered at once instead of waiting)."""
    seen: list[str] = []

    def warning(_parent: Any, _title: str, text: str, *_args: Any) -> Any:
        seen.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    return seen


def open_window(qtbot: QtBot, shop: Shop, sync: SyncThread) -> MainWindow:
    window = MainWindow(shop, "test", sync)
    qtbot.addWidget(window)
    window.show()
    sync.start()
    return window


@pytest.mark.databases("postgresql")
def test_a_stopped_server_shows_disconnected_refuses_edits_and_resumes_by_itself(
    qtbot: QtBot, shop: Shop, sync_thread: Callable[..., SyncThread], pg_server: Any,
    rendo_process: Callable[..., Any], told: list[str],
) -> None:
    shop.add_item("A", "item A")
    shop.adjust("A", "+10", "receive")
    window = open_window(qtbot, shop, sync_thread(start=False))
    banner, control = window.connection_banner, SyncControl.of(window.sync)  # type: ignore[arg-type]
    assert banner is not None and banner.isHidden()

    pg_server.halt()
    qtbot.waitUntil(banner.isVisible, timeout=5_000)
    assert "Disconnected from the database, retrying" in banner.text.text()
    assert "cannot be reached" in banner.text.text()
    assert summarize(control).text == "Database disconnected, retrying…"
    assert summarize(control).state == "failing"
    assert window.sync_panel is not None
    window.show_sync_panel()
    qtbot.waitUntil(lambda: window.sync_panel.summary.text() == summarize(control).text,
                    timeout=2_000)

    # An edit made now is refused in words, not dropped silently, and not left to undo.
    window.record_adjustment("A", 12, "receive")
    assert len(told) == 1 and "nothing was saved" in told[0], told
    assert window.undo_stack.count() == 0
    assert on_hand_shown(window, "A") == 10

    pg_server.resume()
    qtbot.waitUntil(banner.isHidden, timeout=5_000)
    assert summarize(control).text != "Database disconnected, retrying…"

    # Another PC's change shows within 2 s; an edit in this window is saved again.
    run = rendo_process("adjust", "A", "+5")
    assert run.code == 0, run.err
    written = time.monotonic()
    qtbot.waitUntil(lambda: on_hand_shown(window, "A") == 15, timeout=2_000)
    assert time.monotonic() - written < 2.0
    window.record_adjustment("A", 20, "receive")
    assert len(told) == 1, told
    assert on_hand_shown(window, "A") == 20
    assert shop.book.on_hand["A"] == 20
    assert run.code == 0 and rendo_process("check").code == 0


@pytest.mark.databases("postgresql")
def test_changes_made_while_this_pc_was_cut_off_show_once_it_is_back(
    qtbot: QtBot, shop: Shop, sync_thread: Callable[..., SyncThread], pg_server: Any,
    pg_url: str,
) -> None:
    """A PC whose link to the server broke (here: the server cut its connections) while
    other PCs went on writing: the feed brings in what they wrote, without a reload."""
    for code in ("A", "B"):
        shop.add_item(code, f"item {code}")
        shop.adjust(code, "+10", "receive")
    window = open_window(qtbot, shop, sync_thread(start=False))
    refreshed: list[list[int]] = []
    window.model.rows_refreshed.connect(refreshed.append)
    pg_server.restart()
    # the other PC, as a second Shop writing on this (the test's) thread's connection,
    # while the window's sync worker still holds the connection the restart killed
    other = Shop()
    drop_lost_connection()  # the test thread's connection died with the restart as well
    other.adjust("B", "-4", "sale")
    row = window.model.row_of("B")
    qtbot.waitUntil(lambda: row in {r for rows in refreshed for r in rows}, timeout=5_000)
    assert on_hand_shown(window, "B") == 6
    assert on_hand_shown(window, "A") == 10
    assert shop.book.on_hand == {"A": 10, "B": 6}


def test_an_unreadable_database_file_shows_disconnected_until_it_reads_again(
    qtbot: QtBot, shop: Shop, sync_thread: Callable[..., SyncThread],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite on a network share that went away answers "disk I/O error" (SQLITE_IOERR):
    made to answer so here, since a test cannot unplug a share."""
    shop.add_item("A", "item A")
    window = open_window(qtbot, shop, sync_thread(start=False))
    banner = window.connection_banner
    assert banner is not None
    real = feed.changes_since
    gone = {"yes": True}

    def changes_since(seen: int) -> tuple[int, set[str] | None]:
        if gone["yes"]:
            raise sqlite3.OperationalError("disk I/O error")
        return real(seen)

    monkeypatch.setattr(feed, "changes_since", changes_since)
    qtbot.waitUntil(banner.isVisible, timeout=3_000)
    assert "could not be read or written" in banner.text.text()
    gone["yes"] = False
    qtbot.waitUntil(banner.isHidden, timeout=3_000)


@pytest.mark.databases("postgresql")
def test_the_sync_goes_on_by_itself_once_the_server_is_back(
    qtbot: QtBot, shop: Shop, sandbox: Callable[..., Any], pg_server: Any,
    sync_thread: Callable[..., SyncThread], rendo_process: Callable[..., Any],
    gui_record: Callable[..., list[tuple[Any, ...]]],
) -> None:
    """A cycle that failed while the server was down waits 15 s before it tries again; the
    server answering again cuts that wait short, and the change feed brings what another PC
    wrote meanwhile to the channel."""
    from app.services.channel_sync import choose_first

    shop.add_item("A", "item A")
    shop.adjust("A", "+10", "receive")
    mall = sandbox({"A": 0})
    shop.add_channel("mall", "sandbox", settings={"url": mall.url})
    choose_first("mall", "push")
    sync = sync_thread(start=False)
    assert sync.worker.retry_ms == 15_000
    told = gui_record(sync.worker.connection_changed, str)
    failures = gui_record(sync.worker.failed, str, str)
    sync.start()
    qtbot.waitUntil(lambda: mall.shop.listings() == {"A": 10}, timeout=10_000)

    pg_server.halt()
    qtbot.waitUntil(lambda: bool(told) and told[-1][0] != "", timeout=5_000)
    sync.worker.sync_now_requested.emit()  # a cycle now: it fails on the missing server
    qtbot.waitUntil(lambda: bool(failures), timeout=5_000)
    pg_server.resume()
    qtbot.waitUntil(lambda: told[-1] == ("",), timeout=5_000)
    run = rendo_process("adjust", "A", "+5")
    assert run.code == 0, run.err
    written = time.monotonic()
    qtbot.waitUntil(lambda: mall.shop.listings() == {"A": 15}, timeout=5_000)
    assert time.monotonic() - written < 5.0  # well before the 15 s wait would have ended


@pytest.mark.databases("postgresql")
def test_the_sync_worker_keeps_one_connection_to_the_server(
    qtbot: QtBot, shop: Shop, sync_thread: Callable[..., SyncThread], pg_server: Any,
    pg_url: str,
) -> None:
    """It reads the change feed twice a second on its QThread: on one connection, not a new
    login each time (PySide gives such a thread a new Python thread state per slot call)."""
    shop.add_item("A", "item A")
    sync_thread(start=True)
    name = pg_url.rsplit("/", 1)[1]

    def connections() -> set[int]:
        return {pid for (pid,) in pg_server.query(
            name, "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name "
            "= 'Rendo'", (name,))}

    qtbot.wait(1_200)
    first = connections()
    qtbot.wait(1_500)  # three reads of the feed
    assert connections() == first
    assert len(first) == 2  # this (the test's) thread's and the worker's
