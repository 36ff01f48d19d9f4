"""Channels as the window and the command line see them: saved settings and their adapters.

The window reads a channel through ``ChannelSettings`` (never the row), and every entry point
gets its adapters from ``adapter_for``: the saved channel, its token from the keyring, and the
adapter class that ``app.channels.registry`` names for its type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.channels.base import ChannelAdapter, ChannelInfo
from app.channels.registry import SYNCED_TYPES, make_adapter
from app.store.models import ChannelRow, utcnow

from .secrets import load_secret

Factory = Callable[[ChannelRow], ChannelAdapter | None]


@dataclass(frozen=True)
class ChannelSettings:
    """A saved channel's settings, as the channel form shows them."""

    name: str
    type: str
    enabled: bool
    url: str
    maximum: int | None
    unlimited_qty: int
    connected_at: datetime | None
    has_token: bool  # a credential is saved in the keyring (the form never shows it)


def channel_settings(name: str) -> ChannelSettings | None:
    """The settings of channel *name*; None when there is no such channel."""
    row = ChannelRow.get_or_none(ChannelRow.name == name)
    if row is None:
        return None
    settings = dict(row.settings or {})
    return ChannelSettings(
        name=row.name, type=row.type, enabled=bool(row.enabled),
        url=str(settings.get("url") or ""), maximum=row.maximum,
        unlimited_qty=row.unlimited_qty, connected_at=row.connected_at,
        has_token=load_secret(row.name) is not None,
    )


def channel_info(row: ChannelRow) -> ChannelInfo:
    """What an adapter knows of its channel (the row stays on this side)."""
    return ChannelInfo(row.name, row.type, dict(row.settings or {}), row.connected_at)


def adapter_for(row: ChannelRow, token: str | None = None) -> ChannelAdapter | None:
    """The adapter for *row*, or None for a manual channel (nothing to sync).

    The token comes from the keyring unless one is given (a form's "test connection" before
    the token is saved).
    """
    if row.type == "manual":
        return None
    return make_adapter(channel_info(row), token or load_secret(row.name))


def adapter_as_typed(name: str, type_: str, url: str, token: str | None,
                     factory: Factory = adapter_for) -> ChannelAdapter | None:
    """The adapter for a channel as typed in a form, not saved yet.

    ``factory`` reads the token from the keyring; a token typed but not saved yet is handed to
    the adapter directly instead.
    """
    row = ChannelRow(name=name, type=type_, settings={"url": url}, connected_at=utcnow())
    if token and type_ in SYNCED_TYPES:
        return make_adapter(channel_info(row), token)
    return factory(row)
