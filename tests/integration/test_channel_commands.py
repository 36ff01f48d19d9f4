"""The channel commands: add with a token kept in the keyring, first-sync choice, preview,
interval, status list."""

from __future__ import annotations

import io
import os
import threading

import pytest

pytestmark = pytest.mark.databases("sqlite", "postgresql")

@pytest.fixture
def mall(sandbox):
    return sandbox({"A": 7, "ZZ": 1})


def test_a_token_goes_to_the_keyring_and_never_to_the_database(
    rendo, mall, memory_keyring, monkeypatch, db_dump
):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-token\n"))
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url,
                 "--token-stdin").code == 0
    assert memory_keyring.passwords == {("Rendo", "channel:mall"): '{"token": "s3cret-token"}'}
    assert not any("s3cret-token" in line for line in db_dump())


def test_a_new_channel_waits_for_the_first_sync_choice(rendo, mall):
    assert rendo("item", "add", "A").code == 0
    assert rendo("adjust", "A", "+40").code == 0
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url).code == 0
    waiting = rendo("sync", "--once")
    assert "rendo channel first mall push|pull" in waiting.out
    preview = rendo("channel", "preview", "mall")
    assert "A\tA\t7\t40" in preview.out  # the channel shows 7, Rendo would upload 40
    assert "ZZ\t1\t-" in preview.out  # not in Rendo
    assert rendo("channel", "first", "mall", "push").code == 0
    assert rendo("sync", "--once").code == 0
    assert mall.shop.quantity("A") == 40
    listed = rendo("channel", "list").out
    assert listed.startswith("mall\tsandbox\tok\t")


def test_pull_takes_the_channels_numbers_as_on_hand(rendo, mall):
    rendo("item", "add", "A")
    rendo("adjust", "A", "+40")
    rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url, "--first", "pull")
    assert rendo("sync", "--once").code == 0
    assert rendo("stock", "--json").json()[0]["on_hand"] == 7
    assert "Stocktake" in rendo("history", "A").out


def test_plain_http_is_refused_except_to_this_pc(rendo):
    refused = rendo("channel", "add", "mall", "--type", "sandbox", "--url", "http://shop.example")
    assert refused.code == 2
    assert "https://" in refused.err
    assert rendo("channel", "add", "mall", "--type", "sandbox",
                 "--url", "https://shop.example").code == 0


@pytest.mark.parametrize("url", [
    "http://shopuser:hunter2@127.0.0.1:18601",
    "https://shopuser:hunter2@shop.example",
    "http://192.0.2.2:18600\\@127.0.0.1:18601",
])
def test_an_address_with_a_password_or_a_backslash_is_refused_and_nothing_written(
    rendo, url, memory_keyring, monkeypatch, db_dump, caplog
):
    rendo("item", "add", "A")
    before = db_dump()
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-token\n"))
    refused = rendo("channel", "add", "mall", "--type", "sandbox", "--url", url,
                    "--token-stdin")
    assert refused.code == 2
    assert len(refused.err_lines) == 1 and "hunter2" not in refused.err
    assert db_dump() == before and memory_keyring.passwords == {}
    assert "hunter2" not in caplog.text and "hunter2" not in rendo("channel", "list").out


def test_the_interval_is_kept_within_sensible_bounds(rendo, mall):
    rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url)
    assert rendo("channel", "interval", "mall", "60").code == 0
    too_fast = rendo("channel", "interval", "mall", "1")
    assert too_fast.code == 2
    assert "between 5 and 3600" in too_fast.err


# -- all or nothing with the keyring; credentials and remove -----------------------------------

