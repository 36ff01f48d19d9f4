"""Channels run independently (DESIGN.md "Channels"): each on its own thread and schedule, so
that a slow, throttled, failing or stopped channel never delays another channel's order →
upload; one adapter per channel for as long as its settings and credentials stay the same."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from app.channels.base import ChannelAdapter, ErrorKind
from app.channels.http import HttpClient
from app.channels.sandbox import SandboxChannel
from app.channels.sandbox_server import SandboxServer
from app.services.channel_sync import choose_first, set_interval, sync_row
from app.services.channels import AdapterPool, channel_info
from app.services.shop import Shop
from app.store.models import ChannelRow, utcnow
from app.sync.channel_runner import ChannelRunner, RunnerEvents
from app.sync.engine import CycleReport, SyncEngine

REPO_ROOT = Path(__file__).resolve().parents[2]


class Tracked(SandboxChannel):
    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


def patient_adapter_for(row: ChannelRow) -> Tracked | None:
    """Sandbox adapters that wait out a slow answer (up to 30 s) and never retry by
    themselves: a 429 fails the cycle at once, with its Retry-After."""
    if row.type != "sandbox":
        return None
    info = channel_info(row)
    client = HttpClient(str(info.settings["url"]), timeout=(0.5, 30.0), max_retries=0,
                        backoff_base=0.01, max_backoff=0.05)
    return Tracked(info, client=client)


class Recorder(RunnerEvents):
    """What the channels' threads reported, safe to read from the test's thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: list[str] = []
        self.ended: list[str] = []
        self.reports: list[CycleReport] = []
        self.failures: list[tuple[str, Exception]] = []

    def cycle_started(self, channel: str) -> None:
        with self.lock:
            self.started.append(channel)

    def cycle_ended(self, channel: str) -> None:
        with self.lock:
            self.ended.append(channel)

    def cycle_done(self, report: CycleReport) -> None:
        with self.lock:
            self.reports.append(report)

    def failed(self, channel: str, error: Exception) -> None:
        with self.lock:
            self.failures.append((channel, error))

    def running(self, channel: str) -> bool:
        with self.lock:
            return self.started.count(channel) > self.ended.count(channel)

    def cycles(self, channel: str) -> int:
        with self.lock:
            return self.started.count(channel)

    def done(self, channel: str) -> list[CycleReport]:
        with self.lock:
            return [r for r in self.reports if r.channel == channel]


def faults(server: SandboxServer, **settings: float) -> None:
    answer = requests.post(f"{server.url}/api/faults", json=settings, timeout=5)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def shops(shop: Shop, sandbox: Callable[..., SandboxServer]) -> dict[str, SandboxServer]:
    """Item A (10 on hand) on four sandbox shops, pushed once and in step; each channel's
    next poll is ten minutes away."""
    shop.add_item("A", "タオル")
    shop.adjust("A", "+10")
    servers = {}
    for name in ("source", "slow", "throttled", "target"):
        servers[name] = sandbox({"A": 0})
        shop.add_channel(name, "sandbox", settings={"url": servers[name].url})
        choose_first(name, "push")
        set_interval(name, 600)
    SyncEngine(shop, patient_adapter_for).run_due(force=True)
    assert {name: s.shop.quantity("A") for name, s in servers.items()} == dict.fromkeys(
        servers, 10)
    return servers


@pytest.fixture
def runner(shop: Shop) -> Iterator[tuple[ChannelRunner, Recorder]]:
    recorder = Recorder()
    running = ChannelRunner(shop, patient_adapter_for, recorder, tick_s=0.1, gather_s=0.1)
    yield running, recorder
    assert running.stop(timeout_s=5), "a channel's thread did not stop"


def run_now(runner: ChannelRunner, name: str) -> None:
    """This channel's cycle now ("sync now" for one channel)."""
    runner.threads()[name].request(force=True)


def next_poll_in(name: str) -> timedelta:
    row = sync_row(ChannelRow.get(ChannelRow.name == name))
    assert row.next_sync_at is not None
    return row.next_sync_at - utcnow()


