"""A shop with all of them (issue 11, section 5): every channel double found in tests/doubles
(the sandbox and each real channel's) connected to one shop, and a seeded hour of simulated
customers: orders of singles and sets, whole and partial cancellations, a number changed by
hand on one channel, an expired token everywhere and revoked credentials on another channel,
throttling now and then.

Only the ``ChannelDouble`` protocol and discovery are used, so a double added to tests/doubles
joins the hour as it is. The expected ledger is worked out here from the orders placed, apart
from Rendo: on hand = start − units still ordered, through the sets' recipes.

The engine's clock is simulated (one poll interval a step). The HTTP client's own waits (its
pacing of calls, a short Retry-After within a call) are counted instead of slept: real pacing
would make the hour an hour; the engine's own wait for a longer Retry-After stays (simulated).
"""

from __future__ import annotations

import inspect
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from doubles.discovery import double_makers
from doubles.protocol import ChannelDouble

from app.channels.base import STOPPING_KINDS, ChannelError, ErrorKind
from app.channels.http import HttpClient
from app.services.channel_sync import resolve_drift, set_interval
from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.database import close_database
from app.store.models import AppliedLineRow, ChannelRow, ChannelSyncRow, ItemRow, MovementRow
from app.sync.engine import CycleReport
from app.sync.state import channel_statuses, listings_of, problem_listings, unsettled_listings

from .test_contract import Rig, forget_cursor

MAKERS = double_makers()
# the doubles present when this test was written; the others (楽天, Yahoo!, Amazon) join
# the hour as soon as their modules are in tests/doubles
EXPECTED_AT_LEAST = {"base", "sandbox", "shopify", "woocommerce"}

SEED = int(os.environ.get("RENDO_E2E_SEED", "11"))  # another seed: another hour
HOUR_S = 3600
INTERVAL_S = 30  # every channel's poll interval: one step of the hour
SINGLES = {"S1": 150, "S2": 250, "S3": 120, "S4": 80, "S5": 60}
SETS = {"PAIR": [("S1", 1), ("S2", 2)], "GIFT": [("PAIR", 1), ("S3", 1)]}  # a set of a set
CODES = [*SINGLES, *SETS]


def units(code: str, quantity: int) -> Counter[str]:
    """The singles *quantity* of *code* take, down through nested sets."""
    if code not in SETS:
        return Counter({code: quantity})
    found: Counter[str] = Counter()
    for part, per in SETS[code]:
        found += units(part, quantity * per)
    return found


@dataclass
class Placed:
    """An order a customer placed, as the test (not Rendo) keeps it."""

    channel: str
    order_id: str
    lines: dict[str, int]
    cancelled: Counter[str] = field(default_factory=Counter)  # units given back per line
    cancel_events: Counter[str] = field(default_factory=Counter)  # cancellations per line
    whole: bool = False  # the whole order cancelled

    def live(self, code: str) -> int:
        return 0 if self.whole else self.lines[code] - self.cancelled[code]

    def singles(self) -> Counter[str]:
        taken: Counter[str] = Counter()
        for code in self.lines:
            taken += units(code, self.live(code))
        return taken


