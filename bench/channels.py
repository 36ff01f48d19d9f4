"""Each channel type against its local double (tests/doubles) with 10,000 listings (issue 10).

For every double found (the contract suite's discovery), two channels "A" and "B" of that type
list the same 10,000 items, and the script measures:

- ``calls_0``, ``calls_1``, ``calls_500``: HTTP requests the double received during one cycle
  of channel A when 0, 1 and 500 items changed since the last one (the drift read-back is
  left out: it runs every 10 minutes, not every cycle). Target: nothing but the order reads
  when nothing changed, and ``minimum_500`` = ceil(500 / the double's batch limit) writes
  (plus the order reads) for 500.
- ``first_sync_s``: A's first sync (the read-back of 10,000 listings, its orders, a push of
  all 10,000 numbers) on a simulated clock under the channel's published rate limit. Model:
  every request costs 1 / ``limits.requests_per_second`` of the channel type (its published
  steady rate; a burst allowance is ignored, which favours no channel), so the time is the
  requests counted by the double divided by that rate, plus every wait the channel asked for
  (Retry-After, throttling) which the HTTP client would have slept. The HTTP client's own
  spacing and sleeps are replaced by this arithmetic, so the run takes seconds, not hours;
  the loopback time itself is left out.
- ``p95_s``: order-to-every-channel latency at the default poll interval
  (``DEFAULT_INTERVAL_S``). A customer orders on A at a uniformly random moment of A's poll
  interval; Rendo reads it at A's next poll and pushes the new number to B at once (as
  ``run_due`` does after orders touched stock). Latency = the wait for that poll (simulated)
  + the requests of A's cycle and of the push to B at the published rate (as above) +
  Rendo's own processing, measured (wall time of the cycle and the push). 40 real orders give
  the cost after the poll; 10,000 seeded draws (a uniform wait plus one of those costs) give
  the p95.

Last line: a JSON list, one object per channel type:
``{"channel", "calls_0", "calls_1", "calls_500", "minimum_500", "first_sync_s", "p95_s"}``.
``python bench/channels.py sandbox`` runs only the doubles named.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

import keyring  # noqa: E402
from doubles.discovery import double_makers  # noqa: E402
from doubles.protocol import ChannelDouble  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from world import fresh_shop  # noqa: E402

from app.channels.http import HttpClient  # noqa: E402
from app.channels.registry import channel_type  # noqa: E402
from app.services.channel_sync import DEFAULT_INTERVAL_S, choose_first  # noqa: E402
from app.services.channels import AdapterPool  # noqa: E402
from app.services.shop import Shop  # noqa: E402
from app.store.database import close_database  # noqa: E402
from app.store.models import ChannelRow  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402

# RENDO_BENCH_LISTINGS: fewer listings for a channel that cannot list 10,000 (none now: Amazon
# reads past searchListingsItems' 1,000 through its listings report)
LISTINGS = int(os.environ.get("RENDO_BENCH_LISTINGS", "10000"))
STOCK, ORDERS, DRAWS, SEED = 20, 40, 10_000, 7


class MemoryKeyring(KeyringBackend):
    """Credentials kept in this process: the benchmark never writes to the PC's keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


