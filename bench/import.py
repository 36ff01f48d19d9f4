"""Import benchmark (issue 5): a 100,000-row stocktake from .xlsx and from CSV.

Builds a database of 100,000 singles (nothing on hand), writes the same stocktake (code as
text with leading zeros, name, count) as an .xlsx and as a CP932 CSV, then measures:
- openpyxl_read_s: openpyxl alone reading the .xlsx in read-only mode (every row's values);
- xlsx_s / csv_s: ``rendo import`` of each file in overwrite mode on a fresh copy of the
  database: reading, checking every row, and writing 100,000 stocktake movements in one
  transaction;
- ratio: xlsx_s / openpyxl_read_s;
- peak_mb: the process's peak resident memory.
Each figure is the best of two runs. Prints one JSON object as its last line. Targets:
ratio ≤ 1.5, csv_s ≤ 5, peak_mb ≤ 500.
"""

from __future__ import annotations

import csv
import io
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl

from app.services.importing import import_file
from app.services.shop import Shop
from app.store.database import close_database, db, open_database
from app.store.models import ItemRow, MovementRow, utcnow

ROWS = 100_000
HEADER = ["商品コード", "商品名", "在庫数"]


def rows(rng: random.Random) -> list[list[object]]:
    return [[f"{n:07d}", f"今治タオル {n}", rng.randint(1, 99)] for n in range(ROWS)]


def build_database(path: Path) -> None:
    open_database(str(path))
    now = utcnow()
    with db.atomic():
        batch = []
        for n in range(ROWS):
            batch.append({"code": f"{n:07d}", "name": f"今治タオル {n}", "kind": "single",
                          "variant": {}, "unlimited": False, "reserved": 0,
                          "backorder_allowance": 0, "on_hand": 0, "created_at": now})
            if len(batch) == 2_000:
                ItemRow.insert_many(batch).execute()
                batch = []
    close_database()


def write_files(folder: Path, data: list[list[object]]) -> tuple[Path, Path]:
    xlsx = folder / "stocktake.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("棚卸")
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    workbook.save(xlsx)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(data)
    csv_path = folder / "stocktake.csv"
    csv_path.write_bytes(buffer.getvalue().encode("cp932"))
    return xlsx, csv_path


def bare_openpyxl(path: Path) -> float:
    started = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    assert count == ROWS + 1
    return time.perf_counter() - started


def timed_import(template: Path, folder: Path, path: Path) -> float:
    database = folder / "run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, database)
    open_database(str(database))
    try:
        shop = Shop()
        started = time.perf_counter()
        result = import_file(shop, path)
        elapsed = time.perf_counter() - started
        assert result.movements == ROWS, result.movements
        assert MovementRow.select().count() == ROWS
    finally:
        close_database()
    return elapsed


def best(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def main() -> None:
    rng = random.Random(20261123)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        template = folder / "template.sqlite3"
        build_database(template)
        xlsx, csv_path = write_files(folder, rows(rng))
        openpyxl_s = best(2, lambda: bare_openpyxl(xlsx))
        xlsx_s = best(2, lambda: timed_import(template, folder, xlsx))
        csv_s = best(2, lambda: timed_import(template, folder, csv_path))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if sys.platform == "darwin":  # bytes there, kilobytes on Linux
        peak_mb /= 1024
    print(json.dumps({
        "xlsx_s": round(xlsx_s, 3), "csv_s": round(csv_s, 3),
        "openpyxl_read_s": round(openpyxl_s, 3), "ratio": round(xlsx_s / openpyxl_s, 3),
        "peak_mb": round(peak_mb, 1),
    }))


if __name__ == "__main__":
    main()
