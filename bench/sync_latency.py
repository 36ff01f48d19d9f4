"""Time from an order accepted by shop A to the new quantity shown on shops B and C (issue 3).

Runs the real sync worker (a QThread on its timer, at the default interval) against three
sandbox shops on loopback. Every 3 seconds a customer buys one unit of another item on shop
A; a watcher polls B and C until both show one unit less. Target: p95 ≤ interval + 3 s.
Last line: {"interval_s", "p50_s", "p95_s"}.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from world import fresh_shop, start_shops

from app.services.channel_sync import DEFAULT_INTERVAL_S
from app.services.channels import adapter_for
from app.sync.worker import SyncThread

ORDERS, EVERY_S, STOCK = 50, 3.0, 30


def main() -> None:
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication([])  # noqa: F841 - Qt needs it for the worker's thread and timers
    codes = [f"L{n:03d}" for n in range(ORDERS)]
    shop = fresh_shop(dict.fromkeys(codes, STOCK))
    servers = start_shops(shop, ["A", "B", "C"], dict.fromkeys(codes, 0))
    sync = SyncThread(shop, adapter_for)
    sync.start()
    session = requests.Session()

    def shown(name: str, code: str) -> int | None:
        body = session.get(f"{servers[name].url}/api/stock", timeout=5).json()
        return next((i["quantity"] for i in body["items"] if i["sku"] == code), None)

    deadline = time.monotonic() + 60
    while any(shown(n, codes[0]) != STOCK for n in "ABC") and time.monotonic() < deadline:
        time.sleep(0.2)  # the first push

    latencies: list[float] = []
    lock = threading.Lock()

    def watch(code: str, accepted_at: float) -> None:
        own = requests.Session()
        while time.monotonic() - accepted_at < 120:
            quantities = []
            for name in "BC":
                body = own.get(f"{servers[name].url}/api/stock", timeout=5).json()
                quantities += [i["quantity"] for i in body["items"] if i["sku"] == code]
            if quantities == [STOCK - 1, STOCK - 1]:
                with lock:
                    latencies.append(time.monotonic() - accepted_at)
                return
            time.sleep(0.05)

    watchers = []
    for code in codes:
        answer = session.post(f"{servers['A'].url}/api/orders", timeout=5,
                              json={"lines": [{"sku": code, "quantity": 1}]})
        assert answer.status_code == 201, answer.text
        watcher = threading.Thread(target=watch, args=(code, time.monotonic()))
        watcher.start()
        watchers.append(watcher)
        time.sleep(EVERY_S)
    for watcher in watchers:
        watcher.join()
    sync.stop()
    for server in servers.values():
        server.stop()
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"orders measured: {len(latencies)} of {ORDERS}")
    print(json.dumps({"interval_s": DEFAULT_INTERVAL_S,
                      "p50_s": round(statistics.median(latencies), 2), "p95_s": round(p95, 2)}))


if __name__ == "__main__":
    main()
