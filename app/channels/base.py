"""The one small interface every channel adapter implements.

Shapes of the real APIs this must fit (issue 3): Shopify names stock by inventory item and
location and has compare-and-set; 楽天 RMS by 商品管理番号 + SKU 管理番号; Yahoo! by item code
+ sub-code and takes relative values; Amazon by seller SKU through asynchronous feeds. An
adapter turns its channel's id into one text ``channel_item_id`` (joined with ``/`` where the
channel uses two parts) and reports per listing, never failing a whole batch for one item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from app.domain.orders import OrderLine

MAX_WAIT_S = 3600  # the longest a channel is left alone, whatever (inf, 1e14 s) it asks


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    batch_size: int = 100
    requests_per_second: float = 5.0
    maximum_quantity: int | None = None
    unlimited_quantity: int = 9999
    compare_and_set: bool = False
    relative: bool = False
    order_overlap_s: int = 120
    # the channel puts units back on its own shown quantity when an order is cancelled
    restocks_on_cancel: bool = False


@dataclass(frozen=True, slots=True)
class OrderPage:
    """Order lines changed since a cursor, and the cursor to ask from next time.

    The cursor never passes the channel's "now" (nor Rendo's): an order stamped in the future
    must not make every later order look already read.
    """

    lines: list[OrderLine]
    next_cursor: str
    more: bool = False


@dataclass(frozen=True, slots=True)
class QuantityUpdate:
    channel_item_id: str
    quantity: int
    expected: int | None = None  # compare-and-set: the quantity the channel should have now


class UpdateStatus(StrEnum):
    OK = "ok"
    CONFLICT = "conflict"  # compare-and-set failed: the channel's number changed meanwhile
    REJECTED = "rejected"  # the channel refused this listing (unknown id, bad value…)
    RETRY = "retry"  # a passing failure (rate limit, server error): try again later


@dataclass(frozen=True, slots=True)
class UpdateResult:
    channel_item_id: str
    status: UpdateStatus
    quantity: int | None = None  # what the channel shows now, when it said
    message: str = ""
    retry_after: float | None = None  # RETRY: the channel asked to wait this long


class ChannelError(Exception):
    """The channel could not be reached or answered in a way that fails the whole call."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    name: str
    type: str
    settings: dict[str, object] = field(default_factory=dict)
    connected_at: datetime | None = None


class ChannelAdapter(Protocol):
    """What the sync engine asks of a channel."""

    info: ChannelInfo
    limits: ChannelLimits

    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        """Order lines created, changed or cancelled after *cursor* (or *since*)."""
        ...

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        """Set at most ``limits.batch_size`` listings; one result per update."""
        ...

    def read_quantities(self) -> dict[str, int]:
        """What the channel shows now, per channel item id (drift, first connection)."""
        ...

    def test_connection(self) -> None:
        """Raise ChannelError with a plain message when the channel cannot be used."""
        ...

    def set_deadline(self, deadline: float | None) -> None:
        """No call may run past *deadline* (a ``time.monotonic()`` value; None: no limit)."""
        ...

    def cancel(self) -> None:
        """Give up every call now (Rendo is stopping); safe to call from any thread."""
        ...
