"""Each channel type against its local double (tests/doubles) with 10,000 listings (issue 10).

For every double found (the contract suite's discovery), two channels "A" and "B" of that type
list the same 10,000 items, and the script measures:

- ``calls_0``, ``calls_1``, ``calls_500``: HTTP requests the double received during one cycle
  of channel A when 0, 1 and 500 items changed since the last one (the drift read-back is
  left out: it runs every 10 minutes, not every cycle). Target: nothing but the order reads
  when nothing changed, and ``minimum_500`` = ceil(500 / the double's batch limit) writes
  (plus the order reads) for 500; a double that declares ``bulk_write = (listings,
  requests)`` (Amazon's JSON listings feed: 10,000 listings in three requests, create the
  document, upload it, create the feed) gives ceil(500 / listings) × requests instead.
- A cycle counts only once it is complete: its orders read (a channel whose allowance leaves
  them for a later poll, Amazon's ``OrderPage.deferred``, or that answers RATE_LIMITED, is
  polled again after the poll interval or the wait it asked for, on the simulated clock) and
  the numbers it pushed shown on the channel (``read_back``: an asynchronous channel, Amazon,
  answers ACCEPTED now and applies later; Rendo's read of those listings confirms them, and
  its calls count in the cycle's).
- ``first_sync_s``: A's first sync (the read-back of 10,000 listings, its orders, a push of
  all 10,000 numbers) on a simulated clock under the channel's published rate limit. Model:
  every request costs 1 / ``limits.requests_per_second`` of the channel type (its published
  steady rate; a burst allowance is ignored, which favours no channel), so the time is the
  requests counted by the double divided by that rate, plus every wait the channel asked for
  (Retry-After, throttling) which the HTTP client would have slept. The HTTP client's own
  spacing and sleeps are replaced by this arithmetic, so the run takes seconds, not hours;
  the loopback time itself is left out. Amazon's adapter keeps each operation's own usage
  plan (a token bucket it waits on for up to two seconds): those waits move the simulated
  clock but are not added (the 1 / rate per request prices them already); the polls spent
  waiting for an allowance or for a write to be applied are added.
- ``p95_s``: order-to-every-channel latency at the default poll interval
  (``DEFAULT_INTERVAL_S``). A customer orders on A at a uniformly random moment of A's poll
  interval; Rendo reads it at A's next poll and pushes the new number to B at once (as
  ``run_due`` does after orders touched stock). Latency = the wait for that poll (simulated)
  + the requests of A's cycle and of the push to B at the published rate (as above) +
  Rendo's own processing, measured (wall time of the cycle and the push). 40 real orders give
  the cost after the poll; 10,000 seeded draws (a uniform wait plus one of those costs) give
  the p95. Where A's order reads wait for its allowance (Amazon: searchOrders, one call every
  three minutes after a burst), the uniform wait is over the time between two order reads
  measured for that order (the poll interval plus the polls spent waiting), not the interval.

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
from peewee import fn  # noqa: E402
from world import fresh_shop  # noqa: E402

from app.channels.amazon.api import SpApi  # noqa: E402
from app.channels.base import ErrorKind  # noqa: E402
from app.channels.http import HttpClient  # noqa: E402
from app.channels.registry import channel_type  # noqa: E402
from app.services.channel_sync import DEFAULT_INTERVAL_S, choose_first, sync_row  # noqa: E402
from app.services.channels import AdapterPool  # noqa: E402
from app.services.shop import Shop  # noqa: E402
from app.store.database import close_database  # noqa: E402
from app.store.models import ChannelRow, ListingRow, utcnow  # noqa: E402
from app.sync.engine import CycleReport, SyncEngine  # noqa: E402

# RENDO_BENCH_LISTINGS: fewer listings for a channel that cannot list 10,000 (none now: Amazon
# reads past searchListingsItems' 1,000 through its listings report)
LISTINGS = int(os.environ.get("RENDO_BENCH_LISTINGS", "10000"))
STOCK, ORDERS, DRAWS, SEED = 20, 40, 10_000, 7
POLLS = 200  # polls a cycle may take to complete (orders read, pushed numbers shown)


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
    """The simulated time: the seconds the channels asked the HTTP clients to wait, added up
    instead of slept (``seconds``); the polls passed waiting for a channel's allowance or for
    it to apply a write (``idle``); an adapter's own pacing (``paced``: it moves the clock,
    but 1 / requests_per_second already prices it)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.idle = 0.0
        self.paced = 0.0
        self.pacing = False

    @property
    def counted(self) -> float:
        """Seconds that count in the figures."""
        return self.seconds + self.idle

    @property
    def offset(self) -> float:
        """Seconds the simulated clocks are ahead of the real one."""
        return self.seconds + self.idle + self.paced

    def install(self) -> None:
        waits = self

        def sleep(client: HttpClient, seconds: float) -> None:
            if waits.pacing:
                waits.paced += max(0.0, seconds)
            else:
                waits.seconds += max(0.0, seconds)
            client._check_cancelled()

        # The client's own spacing of calls is the model's 1 / requests_per_second.
        HttpClient._wait_for_slot = lambda client: None  # type: ignore[method-assign]
        HttpClient.sleep = sleep  # type: ignore[method-assign]
        pace = SpApi._pace

        def paced(api: SpApi, operation: str) -> None:
            """Amazon's per-operation buckets: its own spacing of calls, as above."""
            waits.pacing = True
            try:
                pace(api, operation)
            finally:
                waits.pacing = False

        SpApi._pace = paced  # type: ignore[method-assign]


