"""One sync leader per channel (app/sync/lease.py): taking, renewing, expiring and releasing a
channel's lease, and a stale leader fenced out of every write; on SQLite with a simulated
clock, on PostgreSQL (whose clock the leases use) with a short lease and real waits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from app.channels.sandbox import SandboxChannel
from app.services.channel_sync import sync_row
from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.models import AppliedLineRow, ChannelRow, MovementRow, SyncLeaseRow
from app.sync.channel_runner import ChannelRunner
from app.sync.engine import SyncEngine
from app.sync.lease import LEASE_S, LOOK_S, LeaseLost, Leases, sync_leaders

from .sync_world import CHANNELS, applied_lines_match_shops, build_world, fast_adapter_for

pytestmark = pytest.mark.databases("sqlite", "postgresql")
PG_LEASE_S = 1.0  # on PostgreSQL the server's clock runs: a short lease, waited out for real


class Clock:
    """The PCs' shared clock (SQLite: one PC), moved by the test. On PostgreSQL the leases
    go by the server's clock: moving this one waits for real."""

    def __init__(self, real: bool) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, 0)
        self.real = real

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        if self.real:
            time.sleep(seconds)

    def leases(self, pc: str) -> Leases:
        return Leases(self, lease_s=PG_LEASE_S if self.real else None, pc=pc)


@pytest.fixture
def clock(database_kind: str) -> Clock:
    return Clock(real=database_kind == "postgresql")


@pytest.fixture
def pcs(shop: Shop, clock: Clock) -> tuple[Clock, Leases, Leases, Leases]:
    shop.add_channel("web", "sandbox", settings={"url": "http://127.0.0.1:9"})
    shop.add_channel("mall", "sandbox", settings={"url": "http://127.0.0.1:9"})
    return clock, *(clock.leases(f"pc-{x}") for x in "abc")  # type: ignore[return-value]


def test_one_pc_holds_a_channel_and_the_others_see_which(pcs):
    clock, a, b, c = pcs
    assert a.take("web", at_once=True)
    assert a.take("web")  # held: no need to ask again
    assert not b.take("web", at_once=True)
    assert not c.take("web", at_once=True)
    assert b.synced_by("web") == c.synced_by("web") == "pc-a"
    assert a.synced_by("web") is None  # a holds it itself
    assert b.take("mall", at_once=True)  # a lease per channel
    assert (a.held(), b.held(), c.held()) == (["web"], ["mall"], [])
    row = SyncLeaseRow.get()
    assert row.holder.endswith(f":{os.getpid()}@{socket.gethostname()}") and row.pc == "pc-a"


def _ended_process() -> int:
    """The id of a process of this machine that has ended."""
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True)
    return int(process.stdout)


@pytest.mark.parametrize(("machine", "alive", "taken_at_once"), [
    ("here", False, True),  # Rendo killed (or crashed) on this PC, started again
    ("here", True, False),  # another Rendo of this PC still runs: it renews its lease
    ("elsewhere", False, False),  # that process id means nothing on another machine
])
def test_a_lease_left_by_an_ended_process_of_this_machine_is_taken_at_once(
        pcs, machine, alive, taken_at_once):
    clock, a, b, _ = pcs
    assert a.take("web", at_once=True)
    pid = os.getppid() if alive else _ended_process()  # alive: the test runner's parent
    host = socket.gethostname() if machine == "here" else "another-pc"
    SyncLeaseRow.update(holder=f"0123456789abcdef:{pid}@{host}").execute()
    assert b.take("web", at_once=True) is taken_at_once
    assert b.synced_by("web") is None if taken_at_once else b.synced_by("web") == "pc-a"


def test_a_lease_not_renewed_is_taken_over_and_the_old_holder_is_fenced_out(pcs):
    clock, a, b, _ = pcs
    assert a.take("web", at_once=True)
    clock.advance(a.lease_s - 1)
    assert not b.take("web", at_once=True)  # not expired yet
    clock.advance(2)
    assert b.take("web", at_once=True)
    assert b.synced_by("web") is None and a.synced_by("web") == "pc-b"
    with pytest.raises(LeaseLost) as lost:
        a.check("web")
    assert lost.value.by == "pc-b"
    assert not a.holds("web")  # found lost: given up here too
    assert b.renew() == []


