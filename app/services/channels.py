"""Channels as the window and the command line see them: saved settings and their adapters.

The window reads a channel through ``ChannelSettings`` (never the row), and every entry point
gets its adapters from ``adapter_for`` (a fresh one) or an ``AdapterPool`` (one per channel
for as long as its settings and credentials stay the same, so that its rate-limit buckets
and tokens carry over between cycles).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.channels.base import (
    ChannelAdapter,
    ChannelError,
    ChannelInfo,
    ErrorKind,
    MemoryCredentials,
)
from app.channels.registry import channel_type, make_adapter
from app.store.models import ChannelRow, utcnow

from .channel_checks import missing_credentials
from .secrets import KeyringCredentials, load_credentials

log = logging.getLogger(__name__)

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
    options: dict[str, str] = field(default_factory=dict)  # ``--set key=value``; url apart
    credential_keys: tuple[str, ...] = ()  # the credential parts saved (never their values)


def channel_settings(name: str) -> ChannelSettings | None:
    """The settings of channel *name*; None when there is no such channel."""
    row = ChannelRow.get_or_none(ChannelRow.name == name)
    if row is None:
        return None
    settings = dict(row.settings or {})
    parts = load_credentials(row.name) or {}
    return ChannelSettings(
        name=row.name, type=row.type, enabled=bool(row.enabled),
        url=str(settings.get("url") or ""), maximum=row.maximum,
        unlimited_qty=row.unlimited_qty, connected_at=row.connected_at,
        has_token=bool(parts),
        options={str(k): str(v) for k, v in settings.items() if k != "url"},
        credential_keys=tuple(sorted(k for k, v in parts.items() if v)),
    )


def channel_info(row: ChannelRow) -> ChannelInfo:
    """What an adapter knows of its channel (the row stays on this side)."""
    return ChannelInfo(row.name, row.type, dict(row.settings or {}), row.connected_at)


def adapter_for(row: ChannelRow, credentials: dict[str, str] | None = None
                ) -> ChannelAdapter | None:
    """A new adapter for *row*, or None for a channel with nothing to sync.

    The credentials come from the keyring (renewed tokens go back there) unless some are
    given (a form's "test connection" before they are saved).
    """
    record = channel_type(row.type)
    if record is None or not record.synced:
        return None
    store = (MemoryCredentials(credentials) if credentials is not None
             else KeyringCredentials(row.name))
    _check_complete(row, store.parts)
    return make_adapter(channel_info(row), store)


def adapter_as_typed(name: str, type_: str, url: str, credentials: dict[str, str] | None,
                     factory: Factory = adapter_for,
                     options: dict[str, str] | None = None) -> ChannelAdapter | None:
    """The adapter for a channel as typed in a form, not saved yet.

    ``factory`` reads the credentials from the keyring; credentials typed but not saved yet
    are handed to the adapter directly instead.
    """
    settings: dict[str, object] = {**(options or {}), **({"url": url} if url else {})}
    row = ChannelRow(name=name, type=type_, settings=settings, connected_at=utcnow())
    record = channel_type(type_)
    if credentials and record is not None and record.synced:
        return make_adapter(channel_info(row), MemoryCredentials(credentials))
    return factory(row)


class AdapterPool:
    """One adapter per channel, kept while the channel's type, settings, connection time and
    credentials stay the same; closed when they change, the channel goes, or on ``close``.

    Credentials the adapter renewed itself (a refreshed token) do not count as a change: the
    pool compares the keyring with what the adapter's own store holds.
    """

    def __init__(self, make: Callable[[ChannelRow, KeyringCredentials], ChannelAdapter | None]
                 | None = None) -> None:
        self._make = make or _make_from_keyring
        self._lock = threading.Lock()
        self._adapters: dict[str, tuple[str, KeyringCredentials, ChannelAdapter | None]] = {}
        self._closed = False

    def __call__(self, row: ChannelRow) -> ChannelAdapter | None:
        return self.get(row)

    def get(self, row: ChannelRow) -> ChannelAdapter | None:
        """The channel's adapter; ``EnvironmentFailure`` when the keyring cannot be read now,
        ``ChannelError`` (refused credentials: the channel stops) when required parts are
        missing. None once the pool is closed: a channel's thread still running after the
        runner's stop timeout makes no adapter that no one would close."""
        if self._closed:
            return None
        key = _settings_key(row)
        current = load_credentials(row.name, strict=True) or {}
        with self._lock:
            if self._closed:
                return None
            kept = self._adapters.get(row.name)
            if kept is not None and kept[0] == key and kept[1].parts == current:
                return kept[2]
            self._adapters.pop(row.name, None)
            if kept is not None:
                _close(kept[2])
            _check_complete(row, current)
            store = KeyringCredentials(row.name, current)
            adapter = self._make(row, store)
            self._adapters[row.name] = (key, store, adapter)
            return adapter

    def discard(self, name: str) -> None:
        """Close the adapter of channel *name* (removed, or its settings changed)."""
        with self._lock:
            kept = self._adapters.pop(name, None)
        if kept is not None:
            _close(kept[2])

    def close(self) -> None:
        """Close every adapter; the pool makes none after this."""
        with self._lock:
            self._closed = True
            kept = list(self._adapters.values())
            self._adapters.clear()
        for _key, _store, adapter in kept:
            _close(adapter)


def _check_complete(row: ChannelRow, parts: dict[str, str]) -> None:
    """No adapter for a channel without the credentials its type requires: it would be
    refused by the channel anyway; this says which parts to enter."""
    record = channel_type(row.type)
    missing = missing_credentials(record, parts) if record is not None else []
    if missing:
        raise ChannelError(f"{row.name}: no saved {', '.join(missing)}",
                           kind=ErrorKind.AUTHENTICATION, renew=tuple(missing))


def _make_from_keyring(row: ChannelRow, store: KeyringCredentials) -> ChannelAdapter | None:
    record = channel_type(row.type)
    if record is None or not record.synced:
        return None
    return make_adapter(channel_info(row), store)


def _settings_key(row: ChannelRow) -> str:
    return json.dumps([row.type, row.settings or {}, str(row.connected_at)], sort_keys=True,
                      default=str)


def _close(adapter: ChannelAdapter | None) -> None:
    if adapter is None:
        return
    try:
        adapter.close()
    except Exception:  # closing is best effort: a stuck socket must not stop the others
        log.exception("closing a channel adapter failed")
