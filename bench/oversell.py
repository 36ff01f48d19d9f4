"""Oversold units and lost sales: Rendo at its defaults against a 5-minute baseline (issue 3).

The same seeded burst for both: 3 sandbox shops on loopback, 50 items, 200 orders a minute
falling on 5 of them for 10 minutes, 5 % of orders cancelled a little later. Time is a
simulated clock stepping one second at a time: customers order through the shops' real HTTP
API, and the sync engine runs whenever its schedule says it is due. The baseline polls and
pushes every 5 minutes (the interval of the services shops use today), with no push to the
other shops when an order arrives.

- oversold: units sold beyond the real stock (accepted minus cancelled, over what there was);
- lost: units a customer was refused while the real stock could have served them.
Last line: {"rendo_oversold", "baseline_oversold", "rendo_lost", "baseline_lost"}.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from world import CountingAdapters, SimulatedClock, fresh_shop, start_shops

from app.services.channel_sync import DEFAULT_INTERVAL_S
from app.store.database import close_database
from app.sync.engine import SyncEngine

SHOPS = ["rakuten", "yahoo", "base"]
ITEMS = [f"ITEM{n:02d}" for n in range(50)]
HOT = ITEMS[:5]
STOCK = 60
MINUTES, ORDERS_PER_MINUTE, CANCEL_RATE = 10, 200, 0.05


def burst(seed: int) -> list[tuple[int, str, str, int]]:
    """(second, shop, item, quantity) for every order of the burst, in time order."""
    rng = random.Random(seed)
    orders = []
    for second in range(MINUTES * 60):
        count = sum(rng.random() < ORDERS_PER_MINUTE / 60 / 4 for _ in range(4))
        for _ in range(count):
            orders.append((second, rng.choice(SHOPS), rng.choice(HOT), rng.choice((1, 1, 2))))
    return orders


def run(interval_s: int, push_on_change: bool, seed: int) -> tuple[int, int]:
    shop = fresh_shop(dict.fromkeys(ITEMS, STOCK))
    servers = start_shops(shop, SHOPS, dict.fromkeys(ITEMS, 0), interval_s=interval_s)
    clock = SimulatedClock(datetime(2026, 11, 23, 9, 0, 0))
    engine = SyncEngine(shop, CountingAdapters(), clock=clock,
                        drift_every=timedelta(days=1), push_on_change=push_on_change)
    engine.run_due(force=True)  # the first push, before the customers come
    rng = random.Random(seed + 1)
    session = requests.Session()
    real = dict.fromkeys(ITEMS, STOCK)  # what is really on the shelf
    sold = dict.fromkeys(ITEMS, 0)
    lost = 0
    to_cancel: list[tuple[int, str, str, str, int]] = []
    orders = burst(seed)
    index = 0
    for second in range(MINUTES * 60 + 60):
        clock.now = datetime(2026, 11, 23, 9, 0, 0) + timedelta(seconds=second)
        while index < len(orders) and orders[index][0] == second:
            _, where, code, quantity = orders[index]
            index += 1
            answer = session.post(f"{servers[where].url}/api/orders", timeout=5,
                                  json={"lines": [{"sku": code, "quantity": quantity}]})
            if answer.status_code == 201:
                sold[code] += quantity
                real[code] -= quantity
                if rng.random() < CANCEL_RATE:
                    later = second + rng.randint(20, 120)
                    to_cancel.append((later, where, answer.json()["id"], code, quantity))
            elif real[code] >= quantity:
                lost += quantity
        for due in [c for c in to_cancel if c[0] == second]:
            to_cancel.remove(due)
            _, where, order_id, code, quantity = due
            session.post(f"{servers[where].url}/api/orders/{order_id}/cancel", timeout=5)
            sold[code] -= quantity
            real[code] += quantity
        engine.run_due()
    oversold = sum(max(0, sold[code] - STOCK) for code in ITEMS)
    for server in servers.values():
        server.stop()
    close_database()
    return oversold, lost


def main() -> None:
    seed = 20261123
    rendo = run(DEFAULT_INTERVAL_S, True, seed)
    baseline = run(300, False, seed)
    print(f"orders: {len(burst(seed))} in {MINUTES} min on {len(HOT)} items, "
          f"{len(SHOPS)} shops; Rendo interval {DEFAULT_INTERVAL_S} s, baseline 300 s")
    print(json.dumps({"rendo_oversold": rendo[0], "baseline_oversold": baseline[0],
                      "rendo_lost": rendo[1], "baseline_lost": baseline[1]}))


if __name__ == "__main__":
    main()