class SimulatedTime:
    """The channels' own clocks on the hour's simulated time, as bench/channels.py runs them:
    the HTTP clients' waits (Retry-After within a call, back-off) are counted instead of
    slept and their pacing of calls left out (a few calls a cycle, 30 s apart), and every
    clock in seconds (a double's leaky bucket, an adapter's cost bucket, call allowance per
    hour, token expiry) runs on by those waits and by the engine's clock. Real pacing and
    real hours would make the hour an hour."""

    def __init__(self, rig: Rig) -> None:
        self.rig, self.asked = rig, 0.0
        self.start = rig.clock.now
        self.shifted: set[int] = set()

    def offset(self) -> float:
        return self.asked + (self.rig.clock.now - self.start).total_seconds()

    def make(self, make: Callable[..., ChannelDouble]) -> ChannelDouble:
        if "clock" in inspect.signature(make).parameters:
            return make(clock=lambda: time.time() + self.offset())
        return make()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def sleep(client: HttpClient, seconds: float) -> None:
            self.asked += max(0.0, seconds)
            client._check_cancelled()

        monkeypatch.setattr(HttpClient, "sleep", sleep)
        monkeypatch.setattr(HttpClient, "_wait_for_slot", lambda client: None)

    def adapters(self) -> None:
        """Each channel's adapter (a new one after new credentials) on the simulated time."""
        for row in ChannelRow.select():
            try:
                adapter = self.rig.pool.get(row)
            except ChannelError:
                continue
            if adapter is None or id(adapter) in self.shifted:
                continue
            self.shifted.add(id(adapter))
            for holder in (adapter, getattr(adapter, "api", None)):
                clock = getattr(holder, "clock", None)
                if callable(clock) and isinstance(clock(), float):  # seconds, not a date
                    holder.clock = lambda clock=clock: clock() + self.offset()


class ShopRig(Rig):
    """The contract suite's rig, its channels on the simulated time."""

    time: SimulatedTime


@pytest.fixture
def every_channel(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopRig]:
    """One channel per double found (named after its type), each listing every item, the
    first push done and every channel in step."""
    rig = ShopRig(shop, make=next(iter(MAKERS.values())))  # (doubles made below, by type)
    rig.time = SimulatedTime(rig)
    rig.time.install(monkeypatch)
    try:
        for code, on_hand in SINGLES.items():
            shop.add_item(code, f"item {code}")
            shop.adjust(code, f"+{on_hand}", "receive")
        for code, parts in SETS.items():
            shop.define_set(code, parts)
        for name, make in MAKERS.items():
            double = rig.time.make(make)
            double.start()
            rig.started.append(double)
            for code in CODES:
                double.add_listing(code, 0)
            rig.connect(name, double)
            set_interval(name, INTERVAL_S)
        rig.time.adapters()
        reports = rig.sync()
        assert reports and all(r.ok for r in reports), [r.error for r in reports]
        for name in rig.doubles:
            rig.assert_in_step(name, CODES)
        yield rig
    finally:
        rig.close()


class Customers:
    """Seeded customers and staff acting on the channels themselves."""

    def __init__(self, rig: Rig, rng: random.Random) -> None:
        self.rig, self.rng = rig, rng
        self.placed: list[Placed] = []
        self.hands_off: tuple[str, str] | None = None  # (channel, code) nobody buys now

    def buy(self) -> None:
        name = self.rng.choice(sorted(self.rig.doubles))
        double = self.rig.doubles[name]
        lines: dict[str, int] = {}
        for code in self.rng.sample(CODES, self.rng.randint(1, 3)):
            shown = double.quantity(code) or 0
            if shown > 0 and (name, code) != self.hands_off:
                lines[code] = self.rng.randint(1, min(3, shown))  # never more than shown
        if lines:
            order_id = double.place_order(list(lines.items()))
            self.placed.append(Placed(name, order_id, lines))

    def cancel_one(self) -> None:
        open_orders = [p for p in self.placed if not p.whole and not self._held(p)]
        if open_orders:
            order = self.rng.choice(open_orders)
            self.rig.doubles[order.channel].cancel_order(order.order_id)
            order.whole = True
            for code in order.lines:
                order.cancel_events[code] += 1

    def cancel_part(self) -> None:
        lines = [(p, code) for p in self.placed for code in p.lines
                 if p.live(code) >= 2 and not self._held(p)]
        if lines:
            order, code = self.rng.choice(lines)
            part = self.rng.randint(1, order.live(code) - 1)
            self.rig.doubles[order.channel].cancel_units(order.order_id, code, part)
            order.cancelled[code] += part
            order.cancel_events[code] += 1

    def _held(self, order: Placed) -> bool:
        """The order has a line of the listing nobody touches now (a cancellation would put
        units back on the number the owner changed by hand)."""
        return self.hands_off is not None and order.channel == self.hands_off[0] and (
            self.hands_off[1] in order.lines)

    def act(self) -> None:
        for _ in range(self.rng.choice([0, 1, 1, 2])):
            self.buy()
        if self.rng.random() < 0.12:
            self.cancel_one()
        if self.rng.random() < 0.15:
            self.cancel_part()


