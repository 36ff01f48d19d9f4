"""Fixtures for the sync screens: an in-memory keyring, sandbox shops, a running sync thread.

Imported by the sync-panel, channel and tray tests (``from .sync_support import …``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.channels.base import ChannelAdapter
from app.channels.http import HttpClient
from app.channels.sandbox import SandboxChannel
from app.channels.sandbox_server import SandboxServer, SandboxShop
from app.services.channels import channel_info
from app.services.shop import Shop
from app.store.models import ChannelRow
from app.sync.worker import SyncThread


def fast_adapter_for(row: ChannelRow) -> ChannelAdapter | None:
    """Sandbox adapters whose retries wait milliseconds, to keep the tests quick."""
    if row.type != "sandbox":
        return None
    info = channel_info(row)
    client = HttpClient(str(info.settings["url"]), timeout=(0.5, 3.0), max_retries=1,
                        backoff_base=0.01, max_backoff=0.05)
    return SandboxChannel(info, client=client)


@pytest.fixture
def sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Start sandbox shops on loopback: ``sandbox({"A": 3}, token=None)``."""
    servers: list[SandboxServer] = []

    def start(listings: dict[str, int] | None = None, token: str | None = None) -> SandboxServer:
        shop = SandboxShop()
        for sku, quantity in (listings or {}).items():
            shop.add_listing(sku, quantity)
        server = SandboxServer(shop, token=token)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def dead_url(sandbox: Callable[..., SandboxServer]) -> str:
    """The address of a sandbox shop that has just closed: nothing answers there."""
    server = sandbox()
    url = server.url
    server.stop()
    return url


@pytest.fixture
def sync_thread(shop: Shop) -> Iterator[Callable[..., SyncThread]]:
    """A SyncThread on the test's shop with fast adapters; ``sync_thread(start=True)``."""
    threads: list[SyncThread] = []

    def make(start: bool = True) -> SyncThread:
        thread = SyncThread(shop, fast_adapter_for)
        threads.append(thread)
        if start:
            thread.start()
        return thread

    yield make
    for thread in threads:
        assert thread.stop(), "the sync thread did not stop"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "rendo.ini"), QSettings.Format.IniFormat)
