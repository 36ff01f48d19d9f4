"""Window benchmark (issue 4): the main window on 100,000 items, offscreen.

Builds 95,000 singles (names, JANs, stock) and 5,000 two-part sets with three channels,
written to SQLite in bulk, then measures with a fresh Shop (the stock book is not loaded yet,
as when Rendo starts):
- first_paint_s: from creating the main window (loading and computing the stock book
  included) to the first paint of the grid;
- filter_ms: the slowest of a few search keystrokes (the text changes, the proxy filters
  100,000 rows, the grid repaints); filter_ms_median is their median;
- scroll_s: scrollToBottom from the top and processEvents until the grid has repainted;
- peak_mb: the process's peak resident memory (ru_maxrss).
Prints one JSON object as its last line. Targets: first paint ≤ 2 s, filter ≤ 100 ms,
peak ≤ 400 MB.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication

from app.services.shop import Shop
from app.store.database import open_database
from app.store.models import ItemRow, MovementRow, SetComponentRow, utcnow

SINGLES, SETS = 95_000, 5_000
CHANNELS = ["rakuten", "yahoo", "base"]
WORDS = ["今治タオル", "波佐見焼 マグ", "八女茶", "手ぬぐい", "有田焼 皿", "信楽焼 花器",
         "南部鉄器 急須", "京扇子", "江戸切子 グラス", "輪島塗 箸"]
COLOURS = ["白", "紺", "藍", "赤", "黒", "生成り", "桜", "若草"]
KEYSTROKES = ["タ", "タオ", "タオル", "タオル 紺", "4", "49", "490", "4901"]


def build_database(folder: Path) -> None:
    """Channels first (cheap while the catalogue is empty), then every row in bulk."""
    open_database(str(folder / "bench.sqlite3"))
    shop = Shop()
    for name in CHANNELS:
        shop.add_channel(name, "manual")
    rng = random.Random(4)
    now = utcnow()
    rows = []
    for i in range(SINGLES):
        rows.append({
            "code": f"SKU-{i:06d}", "name": f"{rng.choice(WORDS)} {rng.choice(COLOURS)} {i}",
            "jan": f"49{i:011d}", "on_hand": rng.randrange(0, 60), "created_at": now,
            "variant": {}, "reorder_point": rng.choice([None, 5, 10]),
        })
    for i in range(SETS):
        rows.append({"code": f"SET-{i:05d}", "name": f"ギフトセット {i}", "kind": "set",
                     "on_hand": 0, "created_at": now, "variant": {}})
    from app.store.database import db

    with db.atomic():
        for start in range(0, len(rows), 500):
            ItemRow.insert_many(rows[start:start + 500]).execute()
        ids = dict(ItemRow.select(ItemRow.code, ItemRow.id).tuples())
        moves = [{"item": ids[r["code"]], "delta": r["on_hand"], "reason": "receive",
                  "reference": "bench", "user": "bench", "created_at": now}
                 for r in rows if r["on_hand"]]
        for start in range(0, len(moves), 500):
            MovementRow.insert_many(moves[start:start + 500]).execute()
        parts = []
        for i in range(SETS):
            a, b = rng.sample(range(SINGLES), 2)
            parts.append({"set_item": ids[f"SET-{i:05d}"], "component": ids[f"SKU-{a:06d}"],
                          "quantity": 1, "position": 0})
            parts.append({"set_item": ids[f"SET-{i:05d}"], "component": ids[f"SKU-{b:06d}"],
                          "quantity": 2, "position": 1})
        for start in range(0, len(parts), 500):
            SetComponentRow.insert_many(parts[start:start + 500]).execute()


class PaintWatch(QObject):
    """Notes when the watched widget has been painted."""

    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def until_painted(app: QApplication, watch: PaintWatch, limit_s: float = 30.0) -> None:
    """Process events until the watched widget has painted (or *limit_s* passed)."""
    watch.painted = False
    deadline = time.perf_counter() + limit_s
    while not watch.painted and time.perf_counter() < deadline:
        app.processEvents()
    app.processEvents()


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="rendo-bench-gui-"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    app = QApplication(sys.argv[:1])
    started = time.perf_counter()
    build_database(folder)
    print(f"database of {SINGLES + SETS:,} items built in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)

    from app.ui.main_window import MainWindow

    shop = Shop()  # a fresh Shop: the stock book loads when the window first needs it
    watch = PaintWatch()
    started = time.perf_counter()
    window = MainWindow(shop, str(folder / "bench.sqlite3"))
    window.view.viewport().installEventFilter(watch)
    window.resize(1440, 860)
    window.show()
    until_painted(app, watch)
    first_paint = time.perf_counter() - started
    assert window.model.rowCount() == SINGLES + SETS

    deadline = time.perf_counter() + 1.0  # let the window settle (search keys are built)
    while time.perf_counter() < deadline:
        app.processEvents()

    timings = []
    for text in KEYSTROKES:
        started = time.perf_counter()
        window.filter_bar.search.setText(text)  # what one keystroke does
        window.view.viewport().update()  # (the same rows may stay: paint anyway)
        until_painted(app, watch)
        timings.append((time.perf_counter() - started) * 1000)
        print(f"search {text!r}: {window.proxy.rowCount():,} rows in {timings[-1]:.0f} ms",
              file=sys.stderr)
    window.filter_bar.search.clear()
    until_painted(app, watch)

    window.view.scrollToTop()
    window.view.viewport().update()
    until_painted(app, watch)
    started = time.perf_counter()
    window.view.scrollToBottom()
    until_painted(app, watch)
    scroll = time.perf_counter() - started

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.close()
    print(json.dumps({
        "first_paint_s": round(first_paint, 3),
        "filter_ms": round(max(timings), 1),
        "filter_ms_median": round(statistics.median(timings), 1),
        "scroll_s": round(scroll, 3),
        "peak_mb": round(peak_mb, 1),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