@pytest.fixture
def no_keyring():
    """No usable keyring (a server without Secret Service, a locked Keychain…)."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def one_line(run, code: int, *named: str) -> str:
    assert run.code == code, (run.code, run.out, run.err)
    assert len(run.err_lines) == 1 and "Traceback" not in run.err, run.err
    for word in named:
        assert word in run.err_lines[0], (word, run.err_lines[0])
    return run.err_lines[0]


def test_with_no_usable_keyring_the_channel_is_not_added(
    rendo, mall, no_keyring, monkeypatch, db_dump
):
    assert rendo("channel", "list").code == 0  # a shop with no channel yet
    before = db_dump()
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-token\n"))
    line = one_line(rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url,
                          "--token-stdin"), 3, "mall", "keyring")
    assert "s3cret" not in line
    assert db_dump() == before
    assert rendo("channel", "list").out == ""


def test_a_channel_refused_as_a_duplicate_does_not_touch_the_keyring(
    rendo, mall, memory_keyring, monkeypatch, db_dump
):
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url).code == 0
    before = db_dump()
    monkeypatch.setattr("sys.stdin", io.StringIO("other\n"))
    one_line(rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url,
                   "--token-stdin"), 2, "mall")  # a duplicate: the keyring is not touched
    assert memory_keyring.passwords == {}
    assert db_dump() == before


def test_credentials_replace_the_token_in_the_keyring(rendo, mall, memory_keyring, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("first\n"))
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url,
                 "--token-stdin").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("second\n"))
    run = rendo("channel", "credentials", "mall", "--token-stdin")
    assert run.code == 0, run.err
    assert "mall" in run.out
    assert memory_keyring.passwords == {("Rendo", "channel:mall"): '{"token": "second"}'}
    monkeypatch.setattr("sys.stdin", io.StringIO("third\n"))
    one_line(rendo("channel", "credentials", "shop", "--token-stdin"), 2, "shop")
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    one_line(rendo("channel", "credentials", "mall", "--token-stdin"), 2, "mall")
    assert memory_keyring.passwords == {("Rendo", "channel:mall"): '{"token": "second"}'}


def test_credentials_without_a_keyring_exit_3(rendo, mall, no_keyring, monkeypatch):
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url).code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("token\n"))
    one_line(rendo("channel", "credentials", "mall", "--token-stdin"), 3, "mall", "keyring")


def _rows(dump: list[str], table: str) -> list[str]:
    return [line for line in dump if line.startswith(f'INSERT INTO "{table}"')]


@pytest.mark.databases("sqlite")  # reads SQLite's SQL dump
def test_remove_takes_the_channel_and_everything_of_it_but_not_the_ledger(
    rendo, mall, memory_keyring, monkeypatch, db_dump
):
    for args in (("item", "add", "A"), ("adjust", "A", "+40"), ("channel", "add", "web")):
        assert rendo(*args).code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("token\n"))
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url,
                 "--first", "push", "--token-stdin").code == 0
    assert rendo("sync", "--once").code == 0
    assert rendo("map", "mall", "A-OLD", "A").code == 0
    assert rendo("offset", "A", "+2", "--channel", "mall").code == 0
    mall.shop.place_order({"lines": [{"sku": "A", "quantity": 2}, {"sku": "ZZ", "quantity": 1}]})
    assert rendo("sync", "--once").code == 0
    before = db_dump()
    for table in ("applied_line", "unmatched_line", "code_map", "listing", "channel_sync",
                  "display_offset"):
        assert _rows(before, table), table  # the channel has one of each
    run = rendo("channel", "remove", "mall")
    assert run.code == 0, run.err
    assert "mall" in run.out
    after = db_dump()
    for table in ("applied_line", "unmatched_line", "code_map", "listing", "channel_sync",
                  "display_offset"):
        assert _rows(after, table) == [], table
    assert _rows(after, "movement") == _rows(before, "movement")  # the order's −2 stays
    assert _rows(after, "channel") == _rows(before, "channel")[:1]  # web stays
    assert memory_keyring.passwords == {}
    assert rendo("stock", "--json").json()[0]["on_hand"] == 38
    assert rendo("check").code == 0  # no row points to the removed channel
    assert rendo("unmatched").out == ""
    # the name is free again, and a new channel of that name starts afresh
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url).code == 0
    assert "rendo channel first mall push|pull" in rendo("sync", "--once").out


def test_remove_refuses_an_unknown_channel(rendo, db_dump):
    assert rendo("channel", "add", "web").code == 0
    before = db_dump()
    one_line(rendo("channel", "remove", "shop"), 2, "shop")
    assert db_dump() == before


def test_remove_refuses_a_channel_an_allocation_pattern_names(rendo, db_dump, memory_keyring):
    for args in (("channel", "add", "web"), ("channel", "add", "mall"),
                 ("pattern", "add", "low", "--tier", "<=10:web=50%,mall=50%")):
        assert rendo(*args).code == 0
    before = db_dump()
    one_line(rendo("channel", "remove", "mall"), 2, "mall", "low")
    assert db_dump() == before


def test_sync_once_keeps_exiting_3_while_a_channel_is_stopped_for_its_credentials(
    rendo, sandbox, memory_keyring, monkeypatch
):
    locked, other = sandbox({"A": 0}, token="right"), sandbox({"A": 0})
    assert rendo("item", "add", "A").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    assert rendo("channel", "add", "locked", "--type", "sandbox", "--url", locked.url,
                 "--first", "push", "--token-stdin").code == 0
    assert rendo("channel", "add", "other", "--type", "sandbox", "--url", other.url,
                 "--first", "push").code == 0
    assert rendo("sync", "--once").code == 3  # refused: the channel stops
    for _run in range(2):  # every later run (cron) still says so, worded by the kind
        again = rendo("sync", "--once")
        assert again.code == 3, again.out
        [line] = [line for line in again.out.splitlines() if line.startswith("locked:")]
        assert "refused Rendo's credentials" in line and "stopped" in line
        assert any(line.startswith("other: orders 0") for line in again.out.splitlines())


@pytest.mark.databases("sqlite")  # a SQLite failure ("database is locked") is simulated
def test_a_database_failure_in_one_channel_still_prints_the_others_then_one_line(
    rendo, sandbox, monkeypatch
):
    import sqlite3

    from app.services import channels

    good = sandbox({"A": 0})
    assert rendo("item", "add", "A").code == 0
    assert rendo("adjust", "A", "+4").code == 0
    for name in ("good", "bad"):
        assert rendo("channel", "add", name, "--type", "sandbox", "--url", good.url,
                     "--first", "push").code == 0
    real = channels.adapter_for

    def adapter_for(row):
        if row.name == "bad":
            raise sqlite3.OperationalError("database is locked")
        return real(row)

    monkeypatch.setattr(channels, "adapter_for", adapter_for)
    run = rendo("sync", "--once")
    line = one_line(run, 3)
    assert "busy" in line
    assert any(out.startswith("good: orders 0, unmatched 0, uploaded 1")
               for out in run.out.splitlines()), run.out
    assert good.shop.quantity("A") == 4


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_during_sync_once_ends_with_one_plain_line_and_no_traceback(
        rendo, sandbox, db_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import requests

    server = sandbox({"A": 1})
    assert rendo("item", "add", "A").code == 0
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", server.url,
                 "--first", "push").code == 0
    requests.post(f"{server.url}/api/faults", json={"slow_rate": 1.0, "slow_s": 30},
                  timeout=5)
    seen = threading.Event()
    server.on_request = lambda *_: seen.set()
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--db", db_path, "sync", "--once"],
        cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, encoding="utf-8")
    try:
        assert seen.wait(30), "the sync never called the shop"
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 130 and time.monotonic() - started < 10
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "Ctrl+C" in err
