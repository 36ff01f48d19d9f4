"""A small shop with three sandbox channels on loopback, shared by the sync tests."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import requests

from app.channels.base import ChannelInfo
from app.channels.http import HttpClient
from app.channels.sandbox import SandboxChannel
from app.channels.sandbox_server import SandboxServer
from app.domain.sets import explode
from app.services.channel_sync import choose_first
from app.services.channels import channel_info
from app.services.shop import Shop
from app.store.models import AppliedLineRow, ChannelRow, MovementRow

SINGLES = {"A": 40, "B": 30, "C": 25, "D": 12, "E": 8, "F": 50, "007": 20}
SETS = {
    "AB": [("A", 1), ("B", 2)],
    "C3": [("C", 3)],
    "DE": [("D", 1), ("E", 1)],
    "NEST": [("AB", 1), ("DE", 1), ("007", 1)],  # a set of sets
}
CHANNELS = ("rakuten", "yahoo", "base")


def fast_adapter_for(row: ChannelRow) -> SandboxChannel | None:
    """Sandbox adapters whose retries wait milliseconds, not seconds, to keep tests quick."""
    if row.type != "sandbox":
        return None
    info: ChannelInfo = channel_info(row)
    client = HttpClient(str(info.settings["url"]), timeout=(0.5, 0.5), max_retries=3,
                        backoff_base=0.01, max_backoff=0.05)
    return SandboxChannel(info, client=client)


@dataclass
class World:
    shop: Shop
    servers: dict[str, SandboxServer]
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def codes(self) -> list[str]:
        return [*SINGLES, *SETS]

    def url(self, channel: str) -> str:
        return self.servers[channel].url

    def faults(self, channel: str, **rates: float) -> None:
        answer = self.session.post(f"{self.url(channel)}/api/faults", json=rates, timeout=5)
        assert answer.status_code == 200, answer.text

    def shown(self, channel: str) -> dict[str, int]:
        self.faults(channel)  # no faults while the test itself reads
        body = self.session.get(f"{self.url(channel)}/api/stock", timeout=5).json()
        return {item["sku"]: item["quantity"] for item in body["items"]}

    def order(self, channel: str, lines: list[tuple[str, int]]) -> str | None:
        """A customer's order; None when the shop refused it (or a fault ate the call)."""
        try:
            answer = self.session.post(
                f"{self.url(channel)}/api/orders",
                json={"lines": [{"sku": s, "quantity": q} for s, q in lines]}, timeout=2)
        except requests.RequestException:
            return None
        if answer.status_code == 201:
            return str(answer.json()["id"])
        return None

    def cancel(self, channel: str, order_id: str) -> None:
        with contextlib.suppress(requests.RequestException):
            self.session.post(f"{self.url(channel)}/api/orders/{order_id}/cancel", timeout=2)

    def change(self, channel: str, order_id: str, line_id: str, quantity: int) -> None:
        with contextlib.suppress(requests.RequestException):
            self.session.patch(f"{self.url(channel)}/api/orders/{order_id}", timeout=2,
                               json={"lines": [{"line_id": line_id, "quantity": quantity}]})

    def all_orders(self, channel: str) -> list[dict]:  # type: ignore[type-arg]
        body = self.session.get(f"{self.url(channel)}/api/_admin/orders", timeout=5).json()
        return list(body["orders"])

    def random_traffic(self, steps: int) -> Iterator[None]:
        """Seeded customers: orders of singles, sets and nested sets; changes; cancels."""
        placed: list[tuple[str, str]] = []
        for _ in range(steps):
            channel = self.rng.choice(CHANNELS)
            roll = self.rng.random()
            if placed and roll < 0.12:
                self.cancel(*placed.pop(self.rng.randrange(len(placed))))
            elif placed and roll < 0.2:
                where, order_id = self.rng.choice(placed)
                self.change(where, order_id, "1", self.rng.randint(1, 3))
            else:
                lines = [(code, self.rng.randint(1, 2))
                         for code in self.rng.sample(self.codes, self.rng.randint(1, 2))]
                order_id = self.order(channel, lines)
                if order_id is not None:
                    placed.append((channel, order_id))
            yield


def build_world(shop: Shop, sandbox: Callable[..., SandboxServer]) -> World:
    """Items, sets and three sandbox shops started with tests/conftest.py's ``sandbox``."""
    for code, on_hand in SINGLES.items():
        shop.add_item(code, f"item {code}")
        shop.adjust(code, f"+{on_hand}", "receive")
    for code, parts in SETS.items():
        shop.add_item(code, f"set {code}")
        shop.define_set(code, parts)
    servers = {}
    for name in CHANNELS:
        server = sandbox(dict.fromkeys([*SINGLES, *SETS], 0))
        servers[name] = server
        shop.add_channel(name, "sandbox", settings={"url": server.url})
        choose_first(name, "push")
    return World(shop, servers)


def expected_on_hand(world: World) -> dict[str, int]:
    """Initial stock less what every order line on every shop says was sold, now."""
    compositions = world.shop.compositions()
    result = dict(SINGLES)
    for channel in CHANNELS:
        for order in world.all_orders(channel):
            if order["status"] == "cancelled":
                continue
            for line in order["lines"]:
                for single, units in explode(line["sku"], line["quantity"],
                                             compositions).items():
                    result[single] -= units
    return result


def applied_lines_match_shops(world: World) -> list[str]:
    """Every order line on every shop applied exactly as it stands now; the differences."""
    problems = []
    for channel in CHANNELS:
        row = ChannelRow.get(ChannelRow.name == channel)
        for order in world.all_orders(channel):
            for line in order["lines"]:
                want = 0 if order["status"] == "cancelled" else line["quantity"]
                record = AppliedLineRow.get_or_none(
                    AppliedLineRow.channel == row, AppliedLineRow.order_id == str(order["id"]),
                    AppliedLineRow.line_id == str(line["line_id"]))
                got = record.quantity if record is not None else 0
                if got != want:
                    problems.append(f"{channel} {order['id']}/{line['line_id']}: {got} != {want}")
    return problems


def ledger_on_hand() -> dict[str, int]:
    from peewee import fn

    from app.store.models import ItemRow

    rows = (MovementRow.select(ItemRow.code, fn.SUM(MovementRow.delta)).join(ItemRow)
            .group_by(ItemRow.code).tuples())
    return {code: int(total) for code, total in rows}
