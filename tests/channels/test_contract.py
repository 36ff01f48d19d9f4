"""One set of scenarios, run against every channel's double (tests/doubles: the sandbox and
each real channel's local HTTP double), through Rendo's own services as a shop owner uses them.

Each scenario sets the channel up on its double as the owner would (``add_listing``…), lets
customers order and cancel there, and checks both sides: what the channel shows
(``double.quantity``) and what Rendo holds (stock, listings, the channel's state). Only the
``ChannelDouble`` protocol is used, so a double added to tests/doubles is run here as it is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from doubles.discovery import double_makers
from doubles.protocol import ChannelDouble

from app.channels.base import STOPPING_KINDS, ErrorKind
from app.channels.http import HttpClient
from app.channels.registry import channel_type
from app.i18n import translate_in
from app.services.channel_sync import choose_first, set_interval
from app.services.channel_words import error_words
from app.services.channels import AdapterPool
from app.services.orders import unmatched_lines
from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.models import (
    AppliedLineRow,
    ChannelRow,
    ChannelSyncRow,
    ItemRow,
    MovementRow,
    utcnow,
)
from app.sync.engine import CycleReport, SyncEngine
from app.sync.state import (
    ChannelStatus,
    channel_statuses,
    listings_of,
    problem_listings,
    unsettled_listings,
)

MAKERS = double_makers()
REPO_ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """The engine's clock: it moves only when a scenario says so (polls, back-off)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    """A shop, its sync engine and the channels' doubles of one kind."""

    shop: Shop
    make: Callable[[], ChannelDouble]
    clock: Clock = field(default_factory=Clock)
    pool: AdapterPool = field(default_factory=AdapterPool)
    doubles: dict[str, ChannelDouble] = field(default_factory=dict)
    started: list[ChannelDouble] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = SyncEngine(self.shop, self.pool, clock=self.clock)

    def double(self, listings: dict[str, int] | None = None) -> ChannelDouble:
        """A new double of this kind, running, with these listings."""
        double = self.make()
        double.start()
        self.started.append(double)
        for code, quantity in (listings or {}).items():
            double.add_listing(code, quantity)
        return double

    def stock(self, items: dict[str, int]) -> None:
        for code, on_hand in items.items():
            self.shop.add_item(code, f"item {code}")
            if on_hand:
                self.shop.adjust(code, f"+{on_hand}", "receive")

    def add(self, name: str, double: ChannelDouble) -> None:
        """The owner adds the channel with the double's address and credentials."""
        self.shop.add_channel(name, double.type,
                              settings={**double.settings, "url": double.url},
                              credentials=dict(double.credentials))
        self.doubles[name] = double

    def connect(self, name: str, double: ChannelDouble, first: str = "push") -> None:
        self.add(name, double)
        choose_first(name, first)

    def sync(self, force: bool = True) -> list[CycleReport]:
        return self.engine.run_due(force=force)

    def settle(self, rounds: int = 2) -> list[CycleReport]:
        reports = []
        for _ in range(rounds):
            reports += self.sync()
        return reports

    def on_hand(self, code: str) -> int:
        return self.shop.book.on_hand[code]

    def target(self, name: str, code: str) -> int:
        return self.shop.book.stock[code].channels[name]

    def status(self, name: str) -> ChannelStatus:
        return next(s for s in channel_statuses() if s.name == name)

    def assert_in_step(self, name: str, codes: list[str]) -> None:
        double = self.doubles[name]
        shown = {code: double.quantity(code) for code in codes}
        assert shown == {code: self.target(name, code) for code in codes}, name

    def no_false_changes(self) -> None:
        """A read-back of every channel finds no number "changed by hand" and no listing
        suspended: nobody changed one by hand."""
        self.engine.drift_every = timedelta(0)
        self.sync()
        assert problem_listings() == []

    def close(self) -> None:
        self.pool.close()
        for double in reversed(self.started):
            double.stop()


