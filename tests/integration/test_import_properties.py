"""Generated files: whatever a file holds, either every row is applied exactly as the rules
say, or a row is refused and the database file is byte-for-byte what it was."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from app.services.importing import ImportOptions, ImportRefused, import_file
from app.services.shop import Shop
from app.store.database import close_database, db, open_database

START = {"00123": 5, "00124": 0, "A-001": 2}
CODES = ["00123", "00124", "A-001", " 00123 ", "123", 123, "NEW", "GIFT", ""]
QUANTITIES = st.one_of(st.integers(-3, 40), st.sampled_from(["", "abc", "1.5", "１２", "1,000",
                                                               " 7 "]))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    open_database(str(path))
    shop = Shop()
    for code in START:
        shop.add_item(code)
        if START[code]:
            shop.adjust(code, f"={START[code]}")
    shop.define_set("GIFT", [("00123", 1), ("00124", 2)])
    close_database()
    return path


def expected(rows, mode: str, create_unknown: bool) -> dict[str, int] | None:
    """What the rules say: the new on-hand numbers, or None when any row must be refused."""
    stock, seen = dict(START), set()
    refused = False
    for code, quantity in rows:
        code = str(code).strip()
        if isinstance(quantity, str):
            text = quantity.strip().replace("１２", "12").replace(",", "")
            number = int(text) if text.lstrip("-").isdigit() else None
            bad = bool(text) and number is None
        else:
            number, bad = quantity, False
        blank = quantity is None or (isinstance(quantity, str) and not quantity.strip())
        if not code and blank:
            continue  # an empty row is passed over, as the reader does
        if not code or code in seen or bad:
            refused = True
            seen.add(code)
            continue
        seen.add(code)
        if code == "GIFT":
            refused = refused or number is not None
            continue
        if number is None or number < 0 or (code not in START and not create_unknown):
            refused = True
            continue
        before = stock.get(code, 0)
        after = {"overwrite": number, "add": before + number, "subtract": before - number}[mode]
        if after < 0:
            refused = True
        stock[code] = after
    return None if refused else stock


def write_file(folder: Path, rows, form: str) -> Path:
    header = ["商品コード", "在庫数"]
    if form == "xlsx":
        path = folder / "stock.xlsx"
        workbook = openpyxl.Workbook()
        workbook.active.append(header)
        for code, quantity in rows:
            workbook.active.append([code if code != "" else None, quantity])
        workbook.save(path)
        return path
    encoding, delimiter = {"utf-8": ("utf-8", ","), "cp932": ("cp932", ","),
                           "utf-8-sig-tab": ("utf-8-sig", "\t"),
                           "semicolon": ("utf-8", ";")}[form]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([str(c), str(q)] for c, q in rows)
    path = folder / "stock.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.one_of(
        st.lists(st.tuples(st.sampled_from(CODES), QUANTITIES), min_size=1, max_size=8),
        st.lists(st.tuples(st.sampled_from(["00123", "00124", "A-001", "NEW", 123]),
                           st.integers(0, 40)), min_size=1, max_size=5,
                 unique_by=lambda row: str(row[0])),
    ),
    mode=st.sampled_from(["overwrite", "add", "subtract"]),
    create_unknown=st.booleans(),
    form=st.sampled_from(["utf-8", "cp932", "utf-8-sig-tab", "semicolon", "xlsx"]),
)
# an empty row among the others is passed over, not refused (found by hypothesis)
@example(rows=[("", ""), ("00123", 5)], mode="overwrite", create_unknown=False, form="xlsx")
@example(rows=[("", "")], mode="add", create_unknown=False, form="utf-8")
def test_a_refused_row_leaves_the_database_byte_for_byte_unchanged(
        template, tmp_path_factory, rows, mode, create_unknown, form):
    folder = tmp_path_factory.mktemp("example")
    database = folder / "shop.sqlite3"
    shutil.copy(template, database)
    original = database.read_bytes()
    path = write_file(folder, rows, form)
    options = ImportOptions(mode=mode, create_unknown=create_unknown)
    want = expected(rows, mode, create_unknown)
    open_database(str(database))
    try:
        shop = Shop()
        dumped = list(db.connection().iterdump())
        with contextlib.suppress(ImportRefused):
            import_file(shop, path, options, dry_run=True)
        assert list(db.connection().iterdump()) == dumped  # a dry run never writes
        try:
            import_file(shop, path, options)
        except ImportRefused:
            outcome = None
        else:
            shop.reload()
            outcome = {c: n for c, n in shop.book.on_hand.items()}
    finally:
        close_database()
    event("refused" if want is None else "applied")
    assert outcome == want
    if want is None:
        assert database.read_bytes() == original
