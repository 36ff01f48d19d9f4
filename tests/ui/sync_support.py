"""Fixtures for the sync screens: fast sandbox adapters, a running sync thread, settings.

The sandbox shops themselves come from tests/conftest.py (``sandbox``, ``dead_url``).

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
