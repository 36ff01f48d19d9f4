"""Which adapter talks to a channel of each type.

Only what the channels themselves know: the types and the adapter class of each. Reading a
saved channel and its token (the store, the keyring) is the services' part:
``app.services.channels.adapter_for``.
"""

from __future__ import annotations

from .base import ChannelAdapter, ChannelInfo

SYNCED_TYPES = ("sandbox",)
CHANNEL_TYPES = ("manual", *SYNCED_TYPES)


def make_adapter(info: ChannelInfo, token: str | None) -> ChannelAdapter | None:
    """The adapter for a channel of ``info.type``, or None for a manual one (nothing to sync)."""
    if info.type == "sandbox":
        from .sandbox import SandboxChannel

        return SandboxChannel(info, token=token)
    return None
