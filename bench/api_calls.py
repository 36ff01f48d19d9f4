"""HTTP calls in one sync cycle for 10,000 listings on 3 shops (issue 3).

Counts the calls of a cycle when 0, 1 and 500 items changed since the last one. Target:
0 changed → only the order reads; 500 changed → the batch minimum per shop (one order read
plus ceil(500 / batch size) uploads). Last line: {"calls_0", "calls_1", "calls_500",
"minimum_500"}.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from world import CountingAdapters, fresh_shop, start_shops

from app.sync.engine import SyncEngine

LISTINGS, SHOPS = 10_000, ["rakuten", "yahoo", "base"]


def main() -> None:
    stock = {f"{n:05d}": 20 + n % 7 for n in range(LISTINGS)}
    shop = fresh_shop(stock)
    servers = start_shops(shop, SHOPS, dict.fromkeys(stock, 0))
    adapters = CountingAdapters()
    engine = SyncEngine(shop, adapters, drift_every=timedelta(days=1))
    engine.run_due(force=True)  # first sync: reads, then pushes every listing
    engine.run_due(force=True)  # settled
    batch = next(iter(adapters.adapters.values())).limits.batch_size

    def cycle() -> int:
        before = adapters.calls()
        engine.run_due(force=True)
        return adapters.calls() - before

    calls_0 = cycle()
    shop.adjust("00000", "+1", "receive")
    calls_1 = cycle()
    for code in list(stock)[1:501]:
        shop.adjust(code, "+1", "receive")
    calls_500 = cycle()
    minimum_500 = len(SHOPS) * (1 + math.ceil(500 / batch))
    for server in servers.values():
        server.stop()
    print(f"listings: {LISTINGS} on {len(SHOPS)} shops, batch size {batch}")
    print(json.dumps({"calls_0": calls_0, "calls_1": calls_1, "calls_500": calls_500,
                      "minimum_500": minimum_500}))


if __name__ == "__main__":
    main()