def on_simulated_time(make: Callable[..., ChannelDouble], waits: AskedWaits) -> ChannelDouble:
    """A double whose clock (a leaky bucket's refill) runs on by the waits asked, as the
    client's sleeps would have let it."""
    if "clock" in inspect.signature(make).parameters:
        return make(clock=lambda: time.time() + waits.offset)
    return make()


def shift_clocks(adapter: object, waits: AskedWaits) -> None:
    """The adapter's own clocks run on by the waits asked too (Shopify's cost bucket, BASE's
    hour): the simulated time of the run."""
    for holder in (adapter, getattr(adapter, "api", None)):
        clock = getattr(holder, "clock", None)
        if callable(clock) and isinstance(clock(), float):  # seconds, not a date
            holder.clock = lambda clock=clock: clock() + waits.offset


def renew_allowance(pool: AdapterPool, channel: str, double: ChannelDouble) -> None:
    """The next window of a channel that counts its calls (BASE's hour), without waiting it."""
    adapter = pool.get(ChannelRow.get(ChannelRow.name == channel))
    budget = getattr(adapter, "calls_budget", None)
    if budget is not None:
        adapter.calls_budget = type(budget)()  # type: ignore[union-attr]
    if hasattr(double, "used"):
        double.used.clear()


def unconfirmed(channel: str) -> int:
    """Listings of *channel* whose pushed number the channel has not been seen showing yet."""
    return int(ListingRow.select().join(ChannelRow).where(
        ChannelRow.name == channel, fn.LENGTH(ListingRow.pending) > len("[]"),
        ListingRow.suspended == False, ListingRow.missing_at.is_null()).count())  # noqa: E712


