"""The import wizard (取り込み): a real database, the work in a worker thread, no sleeps."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from app.services import importing
from app.services.shop import Shop
from app.ui.dialogs import import_apply_page
from app.ui.dialogs.import_wizard import ImportWizard
from app.ui.stock_model import Kind


def write_csv(tmp_path: Path, text: str, name: str = "tanaoroshi.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("cp932"))
    return path


def open_wizard(qtbot: QtBot, shop: Shop, path: Path, parent: Any = None) -> ImportWizard:
    wizard = ImportWizard(shop, parent)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    return wizard


def to_preview(qtbot: QtBot, wizard: ImportWizard) -> None:
    """File → (read in the worker) mapping → (checked in the worker) preview."""
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    next_button.click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page)
    assert next_button.isEnabled()
    next_button.click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page)
    qtbot.waitUntil(lambda: wizard.plan is not None and not wizard.busy)


def apply_button(wizard: ImportWizard) -> Any:
    return wizard.button(QWizard.WizardButton.CommitButton)


def on_hand_in_grid(window: Any, code: str) -> Any:
    model = window.model
    return model.data(model.index(model.row_of(code), model.column_of(Kind.ON_HAND)))


def test_a_cp932_stocktake_applies_and_the_grid_shows_the_new_numbers(
    qtbot: QtBot, window: Any, demo_shop: Shop, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "商品コード,商品名,在庫数\r\nTW-001,今治タオル,33\r\n"
                               "00123,手ぬぐい,31\r\nTW-002,紺,25\r\n")
    wizard = open_wizard(qtbot, demo_shop, path, window)
    assert wizard.file_page.options().mode == "overwrite"
    to_preview(qtbot, wizard)

    assert wizard.table is not None and wizard.table.encoding == "cp932"
    mapping = wizard.mapping_page
    assert mapping.combos["code"].currentData() == 0
    changes = wizard.preview_page.changes
    assert [changes.row(i)[:5] for i in range(changes.rowCount())] == [
        (2, "TW-001", "On hand", "40", "33"), (3, "00123", "On hand", "30", "31"),
        (4, "TW-002", "On hand", "25", "25")]
    assert wizard.preview_page.problems.rowCount() == 0
    assert demo_shop.book.on_hand["TW-001"] == 40  # a preview writes nothing
    assert apply_button(wizard).isEnabled()

    apply_button(wizard).click()
    page = wizard.apply_page
    qtbot.waitUntil(lambda: page.finished_work)
    assert wizard.outcome is not None and wizard.outcome.batch
    assert page.batch.text() == wizard.outcome.batch
    assert page.undo.isVisible() and page.undo.isEnabled()
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()

    qtbot.waitUntil(lambda: on_hand_in_grid(window, "TW-001") == 33)
    assert on_hand_in_grid(window, "00123") == 31
    assert Shop().book.on_hand["TW-001"] == 33  # in the database, not only in memory
    history = Shop().history("TW-001")
    assert history[0].reason == "stocktake" and history[0].delta == -7


def test_a_bad_row_is_listed_with_row_and_column_and_apply_stays_disabled(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path, db_dump: Callable[[], list[str]]
) -> None:
    path = write_csv(tmp_path, "商品コード,在庫数\r\nTW-001,33\r\nTW-002,たくさん\r\n"
                               "NOPE-9,1\r\n")
    before = db_dump()
    wizard = open_wizard(qtbot, demo_shop, path)
    to_preview(qtbot, wizard)

    problems = wizard.preview_page.problems
    rows = [problems.row(i) for i in range(problems.rowCount())]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("tanaoroshi.csv", 3, "B (在庫数)"), ("tanaoroshi.csv", 4, "A (商品コード)")]
    assert "NOPE-9" in rows[1][3]
    assert wizard.preview_page.problems_view.isVisible()
    assert wizard.preview_page.messages.is_error
    assert not apply_button(wizard).isEnabled()
    wizard.next()  # even asked directly, the wizard does not apply
    assert wizard.currentPage() is wizard.preview_page
    assert db_dump() == before
    assert demo_shop.book.on_hand["TW-001"] == 40


def test_a_file_without_known_headers_is_mapped_by_hand(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "品目,実数メモ\r\nTW-003,9\r\n")
    wizard = open_wizard(qtbot, demo_shop, path)
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page)
    mapping = wizard.mapping_page
    assert mapping.messages.messages  # says what it could not find
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    mapping.set_column("code", 0)
    mapping.set_column("quantity", 1)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.plan is not None and not wizard.busy)
    changes = wizard.preview_page.changes
    assert changes.row(0)[:5] == (2, "TW-003", "On hand", "12", "9")
    assert apply_button(wizard).isEnabled()


def test_add_mode_and_an_unreadable_file_says_why(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, demo_shop, tmp_path / "missing.xls")
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: bool(wizard.file_page.messages.messages))
    assert wizard.currentPage() is wizard.file_page
    assert ".xlsx" in wizard.file_page.messages.messages[0]

    path = write_csv(tmp_path, "code\tquantity\r\nTW-003\t3\r\n", "add.tsv")
    wizard.file_page.path.setText(str(path))
    wizard.file_page.set_mode("add")
    to_preview(qtbot, wizard)
    assert wizard.preview_page.changes.row(0)[3:5] == ("12", "15")


def test_cancel_during_apply_leaves_the_database_unchanged(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path, db_dump: Callable[[], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_csv(tmp_path, "商品コード,在庫数\r\nTW-001,1\r\nTW-002,2\r\n")
    reached, release = threading.Event(), threading.Event()
    real_apply = importing.apply_import

    def held_apply(shop: Shop, source: Any, progress: Any, cancelled: Any) -> Any:
        def held(done: int, total: int) -> None:  # inside the transaction, rows written
            progress(done, total)
            reached.set()
            release.wait(30)

        return real_apply(shop, source, held, cancelled)

    monkeypatch.setattr(import_apply_page, "apply_import", held_apply)
    wizard = open_wizard(qtbot, demo_shop, path)
    to_preview(qtbot, wizard)
    before = db_dump()
    apply_button(wizard).click()
    qtbot.waitUntil(reached.is_set)
    assert wizard.busy
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()

    wizard.button(QWizard.WizardButton.CancelButton).click()  # asks the worker to stop
    assert wizard.isVisible()  # the wizard stays to say what happened
    assert wizard.apply_page.status.text() == "Cancelling…"
    release.set()
    qtbot.waitUntil(lambda: wizard.apply_page.cancelled)

    assert wizard.apply_page.status.text() == "Cancelled: nothing was changed."
    assert not wizard.apply_page.undo.isVisible()
    assert db_dump() == before
    assert Shop().book.on_hand["TW-001"] == 40
    assert demo_shop.book.on_hand["TW-001"] == 40


def test_undo_from_the_summary_restores_the_stock(
    qtbot: QtBot, window: Any, demo_shop: Shop, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "商品コード,在庫数\r\nTW-001,10\r\nCH-100,70\r\n")
    wizard = open_wizard(qtbot, demo_shop, path, window)
    to_preview(qtbot, wizard)
    apply_button(wizard).click()
    qtbot.waitUntil(lambda: wizard.apply_page.finished_work)
    qtbot.waitUntil(lambda: on_hand_in_grid(window, "TW-001") == 10)
    batch = wizard.apply_page.batch.text()
    assert [b.batch for b in importing.recent_imports()] == [batch]

    wizard.apply_page.undo.click()
    qtbot.waitUntil(lambda: "undone" in wizard.apply_page.status.text() and not wizard.busy)
    assert not wizard.apply_page.undo.isEnabled()
    qtbot.waitUntil(lambda: on_hand_in_grid(window, "TW-001") == 40)
    assert on_hand_in_grid(window, "CH-100") == 60
    assert Shop().book.on_hand["CH-100"] == 60
    assert importing.recent_imports()[0].undone


def test_the_file_menu_has_import_export_and_templates(window: Any) -> None:
    act = window.act
    assert act.import_file.shortcut().toString() == "Ctrl+I"
    assert act.export_file.shortcut().toString() == "Ctrl+E"
    for action in (act.import_file, act.export_file, act.save_template):
        assert action.isEnabled()
    file_menu = window.menuBar().actions()[0].menu()
    assert file_menu.actions()[:3] == [act.import_file, act.export_file, act.save_template]


def test_not_used_for_a_recognised_column_sticks(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "商品コード,商品名,発注点\r\nTW-001,別の名前,7\r\n", "items.csv")
    wizard = open_wizard(qtbot, demo_shop, path)
    wizard.file_page.set_kind("items")
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page)
    mapping = wizard.mapping_page
    assert mapping.combos["name"].currentData() == 1  # found from its header
    mapping.set_column("name", None)  # （使わない）
    assert mapping.options().excluded == frozenset(
        {"name", *(n for n in mapping.combos if n not in ("code", "name", "reorder_point"))})
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.plan is not None and not wizard.busy)
    changes = wizard.preview_page.changes
    assert [changes.row(i)[:5] for i in range(changes.rowCount())] == [
        (2, "TW-001", "Reorder point", "—", "7")]
    apply_button(wizard).click()
    qtbot.waitUntil(lambda: wizard.apply_page.finished_work)
    item = Shop().book.items["TW-001"]
    assert (item.name, item.reorder_point) == ("今治タオル フェイス 白", 7)


@pytest.mark.parametrize(("kind", "text", "what"), [
    ("codemap", "店舗,店舗商品ID,商品コード\r\nrakuten,rk-001,TW-001\r\n",
     "Code map (rakuten: rk-001)"),
    ("offsets", "商品コード,店舗,表示在庫設定\r\nTW-001,yahoo,-2\r\nTW-002,,+3\r\n",
     "Display offset (yahoo)"),
])
def test_the_preview_names_code_map_and_offset_changes_in_words(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path, kind: str, text: str, what: str
) -> None:
    wizard = open_wizard(qtbot, demo_shop, write_csv(tmp_path, text, f"{kind}.csv"))
    wizard.file_page.set_kind(kind)
    to_preview(qtbot, wizard)
    changes = wizard.preview_page.changes
    shown = [changes.row(i)[2] for i in range(changes.rowCount())]
    assert shown[0] == what
    if kind == "offsets":
        assert shown[1] == "Display offset"
    assert not any(s.startswith(("code map", "offset")) for s in shown)  # no internal labels


def test_a_hostile_file_is_refused_on_the_file_page_naming_row_and_column(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "huge.csv"
    path.write_text('商品コード,在庫数\r\nTW-001,1\r\nTW-002,"' + "9" * 200_000 + '"\r\n',
                    encoding="utf-8")
    wizard = open_wizard(qtbot, demo_shop, path)
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: bool(wizard.file_page.messages.messages))
    assert wizard.currentPage() is wizard.file_page
    assert wizard.file_page.messages.messages == [
        "huge.csv, row 3, column B: the cell holds more than 32767 characters, the most a cell "
        "may hold."]


def test_a_header_row_without_the_code_column_is_the_one_the_mapping_step_shows(
    qtbot: QtBot, demo_shop: Shop, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "楽天 在庫一覧\r\nSKU管理番号,商品名,在庫数\r\n"
                               "towel-1-white,タオル,3\r\n")
    wizard = open_wizard(qtbot, demo_shop, path)
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page)
    mapping = wizard.mapping_page
    assert mapping.header_row.value() == 2  # not the title row above it
    assert mapping.about.text().endswith(": 3 rows")
