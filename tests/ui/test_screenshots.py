"""The screenshots tool saves a PNG of each registered screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from app.tools import screenshots


def test_the_tool_saves_the_main_window_and_the_item_panel(tmp_path: Path) -> None:
    saved = screenshots.take(tmp_path, ["en"], only=["main-window", "item-detail-history"])
    assert [path.relative_to(tmp_path).as_posix() for path in saved] == [
        "en/main-window.png", "en/item-detail-history.png"]
    image = QImage(str(saved[0]))
    assert image.width() >= 1200 and image.height() >= 700


def test_the_tool_saves_the_sync_panel_with_another_pc_syncing(tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from app.ui.sync_panel import SyncPanel

    before = {id(w) for w in QApplication.allWidgets() if isinstance(w, SyncPanel)}
    saved = screenshots.take(tmp_path, ["en"], only=["sync-panel-leader"])
    # the window and its panel are gone (their timers too) once the demo database is closed
    assert {id(w) for w in QApplication.allWidgets() if isinstance(w, SyncPanel)} <= before
    assert [path.relative_to(tmp_path).as_posix() for path in saved] == [
        "en/sync-panel-leader.png"]
    assert QImage(str(saved[0])).width() >= 1200