def measure(name: str, make: Callable[[], ChannelDouble], waits: AskedWaits) -> dict[str, object]:
    codes = [f"{n:05d}" for n in range(LISTINGS)]
    paced = waits.paced
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
    # a first sync of 10,000 one-call listings takes longer than a cycle's wall-time limit;
    # the engine's clock is the simulated one (a write's time to be applied, the drift check)
    engine = SyncEngine(shop, pool, clock=lambda: utcnow() + timedelta(seconds=waits.offset),
                        drift_every=timedelta(days=1), cycle_deadline_s=7200)
    for channel in ("A", "B"):  # the adapters' own clocks (cost buckets, hourly windows)
        shift_clocks(pool.get(ChannelRow.get(ChannelRow.name == channel)), waits)
    a, b = doubles["A"], doubles["B"]
    try:
        def poll(channel: str, upload_only: bool = False) -> CycleReport:
            """One cycle (or push); a channel that answered RATE_LIMITED is left for the wait
            it asked for (as Rendo schedules it) and polled again."""
            for _ in range(POLLS):
                report = (engine.upload_only(channel) if upload_only
                          else engine.run_cycle(channel))
                if report.ok:
                    return report
                assert report.error_kind == ErrorKind.RATE_LIMITED, report.error
                row = sync_row(ChannelRow.get(ChannelRow.name == channel))
                waits.seconds += max(DEFAULT_INTERVAL_S,
                                     (row.next_sync_at - engine.clock()).total_seconds())
            raise AssertionError(f"{name} {channel}: still rate-limited after {POLLS} polls")

        def read_back(channel: str) -> None:
            """Until the numbers pushed show on the channel: an asynchronous channel (Amazon)
            applies them later, and Rendo's read of those listings confirms them, at a later
            poll."""
            for _ in range(POLLS):
                if not unconfirmed(channel):
                    return
                waits.idle += DEFAULT_INTERVAL_S
                poll(channel)
            raise AssertionError(f"{name} {channel}: no read-back after {POLLS} polls "
                                 f"({unconfirmed(channel)} listings unconfirmed)")

        def cycle(channel: str) -> tuple[int, float, float]:
            """Requests to the channel's double, seconds counted (asked to wait, polls
            waited), wall seconds, of one complete cycle: orders read, numbers shown.

            A channel whose own allowance defers the rest of an upload (BASE: calls an hour)
            is cycled again at once with its allowance renewed, as the next windows would:
            its published rate (``requests_per_second``) already prices those hours. One
            whose order read waits for its allowance (Amazon) is polled again a poll
            interval later: its upload waits for that read."""
            calls, counted, started = (len(doubles[channel].calls), waits.counted,
                                       time.monotonic())
            for _ in range(POLLS):
                report = poll(channel)
                if report.uploads_left:
                    renew_allowance(pool, channel, doubles[channel])
                elif report.orders_deferred:
                    waits.idle += DEFAULT_INTERVAL_S
                else:
                    break
            else:
                raise AssertionError(f"{name} {channel}: orders still deferred after {POLLS} "
                                     "polls")
            read_back(channel)
            return (len(doubles[channel].calls) - calls, waits.counted - counted,
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
        bulk, requests = getattr(a, "bulk_write", (a.batch_limit, 1))
        minimum_500 = math.ceil(500 / bulk) * requests

        costs = []  # from A's poll to B showing the new number
        spacing = []  # A's poll interval, and the polls its order read waited for
        for code in codes[-ORDERS:]:
            a.place_order([(code, 1)])
            calls, started = len(a.calls) + len(b.calls), time.monotonic()
            waited = waits.idle
            for _ in range(POLLS):  # A's poll that reads the order
                if poll("A").orders_applied:
                    break
                # its read waits for the allowance, or the order is not in what the channel
                # lets Rendo read yet (Amazon: orders updated at least two minutes ago)
                waits.idle += DEFAULT_INTERVAL_S
            else:
                raise AssertionError(f"{name}: the order was not read in {POLLS} polls")
            spacing.append(DEFAULT_INTERVAL_S + waits.idle - waited)
            counted = waits.counted
            for _ in range(POLLS):  # the push to B, until B shows it
                push = poll("B", upload_only=True)
                if b.quantity(code) == STOCK - 1:
                    break
                assert push.orders_deferred, (code, b.quantity(code), push.uploaded)
                waits.idle += DEFAULT_INTERVAL_S  # B's upload waits for its order read
            wall = time.monotonic() - started
            sent = len(a.calls) + len(b.calls) - calls
            costs.append(sent / rate + (waits.counted - counted) + wall)
        rng = random.Random(SEED)  # the order's moment between two of A's order reads
        draws = []
        for _ in range(DRAWS):
            moment = rng.random()
            pick = rng.randrange(len(costs))
            draws.append(moment * spacing[pick] + costs[pick])
        latencies = sorted(draws)
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
          f"{p95:.2f} s at a {DEFAULT_INTERVAL_S} s interval (A's orders read every "
          f"{min(spacing):.0f}-{max(spacing):.0f} s; the adapter's own pacing, "
          f"{waits.paced - paced:.0f} s in all, is not added)",
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
