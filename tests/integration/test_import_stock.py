"""Importing stock counts: a stocktake file in any encoding or Excel layout changes exactly
what it says, every refusal names file, row and column, and a refused file changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.errors import BadInput
from app.files.common import OperationCancelled
from app.services.importing import (
    ImportOptions,
    ImportRefused,
    apply_import,
    import_file,
    preview,
    read_import,
    recent_imports,
    undo_import,
)
from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.database import close_database, db, open_database
from app.store.models import MovementRow
from tests.dumps import dump_open

pytestmark = pytest.mark.databases("sqlite", "postgresql")


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


@pytest.fixture
def shop(db_path):
    open_database(db_path)
    shop = Shop()
    for code, name in [("00123", "今治タオル 白"), ("00124", "今治タオル 青"),
                       ("A-001", "バスタオル"), ("4901234567894", "JAN で管理"),
                       ("125", "文字列書式")]:
        shop.add_item(code, name)
    shop.define_set("GIFT", [("00123", 1), ("00124", 2)])
    shop.adjust("00123", "=5", "receive")
    yield shop
    close_database()


def on_hand(shop: Shop) -> dict[str, int]:
    shop.reload()
    return dict(shop.book.on_hand)


def dump() -> list[str]:
    return dump_open()


def csv_file(tmp_path: Path, text: str, name: str = "stock.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def refusal(shop: Shop, path: Path, **options) -> list[str]:
    """The problems of a refused import, as the user reads them; checks nothing changed."""
    before = dump()
    with pytest.raises(ImportRefused) as caught:
        import_file(shop, path, ImportOptions(**options))
    assert dump() == before
    return [p.text() for p in caught.value.problems]


# -- the happy paths -----------------------------------------------------------------------------

def test_a_stocktake_writes_each_difference_as_one_movement(shop, tmp_path):
    path = csv_file(tmp_path, "商品コード,在庫数\n00123,12\n00124,7\nA-001,0\n")
    result = import_file(shop, path)
    assert on_hand(shop)["00123"] == 12 and on_hand(shop)["00124"] == 7
    moves = list(MovementRow.select().where(MovementRow.batch == result.batch)
                 .order_by(MovementRow.id))
    assert [(m.item.code, m.delta, m.reason, m.reference) for m in moves] == [
        ("00123", 7, "stocktake", "stock.csv:2"), ("00124", 7, "stocktake", "stock.csv:3")]
    assert result.movements == 2 and result.changed == 2  # A-001 was 0 already
    assert shop.book.stock["GIFT"].sellable == 3
    assert check_ledger() == []


@pytest.mark.parametrize(("mode", "expected", "reason"), [
    ("add", 9, "import"), ("subtract", 1, "import"), ("overwrite", 4, "stocktake")])
def test_modes(shop, tmp_path, mode, expected, reason):
    path = csv_file(tmp_path, "code,qty\n00123,4\n")
    result = import_file(shop, path, ImportOptions(mode=mode))
    assert on_hand(shop)["00123"] == expected
    assert MovementRow.get(MovementRow.batch == result.batch).reason == reason


@pytest.mark.parametrize("name", ["stock_cp932.csv", "stock_utf8_bom.csv",
                                  "stock_utf8_semicolon.csv", "stock_utf16_tab.txt",
                                  "stock_euc_jp.csv"])
def test_every_encoding_and_delimiter(shop, name):
    import_file(shop, FIXTURES / name)
    assert on_hand(shop)["00123"] == 12 and on_hand(shop)["00124"] == 7


def test_an_excel_stocktake_sheet_as_shops_keep_it(shop):
    """Merged title, blank rows, a merged section heading, codes stored as text, as numbers
    in a 00000 or text format and as a long number, a count given by a formula."""
    plan = import_file(shop, FIXTURES / "stock_excel.xlsx")
    assert plan.source.headings_skipped == [8]
    assert {c.code: c.after for c in plan.changes} == {
        "00123": 12, "00124": 7, "4901234567894": 5, "A-001": 3, "125": 4}
    assert on_hand(shop)["00124"] == 7 and on_hand(shop)["4901234567894"] == 5


def test_items_found_by_jan_when_there_is_no_code_column(shop, tmp_path):
    shop.set_item_field(["A-001"], "jan", "4900000000011")
    path = csv_file(tmp_path, "JAN,数量\n4900000000011,6\n")
    import_file(shop, path)
    assert on_hand(shop)["A-001"] == 6
    problems = refusal(shop, csv_file(tmp_path, "JAN,数量\n4999999999999,6\n"))
    assert problems == ["stock.csv, row 2, column A (JAN): no item has the JAN 4999999999999."]


def test_unknown_codes_can_become_new_items(shop, tmp_path):
    path = csv_file(tmp_path, "商品コード,商品名,在庫数\nNEW-1,新商品,4\n00123,,5\n")
    plan = import_file(shop, path, ImportOptions(create_unknown=True), dry_run=True)
    assert plan.created == ["NEW-1"]
    assert "NEW-1" not in on_hand(shop)
    result = import_file(shop, path, ImportOptions(create_unknown=True))
    assert on_hand(shop)["NEW-1"] == 4 and shop.book.items["NEW-1"].name == "新商品"
    assert result.created == ["NEW-1"]


def test_the_dry_run_lists_every_row_before_and_after(shop, tmp_path):
    path = csv_file(tmp_path, "code,qty\n00123,5\n00124,3\nGIFT,\n")
    before = dump()
    plan = import_file(shop, path, dry_run=True)
    assert dump() == before
    assert [(c.row, c.code, c.before, c.after, c.changes) for c in plan.changes] == [
        (2, "00123", 5, 5, False), (3, "00124", 0, 3, True), (4, "GIFT", None, None, False)]


# -- refusals --------------------------------------------------------------------------------------

def test_every_problem_is_named_and_nothing_changes(shop):
    problems = refusal(shop, FIXTURES / "stock_problems.xlsx")
    start = "stock_problems.xlsx, row "
    assert problems == [
        start + "2, column B (在庫数): the cell holds a date or time (2024-03-01T00:00:00), not "
                "a number; format the column as a number.",
        start + "3, column B (在庫数): the cell holds the Excel error #N/A.",
        start + "4, column B (在庫数): 1e+20 is too large (at most 999999999).",
        start + "5, column B (在庫数): 2.5 is not a whole number.",
        start + "6, column B (在庫数): the cell holds a formula whose result was never saved; "
                "open the file in Excel, save it, and import again (or paste the values).",
        start + "7, column A (商品コード): the code 1.234567890123457e+19 was stored as a number "
                "and Excel has dropped digits; format the column as text and enter the codes "
                "again.",
        start + "8, column A (商品コード): the code 4.90123E+12 was stored as a number and "
                "Excel has dropped digits; format the column as text and enter the codes again.",
        start + "9, column A (商品コード): the code is empty.",
        start + "10, column A (商品コード): 00123 appears again in this file (first in row 2).",
    ]


def test_duplicates_unknown_codes_sets_and_negative_counts(shop, tmp_path):
    path = csv_file(tmp_path, "品番,在庫数\n00124,1\n123,2\nGIFT,3\n00124,4\nA-001,-1\nX,1\n")
    assert refusal(shop, path) == [
        "stock.csv, row 3, column A (品番): there is no item with code 123 (did you mean 00123? "
        "Excel may have dropped its leading zeros: format the column as text).",
        "stock.csv, row 4, column B (在庫数): GIFT is a set: it has no shelf stock of its own; "
        "count its components instead.",
        "stock.csv, row 5, column A (品番): 00124 appears again in this file (first in row 2).",
        "stock.csv, row 6, column B (在庫数): negative count -1 in overwrite mode: a stocktake "
        "count cannot be below 0.",
        "stock.csv, row 7, column A (品番): there is no item with code X.",
    ]


def test_subtracting_below_zero_is_refused(shop, tmp_path):
    path = csv_file(tmp_path, "code,qty\n00123,6\n")
    assert refusal(shop, path, mode="subtract") == [
        "stock.csv, row 2, column B (qty): 00123: taking away 6 would leave -1 (on hand 5); "
        "stock cannot go below 0."]


def test_an_empty_count_is_refused_not_taken_as_zero(shop, tmp_path):
    path = csv_file(tmp_path, "code,qty,name\n00123,,x\n")
    assert refusal(shop, path) == [
        "stock.csv, row 2, column B (qty): the count of 00123 is empty (write 0 for none)."]


def test_a_code_merged_over_rows_is_explained(shop, tmp_path):
    import openpyxl

    path = tmp_path / "merged.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["商品コード", "在庫数"], ["00123", 1], [None, 2]):
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    workbook.save(path)
    assert refusal(shop, path) == [
        "merged.xlsx, row 3, column A (商品コード): the cell is part of the merged cells A2:A3; "
        "unmerge them and fill in every row."]


def test_a_file_without_recognisable_columns(shop, tmp_path):
    path = csv_file(tmp_path, "foo,bar\n1,2\n")
    (problem,) = refusal(shop, path)
    assert problem.startswith("stock.csv: no header row found for the stock import")


def test_unsupported_files(shop, tmp_path):
    with pytest.raises(BadInput, match="old Excel .xls"):
        import_file(shop, csv_file(tmp_path, "x", name="old.xls"))
    with pytest.raises(BadInput, match="Unknown import mode"):
        import_file(shop, csv_file(tmp_path, "code,qty\n"), ImportOptions(mode="replace"))


# -- preview, apply, cancel, undo ------------------------------------------------------------------

def test_apply_uses_the_stock_of_the_moment_not_of_the_preview(shop, tmp_path):
    source = read_import(csv_file(tmp_path, "code,qty\n00123,10\n"))
    assert preview(shop, source).changes[0].before == 5
    shop.adjust("00123", "-2", "manual")  # an order arrives while the user reads the preview
    result = apply_import(shop, source)
    assert result.changes[0].before == 3 and on_hand(shop)["00123"] == 10
    assert MovementRow.get(MovementRow.batch == result.batch).delta == 7


def test_cancel_at_any_moment_leaves_the_database_untouched(shop, tmp_path):
    path = csv_file(tmp_path, "code,qty\n" + "".join(f"N{i},{i}\n" for i in range(3000)))
    source = read_import(path, ImportOptions(create_unknown=True))
    before = dump()
    outcomes = set()
    for allowed in range(6):
        calls = []

        def cancelled(calls=calls, allowed=allowed):
            calls.append(1)
            return len(calls) > allowed

        try:
            apply_import(shop, source, cancelled=cancelled)
        except OperationCancelled:
            assert dump() == before
            outcomes.add("cancelled")
        else:
            outcomes.add("applied")
            break
    assert outcomes == {"cancelled", "applied"}
    assert on_hand(shop)["N2999"] == 2999


def test_progress_is_reported(shop, tmp_path):
    path = csv_file(tmp_path, "code,qty\n" + "".join(f"N{i},1\n" for i in range(1200)))
    seen = []
    import_file(shop, path, ImportOptions(create_unknown=True),
                progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]


def test_listeners_hear_of_the_items_and_the_sets_containing_them(shop, tmp_path):
    heard = []
    shop.listeners.append(heard.append)
    import_file(shop, csv_file(tmp_path, "code,qty\n00124,8\n"))
    assert heard == [["00124", "GIFT"]]
    assert shop.book.stock["GIFT"].sellable == 4


def test_a_whole_import_can_be_undone_once(shop, tmp_path):
    result = import_file(shop, csv_file(tmp_path, "code,qty\n00123,12\n00124,7\n"))
    undone = undo_import(shop, result.batch)
    assert undone.movements == 2
    assert on_hand(shop)["00123"] == 5 and on_hand(shop)["00124"] == 0
    reverse = MovementRow.select().where(MovementRow.batch == undone.undo_batch)
    assert {(m.reason, m.undoes.batch) for m in reverse} == {("undo", result.batch)}
    with pytest.raises(BadInput, match="already been undone"):
        undo_import(shop, result.batch)
    assert recent_imports()[0].undone
    with pytest.raises(BadInput, match="There is no import"):
        undo_import(shop, "import-nope")
    assert check_ledger() == []


def test_undo_refuses_to_take_stock_below_zero(shop, tmp_path):
    result = import_file(shop, csv_file(tmp_path, "code,qty\n00124,3\n"), ImportOptions(
        mode="add"))
    shop.adjust("00124", "-2", "manual")  # sold since
    before = dump()
    with pytest.raises(ImportRefused) as caught:
        undo_import(shop, result.batch)
    assert "00124: undoing would leave -2 on hand (now 1)" in caught.value.problems[0].text()
    assert dump() == before


def test_a_movement_undone_by_hand_is_not_reversed_twice(shop, tmp_path):
    result = import_file(shop, csv_file(tmp_path, "code,qty\n00123,12\n00124,7\n"))
    first = MovementRow.get(MovementRow.batch == result.batch, MovementRow.delta == 7,
                            MovementRow.reference == "stock.csv:2")
    shop.undo(first.id)
    assert undo_import(shop, result.batch).movements == 1
    assert on_hand(shop) | {} == on_hand(shop) and on_hand(shop)["00123"] == 5
    assert on_hand(shop)["00124"] == 0


def test_a_worker_thread_imports_with_progress_and_can_be_cancelled(shop, tmp_path):
    """How the window's wizard runs it: off the UI thread, reporting progress."""
    import threading

    path = csv_file(tmp_path, "code,qty\n" + "".join(f"N{i},1\n" for i in range(2000)))
    source = read_import(path, ImportOptions(create_unknown=True))
    before = dump()
    outcome: dict[str, object] = {}
    stop = threading.Event()

    def work(cancel: bool) -> None:
        try:
            outcome["result"] = apply_import(
                shop, source, progress=lambda done, total: outcome.setdefault("progress", total),
                cancelled=lambda: cancel and stop.is_set())
        except OperationCancelled:
            outcome["result"] = "cancelled"
        finally:
            db.close()  # the worker thread's own connection

    stop.set()
    worker = threading.Thread(target=work, args=(True,))
    worker.start()
    worker.join()
    assert outcome["result"] == "cancelled" and dump() == before
    worker = threading.Thread(target=work, args=(False,))
    worker.start()
    worker.join()
    assert outcome["result"].movements == 2000 and outcome["progress"] == 2000
    assert on_hand(shop)["N1999"] == 1


def test_the_mapping_step_maps_again_without_reading_again(shop, tmp_path):
    from app.services.importing import map_table, read_table

    path = csv_file(tmp_path, "品名,個数確認,備考\n00123,9,x\n")
    table = read_table(path, ImportOptions())
    first = map_table(table, ImportOptions())
    assert first.mapping is None  # 品名 makes row 1 the header; code and count are missing
    assert first.problems[0].text().startswith("stock.csv, row 1: no column for the code")
    chosen = map_table(table, ImportOptions(columns={"code": "品名", "quantity": "B"}))
    assert chosen.mapping.columns == {"code": 0, "quantity": 1}
    assert chosen.mapping.ignored == ["備考"]
    assert apply_import(shop, chosen).changes[0].after == 9