@pytest.fixture(params=sorted(MAKERS))
def rig(request: pytest.FixtureRequest, shop: Shop,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    # The HTTP client's spacing of calls (1 a second for 楽天 and Yahoo!) is its own tests'
    # (tests/integration/test_http_client.py); here it would only make every scenario wait.
    monkeypatch.setattr(HttpClient, "_wait_for_slot", lambda client: None)
    made = Rig(shop, MAKERS[request.param])
    try:
        yield made
    finally:
        made.close()


def ok(reports: list[CycleReport]) -> bool:
    return bool(reports) and all(r.ok for r in reports)


def cycles(reports: list[CycleReport]) -> dict[str, CycleReport]:
    """Each channel's cycle (the first report of it; a push after orders may follow)."""
    found: dict[str, CycleReport] = {}
    for report in reports:
        found.setdefault(report.channel, report)
    return found


def order_movements(code: str) -> int:
    """Movements the ledger holds for *code* because of orders and cancellations."""
    return (MovementRow.select().join(ItemRow).where(
        ItemRow.code == code, MovementRow.reason.in_(["order", "cancel"])).count())


def forget_cursor(name: str) -> None:
    """Read every order of the channel again from the start (as after a lost cursor)."""
    ChannelSyncRow.update(cursor=None).where(
        ChannelSyncRow.channel == ChannelRow.get(ChannelRow.name == name)).execute()


# -- first connection ---------------------------------------------------------------------------
def test_the_first_connection_previews_then_pushes_or_pulls(rig):
    rig.stock({"A": 20, "B": 15, "C": 9})
    shop1 = rig.double({"A": 3, "B": 15, "X": 7})
    rig.add("shop1", shop1)
    preview = {row.channel_item_id: (row.code, row.channel_qty, row.rendo_qty)
               for row in rig.engine.preview_first("shop1")}
    assert preview == {"A": ("A", 3, 20), "B": ("B", 15, 15), "X": (None, 7, None)}
    assert [r.waiting for r in rig.sync()] == [True]  # nothing written before the choice
    assert (shop1.quantity("A"), shop1.quantity("X")) == (3, 7)

    choose_first("shop1", "push")
    assert ok(rig.sync())
    assert {c: shop1.quantity(c) for c in "ABX"} == {"A": 20, "B": 15, "X": 7}
    assert shop1.quantity("C") is None  # not on the channel: not created there
    assert (rig.on_hand("A"), rig.on_hand("B")) == (20, 15)

    shop2 = rig.double({"A": 11, "B": 4})
    rig.connect("shop2", shop2, "pull")
    assert ok(rig.sync())
    assert (rig.on_hand("A"), rig.on_hand("B"), rig.on_hand("C")) == (11, 4, 9)
    assert (shop2.quantity("A"), shop2.quantity("B")) == (11, 4)
    rig.assert_in_step("shop1", ["A", "B"])  # the pulled numbers pushed to the other channel
    rig.no_false_changes()


# -- orders and cancellations -------------------------------------------------------------------
@pytest.fixture
def two(rig: Rig) -> Rig:
    """Items A (20) and B (10) listed on two channels of the double's kind, first push done."""
    rig.stock({"A": 20, "B": 10})
    for name in ("one", "two"):
        rig.connect(name, rig.double({"A": 0, "B": 0}))
    assert ok(rig.sync())
    for name in ("one", "two"):
        rig.assert_in_step(name, ["A", "B"])
    return rig


def read_everything_again(rig: Rig) -> None:
    """The same orders read again (overlap, then from the start): nothing moves twice."""
    assert ok(rig.sync())
    for name in rig.doubles:
        forget_cursor(name)
    assert ok(rig.sync())


def test_an_order_takes_its_stock_everywhere_once(two):
    two.doubles["one"].place_order([("A", 3)])
    assert ok(two.sync())
    assert two.on_hand("A") == 17
    assert two.doubles["two"].quantity("A") == 17  # Rendo lowered the other channel
    read_everything_again(two)
    assert two.on_hand("A") == 17
    assert order_movements("A") == 1
    for name in ("one", "two"):
        two.assert_in_step(name, ["A", "B"])
    assert check_ledger() == []
    two.no_false_changes()


def test_a_cancelled_order_gives_its_stock_back_once(two):
    one = two.doubles["one"]
    placed = one.place_order([("A", 4), ("B", 1)])
    assert ok(two.sync())
    assert (two.on_hand("A"), two.on_hand("B")) == (16, 9)
    one.cancel_order(placed)
    assert ok(two.sync())
    assert (two.on_hand("A"), two.on_hand("B")) == (20, 10)
    read_everything_again(two)
    assert (two.on_hand("A"), two.on_hand("B")) == (20, 10)
    for name in ("one", "two"):
        two.assert_in_step(name, ["A", "B"])
    assert check_ledger() == []
    two.no_false_changes()


def test_a_partial_cancellation_gives_back_only_those_units(two):
    one = two.doubles["one"]
    placed = one.place_order([("A", 5), ("B", 2)])
    assert ok(two.sync())
    one.cancel_units(placed, "A", 2)
    assert ok(two.sync())
    assert (two.on_hand("A"), two.on_hand("B")) == (17, 8)
    read_everything_again(two)
    assert (two.on_hand("A"), two.on_hand("B")) == (17, 8)
    for name in ("one", "two"):
        two.assert_in_step(name, ["A", "B"])
    two.no_false_changes()


def test_a_channel_that_sold_meanwhile_loses_no_order(two):
    """Channel "two" is polled rarely: an order on "one" makes Rendo push to "two" before
    it has read the order "two" took meanwhile. The channel's sale must not be erased."""
    set_interval("two", 3600)
    assert ok(two.sync())  # both polled now; "one" is due again in 15 s, "two" in an hour
    two.doubles["one"].place_order([("A", 3)])
    two.doubles["two"].place_order([("A", 2)])
    two.clock.advance(20)
    reports = two.sync(force=False)
    assert ok(reports) and "two" in {r.channel for r in reports}  # pushed to, not polled
    record = channel_type(two.doubles["two"].type)
    if record is not None and record.limits.compare_and_set:
        assert sum(r.conflicts for r in reports) >= 1  # the write met the channel's sale
    two.settle()
    assert two.on_hand("A") == 15  # 20 − 3 − 2: both orders counted, once
    for name in ("one", "two"):
        two.assert_in_step(name, ["A", "B"])
    assert order_movements("A") == 2
    two.no_false_changes()


# -- batches and throttling ---------------------------------------------------------------------
def test_more_listings_than_one_call_takes_are_sent_in_batches(rig):
    double = rig.double()
    count = 2 * double.batch_limit + 1
    codes = [f"P{n:04d}" for n in range(count)]
    for code in codes:
        double.add_listing(code, 0)
    rig.stock(dict.fromkeys(codes, 4))
    rig.connect("big", double)
    reports = rig.sync()
    assert ok(reports)
    assert sum(r.uploaded for r in reports) == count
    assert sum(r.refused for r in reports) == 0
    rig.assert_in_step("big", codes)
    assert rig.status("big").listings == count


def test_throttling_is_honoured_and_the_channel_recovers(two):
    one = two.doubles["one"]
    two.shop.adjust("A", "+3", "receive")
    one.place_order([("B", 1)])
    before = len(one.calls)
    one.throttle(2)
    two.clock.advance(20)  # "one" is due
    for _ in range(8):
        reports = [r for r in two.sync(force=False) if r.channel == "one"]
        assert reports, "the due channel was not polled"
        if ok(reports):
            break
        status = two.status("one")
        assert status.error_kind == ErrorKind.RATE_LIMITED, status.last_error
        assert not status.stopped
        # the channel asked to wait: nothing is sent to it before then
        sent = len(one.calls)
        assert [r for r in two.sync(force=False) if r.channel == "one"] == []
        assert len(one.calls) == sent
        assert status.next_sync_at is not None and status.next_sync_at > two.clock.now
        two.clock.now = status.next_sync_at
    else:
        raise AssertionError("the throttled channel never recovered")
    assert len(one.calls) > before + 2  # asked again after the throttled answers
    assert (two.on_hand("A"), two.on_hand("B")) == (23, 9)
    two.settle()
    for name in ("one", "two"):
        two.assert_in_step(name, ["A", "B"])


# -- credentials --------------------------------------------------------------------------------
def test_an_expired_access_token_is_renewed_without_the_user(two):
    one = two.doubles["one"]
    one.expire_access_token()
    one.place_order([("B", 2)])
    two.shop.adjust("A", "+1", "receive")
    assert ok(two.sync())
    status = two.status("one")
    assert not status.stopped and status.failures == 0
    assert (two.on_hand("A"), two.on_hand("B")) == (21, 8)
    for name in ("one", "two"):
        two.assert_in_step(name, ["A", "B"])


def test_revoked_credentials_stop_that_channel_only_until_new_ones_come(two):
    one, other = two.doubles["one"], two.doubles["two"]
    old = dict(one.credentials)
    cursor = ChannelSyncRow.get(ChannelSyncRow.channel == ChannelRow.get(
        ChannelRow.name == "one")).cursor
    one.revoke_credentials()
    other.place_order([("A", 2)])
    reports = cycles(two.sync())
    assert not reports["one"].ok and reports["one"].error_kind in STOPPING_KINDS
    assert reports["two"].ok
    assert other.quantity("A") == two.target("two", "A") == 18

    stopped = two.status("one")
    assert stopped.stopped and stopped.state == "stopped"
    words = error_words(stopped.name, stopped.type, stopped.error_kind, stopped.last_error)
    record = channel_type(one.type)
    assert record is not None
    labels = [translate_in(None, "ChannelTypes", f.label) for f in record.credentials
              if f.key in old]
    assert labels and all(label in words for label in labels), words  # says what to renew
    secrets = [value for value in [*old.values(), *one.credentials.values()] if len(value) > 3]
    assert not any(secret in words for secret in secrets)

    one.place_order([("B", 1)])  # customers still buy there meanwhile
    sent = len(one.calls)
    assert list(cycles(two.sync())) == ["two"]  # the stopped one is left alone
    assert len(one.calls) == sent
    assert one.credentials != old, "revoke_credentials: the owner's new credentials"

    two.shop.set_credentials("one", dict(one.credentials))
    assert two.status("one").state != "stopped"
    row = ChannelSyncRow.get(ChannelSyncRow.channel == ChannelRow.get(ChannelRow.name == "one"))
    assert row.cursor == cursor  # resumes where it stopped
    reports = cycles(two.sync())
    assert reports["one"].ok and reports["one"].orders_applied == 1
    assert (two.on_hand("A"), two.on_hand("B")) == (18, 9)
    two.settle()
    for name in ("one", "two"):
        two.assert_in_step(name, ["A", "B"])
    two.no_false_changes()


# -- listings the channel does not know or refuses ----------------------------------------------
def test_skus_known_on_one_side_only_are_never_counted_as_in_step(rig):
    rig.stock({"A": 6, "Z": 5})
    double = rig.double({"A": 1, "X": 7})
    rig.connect("mall", double)
    assert ok(rig.sync())
    assert (double.quantity("A"), double.quantity("X"), double.quantity("Z")) == (6, 7, None)
    assert listings_of("Z") == [] and [v.channel_item_id for v in listings_of("A")] == ["A"]
    assert rig.status("mall").listings == 1
    double.place_order([("X", 2)])  # an item Rendo does not have: kept, not applied
    reports = rig.sync()
    assert ok(reports) and sum(r.unmatched for r in reports) == 1
    assert [(line.channel_item_id, line.quantity) for line in unmatched_lines()] == [("X", 2)]
    assert (rig.on_hand("A"), rig.on_hand("Z")) == (6, 5)
    assert double.quantity("X") == 5


def test_a_listing_the_channel_refuses_is_reported_alone(rig):
    rig.stock({"A": 8, "B": 8, "U": 8})
    double = rig.double({"A": 1, "B": 1})
    double.add_unmanaged_listing("U")
    unmanaged = double.quantity("U")
    double.refuse_writes("B")
    rig.connect("mall", double)
    reports = rig.sync()
    assert ok(reports)  # the channel's cycle is not failed for one listing
    assert sum(r.refused for r in reports) >= 1
    assert (double.quantity("A"), double.quantity("B"), double.quantity("U")) == (
        8, 1, unmanaged)
    not_in_step = {v.channel_item_id for v in unsettled_listings()}
    assert "B" in not_in_step and "A" not in not_in_step
    assert [v.last_error != "" or v.suspended for v in listings_of("B")] == [True]
    assert not {v.state for v in listings_of("U")} & {"ok"}
    status = rig.status("mall")
    assert status.failures == 0 and status.state == "ok"
    rig.shop.adjust("A", "+2", "receive")
    assert ok(rig.sync())
    assert double.quantity("A") == 10  # the others keep syncing


# -- killed mid-cycle ---------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_sync_killed_during_its_upload_loses_and_doubles_nothing(rig, db_path):
    double = rig.double()
    # enough batches that the kill lands between two of them (3 of a large batch: ~1 min less
    # for the channels whose writes are paced)
    count = (3 if double.batch_limit >= 100 else 4) * double.batch_limit + 1
    codes = [f"K{n:04d}" for n in range(count)]
    for code in codes:
        double.add_listing(code, 3)
    rig.stock(dict.fromkeys(codes, 10))
    rig.connect("mall", double)
    double.place_order([(codes[0], 2)])
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    command = [sys.executable, "-m", "app", "--db", db_path, "sync", "--once"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        while True:  # until the upload has begun: some listings set, not all
            landed = sum(double.quantity(code) == 10 for code in codes[1:])
            if landed:
                break
            assert process.poll() is None, process.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "the sync uploaded nothing in 60 s"
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert 0 < landed < count - 1, "killed after the upload: no test of a cut cycle"

    double.place_order([(codes[1], 1)])  # while Rendo was down
    for _ in range(2):
        again = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True,
                               encoding="utf-8", timeout=120)
        assert again.returncode == 0, again.stderr[-2000:]
    rig.shop.reload()
    assert (rig.on_hand(codes[0]), rig.on_hand(codes[1]), rig.on_hand(codes[2])) == (8, 9, 10)
    channel = ChannelRow.get(ChannelRow.name == "mall")
    assert AppliedLineRow.select().where(AppliedLineRow.channel == channel).count() == 2
    assert order_movements(codes[0]) == order_movements(codes[1]) == 1
    rig.assert_in_step("mall", codes)
    assert check_ledger() == []
    rig.no_false_changes()