def test_the_heartbeat_keeps_the_lease_and_tells_when_it_was_lost(pcs):
    clock, a, b, _ = pcs
    assert a.take("web", at_once=True)
    for _ in range(10):  # 10 heartbeats: far longer than one lease
        clock.advance(a.renew_s)
        assert a.renew() == []
        assert not b.take("web", at_once=True)
    clock.advance(a.lease_s + 1)  # a's PC slept through its renewals
    assert b.take("web", at_once=True)
    assert a.renew() == ["web"]
    assert a.held() == []


def test_a_released_lease_is_taken_at_once(pcs):
    _, a, b, _ = pcs
    assert a.take("web", at_once=True)
    assert not b.take("web", at_once=True)
    a.release()
    assert b.take("web", at_once=True)
    assert [(x.channel, x.pc) for x in sync_leaders(pcs[0])] == [("web", "pc-b")]


def test_a_taking_has_its_own_token(pcs):
    """A process that lost a channel and took it again later: a cycle of its first taking
    still cannot write."""
    clock, a, b, _ = pcs
    assert a.take("web", at_once=True)
    first = a.holder("web")
    clock.advance(a.lease_s + 1)
    assert b.take("web", at_once=True)
    b.release()
    assert a.renew() == ["web"]
    assert a.take("web", at_once=True)
    assert a.holder("web") != first
    assert first is not None
    assert not a._extend("web", first)  # what a cycle of the first taking would fence with
    assert a._extend("web", a.holder("web"))


@pytest.mark.databases("sqlite")
def test_a_follower_takes_over_within_30_seconds_of_the_last_renewal(pcs):
    """The lease's own numbers: a PC killed right after its heartbeat is replaced by another
    that looks every ``look_s`` within 30 s."""
    clock, a, b, _ = pcs
    a, b = Leases(clock, pc="pc-a"), Leases(clock, pc="pc-b")  # the real lease, not a test's
    assert a.lease_s == LEASE_S and b.look_s == LOOK_S
    assert a.take("web", at_once=True)
    a.renew()  # its last heartbeat; then it is killed
    waited = 0.0
    while not b.take("web", at_once=True):
        clock.advance(b.look_s)
        waited += b.look_s
        assert waited <= 30
    assert LEASE_S <= waited <= 30


def test_sync_leaders_says_which_pc_and_whether_it_is_this_one(pcs, monkeypatch):
    clock, a, b, _ = pcs
    monkeypatch.setenv("RENDO_PC_NAME", "pc-b")
    assert a.take("web", at_once=True) and b.take("mall", at_once=True)
    leaders = sync_leaders(clock)
    assert {(x.channel, x.pc, x.here) for x in leaders} == {
        ("web", "pc-a", False), ("mall", "pc-b", True)}
    clock.advance(a.lease_s + 1)
    assert sync_leaders(clock) == []  # expired: nobody syncs them now


# -- the engine under leases -----------------------------------------------------------------
class Sleeper(SandboxChannel):
    """An adapter whose PC sleeps while it reads orders: meanwhile another PC takes over."""

    on_read: list = []  # callables run once, before the next read answers

    def read_orders(self, cursor, since):  # type: ignore[no-untyped-def]
        page = super().read_orders(cursor, since)
        while self.on_read:
            self.on_read.pop(0)()
        return page


def sleeper_for(row: ChannelRow) -> Sleeper | None:
    adapter = fast_adapter_for(row)
    return None if adapter is None else Sleeper(adapter.info, client=adapter.client)


def test_a_stale_leader_applies_no_order_and_moves_no_cursor(sandbox, shop, clock):
    world = build_world(shop, sandbox)
    a, b = clock.leases("pc-a"), clock.leases("pc-b")
    first, second = SyncEngine(shop, sleeper_for), SyncEngine(Shop(), sleeper_for)
    first.lease, second.lease = a, b
    for channel in CHANNELS:
        assert a.take(channel, at_once=True)
        assert first.run_cycle(channel).ok  # first push: the shops are stocked
    orders = [world.order("rakuten", [("A", 2), ("NEST", 1)]) for _ in range(3)]
    assert None not in orders
    cursor = sync_row(ChannelRow.get(ChannelRow.name == "rakuten")).cursor
    movements = MovementRow.select().count()

    def pc_a_sleeps() -> None:
        clock.advance(a.lease_s + 1)
        assert b.take("rakuten", at_once=True)

    Sleeper.on_read = [pc_a_sleeps]
    report = first.run_cycle("rakuten")
    assert report.synced_by == "pc-b" and report.orders_applied == 0
    assert AppliedLineRow.select().count() == 0
    assert MovementRow.select().count() == movements
    assert sync_row(ChannelRow.get(ChannelRow.name == "rakuten")).cursor == cursor
    # the new leader continues from the cursor: every line applied, once
    report = second.run_cycle("rakuten")
    assert report.ok and report.orders_applied == 3
    assert first.run_cycle("rakuten").synced_by == "pc-b"  # still fenced out
    assert second.run_cycle("rakuten").orders_applied == 0
    assert applied_lines_match_shops(world) == []
    assert AppliedLineRow.select().count() == 6
    assert check_ledger() == []
    shop.catch_up()
    assert shop.book.on_hand == Shop().book.on_hand


