"""A thin Selling Partner API client on Rendo's HttpClient: the Login with Amazon token, the
``x-amz-access-token`` header, per-operation usage plans and Amazon's 429 answers."""

from __future__ import annotations

import platform
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from app import __version__

from ..base import ChannelError, Credentials, ErrorKind
from ..http import HttpClient, Reply

DEFAULT_URL = "https://sellingpartnerapi-fe.amazon.com"
LWA_URL = "https://api.amazon.com"
RENEW_BEFORE_S = 300  # a token is renewed this long before Amazon's expiry
SHORT_WAIT_S = 2.0  # a 429 asking for at most this long is waited out within the call
PACE_MARGIN = 0.9  # of an operation's published rate that Rendo uses
# operation -> (requests per second, burst): the usage plans published with each operation
RATES = {"getListingsItem": (5.0, 10), "patchListingsItem": (5.0, 5),
         "searchListingsItems": (5.0, 5), "getOrders": (0.0167, 20),
         "getOrderItems": (0.5, 30)}
# The Feeds API 2021-06-30 (feeds.py: the JSON listings feed) and the Reports API 2021-06-30
# (reports.py: the listings report past searchListingsItems' 1,000), from their models
RATES.update({"createFeedDocument": (0.5, 15), "createFeed": (0.0083, 15),
              "getFeed": (2.0, 15), "getFeedDocument": (0.0222, 10),
              "createReport": (0.0167, 15), "getReport": (2.0, 15),
              "getReports": (0.0222, 10), "getReportDocument": (0.0167, 15)})
RATES.update({"searchOrders": (0.0056, 20), "getOrder": (0.5, 30)})  # Orders API 2026-01-01


def _attribute(value: str) -> str:
    """An attribute value of the User-Agent, quoted as Amazon asks (backslash, closing
    parenthesis and semicolon each preceded by a backslash)."""
    for char in ("\\", ")", ";"):
        value = value.replace(char, "\\" + char)
    return value


def user_agent() -> str:
    """``Rendo/0.1.0 (Language=Python/3.12.3; Platform=Windows/11)``, as Amazon asks of every
    SP-API call ("Include a User-Agent header in all requests": AppId/AppVersionId
    (Language=…; more attributes separated by semicolons), at most 500 characters)."""
    system = f"{platform.system() or 'unknown'}/{platform.release() or 'unknown'}"
    agent = (f"Rendo/{__version__} (Language=Python/{platform.python_version()}; "
             f"Platform={_attribute(system)})")
    return agent if len(agent) <= 500 else f"Rendo/{__version__} (Language=Python)"


