"""Three processes as three PCs syncing one shop (one database: a SQLite file, or PostgreSQL):
one PC syncs each channel; the leader is killed with SIGKILL in the middle of its cycles,
customers ordering all along; another PC takes over within 30 s (the real lease, not a
shortened one) and goes on from the cursor. After it: every order line applied once, `rendo
check` clean, every PC's computed stock equal to the database's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from app.services.shop import Shop
from app.store.models import ChannelSyncRow
from app.sync.engine import SyncEngine
from app.sync.lease import LEASE_S, sync_leaders

from .one_pc import book_numbers
from .sync_world import (
    CHANNELS,
    applied_lines_match_shops,
    build_world,
    expected_on_hand,
    fast_adapter_for,
    ledger_on_hand,
)

pytestmark = [pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX"),
              # several PCs share a shop on PostgreSQL; the lease on SQLite (processes of one
              # PC) is tested in test_sync_lease.py and by the contract suite's killed sync
              pytest.mark.slow, pytest.mark.databases("postgresql")]
PCS = ("pc-1", "pc-2", "pc-3")
ROOT = Path(__file__).resolve().parents[2]


class Pc:
    """One PC: ``tests/integration/one_pc.py`` in a process of its own."""

    def __init__(self, name: str, database: str, folder: Path) -> None:
        self.name = name
        self.logs = folder / f"logs-{name}"
        self.book = folder / f"book-{name}.json"
        self.errors = (folder / f"stderr-{name}.txt").open("wb")
        # a machine of its own: its lease is waited out, not known to be dead at once
        env = {**os.environ, "RENDO_PC_NAME": name, "RENDO_MACHINE": name,
               "RENDO_LOG_DIR": str(self.logs), "QT_QPA_PLATFORM": "offscreen"}
        env.pop("RENDO_LEASE_S", None)  # the real lease
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.one_pc", database, str(self.book)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.errors)

    def log(self) -> str:
        try:
            return (self.logs / "rendo.log").read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def cycles(self) -> Counter[str]:
        """How many cycles this PC finished, per channel."""
        return Counter(line.split(": ok=")[0].rsplit(" ", 1)[-1]
                       for line in self.log().splitlines() if ": ok=" in line)

    def numbers(self) -> object:
        try:
            return json.loads(self.book.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def alive(self) -> None:
        if self.process.poll() is not None:
            self.errors.flush()
            raise AssertionError(f"{self.name} ended ({self.process.returncode}): "
                                 + Path(self.errors.name).read_text()[-3000:])

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.errors.close()


def leaders() -> dict[str, str]:
    """channel → the PC that syncs it now (its lease alive by the database's clock)."""
    return {leader.channel: leader.pc for leader in sync_leaders()}


def wait_for(what: str, test, seconds: float, step=None) -> float:  # type: ignore[no-untyped-def]
    """Wait until *test()* is true (calling *step* meanwhile); returns the seconds it took."""
    started = time.monotonic()
    while not test():
        assert time.monotonic() - started < seconds, f"{what}: not within {seconds} s"
        if step is not None:
            step()
        time.sleep(0.05)
    return time.monotonic() - started


def test_the_leader_killed_mid_cycle_is_replaced_within_30_s_and_nothing_is_doubled(
        tmp_path, sandbox, shop, db_path):
    world = build_world(shop, sandbox)
    world.rng.seed(12)
    traffic = world.random_traffic(600)
    SyncEngine(shop, fast_adapter_for).run_due(force=True)  # first push: the shops are stocked
    ChannelSyncRow.update(interval_s=1).execute()  # a cycle a second on each channel
    for channel in CHANNELS:  # answers often slow: the leader is killed inside a cycle
        world.faults(channel, slow_rate=0.4, slow_s=0.15)

    def customers() -> None:
        next(traffic, None)
        for pc in pcs:
            if pc.process.returncode is None and pc is not victim:
                pc.alive()

    pcs: list[Pc] = []
    victim: Pc | None = None
    try:
        pcs = [Pc(name, db_path, tmp_path) for name in PCS]
        wait_for("every channel has its PC", lambda: set(leaders()) == set(CHANNELS), 60,
                 customers)
        led = leaders()
        by_pc = Counter(led.values())
        victim = next(pc for pc in pcs if pc.name == by_pc.most_common(1)[0][0])
        wait_for("the leader syncs", lambda: sum(victim.cycles().values()) >= 3 * len(
            [c for c in CHANNELS if led[c] == victim.name]), 60, customers)
        # one PC syncs each channel: no other PC has run a cycle of it
        for pc in pcs:
            assert set(pc.cycles()) <= {c for c in CHANNELS if led[c] == pc.name}, (
                pc.name, pc.cycles(), led)
        assert leaders() == led
        ends = time.monotonic() + 0.3 + world.rng.random()
        while time.monotonic() < ends:
            customers()
            time.sleep(0.01)
        # every answer now takes 3 s: 1.5 s on, each of the leader's channel threads (a cycle
        # a second) is inside a cycle, waiting for an answer, when it is killed
        for channel in CHANNELS:
            world.faults(channel, slow_rate=1, slow_s=3)
        time.sleep(1.5)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(10)
        assert victim.process.returncode == -signal.SIGKILL
        for channel in CHANNELS:
            world.faults(channel, slow_rate=0.4, slow_s=0.15)
        orphans = [c for c in CHANNELS if led[c] == victim.name]
        took = wait_for("another PC takes over",
                        lambda: all(leaders().get(c) not in (None, victim.name)
                                    for c in orphans), 30, customers)
        print(f"taken over {took:.1f} s after the SIGKILL (lease {LEASE_S:g} s)")
        survivors = [pc for pc in pcs if pc is not victim]
        before = {pc.name: pc.cycles() for pc in survivors}
        for _ in range(100):  # customers go on ordering from the new leaders
            customers()
            time.sleep(0.01)
        for channel in CHANNELS:
            world.faults(channel)  # no faults: let the PCs settle
        wait_for("every order line applied", lambda: applied_lines_match_shops(world) == [],
                 90, lambda: [pc.alive() for pc in survivors])
        new = leaders()
        for channel in orphans:  # the new leader ran cycles of it after the takeover
            assert new[channel] != victim.name
            pc = next(p for p in survivors if p.name == new[channel])
            assert pc.cycles()[channel] > before[pc.name][channel]
        # every line applied once, and the ledger and the shops agree
        expected = expected_on_hand(world)
        assert {c: n for c, n in ledger_on_hand().items() if c in expected} == expected
        check = subprocess.run([sys.executable, "-m", "app", "--db", db_path, "check"],
                               capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        # every PC's computed stock is the database's
        shop.catch_up()
        truth = book_numbers(Shop())
        assert book_numbers(shop) == truth
        for pc in survivors:
            wait_for(f"{pc.name}'s book", lambda pc=pc: pc.numbers() == truth, 15)
    finally:
        for pc in pcs:
            pc.end()