def test_a_slow_and_a_throttled_channel_do_not_delay_another_channels_order_to_upload(
    shop: Shop, shops: dict[str, SandboxServer], runner: tuple[ChannelRunner, Recorder],
    qtbot,
) -> None:
    running, recorder = runner
    faults(shops["slow"], slow_rate=1, slow_s=20)  # every answer 20 s late
    faults(shops["throttled"], rate_limit_rate=1, retry_after=30)  # 429, come back in 30 s
    running.start()
    assert sorted(running.threads()) == ["slow", "source", "target", "throttled"]
    run_now(running, "slow")
    run_now(running, "throttled")
    qtbot.waitUntil(lambda: recorder.running("slow"), timeout=5_000)
    qtbot.waitUntil(lambda: bool(recorder.done("throttled")), timeout=5_000)
    [throttled] = recorder.done("throttled")
    assert not throttled.ok and throttled.error_kind == ErrorKind.RATE_LIMITED
    assert next_poll_in("throttled") > timedelta(seconds=25)  # its Retry-After

    shops["source"].shop.place_order({"lines": [{"sku": "A", "quantity": 3}]})
    run_now(running, "source")
    # The order is read and the new number reaches the target within seconds, while the
    # slow channel is still waiting for its answer.
    qtbot.waitUntil(lambda: shops["target"].shop.quantity("A") == 7, timeout=5_000)
    assert shop.book.on_hand["A"] == 7
    assert recorder.running("slow")
    # The throttled channel's wait holds: no upload woke it, it still shows 10.
    assert recorder.cycles("throttled") == 1
    assert shops["throttled"].shop.quantity("A") == 10
    assert next_poll_in("target") > timedelta(seconds=30)  # the wake-up, not its schedule


def test_an_order_on_one_channel_reaches_another_within_seconds(
    shops: dict[str, SandboxServer], runner: tuple[ChannelRunner, Recorder], qtbot,
) -> None:
    running, recorder = runner
    running.start()
    shops["source"].shop.place_order({"lines": [{"sku": "A", "quantity": 4}]})
    started = time.monotonic()
    run_now(running, "source")
    qtbot.waitUntil(lambda: all(shops[name].shop.quantity("A") == 6
                                for name in ("slow", "throttled", "target")), timeout=5_000)
    assert time.monotonic() - started < 5
    # the others only uploaded: each one's own poll is still ahead
    assert all(next_poll_in(name) > timedelta(seconds=30)
               for name in ("slow", "throttled", "target"))
    assert recorder.failures == []


def test_a_failing_channels_back_off_holds_while_the_others_run(
    shop: Shop, shops: dict[str, SandboxServer], runner: tuple[ChannelRunner, Recorder],
    qtbot,
) -> None:
    running, recorder = runner
    faults(shops["throttled"], error_rate=1)  # 500 on every call
    running.start()
    run_now(running, "throttled")
    qtbot.waitUntil(lambda: bool(recorder.done("throttled")), timeout=5_000)
    assert recorder.done("throttled")[0].error_kind == ErrorKind.SERVER_ERROR
    assert next_poll_in("throttled") > timedelta(seconds=60)  # its back-off
    for number in range(3):  # local changes: every other channel uploads each one
        shop.adjust("A", "-1")
        qtbot.waitUntil(lambda n=number: shops["target"].shop.quantity("A") == 9 - n,
                        timeout=5_000)
    assert recorder.cycles("throttled") == 1
    assert shops["throttled"].shop.quantity("A") == 10


def test_stopping_ends_every_channel_thread_within_two_seconds_even_mid_call(
    shop: Shop, shops: dict[str, SandboxServer], qtbot,
) -> None:
    recorder = Recorder()
    running = ChannelRunner(shop, patient_adapter_for, recorder, tick_s=0.1)
    faults(shops["slow"], slow_rate=1, slow_s=20)
    running.start()
    threads = list(running.threads().values())
    assert len(threads) == 4
    run_now(running, "slow")
    qtbot.waitUntil(lambda: recorder.running("slow"), timeout=5_000)
    started = time.monotonic()
    assert running.stop(timeout_s=5)
    assert time.monotonic() - started < 2
    assert not any(thread.is_alive() for thread in threads)
    assert [r for r in recorder.done("slow") if not r.ok] == []  # "stopping" is no failure


def test_one_adapter_per_channel_until_its_settings_or_credentials_change(
    shop: Shop, sandbox: Callable[..., SandboxServer], memory_keyring, qtbot,
) -> None:
    shop.add_item("A")
    first, second = sandbox({"A": 0}), sandbox({"A": 0})
    shop.add_channel("mall", "sandbox", settings={"url": first.url})
    choose_first("mall", "push")
    made: list[Tracked] = []

    def make(row: ChannelRow, _credentials: object) -> ChannelAdapter | None:
        adapter = patient_adapter_for(row)
        assert adapter is not None
        made.append(adapter)
        return adapter

    recorder = Recorder()
    running = ChannelRunner(shop, patient_adapter_for, recorder, pool=AdapterPool(make),
                            tick_s=0.1)
    try:
        running.start()

        def cycle() -> None:
            count = len(recorder.done("mall"))
            run_now(running, "mall")
            qtbot.waitUntil(lambda: len(recorder.done("mall")) == count + 1, timeout=5_000)
            assert recorder.done("mall")[-1].ok

        cycle()
        cycle()
        assert len(made) == 1  # the same adapter, cycle after cycle (its buckets, its tokens)
        shop.update_channel("mall", url=second.url)
        cycle()
        assert len(made) == 2 and made[0].closed and not made[1].closed
        assert second.shop.quantity("A") == 0  # it really talks to the new address
        shop.set_credentials("mall", {"token": "new"})
        cycle()
        assert len(made) == 3 and made[1].closed
        shop.update_channel("mall", enabled=False)  # disabled: its thread ends, adapter closed
        assert running.reconcile() == []
        assert made[2].closed
    finally:
        assert running.stop(timeout_s=5)
    assert all(adapter.closed for adapter in made)


