"""The window and its sync worker see what another `rendo` process writes: the grid shows it
and the channel gets it within seconds, and no later cycle pushes the old numbers back."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.channels.sandbox_server import SandboxServer
from app.services.channel_sync import choose_first
from app.services.shop import Shop
from app.sync.worker import SyncThread
from app.ui.main_window import MainWindow
from app.ui.stock_filter import QuickFilter
from app.ui.stock_model import Kind

from . import sync_support

sync_thread = sync_support.sync_thread

pytestmark = [pytest.mark.usefixtures("memory_keyring"),
              pytest.mark.databases("sqlite", "postgresql")]


def test_the_window_and_its_worker_take_in_another_processs_writes_within_two_seconds(
    qtbot: QtBot, shop: Shop, sandbox: Callable[..., SandboxServer],
    sync_thread: Callable[..., SyncThread], rendo_process: Callable[..., Any],
    gui_record: Callable[..., list[tuple[Any, ...]]],
) -> None:
    for code, on_hand in (("A", 10), ("B", 30)):
        shop.add_item(code, f"item {code}")
        shop.adjust(code, f"+{on_hand}", "receive")
    shop.define_set("AB", [("A", 1), ("B", 2)])
    mall = sandbox({"A": 0, "B": 0, "AB": 0})
    shop.add_channel("mall", "sandbox", settings={"url": mall.url})
    choose_first("mall", "push")
    sync = sync_thread(start=False)
    window = MainWindow(shop, "test.sqlite3", sync)
    qtbot.addWidget(window)
    window.show()
    refreshed: list[list[int]] = []
    window.model.rows_refreshed.connect(refreshed.append)
    counts: list[dict[QuickFilter, int]] = []
    shown_counts = window.filter_bar.set_counts
    window.filter_bar.set_counts = lambda given: (  # type: ignore[method-assign]
        counts.append(dict(given)), shown_counts(given))[-1]
    sync.start()
    qtbot.waitUntil(lambda: mall.shop.listings() == {"A": 10, "B": 30, "AB": 10},
                    timeout=10_000)

    for args in (("adjust", "A", "+5"), ("adjust", "B", "-30")):
        run = rendo_process(*args)
        assert run.code == 0, run.err
    written = time.monotonic()
    qtbot.waitUntil(lambda: mall.shop.listings() == {"A": 15, "B": 0, "AB": 0}, timeout=2_000)
    assert time.monotonic() - written < 2.0

    model = window.model
    rows = {model.row_of(code) for code in ("A", "B", "AB")}
    qtbot.waitUntil(lambda: rows <= {row for rows in refreshed for row in rows}, timeout=2_000)
    # the filter bar's counts too: B and the set AB sold out
    qtbot.waitUntil(lambda: bool(counts) and counts[-1][QuickFilter.OUT] == 2, timeout=2_000)
    assert time.monotonic() - written < 2.0
    on_hand, channel = model.column_of(Kind.ON_HAND), model.column_of(Kind.CHANNEL, "mall")
    assert model.data(model.index(model.row_of("A"), on_hand)) == 15
    assert model.data(model.index(model.row_of("AB"), channel)) == 0

    # A full cycle afterwards (what used to put the stale numbers back) keeps them.
    # (recorded in the window's thread: see gui_record in tests/conftest.py)
    cycles = gui_record(sync.worker.cycle_done, object)
    sync.worker.sync_now_requested.emit()
    qtbot.waitUntil(lambda: bool(cycles), timeout=10_000)
    assert mall.shop.listings() == {"A": 15, "B": 0, "AB": 0}
