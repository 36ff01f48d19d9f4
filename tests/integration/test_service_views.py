"""What services hand to the window and the command line: frozen views instead of store rows
(a channel's settings, kept order lines), and adapters built from a saved channel and its
keyring token (app/services/channels.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from app.channels.sandbox import SandboxChannel
from app.domain.orders import OrderLine
from app.services.channels import (
    ChannelSettings,
    adapter_as_typed,
    adapter_for,
    channel_settings,
)
from app.services.orders import UnmatchedLine, apply_order, line_problem, unmatched_lines
from app.services.shop import Shop
from app.store.models import ChannelRow

pytestmark = pytest.mark.databases("sqlite", "postgresql")


URL = "http://127.0.0.1:9/"


def _token(adapter: Any) -> str | None:
    assert isinstance(adapter, SandboxChannel)
    try:
        return adapter.client.token_getter()
    finally:
        adapter.close()


def test_the_window_reads_a_channels_settings_without_its_row(shop: Shop) -> None:
    shop.add_channel("web", "sandbox", maximum=50, unlimited_qty=500, settings={"url": URL},
                     token="secret")
    shop.add_channel("shop-floor")
    web = channel_settings("web")
    assert web is not None
    assert web == ChannelSettings(name="web", type="sandbox", enabled=True, url=URL, maximum=50,
                                  unlimited_qty=500, connected_at=web.connected_at,
                                  has_token=True, options={}, credential_keys=("token",))
    assert web.connected_at is not None
    floor = channel_settings("shop-floor")
    assert floor is not None
    assert (floor.type, floor.url, floor.maximum, floor.has_token) == ("manual", "", None, False)
    assert channel_settings("nowhere") is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        web.url = "http://127.0.0.1:1/"  # type: ignore[misc]


def test_a_saved_channel_gets_its_adapter_with_the_keyring_token(shop: Shop) -> None:
    shop.add_channel("web", "sandbox", settings={"url": URL}, token="secret")
    shop.add_channel("shop-floor")
    web = ChannelRow.get(ChannelRow.name == "web")
    adapter = adapter_for(web)
    assert isinstance(adapter, SandboxChannel) and adapter.info.settings["url"] == URL
    assert _token(adapter) == "secret"
    assert _token(adapter_for(web, credentials={"token": "typed"})) == "typed"
    assert adapter_for(ChannelRow.get(ChannelRow.name == "shop-floor")) is None


def test_a_channel_as_typed_uses_the_typed_token_or_else_the_factory(shop: Shop) -> None:
    assert _token(adapter_as_typed("new", "sandbox", URL, {"token": "typed"})) == "typed"
    seen: list[tuple[str, str, object]] = []

    def factory(row: ChannelRow) -> None:
        seen.append((row.name, row.type, row.settings))

    assert adapter_as_typed("new", "sandbox", URL, None, factory) is None
    assert adapter_as_typed("floor", "manual", "", {"token": "typed"}, factory) is None
    assert seen == [("new", "sandbox", {"url": URL}), ("floor", "manual", {})]
    assert ChannelRow.select().count() == 0  # nothing saved


def test_kept_order_lines_are_views_that_name_their_channel(shop: Shop) -> None:
    shop.add_channel("web")
    apply_order(shop, [OrderLine("web", "o-1", "1", "NOT-HERE", 2)])
    [line] = unmatched_lines()
    assert isinstance(line, UnmatchedLine)
    assert (line.channel, line.order_id, line.line_id, line.channel_item_id, line.quantity,
            line.cancelled, line.problem) == ("web", "o-1", "1", "NOT-HERE", 2, False, "")
    assert line.seen_at is not None and line_problem(line) is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.quantity = 3  # type: ignore[misc]
