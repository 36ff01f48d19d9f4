"""Recompute benchmark (issue 2): full and incremental recompute of a large catalogue.

Builds 100,000 singles, 20,000 sets of 2–5 components (a tenth of them nested), 5 channels
and half the items on allocation patterns, then measures:
- full_s: one full recompute of every item;
- incremental_ms: median time to apply one order line (the movements it writes and the
  recompute of the touched singles and the sets containing them), over 1,000 lines;
- peak_mb: the process's peak resident memory.
Prints one JSON object as its last line. Targets: full ≤ 2 s, incremental ≤ 5 ms,
peak ≤ 500 MB.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.allocation import AllocationPattern, parse_tier
from app.domain.book import StockBook
from app.domain.items import Item
from app.domain.offsets import parse_offset
from app.domain.orders import OrderLine, plan_line
from app.domain.pipeline import ChannelSpec

SINGLES, SETS, CHANNELS = 100_000, 20_000, ["rakuten", "yahoo", "amazon", "shopify", "base"]


def build(rng: random.Random) -> StockBook:
    book = StockBook(channels=[ChannelSpec(c, maximum=99_999) for c in CHANNELS])
    book.patterns["low"] = AllocationPattern(
        "low",
        (parse_tier("<=5:rakuten=same,yahoo=0,amazon=0,shopify=0,base=0"),
         parse_tier("<=20:rakuten=40%,yahoo=20%,amazon=20%,shopify=10%,base=10%")),
        tuple(CHANNELS),
    )
    book.patterns["half"] = AllocationPattern(
        "half", (parse_tier("<=50:rakuten=50%,amazon=3,base=30%"),), ("amazon", "rakuten"), True
    )
    patterns = [None, "low", None, "half"]
    for n in range(SINGLES):
        code = f"{n:07d}"
        item = Item(code, f"item {n}", reserved=rng.choice((0, 0, 1)),
                    backorder_allowance=rng.choice((0, 0, 0, 2)), reorder_point=5,
                    pattern=patterns[n % 4])
        book.add_item(item, rng.randint(0, 60))
        if n % 10 == 0:
            book.offsets[code] = parse_offset(rng.choice(("+5", "-2", "3")))  # type: ignore[assignment]
    singles = list(book.items)
    sets: list[str] = []
    for n in range(SETS):
        code = f"SET{n:06d}"
        book.add_item(Item(code, f"set {n}", pattern=patterns[n % 4]))
        pool = sets if n % 10 == 9 and len(sets) > 10 else singles
        parts = rng.sample(singles, rng.randint(1, 4)) + rng.sample(pool, 1)
        book.define_set(code, [(c, rng.randint(1, 3)) for c in dict.fromkeys(parts)])
        sets.append(code)
    return book


def main() -> None:
    rng = random.Random(20261123)
    book = build(rng)
    started = time.perf_counter()
    book.recompute_all()
    full_s = time.perf_counter() - started

    codes = list(book.items)
    timings: list[float] = []
    for n in range(1_000):
        code = rng.choice(codes)
        line = OrderLine("rakuten", f"order{n}", "1", code, rng.randint(1, 3))
        started = time.perf_counter()
        plan = plan_line(line, None, code, book.components)
        assert plan is not None
        touched: set[str] = set()
        for single, delta in plan.movements.items():
            book.on_hand[single] = book.on_hand.get(single, 0) + delta
            touched.add(single)
        book.recompute(touched)
        timings.append(time.perf_counter() - started)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"items: {len(book.items)}, channels: {len(CHANNELS)}")
    print(f"incremental p95 ms: {sorted(timings)[949] * 1000:.3f}")
    print(json.dumps({
        "full_s": round(full_s, 3),
        "incremental_ms": round(statistics.median(timings) * 1000, 3),
        "peak_mb": round(peak_mb, 1),
    }))


if __name__ == "__main__":
    main()
