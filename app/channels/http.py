"""The HTTP helper every channel adapter shares: HTTPS only, retries, back-off, rate limit.

Retries server errors, 429s (honouring Retry-After), timeouts, dropped connections and
malformed JSON with exponential back-off and jitter. A Retry-After longer than ``max_backoff``
is not slept through: the call fails at once with ``ChannelError.retry_after`` set, so the
sync engine reschedules instead of blocking its thread. Messages never contain the token.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import threading
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from .base import ChannelError
from .urls import is_loopback

log = logging.getLogger(__name__)

USER_AGENT = "Rendo/0.1 (+stock sync)"
NOT_RETRIED = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
               requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader)


class HttpStatusError(ChannelError):
    """The channel refused the whole call with this HTTP status (not worth retrying)."""

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after)
        self.status = status


class _Retry(Exception):
    """A passing failure of one attempt."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


def check_base_url(url: str) -> str:
    """*url* without a trailing slash; ValueError unless HTTPS or HTTP to loopback."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("http", "https"):
        raise ValueError(f"not a web address: {url!r}")
    if parts.scheme == "http" and not is_loopback(host):
        raise ValueError(f"refusing plain http:// to {host}: channels must use https:// "
                         "(http:// is allowed only to this PC: 127.0.0.1, localhost, [::1])")
    return url.rstrip("/")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpClient:
    """JSON over HTTP(S) on one requests.Session; ``calls`` counts every attempt sent."""

    def __init__(self, base_url: str, token_getter: Callable[[], str | None] | None = None,
                 timeout: float | tuple[float, float] = (3.05, 10), max_retries: int = 4,
                 backoff_base: float = 0.5, max_backoff: float = 30,
                 rate_per_s: float | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base_url = check_base_url(base_url)
        self.token_getter = token_getter
        self.timeout, self.max_retries = timeout, max_retries
        self.backoff_base, self.max_backoff = backoff_base, max_backoff
        self.rate_per_s, self.sleep, self.clock = rate_per_s, sleep, clock
        self.calls = 0
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._random = random.Random()

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, json: Any = None,
                params: dict[str, Any] | None = None,
                ok: Collection[int] = (200, 201, 207)) -> tuple[int, Any]:
        """(status, parsed JSON or None) for a status in *ok*, or 409 (a conflict is an answer).

        Raises ChannelError when the retries are spent, HttpStatusError for other refusals.
        """
        problem, retry_after = "", None
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(self._delay(attempt, retry_after))
            try:
                return self._attempt(method, path, json, params, ok)
            except _Retry as passing:
                problem, retry_after = passing.message, passing.retry_after
            log.info("%s %s: %s (attempt %d of %d)", method, path, problem, attempt + 1,
                     self.max_retries + 1)
            if retry_after is not None and retry_after > self.max_backoff:
                raise ChannelError(self._clean(
                    f"{method} {path}: {problem}; the channel asks to wait {retry_after:g} s"),
                    retry_after)
        raise ChannelError(self._clean(
            f"{method} {path}: {problem} (gave up after {self.max_retries + 1} attempts)"),
            retry_after)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential back-off with jitter, never shorter than the channel's Retry-After."""
        backoff = min(self.max_backoff, self.backoff_base * 2.0 ** (attempt - 1))
        backoff *= self._random.uniform(0.5, 1.0)
        return max(backoff, retry_after or 0.0)

    def _wait_for_slot(self) -> None:
        """The client-side rate limit: calls start at least 1/rate_per_s apart."""
        if not self.rate_per_s:
            return
        with self._lock:
            now = self.clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.rate_per_s
        if slot > now:
            self.sleep(slot - now)

    def _attempt(self, method: str, path: str, json: Any, params: dict[str, Any] | None,
                 ok: Collection[int]) -> tuple[int, Any]:
        self._wait_for_slot()
        headers = {}
        token = self.token_getter() if self.token_getter else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        with self._lock:
            self.calls += 1
        try:
            response = self.session.request(method, self.base_url + path, json=json,
                                            params=params, headers=headers, timeout=self.timeout)
        except NOT_RETRIED as error:
            raise ChannelError(f"{method} {path}: bad request ({type(error).__name__})") from None
        except requests.Timeout:
            limit = self.timeout[-1] if isinstance(self.timeout, tuple) else self.timeout
            raise _Retry(f"no answer within {limit:g} s") from None
        except requests.RequestException as error:
            raise _Retry(f"connection to {urlsplit(self.base_url).netloc} failed "
                         f"({type(error).__name__})") from None
        log.debug("%s %s -> %d", method, path, response.status_code)
        return self._answer(method, path, response, ok)

    def _answer(self, method: str, path: str, response: requests.Response,
                ok: Collection[int]) -> tuple[int, Any]:
        status = response.status_code
        if status in (401, 403):
            raise HttpStatusError(f"authentication failed (HTTP {status}) on {method} {path}: "
                                  "check the channel's access token", status)
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            what = "rate limited" if status == 429 else "server error"
            raise _Retry(f"{what} (HTTP {status})", retry_after)
        if status in ok or status == 409:
            return status, self._json(response)
        detail = _error_text(response)
        raise HttpStatusError(self._clean(
            f"{method} {path} refused (HTTP {status}){': ' + detail if detail else ''}"), status)

    @staticmethod
    def _json(response: requests.Response) -> Any:
        if not response.content:
            return None
        try:
            return jsonlib.loads(response.content)
        except ValueError:
            raise _Retry(f"malformed JSON in the answer (HTTP {response.status_code})") from None

    def _clean(self, message: str) -> str:
        """Belt and braces: the token never leaves in a message."""
        token = self.token_getter() if self.token_getter else None
        return message.replace(token, "***") if token else message


def _error_text(response: requests.Response) -> str:
    try:
        body = jsonlib.loads(response.content)
    except ValueError:
        return ""
    if isinstance(body, dict) and "error" in body:
        extra = {k: v for k, v in body.items() if k != "error"}
        return f"{body['error']}{' ' + jsonlib.dumps(extra, ensure_ascii=False) if extra else ''}"
    return ""
