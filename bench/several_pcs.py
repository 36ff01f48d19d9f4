"""Three PCs on one PostgreSQL server: 3 processes × 1,000 adjustments on 1,000 items (issue 12).

A real server is started as the tests start it (tests/pg_server.py: fsync off, loopback). Each
PC is a process with its own Shop, as a window would be: one thread makes the adjustments
(``+1`` on an item drawn at random, one transaction each), another reads the change feed every
``FEED_POLL_MS`` like the window's sync worker and notes when each item's number changed.

Measured:
- ``p95_write_ms``: one adjustment, from the call to its return (transaction, commit, and the
  PC's own catch-up).
- ``p95_visible_elsewhere_ms``: from the start of an adjustment on one PC until each of the two
  other PCs' books show the item at least at the number the writer's book showed after it (an
  upper bound: another PC's later write to the same item can only make it later).
- ``lost`` / ``doubled``: per item, the database's on hand against the start plus the
  adjustments the PCs were told succeeded; also every PC's final book against the database.

Targets: p95 write ≤ 50 ms, visible on the other PCs ≤ 2 s, lost = doubled = 0.

By default each PC writes as fast as it can, so the three PCs, their feed readers and the
server share this machine's cores: on a 2-core machine the write time is mostly waiting for a
core. ``--rate N`` paces each PC at N adjustments a second (a busy packing station makes
about one a second), closer to three PCs with a processor each.
Last line: {"writes_per_s", "p95_write_ms", "p95_visible_elsewhere_ms", "lost", "doubled"}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PCS, WRITES, ITEMS, START = 3, 1_000, 1_000, 50
SETTLE_S = 3.0  # the PCs keep reading the feed this long after the last write


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0


# -- one PC ---------------------------------------------------------------------------------
def run_pc(pc: int, url: str, folder: Path, start_at: float, rate: float) -> None:
    from app.services.shop import Shop
    from app.store.database import open_database
    from app.sync.worker import FEED_POLL_MS

    open_database(url, migrate=False)
    shop = Shop()
    codes = sorted(shop.book.items)
    seen: dict[str, list[tuple[int, float]]] = {}
    lock = threading.Lock()

    def heard(touched: list[str]) -> None:
        now, on_hand = time.time(), shop.book.on_hand
        with lock:
            for code in touched:
                seen.setdefault(code, []).append((on_hand.get(code, 0), now))

    shop.listeners.append(heard)
    stop = threading.Event()

    def read_feed() -> None:
        while not stop.wait(FEED_POLL_MS / 1000):
            shop.catch_up()

    reader = threading.Thread(target=read_feed, name=f"feed-{pc}")
    reader.start()
    draw = random.Random(pc)
    writes: list[tuple[str, int, float, float]] = []
    failed = 0
    time.sleep(max(0.0, start_at - time.time()))
    for number in range(WRITES):
        code = draw.choice(codes)
        if rate:
            time.sleep(max(0.0, start_at + number / rate - time.time()))
        began = time.time()
        try:
            shop.adjust(code, "+1", "receive", f"pc{pc}")
        except Exception as error:  # told it failed: not counted as written
            failed += 1
            print(f"pc{pc}: {error}", file=sys.stderr)
            continue
        ended = time.time()
        writes.append((code, shop.book.on_hand[code], began, ended))
    (folder / f"done-{pc}").touch()
    while len(list(folder.glob("done-*"))) < PCS:
        time.sleep(0.05)
    time.sleep(SETTLE_S)
    stop.set()
    reader.join()
    shop.catch_up()
    (folder / f"pc-{pc}.json").write_text(json.dumps({
        "writes": writes, "failed": failed, "seen": seen, "book": shop.book.on_hand}))


# -- the bench -------------------------------------------------------------------------------
def prepare(url: str) -> None:
    from app.services.shop import Shop
    from app.store.database import close_database, open_database
    from app.store.models import ItemRow, MovementRow, utcnow

    database = open_database(url)
    now = utcnow()
    with database.atomic():
        ItemRow.insert_many([{"code": f"{n:04d}", "name": f"item {n}", "on_hand": START,
                              "created_at": now, "variant": {}} for n in range(ITEMS)]).execute()
        ids = dict(ItemRow.select(ItemRow.code, ItemRow.id).tuples())
        MovementRow.insert_many([{"item": item, "delta": START, "reason": "receive",
                                  "reference": "bench", "user": "bench", "created_at": now}
                                 for item in ids.values()]).execute()
    assert len(Shop().book.items) == ITEMS
    close_database()


def database_on_hand(url: str) -> tuple[dict[str, int], dict[str, int]]:
    """(on hand per code, sum of the ledger per code), read afresh."""
    from peewee import fn

    from app.store.database import close_database, open_database
    from app.store.models import ItemRow, MovementRow

    open_database(url, migrate=False)
    try:
        cached = dict(ItemRow.select(ItemRow.code, ItemRow.on_hand).tuples())
        ledger = dict(ItemRow.select(ItemRow.code, fn.SUM(MovementRow.delta))
                      .join(MovementRow).group_by(ItemRow.code).tuples())
    finally:
        close_database()
    return cached, {code: int(total) for code, total in ledger.items()}


def main(rate: float) -> None:
    from tests.pg_server import PgServer

    server = PgServer().start()
    try:
        url = server.url(server.create_database())
        prepare(url)
        folder = Path(tempfile.mkdtemp(prefix="rendo-pcs-"))
        start_at = time.time() + 4.0  # every PC has opened the database and read its book
        pcs = [subprocess.Popen([sys.executable, __file__, "--pc", str(pc), "--url", url,
                                 "--folder", str(folder), "--start", str(start_at),
                                 "--rate", str(rate)], cwd=ROOT)
               for pc in range(PCS)]
        codes = [pc.wait(timeout=600) for pc in pcs]
        if any(codes):
            raise SystemExit(f"a PC failed: exit codes {codes}")
        results = [json.loads((folder / f"pc-{pc}.json").read_text()) for pc in range(PCS)]
        cached, ledger = database_on_hand(url)
    finally:
        server.stop()
    report(results, cached, ledger, rate)


def report(results: list[dict[str, Any]], cached: dict[str, int],
           ledger: dict[str, int], rate: float) -> None:
    expected = {code: START for code in cached}
    durations, visible, missed = [], [], 0
    for writer, result in enumerate(results):
        for code, value, began, ended in result["writes"]:
            expected[code] += 1
            durations.append((ended - began) * 1000)
            for reader, other in enumerate(results):
                if reader == writer:
                    continue
                when = [t for on_hand, t in other["seen"].get(code, []) if on_hand >= value]
                if when:
                    visible.append((min(when) - began) * 1000)
                else:
                    missed += 1
    lost = sum(max(0, want - cached[code]) for code, want in expected.items())
    doubled = sum(max(0, cached[code] - want) for code, want in expected.items())
    ledger_off = sum(abs(ledger[code] - cached[code]) for code in cached)
    books_off = sum(1 for result in results for code in cached
                    if result["book"].get(code) != cached[code])
    writes = sum(len(result["writes"]) for result in results)
    span = (max(w[3] for r in results for w in r["writes"])
            - min(w[2] for r in results for w in r["writes"]))
    pace = f"{rate:g} a second each" if rate else "as fast as they can"
    print(f"PCs: {PCS} × {WRITES} adjustments on {ITEMS} items, {pace}, on "
          f"{os.cpu_count()} cores (load {os.getloadavg()[0]:.1f}); failed writes: "
          f"{sum(r['failed'] for r in results)}; writes never seen on another PC: {missed}; "
          f"ledger ≠ on hand: {ledger_off}; book entries ≠ database: {books_off}")
    print(json.dumps({
        "writes_per_s": round(writes / span, 1),
        "p95_write_ms": round(p95(durations), 1),
        "p95_visible_elsewhere_ms": round(p95(visible), 1) if not missed else None,
        "lost": lost, "doubled": doubled,
    }))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--pc", type=int)
    parser.add_argument("--url")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--start", type=float)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="adjustments a second per PC (default: as fast as it can)")
    arguments = parser.parse_args()
    if arguments.pc is None:
        main(arguments.rate)
    else:
        run_pc(arguments.pc, arguments.url, arguments.folder, arguments.start, arguments.rate)
