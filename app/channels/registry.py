"""Which channel types exist: every module or package of ``app.channels`` that defines
``CHANNEL_TYPE`` (a ``ChannelType``). Adding a channel type is adding one module.

Only what the channels themselves know. Reading a saved channel and its credentials (the
store, the keyring) is the services' part: ``app.services.channels.adapter_for``.
(build_spec.py collects every submodule of app.channels for the frozen build.)
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import app.channels as package

from .base import ChannelAdapter, ChannelInfo, Credentials
from .channel_type import ChannelType


@cache
def channel_types() -> dict[str, ChannelType]:
    """Every channel type by name, in the order lists show them."""
    found: list[ChannelType] = []
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        record = getattr(loaded, "CHANNEL_TYPE", None)
        if isinstance(record, ChannelType):
            found.append(record)
    found.sort(key=lambda t: (t.order, t.name))
    return {t.name: t for t in found}


def channel_type(name: str) -> ChannelType | None:
    return channel_types().get(name)


def type_names() -> tuple[str, ...]:
    return tuple(channel_types())


def synced_type_names() -> tuple[str, ...]:
    return tuple(name for name, t in channel_types().items() if t.synced)


def make_adapter(info: ChannelInfo, credentials: Credentials) -> ChannelAdapter | None:
    """The adapter for a channel of ``info.type``, or None for one with nothing to sync."""
    record = channel_type(info.type)
    if record is None or record.factory is None:
        return None
    return record.factory(info, credentials)
