"""Which adapter talks to a channel of each type."""

from __future__ import annotations

from app.store.models import ChannelRow

from .base import ChannelAdapter, ChannelInfo

SYNCED_TYPES = ("sandbox",)
CHANNEL_TYPES = ("manual", *SYNCED_TYPES)


def channel_info(row: ChannelRow) -> ChannelInfo:
    return ChannelInfo(row.name, row.type, dict(row.settings or {}), row.connected_at)


def adapter_for(row: ChannelRow, token: str | None = None) -> ChannelAdapter | None:
    """The adapter for *row*, or None for a manual channel (nothing to sync).

    The token comes from the keyring unless one is given (a form's "test connection" before
    the token is saved).
    """
    if row.type == "sandbox":
        from app.services.secrets import load_secret

        from .sandbox import SandboxChannel

        return SandboxChannel(channel_info(row), token=token or load_secret(row.name))
    return None
