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

    def finished(self, channel: str) -> int:
        with self.lock:
            return self.ended.count(channel)

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
            """A cycle asked now, waited for until it ended. Not the next report: that can
            be of a cycle begun before the change just made (the channel's first one, due at
            start; the one asked by the previous "sync now" while another ran)."""
            # the next one to begin (or an upload the change woke: it asks the pool too)
            # reads the channel after the change
            begun = recorder.cycles("mall")
            run_now(running, "mall")
            # a channel's cycles run one after another on its thread: the (begun + 1)th to
            # end is the (begun + 1)th to begin
            qtbot.waitUntil(lambda: recorder.finished("mall") > begun, timeout=5_000)
            assert all(report.ok for report in recorder.done("mall"))

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


def test_sync_once_reports_a_channel_stopped_for_its_credentials_as_failed(
    shop: Shop, sandbox: Callable[..., SandboxServer],
) -> None:
    shop.add_item("A")
    shop.adjust("A", "+5")
    locked, other = sandbox({"A": 0}, token="right"), sandbox({"A": 0})
    shop.add_channel("locked", "sandbox", settings={"url": locked.url},
                     credentials={"token": "wrong"})
    shop.add_channel("other", "sandbox", settings={"url": other.url})
    for name in ("locked", "other"):
        choose_first(name, "push")
    first = {r.channel: r for r in ChannelRunner(shop).run_once()}
    assert first["locked"].error_kind == ErrorKind.AUTHENTICATION
    saved = sync_row(ChannelRow.get(ChannelRow.name == "locked"))

    # Later runs (cron) leave the stopped channel alone, but still report it as failed.
    reports = ChannelRunner(shop).run_once()
    assert [r.channel for r in reports] == ["other", "locked"]
    stopped = reports[1]
    assert not stopped.ok
    assert (stopped.error, stopped.error_kind) == (saved.last_error, saved.error_kind)
    assert stopped.error and stopped.error_kind == ErrorKind.AUTHENTICATION
    assert reports[0].ok
    assert sync_row(ChannelRow.get(ChannelRow.name == "locked")).failures == saved.failures

    shop.update_channel("locked", enabled=False)  # a disabled channel is not reported
    assert [r.channel for r in ChannelRunner(shop).run_once()] == ["other"]


def test_a_database_failure_in_one_channel_keeps_the_others_reports(
    shop: Shop, sandbox: Callable[..., SandboxServer],
) -> None:
    import sqlite3

    shop.add_item("A")
    shop.adjust("A", "+5")
    good = sandbox({"A": 0})
    for name in ("good", "bad"):
        shop.add_channel(name, "sandbox", settings={"url": good.url})
        choose_first(name, "push")

    def adapter_for(row: ChannelRow) -> Tracked | None:
        if row.name == "bad":
            raise sqlite3.OperationalError("database is locked")
        return patient_adapter_for(row)

    reports: list[CycleReport] = []
    with pytest.raises(sqlite3.OperationalError):
        ChannelRunner(shop, adapter_for).run_once(reports)
    assert [(r.channel, r.ok) for r in reports] == [("good", True)]
    assert good.shop.quantity("A") == 5  # its cycle committed and is reported