def drift_of(name: str, code: str) -> int | None:
    return next((v.drift_qty for v in listings_of(code) if v.channel == name), None)


def check_drift_now(name: str) -> None:
    """The channel's next cycle reads its numbers back (as on the drift schedule)."""
    ChannelSyncRow.update(last_drift_check_at=None).where(
        ChannelSyncRow.channel == ChannelRow.get(ChannelRow.name == name)).execute()


def is_stopped(name: str) -> bool:
    return next(s for s in channel_statuses() if s.name == name).stopped


@pytest.mark.slow
def test_an_hour_of_orders_on_every_channel_moves_each_unit_once(every_channel, rendo):
    rig = every_channel
    assert set(rig.doubles) >= EXPECTED_AT_LEAST, sorted(rig.doubles)
    rng = random.Random(SEED)
    customers = Customers(rig, rng)
    names = sorted(rig.doubles)
    staff_channel, revoked_channel = rng.sample(names, 2)
    staff_code = rng.choice(list(SINGLES))
    steps = HOUR_S // INTERVAL_S
    staff_step, expire_step, revoke_step = steps // 4, steps // 3, steps // 2
    restore_step, calm_from = revoke_step + 8, steps - 20  # no faults in the last 10 minutes
    reports: list[CycleReport] = []
    edited: int | None = None
    resolve_at: int | None = None

    for step in range(steps):
        rig.clock.advance(INTERVAL_S)
        customers.act()
        if step < calm_from and rng.random() < 0.08:
            victim = rng.choice([n for n in names if n != staff_channel])
            rig.doubles[victim].throttle(rng.randint(1, 3))
        if step == staff_step:
            # the owner changes one number by hand on one channel; nobody buys (or cancels) it
            # there until the owner has decided, so that the channel's number is the owner's
            double = rig.doubles[staff_channel]
            edited = (double.quantity(staff_code) or 0) + 7
            double.set_quantity(staff_code, edited)
            customers.hands_off = (staff_channel, staff_code)
            check_drift_now(staff_channel)
        if step == expire_step:
            for double in rig.doubles.values():
                double.expire_access_token()  # channels that refresh renew it themselves
        if step == revoke_step:
            rig.doubles[revoked_channel].revoke_credentials()
        if step == restore_step:
            new = dict(rig.doubles[revoked_channel].credentials)  # made by the owner
            rig.shop.set_credentials(revoked_channel, new)
        rig.time.adapters()
        done = rig.engine.run_due()
        reports += done

        # an expired token is renewed by the channels that refresh: only the revoked
        # credentials stop a channel, that one alone, until the owner's new ones
        revoked = revoke_step <= step < restore_step
        assert {n for n in names if is_stopped(n)} <= ({revoked_channel} if revoked else set())
        if revoked:
            ran = [r for r in done if r.channel == revoked_channel]
            assert all(r.error_kind in STOPPING_KINDS for r in ran if not r.ok)
            assert is_stopped(revoked_channel) or not ran  # stopped at its first cycle
        if edited is not None and resolve_at is None:
            # shown as changed by hand, never overwritten
            assert rig.doubles[staff_channel].quantity(staff_code) == edited
            if drift_of(staff_channel, staff_code) == edited:
                resolve_at = step + 4
            elif step > staff_step + 6:
                raise AssertionError("the number changed by hand was not seen as drift")
            else:
                check_drift_now(staff_channel)  # its cycle did not run (throttled)
        if step == resolve_at:
            assert rig.doubles[staff_channel].quantity(staff_code) == edited
            assert [(v.channel, v.code) for v in problem_listings()] == [
                (staff_channel, staff_code)]
            resolve_drift(rig.shop, staff_channel, staff_code, take_channel=False)
            customers.hands_off = None
    assert resolve_at is not None and resolve_at < steps
    assert any(r.error_kind in STOPPING_KINDS for r in reports if r.channel == revoked_channel)
    assert any(r.error_kind == ErrorKind.RATE_LIMITED.value for r in reports)  # throttled

    settle(rig, done)
    expected = dict(SINGLES)  # worked out from the orders placed, apart from Rendo
    for order in customers.placed:
        for code, count in order.singles().items():
            expected[code] -= count
    on_hand = {code: rig.on_hand(code) for code in SINGLES}
    assert on_hand == expected
    every_order_once(customers.placed)

    # the same orders read again from the start: nothing moves twice
    for name in names:
        forget_cursor(name)
    rig.settle(1)
    assert {code: rig.on_hand(code) for code in SINGLES} == on_hand
    every_order_once(customers.placed)

    for name in names:
        rig.assert_in_step(name, CODES)
    rig.no_false_changes()  # a read-back of every channel: no drift, nothing suspended
    assert unsettled_listings() == []
    for name in names:
        rig.assert_in_step(name, CODES)
        assert sum(rig.target(name, code) for code in CODES) > 0  # in step at numbers, not 0s
    assert check_ledger() == []
    assert len(customers.placed) > 40 and sum(
        bool(p.cancel_events) for p in customers.placed) > 5
    assert {p.channel for p in customers.placed} == set(names)

    rig.close()
    close_database()
    checked = rendo("check")
    assert checked.code == 0, checked.err


