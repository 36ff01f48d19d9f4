"""Shopify's GraphQL Admin API: one POST per query, the access token in a header, the query
cost kept under the shop's leaky bucket.

Every answer carries ``extensions.cost.throttleStatus`` (bucket size, points available now,
points restored a second). Before a call the client estimates what is available now (the
last status plus the restore since) and waits for the restore when the call's cost would not
fit; a THROTTLED answer (HTTP 200 with ``errors[].extensions.code == "THROTTLED"``, or HTTP
429 with or without that body and a ``Retry-After``) updates the bucket from its
``throttleStatus`` and is waited out (the restore, and at least the Retry-After) and sent
again: 429 is read here, never retried blindly by the HTTP client. A wait longer than
``MAX_THROTTLE_WAIT_S``, past the cycle's deadline, or throttled answers ``MAX_THROTTLED``
times in a row end the call with RATE_LIMITED and the wait in ``retry_after``, so the engine
reschedules instead of holding the channel's thread.

HTTP 401 (a wrong or revoked token) is AUTHENTICATION with ``renew=("access_token",)``; a
missing access scope (``ACCESS_DENIED``) too, naming the scope. Messages never hold the token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..base import ChannelError, ErrorKind, RateBudget
from ..http import HttpClient, parse_retry_after

log = logging.getLogger(__name__)

API_VERSION = "2026-10"  # changeFromQuantity and @idempotent are mandatory since 2026-04
PATH = f"/admin/api/{API_VERSION}/graphql.json"
MAX_THROTTLED = 5  # throttled answers in a row before the call gives up
MAX_THROTTLE_WAIT_S = 60.0  # a longer wait is the engine's to schedule, not this thread's
RENEW = ("access_token",)
SAFETY_POINTS = 1.0


@dataclass
class CostBucket:
    """What Rendo knows of the shop's leaky bucket (the last throttleStatus and when)."""

    capacity: float | None = None
    available: float | None = None
    restore_rate: float | None = None
    at: float = 0.0

    def update(self, status: Any, now: float) -> None:
        try:
            capacity = float(status["maximumAvailable"])
            available = float(status["currentlyAvailable"])
            rate = float(status["restoreRate"])
        except (KeyError, TypeError, ValueError):
            return
        if capacity > 0 and rate > 0 and 0 <= available <= capacity:
            self.capacity, self.available, self.restore_rate, self.at = (
                capacity, available, rate, now)

    def available_at(self, now: float) -> float | None:
        if self.available is None or self.capacity is None or self.restore_rate is None:
            return None
        return min(self.capacity, self.available + max(0.0, now - self.at) * self.restore_rate)

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds until *cost* points are available (0: now; unknown bucket: now)."""
        available = self.available_at(now)
        if available is None or self.restore_rate is None or self.capacity is None:
            return 0.0
        # a point of margin: Shopify rounds what it reports, and the restore goes on meanwhile
        needed = min(cost + SAFETY_POINTS, self.capacity) - available
        return max(0.0, needed / self.restore_rate)


class ShopifyGraphQL:
    """Runs queries and mutations for one shop on one HttpClient."""

    def __init__(self, client: HttpClient, name: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.name = name  # the channel's name, for messages
        self.clock = clock
        self.bucket = CostBucket()
        self.costs: dict[str, float] = {}  # what Shopify priced each operation at last
        self.server_time: datetime | None = None  # Shopify's clock: the last answer's Date

    def budget(self) -> RateBudget | None:
        available = self.bucket.available_at(self.clock())
        if available is None or self.bucket.capacity is None:
            return None
        return RateBudget(available, self.bucket.capacity, "points")

    def run(self, operation: str, query: str, variables: dict[str, Any] | None = None,
            cost: float = 1.0) -> dict[str, Any]:
        """The ``data`` of *query*; *cost* is the estimate before Shopify has priced it."""
        key = f"{operation}/{cost:g}"  # the same operation with other page sizes costs more
        estimate = max(cost, self.costs.get(key, 0.0))
        asked: float | None = None
        for _ in range(MAX_THROTTLED):
            self._pause(self.bucket.wait_for(estimate, self.clock()))
            body, asked = self._post(operation, query, variables)
            extensions = body.get("extensions")
            cost_info = extensions.get("cost") if isinstance(extensions, dict) else None
            if isinstance(cost_info, dict):
                self.bucket.update(cost_info.get("throttleStatus"), self.clock())
                requested = cost_info.get("requestedQueryCost")
                if isinstance(requested, int | float) and requested > 0:
                    self.costs[key] = estimate = float(requested)
            errors = body.get("errors")
            if errors or asked is not None:
                if asked is None and not _has_code(errors, "THROTTLED"):
                    self._fail(operation, errors)
                log.info("%s: Shopify throttled %s (cost %g)", self.name, operation, estimate)
                wait = max(self.bucket.wait_for(estimate, self.clock()), asked or 0.0)
                self._pause(wait if wait > 0 else 1.0 / (self.bucket.restore_rate or 1.0))
                continue
            data = body.get("data")
            if not isinstance(data, dict):
                raise ChannelError(f"{self.name}: Shopify's answer to {operation} has no data",
                                   kind=ErrorKind.MALFORMED)
            return data
        wait = max(1.0, self.bucket.wait_for(estimate, self.clock()), asked or 0.0)
        raise ChannelError(f"{self.name}: Shopify throttled {operation} {MAX_THROTTLED} times "
                           "in a row", retry_after=wait, kind=ErrorKind.RATE_LIMITED)

    def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        deadline = self.client.cycle_deadline
        if seconds > MAX_THROTTLE_WAIT_S or (
                deadline is not None and time.monotonic() + seconds > deadline):
            raise ChannelError(f"{self.name}: Shopify's rate limit needs a wait of "
                               f"{seconds:.1f} s", retry_after=seconds,
                               kind=ErrorKind.RATE_LIMITED)
        self.client.sleep(seconds)

    def _post(self, operation: str, query: str,
              variables: dict[str, Any] | None) -> tuple[dict[str, Any], float | None]:
        """The answer's body, and for a throttled HTTP 429 the wait Shopify asks (its
        Retry-After, 0 without one); None for any other answer."""
        reply = self.client.call("POST", PATH, json={"query": query,
                                                     "variables": variables or {}},
                                 ok=(200, 400, 401, 402, 403, 404, 423, 429))
        status = reply.status
        self.server_time = _date(reply.headers) or self.server_time
        if status == 429:  # read here, not retried blindly by the client: see run()
            asked = parse_retry_after(reply.headers.get("Retry-After"))
            return (reply.body if isinstance(reply.body, dict) else {}), asked or 0.0
        if status in (401, 403):
            raise ChannelError(f"{self.name}: Shopify refused the access token (HTTP {status}):"
                               " it is wrong or the app was uninstalled", kind=ErrorKind.
                               AUTHENTICATION, renew=RENEW)
        if status == 402:
            raise ChannelError(f"{self.name}: the shop is frozen (HTTP 402 Payment Required)",
                               kind=ErrorKind.REFUSED)
        if status == 423:
            raise ChannelError(f"{self.name}: the shop is locked (HTTP 423)",
                               kind=ErrorKind.REFUSED)
        if status == 404:
            raise ChannelError(f"{self.name}: no Shopify Admin API at this address (HTTP 404 "
                               f"for {PATH}); check the shop's address "
                               "(https://SHOP.myshopify.com)", kind=ErrorKind.NOT_FOUND)
        if status == 400 or not isinstance(reply.body, dict):
            raise ChannelError(f"{self.name}: Shopify could not read Rendo's {operation} "
                               f"(HTTP {status})", kind=ErrorKind.MALFORMED)
        return reply.body, None

    def _fail(self, operation: str, errors: Any) -> None:
        messages = "; ".join(_messages(errors))[:500]
        if _has_code(errors, "ACCESS_DENIED"):
            raise ChannelError(f"{self.name}: the app's access token lacks an access scope "
                               f"for {operation}: {messages}", kind=ErrorKind.AUTHENTICATION,
                               renew=RENEW)
        if _has_code(errors, "INTERNAL_SERVER_ERROR"):
            raise ChannelError(f"{self.name}: Shopify failed on {operation}: {messages}",
                               kind=ErrorKind.SERVER_ERROR)
        raise ChannelError(f"{self.name}: Shopify refused {operation}: {messages}",
                           kind=ErrorKind.REFUSED)


def _codes(errors: Any) -> list[str]:
    if not isinstance(errors, list):
        return []
    return [str(e.get("extensions", {}).get("code")) for e in errors
            if isinstance(e, dict) and isinstance(e.get("extensions"), dict)]


def _has_code(errors: Any, code: str) -> bool:
    return code in _codes(errors)


def _messages(errors: Any) -> list[str]:
    if isinstance(errors, str):
        return [errors]
    if not isinstance(errors, list):
        return [str(errors)]
    return [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]


def _date(headers: Any) -> datetime | None:
    try:
        moment = parsedate_to_datetime(headers.get("Date"))
    except (TypeError, ValueError, AttributeError, IndexError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