class AskedWaits:
    """The seconds the channels asked the HTTP clients to wait, added up instead of slept."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def install(self) -> None:
        waits = self

        def sleep(client: HttpClient, seconds: float) -> None:
            waits.seconds += max(0.0, seconds)
            client._check_cancelled()

        # The client's own spacing of calls is the model's 1 / requests_per_second.
        HttpClient._wait_for_slot = lambda client: None  # type: ignore[method-assign]
        HttpClient.sleep = sleep  # type: ignore[method-assign]


def on_simulated_time(make: Callable[..., ChannelDouble], waits: AskedWaits) -> ChannelDouble:
    """A double whose clock (a leaky bucket's refill) runs on by the waits asked, as the
    client's sleeps would have let it."""
    if "clock" in inspect.signature(make).parameters:
        return make(clock=lambda: time.time() + waits.seconds)
    return make()


def shift_clocks(adapter: object, waits: AskedWaits) -> None:
    """The adapter's own clocks run on by the waits asked too (Shopify's cost bucket, BASE's
    hour): the simulated time of the run."""
    for holder in (adapter, getattr(adapter, "api", None)):
        clock = getattr(holder, "clock", None)
        if callable(clock) and isinstance(clock(), float):  # seconds, not a date
            holder.clock = lambda clock=clock: clock() + waits.seconds


def renew_allowance(pool: AdapterPool, channel: str, double: ChannelDouble) -> None:
    """The next window of a channel that counts its calls (BASE's hour), without waiting it."""
    adapter = pool.get(ChannelRow.get(ChannelRow.name == channel))
    budget = getattr(adapter, "calls_budget", None)
    if budget is not None:
        adapter.calls_budget = type(budget)()  # type: ignore[union-attr]
    if hasattr(double, "used"):
        double.used.clear()


def measure(name: str, make: Callable[[], ChannelDouble], waits: AskedWaits) -> dict[str, object]:
    codes = [f"{n:05d}" for n in range(LISTINGS)]
    shop: Shop = fresh_shop(dict.fromkeys(codes, STOCK))
    doubles: dict[str, ChannelDouble] = {}
    for channel in ("A", "B"):
        double = on_simulated_time(make, waits)
        double.start()
        for code in codes:
            double.add_listing(code, 0)
        shop.add_channel(channel, double.type, settings={**double.settings, "url": double.url},
                         credentials=dict(double.credentials))
        choose_first(channel, "push")
        doubles[channel] = double
    record = channel_type(doubles["A"].type)
    assert record is not None, doubles["A"].type
    rate = record.limits.requests_per_second
    pool = AdapterPool()
    # a first sync of 10,000 one-call listings takes longer than a cycle's wall-time limit
    engine = SyncEngine(shop, pool, drift_every=timedelta(days=1), cycle_deadline_s=7200)
    for channel in ("A", "B"):  # the adapters' own clocks (cost buckets, hourly windows)
        shift_clocks(pool.get(ChannelRow.get(ChannelRow.name == channel)), waits)
    a, b = doubles["A"], doubles["B"]
    try:
        def cycle(channel: str) -> tuple[int, float, float]:
            """Requests to the channel's double, seconds asked to wait, wall seconds.

            A channel whose own allowance defers the rest of an upload (BASE: calls an hour)
            is cycled again at once with its allowance renewed, as the next windows would:
            its published rate (``requests_per_second``) already prices those hours."""
            calls, asked, started = len(doubles[channel].calls), waits.seconds, time.monotonic()
            for _ in range(100):
                report = engine.run_cycle(channel)
                assert report.ok, report.error
                if not report.uploads_left:
                    break
                renew_allowance(pool, channel, doubles[channel])
            return (len(doubles[channel].calls) - calls, waits.seconds - asked,
                    time.monotonic() - started)

        first_calls, first_waits, first_wall = cycle("A")
        assert a.quantity(codes[-1]) == STOCK, "the first push did not reach the channel"
        first_sync_s = first_calls / rate + first_waits
        cycle("B")
        cycle("A")  # settled

        calls_0 = cycle("A")[0]
        shop.adjust(codes[0], "+1", "receive")
        calls_1 = cycle("A")[0]
        for code in codes[1:501]:
            shop.adjust(code, "+1", "receive")
        calls_500 = cycle("A")[0]
        cycle("B")  # B catches up with the changes, outside the latency samples
        minimum_500 = math.ceil(500 / a.batch_limit)

        costs = []  # from A's poll to B showing the new number
        for code in codes[-ORDERS:]:
            a.place_order([(code, 1)])
            calls, asked, started = len(a.calls) + len(b.calls), waits.seconds, time.monotonic()
            report = engine.run_cycle("A")
            push = engine.upload_only("B")
            wall = time.monotonic() - started
            assert report.ok and push.ok and push.uploaded, (report.error, push.error)
            assert b.quantity(code) == STOCK - 1, code
            sent = len(a.calls) + len(b.calls) - calls
            costs.append(sent / rate + (waits.seconds - asked) + wall)
        rng = random.Random(SEED)  # the order's moment within A's poll interval
        latencies = sorted(rng.uniform(0, DEFAULT_INTERVAL_S) + rng.choice(costs)
                           for _ in range(DRAWS))
        p95 = latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)]
    finally:
        pool.close()
        for double in doubles.values():
            double.stop()
        close_database()
    print(f"{name}: {LISTINGS} listings, batch limit {a.batch_limit}, {rate:g} requests/s; "
          f"first sync {first_calls} requests ({first_wall:.1f} s here), calls per cycle "
          f"0/1/500 changed: {calls_0}/{calls_1}/{calls_500} (minimum {minimum_500} writes), "
          f"after A's poll {min(costs):.2f}-{max(costs):.2f} s; order to every channel p95 "
          f"{p95:.2f} s at a {DEFAULT_INTERVAL_S} s interval",
          flush=True)
    return {"channel": name, "calls_0": calls_0, "calls_1": calls_1, "calls_500": calls_500,
            "minimum_500": minimum_500, "first_sync_s": round(first_sync_s, 1),
            "p95_s": round(p95, 2)}


def main(names: list[str]) -> None:
    keyring.set_keyring(MemoryKeyring())
    waits = AskedWaits()
    waits.install()
    makers = double_makers()
    unknown = [n for n in names if n not in makers]
    if unknown:
        sys.exit(f"channels.py: no double named {', '.join(unknown)} in tests/doubles "
                 f"(there are: {', '.join(makers)})")
    results = [measure(name, make, waits) for name, make in makers.items()
               if not names or name in names]
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