def credentials_command(db_path: str, name: str, token: str) -> subprocess.CompletedProcess[str]:
    """`rendo channel credentials NAME --token-stdin` in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "app", "--db", db_path, "channel", "credentials", name,
         "--token-stdin"], input=f"{token}\n", cwd=REPO_ROOT, env=env,
        capture_output=True, encoding="utf-8", timeout=60)


def test_refused_credentials_stop_that_channel_only_until_new_ones_are_entered(
    shop: Shop, db_path: str, sandbox: Callable[..., SandboxServer], qtbot,
) -> None:
    shop.add_item("A")
    shop.adjust("A", "+10")
    locked, other = sandbox({"A": 0}, token="right"), sandbox({"A": 0})
    shop.add_channel("locked", "sandbox", settings={"url": locked.url},
                     credentials={"token": "right"})
    shop.add_channel("other", "sandbox", settings={"url": other.url})
    for name in ("locked", "other"):
        choose_first(name, "push")
    recorder = Recorder()
    running = ChannelRunner(shop, events=recorder, tick_s=0.1, gather_s=0.1)  # the app's pool
    try:
        running.start()
        qtbot.waitUntil(lambda: locked.shop.quantity("A") == 10
                        and other.shop.quantity("A") == 10, timeout=5_000)
        locked.shop.place_order({"lines": [{"sku": "A", "quantity": 1}]})
        run_now(running, "locked")
        qtbot.waitUntil(lambda: other.shop.quantity("A") == 9, timeout=5_000)
        cursor = sync_row(ChannelRow.get(ChannelRow.name == "locked")).cursor
        assert cursor

        shop.set_credentials("locked", {"token": "revoked"})  # the channel no longer takes it
        run_now(running, "locked")
        qtbot.waitUntil(lambda: any(r.error_kind == ErrorKind.AUTHENTICATION
                                    for r in recorder.done("locked")), timeout=5_000)
        assert sync_row(ChannelRow.get(ChannelRow.name == "locked")).cursor == cursor
        cycles = recorder.cycles("locked")
        locked.shop.place_order({"lines": [{"sku": "A", "quantity": 2}]})  # while stopped
        running.sync_now()  # "sync now" does not start a stopped channel…
        shop.adjust("A", "-1")  # …nor does a change to upload; the other channel goes on
        qtbot.waitUntil(lambda: other.shop.quantity("A") == 8, timeout=5_000)
        assert recorder.cycles("locked") == cycles
        assert shop.book.on_hand["A"] == 8

        done = credentials_command(db_path, "locked", "right")
        assert done.returncode == 0, done.stderr
        # back at once, from where it stopped: the order taken meanwhile is read once
        qtbot.waitUntil(lambda: shop.book.on_hand["A"] == 6, timeout=5_000)
        qtbot.waitUntil(lambda: other.shop.quantity("A") == 6, timeout=5_000)
        assert recorder.done("locked")[-1].ok
    finally:
        assert running.stop(timeout_s=5)
    assert shop.book.on_hand["A"] == 6  # each order once: 10 - 1 - 1 (by hand) - 2


def test_sync_once_runs_every_channel_side_by_side_and_pushes_an_order_to_the_others(
    shop: Shop, shops: dict[str, SandboxServer],
) -> None:
    threads: dict[str, str] = {}

    def recording(row: ChannelRow) -> Tracked | None:
        threads[row.name] = threading.current_thread().name
        return patient_adapter_for(row)

    shops["source"].shop.place_order({"lines": [{"sku": "A", "quantity": 2}]})
    reports = ChannelRunner(shop, recording).run_once()
    assert sorted({r.channel for r in reports}) == ["slow", "source", "target", "throttled"]
    assert all(r.ok for r in reports)
    # each channel in a thread of its own, none in the caller's
    assert len(set(threads.values())) == 4
    assert threading.current_thread().name not in threads.values()
    # the order read on one channel reached every other one in the same run
    assert {name: s.shop.quantity("A") for name, s in shops.items()} == dict.fromkeys(shops, 8)
