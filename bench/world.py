"""Shared set-up of the sync benchmarks: a database, sandbox shops on loopback, channels."""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.channels.base import ChannelAdapter
from app.channels.http import HttpClient
from app.channels.sandbox import SandboxChannel
from app.channels.sandbox_server import SandboxServer, SandboxShop
from app.services.channel_sync import choose_first
from app.services.channels import channel_info
from app.services.shop import Shop
from app.store.database import open_database
from app.store.models import ChannelRow, ItemRow, MovementRow, utcnow


def fresh_shop(stock: dict[str, int]) -> Shop:
    """A new database in a temporary folder with these singles, written in bulk."""
    folder = Path(tempfile.mkdtemp(prefix="rendo-bench-"))
    database = open_database(str(folder / "bench.sqlite3"))
    now = utcnow()
    with database.atomic():
        rows = [{"code": c, "name": c, "on_hand": q, "created_at": now, "variant": {}}
                for c, q in stock.items()]
        for start in range(0, len(rows), 500):
            ItemRow.insert_many(rows[start:start + 500]).execute()
        ids = dict(ItemRow.select(ItemRow.code, ItemRow.id).tuples())
        moves = [{"item": ids[c], "delta": q, "reason": "receive", "reference": "bench",
                  "user": "bench", "created_at": now} for c, q in stock.items() if q]
        for start in range(0, len(moves), 500):
            MovementRow.insert_many(moves[start:start + 500]).execute()
    return Shop()


def start_shops(shop: Shop, names: list[str], listed: dict[str, int],
                interval_s: int | None = None) -> dict[str, SandboxServer]:
    """One sandbox shop per name listing *listed*; channels added and set to push first."""
    from app.services.channel_sync import sync_row
    from app.store.models import ChannelSyncRow

    servers = {}
    for name in names:
        sandbox = SandboxShop()
        for code, quantity in listed.items():
            sandbox.add_listing(code, quantity)
        server = SandboxServer(sandbox)
        server.start()
        servers[name] = server
        shop.add_channel(name, "sandbox", settings={"url": server.url})
        choose_first(name, "push")
        if interval_s is not None:
            row = sync_row(ChannelRow.get(ChannelRow.name == name))
            ChannelSyncRow.update(interval_s=interval_s).where(
                ChannelSyncRow.id == row.id).execute()
    return servers


class CountingAdapters:
    """Adapter factory that keeps one adapter per channel so HTTP calls can be counted."""

    def __init__(self) -> None:
        self.adapters: dict[str, SandboxChannel] = {}

    def __call__(self, row: ChannelRow) -> ChannelAdapter | None:
        if row.type != "sandbox":
            return None
        if row.name not in self.adapters:
            info = channel_info(row)
            client = HttpClient(str(info.settings["url"]), backoff_base=0.05)
            self.adapters[row.name] = SandboxChannel(info, client=client)
        return self.adapters[row.name]

    def calls(self) -> int:
        return sum(adapter.client.calls for adapter in self.adapters.values())


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now