def settle(rig: ShopRig, last: list[CycleReport]) -> None:
    """Polls go on, without new orders or faults, until every channel's cycle succeeds and
    reads its orders (Amazon's allowance leaves them for a later poll, minutes on). A channel
    told to wait (BASE's hour of calls spent: each throttled call is an hour) is polled when
    its wait is over."""
    deferred = {r.channel for r in last if r.orders_deferred}
    for _ in range(30):
        failing = [s for s in channel_statuses() if s.failures or s.stopped]
        if not failing and not deferred:
            break
        waits = [s.next_sync_at for s in failing if s.next_sync_at is not None]
        rig.clock.now = max([rig.clock.now + timedelta(seconds=INTERVAL_S), *waits])
        rig.time.adapters()
        deferred = {r.channel for r in rig.engine.run_due() if r.orders_deferred}
    else:
        raise AssertionError([(s.name, s.last_error) for s in failing] + sorted(deferred))
    rig.settle(2)


def every_order_once(placed: list[Placed]) -> None:
    """Each order line applied once at what is left of it; each unit moved once, each
    cancellation given back at most once per cancellation on the channel."""
    for order in placed:
        channel = ChannelRow.get(ChannelRow.name == order.channel)
        applied = Counter()
        for row in (AppliedLineRow.select(AppliedLineRow, ItemRow).join(ItemRow)
                    .where(AppliedLineRow.channel == channel,
                           AppliedLineRow.order_id == order.order_id)):
            applied[row.item.code] += row.quantity
        wanted = Counter({code: order.live(code) for code in order.lines})
        assert +applied == +wanted, (order, dict(applied))
        moved: Counter[str] = Counter()
        orders: Counter[tuple[str, str]] = Counter()
        cancels: Counter[tuple[str, str]] = Counter()
        for reference, code, delta, reason in (
                MovementRow.select(MovementRow.reference, ItemRow.code, MovementRow.delta,
                                   MovementRow.reason).join(ItemRow)
                .where(MovementRow.reference.startswith(f"{order.channel}:{order.order_id}:"))
                .tuples()):
            moved[code] -= delta
            (orders if reason == "order" else cancels)[(reference, code)] += 1
        assert +moved == +order.singles() and -moved == Counter(), (order, dict(moved))
        assert all(count == 1 for count in orders.values()), (order, orders)
        assert len({reference for reference, _ in orders}) <= len(order.lines)
        most_cancels = max(order.cancel_events.values(), default=0)
        assert all(count <= most_cancels for count in cancels.values()), (order, cancels)

