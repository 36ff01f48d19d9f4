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
from typing import Protocol, runtime_checkable

from app.domain.errors import QT_TRANSLATE_NOOP
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
    # writes are accepted now and applied later (UpdateStatus.SUBMITTED, confirmed by a read)
    asynchronous: bool = False


@dataclass(frozen=True, slots=True)
class OrderPage:
    """Order lines changed since a cursor, and the cursor to ask from next time.

    The cursor never passes the channel's "now" (nor Rendo's): an order stamped in the future
    must not make every later order look already read.
    """

    lines: list[OrderLine]
    next_cursor: str
    more: bool = False
    # orders left unread for now (the channel's allowance): a later read takes them, and the
    # channel's numbers may hold orders Rendo has not read yet
    deferred: bool = False


@dataclass(frozen=True, slots=True)
class QuantityUpdate:
    """Set one listing to *quantity*.

    The engine fills what the channel can use (``ChannelLimits``): *expected* for
    compare-and-set (the quantity the channel should show now; the channel refuses the write
    with CONFLICT when it shows something else) and, for a channel with relative adjustment,
    *delta* = quantity − what Rendo believes the channel shows, so that an order the channel
    took meanwhile stays taken. An adapter with neither sets *quantity* absolutely.
    """

    channel_item_id: str
    quantity: int
    expected: int | None = None
    delta: int | None = None


class UpdateStatus(StrEnum):
    OK = "ok"
    CONFLICT = "conflict"  # compare-and-set failed: the channel's number changed meanwhile
    REJECTED = "rejected"  # the channel refused this listing (unknown id, bad value…)
    RETRY = "retry"  # a passing failure (rate limit, server error): try again later
    # accepted for later processing (Amazon's feeds): the number is confirmed by a later read
    SUBMITTED = "submitted"
    # the channel can never take a number for this listing as it stands (WooCommerce with
    # "manage stock" off, a listing it does not have): suspended at once, shown, not retried
    UNUSABLE = "unusable"
    # not sent: the channel's allowance for writes is spent until retry_after (the adapter
    # keeps count, as for BASE's hourly calls); the cycle goes on, orders are still read
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True)
class UpdateResult:
    channel_item_id: str
    status: UpdateStatus
    quantity: int | None = None  # what the channel shows now, when it said
    message: str = ""
    retry_after: float | None = None  # RETRY: the channel asked to wait this long
    kind: ErrorKind | None = None  # RETRY: what went wrong (the cycle fails with this kind)


class ErrorKind(StrEnum):
    """What went wrong with a channel, chosen by the adapter (never guessed from the text).

    The window and the command line word each kind in one place (``KIND_WORDS``, translated
    by ``app.i18n.channel_error_text``); the message stays for the log and as a detail.
    """

    AUTHENTICATION = "authentication"  # credentials refused or revoked: the channel stops
    CREDENTIALS_EXPIRED = "credentials_expired"  # a key past its end: the channel stops
    UNREACHABLE = "unreachable"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    MALFORMED = "malformed"  # an answer Rendo cannot read
    NOT_FOUND = "not_found"
    REFUSED = "refused"  # the channel said no to the request itself


STOPPING_KINDS = frozenset({ErrorKind.AUTHENTICATION, ErrorKind.CREDENTIALS_EXPIRED})

KIND_WORDS: dict[ErrorKind, str] = {
    ErrorKind.AUTHENTICATION: QT_TRANSLATE_NOOP(
        "ChannelErrors", "{channel} refused Rendo's credentials; this channel is stopped. "
        "Enter new ones ({renew}) in the channel's settings."),
    ErrorKind.CREDENTIALS_EXPIRED: QT_TRANSLATE_NOOP(
        "ChannelErrors", "The credentials of {channel} have expired; this channel is stopped. "
        "Renew them ({renew}) and enter them in the channel's settings."),
    ErrorKind.UNREACHABLE: QT_TRANSLATE_NOOP(
        "ChannelErrors", "{channel} could not be reached; Rendo tries again later."),
    ErrorKind.RATE_LIMITED: QT_TRANSLATE_NOOP(
        "ChannelErrors", "{channel} asked Rendo to slow down; Rendo waits and tries again."),
    ErrorKind.SERVER_ERROR: QT_TRANSLATE_NOOP(
        "ChannelErrors", "{channel} had a problem on its side; Rendo tries again later."),
    ErrorKind.MALFORMED: QT_TRANSLATE_NOOP(
        "ChannelErrors", "{channel} answered in a way Rendo cannot read; Rendo tries again "
        "later."),
    ErrorKind.NOT_FOUND: QT_TRANSLATE_NOOP(
        "ChannelErrors", "{channel}: what Rendo asked for does not exist there; check the "
        "channel's address and settings."),
    ErrorKind.REFUSED: QT_TRANSLATE_NOOP(
        "ChannelErrors", "{channel} refused Rendo's request; Rendo tries again later."),
}