def test_sync_once_leaves_a_channel_another_pc_syncs(sandbox, shop, capsys):
    world = build_world(shop, sandbox)
    elsewhere = Leases(pc="office-pc")
    assert elsewhere.take("yahoo", at_once=True)
    world.order("yahoo", [("A", 1)])
    reports = ChannelRunner(shop, fast_adapter_for, leases=Leases(pc="laptop")).run_once()
    by_name = {r.channel: r for r in reports}
    assert by_name["yahoo"].synced_by == "office-pc"
    assert by_name["yahoo"].orders_applied == 0 and AppliedLineRow.select().count() == 0
    assert by_name["rakuten"].ok and by_name["rakuten"].synced_by is None
    assert by_name["base"].ok
    # its own leases are given back at the end: another PC may take them at once
    assert [x.channel for x in sync_leaders()] == ["yahoo"]


@pytest.mark.databases("postgresql")
def test_on_postgresql_the_servers_clock_decides_not_the_pcs(pcs):
    """A PC whose clock is an hour fast cannot take a lease just renewed elsewhere, nor does
    an hour-slow one keep a lease the server says has expired."""
    clock, a, _, _ = pcs
    fast = Leases(lambda: datetime.now() + timedelta(hours=1), lease_s=PG_LEASE_S, pc="fast")
    slow = Leases(lambda: datetime.now() - timedelta(hours=1), lease_s=PG_LEASE_S, pc="slow")
    assert a.take("web", at_once=True)
    assert not fast.take("web", at_once=True)
    assert slow.take("mall", at_once=True)
    clock.advance(PG_LEASE_S + 0.5)  # the server's clock: both leases expired
    assert fast.take("mall", at_once=True)
    assert fast.take("web", at_once=True)


def test_sync_watch_on_another_pc_says_which_pc_syncs_and_syncs_nothing(
        rendo, shop, sandbox, monkeypatch, db_path):
    from app import cli_sync
    from app.store.database import close_database, open_database

    world = build_world(shop, sandbox)
    office = Leases(pc="office-pc")
    for channel in CHANNELS:
        assert office.take(channel, at_once=True)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            raise KeyboardInterrupt
        time.sleep(seconds)

    monkeypatch.setattr(cli_sync, "_wait", pause)
    close_database()  # the command opens it itself (conftest.rendo_on)
    run = rendo("sync", "--watch", "--interval", "0.05")
    open_database(db_path)
    assert run.code == 0, run.err
    for channel in CHANNELS:  # said once each, not at every look
        assert run.out.count(f"{channel}: synced by office-pc, not by this PC") == 1, run.out
    assert all(sync_row(ChannelRow.get(ChannelRow.name == c)).last_sync_at is None
               for c in CHANNELS)  # no cycle here: the office PC syncs them
    assert world.shown("rakuten")["A"] == 0  # nothing uploaded from here either
    assert {x.pc for x in sync_leaders()} == {"office-pc"}


def test_a_renamed_pc_is_shown_by_its_new_name_from_its_next_heartbeat(pcs, monkeypatch):
    clock = pcs[0]
    monkeypatch.setenv("RENDO_PC_NAME", "old-name")
    mine = Leases(clock, lease_s=PG_LEASE_S if clock.real else None)
    assert mine.take("web", at_once=True)
    assert [(x.pc, x.here) for x in sync_leaders(clock)] == [("old-name", True)]
    monkeypatch.setenv("RENDO_PC_NAME", "new-name")  # renamed in 設定
    assert mine.renew() == []
    assert [(x.pc, x.here) for x in sync_leaders(clock)] == [("new-name", True)]