def errors_text(body: Any) -> str:
    """The ``{"errors": [{code, message, details}]}`` of an SP-API answer, in one line."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        parts = []
        for error in body["errors"]:
            if isinstance(error, dict):
                words = [str(error.get(k) or "") for k in ("code", "message", "details")]
                parts.append(": ".join(w for w in words if w))
        return "; ".join(parts)
    return ""


class SpApi:
    """The SP-API of one seller. Two hosts: the SP-API endpoint and Login with Amazon's
    (``url`` replaces both, for a local double)."""

    def __init__(self, credentials: Credentials, url: str | None,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.credentials = credentials
        self.clock = clock
        self.api = HttpClient(url or DEFAULT_URL, auth=self._auth_headers,
                              secrets=self._secrets, sleep=sleep)
        self.lwa = HttpClient(url or LWA_URL, secrets=self._secrets)
        for client in (self.api, self.lwa):
            client.session.headers["User-Agent"] = user_agent()
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.limits: dict[str, float] = {}  # operation -> rate Amazon said (x-amzn-RateLimit)
        self._buckets: dict[str, tuple[float, float]] = {}  # operation -> (tokens, at)

    def _secrets(self) -> list[str]:
        return [*self.credentials.secrets(), *([self._token] if self._token else [])]

    def _auth_headers(self) -> dict[str, str]:
        """The headers "Connecting to the Selling Partner API" lists for each call (step 3):
        the access token and ``x-amz-date``, the time of the request (``20190430T123600Z``;
        the host and User-Agent go with every call anyway)."""
        moment = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
        return {"x-amz-access-token": self.access_token(), "x-amz-date": moment}

    def access_token(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._expires - RENEW_BEFORE_S:
                self._exchange()
            assert self._token is not None
            return self._token

    def forget_token(self) -> None:
        with self._lock:
            self._token = None

    def _exchange(self) -> None:
        """Login with Amazon: the refresh token for an access token (an hour)."""
        self.credentials.reload()
        parts = {key: self.credentials.get(key) for key in
                 ("client_id", "client_secret", "refresh_token")}
        missing = [key for key, value in parts.items() if not value]
        if missing:
            raise ChannelError(f"Amazon needs {', '.join(missing)}",
                               kind=ErrorKind.AUTHENTICATION, renew=tuple(missing))
        reply = self.lwa.call("POST", "/auth/o2/token", ok=(200, 400, 401), form={
            "grant_type": "refresh_token", **{k: str(v) for k, v in parts.items()}})
        body = reply.body if isinstance(reply.body, dict) else {}
        if reply.status != 200:
            error = str(body.get("error") or f"HTTP {reply.status}")
            if error == "invalid_client":
                raise ChannelError("Login with Amazon does not know this app (invalid_client); "
                                   "check client_id and client_secret",
                                   kind=ErrorKind.AUTHENTICATION,
                                   renew=("client_id", "client_secret"))
            if error == "invalid_grant":
                # the refresh token alone: revoked, or the app authorised again (a new one)
                raise ChannelError("Login with Amazon refused the refresh token "
                                   "(invalid_grant): authorise the app again in Seller Central",
                                   kind=ErrorKind.AUTHENTICATION, renew=("refresh_token",))
            raise ChannelError(f"Login with Amazon refused the token request ({error})",
                               kind=ErrorKind.REFUSED)
        try:
            token, lifetime = str(body["access_token"]), float(body.get("expires_in") or 3600)
        except (KeyError, TypeError, ValueError):
            raise ChannelError("Login with Amazon's answer is not readable",
                               kind=ErrorKind.MALFORMED) from None
        self._token, self._expires = token, self.clock() + lifetime

    def call(self, operation: str, method: str, path: str, params: dict[str, Any] | None = None,
             json: Any = None, found: tuple[int, ...] = ()) -> Reply:
        """One operation; a 403 renews the token once, a short 429 is waited out, a long one
        raises RATE_LIMITED with the wait the operation's rate asks for. *found*: other
        statuses returned as answers (404 for a SKU Amazon does not have; 201 and 202 of the
        Feeds and Reports APIs' create operations)."""
        renewed, waits = False, 0
        while True:
            self._pace(operation)
            reply = self.api.call(method, path, json=json, params=params,
                                  ok=(200, 400, 403, 404, 429, *found))
            limit = _rate(reply.headers.get("x-amzn-RateLimit-Limit"))
            if limit:
                self.limits[operation] = limit
            if reply.status == 200 or reply.status in found:
                return reply
            detail = errors_text(reply.body) or f"HTTP {reply.status}"
            if reply.status == 403 and not renewed:
                renewed = True
                self.forget_token()
                continue
            if reply.status == 403:
                raise ChannelError(f"{operation}: access denied ({detail})",
                                   kind=ErrorKind.AUTHENTICATION)
            if reply.status == 429:
                rate = limit or self.limits.get(operation) or RATES[operation][0]
                wait = 1.0 / rate
                if wait <= SHORT_WAIT_S and waits < 3:
                    waits += 1
                    self.api.sleep(wait)
                    continue
                raise ChannelError(f"{operation}: throttled by Amazon ({detail}); its rate is "
                                   f"{rate:g} a second", retry_after=wait,
                                   kind=ErrorKind.RATE_LIMITED)
            kind = ErrorKind.NOT_FOUND if reply.status == 404 else ErrorKind.REFUSED
            raise ChannelError(f"{operation} refused ({detail})", kind=kind)

    def _pace(self, operation: str) -> None:
        """Keep to the operation's usage plan (a token bucket at its rate and burst): wait
        when that is short; a longer wait is not waited (the call goes, and Amazon, which may
        grant this seller more, answers 429 if it must)."""
        with self._lock:
            now = self.clock()
            tokens, rate = self._tokens(operation, now)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / rate
            if wait > SHORT_WAIT_S:
                wait = 0.0
            self._buckets[operation] = (tokens - 1 + wait * rate, now + wait)
        if wait:
            self.api.sleep(wait)

    def _tokens(self, operation: str, now: float) -> tuple[float, float]:
        """(calls in the operation's bucket at *now*, the rate it fills at). The bucket runs
        on the adapter's clock (seconds), as Amazon's refills in real time, sleep included."""
        # a little under the plan: calls delayed on the way arrive bunched at Amazon's end
        rate = (self.limits.get(operation) or RATES[operation][0]) * PACE_MARGIN
        burst = max(1.0, float(RATES[operation][1]) - 1)
        tokens, at = self._buckets.get(operation, (burst, now))
        return min(burst, tokens + (now - at) * rate), rate

    def ready(self, operation: str) -> bool:
        """Whether the operation's bucket has a call for now (after at most a short wait);
        nothing is taken from it."""
        with self._lock:
            tokens, rate = self._tokens(operation, self.clock())
        return tokens >= 1 or (1 - tokens) / rate <= SHORT_WAIT_S

    def close(self) -> None:
        self.api.close()
        self.lwa.close()

    def cancel(self) -> None:
        self.api.cancel()
        self.lwa.cancel()

    def set_deadline(self, deadline: float | None) -> None:
        self.api.cycle_deadline = self.lwa.cycle_deadline = deadline


def _rate(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value and value > 0 else None
