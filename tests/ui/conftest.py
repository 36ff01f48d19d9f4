"""Fixtures of the window tests: settings kept out of the user's profile, the demo shop,
and the main window on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.services.shop import Shop


@pytest.fixture
def isolated_settings(isolated_user_folders: Path) -> Path:
    """The test's own settings folder (tests/conftest.py points every QSettings there)."""
    return isolated_user_folders / "settings"


@pytest.fixture(autouse=True)
def no_cross_thread_calls(qtlog: Any) -> Iterator[None]:
    """A Qt object used from a thread it does not live in (a lambda connected to a worker's
    signal runs in the worker's thread) fails the test that did it."""
    yield
    wrong = [record.message for record in qtlog.records
             if "another thread" in record.message or "different thread" in record.message]
    assert wrong == [], wrong


@pytest.fixture
def demo_shop(shop: Shop) -> Shop:
    """The demo catalogue (app.demo): 8 singles, 4 sets (one nested), 3 manual channels,
    an allocation pattern and display offsets."""
    from app.demo import build_catalogue

    build_catalogue(shop)
    return shop


@pytest.fixture
def window(qtbot: QtBot, demo_shop: Shop) -> Iterator[object]:
    """The main window on the demo shop, shown (offscreen), without a sync thread."""
    from app.ui.main_window import MainWindow

    main = MainWindow(demo_shop, "test.sqlite3")
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()
