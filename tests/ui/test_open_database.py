"""Starting the window on a database: a missing folder is created only when the user says
so, and a damaged or unusable file is explained in plain words instead of opened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.store.database import close_database, db
from app.ui import app_main


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """QMessageBox.question / critical answered by the test; what they were shown is kept."""
    seen: dict[str, Any] = {"answer": QMessageBox.StandardButton.No, "asked": [], "told": []}

    def question(parent: object, title: str, text: str, *args: object) -> object:
        seen["asked"].append(text)
        return seen["answer"]

    def critical(parent: object, title: str, text: str, *args: object) -> object:
        seen["told"].append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "critical", critical)
    return seen


def test_a_missing_folder_is_not_created_when_the_user_says_no(
    qapp: QApplication, tmp_path: Path, boxes: dict[str, Any]
) -> None:
    where = tmp_path / "elsewhere" / "shop.sqlite3"
    refused = app_main._open_shop(qapp, str(where), smoke=False)
    assert refused is not None and refused[0] == 2
    assert len(boxes["asked"]) == 1 and str(tmp_path / "elsewhere") in boxes["asked"][0]
    assert not (tmp_path / "elsewhere").exists()


def test_a_missing_folder_is_created_when_the_user_says_yes(
    qapp: QApplication, tmp_path: Path, boxes: dict[str, Any]
) -> None:
    boxes["answer"] = QMessageBox.StandardButton.Yes
    where = tmp_path / "new shop" / "shop.sqlite3"
    try:
        assert app_main._open_shop(qapp, str(where), smoke=False) is None
        assert not db.is_closed()
    finally:
        close_database()
    assert where.is_file()
    assert len(boxes["asked"]) == 1 and boxes["told"] == []


def test_smoke_never_asks_and_reports_the_missing_folder(
    qapp: QApplication, tmp_path: Path, boxes: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_main, "configure_logging", lambda: None)
    report = tmp_path / "smoke.json"
    monkeypatch.setenv("RENDO_SMOKE_REPORT", str(report))
    assert app_main.run_gui(str(tmp_path / "nowhere" / "shop.sqlite3"), smoke=True) == 2
    assert boxes["asked"] == [] and not (tmp_path / "nowhere").exists()
    assert "nowhere" in report.read_text(encoding="utf-8")


def test_a_file_that_is_not_a_database_is_explained_not_opened(
    qapp: QApplication, tmp_path: Path, boxes: dict[str, Any]
) -> None:
    where = tmp_path / "prices.sqlite3"
    where.write_text("code,price\n" * 200, encoding="utf-8")
    refused = app_main._open_shop(qapp, str(where), smoke=False)
    assert refused is not None and refused[0] == 3
    assert len(boxes["told"]) == 1
    told = boxes["told"][0]
    assert str(where) in told and "not a Rendo database" in told and "Traceback" not in told
    assert where.read_text(encoding="utf-8") == "code,price\n" * 200


def test_a_damaged_database_is_not_opened_and_the_message_names_the_backups(
    qapp: QApplication, tmp_path: Path, boxes: dict[str, Any], shop: Any, db_path: str
) -> None:
    for n in range(200):
        shop.add_item(f"CODE-{n:04d}", name="x" * 60)
    close_database()
    data = bytearray(Path(db_path).read_bytes())
    size = int.from_bytes(data[16:18], "big")
    data[3 * size:4 * size] = bytes(size)  # a page of the item table wiped
    Path(db_path).write_bytes(bytes(data))
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "rendo-2026-01-01.sqlite3").write_bytes(b"")
    refused = app_main._open_shop(qapp, db_path, smoke=False)
    assert refused is not None and refused[0] == 3
    assert db.is_closed()
    told = boxes["told"][0]
    assert "damaged" in told and str(tmp_path / "backups") in told


def test_an_edit_in_the_window_on_a_busy_database_is_explained_and_the_window_goes_on(
    window: Any, db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *args: shown.append(text))
    db.execute_sql("PRAGMA busy_timeout = 100")  # the window's connection: wait 100 ms, not 10 s
    code = "TW-002"
    before = window.shop.book.on_hand[code]
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        window.record_adjustment(code, before + 3, "receive")
    finally:
        holder.rollback()
        holder.close()
    assert len(shown) == 1 and "busy" in shown[0] and db_path in shown[0]
    assert window.shop.book.on_hand[code] == before
    window.record_adjustment(code, before + 3, "receive")  # once the file is free again
    assert window.shop.book.on_hand[code] == before + 3
    assert len(shown) == 1
