"""The sync process killed with SIGKILL in the middle of its work, again and again: after a
restart nothing is lost and nothing is applied twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.sync.engine import SyncEngine
from app.sync.state import problem_listings

from .sync_world import (
    CHANNELS,
    applied_lines_match_shops,
    build_world,
    expected_on_hand,
    fast_adapter_for,
    ledger_on_hand,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def start_sync(db: str, log_dir: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RENDO_LOG_DIR": log_dir, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--db", db, "sync", "--watch", "--interval", "0.05"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def finished_cycles(log_dir) -> int:
    """How many channel cycles the sync processes have logged as finished so far."""
    try:
        return (log_dir / "rendo.log").read_text(encoding="utf-8").count(": ok=")
    except FileNotFoundError:
        return 0


@pytest.mark.slow
def test_killing_the_sync_mid_cycle_loses_nothing_and_doubles_nothing(tmp_path, sandbox):
    db = str(tmp_path / "shop.sqlite3")
    open_database(db)
    world = build_world(Shop(), sandbox)
    world.rng.seed(5)
    traffic = world.random_traffic(400)
    SyncEngine(world.shop, fast_adapter_for).run_due(force=True)  # first push: shops stocked
    try:
        for round_ in range(6):
            process = start_sync(db, str(tmp_path / "logs"))
            # Kill it mid-work, not mid-start-up: wait (customers ordering meanwhile) until it
            # has finished a cycle, however loaded the machine, then let it work a little.
            started = finished_cycles(tmp_path / "logs")
            deadline = time.monotonic() + 60
            while finished_cycles(tmp_path / "logs") == started:
                assert process.poll() is None, process.communicate()[1].decode()[-2000:]
                assert time.monotonic() < deadline, "the sync finished no cycle in 60 s"
                next(traffic, None)
                time.sleep(0.01)
            ends = time.monotonic() + 0.2 + world.rng.random()
            while time.monotonic() < ends:
                next(traffic, None)
                time.sleep(0.01)  # customers arrive over time, not all at once
            process.send_signal(signal.SIGKILL)
            _, errors = process.communicate(timeout=10)
            assert process.returncode == -signal.SIGKILL, (round_, errors.decode()[-2000:])
        from app.store.models import AppliedLineRow

        placed = sum(len(world.all_orders(c)) for c in CHANNELS)
        assert placed > 20, placed
        assert AppliedLineRow.select().count() > 0  # the killed processes did sync
        finished = subprocess.run(
            [sys.executable, "-m", "app", "--db", db, "sync", "--once"], capture_output=True,
            env={**os.environ, "RENDO_LOG_DIR": str(tmp_path / "logs")}, timeout=60)
        assert finished.returncode == 0, finished.stderr.decode()
        logged = (tmp_path / "logs" / "rendo.log").read_text(encoding="utf-8")
        assert all(f"{channel}: ok=True" in logged for channel in CHANNELS)
        world.shop.reload()
        # The read-back (drift check) runs every cycle now: it must find no number changed
        # by hand, since nobody changed one.
        engine = SyncEngine(world.shop, fast_adapter_for, drift_every=timedelta(0))
        for _ in range(4):
            engine.run_due(force=True)
        world.shop.reload()
        assert applied_lines_match_shops(world) == []
        expected = expected_on_hand(world)
        assert {c: world.shop.book.on_hand[c] for c in expected} == expected
        assert ledger_on_hand() == {c: world.shop.book.on_hand[c] for c in ledger_on_hand()}
        assert check_ledger() == []
        problems = problem_listings()
        if problems:  # say enough to find out why
            from app.store.models import ListingRow

            logged = (tmp_path / "logs" / "rendo.log").read_text(encoding="utf-8")
            rows = [(p.channel, p.code, ListingRow.get(ListingRow.channel_item_id == p.code)
                     .pending) for p in problems]
            raise AssertionError(f"{problems}\npending: {rows}\n" + "\n".join(
                line for line in logged.splitlines()[-400:]
                if any(f" {p.code} " in line or f"{p.channel}:" in line for p in problems)))
        book = world.shop.book
        for channel in CHANNELS:
            assert world.shown(channel) == {c: book.stock[c].channels[channel]
                                            for c in world.codes}
    finally:
        close_database()