def test_ctrl_c_during_sync_once_cancels_every_channel_before_closing_adapters(
    shop: Shop, shops: dict[str, SandboxServer],
) -> None:
    import _thread

    faults(shops["slow"], slow_rate=1, slow_s=20)  # every answer 20 s late
    calling = threading.Event()
    made: list[Tracked] = []
    closed_under: list[list[str]] = []  # the channel threads alive when an adapter closed

    class Watched(Tracked):
        def close(self) -> None:
            closed_under.append([t.name for t in threading.enumerate()
                                 if t.name.startswith("rendo-sync-") and t.is_alive()])
            super().close()

        def read_orders(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            if self.info.name == "slow":
                calling.set()
            return super().read_orders(*args, **kwargs)

    def adapter_for(row: ChannelRow) -> Watched | None:
        adapter = patient_adapter_for(row)
        assert adapter is not None
        watched = Watched(adapter.info, client=adapter.client)
        made.append(watched)
        return watched

    def press_ctrl_c() -> None:
        if calling.wait(10):
            _thread.interrupt_main()

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        ChannelRunner(shop, adapter_for).run_once()
    assert time.monotonic() - started < 5  # not the slow channel's 20 s
    presser.join(5)
    assert calling.is_set()
    assert [t.name for t in threading.enumerate() if t.name.startswith("rendo-sync-")] == []
    # (a channel cancelled before its cycle began made none)
    assert "slow" in [adapter.info.name for adapter in made]
    assert all(adapter.closed for adapter in made)
    assert closed_under == [[]] * len(made)  # every channel's thread had ended first


class Gate:
    """Holds a channel thread's first adapter request until the test opens it."""

    def __init__(self, pool: AdapterPool) -> None:
        self.pool = pool
        self.waiting = threading.Event()
        self.open = threading.Event()
        self.first = True

    def __call__(self, row: ChannelRow) -> ChannelAdapter | None:
        if self.first:
            self.first = False
            self.waiting.set()
            assert self.open.wait(10)
        return self.pool.get(row)


def gated_runner(shop: Shop, made: list[Tracked]) -> tuple[ChannelRunner, Gate]:
    def make(row: ChannelRow, _credentials: object) -> ChannelAdapter | None:
        adapter = patient_adapter_for(row)
        assert adapter is not None
        made.append(adapter)
        return adapter

    pool = AdapterPool(make)
    gate = Gate(pool)
    runner = ChannelRunner(shop, pool=pool, tick_s=0.05, make_engine=lambda s, _p: SyncEngine(
        s, gate, push_on_change=False))
    return runner, gate


def one_channel(shop: Shop, sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    shop.add_item("A")
    server = sandbox({"A": 0})
    shop.add_channel("mall", "sandbox", settings={"url": server.url})
    choose_first("mall", "push")
    return server


def test_a_disabled_channels_ending_thread_closes_an_adapter_it_made_late_and_is_not_doubled(
    shop: Shop, sandbox: Callable[..., SandboxServer], memory_keyring, qtbot,
) -> None:
    one_channel(shop, sandbox)
    made: list[Tracked] = []
    running, gate = gated_runner(shop, made)
    try:
        running.start()
        old = running.threads()["mall"]
        assert gate.waiting.wait(5)  # its cycle is about to ask the pool for an adapter
        shop.update_channel("mall", enabled=False)
        assert running.reconcile() == []
        shop.update_channel("mall", enabled=True)  # enabled again while the old one ends
        assert running.reconcile() == []  # no second thread beside the old one
        gate.open.set()  # the ending thread's adapter is made after the pool's discard
        qtbot.waitUntil(lambda: not old.is_alive(), timeout=5_000)
        assert len(made) == 1 and made[0].closed  # closed by the ending thread itself
        assert running.reconcile() == ["mall"]  # the old one gone: a new thread
        assert running.threads()["mall"] is not old
    finally:
        assert running.stop(timeout_s=5)


def test_a_closed_pool_makes_no_adapter(shop: Shop, memory_keyring) -> None:
    made: list[object] = []
    shop.add_channel("mall", "sandbox", settings={"url": "https://mall.example"})
    pool = AdapterPool(lambda row, _c: made.append(row) or patient_adapter_for(row))
    pool.close()
    assert pool.get(ChannelRow.get(ChannelRow.name == "mall")) is None
    assert made == []


def test_a_thread_still_running_after_the_stop_timeout_gets_no_adapter(
    shop: Shop, sandbox: Callable[..., SandboxServer], memory_keyring, qtbot,
) -> None:
    one_channel(shop, sandbox)
    made: list[Tracked] = []
    running, gate = gated_runner(shop, made)
    running.start()
    thread = running.threads()["mall"]
    assert gate.waiting.wait(5)
    assert not running.stop(timeout_s=0.05)  # the thread is held at the gate: timed out
    gate.open.set()  # …and asks the closed pool for an adapter
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5_000)
    assert made == []


def test_a_failing_report_of_a_database_failure_keeps_the_threads_retry_time(
    shop: Shop, sandbox: Callable[..., SandboxServer], qtbot, caplog,
) -> None:
    import sqlite3

    one_channel(shop, sandbox)
    looks: list[float] = []

    class FailingEngine(SyncEngine):
        def is_due(self, name: str, force: bool = False) -> bool:
            looks.append(time.monotonic())
            raise sqlite3.OperationalError("database is locked")

    class BrokenOwner(RunnerEvents):
        def failed(self, channel: str, error: Exception) -> None:
            raise RuntimeError("the owner cannot take it")

    retry_s = 0.3
    running = ChannelRunner(shop, patient_adapter_for, BrokenOwner(), tick_s=0.01,
                            retry_s=retry_s, make_engine=lambda s, a: FailingEngine(s, a))
    try:
        running.start()
        qtbot.waitUntil(lambda: len(looks) >= 3, timeout=5_000)  # alive: it tried again…
        assert running.threads()["mall"].is_alive()
        # …each time after its retry time, not at every 10 ms tick
        assert all(b - a >= retry_s for a, b in zip(looks, looks[1:], strict=False))
    finally:
        assert running.stop(timeout_s=5)
    assert "reporting to the sync's owner failed" in caplog.text
