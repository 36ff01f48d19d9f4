"""The channel port every adapter fills: type records, credentials with parts, error kinds,
one adapter per channel, relative / asynchronous / unusable updates, the type's ceiling."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest

from app.channels.base import (
    ChannelError,
    ChannelInfo,
    ChannelLimits,
    ErrorKind,
    OrderPage,
    QuantityUpdate,
    RateBudget,
    UpdateResult,
    UpdateStatus,
)
from app.channels.registry import channel_types, synced_type_names, type_names
from app.domain.errors import BadInput
from app.services.channel_checks import parse_key_values
from app.services.channel_sync import choose_first, sync_row
from app.services.channel_words import error_words
from app.services.channels import AdapterPool, adapter_for, channel_settings
from app.services.loading import channel_specs
from app.services.secrets import KeyringCredentials, load_credentials
from app.services.shop import Shop
from app.store.models import ChannelRow, ChannelSyncRow, ListingRow, utcnow
from app.sync.engine import SyncEngine
from app.sync.read_back import CONFIRM_AFTER
from app.sync.state import channel_statuses

from .sync_world import fast_adapter_for


def test_every_channel_type_is_one_module_found_by_the_registry() -> None:
    types = channel_types()
    assert list(types)[:1] == ["manual"] and "sandbox" in types
    assert "manual" not in synced_type_names() and "sandbox" in synced_type_names()
    for name, record in types.items():
        assert record.name == name and record.label
        assert all(field.label for field in (*record.settings, *record.credentials))


def test_the_command_lines_types_are_the_registrys(rendo: Any) -> None:
    run = rendo("channel", "add", "x", "--type", "nosuch")
    assert run.code == 2
    for name in type_names():
        assert name in run.err


def test_key_value_lines_are_parsed_and_bad_lines_named() -> None:
    assert parse_key_values(["# a comment", "", " a = 1 ", "b=x=y"], "stdin") == {
        "a": "1", "b": "x=y"}
    with pytest.raises(BadInput, match="stdin, line 2: expected key=value"):
        parse_key_values(["a=1", "oops"], "stdin")
    with pytest.raises(BadInput, match="line 2: a is given twice"):
        parse_key_values(["a=1", "a=2"], "stdin")


def test_a_setting_or_credential_the_type_does_not_have_is_refused_by_name(
        rendo: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server = sandbox()
    run = rendo("channel", "add", "mall", "--type", "sandbox", "--url", server.url,
                "--set", "colour=red")
    assert run.code == 2 and "colour" in run.err and ChannelRow.select().count() == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("token=t\npassword=hunter2\n"))
    run = rendo("channel", "add", "mall", "--type", "sandbox", "--url", server.url,
                "--token-stdin")
    assert run.code == 2 and "password" in run.err and "hunter2" not in run.err
    assert ChannelRow.select().count() == 0


def test_credentials_are_one_keyring_entry_of_parts(shop: Shop, memory_keyring: Any) -> None:
    shop.add_channel("mall", "sandbox", settings={"url": "https://mall.example"},
                     credentials={"token": "t-1"})
    assert json.loads(memory_keyring.passwords[("Rendo", "channel:mall")]) == {"token": "t-1"}
    saved = channel_settings("mall")
    assert saved is not None and saved.credential_keys == ("token",)
    # written by an earlier version: a bare token
    memory_keyring.passwords[("Rendo", "channel:old")] = "bare"
    assert load_credentials("old") == {"token": "bare"}


def test_renewed_parts_go_back_to_the_keyring_at_once(shop: Shop, memory_keyring: Any) -> None:
    shop.add_channel("mall", "sandbox", settings={"url": "https://mall.example"},
                     credentials={"token": "t-1"})
    store = KeyringCredentials("mall")
    store.renew({"token": "t-2"})
    assert load_credentials("mall") == {"token": "t-2"} and store.get("token") == "t-2"
    assert store.secrets() == ["t-2"]


def test_the_channel_types_ceiling_bounds_the_users_numbers(shop: Shop) -> None:
    ceiling = channel_types()["sandbox"].limits.maximum_quantity
    assert ceiling is not None
    with pytest.raises(BadInput, match="at most"):
        shop.add_channel("mall", "sandbox", maximum=ceiling + 1,
                         settings={"url": "https://mall.example"})
    with pytest.raises(BadInput, match="at most"):
        shop.add_channel("mall", "sandbox", unlimited_qty=ceiling + 1,
                         settings={"url": "https://mall.example"})
    shop.add_channel("mall", "sandbox", maximum=None, settings={"url": "https://mall.example"})
    shop.add_channel("floor", "manual", maximum=None, unlimited_qty=10**6)
    specs = {spec.name: spec for spec in channel_specs()}
    assert specs["mall"].maximum == ceiling  # no maximum of the user's: the channel's own
    assert specs["floor"].maximum is None and specs["floor"].unlimited_qty == 10**6


def test_one_adapter_per_channel_until_its_settings_or_credentials_change(
        shop: Shop, memory_keyring: Any) -> None:
    shop.add_channel("mall", "sandbox", settings={"url": "https://mall.example"},
                     credentials={"token": "t-1"})
    pool = AdapterPool()
    first = pool.get(ChannelRow.get(ChannelRow.name == "mall"))
    assert first is not None
    assert pool.get(ChannelRow.get(ChannelRow.name == "mall")) is first
    KeyringCredentials("mall").renew({"token": "t-1"})  # the same parts: no change
    assert pool.get(ChannelRow.get(ChannelRow.name == "mall")) is first
    shop.set_credentials("mall", {"token": "t-2"})  # the user's new credentials
    second = pool.get(ChannelRow.get(ChannelRow.name == "mall"))
    assert second is not first and second is not None
    shop.update_channel("mall", url="https://other.example")
    third = pool.get(ChannelRow.get(ChannelRow.name == "mall"))
    assert third is not second
    pool.close()


def test_refused_credentials_stop_the_channel_until_new_ones_come(
        shop: Shop, sandbox: Any, memory_keyring: Any) -> None:
    shop.add_item("A")
    shop.adjust("A", "+5")
    locked, open_ = sandbox({"A": 0}, token="right"), sandbox({"A": 0})
    shop.add_channel("locked", "sandbox", settings={"url": locked.url},
                     credentials={"token": "wrong"})
    shop.add_channel("open", "sandbox", settings={"url": open_.url})
    for name in ("locked", "open"):
        choose_first(name, "push")
    engine = SyncEngine(shop, adapter_for)
    reports = {r.channel: r for r in engine.run_due(force=True)}
    assert not reports["locked"].ok and reports["locked"].error_kind == "authentication"
    assert reports["open"].ok
    status = {s.name: s for s in channel_statuses()}["locked"]
    assert status.stopped and status.state == "stopped"
    words = error_words("locked", "sandbox", status.error_kind, "")
    assert "locked" in words and "Token" in words  # names what to renew
    assert engine.due_channels(force=True) == ["open"]  # not retried, even when forced
    cursor = sync_row(ChannelRow.get(ChannelRow.name == "locked")).cursor
    shop.set_credentials("locked", {"token": "right"})
    assert "locked" in engine.due_channels()
    assert sync_row(ChannelRow.get(ChannelRow.name == "locked")).cursor == cursor
    assert {r.channel: r.ok for r in engine.run_due()}.get("locked") is True
    assert locked.shop.quantity("A") == 5


def test_an_unknown_kind_shows_the_detail_and_every_kind_has_words() -> None:
    assert error_words("mall", "sandbox", "", "HTTP 500") == "HTTP 500"
    for kind in ErrorKind:
        text = error_words("mall", "sandbox", kind.value)
        assert "mall" in text and "{" not in text


class PortChannel:
    """A channel held in memory that answers the port as a relative / asynchronous /
    unusable channel would: for the engine's side of the port only (real channels are
    tested against their HTTP doubles)."""

    def __init__(self, info: ChannelInfo, limits: ChannelLimits, shown: dict[str, int]) -> None:
        self.info, self.limits, self.shown = info, limits, shown
        self.sent: list[QuantityUpdate] = []
        self.unusable: set[str] = set()
        self.orders: list[Any] = []
        self.queued: dict[str, int] = {}
        self.deadlines: list[float | None] = []

    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        lines, self.orders = self.orders, []
        return OrderPage(lines, str(int(cursor or 0) + 1))

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        results = []
        for update in updates:
            self.sent.append(update)
            sku = update.channel_item_id
            if sku in self.unusable:
                results.append(UpdateResult(sku, UpdateStatus.UNUSABLE, message="not managed"))
            elif self.limits.asynchronous:
                self.queued[sku] = update.quantity
                results.append(UpdateResult(sku, UpdateStatus.SUBMITTED))
            elif update.delta is not None:
                self.shown[sku] += update.delta
                results.append(UpdateResult(sku, UpdateStatus.OK, self.shown[sku]))
            else:
                self.shown[sku] = update.quantity
                results.append(UpdateResult(sku, UpdateStatus.OK, self.shown[sku]))
        return results

    def read_quantities(self) -> dict[str, int]:
        return dict(self.shown)

    def process_queue(self) -> None:
        self.shown.update(self.queued)
        self.queued.clear()

    def test_connection(self) -> None: ...

    def set_deadline(self, deadline: float | None) -> None:
        self.deadlines.append(deadline)

    def cancel(self) -> None: ...

    def close(self) -> None: ...

    def budget(self) -> RateBudget | None:
        return None


def _one_channel(shop: Shop, limits: ChannelLimits, shown: dict[str, int]) -> tuple[
        SyncEngine, PortChannel]:
    shop.add_channel("port", "sandbox", settings={"url": "https://port.example"})
    choose_first("port", "push")
    row = ChannelRow.get(ChannelRow.name == "port")
    channel = PortChannel(ChannelInfo("port", "sandbox", {}, row.connected_at), limits, shown)
    engine = SyncEngine(shop, lambda r: channel if r.name == "port" else fast_adapter_for(r))
    return engine, channel


def test_a_relative_channel_gets_the_difference_and_keeps_an_order_it_took(shop: Shop) -> None:
    from app.domain.orders import OrderLine

    shop.add_item("A")
    shop.adjust("A", "+10")
    engine, channel = _one_channel(shop, ChannelLimits(relative=True), {"A": 4})
    engine.run_due(force=True)  # first sync: read 4, then push 10 as +6
    assert channel.shown["A"] == 10 and channel.sent[-1].delta == 6
    shop.adjust("A", "+3")  # 13 wanted
    channel.shown["A"] -= 2  # the channel sold 2, not read yet
    channel.orders = [OrderLine("port", "o1", "1", "A", 2)]
    before = len(channel.sent)
    engine.run_due(force=True)
    sent = channel.sent[before:]
    assert [u.delta for u in sent] == [3]  # the difference from what it was believed to show
    assert shop.book.on_hand["A"] == 11
    assert channel.shown["A"] == 11  # 10 − 2 sold + 3: the order stays taken
    listing = ListingRow.get(ListingRow.channel_item_id == "A")
    assert listing.believed_qty == 11


def test_a_submitted_number_waits_for_a_read_to_confirm_it(shop: Shop) -> None:
    shop.add_item("A")
    shop.adjust("A", "+6")
    engine, channel = _one_channel(shop, ChannelLimits(asynchronous=True), {"A": 0})
    engine.run_due(force=True)
    listing = ListingRow.get(ListingRow.channel_item_id == "A")
    assert channel.shown["A"] == 0 and listing.pending == [6]
    channel.process_queue()  # the channel applies the feed later
    engine.clock = lambda: utcnow() + CONFIRM_AFTER  # the time it gets before a read
    engine.run_due(force=True)
    listing = ListingRow.get(ListingRow.channel_item_id == "A")
    assert listing.believed_qty == 6 and listing.pending == [] and listing.drift_qty is None


def test_an_unusable_listing_is_suspended_at_once_and_not_retried(shop: Shop) -> None:
    shop.add_item("A")
    shop.add_item("B")
    shop.adjust("A", "+6")
    shop.adjust("B", "+2")
    engine, channel = _one_channel(shop, ChannelLimits(), {"A": 0, "B": 0})
    channel.unusable.add("A")
    engine.run_due(force=True)
    listing = ListingRow.get(ListingRow.channel_item_id == "A")
    assert listing.suspended and listing.last_error == "not managed"
    assert channel.shown["B"] == 2
    tries = len([u for u in channel.sent if u.channel_item_id == "A"])
    shop.adjust("A", "+1")
    engine.run_due(force=True)
    assert len([u for u in channel.sent if u.channel_item_id == "A"]) == tries


def test_the_http_client_gives_refusals_a_kind(dead_url: str, sandbox: Any) -> None:
    from app.channels.http import HttpClient

    client = HttpClient(dead_url, max_retries=0, timeout=0.5)
    with pytest.raises(ChannelError) as caught:
        client.request("GET", "/api/shop")
    assert caught.value.kind is ErrorKind.UNREACHABLE
    locked = sandbox({}, token="right")
    client = HttpClient(locked.url, token_getter=lambda: "wrong", max_retries=0)
    with pytest.raises(ChannelError) as caught:
        client.request("GET", "/api/shop")
    assert caught.value.kind is ErrorKind.AUTHENTICATION and caught.value.stops_channel
    client = HttpClient(locked.url, auth=lambda: {"Authorization": "Bearer right"},
                        secrets=lambda: ["right"])
    assert client.call("GET", "/api/shop", ok=(200,)).status == 200


def test_a_locked_keyring_is_retried_later_never_taken_for_refused_credentials(
        shop: Shop, sandbox: Any, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    from app.store.errors import EnvironmentFailure

    shop.add_item("A")
    shop.adjust("A", "+5")
    server = sandbox({"A": 0}, token="right")
    shop.add_channel("mall", "sandbox", settings={"url": server.url},
                     credentials={"token": "right"})
    choose_first("mall", "push")
    engine = SyncEngine(shop, AdapterPool())
    keyring.set_keyring(fail.Keyring())  # locked: the PC just woke
    try:
        with pytest.raises(EnvironmentFailure, match="keyring"):
            engine.run_due(force=True)
        with pytest.raises(EnvironmentFailure):  # and no saved part is lost meanwhile
            shop.update_channel("mall", credentials={"token": "other"})
    finally:
        keyring.set_keyring(memory_keyring)
    state = sync_row(ChannelRow.get(ChannelRow.name == "mall"))
    assert state.error_kind == "" and "mall" in engine.due_channels()
    assert load_credentials("mall") == {"token": "right"}
    assert all(r.ok for r in engine.run_due(force=True))
    assert server.shop.quantity("A") == 5


def test_a_bare_token_may_hold_equals_signs_and_a_pasted_secret_is_never_repeated(
        rendo: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch, memory_keyring: Any) -> None:
    server = sandbox()
    monkeypatch.setattr("sys.stdin", io.StringIO("c2VjcmV0LXRva2Vu==\n"))
    assert rendo("channel", "add", "mall", "--type", "sandbox", "--url", server.url,
                 "--token-stdin").code == 0
    assert load_credentials("mall") == {"token": "c2VjcmV0LXRva2Vu=="}
    monkeypatch.setattr("sys.stdin", io.StringIO("token=a\nSeCrEt+/x=y\n"))
    run = rendo("channel", "credentials", "mall", "--token-stdin")
    assert run.code == 2 and "SeCrEt" not in run.err and "token" in run.err


def test_a_channel_is_added_with_every_credential_its_type_needs_or_none(shop: Shop) -> None:
    from app.channels.channel_type import ChannelType, Field

    two = ChannelType("two-part", "Two", factory=lambda info, credentials: None,  # type: ignore
                      credentials=(Field("key", "Key"), Field("secret", "Secret")))
    types = {**channel_types(), "two-part": two}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.services.channel_checks.channel_type", types.get)
        with pytest.raises(BadInput, match="secret"):
            shop.add_channel("half", "two-part", settings={"url": "https://x.example"},
                             credentials={"key": "k"})
        shop.add_channel("later", "two-part", settings={"url": "https://x.example"})
        assert ChannelRow.select().where(ChannelRow.name == "half").count() == 0


def test_a_cycle_that_reads_every_listing_back_gets_more_time_than_a_plain_one(
        shop: Shop) -> None:
    import time

    shop.add_item("A")
    engine, channel = _one_channel(shop, ChannelLimits(), {"A": 0})
    engine.cycle_deadline_s = 60
    engine.run_due(force=True)  # the first connection reads every listing back
    started = time.monotonic()
    longest = max(d for d in channel.deadlines if d is not None)
    assert longest - started > 1000  # READ_BACK_DEADLINE_S, not the cycle's 60 s
    channel.deadlines.clear()
    shop.adjust("A", "+1")
    engine.run_due(force=True)  # no read-back: the usual deadline
    assert max(d for d in channel.deadlines if d is not None) - time.monotonic() < 61


def test_a_listing_the_channel_no_longer_has_is_not_found_never_in_step(shop: Shop) -> None:
    from app.services.channel_sync import resume_listing
    from app.sync.state import listings_of, problem_listings, unsettled_listings

    shop.add_item("A")
    shop.add_item("B")
    shop.adjust("A", "+4")
    shop.adjust("B", "+4")
    engine, channel = _one_channel(shop, ChannelLimits(), {"A": 0, "B": 0})
    engine.run_due(force=True)
    assert channel.shown == {"A": 4, "B": 4}
    del channel.shown["B"]  # removed on the channel (or never there: accepted, not kept)
    ChannelSyncRow.update(last_drift_check_at=None).execute()
    [report] = engine.run_due(force=True)
    assert report.missing == ["B"]
    [view] = listings_of("B")
    assert view.state == "not_found"
    assert "B" in {v.code for v in problem_listings()} | {v.code for v in unsettled_listings()}
    sent = len(channel.sent)
    shop.adjust("B", "+1")
    engine.run_due(force=True)
    assert [u.channel_item_id for u in channel.sent[sent:]] == []  # not written
    channel.shown["B"] = 2  # listed again on the channel
    resume_listing("port", "B")
    ChannelSyncRow.update(last_drift_check_at=None).execute()
    engine.run_due(force=True)
    [view] = listings_of("B")
    assert view.state == "ok" and channel.shown["B"] == 5