class ChannelError(Exception):
    """The channel could not be reached or answered in a way that fails the whole call.

    *kind* says what went wrong (the adapter chooses it); *message* is the detail, in plain
    English for the log, never with a secret in it; *renew* names the credential parts to
    renew for an authentication failure (empty: all of them).
    """

    def __init__(self, message: str, retry_after: float | None = None,
                 kind: ErrorKind = ErrorKind.SERVER_ERROR, renew: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.kind = kind
        self.renew = renew

    @property
    def stops_channel(self) -> bool:
        """The channel cannot go on until the user enters new credentials."""
        return self.kind in STOPPING_KINDS


@dataclass(frozen=True, slots=True)
class RateBudget:
    """What is left of a channel's request allowance now (shown in the sync panel)."""

    remaining: float
    capacity: float
    unit: str = "calls"  # or "points" (Shopify's query cost)
    # listings the channel lets Rendo write in an hour (BASE: one call each), to tell how
    # long a long upload still takes; None: not the limit that matters
    writes_per_hour: float | None = None


class Credentials(Protocol):
    """A channel's credential parts (``access_token``, ``consumer_key``…), one keyring entry.

    ``renew`` stores parts the channel renewed (access and refresh tokens) at once, so that a
    rotated refresh token is never lost to a crash.
    """

    def get(self, key: str) -> str | None: ...

    def renew(self, parts: dict[str, str]) -> None: ...

    def reload(self) -> None:
        """Read the stored parts again (another process or "Connect" may have renewed them)."""
        ...

    def secrets(self) -> list[str]:
        """Every secret value, to scrub from messages."""
        ...


class MemoryCredentials:
    """Credentials held in memory only: typed in a form and not saved yet, or in tests."""

    def __init__(self, parts: dict[str, str] | None = None) -> None:
        self.parts = dict(parts or {})

    def get(self, key: str) -> str | None:
        return self.parts.get(key) or None

    def renew(self, parts: dict[str, str]) -> None:
        self.parts.update(parts)

    def reload(self) -> None:
        """Nothing is stored elsewhere: the parts are what they are."""

    def secrets(self) -> list[str]:
        return [value for value in self.parts.values() if value]


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

    def test_connection(self) -> str | None:
        """Raise ChannelError with a plain message when the channel cannot be used; a warning
        (plain English) when it can but something needs the owner's attention, else None."""
        ...

    def set_deadline(self, deadline: float | None) -> None:
        """No call may run past *deadline* (a ``time.monotonic()`` value; None: no limit)."""
        ...

    def cancel(self) -> None:
        """Give up every call now (Rendo is stopping); safe to call from any thread."""
        ...

    def close(self) -> None:
        """Release connections; the adapter is not used again."""
        ...

    def budget(self) -> RateBudget | None:
        """What is left of the request allowance now; None when the channel says nothing."""
        ...


@runtime_checkable
class ReadsSomeListings(Protocol):
    """An adapter that can read a few listings without reading every one (optional).

    The engine confirms the numbers an asynchronous channel accepted for later (Amazon) by
    reading only those listings; without this, it reads every listing and keeps those."""

    def read_quantities_of(self, channel_item_ids: Sequence[str]) -> dict[str, int]:
        """What the channel shows now for these listings; a listing left out of the answer
        is not on the channel."""
        ...
