"""Which adapter talks to a channel of each type."""

from __future__ import annotations

from app.store.models import ChannelRow

from .base import ChannelAdapter, ChannelInfo

SYNCED_TYPES = ("sandbox",)
CHANNEL_TYPES = ("manual", *SYNCED_TYPES)


def channel_info(row: ChannelRow) -> ChannelInfo:
    return ChannelInfo(row.name, row.type, dict(row.settings or {}), row.connected_at)


def adapter_for(row: ChannelRow) -> ChannelAdapter | None:
    """The adapter for *row*, or None for a manual channel (nothing to sync)."""
    if row.type == "sandbox":
        from app.services.secrets import load_secret

        from .sandbox import SandboxChannel

        return SandboxChannel(channel_info(row), token=load_secret(row.name))
    return None
