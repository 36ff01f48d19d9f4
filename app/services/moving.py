"""Preparing a shop's PostgreSQL database and moving a shop there (``rendo db …``)."""

from __future__ import annotations

from dataclasses import dataclass

from app.channels.registry import channel_type
from app.store.moving import copy_shop, init_shop


@dataclass(frozen=True)
class MovedShop:
    """What ``move_shop`` copied: rows per table, and the channels whose credentials each
    PC that syncs must enter (credentials stay in each PC's keyring, never in the database)."""

    rows: dict[str, int]
    needs_credentials: list[str]


def prepare_database(url: str) -> tuple[int, int]:
    """Give the PostgreSQL database at *url* the shop's tables; (schema before, after)."""
    return init_shop(url)


def move_shop(source: str, url: str) -> MovedShop:
    """Copy the shop in ``sqlite:PATH`` into the empty PostgreSQL database at *url*."""
    copied = copy_shop(source, url)
    needing = []
    for name, type_ in copied.channels:
        record = channel_type(type_)
        if record is not None and record.credentials:
            needing.append(name)
    return MovedShop(copied.rows, needing)
