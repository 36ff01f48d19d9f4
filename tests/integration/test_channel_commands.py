"""The channel commands: add with a token kept in the keyring, first-sync choice, preview,
interval, status list."""

from __future__ import annotations

import io

import pytest

from app.channels.sandbox_server import SandboxServer, SandboxShop


@pytest.fixture
def mall():
    sandbox = SandboxShop()
    sandbox.add_listing("A", 7)
    sandbox.add_listing("ZZ", 1)
    server = SandboxServer(sandbox)
    server.start()
    yield server
    server.stop()


def test_a_token_goes_to_the_keyring_and_never_to_the_database(
    rendo, mall, memory_keyring, monkeypatch, db_dump
):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-token\n"))
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", mall.url,
                 "--token-stdin").code == 0
    assert memory_keyring.passwords == {("Rendo", "channel:mall"): "s3cret-token"}
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
    assert "stocktake" in rendo("history", "A").out


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
